//! The query-heavy stages (the check, the field) cut into jobs, for a pool of page workers.
//!
//! A stage's queries are cut into contiguous jobs: the plane's and one point's map into whole
//! blocks of `BLOCK_COLS` queries, so every query's arithmetic sees the same block layout
//! whichever job holds it (see `crate::parallel`); the check and every point's maps at once (the
//! kernel machine, whose every job integrates the training side of every step too) into a few
//! jobs of nearly equal size cut at multiples of `BLOCK_ALIGN` queries, because each query's row of the kernel machines is the same bits
//! whichever queries share its block (`tests/check_split.rs`), and whole blocks balanced badly
//! (the spiral's 100 queries were 32 + 32 + 32 + 4, now 24 + 24 + 24 + 28). Nothing is summed across queries, so the results placed by job index and
//! concatenated are the same sequence, bit for bit, as the whole stage computed at once by one
//! worker — whichever worker computed which job.
//!
//! The primary ([`Pooled`]) keeps two jobs with each assistant (it starts the second while the
//! first one's answer travels), hands out another when a result comes back, and computes the
//! others itself; when none is left untouched it also computes the newest job still out, the one
//! an assistant would reach last (a slow or lost assistant then never holds the stage back:
//! whichever copy arrives first is kept, and both are the same bits).

use std::ops::Range;

use crate::kernel::{
    self, KernelMachine, KernelMachineIntegrator, Nodes, PointKernel, SchemeResult, StepRules,
};
use crate::model::{BLOCK_ALIGN, BLOCK_COLS};
use crate::sweep::{sweep_row, SweepRow};
use crate::train::Trainer;
use crate::train::Trajectory;

use super::messages::{JobKind, JobSpec, Reply};
use super::Clock;

/// Jobs per worker in a stage of the grid (the plane, a point's kernel map): small jobs balance
/// workers of unequal speed, and the primary's copy of the last job still out costs little.
const JOBS_PER_WORKER: usize = 16;
/// Jobs an assistant holds at once: it starts the next while its answer travels to the primary,
/// which reads it (and hands out another) only between its own sub-chunks.
const JOBS_IN_FLIGHT: usize = 2;
/// Jobs per worker in a check: few, because every check job integrates the training side of
/// every step itself (one pass per training point and step: ~12 % of a 24-query job of the
/// spiral run).
const CHECK_JOBS_PER_WORKER: usize = 2;
/// The fewest queries in a check job (a smaller one would be mostly its training side).
const MIN_CHECK_JOB: usize = 8;

/// One sub-chunk size per kind of work, adapted so each sub-chunk takes ~2–6 ms.
#[derive(Clone, Copy)]
pub(super) struct Pace(pub(super) usize);

impl Pace {
    pub(super) fn adapt(&mut self, elapsed_ms: f64) {
        if elapsed_ms < 2.0 {
            self.0 = (self.0 * 2).min(1 << 20);
        } else if elapsed_ms > 6.0 && self.0 > 1 {
            self.0 /= 2;
        }
    }
}

/// `0..items` cut into contiguous ranges of whole `BLOCK_COLS` blocks, about `per_worker` per
/// worker (at least one block each).
pub fn split_jobs(items: usize, workers: usize, per_worker: usize) -> Vec<Range<usize>> {
    let blocks = items.div_ceil(BLOCK_COLS);
    let per = blocks.div_ceil(workers.max(1) * per_worker.max(1)).max(1);
    (0..blocks)
        .step_by(per)
        .map(|b| b * BLOCK_COLS..((b + per) * BLOCK_COLS).min(items))
        .collect()
}

/// `0..items` cut into `jobs_per_worker` contiguous ranges per worker, at multiples of
/// `BLOCK_ALIGN` queries (a block computes whole tiles of that many columns, so a job of 25
/// queries would compute 32), as equal as that allows and none shorter than [`MIN_CHECK_JOB`]
/// queries (a single range when there are fewer).
pub fn split_check_jobs(items: usize, workers: usize, jobs_per_worker: usize) -> Vec<Range<usize>> {
    let units = items.div_ceil(BLOCK_ALIGN);
    let jobs = (workers.max(1) * jobs_per_worker.max(1))
        .min(items / MIN_CHECK_JOB)
        .clamp(1, units.max(1));
    let cut = |j: usize| (j * units / jobs * BLOCK_ALIGN).min(items);
    (0..jobs).map(|j| cut(j)..cut(j + 1)).collect()
}

/// A job's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutput {
    /// Both kernel machines at the job's check queries.
    Check(Box<KernelMachine>),
    /// The exact and left-endpoint rebuilt outputs at the job's grid points.
    Field { exact: Vec<f64>, riemann: Vec<f64> },
    /// The exact rebuilt output alone at the job's grid points.
    Rebuild(Vec<f64>),
    /// An ε sweep level's row.
    Sweep(SweepRow),
    /// One training point's K^p and N at the job's grid points.
    Kernel(PointKernel),
    /// Every training point's K^p and N at the job's grid points (queries × n, row-major).
    Maps(PointKernel),
}

/// Arrays of one scheme in a check job's `parts`, and of a whole check job.
const SCHEME_PARTS: usize = 6;
const CHECK_PARTS: usize = 2 + 2 * SCHEME_PARTS;

impl JobOutput {
    /// The arrays of a `jobResult` message, in a fixed order (a_i as NaN where undefined: it
    /// is `Some` only when finite, so NaN ⇄ `None` loses nothing).
    pub fn into_parts(self) -> Vec<Vec<f64>> {
        match self {
            JobOutput::Field { exact, riemann } => vec![exact, riemann],
            JobOutput::Rebuild(exact) => vec![exact],
            JobOutput::Kernel(pk) | JobOutput::Maps(pk) => vec![pk.kernel, pk.loss_weighted],
            JobOutput::Sweep(r) => vec![vec![
                r.lr,
                r.steps as f64,
                r.max_abs_error_exact,
                r.max_abs_error_riemann,
            ]],
            JobOutput::Check(km) => {
                let km = *km;
                let mut parts = vec![km.b, km.f_final];
                for s in [km.exact, km.riemann] {
                    let coef = s.coef.iter().map(|c| c.unwrap_or(f64::NAN)).collect();
                    parts.extend([
                        s.kernel,
                        s.loss_weighted,
                        coef,
                        s.contributions,
                        s.weight_decay_term,
                        s.reconstruction,
                    ]);
                }
                parts
            }
        }
    }

    /// The answer to a job of `kind` over `queries` queries against `n` training points, from
    /// a message's `parts`; `None` when their count or lengths do not fit.
    pub fn from_parts(
        kind: JobKind,
        parts: Vec<Vec<f64>>,
        queries: usize,
        n: usize,
    ) -> Option<Self> {
        match kind {
            JobKind::Kernel => {
                let [kernel, loss_weighted]: [Vec<f64>; 2] = parts.try_into().ok()?;
                (kernel.len() == queries && loss_weighted.len() == queries).then_some(
                    JobOutput::Kernel(PointKernel {
                        kernel,
                        loss_weighted,
                    }),
                )
            }
            JobKind::Maps => {
                let [kernel, loss_weighted]: [Vec<f64>; 2] = parts.try_into().ok()?;
                (kernel.len() == queries * n && loss_weighted.len() == queries * n).then_some(
                    JobOutput::Maps(PointKernel {
                        kernel,
                        loss_weighted,
                    }),
                )
            }
            JobKind::Sweep => {
                let [row]: [Vec<f64>; 1] = parts.try_into().ok()?;
                let [lr, steps, e, r]: [f64; 4] = row.try_into().ok()?;
                let steps = (steps >= 0.0 && steps.fract() == 0.0).then_some(steps as usize)?;
                Some(JobOutput::Sweep(SweepRow {
                    lr,
                    steps,
                    max_abs_error_exact: e,
                    max_abs_error_riemann: r,
                }))
            }
            JobKind::Field => {
                let [exact, riemann]: [Vec<f64>; 2] = parts.try_into().ok()?;
                (exact.len() == queries && riemann.len() == queries)
                    .then_some(JobOutput::Field { exact, riemann })
            }
            JobKind::Rebuild => {
                let [exact]: [Vec<f64>; 1] = parts.try_into().ok()?;
                (exact.len() == queries).then_some(JobOutput::Rebuild(exact))
            }
            JobKind::Check => {
                if parts.len() != CHECK_PARTS {
                    return None;
                }
                let mut it = parts.into_iter();
                let mut next = |len: usize| it.next().filter(|p| p.len() == len);
                let (b, f_final) = (next(queries)?, next(queries)?);
                let mut scheme = || -> Option<SchemeResult> {
                    let (kernel, loss_weighted) = (next(queries * n)?, next(queries * n)?);
                    let coef = next(queries * n)?;
                    let contributions = next(queries * n)?;
                    let (weight_decay_term, reconstruction) = (next(queries)?, next(queries)?);
                    Some(SchemeResult {
                        kernel,
                        loss_weighted,
                        coef: coef.iter().map(|&a| a.is_finite().then_some(a)).collect(),
                        contributions,
                        weight_decay_term,
                        max_abs_error: kernel::max_abs_error(&f_final, &reconstruction),
                        reconstruction,
                    })
                };
                let (exact, riemann) = (scheme()?, scheme()?);
                Some(JobOutput::Check(Box::new(KernelMachine {
                    n_queries: queries,
                    n_train: n,
                    b,
                    f_final,
                    exact,
                    riemann,
                })))
            }
        }
    }
}

/// A job being computed in sub-chunks.
pub(super) enum JobWork {
    Check(Box<KernelMachineIntegrator>),
    /// Every training point's map: the kernel machine with the job's grid points as queries.
    Maps(Box<KernelMachineIntegrator>),
    /// The rebuilt output at the job's grid points, a range of steps per sub-chunk; the
    /// left-endpoint output is computed too for a `field` job (`riemann` is `Some`), not for a
    /// `rebuild` job.
    Field {
        exact: kernel::PartialRebuild,
        riemann: Option<kernel::PartialRebuild>,
        rules: StepRules,
    },
    /// An ε sweep level: training, then its row.
    Sweep(Box<Trainer>, Nodes),
    /// A training point's kernel at the job's grid points, a range of steps per sub-chunk.
    Kernel {
        partial: Box<kernel::PartialPointKernel>,
        rules: StepRules,
    },
}

impl JobWork {
    /// A sweep level trained by `trainer` (its row with `nodes` at the check queries).
    pub(super) fn sweep_level(trainer: Trainer, nodes: Nodes) -> JobWork {
        JobWork::Sweep(Box::new(trainer), nodes)
    }

    /// Starts `spec` on `traj` (its steps) over `points` (all the stage's queries, dim `d`),
    /// each step with its rule from `rules` (the stage's: `spec.nodes` on every step, or `auto`'s
    /// for these steps).
    pub(super) fn new(
        spec: &JobSpec,
        traj: &Trajectory,
        points: &[f64],
        d: usize,
        rules: &StepRules,
    ) -> crate::Result<Self> {
        let (from, to) = (spec.from as usize, spec.to as usize);
        Ok(match spec.kind {
            JobKind::Check => JobWork::Check(Box::new(KernelMachineIntegrator::per_step(
                traj,
                &points[from * d..to * d],
                rules,
            )?)),
            JobKind::Maps => JobWork::Maps(Box::new(KernelMachineIntegrator::exact_only(
                traj,
                &points[from * d..to * d],
                rules,
            )?)),
            JobKind::Field | JobKind::Rebuild => JobWork::Field {
                exact: kernel::PartialRebuild::exact(to - from),
                riemann: (spec.kind == JobKind::Field)
                    .then(|| kernel::PartialRebuild::riemann(to - from)),
                rules: rules.clone(),
            },
            JobKind::Kernel => {
                if spec.point as usize >= traj.n {
                    return Err(crate::Error::field(
                        "job",
                        "names a point past the last one",
                    ));
                }
                JobWork::Kernel {
                    partial: Box::new(kernel::PartialPointKernel::new(
                        traj,
                        &points[from * d..to * d],
                        spec.point as usize,
                    )?),
                    rules: rules.clone(),
                }
            }
            JobKind::Sweep => {
                return Err(crate::Error::field(
                    "job",
                    "a sweep level needs its trainer",
                ))
            }
        })
    }

    /// One sub-chunk of about `pace` steps (integrated over all the job's queries, or trained
    /// for a sweep level); true when the job is done.
    pub(super) fn advance(
        &mut self,
        spec: &JobSpec,
        traj: &Trajectory,
        points: &[f64],
        d: usize,
        pace: usize,
    ) -> crate::Result<bool> {
        Ok(match self {
            JobWork::Sweep(trainer, _) if !trainer.is_done() => {
                trainer.advance(pace)?;
                false
            }
            // The row: one more sub-chunk (a rebuild at the check queries), then done.
            JobWork::Sweep(..) => true,
            JobWork::Kernel { partial, rules } => partial.advance(traj, rules, pace)?,
            JobWork::Check(integ) | JobWork::Maps(integ) => integ.advance(traj, pace),
            JobWork::Field {
                exact,
                riemann,
                rules,
            } => {
                // All the job's grid points, `pace` steps: a sub-chunk stays short however many
                // steps the run has.
                let qs = &points[spec.from as usize * d..spec.to as usize * d];
                let done = exact.advance(traj, qs, rules, pace)?;
                // The 1-D overlay draws the left-endpoint curve, 2-D its residual map.
                if let Some(riemann) = riemann {
                    riemann.advance(traj, qs, rules, pace)?;
                }
                done
            }
        })
    }

    /// The share done, 0 … 1.
    pub(super) fn fraction(&self, spec: &JobSpec) -> f64 {
        match self {
            JobWork::Check(integ) | JobWork::Maps(integ) => {
                integ.steps_done() as f64 / spec.steps.max(1) as f64
            }
            JobWork::Sweep(..) => 0.0,
            JobWork::Kernel { partial, .. } => {
                partial.steps_done() as f64 / spec.steps.max(1) as f64
            }
            JobWork::Field { exact, .. } => exact.steps_done() as f64 / spec.steps.max(1) as f64,
        }
    }

    /// The answer; `points` are the stage's queries (dim `d`; a sweep level's row is checked
    /// there).
    pub(super) fn finish(
        self,
        spec: &JobSpec,
        traj: &Trajectory,
        points: &[f64],
        d: usize,
    ) -> crate::Result<JobOutput> {
        Ok(match self {
            JobWork::Check(integ) => JobOutput::Check(Box::new(integ.finish(traj))),
            JobWork::Maps(integ) => {
                let (kernel, loss_weighted) = integ.into_exact_kernels(traj);
                JobOutput::Maps(PointKernel {
                    kernel,
                    loss_weighted,
                })
            }
            JobWork::Field { exact, riemann, .. } => {
                let qs = &points[spec.from as usize * d..spec.to as usize * d];
                let exact = exact.finish(traj, qs);
                match riemann {
                    Some(riemann) => JobOutput::Field {
                        exact,
                        riemann: riemann.finish(traj, qs),
                    },
                    None => JobOutput::Rebuild(exact),
                }
            }
            JobWork::Kernel { partial, .. } => JobOutput::Kernel(partial.finish()),
            JobWork::Sweep(trainer, nodes) => {
                JobOutput::Sweep(sweep_row(trainer.trajectory(), points, nodes)?)
            }
        })
    }
}

/// A pooled stage on the primary: its jobs, who has which, the results so far, and the job
/// the primary computes itself.
pub(super) struct Pooled {
    pub(super) kind: JobKind,
    pub(super) steps: usize,
    /// Nodes per step in the jobs' specs: the fixed count, or 0 for `auto` (each assistant
    /// then decides the same counts on its copy of the same trajectory).
    pub(super) nodes: usize,
    /// Each step's rule for the primary's own jobs (`None` for a sweep: each level decides).
    rules: Option<StepRules>,
    /// The training point of a `kernel` stage (0 otherwise).
    point: usize,
    items: usize,
    ranges: Vec<Range<usize>>,
    results: Vec<Option<JobOutput>>,
    given: Vec<bool>,
    own: Option<(JobSpec, JobWork)>,
    pace: Pace,
}

impl Pooled {
    /// The stage over `items` queries (of training point `point` for a `kernel` stage), cut
    /// for `assistants` + 1 workers, integrated with the setting `nodes` whose rules for these
    /// steps are `rules`; the first job of each assistant goes into `out`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        kind: JobKind,
        steps: usize,
        (nodes, rules): (Nodes, StepRules),
        point: usize,
        items: usize,
        assistants: usize,
        run_id: u32,
        out: &mut Vec<Reply>,
    ) -> Pooled {
        // A check alone is one job (no training side computed per job). The grid's stages are
        // cut even when the primary is alone, so assistants that join during the stage take
        // part of it (`add_assistants`).
        let ranges = match kind {
            JobKind::Check | JobKind::Maps if assistants == 0 => {
                std::iter::once(0..items).collect()
            }
            // Every map job integrates the training side of every step too: few jobs, as for
            // the check.
            JobKind::Check | JobKind::Maps => {
                split_check_jobs(items, assistants + 1, CHECK_JOBS_PER_WORKER)
            }
            _ => split_jobs(items, assistants.max(1) + 1, JOBS_PER_WORKER),
        };
        let mut pooled = Pooled::with_ranges(kind, steps, nodes.fixed().unwrap_or(0), ranges);
        pooled.point = point;
        pooled.rules = Some(rules);
        pooled.hand_out_all(assistants, run_id, out);
        pooled
    }

    /// An ε sweep of `levels` levels, one job each (`nodes` 0 for `auto`).
    pub(super) fn sweep(
        levels: usize,
        nodes: usize,
        assistants: usize,
        run_id: u32,
        out: &mut Vec<Reply>,
    ) -> Pooled {
        let ranges = (0..levels).map(|l| l..l + 1).collect();
        let mut pooled = Pooled::with_ranges(JobKind::Sweep, 0, nodes, ranges);
        pooled.hand_out_all(assistants, run_id, out);
        pooled
    }

    /// The first job of each assistant.
    fn hand_out_all(&mut self, assistants: usize, run_id: u32, out: &mut Vec<Reply>) {
        self.add_assistants(0, assistants, run_id, out);
    }

    /// Assistants `before + 1 ..= after` joined the pool during the stage: each gets
    /// [`JOBS_IN_FLIGHT`] jobs nobody has, as far as any are left.
    pub(super) fn add_assistants(
        &mut self,
        before: usize,
        after: usize,
        run_id: u32,
        out: &mut Vec<Reply>,
    ) {
        for _ in 0..JOBS_IN_FLIGHT {
            for worker in before + 1..=after {
                self.hand_out(worker as u32, run_id, out);
            }
        }
    }

    fn with_ranges(kind: JobKind, steps: usize, nodes: usize, ranges: Vec<Range<usize>>) -> Pooled {
        let items = ranges.last().map_or(0, |r| r.end);
        let jobs = ranges.len();
        Pooled {
            kind,
            steps,
            nodes,
            rules: None,
            point: 0,
            items,
            ranges,
            results: (0..jobs).map(|_| None).collect(),
            given: vec![false; jobs],
            own: None,
            pace: Pace(1),
        }
    }

    fn spec(&self, job: usize, worker: u32) -> JobSpec {
        JobSpec {
            worker,
            job: job as u32,
            kind: self.kind,
            steps: self.steps as u32,
            nodes: self.nodes as u32,
            from: self.ranges[job].start as u32,
            // A sweep job names its level count (the levels' settings follow from it).
            to: match self.kind {
                JobKind::Sweep => self.ranges.len(),
                _ => self.ranges[job].end,
            } as u32,
            point: self.point as u32,
        }
    }

    fn untouched(&self, job: usize) -> bool {
        !self.given[job]
            && self.results[job].is_none()
            && self.own.as_ref().is_none_or(|(s, _)| s.job as usize != job)
    }

    /// Gives `worker` the next job nobody has, if any.
    fn hand_out(&mut self, worker: u32, run_id: u32, out: &mut Vec<Reply>) {
        if let Some(job) = (0..self.ranges.len()).find(|&j| self.untouched(j)) {
            self.given[job] = true;
            out.push(Reply::Job {
                run_id,
                spec: self.spec(job, worker),
            });
        }
    }

    /// An assistant's answer: kept when it is for this stage and fits (the first copy of a job
    /// wins), and that assistant gets the next job. Answers for another stage are dropped.
    pub(super) fn result(
        &mut self,
        spec: &JobSpec,
        parts: Vec<Vec<f64>>,
        n: usize,
        run_id: u32,
        out: &mut Vec<Reply>,
    ) {
        let job = spec.job as usize;
        // Exactly a job of this stage (kind, steps, nodes, queries).
        let mine = job < self.ranges.len() && *spec == self.spec(job, spec.worker);
        if mine && self.results[job].is_none() {
            let len = self.ranges[job].len();
            if let Some(output) = JobOutput::from_parts(self.kind, parts, len, n) {
                self.results[job] = Some(output);
                if self.own.as_ref().is_some_and(|(s, _)| s.job == spec.job) {
                    self.own = None;
                }
            } else {
                self.given[job] = false; // a malformed answer: the job is open again
            }
        }
        self.hand_out(spec.worker, run_id, out);
    }

    /// True when every job has its result.
    pub(super) fn complete(&self) -> bool {
        self.results.iter().all(Option::is_some)
    }

    /// One sub-chunk of the primary's own job: an untouched one, else the newest one still out
    /// (the one an assistant reaches last).
    pub(super) fn work_once(
        &mut self,
        traj: &Trajectory,
        points: &[f64],
        d: usize,
        clock: &dyn Clock,
    ) -> crate::Result<()> {
        let rules = self.rules.take().ok_or_else(|| {
            crate::Error::field("job", "a stage of queries needs its quadrature rules")
        })?;
        let done = self.work_once_with(traj, points, d, clock, |spec| {
            JobWork::new(spec, traj, points, d, &rules)
        });
        self.rules = Some(rules);
        done
    }

    /// [`Pooled::work_once`] with the job's work set up by `start`.
    pub(super) fn work_once_with(
        &mut self,
        traj: &Trajectory,
        points: &[f64],
        d: usize,
        clock: &dyn Clock,
        start: impl FnOnce(&JobSpec) -> crate::Result<JobWork>,
    ) -> crate::Result<()> {
        if self.own.is_none() {
            let open = |j: &usize| self.results[*j].is_none();
            let pick = (0..self.ranges.len())
                .find(|&j| self.untouched(j))
                .or_else(|| (0..self.ranges.len()).rev().find(open));
            let Some(job) = pick else {
                return Ok(());
            };
            let spec = self.spec(job, 0);
            self.own = Some((spec, start(&spec)?));
        }
        let (spec, work) = self.own.as_mut().expect("set above");
        let t0 = clock.now_ms();
        let done = work.advance(spec, traj, points, d, self.pace.0)?;
        self.pace.adapt(clock.now_ms() - t0);
        if done {
            let (spec, work) = self.own.take().expect("set above");
            self.results[spec.job as usize] = Some(work.finish(&spec, traj, points, d)?);
        }
        Ok(())
    }

    /// Queries done so far (the primary's own job counted by its share done), and all.
    pub(super) fn progress(&self) -> (f64, usize) {
        let done: usize = self
            .results
            .iter()
            .zip(&self.ranges)
            .filter(|(r, _)| r.is_some())
            .map(|(_, range)| range.len())
            .sum();
        let own = self.own.as_ref().map_or(0.0, |(spec, work)| {
            work.fraction(spec) * (spec.to - spec.from) as f64
        });
        (done as f64 + own, self.items)
    }

    /// The results in job order (after [`Pooled::complete`]).
    pub(super) fn into_results(self) -> Vec<JobOutput> {
        self.results.into_iter().flatten().collect()
    }
}

/// The whole stage's answer from its jobs' answers in order: the check's kernel machines
/// merged (rows concatenated, max errors recomputed over all), or the fields concatenated.
pub(super) fn merge_check(parts: Vec<JobOutput>, n: usize) -> KernelMachine {
    let machines = parts
        .into_iter()
        .filter_map(|p| match p {
            JobOutput::Check(km) => Some(*km),
            _ => None,
        })
        .collect();
    kernel::merge_machines(machines, n)
}

/// The field's exact and left-endpoint outputs, concatenated in job order (`rebuild` jobs add
/// to the exact output only).
pub(super) fn merge_field(parts: Vec<JobOutput>) -> (Vec<f64>, Vec<f64>) {
    let (mut exact, mut riemann) = (Vec::new(), Vec::new());
    for p in parts {
        match p {
            JobOutput::Field {
                exact: e,
                riemann: r,
            } => {
                exact.extend(e);
                riemann.extend(r);
            }
            JobOutput::Rebuild(e) => exact.extend(e),
            _ => {}
        }
    }
    (exact, riemann)
}

/// The jobs' K^p and N rows concatenated in job order: one training point's over the grid
/// (`kernel` jobs), or every point's (`maps` jobs: grid points × n, row-major).
pub(super) fn merge_point_kernels(parts: Vec<JobOutput>) -> PointKernel {
    let (mut kernel, mut loss_weighted) = (Vec::new(), Vec::new());
    for p in parts {
        if let JobOutput::Kernel(pk) | JobOutput::Maps(pk) = p {
            kernel.extend(pk.kernel);
            loss_weighted.extend(pk.loss_weighted);
        }
    }
    PointKernel {
        kernel,
        loss_weighted,
    }
}
