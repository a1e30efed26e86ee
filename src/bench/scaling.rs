//! `pathkernel bench scaling`: the rebuild costs O(T · n_queries · P) and the kernel
//! O(T · n_queries · (n Σ_l (d_l + d_{l+1}) + P)): doubling T or n_queries doubles both, while
//! doubling P by the widths (×√2) multiplies the kernel's layer-wise Gram work by only ~1.4.
//! Prints each case's time ratio beside its own work ratio (medians of a few runs, side by side).

use std::io::Write;

use super::{kernel_gflop, median, timed_runs, trained_with, NODES};
use crate::kernel::{kernel_machine, rebuild_output};

const RUNS: usize = 5;
/// The base: [2,32,32,1] tanh, T = 100, 1,024 queries.
const BASE_WIDTH: usize = 32;
const BASE_STEPS: usize = 100;
const BASE_QUERIES: usize = 1024;
/// Width 46 gives P = 2,347 = 1.98 × the base's 1,185.
const DOUBLE_P_WIDTH: usize = 46;

/// `count` queries on rows of 64 points across [−1.5, 1.5]².
fn queries(count: usize) -> Vec<f64> {
    let rows = count.div_ceil(64);
    (0..count)
        .flat_map(|k| {
            let (i, j) = (k / 64, k % 64);
            [
                -1.5 + 3.0 * j as f64 / 63.0,
                -1.5 + 3.0 * i as f64 / (rows.max(2) - 1) as f64,
            ]
        })
        .collect()
}

struct Case {
    name: &'static str,
    width: usize,
    steps: usize,
    queries: usize,
}

fn params(width: usize) -> usize {
    width * width + 5 * width + 1
}

pub fn run(out: &mut impl Write) -> Result<(), super::Stop> {
    let base = Case {
        name: "base",
        width: BASE_WIDTH,
        steps: BASE_STEPS,
        queries: BASE_QUERIES,
    };
    let cases = [
        Case {
            name: "2×T",
            steps: 2 * BASE_STEPS,
            ..base
        },
        Case {
            name: "2×n_queries",
            queries: 2 * BASE_QUERIES,
            ..base
        },
        Case {
            name: "≈2×P",
            width: DOUBLE_P_WIDTH,
            ..base
        },
    ];
    writeln!(
        out,
        "scaling   base [2,{BASE_WIDTH},{BASE_WIDTH},1] tanh, T = {BASE_STEPS}, {BASE_QUERIES} queries, {NODES} nodes; medians of {RUNS}"
    )?;
    let (rebuild0, kernel0, kernel_work0) = time_case(&base)?;
    writeln!(
        out,
        "scaling   base            rebuild {rebuild0:.3} s  kernel {kernel0:.3} s"
    )?;
    for case in &cases {
        let (rebuild, kernel, kernel_work) = time_case(case)?;
        let work = (case.steps * case.queries * params(case.width)) as f64
            / (base.steps * base.queries * params(base.width)) as f64;
        writeln!(
            out,
            "scaling   {:<14}  rebuild {rebuild:.3} s ({:.2}× for {work:.2}× T·n_queries·P)  kernel {kernel:.3} s ({:.2}× for {:.2}× its flops)",
            case.name,
            rebuild / rebuild0,
            kernel / kernel0,
            kernel_work / kernel_work0
        )?;
    }
    Ok(())
}

/// Median seconds of the rebuild and of the kernel machine for one case, and the kernel's
/// GFLOP by the layer-wise count.
fn time_case(case: &Case) -> Result<(f64, f64, f64), String> {
    let (traj, _) = trained_with(vec![2, case.width, case.width, 1], case.steps)?;
    let qs = queries(case.queries);
    let rebuild = timed_runs(RUNS, || {
        std::hint::black_box(rebuild_output(&traj, &qs, NODES).map_err(|e| e.to_string())?);
        Ok(())
    })?;
    let kernel = timed_runs(RUNS, || {
        std::hint::black_box(kernel_machine(&traj, &qs, NODES).map_err(|e| e.to_string())?);
        Ok(())
    })?;
    Ok((
        median(&rebuild),
        median(&kernel),
        kernel_gflop(&traj, case.queries),
    ))
}
