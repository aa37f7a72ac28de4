#![cfg(not(target_arch = "wasm32"))]
//! The dependency rules of the layout, which one crate's compiler cannot enforce: the model
//! (A, C, the detector, its weights) never reaches into training, evaluation, the CLI or the
//! browser bindings, and data never into the model. A `use` that breaks them fails here.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `file: line` under `src/<dir>` that mentions one of `forbidden`.
fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no Rust files in {}", root.display());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|f| line.contains(f)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn model_code_never_imports_train_eval_cli_or_web() {
    let found = offences("model", &["crate::train", "crate::eval", "crate::cli", "crate::web"]);
    assert!(found.is_empty(), "the model must not depend on these:\n{}", found.join("\n"));
}

#[test]
fn data_code_never_imports_the_model() {
    let found = offences("data", &["crate::model", "crate::train", "crate::eval", "crate::web"]);
    assert!(found.is_empty(), "data must not depend on these:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_an_offence() {
    // The scan itself must be able to fail: the CLI does use the model.
    assert!(!offences("bin", &["connective::model"]).is_empty());
}
