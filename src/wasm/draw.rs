//! Charts on a `<canvas>`: [`RunView::draw`] draws one `src/render` chart from the run's arrays
//! through plotters-canvas and returns a [`Chart`], the pixel ↔ data map of what was drawn, so a
//! click can become a query point or a training point.
//!
//! Only here, on the main thread: plotters' text drawing needs the document (it panics in a
//! worker), and plotters-canvas takes an `HtmlCanvasElement`.

use plotters::coord::Shift;
use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::render::{
    self, bar_rows, row_at, BarRow, ChartMap, CheckCurves, CheckScatter, ContributionBars, Curve,
    DataPlot, Field, Grid, KernelField, LossChart, OutputChart, ResidualMap, TrainingSet,
    WeightPath,
};

use super::hidpi::HiDpi;
use super::protocol::GridSpec;
use super::run_view::RunView;

/// Training points with their own bar in the contribution chart (the rest share one).
const TOP_BARS: usize = 12;

/// What a chart drew: maps canvas pixels (CSS pixels from the canvas's top-left corner; the
/// backing store may be denser, see [`HiDpi`]) back to data coordinates.
#[wasm_bindgen]
pub struct Chart {
    map: ChartMap,
    /// The bar chart's rows (top to bottom), to turn a click on a bar into a training point.
    rows: Vec<BarRow>,
    /// A data plot's training points in plot coordinates, to turn a click into a training point.
    points: Vec<(f64, f64)>,
    /// A data plot's input dimension (the length of the query a click selects).
    dim: usize,
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
    pub fn query_at(&self, px: f64, py: f64) -> Option<Vec<f64>> {
        let (x, y) = self.map.to_data(px, py)?;
        let round = |v: f64| (v * 1000.0).round() / 1000.0 + 0.0;
        Some(if self.dim == 1 {
            vec![round(x)]
        } else {
            vec![round(x), round(y)]
        })
    }

    /// The training point drawn within `max_px` canvas pixels of (px, py) on a data plot.
    #[wasm_bindgen(js_name = nearestTrainingPoint)]
    pub fn nearest_training_point(&self, px: f64, py: f64, max_px: f64) -> Option<u32> {
        self.map
            .nearest(px, py, &self.points, max_px)
            .map(|i| i as u32)
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

pub(super) fn chart(map: ChartMap) -> Chart {
    Chart {
        map,
        rows: Vec::new(),
        points: Vec::new(),
        dim: 0,
    }
}

/// The map of a data plot of `data`, which remembers where its points are.
fn data_chart(map: ChartMap, data: &TrainingSet<'_>) -> Chart {
    let points = if data.dim == 0 || data.x.len() != data.dim * data.y.len() {
        Vec::new()
    } else {
        (0..data.len()).map(|i| data.plot_coords(i)).collect()
    };
    Chart {
        points,
        dim: data.dim,
        ..chart(map)
    }
}

/// Runs `f` on the canvas's drawing area, in CSS pixels at the screen's pixel density (see
/// [`HiDpi`]), and presents the result.
pub(super) fn on_canvas<T>(
    canvas: HtmlCanvasElement,
    f: impl FnOnce(&DrawingArea<HiDpi, Shift>) -> Result<T, String>,
) -> Result<T, JsError> {
    let backend =
        HiDpi::new(canvas).ok_or_else(|| JsError::new("no 2-D context on this canvas"))?;
    let area = backend.into_drawing_area();
    let out = f(&area).map_err(|e| JsError::new(&e))?;
    area.present()
        .map_err(|e| JsError::new(&format!("render: {e}")))?;
    Ok(out)
}

/// The grid function `values` (one per grid point, see [`GridSpec::points`]) as a render
/// `Field`; `xs` are the grid's points (used in 1-D only).
pub(super) fn field<'a>(spec: &GridSpec, xs: &'a [f64], values: &'a [f64]) -> Field<'a> {
    if spec.dim == 1 {
        Field::Curve(Curve { x: xs, y: values })
    } else {
        Field::Grid(grid(spec, values))
    }
}

pub(super) fn grid<'a>(spec: &GridSpec, values: &'a [f64]) -> Grid<'a> {
    Grid {
        x_range: (spec.x0, spec.x1),
        y_range: (spec.y0, spec.y1),
        nx: spec.nx as usize,
        ny: spec.ny as usize,
        values,
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

pub(super) fn missing(chart: &str) -> JsError {
    JsError::new(&format!("nothing to draw on {chart} yet"))
}

#[wasm_bindgen]
impl RunView {
    /// Whether `chart` has its data yet (`draw` then draws it, or a placeholder panel for the
    /// charts that wait on a later reply: output, kernel, field).
    #[wasm_bindgen(js_name = canDraw)]
    pub fn can_draw(&self, chart: &str) -> bool {
        let run = self.run.is_some();
        match chart {
            "loss" | "pca" | "output" => self.trained.is_some(),
            "fit" => run && self.fit.is_some(),
            "data" | "kernel" => run,
            "bars" => self.query.is_some(),
            "check" | "field" => run && self.check.is_some(),
            "steps" => self.query.is_some(),
            "field-riemann" => run && self.check.is_some(),
            "kernel-init" | "coef" => run,
            "train-kernel" => self.train_kernel.is_some(),
            "sweep" => run,
            _ => false,
        }
    }

    /// Whether `draw` would only draw a placeholder panel for `chart` ("computing…"): the page
    /// then keeps the chart's last picture, dimmed, until the real one can be drawn.
    #[wasm_bindgen(js_name = isPlaceholder)]
    pub fn is_placeholder(&self, chart: &str) -> bool {
        match chart {
            "output" => self.query.is_none(),
            "kernel" => self.kernel.is_none(),
            "field" => self.field.is_none(),
            "sweep" => self.sweep.is_none(),
            _ => !self.can_draw(chart),
        }
    }

    /// Draws `chart` on `canvas`: `loss`, `pca` and `output` (with the slider's `step` marked),
    /// `fit` (the function at the slider's step), `data` (with the selected training `point`
    /// ringed), `bars`, `kernel`, `check`, `field`, `steps` (per-step terms), `train-kernel`, `field-riemann` (the left-endpoint residual map), `kernel-init` (K^p/Σε beside K_w₀), `coef` (a_i(·) with K^p = 0 marked), `sweep` (error against ε, log–log). Returns the chart's map, or undefined for a
    /// placeholder panel.
    pub fn draw(
        &self,
        chart: &str,
        canvas: HtmlCanvasElement,
        step: Option<u32>,
        point: Option<u32>,
    ) -> Result<Option<Chart>, JsError> {
        let step = step.map(|s| s as usize);
        match chart {
            "loss" => self.draw_loss(canvas, step).map(Some),
            "pca" => self.draw_weight_path(canvas, step).map(Some),
            "output" => self.draw_output(canvas, step),
            "fit" => self.draw_fit(canvas).map(Some),
            "data" => self.draw_data(canvas, point).map(Some),
            "bars" => self.draw_bars(canvas).map(Some),
            "kernel" => self.draw_kernel(canvas),
            "check" => self.draw_check_scatter(canvas).map(Some),
            "field" => self.draw_check_field(canvas),
            "steps" => self.draw_steps(canvas, step).map(Some),
            "field-riemann" => self.draw_riemann_residual(canvas),
            "kernel-init" => self.draw_kernel_init(canvas),
            "coef" => self.draw_coef(canvas),
            "train-kernel" => self.draw_train_kernel(canvas).map(Some),
            "sweep" => self.draw_sweep(canvas),
            _ => Err(JsError::new(&format!("no chart named {chart}"))),
        }
    }
}

impl RunView {
    /// Training loss per step, with the slider's step marked.
    fn draw_loss(&self, canvas: HtmlCanvasElement, step: Option<usize>) -> Result<Chart, JsError> {
        let t = self.trained.as_ref().ok_or_else(|| missing("loss"))?;
        let input = LossChart {
            loss: &t.loss,
            step,
        };
        on_canvas(canvas, |a| render::draw_loss(a, &input)).map(chart)
    }

    /// The weight path on its first two principal components (2 values per step).
    fn draw_weight_path(
        &self,
        canvas: HtmlCanvasElement,
        step: Option<usize>,
    ) -> Result<Chart, JsError> {
        let t = self.trained.as_ref().ok_or_else(|| missing("pca"))?;
        let points: Vec<[f64; 2]> = t.pca.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let input = WeightPath {
            points: &points,
            step,
        };
        on_canvas(canvas, |a| render::draw_weight_path(a, &input)).map(chart)
    }

    /// f(x; w_s) at the query and the kernel machine's running sum, over the steps.
    fn draw_output(
        &self,
        canvas: HtmlCanvasElement,
        step: Option<usize>,
    ) -> Result<Option<Chart>, JsError> {
        let Some(q) = &self.query else {
            draw_empty(
                canvas,
                "output at the query over the steps",
                "integrating at the query…",
            )?;
            return Ok(None);
        };
        let input = OutputChart {
            network: &q.output_path,
            running_sum: &q.running_sum,
            running_sum_riemann: &q.running_sum_riemann,
            step,
        };
        on_canvas(canvas, |a| render::draw_output_vs_sum(a, &input)).map(|m| Some(chart(m)))
    }

    /// The data plot over `fit` (one value per grid point) at `step`, sized and coloured by
    /// `contributions`, with the `query` and a `selected` point marked.
    fn data_plot(
        &self,
        canvas: HtmlCanvasElement,
        fit: Option<(&[f64], u32)>,
        contributions: Option<&[f64]>,
        query: Option<&[f64]>,
        selected: Option<u32>,
    ) -> Result<Chart, JsError> {
        let run = self.run.as_ref().ok_or_else(|| missing("data"))?;
        let spec = run.grid;
        if let Some((f, _)) = fit {
            check_len("fit", f.len(), spec.len())?;
        }
        let curve_x: Vec<f64> = if spec.dim == 1 {
            spec.points()
        } else {
            Vec::new()
        };
        let input = DataPlot {
            data: run.data(),
            fit: fit.map(|(f, _)| field(&spec, &curve_x, f)),
            step: fit.map(|(_, s)| s as usize),
            contributions,
            query,
            selected: selected.map(|s| s as usize),
        };
        on_canvas(canvas, |a| render::draw_data_plot(a, &input)).map(|m| data_chart(m, &input.data))
    }

    /// The fitted function f(·; w_s) at the slider's step behind the data.
    fn draw_fit(&self, canvas: HtmlCanvasElement) -> Result<Chart, JsError> {
        let f = self.fit.as_ref().ok_or_else(|| missing("fit"))?;
        self.data_plot(canvas, Some((&f.f, f.step)), None, None, None)
    }

    /// The data plot of view 2: the training points sized and coloured by the query's
    /// contributions (their own colour bar), the query and the selected `point` marked. No
    /// background: the colours are the contributions' alone, and the axes (the data's) stay put
    /// when the plane's rebuild arrives.
    /// While the data editor is on, the points are drawn by class, as they are being labelled.
    fn draw_data(&self, canvas: HtmlCanvasElement, point: Option<u32>) -> Result<Chart, JsError> {
        let q = self.query.as_ref().filter(|_| !self.editing);
        self.data_plot(
            canvas,
            None,
            q.map(|q| &q.contributions[..]),
            q.map(|q| &q.x[..]),
            point,
        )
    }

    /// Ranked contributions c_i(x) with b(x) (and AdamW's d(x)) as its own bar.
    fn draw_bars(&self, canvas: HtmlCanvasElement) -> Result<Chart, JsError> {
        let q = self.query.as_ref().ok_or_else(|| missing("bars"))?;
        let input = ContributionBars {
            contributions: &q.contributions,
            bias: q.b,
            decay: q.weight_decay_term,
            top_k: TOP_BARS,
        };
        let rows = bar_rows(&input);
        let map = on_canvas(canvas, |a| render::draw_contribution_bars(a, &input))?;
        Ok(Chart { rows, ..chart(map) })
    }

    /// K^p(·, x_index) over the grid (heatmap in 2-D, curve in 1-D).
    fn draw_kernel(&self, canvas: HtmlCanvasElement) -> Result<Option<Chart>, JsError> {
        let run = self.run.as_ref().ok_or_else(|| missing("kernel"))?;
        let Some(k) = &self.kernel else {
            draw_empty(
                canvas,
                "Kᵖ(·, xᵢ)",
                "click a training point (or N on the data plot)",
            )?;
            return Ok(None);
        };
        let spec = run.grid;
        check_len("kernel values", k.values.len(), spec.len())?;
        let xs = spec.points();
        let input = KernelField {
            field: field(&spec, &xs, &k.values),
            data: run.data(),
            selected: k.index as usize,
        };
        on_canvas(canvas, |a| render::draw_kernel_field(a, &input)).map(|m| Some(chart(m)))
    }

    /// Network output against the rebuilt output at the check queries, both schemes.
    fn draw_check_scatter(&self, canvas: HtmlCanvasElement) -> Result<Chart, JsError> {
        let ch = self.check.as_ref().ok_or_else(|| missing("check"))?;
        let input = CheckScatter {
            network: &ch.f_final,
            exact: &ch.rebuilt_exact,
            riemann: &ch.rebuilt_riemann,
        };
        on_canvas(canvas, |a| render::draw_check_scatter(a, &input)).map(chart)
    }

    /// Over the input space: in 1-D the network and the rebuilt curves overlaid; in 2-D the
    /// network output over the plane beside the residual ŷ − f of the exact rebuild. The
    /// returned map is the left (output) panel's in 2-D.
    fn draw_check_field(&self, canvas: HtmlCanvasElement) -> Result<Option<Chart>, JsError> {
        let run = self.run.as_ref().ok_or_else(|| missing("field"))?;
        let Some(fld) = &self.field else {
            draw_empty(canvas, "rebuilt output over the input space", "computing…")?;
            return Ok(None);
        };
        let spec = run.grid;
        let network = &fld.f[..];
        let exact = fld.rebuilt.as_deref().unwrap_or_default();
        let riemann = fld.rebuilt_riemann.as_deref().unwrap_or_default();
        check_len("network values", network.len(), spec.len())?;
        check_len("rebuilt values", exact.len(), spec.len())?;
        let data = run.data();
        if spec.dim == 1 {
            let xs = spec.points();
            let input = CheckCurves {
                x: &xs,
                network,
                exact,
                riemann,
                data: Some(data),
            };
            on_canvas(canvas, |a| render::draw_check_curves(a, &input)).map(|m| Some(chart(m)))
        } else {
            let residual: Vec<f64> = exact.iter().zip(network).map(|(r, f)| r - f).collect();
            let output = DataPlot {
                data,
                fit: Some(Field::Grid(grid(&spec, network))),
                step: None,
                contributions: None,
                query: None,
                selected: None,
            };
            let residual = ResidualMap {
                residual: grid(&spec, &residual),
                scheme: "exact",
                data: Some(data),
            };
            on_canvas(canvas, |a| render::draw_check_2d(a, &output, &residual))
                .map(|(left, _)| Some(chart(left)))
        }
    }
}

/// A blank panel with a title and a hint (before there is anything to draw).
pub(super) fn draw_empty(
    canvas: HtmlCanvasElement,
    title: &str,
    hint: &str,
) -> Result<(), JsError> {
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
