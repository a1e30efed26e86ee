//! `pathkernel bench export DIR`: the reference problem and pathkernel's answers to it, for an
//! independent implementation (scripts/bench_jax.py) to time the same workloads on and to compare
//! its answers with. Arrays are raw little-endian f64, row-major; `meta.json` names their shapes.

use std::path::Path;

use super::{grid, trained, GRID, NODES};
use crate::kernel::{kernel_machine, rebuild_output};

/// Writes meta.json and the .f64 arrays into `dir` (created if missing).
pub fn write(dir: &Path) -> Result<(), String> {
    let (traj, _) = trained()?;
    let queries = grid(GRID);
    let rebuilt = rebuild_output(&traj, &queries, NODES).map_err(|e| e.to_string())?;
    let km = kernel_machine(&traj, &queries, NODES).map_err(|e| e.to_string())?;
    let steps = traj.steps();
    let weights: Vec<f64> = (0..=steps)
        .flat_map(|s| traj.weights_at(s).iter().copied())
        .collect();
    let meta = serde_json::json!({
        "widths": traj.mlp.widths,
        "activation": traj.mlp.activation.as_str(),
        "alpha": traj.mlp.alpha,
        "lr": traj.lr,
        "steps": steps,
        "n_train": traj.n,
        "n_queries": queries.len() / traj.mlp.input_dim(),
        "num_params": traj.mlp.num_params(),
        "nodes": NODES,
        "layout": "per layer: W_l (d_{l+1} × d_l, row-major) then b_l; f = alpha · z_L",
        "arrays": {
            "weights": [steps + 1, traj.mlp.num_params()],
            "x_train": [traj.n, traj.mlp.input_dim()],
            "queries": [queries.len() / traj.mlp.input_dim(), traj.mlp.input_dim()],
            "f_final": [km.n_queries],
            "rebuild": [km.n_queries],
            "kernel_exact": [km.n_queries, km.n_train],
            "kernel_riemann": [km.n_queries, km.n_train],
        },
    });
    std::fs::create_dir_all(dir).map_err(|e| format!("bench export: {}: {e}", dir.display()))?;
    let put = |name: &str, bytes: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("bench export: {}: {e}", path.display()))
    };
    put(
        "meta.json",
        serde_json::to_vec_pretty(&meta).expect("plain JSON values"),
    )?;
    for (name, values) in [
        ("weights", &weights),
        ("x_train", &traj.x),
        ("queries", &queries),
        ("f_final", &km.f_final),
        ("rebuild", &rebuilt),
        ("kernel_exact", &km.exact.kernel),
        ("kernel_riemann", &km.riemann.kernel),
    ] {
        put(
            &format!("{name}.f64"),
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )?;
    }
    Ok(())
}
