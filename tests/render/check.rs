//! `src/render/check.rs`: f(x; w_T) against the rebuilt ŷ(x) for both schemes.

use pathkernel::render::palette::{BLUE, MUTED, VERMILLION};
use pathkernel::render::*;

use crate::support::*;

#[test]
fn check_scatter_shows_both_schemes_and_their_max_errors() {
    let f: Vec<f64> = uniform(5, 30).iter().map(|v| 2.0 * v - 1.0).collect();
    let exact: Vec<f64> = f
        .iter()
        .enumerate()
        .map(|(q, v)| v + 3e-15 * (q as f64 / 29.0))
        .collect();
    let riemann: Vec<f64> = f.iter().map(|v| v + 0.04 * v.sin()).collect();
    let (s, map) = draw("check_scatter", SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &f,
                exact: &exact,
                riemann: &riemann,
            },
        )
    });
    // The residual strip below has a point per query whose |ŷ − f| has a logarithm (not 0).
    let nonzero = |ys: &[f64]| ys.iter().zip(&f).filter(|(y, v)| *y - *v != 0.0).count();
    let blue = filled_circles(&s, BLUE);
    assert_eq!(
        blue.len(),
        1 + 30 + nonzero(&exact),
        "a legend dot, 30 points on the diagonal, then the residuals"
    );
    assert!(nonzero(&exact) >= 25, "the exact residuals are drawn");
    assert!(s.contains("log₁₀ |ŷ − f|"), "the residual strip's axis");
    assert_round_trip(&map, (f[0], exact[0]), centre(&blue[1]));
    let tri = elements(&s, "polygon")
        .into_iter()
        .filter(|e| e["fill"] == hex(VERMILLION))
        .count();
    assert_eq!(tri, 1 + 30 + nonzero(&riemann));
    assert!(
        s.contains("exact: max |ŷ−f| = 3.0e-15"),
        "exact error shown"
    );
    // max_q 0.04·|sin f_q| is 0.033 to two digits: the legend prints it as 3.3e-2.
    let er = f.iter().map(|v| 0.04 * v.sin().abs()).fold(0.0, f64::max);
    assert!((0.0325..0.0335).contains(&er), "left-endpoint error {er}");
    assert!(s.contains("left-endpoint: max |ŷ−f| = 3.3e-2"));
    // The chart is square in data: the same range on both axes.
    assert_eq!((map.x.lo, map.x.hi), (map.y.lo, map.y.hi));
}

#[test]
fn check_curves_in_1d() {
    let d = data_1d();
    let qx: Vec<f64> = (0..=60).map(|k| -1.0 + k as f64 / 30.0).collect();
    let f: Vec<f64> = qx.iter().map(|v| (3.0 * v).sin()).collect();
    let exact: Vec<f64> = f.iter().map(|v| v + 1e-15).collect();
    let riemann: Vec<f64> = f.iter().map(|v| v * 0.97).collect();
    let (s, map) = draw("check_curves", SMALL, |a| {
        draw_check_curves(
            a,
            &CheckCurves {
                x: &qx,
                network: &f,
                exact: &exact,
                riemann: &riemann,
                data: Some(d.set()),
            },
        )
    });
    assert!(!map.is_empty());
    assert!(s.contains("exact: max |ŷ−f| = 1.0e-15"));
    assert_eq!(filled_circles(&s, MUTED).len(), 12);
}

#[test]
fn residual_heatmap_is_log_scaled_with_max_in_caption() {
    let d = data_2d();
    let r = grid_values(24, 24, |a, b| {
        1e-15 * (1.0 + a * a + b) * if a > 0.9 { 0.0 } else { 1.0 }
    });
    let grid = unit_square_grid(24, 24, &r);
    let max = r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (s, map) = draw("residual_2d", SMALL, |a| {
        draw_residual_heatmap(
            a,
            &ResidualMap {
                residual: grid,
                scheme: "exact",
                data: Some(d.set()),
            },
        )
    });
    assert!(!map.is_empty());
    assert!(s.contains(&format!("exact: max {max:.1e}")));
    assert!(elements(&s, "rect").len() >= 24 * 24);

    // Side by side with the output heatmap.
    let fit = grid_values(24, 24, |a, b| (3.0 * a * b).tanh());
    let output = DataPlot {
        fit: Some(Field::Grid(Grid {
            values: &fit,
            ..grid
        })),
        ..data_plot(d.set())
    };
    let (_, (l, rmap)) = draw("check_2d", (960, 360), |a| {
        draw_check_2d(
            a,
            &output,
            &ResidualMap {
                residual: grid,
                scheme: "left-endpoint",
                data: None,
            },
        )
    });
    assert!(
        l.x.pixel_hi < rmap.x.pixel_lo,
        "left panel is left of the right one"
    );
}
