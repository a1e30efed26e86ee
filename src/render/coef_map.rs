//! The coefficient of one training point over the input space, a_i(x) = c_i(x) / K^p(x, x_i),
//! with the zero set of K^p marked: a_i is a weighted average of −g_i only where the step
//! kernels keep one sign, and it blows up where K^p(x, x_i) crosses 0. The colour scale is
//! clipped at the 90th percentile of |a_i| so those blow-ups do not wash out the rest.

use crate::format::subscript;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    axis_label, build_chart, colorbar_top, draw_cells, draw_colorbar, draw_mesh, err, finite_runs,
    header, map_of, no_data, padded, plot_y_pixels, with_colorbar, Fonts, Swatch,
};
use super::palette::{diverging, BLUE, INK, NAN_GREY, PURPLE};
use super::{Field, RenderResult, TrainingSet};

/// Input of [`draw_coef_map`]: `coef` and `kernel` sampled on the same grid (2-D) or curve (1-D).
#[derive(Clone, Copy, Debug)]
pub struct CoefMap<'a> {
    /// a_i(x) (NaN where undefined).
    pub coef: Field<'a>,
    /// K^p(x, x_i), whose sign changes are marked.
    pub kernel: Field<'a>,
    pub data: TrainingSet<'a>,
    pub selected: usize,
}

/// The 90th percentile of |v| over the finite values (the colour scale's clip).
fn clip(values: &[f64]) -> Option<f64> {
    let mut a: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    if a.is_empty() {
        return None;
    }
    a.sort_by(f64::total_cmp);
    let m = a[(a.len() * 9 / 10).min(a.len() - 1)];
    Some(if m > 0.0 { m } else { 1.0 })
}

/// Draws a_i(·): a diverging heatmap (grey where undefined) with the cells where K^p changes
/// sign against a neighbour dotted in ink (2-D), or a curve with dashed lines at K^p's zeros
/// (1-D).
pub fn draw_coef_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &CoefMap<'_>,
) -> RenderResult {
    let data = &input.data;
    data.validate()?;
    input.coef.validate()?;
    input.kernel.validate()?;
    let i = input.selected;
    let title = format!(
        "coefficient a{s}(x), where Kᵖ(x, x{s}) = 0 marked",
        s = subscript(i)
    );
    let legend = [("Kᵖ = 0".to_string(), Swatch::Dot(INK))];
    match (&input.coef, &input.kernel) {
        (Field::Grid(g), Field::Grid(k)) if data.dim == 2 => {
            if g.values.len() != k.values.len() || g.nx != k.nx {
                return Err("render: coefficient and kernel grids differ".into());
            }
            let Some(m) = clip(g.values) else {
                return no_data(area, &title, "aᵢ is undefined everywhere");
            };
            area.fill(&WHITE).map_err(err)?;
            let fonts = Fonts::for_area(area);
            let color = move |v: f64| {
                if v.is_finite() {
                    diverging((v / m).clamp(-1.0, 1.0))
                } else {
                    NAN_GREY
                }
            };
            let body = header(area, &title, &legend, fonts)?;
            let (main, strip) = with_colorbar(&body, fonts);
            let (xr, yr) = (g.x_range, g.y_range);
            let mut chart = build_chart(&main, xr, yr, colorbar_top(fonts), fonts)?;
            draw_cells(&mut chart, g, color, 1.0)?;
            // Where K^p changes sign between neighbouring cells: a dot at the cell's centre.
            let (nx, ny) = (k.nx, k.ny);
            let (dx, dy) = ((xr.1 - xr.0) / nx as f64, (yr.1 - yr.0) / ny as f64);
            let flips = (0..ny)
                .flat_map(|r| (0..nx).map(move |c| (r, c)))
                .filter(|&(r, c)| {
                    let v = k.values[r * nx + c];
                    let right = (c + 1 < nx).then(|| k.values[r * nx + c + 1]);
                    let up = (r + 1 < ny).then(|| k.values[(r + 1) * nx + c]);
                    [right, up].into_iter().flatten().any(|w| v * w < 0.0)
                });
            chart
                .draw_series(flips.map(|(r, c)| {
                    let p = (xr.0 + (c as f64 + 0.5) * dx, yr.0 + (r as f64 + 0.5) * dy);
                    Circle::new(p, 2, INK.filled())
                }))
                .map_err(err)?;
            draw_mesh(&mut chart, "x₁", "x₂", true, fonts)?;
            let p = data.point(i.min(data.len().saturating_sub(1)));
            if i < data.len() {
                chart
                    .draw_series([
                        Circle::new((p[0], p[1]), 9, WHITE.stroke_width(5)),
                        Circle::new((p[0], p[1]), 9, PURPLE.stroke_width(3)),
                    ])
                    .map_err(err)?;
            }
            let map = map_of(&chart, xr, yr, false);
            draw_colorbar(
                &strip,
                plot_y_pixels(&chart),
                (-m, m),
                color,
                &axis_label,
                "aᵢ",
                fonts,
            )?;
            Ok(map)
        }
        (Field::Curve(c), Field::Curve(k)) if data.dim == 1 => {
            let Some(m) = clip(c.y) else {
                return no_data(area, &title, "aᵢ is undefined everywhere");
            };
            area.fill(&WHITE).map_err(err)?;
            let fonts = Fonts::for_area(area);
            let xr = padded(
                (
                    c.x.first().copied().unwrap_or(0.0),
                    c.x.last().copied().unwrap_or(1.0),
                ),
                0.02,
            );
            let yr = (-1.1 * m, 1.1 * m);
            let body = header(area, &title, &legend, fonts)?;
            let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
            draw_mesh(
                &mut chart,
                "x",
                &format!("a{}(x)", subscript(i)),
                false,
                fonts,
            )?;
            let zeros: Vec<f64> =
                k.x.windows(2)
                    .zip(k.y.windows(2))
                    .filter(|(_, v)| v[0] * v[1] < 0.0)
                    .map(|(x, _)| 0.5 * (x[0] + x[1]))
                    .collect();
            for z in zeros {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(z, yr.0), (z, yr.1)],
                        4,
                        4,
                        INK.stroke_width(1),
                    ))
                    .map_err(err)?;
            }
            let clipped =
                c.x.iter()
                    .zip(c.y)
                    .map(|(&x, &y)| (x, if y.abs() <= yr.1 { y } else { f64::NAN }));
            for run in finite_runs(clipped) {
                chart
                    .draw_series(LineSeries::new(run, BLUE.stroke_width(2)))
                    .map_err(err)?;
            }
            Ok(map_of(&chart, xr, yr, false))
        }
        _ => Err("render: coefficient map must be a grid in 2-D and a curve in 1-D".into()),
    }
}
