//! `connective samples --photos`: the page's sample photos (held-out Caltech 101 photos of the
//! shipped photo models' classes, a few other classes and clutter, downscaled JPEGs with their
//! source names for the CC BY 4.0 attribution) and, with `--fixtures`, a tiny photo folder for
//! the reader and `--quick` protocol tests.

use std::path::Path;

use image::{RgbImage, imageops};
use serde_json::json;

use connective::data::folders::picture_files;
use connective::error::{Error, Result};
use connective::eval::caltech::{CLUTTER, held_out};
use connective::model::io::Manifest;

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::data(path.display().to_string(), e.to_string())
}

/// Photos per class of a shipped model, per other class, and of clutter.
const PER_MODEL_CLASS: usize = 3;
const OTHER_CLASSES: [&str; 3] = ["bonsai", "helicopter", "ketch"];
const PER_OTHER: usize = 1;
const PER_CLUTTER: usize = 3;
/// Gallery sprites: side of a thumbnail and thumbnails per row.
const GALLERY_CELL: usize = 40;
const GALLERY_COLUMNS: usize = 16;

pub fn run(data: &Path, models: &Path, out: &Path, fixtures: Option<&Path>) -> Result<()> {
    let mpath = models.join("manifest.json");
    let manifest = Manifest::read_in_dir(models)?;
    let photo_models: Vec<_> = manifest.photos.iter().collect();
    let first = photo_models.first().ok_or_else(|| io(&mpath, "no photo detectors in the manifest"))?;
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
    let files = |class: &str| picture_files(&data.join(class));
    let mut picks: Vec<(String, usize)> = Vec::new();
    for class in &classes {
        picks.extend(held_out(files(class)?.len(), class, seed, val_fraction)?.into_iter().take(PER_MODEL_CLASS).map(|i| (class.clone(), i)));
    }
    for class in OTHER_CLASSES {
        picks.extend((0..PER_OTHER).map(|i| (class.to_string(), i * 7)));
    }
    picks.extend((0..PER_CLUTTER).map(|i| (CLUTTER.to_string(), i * 11)));

    let dir = out.join("photos");
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
    let mut list = Vec::new();
    for (class, i) in &picks {
        let class_files = files(class)?;
        let src = class_files.get(*i).ok_or_else(|| io(&data.join(class), format!("has no photo {i}")))?;
        let img = image::open(src).map_err(|e| io(src, e))?.to_rgb8();
        let (w, h) = img.dimensions();
        // Short side 224 px: the detectors crop 192 px squares, which must not be upscaled.
        let s = 224.0 / w.min(h) as f64;
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
    }
    // Each detector's gallery as one sprite (its training photos in gallery order, centre-cropped
    // as the detector sees them): the page shows the nearest ones beside a verdict.
    let mut galleries = serde_json::Map::new();
    for m in &photo_models {
        let file = format!("gallery-{}.jpg", m.name);
        let path = dir.join(&file);
        let columns = GALLERY_COLUMNS.min(m.gallery.len().max(1));
        let rows = m.gallery.len().div_ceil(columns);
        let mut sheet = RgbImage::from_pixel((columns * GALLERY_CELL) as u32, (rows * GALLERY_CELL) as u32, image::Rgb([255, 255, 255]));
        for (k, photo) in m.gallery.iter().enumerate() {
            let src = data.join(photo);
            let img = image::open(&src).map_err(|e| io(&src, e))?.to_rgb8();
            let (w, h) = img.dimensions();
            let side = w.min(h);
            let square = imageops::crop_imm(&img, (w - side) / 2, (h - side) / 2, side, side).to_image();
            let cell = imageops::resize(&square, GALLERY_CELL as u32, GALLERY_CELL as u32, imageops::FilterType::Triangle);
            imageops::replace(&mut sheet, &cell, ((k % columns) * GALLERY_CELL) as i64, ((k / columns) * GALLERY_CELL) as i64);
        }
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 70).encode_image(&sheet).map_err(|e| io(&path, e))?;
        connective::model::io::write_atomically(&path, &bytes)?;
        galleries.insert(m.name.clone(), json!({"file": file, "cell": GALLERY_CELL, "columns": columns, "count": m.gallery.len()}));
    }
    let meta = json!({
        "photos": list,
        "galleries": galleries,
        "credit": "Caltech 101: L. Fei-Fei, R. Fergus, P. Perona; CaltechDATA doi:10.22002/D1.20086; CC BY 4.0. Downscaled.",
        "held_out_from": photo_models.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
    });
    let mpath = dir.join("photos.json");
    connective::model::io::write_atomically(&mpath, serde_json::to_string_pretty(&meta).unwrap().as_bytes())?;
    println!("wrote {} sample photos to {}", picks.len(), dir.display());

    if let Some(fx) = fixtures {
        tiny_folder(data, &fx.join("photos"))?;
        println!("wrote the tiny photo folder {}", fx.join("photos").display());
    }
    Ok(())
}

/// Two object classes and clutter, 10 photos each at 48 px, plus one corrupt file.
fn tiny_folder(data: &Path, out: &Path) -> Result<()> {
    for class in ["airplanes", "Motorbikes", CLUTTER] {
        let dir = out.join(class);
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let c = picture_files(&data.join(class))?;
        for i in 0..10.min(c.len()) {
            let src = &c[i * c.len() / 10];
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
