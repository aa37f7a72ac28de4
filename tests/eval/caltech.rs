//! The Caltech protocol: a run's photos, the planned runs, and a `--quick` protocol run through
//! the CLI (train, test, resume, every class once).

use std::path::Path;

use crate::common::{fixture_folder, on_fixtures};
use connective::data::folders::PhotoFolder;
use connective::eval::caltech::{PhotoPlan, RunPhotos, classifier_count, planned_runs};

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

    // Without its cached result, a finished run is scored again, not retrained: its C's files
    // stay byte for byte (a new draw would write new parameter ids) and the numbers agree.
    let clf = || std::fs::read(tmp.join("work/n1-r0/clf_best.bpk")).unwrap();
    let (before, result) = (clf(), std::fs::read_to_string(tmp.join("work/results/n1-r0.json")).unwrap());
    std::fs::remove_file(tmp.join("work/results/n1-r0.json")).unwrap();
    assert!(run().status.success());
    assert!(clf() == before, "the finished C was trained again");
    // The same numbers (to rounding: the CPU backend's threads may sum in another order, and two
    // validation photos make eq. 6′'s scale sensitive to the last bits) and the same training time.
    let read = |text: &str| serde_json::from_str::<(String, serde_json::Value)>(text).unwrap().1;
    let (a, b) = (read(&result), read(&std::fs::read_to_string(tmp.join("work/results/n1-r0.json")).unwrap()));
    for key in ["classes", "n_train", "n_clf", "n_val", "n_test_positives", "training_seconds"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let close = |x: &serde_json::Value, y: &serde_json::Value| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-3;
    assert!(close(&a["threshold"], &b["threshold"]), "{a} vs {b}");
    for part in ["crbnd", "classifier_only", "recon_error"] {
        assert!(close(&a[part]["auroc"], &b[part]["auroc"]) && close(&a[part]["f1"], &b[part]["f1"]), "{part}: {a} vs {b}");
    }
    // The photo detector averages three C's, each with its own checkpoints.
    for f in ["clf_best.bpk", "clf2_best.bpk", "clf3_best.bpk"] {
        assert!(tmp.join("work/n1-r0").join(f).exists(), "{f} missing");
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
    assert!(svg.starts_with("<svg") && svg.contains("airplanes") && svg.contains("Motorbikes") && svg.contains("ALOCC"), "{svg}");
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
