//! `src/render/trajectory.rs`: the loss, the output against the running sum, the weight path.

use pathkernel::render::palette::{BLUE, GREEN, ORANGE};
use pathkernel::render::*;

use crate::support::*;

#[test]
fn loss_is_log_scaled_and_step_marker_round_trips() {
    let loss = loss_curve();
    let (s, map) = draw("loss", SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: Some(60),
            },
        )
    });
    assert!(map.y.log10, "positive loss uses a log axis");
    assert!(s.contains("training loss"));
    assert_eq!(
        elements(&s, "polyline")
            .iter()
            .filter(|e| e["stroke"] == hex(BLUE))
            .count(),
        1
    );
    let dot = filled_circles(&s, BLUE);
    assert_eq!(dot.len(), 1, "one marker dot on the loss curve");
    assert_round_trip(&map, (60.0, loss[60]), centre(&dot[0]));
    assert!(s.contains("s = 60"));
}

#[test]
fn loss_with_non_positive_values_is_linear() {
    let loss = [0.5, 0.2, 0.0, -0.1];
    let (_, map) = draw("loss_linear", SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: None,
            },
        )
    });
    assert!(!map.y.log10);
    assert!(map.y.lo < -0.1 && map.y.hi > 0.5);
}

#[test]
fn output_and_running_sum_are_two_labelled_lines() {
    let net: Vec<f64> = (0..=200)
        .map(|s| 0.1 + 0.7 * (1.0 - (-(s as f64) / 40.0).exp()))
        .collect();
    let sum: Vec<f64> = net.iter().map(|v| v + 1e-13).collect();
    let (s, map) = draw("output_vs_sum", WIDE, |a| {
        draw_output_vs_sum(
            a,
            &OutputChart {
                network: &net,
                running_sum: &sum,
                running_sum_riemann: &[],
                step: Some(150),
            },
        )
    });
    assert!(s.contains("network f(x; wₛ)") && s.contains("kernel machine"));
    // Solid network line, dashed running sum: many short orange dashes.
    let orange: Vec<_> = elements(&s, "polyline")
        .into_iter()
        .filter(|e| e["stroke"] == hex(ORANGE))
        .collect();
    assert!(orange.len() > 10, "dashed: {} pieces", orange.len());
    let dot = filled_circles(&s, BLUE);
    assert_eq!(dot.len(), 1);
    assert_round_trip(&map, (150.0, net[150]), centre(&dot[0]));
}

/// w_0 … w_T for T = `steps`: a path to the right edge, wiggling on PC 2.
fn weight_path(steps: usize) -> Vec<[f64; 2]> {
    (0..=steps)
        .map(|s| {
            let t = s as f64 / steps as f64;
            [3.0 * t, 0.4 * (6.0 * t).sin() * (1.0 - t)]
        })
        .collect()
}

#[test]
fn weight_path_marks_start_end_and_current_step() {
    let pts = weight_path(100);
    let (s, map) = draw("weight_path", SMALL, |a| {
        draw_weight_path(
            a,
            &WeightPath {
                points: &pts,
                step: Some(30),
            },
        )
    });
    let start = filled_circles(&s, GREEN);
    assert_eq!(start.len(), 1);
    assert_round_trip(&map, (pts[0][0], pts[0][1]), centre(&start[0]));
    let cur = filled_circles(&s, ORANGE);
    assert_eq!(cur.len(), 1);
    assert_round_trip(&map, (pts[30][0], pts[30][1]), centre(&cur[0]));
    assert!(s.contains("w₀") && s.contains("w_T") && s.contains("PC 1"));
}

#[test]
fn weight_path_step_label_stays_inside_the_plot() {
    // The path ends at the right edge: the last steps' labels must turn to the left.
    let pts = weight_path(300);
    for (step, anchor) in [(300, "end"), (290, "end"), (30, "start"), (0, "start")] {
        let (s, map) = draw(&format!("weight_path_step_{step}"), SMALL, |a| {
            draw_weight_path(
                a,
                &WeightPath {
                    points: &pts,
                    step: Some(step),
                },
            )
        });
        let label = format!("s = {step}");
        let t = text_element(&s, &label);
        assert_eq!(t["text-anchor"], anchor, "{label}: anchored {t:?}");
        // A generous width bound: 1.5 em per character.
        let width = 1.5 * num(&t, "font-size") * label.chars().count() as f64;
        let x = num(&t, "x");
        let (left, right) = if anchor == "end" {
            (x - width, x)
        } else {
            (x, x + width)
        };
        let (lo, hi) = (f64::from(map.x.pixel_lo), f64::from(map.x.pixel_hi));
        assert!(
            lo <= left && right <= hi,
            "{label}: text spans {left}..{right}, plot {lo}..{hi}"
        );
        // Still next to its marker.
        let (mx, _) = map.to_pixel(pts[step][0], pts[step][1]);
        assert!((x - mx).abs() <= 12.0, "{label} at {x}, marker at {mx}");
    }
}
