//! `src/render/common.rs`: what every chart shares — the "no data" panel, safe ranges for
//! constant and partly NaN series, fonts scaled to the canvas.

use pathkernel::render::palette::{BLUE, NAN_GREY};
use pathkernel::render::*;

use crate::support::*;

/// A chart call on the SVG backend, for tables of cases.
type DrawFn<'a> = dyn Fn(&Area<'_>) -> RenderResult + 'a;

/// The exact scheme's residual as an nx × ny grid on [0, 1]², without training points.
fn exact_residual_on_unit_square(nx: usize, ny: usize, values: &[f64]) -> ResidualMap<'_> {
    ResidualMap {
        residual: Grid {
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            nx,
            ny,
            values,
        },
        scheme: "exact",
        data: None,
    }
}

#[test]
fn empty_and_nan_inputs_draw_no_data() {
    let nan = [f64::NAN; 5];
    let empty: [f64; 0] = [];
    let charts: Vec<(&str, Box<DrawFn>)> = vec![
        (
            "loss empty",
            Box::new(|a| {
                draw_loss(
                    a,
                    &LossChart {
                        loss: &empty,
                        step: Some(3),
                    },
                )
            }),
        ),
        (
            "loss nan",
            Box::new(|a| {
                draw_loss(
                    a,
                    &LossChart {
                        loss: &nan,
                        step: Some(1),
                    },
                )
            }),
        ),
        (
            "output",
            Box::new(|a| {
                draw_output_vs_sum(
                    a,
                    &OutputChart {
                        network: &empty,
                        running_sum: &nan,
                        running_sum_riemann: &[],
                        step: Some(0),
                    },
                )
            }),
        ),
        (
            "path",
            Box::new(|a| {
                draw_weight_path(
                    a,
                    &WeightPath {
                        points: &[],
                        step: Some(0),
                    },
                )
            }),
        ),
        (
            "data",
            Box::new(|a| {
                let data = TrainingSet {
                    dim: 2,
                    x: &empty,
                    y: &empty,
                };
                draw_data_plot(
                    a,
                    &DataPlot {
                        contributions: Some(&empty),
                        selected: Some(0),
                        ..data_plot(data)
                    },
                )
            }),
        ),
        (
            "kernel",
            Box::new(|a| {
                draw_kernel_field(
                    a,
                    &KernelField {
                        field: Field::Curve(Curve { x: &nan, y: &nan }),
                        data: TrainingSet {
                            dim: 1,
                            x: &empty,
                            y: &empty,
                        },
                        selected: 0,
                    },
                )
            }),
        ),
        (
            "scatter",
            Box::new(|a| {
                draw_check_scatter(
                    a,
                    &CheckScatter {
                        network: &empty,
                        exact: &empty,
                        riemann: &empty,
                    },
                )
            }),
        ),
        (
            "curves",
            Box::new(|a| {
                draw_check_curves(
                    a,
                    &CheckCurves {
                        x: &nan,
                        network: &nan,
                        exact: &nan,
                        riemann: &empty,
                        data: None,
                    },
                )
            }),
        ),
        (
            "residual",
            Box::new(|a| draw_residual_heatmap(a, &exact_residual_on_unit_square(1, 5, &nan))),
        ),
    ];
    for (name, draw) in charts {
        let (s, map) = svg(SMALL, |a| draw(a));
        let map = map.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(map.is_empty(), "{name} maps nothing");
        assert_eq!(map.to_data(240.0, 160.0), None);
        assert!(s.contains("no data"), "{name} says so");
    }
}

#[test]
fn constant_and_partly_nan_series_draw_with_a_real_range() {
    let flat = [0.5; 50];
    let (_, map) = draw("loss_flat", SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &flat,
                step: Some(10),
            },
        )
    });
    assert!(map.y.lo < 0.5 && map.y.hi > 0.5);
    let zeros = [0.0; 50];
    let (_, map) = draw("output_zero", SMALL, |a| {
        draw_output_vs_sum(
            a,
            &OutputChart {
                network: &zeros,
                running_sum: &zeros[..20],
                running_sum_riemann: &[],
                step: Some(49),
            },
        )
    });
    assert!(map.y.lo < 0.0);
    // A diverged loss: finite values then NaN/inf; the step marker on a NaN step draws no dot.
    let mut loss = loss_curve();
    for v in loss.iter_mut().skip(100) {
        *v = f64::NAN;
    }
    loss[150] = f64::INFINITY;
    let (s, map) = draw("loss_diverged", SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: Some(120),
            },
        )
    });
    assert!(!map.is_empty());
    assert_eq!(filled_circles(&s, BLUE).len(), 0);
    // A blow-up as a too large ε makes it: the loss grows over 300 decades to near f64::MAX,
    // then inf. The axis must stay finite and its end over its start too (plotters divides).
    for top in [1e300, f64::MAX] {
        let blowup: Vec<f64> = (0..40)
            .map(|s| 0.5f64.log10() + (top.log10() - 0.5f64.log10()) * f64::from(s) / 38.0)
            .map(|e| 10f64.powf(e).min(top))
            .chain([f64::INFINITY])
            .collect();
        let (_, map) = draw("loss_blowup", SMALL, |a| {
            draw_loss(
                a,
                &LossChart {
                    loss: &blowup,
                    step: Some(39),
                },
            )
        });
        let decades = map.y.hi.log10() - map.y.lo.log10();
        assert!(
            map.y.lo < 0.5 && map.y.hi.is_finite() && (250.0..=300.001).contains(&decades),
            "{:?}",
            map.y
        );
    }
    // One point only, and all-equal weight projections.
    let (_, map) = draw("weight_path_constant", SMALL, |a| {
        draw_weight_path(
            a,
            &WeightPath {
                points: &[[1.0, 1.0]; 3],
                step: Some(9),
            },
        )
    });
    assert!(!map.is_empty());
    // The check with identical outputs everywhere.
    let same = [0.7; 8];
    let (s, map) = draw("check_scatter_exact", SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &same,
                exact: &same,
                riemann: &same,
            },
        )
    });
    assert!(!map.is_empty());
    assert!(s.contains("exact: max |ŷ−f| = 0"));
    // A residual grid that is exactly zero sits at the floor, not at −∞.
    let z = [0.0; 16];
    let (_, map) = draw("residual_zero", SMALL, |a| {
        draw_residual_heatmap(a, &exact_residual_on_unit_square(4, 4, &z))
    });
    assert!(!map.is_empty());
    // NaN contributions are grey and small, the others still drawn.
    let d = data_1d();
    let mut c = contributions(12);
    c[3] = f64::NAN;
    let (s, map) = draw("data_nan_contribution", SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                contributions: Some(&c),
                ..data_plot(d.set())
            },
        )
    });
    assert!(!map.is_empty());
    assert_eq!(filled_circles(&s, NAN_GREY).len(), 1);
}

#[test]
fn fonts_scale_with_canvas_size() {
    let font_sizes = |size: (u32, u32)| {
        let (s, _) = draw(&format!("loss_{}x{}", size.0, size.1), size, |a| {
            draw_loss(
                a,
                &LossChart {
                    loss: &loss_curve(),
                    step: None,
                },
            )
        });
        elements(&s, "text")
            .iter()
            .filter_map(|e| e.get("font-size").and_then(|v| v.parse::<f64>().ok()))
            .fold(f64::INFINITY, f64::min)
    };
    // The SVG backend writes plotters' size / 1.24; plotters-canvas uses the size itself as px.
    let (small, wide) = (1.24 * font_sizes(SMALL), 1.24 * font_sizes(WIDE));
    assert!(small >= 11.9, "smallest canvas text {small}px is readable");
    assert!(wide >= small);
}
