//! The feature cache: one entry per photo, named by the SHA-256 of its bytes, so a changed photo
//! gets new features and a damaged entry is recomputed, never trusted.

use burn::prelude::*;

use crate::common::{backbone_file, fixture_folder};
use connective::eval::caltech::open_backbone;
use connective::train::features::FeatureExtractor;

#[test]
fn the_cache_follows_each_photos_bytes() {
    let tmp = std::env::temp_dir().join(format!("connective-features-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let photos = tmp.join("photos/airplanes");
    std::fs::create_dir_all(&photos).unwrap();
    for f in ["image_0001.jpg", "image_0081.jpg"] {
        std::fs::copy(fixture_folder().join("airplanes").join(f), photos.join(f)).unwrap();
    }
    let (backbone, sha) = open_backbone(&backbone_file()).unwrap();
    let cache = tmp.join("cache");
    let extractor = FeatureExtractor { backbone: &backbone, backbone_sha256: &sha, side: 64, cache_dir: &cache, device: Device::flex() };
    let entries = || {
        let mut v: Vec<_> = std::fs::read_dir(std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path()).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let first = extractor.folder(&tmp.join("photos"), &[]).unwrap();
    let class = first.class("airplanes").unwrap();
    assert_eq!(class.len(), 2);
    assert_eq!(first.shape, [1280, 2, 2]);
    assert_eq!(entries().len(), 2);
    // Read back from the cache: the very same numbers.
    let again = extractor.folder(&tmp.join("photos"), &[]).unwrap();
    assert!(again.class("airplanes").unwrap().maps == class.maps);

    // Another photo under the same name: a new entry, new features for it, the other's kept.
    std::fs::copy(fixture_folder().join("Motorbikes/image_0001.jpg"), photos.join("image_0081.jpg")).unwrap();
    let changed = extractor.folder(&tmp.join("photos"), &[]).unwrap();
    let c = changed.class("airplanes").unwrap();
    let len = changed.map_len();
    assert!(c.maps[..len] == class.maps[..len], "the unchanged photo keeps its features");
    assert!(c.maps[len..] != class.maps[len..], "the changed photo got new features");
    assert_eq!(entries().len(), 3);

    // A damaged entry (cut short) is recomputed, not read.
    let sha_of = |f: &str| connective::model::io::sha256_hex(&std::fs::read(photos.join(f)).unwrap());
    let victim = entries().into_iter().find(|e| e.to_string_lossy().contains(&sha_of("image_0001.jpg"))).unwrap();
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let repaired = extractor.folder(&tmp.join("photos"), &[]).unwrap();
    // The same up to the batch it was computed in (one photo now, two before).
    let diff = repaired.class("airplanes").unwrap().maps.iter().zip(&c.maps).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "recomputed features differ by {diff}");
    assert_eq!(std::fs::read(&victim).unwrap().len(), bytes.len(), "the entry was written again, whole");
    let _ = std::fs::remove_dir_all(&tmp);
}
