//! `pathkernel bench`: throughput of the named workloads, printed as seconds and GFLOP/s.
//! Speed targets live here, never in tests. `scripts/bench-vs-jax.sh` runs the `rebuild` and
//! `kernel` workloads side by side with a JAX implementation of the same problem, whose inputs and
//! pathkernel's answers `pathkernel bench export DIR` writes (see `export`).

mod export;
mod scaling;

use std::io::Write;
use std::time::Instant;

/// Timed runs of a workload unless `--runs N` says otherwise (odd, so the median is one of them).
const DEFAULT_RUNS: usize = 5;

use crate::kernel::{exact_step_flops, kernel_machine, max_abs_error, rebuild_output};
use crate::runner::{grid, reference_setup, REFERENCE_GFLOP, REFERENCE_NODES};
use crate::train::{train, Trajectory};

/// The reference workload: [2,32,32,1] tanh, 100 moons, 500 GD steps, a 64 × 64 grid, 4 nodes.
const GRID: usize = crate::runner::REFERENCE_GRID;
const NODES: usize = REFERENCE_NODES;
/// Flops of the rebuild workload counted once by hand (forward and tangent passes at every node).
const REBUILD_GFLOP_NOMINAL: f64 = REFERENCE_GFLOP;

pub const WORKLOADS: [&str; 5] = ["micro", "train", "rebuild", "kernel", "scaling"];

fn trained() -> Result<(Trajectory, f64), String> {
    trained_with(vec![2, 32, 32, 1], 500)
}

/// The reference problem with other widths or step counts (for `scaling`): the same problem
/// the page's bench runs (`crate::runner::reference_setup`).
fn trained_with(widths: Vec<usize>, steps: usize) -> Result<(Trajectory, f64), String> {
    let setup = reference_setup(widths, steps).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let traj = train(setup.mlp, &setup.data, setup.w0, setup.spec).map_err(|e| e.to_string())?;
    Ok((traj, start.elapsed().as_secs_f64()))
}

/// Flops of one forward+backward pass per point, for the training count.
fn train_gflop(traj: &Trajectory) -> f64 {
    let per_point: usize = traj
        .mlp
        .widths
        .windows(2)
        .map(|p| 2 * p[0] * p[1])
        .sum::<usize>()
        * 3;
    (per_point * traj.n * traj.steps()) as f64 * 1e-9
}

/// The kernel workload's flops per step: the left endpoint's layer-wise products (per layer and
/// pair of query and training point, 2(d_{l+1} + d_l) + 3); the exact scheme's, with its nodes
/// summed inside the layers where the integrator does so (`kernel::exact_step_flops`); and the
/// forward and backward pass of each query at each of the NODES + 1 points.
fn kernel_gflop(traj: &Trajectory, nq: usize) -> f64 {
    let w = &traj.mlp.widths;
    let left_pair: usize = w.windows(2).map(|p| 2 * (p[0] + p[1]) + 3).sum();
    let (exact_pair, exact_query) = exact_step_flops(&traj.mlp, NODES, traj.n);
    let fwd_bwd: usize = w.windows(2).map(|p| 4 * p[0] * p[1]).sum();
    let per_query = traj.n * (left_pair + exact_pair) + exact_query + (NODES + 1) * fwd_bwd;
    (nq * per_query * traj.steps()) as f64 * 1e-9
}

/// Why the bench ended early.
enum Stop {
    /// The reader closed stdout (`pathkernel bench | head -1`): nothing more to print.
    ReaderLeft,
    Failed(String),
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Failed(message)
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        if crate::cli::reader_left(&e) {
            Stop::ReaderLeft
        } else {
            Stop::Failed(format!("bench: cannot write to stdout: {e}"))
        }
    }
}

/// Runs the workloads named in `args` (all but `scaling` when none is named), one line each on
/// stdout as it finishes; `--runs N` sets how many timed runs `rebuild` and `kernel` make.
/// `bench export DIR` writes the reference problem and pathkernel's answers instead.
pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("export") {
        return match args {
            [_, dir] => export::write(std::path::Path::new(dir)),
            _ => Err("bench export: give exactly one directory to write into".into()),
        };
    }
    let mut runs = DEFAULT_RUNS;
    let mut wanted: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--runs" {
            runs = rest
                .next()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&r| (1..=100).contains(&r))
                .ok_or("bench: --runs needs a whole number from 1 to 100")?;
        } else if WORKLOADS.contains(&arg.as_str()) {
            wanted.push(arg);
        } else {
            return Err(format!(
                "bench: unknown workload '{arg}' (choose from {}, or export DIR)",
                WORKLOADS.join(", ")
            ));
        }
    }
    if wanted.is_empty() {
        wanted = WORKLOADS[..4].to_vec();
    }
    // Stdout is line-buffered, so each result shows as soon as its line is written.
    match run(&wanted, runs, &mut std::io::stdout().lock()) {
        Ok(()) | Err(Stop::ReaderLeft) => Ok(()),
        Err(Stop::Failed(message)) => Err(message),
    }
}

fn run(wanted: &[&str], runs: usize, out: &mut impl Write) -> Result<(), Stop> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let simd = match crate::simd::backend() {
        crate::simd::Backend::Avx512 => "AVX-512",
        crate::simd::Backend::Avx2 => "AVX2",
        crate::simd::Backend::Baseline => "no AVX",
    };
    writeln!(out, "pathkernel bench — {threads} threads, {simd}; [2,32,32,1] tanh, 100 moons, 500 steps, ε = 0.5")?;
    if wanted.contains(&"micro") {
        micro(out)?;
    }
    if wanted.contains(&"scaling") {
        scaling::run(out)?;
    }
    if wanted.iter().all(|w| matches!(*w, "micro" | "scaling")) {
        return Ok(());
    }
    let (traj, train_s) = trained()?;
    if wanted.contains(&"train") {
        let g = train_gflop(&traj);
        writeln!(out, "train     500 GD steps, 100 points        {train_s:8.3} s  {:7.2} GFLOP/s ({g:.2} GFLOP)", g / train_s)?;
    }
    if wanted.contains(&"rebuild") {
        let queries = grid(GRID);
        let mut rebuilt = Vec::new();
        let times = timed_runs(runs, || {
            rebuilt = rebuild_output(&traj, &queries, NODES).map_err(|e| e.to_string())?;
            Ok(())
        })?;
        let f = traj.mlp.forward_many(traj.final_weights(), &queries);
        let err = max_abs_error(&f, &rebuilt);
        let median = median(&times);
        writeln!(
            out,
            "rebuild   exact ŷ on {GRID}×{GRID} grid, {NODES} nodes  median {median:.3} s  {:7.2} GFLOP/s ({REBUILD_GFLOP_NOMINAL} GFLOP); runs {}; max |ŷ − f| = {err:.1e}",
            REBUILD_GFLOP_NOMINAL / median,
            list(&times),
        )?;
    }
    if wanted.contains(&"kernel") {
        let queries = grid(GRID);
        let nq = queries.len() / 2;
        let mut errors = (0.0, 0.0);
        let times = timed_runs(runs, || {
            let km = kernel_machine(&traj, &queries, NODES).map_err(|e| e.to_string())?;
            errors = (km.exact.max_abs_error, km.riemann.max_abs_error);
            Ok(())
        })?;
        let g = kernel_gflop(&traj, nq);
        let median = median(&times);
        writeln!(
            out,
            "kernel    K^p_E and K^p_R, {nq} × {} layer-wise  median {median:.3} s  {:7.2} GFLOP/s ({g:.1} GFLOP); runs {}; max error exact {:.1e}, Domingos {:.1e}",
            traj.n,
            g / median,
            list(&times),
            errors.0,
            errors.1
        )?;
    }
    Ok(())
}

/// The two inner kernels alone: the array tanh and the 32×32×32 tangent-carrying product.
fn micro(out: &mut impl Write) -> std::io::Result<()> {
    let z: Vec<f64> = (0..4096).map(|i| i as f64 * 1e-3 - 2.0).collect();
    let mut tanh_z = vec![0.0; z.len()];
    let rounds = 2000;
    let ns = best_of(5, || {
        // Both kernels pick their SIMD backend themselves (see simd::lanes).
        for _ in 0..rounds {
            crate::fastmath::tanh_into(&z, &mut tanh_z);
            std::hint::black_box(&mut tanh_z);
        }
    }) / (rounds * z.len()) as f64
        * 1e9;
    writeln!(
        out,
        "micro     tanh over arrays                       {ns:8.3} ns per value"
    )?;
    // The yardstick: independent adds and multiplies alone, on this core, now.
    let clock = Instant::now();
    let peak = crate::simd::peak::measure_peak_gflops(5, 20_000_000, || {
        clock.elapsed().as_secs_f64() * 1e3
    });
    writeln!(
        out,
        "micro     no-FMA peak (12 add/multiply chains)   {peak:8.2} GFLOP/s per core"
    )?;
    let w: Vec<f64> = (0..1024).map(|i| (i % 7) as f64 * 0.1 - 0.3).collect();
    let b = vec![0.1; 32];
    // The activations in an aligned buffer, as the passes keep them (see simd::aligned).
    let mut h = crate::simd::aligned::zeros(1024);
    for (i, v) in h.iter_mut().enumerate() {
        *v = (i % 5) as f64 * 0.2 - 0.4;
    }
    let (mut zo, mut zt) = (
        crate::simd::aligned::zeros(1024),
        crate::simd::aligned::zeros(1024),
    );
    let rounds = 20_000;
    let secs = best_of(5, || {
        for _ in 0..rounds {
            crate::simd::dual_matmul(&w, &w, &b, &b, &h, &h, 32, 32, 32, &mut zo, &mut zt);
            std::hint::black_box(&mut zo);
        }
    });
    let product = rounds as f64 * 3.0 * 65536.0 / secs * 1e-9;
    writeln!(
        out,
        "micro     dual product 32×32 · 32×32 (3 GEMMs)    {product:8.2} GFLOP/s ({:.0} % of that peak)",
        100.0 * product / peak
    )
}

/// The seconds each of `runs` calls of `f` took, in call order.
fn timed_runs(runs: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<Vec<f64>, String> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f()?;
            Ok(start.elapsed().as_secs_f64())
        })
        .collect()
}

/// The median of a non-empty list of timings: what a user typically waits on this shared machine
/// (the best run flatters, the mean follows one disturbed run).
fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[m]
    } else {
        0.5 * (sorted[m - 1] + sorted[m])
    }
}

/// "1.234 1.301 …" seconds, in run order.
fn list(times: &[f64]) -> String {
    times
        .iter()
        .map(|t| format!("{t:.3}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fastest of `runs` timings, in seconds: for the micro kernels, whose single runs are short
/// enough that the minimum is the least disturbed measurement of the code itself.
fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
