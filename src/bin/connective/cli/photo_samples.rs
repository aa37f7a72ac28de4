//! `connective samples --photos`: the page's sample photos (held-out Caltech 101 photos of the
//! shipped photo models' classes, a few other classes and clutter, downscaled JPEGs with their
//! source names for the CC BY 4.0 attribution) and, with `--fixtures`, the browser parity
//! fixture (the same photos preprocessed to 32×32, as a colour IDX file) and a tiny photo folder
//! for the reader and `--quick` protocol tests.

use std::path::Path;

use image::{RgbImage, imageops};
use serde_json::json;

use connective::data::folders::PhotoFolder;
use connective::data::idx::{IdxImages, encode_images};
use connective::data::photo::chw_to_hwc;
use connective::error::{Error, Result};
use connective::eval::caltech::{CLUTTER, PHOTO_SIZE, held_out};
use connective::model::io::Manifest;

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::data(path.display().to_string(), e.to_string())
}

/// Photos per class of a shipped model, per other class, and of clutter.
const PER_MODEL_CLASS: usize = 3;
const OTHER_CLASSES: [&str; 3] = ["Leopards", "sunflower", "watch"];
const PER_OTHER: usize = 1;
const PER_CLUTTER: usize = 3;

pub fn run(data: &Path, models: &Path, out: &Path, fixtures: Option<&Path>) -> Result<()> {
    let mpath = models.join("manifest.json");
    let manifest = Manifest::read_in_dir(models)?;
    let photo_models: Vec<_> = manifest.models.iter().filter(|m| m.dataset == "caltech101").collect();
    let first = photo_models.first().ok_or_else(|| io(&mpath, "no photo models (dataset caltech101) in the manifest"))?;
    let (seed, val_fraction) = (first.recipe.seed, first.recipe.val_fraction);
    let mut classes: Vec<String> = photo_models.iter().flat_map(|m| m.positive_classes.clone()).collect();
    classes.sort();
    classes.dedup();
    // Held out from *every* shipped model: all photo models share one seed and split rule.
    if let Some(m) = photo_models.iter().find(|m| (m.recipe.seed, m.recipe.val_fraction) != (seed, val_fraction)) {
        return Err(Error::Config(format!("{} was trained with another seed or split than {}", m.name, first.name)));
    }
    let mut wanted = classes.clone();
    wanted.extend(OTHER_CLASSES.iter().map(|s| s.to_string()));
    wanted.push(CLUTTER.into());
    let folder = PhotoFolder::load(data, PHOTO_SIZE, &wanted, 2)?;
    let mut picks: Vec<(String, usize)> = Vec::new();
    for class in &classes {
        picks.extend(held_out(&folder, class, seed, val_fraction)?.into_iter().take(PER_MODEL_CLASS).map(|i| (class.clone(), i)));
    }
    for class in OTHER_CLASSES {
        picks.extend((0..PER_OTHER).map(|i| (class.to_string(), i * 7)));
    }
    picks.extend((0..PER_CLUTTER).map(|i| (CLUTTER.to_string(), i * 11)));

    let dir = out.join("photos");
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let mut list = Vec::new();
    let mut fixture = Vec::new();
    for (class, i) in &picks {
        let c = folder.class(class)?;
        let src = &c.files[*i];
        let img = image::open(src).map_err(|e| io(src, e))?.to_rgb8();
        let (w, h) = img.dimensions();
        let s = 160.0 / w.max(h) as f64;
        let thumb: RgbImage = if s < 1.0 {
            imageops::resize(&img, ((w as f64 * s).round() as u32).max(1), ((h as f64 * s).round() as u32).max(1), imageops::FilterType::Triangle)
        } else {
            img
        };
        let source = src.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
        let file = format!("{}-{}", class.to_lowercase(), source);
        let path = dir.join(&file);
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&thumb)
            .map_err(|e| io(&path, e))?;
        connective::model::io::write_atomically(&path, &bytes)?;
        list.push(json!({"file": file, "class": class, "source": format!("{class}/{source}")}));
        fixture.extend(chw_to_hwc(folder.image(c, *i), PHOTO_SIZE, PHOTO_SIZE));
    }
    let meta = json!({
        "photos": list,
        "credit": "Caltech 101: L. Fei-Fei, R. Fergus, P. Perona; CaltechDATA doi:10.22002/D1.20086; CC BY 4.0. Downscaled.",
        "held_out_from": photo_models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
    });
    let mpath = dir.join("photos.json");
    connective::model::io::write_atomically(&mpath, serde_json::to_string_pretty(&meta).unwrap().as_bytes())?;
    println!("wrote {} sample photos to {}", picks.len(), dir.display());

    if let Some(fx) = fixtures {
        let images = IdxImages { count: picks.len(), rows: PHOTO_SIZE, cols: PHOTO_SIZE, channels: 3, pixels: fixture };
        let p = fx.join("photos-idx4-ubyte");
        connective::model::io::write_atomically(&p, &encode_images(&images))?;
        tiny_folder(&folder, &fx.join("photos"))?;
        println!("wrote {} and the tiny photo folder {}", p.display(), fx.join("photos").display());
    }
    Ok(())
}

/// Two object classes and clutter, 10 photos each at 48 px, plus one corrupt file.
fn tiny_folder(folder: &PhotoFolder, out: &Path) -> Result<()> {
    for class in ["airplanes", "Motorbikes", CLUTTER] {
        let dir = out.join(class);
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let c = folder.class(class)?;
        for i in 0..10.min(c.len()) {
            let src = &c.files[i * c.len() / 10];
            let img = image::open(src).map_err(|e| io(src, e))?.to_rgb8();
            let small = imageops::thumbnail(&img, 48, 48);
            let path = dir.join(src.file_name().unwrap());
            small.save(&path).map_err(|e| io(&path, e))?;
        }
    }
    let broken = out.join("airplanes").join("broken.jpg");
    connective::model::io::write_atomically(&broken, b"\xff\xd8\xff\xe0 this is not really a JPEG")?;
    Ok(())
}
