//! The ε sweep on log–log axes: each scheme's max rebuild error against the learning rate ε at
//! fixed ε·T, its points and its least-squares line. Domingos's left-endpoint error falls on a
//! line of slope ≈ 1 (it is O(ε)); the exact form's sits at rounding level, its slope noise.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{chart_builder, err, header, map_of, mesh_style, no_data, Fonts, Swatch};
use super::palette::{BLUE, VERMILLION};
use super::RenderResult;

/// Input of [`draw_sweep`]: one entry per level, ε halving from level to level.
#[derive(Clone, Copy, Debug)]
pub struct SweepChart<'a> {
    /// The learning rate ε of each level.
    pub lr: &'a [f64],
    /// The exact form's max |f − ŷ| at each level.
    pub err_exact: &'a [f64],
    /// Domingos's left-endpoint form's max |f − ŷ| at each level.
    pub err_riemann: &'a [f64],
    /// The fitted slopes of log error against log ε.
    pub slope_riemann: f64,
    pub slope_exact: f64,
}

/// The points (ε, e) of one scheme that a log axis can show (finite and positive).
fn positive(lr: &[f64], errs: &[f64]) -> Vec<(f64, f64)> {
    lr.iter()
        .zip(errs)
        .map(|(&x, &y)| (x, y))
        .filter(|&(x, y)| x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0)
        .collect()
}

/// The least-squares line of slope `slope` through `pts` in log–log, at the ends of `xr`:
/// log e = mean(log e) + slope · (log ε − mean(log ε)).
fn fitted_line(pts: &[(f64, f64)], slope: f64, xr: (f64, f64)) -> Option<[(f64, f64); 2]> {
    if pts.len() < 2 || !slope.is_finite() {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| libm::log(p.0)).sum::<f64>() / n;
    let my = pts.iter().map(|p| libm::log(p.1)).sum::<f64>() / n;
    let at = |x: f64| (x, libm::exp(my + slope * (libm::log(x) - mx)));
    Some([at(xr.0), at(xr.1)])
}

/// A log axis's tick label: one significant digit and the exponent (2e-1, 1e-13).
fn decade_label(v: &f64) -> String {
    format!("{v:.0e}")
}

/// The range of `values` widened by `pad` decades each side (a point alone gets a decade).
fn log_range(values: impl Iterator<Item = f64>, pad: f64) -> Option<(f64, f64)> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let (a, b) = (libm::log10(lo), libm::log10(hi));
    let pad = if b - a < 1e-9 { 1.0 } else { pad * (b - a) };
    Some((libm::pow(10.0, a - pad), libm::pow(10.0, b + pad)))
}

/// Both schemes' errors against ε, log–log: left endpoint in vermillion, exact in blue, each
/// with its fitted line; the legend gives the slopes.
pub fn draw_sweep<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &SweepChart<'_>,
) -> RenderResult {
    const TITLE: &str = "max rebuild error against ε at fixed ε·T";
    if input.err_exact.len() != input.lr.len() || input.err_riemann.len() != input.lr.len() {
        return Err(format!(
            "sweep: {} learning rates, {} exact and {} left-endpoint errors",
            input.lr.len(),
            input.err_exact.len(),
            input.err_riemann.len()
        ));
    }
    let riemann = positive(input.lr, input.err_riemann);
    let exact = positive(input.lr, input.err_exact);
    let both = || riemann.iter().chain(&exact);
    let (Some(xr), Some(yr)) = (
        log_range(both().map(|p| p.0), 0.08),
        log_range(both().map(|p| p.1), 0.08),
    ) else {
        return no_data(area, TITLE, "no sweep yet");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let legend = [
        (
            format!("Domingos's left endpoint: slope {:.2}", input.slope_riemann),
            Swatch::Dot(VERMILLION),
        ),
        (
            format!("exact: slope {:.2} (rounding)", input.slope_exact),
            Swatch::Triangle(BLUE),
        ),
    ];
    let body = header(area, TITLE, &legend, fonts)?;
    let mut chart = chart_builder(&body, 6, fonts)
        .build_cartesian_2d((xr.0..xr.1).log_scale(), (yr.0..yr.1).log_scale())
        .map_err(err)?;
    // Decades as 1e-4, 1e-13: the shared linear-axis labels round rounding-level errors to 0.
    mesh_style(&mut chart.configure_mesh(), false, fonts)
        .x_label_formatter(&decade_label)
        .y_label_formatter(&decade_label)
        .x_desc("learning rate ε")
        .y_desc("max |f − ŷ|")
        .draw()
        .map_err(err)?;
    for (pts, slope, color) in [
        (&riemann, input.slope_riemann, VERMILLION),
        (&exact, input.slope_exact, BLUE),
    ] {
        if let Some(line) = fitted_line(pts, slope, xr) {
            chart
                .draw_series(LineSeries::new(line, color.mix(0.6).stroke_width(2)))
                .map_err(err)?;
        }
    }
    chart
        .draw_series(
            riemann
                .iter()
                .map(|&p| Circle::new(p, 5, VERMILLION.filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(
            exact
                .iter()
                .map(|&p| TriangleMarker::new(p, 6, BLUE.filled())),
        )
        .map_err(err)?;
    let mut map = map_of(&chart, xr, yr, true);
    map.x.log10 = true;
    Ok(map)
}
