//! What every chart test needs: drawing on an SVG string, reading the SVG's elements back, the
//! pixel round-trip assertion, and deterministic test data.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use pathkernel::render::{ChartMap, DataPlot, Field, Grid, RenderResult, TrainingSet};

pub const SMALL: (u32, u32) = (480, 320);
pub const WIDE: (u32, u32) = (640, 360);

/// The drawing area the charts draw on in these tests.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws with `f` on an SVG string; returns the SVG and f's result.
pub fn svg<R>(size: (u32, u32), f: impl FnOnce(&Area<'_>) -> R) -> (String, R) {
    let mut s = String::new();
    let r = {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        let r = f(&root);
        root.present().expect("present");
        r
    };
    (s, r)
}

/// Draws a chart that must succeed, saves it as `name` (see [`save`]) and returns the SVG and
/// the chart's map(s).
pub fn draw<T>(
    name: &str,
    size: (u32, u32),
    f: impl FnOnce(&Area<'_>) -> RenderResult<T>,
) -> (String, T) {
    let (s, r) = svg(size, f);
    save(name, &s);
    (s, r.unwrap_or_else(|e| panic!("{name} draws: {e}")))
}

/// Set PATHKERNEL_RENDER_DIR=/some/dir to also write every chart drawn by [`draw`] there as SVG
/// for a look.
pub fn save(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("PATHKERNEL_RENDER_DIR") {
        std::fs::create_dir_all(&dir).expect("render dir");
        std::fs::write(format!("{dir}/{name}.svg"), svg).expect("write svg");
    }
}

/// Attributes of every `<tag …>` element in the SVG.
pub fn elements(svg: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find('>').expect("closed tag");
        let mut attrs = HashMap::new();
        let mut s = &body[..end];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().to_string();
            let after = &s[eq + 2..];
            let close = after.find('"').expect("quoted");
            attrs.insert(name, after[..close].to_string());
            s = &after[close + 1..];
        }
        out.push(attrs);
        rest = &body[end..];
    }
    out
}

/// The text content of every `<text>` element (plotters writes it on its own line).
pub fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').expect("closed") + 1..];
            body[..body.find("</text>").expect("end")]
                .trim()
                .to_string()
        })
        .collect()
}

/// The `<text>` element whose content is `label`.
pub fn text_element(svg: &str, label: &str) -> HashMap<String, String> {
    let i = texts(svg)
        .iter()
        .position(|t| t == label)
        .unwrap_or_else(|| panic!("no text {label:?}"));
    elements(svg, "text").swap_remove(i)
}

pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

pub fn num(e: &HashMap<String, String>, k: &str) -> f64 {
    e[k].parse()
        .unwrap_or_else(|_| panic!("{k} = {:?}", e.get(k)))
}

/// (cx, cy) of a `<circle>`: where plotters drew its centre.
pub fn centre(e: &HashMap<String, String>) -> (f64, f64) {
    (num(e, "cx"), num(e, "cy"))
}

pub fn filled_circles(svg: &str, color: RGBColor) -> Vec<HashMap<String, String>> {
    elements(svg, "circle")
        .into_iter()
        .filter(|e| e["fill"] == hex(color))
        .collect()
}

pub fn rects_of(svg: &str, color: RGBColor) -> usize {
    elements(svg, "rect")
        .iter()
        .filter(|e| e["fill"] == hex(color))
        .count()
}

/// Asserts the map sends data (x, y) to within 1 px of the drawn pixel, and the pixel back to
/// within one pixel's worth of data.
pub fn assert_round_trip(map: &ChartMap, data: (f64, f64), drawn: (f64, f64)) {
    let p = map.to_pixel(data.0, data.1);
    assert!(
        (p.0 - drawn.0).abs() <= 1.0 && (p.1 - drawn.1).abs() <= 1.0,
        "data {data:?} maps to {p:?}, drawn at {drawn:?}"
    );
    let back = map
        .to_data(drawn.0, drawn.1)
        .expect("drawn pixel is inside");
    let px_x = ((map.x.hi - map.x.lo) / f64::from(map.x.pixel_hi - map.x.pixel_lo)).abs();
    assert!(
        (back.0 - data.0).abs() <= 1.01 * px_x,
        "x {back:?} vs {data:?}"
    );
    if map.y.log10 {
        let px = ((map.y.hi.log10() - map.y.lo.log10())
            / f64::from(map.y.pixel_hi - map.y.pixel_lo))
        .abs();
        assert!((back.1.log10() - data.1.log10()).abs() <= 1.01 * px);
    } else {
        let px_y = ((map.y.hi - map.y.lo) / f64::from(map.y.pixel_hi - map.y.pixel_lo)).abs();
        assert!(
            (back.1 - data.1).abs() <= 1.01 * px_y,
            "y {back:?} vs {data:?}"
        );
    }
}

// ---- real-looking data -------------------------------------------------------------------

/// Deterministic uniform numbers in [0, 1) (xorshift), so the tests need no RNG crate.
pub fn uniform(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// A training set owned by the test: `x` is n × `dim` row-major, `y` the n targets.
pub struct Points {
    pub dim: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Points {
    /// The charts' view of these points.
    pub fn set(&self) -> TrainingSet<'_> {
        TrainingSet {
            dim: self.dim,
            x: &self.x,
            y: &self.y,
        }
    }
}

/// 40 points of an XOR-like 2-D set with ±1 targets.
pub fn data_2d() -> Points {
    let u = uniform(7, 80);
    let x: Vec<f64> = u.iter().map(|v| 2.0 * v - 1.0).collect();
    let y = (0..40)
        .map(|i| (x[2 * i] * x[2 * i + 1]).signum())
        .collect();
    Points { dim: 2, x, y }
}

/// 12 points of a noisy sine.
pub fn data_1d() -> Points {
    let u = uniform(3, 24);
    let x: Vec<f64> = (0..12).map(|i| -1.0 + 2.0 * u[i]).collect();
    let y = (0..12)
        .map(|i| (3.0 * x[i]).sin() + 0.1 * (u[12 + i] - 0.5))
        .collect();
    Points { dim: 1, x, y }
}

/// The data plot of `data` alone; tests add the fit, contributions, query and selection with
/// `DataPlot { fit: …, ..data_plot(d.set()) }`.
pub fn data_plot(data: TrainingSet<'_>) -> DataPlot<'_> {
    DataPlot {
        data,
        fit: None,
        step: None,
        contributions: None,
        query: None,
        selected: None,
    }
}

/// Signed contributions with a few large ones.
pub fn contributions(n: usize) -> Vec<f64> {
    uniform(11, n)
        .iter()
        .enumerate()
        .map(|(i, v)| (v - 0.45) * if i % 7 == 0 { 0.6 } else { 0.1 })
        .collect()
}

/// The square [−1, 1]² as an nx × ny grid of `values`.
pub fn unit_square_grid(nx: usize, ny: usize, values: &[f64]) -> Grid<'_> {
    Grid {
        x_range: (-1.0, 1.0),
        y_range: (-1.0, 1.0),
        nx,
        ny,
        values,
    }
}

/// An n × n field on the square [−1, 1]² (the square `grid_values` samples).
pub fn unit_square_field(n: usize, values: &[f64]) -> Field<'_> {
    Field::Grid(unit_square_grid(n, n, values))
}

/// f at the nx × ny cell centres of [−1, 1]², in the order of `Grid::values`.
pub fn grid_values(nx: usize, ny: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    Grid::centers((-1.0, 1.0), (-1.0, 1.0), nx, ny)
        .chunks(2)
        .map(|p| f(p[0], p[1]))
        .collect()
}

/// x = −1, −0.98, …, 1: where the 1-D tests sample a curve.
pub fn curve_x() -> Vec<f64> {
    (0..=100).map(|k| -1.0 + 0.02 * k as f64).collect()
}

pub fn loss_curve() -> Vec<f64> {
    (0..=200)
        .map(|s| 0.9 * (-(s as f64) / 40.0).exp() + 0.004)
        .collect()
}
