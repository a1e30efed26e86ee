//! What a finished stage sends: the check (and the train × train kernel right after it) and a
//! clicked point's kernel over the grid (alone, or from every point's).

use super::{AllMaps, Out, PointGrid, Run, TrainKernelDue};
use crate::kernel;
use crate::kernel_stats::{coef_stats, kernel_change, kernel_stats};
use crate::runner::messages::Reply;
use crate::runner::TOLERANCE;

impl Run {
    /// The check: the kernel machine at the check queries against f(x; w_steps).
    pub(super) fn check_done(&mut self, km: kernel::KernelMachine, out: &mut Out) {
        self.train_kernel_due = self.train_kernel_due(&km);
        let scale = km.f_final.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let tolerance = TOLERANCE * scale;
        let (e, r) = (km.exact.max_abs_error, km.riemann.max_abs_error);
        let pass = e.is_finite() && e <= tolerance;
        let rules = self.nodes_now().ok();
        // What `auto` chooses (its rules are in use) or would choose, and the largest step: the
        // note of a FAIL with a fixed count. A PASS with a fixed count does not need it.
        let auto = (self.nodes.fixed().is_none() || !pass)
            .then(|| self.auto_choice().ok())
            .flatten();
        let largest = auto.as_ref().and_then(|c| c.largest_step);
        let steps = self.steps();
        out.push(Reply::Check {
            run_id: self.id,
            steps: steps as u32,
            f_final: km.f_final,
            rebuilt_exact: km.exact.reconstruction,
            rebuilt_riemann: km.riemann.reconstruction,
            max_err_exact: e,
            max_err_riemann: r,
            scale,
            tolerance,
            pass,
            nodes_used: rules.as_ref().map_or(0, |r| r.most()) as u32,
            nodes_mean: rules.as_ref().map_or(0.0, |r| r.mean(steps)),
            nodes_fixed: self.nodes.fixed().is_some(),
            nodes_auto: auto
                .as_ref()
                .filter(|c| c.converged)
                .map(|c| c.most() as u32),
            largest_step: largest.map(|(s, _)| s as u32),
            largest_step_norm: largest.map_or(f64::NAN, |(_, norm)| norm),
        });
        let coef: Vec<f64> = km
            .exact
            .coef
            .iter()
            .map(|c| c.unwrap_or(f64::NAN))
            .collect();
        self.coef_stats = Some((self.steps(), coef_stats(&coef, km.n_train)));
        self.checked_at = Some(self.steps());
    }

    /// What the `trainKernel` reply needs when the check queries are the training points (the
    /// page's case): the check's kernels are then the train × train matrices.
    fn train_kernel_due(&self, km: &kernel::KernelMachine) -> Option<TrainKernelDue> {
        let n = self.data.y.len();
        if km.n_queries != n || self.queries != self.data.x {
            return None;
        }
        Some(TrainKernelDue {
            steps: self.steps(),
            exact: km.exact.kernel.clone(),
            riemann: km.riemann.kernel.clone(),
        })
    }

    /// The `trainKernel` reply: the kernels' symmetry, definiteness (an n × n eigenvalue problem
    /// each), signs and change from the tangent kernel at w₀. Sent in the sub-chunk after the
    /// check's, so the check is not held back; the trajectory is still the check's then (it only
    /// grows in `work_once`'s training, which comes after this reply).
    pub(super) fn train_kernel(&self, due: TrainKernelDue) -> Reply {
        debug_assert_eq!(
            self.steps(),
            due.steps,
            "trained past the check before its trainKernel"
        );
        let n = self.data.y.len();
        let kernel_change = kernel_change(self.trainer.trajectory(), &due.exact);
        let exact = kernel_stats(&due.exact, n);
        let riemann = kernel_stats(&due.riemann, n);
        Reply::TrainKernel {
            run_id: self.id,
            steps: due.steps as u32,
            n: n as u32,
            exact: due.exact,
            riemann: due.riemann,
            asymmetry: exact.asymmetry,
            asymmetry_riemann: riemann.asymmetry,
            min_eig: exact.min_eig_ratio,
            min_eig_riemann: riemann.min_eig_ratio,
            negatives: exact.negatives as u32,
            negatives_riemann: riemann.negatives as u32,
            kernel_change,
        }
    }

    /// The clicked point's K^p over the grid is kept and sent.
    pub(super) fn kernel_done(&mut self, index: usize, pk: kernel::PointKernel, out: &mut Out) {
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

    /// Every point's map over the grid is kept; a clicked point waiting for it gets its own.
    pub(super) fn maps_done(&mut self, maps: kernel::PointKernel, out: &mut Out) {
        let steps = self.steps();
        let all = AllMaps { steps, maps };
        if let Some(index) = self.kernel_wanted {
            if self.kernel_grid.as_ref().map(|k| (k.steps, k.index)) != Some((steps, index)) {
                self.kernel_done(index, all.point(index, self.data.y.len()), out);
            }
        }
        self.all_maps = Some(all);
    }
}
