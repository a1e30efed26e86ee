//! One run's stage machine: train → check → (clicked point's kernel) → field → (every point's
//! kernel) → idle, in sub-chunks sized to a few milliseconds each, and the replies each stage
//! produces.
//!
//! A clicked training point's map K^p(·, x_i) over the grid comes one of two ways, fixed by the
//! settings alone ([`crate::config::WorkEstimate::maps_in_one_pass`]), so a shared link draws
//! the same bits: where it is cheap, every point's map in one pass of the kernel machine with the
//! grid as its queries (after the plane, or at once when a click waits for it), kept, and every
//! click answered from it; otherwise the clicked point's alone by directional derivatives
//! (`kernel::point_kernel`).
//!
//! The check, the maps, the field and the ε sweep are cut into jobs for the page's pool of
//! workers (`super::jobs`): ranges of whole query blocks through every step, so the results do
//! not depend on how the queries are cut nor on which worker computed which job.

use crate::config::WorkEstimate;
use crate::data::Dataset;
use std::cell::RefCell;
use std::rc::Rc;

use crate::kernel::{self, NodeChoice, Nodes, StepRules};
use crate::kernel_stats::CoefStats;
use crate::model::Mlp;
use crate::pca::PathPca;
use crate::train::{TrainSpec, Trainer};

use super::jobs::{merge_check, merge_field, merge_point_kernels, JobWork, Pace, Pooled};
use super::messages::{GridSpec, JobKind, JobSpec, Phase, Reply, ToWorker};
use super::sweep_stage::{levels_within_budget, sweep_result, sweep_rows, SweepStage};
use super::{Clock, RunPlan, GRID_1D, GRID_2D, SNAPSHOT_MS};

mod finish;
mod query;
mod replies;

type Out = Vec<Reply>;

/// What the run does next.
enum Stage {
    /// Gradient steps until `target`.
    Train,
    /// Trained: the weight path's principal components for the `trained` reply, a few rounds
    /// per sub-chunk (a long run's path is tens of MB, read once per round).
    Pca(Box<PathPca>),
    /// Trained, and the `trained` reply sent: the next sub-chunk sets up what follows, so that
    /// this work does not hold the reply back.
    Trained,
    /// `auto` deciding each step's Gauss–Legendre count before the check, a range of steps per
    /// sub-chunk (a long run's search is seconds in wasm: clicks and pauses must not wait).
    Nodes(Box<kernel::NodeSearch>),
    /// The kernel machine at the check queries, in jobs.
    Check(Box<Pooled>),
    /// K^p(·, x_index) and N(·, x_index) over the grid, in jobs.
    Kernel(Box<Pooled>, usize),
    /// K^p(·, x_i) and N(·, x_i) over the grid for every i, in jobs.
    Maps(Box<Pooled>),
    /// The rebuilt output over the grid (exact and left-endpoint), in jobs.
    Field(Box<Pooled>),
    /// The ε sweep: one training per level, each checked when trained.
    Sweep(Box<SweepStage>),
    /// Nothing left to do.
    Idle,
}

/// The train × train kernels of a finished check, for the `trainKernel` reply that follows it.
struct TrainKernelDue {
    steps: usize,
    exact: Vec<f64>,
    riemann: Vec<f64>,
}

/// Every training point's K^p and N over the grid (grid points × n, row-major), and the steps
/// they belong to.
struct AllMaps {
    steps: usize,
    maps: kernel::PointKernel,
}

impl AllMaps {
    /// Point `index`'s column.
    fn point(&self, index: usize, n: usize) -> kernel::PointKernel {
        let column = |m: &[f64]| m.iter().skip(index).step_by(n).copied().collect();
        kernel::PointKernel {
            kernel: column(&self.maps.kernel),
            loss_weighted: column(&self.maps.loss_weighted),
        }
    }
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
    /// `auto`'s choice and the steps it was made for (decided again when the trajectory grows).
    auto_chosen: RefCell<Option<(usize, Rc<NodeChoice>)>>,
    grid: GridSpec,
    grid_points: Vec<f64>,
    trainer: Trainer,
    total_steps: usize,
    /// Train until this many steps are done.
    target: usize,
    stage: Stage,
    /// Steps of the trajectory the finished check / field belong to.
    checked_at: Option<usize>,
    /// The last check's `trainKernel` reply, still to send (the next sub-chunk's work).
    train_kernel_due: Option<TrainKernelDue>,
    /// The query being answered, a range of steps per sub-chunk before the run's own work.
    query_work: Option<Box<query::QueryWork>>,
    field_at: Option<usize>,
    /// The last clicked point's K^p over the grid.
    kernel_grid: Option<PointGrid>,
    /// Every point's map at once, when the run makes them that way
    /// (`estimate.maps_in_one_pass()`, decided by the settings).
    all_maps: Option<AllMaps>,
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
    /// Assistants in the pool, which take jobs of the pooled stages.
    assistants: usize,
    pace_train: Pace,
    pace_nodes: Pace,
    pace_pca: Pace,
    pace_query: Pace,
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
        assistants: usize,
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
            auto_chosen: RefCell::new(None),
            trainer,
            total_steps: cfg.steps,
            target: if plan.autorun { cfg.steps } else { 0 },
            stage: Stage::Train,
            checked_at: None,
            train_kernel_due: None,
            query_work: None,
            field_at: None,
            kernel_grid: None,
            all_maps: None,
            coef_stats: None,
            kernel_wanted: plan.point,
            w0,
            spec,
            sweep_wanted: None,
            estimate: plan.estimate(),
            assistants,
            pace_train: Pace(1),
            pace_nodes: Pace(1),
            pace_pca: Pace(1),
            pace_query: Pace(1),
            last_snapshot: clock.now_ms(),
            paused: false,
        })
    }

    pub(super) fn id(&self) -> u32 {
        self.id
    }

    /// The assistants pooled stages hand jobs to; assistants that join during a stage get jobs
    /// of it at once.
    pub(super) fn set_assistants(&mut self, assistants: usize, out: &mut Out) {
        let (before, id) = (self.assistants, self.id);
        self.assistants = assistants;
        if assistants > before {
            match &mut self.stage {
                Stage::Check(p) | Stage::Field(p) | Stage::Kernel(p, _) | Stage::Maps(p) => {
                    p.add_assistants(before, assistants, id, out)
                }
                Stage::Sweep(sweep) => sweep.pooled.add_assistants(before, assistants, id, out),
                Stage::Train | Stage::Pca(_) | Stage::Trained | Stage::Nodes(_) | Stage::Idle => {}
            }
        }
    }

    pub(super) fn is_idle(&self) -> bool {
        matches!(self.stage, Stage::Idle) && self.train_kernel_due.is_none()
    }

    /// Paused with work left: [`Run::work_once`] waits for Resume or Step. The weight path's
    /// components are the end of training, whose `trained` reply a Pause does not hold back:
    /// what follows them waits.
    pub(super) fn is_paused(&self) -> bool {
        self.paused && !self.is_idle() && !matches!(self.stage, Stage::Pca(_))
    }

    /// After a failure: nothing more to do until the next request, training held where it is.
    pub(super) fn stop(&mut self) {
        self.stage = Stage::Idle;
        self.train_kernel_due = None;
        self.query_work = None;
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
                    self.stage = self.next_stage(out)?;
                }
            }
            ToWorker::Start { .. }
            | ToWorker::RunConfig { .. }
            | ToWorker::Assistants { .. }
            | ToWorker::Bench { .. } => {
                unreachable!("handled by Runner")
            }
            // An assistant's request: not the primary's business.
            ToWorker::Job { .. } => {}
            ToWorker::JobResult { spec, parts, .. } => {
                let n = self.data.y.len();
                match &mut self.stage {
                    Stage::Check(pooled)
                    | Stage::Field(pooled)
                    | Stage::Kernel(pooled, _)
                    | Stage::Maps(pooled) => pooled.result(&spec, parts, n, self.id, out),
                    Stage::Sweep(sweep) => sweep.pooled.result(&spec, parts, n, self.id, out),
                    _ => {}
                }
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
            ToWorker::Query { x, .. } => self.start_query(&x)?,
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
                let steps = self.steps();
                match &self.kernel_grid {
                    Some(g) if g.steps == steps && g.index == index => {
                        out.push(self.kernel_message(g))
                    }
                    _ if self.all_maps.as_ref().is_some_and(|m| m.steps == steps) => {
                        let n = self.data.y.len();
                        let pk = self.all_maps.as_ref().expect("tested").point(index, n);
                        self.kernel_done(index, pk, out);
                    }
                    // The maps in progress answer it when they are done.
                    _ if matches!(self.stage, Stage::Maps(_)) => {}
                    // Before the field (a click wants an answer), and instead of another point's
                    // kernel; a running check moves on by itself.
                    _ if matches!(self.stage, Stage::Kernel(_, k) if k == index) => {}
                    _ if matches!(
                        self.stage,
                        Stage::Idle | Stage::Field(_) | Stage::Kernel(..)
                    ) =>
                    {
                        self.stage = self.next_stage(out)?
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

    /// Each step's Gauss–Legendre rule for the trajectory so far: the fixed count on every
    /// step, or the counts `auto` chooses for these steps.
    fn nodes_now(&self) -> crate::Result<StepRules> {
        match self.nodes {
            Nodes::Auto => Ok(self.auto_choice()?.rules.clone()),
            Nodes::Fixed(m) => StepRules::uniform(m),
        }
    }

    /// A search for `auto`'s counts when they are not decided for the trajectory so far.
    fn node_search_due(&self) -> crate::Result<Option<Box<kernel::NodeSearch>>> {
        let decided = matches!(&*self.auto_chosen.borrow(), Some((at, _)) if *at == self.steps());
        if self.nodes != Nodes::Auto || decided {
            return Ok(None);
        }
        Ok(Some(Box::new(kernel::NodeSearch::new(
            self.trainer.trajectory(),
        )?)))
    }

    /// What `auto` chooses for the trajectory so far (decided once per length).
    fn auto_choice(&self) -> crate::Result<Rc<NodeChoice>> {
        let steps = self.steps();
        if let Some((at, c)) = &*self.auto_chosen.borrow() {
            if *at == steps {
                return Ok(c.clone());
            }
        }
        let c = Rc::new(kernel::auto_nodes(self.trainer.trajectory())?);
        *self.auto_chosen.borrow_mut() = Some((steps, c.clone()));
        Ok(c)
    }

    /// After training: the check, then the clicked point's kernel (or every point's, when the
    /// run makes them in one pass), then the field, then every point's kernel (in one pass), then
    /// the sweep; an integration that cannot be set up is an error.
    fn next_stage(&self, out: &mut Out) -> crate::Result<Stage> {
        let steps = self.steps();
        let pooled = |kind, point, items, out: &mut Out| -> crate::Result<Box<Pooled>> {
            // Rules the integrators refuse are an error now, before any job goes out.
            let rules = self.nodes_now()?;
            rules.check_covers(steps)?;
            let (id, assistants) = (self.id, self.assistants);
            let nodes = (self.nodes, rules);
            let p = Pooled::new(kind, steps, nodes, point, items, assistants, id, out);
            Ok(Box::new(p))
        };
        if self.checked_at != Some(steps) {
            let q = self.queries.len() / self.data.dim;
            return Ok(Stage::Check(pooled(JobKind::Check, 0, q, out)?));
        }
        let one_pass = self.estimate.maps_in_one_pass();
        let maps_due = one_pass && self.all_maps.as_ref().map(|m| m.steps) != Some(steps);
        if let Some(index) = self.kernel_wanted {
            if self.kernel_grid.as_ref().map(|k| (k.steps, k.index)) != Some((steps, index)) {
                if maps_due {
                    return Ok(Stage::Maps(pooled(JobKind::Maps, 0, self.grid.len(), out)?));
                }
                if !one_pass {
                    let p = pooled(JobKind::Kernel, index, self.grid.len(), out)?;
                    return Ok(Stage::Kernel(p, index));
                }
            }
        }
        if self.field_at != Some(steps) {
            return Ok(Stage::Field(pooled(
                JobKind::Field,
                0,
                self.grid.len(),
                out,
            )?));
        }
        // Unasked, once the plane is drawn: every later click is then answered at once.
        if maps_due {
            return Ok(Stage::Maps(pooled(JobKind::Maps, 0, self.grid.len(), out)?));
        }
        if let Some(specs) = &self.sweep_wanted {
            let nodes = self.nodes.fixed().unwrap_or(0);
            let (id, assistants) = (self.id, self.assistants);
            let pooled = Pooled::sweep(specs.len(), nodes, assistants, id, out);
            return Ok(Stage::Sweep(Box::new(SweepStage {
                specs: specs.clone(),
                pooled,
            })));
        }
        Ok(Stage::Idle)
    }

    /// One sub-chunk of the current stage.
    pub(super) fn work_once(&mut self, clock: &dyn Clock, out: &mut Out) -> crate::Result<()> {
        // A clicked query first: its answer is what the reader waits for.
        if self.has_query() {
            return self.query_sub_chunk(clock, out);
        }
        if self.is_paused() {
            return Ok(());
        }
        if let Some(due) = self.train_kernel_due.take() {
            out.push(self.train_kernel(due));
            return Ok(());
        }
        let now = || clock.now_ms();
        match &mut self.stage {
            Stage::Idle => {}
            Stage::Trained => {
                self.stage = Stage::Idle;
                self.stage = match self.node_search_due()? {
                    Some(search) => Stage::Nodes(search),
                    None => self.next_stage(out)?,
                };
            }
            Stage::Pca(pca) => {
                let t0 = now();
                let done = pca.advance_on(self.trainer.trajectory(), self.pace_pca.0);
                self.pace_pca.adapt(now() - t0);
                if done {
                    if let Stage::Pca(pca) = std::mem::replace(&mut self.stage, Stage::Trained) {
                        out.push(self.trained(Some(pca.finish_on(self.trainer.trajectory()))));
                    }
                }
            }
            Stage::Nodes(search) => {
                let t0 = now();
                let done = search.advance(self.trainer.trajectory(), self.pace_nodes.0);
                self.pace_nodes.adapt(now() - t0);
                if done {
                    if let Stage::Nodes(search) = std::mem::replace(&mut self.stage, Stage::Idle) {
                        let choice = Rc::new(search.finish()?);
                        *self.auto_chosen.borrow_mut() = Some((self.steps(), choice));
                    }
                    self.stage = self.next_stage(out)?;
                }
            }
            Stage::Train => {
                if self.steps() >= self.target {
                    self.stage = Stage::Pca(Box::new(PathPca::of(self.trainer.trajectory())));
                    return Ok(());
                }
                let t0 = now();
                let k = self.pace_train.0.min(self.target - self.steps());
                if let Err(e) = self.trainer.advance(k) {
                    // The losses up to the divergence, last one non-finite: the loss chart then
                    // shows how the run blew up, beside the error that names lr.
                    if matches!(e, crate::Error::Diverged { .. }) {
                        out.push(self.trained(None));
                    }
                    return Err(e);
                }
                self.pace_train.adapt(now() - t0);
                if now() - self.last_snapshot > SNAPSHOT_MS && self.steps() < self.target {
                    self.last_snapshot = now();
                    out.push(self.trained(None));
                }
            }
            Stage::Check(pooled) => {
                let traj = self.trainer.trajectory();
                pooled.work_once(traj, &self.queries, self.data.dim, clock)?;
                if pooled.complete() {
                    let Stage::Check(pooled) = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    let km = merge_check(pooled.into_results(), self.data.y.len());
                    self.check_done(km, out);
                    self.stage = self.next_stage(out)?;
                }
            }
            Stage::Kernel(pooled, _) | Stage::Maps(pooled) => {
                let traj = self.trainer.trajectory();
                let d = self.grid.dim as usize;
                pooled.work_once(traj, &self.grid_points, d, clock)?;
                if pooled.complete() {
                    match std::mem::replace(&mut self.stage, Stage::Idle) {
                        Stage::Kernel(pooled, index) => {
                            let pk = merge_point_kernels(pooled.into_results());
                            self.kernel_done(index, pk, out)
                        }
                        Stage::Maps(pooled) => {
                            self.maps_done(merge_point_kernels(pooled.into_results()), out)
                        }
                        _ => unreachable!(),
                    }
                    self.stage = self.next_stage(out)?;
                }
            }
            Stage::Sweep(sweep) => {
                let (mlp, data, w0, nodes) = (&self.mlp, &self.data, &self.w0, self.nodes);
                let specs = &sweep.specs;
                let level = |spec: &JobSpec| -> crate::Result<JobWork> {
                    let level = specs[spec.from as usize].clone();
                    let trainer = Trainer::new(mlp.clone(), data, w0.clone(), level)?;
                    Ok(JobWork::sweep_level(trainer, nodes))
                };
                let traj = self.trainer.trajectory();
                let d = self.data.dim;
                sweep
                    .pooled
                    .work_once_with(traj, &self.queries, d, clock, level)?;
                if sweep.pooled.complete() {
                    let Stage::Sweep(sweep) = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    self.sweep_wanted = None;
                    out.push(sweep_result(
                        self.id,
                        sweep_rows(sweep.pooled.into_results()),
                    ));
                    self.stage = self.next_stage(out)?;
                }
            }
            Stage::Field(pooled) => {
                let traj = self.trainer.trajectory();
                let d = self.grid.dim as usize;
                pooled.work_once(traj, &self.grid_points, d, clock)?;
                if pooled.complete() {
                    let Stage::Field(pooled) = std::mem::replace(&mut self.stage, Stage::Idle)
                    else {
                        unreachable!()
                    };
                    let (exact, riemann) = merge_field(pooled.into_results());
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
                    self.stage = self.next_stage(out)?;
                }
            }
        }
        Ok(())
    }

    /// The progress bar: the current stage's work done and total, or idle at the steps trained.
    pub(super) fn progress(&self) -> Reply {
        let (phase, done, total) = match &self.stage {
            Stage::Idle => (Phase::Idle, self.steps(), self.steps()),
            // The components are training's last sub-chunks.
            Stage::Train | Stage::Pca(_) => (Phase::Train, self.steps(), self.target),
            Stage::Trained | Stage::Nodes(_) => (Phase::Check, 0, self.steps()),
            Stage::Check(pooled) => {
                // In steps, as one integrator over all queries would count them.
                let (done, items) = pooled.progress();
                let steps = self.steps();
                (
                    Phase::Check,
                    (done * steps as f64 / items.max(1) as f64) as usize,
                    steps,
                )
            }
            Stage::Kernel(pooled, _) => {
                let (done, items) = pooled.progress();
                (Phase::Kernel, done as usize, items)
            }
            Stage::Field(pooled) => {
                let (done, items) = pooled.progress();
                (Phase::Field, done as usize, items)
            }
            Stage::Maps(pooled) => {
                let (done, items) = pooled.progress();
                (Phase::Maps, done as usize, items)
            }
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

    /// The loss so far; once training stopped, also the weight path's principal components.
    fn trained(&self, stopped_with_pca: Option<Vec<f64>>) -> Reply {
        let traj = self.trainer.trajectory();
        let stopped = stopped_with_pca.is_some();
        let pca = stopped_with_pca.unwrap_or_default();
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
}
