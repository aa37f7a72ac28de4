//! The IDX file format of MNIST (LeCun et al.): a big-endian header (magic, dimension sizes)
//! followed by unsigned bytes. Parsing works on bytes so that it is testable without files;
//! `read_images` and `read_labels` (native) add gzip and the file name to every error.

use super::preprocess::unit;
use crate::error::{Error, Result};

/// A stack of images, row-major, one byte per value: greyscale (IDX3, `[count, rows, cols]`)
/// or colour (IDX with 4 dimensions, `[count, rows, cols, channels]`, channels interleaved).
#[derive(Debug, Clone, PartialEq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// 1 for IDX3 files.
    pub channels: usize,
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.rows * self.cols * self.channels;
        &self.pixels[i * n..(i + 1) * n]
    }

    /// Image `i` as model input: channel-major floats in [0, 1].
    pub fn unit_chw(&self, i: usize) -> Vec<f32> {
        let (c, hw) = (self.channels, self.rows * self.cols);
        let img = self.image(i);
        (0..c * hw).map(|j| unit(img[(j % hw) * c + j / hw])).collect()
    }
}

const MAGIC_IMAGES: u32 = 0x0000_0803; // unsigned byte, 3 dimensions
const MAGIC_LABELS: u32 = 0x0000_0801; // unsigned byte, 1 dimension
const MAGIC_COLOUR: u32 = 0x0000_0804; // unsigned byte, 4 dimensions

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn header(bytes: &[u8], name: &str, magic: u32, dims: usize) -> Result<Vec<usize>> {
    let found = be_u32(bytes, 0)
        .ok_or_else(|| Error::data(name, format!("truncated: {} bytes, no IDX header", bytes.len())))?;
    if found != magic {
        let what = match magic {
            MAGIC_IMAGES => "images (0x00000803, or 0x00000804 for colour)",
            _ => "labels (0x00000801)",
        };
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

/// The most data bytes an IDX file may hold, and the most a gzipped one may inflate to (MNIST's
/// training images are 47 MB).
pub const MAX_IDX_BYTES: usize = 1 << 30;

/// The product of the header's dimensions, checked: an error past `MAX_IDX_BYTES` (or past
/// usize) instead of an overflow.
fn data_len(dims: &[usize], name: &str) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_IDX_BYTES)
        .ok_or_else(|| Error::data(name, format!("the header's dimensions {dims:?} promise more than {} MB of data", MAX_IDX_BYTES >> 20)))
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

/// Parses an IDX image file (already decompressed): IDX3 greyscale or 4-dimensional colour.
pub fn parse_images(bytes: &[u8], name: &str) -> Result<IdxImages> {
    if be_u32(bytes, 0) == Some(MAGIC_COLOUR) {
        let dims = header(bytes, name, MAGIC_COLOUR, 4)?;
        let (count, rows, cols, channels) = (dims[0], dims[1], dims[2], dims[3]);
        let data = body(bytes, name, 20, data_len(&dims, name)?)?;
        return Ok(IdxImages { count, rows, cols, channels, pixels: data.to_vec() });
    }
    let dims = header(bytes, name, MAGIC_IMAGES, 3)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    let data = body(bytes, name, 16, data_len(&dims, name)?)?;
    Ok(IdxImages { count, rows, cols, channels: 1, pixels: data.to_vec() })
}

/// Parses an IDX1 label file (already decompressed).
pub fn parse_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let dims = header(bytes, name, MAGIC_LABELS, 1)?;
    Ok(body(bytes, name, 8, data_len(&dims, name)?)?.to_vec())
}

/// Encodes images as IDX bytes (fixtures, exports): IDX3 for greyscale, 4 dimensions for colour.
pub fn encode_images(images: &IdxImages) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + images.pixels.len());
    let header = if images.channels == 1 {
        vec![MAGIC_IMAGES, images.count as u32, images.rows as u32, images.cols as u32]
    } else {
        vec![MAGIC_COLOUR, images.count as u32, images.rows as u32, images.cols as u32, images.channels as u32]
    };
    for v in header {
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

/// IDX files on disk (native): gzipped or raw.
#[cfg(not(target_arch = "wasm32"))]
mod files {
    use std::path::Path;

    use super::{IdxImages, MAX_IDX_BYTES, parse_images, parse_labels};
    use crate::error::{Error, Result};

    /// Reads a whole file, gunzipping it when it starts with the gzip magic bytes; neither the
    /// file nor what it inflates to may exceed `MAX_IDX_BYTES`.
    pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
        read_capped(path, MAX_IDX_BYTES)
    }

    /// `read_maybe_gz` with a cap of `cap` bytes, read and inflated (an error past it: a gzip bomb
    /// stops there, not when memory runs out).
    pub fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>> {
        use std::io::Read;
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::data(&name, format!("cannot read: {e}")))?;
        let too_big = || Error::data(&name, format!("larger than {} MB (inflated): not an input this program reads", cap >> 20));
        let mut raw = Vec::new();
        file.take(cap as u64 + 1).read_to_end(&mut raw).map_err(|e| Error::data(&name, format!("cannot read: {e}")))?;
        if raw.len() > cap {
            return Err(too_big());
        }
        if !raw.starts_with(&[0x1f, 0x8b]) {
            return Ok(raw);
        }
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .take(cap as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::data(&name, format!("corrupt gzip stream: {e}")))?;
        if out.len() > cap {
            return Err(too_big());
        }
        Ok(out)
    }

    /// The IDX file's header and as many data bytes as the header promises, streamed (through
    /// gzip when the file starts with its magic bytes): memory is bounded by what the header
    /// promises, itself checked against `MAX_IDX_BYTES` before a data byte is read, so a gzip
    /// bomb costs no more than its header's claim however far it would inflate. Bytes past the
    /// promised ones are never read; a file shorter than its promise is left for the parser to
    /// call truncated.
    pub fn read_idx(path: &Path) -> Result<Vec<u8>> {
        use std::io::{BufRead, BufReader, Read};
        let name = path.display().to_string();
        let cannot = |e: std::io::Error| Error::data(&name, format!("cannot read: {e}"));
        let mut file = BufReader::new(std::fs::File::open(path).map_err(cannot)?);
        let gzipped = file.fill_buf().map_err(cannot)?.starts_with(&[0x1f, 0x8b]);
        let mut reader: Box<dyn Read> = if gzipped { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) };
        let corrupt = |e: std::io::Error| if gzipped { Error::data(&name, format!("corrupt gzip stream: {e}")) } else { cannot(e) };
        let mut out = Vec::new();
        (&mut reader).take(4).read_to_end(&mut out).map_err(corrupt)?;
        let dims = match super::be_u32(&out, 0) {
            Some(super::MAGIC_LABELS) => 1,
            Some(super::MAGIC_IMAGES) => 3,
            Some(super::MAGIC_COLOUR) => 4,
            _ => return Ok(out), // the parser names what is wrong
        };
        (&mut reader).take(4 * dims as u64).read_to_end(&mut out).map_err(corrupt)?;
        let sizes: Vec<usize> = (0..dims).filter_map(|d| super::be_u32(&out, 4 + 4 * d)).map(|v| v as usize).collect();
        if sizes.len() < dims {
            return Ok(out);
        }
        let len = super::data_len(&sizes, &name)?;
        out.reserve_exact(len);
        reader.take(len as u64).read_to_end(&mut out).map_err(corrupt)?;
        Ok(out)
    }

    /// Reads an IDX image file, gzipped or raw (see `read_idx`).
    pub fn read_images(path: &Path) -> Result<IdxImages> {
        parse_images(&read_idx(path)?, &path.display().to_string())
    }

    /// Reads an IDX label file, gzipped or raw (see `read_idx`).
    pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
        parse_labels(&read_idx(path)?, &path.display().to_string())
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::{read_capped, read_idx, read_images, read_labels, read_maybe_gz};
