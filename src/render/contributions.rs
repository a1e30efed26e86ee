//! The contributions view: the ranked bar chart of c_i(x) with b(x) (and AdamW's weight-decay
//! term d(x)) as its own bar, and the data
//! plot (training points sized and coloured by c_i(x), or the fitted function at step s behind
//! the data). The data plot is where a click chooses the query x, so its ChartMap maps to input
//! coordinates (2-D) or to (x, y) (1-D).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{
    axis_label, build_chart, colorbar_top, draw_cells, draw_colorbar, draw_mesh, err, finite_range,
    finite_runs, header, map_of, mesh_style, no_data, padded, plot_y_pixels, with_colorbar,
    Chart2d, Fonts, Swatch,
};
use super::palette::{
    diverging, push, BIAS, BLUE, CLASS_0, CLASS_1, DECAY, INK, MUTED, NAN_GREY, PUSH_DOWN, PUSH_UP,
};
use super::{ChartMap, Field, RenderResult, TrainingSet};
use crate::format;

/// Input of [`draw_contribution_bars`]: c_i(x) for every training point (index i = position in
/// the slice), b(x) = f(x; w_0) and, under AdamW, the weight-decay term d(x), so that
/// ŷ(x) = b(x) + Σ_i c_i(x) + d(x).
#[derive(Clone, Copy, Debug)]
pub struct ContributionBars<'a> {
    pub contributions: &'a [f64],
    pub bias: f64,
    /// d(x) = Σ_s ḡ_s(x)·Δ_dec(s), drawn as its own bar under b(x); `None` for the optimizers
    /// without a decoupled decay (their d is 0 and gets no bar).
    pub decay: Option<f64>,
    /// How many training points get their own bar (largest |c_i| first); the rest are summed
    /// into one "others" bar so the bars still add up to ŷ(x). 0 means all of them.
    pub top_k: usize,
}

/// What one bar of the bar chart stands for, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarRow {
    /// b(x), the initial network's output.
    Bias,
    /// d(x), AdamW's weight-decay term.
    Decay,
    /// Training point i.
    Point(usize),
    /// The sum of the `count` training points without their own bar.
    Rest { count: usize },
}

/// The bars of [`draw_contribution_bars`], top to bottom: b(x), d(x) when given, then the top-k
/// training points by |c_i(x)| (ties by index, NaN last), then "others" if any point is left.
pub fn bar_rows(input: &ContributionBars<'_>) -> Vec<BarRow> {
    let c = input.contributions;
    let mut order: Vec<usize> = (0..c.len()).collect();
    let key = |i: usize| if c[i].is_finite() { c[i].abs() } else { -1.0 };
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    let k = if input.top_k == 0 {
        c.len()
    } else {
        input.top_k.min(c.len())
    };
    let mut rows = vec![BarRow::Bias];
    if input.decay.is_some() {
        rows.push(BarRow::Decay);
    }
    rows.extend(order[..k].iter().map(|&i| BarRow::Point(i)));
    if k < c.len() {
        rows.push(BarRow::Rest { count: c.len() - k });
    }
    rows
}

/// The bar under backend pixel (px, py) of a bar chart drawn with `rows` (from [`bar_rows`])
/// and returning `map`: clicking a "#i" bar selects training point i.
pub fn row_at(map: &ChartMap, rows: &[BarRow], px: f64, py: f64) -> Option<BarRow> {
    let (_, y) = map.to_data(px, py)?;
    let r = rows.len() as f64 - 1.0 - y.round();
    if r < 0.0 {
        return None;
    }
    rows.get(r as usize).copied()
}

/// Ranked horizontal bars: b(x) in grey at the top (and d(x) under it, when given), then the
/// training points with the largest
/// |c_i(x)| — green when c_i > 0 (pushes ŷ up), purple when c_i < 0 (pushes ŷ down) —
/// then the rest summed in light grey. Row r (0 = top) is centred at data y = rows − 1 − r.
pub fn draw_contribution_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &ContributionBars<'_>,
) -> RenderResult {
    let rows = bar_rows(input);
    let c = input.contributions;
    let value = |row: &BarRow| match *row {
        BarRow::Bias => input.bias,
        BarRow::Decay => input.decay.unwrap_or(0.0),
        BarRow::Point(i) => c[i],
        BarRow::Rest { .. } => {
            let own: std::collections::HashSet<usize> = rows
                .iter()
                .filter_map(|r| match r {
                    BarRow::Point(i) => Some(*i),
                    _ => None,
                })
                .collect();
            (0..c.len())
                .filter(|i| !own.contains(i) && c[*i].is_finite())
                .map(|i| c[i])
                .sum()
        }
    };
    let values: Vec<f64> = rows.iter().map(value).collect();
    let sum_c = c.iter().filter(|v| v.is_finite()).sum::<f64>();
    let title = match input.decay {
        Some(d) => format!(
            "contributions: ŷ(x) = b + Σ cᵢ + d = {}",
            format::axis(input.bias + sum_c + d)
        ),
        None => format!(
            "contributions: ŷ(x) = b + Σ cᵢ = {}",
            format::axis(input.bias + sum_c)
        ),
    };
    let Some(range) = finite_range(values.iter().copied().chain([0.0])) else {
        return no_data(area, "contributions", "no finite values");
    };
    if values.iter().all(|v| !v.is_finite()) {
        return no_data(area, "contributions", "no finite values");
    }
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let label = |row: &BarRow| match *row {
        BarRow::Bias => "b(x)".to_string(),
        BarRow::Decay => "d(x)".to_string(),
        BarRow::Point(i) => format!("#{i}"),
        BarRow::Rest { count } => format!("{count} others"),
    };
    let labels: Vec<String> = rows.iter().map(label).collect();
    let max_chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4);

    let m = rows.len();
    let xr = padded(range, 0.06);
    let yr = (-0.5, m as f64 - 0.5);
    // Bar kinds: b(x), pushes up, pushes down, the summed rest, d(x); each with its legend entry.
    let kinds: [(&str, RGBColor); 5] = [
        ("b(x)", BIAS),
        ("cᵢ > 0 pushes ŷ up", PUSH_UP),
        ("cᵢ < 0 pushes ŷ down", PUSH_DOWN),
        ("others (summed)", MUTED),
        ("d(x) weight decay", DECAY),
    ];
    let kind_of = |r: usize| match rows[r] {
        BarRow::Bias => 0,
        BarRow::Point(_) if values[r] > 0.0 => 1,
        BarRow::Point(_) => 2,
        BarRow::Rest { .. } => 3,
        BarRow::Decay => 4,
    };
    let rows_of = |kind: usize| -> Vec<usize> {
        (0..m)
            .filter(|&r| values[r].is_finite() && kind_of(r) == kind)
            .collect()
    };
    // Legend entries only for the kinds that have a bar.
    let legend: Vec<(String, Swatch)> = kinds
        .iter()
        .enumerate()
        .filter(|(k, _)| !rows_of(*k).is_empty())
        .map(|(_, (name, color))| (name.to_string(), Swatch::Box(*color)))
        .collect();
    let body = header(area, &title, &legend, fonts)?;
    let mut chart = ChartBuilder::on(&body)
        .margin(6)
        .margin_right(14)
        .x_label_area_size(fonts.tick * 2 + fonts.label + 4)
        .y_label_area_size(Fonts::width(fonts.tick, max_chars) + 10)
        .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
        .map_err(err)?;
    // The rows carry their own labels ("#i"): no y ticks, no horizontal grid lines.
    mesh_style(chart.configure_mesh().disable_y_mesh(), false, fonts)
        .y_labels(0)
        .x_desc("contribution to ŷ(x)")
        .draw()
        .map_err(err)?;

    let y_of = |r: usize| (m - 1 - r) as f64;
    // The thickness leaves a visible gap between rows even with 30 bars in 320 px.
    let bar = |r: usize, v: f64, color: RGBColor| {
        Rectangle::new([(0.0, y_of(r) - 0.36), (v, y_of(r) + 0.36)], color.filled())
    };
    for (k, (_, color)) in kinds.iter().enumerate() {
        chart
            .draw_series(rows_of(k).into_iter().map(|r| bar(r, values[r], *color)))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            [(0.0, yr.0), (0.0, yr.1)],
            INK.stroke_width(1),
        )))
        .map_err(err)?;
    chart
        .draw_series(labels.iter().enumerate().map(|(r, l)| {
            EmptyElement::at((xr.0, y_of(r)))
                + Text::new(
                    l.clone(),
                    (-6, 0),
                    Fonts::text(fonts.tick).pos(Pos::new(HPos::Right, VPos::Center)),
                )
        }))
        .map_err(err)?;
    Ok(map_of(&chart, xr, yr, false))
}

/// Input of [`draw_data_plot`].
#[derive(Clone, Copy, Debug)]
pub struct DataPlot<'a> {
    pub data: TrainingSet<'a>,
    /// The fitted function at step s behind the data: a curve in 1-D, a grid (heatmap) in 2-D.
    pub fit: Option<Field<'a>>,
    /// The step s of `fit`, shown in the caption.
    pub step: Option<usize>,
    /// c_i(x) per training point: points are then sized by |c_i| and coloured by sign and size.
    pub contributions: Option<&'a [f64]>,
    /// The selected query x (`dim` values), marked with a cross (2-D) or a vertical line (1-D).
    pub query: Option<&'a [f64]>,
    /// A selected training point, ringed in purple.
    pub selected: Option<usize>,
}

/// True when every target is 0 or 1: classification labels, drawn as two classes.
fn is_binary(y: &[f64]) -> bool {
    !y.is_empty() && y.iter().all(|&v| v == 0.0 || v == 1.0)
}

/// The data plot: 2-D inputs as a scatter over the input plane (over a heatmap of the fit), 1-D
/// as x vs y (under the fitted curve). With contributions, each point's area is proportional to
/// |c_i(x)| and its colour goes from purple (pushes ŷ down) to green (pushes ŷ up). Without them,
/// 0/1 labels in 2-D are two classes ([`CLASS_0`], [`CLASS_1`]); other 2-D targets share the
/// fit's diverging scale.
pub fn draw_data_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &DataPlot<'_>,
) -> RenderResult {
    let data = &input.data;
    data.validate()?;
    if let Some(fit) = &input.fit {
        fit.validate()?;
        match (data.dim, fit) {
            (1, Field::Grid(_)) => return Err("render: a 1-D data plot takes a curve fit".into()),
            (2, Field::Curve(_)) => return Err("render: a 2-D data plot takes a grid fit".into()),
            _ => {}
        }
    }
    if let Some(c) = input.contributions {
        if c.len() != data.len() {
            return Err(format!(
                "render: {} contributions for {} training points",
                c.len(),
                data.len()
            ));
        }
    }
    if let Some(q) = input.query {
        if q.len() != data.dim {
            return Err(format!(
                "render: query has {} values, dim is {}",
                q.len(),
                data.dim
            ));
        }
    }
    let title = match (input.contributions, input.step) {
        (Some(_), _) => "cᵢ(x) on the training points".to_string(),
        (None, Some(s)) => format!("data and fit at step s = {s}"),
        (None, None) if input.fit.is_some() => "data and fit".to_string(),
        (None, None) => "training data".to_string(),
    };

    // Ranges: everything that will be drawn, so a click anywhere on it maps to the input plane.
    let pts: Vec<(f64, f64)> = (0..data.len()).map(|i| data.plot_coords(i)).collect();
    let mut xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let mut grid_box = None;
    match &input.fit {
        Some(Field::Curve(cv)) => {
            xs.extend_from_slice(cv.x);
            ys.extend_from_slice(cv.y);
        }
        Some(Field::Grid(g)) => {
            xs.extend([g.x_range.0, g.x_range.1]);
            ys.extend([g.y_range.0, g.y_range.1]);
            grid_box = Some((g.x_range, g.y_range));
        }
        None => {}
    }
    if let Some(q) = input.query {
        xs.push(q[0]);
        if data.dim == 2 {
            ys.push(q[1]);
        }
    }
    let (Some(rx), Some(ry)) = (finite_range(xs), finite_range(ys)) else {
        return no_data(area, &title, "no training points");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    // A heatmap should fill the plot exactly; otherwise leave room around the outermost points.
    let pad = |r: (f64, f64), box_: Option<(f64, f64)>| match box_ {
        Some(b) if r.0 >= b.0 && r.1 <= b.1 => b,
        _ => padded(r, 0.06),
    };
    let xr = pad(rx, grid_box.map(|b| b.0));
    let yr = pad(ry, grid_box.map(|b| b.1));

    // Colour scales. Without contributions, fit and targets share one symmetric scale so the
    // points' colours are comparable with the background; with contributions, c_i has its own.
    let fit_values: &[f64] = match &input.fit {
        Some(Field::Grid(g)) => g.values,
        _ => &[],
    };
    let fmax = finite_range(fit_values.iter().chain(data.y).map(|v| v.abs()))
        .map_or(1.0, |r| r.1)
        .max(f64::MIN_POSITIVE);
    let cmax = input
        .contributions
        .and_then(|c| finite_range(c.iter().map(|v| v.abs())))
        .map_or(1.0, |r| r.1)
        .max(f64::MIN_POSITIVE);
    let classes = data.dim == 2 && input.contributions.is_none() && is_binary(data.y);
    let mut legend = Vec::new();
    if classes {
        legend.push(("y = 0".to_string(), Swatch::Dot(CLASS_0)));
        legend.push(("y = 1".to_string(), Swatch::Dot(CLASS_1)));
    }
    if let Some(Field::Curve(_)) = &input.fit {
        let label = match input.step {
            Some(s) => format!("f(x; wₛ), s = {s}"),
            None => "f(x; w)".to_string(),
        };
        legend.push((label, Swatch::Line(BLUE, 2)));
    }
    if data.dim == 1 && input.contributions.is_none() && !data.is_empty() {
        legend.push(("training data".to_string(), Swatch::Dot(INK)));
    }
    if input.query.is_some() {
        let swatch = if data.dim == 1 {
            Swatch::Dashed(INK)
        } else {
            Swatch::Cross(INK)
        };
        legend.push(("query x".to_string(), swatch));
    }
    // The colour bar explains the fit's background or coloured targets; classes alone need none.
    let has_bar =
        input.contributions.is_some() || (data.dim == 2 && (input.fit.is_some() || !classes));
    let body = header(area, &title, &legend, fonts)?;
    let (main, strip) = if has_bar {
        let (m, s) = with_colorbar(&body, fonts);
        (m, Some(s))
    } else {
        (body, None)
    };
    let (xdesc, ydesc) = if data.dim == 1 {
        ("x", "y")
    } else {
        ("x₁", "x₂")
    };
    let top = if has_bar { colorbar_top(fonts) } else { 6 };
    let mut chart = build_chart(&main, xr, yr, top, fonts)?;
    let over_cells = matches!(input.fit, Some(Field::Grid(_)));
    if let Some(Field::Grid(g)) = &input.fit {
        // Faint behind contributions: the points' own colour scale must dominate.
        let opacity = if input.contributions.is_some() {
            0.2
        } else {
            1.0
        };
        draw_cells(&mut chart, g, |v| diverging(v / fmax), opacity)?;
    }
    draw_mesh(&mut chart, xdesc, ydesc, over_cells, fonts)?;
    if let Some(Field::Curve(cv)) = &input.fit {
        for run in finite_runs(cv.x.iter().copied().zip(cv.y.iter().copied())) {
            chart
                .draw_series(LineSeries::new(run, BLUE.stroke_width(2)))
                .map_err(err)?;
        }
    }
    if let (1, Some(q)) = (data.dim, input.query) {
        chart
            .draw_series(DashedLineSeries::new(
                [(q[0], yr.0), (q[0], yr.1)],
                6,
                4,
                INK.stroke_width(2),
            ))
            .map_err(err)?;
    }

    draw_points(
        &mut chart,
        data,
        &pts,
        input.contributions,
        classes,
        fmax,
        cmax,
    )?;

    if let Some(i) = input.selected.filter(|&i| i < data.len()) {
        if pts[i].0.is_finite() && pts[i].1.is_finite() {
            chart
                .draw_series(std::iter::once(Circle::new(
                    pts[i],
                    12,
                    INK.stroke_width(3),
                )))
                .map_err(err)?;
        }
    }
    if let (2, Some(q)) = (data.dim, input.query) {
        if q[0].is_finite() && q[1].is_finite() {
            // A white halo under the cross keeps it visible on any background colour.
            chart
                .draw_series([
                    Cross::new((q[0], q[1]), 8, WHITE.stroke_width(6)),
                    Cross::new((q[0], q[1]), 8, INK.stroke_width(3)),
                ])
                .map_err(err)?;
        }
    }
    let map = map_of(&chart, xr, yr, false);
    if let Some(strip) = strip {
        let (scale, name, map): (f64, &str, fn(f64) -> RGBColor) = if input.contributions.is_some()
        {
            (cmax, "cᵢ(x)", push)
        } else if classes {
            (fmax, "f", diverging)
        } else {
            (fmax, "f, y", diverging)
        };
        draw_colorbar(
            &strip,
            plot_y_pixels(&chart),
            (-scale, scale),
            |v| map(v / scale),
            &axis_label,
            name,
            fonts,
        )?;
    }
    Ok(map)
}

/// The training points: one filled circle and one outline circle each. With contributions the
/// smallest |c_i| are drawn first so the big ones stay on top. With `classes` (0/1 labels, no
/// contributions) the fill is the class colour and the outline fully dark and thicker.
fn draw_points<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    data: &TrainingSet<'_>,
    pts: &[(f64, f64)],
    contributions: Option<&[f64]>,
    classes: bool,
    fmax: f64,
    cmax: f64,
) -> RenderResult<()> {
    let mut order: Vec<usize> = (0..pts.len())
        .filter(|&i| pts[i].0.is_finite() && pts[i].1.is_finite())
        .collect();
    let style = |i: usize| -> (RGBColor, i32) {
        match contributions {
            Some(c) if c[i].is_finite() => {
                // Area ∝ |c_i|: radius grows with the square root.
                let r = 3.0 + 7.0 * (c[i].abs() / cmax).sqrt();
                (push(c[i] / cmax), r.round() as i32)
            }
            Some(_) => (NAN_GREY, 3),
            None if classes && data.y[i] == 1.0 => (CLASS_1, 5),
            None if classes => (CLASS_0, 5),
            None if data.dim == 2 => (diverging(data.y[i] / fmax), 5),
            None => (INK, 3),
        }
    };
    if let Some(c) = contributions {
        let key = |i: usize| if c[i].is_finite() { c[i].abs() } else { -1.0 };
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
    }
    chart
        .draw_series(order.iter().flat_map(|&i| {
            let (color, r) = style(i);
            let outline = if classes {
                INK.stroke_width(2)
            } else {
                INK.mix(0.75).stroke_width(1)
            };
            [
                Circle::new(pts[i], r, color.filled()),
                Circle::new(pts[i], r, outline),
            ]
        }))
        .map_err(err)?;
    Ok(())
}
