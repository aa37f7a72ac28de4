//! `connective samples`: small, reproducible extracts of the MNIST test set for the page (a
//! sprite of real digits) and for tests (IDX fixtures, and PNGs that look like scanned paper).

use std::path::Path;

use image::{GrayImage, Luma, imageops};
use serde_json::json;

use connective::data::idx::{IdxImages, encode_images, encode_labels};
use connective::data::mnist::Mnist;
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
/// and one `paper-<d>.png` per digit (dark ink on white, 112×112, like a photo of paper).
pub fn run(data: &Path, out: &Path, per_class: usize, fixtures: bool) -> Result<()> {
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
    }
    Ok(())
}
