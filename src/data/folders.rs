//! A folder of photos, one sub-folder per class (Caltech-101's layout): its class folders, the
//! picture files (JPEG, PNG, WebP) of each, and the per-class split of a class's photos. Decoding
//! is the caller's (`train::features`).

use std::path::{Path, PathBuf};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::{Error, Result};

/// Class folder names under `dir`, sorted.
pub fn class_names(dir: &Path) -> Result<Vec<String>> {
    if !dir.is_dir() {
        let what = if dir.is_file() { "is a file" } else { "no such folder" };
        return Err(Error::data(dir.display().to_string(), format!("{what}: point --data at the photo folder (one sub-folder of photos per class)")));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::data(dir.display().to_string(), format!("cannot list the photo folder: {e}")))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(Error::data(dir.display().to_string(), "no class folders (expected one sub-folder of photos per class)"));
    }
    Ok(names)
}

fn is_picture(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png" | "webp"))
}

/// The picture files (JPEG, PNG, WebP) of one class folder, in name order.
pub fn picture_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::data(dir.display().to_string(), e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_picture(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Indices of one class's photos split into train, validation and test parts (shuffled with
/// `seed`): test first, then validation from what remains. Each part gets at least one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoSplit {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

pub fn photo_split(n: usize, test_fraction: f64, val_fraction: f64, seed: u64) -> Result<PhotoSplit> {
    if n < 3 {
        return Err(Error::Config(format!("a class needs at least 3 photos (train, validation, test), has {n}")));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut StdRng::seed_from_u64(seed));
    let n_test = ((n as f64 * test_fraction).round() as usize).clamp(1, n - 2);
    let n_val = (((n - n_test) as f64 * val_fraction).round() as usize).clamp(1, n - n_test - 1);
    Ok(PhotoSplit {
        test: idx[..n_test].to_vec(),
        val: idx[n_test..n_test + n_val].to_vec(),
        train: idx[n_test + n_val..].to_vec(),
    })
}
