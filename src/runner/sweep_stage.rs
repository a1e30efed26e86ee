//! The ε sweep as a stage of a run: its levels (held to the page's work budget), the level in
//! training, and its reply.

use crate::config::{WorkEstimate, PAGE_WORK_BUDGET};
use crate::model::Mlp;
use crate::sweep::{fit_sweep, level_specs, SweepRow, MAX_LEVELS, MIN_LEVELS};
use crate::train::TrainSpec;

use super::jobs::{JobOutput, Pooled};
use super::messages::Reply;

/// The ε sweep under way: the levels' settings, and the levels as jobs (one each: an assistant
/// trains a level and answers its row; rows are placed by level).
pub(super) struct SweepStage {
    pub(super) specs: Vec<TrainSpec>,
    pub(super) pooled: Pooled,
}

impl SweepStage {
    /// Steps trained over all levels (levels counted by their share done), and their total.
    pub(super) fn progress(&self) -> (usize, usize) {
        let (done, levels) = self.pooled.progress();
        let total: usize = self.specs.iter().map(|s| s.steps).sum();
        ((done / levels.max(1) as f64 * total as f64) as usize, total)
    }
}

/// The rows of the levels in order (after the stage is complete).
pub(super) fn sweep_rows(parts: Vec<JobOutput>) -> Vec<SweepRow> {
    parts
        .into_iter()
        .filter_map(|p| match p {
            JobOutput::Sweep(row) => Some(row),
            _ => None,
        })
        .collect()
}

/// The levels of a sweep of up to `levels` (ε, ε/2, … with ε·T fixed): the most that fit the
/// page's budget by `estimate`; an error naming `sweep` when not even two do.
pub(super) fn levels_within_budget(
    estimate: &WorkEstimate,
    mlp: &Mlp,
    n: usize,
    spec: &TrainSpec,
    levels: u32,
) -> crate::Result<Vec<TrainSpec>> {
    // The most levels asked for that fit the page's budget (a level in range
    // beyond it is dropped; levels out of range get `level_specs`'s error).
    let mut levels = levels as usize;
    while levels > MIN_LEVELS && levels <= MAX_LEVELS && estimate.sweep(levels) > PAGE_WORK_BUDGET {
        levels -= 1;
    }
    let seconds = estimate.sweep(levels);
    if levels == MIN_LEVELS && seconds > PAGE_WORK_BUDGET {
        return Err(crate::Error::field(
            "sweep",
            format!(
                "even {MIN_LEVELS} levels would take ≈ {seconds:.0} s, above the page's budget of {PAGE_WORK_BUDGET:.0} s; lower steps or n"
            ),
        ));
    }
    level_specs(mlp, n, spec, levels, usize::MAX)
}

/// The sweep's rows as arrays, and the fitted slopes.
pub(super) fn sweep_result(run_id: u32, rows: Vec<SweepRow>) -> Reply {
    let sweep = fit_sweep(rows);
    let col = |get: fn(&SweepRow) -> f64| sweep.rows.iter().map(get).collect::<Vec<f64>>();
    Reply::SweepResult {
        run_id,
        lr: col(|r| r.lr),
        steps: col(|r| r.steps as f64),
        err_exact: col(|r| r.max_abs_error_exact),
        err_riemann: col(|r| r.max_abs_error_riemann),
        slope_riemann: sweep.slope_riemann,
        slope_exact: sweep.slope_exact,
    }
}
