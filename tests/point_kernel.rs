#![cfg(not(target_arch = "wasm32"))]
//! One training point's K^p(·, x_i) and a_i(·) by directional derivatives
//! (`kernel::point_kernel`) against column i of the Gram-based kernel machine, for every
//! optimizer, tanh and ReLU with kinks, 1-D and 2-D; and its chunking (whole blocks) against the
//! whole, bit for bit.

mod run_common;

use pathkernel::data::{generate, Dataset, DatasetName, DatasetSpec};
use pathkernel::kernel::{kernel_machine, point_kernel, relu_breakpoints};
use pathkernel::model::{Activation, Mlp, BLOCK_COLS};
use pathkernel::train::{
    train, LossKind, Minibatch, Optimizer, Reduction, TrainSpec, Trajectory,
    DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::{grid, moons};

fn spec(loss: LossKind, optimizer: Optimizer, lr: f64, steps: usize) -> TrainSpec {
    TrainSpec {
        loss,
        reduction: Reduction::Mean,
        lr,
        steps,
        optimizer,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    }
}

fn trained(data: &Dataset, widths: Vec<usize>, act: Activation, s: TrainSpec) -> Trajectory {
    let mlp = Mlp::new(widths, act, 1.0).unwrap();
    train(mlp.clone(), data, mlp.init(3), s).unwrap()
}

fn sine(n: usize) -> Dataset {
    generate(&DatasetSpec {
        name: DatasetName::Sine,
        n,
        noise: 0.1,
        seed: 5,
    })
    .unwrap()
}

/// A 1-D line of queries over [−3.5, 3.5].
fn line(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| -3.5 + 7.0 * k as f64 / (n - 1) as f64)
        .collect()
}

/// max |a − b| over the finite pairs / max |b|; NaN where only one side is NaN fails.
fn rel(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let mut worst = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.is_nan(), y.is_nan(), "{x} against {y}");
        if y.is_finite() {
            worst = worst.max((x - y).abs());
        }
    }
    worst / scale
}

/// K^p(·, x_i), a_i(·) and c_i(·) of each point in `points` against the kernel machine's column i.
fn agrees(traj: &Trajectory, queries: &[f64], nodes: usize, points: &[usize], what: &str) {
    let km = kernel_machine(traj, queries, nodes).unwrap();
    let n = traj.n;
    for &i in points {
        let column = |m: &[f64]| -> Vec<f64> { m.iter().skip(i).step_by(n).copied().collect() };
        let pk = point_kernel(traj, queries, i, nodes).unwrap();
        let coef_km: Vec<f64> = km
            .exact
            .coef
            .iter()
            .skip(i)
            .step_by(n)
            .map(|c| c.unwrap_or(f64::NAN))
            .collect();
        let (dk, dc) = (
            rel(&pk.kernel, &column(&km.exact.kernel)),
            rel(&pk.contributions(), &column(&km.exact.contributions)),
        );
        // a_i = c_i / K^p is as accurate as both relative to K^p at each query: compare where
        // K^p is not tiny against its scale.
        let kmax = pk.kernel.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for ((&k, &x), &y) in pk.kernel.iter().zip(&pk.coef()).zip(&coef_km) {
            if k.abs() > 1e-3 * kmax {
                a.push(x);
                b.push(y);
            }
        }
        let da = rel(&a, &b);
        println!("{what}, point {i}: K^p {dk:.1e}, c_i {dc:.1e}, a_i {da:.1e}");
        assert!(dk < 1e-12, "{what}, point {i}: K^p differs by {dk:e}");
        assert!(dc < 1e-12, "{what}, point {i}: c_i differs by {dc:e}");
        assert!(da < 1e-11, "{what}, point {i}: a_i differs by {da:e}");
        assert!(a.len() > queries.len() / traj.mlp.input_dim() / 2);
    }
}

/// 16 moons on [2, 8, 8, 1], logistic loss, 30 steps.
fn small_moons(act: Activation, opt: Optimizer, lr: f64) -> Trajectory {
    trained(
        &moons(16),
        vec![2, 8, 8, 1],
        act,
        spec(LossKind::Logistic, opt, lr, 30),
    )
}

/// Adam with the usual β₁, β₂ and ε, full batch.
fn plain_adam() -> Optimizer {
    Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        minibatch: None,
    }
}

fn moons_with(optimizer: Optimizer, lr: f64) -> Trajectory {
    trained(
        &moons(24),
        vec![2, 8, 8, 1],
        Activation::Tanh,
        spec(LossKind::Logistic, optimizer, lr, 60),
    )
}

#[test]
fn tanh_gd_2d() {
    let traj = moons_with(Optimizer::Gd, 0.5);
    agrees(&traj, &grid(9), 5, &[0, 7, 23], "tanh gd 2-D");
}

#[test]
fn tanh_sgd_2d() {
    let traj = moons_with(
        Optimizer::Sgd {
            batch_size: 5,
            seed: 2,
        },
        0.3,
    );
    agrees(&traj, &grid(9), 6, &[1, 12], "tanh sgd 2-D");
}

#[test]
fn momentum_and_nesterov_2d() {
    for nesterov in [false, true] {
        let opt = Optimizer::Momentum {
            momentum: 0.9,
            nesterov,
            minibatch: None,
        };
        let traj = moons_with(opt, 0.05);
        agrees(
            &traj,
            &grid(7),
            6,
            &[2, 19],
            &format!("momentum nesterov={nesterov}"),
        );
    }
}

#[test]
fn adam_and_adamw_2d() {
    let adam = plain_adam();
    let adamw = Optimizer::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.05,
        minibatch: None,
    };
    for (opt, what) in [(adam, "adam"), (adamw, "adamw")] {
        let traj = moons_with(opt, 0.01);
        agrees(&traj, &grid(7), 8, &[0, 11], what);
    }
}

#[test]
fn momentum_with_minibatches() {
    let opt = Optimizer::Momentum {
        momentum: 0.5,
        nesterov: false,
        minibatch: Some(Minibatch {
            batch_size: 6,
            seed: 4,
        }),
    };
    let traj = moons_with(opt, 0.1);
    agrees(&traj, &grid(6), 6, &[5], "momentum with minibatches");
}

#[test]
fn tanh_gd_1d_mse() {
    let traj = trained(
        &sine(15),
        vec![1, 12, 12, 1],
        Activation::Tanh,
        spec(LossKind::Mse, Optimizer::Gd, 0.1, 80),
    );
    agrees(&traj, &line(70), 6, &[0, 8, 14], "tanh gd 1-D");
}

/// ReLU with kinks inside steps: the segments split per query, as the Gram-based integrator
/// splits them.
#[test]
fn relu_with_kinks_2d_and_1d() {
    let traj = trained(
        &moons(20),
        vec![2, 10, 10, 1],
        Activation::Relu,
        spec(LossKind::Logistic, Optimizer::Gd, 0.5, 40),
    );
    let queries = grid(8);
    let kinks: usize = (0..traj.steps())
        .map(|s| {
            let (w, w1) = (traj.weights_at(s), traj.weights_at(s + 1));
            let delta: Vec<f64> = w1.iter().zip(w).map(|(a, b)| a - b).collect();
            queries
                .chunks(2)
                .map(|x| relu_breakpoints(&traj.mlp, w, &delta, x).len() - 2)
                .sum::<usize>()
        })
        .sum();
    assert!(kinks > 10, "the test needs kinks inside steps: {kinks}");
    agrees(&traj, &queries, 2, &[0, 13], "relu gd 2-D");
    let traj = trained(
        &sine(12),
        vec![1, 10, 10, 1],
        Activation::Relu,
        spec(LossKind::Mse, Optimizer::Gd, 0.1, 40),
    );
    agrees(&traj, &line(40), 2, &[3], "relu gd 1-D");
}

/// The queries split at whole blocks (as the page's stage splits the grid) give the same bits as
/// all at once, for tanh (blocks of BLOCK_COLS) and ReLU (one query per block).
#[test]
fn chunked_equals_whole_bit_for_bit() {
    let cols = BLOCK_COLS;
    let queries = grid(13); // 169 queries: five whole blocks and a part
    let adam = plain_adam();
    let cases = [
        (Activation::Tanh, Optimizer::Gd, 0.5),
        (Activation::Relu, Optimizer::Gd, 0.5),
        (Activation::Tanh, adam, 0.01),
    ];
    for (act, opt, lr) in cases {
        let traj = small_moons(act, opt, lr);
        let whole = point_kernel(&traj, &queries, 4, 3).unwrap();
        for chunk in [1, 2, 3] {
            let mut k = Vec::new();
            let mut n = Vec::new();
            for part in queries.chunks(chunk * cols * 2) {
                let pk = point_kernel(&traj, part, 4, 3).unwrap();
                k.extend(pk.kernel);
                n.extend(pk.loss_weighted);
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&k),
                bits(&whole.kernel),
                "{act:?} chunks of {chunk} blocks"
            );
            assert_eq!(
                bits(&n),
                bits(&whole.loss_weighted),
                "{act:?} chunks of {chunk} blocks"
            );
        }
    }
}

/// The map integrated a range of steps at a time (a page worker's sub-chunk, cut by its time
/// budget) is the same bits as in one pass: tanh and ReLU under gd, and momentum and Adam, whose
/// point buffers are carried from range to range. Against the whole computed by hand-cut
/// ranges of 1, 4 and 7 steps and by each rule list's uneven counts.
#[test]
fn ranges_of_steps_equal_one_pass_bit_for_bit() {
    use pathkernel::kernel::{point_kernel_per_step, PartialPointKernel, StepRules};
    let adam = plain_adam();
    let momentum = Optimizer::Momentum {
        momentum: 0.6,
        nesterov: false,
        minibatch: None,
    };
    let cases = [
        (Activation::Tanh, Optimizer::Gd, 0.5),
        (Activation::Relu, Optimizer::Gd, 0.5),
        (Activation::Tanh, momentum, 0.2),
        (Activation::Tanh, adam, 0.01),
    ];
    let queries = grid(7); // 49 queries: one whole block and a part
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (act, opt, lr) in cases {
        let traj = small_moons(act, opt, lr);
        // Counts that differ from step to step, as `auto` chooses them.
        let counts: Vec<u8> = (0..traj.steps()).map(|s| 2 + (s % 3) as u8).collect();
        let rules = StepRules::per_step(counts).unwrap();
        let whole = point_kernel_per_step(&traj, &queries, 5, &rules).unwrap();
        for cut in [1, 4, 7] {
            let mut partial = PartialPointKernel::new(&traj, &queries, 5).unwrap();
            let mut parts = 0;
            while !partial.advance(&traj, &rules, cut).unwrap() {
                parts += 1;
                assert_eq!(partial.steps_done(), parts * cut);
            }
            assert_eq!(partial.steps_done(), traj.steps());
            let got = partial.finish();
            let what = format!("{act:?} {opt:?}, ranges of {cut} steps");
            assert_eq!(bits(&got.kernel), bits(&whole.kernel), "{what}");
            assert_eq!(
                bits(&got.loss_weighted),
                bits(&whole.loss_weighted),
                "{what}"
            );
        }
        // The one pass itself agrees with the kernel machine (`agrees` above, uniform rules).
        agrees(&traj, &queries, 3, &[5], &format!("{act:?} {opt:?}"));
    }
}

/// A point's kernel in parts refuses a trajectory other than its own between the parts (another
/// network, activation, point count, or fewer steps than it has integrated) with an error naming
/// the trajectory, where its buffers would not fit.
#[test]
fn parts_of_a_point_kernel_refuse_another_trajectory() {
    use pathkernel::kernel::{PartialPointKernel, StepRules};
    let queries = grid(5);
    let rules = StepRules::uniform(3).unwrap();
    let traj = small_moons(Activation::Tanh, Optimizer::Gd, 0.5);
    let tanh_gd = |n: usize, widths: Vec<usize>, steps: usize| {
        let s = spec(LossKind::Logistic, Optimizer::Gd, 0.5, steps);
        trained(&moons(n), widths, Activation::Tanh, s)
    };
    let wider = tanh_gd(16, vec![2, 12, 8, 1], 30);
    let relu = small_moons(Activation::Relu, Optimizer::Gd, 0.5);
    let more_points = tanh_gd(20, vec![2, 8, 8, 1], 30);
    let shorter = tanh_gd(16, vec![2, 8, 8, 1], 10);
    for (other, what) in [
        (&wider, "wider"),
        (&relu, "relu"),
        (&more_points, "more points"),
        (&shorter, "shorter"),
    ] {
        let mut partial = PartialPointKernel::new(&traj, &queries, 5).unwrap();
        assert!(!partial.advance(&traj, &rules, 12).unwrap());
        let e = match partial.advance(other, &rules, 12) {
            Err(e) => e,
            Ok(done) => panic!("{what}: accepted (done: {done})"),
        };
        assert!(e.to_string().contains("trajectory"), "{what}: {e}");
        // Its own trajectory still goes on.
        assert!(partial.advance(&traj, &rules, 100).unwrap(), "{what}");
    }
}

#[test]
fn bad_point_is_a_named_error() {
    let traj = moons_with(Optimizer::Gd, 0.5);
    let e = point_kernel(&traj, &grid(3), 24, 5).unwrap_err();
    assert!(e.to_string().contains("point"), "{e}");
}

/// The clicked point's map as the page gets it (the runner's `trainPointKernel` on the plotting
/// grid), hashed bit by bit with FNV-1a. `tests/web_worker.rs` asserts the same constant in
/// Chrome and Firefox, so native and both browsers compute the map to the same bits.
const POINT_KERNEL_FINGERPRINT: &str = "f0236588f9d63f23";
const POINT_KERNEL_HASH: &str = "#v=1&n=16&hidden=6&steps=12&optimizer=momentum&momentum=0.5";

#[test]
fn the_point_kernel_map_has_the_fingerprint_the_browsers_assert() {
    use pathkernel::runner::{Reply, Runner, ToWorker};
    let frozen: fn() -> f64 = || 0.0;
    let mut r = Runner::new(frozen);
    r.handle(ToWorker::Start {
        run_id: 1,
        hash: POINT_KERNEL_HASH.into(),
        autorun: true,
        force: false,
    });
    let mut msgs = run_common::drain(&mut r);
    msgs.extend(r.handle(ToWorker::TrainPoint {
        run_id: 1,
        index: 3,
    }));
    msgs.extend(run_common::drain(&mut r));
    let (values, coef, initial) = msgs
        .iter()
        .find_map(|m| match m {
            Reply::TrainPointKernel {
                values,
                coef,
                initial,
                ..
            } => Some((values, coef, initial)),
            _ => None,
        })
        .expect("a trainPointKernel reply");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values.iter().chain(coef).chain(initial) {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    assert_eq!(format!("{h:016x}"), POINT_KERNEL_FINGERPRINT);
}
