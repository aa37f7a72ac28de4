//! Argument parsing and dispatch. Every error reaches the user as one readable line and a
//! non-zero exit code; nothing a user types makes it panic.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use connective::DetectorConfig;
use connective::native::{bench, caltech, eval, photo_samples, samples, score, train};
use connective::augment::SyntheticKind;
use connective::recipe::{HeldOut, Recipe};

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
    /// One line per image: `index` (IDX) or `file`; `score`, what the verdict is taken on (f(x) for
    /// digit models, the combined score of eq. 6′ for photo models; higher = more like the positive
    /// class); `logit`, f(x) itself; `recon_error`; `threshold`, the manifest's threshold the
    /// verdict used (for a PNG/JPEG/WebP digit, the digit model's threshold for drawn input, where
    /// the manifest has one); `verdict`, "inlier" when the score reaches it, else "novel"; and
    /// `label` with --labels.
    Score(ScoreArgs),
    /// Measure training throughput and inference latency on this machine.
    Bench(BenchArgs),
    /// Export real MNIST test digits: the page's sprite, and fixtures for tests.
    Samples(SamplesArgs),
}

#[derive(Args)]
struct SamplesArgs {
    /// Folder with the MNIST IDX files.
    #[arg(long, required_unless_present = "photos")]
    data: Option<PathBuf>,
    /// Instead: the photo folder; writes held-out sample photos of the shipped photo models
    /// (and, with --fixtures, tests/fixtures/photos-idx4-ubyte and a tiny photo folder).
    #[arg(long, conflicts_with = "data")]
    photos: Option<PathBuf>,
    /// Folder with manifest.json (photo samples are held out from its photo models).
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

#[derive(Args)]
struct TrainArgs {
    /// Folder with the MNIST IDX files (gzipped or raw), or the photo folder with --dataset caltech.
    #[arg(long)]
    data: PathBuf,
    #[arg(long, value_enum, default_value = "mnist")]
    dataset: Dataset,
    /// The positive digit (0–9).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=9), required_unless_present_any = ["all", "classes"])]
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
    /// Override how synthetic outliers are made: overlay (a positive over another, turned),
    /// mixed (overlays, large turns, parts cut away, pen strokes), shuffle (photo tiles),
    /// photo_mixed (shuffled tiles, patchworks, close-ups).
    #[arg(long, value_parser = ["overlay", "mixed", "shuffle", "photo_mixed"])]
    synthetic: Option<String>,
    /// Override the width of A's dense bottleneck (digits; default 16).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=4096))]
    latent: Option<u16>,
    /// Digits: which training positives are held out for early stopping and the threshold: a
    /// random draw (the recipe) or the last tenth in file order, whose writers A and C never see
    /// (tail; measured: the test recall fell, see README).
    #[arg(long, value_enum)]
    held_out: Option<HeldOut>,
    /// Experiments: widths of A's convolutions at full, half and quarter resolution (digits;
    /// default 8,16,32).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    ae_widths: Option<Vec<u16>>,
    /// Experiments: widths of C's convolutions (digits; default 16,32,32).
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
    /// Digits: share of the training digits replaced by their pen rendering, as the page draws
    /// (default 0).
    #[arg(long, value_parser = probability)]
    pen_fraction: Option<f32>,
    /// Digits: share of the training digits kept from A for C alone, so C learns from A's
    /// reconstructions of digits A never saw (default 0: A and C learn from the same digits;
    /// measured at 0.3: no gain, see README).
    #[arg(long, value_parser = below_one)]
    clf_fraction: Option<f32>,
    /// Digits: turn, scale and shift half of C's training digits a little (positives and the
    /// synthetic outliers made from them alike) before A rebuilds them: largest rotation
    /// (degrees), scale change and shift (fraction of the side), e.g. 10,0.1,0.04. Default off
    /// (measured: it lowers AUROC, see README).
    #[arg(long, value_delimiter = ',', value_name = "DEG,SCALE,SHIFT")]
    clf_jitter: Option<Vec<f32>>,
    /// Digits: the same for half of A's training digits (default off).
    #[arg(long, value_delimiter = ',', value_name = "DEG,SCALE,SHIFT")]
    ae_jitter: Option<Vec<f32>>,
    /// Classifiers averaged per detector, f(x) = their mean logit (default: 1 for digits, 3 for
    /// photos). With --resume, a finished detector keeps its C's and trains only the new ones.
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
    #[arg(long, value_delimiter = ',')]
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
    /// Replace the results block of this Markdown file (between connective:results markers).
    #[arg(long)]
    readme: Option<PathBuf>,
    /// Digits, a what-if: judge at a threshold re-taken on each model's validation positives at
    /// this quantile (e.g. 0.02) instead of the stored one (the recipe's, 3 %). Nothing is
    /// written to the README with it; with --update-manifest the re-taken thresholds are stored
    /// (how the shipped digit models moved from the 5th to the 3rd percentile).
    #[arg(long, value_parser = open_probability)]
    threshold_quantile: Option<f64>,
    /// Digits, a what-if: judge every model at this one fixed score instead of its stored
    /// threshold (0: the classifier's own decision, p = 0.5). Nothing is written with it.
    #[arg(long, conflicts_with = "threshold_quantile", allow_negative_numbers = true, value_parser = finite)]
    threshold_score: Option<f32>,
    /// Caltech: numbers of positive classes per run.
    #[arg(long, value_delimiter = ',', default_value = "1,3,5")]
    sizes: Vec<usize>,
    /// Caltech: runs per number of positive classes (the paper used 20).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Caltech: where runs keep checkpoints and results; a rerun skips finished runs.
    #[arg(long, default_value = "checkpoints/caltech")]
    work: PathBuf,
    /// Caltech: detectors trained at once (about one core each).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Caltech: a small recipe (64 photos per run, few epochs) for tests.
    #[arg(long)]
    quick: bool,
    /// Caltech: draw positives only from these classes.
    #[arg(long, value_delimiter = ',')]
    classes: Vec<String>,
    /// Caltech experiments: width of A's bottleneck (default 64).
    #[arg(long)]
    latent: Option<usize>,
    /// Caltech experiments: side of the photos in pixels, a multiple of 8 (default 32).
    #[arg(long, value_parser = photo_side)]
    photo_size: Option<usize>,
    /// Caltech experiments: images A sees in training (default 18000).
    #[arg(long)]
    ae_images: Option<usize>,
    /// Caltech experiments: images C sees in training (default 12000).
    #[arg(long)]
    clf_images: Option<usize>,
    /// Caltech experiments: share of training photos only C learns from (default 0.35).
    #[arg(long)]
    clf_fraction: Option<f64>,
    /// Caltech experiments: build C's positives from random views zoomed in by up to 1 + this.
    #[arg(long)]
    clf_views: Option<f32>,
    /// Caltech experiments: A learns from random views of half its training photos, zoomed in by
    /// up to 1 + this, turned up to 8° and re-lit (default 0: the photos as they are).
    #[arg(long, value_parser = non_negative)]
    ae_views: Option<f32>,
    /// Caltech experiments: at most this many training photos per positive class (a learning
    /// curve: the validation and test photos stay the same, the training budget in images too).
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..))]
    max_train_photos: Option<u64>,
    /// Caltech experiments: how synthetic outliers are made (default shuffle): shuffle (tiles
    /// shuffled, then turned), photo_mixed (shuffled tiles, patchworks, close-ups), turned (the
    /// whole photo turned by 90, 180 or 270°, or upside down), dead_leaves (overlapping discs of
    /// every size in the photo's own colours).
    #[arg(long, value_parser = ["shuffle", "photo_mixed", "turned", "dead_leaves"])]
    synthetic: Option<String>,
    /// Caltech experiments: C's negatives as the paper makes them, motion blur or Gaussian noise of
    /// A(x) (half each), without the shipped recipe's warped and erased reconstructions and
    /// synthetic outliers.
    #[arg(long)]
    paper_negatives: bool,
    /// Caltech experiments: share of C's negatives that are connective images of synthetic
    /// outliers (default 0.4).
    #[arg(long, value_parser = probability)]
    synthetic_fraction: Option<f32>,
    /// Caltech experiments: share of hard negatives rebuilt partly from another photo (default 0).
    #[arg(long, value_parser = probability)]
    swap_fraction: Option<f32>,
    /// Caltech experiments: σ of the Gaussian noise on A's inputs (eq. 1; default 0.1).
    #[arg(long, value_parser = non_negative)]
    noise_std: Option<f32>,
    /// Caltech experiments: coarse-dropout probability on A's inputs (eq. 2; default 0.3).
    #[arg(long, value_parser = probability)]
    dropout_p: Option<f32>,
    /// Caltech experiments: widths of C's convolutions (default 16,32,64).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    clf_widths: Option<Vec<u16>>,
    /// Caltech experiments: widths of A's convolutions at full, half and quarter side (default 16,32,64).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    ae_widths: Option<Vec<u16>>,
    /// Caltech experiments: C's own seed, for another draw of C on the same A.
    #[arg(long)]
    clf_seed: Option<u64>,
    /// Caltech experiments: λ, the share of x in the connective images (eqs. 4–6; default 0.5).
    #[arg(long, value_parser = probability)]
    lambda: Option<f32>,
    /// Caltech experiments: another draw of the whole training (A and C) on the same classes,
    /// splits and test photos (without it: the shipped draw).
    #[arg(long)]
    train_seed: Option<u64>,
    /// Caltech: classifiers averaged per detector, f(x) = their mean logit (default 3).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    classifiers: Option<u8>,
    /// Caltech experiments: anneal C's learning rate along a cosine, as for digits (default: constant).
    #[arg(long)]
    clf_cosine: bool,
    /// Caltech experiments: take each run's finished reconstructor from this earlier --work folder
    /// (same A recipe) and train only a new classifier.
    #[arg(long)]
    reuse_reconstructors: Option<PathBuf>,
    /// Caltech: n = 1 with every object class once as the positive class, instead of random
    /// draws (a per-class table and chart; each class's run is the one `--classes C --sizes 1
    /// --repeats 1` makes).
    #[arg(long, conflicts_with_all = ["sizes", "repeats"])]
    every_class: bool,
    /// Caltech: also write every run's per-image scores (test and validation photos) into this
    /// folder, one JSON file per run; finished runs are scored again from their checkpoints.
    #[arg(long)]
    scores_out: Option<PathBuf>,
}

#[derive(Args)]
struct ScoreArgs {
    /// A model file listed in a manifest.json beside it.
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

fn photo_side(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (16..=128).contains(&n) && n % 8 == 0 => Ok(n),
        _ => Err(format!("{s} is not a multiple of 8 from 16 to 128 (A and C halve the photo three times)")),
    }
}

fn non_negative(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a finite number ≥ 0")),
    }
}

fn finite(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{s}` is not a finite number")),
    }
}

fn open_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!("`{s}` is not a quantile strictly between 0 and 1")),
    }
}

/// A share in [0, 1): some images must be left for the other network.
fn below_one(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share in 0 ≤ x < 1")),
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

/// A jitter's three values: largest rotation (degrees), scale change, shift (fraction of the side).
fn jitter(flag: &str, j: &[f32]) -> anyhow::Result<(f32, f32, f32)> {
    let [deg, scale, shift] = j[..] else { anyhow::bail!("{flag} takes 3 values (degrees, scale change, shift; e.g. 10,0.1,0.04), not {}", j.len()) };
    if !(0.0..=180.0).contains(&deg) || !(0.0..1.0).contains(&scale) || !(0.0..=0.5).contains(&shift) {
        anyhow::bail!("{flag} {deg},{scale},{shift}: the rotation must lie in 0..=180°, the scale change in 0..1 and the shift in 0..=0.5");
    }
    Ok((deg, scale, shift))
}

fn recipe_from(a: &TrainArgs) -> anyhow::Result<Recipe> {
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
    if let Some(v) = a.pen_fraction { r.pen_fraction = v }
    if let Some(v) = a.clf_fraction { r.clf_fraction = v }
    if let Some(j) = &a.clf_jitter {
        r.augment.clf_jitter = Some(jitter("--clf-jitter", j)?);
    }
    if let Some(j) = &a.ae_jitter {
        r.augment.ae_jitter = Some(jitter("--ae-jitter", j)?);
    }
    if a.max_train.is_some() { r.max_train = a.max_train }
    if let Some(h) = a.held_out { r.held_out = h }
    Ok(r)
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
            if a.reconstructors_from.is_some() || a.clf_jitter.is_some() || a.ae_jitter.is_some() {
                anyhow::bail!("--reconstructors-from, --clf-jitter and --ae-jitter are for digit detectors (photo runs reuse reconstructors with eval --protocol caltech --reuse-reconstructors)");
            }
            if a.ae_widths.is_some() || a.clf_widths.is_some() || a.latent.is_some() || a.held_out.is_some() || a.clf_fraction.is_some() {
                anyhow::bail!("--ae-widths, --clf-widths, --latent, --held-out and --clf-fraction shape digit detectors (photo experiments: eval --protocol caltech --latent, --ae-widths, --clf-widths, --clf-fraction)");
            }
            let plan = caltech::ShipPlan {
                data_dir: a.data.clone(),
                out_dir: a.out.clone(),
                checkpoint_dir: a.checkpoints.clone(),
                models: a.classes.iter().map(|c| c.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).collect(),
                seed: a.seed.unwrap_or(7),
                jobs: a.jobs,
                quick: a.quick,
                retrain_classifier: a.retrain_classifier,
                classifiers: a.classifiers.map(usize::from),
            };
            for e in caltech::train_shipped(&plan)? {
                let m = &e.metrics["held_out_test"];
                println!(
                    "{}: {} ({} bytes, {} parameters), threshold {:.4}, {:.0} s, held-out AUROC {:.4} F1 {:.4} (recon error {:.4})",
                    e.name,
                    plan.out_dir.join(&e.file).display(),
                    e.bytes,
                    e.parameters,
                    e.threshold,
                    e.training_seconds,
                    m["crbnd"]["auroc"].as_f64().unwrap_or(f64::NAN),
                    m["crbnd"]["f1"].as_f64().unwrap_or(f64::NAN),
                    m["recon_error"]["auroc"].as_f64().unwrap_or(f64::NAN),
                );
            }
        }
        Command::Train(a) => {
            let plan = train::TrainPlan {
                digits: if a.all { (0..10).collect() } else { vec![a.positive.unwrap()] },
                recipe: recipe_from(&a)?,
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
            let entries = train::train_mnist(&plan)?;
            for e in entries {
                println!("{}: {} ({} bytes, {} parameters), threshold {:.4}, {:.0} s", e.name, plan.out_dir.join(&e.file).display(), e.bytes, e.parameters, e.threshold, e.training_seconds);
            }
        }
        Command::Eval(a) if a.protocol == eval::Protocol::Caltech => {
            let opts = caltech::ProtocolOptions {
                data_dir: a.data,
                work_dir: a.work,
                sizes: a.sizes,
                repeats: a.repeats.max(1),
                every_class: a.every_class,
                jobs: a.jobs,
                quick: a.quick,
                classes: a.classes,
                latent: a.latent,
                photo_size: a.photo_size,
                ae_images: a.ae_images,
                clf_images: a.clf_images,
                clf_fraction: a.clf_fraction,
                clf_views: a.clf_views,
                ae_views: a.ae_views,
                max_train_photos: a.max_train_photos.map(|n| n as usize),
                synthetic: a.synthetic.as_deref().map(synthetic_kind),
                paper_negatives: a.paper_negatives,
                synthetic_fraction: a.synthetic_fraction,
                swap_fraction: a.swap_fraction,
                noise_std: a.noise_std,
                dropout_p: a.dropout_p,
                reuse_reconstructors: a.reuse_reconstructors,
                clf_cosine: a.clf_cosine,
                clf_widths: a.clf_widths.as_deref().map(|w| three_widths("--clf-widths", w)).transpose()?,
                ae_widths: a.ae_widths.as_deref().map(|w| three_widths("--ae-widths", w)).transpose()?,
                clf_seed: a.clf_seed,
                train_seed: a.train_seed,
                lambda: a.lambda,
                classifiers: a.classifiers.map(usize::from),
                scores_out: a.scores_out,
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
                what_if: a.threshold_quantile.map(eval::WhatIf::Quantile).or(a.threshold_score.map(eval::WhatIf::Score)),
            };
            if opts.what_if.is_some() && opts.readme.is_some() {
                anyhow::bail!("--threshold-quantile and --threshold-score are what-ifs: they do not write the README (--readme); run eval again without them");
            }
            if matches!(opts.what_if, Some(eval::WhatIf::Score(_))) && opts.update_manifest {
                anyhow::bail!("--threshold-score is one of the what-ifs that write no manifest (--update-manifest)");
            }
            eval::run(&opts)?;
        }
        Command::Samples(a) => match (&a.photos, &a.data) {
            (Some(dir), _) => photo_samples::run(dir, &a.models, &a.out, a.fixtures.then_some(std::path::Path::new("tests/fixtures")))?,
            (None, Some(data)) => samples::run(data, &a.out, a.per_class.clamp(1, 100), a.fixtures)?,
            (None, None) => anyhow::bail!("give --data (MNIST) or --photos (a photo folder)"),
        },
        Command::Score(a) => score::run(&a.model, &a.images, a.labels.as_deref(), a.lambda, a.limit)?,
        Command::Bench(a) => {
            let mut config = DetectorConfig::mnist();
            if let Some(w) = &a.ae_widths {
                config.autoencoder.widths = three_widths("--ae-widths", w)?;
            }
            let detector = match &a.model {
                Some(p) => Some(score::load_model(p)?.1),
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
