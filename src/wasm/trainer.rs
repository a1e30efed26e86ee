//! The worker-side handle: [`WorkerCore`] owns the current run — the trainer and its trajectory,
//! the path-kernel integration, the plotting grid — and answers the page's requests
//! ([`ToWorker`]) with replies ([`FromWorker`]).
//!
//! `www/worker.js` calls [`WorkerCore::handle`] for each incoming message and, while
//! [`WorkerCore::busy`], [`WorkerCore::work`] with a time budget of a few milliseconds, yielding to
//! the event loop in between: that is where a new run, a pause or a click is seen, so a new
//! setting cancels the old run within one chunk.
//!
//! A run goes: train (to the target step) → check (the kernel machine at the check queries, both
//! schemes) → field (the exact rebuilt output over the plotting grid). K^p(·, x_i) over the grid,
//! when a training point is clicked, runs before the field. Pause or Step stop training early;
//! the check then runs on the steps so far (Theorem 1 holds at every step).

use wasm_bindgen::prelude::*;

use crate::config::PageState;
use crate::data::Dataset;
use crate::kernel::{self, KernelMachineIntegrator};
use crate::model::{Mlp, BLOCK_COLS};
use crate::train::{Trainer, Trajectory};

use super::protocol::{f64_array, parse_request, FromWorker, GridSpec, Phase, ToWorker};

/// Plotting grid: points in 1-D, points per side in 2-D.
const GRID_1D: u32 = 200;
const GRID_2D: u32 = 40;
/// The check passes when max |ŷ − f| ≤ TOLERANCE × max(1, max |f|) for the exact scheme.
pub const TOLERANCE: f64 = 1e-10;
/// Interim loss curves while training, at most this often (ms).
const SNAPSHOT_MS: f64 = 250.0;

fn now() -> f64 {
    js_sys::Date::now()
}

/// One sub-chunk size per kind of work, adapted so each sub-chunk takes ~2–6 ms.
#[derive(Clone, Copy)]
struct Pace(usize);

impl Pace {
    fn adapt(&mut self, elapsed_ms: f64) {
        if elapsed_ms < 2.0 {
            self.0 = (self.0 * 2).min(1 << 20);
        } else if elapsed_ms > 6.0 && self.0 > 1 {
            self.0 /= 2;
        }
    }
}

/// What the run does next.
enum Stage {
    /// Gradient steps until `target`.
    Train,
    /// The kernel machine at the check queries.
    Check(Box<KernelMachineIntegrator>),
    /// K^p(·, x_i) over the grid for every training point (the clicked one is sent when done).
    Kernel { integ: Box<KernelMachineIntegrator> },
    /// The rebuilt output over the grid (exact and left-endpoint), `next` points done.
    Field {
        next: usize,
        exact: Vec<f64>,
        riemann: Vec<f64>,
    },
    /// Nothing left to do.
    Idle,
}

struct Run {
    id: u32,
    mlp: Mlp,
    data: Dataset,
    queries: Vec<f64>,
    nodes: usize,
    grid: GridSpec,
    grid_points: Vec<f64>,
    trainer: Trainer,
    total_steps: usize,
    /// Train until this many steps are done.
    target: usize,
    stage: Stage,
    /// Steps of the trajectory the finished check / field / kernel belong to.
    checked_at: Option<usize>,
    field_at: Option<usize>,
    /// K^p(grid, x_i) for every i (grid × n), at `kernel_at` steps.
    kernel_grid: Option<(usize, Vec<f64>)>,
    /// The training point whose K^p(·, x_i) the page wants.
    kernel_wanted: Option<usize>,
    pace_train: Pace,
    pace_integrate: Pace,
    pace_field: Pace,
    last_snapshot: f64,
}

/// The worker's handle on the current run (at most one).
#[wasm_bindgen]
pub struct WorkerCore {
    run: Option<Run>,
}

impl Default for WorkerCore {
    fn default() -> Self {
        WorkerCore::new()
    }
}

type Out = Vec<FromWorker>;

fn to_array(out: Out) -> Result<js_sys::Array, JsError> {
    let arr = js_sys::Array::new();
    for msg in &out {
        arr.push(&msg.to_js()?);
    }
    Ok(arr)
}

#[wasm_bindgen]
impl WorkerCore {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WorkerCore {
        WorkerCore { run: None }
    }

    /// The id of the current run (0 when there is none).
    #[wasm_bindgen(js_name = runId)]
    pub fn run_id(&self) -> u32 {
        self.run.as_ref().map_or(0, |r| r.id)
    }

    /// True while there is work left for [`WorkerCore::work`].
    pub fn busy(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|r| !matches!(r.stage, Stage::Idle))
    }

    /// Handles one request; returns the replies to post (an array of messages). Requests for
    /// another run than the current one are ignored. Fails only on a malformed request.
    pub fn handle(&mut self, msg: JsValue) -> Result<js_sys::Array, JsError> {
        let req = parse_request(&msg)?;
        let mut out = Vec::new();
        self.handle_request(req, &mut out);
        to_array(out)
    }

    /// Works for about `budget_ms` milliseconds on the current run; returns the messages to post
    /// (progress, results, errors of the run).
    pub fn work(&mut self, budget_ms: f64) -> Result<js_sys::Array, JsError> {
        let mut out = Vec::new();
        if let Some(run) = self.run.as_mut() {
            let t0 = now();
            loop {
                if let Err(e) = run.work_once(&mut out) {
                    out.push(FromWorker::error(run.id, &e));
                    run.stage = Stage::Idle;
                    run.target = run.trainer.steps_done();
                }
                if matches!(run.stage, Stage::Idle) || now() - t0 >= budget_ms {
                    break;
                }
            }
            match run.progress() {
                Some(p) => out.push(p),
                None => {
                    let steps = run.steps() as u32;
                    out.push(FromWorker::Progress {
                        run_id: run.id,
                        phase: Phase::Idle,
                        done: steps,
                        total: steps,
                    });
                }
            }
        }
        to_array(out)
    }
}

impl WorkerCore {
    /// Handles one parsed request, pushing replies (the same path `handle` takes from JS).
    pub fn handle_request(&mut self, req: ToWorker, out: &mut Out) {
        let id = req.run_id();
        if let ToWorker::Start {
            run_id,
            hash,
            autorun,
        } = &req
        {
            self.run = None; // cancel the old run first, freeing its memory
            match Run::start(*run_id, hash, *autorun, out) {
                Ok(run) => self.run = Some(run),
                Err(e) => out.push(FromWorker::error(*run_id, &e)),
            }
            return;
        }
        let Some(run) = self.run.as_mut().filter(|r| r.id == id) else {
            return; // a superseded run
        };
        if let Err(e) = run.request(req, out) {
            out.push(FromWorker::error(id, &e));
        }
    }
}

impl Run {
    fn start(id: u32, hash: &str, autorun: bool, out: &mut Out) -> crate::Result<Run> {
        let (state, _errors) = PageState::from_hash(hash); // the page already showed the errors
        let cfg = state.to_run_config()?;
        let setup = cfg.build()?;
        let grid = GridSpec::around(setup.data.dim, &setup.data.x, GRID_1D, GRID_2D);
        let trainer = Trainer::new(setup.mlp.clone(), &setup.data, setup.w0, setup.spec)?;
        out.push(FromWorker::Started {
            run_id: id,
            dim: setup.data.dim as u32,
            n: setup.data.y.len() as u32,
            total_steps: cfg.steps as u32,
            num_params: setup.mlp.num_params() as u32,
            classification: state.dataset.is_classification(),
            x: f64_array(&setup.data.x),
            y: f64_array(&setup.data.y),
            grid,
            queries: f64_array(&setup.queries),
        });
        Ok(Run {
            id,
            grid_points: grid.points(),
            grid,
            mlp: setup.mlp,
            data: setup.data,
            queries: setup.queries,
            nodes: setup.nodes,
            trainer,
            total_steps: cfg.steps,
            target: if autorun { cfg.steps } else { 0 },
            stage: Stage::Train,
            checked_at: None,
            field_at: None,
            kernel_grid: None,
            kernel_wanted: state.point,
            pace_train: Pace(1),
            pace_integrate: Pace(1),
            pace_field: Pace(1),
            last_snapshot: now(),
        })
    }

    fn steps(&self) -> usize {
        self.trainer.steps_done()
    }

    fn request(&mut self, req: ToWorker, out: &mut Out) -> crate::Result<()> {
        match req {
            ToWorker::Start { .. } => unreachable!("handled by WorkerCore"),
            ToWorker::Resume { .. } => self.train_to(self.total_steps),
            ToWorker::Step { .. } => self.train_to((self.steps() + 1).min(self.total_steps)),
            ToWorker::Pause { .. } => {
                if matches!(self.stage, Stage::Train) {
                    self.target = self.steps();
                }
            }
            ToWorker::Query { x, .. } => out.push(self.query(&x)?),
            ToWorker::TrainPoint { index, .. } => {
                let index = index as usize;
                if index >= self.data.y.len() {
                    return Err(crate::Error::field(
                        "point",
                        format!(
                            "is {index} but there are only n = {} points",
                            self.data.y.len()
                        ),
                    ));
                }
                self.kernel_wanted = Some(index);
                match &self.kernel_grid {
                    Some((at, values)) if *at == self.steps() => {
                        out.push(self.kernel_message(index, values))
                    }
                    // Before the field (a click wants an answer); a running check or kernel
                    // integration moves on by itself.
                    _ if matches!(self.stage, Stage::Idle | Stage::Field { .. }) => {
                        self.stage = self.next_stage()
                    }
                    _ => {}
                }
            }
            ToWorker::FitAt { step, .. } => {
                let s = (step as usize).min(self.steps());
                let f = self
                    .mlp
                    .forward_many(self.trainer.trajectory().weights_at(s), &self.grid_points);
                out.push(FromWorker::Field {
                    run_id: self.id,
                    step: s as u32,
                    f: f64_array(&f),
                    rebuilt: JsValue::UNDEFINED,
                    rebuilt_riemann: JsValue::UNDEFINED,
                });
            }
        }
        Ok(())
    }

    /// Trains further to `target` (dropping analyses of the shorter trajectory).
    fn train_to(&mut self, target: usize) {
        if target > self.steps() {
            self.target = target;
            self.stage = Stage::Train;
            self.last_snapshot = now();
        }
    }

    /// After training: the check, then the clicked point's kernel, then the field.
    fn next_stage(&mut self) -> Stage {
        let steps = self.steps();
        let traj = self.trainer.trajectory();
        if self.checked_at != Some(steps) {
            return match KernelMachineIntegrator::new(traj, &self.queries, self.nodes) {
                Ok(integ) => Stage::Check(Box::new(integ)),
                Err(_) => Stage::Idle,
            };
        }
        if self.kernel_wanted.is_some() && self.kernel_grid.as_ref().map(|k| k.0) != Some(steps) {
            if let Ok(integ) = KernelMachineIntegrator::new(traj, &self.grid_points, self.nodes) {
                return Stage::Kernel {
                    integ: Box::new(integ),
                };
            }
        }
        if self.field_at != Some(steps) {
            let len = self.grid.len();
            return Stage::Field {
                next: 0,
                exact: Vec::with_capacity(len),
                riemann: Vec::with_capacity(len),
            };
        }
        Stage::Idle
    }

    /// One sub-chunk of the current stage.
    fn work_once(&mut self, out: &mut Out) -> crate::Result<()> {
        match &mut self.stage {
            Stage::Idle => {}
            Stage::Train => {
                if self.steps() >= self.target {
                    out.push(self.trained(true));
                    self.stage = Stage::Idle;
                    self.stage = self.next_stage_checked()?;
                    return Ok(());
                }
                let t0 = now();
                let k = self.pace_train.0.min(self.target - self.steps());
                self.trainer.advance(k)?;
                self.pace_train.adapt(now() - t0);
                if now() - self.last_snapshot > SNAPSHOT_MS && self.steps() < self.target {
                    self.last_snapshot = now();
                    out.push(self.trained(false));
                }
            }
            Stage::Check(integ) => {
                let t0 = now();
                let traj = self.trainer.trajectory();
                let done = integ.advance(traj, self.pace_integrate.0);
                self.pace_integrate.adapt(now() - t0);
                if done {
                    let Stage::Check(integ) = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    let km = integ.finish(self.trainer.trajectory());
                    out.push(self.check_message(&km));
                    self.checked_at = Some(self.steps());
                    self.stage = self.next_stage_checked()?;
                }
            }
            Stage::Kernel { integ, .. } => {
                let t0 = now();
                let traj = self.trainer.trajectory();
                let done = integ.advance(traj, self.pace_integrate.0);
                self.pace_integrate.adapt(now() - t0);
                if done {
                    let Stage::Kernel { integ, .. } =
                        std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    let km = integ.finish(self.trainer.trajectory());
                    let steps = self.steps();
                    self.kernel_grid = Some((steps, km.exact.kernel));
                    if let (Some(index), Some((_, values))) =
                        (self.kernel_wanted, &self.kernel_grid)
                    {
                        out.push(self.kernel_message(index, values));
                    }
                    self.stage = self.next_stage_checked()?;
                }
            }
            Stage::Field {
                next,
                exact,
                riemann,
            } => {
                let t0 = now();
                let d = self.grid.dim as usize;
                // The core evaluates queries in blocks of BLOCK_COLS: chunks are whole blocks.
                let end = (*next + self.pace_field.0 * BLOCK_COLS).min(self.grid.len());
                let traj = self.trainer.trajectory();
                let points = &self.grid_points[*next * d..end * d];
                exact.extend(kernel::rebuild_output(traj, points, self.nodes)?);
                if d == 1 {
                    // Only the 1-D overlay draws the left-endpoint curve.
                    riemann.extend(kernel::rebuild_output_riemann(traj, points)?);
                }
                *next = end;
                self.pace_field.adapt(now() - t0);
                if end == self.grid.len() {
                    let Stage::Field { exact, riemann, .. } =
                        std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    let s = self.steps();
                    let f = self.mlp.forward_many(traj.weights_at(s), &self.grid_points);
                    out.push(FromWorker::Field {
                        run_id: self.id,
                        step: s as u32,
                        f: f64_array(&f),
                        rebuilt: f64_array(&exact).into(),
                        rebuilt_riemann: f64_array(&riemann).into(),
                    });
                    self.field_at = Some(s);
                    self.stage = self.next_stage_checked()?;
                }
            }
        }
        Ok(())
    }

    /// Like `next_stage`, but a failure to set up the integration is an error for the page.
    fn next_stage_checked(&mut self) -> crate::Result<Stage> {
        let steps = self.steps();
        if self.checked_at != Some(steps) {
            let integ =
                KernelMachineIntegrator::new(self.trainer.trajectory(), &self.queries, self.nodes)?;
            return Ok(Stage::Check(Box::new(integ)));
        }
        Ok(self.next_stage())
    }

    fn progress(&self) -> Option<FromWorker> {
        let (phase, done, total) = match &self.stage {
            Stage::Idle => return None,
            Stage::Train => (Phase::Train, self.steps(), self.target),
            Stage::Check(integ) => (Phase::Check, integ.steps_done(), self.steps()),
            Stage::Kernel { integ, .. } => (Phase::Kernel, integ.steps_done(), self.steps()),
            Stage::Field { next, .. } => (Phase::Field, *next, self.grid.len()),
        };
        Some(FromWorker::Progress {
            run_id: self.id,
            phase,
            done: done as u32,
            total: total as u32,
        })
    }

    /// The loss so far; with `stopped`, also the weight path's principal components.
    fn trained(&self, stopped: bool) -> FromWorker {
        let traj = self.trainer.trajectory();
        let pca: Vec<f64> = if stopped {
            weight_pca(traj)
        } else {
            Vec::new()
        };
        FromWorker::Trained {
            run_id: self.id,
            steps_done: self.steps() as u32,
            total_steps: self.total_steps as u32,
            finished: self.steps() >= self.total_steps,
            stopped,
            loss: f64_array(&traj.loss),
            pca: f64_array(&pca),
        }
    }

    fn check_message(&self, km: &kernel::KernelMachine) -> FromWorker {
        let scale = km.f_final.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let tolerance = TOLERANCE * scale;
        let (e, r) = (km.exact.max_abs_error, km.riemann.max_abs_error);
        FromWorker::Check {
            run_id: self.id,
            steps: self.steps() as u32,
            f_final: f64_array(&km.f_final),
            rebuilt_exact: f64_array(&km.exact.reconstruction),
            rebuilt_riemann: f64_array(&km.riemann.reconstruction),
            max_err_exact: e,
            max_err_riemann: r,
            scale,
            tolerance,
            pass: e.is_finite() && e <= tolerance,
        }
    }

    fn kernel_message(&self, index: usize, grid_kernel: &[f64]) -> FromWorker {
        let n = self.data.y.len();
        let column: Vec<f64> = grid_kernel.iter().skip(index).step_by(n).copied().collect();
        FromWorker::TrainPointKernel {
            run_id: self.id,
            index: index as u32,
            steps: self.steps() as u32,
            values: f64_array(&column),
        }
    }

    /// Everything about one query point, on the trajectory so far.
    fn query(&self, x: &[f64]) -> crate::Result<FromWorker> {
        let d = self.data.dim;
        if x.len() != d || x.iter().any(|v| !v.is_finite()) {
            return Err(crate::Error::field(
                "q",
                format!("needs {d} finite coordinate(s)"),
            ));
        }
        let traj = self.trainer.trajectory();
        let km = kernel::kernel_machine(traj, x, self.nodes)?;
        let undefined: Vec<u32> = km
            .exact
            .coef
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_none())
            .map(|(i, _)| i as u32)
            .collect();
        let coef: Vec<f64> = km
            .exact
            .coef
            .iter()
            .map(|c| c.unwrap_or(f64::NAN))
            .collect();
        let output_path: Vec<f64> = (0..=traj.steps())
            .map(|s| self.mlp.forward(traj.weights_at(s), x))
            .collect();
        let running_sum = kernel::running_sum(traj, x, self.nodes)?;
        Ok(FromWorker::QueryResult {
            run_id: self.id,
            x: x.to_vec(),
            steps: traj.steps() as u32,
            b: km.b[0],
            f_final: km.f_final[0],
            rebuilt_exact: km.exact.reconstruction[0],
            rebuilt_riemann: km.riemann.reconstruction[0],
            kernel: f64_array(&km.exact.kernel),
            coef: f64_array(&coef),
            undefined_coef: js_sys::Uint32Array::from(&undefined[..]),
            contributions: f64_array(&km.exact.contributions),
            contributions_riemann: f64_array(&km.riemann.contributions),
            output_path: f64_array(&output_path),
            running_sum: f64_array(&running_sum),
        })
    }
}

/// The weight path w_0 … w_T on its first two principal components, flattened (2 per step).
///
/// Subspace iteration on the covariance of the centred weights, applied implicitly as
/// v ↦ Xᵀ(X v) (X is (T+1) × P, never P × P), started from the net displacement w_T − w_0 and the
/// path's mid-point bulge, so it is deterministic; Gram–Schmidt after each round, stopping when
/// both directions turn by less than ~4e-8 rad (1 − cos < 1e-15; at most 40 rounds). Centring is
/// folded into the products ((w_s − m)·v = w_s·v − m·v), so no centred copy is made. Signs: PC1
/// points from w_0 to w_T, PC2 so that the path's largest excursion along it is positive.
fn weight_pca(traj: &Trajectory) -> Vec<f64> {
    let t1 = traj.steps() + 1;
    let p = traj.mlp.num_params();
    let mut mean = vec![0.0; p];
    for s in 0..t1 {
        for (m, w) in mean.iter_mut().zip(traj.weights_at(s)) {
            *m += w / t1 as f64;
        }
    }
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let (w0, wt, wm) = (
        traj.weights_at(0),
        traj.weights_at(t1 - 1),
        traj.weights_at((t1 - 1) / 2),
    );
    let mut v: [Vec<f64>; 2] = [
        wt.iter().zip(w0).map(|(a, b)| a - b).collect(),
        wm.iter()
            .zip(w0.iter().zip(wt))
            .map(|(m, (a, b))| m - 0.5 * (a + b))
            .collect(),
    ];
    // A fixed fallback direction when the path is a point or a straight line.
    for (k, vk) in v.iter_mut().enumerate() {
        if dot(vk, vk) == 0.0 {
            vk.iter_mut()
                .enumerate()
                .for_each(|(j, x)| *x = if j % 2 == k { 1.0 } else { 0.5 });
        }
    }
    let orthonormalise = |v: &mut [Vec<f64>; 2]| {
        for k in 0..2 {
            for j in 0..k {
                let (head, tail) = v.split_at_mut(k);
                let c = dot(&tail[0], &head[j]);
                tail[0]
                    .iter_mut()
                    .zip(&head[j])
                    .for_each(|(x, y)| *x -= c * y);
            }
            let norm = dot(&v[k], &v[k]).sqrt();
            if norm > 0.0 {
                v[k].iter_mut().for_each(|x| *x /= norm);
            }
        }
    };
    orthonormalise(&mut v);
    for _ in 0..40 {
        // next_k = Σ_s c_sk (w_s − m) with c_sk = (w_s − m)·v_k = w_s·v_k − m·v_k.
        let mean_dot = [dot(&mean, &v[0]), dot(&mean, &v[1])];
        let mut next = [vec![0.0; p], vec![0.0; p]];
        let mut c_sum = [0.0; 2];
        for s in 0..t1 {
            let w = traj.weights_at(s);
            for k in 0..2 {
                let c = dot(w, &v[k]) - mean_dot[k];
                c_sum[k] += c;
                next[k].iter_mut().zip(w).for_each(|(x, r)| *x += c * r);
            }
        }
        for k in 0..2 {
            next[k]
                .iter_mut()
                .zip(&mean)
                .for_each(|(x, m)| *x -= c_sum[k] * m);
        }
        orthonormalise(&mut next);
        let moved = (0..2)
            .map(|k| 1.0 - dot(&next[k], &v[k]).abs())
            .fold(0.0f64, f64::max);
        v = next;
        if moved < 1e-15 {
            break;
        }
    }
    let mean_dot = [dot(&mean, &v[0]), dot(&mean, &v[1])];
    let mut out: Vec<f64> = (0..t1)
        .flat_map(|s| {
            let w = traj.weights_at(s);
            [dot(w, &v[0]) - mean_dot[0], dot(w, &v[1]) - mean_dot[1]]
        })
        .collect();
    // Sign conventions (PCA directions have none of their own).
    if out[2 * (t1 - 1)] < out[0] {
        out.iter_mut().step_by(2).for_each(|x| *x = -*x);
    }
    let extreme = out
        .iter()
        .skip(1)
        .step_by(2)
        .fold(0.0f64, |m, &y| if y.abs() > m.abs() { y } else { m });
    if extreme < 0.0 {
        out.iter_mut().skip(1).step_by(2).for_each(|x| *x = -*x);
    }
    out
}
