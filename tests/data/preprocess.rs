use connective::data::preprocess::*;

fn canvas(w: usize, h: usize, paint: impl Fn(usize, usize) -> bool, ink: [u8; 4], paper: [u8; 4]) -> Vec<u8> {
    let mut v = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        for x in 0..w {
            v.extend_from_slice(if paint(x, y) { &ink } else { &paper });
        }
    }
    v
}

fn centre_of_mass(img: &[u8]) -> (f32, f32) {
    let (mut m, mut mx, mut my) = (0.0, 0.0, 0.0);
    for (i, &p) in img.iter().enumerate() {
        m += p as f32;
        mx += p as f32 * (i % 28) as f32;
        my += p as f32 * (i / 28) as f32;
    }
    (mx / m, my / m)
}

#[test]
fn a_dark_bar_on_white_paper_becomes_a_bright_centred_digit() {
    // A vertical bar in the top-left corner of a 200×100 white photo.
    let rgba = canvas(200, 100, |x, y| (10..20).contains(&x) && (5..65).contains(&y), [0, 0, 0, 255], [255, 255, 255, 255]);
    let img = mnist_from_rgba(&rgba, 200, 100).unwrap();
    assert_eq!(img.len(), 784);
    let (cx, cy) = centre_of_mass(&img);
    assert!((cx - 13.5).abs() < 1.0 && (cy - 13.5).abs() < 1.0, "centre of mass {cx},{cy}");
    // Height scaled to 20 pixels: rows 4..24 lit.
    let rows: Vec<usize> = (0..28).filter(|&y| (0..28).any(|x| img[y * 28 + x] > 0)).collect();
    assert_eq!(rows.len(), 20, "{rows:?}");
    assert_eq!(img[0], 0, "paper is black");
    assert!(*img.iter().max().unwrap() > 200, "ink is bright");
}

#[test]
fn light_strokes_on_a_dark_or_transparent_canvas_are_kept() {
    let dark = canvas(50, 50, |x, y| (20..30).contains(&x) && (10..40).contains(&y), [255, 255, 255, 255], [0, 0, 0, 255]);
    let from_dark = mnist_from_rgba(&dark, 50, 50).unwrap();
    let transparent = canvas(50, 50, |x, y| (20..30).contains(&x) && (10..40).contains(&y), [0, 0, 0, 255], [0, 0, 0, 0]);
    let from_transparent = mnist_from_rgba(&transparent, 50, 50).unwrap();
    assert_eq!(from_dark, from_transparent);
}

#[test]
fn bad_pictures_are_clear_errors() {
    let blank = canvas(30, 30, |_, _| false, [0; 4], [255, 255, 255, 255]);
    assert!(mnist_from_rgba(&blank, 30, 30).unwrap_err().to_string().contains("blank"));
    assert!(mnist_from_rgba(&[0; 10], 30, 30).unwrap_err().to_string().contains("RGBA bytes"));
    assert!(mnist_from_rgba(&[], 0, 0).unwrap_err().to_string().contains("empty"));
    assert!(mnist_from_rgba(&[], 5000, 5000).unwrap_err().to_string().contains("larger"));
}

#[test]
fn model_input_checks() {
    assert!(check_unit(&[0.5; 784], 784).is_ok());
    assert!(check_unit(&[0.5; 783], 784).unwrap_err().to_string().contains("784"));
    let mut v = vec![0.5; 784];
    v[7] = f32::NAN;
    assert!(check_unit(&v, 784).unwrap_err().to_string().contains("NaN"));
    v[7] = 2.0;
    assert!(check_unit(&v, 784).unwrap_err().to_string().contains("outside"));
    assert_eq!(grey_to_unit(&[255, 0], 2).unwrap(), vec![1.0, 0.0]);
}
