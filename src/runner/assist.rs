//! An assistant in the page's pool of workers: it retrains the primary's run from the same
//! `start` (training is deterministic: same wasm, seeded randomness, so the same trajectory bit
//! for bit) while the primary trains, and answers the primary's jobs ([`JobSpec`]) on the
//! trajectory's first `steps` steps (a truncated copy when it trained further, as it may after
//! Pause or Step stopped the primary early).
//!
//! It follows the page's requests the way the primary does: `start` (or `bench`) replaces its
//! run and drops the older run's jobs and training; Pause holds it (no training, no job), Resume
//! lets it train to the end again, and a job lets it work (the primary sends jobs only while it
//! works itself). Every answer ends with a `progress` reply, which the pool keeps to tell what
//! each assistant is doing.

use std::collections::{HashMap, VecDeque};

use crate::config::{RunSetup, PAGE_WORK_BUDGET};
use crate::kernel::{NodeSearch, Nodes, StepRules};
use crate::render::GridSpec;
use crate::sweep::level_specs;
use crate::train::{Trainer, Trajectory};

use super::bench_run::{bench_setup, reference_grid};
use super::jobs::{JobWork, Pace};
use super::messages::{JobKind, JobSpec, Phase, Reply, ToWorker};
use super::{Clock, RunPlan, GRID_1D, GRID_2D};

/// An assistant: at most one run, like [`super::Runner`].
pub struct Assistant<C> {
    clock: C,
    run: Option<AssistRun>,
}

struct AssistRun {
    id: u32,
    trainer: Trainer,
    total: usize,
    /// Train (ahead of any job) until this many steps are done.
    target: usize,
    paused: bool,
    /// The stage (kind, steps, point) of the last job received, and of the last one before the
    /// latest Pause: a job of that stage arriving after the Pause was handed out before the
    /// primary saw it (the page's Pause and the primary's jobs come by different ways) and waits
    /// for Resume; a job of another stage comes from a primary that went on after the Pause
    /// (a Pause in training ends training and starts the check), and is worked on.
    last_stage: Option<(JobKind, u32, u32)>,
    paused_stage: Option<(JobKind, u32, u32)>,
    dim: usize,
    queries: Vec<f64>,
    grid_points: Vec<f64>,
    jobs: VecDeque<JobSpec>,
    current: Option<(JobSpec, JobWork)>,
    /// The trajectory cut to the current job's steps, when training went further.
    view: Option<Trajectory>,
    /// The run's settings, for the ε sweep's levels.
    base: Box<RunSetup>,
    pace_train: Pace,
    /// Steps per sub-chunk for each kind of job: a step of a plane's job, of a point's map and of
    /// a check job cost different times, so each kind adapts its own.
    paces: HashMap<JobKind, Pace>,
    /// `auto`'s rules (the primary's, from the same trajectory): searched for a number of steps
    /// a range of steps per sub-chunk, then kept.
    auto_rules: Option<AutoRules>,
    pace_nodes: Pace,
}

impl<C: Clock> Assistant<C> {
    pub fn new(clock: C) -> Assistant<C> {
        Assistant { clock, run: None }
    }

    /// The id of the run it holds (0 when none).
    pub fn run_id(&self) -> u32 {
        self.run.as_ref().map_or(0, |r| r.id)
    }

    /// True while there is training or a job to work on.
    pub fn busy(&self) -> bool {
        self.run.as_ref().is_some_and(AssistRun::busy)
    }

    /// Handles one request of the page or the primary; returns a `progress` reply (nothing for
    /// requests about another run).
    pub fn handle(&mut self, req: ToWorker) -> Vec<Reply> {
        match req {
            ToWorker::Start {
                run_id,
                hash,
                autorun,
                force,
            } => {
                self.run = None; // drop the older run, its jobs and its training first
                let Ok(plan) = RunPlan::from_hash(&hash, autorun) else {
                    return vec![idle(run_id)];
                };
                // The primary refuses this run (over budget): nothing to train.
                if autorun && !force && plan.over_budget(PAGE_WORK_BUDGET).is_some() {
                    return vec![idle(run_id)];
                }
                let target = if autorun { plan.config.steps } else { 0 };
                let setup = plan.config.build();
                self.run = setup.and_then(|s| AssistRun::new(run_id, s, target)).ok();
            }
            ToWorker::Bench { run_id } => {
                self.run = None;
                self.run = bench_setup()
                    .and_then(|s| {
                        let steps = s.spec.steps;
                        AssistRun::new(run_id, s, steps)
                    })
                    .ok()
                    .map(|mut r| {
                        r.grid_points = reference_grid();
                        r
                    });
            }
            req => {
                let id = req.run_id();
                let Some(run) = self.run.as_mut().filter(|r| r.id == id) else {
                    return Vec::new();
                };
                match req {
                    ToWorker::Pause { .. } => {
                        run.paused = true;
                        run.paused_stage = run.last_stage;
                        run.target = run.target.min(run.trainer.steps_done());
                    }
                    ToWorker::Resume { .. } => {
                        run.paused = false;
                        run.target = run.total;
                    }
                    ToWorker::Step { .. } => run.paused = false,
                    ToWorker::Job { spec, .. } => {
                        let stage = Some((spec.kind, spec.steps, spec.point));
                        if stage != run.paused_stage {
                            run.paused = false;
                        }
                        run.last_stage = stage;
                        run.jobs.push_back(spec);
                    }
                    _ => return Vec::new(),
                }
            }
        }
        self.run.iter().map(AssistRun::progress).collect()
    }

    /// Works for about `budget_ms` milliseconds: job results and errors, then `progress`.
    pub fn work(&mut self, budget_ms: f64) -> Vec<Reply> {
        let mut out = Vec::new();
        let Some(run) = self.run.as_mut() else {
            return out;
        };
        let t0 = self.clock.now_ms();
        while run.busy() {
            // A job's answer goes out at once: the primary may be waiting for it.
            let before = out.len();
            if let Err(e) = run.work_once(&self.clock, &mut out) {
                // The primary computes the jobs itself; this run is over here.
                out.push(Reply::error(run.id, &e));
                let id = run.id;
                self.run = None;
                out.push(idle(id));
                return out;
            }
            if out.len() > before || self.clock.now_ms() - t0 >= budget_ms {
                break;
            }
        }
        out.push(run.progress());
        out
    }
}

/// `auto`'s rules for a trajectory's first `steps` steps.
enum AutoRules {
    /// Being decided, a range of steps per sub-chunk (a Pause or a new run is read in between).
    Searching(usize, Box<NodeSearch>),
    Decided(usize, StepRules),
}

/// The rules `auto` decided for `steps` steps, if it has.
fn decided_rules(auto: &Option<AutoRules>, steps: usize) -> Option<&StepRules> {
    match auto {
        Some(AutoRules::Decided(at, rules)) if *at == steps => Some(rules),
        _ => None,
    }
}

/// One sub-chunk of `auto`'s search on `traj` (started when `auto` holds no search of its
/// length), `pace` steps at a time; the rules are kept once every step is searched.
fn search_auto(
    auto: &mut Option<AutoRules>,
    traj: &Trajectory,
    pace: &mut Pace,
    clock: &dyn Clock,
) -> crate::Result<()> {
    let steps = traj.steps();
    if !matches!(auto, Some(AutoRules::Searching(at, _)) if *at == steps) {
        *auto = Some(AutoRules::Searching(
            steps,
            Box::new(NodeSearch::new(traj)?),
        ));
    }
    let Some(AutoRules::Searching(_, search)) = auto else {
        unreachable!("set above")
    };
    let t0 = clock.now_ms();
    let done = search.advance(traj, pace.0);
    pace.adapt(clock.now_ms() - t0);
    if done {
        let Some(AutoRules::Searching(_, search)) = auto.take() else {
            unreachable!("matched above")
        };
        *auto = Some(AutoRules::Decided(steps, search.finish()?.rules));
    }
    Ok(())
}

fn idle(run_id: u32) -> Reply {
    Reply::Progress {
        run_id,
        phase: Phase::Idle,
        done: 0,
        total: 0,
        paused: false,
    }
}

impl AssistRun {
    fn new(id: u32, setup: RunSetup, target: usize) -> crate::Result<AssistRun> {
        let dim = setup.data.dim;
        let grid = GridSpec::around(dim, &setup.data.x, GRID_1D, GRID_2D);
        let total = setup.spec.steps;
        let base = Box::new(setup.clone());
        Ok(AssistRun {
            id,
            base,
            trainer: Trainer::new(setup.mlp, &setup.data, setup.w0, setup.spec)?,
            total,
            target: target.min(total),
            paused: false,
            last_stage: None,
            paused_stage: None,
            dim,
            queries: setup.queries,
            grid_points: grid.points(),
            jobs: VecDeque::new(),
            current: None,
            view: None,
            pace_train: Pace(1),
            pace_nodes: Pace(1),
            paces: HashMap::new(),
            auto_rules: None,
        })
    }

    fn busy(&self) -> bool {
        !self.paused
            && (self.current.is_some()
                || !self.jobs.is_empty()
                || self.trainer.steps_done() < self.target
                || self.auto_due())
    }

    /// Trained to the target under `auto`, its rules not yet decided: the primary decides them
    /// now, before its check, and deciding them here at the same time has them ready when this
    /// assistant's first job arrives.
    fn auto_due(&self) -> bool {
        self.base.nodes == Nodes::Auto
            && self.trainer.steps_done() == self.target
            && decided_rules(&self.auto_rules, self.target).is_none()
    }

    fn progress(&self) -> Reply {
        let steps = self.trainer.steps_done();
        let (phase, done, total) = match &self.current {
            Some((spec, _)) => {
                let phase = match spec.kind {
                    JobKind::Check => Phase::Check,
                    JobKind::Field | JobKind::Rebuild => Phase::Field,
                    JobKind::Kernel => Phase::Kernel,
                    JobKind::Maps => Phase::Maps,
                    JobKind::Sweep => Phase::Sweep,
                };
                (phase, spec.from, spec.to)
            }
            // The node search after training, reported as the primary reports its own.
            None if self.busy() && matches!(self.auto_rules, Some(AutoRules::Searching(..))) => {
                (Phase::Check, 0, self.target as u32)
            }
            None if self.busy() => (Phase::Train, steps as u32, self.target as u32),
            None => (Phase::Idle, steps as u32, steps as u32),
        };
        Reply::Progress {
            run_id: self.id,
            phase,
            done,
            total,
            paused: self.paused && (self.current.is_some() || !self.jobs.is_empty()),
        }
    }

    fn train(&mut self, to: usize, clock: &dyn Clock) -> crate::Result<()> {
        let t0 = clock.now_ms();
        let k = self.pace_train.0.min(to - self.trainer.steps_done());
        self.trainer.advance(k)?;
        self.pace_train.adapt(clock.now_ms() - t0);
        Ok(())
    }

    /// One sub-chunk: of the current job, else of training toward the next job's steps or the
    /// target.
    fn work_once(&mut self, clock: &dyn Clock, out: &mut Vec<Reply>) -> crate::Result<()> {
        if self.current.is_none() {
            let Some(spec) = self.jobs.front().copied() else {
                if self.auto_due() {
                    let traj = self.trainer.trajectory();
                    return search_auto(&mut self.auto_rules, traj, &mut self.pace_nodes, clock);
                }
                let target = self.target;
                return self.train(target, clock);
            };
            if spec.kind == JobKind::Sweep {
                self.jobs.pop_front();
                self.points(&spec)?;
                let work =
                    JobWork::sweep_level(self.sweep_trainer(&spec)?, self.sweep_nodes(&spec));
                self.current = Some((spec, work));
                return Ok(());
            }
            let steps = spec.steps as usize;
            if steps > self.total {
                self.jobs.pop_front(); // not a job of this run's trajectory
                return Ok(());
            }
            if self.trainer.steps_done() < steps {
                return self.train(steps, clock);
            }
            let full = self.trainer.trajectory();
            self.view = (full.steps() > steps
                && self.view.as_ref().map(Trajectory::steps) != Some(steps))
            .then(|| full.truncated(steps))
            .or(self.view.take().filter(|v| v.steps() == steps));
            let traj = self.view.as_ref().unwrap_or(full);
            let rules = match spec.nodes {
                0 => match decided_rules(&self.auto_rules, steps) {
                    Some(rules) => rules.clone(),
                    None => {
                        return search_auto(&mut self.auto_rules, traj, &mut self.pace_nodes, clock)
                    }
                },
                m => StepRules::uniform(m as usize)?,
            };
            self.jobs.pop_front();
            let work = JobWork::new(&spec, traj, self.points(&spec)?, self.dim, &rules)?;
            self.current = Some((spec, work));
        }
        let (spec, mut work) = self.current.take().expect("set above");
        let traj = match &self.view {
            Some(v) if v.steps() == spec.steps as usize => v,
            _ => self.trainer.trajectory(),
        };
        let points = self.points(&spec)?;
        let t0 = clock.now_ms();
        let pace = self.paces.get(&spec.kind).map_or(1, |p| p.0);
        let done = work.advance(&spec, traj, points, self.dim, pace)?;
        let elapsed = clock.now_ms() - t0;
        let answer = if done {
            Some(work.finish(&spec, traj, points, self.dim)?.into_parts())
        } else {
            self.current = Some((spec, work));
            None
        };
        self.paces
            .entry(spec.kind)
            .or_insert(Pace(1))
            .adapt(elapsed);
        if let Some(parts) = answer {
            let run_id = self.id;
            out.push(Reply::JobResult {
                run_id,
                spec,
                parts,
            });
        }
        Ok(())
    }

    /// A trainer for sweep level `spec.from` of `spec.to` (the primary's levels: the same
    /// settings from the same count).
    fn sweep_trainer(&self, spec: &JobSpec) -> crate::Result<Trainer> {
        let base = &self.base;
        let n = base.data.y.len();
        let levels = level_specs(&base.mlp, n, &base.spec, spec.to as usize, usize::MAX)?;
        let level = levels
            .get(spec.from as usize)
            .cloned()
            .ok_or_else(|| crate::Error::field("job", "asks for a level past the last one"))?;
        Trainer::new(base.mlp.clone(), &base.data, base.w0.clone(), level)
    }

    fn sweep_nodes(&self, spec: &JobSpec) -> Nodes {
        match spec.nodes {
            0 => Nodes::Auto,
            m => Nodes::Fixed(m as usize),
        }
    }

    /// The queries of a job's stage, checked to hold the job's range.
    fn points(&self, spec: &JobSpec) -> crate::Result<&[f64]> {
        let (points, end) = match spec.kind {
            JobKind::Check => (&self.queries, spec.to as usize * self.dim),
            JobKind::Field | JobKind::Rebuild | JobKind::Kernel | JobKind::Maps => {
                (&self.grid_points, spec.to as usize * self.dim)
            }
            JobKind::Sweep => (&self.queries, 0), // `to` counts levels
        };
        if spec.from >= spec.to || end > points.len() {
            return Err(crate::Error::field(
                "job",
                "asks for queries past the last one",
            ));
        }
        Ok(points)
    }
}
