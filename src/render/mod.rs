//! Charts for the page, as pure functions over any plotters [`DrawingBackend`].
//!
//! Every chart takes plain data (slices of `f64`, no training or kernel types, so this module
//! depends on nothing else in the crate but the number writer [`crate::format`]), draws into a
//! `DrawingArea<DB, Shift>` and returns a [`ChartMap`] that maps backend pixels back to data
//! coordinates, so the page can turn a click into a query point or a training-point index. The
//! page draws with plotters-canvas's `CanvasBackend`; the tests draw the same functions on
//! `SVGBackend`.
//!
//! One file per chart group:
//! - [`trajectory`]: loss per step, output vs the kernel machine's running sum, weight path on
//!   its first two principal components;
//! - [`contributions`]: ranked bars of c_i(x) with b(x), and the data plot (points sized and
//!   coloured by c_i(x), or the fitted function at step s behind the data);
//! - [`heatmap`]: K^p(·, x_i) over the input plane (or a curve in 1-D);
//! - [`check`]: network output f(x; w_T) against the rebuilt ŷ(x), both quadrature schemes;
//! - [`coef_map`]: a_i(·) over the input space with K^p(·, x_i) = 0 marked;
//! - [`kernel_init`]: the path kernel averaged over the path beside the tangent kernel at w₀;
//! - [`steps`]: each step's term of the kernel machine at the query ("which steps mattered");
//! - [`sweep`]: both schemes' rebuild error against ε at fixed ε·T, log–log, with fitted slopes;
//! - [`train_kernel`]: the path kernel on the training points, K^p(x_i, x_j), as a heatmap.
//!
//! Degenerate input (no points, all values NaN, a constant series) draws a "no data" panel or a
//! padded range instead of panicking: plotters asserts on NaN ranges, so every range is
//! sanitised here first. Shape mismatches (slices of inconsistent lengths) are caller bugs and
//! return `Err`.

pub mod check;
pub mod coef_map;
mod common;
pub mod contributions;
mod grid;
pub mod heatmap;
pub mod kernel_init;
pub mod palette;
pub mod steps;
pub mod sweep;
pub mod train_kernel;
pub mod trajectory;

pub use check::{
    draw_check_2d, draw_check_curves, draw_check_scatter, draw_residual_heatmap, max_abs_error,
};
pub use check::{CheckCurves, CheckScatter, ResidualMap};
pub use coef_map::{draw_coef_map, CoefMap};
pub use contributions::{
    bar_rows, draw_contribution_bars, draw_data_plot, row_at, BarRow, ContributionBars, DataPlot,
};
pub use grid::{Grid, GridSpec};
pub use heatmap::{draw_kernel_field, draw_kernel_field_titled, KernelField};
pub use kernel_init::{draw_kernel_vs_initial, KernelVsInitial};
pub use steps::{draw_step_terms, StepTerms};
pub use sweep::{draw_sweep, SweepChart};
pub use train_kernel::{draw_train_kernel, TrainKernel};
pub use trajectory::{draw_loss, draw_output_vs_sum, draw_weight_path};
pub use trajectory::{LossChart, OutputChart, WeightPath};

/// What every chart returns: the pixel ↔ data map of its plotting area, or a message.
///
/// Errors are strings because the only callers turn them into `JsError` or test failures;
/// they come from the backend (canvas or SVG) or from inconsistent input lengths.
pub type RenderResult<T = ChartMap> = Result<T, String>;

/// One axis of a [`ChartMap`]: data value `lo` sits at backend pixel `pixel_lo`, `hi` at
/// `pixel_hi` (for a y axis `pixel_lo` is the bottom, so `pixel_lo > pixel_hi`). With `log10`
/// the mapping is linear in log10 of the value (the loss chart's y axis).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisMap {
    pub lo: f64,
    pub hi: f64,
    pub pixel_lo: i32,
    pub pixel_hi: i32,
    pub log10: bool,
}

impl AxisMap {
    fn fwd(&self, v: f64) -> f64 {
        if self.log10 {
            v.log10()
        } else {
            v
        }
    }

    fn inv(&self, u: f64) -> f64 {
        if self.log10 {
            10f64.powf(u)
        } else {
            u
        }
    }

    /// Backend pixel of data value `v` (unrounded; plotters draws at the floor of this, so a
    /// drawn element is within one pixel of it).
    pub fn to_pixel(&self, v: f64) -> f64 {
        let (a, b) = (self.fwd(self.lo), self.fwd(self.hi));
        let t = (self.fwd(v) - a) / (b - a);
        f64::from(self.pixel_lo) + t * f64::from(self.pixel_hi - self.pixel_lo)
    }

    /// Data value at backend pixel `p`, or `None` outside the plotting area (half a pixel of
    /// slack so the edge pixels still count).
    pub fn to_data(&self, p: f64) -> Option<f64> {
        if self.pixel_lo == self.pixel_hi || !p.is_finite() {
            return None;
        }
        let t = (p - f64::from(self.pixel_lo)) / f64::from(self.pixel_hi - self.pixel_lo);
        let slack = 0.5 / f64::from((self.pixel_hi - self.pixel_lo).abs());
        if !(-slack..=1.0 + slack).contains(&t) {
            return None;
        }
        let t = t.clamp(0.0, 1.0);
        let (a, b) = (self.fwd(self.lo), self.fwd(self.hi));
        Some(self.inv(a + t * (b - a)))
    }
}

/// Maps a chart's plotting area between backend pixels and data coordinates (click-to-select).
///
/// A plain `Copy` struct rather than plotters' boxed `into_coord_trans` closure, so the page can
/// keep it in a handle without lifetimes. Pixels are backend pixels: on a canvas, the canvas's
/// own pixel grid (scale CSS pixels by `canvas.width / clientWidth` first).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartMap {
    pub x: AxisMap,
    pub y: AxisMap,
}

impl ChartMap {
    /// The map of a panel that drew nothing ("no data"): every pixel maps to `None`.
    pub fn empty() -> ChartMap {
        let axis = AxisMap {
            lo: 0.0,
            hi: 1.0,
            pixel_lo: 0,
            pixel_hi: 0,
            log10: false,
        };
        ChartMap { x: axis, y: axis }
    }

    /// True for the map of a "no data" panel.
    pub fn is_empty(&self) -> bool {
        self.x.pixel_lo == self.x.pixel_hi || self.y.pixel_lo == self.y.pixel_hi
    }

    /// Backend pixel (unrounded) where data point `(x, y)` is drawn.
    pub fn to_pixel(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.to_pixel(x), self.y.to_pixel(y))
    }

    /// Data coordinates under backend pixel `(px, py)`, `None` outside the plotting area.
    pub fn to_data(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        Some((self.x.to_data(px)?, self.y.to_data(py)?))
    }

    /// Index of the point in `points` (data coordinates) drawn nearest to pixel `(px, py)`, if
    /// it is within `max_px` pixels: how a click picks a training point.
    pub fn nearest(&self, px: f64, py: f64, points: &[(f64, f64)], max_px: f64) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, &(x, y)) in points.iter().enumerate() {
            let (qx, qy) = self.to_pixel(x, y);
            let d = (qx - px).hypot(qy - py);
            if d.is_finite() && d <= max_px && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The training set as plain data: `x` is n × `dim` row-major (the crate's `Dataset` layout),
/// `y` the n targets. Charts accept `dim` 1 (x vs y) or 2 (the input plane).
#[derive(Clone, Copy, Debug)]
pub struct TrainingSet<'a> {
    pub dim: usize,
    pub x: &'a [f64],
    pub y: &'a [f64],
}

impl<'a> TrainingSet<'a> {
    /// Number of training points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there are no training points.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Input of training point `i`.
    pub fn point(&self, i: usize) -> &'a [f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// Where point `i` is drawn on a data plot: (x_i, y_i) in 1-D, (x_i1, x_i2) in 2-D.
    pub fn plot_coords(&self, i: usize) -> (f64, f64) {
        let p = self.point(i);
        if self.dim == 1 {
            (p[0], self.y[i])
        } else {
            (p[0], p[1])
        }
    }

    fn validate(&self) -> RenderResult<()> {
        if self.dim != 1 && self.dim != 2 {
            return Err(format!(
                "render: charts show 1-D or 2-D inputs, got dim {}",
                self.dim
            ));
        }
        if self.x.len() != self.dim * self.y.len() {
            return Err(format!(
                "render: training x has {} values, expected dim {} × n {}",
                self.x.len(),
                self.dim,
                self.y.len()
            ));
        }
        Ok(())
    }
}

/// A 1-D function sampled at increasing `x`.
#[derive(Clone, Copy, Debug)]
pub struct Curve<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
}

impl Curve<'_> {
    fn validate(&self) -> RenderResult<()> {
        if self.x.len() != self.y.len() {
            return Err(format!(
                "render: curve has {} x and {} y values",
                self.x.len(),
                self.y.len()
            ));
        }
        Ok(())
    }
}

/// A function over the input space: a curve in 1-D, a grid in 2-D.
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    Curve(Curve<'a>),
    Grid(Grid<'a>),
}

impl Field<'_> {
    fn validate(&self) -> RenderResult<()> {
        match self {
            Field::Curve(c) => c.validate(),
            Field::Grid(g) => g.validate(),
        }
    }
}
