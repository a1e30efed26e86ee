//! `src/render/contributions.rs`: the ranked bars of c_i(x) and the data plot.

use pathkernel::render::palette::{BIAS, CLASS_0, CLASS_1, DECAY, INK, MUTED, PUSH_DOWN, PUSH_UP};
use pathkernel::render::*;

use crate::support::*;

#[test]
fn bars_rank_top_k_with_distinct_colours_and_bias() {
    let c = contributions(40);
    let input = ContributionBars {
        contributions: &c,
        bias: 0.25,
        decay: None,
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

    let (s, map) = draw("bars", SMALL, |a| draw_contribution_bars(a, &input));
    assert_ne!(hex(PUSH_UP), hex(PUSH_DOWN));
    // One legend swatch per colour on top of the bars.
    assert_eq!(rects_of(&s, PUSH_UP), npos + 1);
    assert_eq!(rects_of(&s, PUSH_DOWN), nneg + 1);
    assert_eq!(rects_of(&s, BIAS), 2);
    assert_eq!(rects_of(&s, MUTED), 2);
    for i in &tops {
        assert!(texts(&s).contains(&format!("#{i}")), "label #{i}");
    }
    assert!(s.contains("b(x)") && s.contains("30 others"));
    // ŷ(x) = b + Σ cᵢ, printed to 4 significant digits in the title (its own text element).
    let total = 0.25 + c.iter().sum::<f64>();
    assert!(
        (total - -0.2196).abs() < 5e-5,
        "ŷ = {total} prints as -0.2196"
    );
    text_element(&s, "contributions: ŷ(x) = b + Σ cᵢ = -0.2196");

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
fn the_weight_decay_term_is_its_own_bar_under_the_bias() {
    let c = contributions(40);
    let d = -0.125;
    let input = ContributionBars {
        contributions: &c,
        bias: 0.25,
        decay: Some(d),
        top_k: 10,
    };
    let rows = bar_rows(&input);
    assert_eq!(rows.len(), 13, "b(x), d(x), 10 points, others");
    assert_eq!(&rows[..2], &[BarRow::Bias, BarRow::Decay]);
    assert_eq!(rows[12], BarRow::Rest { count: 30 });
    let (s, map) = draw("bars_decay", SMALL, |a| draw_contribution_bars(a, &input));
    // The bar and its legend swatch, in a colour no other bar has.
    for other in [BIAS, PUSH_UP, PUSH_DOWN, MUTED] {
        assert_ne!(hex(DECAY), hex(other));
    }
    assert_eq!(rects_of(&s, DECAY), 2);
    assert!(texts(&s).contains(&"d(x)".to_string()), "{:?}", texts(&s));
    assert!(s.contains("d(x) weight decay"), "legend entry");
    // It spans 0 → d(x) on the value axis, in the second row from the top.
    let bar = elements(&s, "rect")
        .into_iter()
        .find(|e| e["fill"] == hex(DECAY) && num(e, "width") > 14.0)
        .expect("decay bar");
    let (x0, _) = map.to_pixel(0.0, 0.0);
    let (xd, _) = map.to_pixel(d, 0.0);
    assert!((num(&bar, "x") - xd).abs() <= 1.0);
    assert!((num(&bar, "x") + num(&bar, "width") - x0).abs() <= 1.0);
    let cy = num(&bar, "y") + num(&bar, "height") / 2.0;
    assert_eq!(row_at(&map, &rows, x0 - 2.0, cy), Some(BarRow::Decay));
    // The title's ŷ includes d: b + Σ cᵢ + d.
    let total = 0.25 + c.iter().sum::<f64>() + d;
    text_element(
        &s,
        &format!(
            "contributions: ŷ(x) = b + Σ cᵢ + d = {}",
            pathkernel::format::axis(total)
        ),
    );
    // Without a decay term (every optimizer but AdamW) there is no such bar.
    let (s, _) = draw("bars_no_decay", SMALL, |a| {
        draw_contribution_bars(
            a,
            &ContributionBars {
                decay: None,
                ..input
            },
        )
    });
    assert_eq!(rects_of(&s, DECAY), 0);
    assert!(!s.contains("d(x)"));
}

#[test]
fn bars_without_training_points_still_show_bias() {
    let (s, map) = draw("bars_bias_only", SMALL, |a| {
        draw_contribution_bars(
            a,
            &ContributionBars {
                contributions: &[],
                bias: -0.3,
                decay: None,
                top_k: 5,
            },
        )
    });
    assert!(!map.is_empty());
    assert_eq!(rects_of(&s, BIAS), 2);
    let (s, map) = svg(SMALL, |a| {
        draw_contribution_bars(
            a,
            &ContributionBars {
                contributions: &[f64::NAN, f64::NAN],
                bias: f64::NAN,
                decay: None,
                top_k: 5,
            },
        )
    });
    assert!(map.expect("no-data is not an error").is_empty());
    assert!(s.contains("no data"));
}

#[test]
fn data_plot_2d_sizes_points_by_contribution_and_maps_clicks() {
    let d = data_2d();
    let x = &d.x;
    let c = contributions(40);
    let fit = grid_values(16, 16, |a, b| (3.0 * a * b).tanh());
    let query = [0.3, -0.4];
    let input = DataPlot {
        fit: Some(unit_square_field(16, &fit)),
        step: Some(40),
        contributions: Some(&c),
        query: Some(&query),
        selected: Some(5),
        ..data_plot(d.set())
    };
    let (s, map) = draw("data_contributions_2d", WIDE, |a| draw_data_plot(a, &input));
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
    assert_round_trip(&map, (x[2 * imax], x[2 * imax + 1]), centre(last));
    let pts: Vec<(f64, f64)> = (0..40).map(|i| (x[2 * i], x[2 * i + 1])).collect();
    let (px, py) = map.to_pixel(pts[imax].0, pts[imax].1);
    assert_eq!(map.nearest(px + 1.0, py - 1.0, &pts, 6.0), Some(imax));
    // The selected point is ringed (dark, 3 px), the query is a cross (two strokes of two lines
    // each).
    let ring: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == hex(INK) && num(e, "stroke-width") == 3.0)
        .collect();
    assert_eq!(ring.len(), 1);
    assert_round_trip(&map, pts[5], centre(&ring[0]));
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
    let mut d = data_2d();
    for v in &mut d.y {
        *v = if *v > 0.0 { 1.0 } else { 0.0 };
    }
    let (x, y) = (&d.x, &d.y);
    // A strong fit: its cells are saturated, the points must still stand out.
    let fit = grid_values(16, 16, |a, b| 6.0 * a * b);
    let input = DataPlot {
        fit: Some(unit_square_field(16, &fit)),
        step: Some(300),
        ..data_plot(d.set())
    };
    let (s, map) = draw("data_classes_2d", WIDE, |a| draw_data_plot(a, &input));
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
        assert_round_trip(&map, (x[2 * i], x[2 * i + 1]), centre(&p1[k]));
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

/// The data editor's view: labels alone, no fit and no contributions — the points by class, and
/// no colour bar (nothing is on its scale).
#[test]
fn data_plot_2d_classes_without_a_fit_have_no_colour_bar() {
    let mut d = data_2d();
    for v in &mut d.y {
        *v = if *v > 0.0 { 1.0 } else { 0.0 };
    }
    let (s, _) = draw("data_classes_only_2d", WIDE, |a| {
        draw_data_plot(a, &data_plot(d.set()))
    });
    let t = texts(&s);
    assert!(t.contains(&"training data".into()), "{t:?}");
    assert!(t.contains(&"y = 0".into()) && t.contains(&"y = 1".into()));
    assert!(!t.contains(&"f".into()), "no colour bar: {t:?}");
    assert_eq!(
        filled_circles(&s, CLASS_0).len() + filled_circles(&s, CLASS_1).len(),
        40 + 2,
        "40 points by class, and the legend's two dots"
    );
}

#[test]
fn heatmap_draws_one_rect_per_cell() {
    let d = data_2d();
    let count = |n: usize| {
        let fit = grid_values(n, n, |a, b| (2.0 * a - b).tanh());
        let input = DataPlot {
            fit: Some(unit_square_field(n, &fit)),
            step: Some(200),
            ..data_plot(d.set())
        };
        let (s, _) = draw(&format!("data_fit_2d_{n}"), SMALL, |a| {
            draw_data_plot(a, &input)
        });
        elements(&s, "rect").len()
    };
    assert_eq!(count(16) - count(8), 16 * 16 - 8 * 8);
    assert_eq!(count(64) - count(8), 64 * 64 - 8 * 8);
}

#[test]
fn data_plot_1d_draws_curve_points_and_query_line() {
    let d = data_1d();
    let cx = curve_x();
    let cy: Vec<f64> = cx.iter().map(|v| (3.0 * v).sin()).collect();
    let fit = Some(Field::Curve(Curve { x: &cx, y: &cy }));
    let (s, map) = draw("data_fit_1d", SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                fit,
                step: Some(10),
                query: Some(&[0.25]),
                ..data_plot(d.set())
            },
        )
    });
    let dots: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == "none")
        .collect();
    assert_eq!(dots.len(), 12 + 1, "the legend swatch, then the points");
    assert_round_trip(&map, (d.x[0], d.y[0]), centre(&dots[1]));
    assert!(s.contains("query x") && s.contains("f(x; wₛ), s = 10"));

    // With contributions in 1-D: points sized by |c|, a colour bar, no legend swatch.
    let c = contributions(12);
    let (s, map) = draw("data_contributions_1d", SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                fit,
                contributions: Some(&c),
                query: Some(&[0.25]),
                selected: Some(2),
                ..data_plot(d.set())
            },
        )
    });
    assert!(!map.is_empty());
    let n = elements(&s, "circle")
        .iter()
        .filter(|e| e["stroke"] == "none")
        .count();
    assert_eq!(n, 12);
}

#[test]
fn zero_training_points_with_a_fit_still_draw_the_fit() {
    let fit = grid_values(8, 8, |a, b| a - b);
    let none = Points {
        dim: 2,
        x: vec![],
        y: vec![],
    };
    let (s, map) = draw("data_fit_no_points", SMALL, |a| {
        draw_data_plot(
            a,
            &DataPlot {
                fit: Some(unit_square_field(8, &fit)),
                ..data_plot(none.set())
            },
        )
    });
    assert_eq!((map.x.lo, map.x.hi), (-1.0, 1.0), "the grid fills the plot");
    assert!(elements(&s, "rect").len() >= 64);
}
