//! A folder of photos, one sub-folder per class (Caltech-101's layout): every JPEG/PNG/WebP is
//! decoded with the `image` crate and brought to `[3, size, size]` by `photo::photo_from_rgba`.
//! A file that cannot be decoded is skipped and named in `skipped` (the caller warns); it never
//! stops the run.

use std::path::{Path, PathBuf};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::{Error, Result};
use super::photo::photo_from_rgba;

/// One class of photos, decoded.
pub struct PhotoClass {
    pub name: String,
    /// The files that decoded, in name order; `images` holds theirs in the same order.
    pub files: Vec<PathBuf>,
    /// `files.len()` images, each `3 × size × size` floats, one after another.
    pub images: Vec<f32>,
}

impl PhotoClass {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

pub struct PhotoFolder {
    pub dir: PathBuf,
    pub size: usize,
    /// Classes in name order.
    pub classes: Vec<PhotoClass>,
    /// Files that could not be read or decoded, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Class folder names under `dir`, sorted.
pub fn class_names(dir: &Path) -> Result<Vec<String>> {
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

/// Decodes one photo file to model input.
pub fn load_photo(path: &Path, size: usize) -> Result<Vec<f32>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::data(&name, format!("cannot read: {e}")))?;
    let picture = image::load_from_memory(&bytes).map_err(|e| Error::data(&name, format!("not a readable picture: {e}")))?.to_rgba8();
    let (w, h) = picture.dimensions();
    photo_from_rgba(picture.as_raw(), w as usize, h as usize, size).map_err(|e| Error::data(&name, e.to_string()))
}

impl PhotoFolder {
    /// Loads the classes `only` (all when empty) from `dir`, decoding on `threads` threads.
    pub fn load(dir: &Path, size: usize, only: &[String], threads: usize) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::data(dir.display().to_string(), "no such directory (point --data at the photo folder)"));
        }
        let all = class_names(dir)?;
        if let Some(missing) = only.iter().find(|c| !all.contains(c)) {
            return Err(Error::data(dir.display().to_string(), format!("no class folder {missing:?} (it has: {})", all.join(", "))));
        }
        let wanted: Vec<String> = if only.is_empty() { all } else { all.into_iter().filter(|c| only.contains(c)).collect() };
        let mut jobs = Vec::new();
        for (ci, class) in wanted.iter().enumerate() {
            let files = picture_files(&dir.join(class))?;
            jobs.extend(files.into_iter().map(|f| (ci, f)));
        }
        // Decode in parallel; results keep the job order so the data set is deterministic.
        let chunk = jobs.len().div_ceil(threads.max(1)).max(1);
        let decoded: Vec<Result<Vec<f32>>> = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(|(_, f)| load_photo(f, size)).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut classes: Vec<PhotoClass> =
            wanted.iter().map(|n| PhotoClass { name: n.clone(), files: Vec::new(), images: Vec::new() }).collect();
        let mut skipped = Vec::new();
        for ((ci, file), result) in jobs.into_iter().zip(decoded) {
            match result {
                Ok(pixels) => {
                    classes[ci].files.push(file);
                    classes[ci].images.extend(pixels);
                }
                Err(e) => skipped.push((file, e.to_string())),
            }
        }
        Ok(Self { dir: dir.to_path_buf(), size, classes, skipped })
    }

    pub fn class(&self, name: &str) -> Result<&PhotoClass> {
        self.classes.iter().find(|c| c.name == name).ok_or_else(|| {
            Error::data(self.dir.display().to_string(), format!("no class {name:?} loaded"))
        })
    }

    /// Image `i` of class `c`.
    pub fn image<'a>(&self, class: &'a PhotoClass, i: usize) -> &'a [f32] {
        let len = 3 * self.size * self.size;
        &class.images[i * len..(i + 1) * len]
    }
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
