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

/// Pixels lit (> 0) in a 28×28 result, and the side of the box around them.
fn lit(img: &[u8]) -> (usize, usize) {
    let on: Vec<usize> = (0..784).filter(|&i| img[i] > 0).collect();
    let span = |f: fn(usize) -> usize| on.iter().map(|&i| f(i)).max().unwrap() - on.iter().map(|&i| f(i)).min().unwrap() + 1;
    (on.len(), span(|i| i % 28).max(span(|i| i / 28)))
}

#[test]
fn a_dot_and_a_short_stroke_stay_small() {
    // The page's pad: white ink on black, a pen 1/12 of the pad wide.
    let side = 280;
    let r = side as f32 / 24.0;
    let capsule = |x0: f32, x1: f32| {
        canvas(side, side, move |x, y| {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let cx = px.clamp(x0, x1);
            (px - cx).hypot(py - 140.0) <= r
        }, [255, 255, 255, 255], [0, 0, 0, 255])
    };
    // A click: MNIST's normalisation alone made it a 20-px disc (340 pixels).
    let (dot, dot_side) = lit(&mnist_from_rgba(&capsule(140.0, 140.0), side, side).unwrap());
    assert!(dot < 40 && dot_side <= 7, "a dot lights {dot} pixels, {dot_side} px across");
    // A dash a tenth of the pad long (plus the pen): it was a 20×9 bar (176 pixels).
    let (dash, dash_side) = lit(&mnist_from_rgba(&capsule(126.0, 154.0), side, side).unwrap());
    assert!(dash > dot && dash < 80 && dash_side <= 13, "a short stroke lights {dash} pixels, {dash_side} px across");
}

#[test]
fn digits_of_a_normal_size_are_scaled_as_before_and_tiny_ones_less() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for d in 0..10 {
        let paper = image::open(root.join(format!("paper-{d}.png"))).unwrap().to_rgba8();
        let (w, h) = (paper.width() as usize, paper.height() as usize);
        let own = mnist_from_rgba(paper.as_raw(), w, h).unwrap();
        // The same drawing on a larger sheet: the scale depends on the ink alone while the digit
        // spans a third of the sheet or more (here at least 0.37: MNIST's digits span ≥ 0.46)…
        let on_sheet = |s: usize| {
            let at = (s - w) / 2;
            let mut rgba = canvas(s, s, |_, _| false, [0; 4], [255, 255, 255, 255]);
            for (x, y, p) in paper.enumerate_pixels() {
                let i = ((y as usize + at) * s + x as usize + at) * 4;
                rgba[i..i + 4].copy_from_slice(&p.0);
            }
            mnist_from_rgba(&rgba, s, s).unwrap()
        };
        assert_eq!(on_sheet(w + w / 4), own, "paper-{d}.png on a sheet 1.25× as large");
        // …and a digit small on a sheet four times as large comes out smaller.
        let (_, own_side) = lit(&own);
        let (_, small_side) = lit(&on_sheet(4 * w));
        assert!(small_side < own_side && small_side <= 16, "paper-{d}.png on a 4× sheet spans {small_side} px, on its own {own_side}");
    }
}
