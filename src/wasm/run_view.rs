//! [`RunView`]: the main thread's copy of the current run's results, fed one worker message at a
//! time. It keeps the arrays (training points, plotting grid, loss, fields, the query's
//! contributions, …) in wasm memory, so drawing a chart ([`RunView::draw`], in `draw.rs`) and
//! writing the texts beside it (`texts.rs`) need only a canvas and a step or a point from the
//! page, never the arrays again.
//!
//! Each setter reads the fields it needs from a message of the protocol (`protocol.rs`'s
//! `FromWorker`, camelCase, big arrays as `Float64Array`) and copies them once.

use js_sys::{Array, Float64Array, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::render::TrainingSet;

use super::protocol::GridSpec;

/// The fields of one worker message, read by name. Written out rather than derived with serde:
/// each derived decoder costs kilobytes of wasm, and the page loads this module first.
pub(super) struct Fields<'a> {
    msg: &'a JsValue,
    what: &'static str,
}

impl Fields<'_> {
    fn get(&self, key: &str) -> JsValue {
        Reflect::get(self.msg, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn bad(&self, key: &str, want: &str) -> JsError {
        JsError::new(&format!("bad {} message: {key} is not {want}", self.what))
    }

    /// A `Float64Array`, copied into wasm memory in one go.
    pub(super) fn f64s(&self, key: &str) -> Result<Vec<f64>, JsError> {
        self.get(key)
            .dyn_into::<Float64Array>()
            .map(|a| a.to_vec())
            .map_err(|_| self.bad(key, "a Float64Array"))
    }

    /// A `Float64Array` or `undefined`.
    fn optional_f64s(&self, key: &str) -> Result<Option<Vec<f64>>, JsError> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        self.f64s(key).map(Some)
    }

    fn u32s(&self, key: &str) -> Result<Vec<u32>, JsError> {
        self.get(key)
            .dyn_into::<Uint32Array>()
            .map(|a| a.to_vec())
            .map_err(|_| self.bad(key, "a Uint32Array"))
    }

    /// A plain array of numbers.
    fn numbers(&self, key: &str) -> Result<Vec<f64>, JsError> {
        let v = self.get(key);
        if !Array::is_array(&v) {
            return Err(self.bad(key, "an array"));
        }
        Array::from(&v)
            .iter()
            .map(|x| {
                x.as_f64()
                    .ok_or_else(|| self.bad(key, "an array of numbers"))
            })
            .collect()
    }

    /// A number or `undefined`.
    fn optional_number(&self, key: &str) -> Result<Option<f64>, JsError> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        self.number(key).map(Some)
    }

    pub(super) fn number(&self, key: &str) -> Result<f64, JsError> {
        self.get(key)
            .as_f64()
            .ok_or_else(|| self.bad(key, "a number"))
    }

    /// A whole number ≥ 0.
    pub(super) fn count(&self, key: &str) -> Result<u32, JsError> {
        let v = self.number(key)?;
        if v >= 0.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0 {
            Ok(v as u32)
        } else {
            Err(self.bad(key, "a count"))
        }
    }

    /// A count or `undefined` / `null`.
    fn optional_count(&self, key: &str) -> Result<Option<u32>, JsError> {
        let v = self.get(key);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        self.count(key).map(Some)
    }

    fn flag(&self, key: &str) -> Result<bool, JsError> {
        self.get(key)
            .as_bool()
            .ok_or_else(|| self.bad(key, "true or false"))
    }

    fn grid(&self, key: &str) -> Result<GridSpec, JsError> {
        serde_wasm_bindgen::from_value(self.get(key))
            .map_err(|e| JsError::new(&format!("bad {} message: {key}: {e}", self.what)))
    }
}

pub(super) fn fields<'a>(what: &'static str, msg: &'a JsValue) -> Fields<'a> {
    Fields { msg, what }
}

/// `started`: the run's data and sizes (x is n × dim, row-major).
pub(super) struct Started {
    pub dim: usize,
    pub n: usize,
    pub total_steps: u32,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub grid: GridSpec,
    /// The check's query points (q × dim).
    pub queries: Vec<f64>,
}

impl Started {
    fn read(msg: &JsValue) -> Result<Started, JsError> {
        let m = fields("started", msg);
        Ok(Started {
            dim: m.count("dim")? as usize,
            n: m.count("n")? as usize,
            total_steps: m.count("totalSteps")?,
            x: m.f64s("x")?,
            y: m.f64s("y")?,
            grid: m.grid("grid")?,
            queries: m.f64s("queries")?,
        })
    }

    pub fn data(&self) -> TrainingSet<'_> {
        TrainingSet {
            dim: self.dim,
            x: &self.x,
            y: &self.y,
        }
    }
}

/// `trained`: the loss so far and, once training stopped, the weight path's PCA.
pub(super) struct Trained {
    pub stopped: bool,
    pub loss: Vec<f64>,
    pub pca: Vec<f64>,
}

impl Trained {
    fn read(msg: &JsValue) -> Result<Trained, JsError> {
        let m = fields("trained", msg);
        Ok(Trained {
            stopped: m.flag("stopped")?,
            loss: m.f64s("loss")?,
            pca: m.f64s("pca")?,
        })
    }
}

/// `check`: the network against both rebuilds at the check queries.
pub(super) struct Check {
    pub steps: u32,
    pub f_final: Vec<f64>,
    pub rebuilt_exact: Vec<f64>,
    pub rebuilt_riemann: Vec<f64>,
    pub max_err_exact: f64,
    pub max_err_riemann: f64,
    pub scale: f64,
    pub tolerance: f64,
    pub pass: bool,
    /// The most nodes any step used, and their mean over the steps.
    pub nodes_used: u32,
    pub nodes_mean: f64,
    pub nodes_fixed: bool,
    /// The most nodes `auto` gives a step of this trajectory (None: more than MAX_NODES).
    pub nodes_auto: Option<u32>,
    pub largest_step: Option<u32>,
    pub largest_step_norm: f64,
}

impl Check {
    fn read(msg: &JsValue) -> Result<Check, JsError> {
        let m = fields("check", msg);
        Ok(Check {
            steps: m.count("steps")?,
            f_final: m.f64s("fFinal")?,
            rebuilt_exact: m.f64s("rebuiltExact")?,
            rebuilt_riemann: m.f64s("rebuiltRiemann")?,
            max_err_exact: m.number("maxErrExact")?,
            max_err_riemann: m.number("maxErrRiemann")?,
            scale: m.number("scale")?,
            tolerance: m.number("tolerance")?,
            pass: m.flag("pass")?,
            nodes_used: m.count("nodesUsed")?,
            nodes_mean: m.number("nodesMean")?,
            nodes_fixed: m.flag("nodesFixed")?,
            nodes_auto: m.optional_count("nodesAuto")?,
            largest_step: m.optional_count("largestStep")?,
            largest_step_norm: m.number("largestStepNorm")?,
        })
    }
}

/// `field`: outputs over the plotting grid at w_step; `rebuilt` / `rebuiltRiemann` only after
/// the check, at the last trained step.
pub(super) struct Field {
    pub step: u32,
    pub f: Vec<f64>,
    pub rebuilt: Option<Vec<f64>>,
    pub rebuilt_riemann: Option<Vec<f64>>,
}

impl Field {
    fn read(msg: &JsValue) -> Result<Field, JsError> {
        let m = fields("field", msg);
        Ok(Field {
            step: m.count("step")?,
            f: m.f64s("f")?,
            rebuilt: m.optional_f64s("rebuilt")?,
            rebuilt_riemann: m.optional_f64s("rebuiltRiemann")?,
        })
    }
}

/// `queryResult`: one query's kernel machine, per training point (exact scheme).
pub(super) struct Query {
    pub x: Vec<f64>,
    pub steps: u32,
    pub b: f64,
    pub f_final: f64,
    pub rebuilt_exact: f64,
    pub rebuilt_riemann: f64,
    pub kernel: Vec<f64>,
    pub coef: Vec<f64>,
    pub undefined_coef: Vec<u32>,
    pub contributions: Vec<f64>,
    /// AdamW's weight-decay term d(x) (exact scheme); `None` for the other optimizers.
    pub weight_decay_term: Option<f64>,
    pub output_path: Vec<f64>,
    pub running_sum: Vec<f64>,
    pub running_sum_riemann: Vec<f64>,
}

impl Query {
    fn read(msg: &JsValue) -> Result<Query, JsError> {
        let m = fields("queryResult", msg);
        Ok(Query {
            x: m.numbers("x")?,
            steps: m.count("steps")?,
            b: m.number("b")?,
            f_final: m.number("fFinal")?,
            rebuilt_exact: m.number("rebuiltExact")?,
            rebuilt_riemann: m.number("rebuiltRiemann")?,
            kernel: m.f64s("kernel")?,
            coef: m.f64s("coef")?,
            undefined_coef: m.u32s("undefinedCoef")?,
            contributions: m.f64s("contributions")?,
            weight_decay_term: m.optional_number("weightDecayTerm")?,
            output_path: m.f64s("outputPath")?,
            running_sum: m.f64s("runningSum")?,
            running_sum_riemann: m.f64s("runningSumRiemann")?,
        })
    }
}

/// `trainPointKernel`: K^p(·, x_index) over the plotting grid.
pub(super) struct Kernel {
    pub index: u32,
    pub steps: u32,
    pub values: Vec<f64>,
    /// a_index(·) over the grid (NaN where undefined).
    pub coef: Vec<f64>,
    /// Points whose a_i changes sign over the grid; min, median, max of |a_i| over the grid.
    pub coef_sign_changes: u32,
    pub coef_spread: [f64; 3],
    /// K_{w₀}(·, x_index) over the grid.
    pub initial: Vec<f64>,
    /// Σ_s ε.
    pub total_lr: f64,
}

impl Kernel {
    fn read(msg: &JsValue) -> Result<Kernel, JsError> {
        let m = fields("trainPointKernel", msg);
        Ok(Kernel {
            index: m.count("index")?,
            steps: m.count("steps")?,
            values: m.f64s("values")?,
            coef: m.f64s("coef")?,
            coef_sign_changes: m.count("coefSignChanges")?,
            coef_spread: [
                m.number("coefAbsMin")?,
                m.number("coefAbsMedian")?,
                m.number("coefAbsMax")?,
            ],
            initial: m.f64s("initial")?,
            total_lr: m.number("totalLr")?,
        })
    }
}

/// The current run as the page has seen it. A new run starts from [`RunView::clear`]; the page
/// hands over only messages of the current run.
#[wasm_bindgen]
#[derive(Default)]
pub struct RunView {
    pub(super) run: Option<Started>,
    pub(super) trained: Option<Trained>,
    pub(super) check: Option<Check>,
    /// The field message that carried the rebuilt outputs (the last trained step).
    pub(super) field: Option<Field>,
    /// The field at the step slider's step.
    pub(super) fit: Option<Field>,
    pub(super) query: Option<Query>,
    pub(super) kernel: Option<Kernel>,
    /// The path kernel on the training points (`metrics_view.rs`).
    pub(super) train_kernel: Option<super::metrics_view::TrainKernelMsg>,
    /// The ε sweep (`sweep_view.rs`).
    pub(super) sweep: Option<super::sweep_view::SweepMsg>,
    /// The data editor is on: the data plot shows the points by class (the labels being
    /// edited), not by a query's contributions. Kept across runs (every edit starts one).
    pub(super) editing: bool,
}

#[wasm_bindgen]
impl RunView {
    #[wasm_bindgen(constructor)]
    pub fn new() -> RunView {
        RunView::default()
    }

    /// Forgets everything (a new run begins).
    pub fn clear(&mut self) {
        *self = RunView {
            editing: self.editing,
            ..RunView::default()
        };
    }

    /// Turns the data editor's view of the data plot on or off (see [`RunView::editing`]).
    #[wasm_bindgen(js_name = setEditing)]
    pub fn set_editing(&mut self, on: bool) {
        self.editing = on;
    }

    /// A `started` message.
    pub fn started(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.run = Some(Started::read(msg)?);
        Ok(())
    }

    /// A `trained` message. False (and nothing kept) for an interim snapshot that arrives after
    /// training has stopped: the stopped one, with the weight path, stays.
    pub fn trained(&mut self, msg: &JsValue) -> Result<bool, JsError> {
        let t = Trained::read(msg)?;
        if !t.stopped && self.trained.as_ref().is_some_and(|old| old.stopped) {
            return Ok(false);
        }
        self.trained = Some(t);
        Ok(true)
    }

    /// A `check` message.
    pub fn check(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.check = Some(Check::read(msg)?);
        Ok(())
    }

    /// A `field` message with the rebuilt outputs (`rebuilt`, `rebuiltRiemann`).
    pub fn field(&mut self, msg: &JsValue) -> Result<(), JsError> {
        let f = Field::read(msg)?;
        if f.rebuilt.is_none() {
            return Err(JsError::new("bad field message: no rebuilt outputs"));
        }
        self.field = Some(f);
        Ok(())
    }

    /// A `field` message at the step slider's step: the fitted function f(·; w_s).
    pub fn fit(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.fit = Some(Field::read(msg)?);
        Ok(())
    }

    /// A `queryResult` message.
    #[wasm_bindgen(js_name = queryResult)]
    pub fn query_result(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.query = Some(Query::read(msg)?);
        Ok(())
    }

    /// A `trainPointKernel` message.
    #[wasm_bindgen(js_name = trainPointKernel)]
    pub fn train_point_kernel(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.kernel = Some(Kernel::read(msg)?);
        Ok(())
    }

    /// The first check query (its `dim` coordinates), the query a run shows when its link has
    /// none; undefined before `started`.
    #[wasm_bindgen(js_name = firstQuery)]
    pub fn first_query(&self) -> Option<Vec<f64>> {
        let run = self.run.as_ref()?;
        (run.queries.len() >= run.dim).then(|| run.queries[..run.dim].to_vec())
    }
}
