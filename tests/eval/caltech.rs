//! The Caltech protocol: a run's photos, the planned runs, and a `--quick` protocol run through
//! the CLI (train, test, resume, every class once).

use std::path::{Path, PathBuf};

use crate::common::on_fixture_photos;
use connective::eval::caltech::{PhotoPlan, RunPhotos, classifier_count, planned_runs};
use connective::train::features::{FeatureClass, PhotoFeatures};

/// A feature set like the fixture folder's: classes of distinct, recognisable maps (each map's
/// first value names its class and photo).
fn features(counts: &[(&str, usize)]) -> PhotoFeatures {
    let shape = [4, 2, 2];
    let classes = counts
        .iter()
        .enumerate()
        .map(|(ci, &(name, n))| FeatureClass {
            name: name.to_string(),
            files: (0..n).map(|i| PathBuf::from(format!("{name}/image_{i:04}.jpg"))).collect(),
            maps: (0..n).flat_map(|i| (0..16).map(move |k| if k == 0 { (ci * 1000 + i) as f32 } else { k as f32 })).collect(),
        })
        .collect();
    PhotoFeatures { dir: PathBuf::from("photos"), shape, classes, skipped: Vec::new() }
}

#[test]
fn a_runs_photos_are_its_classes_split_and_tested_against_as_much_clutter() {
    let features = features(&[("Motorbikes", 10), ("airplanes", 10), ("clutter", 10)]);
    let recipe = PhotoPlan::new(true).recipe;
    let classes = vec!["Motorbikes".to_string(), "airplanes".to_string()];
    let p = RunPhotos::draw(&features, &classes, 7, &recipe).unwrap();
    let ids = |v: &[f32]| v.chunks(16).map(|c| c[0] as usize).collect::<Vec<_>>();
    let (train, clf, val, test) = (ids(&p.train), ids(&p.clf), ids(&p.val), ids(&p.test));
    assert_eq!((train.len(), clf.len(), val.len()), (p.n_train, p.n_clf, p.n_val));
    assert!(p.n_train > 0 && p.n_clf > 0 && p.n_val > 0);
    // Half the test set is clutter (class 2), positives first; every object photo is used once.
    let n_each = p.labels.len() / 2;
    assert_eq!(test.len(), p.labels.len());
    assert!(p.labels[..n_each].iter().all(|&l| l) && p.labels[n_each..].iter().all(|&l| !l));
    assert_eq!(p.n_train + p.n_clf + p.n_val + n_each, 20);
    assert!(test[n_each..].iter().all(|&t| t / 1000 == 2) && test[..n_each].iter().all(|&t| t / 1000 < 2));
    let mut all: Vec<usize> = train.iter().chain(&clf).chain(&val).chain(&test[..n_each]).copied().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 20, "no photo is in two parts");
    // The names match the maps: the gallery's photos (A's, then C's) and the test photos.
    let class_id = |c: &str| classes.iter().position(|x| x == c).unwrap_or(2);
    assert_eq!(p.train_files.iter().map(|(c, i)| class_id(c) * 1000 + i).collect::<Vec<_>>(), [train.clone(), clf.clone()].concat());
    assert_eq!(p.test_files.iter().map(|(c, i)| class_id(c) * 1000 + i).collect::<Vec<_>>(), test);
    // Seeded, and a class splits the same whichever other classes are drawn with it.
    let again = RunPhotos::draw(&features, &classes, 7, &recipe).unwrap();
    assert_eq!((&again.train, &again.test, &again.labels), (&p.train, &p.test, &p.labels));
    let alone = RunPhotos::draw(&features, &classes[1..], 7, &recipe).unwrap();
    assert!(ids(&alone.val).iter().all(|v| val.contains(v)));
    assert_ne!(RunPhotos::draw(&features, &classes, 8, &recipe).unwrap().test, p.test);
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
fn a_quick_caltech_run_trains_tests_and_resumes() {
    let tmp = std::env::temp_dir().join(format!("connective-caltech-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let cache = tmp.join("features");
    let on_fixtures = |args: &[&str]| on_fixture_photos(args, &cache);
    let run = || {
        // One job: two detectors trained at once share the CPU backend's threads, which may sum
        // in another order (1e-6), and two validation photos make eq. 6′'s threshold flip on that.
        on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1,2", "--repeats", "1", "--jobs", "1"])
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
        // CRBND (eq. 6′), the paper's f(φ) alone and the nearest-neighbour baseline, side by side.
        for part in ["classifier_only", "neighbours"] {
            assert!(run[part]["auroc"].as_f64().unwrap().is_finite(), "{run}");
            assert!(row[part]["auroc"].as_f64().unwrap().is_finite(), "{row}");
        }
    }
    assert!(stdout.contains("f(φ) alone") && stdout.contains("nearest-neighbour"), "{stdout}");
    assert_eq!(rows[1]["runs"][0]["classes"].as_array().unwrap().len(), 2);
    // Every photo's features are cached (the corrupt file has none).
    let entries = || std::fs::read_dir(std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path()).unwrap().count();
    assert_eq!(entries(), 30);
    // A rerun finds the finished runs and reports the same numbers without training again.
    let again = run();
    assert!(again.status.success());
    let json2: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("caltech.json")).unwrap()).unwrap();
    assert_eq!(json["by_positives"], json2["by_positives"]);
    // Without its cached result, a run is trained again from its seed: the same numbers.
    let result = std::fs::read_to_string(tmp.join("work/results/n1-r0.json")).unwrap();
    std::fs::remove_file(tmp.join("work/results/n1-r0.json")).unwrap();
    assert!(run().status.success());
    let read = |text: &str| serde_json::from_str::<(String, serde_json::Value)>(text).unwrap().1;
    let (a, b) = (read(&result), read(&std::fs::read_to_string(tmp.join("work/results/n1-r0.json")).unwrap()));
    for key in ["classes", "n_train", "n_clf", "n_val", "n_test_positives", "threshold", "crbnd", "classifier_only", "recon_error", "neighbours"] {
        assert_eq!(a[key], b[key], "{key}: a retrained run differs");
    }

    // `--readme` twice: the table goes into the `caltech` block of both files, and the text
    // around the blocks stays; a file without the block is an error naming it, and then no
    // file is written.
    let (readme, results) = (tmp.join("README.md"), tmp.join("results.md"));
    let block = "<!-- connective:results:caltech -->\nold\n<!-- /connective:results:caltech -->";
    std::fs::write(&readme, format!("# top\n{block}\ntail\n")).unwrap();
    std::fs::write(&results, format!("{block}\n")).unwrap();
    let with_docs = |files: &[&Path]| {
        let mut c = on_fixtures(&["eval", "--protocol", "caltech", "--quick", "--sizes", "1,2", "--repeats", "1"]);
        c.arg("--work").arg(tmp.join("work"));
        for f in files {
            c.arg("--readme").arg(f);
        }
        c.output().unwrap()
    };
    let out = with_docs(&[&readme, &results]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
    let expected = format!("<!-- connective:results:caltech -->\n{table}\n<!-- /connective:results:caltech -->");
    assert_eq!(std::fs::read_to_string(&readme).unwrap(), format!("# top\n{expected}\ntail\n"));
    assert_eq!(std::fs::read_to_string(&results).unwrap(), format!("{expected}\n"));
    let bare = tmp.join("bare.md");
    std::fs::write(&bare, "no blocks here\n").unwrap();
    std::fs::write(&results, format!("{block}\n")).unwrap();
    let out = with_docs(&[&results, &bare]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("bare.md") && err.contains("has no <!-- connective:results:caltech -->"), "{err}");
    assert_eq!(std::fs::read_to_string(&results).unwrap(), format!("{block}\n"), "a file was written although another had no block");

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
    assert!(svg.starts_with("<svg") && svg.contains("airplanes") && svg.contains("Motorbikes") && svg.contains("nearest neighbours"), "{svg}");
    // A rerun finds every class's finished run.
    assert!(every().status.success());
    let again: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("every.json")).unwrap()).unwrap();
    assert_eq!(again, json);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_share_of_each_runs_training_photos_goes_to_c_alone() {
    // At least one for C, never all (A keeps at least one), none at 0.
    assert_eq!((classifier_count(90, 0.3), classifier_count(90, 0.001), classifier_count(90, 0.999)), (27, 1, 89));
    assert_eq!((classifier_count(1, 0.5), classifier_count(90, 0.0)), (0, 0));
}
