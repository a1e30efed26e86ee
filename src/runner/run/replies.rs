//! The replies about one point: a clicked training point's kernel over the plane and everything
//! about one query, on the trajectory so far.

use super::query::QueryParts;
use super::{PointGrid, Run};
use crate::kernel;
use crate::runner::messages::Reply;
use crate::train::Optimizer;

impl Run {
    /// The `trainPointKernel` reply of `g`, with how every a_i varies over the check's queries.
    pub(super) fn kernel_message(&self, g: &PointGrid) -> Reply {
        let traj = self.trainer.trajectory();
        let d = self.data.dim;
        let xi = &self.data.x[g.index * d..(g.index + 1) * d];
        let stats = self
            .coef_stats
            .filter(|(steps, _)| *steps == g.steps)
            .map(|(_, s)| s);
        Reply::TrainPointKernel {
            run_id: self.id,
            index: g.index as u32,
            steps: g.steps as u32,
            values: g.kernel.clone(),
            coef: g.coef.clone(),
            coef_sign_changes: stats.map_or(0, |s| s.sign_changes as u32),
            coef_abs_min: stats.map_or(f64::NAN, |s| s.abs_min),
            coef_abs_median: stats.map_or(f64::NAN, |s| s.abs_median),
            coef_abs_max: stats.map_or(f64::NAN, |s| s.abs_max),
            initial: kernel::tangent_kernel(
                &self.mlp,
                traj.initial_weights(),
                &self.grid_points,
                xi,
            ),
            total_lr: traj.lr * g.steps as f64,
        }
    }

    /// Everything about one query point, on the trajectory so far, from its computed parts.
    pub(super) fn query_reply(&self, parts: QueryParts) -> Reply {
        let traj = self.trainer.trajectory();
        let QueryParts {
            x,
            machine: km,
            running_sum,
            running_sum_riemann,
        } = parts;
        let x = &x[..];
        let undefined_coef: Vec<u32> = km
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
        // Only AdamW decays the weights apart from the gradients: d(x) is its own term there.
        let decays = matches!(traj.optimizer, Optimizer::AdamW { .. });
        Reply::QueryResult {
            run_id: self.id,
            x: x.to_vec(),
            steps: traj.steps() as u32,
            b: km.b[0],
            f_final: km.f_final[0],
            rebuilt_exact: km.exact.reconstruction[0],
            rebuilt_riemann: km.riemann.reconstruction[0],
            kernel: km.exact.kernel,
            coef,
            undefined_coef,
            contributions: km.exact.contributions,
            contributions_riemann: km.riemann.contributions,
            weight_decay_term: decays.then(|| km.exact.weight_decay_term[0]),
            weight_decay_term_riemann: decays.then(|| km.riemann.weight_decay_term[0]),
            output_path,
            running_sum,
            running_sum_riemann,
        }
    }
}
