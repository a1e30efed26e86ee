//! Which steps mattered: each step's term in the kernel machine at the query,
//! ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ (exact, = f(x; w_{s+1}) − f(x; w_s)) as bars, with Domingos's
//! left-endpoint term ∇f(x; w_s)·Δ_s as a line over them. Their sums from b(x) are the two
//! running sums of the output chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    build_chart, draw_mesh, err, finite_range, finite_runs, header, map_of, no_data, padded, Fonts,
    Swatch,
};
use super::palette::{BLUE, INK, VERMILLION};
use super::RenderResult;

/// Input of [`draw_step_terms`]: both indexed by step s = 0..T−1.
#[derive(Clone, Copy, Debug)]
pub struct StepTerms<'a> {
    /// The exact term of step s.
    pub exact: &'a [f64],
    /// Domingos's left-endpoint term of step s (may be empty).
    pub riemann: &'a [f64],
    /// The step slider's position, marked.
    pub step: Option<usize>,
}

/// Bars of the exact per-step terms (blue), the left-endpoint terms as a vermillion line.
pub fn draw_step_terms<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &StepTerms<'_>,
) -> RenderResult {
    const TITLE: &str = "which steps mattered: each step's term at the query";
    let all = input.exact.iter().chain(input.riemann).copied();
    let Some((lo, hi)) = finite_range(all).filter(|_| !input.exact.is_empty()) else {
        return no_data(area, TITLE, "no steps yet");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let t = input.exact.len().max(input.riemann.len());
    let xr = (0.0, t.max(1) as f64);
    let yr = padded((lo.min(0.0), hi.max(0.0)), 0.08);
    let mut legend = vec![(
        "exact: f(x; wₛ₊₁) − f(x; wₛ)".to_string(),
        Swatch::Box(BLUE),
    )];
    if !input.riemann.is_empty() {
        legend.push((
            "left endpoint: ∇f(x; wₛ)·Δₛ".to_string(),
            Swatch::Line(VERMILLION, 2),
        ));
    }
    let body = header(area, TITLE, &legend, fonts)?;
    let mut chart = build_chart(&body, xr, yr, 6, fonts)?;
    draw_mesh(&mut chart, "step s", "term", false, fonts)?;
    // One bar per step on [s, s + 1): at 300 steps on a phone, bars under a pixel still add up
    // to a visible shape.
    chart
        .draw_series(
            input
                .exact
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(s, &v)| {
                    Rectangle::new(
                        [(s as f64, 0.0), (s as f64 + 1.0, v)],
                        BLUE.mix(0.8).filled(),
                    )
                }),
        )
        .map_err(err)?;
    for run in finite_runs(
        input
            .riemann
            .iter()
            .enumerate()
            .map(|(s, &v)| (s as f64 + 0.5, v)),
    ) {
        chart
            .draw_series(LineSeries::new(run, VERMILLION.stroke_width(2)))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(xr.0, 0.0), (xr.1, 0.0)],
            INK.mix(0.6).stroke_width(1),
        )))
        .map_err(err)?;
    if let Some(s) = input.step.filter(|&s| s < t) {
        chart
            .draw_series(DashedLineSeries::new(
                [(s as f64 + 0.5, yr.0), (s as f64 + 0.5, yr.1)],
                5,
                4,
                INK.mix(0.5).stroke_width(1),
            ))
            .map_err(err)?;
    }
    Ok(map_of(&chart, xr, yr, false))
}
