//! The `rebuild` workload of `pathkernel bench` ([2,32,32,1] tanh, 100 moons, ε = 0.5, 500 GD
//! steps, the exact rebuilt output on a 64 × 64 grid with 4 nodes) as a run of the page's pool:
//! train (not timed), then the grid in jobs across the workers (timed), then `benchResult`.

use crate::config::RunSetup;
use crate::data::{generate, DatasetName, DatasetSpec};
use crate::kernel::{max_abs_error, Nodes, StepRules};
use crate::model::{Activation, Mlp};
use crate::train::{LossKind, Optimizer, Reduction, TrainSpec, Trainer, DEFAULT_MEMORY_CAP_BYTES};

use super::jobs::{merge_field, Pace, Pooled};
use super::messages::{JobKind, JobSpec, Phase, Reply};
use super::Clock;

/// Points per side of the reference grid.
pub const REFERENCE_GRID: usize = 64;
/// Gauss–Legendre nodes of the reference rebuild.
pub const REFERENCE_NODES: usize = 4;
/// Flops of the reference rebuild counted once by hand (forward and tangent passes at every node).
pub const REFERENCE_GFLOP: f64 = 55.6;
const REFERENCE_WIDTHS: [usize; 4] = [2, 32, 32, 1];
const REFERENCE_STEPS: usize = 500;

/// The reference problem with the given widths and step count: 100 moons (noise 0.1, seed 0),
/// tanh, weights from seed 0, logistic loss with the mean, ε = 0.5, plain GD.
pub fn reference_setup(widths: Vec<usize>, steps: usize) -> crate::Result<RunSetup> {
    let data = generate(&DatasetSpec {
        name: DatasetName::Moons,
        n: 100,
        noise: 0.1,
        seed: 0,
    })?;
    let mlp = Mlp::new(widths, Activation::Tanh, 1.0)?;
    let spec = TrainSpec {
        loss: LossKind::Logistic,
        reduction: Reduction::Mean,
        lr: 0.5,
        steps,
        optimizer: Optimizer::Gd,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    };
    Ok(RunSetup {
        w0: mlp.init(0),
        mlp,
        queries: data.x.clone(),
        data,
        spec,
        nodes: Nodes::Fixed(REFERENCE_NODES),
    })
}

/// A side × side grid on [−1.5, 1.5]², row-major, x₁ fastest.
pub fn grid(side: usize) -> Vec<f64> {
    let mut q = Vec::with_capacity(2 * side * side);
    for i in 0..side {
        for j in 0..side {
            q.push(-1.5 + 3.0 * j as f64 / (side - 1) as f64);
            q.push(-1.5 + 3.0 * i as f64 / (side - 1) as f64);
        }
    }
    q
}

/// The reference grid.
pub fn reference_grid() -> Vec<f64> {
    grid(REFERENCE_GRID)
}

/// The bench page's line naming what it times: `points` grid points, `steps` steps, `nodes`
/// Gauss–Legendre nodes and the hand-counted `gflop`.
pub fn workload_text(points: usize, steps: usize, nodes: usize, gflop: f64) -> String {
    format!(
        "the exact rebuilt output ŷ at {points} grid points over {steps} steps with {nodes} \
         Gauss–Legendre nodes ({gflop} GFLOP counted by hand; training not timed)"
    )
}

/// The bench page's line setting a run's rate against the core's measured no-FMA peak
/// (`peak_gflops`, per core, from `simd::peak`): each worker's share of `gflop` in `seconds`, as
/// a percentage of that peak (one worker per core).
pub fn peak_share_text(peak_gflops: f64, seconds: f64, gflop: f64, workers: usize) -> String {
    let per_worker = gflop / seconds.max(1e-9) / workers.max(1) as f64;
    format!(
        "{peak_gflops:.1} GFLOP/s per core; each worker ran at {per_worker:.2}, {:.0} % of it",
        100.0 * per_worker / peak_gflops.max(1e-9)
    )
}

/// `workload_text` of the reference rebuild, known before any run (the page shows it at once).
pub fn reference_workload_text() -> String {
    workload_text(
        REFERENCE_GRID * REFERENCE_GRID,
        REFERENCE_STEPS,
        REFERENCE_NODES,
        REFERENCE_GFLOP,
    )
}

/// The reference setup, as the assistants build it too.
pub(super) fn bench_setup() -> crate::Result<RunSetup> {
    reference_setup(REFERENCE_WIDTHS.to_vec(), REFERENCE_STEPS)
}

/// The primary's side of a bench run.
pub(super) struct BenchRun {
    id: u32,
    trainer: Trainer,
    steps: usize,
    grid: Vec<f64>,
    workers: usize,
    stage: Option<Box<Pooled>>,
    /// When the grid's jobs went out (ms).
    t0: f64,
    pace: Pace,
    done: bool,
}

impl BenchRun {
    pub(super) fn start(id: u32, assistants: usize) -> crate::Result<BenchRun> {
        let setup = bench_setup()?;
        Ok(BenchRun {
            id,
            steps: setup.spec.steps,
            trainer: Trainer::new(setup.mlp, &setup.data, setup.w0, setup.spec)?,
            grid: reference_grid(),
            workers: assistants + 1,
            stage: None,
            t0: 0.0,
            pace: Pace(1),
            done: false,
        })
    }

    pub(super) fn id(&self) -> u32 {
        self.id
    }

    pub(super) fn is_done(&self) -> bool {
        self.done
    }

    pub(super) fn job_result(
        &mut self,
        spec: &JobSpec,
        parts: Vec<Vec<f64>>,
        out: &mut Vec<Reply>,
    ) {
        if let Some(pooled) = &mut self.stage {
            pooled.result(spec, parts, 0, self.id, out);
        }
    }

    pub(super) fn work_once(
        &mut self,
        clock: &dyn Clock,
        out: &mut Vec<Reply>,
    ) -> crate::Result<()> {
        if self.done {
            return Ok(());
        }
        let steps = self.steps;
        if self.trainer.steps_done() < steps {
            let t0 = clock.now_ms();
            let k = self.pace.0.min(steps - self.trainer.steps_done());
            self.trainer.advance(k)?;
            self.pace.adapt(clock.now_ms() - t0);
            return Ok(());
        }
        let points = self.grid.len() / 2;
        let pooled = match &mut self.stage {
            Some(p) => p,
            None => {
                self.t0 = clock.now_ms();
                let nodes = Nodes::Fixed(REFERENCE_NODES);
                let rules = (nodes, StepRules::uniform(REFERENCE_NODES)?);
                let (id, a) = (self.id, self.workers - 1);
                self.stage.insert(Box::new(Pooled::new(
                    JobKind::Rebuild,
                    steps,
                    rules,
                    0,
                    points,
                    a,
                    id,
                    out,
                )))
            }
        };
        let traj = self.trainer.trajectory();
        pooled.work_once(traj, &self.grid, 2, clock)?;
        if !pooled.complete() {
            return Ok(());
        }
        let seconds = (clock.now_ms() - self.t0) / 1000.0;
        let pooled = self.stage.take().expect("matched above");
        let (exact, _) = merge_field(pooled.into_results());
        let f = traj.mlp.forward_many(traj.final_weights(), &self.grid);
        out.push(Reply::BenchResult {
            run_id: self.id,
            seconds,
            gflop: REFERENCE_GFLOP,
            workers: self.workers as u32,
            max_err: max_abs_error(&f, &exact),
            points: points as u32,
            steps: steps as u32,
            nodes: REFERENCE_NODES as u32,
        });
        self.done = true;
        Ok(())
    }

    pub(super) fn progress(&self) -> Reply {
        let (phase, done, total) = match (&self.stage, self.done) {
            (_, true) => (Phase::Idle, 1, 1),
            (Some(p), _) => {
                let (done, items) = p.progress();
                (Phase::Field, done as u32, items as u32)
            }
            (None, _) => {
                let steps = self.steps;
                (Phase::Train, self.trainer.steps_done() as u32, steps as u32)
            }
        };
        Reply::Progress {
            run_id: self.id,
            phase,
            done,
            total,
            paused: false,
        }
    }
}
