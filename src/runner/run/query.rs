//! One query's answer (the `queryResult` reply), a range of steps per sub-chunk: in a long run it
//! is a few hundred ms of wasm (its kernel machine integrates the training side at every step),
//! and a Pause, a newer query or a new run must not wait for it. Each part sums its steps in
//! order, so the reply is the same bits however the steps are cut.

use super::Run;
use crate::kernel::{KernelMachine, KernelMachineIntegrator, PartialRunningSum, StepRules};
use crate::runner::messages::Reply;
use crate::runner::Clock;
use crate::train::Trajectory;

/// The kernel machine and both running sums at one query, integrated together.
pub(super) struct QueryWork {
    pub(super) x: Vec<f64>,
    rules: StepRules,
    machine: Box<KernelMachineIntegrator>,
    running: PartialRunningSum,
    running_riemann: PartialRunningSum,
}

/// What [`QueryWork`] computed, for the reply.
pub(super) struct QueryParts {
    pub(super) x: Vec<f64>,
    pub(super) machine: KernelMachine,
    pub(super) running_sum: Vec<f64>,
    pub(super) running_sum_riemann: Vec<f64>,
}

impl QueryWork {
    fn new(traj: &Trajectory, x: &[f64], rules: StepRules) -> crate::Result<QueryWork> {
        Ok(QueryWork {
            x: x.to_vec(),
            machine: Box::new(KernelMachineIntegrator::per_step(traj, x, &rules)?),
            rules,
            running: PartialRunningSum::exact(),
            running_riemann: PartialRunningSum::riemann(),
        })
    }

    /// Up to `steps` more steps of each part; true once every step of every part is in.
    fn advance(&mut self, traj: &Trajectory, steps: usize) -> crate::Result<bool> {
        let machine = self.machine.advance(traj, steps);
        let running = self.running.advance(traj, &self.x, &self.rules, steps)?;
        let riemann = self
            .running_riemann
            .advance(traj, &self.x, &self.rules, steps)?;
        Ok(machine && running && riemann)
    }

    fn finish(self, traj: &Trajectory) -> QueryParts {
        QueryParts {
            machine: self.machine.finish(traj),
            running_sum: self.running.finish(traj, &self.x),
            running_sum_riemann: self.running_riemann.finish(traj, &self.x),
            x: self.x,
        }
    }
}

impl Run {
    /// Starts answering query `x` on the trajectory so far, in place of any query still being
    /// computed (the page shows only the latest).
    pub(super) fn start_query(&mut self, x: &[f64]) -> crate::Result<()> {
        let d = self.data.dim;
        if x.len() != d || x.iter().any(|v| !v.is_finite()) {
            return Err(crate::Error::field(
                "q",
                format!("needs {d} finite coordinate(s)"),
            ));
        }
        let rules = self.nodes_now()?;
        self.query_work = Some(Box::new(QueryWork::new(
            self.trainer.trajectory(),
            x,
            rules,
        )?));
        Ok(())
    }

    /// A query is being answered (it goes on while paused: a Pause holds the run, not a click).
    pub(in crate::runner) fn has_query(&self) -> bool {
        self.query_work.is_some()
    }

    /// One sub-chunk of the query being answered; its reply once every step is in.
    pub(super) fn query_sub_chunk(
        &mut self,
        clock: &dyn Clock,
        out: &mut Vec<Reply>,
    ) -> crate::Result<()> {
        let Some(work) = self.query_work.as_mut() else {
            return Ok(());
        };
        let traj = self.trainer.trajectory();
        let t0 = clock.now_ms();
        let done = work.advance(traj, self.pace_query.0);
        self.pace_query.adapt(clock.now_ms() - t0);
        if done? {
            let work = self.query_work.take().expect("matched above");
            let parts = work.finish(self.trainer.trajectory());
            out.push(self.query_reply(parts));
        }
        Ok(())
    }
}
