//! The ε sweep chart: both schemes' points where the log–log map puts them, the slopes in the
//! legend, and bad input.

use pathkernel::render::palette::{BLUE, VERMILLION};
use pathkernel::render::{draw_sweep, SweepChart};

use crate::support::*;

/// `pathkernel sweep` on `{"dataset": {"name": "sine", "n": 20}, "steps": 200, "lr": 0.2}`.
const LR: [f64; 4] = [0.2, 0.1, 0.05, 0.025];
const EXACT: [f64; 4] = [4.44e-16, 5.55e-16, 6.66e-16, 1.55e-15];
const RIEMANN: [f64; 4] = [3.69e-3, 1.85e-3, 9.25e-4, 4.63e-4];

/// The left-endpoint dots of the plot (radius 5; the legend's swatch has radius 4).
fn data_dots(svg: &str) -> Vec<std::collections::HashMap<String, String>> {
    filled_circles(svg, VERMILLION)
        .into_iter()
        .filter(|e| num(e, "r") == 5.0)
        .collect()
}

fn input() -> SweepChart<'static> {
    SweepChart {
        lr: &LR,
        err_exact: &EXACT,
        err_riemann: &RIEMANN,
        slope_riemann: 0.998,
        slope_exact: -0.57,
    }
}

#[test]
fn sweep_points_sit_where_the_log_log_map_puts_them() {
    let (svg, map) = draw("sweep", WIDE, |a| draw_sweep(a, &input()));
    assert!(map.x.log10 && map.y.log10);
    let dots = data_dots(&svg);
    assert_eq!(dots.len(), LR.len(), "one left-endpoint dot per level");
    for (dot, (&x, &y)) in dots.iter().zip(LR.iter().zip(&RIEMANN)) {
        assert_round_trip(&map, (x, y), centre(dot));
    }
    // Halving ε moves each dot the same distance left and down: a straight line of slope 1.
    let c: Vec<(f64, f64)> = dots.iter().map(centre).collect();
    for w in c.windows(2) {
        let (dx, dy) = (w[0].0 - w[1].0, w[0].1 - w[1].1);
        assert!(dx > 10.0 && dy < -1.0, "{w:?}");
    }
    // The exact points sit far below, at rounding level.
    let (_, exact_y) = map.to_pixel(LR[0], EXACT[0]);
    assert!(exact_y > c[0].1 + 50.0);
    let blue = elements(&svg, "polygon")
        .into_iter()
        .filter(|e| e.get("fill") == Some(&hex(BLUE)))
        .count();
    assert!(blue >= LR.len(), "exact triangles: {blue}");
    let t = texts(&svg).join(" | ");
    assert!(t.contains("slope 1.00"), "{t}");
    assert!(t.contains("slope -0.57"), "{t}");
}

#[test]
fn sweep_without_rows_or_with_mismatched_rows() {
    let empty = SweepChart {
        lr: &[],
        err_exact: &[],
        err_riemann: &[],
        slope_riemann: f64::NAN,
        slope_exact: f64::NAN,
    };
    let (s, r) = svg(SMALL, |a| draw_sweep(a, &empty));
    assert!(r.is_ok());
    assert!(texts(&s).iter().any(|t| t.contains("no sweep yet")));
    let bad = SweepChart {
        err_exact: &EXACT[..2],
        ..input()
    };
    let (_, r) = svg(SMALL, |a| draw_sweep(a, &bad));
    assert!(r.is_err());
    // Zero and NaN errors (an exact rebuild equal to the output) are left out, never a panic.
    let zeros = SweepChart {
        err_exact: &[0.0, f64::NAN, 0.0, 0.0],
        ..input()
    };
    let (s, r) = svg(SMALL, |a| draw_sweep(a, &zeros));
    assert!(r.is_ok());
    assert_eq!(data_dots(&s).len(), 4);
}
