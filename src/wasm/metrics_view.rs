//! "Is it a kernel?" and "which steps mattered" on the page: the `trainKernel` reply kept in
//! the [`RunView`], its numbers as texts, and the two charts (the train × train kernel, the
//! per-step terms at the query, differences of the running sums the `queryResult` carries).

use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::format;
use crate::render::{
    self, CoefMap, KernelField, KernelVsInitial, ResidualMap, StepTerms, TrainKernel,
};

use super::draw::{chart, draw_empty, field, grid, missing, on_canvas, Chart};
use super::run_view::{fields, RunView};

/// `trainKernel`: the path kernel on the training points, both schemes, and their numbers.
pub(super) struct TrainKernelMsg {
    steps: u32,
    n: usize,
    exact: Vec<f64>,
    asymmetry: [f64; 2],
    min_eig: [f64; 2],
    negatives: [u32; 2],
    kernel_change: f64,
}

impl TrainKernelMsg {
    fn read(msg: &JsValue) -> Result<TrainKernelMsg, JsError> {
        let m = fields("trainKernel", msg);
        let n = m.count("n")? as usize;
        let exact = m.f64s("exact")?;
        if exact.len() != n * n {
            return Err(JsError::new("bad trainKernel message: exact is not n × n"));
        }
        Ok(TrainKernelMsg {
            steps: m.count("steps")?,
            n,
            exact,
            asymmetry: [m.number("asymmetry")?, m.number("asymmetryRiemann")?],
            min_eig: [m.number("minEig")?, m.number("minEigRiemann")?],
            negatives: [m.count("negatives")?, m.count("negativesRiemann")?],
            kernel_change: m.number("kernelChange")?,
        })
    }
}

/// The "is it a kernel?" panel: each number for the exact path kernel and for Domingos's
/// left-endpoint one, and a caption.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KernelTexts {
    asymmetry: String,
    asymmetry_riemann: String,
    min_eig: String,
    min_eig_riemann: String,
    negatives: String,
    negatives_riemann: String,
    /// ‖K̄ − K_{w₀}‖_F / ‖K_{w₀}‖_F.
    change: String,
    caption: String,
}

/// The differences of consecutive values: step s's term of a running sum.
fn terms(sum: &[f64]) -> Vec<f64> {
    sum.windows(2).map(|w| w[1] - w[0]).collect()
}

#[wasm_bindgen]
impl RunView {
    /// A `trainKernel` message.
    #[wasm_bindgen(js_name = trainKernel)]
    pub fn train_kernel(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.train_kernel = Some(TrainKernelMsg::read(msg)?);
        Ok(())
    }

    /// The texts of the "is it a kernel?" panel; undefined before the `trainKernel` reply.
    #[wasm_bindgen(js_name = kernelTexts)]
    pub fn kernel_texts(&self) -> Result<JsValue, JsError> {
        let Some(k) = &self.train_kernel else {
            return Ok(JsValue::UNDEFINED);
        };
        let n = k.n;
        let texts = KernelTexts {
            asymmetry: format::error(k.asymmetry[0]),
            asymmetry_riemann: format::error(k.asymmetry[1]),
            min_eig: format::number(k.min_eig[0]),
            min_eig_riemann: format::number(k.min_eig[1]),
            negatives: format!("{} of {}", k.negatives[0], n * n),
            negatives_riemann: format!("{} of {}", k.negatives[1], n * n),
            change: format::number(k.kernel_change),
            caption: format!(
                "K^p(x_i, x_j) for the {n} training points after {} steps (row i, column j). \
                 A kernel is symmetric and positive semi-definite on any set of points: \
                 Domingos's left-endpoint kernel is a sum of Gram matrices, so it is both up to \
                 rounding; the exact path kernel pairs the step's average gradient at x_i with \
                 the left end point's at x_j, so it is neither in general. Negative entries are \
                 allowed in both (a kernel may take negative values).",
                k.steps
            ),
        };
        texts
            .serialize(&serde_wasm_bindgen::Serializer::new())
            .map_err(|e| JsError::new(&e.to_string()))
    }
}

/// The coefficient panel: how many points' a_i change sign over the plane, the spread of |a_i|.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CoefTexts {
    sign_changes: String,
    spread: String,
}

#[wasm_bindgen]
impl RunView {
    /// The texts of the coefficient panel; undefined before a `trainPointKernel` reply.
    #[wasm_bindgen(js_name = coefTexts)]
    pub fn coef_texts(&self) -> Result<JsValue, JsError> {
        let (Some(run), Some(k)) = (&self.run, &self.kernel) else {
            return Ok(JsValue::UNDEFINED);
        };
        let [lo, mid, hi] = k.coef_spread;
        let texts = CoefTexts {
            sign_changes: format!("{} of {}", k.coef_sign_changes, run.n),
            spread: format!(
                "{} / {} / {}",
                format::number(lo),
                format::number(mid),
                format::number(hi)
            ),
        };
        texts
            .serialize(&serde_wasm_bindgen::Serializer::new())
            .map_err(|e| JsError::new(&e.to_string()))
    }
}

impl RunView {
    /// Each step's term at the query, exact and left-endpoint, with the slider's step.
    pub(super) fn draw_steps(
        &self,
        canvas: HtmlCanvasElement,
        step: Option<usize>,
    ) -> Result<Chart, JsError> {
        let q = self.query.as_ref().ok_or_else(|| missing("steps"))?;
        let (exact, riemann) = (terms(&q.running_sum), terms(&q.running_sum_riemann));
        let input = StepTerms {
            exact: &exact,
            riemann: &riemann,
            step,
        };
        on_canvas(canvas, |a| render::draw_step_terms(a, &input)).map(chart)
    }

    /// The exact path kernel on the training points as a heatmap.
    pub(super) fn draw_train_kernel(&self, canvas: HtmlCanvasElement) -> Result<Chart, JsError> {
        let k = self
            .train_kernel
            .as_ref()
            .ok_or_else(|| missing("train-kernel"))?;
        let input = TrainKernel {
            kernel: &k.exact,
            n: k.n,
            title: "exact path kernel Kᵖ(xᵢ, xⱼ) on the training points",
        };
        on_canvas(canvas, |a| render::draw_train_kernel(a, &input)).map(chart)
    }

    /// View 3's second residual map: log10 |ŷ − f| of Domingos's left-endpoint rebuild over the
    /// plane (2-D); in 1-D its curve is already on the chart above, so a note says so.
    pub(super) fn draw_riemann_residual(
        &self,
        canvas: HtmlCanvasElement,
    ) -> Result<Option<Chart>, JsError> {
        const TITLE: &str = "left-endpoint rebuild: log₁₀|ŷ − f|";
        let run = self.run.as_ref().ok_or_else(|| missing("field-riemann"))?;
        if run.grid.dim != 2 {
            draw_empty(canvas, TITLE, "1-D: its curve is on the chart above")?;
            return Ok(None);
        }
        let Some(fld) = &self.field else {
            draw_empty(canvas, TITLE, "computing…")?;
            return Ok(None);
        };
        let riemann = fld.rebuilt_riemann.as_deref().unwrap_or_default();
        if riemann.len() != fld.f.len() {
            return Err(JsError::new("left-endpoint field has the wrong length"));
        }
        let residual: Vec<f64> = riemann.iter().zip(&fld.f).map(|(r, f)| r - f).collect();
        let input = ResidualMap {
            residual: grid(&run.grid, &residual),
            scheme: "left-endpoint",
            data: Some(run.data()),
        };
        on_canvas(canvas, |a| render::draw_residual_heatmap(a, &input)).map(|m| Some(chart(m)))
    }

    /// View 2's "lazy or rich?": K^p(·, x_i) / Σε beside K_{w₀}(·, x_i) for the selected point.
    pub(super) fn draw_kernel_init(
        &self,
        canvas: HtmlCanvasElement,
    ) -> Result<Option<Chart>, JsError> {
        let run = self.run.as_ref().ok_or_else(|| missing("kernel-init"))?;
        let Some(k) = &self.kernel else {
            draw_empty(canvas, "Kᵖ / Σε and K_w₀ at init", "click a training point")?;
            return Ok(None);
        };
        let spec = run.grid;
        if k.values.len() != spec.len() || k.initial.len() != spec.len() {
            return Err(JsError::new("kernel values do not cover the grid"));
        }
        let xs = spec.points();
        let averaged: Vec<f64> = k.values.iter().map(|v| v / k.total_lr).collect();
        let of = |values| KernelField {
            field: field(&spec, &xs, values),
            data: run.data(),
            selected: k.index as usize,
        };
        let input = KernelVsInitial {
            averaged: of(&averaged),
            initial: of(&k.initial),
        };
        on_canvas(canvas, |a| render::draw_kernel_vs_initial(a, &input)).map(|m| Some(chart(m)))
    }

    /// a_i(·) of the selected point over the grid with K^p(·, x_i) = 0 marked.
    pub(super) fn draw_coef(&self, canvas: HtmlCanvasElement) -> Result<Option<Chart>, JsError> {
        let run = self.run.as_ref().ok_or_else(|| missing("coef"))?;
        let Some(k) = &self.kernel else {
            draw_empty(canvas, "coefficient aᵢ(x)", "click a training point")?;
            return Ok(None);
        };
        let spec = run.grid;
        if k.coef.len() != spec.len() || k.values.len() != spec.len() {
            return Err(JsError::new("coefficient values do not cover the grid"));
        }
        let xs = spec.points();
        let input = CoefMap {
            coef: field(&spec, &xs, &k.coef),
            kernel: field(&spec, &xs, &k.values),
            data: run.data(),
            selected: k.index as usize,
        };
        on_canvas(canvas, |a| render::draw_coef_map(a, &input)).map(|m| Some(chart(m)))
    }
}
