//! `connective samples`: small, reproducible extracts of the MNIST test set for the page (a
//! sprite of real digits) and for tests (IDX fixtures, and PNGs that look like scanned paper).

use std::path::Path;

use image::{GrayImage, Luma, imageops};
use serde_json::json;

use connective::data::idx::{IdxImages, encode_images, encode_labels};
use connective::data::mnist::Mnist;
use connective::data::redraw::{Style, redraw};
use connective::model::io::Manifest;
use connective::error::{Error, Result};

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    connective::model::io::write_atomically(path, bytes)
}

/// The first `per_class` test images of each digit, ordered by digit.
pub fn pick(mnist: &Mnist, per_class: usize) -> Vec<usize> {
    (0..10u8)
        .flat_map(|d| (0..mnist.test_labels.len()).filter(move |&i| mnist.test_labels[i] == d).take(per_class))
        .collect()
}

/// Writes `mnist-test.png` (10 rows, one per digit, `per_class` columns of 28×28 tiles) and
/// `mnist-test.json` into `out`; with `fixtures`, also `digits-idx3-ubyte`, `digits-idx1-ubyte`
/// and one `paper-<d>.png` per digit (dark ink on white, 112×112, like a photo of paper);
/// without, the reference sprites of the digit models of `models` (`references`).
pub fn run(data: &Path, models: &Path, out: &Path, per_class: usize, fixtures: bool) -> Result<()> {
    let mnist = Mnist::load(data)?;
    std::fs::create_dir_all(out).map_err(|e| Error::data(out.display().to_string(), e.to_string()))?;
    let idx = pick(&mnist, per_class);
    let mut sprite = GrayImage::new((28 * per_class) as u32, 28 * 10);
    for (k, &i) in idx.iter().enumerate() {
        let (row, col) = (k / per_class, k % per_class);
        for (p, &v) in mnist.test_images.image(i).iter().enumerate() {
            sprite.put_pixel((col * 28 + p % 28) as u32, (row * 28 + p / 28) as u32, Luma([v]));
        }
    }
    let png = out.join("mnist-test.png");
    sprite.save(&png).map_err(|e| Error::data(png.display().to_string(), e.to_string()))?;
    let labels: Vec<u8> = idx.iter().map(|&i| mnist.test_labels[i]).collect();
    let meta = json!({
        "tile": 28, "rows": 10, "columns": per_class, "labels": labels,
        "test_indices": idx,
        "source": format!("MNIST test set (t10k), the first {per_class} images of each digit"),
        "licence": "MNIST (LeCun, Cortes, Burges), CC BY-SA 3.0",
    });
    write(&out.join("mnist-test.json"), serde_json::to_string(&meta).unwrap().as_bytes())?;
    if fixtures {
        let mut pixels = Vec::new();
        for &i in &idx {
            pixels.extend_from_slice(mnist.test_images.image(i));
        }
        write(&out.join("digits-idx3-ubyte"), &encode_images(&IdxImages { count: idx.len(), rows: 28, cols: 28, channels: 1, pixels }))?;
        write(&out.join("digits-idx1-ubyte"), &encode_labels(&labels))?;
        for d in 0..10 {
            let i = idx[d * per_class];
            let tile = GrayImage::from_fn(28, 28, |x, y| Luma([255 - mnist.test_images.image(i)[(y * 28 + x) as usize]]));
            let big = imageops::resize(&tile, 112, 112, imageops::FilterType::Triangle);
            let p = out.join(format!("paper-{d}.png"));
            big.save(&p).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
        }
    } else {
        references(&mnist, models, &out.join("references"))?;
    }
    Ok(())
}

/// Tiles per row of a reference sprite.
const REFERENCE_COLUMNS: usize = 16;

/// For each digit model of `models` that judges by its nearest training digits, `out/<name>.png`:
/// the training digit that stands for each of its reference rows (`ModelEntry::references`), in
/// row order, 16 tiles of 28×28 per row, white ink on black as the model sees it; a pen reference
/// drawn with the pen (`data::redraw`), as its row was made. The page shows the nearest three.
fn references(mnist: &Mnist, models: &Path, out: &Path) -> Result<()> {
    let manifest = Manifest::read_in_dir(models)?;
    std::fs::create_dir_all(out).map_err(|e| Error::data(out.display().to_string(), e.to_string()))?;
    for entry in manifest.models.iter().filter(|e| !e.references.is_empty()) {
        let k = entry.references.len();
        let rows = k.div_ceil(REFERENCE_COLUMNS);
        let mut sprite = GrayImage::new((28 * REFERENCE_COLUMNS) as u32, (28 * rows) as u32);
        for (j, r) in entry.references.iter().enumerate() {
            if r.image >= mnist.train_images.count {
                return Err(Error::model(&entry.name, format!("reference {j} names training image {}, of {}", r.image, mnist.train_images.count)));
            }
            let tile: Vec<u8> = if r.pen {
                redraw(&mnist.train_images, &[r.image], Style::Pen)?.iter().map(|&v| (v * 255.0).round().clamp(0.0, 255.0) as u8).collect()
            } else {
                mnist.train_images.image(r.image).to_vec()
            };
            let (row, col) = (j / REFERENCE_COLUMNS, j % REFERENCE_COLUMNS);
            for (p, &v) in tile.iter().enumerate() {
                sprite.put_pixel((col * 28 + p % 28) as u32, (row * 28 + p / 28) as u32, Luma([v]));
            }
        }
        let png = out.join(format!("{}.png", entry.name));
        let mut bytes = Vec::new();
        sprite.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).map_err(|e| Error::data(png.display().to_string(), e.to_string()))?;
        write(&png, &bytes)?;
    }
    Ok(())
}
