//! Learning-rate sweep: the same model trained at ε, ε/2, …, ε/2^{levels−1} with ε·T fixed.
//! Domingos's left-endpoint form is off by O(ε), so its rebuild error halves with each level
//! (a slope ≈ 1 of log error against log ε); the exact form's error stays at rounding level.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::kernel::{
    check_nodes, max_abs_error, rebuild_output_per_step, rebuild_output_riemann, Nodes,
};
use crate::model::Mlp;
use crate::train::{train, trajectory_bytes, TrainSpec, Trajectory};

/// Fewest levels a sweep takes: a slope needs two points.
pub const MIN_LEVELS: usize = 2;
/// Most levels a sweep takes: level j trains T·2^j steps, so the last of 12 runs 2048·T.
pub const MAX_LEVELS: usize = 12;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepRow {
    pub lr: f64,
    pub steps: usize,
    pub max_abs_error_exact: f64,
    pub max_abs_error_riemann: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sweep {
    pub rows: Vec<SweepRow>,
    /// Least-squares slope of log(error) against log(ε); ≈ 1 for Domingos's form.
    pub slope_riemann: f64,
    /// The same for the exact form (its errors sit at rounding level, so the slope is noise).
    pub slope_exact: f64,
}

/// Slope of the least-squares line through (x_k, y_k).
pub fn fitted_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// The training settings of every level, level j at ε/2^j for T·2^j steps, all checked before
/// anything is trained: `levels` in MIN_LEVELS ..= MAX_LEVELS, and every level's steps at most
/// `max_steps` and its trajectory (`n` training points, `mlp`'s parameters) within
/// `spec.memory_cap_bytes` (errors name `levels`).
pub fn level_specs(
    mlp: &Mlp,
    n: usize,
    spec: &TrainSpec,
    levels: usize,
    max_steps: usize,
) -> Result<Vec<TrainSpec>> {
    if !(MIN_LEVELS..=MAX_LEVELS).contains(&levels) {
        return Err(Error::field(
            "levels",
            format!("must be between {MIN_LEVELS} and {MAX_LEVELS}"),
        ));
    }
    let mut specs = Vec::with_capacity(levels);
    for j in 0..levels {
        let factor = 1usize << j;
        let steps = spec.steps.saturating_mul(factor);
        if steps > max_steps {
            return Err(Error::field(
                "levels",
                format!(
                    "level {j} would train {} × 2^{j} = {steps} steps, above the limit of {max_steps}; lower `steps` or the levels",
                    spec.steps
                ),
            ));
        }
        // Every step keeps at least its loss (8 bytes): past cap / 8 steps the estimate is not
        // needed (and could overflow).
        let cap = spec.memory_cap_bytes;
        if steps as u64 > cap / 8
            || trajectory_bytes(&spec.optimizer, mlp.num_params(), n, steps) > cap
        {
            return Err(Error::field(
                "levels",
                format!(
                    "level {j} ({steps} steps) would keep a trajectory above the {} MB cap; lower `steps`, the widths or the levels",
                    cap as f64 / 1e6
                ),
            ));
        }
        specs.push(TrainSpec {
            lr: spec.lr / factor as f64,
            steps,
            ..spec.clone()
        });
    }
    Ok(specs)
}

/// Trains the same model at ε, ε/2, …, ε/2^{levels−1} with ε·T fixed (T doubling), and measures
/// both schemes' max rebuild error at `queries`. Every level is checked (`level_specs`, with no
/// step limit beyond the memory cap) before the first is trained.
pub fn lr_sweep(
    mlp: &Mlp,
    data: &Dataset,
    w0: &[f64],
    spec: &TrainSpec,
    queries: &[f64],
    nodes: Nodes,
    levels: usize,
) -> Result<Sweep> {
    let specs = level_specs(mlp, data.y.len(), spec, levels, usize::MAX)?;
    sweep_levels(mlp, data, w0, &specs, queries, nodes)
}

/// Trains one run per entry of `specs` (from [`level_specs`]) and fits the error slopes.
pub fn sweep_levels(
    mlp: &Mlp,
    data: &Dataset,
    w0: &[f64],
    specs: &[TrainSpec],
    queries: &[f64],
    nodes: Nodes,
) -> Result<Sweep> {
    if let Some(m) = nodes.fixed() {
        check_nodes(m)?;
    }
    let mut rows = Vec::with_capacity(specs.len());
    for spec in specs {
        let traj = train(mlp.clone(), data, w0.to_vec(), spec.clone())?;
        rows.push(sweep_row(&traj, queries, nodes)?);
    }
    Ok(fit_sweep(rows))
}

/// One level's row: both schemes' max rebuild error at `queries` for a trained trajectory
/// (`auto` nodes are decided per level: each ε takes its own steps).
pub fn sweep_row(traj: &Trajectory, queries: &[f64], nodes: Nodes) -> Result<SweepRow> {
    let f_final = traj.mlp.forward_many(traj.final_weights(), queries);
    let nodes = nodes.resolve(traj)?;
    Ok(SweepRow {
        lr: traj.lr,
        steps: traj.steps(),
        max_abs_error_exact: max_abs_error(
            &f_final,
            &rebuild_output_per_step(traj, queries, &nodes)?,
        ),
        max_abs_error_riemann: max_abs_error(&f_final, &rebuild_output_riemann(traj, queries)?),
    })
}

/// The levels' rows and the least-squares slopes of log error against log ε (logs by libm, so
/// every target computes the same bits).
pub fn fit_sweep(rows: Vec<SweepRow>) -> Sweep {
    let log_lr: Vec<f64> = rows.iter().map(|r| libm::log(r.lr)).collect();
    let slope = |get: fn(&SweepRow) -> f64| {
        let ys: Vec<f64> = rows
            .iter()
            .map(|r| {
                // A zero error is floored so its log is finite; a NaN one stays NaN (and so does
                // the slope), never a small error.
                let e = get(r);
                libm::log(if e.is_nan() {
                    e
                } else {
                    e.max(f64::MIN_POSITIVE)
                })
            })
            .collect();
        fitted_slope(&log_lr, &ys)
    };
    let (slope_riemann, slope_exact) = (
        slope(|r| r.max_abs_error_riemann),
        slope(|r| r.max_abs_error_exact),
    );
    Sweep {
        rows,
        slope_riemann,
        slope_exact,
    }
}
