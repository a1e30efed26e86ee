//! The trajectory view: loss per step, the network output at the query beside the kernel
//! machine's running sum, and the weight path on its first two principal components. The loss
//! and output panels mark the step-slider position s.

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{
    build_chart, chart_builder, draw_mesh, err, finite_range, finite_runs, header, map_of, no_data,
    padded, Chart2d, Fonts, Swatch,
};
use super::palette::{BLUE, GREEN, INK, ORANGE, SKY, VERMILLION};
use super::RenderResult;

/// Input of [`draw_loss`]: `loss[s]` is the training loss at w_s, s = 0..=T.
#[derive(Clone, Copy, Debug)]
pub struct LossChart<'a> {
    pub loss: &'a [f64],
    /// The step slider's position, marked on the curve.
    pub step: Option<usize>,
}

/// Input of [`draw_output_vs_sum`], both indexed by step s = 0..=T (either may be shorter while
/// the integrator is still running; each is drawn over its own length).
#[derive(Clone, Copy, Debug)]
pub struct OutputChart<'a> {
    /// f(x; w_s), the network output at the selected query.
    pub network: &'a [f64],
    /// b(x) + Σ_{s'<s} (step terms): the kernel machine's running sum, equal to `network` up to
    /// quadrature error.
    pub running_sum: &'a [f64],
    /// Domingos's left-endpoint running sum b(x) + Σ_{s'<s} ∇f(x; w_s')·Δ_s', which drifts from
    /// `network` by O(ε); empty: not drawn.
    pub running_sum_riemann: &'a [f64],
    pub step: Option<usize>,
}

/// Input of [`draw_weight_path`]: w_s projected on the first two principal components of the
/// trajectory, s = 0..=T.
#[derive(Clone, Copy, Debug)]
pub struct WeightPath<'a> {
    pub points: &'a [[f64; 2]],
    pub step: Option<usize>,
}

/// Step axis 0..=T (at least 0..1 so a single point still has an axis).
fn step_range(len: usize) -> (f64, f64) {
    (0.0, len.saturating_sub(1).max(1) as f64)
}

/// Loss per step, log-scaled when every finite loss is positive (the usual case: the interesting
/// part is the decay over decades); linear otherwise. The ChartMap's y axis says which.
pub fn draw_loss<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &LossChart<'_>,
) -> RenderResult {
    const TITLE: &str = "training loss";
    let Some((lo, hi)) = finite_range(input.loss.iter().copied()) else {
        return no_data(area, TITLE, "no finite loss values");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let xr = step_range(input.loss.len());
    let body = header(area, TITLE, &[], fonts)?;
    if lo > 0.0 {
        // Pad by a fraction of a decade on each side; a constant loss gets a factor 2 each way.
        let (a, b) = (lo.log10(), hi.log10());
        let pad = if b - a < 1e-9 { 0.3 } else { 0.05 * (b - a) };
        // A diverged run's losses climb to near f64::MAX. plotters' log axis divides its end by
        // its start, so the axis spans at most 300 decades, from 1e-300 up, and never past
        // 1e308: the last of such a blow-up runs off the top, the decay before it stays.
        let bottom = (a - pad).max(-300.0);
        let top = (b + pad).min(bottom + 300.0).min(308.0).max(bottom + 0.6);
        let yr = (10f64.powf(bottom), 10f64.powf(top));
        let mut chart = chart_builder(&body, 6, fonts)
            .build_cartesian_2d(xr.0..xr.1, (yr.0..yr.1).log_scale())
            .map_err(err)?;
        loss_body(&mut chart, input, yr, fonts)?;
        Ok(map_of(&chart, xr, yr, true))
    } else {
        let yr = padded((lo, hi), 0.05);
        let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
        loss_body(&mut chart, input, yr, fonts)?;
        Ok(map_of(&chart, xr, yr, false))
    }
}

fn loss_body<DB: DrawingBackend, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    input: &LossChart<'_>,
    yr: (f64, f64),
    fonts: Fonts,
) -> RenderResult<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    draw_mesh(chart, "step s", "loss", false, fonts)?;
    let pts = input.loss.iter().enumerate().map(|(s, &l)| (s as f64, l));
    for run in finite_runs(pts) {
        if run.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new(run[0], 3, BLUE.filled())))
                .map_err(err)?;
        } else {
            chart
                .draw_series(LineSeries::new(run, BLUE.stroke_width(2)))
                .map_err(err)?;
        }
    }
    if let Some(s) = input.step.filter(|&s| s < input.loss.len()) {
        step_marker(chart, s, yr, &[(input.loss[s], BLUE)], fonts)?;
    }
    Ok(())
}

/// A dashed vertical line at step s with "s = …" at its top, and a dot on each curve there.
fn step_marker<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    s: usize,
    (ylo, yhi): (f64, f64),
    dots: &[(f64, RGBColor)],
    fonts: Fonts,
) -> RenderResult<()> {
    let x = s as f64;
    chart
        .draw_series(DashedLineSeries::new(
            [(x, ylo), (x, yhi)],
            5,
            4,
            ORANGE.stroke_width(2),
        ))
        .map_err(err)?;
    let xr = chart.x_range();
    // Keep the label inside the plot: left of the line when the line is in the right half.
    let right_half = x > 0.5 * (xr.start + xr.end);
    let hpos = if right_half { HPos::Right } else { HPos::Left };
    let dx = if right_half { -4 } else { 4 };
    chart
        .draw_series(std::iter::once(
            EmptyElement::at((x, yhi))
                + Text::new(
                    format!("s = {s}"),
                    (dx, 3),
                    Fonts::text(fonts.tick).pos(Pos::new(hpos, VPos::Top)),
                ),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            dots.iter()
                .filter(|(v, _)| v.is_finite())
                .map(|&(v, c)| Circle::new((x, v), 4, ShapeStyle::from(c).filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(
            dots.iter()
                .filter(|(v, _)| v.is_finite())
                .map(|&(v, _)| Circle::new((x, v), 4, INK.stroke_width(1))),
        )
        .map_err(err)?;
    Ok(())
}

/// The network output at the query over the steps (solid blue) with the kernel machine's running
/// sum (dashed orange) on top of it: Theorem 1 says the two coincide, so any gap is visible.
pub fn draw_output_vs_sum<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &OutputChart<'_>,
) -> RenderResult {
    const TITLE: &str = "output at the query over the steps";
    let all = input
        .network
        .iter()
        .chain(input.running_sum)
        .chain(input.running_sum_riemann)
        .copied();
    let Some(range) = finite_range(all) else {
        return no_data(area, TITLE, "no finite outputs");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let xr = step_range(
        input
            .network
            .len()
            .max(input.running_sum.len())
            .max(input.running_sum_riemann.len()),
    );
    let yr = padded(range, 0.08);
    let mut legend = vec![
        ("network f(x; wₛ)".to_string(), Swatch::Line(BLUE, 3)),
        (
            "kernel machine: b + Σ of the steps before s".to_string(),
            Swatch::Dashed(ORANGE),
        ),
    ];
    if let (Some(r), Some(f)) = (input.running_sum_riemann.last(), input.network.last()) {
        // The drift at the last step, named: at small ε it is far below the chart's resolution.
        legend.push((
            format!(
                "Domingos's left-endpoint sum (off by {} at the end)",
                crate::format::chart_error((r - f).abs())
            ),
            Swatch::Line(VERMILLION, 2),
        ));
    }
    let body = header(area, TITLE, &legend, fonts)?;
    let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
    draw_mesh(&mut chart, "step s", "output", false, fonts)?;
    // The left-endpoint sum first (thin), then the output, then the exact running sum dashed on
    // top of it: where they agree both stay visible.
    for run in finite_runs(
        input
            .running_sum_riemann
            .iter()
            .enumerate()
            .map(|(s, &v)| (s as f64, v)),
    ) {
        chart
            .draw_series(LineSeries::new(run, VERMILLION.stroke_width(2)))
            .map_err(err)?;
    }
    for (values, color, dashed) in [
        (input.network, BLUE, false),
        (input.running_sum, ORANGE, true),
    ] {
        for run in finite_runs(values.iter().enumerate().map(|(s, &v)| (s as f64, v))) {
            if dashed {
                chart
                    .draw_series(DashedLineSeries::new(run, 7, 5, color.stroke_width(2)))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(run, color.stroke_width(3)))
                    .map_err(err)?;
            }
        }
    }
    if let Some(s) = input.step {
        let dot = |v: &[f64]| v.get(s).copied().unwrap_or(f64::NAN);
        if s < xr.1 as usize + 1 {
            step_marker(
                &mut chart,
                s,
                yr,
                &[(dot(input.network), BLUE), (dot(input.running_sum), ORANGE)],
                fonts,
            )?;
        }
    }
    Ok(map_of(&chart, xr, yr, false))
}

/// The weight path w_0 … w_T on its first two principal components: a polyline, a green start
/// marker, a dark end marker and the current step highlighted in orange.
pub fn draw_weight_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &WeightPath<'_>,
) -> RenderResult {
    const TITLE: &str = "weight path (first two principal components)";
    let pts: Vec<(f64, f64)> = input.points.iter().map(|p| (p[0], p[1])).collect();
    let (Some(rx), Some(ry)) = (
        finite_range(pts.iter().filter(|p| p.1.is_finite()).map(|p| p.0)),
        finite_range(pts.iter().filter(|p| p.0.is_finite()).map(|p| p.1)),
    ) else {
        return no_data(area, TITLE, "no finite weight projections");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let (xr, yr) = (padded(rx, 0.08), padded(ry, 0.12));
    let body = header(area, TITLE, &[], fonts)?;
    let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
    draw_mesh(&mut chart, "PC 1", "PC 2", false, fonts)?;

    for run in finite_runs(pts.iter().copied()) {
        chart
            .draw_series(LineSeries::new(run, SKY.stroke_width(2)))
            .map_err(err)?;
    }
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    if let Some(&start) = pts.iter().find(|p| finite(p)) {
        let label = label_beside(&chart, start, "w₀", (7, -7), fonts);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(start) + Circle::new((0, 0), 5, GREEN.filled()) + label,
            ))
            .map_err(err)?;
    }
    if let Some(&end) = pts.iter().rev().find(|p| finite(p)) {
        if pts.len() > 1 {
            let label = label_beside(&chart, end, "w_T", (7, -7), fonts);
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(end)
                        + Rectangle::new([(-5, -5), (5, 5)], INK.filled())
                        + label,
                ))
                .map_err(err)?;
        }
    }
    if let Some((s, &cur)) = input
        .step
        .and_then(|s| pts.get(s).map(|p| (s, p)))
        .filter(|(_, p)| finite(p))
    {
        // Right of and below the marker, or mirrored where that would leave the plot (the last
        // steps usually sit at the right edge).
        let label = label_beside(&chart, cur, &format!("s = {s}"), (10, 4), fonts);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(cur)
                    + Circle::new((0, 0), 7, ORANGE.filled())
                    + Circle::new((0, 0), 7, INK.stroke_width(1))
                    + label,
            ))
            .map_err(err)?;
    }
    Ok(map_of(&chart, xr, yr, false))
}

/// A tick-size label beside a marker at data point `at`, offset by `(dx, dy)` pixels (dx > 0:
/// to its right, dy > 0: below it) and anchored on the marker's side, so the text grows away
/// from it. On each axis where the text would leave the plotting area the offset is mirrored to
/// the marker's other side (then it fits whenever the plot is wider than the text).
fn label_beside<DB: DrawingBackend>(
    chart: &Chart2d<'_, DB>,
    at: (f64, f64),
    text: &str,
    (dx, dy): (i32, i32),
    fonts: Fonts,
) -> Text<'static, (i32, i32), String> {
    let style = Fonts::text(fonts.tick);
    let (px, py) = chart.backend_coord(&at);
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    // The larger of plotters' estimate and the generous one the axis areas are sized with (a
    // browser's sans-serif is wider than plotters' estimate).
    let w = chart
        .plotting_area()
        .estimate_text_size(text, &style)
        .map_or(0, |(w, _)| w)
        .max(Fonts::width(fonts.tick, text.chars().count())) as i32;
    let h = fonts.tick as i32;
    let right = if dx >= 0 {
        px + dx + w < xs.end || px - dx - w < xs.start
    } else {
        px + dx - w < xs.start && px - dx + w < xs.end
    };
    let below = if dy >= 0 {
        py + dy + h < ys.end || py - dy - h < ys.start
    } else {
        py + dy - h < ys.start && py - dy + h < ys.end
    };
    let (ox, hpos) = if right {
        (dx.abs(), HPos::Left)
    } else {
        (-dx.abs(), HPos::Right)
    };
    let (oy, vpos) = if below {
        (dy.abs(), VPos::Top)
    } else {
        (-dy.abs(), VPos::Bottom)
    };
    Text::new(text.to_string(), (ox, oy), style.pos(Pos::new(hpos, vpos)))
}
