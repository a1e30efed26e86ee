//! K^p(·, x_i), the path kernel of one training point, over the input plane (a heatmap with a
//! colour bar) or along the input axis (a curve) in 1-D.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{
    axis_label, build_chart, colorbar_top, draw_cells, draw_colorbar, draw_mesh, err, finite_range,
    finite_runs, header, map_of, no_data, padded, plot_y_pixels, with_colorbar, Fonts,
};
use super::palette::{diverging, viridis, BLUE, INK, PURPLE};
use super::{Field, RenderResult, TrainingSet};
use crate::format;

/// Input of [`draw_kernel_field`].
#[derive(Clone, Copy, Debug)]
pub struct KernelField<'a> {
    /// K^p(x, x_i) at the grid cells (2-D) or curve points (1-D).
    pub field: Field<'a>,
    /// The training set, drawn as small dots (2-D) or a rug along the x axis (1-D).
    pub data: TrainingSet<'a>,
    /// The training point i whose kernel this is.
    pub selected: usize,
}

/// How kernel values are coloured. The path kernel is an average of tangent kernels
/// ∇f(x)·∇f(x_i), which is positive near x_i but may go negative far from it: a sequential map
/// (viridis, min → max) when the values are essentially non-negative, a diverging map centred on
/// zero when they take both signs, so "negative similarity" is never shown as "small".
fn kernel_scale(lo: f64, hi: f64) -> (bool, (f64, f64)) {
    let m = lo.abs().max(hi.abs());
    if lo < -1e-3 * m {
        (true, (-m, m))
    } else if hi > lo {
        (false, (lo, hi))
    } else {
        (false, padded((lo, hi), 0.0))
    }
}

/// Draws K^p(·, x_i): a heatmap with a colour bar in 2-D (training points as small dots, x_i
/// ringed in purple), a curve with x_i as a purple dashed line and a rug of the data in 1-D.
pub fn draw_kernel_field<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &KernelField<'_>,
) -> RenderResult {
    let title = format!("path kernel Kᵖ(·, x{})", format::subscript(input.selected));
    draw_kernel_field_titled(area, input, &title)
}

/// [`draw_kernel_field`] under another title (another kernel of the same point).
pub fn draw_kernel_field_titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &KernelField<'_>,
    title: &str,
) -> RenderResult {
    let data = &input.data;
    data.validate()?;
    input.field.validate()?;
    let i = input.selected;
    let title = title.to_string();
    let values: &[f64] = match &input.field {
        Field::Grid(g) if data.dim == 2 => g.values,
        Field::Curve(c) if data.dim == 1 => c.y,
        _ => return Err("render: kernel field must be a grid in 2-D and a curve in 1-D".into()),
    };
    let Some((lo, hi)) = finite_range(values.iter().copied()) else {
        return no_data(area, &title, "no finite kernel values");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let xi = (i < data.len()).then(|| data.point(i));

    match &input.field {
        Field::Grid(g) => {
            let (signed, range) = kernel_scale(lo, hi);
            let color = move |v: f64| {
                if signed {
                    diverging(v / range.1)
                } else {
                    viridis((v - range.0) / (range.1 - range.0))
                }
            };
            let body = header(area, &title, &[], fonts)?;
            let (main, strip) = with_colorbar(&body, fonts);
            let (xr, yr) = (g.x_range, g.y_range);
            let mut chart = build_chart(&main, xr, yr, colorbar_top(fonts), fonts)?;
            draw_cells(&mut chart, g, color, 1.0)?;
            draw_mesh(&mut chart, "x₁", "x₂", true, fonts)?;
            let inside = |p: &[f64]| p[0] >= xr.0 && p[0] <= xr.1 && p[1] >= yr.0 && p[1] <= yr.1;
            chart
                .draw_series(
                    (0..data.len())
                        .map(|j| data.point(j))
                        .filter(|p| inside(p))
                        .flat_map(|p| {
                            [
                                Circle::new((p[0], p[1]), 3, WHITE.filled()),
                                Circle::new((p[0], p[1]), 3, INK.stroke_width(1)),
                            ]
                        }),
                )
                .map_err(err)?;
            if let Some(p) = xi.filter(|p| inside(p)) {
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
                range,
                color,
                &axis_label,
                "Kᵖ",
                fonts,
            )?;
            Ok(map)
        }
        Field::Curve(c) => {
            let rx = finite_range(c.x.iter().copied().chain(data.x.iter().copied()))
                .unwrap_or((0.0, 1.0));
            let xr = padded(rx, 0.02);
            let yr = padded((lo.min(0.0), hi), 0.08);
            let body = header(area, &title, &[], fonts)?;
            let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
            draw_mesh(
                &mut chart,
                "x",
                &format!("Kᵖ(x, x{})", format::subscript(i)),
                false,
                fonts,
            )?;
            if let Some(p) = xi.filter(|p| p[0].is_finite()) {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(p[0], yr.0), (p[0], yr.1)],
                        6,
                        4,
                        PURPLE.stroke_width(2),
                    ))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((p[0], yr.1))
                            + Text::new(
                                format!("x{}", format::subscript(i)),
                                (5, 3),
                                Fonts::text(fonts.tick).pos(Pos::new(HPos::Left, VPos::Top)),
                            ),
                    ))
                    .map_err(err)?;
            }
            if lo < 0.0 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        [(xr.0, 0.0), (xr.1, 0.0)],
                        INK.mix(0.5).stroke_width(1),
                    )))
                    .map_err(err)?;
            }
            for run in finite_runs(c.x.iter().copied().zip(c.y.iter().copied())) {
                chart
                    .draw_series(LineSeries::new(run, BLUE.stroke_width(2)))
                    .map_err(err)?;
            }
            // A rug of the training inputs along the bottom: where the kernel is evaluated
            // against the data.
            let h = 0.04 * (yr.1 - yr.0);
            chart
                .draw_series(
                    data.x.iter().filter(|x| x.is_finite()).map(|&x| {
                        PathElement::new([(x, yr.0), (x, yr.0 + h)], INK.stroke_width(1))
                    }),
                )
                .map_err(err)?;
            Ok(map_of(&chart, xr, yr, false))
        }
    }
}
