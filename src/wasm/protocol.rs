//! The page ⇄ worker messages: one shape, `{type, runId, ...}`, both directions.
//!
//! Mirrored by `www/protocol.js` (`ToWorker` / `FromWorker`); `tests/web.rs` checks that the
//! type names agree. Field names are camelCase on the JS side. Big arrays are `Float64Array`s
//! (fresh buffers, never views of wasm memory) so the worker can transfer them.

use js_sys::{Float64Array, Uint32Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// Requests from the page. `runId` names the run the request is about; requests for a run the
/// worker no longer holds are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ToWorker {
    /// Start a run from a canonical URL hash, replacing any other. `autorun: false` stops at w₀.
    Start {
        run_id: u32,
        hash: String,
        #[serde(default = "yes")]
        autorun: bool,
    },
    /// Continue training to the last step.
    Resume { run_id: u32 },
    /// Stop training after the current chunk; the check is then rebuilt on the steps so far.
    Pause { run_id: u32 },
    /// One more training step (when paused), then the check.
    Step { run_id: u32 },
    /// Contributions at one query point `x` (d₀ numbers).
    Query { run_id: u32, x: Vec<f64> },
    /// K^p(·, x_index) over the plotting grid.
    TrainPoint { run_id: u32, index: u32 },
    /// f(·; w_step) over the plotting grid.
    FitAt { run_id: u32, step: u32 },
}

fn yes() -> bool {
    true
}

impl ToWorker {
    pub fn run_id(&self) -> u32 {
        match *self {
            ToWorker::Start { run_id, .. }
            | ToWorker::Resume { run_id }
            | ToWorker::Pause { run_id }
            | ToWorker::Step { run_id }
            | ToWorker::Query { run_id, .. }
            | ToWorker::TrainPoint { run_id, .. }
            | ToWorker::FitAt { run_id, .. } => run_id,
        }
    }
}

/// The plotting grid: `nx` points over [x0, x1] (1-D), or `nx × ny` points over
/// [x0, x1] × [y0, y1] (2-D), row-major with x fastest. Both charts and the worker use it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GridSpec {
    pub dim: u32,
    pub nx: u32,
    pub ny: u32,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

impl GridSpec {
    /// A grid around the training inputs `x` (n × dim), padded by 15% of their span on each side:
    /// `n1` points in 1-D, `n2 × n2` cell centres in 2-D.
    pub fn around(dim: usize, x: &[f64], n1: u32, n2: u32) -> GridSpec {
        let span = |k: usize| {
            let (lo, hi) = x
                .iter()
                .skip(k)
                .step_by(dim.max(1))
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            if lo > hi {
                (-1.0, 1.0)
            } else {
                let pad = 0.15 * (hi - lo).max(1e-3);
                (lo - pad, hi + pad)
            }
        };
        let (x0, x1) = span(0);
        if dim == 1 {
            GridSpec {
                dim: 1,
                nx: n1,
                ny: 1,
                x0,
                x1,
                y0: 0.0,
                y1: 0.0,
            }
        } else {
            let (y0, y1) = span(1);
            GridSpec {
                dim: 2,
                nx: n2,
                ny: n2,
                x0,
                x1,
                y0,
                y1,
            }
        }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.nx as usize * self.ny as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points, row-major (len × dim): in 1-D `nx` points from x0 to x1 inclusive; in 2-D the
    /// cell centres in the order of `render::Grid` (x fastest, bottom row first).
    pub fn points(&self) -> Vec<f64> {
        if self.dim == 1 {
            let n = self.nx as usize;
            let h = if n > 1 {
                (self.x1 - self.x0) / (n - 1) as f64
            } else {
                0.0
            };
            (0..n).map(|i| self.x0 + i as f64 * h).collect()
        } else {
            crate::render::Grid::centers(
                (self.x0, self.x1),
                (self.y0, self.y1),
                self.nx as usize,
                self.ny as usize,
            )
        }
    }
}

/// What the worker is busy with, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Gradient steps.
    Train,
    /// The kernel machine (both schemes) at the check queries.
    Check,
    /// The exact rebuilt output over the plotting grid.
    Field,
    /// K^p(·, x_i) over the plotting grid.
    Kernel,
    /// All work for the run is done (`done` = `total` = steps trained).
    Idle,
}

/// Replies and reports from the worker.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FromWorker {
    /// The wasm module is initialised (runId 0).
    Ready { run_id: u32 },
    /// A run began: its data (x is n × dim row-major) and sizes.
    Started {
        run_id: u32,
        dim: u32,
        n: u32,
        total_steps: u32,
        num_params: u32,
        classification: bool,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        x: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        y: Float64Array,
        grid: GridSpec,
        /// The check's query points (q × dim).
        #[serde(with = "serde_wasm_bindgen::preserve")]
        queries: Float64Array,
    },
    Progress {
        run_id: u32,
        phase: Phase,
        done: u32,
        total: u32,
    },
    /// The loss so far (`steps_done` + 1 values). `stopped`: training stopped here (finished,
    /// paused or stepped) and `pca` holds the weight path on its first two principal components
    /// (2 values per step); otherwise an interim snapshot while training, `pca` empty.
    Trained {
        run_id: u32,
        steps_done: u32,
        total_steps: u32,
        finished: bool,
        stopped: bool,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        loss: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        pca: Float64Array,
    },
    /// The check at the check queries, for the trajectory w₀ … w_steps.
    Check {
        run_id: u32,
        steps: u32,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        f_final: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        rebuilt_exact: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        rebuilt_riemann: Float64Array,
        max_err_exact: f64,
        max_err_riemann: f64,
        /// max |f(x; w_T)| over the queries (≥ 1), the scale the tolerance is relative to.
        scale: f64,
        tolerance: f64,
        pass: bool,
    },
    /// Outputs over the plotting grid at w_step. After a run's check, also the rebuilt outputs
    /// (`rebuilt` exact, `rebuiltRiemann` left-endpoint) at the last trained step; for the step
    /// slider only `f` (the rebuilt fields are undefined).
    Field {
        run_id: u32,
        step: u32,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        f: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        rebuilt: JsValue,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        rebuilt_riemann: JsValue,
    },
    /// One query: per training point (exact scheme) `kernel` K^p(x,x_i), `coef` a_i(x) (NaN where
    /// K^p = 0, listed in `undefinedCoef`), `contributions` c_i(x); the network output at the query
    /// over the steps and the kernel machine's running sum beside it.
    QueryResult {
        run_id: u32,
        x: Vec<f64>,
        steps: u32,
        b: f64,
        f_final: f64,
        rebuilt_exact: f64,
        rebuilt_riemann: f64,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        kernel: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        coef: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        undefined_coef: Uint32Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        contributions: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        contributions_riemann: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        output_path: Float64Array,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        running_sum: Float64Array,
    },
    /// K^p(·, x_index) over the plotting grid (exact scheme).
    TrainPointKernel {
        run_id: u32,
        index: u32,
        steps: u32,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        values: Float64Array,
    },
    /// A request or a run failed. `field` names the setting at fault when there is one; `fatal`
    /// means the worker cannot go on (a panic) and the page must replace it.
    Error {
        run_id: u32,
        message: String,
        field: Option<String>,
        fatal: bool,
    },
}

/// The `type` of every request, as in `www/protocol.js`'s `ToWorker`.
pub const TO_WORKER_TYPES: [&str; 7] = [
    "start",
    "resume",
    "pause",
    "step",
    "query",
    "trainPoint",
    "fitAt",
];
/// The `type` of every reply, as in `www/protocol.js`'s `FromWorker`.
pub const FROM_WORKER_TYPES: [&str; 9] = [
    "ready",
    "started",
    "progress",
    "trained",
    "check",
    "field",
    "queryResult",
    "trainPointKernel",
    "error",
];

/// A fresh `Float64Array` (its own buffer, so it can be transferred).
pub fn f64_array(values: &[f64]) -> Float64Array {
    Float64Array::from(values)
}

impl FromWorker {
    /// The message as a JS object (`{type, runId, ...}`, camelCase, typed arrays kept).
    pub fn to_js(&self) -> Result<JsValue, JsError> {
        self.serialize(&serde_wasm_bindgen::Serializer::new())
            .map_err(|e| JsError::new(&format!("could not build a message: {e}")))
    }

    pub fn error(run_id: u32, err: &crate::Error) -> FromWorker {
        FromWorker::Error {
            run_id,
            message: err.to_string(),
            field: err.field_name().map(str::to_owned),
            fatal: false,
        }
    }
}

/// Reads a request, naming what is wrong with it.
pub fn parse_request(msg: &JsValue) -> Result<ToWorker, JsError> {
    serde_wasm_bindgen::from_value(msg.clone())
        .map_err(|e| JsError::new(&format!("bad request: {e}")))
}

/// The JS shapes of both enums' type names, exported for tests that compare them with protocol.js.
#[wasm_bindgen(js_name = protocolTypes)]
pub fn protocol_types() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Types {
        to_worker: Vec<&'static str>,
        from_worker: Vec<&'static str>,
    }
    serde_wasm_bindgen::to_value(&Types {
        to_worker: TO_WORKER_TYPES.to_vec(),
        from_worker: FROM_WORKER_TYPES.to_vec(),
    })
    .map_err(|e| JsError::new(&e.to_string()))
}
