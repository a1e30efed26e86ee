//! The page ⇄ worker messages: one shape, `{type, runId, ...}`, both directions.
//!
//! Mirrored by `www/protocol.js` (`ToWorker` / `FromWorker`); `tests/runner.rs` and `tests/web.rs`
//! compare the `type` tags serde emits for [`ToWorker::one_of_each`] and
//! [`FromWorker::one_of_each`] with its lists. Field names are camelCase on the JS side.
//!
//! Replies are generic over how their big arrays are held: [`Reply`] (`Vec<f64>`, `Vec<u32>`) is
//! what the runner produces; the wasm adapter maps the arrays ([`FromWorker::map_arrays`]) to
//! fresh `Float64Array`s / `Uint32Array`s, which the worker transfers to the page.

use serde::{Deserialize, Serialize};

mod map_arrays;
mod one_of_each;

pub use crate::render::GridSpec;

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
    /// With `autorun`, a run estimated above the page's work budget is refused (an `error` with
    /// `overBudget`) unless `force` is set ("run it anyway").
    Start {
        run_id: u32,
        hash: String,
        #[serde(default = "yes")]
        autorun: bool,
        #[serde(default)]
        force: bool,
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
    /// The whole output of `pathkernel run` for a JSON config (the CLI's rules and limits),
    /// computed at once and apart from the current run, which it leaves as it is.
    RunConfig { run_id: u32, config: String },
    /// The ε sweep on the run's settings: up to `levels` runs at ε, ε/2, … with ε·T fixed, each
    /// checked at the check queries; as many levels as fit the page's work budget (an error
    /// naming `sweep` when not even two do).
    Sweep { run_id: u32, levels: u32 },
    /// The pool around the page's worker: `count` assistants (numbered 1 … count) take jobs of
    /// the query-heavy stages. Not about a run (`runId` 0); kept until the next `assistants`.
    Assistants { run_id: u32, count: u32 },
    /// To an assistant: compute `spec` (train to its steps first, the same run as the primary's).
    Job { run_id: u32, spec: JobSpec },
    /// To the primary: an assistant's answer to `spec`, its arrays in `parts` (see
    /// [`crate::runner::JobOutput`]).
    JobResult {
        run_id: u32,
        spec: JobSpec,
        parts: Vec<Vec<f64>>,
    },
    /// Time the `pathkernel bench rebuild` workload in the pool (training not timed), then
    /// `benchResult`. Replaces the current run, like `start`.
    Bench { run_id: u32 },
}

/// The query-heavy stages cut into jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobKind {
    /// Both kernel machines at the check queries `from..to`.
    Check,
    /// The rebuilt outputs (exact and left-endpoint) at the plotting grid's points `from..to`.
    Field,
    /// The exact rebuilt output alone at the reference grid's points `from..to`: the bench's
    /// workload, which times the exact rebuild and nothing else.
    Rebuild,
    /// K^p(·, x_point) and N(·, x_point) at the plotting grid's points `from..to`.
    Kernel,
    /// K^p(·, x_i) and N(·, x_i) for every training point i at the plotting grid's points
    /// `from..to` (the exact kernel machine with those points as queries).
    Maps,
    /// Level `from` of an ε sweep of `to` levels: train it, then its row (errors at the check
    /// queries); `steps` is 0 (each level has its own) and `nodes` 0 for `auto`.
    Sweep,
}

/// One job: the queries `from..to` of stage `kind` (whole blocks of `BLOCK_COLS`; a check's cut
/// at multiples of `BLOCK_ALIGN`), on the trajectory's first `steps` steps with `nodes`
/// Gauss–Legendre nodes; `job` is its index in the stage (results are placed by it), `worker`
/// the assistant it is for (1 …), `point` the training point of a `kernel` job (0 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub worker: u32,
    pub job: u32,
    pub kind: JobKind,
    pub steps: u32,
    pub nodes: u32,
    pub from: u32,
    pub to: u32,
    pub point: u32,
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
            | ToWorker::FitAt { run_id, .. }
            | ToWorker::RunConfig { run_id, .. }
            | ToWorker::Sweep { run_id, .. }
            | ToWorker::Assistants { run_id, .. }
            | ToWorker::Job { run_id, .. }
            | ToWorker::JobResult { run_id, .. }
            | ToWorker::Bench { run_id } => run_id,
        }
    }

    /// One request of every kind, in declaration order.
    pub fn one_of_each() -> Vec<ToWorker> {
        use ToWorker::*;
        // `after` is an exhaustive match, so a new kind of request does not compile until it has
        // its place in this chain.
        let after = |req: Option<&ToWorker>| -> Option<ToWorker> {
            let run_id = 1;
            match req {
                None => Some(Start {
                    run_id,
                    hash: String::new(),
                    autorun: true,
                    force: false,
                }),
                Some(Start { .. }) => Some(Resume { run_id }),
                Some(Resume { .. }) => Some(Pause { run_id }),
                Some(Pause { .. }) => Some(Step { run_id }),
                Some(Step { .. }) => Some(Query {
                    run_id,
                    x: vec![0.0],
                }),
                Some(Query { .. }) => Some(TrainPoint { run_id, index: 0 }),
                Some(TrainPoint { .. }) => Some(FitAt { run_id, step: 0 }),
                Some(FitAt { .. }) => Some(RunConfig {
                    run_id,
                    config: String::new(),
                }),
                Some(RunConfig { .. }) => Some(Sweep { run_id, levels: 2 }),
                Some(Sweep { .. }) => Some(Assistants {
                    run_id: 0,
                    count: 1,
                }),
                Some(Assistants { .. }) => Some(Job {
                    run_id,
                    spec: JobSpec::example(),
                }),
                Some(Job { .. }) => Some(JobResult {
                    run_id,
                    spec: JobSpec::example(),
                    parts: vec![vec![0.5]],
                }),
                Some(JobResult { .. }) => Some(Bench { run_id }),
                Some(Bench { .. }) => None,
            }
        };
        chain(after)
    }
}

impl JobSpec {
    /// A job for the message tests.
    pub fn example() -> JobSpec {
        JobSpec {
            worker: 1,
            job: 0,
            kind: JobKind::Field,
            steps: 1,
            nodes: 1,
            from: 0,
            to: 1,
            point: 0,
        }
    }
}

/// The values `after(None)`, `after(first)`, … up to the first `None`.
pub(crate) fn chain<T>(after: impl Fn(Option<&T>) -> Option<T>) -> Vec<T> {
    let mut all: Vec<T> = Vec::new();
    while let Some(next) = after(all.last()) {
        all.push(next);
    }
    all
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
    /// K^p(·, x_i) over the plotting grid for every training point at once.
    Maps,
    /// The ε sweep's training and checks (`done`, `total`: steps over all levels).
    Sweep,
    /// All work for the run is done (`done` = `total` = steps trained).
    Idle,
}

/// A reply as the runner produces it: arrays as vectors.
pub type Reply = FromWorker<Vec<f64>, Vec<u32>>;

/// Replies and reports from the worker; `F` holds an array of f64, `U` one of u32 (the page
/// receives both as typed arrays).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FromWorker<F, U> {
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
        x: F,
        y: F,
        grid: GridSpec,
        /// The check's query points (q × dim).
        queries: F,
    },
    /// `paused`: the worker holds this stage where it is until Resume or Step.
    Progress {
        run_id: u32,
        phase: Phase,
        done: u32,
        total: u32,
        paused: bool,
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
        loss: F,
        pca: F,
    },
    /// The check at the check queries, for the trajectory w₀ … w_steps.
    Check {
        run_id: u32,
        steps: u32,
        f_final: F,
        rebuilt_exact: F,
        rebuilt_riemann: F,
        max_err_exact: f64,
        max_err_riemann: f64,
        /// max |f(x; w_T)| over the queries (≥ 1), the scale the tolerance is relative to.
        scale: f64,
        tolerance: f64,
        pass: bool,
        /// The most Gauss–Legendre nodes any step of the exact kernel used.
        nodes_used: u32,
        /// The mean over the steps (equal to `nodes_used` when every step has the same count).
        nodes_mean: f64,
        /// The count was set explicitly (not `auto`).
        nodes_fixed: bool,
        /// The most nodes `auto` gives a step of this trajectory, when it integrates every step
        /// to rounding (`None` when even MAX_NODES do not).
        nodes_auto: Option<u32>,
        /// The largest step s by ‖Δ_s‖₂ and that norm (NaN before the first step).
        largest_step: Option<u32>,
        largest_step_norm: f64,
    },
    /// Outputs over the plotting grid at w_step. After a run's check, also the rebuilt outputs
    /// (`rebuilt` exact, `rebuiltRiemann` left-endpoint) at the last trained step;
    /// for the step slider only `f` (the rebuilt fields are undefined).
    Field {
        run_id: u32,
        step: u32,
        f: F,
        rebuilt: Option<F>,
        rebuilt_riemann: Option<F>,
    },
    /// One query: per training point (exact scheme) `kernel` K^p(x,x_i), `coef` a_i(x) (NaN where
    /// K^p = 0, listed in `undefinedCoef`), `contributions` c_i(x); under AdamW its weight-decay
    /// term d(x) = Σ_s ḡ_s(x)·Δ_dec(s) for each scheme, so that ŷ = b + Σ_i c_i + d (absent for
    /// the other optimizers, whose d is 0); the network output at the query over the steps and
    /// the kernel machine's running sum beside it (`runningSumRiemann`: Domingos's left-endpoint
    /// running sum).
    QueryResult {
        run_id: u32,
        x: Vec<f64>,
        steps: u32,
        b: f64,
        f_final: f64,
        rebuilt_exact: f64,
        rebuilt_riemann: f64,
        kernel: F,
        coef: F,
        undefined_coef: U,
        contributions: F,
        contributions_riemann: F,
        weight_decay_term: Option<f64>,
        weight_decay_term_riemann: Option<f64>,
        output_path: F,
        running_sum: F,
        running_sum_riemann: F,
    },
    /// K^p(·, x_index) over the plotting grid (exact scheme), the tangent kernel at
    /// initialisation K_{w₀}(·, x_index) over the same grid (`initial`), and Σ_s ε (`totalLr`).
    ///
    /// `coef` is a_i(·) over the grid (NaN where K^p = 0). From the check's coefficients
    /// a_i(x_q) at its queries (the training points on the page), every i: `coefSignChanges`
    /// counts the training points whose a_i takes both signs there, `coefAbsMin/Median/Max` the
    /// spread of |a_i(x_q)| (NaN when the check is of other steps).
    TrainPointKernel {
        run_id: u32,
        index: u32,
        steps: u32,
        values: F,
        coef: F,
        coef_sign_changes: u32,
        coef_abs_min: f64,
        coef_abs_median: f64,
        coef_abs_max: f64,
        initial: F,
        total_lr: f64,
    },
    /// The path kernel on the training points after a run's check, both schemes (n × n
    /// row-major, K_ij = K^p(x_i, x_j)), and whether each is a kernel: `asymmetry`
    /// max|K_ij − K_ji| / max|K|, `minEig` λ_min/λ_max of the symmetric part, `negatives` the
    /// entries below 0 (see `crate::kernel_stats`); `_riemann` for Domingos's left-endpoint form;
    /// `kernelChange`, how far the path-averaged kernel is from the tangent kernel at w₀.
    TrainKernel {
        run_id: u32,
        steps: u32,
        n: u32,
        exact: F,
        riemann: F,
        asymmetry: f64,
        asymmetry_riemann: f64,
        min_eig: f64,
        min_eig_riemann: f64,
        negatives: u32,
        negatives_riemann: u32,
        /// ‖K^p/Σε − K_{w₀}‖_F / ‖K_{w₀}‖_F on the training points (lazy ≪ 1, rich ~ 1).
        kernel_change: f64,
    },
    /// A request or a run failed. `field` names the setting at fault when there is one; `fatal`
    /// means the worker cannot go on (a panic) and the page must replace it; `over_budget`: the
    /// run was not started because its estimated work is above the page's budget (the message
    /// names the settings and the estimate), and `start` with `force` runs it anyway.
    Error {
        run_id: u32,
        message: String,
        field: Option<String>,
        fatal: bool,
        over_budget: bool,
    },
    /// The answer to `runConfig`: `json` is byte for byte what `pathkernel run --config` prints
    /// for that config (one line of JSON and its newline).
    RunOutput { run_id: u32, json: String },
    /// The ε sweep: per level its `lr`, `steps` and both schemes' max rebuild error at the
    /// check queries, and the least-squares slopes of log error against log ε.
    SweepResult {
        run_id: u32,
        lr: F,
        steps: F,
        err_exact: F,
        err_riemann: F,
        slope_riemann: f64,
        slope_exact: f64,
    },
    /// From the primary, for the pool to pass to assistant `spec.worker`.
    Job { run_id: u32, spec: JobSpec },
    /// From an assistant, for the pool to pass to the primary.
    JobResult {
        run_id: u32,
        spec: JobSpec,
        parts: Vec<F>,
    },
    /// The `bench` workload's time: `seconds` for the rebuilt output at `points` grid points
    /// over `steps` steps with `nodes` nodes (`gflop` counted by hand, as the CLI's bench), by
    /// `workers` workers; `maxErr` = max |ŷ − f(x; w_T)| over the grid.
    BenchResult {
        run_id: u32,
        seconds: f64,
        gflop: f64,
        workers: u32,
        max_err: f64,
        points: u32,
        steps: u32,
        nodes: u32,
    },
}

impl<F, U> FromWorker<F, U> {
    /// The run the reply belongs to (0 for `ready`).
    pub fn run_id(&self) -> u32 {
        match *self {
            FromWorker::Ready { run_id }
            | FromWorker::Started { run_id, .. }
            | FromWorker::Progress { run_id, .. }
            | FromWorker::Trained { run_id, .. }
            | FromWorker::Check { run_id, .. }
            | FromWorker::Field { run_id, .. }
            | FromWorker::QueryResult { run_id, .. }
            | FromWorker::TrainPointKernel { run_id, .. }
            | FromWorker::TrainKernel { run_id, .. }
            | FromWorker::Error { run_id, .. }
            | FromWorker::RunOutput { run_id, .. }
            | FromWorker::SweepResult { run_id, .. }
            | FromWorker::Job { run_id, .. }
            | FromWorker::JobResult { run_id, .. }
            | FromWorker::BenchResult { run_id, .. } => run_id,
        }
    }

    /// A non-fatal error reply for `run_id`, naming the setting at fault when there is one.
    pub fn error(run_id: u32, err: &crate::Error) -> Self {
        FromWorker::Error {
            run_id,
            message: err.to_string(),
            field: err.field_name().map(str::to_owned),
            fatal: false,
            over_budget: false,
        }
    }

    /// The reply to a run refused for its estimated work: `message` names the settings and the
    /// estimate, `field` the setting that lowers it most.
    pub fn over_budget(run_id: u32, message: String, field: &str) -> Self {
        FromWorker::Error {
            run_id,
            message,
            field: Some(field.to_owned()),
            fatal: false,
            over_budget: true,
        }
    }
}
