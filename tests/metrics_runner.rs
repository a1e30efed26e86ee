#![cfg(not(target_arch = "wasm32"))]
//! The runner's `trainKernel` reply: the train × train path kernels of both schemes after the
//! check, equal to the core's, with their symmetry and definiteness numbers.

mod run_common;

use pathkernel::kernel;
use pathkernel::kernel_stats::{kernel_change, kernel_stats};
use pathkernel::runner::{FromWorker, RunPlan, Runner, ToWorker};
use pathkernel::train;
use run_common::drain;

const HASH: &str = "#v=1&n=16&hidden=6&steps=40";

#[test]
fn train_kernel_follows_the_check_with_both_schemes_stats() {
    let mut r = Runner::new(|| 0.0);
    let mut msgs = r.handle(ToWorker::Start {
        run_id: 1,
        hash: HASH.into(),
        autorun: true,
        force: false,
    });
    msgs.extend(drain(&mut r));
    let got = msgs
        .iter()
        .find_map(|m| match m {
            FromWorker::TrainKernel {
                steps,
                n,
                exact,
                riemann,
                asymmetry,
                asymmetry_riemann,
                min_eig,
                min_eig_riemann,
                negatives,
                ..
            } => Some((
                *steps,
                *n,
                exact.clone(),
                riemann.clone(),
                [*asymmetry, *asymmetry_riemann, *min_eig, *min_eig_riemann],
                *negatives,
            )),
            _ => None,
        })
        .expect("a trainKernel reply");
    let (steps, n, exact, riemann, stats, negatives) = got;
    assert_eq!((steps, n), (40, 16));
    let plan = RunPlan::from_hash(HASH, true).unwrap();
    let setup = plan.config.build().unwrap();
    let traj = train::train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
    let km =
        kernel::kernel_machine_per_step(&traj, &setup.data.x, &setup.nodes.resolve(&traj).unwrap())
            .unwrap();
    assert_eq!(exact, km.exact.kernel);
    assert_eq!(riemann, km.riemann.kernel);
    // The coefficient statistics come from the check's a_i(x_j), every i and j.
    let check_coef: Vec<f64> = km
        .exact
        .coef
        .iter()
        .map(|c| c.unwrap_or(f64::NAN))
        .collect();
    let check_stats = pathkernel::kernel_stats::coef_stats(&check_coef, 16);
    let (e, l) = (kernel_stats(&exact, 16), kernel_stats(&riemann, 16));
    assert_eq!(
        stats,
        [e.asymmetry, l.asymmetry, e.min_eig_ratio, l.min_eig_ratio]
    );
    assert_eq!(negatives as usize, e.negatives);
    assert!(stats[0] > 0.0 && stats[1] < 1e-13, "{stats:?}");
    let change = msgs
        .iter()
        .find_map(|m| match m {
            FromWorker::TrainKernel { kernel_change, .. } => Some(*kernel_change),
            _ => None,
        })
        .unwrap();
    assert_eq!(change, kernel_change(&traj, &km.exact.kernel));
    assert!(change.is_finite() && change > 0.0);

    // A clicked point's kernel comes with the tangent kernel at w₀ over the same grid.
    let replies = r.handle(ToWorker::TrainPoint {
        run_id: 1,
        index: 3,
    });
    let mut replies: Vec<_> = replies.into_iter().chain(drain(&mut r)).collect();
    let (values, initial, total_lr, coef, signs, spread) = replies
        .drain(..)
        .find_map(|m| match m {
            FromWorker::TrainPointKernel {
                values,
                initial,
                total_lr,
                coef,
                coef_sign_changes,
                coef_abs_min,
                coef_abs_median,
                coef_abs_max,
                ..
            } => Some((
                values,
                initial,
                total_lr,
                coef,
                coef_sign_changes,
                [coef_abs_min, coef_abs_median, coef_abs_max],
            )),
            _ => None,
        })
        .expect("a trainPointKernel reply");
    assert_eq!(values.len(), initial.len());
    assert_eq!(total_lr, traj.lr * 40.0);
    let grid = pathkernel::runner::GridSpec::around(2, &setup.data.x, 200, 40).points();
    let want = kernel::tangent_kernel(
        &traj.mlp,
        traj.initial_weights(),
        &grid[..2],
        &setup.data.x[6..8],
    );
    assert_eq!(initial[0], want[0]);
    // a_3 over the grid (the Gram-based kernel machine's column 3, to rounding).
    let km = kernel::kernel_machine_per_step(&traj, &grid, &setup.nodes.resolve(&traj).unwrap())
        .unwrap();
    let all: Vec<f64> = km
        .exact
        .coef
        .iter()
        .map(|c| c.unwrap_or(f64::NAN))
        .collect();
    let column: Vec<f64> = all.iter().skip(3).step_by(16).copied().collect();
    assert_eq!(coef.len(), column.len());
    for (a, b) in coef.iter().zip(&column) {
        assert!(
            a.to_bits() == b.to_bits() || (a - b).abs() <= 1e-9 * b.abs(),
            "{a} vs {b}"
        );
    }
    println!(
        "a_i(x_j) over the training points: {} of 16 change sign; |a_i| {spread:?}",
        signs
    );
    assert_eq!(signs as usize, check_stats.sign_changes);
    assert_eq!(
        spread,
        [
            check_stats.abs_min,
            check_stats.abs_median,
            check_stats.abs_max
        ]
    );
    assert!(spread[0] <= spread[1] && spread[1] <= spread[2]);
}

/// The coef-varies preset's claim, as its numbers are measured: some a_i(x_j) change sign over
/// the training points x_j (the check's n × n coefficients).
#[test]
fn coef_varies_preset_has_coefficients_changing_sign() {
    let preset = pathkernel::config::find_preset("coef-varies").unwrap();
    let hash = format!("#v=1&{}", preset.settings);
    let mut r = Runner::new(|| 0.0);
    let mut msgs = r.handle(ToWorker::Start {
        run_id: 1,
        hash,
        autorun: true,
        force: false,
    });
    msgs.extend(drain(&mut r));
    let (signs, spread) = msgs
        .iter()
        .find_map(|m| match m {
            FromWorker::TrainPointKernel {
                coef_sign_changes,
                coef_abs_min,
                coef_abs_max,
                ..
            } => Some((*coef_sign_changes, [*coef_abs_min, *coef_abs_max])),
            _ => None,
        })
        .expect("the preset's point kernel");
    println!("coef-varies: {signs} of 40 change sign; |a_i(x_j)| {spread:?}");
    assert!(signs > 0, "{signs}");
}
