#![cfg(not(target_arch = "wasm32"))]
//! Photos: preprocessing, the folder reader (on a tiny fixture folder with one corrupt file),
//! the per-class split, the photo augmentations, and a `--quick` Caltech protocol run.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::prelude::*;
use connective::augment::{close_up, dead_leaves, patchwork_tiles, random_hflip, shuffle_tiles, synthetic_photo_mixed, turn_whole};
use connective::native::caltech::references::{colour_histograms, knn_scores, logits, train_alocc, train_supervised};
use connective::native::caltech::{PhotoPlan, RunPhotos, planned_runs};
use connective::native::photos::{PhotoFolder, photo_split};
use connective::photo::{chw_to_hwc, hwc_to_chw, photo_from_rgba};
use connective::scoring::batch_tensor;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// `connective <args> --data <the fixture photo folder>`, for more arguments.
fn on_fixtures(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_connective"));
    c.args(args).arg("--data").arg(fixture_folder());
    c
}

fn fixture_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos")
}

#[test]
fn a_photo_becomes_a_centre_crop_of_the_requested_size() {
    // 8×4 picture: left half red, right half blue; the centre crop of the 2:1 picture is 4×4 of
    // the middle, so it keeps both colours, left red and right blue.
    let (w, h) = (8, 4);
    let mut rgba = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            rgba.extend_from_slice(if x < 4 { &[255, 0, 0, 255] } else { &[0, 0, 255, 255] });
        }
    }
    let x = photo_from_rgba(&rgba, w, h, 4).unwrap();
    assert_eq!(x.len(), 3 * 4 * 4);
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    let (red, blue) = (&x[0..16], &x[32..48]);
    assert!(red[0] > 0.9 && blue[0] < 0.1, "left column is red");
    assert!(red[3] < 0.1 && blue[3] > 0.9, "right column is blue");
    // Transparent pixels show white.
    let clear = photo_from_rgba(&[0, 0, 0, 0].repeat(16), 4, 4, 4).unwrap();
    assert!(clear.iter().all(|&v| v == 1.0));
    // Bad input is an error.
    assert!(photo_from_rgba(&[], 0, 0, 32).is_err());
    assert!(photo_from_rgba(&[0; 15], 2, 2, 32).unwrap_err().to_string().contains("RGBA bytes"));
    assert!(photo_from_rgba(&[0; 4], 5000, 5000, 32).unwrap_err().to_string().contains("megapixel"));
}

#[test]
fn colour_layouts_round_trip() {
    let hwc: Vec<u8> = (0..2 * 3 * 3).map(|v| (v * 13) as u8).collect();
    assert_eq!(chw_to_hwc(&hwc_to_chw(&hwc, 2, 3), 2, 3), hwc);
}

#[test]
fn the_reader_skips_and_names_a_corrupt_file() {
    let folder = PhotoFolder::load(&fixture_folder(), 32, &[], 2).unwrap();
    let names: Vec<&str> = folder.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Motorbikes", "airplanes", "clutter"]);
    for c in &folder.classes {
        assert_eq!(c.len(), 10, "{}", c.name);
        assert_eq!(c.images.len(), 10 * 3 * 32 * 32);
        assert!(c.images.iter().all(|v| (0.0..=1.0).contains(v)));
    }
    assert_eq!(folder.skipped.len(), 1);
    assert!(folder.skipped[0].0.ends_with("broken.jpg"));
    assert!(folder.skipped[0].1.contains("broken.jpg"), "the reason names the file: {}", folder.skipped[0].1);
    // Asking for a class that is not there is an error naming what is.
    let err = PhotoFolder::load(&fixture_folder(), 32, &["zebras".into()], 1).err().unwrap().to_string();
    assert!(err.contains("zebras") && err.contains("airplanes"), "{err}");
    assert!(PhotoFolder::load(Path::new("/no/such/photos"), 32, &[], 1).err().unwrap().to_string().contains("no such directory"));
}

#[test]
fn splits_are_disjoint_complete_and_seeded() {
    let s = photo_split(80, 0.3, 0.15, 1).unwrap();
    assert_eq!((s.test.len(), s.val.len(), s.train.len()), (24, 8, 48));
    let mut all: Vec<usize> = s.train.iter().chain(&s.val).chain(&s.test).copied().collect();
    all.sort();
    assert_eq!(all, (0..80).collect::<Vec<_>>());
    assert_eq!(s, photo_split(80, 0.3, 0.15, 1).unwrap());
    assert_ne!(s, photo_split(80, 0.3, 0.15, 2).unwrap());
    assert!(photo_split(2, 0.3, 0.15, 1).is_err());
}

#[test]
fn a_runs_photos_are_its_classes_split_and_tested_against_as_much_clutter() {
    let folder = PhotoFolder::load(&fixture_folder(), 8, &[], 1).unwrap();
    let plan = PhotoPlan::new(8, true);
    let classes = vec!["Motorbikes".to_string(), "airplanes".to_string()];
    let p = RunPhotos::draw(&folder, &classes, 7, &plan).unwrap();
    let len = 3 * 8 * 8;
    let images = |v: &[f32]| v.chunks(len).map(|c| c.to_vec()).collect::<Vec<_>>();
    let (train, clf, val, test) = (images(&p.train), images(&p.clf), images(&p.val), images(&p.test));
    assert_eq!((train.len(), clf.len(), val.len()), (p.n_train, p.n_clf, p.n_val));
    assert!(p.n_train > 0 && p.n_clf > 0 && p.n_val > 0);
    // Half the test set is clutter, positives first; every object photo that decoded (20: one
    // fixture file is corrupt) is used exactly once.
    let n_objects: usize = classes.iter().map(|c| folder.class(c).unwrap().len()).sum();
    assert_eq!(n_objects, 20);
    let n_each = p.labels.len() / 2;
    assert_eq!(test.len(), p.labels.len());
    assert!(p.labels[..n_each].iter().all(|&l| l) && p.labels[n_each..].iter().all(|&l| !l));
    assert_eq!(p.n_train + p.n_clf + p.n_val + n_each, n_objects);
    let clutter = images(&folder.class("clutter").unwrap().images);
    let objects: Vec<Vec<f32>> = classes.iter().flat_map(|c| images(&folder.class(c).unwrap().images)).collect();
    assert!(test[n_each..].iter().all(|t| clutter.contains(t)));
    assert!(test[..n_each].iter().all(|t| objects.contains(t) && !clutter.contains(t)));
    // No photo is in two parts.
    let mut all: Vec<&Vec<f32>> = train.iter().chain(&clf).chain(&val).chain(&test[..n_each]).collect();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    all.dedup();
    assert_eq!(all.len(), n_objects);
    // Seeded, and a class splits the same whichever other classes are drawn with it.
    let again = RunPhotos::draw(&folder, &classes, 7, &plan).unwrap();
    assert_eq!((&again.train, &again.test, &again.labels), (&p.train, &p.test, &p.labels));
    let alone = RunPhotos::draw(&folder, &classes[1..], 7, &plan).unwrap();
    assert!(images(&alone.val).iter().all(|v| val.contains(v)));
    assert_ne!(RunPhotos::draw(&folder, &classes, 8, &plan).unwrap().test, p.test);
}

#[test]
fn the_protocol_plans_seeded_runs_of_distinct_classes_or_every_class_once() {
    let objects: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
    let runs = planned_runs(&objects, &[1, 3, 5], 4, false);
    assert_eq!(runs.len(), 12);
    for r in &runs {
        assert_eq!(r.classes.len(), r.n);
        let mut sorted = r.classes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, r.classes, "distinct classes, in name order");
        assert!(r.name.starts_with(&format!("n{}-r", r.n)));
    }
    let mut seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    seeds.dedup();
    assert_eq!(seeds.len(), 12);
    assert_eq!(runs, planned_runs(&objects, &[1, 3, 5], 4, false));
    // Not every 3-class run draws the same classes.
    assert!(runs.iter().filter(|r| r.n == 3).any(|r| r.classes != runs[4].classes));
    let every = planned_runs(&objects, &[1, 3, 5], 4, true);
    assert_eq!(every.iter().map(|r| r.classes.clone()).collect::<Vec<_>>(), objects.iter().map(|c| vec![c.clone()]).collect::<Vec<_>>());
    assert!(every.iter().all(|r| r.n == 1 && r.seed == 1000 && r.name == format!("n1-{}", r.classes[0])));
}

#[test]
fn nearest_neighbours_rank_a_photo_like_the_references_above_one_unlike_them() {
    let mut rng = StdRng::seed_from_u64(3);
    let dim = 12;
    let refs: Vec<f32> = (0..6 * dim).map(|_| rng.random::<f32>() * 0.5).collect();
    let near: Vec<f32> = refs[..dim].iter().map(|v| v + 0.01).collect();
    let far: Vec<f32> = refs[..dim].iter().map(|v| 1.0 - v).collect();
    let queries = [near, far, refs[dim..2 * dim].to_vec()].concat();
    let s = knn_scores(&refs, &queries, dim, 1);
    assert!(s[0] > s[1], "{s:?}");
    assert_eq!(s[2], 0.0, "a reference is its own nearest neighbour");
    let s5 = knn_scores(&refs, &queries, dim, 5);
    assert!(s5[2] < 0.0 && s5[0] > s5[1], "the mean over 5 neighbours counts the others too");
    // k larger than the references: all of them.
    assert_eq!(knn_scores(&refs, &queries, dim, 100), knn_scores(&refs, &queries, dim, 6));
}

#[test]
fn colour_histograms_are_unit_vectors_with_one_colour_in_one_bin() {
    let side = 4;
    let px = side * side;
    // A pure red photo: every pixel in the bin (red 3, green 0, blue 0) of 4 × 4 × 4.
    let red: Vec<f32> = (0..3 * px).map(|i| if i < px { 1.0 } else { 0.0 }).collect();
    let h = colour_histograms(&red, side, 4);
    assert_eq!(h.len(), 64);
    assert_eq!(h[(3 * 4) * 4], 1.0);
    assert_eq!(h.iter().filter(|&&v| v > 0.0).count(), 1);
    let mut rng = StdRng::seed_from_u64(4);
    let noise: Vec<f32> = (0..2 * 3 * px).map(|_| rng.random::<f32>()).collect();
    let h = colour_histograms(&noise, side, 4);
    assert_eq!(h.len(), 2 * 64);
    for one in h.chunks(64) {
        assert!((one.iter().map(|v| v * v).sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(one.iter().filter(|&&v| v > 0.0).count() > 4);
    }
}

#[test]
fn alocc_trains_on_a_runs_photos_and_scores_every_photo() {
    let folder = PhotoFolder::load(&fixture_folder(), 32, &[], 1).unwrap();
    let plan = PhotoPlan::new(32, true);
    let p = RunPhotos::draw(&folder, &["airplanes".to_string()], 1000, &plan).unwrap();
    let train = p.all_training().repeat(8);
    let alocc = train_alocc(&plan, &train, &indicatif::ProgressBar::hidden());
    let shape = plan.config.image_shape();
    let n_train = train.len() / shape.iter().product::<usize>();
    assert_eq!(alocc.epochs, plan.ae_images.div_ceil(n_train));
    assert!(alocc.last_losses.0.is_finite() && alocc.last_losses.1.is_finite() && alocc.last_losses.0 > 0.0);
    let s = alocc.scores(&p.test, shape);
    for scores in [&s.d_of_r, &s.d_of_x, &s.error] {
        assert_eq!(scores.len(), p.labels.len());
        assert!(scores.iter().all(|v| v.is_finite()));
    }
    assert!(s.error.iter().all(|&e| e < 0.0), "minus a squared error");
    // D has learned something of its game: it calls the training photos more real than R's rebuilds of them.
    let t = alocc.scores(&train, shape);
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    assert!(mean(&t.d_of_x) > mean(&t.d_of_r), "D(x) {} vs D(R(x)) {}", mean(&t.d_of_x), mean(&t.d_of_r));
}

#[test]
fn the_supervised_ceiling_never_learns_from_the_clutter_it_is_tested_on_and_learns_its_task() {
    let folder = PhotoFolder::load(&fixture_folder(), 32, &[], 1).unwrap();
    let plan = PhotoPlan::new(32, true);
    let p = RunPhotos::draw(&folder, &["airplanes".to_string()], 1000, &plan).unwrap();
    let n_each = p.labels.len() / 2;
    let n_clutter = folder.class("clutter").unwrap().len();
    assert_eq!(p.clutter_test.len(), n_each);
    let shape = plan.config.image_shape();
    let len: usize = shape.iter().product();
    for fold in 0..2 {
        // Each fold holds positives and clutter alike.
        let mine: Vec<usize> = (0..p.labels.len()).filter(|&i| p.test_fold(i, 2) == fold).collect();
        assert!(mine.iter().any(|&i| p.labels[i]) && mine.iter().any(|&i| !p.labels[i]), "fold {fold}: {mine:?}");
        let (clutter, seen) = p.training_clutter(&folder, fold, 2).unwrap();
        assert_eq!(clutter.len(), seen.len() * len);
        // None of this fold's test clutter, every other clutter photo.
        for &i in mine.iter().filter(|&&i| !p.labels[i]) {
            let c = p.clutter_test[i - n_each];
            assert!(!seen.contains(&c), "fold {fold} learns from its test clutter photo {c}");
            assert!(!clutter.chunks(len).any(|x| x == &p.test[i * len..(i + 1) * len]), "fold {fold}: a test clutter photo's pixels in training");
        }
        let held = mine.iter().filter(|&&i| !p.labels[i]).count();
        assert_eq!(seen.len(), n_clutter - held);
    }
    // Trained on the fixture's airplanes against its clutter, it rates the airplanes higher.
    let (clutter, _) = p.training_clutter(&folder, 0, 2).unwrap();
    let train = p.all_training();
    let c = train_supervised(&plan, &train, &clutter, 1000, &indicatif::ProgressBar::hidden());
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (on_pos, on_neg) = (logits(&c, &train, shape), logits(&c, &clutter, shape));
    assert_eq!((on_pos.len(), on_neg.len()), (train.len() / len, clutter.len() / len));
    assert!(on_pos.iter().chain(&on_neg).all(|v| v.is_finite()));
    assert!(mean(&on_pos) > mean(&on_neg), "positives {} vs clutter {}", mean(&on_pos), mean(&on_neg));
}

#[test]
fn shuffled_tiles_keep_the_pixels_but_not_the_picture() {
    let shape = [3, 8, 8];
    let x: Vec<f32> = (0..2 * 3 * 64).map(|v| v as f32 / 384.0).collect();
    let mut rng = StdRng::seed_from_u64(3);
    let y = shuffle_tiles(&x, 2, shape, &mut rng);
    for i in 0..2 {
        let (a, b) = (&x[i * 192..(i + 1) * 192], &y[i * 192..(i + 1) * 192]);
        assert_ne!(a, b, "image {i} unchanged");
        let (mut sa, mut sb) = (a.to_vec(), b.to_vec());
        sa.sort_by(f32::total_cmp);
        sb.sort_by(f32::total_cmp);
        assert_eq!(sa, sb, "image {i}: the same pixel values, moved");
    }
    assert_eq!(y, shuffle_tiles(&x, 2, shape, &mut StdRng::seed_from_u64(3)), "seeded");
}

#[test]
fn turned_photos_are_whole_turns_or_upside_down_never_upright_or_mirrored() {
    // A 1×4×4 image whose pixels are 0..16, so each output says exactly where each pixel went.
    let (side, n) = (4usize, 64usize);
    let img: Vec<f32> = (0..side * side).map(|v| v as f32).collect();
    let x: Vec<f32> = (0..n).flat_map(|_| img.clone()).collect();
    let y = turn_whole(&x, n, [1, side, side], &mut StdRng::seed_from_u64(5));
    let at = |v: &[f32], r: usize, c: usize| v[r * side + c];
    let mut seen = [0usize; 4];
    for i in 0..n {
        let o = &y[i * 16..(i + 1) * 16];
        // The four ways, by where the original top-left pixel (0) and top-right pixel (3) land.
        let way = match (at(o, 0, 0), at(o, 0, 3)) {
            (12.0, 0.0) => 0,  // 90° clockwise
            (15.0, 12.0) => 1, // 180°
            (3.0, 15.0) => 2,  // 270°
            (12.0, 15.0) => 3, // upside down
            other => panic!("image {i} is no whole turn: corners {other:?}"),
        };
        seen[way] += 1;
        let mut sorted = o.to_vec();
        sorted.sort_by(f32::total_cmp);
        assert_eq!(sorted, img, "image {i}: the same pixels, moved");
        let mirrored: Vec<f32> = (0..16).map(|k| img[k / 4 * 4 + 3 - k % 4]).collect();
        assert!(o != img.as_slice() && o != mirrored.as_slice(), "image {i} upright or mirrored");
    }
    assert!(seen.iter().all(|&k| k >= 8), "each way drawn: {seen:?}");
    assert_eq!(y, turn_whole(&x, n, [1, side, side], &mut StdRng::seed_from_u64(5)), "seeded");
}

#[test]
fn dead_leaves_paint_many_discs_in_the_photos_own_colours() {
    // Two 3×16×16 photos, every pixel a colour of its own (and none shared between the photos).
    let (side, n) = (16usize, 2usize);
    let plane = side * side;
    let x: Vec<f32> = (0..n)
        .flat_map(|i| (0..3).flat_map(move |ch| (0..plane).map(move |p| ((i * plane + p) * 3 + ch) as f32 / (n * plane * 3) as f32)))
        .collect();
    let y = dead_leaves(&x, n, [3, side, side], &mut StdRng::seed_from_u64(3));
    assert_eq!(y.len(), x.len());
    for i in 0..n {
        let (src, out) = (&x[i * 3 * plane..(i + 1) * 3 * plane], &y[i * 3 * plane..(i + 1) * 3 * plane]);
        let pixel = |im: &[f32], p: usize| [im[p], im[plane + p], im[2 * plane + p]].map(f32::to_bits);
        let palette: std::collections::HashSet<_> = (0..plane).map(|p| pixel(src, p)).collect();
        let mut counts = std::collections::HashMap::new();
        for p in 0..plane {
            let c = pixel(out, p);
            assert!(palette.contains(&c), "image {i}, pixel {p}: a colour the photo does not have");
            *counts.entry(c).or_insert(0usize) += 1;
        }
        // Many leaves show, none covers nearly everything, and the photo itself is gone.
        let largest = counts.values().max().unwrap();
        assert!(counts.len() >= 10 && *largest < plane * 3 / 4, "image {i}: {} colours, largest {largest} px", counts.len());
        assert_ne!(src, out);
    }
    assert_eq!(y, dead_leaves(&x, n, [3, side, side], &mut StdRng::seed_from_u64(3)), "seeded");
}

#[test]
fn patchworks_are_made_of_whole_tiles_of_the_batch() {
    // Every pixel of an image says which image and which pixel it is, so each 2×2 block of the
    // output (the smallest tile on an 8×8 image) must be one 2×2 block of some input image.
    let shape = [1, 8, 8];
    let x: Vec<f32> = (0..3 * 64).map(|v| v as f32).collect();
    let y = patchwork_tiles(&x, 3, shape, &mut StdRng::seed_from_u64(4));
    assert_eq!(y.len(), x.len());
    for i in 0..3 {
        for (ty, tx) in [(0, 0), (0, 6), (6, 2), (4, 4)] {
            let at = |dy: usize, dx: usize| y[i * 64 + (ty + dy) * 8 + tx + dx];
            let first = at(0, 0);
            assert_eq!(at(0, 1), first + 1.0, "image {i}: tile at ({ty}, {tx}) is not contiguous");
            assert_eq!(at(1, 0), first + 8.0);
        }
    }
    assert_eq!(y, patchwork_tiles(&x, 3, shape, &mut StdRng::seed_from_u64(4)), "seeded");
}

#[test]
fn close_ups_enlarge_a_part_and_photo_mixed_outliers_stay_in_range() {
    let device = Device::flex();
    // A left-to-right ramp: a close-up spans a third of it or less, so its range shrinks.
    let x: Vec<f32> = (0..2 * 3 * 32 * 32).map(|i| (i % 32) as f32 / 31.0).collect();
    let out = close_up(batch_tensor(&x, 2, [3, 32, 32], &device), &mut StdRng::seed_from_u64(1));
    let v = out.into_data().try_into_vec::<f32>().unwrap();
    for img in v.chunks(3 * 1024) {
        let row = &img[16 * 32..17 * 32];
        let span = row[31] - row[0];
        assert!(span > 0.0 && span < 0.45, "close-up spans {span} of the ramp");
    }
    let mixed = synthetic_photo_mixed(&x, 2, [3, 32, 32], &mut StdRng::seed_from_u64(2), &device);
    assert_eq!(mixed.dims(), [2, 3, 32, 32]);
    let m = mixed.into_data().try_into_vec::<f32>().unwrap();
    assert!(m.iter().all(|p| p.is_finite() && (-1e-6..=1.0 + 1e-6).contains(p)));
}

#[test]
fn flips_keep_image_and_reconstruction_aligned() {
    let device = Device::flex();
    let x: Vec<f32> = (0..4 * 2 * 2).map(|v| v as f32 / 16.0).collect();
    let a = batch_tensor(&x, 4, [1, 2, 2], &device);
    let out = random_hflip(vec![a.clone(), a.clone() * 2.0], &mut StdRng::seed_from_u64(9));
    let (p, q) = (out[0].clone().into_data().try_to_vec::<f32>().unwrap(), out[1].clone().into_data().try_to_vec::<f32>().unwrap());
    for (u, v) in p.iter().zip(&q) {
        assert!((v - 2.0 * u).abs() < 1e-6, "the pair was flipped differently");
    }
    let flipped = (0..4).filter(|i| p[i * 4] != x[i * 4]).count();
    assert!(flipped > 0 && flipped < 4, "{flipped} of 4 flipped");
}

#[test]
fn a_quick_caltech_run_trains_tests_and_resumes() {
    let tmp = std::env::temp_dir().join(format!("connective-caltech-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = || {
        on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1,2", "--repeats", "1"])
            .arg("--work")
            .arg(tmp.join("work"))
            .arg("--json")
            .arg(tmp.join("caltech.json"))
            .output()
            .unwrap()
    };
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("skipped") && err.contains("broken.jpg"), "the corrupt file is named: {err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("| 1 | 1 |") && stdout.contains("| 2 | 1 |"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("caltech.json")).unwrap()).unwrap();
    let rows = json["by_positives"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let run = &row["runs"][0];
        // 50 % outliers, and metrics that are numbers.
        assert_eq!(run["n_test_positives"], run["n_test_outliers"]);
        assert!(run["crbnd"]["auroc"].as_f64().unwrap().is_finite());
        assert!(run["recon_error"]["auroc"].as_f64().unwrap().is_finite());
        // The photo detector judges by eq. 6′; the paper's f(x) alone is reported beside it.
        assert!(run["classifier_only"]["auroc"].as_f64().unwrap().is_finite(), "{run}");
        assert!(row["classifier_only"]["auroc"].as_f64().unwrap().is_finite(), "{row}");
    }
    assert!(stdout.contains("f(x) alone"), "{stdout}");
    assert_eq!(rows[1]["runs"][0]["classes"].as_array().unwrap().len(), 2);
    // A rerun finds the finished runs and reports the same numbers without training again.
    let again = run();
    assert!(again.status.success());
    let json2: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("caltech.json")).unwrap()).unwrap();
    assert_eq!(json["by_positives"], json2["by_positives"]);

    // A classifier-only change on the same reconstructors: each run adopts the finished A (the
    // very same bytes) and trains only C; a change to A's network is refused with a reason.
    let reuse = |work: &str, extra: &[&str]| {
        on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1", "--repeats", "1"])
            .arg("--work")
            .arg(tmp.join(work))
            .arg("--reuse-reconstructors")
            .arg(tmp.join("work"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = reuse("paired", &["--clf-cosine", "--swap-fraction", "0.5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ae = |work: &str| std::fs::read(tmp.join(work).join("n1-r0").join("ae_best.bpk")).unwrap();
    assert_eq!(ae("paired"), ae("work"), "the reconstructor was not reused as is");
    // Without its cached result, the finished paired run is scored again, not retrained: its C's
    // files stay byte for byte (a new draw would write new parameter ids) and the numbers agree.
    let clf = || std::fs::read(tmp.join("paired/n1-r0/clf_best.bpk")).unwrap();
    let (before, result) = (clf(), std::fs::read_to_string(tmp.join("paired/results/n1-r0.json")).unwrap());
    std::fs::remove_file(tmp.join("paired/results/n1-r0.json")).unwrap();
    let out = reuse("paired", &["--clf-cosine", "--swap-fraction", "0.5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(clf() == before, "the finished C was trained again");
    // The same numbers (to rounding: the CPU backend's threads may sum in another order, and two
    // validation photos make eq. 6′'s scale sensitive to the last bits) and the same training time.
    let read = |text: &str| serde_json::from_str::<(String, serde_json::Value)>(text).unwrap().1;
    let (a, b) = (read(&result), read(&std::fs::read_to_string(tmp.join("paired/results/n1-r0.json")).unwrap()));
    for key in ["classes", "n_train", "n_clf", "n_val", "n_test_positives", "training_seconds"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let close = |x: &serde_json::Value, y: &serde_json::Value| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-3;
    assert!(close(&a["threshold"], &b["threshold"]), "{a} vs {b}");
    for part in ["crbnd", "classifier_only", "recon_error"] {
        assert!(close(&a[part]["auroc"], &b[part]["auroc"]) && close(&a[part]["f1"], &b[part]["f1"]), "{part}: {a} vs {b}");
    }
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("paired/n1-r0/state.json")).unwrap()).unwrap();
    assert!(state["recipe_json"].as_str().unwrap().contains("swap_fraction"), "C was not trained with the new recipe");
    assert!(state["classifiers"][0]["epochs_done"].as_u64().unwrap() > 0);
    // The photo detector averages three C's, each with its own checkpoints; a one-C detector
    // on the same A is another run (its own key), with nothing but the first C.
    for f in ["clf_best.bpk", "clf2_best.bpk", "clf3_best.bpk"] {
        assert!(tmp.join("work/n1-r0").join(f).exists(), "{f} missing");
    }
    // The paper's negatives only (motion blur or noise of A(x)), a C-only change on the same A.
    let out = reuse("paper-neg", &["--paper-negatives", "--classifiers", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let state = std::fs::read_to_string(tmp.join("paper-neg/n1-r0/state.json")).unwrap();
    for knob in [r#"\"blur_fraction\":0.5"#, r#"\"warp_fraction\":0.0"#, r#"\"erase_fraction\":0.0"#, r#"\"synthetic_fraction\":0.0"#] {
        assert!(state.contains(knob), "{knob} in {state}");
    }
    assert_eq!(std::fs::read(tmp.join("paper-neg/n1-r0/ae_best.bpk")).unwrap(), std::fs::read(tmp.join("work/n1-r0/ae_best.bpk")).unwrap(), "A is adopted");
    let out = reuse("one-c", &["--classifiers", "1", "--clf-seed", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!tmp.join("one-c/n1-r0/clf2_best.bpk").exists());
    let state = std::fs::read_to_string(tmp.join("one-c/n1-r0/state.json")).unwrap();
    assert!(state.contains(r#"\"clf_seed\":5"#), "{state}");
    let (key, result): (String, serde_json::Value) =
        serde_json::from_str(&std::fs::read_to_string(tmp.join("one-c/results/n1-r0.json")).unwrap()).unwrap();
    assert!(key.contains(r#""classifiers":1"#), "{key}");
    assert!(result["crbnd"]["auroc"].as_f64().unwrap().is_finite());
    // A of another shape cannot be adopted: the bottleneck, or the widths of its convolutions.
    for (name, knob) in [("other-a", ["--latent", "8"]), ("wider-a", ["--ae-widths", "8,8,8"])] {
        let out = reuse(name, &knob);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("another reconstructor") && !err.contains("panicked"), "{knob:?}: {err}");
    }

    // A learning curve: fewer training photos for the same run, the same validation and test photos.
    let out = on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1", "--repeats", "1", "--max-train-photos", "3"])
        .arg("--work")
        .arg(tmp.join("few"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let few = read(&std::fs::read_to_string(tmp.join("few/results/n1-r0.json")).unwrap());
    let all = &rows[0]["runs"][0];
    assert_eq!(few["n_train"].as_u64().unwrap() + few["n_clf"].as_u64().unwrap(), 3, "{few}");
    assert!(all["n_train"].as_u64().unwrap() + all["n_clf"].as_u64().unwrap() > 3, "{all}");
    for key in ["classes", "n_val", "n_test_positives"] {
        assert_eq!(few[key], all[key], "{key}");
    }

    // Per-image scores of the finished run (`--scores-out`): scored again from its checkpoints,
    // not trained again, and they give back the result's AUROC.
    let ckpt_before = std::fs::read(tmp.join("few/n1-r0/state.json")).unwrap();
    let out = on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1", "--repeats", "1", "--max-train-photos", "3"])
        .arg("--work")
        .arg(tmp.join("few"))
        .arg("--scores-out")
        .arg(tmp.join("scores"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(tmp.join("few/n1-r0/state.json")).unwrap(), ckpt_before, "the finished run was trained again");
    let scores: connective::native::caltech::RunScores = serde_json::from_str(&std::fs::read_to_string(tmp.join("scores/n1-r0.json")).unwrap()).unwrap();
    let n = few["n_test_positives"].as_u64().unwrap() as usize;
    assert_eq!(scores.classes, serde_json::from_value::<Vec<String>>(few["classes"].clone()).unwrap());
    assert_eq!(scores.test.positive, (0..2 * n).map(|i| i < n).collect::<Vec<_>>());
    assert_eq!(scores.validation.positive.len(), few["n_val"].as_u64().unwrap() as usize);
    for p in [&scores.test, &scores.validation] {
        let len = p.positive.len();
        assert!(p.logit.len() == len && p.error.len() == len && p.detail.iter().all(|d| d.len() == len), "{p:?}");
        assert!(p.detail.iter().flatten().chain(&p.error).all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
        // The mirror images' scores: one per photo, scored (not copied from the photo's own).
        assert!(p.mirror_logit.len() == len && p.mirror_error.len() == len, "{p:?}");
        assert!(p.mirror_logit.iter().chain(&p.mirror_error).all(|v| v.is_finite()), "{p:?}");
        assert!(p.mirror_error != p.error && p.mirror_logit != p.logit, "{p:?}");
        // A's error on a coarse grid: one per photo and block size, never above the full error
        // (averaging a block cannot add to its squared difference).
        assert!(p.coarse_error.iter().all(|c| c.len() == len), "{p:?}");
        assert!(p.coarse_error.iter().all(|c| c.iter().zip(&p.error).all(|(c, e)| c.is_finite() && *c >= 0.0 && *c <= e * (1.0 + 1e-4) + 1e-7)), "{p:?}");
    }
    // The result is written again from these very scores.
    let few = read(&std::fs::read_to_string(tmp.join("few/results/n1-r0.json")).unwrap());
    let recon = connective::metrics::auroc(&scores.test.error.iter().map(|e| -e).collect::<Vec<_>>(), &scores.test.positive).unwrap();
    assert!((recon - few["recon_error"]["auroc"].as_f64().unwrap()).abs() < 1e-9, "{recon} vs {few}");
    let f = connective::metrics::auroc(&scores.test.logit, &scores.test.positive).unwrap();
    assert!((f - few["classifier_only"]["auroc"].as_f64().unwrap()).abs() < 1e-9, "{f} vs {few}");

    // Every class once as the positive class (n = 1): a row per class, best first, each run the
    // one `--classes C --sizes 1 --repeats 1` makes (the same seed, photos and split as the
    // protocol's n = 1 run for its class above).
    let every = || {
        on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--every-class"])
            .arg("--work")
            .arg(tmp.join("every"))
            .arg("--json")
            .arg(tmp.join("every.json"))
            .arg("--plot")
            .arg(tmp.join("every.svg"))
            .output()
            .unwrap()
    };
    let out = every();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("| airplanes |") && stdout.contains("| Motorbikes |") && stdout.contains("mean of 2 classes"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("every.json")).unwrap()).unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[0]["crbnd"]["auroc"].as_f64().unwrap() >= runs[1]["crbnd"]["auroc"].as_f64().unwrap(), "best first");
    let drawn = &rows[0]["runs"][0];
    let same = runs.iter().find(|r| r["classes"] == drawn["classes"]).expect("the protocol's n = 1 class has a row");
    for key in ["seed", "n_train", "n_clf", "n_val", "n_test_positives", "n_test_outliers"] {
        assert_eq!(same[key], drawn[key], "{key}");
    }
    for class in ["airplanes", "Motorbikes"] {
        assert!(tmp.join(format!("every/results/n1-{class}.json")).exists(), "{class}");
    }
    let svg = std::fs::read_to_string(tmp.join("every.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("airplanes") && svg.contains("Motorbikes") && svg.contains("ALOCC"), "{svg}");
    // A rerun finds every class's finished run.
    assert!(every().status.success());
    let again: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("every.json")).unwrap()).unwrap();
    assert_eq!(again, json);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn mirror_images_reverse_every_row_of_every_channel_and_agree_with_the_training_flip() {
    use connective::photo::mirrored;
    // Two 3×2×4 images (channel-major), every value different.
    let x: Vec<f32> = (0..2 * 3 * 2 * 4).map(|v| v as f32).collect();
    let m = mirrored(&x, 4);
    assert_eq!(&m[..8], &[3.0, 2.0, 1.0, 0.0, 7.0, 6.0, 5.0, 4.0]);
    assert_eq!(m.len(), x.len());
    assert_eq!(mirrored(&m, 4), x, "mirroring twice gives the image back");
    // The same view the training flip (`random_hflip`, burn's flip of the last axis) shows A and C.
    let device = Device::flex();
    let flipped = batch_tensor(&x, 2, [3, 2, 4], &device).flip([3]).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(flipped, m);
}

#[test]
fn the_coarse_error_ignores_what_a_block_average_loses() {
    use connective::photo::{block_averaged, coarse_error};
    // A 3×4×4 checkerboard of 0 and 1 and a flat 0.5 "reconstruction" of it: 0.25 apart per value,
    // but the same on any grid of blocks of 2 or 4 pixels; 1×1 blocks keep the whole error.
    let checker: Vec<f32> = (0..3 * 16).map(|i| ((i % 4 + (i / 4) % 4) % 2) as f32).collect();
    let flat = vec![0.5f32; 3 * 16];
    assert_eq!(block_averaged(&checker, [3, 4, 4], 2), flat);
    assert_eq!(coarse_error(&checker, &flat, [3, 4, 4], 2), vec![0.0]);
    assert_eq!(coarse_error(&checker, &flat, [3, 4, 4], 4), vec![0.0]);
    assert_eq!(coarse_error(&checker, &flat, [3, 4, 4], 1), vec![0.25]);
    // A rebuild that gets the layout wrong: the left half dark, the right half light, against
    // the opposite. Every 2×2 block is off by 1, on a 4×4 grid the halves average out.
    let left: Vec<f32> = (0..3 * 16).map(|i| (i % 4 >= 2) as u8 as f32).collect();
    let right: Vec<f32> = left.iter().map(|v| 1.0 - v).collect();
    assert_eq!(coarse_error(&left, &right, [3, 4, 4], 2), vec![1.0]);
    assert_eq!(coarse_error(&left, &right, [3, 4, 4], 4), vec![0.0]);
}

#[test]
fn block_detail_is_what_a_block_average_loses() {
    use connective::photo::block_detail;
    // Two 4×4 RGB images: one flat grey, one a checkerboard of 0 and 1.
    let flat = vec![0.4f32; 3 * 16];
    let checker: Vec<f32> = (0..3 * 16).map(|i| ((i % 4 + (i / 4) % 4) % 2) as f32).collect();
    let both = [flat, checker].concat();
    // Flat: nothing to lose. Checkerboard: 2×2 or 4×4 blocks average to 0.5 and lose a squared
    // difference of 0.25 per value; 1×1 blocks lose nothing; 3×3 blocks (cut short at the
    // edges) lose a little less than 0.25.
    assert_eq!(block_detail(&both, [3, 4, 4], 2), vec![0.0, 0.25]);
    assert_eq!(block_detail(&both, [3, 4, 4], 4), vec![0.0, 0.25]);
    assert_eq!(block_detail(&both, [3, 4, 4], 1), vec![0.0, 0.0]);
    let d3 = block_detail(&both, [3, 4, 4], 3);
    assert!(d3[0].abs() < 1e-7 && d3[1] > 0.15 && d3[1] < 0.25, "{d3:?}");
}

#[test]
fn random_views_stay_inside_the_image() {
    // A constant image: any sample from outside it would show as a dark (zero) pixel.
    let device = Device::flex();
    let x = batch_tensor(&vec![0.5; 8 * 3 * 16 * 16], 8, [3, 16, 16], &device);
    let v = connective::augment::random_view(x, 0.3, &mut StdRng::seed_from_u64(4));
    let px = v.into_data().try_to_vec::<f32>().unwrap();
    let (lo, hi) = px.iter().fold((f32::MAX, f32::MIN), |(a, b), &p| (a.min(p), b.max(p)));
    assert!(lo >= 0.5 * 0.8 - 1e-3 && hi <= 0.5 * 1.2 + 1e-3, "values {lo}..{hi}: a view left the image");
}

#[test]
fn a_quick_photo_detector_ships_with_its_calibration_and_scores_by_it() {
    let tmp = std::env::temp_dir().join(format!("connective-ship-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = on_fixtures(&["train", "--dataset", "caltech", "--quick", "--classes", "airplanes"])
        .arg("--out")
        .arg(tmp.join("models"))
        .arg("--checkpoints")
        .arg(tmp.join("ckpt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("models/manifest.json")).unwrap()).unwrap();
    let entry = &manifest["models"][0];
    assert_eq!(entry["config"]["score"], "combined");
    let cal = &entry["calibration"];
    assert!(cal["logit_std"].as_f64().unwrap() > 0.0 && cal["error_std"].as_f64().unwrap() > 0.0, "{cal}");
    assert!(entry["threshold_rule"].as_str().unwrap().contains("combined"), "{entry}");
    let held = &entry["metrics"]["held_out_test"];
    assert!(held["crbnd"]["auroc"].as_f64().unwrap().is_finite() && held["classifier_only"]["auroc"].as_f64().unwrap().is_finite());

    // `score` judges by eq. 6′ with the manifest's calibration and threshold, and says f(x) beside it.
    let photos: Vec<PathBuf> = ["airplanes/image_0001.jpg", "clutter/image_0001.jpg", "Motorbikes/image_0001.jpg"]
        .iter()
        .map(|p| fixture_folder().join(p))
        .filter(|p| p.exists())
        .collect();
    assert!(photos.len() >= 2, "fixture photos missing");
    let out = Command::new(env!("CARGO_BIN_EXE_connective")).args(["score", "--model"]).arg(tmp.join("models/caltech-airplanes.bpk")).args(&photos).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // In f32, as the detector computes: the manifest's f32 values read back exactly.
    let f = |v: &serde_json::Value| v.as_f64().unwrap() as f32;
    let threshold = f(&entry["threshold"]);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (logit, err, score) = (f(&v["logit"]), f(&v["recon_error"]), f(&v["score"]));
        let expected = 0.5 * (logit - f(&cal["logit_mean"])) / f(&cal["logit_std"]) - 0.5 * (err - f(&cal["error_mean"])) / f(&cal["error_std"]);
        assert!((score - expected).abs() <= 1e-5 * expected.abs().max(1.0), "{v}: eq. 6′ gives {expected}");
        assert_eq!(v["verdict"], if score >= threshold { "inlier" } else { "novel" }, "{v}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
