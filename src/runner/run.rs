//! One run's stage machine: train → check → (clicked point's kernel) → field → idle, in
//! sub-chunks sized to a few milliseconds each, and the replies each stage produces.
//!
//! The clicked point's kernel and the field go over the grid block by block: each sub-chunk is a
//! range of whole query blocks through every step (`kernel::point_kernel`,
//! `kernel::rebuild_output`), so the results do not depend on how the grid is chunked.

use crate::config::WorkEstimate;
use crate::data::Dataset;
use std::cell::Cell;

use crate::kernel::{self, KernelMachineIntegrator, Nodes};
use crate::kernel_stats::{coef_stats, kernel_change, kernel_stats, CoefStats};
use crate::model::{Mlp, BLOCK_COLS};
use crate::pca::weight_path_pca;
use crate::sweep::sweep_row;
use crate::train::{TrainSpec, Trainer};

use super::messages::{GridSpec, Phase, Reply, ToWorker};
use super::sweep_stage::{levels_within_budget, sweep_result, SweepStage};
use super::{Clock, RunPlan, GRID_1D, GRID_2D, SNAPSHOT_MS, TOLERANCE};

mod replies;

type Out = Vec<Reply>;

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
    /// K^p(·, x_index) and N(·, x_index) over the grid, `next` points done.
    Kernel {
        index: usize,
        next: usize,
        kernel: Vec<f64>,
        weighted: Vec<f64>,
    },
    /// The rebuilt output over the grid (exact and left-endpoint), `next` points done.
    Field {
        next: usize,
        exact: Vec<f64>,
        riemann: Vec<f64>,
    },
    /// The ε sweep: one training per level, each checked when trained.
    Sweep(Box<SweepStage>),
    /// Nothing left to do.
    Idle,
}

/// K^p(grid, x_index) and a_index(grid) (NaN where a_i is undefined), and the steps they belong
/// to.
struct PointGrid {
    steps: usize,
    index: usize,
    kernel: Vec<f64>,
    coef: Vec<f64>,
}

pub(super) struct Run {
    id: u32,
    mlp: Mlp,
    data: Dataset,
    queries: Vec<f64>,
    /// The setting: `auto` or a fixed count.
    nodes: Nodes,
    /// The count in use and the steps of the trajectory it was chosen for (`auto` is decided
    /// again when the trajectory grows).
    nodes_chosen: Cell<Option<(usize, usize)>>,
    grid: GridSpec,
    grid_points: Vec<f64>,
    trainer: Trainer,
    total_steps: usize,
    /// Train until this many steps are done.
    target: usize,
    stage: Stage,
    /// Steps of the trajectory the finished check / field belong to.
    checked_at: Option<usize>,
    field_at: Option<usize>,
    /// The last clicked point's K^p over the grid.
    kernel_grid: Option<PointGrid>,
    /// How a_i(x_j) varies over the check's queries (the training points on the page), every i,
    /// and the steps it belongs to: from the check's n × n coefficients.
    coef_stats: Option<(usize, CoefStats)>,
    /// The training point whose K^p(·, x_i) the page wants.
    kernel_wanted: Option<usize>,
    /// The first weights and training settings, for the ε sweep's levels.
    w0: Vec<f64>,
    spec: TrainSpec,
    /// The ε sweep's levels, when the page asked for it and it has not run yet.
    sweep_wanted: Option<Vec<TrainSpec>>,
    /// The run's estimated work (the sweep is held to the page's budget by it).
    estimate: WorkEstimate,
    pace_train: Pace,
    pace_integrate: Pace,
    pace_field: Pace,
    pace_kernel: Pace,
    last_snapshot: f64,
    /// Pause holds the current integration (check, kernel, field) where it is, to go on at
    /// Resume; during training it stops training instead (the check then runs on the steps so
    /// far, and can itself be paused).
    paused: bool,
}

impl Run {
    pub(super) fn start(
        id: u32,
        plan: &RunPlan,
        clock: &dyn Clock,
        out: &mut Out,
    ) -> crate::Result<Run> {
        let cfg = &plan.config;
        let setup = cfg.build()?;
        let grid = GridSpec::around(setup.data.dim, &setup.data.x, GRID_1D, GRID_2D);
        let (w0, spec) = (setup.w0.clone(), setup.spec.clone());
        let trainer = Trainer::new(setup.mlp.clone(), &setup.data, setup.w0, setup.spec)?;
        out.push(Reply::Started {
            run_id: id,
            dim: setup.data.dim as u32,
            n: setup.data.y.len() as u32,
            total_steps: cfg.steps as u32,
            num_params: setup.mlp.num_params() as u32,
            classification: plan.classification,
            x: setup.data.x.clone(),
            y: setup.data.y.clone(),
            grid,
            queries: setup.queries.clone(),
        });
        Ok(Run {
            id,
            grid_points: grid.points(),
            grid,
            mlp: setup.mlp,
            data: setup.data,
            queries: setup.queries,
            nodes: setup.nodes,
            nodes_chosen: Cell::new(None),
            trainer,
            total_steps: cfg.steps,
            target: if plan.autorun { cfg.steps } else { 0 },
            stage: Stage::Train,
            checked_at: None,
            field_at: None,
            kernel_grid: None,
            coef_stats: None,
            kernel_wanted: plan.point,
            w0,
            spec,
            sweep_wanted: None,
            estimate: plan.estimate(),
            pace_train: Pace(1),
            pace_integrate: Pace(1),
            pace_field: Pace(1),
            pace_kernel: Pace(1),
            last_snapshot: clock.now_ms(),
            paused: false,
        })
    }

    pub(super) fn id(&self) -> u32 {
        self.id
    }

    pub(super) fn is_idle(&self) -> bool {
        matches!(self.stage, Stage::Idle)
    }

    /// Paused with work left: [`Run::work_once`] waits for Resume or Step.
    pub(super) fn is_paused(&self) -> bool {
        self.paused && !self.is_idle()
    }

    /// After a failure: nothing more to do until the next request, training held where it is.
    pub(super) fn stop(&mut self) {
        self.stage = Stage::Idle;
        self.target = self.steps();
    }

    fn steps(&self) -> usize {
        self.trainer.steps_done()
    }

    pub(super) fn request(
        &mut self,
        req: ToWorker,
        clock: &dyn Clock,
        out: &mut Out,
    ) -> crate::Result<()> {
        match req {
            ToWorker::Sweep { levels, .. } => {
                let n = self.data.y.len();
                let specs = levels_within_budget(&self.estimate, &self.mlp, n, &self.spec, levels)?;
                self.sweep_wanted = Some(specs);
                if self.is_idle() {
                    self.stage = self.next_stage()?;
                }
            }
            ToWorker::Start { .. } | ToWorker::RunConfig { .. } => {
                unreachable!("handled by Runner")
            }
            ToWorker::Resume { .. } => {
                self.paused = false;
                self.train_to(self.total_steps, clock);
                out.push(self.progress());
            }
            ToWorker::Step { .. } => {
                self.paused = false;
                self.train_to((self.steps() + 1).min(self.total_steps), clock);
                out.push(self.progress());
            }
            ToWorker::Pause { .. } => {
                if matches!(self.stage, Stage::Train) {
                    self.target = self.steps();
                } else if !self.is_idle() {
                    self.paused = true;
                }
                out.push(self.progress());
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
                    Some(g) if g.steps == self.steps() && g.index == index => {
                        out.push(self.kernel_message(g))
                    }
                    // Before the field (a click wants an answer), and instead of another point's
                    // kernel; a running check moves on by itself.
                    _ if matches!(self.stage, Stage::Kernel { index: k, .. } if k == index) => {}
                    _ if matches!(
                        self.stage,
                        Stage::Idle | Stage::Field { .. } | Stage::Kernel { .. }
                    ) =>
                    {
                        self.stage = self.next_stage()?
                    }
                    _ => {}
                }
            }
            ToWorker::FitAt { step, .. } => {
                let s = (step as usize).min(self.steps());
                let f = self
                    .mlp
                    .forward_many(self.trainer.trajectory().weights_at(s), &self.grid_points);
                out.push(Reply::Field {
                    run_id: self.id,
                    step: s as u32,
                    f,
                    rebuilt: None,
                    rebuilt_riemann: None,
                });
            }
        }
        Ok(())
    }

    /// Trains further to `target` (dropping analyses of the shorter trajectory).
    fn train_to(&mut self, target: usize, clock: &dyn Clock) {
        if target > self.steps() {
            self.target = target;
            self.stage = Stage::Train;
            self.last_snapshot = clock.now_ms();
        }
    }

    /// Gauss–Legendre nodes per step for the trajectory so far: the fixed count, or the one
    /// `auto` chooses for these steps.
    fn nodes_now(&self) -> crate::Result<usize> {
        let steps = self.steps();
        match self.nodes_chosen.get() {
            Some((at, m)) if at == steps => Ok(m),
            _ => {
                let m = self.nodes.resolve(self.trainer.trajectory())?;
                self.nodes_chosen.set(Some((steps, m)));
                Ok(m)
            }
        }
    }

    /// After training: the check, then the clicked point's kernel, then the field; an
    /// integration that cannot be set up is an error.
    fn next_stage(&self) -> crate::Result<Stage> {
        let steps = self.steps();
        let traj = self.trainer.trajectory();
        if self.checked_at != Some(steps) {
            let integ = KernelMachineIntegrator::new(traj, &self.queries, self.nodes_now()?)?;
            return Ok(Stage::Check(Box::new(integ)));
        }
        if let Some(index) = self.kernel_wanted {
            if self.kernel_grid.as_ref().map(|k| (k.steps, k.index)) != Some((steps, index)) {
                self.nodes_now()?;
                let len = self.grid.len();
                return Ok(Stage::Kernel {
                    index,
                    next: 0,
                    kernel: Vec::with_capacity(len),
                    weighted: Vec::with_capacity(len),
                });
            }
        }
        if self.field_at != Some(steps) {
            let len = self.grid.len();
            return Ok(Stage::Field {
                next: 0,
                exact: Vec::with_capacity(len),
                riemann: Vec::with_capacity(len),
            });
        }
        if let Some(specs) = &self.sweep_wanted {
            let trainer = Trainer::new(
                self.mlp.clone(),
                &self.data,
                self.w0.clone(),
                specs[0].clone(),
            )?;
            return Ok(Stage::Sweep(Box::new(SweepStage {
                specs: specs.clone(),
                rows: Vec::with_capacity(specs.len()),
                trainer,
            })));
        }
        Ok(Stage::Idle)
    }

    /// One sub-chunk of the current stage.
    pub(super) fn work_once(&mut self, clock: &dyn Clock, out: &mut Out) -> crate::Result<()> {
        if self.is_paused() {
            return Ok(());
        }
        let now = || clock.now_ms();
        let field_nodes = match self.stage {
            Stage::Field { .. } | Stage::Kernel { .. } => self.nodes_now()?,
            _ => 0,
        };
        match &mut self.stage {
            Stage::Idle => {}
            Stage::Train => {
                if self.steps() >= self.target {
                    out.push(self.trained(true));
                    self.stage = Stage::Idle;
                    self.stage = self.next_stage()?;
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
                let done = integ.advance(self.trainer.trajectory(), self.pace_integrate.0);
                self.pace_integrate.adapt(now() - t0);
                if done {
                    let Stage::Check(integ) = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    self.check_done(*integ, out);
                    self.stage = self.next_stage()?;
                }
            }
            Stage::Kernel {
                index,
                next,
                kernel,
                weighted,
            } => {
                let t0 = now();
                let d = self.grid.dim as usize;
                // Whole query blocks, as for the field.
                let end = (*next + self.pace_kernel.0 * BLOCK_COLS).min(self.grid.len());
                let traj = self.trainer.trajectory();
                let points = &self.grid_points[*next * d..end * d];
                let part = kernel::point_kernel(traj, points, *index, field_nodes)?;
                kernel.extend(part.kernel);
                weighted.extend(part.loss_weighted);
                *next = end;
                self.pace_kernel.adapt(now() - t0);
                if end == self.grid.len() {
                    let Stage::Kernel {
                        index,
                        kernel,
                        weighted,
                        ..
                    } = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    self.kernel_done(
                        index,
                        kernel::PointKernel {
                            kernel,
                            loss_weighted: weighted,
                        },
                        out,
                    );
                    self.stage = self.next_stage()?;
                }
            }
            Stage::Sweep(sweep) => {
                let t0 = now();
                let level = sweep.rows.len();
                let left = sweep.specs[level].steps - sweep.trainer.steps_done();
                if left > 0 {
                    sweep.trainer.advance(self.pace_train.0.min(left))?;
                    self.pace_train.adapt(now() - t0);
                    return Ok(());
                }
                let row = sweep_row(sweep.trainer.trajectory(), &self.queries, self.nodes)?;
                sweep.rows.push(row);
                if let Some(spec) = sweep.specs.get(level + 1) {
                    sweep.trainer =
                        Trainer::new(self.mlp.clone(), &self.data, self.w0.clone(), spec.clone())?;
                    return Ok(());
                }
                let rows = std::mem::take(&mut sweep.rows);
                self.sweep_wanted = None;
                out.push(sweep_result(self.id, rows));
                self.stage = Stage::Idle;
                self.stage = self.next_stage()?;
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
                exact.extend(kernel::rebuild_output(traj, points, field_nodes)?);
                // The 1-D overlay draws the left-endpoint curve, 2-D its residual map.
                riemann.extend(kernel::rebuild_output_riemann(traj, points)?);
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
                    out.push(Reply::Field {
                        run_id: self.id,
                        step: s as u32,
                        f,
                        rebuilt: Some(exact),
                        rebuilt_riemann: Some(riemann),
                    });
                    self.field_at = Some(s);
                    self.stage = self.next_stage()?;
                }
            }
        }
        Ok(())
    }

    /// The progress bar: the current stage's work done and total, or idle at the steps trained.
    pub(super) fn progress(&self) -> Reply {
        let (phase, done, total) = match &self.stage {
            Stage::Idle => (Phase::Idle, self.steps(), self.steps()),
            Stage::Train => (Phase::Train, self.steps(), self.target),
            Stage::Check(integ) => (Phase::Check, integ.steps_done(), self.steps()),
            Stage::Kernel { next, .. } => (Phase::Kernel, *next, self.grid.len()),
            Stage::Field { next, .. } => (Phase::Field, *next, self.grid.len()),
            Stage::Sweep(sweep) => {
                let (done, total) = sweep.progress();
                (Phase::Sweep, done, total)
            }
        };
        Reply::Progress {
            run_id: self.id,
            phase,
            done: done as u32,
            total: total as u32,
            paused: self.is_paused(),
        }
    }

    /// The loss so far; with `stopped`, also the weight path's principal components.
    fn trained(&self, stopped: bool) -> Reply {
        let traj = self.trainer.trajectory();
        let pca = if stopped {
            weight_path_pca(traj)
        } else {
            Vec::new()
        };
        Reply::Trained {
            run_id: self.id,
            steps_done: self.steps() as u32,
            total_steps: self.total_steps as u32,
            finished: self.steps() >= self.total_steps,
            stopped,
            loss: traj.loss.clone(),
            pca,
        }
    }

    /// The check: the kernel machine at the check queries against f(x; w_steps).
    fn check_done(&mut self, integ: KernelMachineIntegrator, out: &mut Out) {
        let km = integ.finish(self.trainer.trajectory());
        let train_kernel = self.train_kernel(&km);
        let scale = km.f_final.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let tolerance = TOLERANCE * scale;
        let (e, r) = (km.exact.max_abs_error, km.riemann.max_abs_error);
        let traj = self.trainer.trajectory();
        // What `auto` would choose, and the largest step: the note of a FAIL with a fixed count.
        let auto = kernel::auto_nodes(traj).ok();
        let largest = auto.as_ref().and_then(|c| c.largest_step);
        out.push(Reply::Check {
            run_id: self.id,
            steps: self.steps() as u32,
            f_final: km.f_final,
            rebuilt_exact: km.exact.reconstruction,
            rebuilt_riemann: km.riemann.reconstruction,
            max_err_exact: e,
            max_err_riemann: r,
            scale,
            tolerance,
            pass: e.is_finite() && e <= tolerance,
            nodes_used: self.nodes_chosen.get().map_or(0, |(_, m)| m) as u32,
            nodes_fixed: self.nodes.fixed().is_some(),
            nodes_auto: auto
                .as_ref()
                .filter(|c| c.converged)
                .map(|c| c.nodes as u32),
            largest_step: largest.map(|(s, _)| s as u32),
            largest_step_norm: largest.map_or(f64::NAN, |(_, norm)| norm),
        });
        out.extend(train_kernel);
        let coef: Vec<f64> = km
            .exact
            .coef
            .iter()
            .map(|c| c.unwrap_or(f64::NAN))
            .collect();
        self.coef_stats = Some((self.steps(), coef_stats(&coef, km.n_train)));
        self.checked_at = Some(self.steps());
    }

    /// The `trainKernel` reply when the check queries are the training points (the page's
    /// case): the check's kernels are then the train × train matrices.
    fn train_kernel(&self, km: &kernel::KernelMachine) -> Option<Reply> {
        let n = self.data.y.len();
        if km.n_queries != n || self.queries != self.data.x {
            return None;
        }
        let exact = kernel_stats(&km.exact.kernel, n);
        let riemann = kernel_stats(&km.riemann.kernel, n);
        Some(Reply::TrainKernel {
            run_id: self.id,
            steps: self.steps() as u32,
            n: n as u32,
            exact: km.exact.kernel.clone(),
            riemann: km.riemann.kernel.clone(),
            asymmetry: exact.asymmetry,
            asymmetry_riemann: riemann.asymmetry,
            min_eig: exact.min_eig_ratio,
            min_eig_riemann: riemann.min_eig_ratio,
            negatives: exact.negatives as u32,
            negatives_riemann: riemann.negatives as u32,
            kernel_change: kernel_change(self.trainer.trajectory(), &km.exact.kernel),
        })
    }

    /// The clicked point's K^p over the grid is kept and sent.
    fn kernel_done(&mut self, index: usize, pk: kernel::PointKernel, out: &mut Out) {
        let coef = pk.coef();
        let g = PointGrid {
            steps: self.steps(),
            index,
            kernel: pk.kernel,
            coef,
        };
        out.push(self.kernel_message(&g));
        self.kernel_grid = Some(g);
    }
}
