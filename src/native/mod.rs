//! Native-only code: files, datasets, training, evaluation, plots and the CLI's commands.

pub mod bench;
pub mod caltech;
pub mod checkpoint;
pub mod connective_batches;
pub mod data;
pub mod eval;
pub mod jobs;
pub mod photo_samples;
pub mod photos;
pub mod plot;
pub mod redraw;
pub mod samples;
pub mod score;
pub mod train;
