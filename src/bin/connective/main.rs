//! The `connective` command line: train, evaluate, score and benchmark CRBND detectors. The
//! library does the work; `cli` parses arguments, and keeps what only a command needs (printing
//! the score lines and the bench table, writing the page's samples).

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The library is what the wasm build is for; this binary has nothing to do there.
#[cfg(target_arch = "wasm32")]
fn main() {}
