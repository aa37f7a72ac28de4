//! Per-epoch checkpoints so that a killed training run resumes where it stopped: the model and
//! optimizer state after the last finished epoch, the best model so far, and a small JSON state.
//! In the browser (`Checkpointer::in_memory`) only the best model of each phase is kept, in
//! memory: a page's training run is a minute long and never resumes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where training stands, written after every epoch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(from = "StateOnDisk")]
pub struct TrainState {
    /// Epochs of the autoencoder finished.
    pub ae_epochs_done: usize,
    pub ae_best: Option<(usize, f64)>,
    /// (epoch, train loss, validation loss) of each epoch of the autoencoder.
    pub ae_history: Vec<(usize, f64, f64)>,
    /// Each classifier's progress, C 1 first (C's not started yet are absent).
    pub classifiers: Vec<ClassifierProgress>,
    /// Seconds spent before this run (for the total training time).
    pub seconds: f64,
    /// The recipe, as JSON, so a resume with a different recipe is refused.
    pub recipe_json: String,
}

/// Where the training of one classifier stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClassifierProgress {
    pub epochs_done: usize,
    pub best: Option<(usize, f64)>,
    pub history: Vec<(usize, f64, f64)>,
}

/// `state.json` as written now, or as written before a detector had several C's (the first C's
/// progress in `clf_*` fields, C's 2..K in `extra_clf`): both read into one `TrainState`, so a
/// checkpoint from an older build resumes.
#[derive(Deserialize)]
struct StateOnDisk {
    ae_epochs_done: usize,
    ae_best: Option<(usize, f64)>,
    ae_history: Vec<(usize, f64, f64)>,
    #[serde(default)]
    classifiers: Vec<ClassifierProgress>,
    seconds: f64,
    recipe_json: String,
    #[serde(default)]
    clf_epochs_done: usize,
    #[serde(default)]
    clf_best: Option<(usize, f64)>,
    #[serde(default)]
    clf_history: Vec<(usize, f64, f64)>,
    #[serde(default)]
    extra_clf: Vec<ClassifierProgress>,
}

impl From<StateOnDisk> for TrainState {
    fn from(d: StateOnDisk) -> Self {
        let mut classifiers = d.classifiers;
        if classifiers.is_empty() {
            let first = ClassifierProgress { epochs_done: d.clf_epochs_done, best: d.clf_best, history: d.clf_history };
            if first != ClassifierProgress::default() || !d.extra_clf.is_empty() {
                classifiers = std::iter::once(first).chain(d.extra_clf).collect();
            }
        }
        Self {
            ae_epochs_done: d.ae_epochs_done,
            ae_best: d.ae_best,
            ae_history: d.ae_history,
            classifiers,
            seconds: d.seconds,
            recipe_json: d.recipe_json,
        }
    }
}

impl TrainState {
    /// Classifier `k`'s progress (a fresh one for a C not started yet).
    pub fn classifier(&self, k: usize) -> ClassifierProgress {
        self.classifiers.get(k).cloned().unwrap_or_default()
    }

    pub fn set_classifier(&mut self, k: usize, p: ClassifierProgress) {
        if self.classifiers.len() <= k {
            self.classifiers.resize(k + 1, ClassifierProgress::default());
        }
        self.classifiers[k] = p;
    }

    /// Forgets every classifier (to train new ones on the finished reconstructor).
    pub fn reset_classifiers(&mut self) {
        self.classifiers.clear();
    }
}

/// Checkpoint file prefix of classifier `k`: `clf` for the first (as before there were several), `clf2`, `clf3`, …
pub fn classifier_prefix(k: usize) -> String {
    if k == 0 { "clf".into() } else { format!("clf{}", k + 1) }
}

pub struct Checkpointer {
    store: Store,
}

enum Store {
    Dir(PathBuf),
    /// Burnpack bytes by file name (f32: the best epoch as it was).
    Memory(RefCell<HashMap<String, Vec<u8>>>),
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::data(path.display().to_string(), e.to_string())
}

impl Checkpointer {
    pub fn new(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        Ok(Self { store: Store::Dir(dir) })
    }

    /// Checkpoints that live as long as the run: the best model of each phase, nothing to resume.
    pub fn in_memory() -> Self {
        Self { store: Store::Memory(RefCell::new(HashMap::new())) }
    }

    /// Where `name` is written (in memory: a name in "memory/" for messages).
    pub fn path(&self, name: &str) -> PathBuf {
        match &self.store {
            Store::Dir(dir) => dir.join(name),
            Store::Memory(_) => Path::new("memory").join(name),
        }
    }

    fn memory(&self) -> Option<&RefCell<HashMap<String, Vec<u8>>>> {
        match &self.store {
            Store::Memory(m) => Some(m),
            Store::Dir(_) => None,
        }
    }

    pub fn load_state(&self) -> Result<Option<TrainState>> {
        if self.memory().is_some() {
            return Ok(None);
        }
        let p = self.path("state.json");
        if !p.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
        serde_json::from_str(&text).map(Some).map_err(|e| io(&p, format!("corrupt checkpoint state: {e}")))
    }

    /// Writes atomically (temp file + rename) so a kill mid-write leaves the previous state.
    pub fn save_state(&self, state: &TrainState) -> Result<()> {
        if self.memory().is_some() {
            return Ok(());
        }
        #[cfg(not(target_arch = "wasm32"))]
        return crate::model::io::write_atomically(&self.path("state.json"), serde_json::to_string_pretty(state).unwrap().as_bytes());
        #[cfg(target_arch = "wasm32")]
        {
            let _ = state;
            Err(io(&self.path("state.json"), "the browser has no checkpoint folder"))
        }
    }

    /// Writes `name` with `write`, which burn does in place, to a temporary file first, flushed,
    /// then renamed over `name`: a kill mid-write leaves the previous checkpoint whole.
    fn replace_with(&self, name: &str, write: impl FnOnce(&Path) -> std::result::Result<(), String>) -> Result<()> {
        let p = self.path(name);
        let tmp = self.path(&format!(".{name}.{}.tmp.bpk", std::process::id()));
        let _ = std::fs::remove_file(&tmp); // the burnpack writer does not overwrite
        let written = write(&tmp)
            .and_then(|_| std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| e.to_string()))
            .and_then(|_| std::fs::rename(&tmp, &p).map_err(|e| e.to_string()));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(&p, e)
        })
    }

    pub fn save_module<M: Module>(&self, name: &str, module: &M) -> Result<()> {
        if let Some(memory) = self.memory() {
            let bytes = crate::model::io::module_to_bytes(module, crate::model::io::Precision::F32, name)?;
            memory.borrow_mut().insert(name.to_string(), bytes);
            return Ok(());
        }
        self.replace_with(name, |tmp| module.clone().save_file(tmp).map_err(|e| format!("{e:?}")))
    }

    pub fn load_module<M: Module>(&self, name: &str, fresh: M) -> Result<M> {
        if let Some(memory) = self.memory() {
            let bytes = memory.borrow().get(name).cloned().ok_or_else(|| io(&self.path(name), "not saved in this run"))?;
            return crate::model::io::load_strict(fresh, &bytes, name);
        }
        let p = self.path(name);
        fresh.try_load_file(&p).map_err(|e| io(&p, format!("cannot resume from checkpoint: {e:?}")))
    }

    pub fn save_optim(&self, name: &str, optim: &ModuleOptimizer) -> Result<()> {
        if self.memory().is_some() {
            return Ok(()); // nothing resumes in memory
        }
        self.replace_with(name, |tmp| optim.save(tmp).map_err(|e| format!("{e:?}")))
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
        if self.memory().is_some() {
            return Ok(()); // only the best model is read back (nothing resumes)
        }
        self.save_module(&format!("{prefix}_last.bpk"), model)?;
        self.save_optim(&format!("{prefix}_optim.bpk"), optim)
    }

    pub fn load_optim(&self, name: &str, fresh: ModuleOptimizer) -> Result<ModuleOptimizer> {
        let p = self.path(name);
        fresh.load(&p).map_err(|e| io(&p, format!("cannot resume optimizer: {e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_older_states_still_resume() {
        let mut s = TrainState { ae_epochs_done: 3, recipe_json: "{}".into(), ..Default::default() };
        s.set_classifier(1, ClassifierProgress { epochs_done: 2, best: Some((2, 0.4)), history: vec![(1, 0.6, 0.5), (2, 0.4, 0.4)] });
        assert_eq!(s.classifiers.len(), 2);
        assert_eq!(s.classifier(0), ClassifierProgress::default());
        assert_eq!(s.classifier(5), ClassifierProgress::default());
        let back: TrainState = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);

        // Written before `classifiers`: C 1 in `clf_*`, C 2 in `extra_clf`.
        let old = r#"{"ae_epochs_done":3,"clf_epochs_done":2,"ae_best":[3,0.1],"clf_best":[2,0.5],
            "ae_history":[[1,0.3,0.3],[2,0.2,0.2],[3,0.1,0.1]],"clf_history":[[1,0.7,0.6],[2,0.5,0.5]],
            "seconds":12.5,"recipe_json":"{}","extra_clf":[{"epochs_done":1,"best":[1,0.4],"history":[[1,0.4,0.4]]}]}"#;
        let s: TrainState = serde_json::from_str(old).unwrap();
        assert_eq!(s.ae_epochs_done, 3);
        assert_eq!(s.seconds, 12.5);
        assert_eq!(s.classifiers.len(), 2);
        assert_eq!(s.classifier(0), ClassifierProgress { epochs_done: 2, best: Some((2, 0.5)), history: vec![(1, 0.7, 0.6), (2, 0.5, 0.5)] });
        assert_eq!(s.classifier(1).best, Some((1, 0.4)));

        // An older run stopped before its first C started: no classifier progress at all.
        let old = r#"{"ae_epochs_done":1,"clf_epochs_done":0,"ae_best":[1,0.3],"clf_best":null,
            "ae_history":[[1,0.3,0.3]],"clf_history":[],"seconds":1.0,"recipe_json":"{}"}"#;
        let s: TrainState = serde_json::from_str(old).unwrap();
        assert!(s.classifiers.is_empty());
    }

    /// Checkpoint weights replace the previous ones whole (temp file, then rename) and leave no
    /// temporary file behind; what is read back is the last save.
    #[test]
    fn checkpoint_weights_are_replaced_whole() {
        use burn::nn::{Linear, LinearConfig};
        use burn::prelude::Device;
        let dir = std::env::temp_dir().join(format!("connective-ckpt-replace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ckpt = Checkpointer::new(dir.clone()).unwrap();
        let device = Device::flex();
        let (a, b): (Linear, Linear) = (LinearConfig::new(4, 3).init(&device), LinearConfig::new(4, 3).init(&device));
        ckpt.save_module("m.bpk", &a).unwrap();
        ckpt.save_module("m.bpk", &b).unwrap();
        let back: Linear = ckpt.load_module("m.bpk", LinearConfig::new(4, 3).init(&device)).unwrap();
        let vals = |l: &Linear| l.weight.val().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(vals(&back), vals(&b));
        assert_ne!(vals(&back), vals(&a));
        let names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["m.bpk".to_string()], "a temporary file was left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_recipe_stored_before_a_field_existed_is_the_same_recipe() {
        use crate::model::recipe::Recipe;
        use crate::train::detector::same_recipe;
        let recipe = Recipe::default();
        let now = serde_json::to_string(&recipe).unwrap();
        assert!(same_recipe(&now, &recipe));
        // As checkpoints made before the field stored it: without `drawn_threshold_quantile`.
        let older = now.replace(r#""drawn_threshold_quantile":0.05,"#, "");
        assert_ne!(older, now, "the field is written");
        assert!(same_recipe(&older, &recipe));
        // A recipe that differs in a value is another recipe, and so is one that cannot be read.
        let other = Recipe { ae_lr: recipe.ae_lr * 2.0, ..recipe.clone() };
        assert!(!same_recipe(&now, &other));
        assert!(!same_recipe(&now.replace("0.05", "0.1"), &recipe));
        assert!(!same_recipe("{}", &recipe));
    }
}
