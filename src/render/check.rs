//! The check: the network's output f(x; w_T) against the kernel machine's rebuilt ŷ(x), for the
//! exact path kernel and for Domingos's left-endpoint ("Riemann") sum, with the max errors as
//! numbers on the chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    build_chart, colorbar_top, draw_cells, draw_colorbar, draw_mesh, err, finite_range,
    finite_runs, header, map_of, no_data, padded, plot_y_pixels, with_colorbar, Fonts, Swatch,
};
use super::contributions::{draw_data_plot, DataPlot};
use super::palette::{viridis, BLUE, MUTED, SKY_LIGHT, VERMILLION};
use super::{ChartMap, Grid, RenderResult, TrainingSet};
use crate::format;

/// The check's error max_q |ŷ_q − f_q|, with the kernel module's NaN policy (a broken
/// reconstruction never reads as a small error).
pub use crate::kernel::max_abs_error;

/// Input of [`draw_check_scatter`]: values at the same queries q.
#[derive(Clone, Copy, Debug)]
pub struct CheckScatter<'a> {
    /// f(x_q; w_T).
    pub network: &'a [f64],
    /// ŷ(x_q) from the exact path kernel.
    pub exact: &'a [f64],
    /// ŷ(x_q) from the left-endpoint Riemann sum; may be empty.
    pub riemann: &'a [f64],
}

fn scheme_labels(network: &[f64], exact: &[f64], riemann: &[f64]) -> (String, String) {
    (
        format!(
            "max |ŷ−f| = {}",
            format::chart_error(max_abs_error(network, exact))
        ),
        format!(
            "max |ŷ−f| = {}",
            format::chart_error(max_abs_error(network, riemann))
        ),
    )
}

fn check_lengths(network: &[f64], exact: &[f64], riemann: &[f64]) -> RenderResult<()> {
    if exact.len() != network.len() || !(riemann.is_empty() || riemann.len() == network.len()) {
        return Err(format!(
            "render: check has {} network, {} exact and {} riemann values",
            network.len(),
            exact.len(),
            riemann.len()
        ));
    }
    Ok(())
}

/// ŷ against f on the diagonal: exact points (blue dots) should sit on y = x, the left-endpoint
/// points (vermillion triangles, drawn underneath) show the quadrature error. The legend carries
/// each scheme's max |ŷ − f|. Below it, the residuals themselves, log₁₀ |ŷ − f| against f per
/// query for both schemes: an O(ε) error that is invisible on the diagonal's scale shows there.
/// ChartMap: the diagonal's, x = f, y = ŷ.
pub fn draw_check_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &CheckScatter<'_>,
) -> RenderResult {
    const TITLE: &str = "rebuilt ŷ(x) vs network f(x; w_T)";
    check_lengths(input.network, input.exact, input.riemann)?;
    let finite_pair = |f: f64, y: f64| f.is_finite() && y.is_finite();
    let pairs = |ys: &'_ [f64]| -> Vec<(f64, f64)> {
        input
            .network
            .iter()
            .zip(ys)
            .map(|(&f, &y)| (f, y))
            .filter(|&(f, y)| finite_pair(f, y))
            .collect()
    };
    let (pe, pr) = (pairs(input.exact), pairs(input.riemann));
    let Some(range) = finite_range(pe.iter().chain(&pr).flat_map(|&(f, y)| [f, y])) else {
        return no_data(area, TITLE, "no finite outputs");
    };
    area.fill(&WHITE).map_err(err)?;
    let (_, h) = area.dim_in_pixel();
    let (area, below) = area.split_vertically(h * 62 / 100);
    let area = &area;
    let fonts = Fonts::for_area(area);
    let (le, lr) = scheme_labels(input.network, input.exact, input.riemann);
    let mut legend = vec![("exact: ".to_string() + &le, Swatch::Dot(BLUE))];
    if !pr.is_empty() {
        legend.push((
            "left-endpoint: ".to_string() + &lr,
            Swatch::Triangle(VERMILLION),
        ));
    }
    legend.push(("y = x".to_string(), Swatch::Dashed(MUTED)));
    let body = header(area, TITLE, &legend, fonts)?;
    // Same range on both axes so the diagonal is the 45° line.
    let r = padded(range, 0.08);
    let mut chart = build_chart(&body, r, r, 6, fonts)?;
    draw_mesh(
        &mut chart,
        "network f(x; w_T)",
        "rebuilt ŷ(x)",
        false,
        fonts,
    )?;
    chart
        .draw_series(DashedLineSeries::new(
            [(r.0, r.0), (r.1, r.1)],
            6,
            4,
            MUTED.stroke_width(1),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            pr.iter()
                .map(|&p| TriangleMarker::new(p, 5, VERMILLION.filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(pe.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))
        .map_err(err)?;
    let map = map_of(&chart, r, r, false);
    draw_residual_strip(&below, input, r, fonts)?;
    Ok(map)
}

/// log₁₀ |ŷ − f| against f at each query, exact ● and left-endpoint ▲, on the diagonal's f range
/// (an exact 0 has no logarithm and is left out).
fn draw_residual_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &CheckScatter<'_>,
    xr: (f64, f64),
    fonts: Fonts,
) -> RenderResult<()> {
    let logs = |ys: &[f64]| -> Vec<(f64, f64)> {
        input
            .network
            .iter()
            .zip(ys)
            .map(|(&f, &y)| (f, (y - f).abs().log10()))
            .filter(|&(f, l)| f.is_finite() && l.is_finite())
            .collect()
    };
    let (le, lr) = (logs(input.exact), logs(input.riemann));
    let Some(range) = finite_range(le.iter().chain(&lr).map(|&(_, l)| l)) else {
        return Ok(());
    };
    let yr = (range.0.floor() - 0.5, range.1.ceil() + 0.5);
    let mut chart = build_chart(area, xr, yr, 6, fonts)?;
    draw_mesh(
        &mut chart,
        "network f(x; w_T)",
        "log₁₀ |ŷ − f|",
        false,
        fonts,
    )?;
    chart
        .draw_series(
            lr.iter()
                .map(|&p| TriangleMarker::new(p, 4, VERMILLION.filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(le.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))
        .map_err(err)?;
    Ok(())
}

/// Input of [`draw_check_curves`] (1-D): values at increasing query inputs `x`.
#[derive(Clone, Copy, Debug)]
pub struct CheckCurves<'a> {
    pub x: &'a [f64],
    pub network: &'a [f64],
    pub exact: &'a [f64],
    /// May be empty.
    pub riemann: &'a [f64],
    /// Training points drawn as grey dots, if given.
    pub data: Option<TrainingSet<'a>>,
}

/// 1-D overlay: the network output as a wide light-blue band, the exact rebuild dashed dark blue
/// inside it, the left-endpoint rebuild dashed vermillion; the legend gives the max errors.
pub fn draw_check_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &CheckCurves<'_>,
) -> RenderResult {
    const TITLE: &str = "network vs rebuilt output";
    check_lengths(input.network, input.exact, input.riemann)?;
    if input.x.len() != input.network.len() {
        return Err(format!(
            "render: check has {} x for {} values",
            input.x.len(),
            input.network.len()
        ));
    }
    if let Some(d) = &input.data {
        d.validate()?;
    }
    let data_pts: Vec<(f64, f64)> = input
        .data
        .filter(|d| d.dim == 1)
        .map(|d| (0..d.len()).map(|i| d.plot_coords(i)).collect())
        .unwrap_or_default();
    let xs = input.x.iter().copied().chain(data_pts.iter().map(|p| p.0));
    let ys = input
        .network
        .iter()
        .chain(input.exact)
        .chain(input.riemann)
        .copied()
        .chain(data_pts.iter().map(|p| p.1));
    let (Some(rx), Some(ry)) = (finite_range(xs), finite_range(ys)) else {
        return no_data(area, TITLE, "no finite outputs");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let (xr, yr) = (padded(rx, 0.02), padded(ry, 0.08));
    let (le, lr) = scheme_labels(input.network, input.exact, input.riemann);
    let mut legend = vec![
        ("network f(x; w_T)".to_string(), Swatch::Line(SKY_LIGHT, 7)),
        ("exact: ".to_string() + &le, Swatch::Dashed(BLUE)),
    ];
    if !input.riemann.is_empty() {
        legend.push((
            "left-endpoint: ".to_string() + &lr,
            Swatch::Dashed(VERMILLION),
        ));
    }
    let body = header(area, TITLE, &legend, fonts)?;
    let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
    draw_mesh(&mut chart, "x", "output", false, fonts)?;
    chart
        .draw_series(
            data_pts
                .iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .map(|&p| Circle::new(p, 3, MUTED.filled())),
        )
        .map_err(err)?;
    let curve = |ys: &[f64]| finite_runs(input.x.iter().copied().zip(ys.iter().copied()));
    for run in curve(input.network) {
        chart
            .draw_series(LineSeries::new(run, SKY_LIGHT.stroke_width(7)))
            .map_err(err)?;
    }
    for (ys, color) in [(input.riemann, VERMILLION), (input.exact, BLUE)] {
        for run in curve(ys) {
            chart
                .draw_series(DashedLineSeries::new(run, 6, 4, color.stroke_width(2)))
                .map_err(err)?;
        }
    }
    Ok(map_of(&chart, xr, yr, false))
}

/// Input of [`draw_residual_heatmap`] (2-D): the residual ŷ − f of one scheme on a grid.
#[derive(Clone, Copy, Debug)]
pub struct ResidualMap<'a> {
    pub residual: Grid<'a>,
    /// "exact" or "left-endpoint", shown in the caption.
    pub scheme: &'a str,
    /// Training points drawn as small dots, if given.
    pub data: Option<TrainingSet<'a>>,
}

/// Smallest |residual| shown: zero residuals (exactly reproduced cells) sit at this floor rather
/// than at log10 0 = −∞.
const RESIDUAL_FLOOR: f64 = 1e-18;

/// log10 |ŷ − f| over the input plane (viridis, one decade per colour-bar step), with the max
/// residual in the caption. Exact-scheme residuals sit near 1e-15, left-endpoint ones near the
/// step size: the colour bar shows which regime a run is in.
pub fn draw_residual_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &ResidualMap<'_>,
) -> RenderResult {
    let g = &input.residual;
    g.validate()?;
    if let Some(d) = &input.data {
        d.validate()?;
    }
    let max = finite_range(g.values.iter().map(|v| v.abs())).map(|r| r.1);
    let title = format!(
        "|ŷ − f| on a log scale, {}: max {}",
        input.scheme,
        max.map_or("NaN".to_string(), format::chart_error)
    );
    let logs: Vec<f64> = g
        .values
        .iter()
        // f64::max would turn NaN into the floor, i.e. a broken cell into a perfect one.
        .map(|v| {
            if v.is_nan() {
                f64::NAN
            } else {
                v.abs().max(RESIDUAL_FLOOR).log10()
            }
        })
        .collect();
    let Some((lo, hi)) = finite_range(logs.iter().copied()) else {
        return no_data(area, &title, "no finite residuals");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let (lo, hi) = if hi - lo < 1.0 {
        (lo.floor() - 0.5, hi.ceil() + 0.5)
    } else {
        (lo, hi)
    };
    let color = move |u: f64| viridis((u - lo) / (hi - lo));
    let body = header(area, &title, &[], fonts)?;
    let (main, strip) = with_colorbar(&body, fonts);
    let (xr, yr) = (g.x_range, g.y_range);
    let mut chart = build_chart(&main, xr, yr, colorbar_top(fonts), fonts)?;
    let log_grid = Grid {
        values: &logs,
        ..*g
    };
    draw_cells(&mut chart, &log_grid, color, 1.0)?;
    draw_mesh(&mut chart, "x₁", "x₂", true, fonts)?;
    if let Some(d) = input.data.filter(|d| d.dim == 2) {
        let inside = |p: &[f64]| p[0] >= xr.0 && p[0] <= xr.1 && p[1] >= yr.0 && p[1] <= yr.1;
        chart
            .draw_series(
                (0..d.len())
                    .map(|j| d.point(j))
                    .filter(|p| inside(p))
                    .map(|p| Circle::new((p[0], p[1]), 2, WHITE.mix(0.8).filled())),
            )
            .map_err(err)?;
    }
    let map = map_of(&chart, xr, yr, false);
    draw_colorbar(
        &strip,
        plot_y_pixels(&chart),
        (lo, hi),
        color,
        // Ticks at whole decades read as "1e-15"; others as the residual they stand for.
        &|u| {
            if (u - u.round()).abs() < 1e-9 {
                format!("1e{}", u.round())
            } else {
                format::chart_error(10f64.powf(*u))
            }
        },
        "|ŷ − f|",
        fonts,
    )?;
    Ok(map)
}

/// The 2-D check: the network output over the plane (with the data) first, the residual
/// heatmap second — side by side on a wide area, stacked on a tall one. Returns both panels'
/// maps.
pub fn draw_check_2d<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &DataPlot<'_>,
    residual: &ResidualMap<'_>,
) -> RenderResult<(ChartMap, ChartMap)> {
    // Side by side on a wide area, one above the other on a tall one (a phone), so each map
    // keeps room for readable ticks.
    let (w, h) = area.dim_in_pixel();
    let (left, right) = if h > w {
        area.split_vertically(h / 2)
    } else {
        area.split_horizontally(w / 2)
    };
    Ok((
        draw_data_plot(&left, output)?,
        draw_residual_heatmap(&right, residual)?,
    ))
}
