//! Training (native): one detector from flattened positives ([`detector`]), the digit detectors
//! from MNIST ([`digits`]) and the shipped photo detectors ([`ship`]), with checkpoints that
//! resume and several trainings at once.

pub mod batches;
pub mod checkpoint;
pub mod detector;
#[cfg(not(target_arch = "wasm32"))]
pub mod digits;
#[cfg(not(target_arch = "wasm32"))]
pub mod features;
#[cfg(not(target_arch = "wasm32"))]
pub mod jobs;
#[cfg(not(target_arch = "wasm32"))]
pub mod neighbours;
pub mod photo_detector;
#[cfg(not(target_arch = "wasm32"))]
pub mod ship;
pub mod teach;

pub use detector::{TrainData, Trained, train_detector};

/// What a training run tells as it goes, and whether it may go on: a progress bar natively; in
/// the page, the progress bar, the time left and the loss curves.
pub trait Observer {
    /// The run's total optimisation steps (both phases) and how many are already done (a resume).
    fn start(&self, total: u64, done: u64);
    /// One step of `phase` ("A", "C", "C2/3") in epoch `epoch` (from 0) of `epochs`: its batch
    /// loss and the epoch's mean loss so far.
    fn step(&self, phase: &str, epoch: usize, epochs: usize, loss: f64, mean: f64);
    /// Epoch `epoch` of `phase` finished with these (training, validation) losses. `false` ends
    /// the phase here (the page's time budget); the phase's best epoch so far is what it keeps.
    fn epoch_done(&self, _phase: &str, _epoch: usize, _losses: (f64, f64)) -> bool {
        true
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Observer for indicatif::ProgressBar {
    fn start(&self, total: u64, done: u64) {
        self.set_length(total);
        self.set_position(done);
    }

    fn step(&self, phase: &str, epoch: usize, epochs: usize, _loss: f64, mean: f64) {
        self.inc(1);
        // Photo detectors count steps, not epochs: a message per 50 steps is enough.
        if epochs <= 100 || epoch % 50 == 0 {
            self.set_message(format!("{phase} {} {}/{epochs} loss {mean:.4}", if epochs > 100 { "step" } else { "epoch" }, epoch + 1));
        }
    }
}
