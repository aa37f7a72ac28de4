//! Argument parsing and dispatch. Every error reaches the user as one readable line and a
//! non-zero exit code; nothing a user types makes it panic.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use connective::DetectorConfig;
use connective::native::{bench, eval, samples, score, train};
use connective::recipe::Recipe;

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
    /// Train MNIST detectors: one per positive digit (A, then C, then the threshold).
    Train(TrainArgs),
    /// Evaluate shipped detectors on the MNIST test set (one-class or the paper's protocol).
    Eval(EvalArgs),
    /// Score IDX files or PNG/JPEG/WebP images with one detector; prints JSON lines.
    Score(ScoreArgs),
    /// Measure training throughput and inference latency on this machine.
    Bench(BenchArgs),
    /// Export real MNIST test digits: the page's sprite, and fixtures for tests.
    Samples(SamplesArgs),
}

#[derive(Args)]
struct SamplesArgs {
    /// Folder with the MNIST IDX files.
    #[arg(long)]
    data: PathBuf,
    #[arg(long, default_value = "www/samples")]
    out: PathBuf,
    /// Test digits per class.
    #[arg(long, default_value_t = 50)]
    per_class: usize,
    /// Also write IDX files and paper-like PNGs (test fixtures).
    #[arg(long)]
    fixtures: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// Folder with the MNIST IDX files (gzipped or raw).
    #[arg(long)]
    data: PathBuf,
    /// The positive digit (0–9).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=9), required_unless_present = "all")]
    positive: Option<u8>,
    /// Train all ten digits.
    #[arg(long, conflicts_with = "positive")]
    all: bool,
    /// Where models and manifest.json go.
    #[arg(long, default_value = "models")]
    out: PathBuf,
    /// Where per-epoch checkpoints go.
    #[arg(long, default_value = "checkpoints")]
    checkpoints: PathBuf,
    /// Continue from the last finished epoch of an interrupted run.
    #[arg(long)]
    resume: bool,
    /// Keep the finished reconstructor in the checkpoints and train only a new classifier.
    #[arg(long, conflicts_with = "resume")]
    retrain_classifier: bool,
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
    /// Override ε of the Charbonnier loss.
    #[arg(long)]
    charbonnier_eps: Option<f32>,
    /// Override the share of synthetic-outlier negatives for C.
    #[arg(long)]
    synthetic_fraction: Option<f32>,
}

#[derive(Args)]
struct EvalArgs {
    /// Folder with the MNIST IDX files.
    #[arg(long)]
    data: PathBuf,
    /// Folder with manifest.json and the model files.
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// one-class: each digit against the whole test set; paper: test sets with 10–50 % outliers.
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
    /// Write the metrics into the manifest's entries.
    #[arg(long)]
    update_manifest: bool,
    /// Replace the results block of this Markdown file (between connective:results markers).
    #[arg(long)]
    readme: Option<PathBuf>,
}

#[derive(Args)]
struct ScoreArgs {
    /// A model file listed in a manifest.json beside it.
    #[arg(long)]
    model: PathBuf,
    /// IDX image files (gzipped or raw) or PNG/JPEG/WebP pictures of single digits.
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
    #[arg(long, value_delimiter = ',')]
    ae_widths: Option<Vec<usize>>,
}

fn recipe_from(a: &TrainArgs) -> Recipe {
    let mut r = if a.quick { Recipe::quick() } else { Recipe::default() };
    if let Some(v) = a.ae_epochs { r.ae_epochs = v }
    if let Some(v) = a.clf_epochs { r.clf_epochs = v }
    if let Some(v) = a.seed { r.seed = v }
    if let Some(v) = a.ae_lr { r.ae_lr = v }
    if let Some(v) = a.clf_lr { r.clf_lr = v }
    if let Some(v) = a.charbonnier_eps { r.charbonnier_eps = v }
    if let Some(v) = a.synthetic_fraction { r.augment.synthetic_fraction = v }
    if a.max_train.is_some() { r.max_train = a.max_train }
    r
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(a) => {
            let plan = train::TrainPlan {
                digits: if a.all { (0..10).collect() } else { vec![a.positive.unwrap()] },
                recipe: recipe_from(&a),
                config: DetectorConfig::mnist(),
                data_dir: a.data,
                out_dir: a.out,
                checkpoint_dir: a.checkpoints,
                resume: a.resume,
                retrain_classifier: a.retrain_classifier,
                jobs: a.jobs,
            };
            let entries = train::train_mnist(&plan)?;
            for e in entries {
                println!("{}: {} ({} bytes, {} parameters), threshold {:.4}, {:.0} s", e.name, plan.out_dir.join(&e.file).display(), e.bytes, e.parameters, e.threshold, e.training_seconds);
            }
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
            };
            eval::run(&opts)?;
        }
        Command::Samples(a) => samples::run(&a.data, &a.out, a.per_class.clamp(1, 100), a.fixtures)?,
        Command::Score(a) => score::run(&a.model, &a.images, a.labels.as_deref(), a.lambda, a.limit)?,
        Command::Bench(a) => {
            let mut config = DetectorConfig::mnist();
            if let Some(w) = &a.ae_widths {
                config.autoencoder.widths = [w[0], w[1], w[2]];
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
