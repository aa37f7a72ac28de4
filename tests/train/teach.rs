//! Teaching a detector from a few drawings (`train::teach`, the page's Teach mode): 24 drawings of
//! the letter A, drawn by a script and put through the page's preprocessing
//! (tests/fixtures/teach, made by tests/e2e/symbols.mjs), separate 16 held-out As from MNIST test
//! digits; the detector file round-trips and refuses damage; bad drawings are clear errors.
use crate::common;

use burn::prelude::*;
use connective::data::idx::parse_images;
use connective::data::mnist::{Mnist, to_unit};
use connective::metrics::auroc;
use connective::model::io::{FileEntry, detector_file, load_model, read_detector_file};
use connective::model::scoring::score_batches;
use connective::train::{Observer, teach};

struct Quiet;
impl Observer for Quiet {
    fn start(&self, _: u64, _: u64) {}
    fn step(&self, _: &str, _: usize, _: usize, _: f64, _: f64) {}
}

fn letters() -> Vec<Vec<u8>> {
    let path = "tests/fixtures/teach/letter-a-idx3-ubyte";
    let images = parse_images(&std::fs::read(path).unwrap(), path).unwrap();
    (0..images.count).map(|i| images.image(i).to_vec()).collect()
}

fn scores(detector: &connective::Detector, images: &[f32]) -> Vec<f32> {
    score_batches(detector, images, [1, 28, 28], 0.5, 500, &Device::flex(), |_| ()).unwrap().logits
}

#[test]
fn a_detector_taught_on_24_drawings_separates_its_letter_from_digits_and_travels_as_one_file() {
    let all = letters();
    let (examples, held_out) = all.split_at(24);
    let taught = teach::teach("letter-a", examples, &teach::recipe(1), None, &Quiet).unwrap();
    assert_eq!(taught.steps, taught.ae_loss.len() + taught.clf_loss.len());
    let (a, c) = (&taught.ae_loss, &taught.clf_loss);
    assert!(a[a.len() - 1] < 0.3 * a[0], "A's loss did not fall: {} → {}", a[0], a[a.len() - 1]);
    assert!(c[c.len() - 5..].iter().sum::<f64>() / 5.0 < 0.5 * c[0], "C's loss did not fall");
    assert_eq!(taught.held_out, 5);

    let mnist = Mnist::load(&common::mnist_dir()).unwrap();
    let idx: Vec<usize> = (0..10_000).step_by(20).collect();
    let digits = scores(&taught.detector, &to_unit(&mnist.test_images, &idx));
    let unit: Vec<f32> = held_out.iter().flatten().map(|&v| v as f32 / 255.0).collect();
    let letters = scores(&taught.detector, &unit);
    let all_scores: Vec<f32> = letters.iter().chain(&digits).copied().collect();
    let labels: Vec<bool> = letters.iter().map(|_| true).chain(digits.iter().map(|_| false)).collect();
    let auc = auroc(&all_scores, &labels).unwrap();
    assert!(auc >= 0.95, "AUROC {auc}");
    let t = taught.entry.threshold;
    let recall = letters.iter().filter(|&&s| s >= t).count() as f64 / letters.len() as f64;
    let digits_in = digits.iter().filter(|&&s| s >= t).count() as f64 / digits.len() as f64;
    assert!(recall >= 0.8 && digits_in <= 0.2, "accepts {recall} of held-out As and {digits_in} of digits");

    // One file: entry and weights; read back, the same scores; through `load_model` too.
    let file = detector_file(&FileEntry::Drawings(taught.entry.clone()), &taught.bytes).unwrap();
    let (FileEntry::Drawings(entry), weights) = read_detector_file("taught", &file).unwrap() else { panic!("not a drawing detector") };
    assert_eq!(entry.threshold, taught.entry.threshold);
    assert_eq!(entry.recipe, teach::recipe(1));
    assert_eq!(weights, taught.bytes);
    let path = std::env::temp_dir().join(format!("connective-taught-{}.connective", std::process::id()));
    std::fs::write(&path, &file).unwrap();
    let (_, loaded) = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(scores(&loaded, &unit), letters);

    // Damaged, truncated or foreign bytes are errors that say so.
    let mut damaged = file.clone();
    *damaged.last_mut().unwrap() ^= 0xff;
    assert!(read_detector_file("d", &damaged).unwrap_err().to_string().contains("SHA-256"));
    assert!(read_detector_file("t", &file[..file.len() / 2]).unwrap_err().to_string().contains("bytes"));
    assert!(read_detector_file("e", &file[..30]).is_err());
    assert!(read_detector_file("f", b"{\"format\":\"connective-manifest/1\"}").unwrap_err().to_string().contains("not a connective detector file"));
}

#[test]
fn teaching_refuses_too_few_blank_or_mis_sized_drawings_and_bad_names_in_words() {
    let good = letters();
    let err = |images: &[Vec<u8>], name: &str| teach::teach(name, images, &teach::recipe(1), None, &Quiet).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err(&[], "x").contains("none yet"));
    assert!(err(&good[..1], "x").contains("only one"));
    assert!(err(&good[..5], "x").contains("only 5"));
    let mut blank = good[..8].to_vec();
    blank[3] = vec![0; 784];
    assert!(err(&blank, "x").contains("example 4 is blank"));
    let mut short = good[..8].to_vec();
    short[6].truncate(700);
    assert!(err(&short, "x").contains("example 7 has 700 values"));
    assert!(err(&good[..8], "../evil").contains("name"));
    assert!(err(&good[..8], "").contains("name"));
}
