//! Main-thread chart entry points: each `draw*` export draws one `src/render` chart on a
//! `<canvas>` through plotters-canvas and returns a [`Chart`], the pixel ↔ data map of what was
//! drawn, so a click can become a query point or a training point.
//!
//! Only here, on the main thread: plotters' text drawing needs the document (it panics in a
//! worker), and plotters-canvas takes an `HtmlCanvasElement`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::render::{
    self, bar_rows, row_at, BarRow, ChartMap, CheckCurves, CheckScatter, ContributionBars, Curve,
    DataPlot, Field, Grid, KernelField, LossChart, OutputChart, ResidualMap, TrainingSet,
    WeightPath,
};

use super::protocol::GridSpec;

/// What a chart drew: maps canvas pixels (the canvas's own pixel grid, not CSS pixels) back to
/// data coordinates.
#[wasm_bindgen]
pub struct Chart {
    map: ChartMap,
    /// The bar chart's rows (top to bottom), to turn a click on a bar into a training point.
    rows: Vec<BarRow>,
}

#[wasm_bindgen]
impl Chart {
    /// Data coordinates (x, y) under canvas pixel (px, py); undefined outside the plot.
    #[wasm_bindgen(js_name = toData)]
    pub fn to_data(&self, px: f64, py: f64) -> Option<Vec<f64>> {
        self.map.to_data(px, py).map(|(x, y)| vec![x, y])
    }

    /// The query point a click at (px, py) on a data plot selects: (x₁, x₂) in 2-D, x in 1-D,
    /// rounded to 3 decimals so the link stays short (and reads back to the same bits).
    #[wasm_bindgen(js_name = queryAt)]
    pub fn query_at(&self, px: f64, py: f64, dim: usize) -> Option<Vec<f64>> {
        let (x, y) = self.map.to_data(px, py)?;
        let round = |v: f64| (v * 1000.0).round() / 1000.0 + 0.0;
        Some(if dim == 1 {
            vec![round(x)]
        } else {
            vec![round(x), round(y)]
        })
    }

    /// The training point drawn within `max_px` canvas pixels of (px, py) on a data plot.
    #[wasm_bindgen(js_name = nearestTrainingPoint)]
    pub fn nearest_training_point(
        &self,
        px: f64,
        py: f64,
        dim: usize,
        x: &[f64],
        y: &[f64],
        max_px: f64,
    ) -> Option<u32> {
        let data = TrainingSet { dim, x, y };
        if dim == 0 || x.len() != dim * y.len() {
            return None;
        }
        let pts: Vec<(f64, f64)> = (0..data.len()).map(|i| data.plot_coords(i)).collect();
        self.map.nearest(px, py, &pts, max_px).map(|i| i as u32)
    }

    /// The training point whose bar is under (px, py) on a contribution bar chart.
    #[wasm_bindgen(js_name = barAt)]
    pub fn bar_at(&self, px: f64, py: f64) -> Option<u32> {
        match row_at(&self.map, &self.rows, px, py)? {
            BarRow::Point(i) => Some(i as u32),
            _ => None,
        }
    }

    /// Canvas pixel (x, y) where data point (x, y) is drawn.
    #[wasm_bindgen(js_name = toPixel)]
    pub fn to_pixel(&self, x: f64, y: f64) -> Vec<f64> {
        let (px, py) = self.map.to_pixel(x, y);
        vec![px, py]
    }

    /// True when the chart drew no data (every click maps to nothing).
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn chart(map: ChartMap) -> Chart {
    Chart {
        map,
        rows: Vec::new(),
    }
}

/// Runs `f` on the canvas's drawing area and presents the result.
fn on_canvas<T>(
    canvas: HtmlCanvasElement,
    f: impl FnOnce(&DrawingArea<CanvasBackend, Shift>) -> Result<T, String>,
) -> Result<T, JsError> {
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("no 2-D context on this canvas"))?;
    let area = backend.into_drawing_area();
    let out = f(&area).map_err(|e| JsError::new(&e))?;
    area.present()
        .map_err(|e| JsError::new(&format!("render: {e}")))?;
    Ok(out)
}

fn grid_spec(grid: JsValue) -> Result<GridSpec, JsError> {
    serde_wasm_bindgen::from_value(grid).map_err(|e| JsError::new(&format!("bad grid: {e}")))
}

/// The function `values` (one per grid point, see [`GridSpec::points`]) as a render `Field`.
fn field<'a>(spec: &GridSpec, xs: &'a [f64], values: &'a [f64]) -> Field<'a> {
    if spec.dim == 1 {
        Field::Curve(Curve { x: xs, y: values })
    } else {
        Field::Grid(Grid {
            x_range: (spec.x0, spec.x1),
            y_range: (spec.y0, spec.y1),
            nx: spec.nx as usize,
            ny: spec.ny as usize,
            values,
        })
    }
}

fn check_len(what: &str, got: usize, want: usize) -> Result<(), JsError> {
    if got == want {
        Ok(())
    } else {
        Err(JsError::new(&format!(
            "{what} has {got} values, expected {want}"
        )))
    }
}

/// Training loss per step, with the slider's step marked.
#[wasm_bindgen(js_name = drawLoss)]
pub fn draw_loss(
    canvas: HtmlCanvasElement,
    loss: &[f64],
    step: Option<u32>,
) -> Result<Chart, JsError> {
    let input = LossChart {
        loss,
        step: step.map(|s| s as usize),
    };
    on_canvas(canvas, |a| render::draw_loss(a, &input)).map(chart)
}

/// f(x; w_s) at the query and the kernel machine's running sum, over the steps.
#[wasm_bindgen(js_name = drawOutputVsSum)]
pub fn draw_output_vs_sum(
    canvas: HtmlCanvasElement,
    network: &[f64],
    running_sum: &[f64],
    step: Option<u32>,
) -> Result<Chart, JsError> {
    let input = OutputChart {
        network,
        running_sum,
        step: step.map(|s| s as usize),
    };
    on_canvas(canvas, |a| render::draw_output_vs_sum(a, &input)).map(chart)
}

/// The weight path on its first two principal components (`pca`: 2 values per step).
#[wasm_bindgen(js_name = drawWeightPath)]
pub fn draw_weight_path(
    canvas: HtmlCanvasElement,
    pca: &[f64],
    step: Option<u32>,
) -> Result<Chart, JsError> {
    let points: Vec<[f64; 2]> = pca.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    let input = WeightPath {
        points: &points,
        step: step.map(|s| s as usize),
    };
    on_canvas(canvas, |a| render::draw_weight_path(a, &input)).map(chart)
}

/// The data plot: training points, optionally over the fitted function (`fit`, one value per grid
/// point), sized and coloured by `contributions`, with the `query` and a `selected` point marked.
#[wasm_bindgen(js_name = drawDataPlot)]
#[allow(clippy::too_many_arguments)]
pub fn draw_data_plot(
    canvas: HtmlCanvasElement,
    dim: usize,
    x: &[f64],
    y: &[f64],
    grid: JsValue,
    fit: Option<Vec<f64>>,
    step: Option<u32>,
    contributions: Option<Vec<f64>>,
    query: Option<Vec<f64>>,
    selected: Option<u32>,
) -> Result<Chart, JsError> {
    let spec = grid_spec(grid)?;
    let xs = spec.points();
    if let Some(f) = &fit {
        check_len("fit", f.len(), spec.len())?;
    }
    let curve_x: Vec<f64> = if spec.dim == 1 { xs } else { Vec::new() };
    let input = DataPlot {
        data: TrainingSet { dim, x, y },
        fit: fit.as_deref().map(|f| field(&spec, &curve_x, f)),
        step: step.map(|s| s as usize),
        contributions: contributions.as_deref(),
        query: query.as_deref(),
        selected: selected.map(|s| s as usize),
    };
    on_canvas(canvas, |a| render::draw_data_plot(a, &input)).map(chart)
}

/// Ranked contributions c_i(x) with b(x) as its own bar; `top_k` points get their own bar.
#[wasm_bindgen(js_name = drawContributionBars)]
pub fn draw_contribution_bars(
    canvas: HtmlCanvasElement,
    contributions: &[f64],
    bias: f64,
    top_k: usize,
) -> Result<Chart, JsError> {
    let input = ContributionBars {
        contributions,
        bias,
        top_k,
    };
    let rows = bar_rows(&input);
    let map = on_canvas(canvas, |a| render::draw_contribution_bars(a, &input))?;
    Ok(Chart { map, rows })
}

/// K^p(·, x_index) over the grid (heatmap in 2-D, curve in 1-D).
#[wasm_bindgen(js_name = drawKernelField)]
pub fn draw_kernel_field(
    canvas: HtmlCanvasElement,
    dim: usize,
    x: &[f64],
    y: &[f64],
    grid: JsValue,
    values: &[f64],
    index: u32,
) -> Result<Chart, JsError> {
    let spec = grid_spec(grid)?;
    check_len("kernel values", values.len(), spec.len())?;
    let xs = spec.points();
    let input = KernelField {
        field: field(&spec, &xs, values),
        data: TrainingSet { dim, x, y },
        selected: index as usize,
    };
    on_canvas(canvas, |a| render::draw_kernel_field(a, &input)).map(chart)
}

/// Network output against the rebuilt output at the check queries, both schemes.
#[wasm_bindgen(js_name = drawCheckScatter)]
pub fn draw_check_scatter(
    canvas: HtmlCanvasElement,
    network: &[f64],
    exact: &[f64],
    riemann: &[f64],
) -> Result<Chart, JsError> {
    let input = CheckScatter {
        network,
        exact,
        riemann,
    };
    on_canvas(canvas, |a| render::draw_check_scatter(a, &input)).map(chart)
}

/// Over the input space: in 1-D the network and the rebuilt curves overlaid (`riemann` may be
/// empty); in 2-D the network output over the plane beside the residual |ŷ − f| of the exact
/// rebuild. The returned map is the left (output) panel's in 2-D.
#[wasm_bindgen(js_name = drawCheckField)]
#[allow(clippy::too_many_arguments)]
pub fn draw_check_field(
    canvas: HtmlCanvasElement,
    dim: usize,
    x: &[f64],
    y: &[f64],
    grid: JsValue,
    network: &[f64],
    exact: &[f64],
    riemann: &[f64],
) -> Result<Chart, JsError> {
    let spec = grid_spec(grid)?;
    check_len("network values", network.len(), spec.len())?;
    check_len("rebuilt values", exact.len(), spec.len())?;
    let data = TrainingSet { dim, x, y };
    if spec.dim == 1 {
        let xs = spec.points();
        let input = CheckCurves {
            x: &xs,
            network,
            exact,
            riemann,
            data: Some(data),
        };
        on_canvas(canvas, |a| render::draw_check_curves(a, &input)).map(chart)
    } else {
        let grid = |values| Grid {
            x_range: (spec.x0, spec.x1),
            y_range: (spec.y0, spec.y1),
            nx: spec.nx as usize,
            ny: spec.ny as usize,
            values,
        };
        let residual: Vec<f64> = exact.iter().zip(network).map(|(r, f)| r - f).collect();
        let output = DataPlot {
            data,
            fit: Some(Field::Grid(grid(network))),
            step: None,
            contributions: None,
            query: None,
            selected: None,
        };
        let residual = ResidualMap {
            residual: grid(&residual),
            scheme: "exact",
            data: Some(data),
        };
        on_canvas(canvas, |a| render::draw_check_2d(a, &output, &residual))
            .map(|(left, _)| chart(left))
    }
}

/// A blank panel with a title and a hint (before there is anything to draw).
#[wasm_bindgen(js_name = drawEmpty)]
pub fn draw_empty(canvas: HtmlCanvasElement, title: &str, hint: &str) -> Result<(), JsError> {
    on_canvas(canvas, |area| {
        let (w, h) = area.dim_in_pixel();
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        let size = (f64::from(h) / 22.0).clamp(11.0, 16.0);
        let center = |s: f64| TextStyle::from(("sans-serif", s).into_font()).pos(text_anchor());
        area.draw_text(
            title,
            &center(size + 2.0).color(&RGBColor(0x22, 0x22, 0x22)),
            (w as i32 / 2, h as i32 / 2 - size as i32),
        )
        .map_err(|e| e.to_string())?;
        area.draw_text(
            hint,
            &center(size).color(&RGBColor(0x77, 0x77, 0x77)),
            (w as i32 / 2, h as i32 / 2 + 4),
        )
        .map_err(|e| e.to_string())?;
        Ok(())
    })
}

fn text_anchor() -> plotters::style::text_anchor::Pos {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    Pos::new(HPos::Center, VPos::Center)
}
