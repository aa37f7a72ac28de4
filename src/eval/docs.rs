//! Generated blocks in Markdown files: `eval --readme FILE` (repeatable) replaces the text
//! between `<!-- connective:results:KEY -->` and `<!-- /connective:results:KEY -->` with the
//! table it has just computed, so the docs' numbers are written by the code, never typed.

use std::path::PathBuf;

use crate::error::{Error, Result};

fn markers(key: &str) -> (String, String) {
    (format!("<!-- connective:results:{key} -->"), format!("<!-- /connective:results:{key} -->"))
}

/// `text` with the body of every `key` block replaced by `body` (`None`: no such block).
pub fn replace_block(text: &str, key: &str, body: &str) -> Option<String> {
    let (open, close) = markers(key);
    let mut out = String::with_capacity(text.len() + body.len());
    let mut rest = text;
    let mut found = false;
    while let Some(a) = rest.find(&open) {
        let a = a + open.len();
        let Some(b) = rest[a..].find(&close) else { break };
        out.push_str(&rest[..a]);
        out.push('\n');
        out.push_str(body.trim_end());
        out.push('\n');
        rest = &rest[a + b..];
        found = true;
    }
    out.push_str(rest);
    found.then_some(out)
}

/// Replaces the `key` blocks of every file in `files` with `body`. Every file must have one:
/// if any has none, nothing is written and the error names the file and the markers.
pub fn write_blocks(files: &[PathBuf], key: &str, body: &str) -> Result<()> {
    let io = |p: &PathBuf, e: &dyn std::fmt::Display| Error::data(p.display().to_string(), e.to_string());
    let mut updated = Vec::with_capacity(files.len());
    for p in files {
        let text = std::fs::read_to_string(p).map_err(|e| io(p, &e))?;
        let (open, close) = markers(key);
        let new = replace_block(&text, key, body).ok_or_else(|| io(p, &format!("has no {open} … {close} block to write the results into")))?;
        updated.push((p, new));
    }
    for (p, new) in updated {
        crate::model::io::write_atomically(p, new.as_bytes())?;
    }
    Ok(())
}
