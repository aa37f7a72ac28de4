//! The IDX file format of MNIST (LeCun et al.): a big-endian header (magic, dimension sizes)
//! followed by unsigned bytes. Parsing works on bytes so that it is testable without files;
//! `read_idx_file` (native) adds gzip and the file name to every error.

use crate::error::{Error, Result};

/// A stack of greyscale images, row-major, one byte per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.rows * self.cols;
        &self.pixels[i * n..(i + 1) * n]
    }
}

const MAGIC_IMAGES: u32 = 0x0000_0803; // unsigned byte, 3 dimensions
const MAGIC_LABELS: u32 = 0x0000_0801; // unsigned byte, 1 dimension

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn header(bytes: &[u8], name: &str, magic: u32, dims: usize) -> Result<Vec<usize>> {
    let found = be_u32(bytes, 0)
        .ok_or_else(|| Error::data(name, format!("truncated: {} bytes, no IDX header", bytes.len())))?;
    if found != magic {
        let what = if magic == MAGIC_IMAGES { "images (0x00000803)" } else { "labels (0x00000801)" };
        return Err(Error::data(
            name,
            format!("bad magic number 0x{found:08x}: not an IDX file of {what}"),
        ));
    }
    (0..dims)
        .map(|d| {
            be_u32(bytes, 4 + 4 * d)
                .map(|v| v as usize)
                .ok_or_else(|| Error::data(name, "truncated inside the IDX header"))
        })
        .collect()
}

fn body<'a>(bytes: &'a [u8], name: &str, offset: usize, expected: usize) -> Result<&'a [u8]> {
    let have = bytes.len().saturating_sub(offset);
    if have < expected {
        return Err(Error::data(
            name,
            format!("truncated: header promises {expected} data bytes, file has {have}"),
        ));
    }
    Ok(&bytes[offset..offset + expected])
}

/// Parses an IDX3 image file (already decompressed).
pub fn parse_images(bytes: &[u8], name: &str) -> Result<IdxImages> {
    let dims = header(bytes, name, MAGIC_IMAGES, 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    let data = body(bytes, name, 16, count * rows * cols)?;
    Ok(IdxImages { count, rows, cols, pixels: data.to_vec() })
}

/// Parses an IDX1 label file (already decompressed).
pub fn parse_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let dims = header(bytes, name, MAGIC_LABELS, 1)?;
    Ok(body(bytes, name, 8, dims[0])?.to_vec())
}

/// Reads a whole file, gunzipping it when it starts with the gzip magic bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_maybe_gz(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let name = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| Error::data(&name, format!("cannot read: {e}")))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::data(&name, format!("corrupt gzip stream: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Reads an IDX image file, gzipped or raw.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_images(path: &std::path::Path) -> Result<IdxImages> {
    parse_images(&read_maybe_gz(path)?, &path.display().to_string())
}

/// Reads an IDX label file, gzipped or raw.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_labels(path: &std::path::Path) -> Result<Vec<u8>> {
    parse_labels(&read_maybe_gz(path)?, &path.display().to_string())
}

/// Encodes images as IDX3 bytes (fixtures, exports).
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    for v in [MAGIC_IMAGES, images.count as u32, images.rows as u32, images.cols as u32] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

/// Encodes labels as IDX1 bytes.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&MAGIC_LABELS.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
