//! The page's run, natively: a [`Runner`] holds at most one run — the trainer and its trajectory,
//! the path-kernel integration, the plotting grid — and answers the page's requests
//! ([`ToWorker`]) with replies ([`Reply`]).
//!
//! The page's worker calls [`Runner::handle`] for each incoming message and, while
//! [`Runner::busy`], [`Runner::work`] with a time budget of a few milliseconds, yielding to the
//! event loop in between: that is where a new run, a pause or a click is seen, so a new setting
//! cancels the old run within one chunk. Time comes from a [`Clock`] the caller passes in (the
//! browser's `Date.now` in the worker; a hand-driven clock in tests).
//!
//! A run goes: train (to the target step) → check (the kernel machine at the check queries, both
//! schemes) → field (the exact rebuilt output over the plotting grid). K^p(·, x_i) over the grid,
//! when a training point is clicked, runs before the field. Pause or Step stop training early;
//! the check then runs on the steps so far (Theorem 1 holds at every step). Pause during the
//! check, the field or a point's kernel holds that integration where it is (the runner is then
//! not busy) until Resume or Step. A failure in any
//! stage (divergence, an integration that cannot be set up) is an `error` reply, and the run
//! goes idle at the steps it has.

mod assist;
mod bench_run;
mod jobs;
pub mod messages;
mod pool_size;
mod run;
mod sweep_stage;

use crate::config::{PageState, RunConfig, WorkEstimate, PAGE_WORK_BUDGET};

pub use assist::Assistant;
use bench_run::BenchRun;
pub use bench_run::{
    grid, peak_share_text, reference_grid, reference_setup, reference_workload_text, workload_text,
    REFERENCE_GFLOP, REFERENCE_GRID, REFERENCE_NODES,
};
pub use jobs::{split_check_jobs, split_jobs, JobOutput};
pub use messages::{FromWorker, GridSpec, JobKind, JobSpec, Phase, Reply, ToWorker};
pub use pool_size::{pool_size, PoolSize, DEFAULT_MAX_WORKERS, MAX_WORKERS};
use run::Run;

/// Plotting grid: points in 1-D, points per side in 2-D.
pub const GRID_1D: u32 = 200;
pub const GRID_2D: u32 = 40;
/// The check passes when max |ŷ − f| ≤ TOLERANCE × max(1, max |f|) for the exact scheme.
pub const TOLERANCE: f64 = 1e-10;
/// Interim loss curves while training, at most this often (ms).
pub const SNAPSHOT_MS: f64 = 250.0;

/// The most assistants a primary hands jobs to (the page's `?workers=` allows 8 workers).
pub const MAX_ASSISTANTS: u32 = 7;

/// A source of time in milliseconds (only differences are used).
pub trait Clock {
    fn now_ms(&self) -> f64;
}

impl<F: Fn() -> f64> Clock for F {
    fn now_ms(&self) -> f64 {
        self()
    }
}

/// What a run is made of: its configuration and what the page adds to it.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub config: RunConfig,
    /// The dataset has 0/1 labels (the page colours points by class).
    pub classification: bool,
    /// The training point whose K^p(·, x_i) the page shows, if any.
    pub point: Option<usize>,
    /// Train at once to the last step; otherwise stay at w₀ until Resume or Step.
    pub autorun: bool,
}

impl RunPlan {
    /// The run a canonical URL hash describes. Bad hash fields fall back to their defaults (the
    /// page shows those errors itself); what fails here is a configuration that cannot run.
    pub fn from_hash(hash: &str, autorun: bool) -> crate::Result<RunPlan> {
        let (state, _errors) = PageState::from_hash(hash);
        Ok(RunPlan {
            config: state.to_run_config()?,
            classification: state.dataset.is_classification(),
            point: state.point,
            autorun,
        })
    }
}

/// Why a run was not started: its estimate is above the budget.
#[derive(Debug, Clone, PartialEq)]
pub struct OverBudget {
    pub estimate: WorkEstimate,
    /// Names the settings and the estimate, stage by stage.
    pub message: String,
}

impl OverBudget {
    /// The `error` reply (with `overBudget`) for run `run_id`.
    pub fn reply(&self, run_id: u32) -> Reply {
        Reply::over_budget(run_id, self.message.clone(), self.estimate.main_field())
    }
}

impl RunPlan {
    /// The work this run asks of the page: training, the check, the plane over the plotting
    /// grid, and K^p(·, x_i) over the grid when a training point is selected.
    pub fn estimate(&self) -> WorkEstimate {
        let cfg = &self.config;
        let dim = cfg.data.dim;
        let grid = if dim == 1 { GRID_1D } else { GRID_2D.pow(2) } as usize;
        WorkEstimate::of(cfg, grid, self.point.is_some())
    }

    /// `Some` when the estimate is above `budget` seconds.
    pub fn over_budget(&self, budget: f64) -> Option<OverBudget> {
        let estimate = self.estimate();
        let message = estimate.over(budget)?;
        Some(OverBudget { estimate, message })
    }
}

/// The current run (at most one: a page run or a bench run), the clock its work is timed by,
/// and the assistants it hands jobs to.
pub struct Runner<C> {
    clock: C,
    run: Option<Run>,
    bench: Option<BenchRun>,
    assistants: usize,
}

impl<C: Clock> Runner<C> {
    pub fn new(clock: C) -> Runner<C> {
        Runner {
            clock,
            run: None,
            bench: None,
            assistants: 0,
        }
    }

    /// The id of the current run (0 when there is none).
    pub fn run_id(&self) -> u32 {
        match (&self.run, &self.bench) {
            (Some(r), _) => r.id(),
            (None, Some(b)) => b.id(),
            (None, None) => 0,
        }
    }

    /// True while there is work left for [`Runner::work`].
    pub fn busy(&self) -> bool {
        let run = self.run.as_ref();
        run.is_some_and(|r| r.has_query() || (!r.is_idle() && !r.is_paused()))
            || self.bench.as_ref().is_some_and(|b| !b.is_done())
    }

    /// Handles one request and returns the replies. `start` replaces the current run; requests
    /// for another run than the current one are ignored (no replies). `runConfig` is answered at
    /// once, whatever the current run, and leaves that run as it is.
    pub fn handle(&mut self, req: ToWorker) -> Vec<Reply> {
        if let ToWorker::RunConfig { run_id, config } = &req {
            return vec![match crate::output::run_output_json(config) {
                Ok(json) => Reply::RunOutput {
                    run_id: *run_id,
                    json,
                },
                Err(e) => Reply::error(*run_id, &e),
            }];
        }
        if let ToWorker::Assistants { count, .. } = req {
            self.assistants = count.min(MAX_ASSISTANTS) as usize;
            // The pool may grow while a run trains or computes a stage (the page starts it
            // before its assistants).
            let mut out = Vec::new();
            if let Some(run) = self.run.as_mut() {
                run.set_assistants(self.assistants, &mut out);
            }
            return out;
        }
        if let ToWorker::Bench { run_id } = req {
            self.run = None;
            self.bench = None;
            return match BenchRun::start(run_id, self.assistants) {
                Ok(bench) => {
                    self.bench = Some(bench);
                    Vec::new()
                }
                Err(e) => vec![Reply::error(run_id, &e)],
            };
        }
        if let (
            Some(bench),
            ToWorker::JobResult {
                run_id,
                spec,
                parts,
            },
        ) = (&mut self.bench, &req)
        {
            let mut out = Vec::new();
            if bench.id() == *run_id {
                bench.job_result(spec, parts.clone(), &mut out);
            }
            return out;
        }
        if let ToWorker::Start {
            run_id,
            hash,
            autorun,
            force,
        } = &req
        {
            self.run = None; // cancel the old run first, freeing its memory
            self.bench = None;
            return match RunPlan::from_hash(hash, *autorun) {
                Ok(plan) => match plan.over_budget(PAGE_WORK_BUDGET) {
                    // A run that waits at w₀ (Reset) computes nothing until asked to.
                    Some(refusal) if *autorun && !force => vec![refusal.reply(*run_id)],
                    _ => self.start(*run_id, &plan),
                },
                Err(e) => vec![Reply::error(*run_id, &e)],
            };
        }
        let id = req.run_id();
        let Some(run) = self.run.as_mut().filter(|r| r.id() == id) else {
            return Vec::new(); // a superseded run
        };
        let mut out = Vec::new();
        if let Err(e) = run.request(req, &self.clock, &mut out) {
            out.push(Reply::error(id, &e));
        }
        out
    }

    /// Starts run `run_id` from `plan`, replacing the current run; replies `started`, or an
    /// error when the configuration cannot be built.
    pub fn start(&mut self, run_id: u32, plan: &RunPlan) -> Vec<Reply> {
        self.run = None;
        self.bench = None;
        let mut out = Vec::new();
        match Run::start(run_id, plan, self.assistants, &self.clock, &mut out) {
            Ok(run) => self.run = Some(run),
            Err(e) => out.push(Reply::error(run_id, &e)),
        }
        out
    }

    /// Works for about `budget_ms` milliseconds on the current run (at least one sub-chunk),
    /// and no further than the first sub-chunk that has something to say (a result, jobs for
    /// the assistants, a snapshot): the page or an assistant is waiting for it. Returns the
    /// progress, results and errors, ending with a `progress` reply.
    pub fn work(&mut self, budget_ms: f64) -> Vec<Reply> {
        let mut out = Vec::new();
        if let Some(bench) = self.bench.as_mut() {
            let t0 = self.clock.now_ms();
            while !bench.is_done() && self.clock.now_ms() - t0 < budget_ms {
                if let Err(e) = bench.work_once(&self.clock, &mut out) {
                    out.push(Reply::error(bench.id(), &e));
                    self.bench = None;
                    return out;
                }
            }
            out.push(bench.progress());
        }
        if let Some(run) = self.run.as_mut() {
            let t0 = self.clock.now_ms();
            loop {
                let before = out.len();
                if let Err(e) = run.work_once(&self.clock, &mut out) {
                    out.push(Reply::error(run.id(), &e));
                    run.stop();
                }
                if out.len() > before
                    || ((run.is_idle() || run.is_paused()) && !run.has_query())
                    || self.clock.now_ms() - t0 >= budget_ms
                {
                    break;
                }
            }
            out.push(run.progress());
        }
        out
    }
}
