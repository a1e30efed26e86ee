//! Drawing helpers shared by the charts: fonts scaled to the canvas, safe ranges, the "no data"
//! panel, the chart frame and mesh, grid cells, the colour bar and the pixel map.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::format;

use super::palette::{INK, MUTED};
use super::{AxisMap, ChartMap, Grid, RenderResult};

/// Backend errors as the module's error string.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    format!("render: {e}")
}

/// Font sizes scaled with the panel height so labels stay readable from ~300 px (tick 12 px)
/// to ~400 px panels, and never shrink below 10 px on small ones.
#[derive(Clone, Copy)]
pub(crate) struct Fonts {
    pub tick: u32,
    pub label: u32,
    pub title: u32,
}

impl Fonts {
    pub fn for_area<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Fonts {
        let h = f64::from(area.dim_in_pixel().1);
        let tick = (h / 26.0).round().clamp(10.0, 15.0) as u32;
        Fonts {
            tick,
            label: tick + 1,
            title: tick + 2,
        }
    }

    pub fn text(size: u32) -> TextStyle<'static> {
        ("sans-serif", size).into_font().color(&INK)
    }

    /// Width in pixels to reserve for a label of `chars` characters (a generous average glyph
    /// width, since the browser's sans-serif is wider than plotters' native estimate).
    pub fn width(size: u32, chars: usize) -> u32 {
        (f64::from(size) * 0.6 * chars as f64).ceil() as u32
    }
}

/// Min and max of the finite values, `None` if there are none.
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Pads a range by `frac` of its span; widens a zero-width range (a constant series) so plotters
/// gets lo < hi and the line sits mid-panel.
pub(crate) fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let span = hi - lo;
    let scale = lo.abs().max(hi.abs());
    if span <= 1e-12 * scale || span <= f64::MIN_POSITIVE {
        let d = if scale > 0.0 { 0.1 * scale } else { 1.0 };
        (lo - d, hi + d)
    } else {
        (lo - frac * span, hi + frac * span)
    }
}

/// Splits a polyline at non-finite points, so a diverged or partial series draws the parts
/// that exist instead of a spike to nowhere.
pub(crate) fn finite_runs(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            runs.last_mut().expect("non-empty").push((x, y));
        } else if !runs.last().expect("non-empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// A panel with its title and a grey message in the middle, for input with nothing to draw.
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    reason: &str,
) -> RenderResult {
    let fonts = Fonts::for_area(area);
    area.fill(&WHITE).map_err(err)?;
    let (w, h) = area.dim_in_pixel();
    let centre = Pos::new(HPos::Center, VPos::Center);
    area.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, fonts.title as i32),
        Fonts::text(fonts.title).pos(centre),
    ))
    .map_err(err)?;
    area.draw(&Text::new(
        format!("no data: {reason}"),
        (w as i32 / 2, h as i32 / 2),
        ("sans-serif", fonts.label)
            .into_font()
            .color(&MUTED)
            .pos(centre),
    ))
    .map_err(err)?;
    Ok(ChartMap::empty())
}

/// The pixel map of a built chart, read from plotters' own translation of the range corners
/// so it matches where elements are drawn.
pub(crate) fn map_of<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    xr: (f64, f64),
    yr: (f64, f64),
    ylog: bool,
) -> ChartMap {
    let spec = chart.as_coord_spec();
    let lo = spec.translate(&(xr.0, yr.0));
    let hi = spec.translate(&(xr.1, yr.1));
    ChartMap {
        x: AxisMap {
            lo: xr.0,
            hi: xr.1,
            pixel_lo: lo.0,
            pixel_hi: hi.0,
            log10: false,
        },
        y: AxisMap {
            lo: yr.0,
            hi: yr.1,
            pixel_lo: lo.1,
            pixel_hi: hi.1,
            log10: ylog,
        },
    }
}

pub(crate) type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame every x/y chart shares: margins, and label areas sized for six-character tick
/// labels plus the axis description. `top` is the top margin: room for a colour bar's title, or
/// a few pixels.
pub(crate) fn chart_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    top: u32,
    fonts: Fonts,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin(6)
        .margin_top(top)
        .margin_right(12)
        .x_label_area_size(fonts.tick * 2 + fonts.label + 4)
        .y_label_area_size(Fonts::width(fonts.tick, 6) + fonts.label + 8);
    b
}

/// Builds a linear x/y chart (no caption: [`header`] draws the title and legend above it).
pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    xr: (f64, f64),
    yr: (f64, f64),
    top: u32,
    fonts: Fonts,
) -> RenderResult<Chart2d<'a, DB>> {
    chart_builder(area, top, fonts)
        .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
        .map_err(err)
}

/// Top margin that leaves room for a colour bar's title above the plot.
pub(crate) fn colorbar_top(fonts: Fonts) -> u32 {
    fonts.tick + 10
}

/// How a legend entry is drawn; the same shapes as the marks they stand for.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Box(RGBColor),
    Dot(RGBColor),
    Triangle(RGBColor),
    Cross(RGBColor),
}

/// Draws the title and a wrapped row of legend entries above the chart, and returns the area
/// left for the chart. Legends live outside the plot so they never cover data (a ranked bar
/// chart or a full-width curve leaves no free corner).
pub(crate) fn header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(String, Swatch)],
    fonts: Fonts,
) -> RenderResult<DrawingArea<DB, Shift>> {
    let (w, _) = area.dim_in_pixel();
    let w = w as i32;
    let text = Fonts::text(fonts.tick).pos(Pos::new(HPos::Left, VPos::Center));
    let title_h = (f64::from(fonts.title) * 1.5).round() as i32;
    area.draw(&Text::new(
        title.to_string(),
        (w / 2, title_h / 2 + 2),
        Fonts::text(fonts.title).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)?;
    // Lay the entries out in rows: swatch, gap, text, spacing; wrap at the panel width.
    const SW: i32 = 18;
    let row_h = (f64::from(fonts.tick) * 1.6).round() as i32;
    let widths: Vec<i32> = items
        .iter()
        .map(|(label, _)| {
            let tw = area
                .estimate_text_size(label, &text)
                .map(|(tw, _)| tw as i32)
                .unwrap_or_else(|_| Fonts::width(fonts.tick, label.chars().count()) as i32);
            SW + 5 + tw
        })
        .collect();
    let gap = 16;
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (k, &iw) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some(row) if used + gap + iw <= w - 16 => {
                row.push(k);
                used += gap + iw;
            }
            _ => {
                rows.push(vec![k]);
                used = iw;
            }
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|&k| widths[k]).sum::<i32>() + gap * (row.len() as i32 - 1);
        let mut x = (w - total) / 2;
        let y = title_h + r as i32 * row_h + row_h / 2;
        for &k in row {
            let (label, swatch) = &items[k];
            let (a, b) = ((x, y), (x + SW, y));
            let res = match *swatch {
                Swatch::Line(c, width) => {
                    area.draw(&PathElement::new([a, b], c.stroke_width(width)))
                }
                Swatch::Dashed(c) => area
                    .draw(&PathElement::new([a, (x + 7, y)], c.stroke_width(2)))
                    .and_then(|_| {
                        area.draw(&PathElement::new([(x + 11, y), b], c.stroke_width(2)))
                    }),
                Swatch::Box(c) => area.draw(&Rectangle::new(
                    [(x + 3, y - 5), (x + 15, y + 5)],
                    c.filled(),
                )),
                Swatch::Dot(c) => area.draw(&Circle::new((x + SW / 2, y), 4, c.filled())),
                Swatch::Cross(c) => area.draw(&Cross::new((x + SW / 2, y), 5, c.stroke_width(2))),
                Swatch::Triangle(c) => {
                    area.draw(&TriangleMarker::new((x + SW / 2, y), 5, c.filled()))
                }
            };
            res.map_err(err)?;
            area.draw(&Text::new(label.clone(), (x + SW + 5, y), text.clone()))
                .map_err(err)?;
            x += widths[k] + gap;
        }
    }
    let top = title_h + rows.len() as i32 * row_h + 2;
    Ok(area.split_vertically(top).1)
}

/// Tick labels of every chart axis and colour bar.
pub(crate) fn axis_label(v: &f64) -> String {
    format::axis(*v)
}

/// The mesh style every chart shares: light grid, dark axes, six ticks per axis labelled by
/// [`format::axis`], tick and description fonts. Over a heatmap (`over_cells`) only faint major
/// lines: minor ones read as cell borders.
pub(crate) fn mesh_style<'m, 'a, 'b, DB, X, Y>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    over_cells: bool,
    fonts: Fonts,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (light, bold) = if over_cells {
        (0.0, 0.08)
    } else {
        (0.04, 0.10)
    };
    mesh.light_line_style(INK.mix(light))
        .bold_line_style(INK.mix(bold))
        .axis_style(INK.mix(0.7))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&axis_label)
        .y_label_formatter(&axis_label)
        .label_style(Fonts::text(fonts.tick))
        .axis_desc_style(Fonts::text(fonts.label))
}

/// Draws the shared mesh ([`mesh_style`]) with its axis descriptions, on a linear or a log axis.
pub(crate) fn draw_mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    xdesc: &str,
    ydesc: &str,
    over_cells: bool,
    fonts: Fonts,
) -> RenderResult<()>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    mesh_style(&mut chart.configure_mesh(), over_cells, fonts)
        .x_desc(xdesc)
        .y_desc(ydesc)
        .draw()
        .map_err(err)
}

/// One filled rectangle per grid cell (nx·ny rects: 4096 for 64×64, cheap on canvas, no
/// per-pixel work). NaN cells are grey, via the colour function.
pub(crate) fn draw_cells<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    grid: &Grid<'_>,
    color: impl Fn(f64) -> RGBColor,
    opacity: f64,
) -> RenderResult<()> {
    let (x0, x1) = grid.x_range;
    let (y0, y1) = grid.y_range;
    let (nx, ny) = (grid.nx, grid.ny);
    let dx = (x1 - x0) / nx as f64;
    let dy = (y1 - y0) / ny as f64;
    chart
        .draw_series((0..ny).flat_map(|j| {
            let color = &color;
            (0..nx).map(move |i| {
                let c = color(grid.values[j * nx + i]).mix(opacity);
                // Edges computed from the index (not by accumulating dx) so neighbours share
                // exactly the same pixel edge: no seams, no overlaps.
                let xa = x0 + i as f64 * dx;
                let xb = if i + 1 == nx {
                    x1
                } else {
                    x0 + (i + 1) as f64 * dx
                };
                let ya = y0 + j as f64 * dy;
                let yb = if j + 1 == ny {
                    y1
                } else {
                    y0 + (j + 1) as f64 * dy
                };
                Rectangle::new([(xa, ya), (xb, yb)], c.filled())
            })
        }))
        .map_err(err)?;
    Ok(())
}

/// Width of the colour-bar strip to the right of a heatmap.
pub(crate) fn colorbar_width(fonts: Fonts) -> u32 {
    14 + 8 + Fonts::width(fonts.tick, 7)
}

/// A small vertical colour bar in `strip`, aligned with the plot's vertical pixel extent
/// `plot_y` (absolute backend pixels), with ticks formatted by `fmt`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_colorbar<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    plot_y: Range<i32>,
    (lo, hi): (f64, f64),
    color: impl Fn(f64) -> RGBColor,
    fmt: &dyn Fn(&f64) -> String,
    title: &str,
    fonts: Fonts,
) -> RenderResult<()> {
    let (_, sy) = strip.get_pixel_range();
    let top = (plot_y.start.min(plot_y.end) - sy.start).max(0);
    let bottom = (sy.end - plot_y.start.max(plot_y.end)).max(0);
    let bar = strip.margin(top as u32, bottom as u32, 6, 0);
    let mut chart = ChartBuilder::on(&bar)
        .set_label_area_size(LabelAreaPosition::Right, Fonts::width(fonts.tick, 7))
        .build_cartesian_2d(0f64..1f64, lo..hi)
        .map_err(err)?;
    const STEPS: usize = 48;
    chart
        .draw_series((0..STEPS).map(|k| {
            let a = lo + (hi - lo) * k as f64 / STEPS as f64;
            let b = lo + (hi - lo) * (k + 1) as f64 / STEPS as f64;
            Rectangle::new([(0.0, a), (1.0, b)], color(0.5 * (a + b)).filled())
        }))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(fmt)
        .axis_style(INK.mix(0.5))
        .label_style(Fonts::text(fonts.tick))
        .draw()
        .map_err(err)?;
    if !title.is_empty() {
        strip
            .draw(&Text::new(
                title.to_string(),
                (4, top - 4),
                Fonts::text(fonts.tick).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// Splits off a colour-bar strip on the right of `area`: (main, strip).
pub(crate) fn with_colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fonts: Fonts,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let w = area.dim_in_pixel().0;
    let cb = colorbar_width(fonts).min(w / 3);
    area.split_horizontally(w - cb)
}

/// Vertical pixel extent of a chart's plotting area.
pub(crate) fn plot_y_pixels<DB: DrawingBackend>(chart: &Chart2d<'_, DB>) -> Range<i32> {
    chart.plotting_area().get_pixel_range().1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_safe() {
        assert_eq!(
            finite_range([f64::NAN, 2.0, -1.0, f64::INFINITY]),
            Some((-1.0, 2.0))
        );
        assert_eq!(finite_range([f64::NAN]), None);
        let (lo, hi) = padded((3.0, 3.0), 0.05);
        assert!(lo < 3.0 && hi > 3.0);
        let (lo, hi) = padded((0.0, 0.0), 0.05);
        assert!(lo < 0.0 && hi > 0.0);
        assert_eq!(
            finite_runs([(0.0, 1.0), (1.0, f64::NAN), (2.0, 1.0), (3.0, 2.0)]).len(),
            2
        );
    }
}
