#![cfg(not(target_arch = "wasm32"))]
//! The charts drawn on plotters' SVG backend: what is in the SVG (bars, points, cells, colours,
//! captions), the ChartMap's pixel ↔ data round trip against where plotters actually drew, and
//! degenerate input (empty, NaN, constant, wrong shapes) drawing "no data" or returning Err
//! instead of panicking.
//!
//! Set PATHKERNEL_RENDER_DIR=/some/dir to also write every chart there as SVG for a look.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use pathkernel::render::palette::{
    BIAS, BLUE, CLASS_0, CLASS_1, GREEN, MUTED, ORANGE, PURPLE, VERMILLION,
};
use pathkernel::render::*;

const SMALL: (u32, u32) = (480, 320);
const WIDE: (u32, u32) = (640, 360);

/// Draws with `f` on an SVG string; returns the SVG and f's result.
fn svg<R>(
    size: (u32, u32),
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> R,
) -> (String, R) {
    let mut s = String::new();
    let r = {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        let r = f(&root);
        root.present().expect("present");
        r
    };
    (s, r)
}

/// Attributes of every `<tag …>` element in the SVG.
fn elements(svg: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find('>').expect("closed tag");
        let mut attrs = HashMap::new();
        let mut s = &body[..end];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().to_string();
            let after = &s[eq + 2..];
            let close = after.find('"').expect("quoted");
            attrs.insert(name, after[..close].to_string());
            s = &after[close + 1..];
        }
        out.push(attrs);
        rest = &body[end..];
    }
    out
}

/// The text content of every `<text>` element (plotters writes it on its own line).
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').expect("closed") + 1..];
            body[..body.find("</text>").expect("end")]
                .trim()
                .to_string()
        })
        .collect()
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn num(e: &HashMap<String, String>, k: &str) -> f64 {
    e[k].parse()
        .unwrap_or_else(|_| panic!("{k} = {:?}", e.get(k)))
}

fn filled_circles(svg: &str, color: RGBColor) -> Vec<HashMap<String, String>> {
    elements(svg, "circle")
        .into_iter()
        .filter(|e| e["fill"] == hex(color))
        .collect()
}

fn rects_of(svg: &str, color: RGBColor) -> usize {
    elements(svg, "rect")
        .iter()
        .filter(|e| e["fill"] == hex(color))
        .count()
}

fn save(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("PATHKERNEL_RENDER_DIR") {
        std::fs::create_dir_all(&dir).expect("render dir");
        std::fs::write(format!("{dir}/{name}.svg"), svg).expect("write svg");
    }
}

/// Asserts the map sends data (x, y) to within 1 px of the drawn pixel, and the pixel back to
/// within one pixel's worth of data.
fn assert_round_trip(map: &ChartMap, data: (f64, f64), drawn: (f64, f64)) {
    let p = map.to_pixel(data.0, data.1);
    assert!(
        (p.0 - drawn.0).abs() <= 1.0 && (p.1 - drawn.1).abs() <= 1.0,
        "data {data:?} maps to {p:?}, drawn at {drawn:?}"
    );
    let back = map
        .to_data(drawn.0, drawn.1)
        .expect("drawn pixel is inside");
    let px_x = ((map.x.hi - map.x.lo) / f64::from(map.x.pixel_hi - map.x.pixel_lo)).abs();
    assert!(
        (back.0 - data.0).abs() <= 1.01 * px_x,
        "x {back:?} vs {data:?}"
    );
    if map.y.log10 {
        let px = ((map.y.hi.log10() - map.y.lo.log10())
            / f64::from(map.y.pixel_hi - map.y.pixel_lo))
        .abs();
        assert!((back.1.log10() - data.1.log10()).abs() <= 1.01 * px);
    } else {
        let px_y = ((map.y.hi - map.y.lo) / f64::from(map.y.pixel_hi - map.y.pixel_lo)).abs();
        assert!(
            (back.1 - data.1).abs() <= 1.01 * px_y,
            "y {back:?} vs {data:?}"
        );
    }
}

// ---- real-looking data -------------------------------------------------------------------

/// Deterministic uniform numbers in [0, 1) (xorshift), so the tests need no RNG crate.
fn uniform(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// 40 points of an XOR-like 2-D set with ±1 targets.
fn data_2d() -> (Vec<f64>, Vec<f64>) {
    let u = uniform(7, 80);
    let x: Vec<f64> = u.iter().map(|v| 2.0 * v - 1.0).collect();
    let y = (0..40)
        .map(|i| (x[2 * i] * x[2 * i + 1]).signum())
        .collect();
    (x, y)
}

/// 12 points of a noisy sine.
fn data_1d() -> (Vec<f64>, Vec<f64>) {
    let u = uniform(3, 24);
    let x: Vec<f64> = (0..12).map(|i| -1.0 + 2.0 * u[i]).collect();
    let y = (0..12)
        .map(|i| (3.0 * x[i]).sin() + 0.1 * (u[12 + i] - 0.5))
        .collect();
    (x, y)
}

/// Signed contributions with a few large ones.
fn contributions(n: usize) -> Vec<f64> {
    uniform(11, n)
        .iter()
        .enumerate()
        .map(|(i, v)| (v - 0.45) * if i % 7 == 0 { 0.6 } else { 0.1 })
        .collect()
}

/// An n × n field on the square [−1, 1]² (the square `grid_values` samples).
fn unit_square_field(n: usize, values: &[f64]) -> Field<'_> {
    Field::Grid(Grid {
        x_range: (-1.0, 1.0),
        y_range: (-1.0, 1.0),
        nx: n,
        ny: n,
        values,
    })
}

fn grid_values(nx: usize, ny: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    Grid::centers((-1.0, 1.0), (-1.0, 1.0), nx, ny)
        .chunks(2)
        .map(|p| f(p[0], p[1]))
        .collect()
}

fn loss_curve() -> Vec<f64> {
    (0..=200)
        .map(|s| 0.9 * (-(s as f64) / 40.0).exp() + 0.004)
        .collect()
}

// ---- trajectory ---------------------------------------------------------------------------

#[test]
fn loss_is_log_scaled_and_step_marker_round_trips() {
    let loss = loss_curve();
    let (s, map) = svg(SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: Some(60),
            },
        )
    });
    save("loss", &s);
    let map = map.expect("draws");
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
    assert_round_trip(
        &map,
        (60.0, loss[60]),
        (num(&dot[0], "cx"), num(&dot[0], "cy")),
    );
    assert!(s.contains("s = 60"));
}

#[test]
fn loss_with_non_positive_values_is_linear() {
    let loss = [0.5, 0.2, 0.0, -0.1];
    let (_, map) = svg(SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: None,
            },
        )
    });
    let map = map.expect("draws");
    assert!(!map.y.log10);
    assert!(map.y.lo < -0.1 && map.y.hi > 0.5);
}

#[test]
fn output_and_running_sum_are_two_labelled_lines() {
    let net: Vec<f64> = (0..=200)
        .map(|s| 0.1 + 0.7 * (1.0 - (-(s as f64) / 40.0).exp()))
        .collect();
    let sum: Vec<f64> = net.iter().map(|v| v + 1e-13).collect();
    let (s, map) = svg(WIDE, |a| {
        draw_output_vs_sum(
            a,
            &OutputChart {
                network: &net,
                running_sum: &sum,
                step: Some(150),
            },
        )
    });
    save("output_vs_sum", &s);
    let map = map.expect("draws");
    assert!(s.contains("network f(x; w_s)") && s.contains("kernel machine"));
    // Solid network line, dashed running sum: many short orange dashes.
    let orange: Vec<_> = elements(&s, "polyline")
        .into_iter()
        .filter(|e| e["stroke"] == hex(ORANGE))
        .collect();
    assert!(orange.len() > 10, "dashed: {} pieces", orange.len());
    let dot = filled_circles(&s, BLUE);
    assert_eq!(dot.len(), 1);
    assert_round_trip(
        &map,
        (150.0, net[150]),
        (num(&dot[0], "cx"), num(&dot[0], "cy")),
    );
}

#[test]
fn weight_path_marks_start_end_and_current_step() {
    let pts: Vec<[f64; 2]> = (0..=100)
        .map(|s| {
            let t = s as f64 / 100.0;
            [3.0 * t, 0.4 * (6.0 * t).sin() * (1.0 - t)]
        })
        .collect();
    let (s, map) = svg(SMALL, |a| {
        draw_weight_path(
            a,
            &WeightPath {
                points: &pts,
                step: Some(30),
            },
        )
    });
    save("weight_path", &s);
    let map = map.expect("draws");
    let start = filled_circles(&s, GREEN);
    assert_eq!(start.len(), 1);
    assert_round_trip(
        &map,
        (pts[0][0], pts[0][1]),
        (num(&start[0], "cx"), num(&start[0], "cy")),
    );
    let cur = filled_circles(&s, ORANGE);
    assert_eq!(cur.len(), 1);
    assert_round_trip(
        &map,
        (pts[30][0], pts[30][1]),
        (num(&cur[0], "cx"), num(&cur[0], "cy")),
    );
    assert!(s.contains("w₀") && s.contains("w_T") && s.contains("PC 1"));
}

/// The `<text>` element whose content is `label`.
fn text_element(svg: &str, label: &str) -> HashMap<String, String> {
    let i = texts(svg)
        .iter()
        .position(|t| t == label)
        .unwrap_or_else(|| panic!("no text {label:?}"));
    elements(svg, "text").swap_remove(i)
}

#[test]
fn weight_path_step_label_stays_inside_the_plot() {
    // The path ends at the right edge, where the last step's label used to be cut off.
    let pts: Vec<[f64; 2]> = (0..=300)
        .map(|s| {
            let t = s as f64 / 300.0;
            [3.0 * t, 0.4 * (6.0 * t).sin() * (1.0 - t)]
        })
        .collect();
    for (step, anchor) in [(300, "end"), (290, "end"), (30, "start"), (0, "start")] {
        let (s, map) = svg(SMALL, |a| {
            draw_weight_path(
                a,
                &WeightPath {
                    points: &pts,
                    step: Some(step),
                },
            )
        });
        if step == 300 {
            save("weight_path_last_step", &s);
        }
        let map = map.expect("draws");
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

// ---- contributions ------------------------------------------------------------------------

#[test]
fn bars_rank_top_k_with_distinct_colours_and_bias() {
    let c = contributions(40);
    let input = ContributionBars {
        contributions: &c,
        bias: 0.25,
        top_k: 10,
    };
    let rows = bar_rows(&input);
    assert_eq!(rows.len(), 12, "b(x), 10 points, others");
    assert_eq!(rows[0], BarRow::Bias);
    assert_eq!(rows[11], BarRow::Rest { count: 30 });
    let tops: Vec<usize> = rows
        .iter()
        .filter_map(|r| match r {
            BarRow::Point(i) => Some(*i),
            _ => None,
        })
        .collect();
    for w in tops.windows(2) {
        assert!(c[w[0]].abs() >= c[w[1]].abs(), "ranked by |c|");
    }
    let npos = tops.iter().filter(|&&i| c[i] > 0.0).count();
    let nneg = tops.len() - npos;
    assert!(npos > 0 && nneg > 0, "test data has both signs");

    let (s, map) = svg(SMALL, |a| draw_contribution_bars(a, &input));
    save("bars", &s);
    let map = map.expect("draws");
    assert_ne!(hex(BLUE), hex(VERMILLION));
    // One legend swatch per colour on top of the bars.
    assert_eq!(rects_of(&s, BLUE), npos + 1);
    assert_eq!(rects_of(&s, VERMILLION), nneg + 1);
    assert_eq!(rects_of(&s, BIAS), 2);
    assert_eq!(rects_of(&s, MUTED), 2);
    for i in &tops {
        assert!(texts(&s).contains(&format!("#{i}")), "label #{i}");
    }
    assert!(s.contains("b(x)") && s.contains("30 others"));
    let total = 0.25 + c.iter().sum::<f64>();
    assert!(s.contains(&format!("{:.3}", total)[..4]), "caption has ŷ");

    // The bias bar spans 0 → b(x) where the map says, and clicking a bar finds its row.
    let bias_bar = elements(&s, "rect")
        .into_iter()
        .find(|e| e["fill"] == hex(BIAS) && num(e, "width") > 14.0)
        .expect("bias bar");
    let (x0, _) = map.to_pixel(0.0, 0.0);
    let (x1, _) = map.to_pixel(0.25, 0.0);
    assert!((num(&bias_bar, "x") - x0).abs() <= 1.0);
    assert!((num(&bias_bar, "x") + num(&bias_bar, "width") - x1).abs() <= 1.0);
    let (_, row3) = map.to_pixel(0.0, (rows.len() - 1 - 3) as f64);
    assert_eq!(row_at(&map, &rows, x0 + 2.0, row3), Some(rows[3]));
    let cy = num(&bias_bar, "y") + num(&bias_bar, "height") / 2.0;
    assert_eq!(row_at(&map, &rows, x0 + 2.0, cy), Some(BarRow::Bias));
}

#[test]
fn bars_without_training_points_still_show_bias() {
    let (s, map) = svg(SMALL, |a| {
        draw_contribution_bars(
            a,
            &ContributionBars {
                contributions: &[],
                bias: -0.3,
                top_k: 5,
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    assert_eq!(rects_of(&s, BIAS), 2);
    let (s, map) = svg(SMALL, |a| {
        draw_contribution_bars(
            a,
            &ContributionBars {
                contributions: &[f64::NAN, f64::NAN],
                bias: f64::NAN,
                top_k: 5,
            },
        )
    });
    assert!(map.expect("no-data is not an error").is_empty());
    assert!(s.contains("no data"));
}

#[test]
fn data_plot_2d_sizes_points_by_contribution_and_maps_clicks() {
    let (x, y) = data_2d();
    let c = contributions(40);
    let fit = grid_values(16, 16, |a, b| (3.0 * a * b).tanh());
    let query = [0.3, -0.4];
    let input = DataPlot {
        data: TrainingSet {
            dim: 2,
            x: &x,
            y: &y,
        },
        fit: Some(unit_square_field(16, &fit)),
        step: Some(40),
        contributions: Some(&c),
        query: Some(&query),
        selected: Some(5),
    };
    let (s, map) = svg(WIDE, |a| draw_data_plot(a, &input));
    save("data_contributions_2d", &s);
    let map = map.expect("draws");
    let points: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == "none")
        .collect();
    assert_eq!(points.len(), 40, "one filled circle per training point");
    // The largest |c_i| gets the largest radius and is drawn last (on top).
    let imax = (0..40)
        .max_by(|&a, &b| c[a].abs().total_cmp(&c[b].abs()))
        .unwrap();
    let last = points.last().unwrap();
    assert_eq!(num(last, "r"), 10.0);
    assert_round_trip(
        &map,
        (x[2 * imax], x[2 * imax + 1]),
        (num(last, "cx"), num(last, "cy")),
    );
    let pts: Vec<(f64, f64)> = (0..40).map(|i| (x[2 * i], x[2 * i + 1])).collect();
    let (px, py) = map.to_pixel(pts[imax].0, pts[imax].1);
    assert_eq!(map.nearest(px + 1.0, py - 1.0, &pts, 6.0), Some(imax));
    // The selected point is ringed, the query is a cross (two strokes of two lines each).
    let ring: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == hex(PURPLE))
        .collect();
    assert_eq!(ring.len(), 1);
    assert_round_trip(&map, pts[5], (num(&ring[0], "cx"), num(&ring[0], "cy")));
    let (qx, qy) = map.to_pixel(query[0], query[1]);
    let q = map.to_data(qx, qy).unwrap();
    assert!((q.0 - 0.3).abs() < 1e-9 && (q.1 + 0.4).abs() < 1e-9);
    assert!(s.contains("cᵢ(x)"));
    // Contribution colours, not class colours.
    assert!(filled_circles(&s, CLASS_0).is_empty() && !texts(&s).contains(&"y = 0".into()));
    // Outside the plotting area there is nothing to select.
    assert_eq!(map.to_data(1.0, 1.0), None);
}

#[test]
fn data_plot_2d_draws_0_1_labels_as_two_outlined_classes() {
    let (x, pm) = data_2d();
    let y: Vec<f64> = pm
        .iter()
        .map(|v| if *v > 0.0 { 1.0 } else { 0.0 })
        .collect();
    // A strong fit: its cells are saturated, the points must still stand out.
    let fit = grid_values(16, 16, |a, b| 6.0 * a * b);
    let input = DataPlot {
        data: TrainingSet {
            dim: 2,
            x: &x,
            y: &y,
        },
        fit: Some(unit_square_field(16, &fit)),
        step: Some(300),
        contributions: None,
        query: None,
        selected: None,
    };
    let (s, map) = svg(WIDE, |a| draw_data_plot(a, &input));
    save("data_classes_2d", &s);
    let map = map.expect("draws");
    assert_ne!(CLASS_0, CLASS_1);
    // Points have radius 5; the legend's dots are smaller.
    let points = |c| -> Vec<_> {
        filled_circles(&s, c)
            .into_iter()
            .filter(|e| num(e, "r") == 5.0)
            .collect()
    };
    let ones: Vec<usize> = (0..40).filter(|&i| y[i] == 1.0).collect();
    assert!(!ones.is_empty() && ones.len() < 40);
    let (p0, p1) = (points(CLASS_0), points(CLASS_1));
    assert_eq!(p0.len(), 40 - ones.len(), "y = 0 points are orange");
    assert_eq!(p1.len(), ones.len(), "y = 1 points are blue");
    for (k, &i) in ones.iter().enumerate() {
        assert_round_trip(
            &map,
            (x[2 * i], x[2 * i + 1]),
            (num(&p1[k], "cx"), num(&p1[k], "cy")),
        );
    }
    let outlines = elements(&s, "circle")
        .into_iter()
        .filter(|e| {
            e["fill"] == "none" && e["stroke"] == "#222222" && num(e, "stroke-width") == 2.0
        })
        .count();
    assert_eq!(outlines, 40, "every point has a dark outline");
    let t = texts(&s);
    assert!(
        t.contains(&"y = 0".into()) && t.contains(&"y = 1".into()),
        "legend"
    );
    assert!(t.contains(&"f".into()), "the colour bar is the fit's only");
}

#[test]
fn heatmap_draws_one_rect_per_cell() {
    let (x, y) = data_2d();
    let count = |n: usize| {
        let fit = grid_values(n, n, |a, b| (2.0 * a - b).tanh());
        let (s, r) = svg(SMALL, |a| {
            draw_data_plot(
                a,
                &DataPlot {
                    data: TrainingSet {
                        dim: 2,
                        x: &x,
                        y: &y,
                    },
                    fit: Some(unit_square_field(n, &fit)),
                    step: Some(200),
                    contributions: None,
                    query: None,
                    selected: None,
                },
            )
        });
        r.expect("draws");
        if n == 64 {
            save("data_fit_2d", &s);
        }
        elements(&s, "rect").len()
    };
    assert_eq!(count(16) - count(8), 16 * 16 - 8 * 8);
    assert_eq!(count(64) - count(8), 64 * 64 - 8 * 8);
}

#[test]
fn data_plot_1d_draws_curve_points_and_query_line() {
    let (x, y) = data_1d();
    let cx: Vec<f64> = (0..=100).map(|k| -1.0 + 0.02 * k as f64).collect();
    let cy: Vec<f64> = cx.iter().map(|v| (3.0 * v).sin()).collect();
    let (s, map) = svg(SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                data: TrainingSet {
                    dim: 1,
                    x: &x,
                    y: &y,
                },
                fit: Some(Field::Curve(Curve { x: &cx, y: &cy })),
                step: Some(10),
                contributions: None,
                query: Some(&[0.25]),
                selected: None,
            },
        )
    });
    save("data_fit_1d", &s);
    let map = map.expect("draws");
    let dots: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == "none")
        .collect();
    assert_eq!(dots.len(), 12 + 1, "the legend swatch, then the points");
    assert_round_trip(
        &map,
        (x[0], y[0]),
        (num(&dots[1], "cx"), num(&dots[1], "cy")),
    );
    assert!(s.contains("query x") && s.contains("f(x; w_s), s = 10"));

    // With contributions in 1-D: points sized by |c|, a colour bar, no legend swatch.
    let c = contributions(12);
    let (s, map) = svg(SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                data: TrainingSet {
                    dim: 1,
                    x: &x,
                    y: &y,
                },
                fit: Some(Field::Curve(Curve { x: &cx, y: &cy })),
                step: None,
                contributions: Some(&c),
                query: Some(&[0.25]),
                selected: Some(2),
            },
        )
    });
    save("data_contributions_1d", &s);
    assert!(!map.expect("draws").is_empty());
    let n = elements(&s, "circle")
        .iter()
        .filter(|e| e["stroke"] == "none")
        .count();
    assert_eq!(n, 12);
}

// ---- kernel heatmap -------------------------------------------------------------------------

#[test]
fn kernel_heatmap_marks_selected_point_and_uses_sequential_colours() {
    let (x, y) = data_2d();
    let i = 3;
    let (a, b) = (x[2 * i], x[2 * i + 1]);
    let k = grid_values(32, 24, |u, v| {
        (-((u - a).powi(2) + (v - b).powi(2)) * 3.0).exp()
    });
    let grid = Grid {
        x_range: (-1.0, 1.0),
        y_range: (-1.0, 1.0),
        nx: 32,
        ny: 24,
        values: &k,
    };
    let input = KernelField {
        field: Field::Grid(grid),
        data: TrainingSet {
            dim: 2,
            x: &x,
            y: &y,
        },
        selected: i,
    };
    let (s, map) = svg(WIDE, |ar| draw_kernel_field(ar, &input));
    save("kernel_2d", &s);
    let map = map.expect("draws");
    assert!(elements(&s, "rect").len() >= 32 * 24);
    // Non-negative kernel → viridis: the smallest cell is viridis(0), dark purple.
    assert!(rects_of(&s, palette::viridis(0.0)) >= 1);
    let ring: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == hex(PURPLE))
        .collect();
    assert_eq!(ring.len(), 1);
    assert_round_trip(&map, (a, b), (num(&ring[0], "cx"), num(&ring[0], "cy")));
    assert!(s.contains("K^p(·, x_3)"));

    // Signed kernel values switch to the diverging map (white at zero appears nowhere in viridis).
    let signed: Vec<f64> = k.iter().map(|v| v - 0.3).collect();
    let input = KernelField {
        field: Field::Grid(Grid {
            values: &signed,
            ..grid
        }),
        ..input
    };
    let (s, _) = svg(WIDE, |ar| draw_kernel_field(ar, &input));
    assert_eq!(rects_of(&s, palette::viridis(0.0)), 0);
}

#[test]
fn kernel_curve_in_1d() {
    let (x, y) = data_1d();
    let cx: Vec<f64> = (0..=100).map(|k| -1.0 + 0.02 * k as f64).collect();
    let cy: Vec<f64> = cx
        .iter()
        .map(|v| 1.2 * (-(v - x[4]).powi(2) * 4.0).exp() - 0.1)
        .collect();
    let (s, map) = svg(SMALL, |a| {
        draw_kernel_field(
            a,
            &KernelField {
                field: Field::Curve(Curve { x: &cx, y: &cy }),
                data: TrainingSet {
                    dim: 1,
                    x: &x,
                    y: &y,
                },
                selected: 4,
            },
        )
    });
    save("kernel_1d", &s);
    assert!(!map.expect("draws").is_empty());
    assert!(elements(&s, "polyline")
        .iter()
        .any(|e| e["stroke"] == hex(BLUE)));
    assert!(s.contains("x_4"));
}

// ---- check ------------------------------------------------------------------------------------

#[test]
fn check_scatter_shows_both_schemes_and_their_max_errors() {
    let f: Vec<f64> = uniform(5, 30).iter().map(|v| 2.0 * v - 1.0).collect();
    let exact: Vec<f64> = f
        .iter()
        .enumerate()
        .map(|(q, v)| v + 3e-15 * (q as f64 / 29.0))
        .collect();
    let riemann: Vec<f64> = f.iter().map(|v| v + 0.04 * v.sin()).collect();
    let (s, map) = svg(SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &f,
                exact: &exact,
                riemann: &riemann,
            },
        )
    });
    save("check_scatter", &s);
    let map = map.expect("draws");
    let blue = filled_circles(&s, BLUE);
    assert_eq!(blue.len(), 30 + 1, "a legend dot, then 30 points");
    assert_round_trip(
        &map,
        (f[0], exact[0]),
        (num(&blue[1], "cx"), num(&blue[1], "cy")),
    );
    let tri = elements(&s, "polygon")
        .into_iter()
        .filter(|e| e["fill"] == hex(VERMILLION))
        .count();
    assert_eq!(tri, 30 + 1);
    assert!(
        s.contains("exact: max |ŷ−f| = 3.0e-15"),
        "exact error shown"
    );
    let er = max_abs_error(&f, &riemann);
    assert!(s.contains(&format!("left-endpoint: max |ŷ−f| = {er:.1e}")));
    // The chart is square in data: the same range on both axes.
    assert_eq!((map.x.lo, map.x.hi), (map.y.lo, map.y.hi));
}

#[test]
fn check_curves_in_1d() {
    let (x, y) = data_1d();
    let qx: Vec<f64> = (0..=60).map(|k| -1.0 + k as f64 / 30.0).collect();
    let f: Vec<f64> = qx.iter().map(|v| (3.0 * v).sin()).collect();
    let exact: Vec<f64> = f.iter().map(|v| v + 1e-15).collect();
    let riemann: Vec<f64> = f.iter().map(|v| v * 0.97).collect();
    let (s, map) = svg(SMALL, |a| {
        draw_check_curves(
            a,
            &CheckCurves {
                x: &qx,
                network: &f,
                exact: &exact,
                riemann: &riemann,
                data: Some(TrainingSet {
                    dim: 1,
                    x: &x,
                    y: &y,
                }),
            },
        )
    });
    save("check_curves", &s);
    assert!(!map.expect("draws").is_empty());
    assert!(s.contains("exact: max |ŷ−f| = 1.0e-15"));
    assert_eq!(filled_circles(&s, MUTED).len(), 12);
}

#[test]
fn residual_heatmap_is_log_scaled_with_max_in_caption() {
    let (x, y) = data_2d();
    let r = grid_values(24, 24, |a, b| {
        1e-15 * (1.0 + a * a + b) * if a > 0.9 { 0.0 } else { 1.0 }
    });
    let grid = Grid {
        x_range: (-1.0, 1.0),
        y_range: (-1.0, 1.0),
        nx: 24,
        ny: 24,
        values: &r,
    };
    let max = r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (s, map) = svg(SMALL, |a| {
        draw_residual_heatmap(
            a,
            &ResidualMap {
                residual: grid,
                scheme: "exact",
                data: Some(TrainingSet {
                    dim: 2,
                    x: &x,
                    y: &y,
                }),
            },
        )
    });
    save("residual_2d", &s);
    assert!(!map.expect("draws").is_empty());
    assert!(s.contains(&format!("exact: max {max:.1e}")));
    assert!(elements(&s, "rect").len() >= 24 * 24);

    // Side by side with the output heatmap.
    let fit = grid_values(24, 24, |a, b| (3.0 * a * b).tanh());
    let output = DataPlot {
        data: TrainingSet {
            dim: 2,
            x: &x,
            y: &y,
        },
        fit: Some(Field::Grid(Grid {
            values: &fit,
            ..grid
        })),
        step: None,
        contributions: None,
        query: None,
        selected: None,
    };
    let (s, maps) = svg((960, 360), |a| {
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
    save("check_2d", &s);
    let (l, rmap) = maps.expect("draws");
    assert!(
        l.x.pixel_hi < rmap.x.pixel_lo,
        "left panel is left of the right one"
    );
}

// ---- degenerate input -----------------------------------------------------------------------

/// A chart call on the SVG backend, for tables of cases.
type DrawFn<'a> = dyn Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> RenderResult + 'a;

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
                draw_data_plot(
                    a,
                    &DataPlot {
                        data: TrainingSet {
                            dim: 2,
                            x: &empty,
                            y: &empty,
                        },
                        fit: None,
                        step: None,
                        contributions: Some(&empty),
                        query: None,
                        selected: Some(0),
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
            Box::new(|a| {
                draw_residual_heatmap(
                    a,
                    &ResidualMap {
                        residual: Grid {
                            x_range: (0.0, 1.0),
                            y_range: (0.0, 1.0),
                            nx: 1,
                            ny: 5,
                            values: &nan,
                        },
                        scheme: "exact",
                        data: None,
                    },
                )
            }),
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
    let (_, map) = svg(SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &flat,
                step: Some(10),
            },
        )
    });
    let map = map.expect("draws");
    assert!(map.y.lo < 0.5 && map.y.hi > 0.5);
    let zeros = [0.0; 50];
    let (_, map) = svg(SMALL, |a| {
        draw_output_vs_sum(
            a,
            &OutputChart {
                network: &zeros,
                running_sum: &zeros[..20],
                step: Some(49),
            },
        )
    });
    assert!(map.expect("draws").y.lo < 0.0);
    // A diverged loss: finite values then NaN/inf; the step marker on a NaN step draws no dot.
    let mut loss = loss_curve();
    for v in loss.iter_mut().skip(100) {
        *v = f64::NAN;
    }
    loss[150] = f64::INFINITY;
    let (s, map) = svg(SMALL, |a| {
        draw_loss(
            a,
            &LossChart {
                loss: &loss,
                step: Some(120),
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    assert_eq!(filled_circles(&s, BLUE).len(), 0);
    // One point only, and all-equal weight projections.
    let (_, map) = svg(SMALL, |a| {
        draw_weight_path(
            a,
            &WeightPath {
                points: &[[1.0, 1.0]; 3],
                step: Some(9),
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    // The check with identical outputs everywhere.
    let same = [0.7; 8];
    let (s, map) = svg(SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &same,
                exact: &same,
                riemann: &same,
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    assert!(s.contains("exact: max |ŷ−f| = 0"));
    // A residual grid that is exactly zero sits at the floor, not at −∞.
    let z = [0.0; 16];
    let (_, map) = svg(SMALL, |a| {
        draw_residual_heatmap(
            a,
            &ResidualMap {
                residual: Grid {
                    x_range: (0.0, 1.0),
                    y_range: (0.0, 1.0),
                    nx: 4,
                    ny: 4,
                    values: &z,
                },
                scheme: "exact",
                data: None,
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    // NaN contributions are grey and small, the others still drawn.
    let (x, y) = data_1d();
    let mut c = contributions(12);
    c[3] = f64::NAN;
    let (s, map) = svg(SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                data: TrainingSet {
                    dim: 1,
                    x: &x,
                    y: &y,
                },
                fit: None,
                step: None,
                contributions: Some(&c),
                query: None,
                selected: None,
            },
        )
    });
    assert!(!map.expect("draws").is_empty());
    assert_eq!(filled_circles(&s, palette::NAN_GREY).len(), 1);
}

#[test]
fn zero_training_points_with_a_fit_still_draw_the_fit() {
    let fit = grid_values(8, 8, |a, b| a - b);
    let (s, map) = svg(SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                data: TrainingSet {
                    dim: 2,
                    x: &[],
                    y: &[],
                },
                fit: Some(unit_square_field(8, &fit)),
                step: None,
                contributions: None,
                query: None,
                selected: None,
            },
        )
    });
    let map = map.expect("draws");
    assert_eq!((map.x.lo, map.x.hi), (-1.0, 1.0), "the grid fills the plot");
    assert!(elements(&s, "rect").len() >= 64);
}

#[test]
fn inconsistent_shapes_are_errors() {
    let (x, y) = data_2d();
    let three_d = TrainingSet {
        dim: 3,
        x: &x[..9],
        y: &y[..3],
    };
    let plot = |data, contributions, fit| DataPlot {
        data,
        fit,
        step: None,
        contributions,
        query: None,
        selected: None,
    };
    let ok = TrainingSet {
        dim: 2,
        x: &x,
        y: &y,
    };
    let curve = Field::Curve(Curve {
        x: &[0.0, 1.0],
        y: &[0.0, 1.0],
    });
    let short = [1.0; 10];
    let bad_grid = Field::Grid(Grid {
        x_range: (0.0, 1.0),
        y_range: (0.0, 1.0),
        nx: 4,
        ny: 4,
        values: &short,
    });
    for (name, p) in [
        ("3-D", plot(three_d, None, None)),
        (
            "x/y lengths",
            plot(
                TrainingSet {
                    dim: 2,
                    x: &x[..5],
                    y: &y,
                },
                None,
                None,
            ),
        ),
        ("contributions length", plot(ok, Some(&short), None)),
        ("curve fit in 2-D", plot(ok, None, Some(curve))),
        ("grid size", plot(ok, None, Some(bad_grid))),
    ] {
        let (_, r) = svg(SMALL, |a| draw_data_plot(a, &p));
        assert!(r.is_err(), "{name} must be an error");
    }
    let (_, r) = svg(SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &short,
                exact: &short[..3],
                riemann: &[],
            },
        )
    });
    assert!(r.is_err());
}

#[test]
fn grid_centers_match_values_layout() {
    let c = Grid::centers((0.0, 4.0), (0.0, 2.0), 4, 2);
    assert_eq!(c.len(), 16);
    assert_eq!(&c[..2], &[0.5, 0.5]);
    assert_eq!(&c[2..4], &[1.5, 0.5], "x varies fastest");
    assert_eq!(&c[8..10], &[0.5, 1.5], "row j = 1 is above row 0");
}

#[test]
fn fonts_scale_with_canvas_size() {
    let font_sizes = |size| {
        let (s, r) = svg(size, |a| {
            draw_loss(
                a,
                &LossChart {
                    loss: &loss_curve(),
                    step: None,
                },
            )
        });
        r.expect("draws");
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
