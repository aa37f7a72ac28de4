//! Small, dependency-free SVG charts for evaluation results: lines over a numeric x axis (the
//! paper's Fig. 3 style) and grouped bars (one group per class).

use std::fmt::Write;

/// One line (or one bar series) of a chart.
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

const W: f64 = 720.0;
const H: f64 = 400.0;
const L: f64 = 64.0;
const R: f64 = 24.0;
const T: f64 = 48.0;
const B: f64 = 84.0;

/// The opening tag, a white background and the title, for a chart `h` pixels high.
fn header(svg: &mut String, title: &str, h: f64) {
    let _ = write!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" font-family="sans-serif" font-size="13">"#);
    let _ = write!(svg, r##"<rect width="{W}" height="{h}" fill="#fff"/><text x="{}" y="28" text-anchor="middle" font-size="16" font-weight="bold">{}</text>"##, W / 2.0, esc(title));
}

fn frame(svg: &mut String, title: &str, x_label: &str, y_label: &str, y_range: (f64, f64)) {
    header(svg, title, H);
    let (y0, y1) = y_range;
    for i in 0..=5 {
        let v = y0 + (y1 - y0) * i as f64 / 5.0;
        let y = T + (H - T - B) * (1.0 - i as f64 / 5.0);
        let _ = write!(svg, r##"<line x1="{L}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{v:.2}</text>"##, W - R, L - 6.0, y + 4.0);
    }
    let _ = write!(svg, r##"<text x="{}" y="{}" text-anchor="middle">{}</text>"##, (L + W - R) / 2.0, H - B + 38.0, esc(x_label));
    let _ = write!(svg, r##"<text transform="translate(16 {}) rotate(-90)" text-anchor="middle">{}</text>"##, (T + H - B) / 2.0, esc(y_label));
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn legend(svg: &mut String, series: &[Series]) {
    // As many entries a row as the longest name lets fit (at most four; about 6.5 px a character
    // at 13 px), so that no name runs into the next; more rows stack upwards from the bottom edge.
    let longest = series.iter().map(|s| s.name.chars().count()).max().unwrap_or(0) as f64;
    let cols = (((W - L - 8.0) / (36.0 + 6.5 * longest)).floor() as usize).clamp(1, 4);
    let width = (W - L - 8.0) / cols as f64;
    let rows = series.len().div_ceil(cols);
    for (i, s) in series.iter().enumerate() {
        let x = L + 8.0 + width * (i % cols) as f64;
        let y = H - 14.0 - 18.0 * (rows - 1 - i / cols) as f64;
        let dash = if s.dashed { r#" stroke-dasharray="5 3""# } else { "" };
        let _ = write!(svg, r#"<line x1="{x}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="3"{dash}/><text x="{}" y="{}">{}</text>"#, x + 22.0, s.colour, x + 28.0, y + 4.0, esc(&s.name));
    }
}

/// Lines over x (e.g. outlier percentage), y in `y_range`.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, y_range: (f64, f64), series: &[Series]) -> String {
    let mut svg = String::new();
    frame(&mut svg, title, x_label, y_label, y_range);
    let xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    let (x0, x1) = (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let px = |x: f64| L + 20.0 + (W - L - R - 40.0) * if x1 > x0 { (x - x0) / (x1 - x0) } else { 0.5 };
    let py = |y: f64| T + (H - T - B) * (1.0 - ((y - y_range.0) / (y_range.1 - y_range.0)).clamp(0.0, 1.0));
    let mut ticks = xs.clone();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for x in ticks {
        let _ = write!(svg, r#"<text x="{:.1}" y="{}" text-anchor="middle">{x}</text>"#, px(x), H - B + 16.0);
    }
    for s in series {
        let pts: Vec<String> = s.points.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
        let dash = if s.dashed { r#" stroke-dasharray="5 3""# } else { "" };
        let _ = write!(svg, r#"<polyline fill="none" stroke="{}" stroke-width="2.5"{dash} points="{}"/>"#, s.colour, pts.join(" "));
        for &(x, y) in &s.points {
            let _ = write!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}: {y:.4}</title></circle>"#, px(x), py(y), s.colour, esc(&s.name));
        }
    }
    legend(&mut svg, series);
    svg.push_str("</svg>\n");
    svg
}

/// Grouped bars: one group per category, one bar per series (points are (category index, y)).
pub fn bar_chart(title: &str, categories: &[String], y_label: &str, y_range: (f64, f64), series: &[Series]) -> String {
    let mut svg = String::new();
    frame(&mut svg, title, "", y_label, y_range);
    let group = (W - L - R) / categories.len().max(1) as f64;
    let bar = group * 0.8 / series.len().max(1) as f64;
    let py = |y: f64| T + (H - T - B) * (1.0 - ((y - y_range.0) / (y_range.1 - y_range.0)).clamp(0.0, 1.0));
    for (i, c) in categories.iter().enumerate() {
        let _ = write!(svg, r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#, L + group * (i as f64 + 0.5), H - B + 16.0, esc(c));
    }
    for (k, s) in series.iter().enumerate() {
        for &(i, y) in &s.points {
            let x = L + group * i + group * 0.1 + bar * k as f64;
            let _ = write!(svg, r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {y:.4}</title></rect>"#, py(y), bar * 0.95, (H - B - py(y)).max(0.0), s.colour, esc(&s.name));
        }
    }
    legend(&mut svg, series);
    svg.push_str("</svg>\n");
    svg
}

/// Horizontal bars, one row per category (as many as there are: the chart grows downwards),
/// one bar per series in each row, values along x in `x_range`; `reference` draws a labelled
/// vertical line (e.g. a published number to compare with).
pub fn row_chart(title: &str, categories: &[String], x_label: &str, x_range: (f64, f64), series: &[Series], reference: Option<(f64, &str)>) -> String {
    const LEFT: f64 = 130.0;
    const ROW: f64 = 22.0;
    let rows = categories.len().max(1) as f64;
    let h = T + 20.0 + ROW * rows + 70.0;
    let plot_bottom = T + 20.0 + ROW * rows;
    let px = |x: f64| LEFT + (W - LEFT - R) * ((x - x_range.0) / (x_range.1 - x_range.0)).clamp(0.0, 1.0);
    let mut svg = String::new();
    header(&mut svg, title, h);
    for i in 0..=5 {
        let v = x_range.0 + (x_range.1 - x_range.0) * i as f64 / 5.0;
        let x = px(v);
        let _ = write!(svg, r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{plot_bottom}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{v:.2}</text>"##, T + 14.0, plot_bottom + 16.0);
    }
    let _ = write!(svg, r##"<text x="{}" y="{}" text-anchor="middle">{}</text>"##, (LEFT + W - R) / 2.0, plot_bottom + 36.0, esc(x_label));
    let bar = ROW * 0.8 / series.len().max(1) as f64;
    for (i, c) in categories.iter().enumerate() {
        let y = T + 20.0 + ROW * i as f64;
        let _ = write!(svg, r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#, LEFT - 8.0, y + ROW / 2.0 + 4.0, esc(c));
        for (k, s) in series.iter().enumerate() {
            for &(_, v) in s.points.iter().filter(|p| p.0 as usize == i) {
                let _ = write!(svg, r#"<rect x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {v:.3}</title></rect>"#, y + ROW * 0.1 + bar * k as f64, px(v) - LEFT, bar * 0.9, s.colour, esc(c), esc(&s.name));
            }
        }
    }
    if let Some((v, name)) = reference {
        let x = px(v);
        // The label beside the line, on the side with more room.
        let right = x > W / 2.0;
        let anchor = if right { "end" } else { "start" };
        let _ = write!(svg, r##"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{plot_bottom}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/><text x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"##, T + 10.0, if right { x - 4.0 } else { x + 4.0 }, T + 6.0, esc(name));
    }
    // The legend, in one row at the bottom.
    for (i, s) in series.iter().enumerate() {
        let (x, y) = (LEFT + 170.0 * i as f64, h - 14.0);
        let _ = write!(svg, r#"<rect x="{x}" y="{}" width="22" height="10" fill="{}"/><text x="{}" y="{}">{}</text>"#, y - 5.0, s.colour, x + 28.0, y + 4.0, esc(&s.name));
    }
    svg.push_str("</svg>\n");
    svg
}

/// A y range that starts a little under the smallest value, on a 0.05 grid, so that differences
/// between methods stay visible.
pub fn y_range_for(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let lo = values.into_iter().filter(|v| v.is_finite()).fold(1.0f64, f64::min);
    (((lo - 0.02) * 20.0).floor() / 20.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The legend's (x, y) text positions, in order.
    fn legend_texts(svg: &str) -> Vec<(f64, f64)> {
        let after_bars = &svg[svg.rfind("</rect>").unwrap()..];
        after_bars
            .split("<text x=\"")
            .skip(1)
            .map(|t| {
                let mut n = t.split('"');
                let x: f64 = n.next().unwrap().parse().unwrap();
                let y: f64 = n.nth(1).unwrap().parse().unwrap();
                (x, y)
            })
            .collect()
    }

    fn series(names: &[&str]) -> Vec<Series> {
        names.iter().map(|n| Series { name: n.to_string(), colour: "#000", points: vec![(0.0, 0.5)], dashed: false }).collect()
    }

    #[test]
    fn long_legend_names_get_fewer_columns_and_never_overlap_the_next() {
        let long = series(&["supervised, shown clutter"; 8]);
        let svg = bar_chart("t", &["a".into()], "y", (0.0, 1.0), &long);
        let texts = legend_texts(&svg);
        assert_eq!(texts.len(), 8);
        let first_row: Vec<f64> = texts.iter().filter(|t| t.1 == texts[0].1).map(|t| t.0).collect();
        assert_eq!(first_row.len(), 3, "25-character names fit three to a row: {texts:?}");
        for pair in first_row.windows(2) {
            assert!(pair[1] - pair[0] >= 6.5 * 25.0, "entries overlap: {first_row:?}");
        }
        assert!(texts.iter().all(|t| t.0 + 6.5 * 25.0 <= W), "an entry runs off the chart: {texts:?}");
        // Short names keep four a row.
        let short = bar_chart("t", &["a".into()], "y", (0.0, 1.0), &series(&["CRBND's A, error"; 8]));
        let texts = legend_texts(&short);
        assert_eq!(texts.iter().filter(|t| t.1 == texts[0].1).count(), 4);
    }
}
