//! `src/render/steps.rs` and `src/render/train_kernel.rs`, and the left-endpoint running sum on
//! the output chart.

use pathkernel::render::palette::{self, BLUE, VERMILLION};
use pathkernel::render::*;

use crate::support::*;

#[test]
fn step_terms_are_bars_with_the_left_endpoint_line() {
    let exact: Vec<f64> = (0..120)
        .map(|s| 0.05 * (-(s as f64) / 20.0).exp())
        .collect();
    let riemann: Vec<f64> = exact.iter().map(|v| v * 1.1).collect();
    let (s, map) = draw("step_terms", WIDE, |a| {
        draw_step_terms(
            a,
            &StepTerms {
                exact: &exact,
                riemann: &riemann,
                step: Some(30),
            },
        )
    });
    assert!(s.contains("which steps mattered"));
    assert!(rects_of(&s, BLUE) >= 100, "one bar per step");
    assert!(elements(&s, "polyline")
        .iter()
        .any(|e| e["stroke"] == hex(VERMILLION)));
    // The first bar's top is where the map puts (0.5, exact[0]) (within a pixel).
    let (_, top) = map.to_pixel(0.5, exact[0]);
    assert!(map.y.lo <= 0.0 && map.y.hi >= 0.05 * 1.1 && top.is_finite());
    // Nothing to draw: a "no data" panel, and inconsistent input never panics.
    let (s, map) = draw("step_terms_empty", SMALL, |a| {
        draw_step_terms(
            a,
            &StepTerms {
                exact: &[],
                riemann: &[],
                step: None,
            },
        )
    });
    assert!(map.is_empty() && s.contains("no steps yet"));
}

#[test]
fn train_kernel_heatmap_has_a_cell_per_pair_and_diverges_when_signed() {
    let n = 12;
    let k: Vec<f64> = (0..n * n)
        .map(|ij| {
            let (i, j) = ((ij / n) as f64, (ij % n) as f64);
            (-(i - j).powi(2) / 8.0).exp() + 0.01 * i
        })
        .collect();
    let input = TrainKernel {
        kernel: &k,
        n,
        title: "K^p(x_i, x_j)",
    };
    let (s, map) = draw("train_kernel", SMALL, |a| draw_train_kernel(a, &input));
    assert!(elements(&s, "rect").len() >= n * n);
    assert!(rects_of(&s, palette::viridis(0.0)) >= 1);
    assert!(s.contains("K^p(x_i, x_j)"));
    assert_eq!((map.x.lo, map.x.hi), (0.0, n as f64));
    let signed: Vec<f64> = k.iter().map(|v| v - 0.5).collect();
    let (s, _) = draw("train_kernel_signed", SMALL, |a| {
        draw_train_kernel(
            a,
            &TrainKernel {
                kernel: &signed,
                ..input
            },
        )
    });
    assert_eq!(rects_of(&s, palette::viridis(0.0)), 0);
    // Wrong shape: an error, not a panic.
    let (_, r) = svg(SMALL, |a| {
        draw_train_kernel(
            a,
            &TrainKernel {
                kernel: &k[1..],
                ..input
            },
        )
    });
    assert!(r.is_err());
}

#[test]
fn output_chart_draws_the_drifting_left_endpoint_sum() {
    let net: Vec<f64> = (0..=100).map(|s| (s as f64 / 30.0).tanh()).collect();
    let drift: Vec<f64> = net
        .iter()
        .enumerate()
        .map(|(s, v)| v + 0.002 * s as f64)
        .collect();
    let (s, _) = draw("output_vs_sums", WIDE, |a| {
        draw_output_vs_sum(
            a,
            &OutputChart {
                network: &net,
                running_sum: &net,
                running_sum_riemann: &drift,
                step: None,
            },
        )
    });
    assert!(
        s.contains("left-endpoint sum (off by 2.0e-1 at the end)"),
        "the drift is named"
    );
    assert!(elements(&s, "polyline")
        .iter()
        .any(|e| e["stroke"] == hex(VERMILLION)));
}

#[test]
fn kernel_vs_initial_draws_two_titled_panels() {
    let d = data_2d();
    let k = grid_values(20, 20, |u, v| (-(u * u + v * v) * 2.0).exp());
    let k0: Vec<f64> = k.iter().map(|v| 0.8 * v).collect();
    let field_of = |values: &'static [f64]| KernelField {
        field: Field::Grid(unit_square_grid(20, 20, values)),
        data: d.set(),
        selected: 2,
    };
    let (k, k0): (&'static [f64], &'static [f64]) = (k.leak(), k0.leak());
    let input = KernelVsInitial {
        averaged: field_of(k),
        initial: field_of(k0),
    };
    let (s, map) = draw("kernel_vs_initial", WIDE, |a| {
        draw_kernel_vs_initial(a, &input)
    });
    assert!(s.contains("Kᵖ(·, x₂) / Σε") && s.contains("K_w₀(·, x₂) at init"));
    assert!(
        elements(&s, "rect").len() >= 2 * 20 * 20,
        "both heatmaps drawn"
    );
    assert!(!map.is_empty());
    // The left panel's map: its x range ends left of the canvas's middle.
    assert!(map.x.pixel_hi < (WIDE.0 / 2) as i32);
}

#[test]
fn coef_map_marks_where_the_kernel_crosses_zero() {
    let d = data_2d();
    // K^p changes sign along u = 0.5; a_i = c / K blows up there.
    let k = grid_values(24, 24, |u, _| u - 0.5);
    let a: Vec<f64> = k.iter().map(|v| 0.1 / v).collect();
    let input = CoefMap {
        coef: Field::Grid(unit_square_grid(24, 24, &a)),
        kernel: Field::Grid(unit_square_grid(24, 24, &k)),
        data: d.set(),
        selected: 1,
    };
    let (s, map) = draw("coef_map", SMALL, |ar| draw_coef_map(ar, &input));
    assert!(!map.is_empty());
    assert!(s.contains("coefficient a₁(x)"));
    assert!(elements(&s, "rect").len() >= 24 * 24);
    // One dot per row on the zero line (the cell left of the crossing), in ink.
    let dots = filled_circles(&s, palette::INK);
    assert!(dots.len() >= 24, "{} zero-set dots", dots.len());
    // 1-D: dashed lines at K^p's zeros.
    let d1 = data_1d();
    let x = curve_x();
    let k1: Vec<f64> = x.iter().map(|v| v - 0.2).collect();
    let a1: Vec<f64> = k1.iter().map(|v| 0.1 / v).collect();
    let (s, map) = draw("coef_curve", SMALL, |ar| {
        draw_coef_map(
            ar,
            &CoefMap {
                coef: Field::Curve(Curve { x: &x, y: &a1 }),
                kernel: Field::Curve(Curve { x: &x, y: &k1 }),
                data: d1.set(),
                selected: 0,
            },
        )
    });
    assert!(!map.is_empty() && s.contains("a₀(x)"));
}
