//! Per-epoch checkpoints so that a killed training run resumes where it stopped: the model and
//! optimizer state after the last finished epoch, the best model so far, and a small JSON state.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where training stands, written after every epoch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TrainState {
    /// Epochs of the autoencoder finished, and of the classifier.
    pub ae_epochs_done: usize,
    pub clf_epochs_done: usize,
    pub ae_best: Option<(usize, f64)>,
    pub clf_best: Option<(usize, f64)>,
    /// (epoch, train loss, validation loss) of each phase.
    pub ae_history: Vec<(usize, f64, f64)>,
    pub clf_history: Vec<(usize, f64, f64)>,
    /// Seconds spent before this run (for the total training time).
    pub seconds: f64,
    /// The recipe, as JSON, so a resume with a different recipe is refused.
    pub recipe_json: String,
    /// C's 2..K of a detector with several classifiers (the first one's progress is above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_clf: Vec<ClassifierProgress>,
}

/// Where the training of one classifier stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClassifierProgress {
    pub epochs_done: usize,
    pub best: Option<(usize, f64)>,
    pub history: Vec<(usize, f64, f64)>,
}

impl TrainState {
    /// Classifier `k`'s progress (a fresh one for a C not started yet).
    pub fn classifier(&self, k: usize) -> ClassifierProgress {
        if k == 0 {
            return ClassifierProgress { epochs_done: self.clf_epochs_done, best: self.clf_best, history: self.clf_history.clone() };
        }
        self.extra_clf.get(k - 1).cloned().unwrap_or_default()
    }

    pub fn set_classifier(&mut self, k: usize, p: ClassifierProgress) {
        if k == 0 {
            (self.clf_epochs_done, self.clf_best, self.clf_history) = (p.epochs_done, p.best, p.history);
            return;
        }
        if self.extra_clf.len() < k {
            self.extra_clf.resize(k, ClassifierProgress::default());
        }
        self.extra_clf[k - 1] = p;
    }

    /// Forgets every classifier (to train new ones on the finished reconstructor).
    pub fn reset_classifiers(&mut self) {
        (self.clf_epochs_done, self.clf_best) = (0, None);
        self.clf_history.clear();
        self.extra_clf.clear();
    }
}

/// Checkpoint file prefix of classifier `k`: `clf` for the first (as before there were several), `clf2`, `clf3`, …
pub fn classifier_prefix(k: usize) -> String {
    if k == 0 { "clf".into() } else { format!("clf{}", k + 1) }
}

pub struct Checkpointer {
    dir: PathBuf,
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::data(path.display().to_string(), e.to_string())
}

impl Checkpointer {
    pub fn new(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        Ok(Self { dir })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn load_state(&self) -> Result<Option<TrainState>> {
        let p = self.path("state.json");
        if !p.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
        serde_json::from_str(&text).map(Some).map_err(|e| io(&p, format!("corrupt checkpoint state: {e}")))
    }

    /// Writes atomically (temp file + rename) so a kill mid-write leaves the previous state.
    pub fn save_state(&self, state: &TrainState) -> Result<()> {
        let p = self.path("state.json");
        let tmp = self.path("state.json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(state).unwrap()).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &p).map_err(|e| io(&p, e))
    }

    pub fn save_module<M: Module>(&self, name: &str, module: &M) -> Result<()> {
        let p = self.path(name);
        let _ = std::fs::remove_file(&p); // the burnpack writer does not overwrite
        module.clone().save_file(&p).map_err(|e| io(&p, format!("{e:?}")))
    }

    pub fn load_module<M: Module>(&self, name: &str, fresh: M) -> Result<M> {
        let p = self.path(name);
        fresh.try_load_file(&p).map_err(|e| io(&p, format!("cannot resume from checkpoint: {e:?}")))
    }

    pub fn save_optim(&self, name: &str, optim: &ModuleOptimizer) -> Result<()> {
        let p = self.path(name);
        let _ = std::fs::remove_file(&p);
        optim.save(&p).map_err(|e| io(&p, format!("{e:?}")))
    }

    /// Records a finished epoch of one phase (`prefix` "ae" or "clf"): its losses, the model as
    /// the best so far when its validation loss is the lowest, and the model and optimizer to
    /// resume from.
    #[allow(clippy::too_many_arguments)]
    pub fn record_epoch<M: Module, V: Module>(
        &self,
        prefix: &str,
        history: &mut Vec<(usize, f64, f64)>,
        best: &mut Option<(usize, f64)>,
        epoch: usize,
        losses: (f64, f64),
        valid: &V,
        model: &M,
        optim: &ModuleOptimizer,
    ) -> Result<()> {
        let (train_loss, val_loss) = losses;
        history.push((epoch, train_loss, val_loss));
        if best.is_none_or(|(_, b)| val_loss < b) {
            *best = Some((epoch, val_loss));
            self.save_module(&format!("{prefix}_best.bpk"), valid)?;
        }
        self.save_module(&format!("{prefix}_last.bpk"), model)?;
        self.save_optim(&format!("{prefix}_optim.bpk"), optim)
    }

    pub fn load_optim(&self, name: &str, fresh: ModuleOptimizer) -> Result<ModuleOptimizer> {
        let p = self.path(name);
        fresh.load(&p).map_err(|e| io(&p, format!("cannot resume optimizer: {e:?}")))
    }
}
