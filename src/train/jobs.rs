//! Several trainings at once, each with its own progress bar. burn's flex backend keeps about one
//! core busy per training, so `jobs` trainings side by side fill a machine with `jobs` cores.

use std::collections::VecDeque;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::error::Result;
use crate::model::io::ModelEntry;

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>22} [{elapsed_precise}] {bar:30.cyan/blue} {pos:>5}/{len:5} eta {eta:>4} {msg}")
        .unwrap()
        .progress_chars("=> ")
}

/// Runs `work` on every item, `jobs` at a time, in the order given; results come back in that
/// order. Each job's bar is labelled by `label` and ends with `done`'s message (or the error).
pub fn in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    jobs: usize,
    label: impl Fn(&T) -> String + Sync,
    work: impl Fn(T, &ProgressBar) -> Result<R> + Sync,
    done: impl Fn(&R) -> String + Sync,
) -> Vec<Result<R>> {
    let multi = MultiProgress::new();
    let n = items.len();
    let queue = Mutex::new(items.into_iter().enumerate().collect::<VecDeque<_>>());
    let results: Mutex<Vec<Option<Result<R>>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(n.max(1)) {
            s.spawn(|| {
                while let Some((i, item)) = {
                    let mut q = queue.lock().unwrap();
                    q.pop_front()
                } {
                    let bar = multi.add(ProgressBar::new(1).with_style(bar_style()).with_prefix(label(&item)));
                    let r = work(item, &bar);
                    match &r {
                        Ok(r) => bar.finish_with_message(done(r)),
                        Err(e) => bar.abandon_with_message(format!("failed: {e}")),
                    }
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(|r| r.expect("every job ran")).collect()
}

/// The last word on a finished training's bar.
pub fn trained_message(e: &ModelEntry) -> String {
    format!("done: threshold {:.3}, {:.0} s", e.threshold, e.training_seconds)
}
