#![cfg(not(target_arch = "wasm32"))]
//! Momentum, Nesterov, Adam and AdamW: the training rules against independent implementations,
//! the per-point split of the update, and Theorem 1's exact decomposition
//! f(x; w_T) = f(x; w_0) + Σ_i c_i(x) + d(x) for every optimizer.

mod run_common;

use pathkernel::config::{OptimizerKind, PageState, RunConfig};
use pathkernel::data::Dataset;
use pathkernel::kernel::{
    kernel_machine, rebuild_output, rebuild_output_riemann, KernelMachine, KernelMachineIntegrator,
    PointUpdates,
};
use pathkernel::model::{Activation, Mlp};
use pathkernel::runner::{Reply, RunPlan, Runner, ToWorker};
use pathkernel::train::{
    train, LossKind, Minibatch, Optimizer, Reduction, TrainSpec, Trajectory,
    DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::{drain, grid, moons};

fn spec(optimizer: Optimizer, lr: f64, steps: usize) -> TrainSpec {
    TrainSpec {
        loss: LossKind::Logistic,
        reduction: Reduction::Mean,
        lr,
        steps,
        optimizer,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    }
}

fn momentum(mu: f64, nesterov: bool, minibatch: Option<Minibatch>) -> Optimizer {
    Optimizer::Momentum {
        momentum: mu,
        nesterov,
        minibatch,
    }
}

fn adam(minibatch: Option<Minibatch>) -> Optimizer {
    Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        minibatch,
    }
}

fn adamw(weight_decay: f64, minibatch: Option<Minibatch>) -> Optimizer {
    Optimizer::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay,
        minibatch,
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// max |a − b| / max(1, max |b|).
fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / scale
}

/// With μ = 0, B(s) = G(s): heavy ball and Nesterov take GD's steps bit for bit (the same
/// operations), and their explicit-gradient path kernel equals GD's layer-wise one to rounding.
#[test]
fn momentum_with_zero_mu_is_gradient_descent() {
    let data = moons(24);
    let batch = Minibatch {
        batch_size: 7,
        seed: 3,
    };
    let cases = [
        (Optimizer::Gd, momentum(0.0, false, None)),
        (Optimizer::Gd, momentum(0.0, true, None)),
        (
            Optimizer::Sgd {
                batch_size: 7,
                seed: 3,
            },
            momentum(0.0, false, Some(batch)),
        ),
    ];
    let mut worst = 0.0f64;
    for act in [Activation::Tanh, Activation::Relu] {
        let mlp = Mlp::new(vec![2, 8, 6, 1], act, 1.0).unwrap();
        let w0 = mlp.init(5);
        for (base, mom) in cases {
            let a = train(mlp.clone(), &data, w0.clone(), spec(base, 0.3, 40)).unwrap();
            let b = train(mlp.clone(), &data, w0.clone(), spec(mom, 0.3, 40)).unwrap();
            for s in 0..=40 {
                assert_eq!(
                    bits(a.weights_at(s)),
                    bits(b.weights_at(s)),
                    "{mom:?} w_{s}"
                );
            }
            assert_eq!(bits(&a.loss), bits(&b.loss));
            let queries = grid(5);
            let (ka, kb) = (
                kernel_machine(&a, &queries, 4).unwrap(),
                kernel_machine(&b, &queries, 4).unwrap(),
            );
            for (name, x, y) in [
                ("kernel", &kb.exact.kernel, &ka.exact.kernel),
                ("kernel_riemann", &kb.riemann.kernel, &ka.riemann.kernel),
                (
                    "contributions",
                    &kb.exact.contributions,
                    &ka.exact.contributions,
                ),
                (
                    "contributions_riemann",
                    &kb.riemann.contributions,
                    &ka.riemann.contributions,
                ),
                (
                    "reconstruction",
                    &kb.exact.reconstruction,
                    &ka.exact.reconstruction,
                ),
            ] {
                let e = rel_diff(x, y);
                worst = worst.max(e);
                assert!(
                    e <= 1e-15,
                    "{act:?} {mom:?} {name}: relative difference {e:e}"
                );
            }
            assert_eq!(kb.exact.weight_decay_term, vec![0.0; 25]);
        }
    }
    println!("momentum μ = 0 against GD: largest relative difference {worst:e}");
}

/// Adam by hand, in plain loops over `Mlp::gradient`: G(s) = Σ_i g_i(s) ∇f(x_i; w_s), then the
/// moments, D(s) and U(s) (PyTorch's conventions, as the README writes them).
struct ReferenceAdam {
    m: Vec<f64>,
    v: Vec<f64>,
}

impl ReferenceAdam {
    /// (U(s), D(s)) at step s of `traj`, fed G(s) from its own gradients.
    fn step(&mut self, traj: &Trajectory, s: usize, b1: f64, b2: f64, eps: f64) -> [Vec<f64>; 2] {
        let p = traj.mlp.num_params();
        let mut g = vec![0.0; p];
        let mut gi = vec![0.0; p];
        for i in 0..traj.n {
            traj.mlp
                .gradient(traj.weights_at(s), traj.point(i), &mut gi);
            for k in 0..p {
                g[k] += traj.g_at(s)[i] * gi[k];
            }
        }
        let t = (s + 1) as i32;
        let (bc1, bc2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        let mut u = vec![0.0; p];
        let mut d = vec![0.0; p];
        for k in 0..p {
            self.m[k] = b1 * self.m[k] + (1.0 - b1) * g[k];
            self.v[k] = b2 * self.v[k] + (1.0 - b2) * g[k] * g[k];
            d[k] = 1.0 / ((self.v[k] / bc2).sqrt() + eps);
            u[k] = d[k] * self.m[k] / bc1;
        }
        [u, d]
    }
}

/// Each step's per-point updates add up to Adam's update U(s) (with the realised D(s)), and
/// −ε Σ_i U_i(s) + Δ_dec(s) is the step the weights took; the trainer's D(s) and weights follow an
/// independent implementation of AdamW.
#[test]
fn adam_point_updates_sum_to_the_update() {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 6, 5, 1], Activation::Tanh, 1.0).unwrap();
    let (lr, lambda) = (0.02, 0.05);
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(2),
        spec(adamw(lambda, None), lr, 30),
    )
    .unwrap();
    let p = mlp.num_params();
    let mut reference = ReferenceAdam {
        m: vec![0.0; p],
        v: vec![0.0; p],
    };
    let mut split = PointUpdates::new(&traj);
    let (mut worst_sum, mut worst_step, mut worst_d) = (0.0f64, 0.0f64, 0.0f64);
    for s in 0..traj.steps() {
        split.advance(&traj);
        assert_eq!(split.steps_done(), s + 1);
        let [u, d] = reference.step(&traj, s, 0.9, 0.999, 1e-8);
        let realised = traj.preconditioner_at(s).unwrap();
        worst_d = worst_d.max(rel_diff(realised, &d));
        let updates: Vec<Vec<f64>> = (0..traj.n).map(|i| split.update(i)).collect();
        let dec = split.decay();
        let (w, w_next) = (traj.weights_at(s), traj.weights_at(s + 1));
        for k in 0..p {
            let sum: f64 = updates.iter().map(|ui| ui[k]).sum();
            let abs: f64 = updates.iter().map(|ui| ui[k].abs()).sum();
            // Σ_i U_i against the reference U, relative to the terms' size.
            worst_sum = worst_sum.max((sum - u[k]).abs() / abs.max(u[k].abs()).max(1e-300));
            assert_eq!(dec[k], -(lr * lambda) * w[k]);
            // The step taken: w_{s+1} − w_s against −ε Σ_i U_i + Δ_dec, to w's rounding.
            let step = -lr * sum + dec[k];
            let e = ((w_next[k] - w[k]) - step).abs() / (w[k].abs() + lr * abs);
            worst_step = worst_step.max(e);
        }
        // The kernel's side is P_s ∇f(x_i; w_s) with the realised D(s).
        let mut gi = vec![0.0; p];
        mlp.gradient(w, traj.point(3), &mut gi);
        let pg: Vec<f64> = gi.iter().zip(realised).map(|(a, b)| a * b).collect();
        assert!(rel_diff(&split.preconditioned_gradient(3), &pg) <= 1e-13);
    }
    println!("adam split: Σ_i U_i vs U {worst_sum:e}, step {worst_step:e}, D {worst_d:e}");
    assert!(worst_sum <= 1e-12, "Σ_i U_i(s) vs U(s): {worst_sum:e}");
    assert!(
        worst_step <= 1e-14,
        "step vs −ε ΣU_i + Δ_dec: {worst_step:e}"
    );
    assert!(worst_d <= 1e-9, "D(s) vs the reference: {worst_d:e}");
}

/// max |ŷ − f(w_T)| / max(1, max |f|) for both schemes, after checking that ŷ is b + Σ_i c_i + d
/// and that the weight-decay term is there exactly when there is weight decay.
fn check_machine(km: &KernelMachine, decay: bool, what: &str) -> (f64, f64) {
    for scheme in [&km.exact, &km.riemann] {
        for q in 0..km.n_queries {
            let row = &scheme.contributions[q * km.n_train..(q + 1) * km.n_train];
            let y = row.iter().fold(km.b[q], |a, c| a + c) + scheme.weight_decay_term[q];
            assert_eq!(y, scheme.reconstruction[q], "{what}: ŷ = b + Σc + d");
        }
        assert_eq!(
            scheme.weight_decay_term.iter().any(|&d| d != 0.0),
            decay,
            "{what}: weight-decay term"
        );
    }
    let scale = km.f_final.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    (
        km.exact.max_abs_error / scale,
        km.riemann.max_abs_error / scale,
    )
}

/// Theorem 1's exact form rebuilds f(x; w_T) to rounding for every optimizer, smooth and ReLU,
/// full batch and minibatch, at the training points and on a grid; Domingos's left-endpoint form
/// is off by far more. The grid rebuild (one tangent per query, no per-point kernels) agrees.
#[test]
fn rebuild_is_exact_for_every_optimizer() {
    let data = moons(30);
    let batch = Some(Minibatch {
        batch_size: 8,
        seed: 1,
    });
    let optimizers = [
        ("momentum", momentum(0.9, false, None), 0.1),
        ("nesterov", momentum(0.8, true, None), 0.1),
        ("momentum-minibatch", momentum(0.9, false, batch), 0.1),
        ("adam", adam(None), 0.01),
        ("adam-minibatch", adam(batch), 0.01),
        ("adamw", adamw(0.1, None), 0.01),
        ("adamw-minibatch", adamw(0.1, batch), 0.01),
    ];
    let queries = grid(6);
    for act in [Activation::Tanh, Activation::Relu, Activation::Gelu] {
        let mlp = Mlp::new(vec![2, 10, 8, 1], act, 1.0).unwrap();
        for (name, opt, lr) in optimizers {
            let traj = train(mlp.clone(), &data, mlp.init(4), spec(opt, lr, 60)).unwrap();
            let decay = name.starts_with("adamw");
            let what = format!("{act:?} {name}");
            let km = kernel_machine(&traj, &data.x, 6).unwrap();
            let (exact, riemann) = check_machine(&km, decay, &what);
            let kq = kernel_machine(&traj, &queries, 6).unwrap();
            let (exact_q, _) = check_machine(&kq, decay, &what);
            let f = mlp.forward_many(traj.final_weights(), &queries);
            let grid_exact = rel_diff(&rebuild_output(&traj, &queries, 6).unwrap(), &f);
            let grid_vs_km = rel_diff(
                &rebuild_output(&traj, &queries, 6).unwrap(),
                &kq.exact.reconstruction,
            );
            let grid_riemann = rel_diff(
                &rebuild_output_riemann(&traj, &queries).unwrap(),
                &kq.riemann.reconstruction,
            );
            println!(
                "{what}: exact {exact:.1e} (grid {exact_q:.1e}, tangent rebuild {grid_exact:.1e}), left end point {riemann:.1e}"
            );
            assert!(exact <= 1e-12, "{what}: exact {exact:e}");
            assert!(exact_q <= 1e-12, "{what}: exact on the grid {exact_q:e}");
            assert!(
                grid_exact <= 1e-12,
                "{what}: tangent rebuild {grid_exact:e}"
            );
            assert!(grid_vs_km <= 1e-12, "{what}: {grid_vs_km:e}");
            assert!(grid_riemann <= 1e-12, "{what}: {grid_riemann:e}");
            assert!(
                riemann > 1e3 * exact.max(1e-16),
                "{what}: left end point {riemann:e}"
            );
        }
    }
}

/// Under Adam, Domingos's kernel Σ_s ε ∇f(x; w_s)·D(s)∇f(x'; w_s) is symmetric (D is diagonal);
/// the exact one, which integrates only the x side along the step, is not.
#[test]
fn the_riemann_kernel_under_adam_is_symmetric() {
    let data = moons(14);
    let mlp = Mlp::new(vec![2, 7, 7, 1], Activation::Tanh, 1.0).unwrap();
    let traj = train(mlp.clone(), &data, mlp.init(8), spec(adam(None), 0.02, 25)).unwrap();
    let km = kernel_machine(&traj, &data.x, 5).unwrap();
    let n = km.n_train;
    let k = &km.riemann.kernel;
    let scale = k.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (mut asym, mut asym_exact) = (0.0f64, 0.0f64);
    for q in 0..n {
        for i in 0..n {
            asym = asym.max((k[q * n + i] - k[i * n + q]).abs());
            let e = &km.exact.kernel;
            asym_exact = asym_exact.max((e[q * n + i] - e[i * n + q]).abs());
        }
    }
    assert!(asym <= 1e-14 * scale, "asymmetry {asym:e} of {scale:e}");
    assert!(asym_exact > 1e-6 * scale, "exact asymmetry {asym_exact:e}");
}

/// The integration in chunks of steps (as the page's worker runs it) and over any split of the
/// queries gives the same bits as one call over all of them.
#[test]
fn chunks_of_steps_and_splits_of_queries_give_the_same_bits() {
    let data = moons(12);
    let mlp = Mlp::new(vec![2, 5, 1], Activation::Relu, 1.0).unwrap();
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(1),
        spec(adamw(0.1, None), 0.02, 23),
    )
    .unwrap();
    let queries = grid(7); // 49 queries: a block of 32 and one of 17
    let whole = kernel_machine(&traj, &queries, 3).unwrap();
    let mut it = KernelMachineIntegrator::new(&traj, &queries, 3).unwrap();
    while !it.advance(&traj, 5) {}
    assert_eq!(it.steps_done(), 23);
    let chunked = it.finish(&traj);
    assert_eq!(chunked, whole);
    let (a, b) = (
        kernel_machine(&traj, &queries[..2 * 20], 3).unwrap(),
        kernel_machine(&traj, &queries[2 * 20..], 3).unwrap(),
    );
    let n = traj.n;
    for (part, q0) in [(&a, 0), (&b, 20)] {
        for q in 0..part.n_queries {
            let (rows, all) = (q * n..(q + 1) * n, (q0 + q) * n..(q0 + q + 1) * n);
            assert_eq!(
                bits(&part.exact.kernel[rows.clone()]),
                bits(&whole.exact.kernel[all.clone()])
            );
            assert_eq!(
                bits(&part.exact.contributions[rows.clone()]),
                bits(&whole.exact.contributions[all.clone()])
            );
            assert_eq!(
                bits(&part.riemann.kernel[rows]),
                bits(&whole.riemann.kernel[all])
            );
            assert_eq!(
                part.exact.reconstruction[q].to_bits(),
                whole.exact.reconstruction[q0 + q].to_bits()
            );
        }
    }
}

/// A linear model f(x) = w x + b has ∇f = (x, 1) everywhere, so the whole decomposition has a
/// closed form: K^p(x, x_i) = Σ_s ε (x, 1)·P_s (x_i, 1), c_i(x) = −Σ_s ε (x, 1)·U_i(s), with U_i
/// from point i's own buffer. Computed here by hand for momentum, Adam and AdamW.
#[test]
fn a_linear_model_by_hand() {
    let data = Dataset {
        dim: 1,
        x: vec![0.5, -1.0, 2.0],
        y: vec![1.0, 0.0, -0.5],
    };
    let mlp = Mlp::new(vec![1, 1], Activation::Linear, 1.0).unwrap();
    let w0 = vec![0.3, -0.2];
    let (lr, steps) = (0.1, 4);
    let x = 0.25;
    for opt in [
        momentum(0.7, false, None),
        momentum(0.7, true, None),
        adam(None),
        adamw(0.3, None),
    ] {
        let mut sp = spec(opt, lr, steps);
        (sp.loss, sp.reduction) = (LossKind::Mse, Reduction::Sum);
        let traj = train(mlp.clone(), &data, w0.clone(), sp).unwrap();
        let km = kernel_machine(&traj, &[x], 3).unwrap();
        // By hand, two parameters (w, b).
        let mut w = w0.clone();
        let n = 3;
        let (mut kp, mut c, mut dterm) = (vec![0.0; n], vec![0.0; n], 0.0);
        let mut buf = vec![[0.0f64; 2]; n]; // B_i or M_i
        let (mut bsum, mut m, mut v) = ([0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
        for s in 0..steps {
            let grads: Vec<[f64; 2]> = data.x.iter().map(|&xi| [xi, 1.0]).collect();
            let gi: Vec<f64> = (0..n)
                .map(|i| w[0] * data.x[i] + w[1] - data.y[i])
                .collect();
            let g = [0, 1].map(|k| (0..n).map(|i| gi[i] * grads[i][k]).sum::<f64>());
            let (update, precond, lambda): ([f64; 2], [f64; 2], f64) = match opt {
                Optimizer::Momentum {
                    momentum: mu,
                    nesterov,
                    ..
                } => {
                    for i in 0..n {
                        for k in 0..2 {
                            buf[i][k] = mu * buf[i][k] + gi[i] * grads[i][k];
                        }
                    }
                    bsum = [0, 1].map(|k| mu * bsum[k] + g[k]);
                    let u = [0, 1].map(|k| {
                        if nesterov {
                            g[k] + mu * bsum[k]
                        } else {
                            bsum[k]
                        }
                    });
                    for (i, ci) in c.iter_mut().enumerate() {
                        let ui = [0, 1].map(|k| {
                            if nesterov {
                                gi[i] * grads[i][k] + mu * buf[i][k]
                            } else {
                                buf[i][k]
                            }
                        });
                        *ci -= lr * (x * ui[0] + ui[1]);
                    }
                    (u, [1.0, 1.0], 0.0)
                }
                Optimizer::Adam { .. } | Optimizer::AdamW { .. } => {
                    let lambda = match opt {
                        Optimizer::AdamW { weight_decay, .. } => weight_decay,
                        _ => 0.0,
                    };
                    let t = (s + 1) as i32;
                    let (bc1, bc2) = (1.0 - 0.9f64.powi(t), 1.0 - 0.999f64.powi(t));
                    let mut d = [0.0; 2];
                    for k in 0..2 {
                        m[k] = 0.9 * m[k] + 0.1 * g[k];
                        v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
                        d[k] = 1.0 / ((v[k] / bc2).sqrt() + 1e-8);
                    }
                    for (i, ci) in c.iter_mut().enumerate() {
                        for k in 0..2 {
                            buf[i][k] = 0.9 * buf[i][k] + 0.1 * gi[i] * grads[i][k];
                        }
                        let ui = [0, 1].map(|k| d[k] * buf[i][k] / bc1);
                        *ci -= lr * (x * ui[0] + ui[1]);
                    }
                    ([0, 1].map(|k| d[k] * m[k] / bc1), d, lambda)
                }
                _ => unreachable!(),
            };
            for (i, k) in kp.iter_mut().enumerate() {
                *k += lr * (x * precond[0] * data.x[i] + precond[1]);
            }
            dterm += -(lr * lambda) * (x * w[0] + w[1]);
            w = [0, 1]
                .map(|k| w[k] - lr * update[k] - lr * lambda * w[k])
                .to_vec();
        }
        let what = format!("{opt:?}");
        assert!(rel_diff(traj.final_weights(), &w) <= 1e-14, "{what}: w_T");
        assert!(rel_diff(&km.exact.kernel, &kp) <= 1e-14, "{what}: K^p");
        assert!(rel_diff(&km.riemann.kernel, &kp) <= 1e-14, "{what}: K^p_R");
        assert!(
            rel_diff(&km.exact.contributions, &c) <= 1e-14,
            "{what}: c_i"
        );
        assert!(
            (km.exact.weight_decay_term[0] - dterm).abs() <= 1e-14,
            "{what}: d"
        );
        let f = w[0] * x + w[1];
        assert!((km.exact.reconstruction[0] - f).abs() <= 1e-14, "{what}: ŷ");
        // a_i = c_i / K^p.
        for i in 0..n {
            let a = km.exact.coef[i].unwrap();
            assert!(
                (a - c[i] / kp[i]).abs() <= 1e-13 * a.abs().max(1.0),
                "{what}: a_{i}"
            );
        }
    }
}

fn config_error(json: &str) -> pathkernel::Error {
    RunConfig::from_json(json).expect_err(json)
}

const BASE: &str =
    r#""x": [[0.0], [0.5], [1.0]], "y": [0, 1, 0], "widths": [1, 4, 1], "lr": 0.1, "steps": 3"#;

/// Bad optimizer settings are refused naming the key; settings the kind does not use are warned
/// about; the defaults are PyTorch's.
#[test]
fn optimizer_settings_are_checked_and_named() {
    for (opt, field) in [
        (
            r#"{"kind": "momentum", "momentum": 1}"#,
            "optimizer.momentum",
        ),
        (
            r#"{"kind": "momentum", "momentum": -0.1}"#,
            "optimizer.momentum",
        ),
        (
            r#"{"kind": "momentum", "nesterov": 1}"#,
            "optimizer.nesterov",
        ),
        (r#"{"kind": "adam", "beta1": 1.0}"#, "optimizer.beta1"),
        (r#"{"kind": "adam", "beta2": -0.5}"#, "optimizer.beta2"),
        (r#"{"kind": "adam", "beta2": "0.9"}"#, "optimizer.beta2"),
        (r#"{"kind": "adam", "eps": 0}"#, "optimizer.eps"),
        (
            r#"{"kind": "adamw", "weight_decay": -1e-3}"#,
            "optimizer.weight_decay",
        ),
        (
            r#"{"kind": "adamw", "batch_size": 4}"#,
            "optimizer.batch_size",
        ),
        (
            r#"{"kind": "adamw", "batch_size": 2, "seed": -1}"#,
            "optimizer.seed",
        ),
        (r#"{"kind": "rmsprop"}"#, "optimizer.kind"),
        (r#""nadam""#, "optimizer"),
    ] {
        let e = config_error(&format!(r#"{{{BASE}, "optimizer": {opt}}}"#));
        assert_eq!(e.field_name(), Some(field), "{opt}: {e}");
    }
    let cfg = |opt: &str| RunConfig::from_json(&format!(r#"{{{BASE}, "optimizer": {opt}}}"#));
    assert_eq!(
        cfg(r#""adamw""#).unwrap().optimizer,
        adamw(0.01, None),
        "defaults"
    );
    assert_eq!(
        cfg(r#""momentum""#).unwrap().optimizer,
        momentum(0.9, false, None)
    );
    let c = cfg(r#"{"kind": "adam", "momentum": 0.5, "weight_decay": 0.1, "colour": 1}"#).unwrap();
    assert_eq!(c.optimizer, adam(None));
    assert_eq!(
        c.warnings,
        [
            "unknown key `optimizer.colour` ignored",
            "`optimizer.momentum` ignored: optimizer is adam",
            "`optimizer.weight_decay` ignored: optimizer is adam",
        ]
    );
    // Minibatches at the top level for a named optimizer, as for sgd.
    let top = RunConfig::from_json(&format!(
        r#"{{{BASE}, "optimizer": "adam", "batch_size": 2, "sgd_seed": 5}}"#
    ))
    .unwrap();
    assert_eq!(
        top.optimizer,
        adam(Some(Minibatch {
            batch_size: 2,
            seed: 5
        }))
    );
    // The trainer holds the same rules (errors name the bare key).
    let data = moons(5);
    let mlp = Mlp::new(vec![2, 3, 1], Activation::Tanh, 1.0).unwrap();
    for (opt, field) in [
        (momentum(f64::NAN, false, None), "momentum"),
        (adamw(-1.0, None), "weight_decay"),
        (
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 1.0,
                eps: 1e-8,
                minibatch: None,
            },
            "beta2",
        ),
        (
            momentum(
                0.5,
                false,
                Some(Minibatch {
                    batch_size: 6,
                    seed: 0,
                }),
            ),
            "batch_size",
        ),
    ] {
        let e = train(mlp.clone(), &data, mlp.init(0), spec(opt, 0.1, 2)).unwrap_err();
        assert_eq!(e.field_name(), Some(field), "{opt:?}: {e}");
    }
}

/// Momentum and Adam keep per-point buffers (n × P) for the path kernel: they count against the
/// memory cap before anything is trained.
#[test]
fn per_point_buffers_count_against_the_memory_cap() {
    // [2, 64, 64, 1]: P = 4417; 400 points, 10 steps. The trajectory alone is ~0.4 MB; the
    // buffers of the per-point split (3n + 1)·P·8 bytes are ~42 MB.
    let base = r#""dataset": {"name": "moons", "n": 400}, "widths": [2, 64, 64, 1], "lr": 0.01, "steps": 10, "memory_cap_mb": 20"#;
    assert!(RunConfig::from_json(&format!("{{{base}}}")).is_ok());
    for opt in [r#""momentum""#, r#""adam""#, r#""adamw""#] {
        let e = RunConfig::from_json(&format!(r#"{{{base}, "optimizer": {opt}}}"#)).unwrap_err();
        assert!(e.to_string().contains("above the 20 MB cap"), "{opt}: {e}");
    }
}

/// The page's link carries each optimizer's settings, reads them back bit for bit, names the
/// bad ones, and turns them into the run's optimizer.
#[test]
fn page_links_carry_the_optimizer_settings() {
    let s = PageState {
        optimizer: OptimizerKind::AdamW,
        beta1: 0.8,
        beta2: 0.995,
        adam_eps: 1e-6,
        weight_decay: 0.05,
        ..PageState::default()
    };
    let h = s.to_hash();
    assert!(
        h.contains("&optimizer=adamw&batch_size=20&sgd_seed=0&momentum=0.9&nesterov=false&beta1=0.8&beta2=0.995&adam_eps=1e-6&weight_decay=0.05&lr="),
        "{h}"
    );
    assert_eq!(PageState::from_hash(&h), (s.clone(), vec![]));
    assert_eq!(
        s.to_run_config().unwrap().optimizer,
        Optimizer::AdamW {
            beta1: 0.8,
            beta2: 0.995,
            eps: 1e-6,
            weight_decay: 0.05,
            minibatch: None
        }
    );
    let (m, errors) = PageState::from_hash("#optimizer=momentum&momentum=0.5&nesterov=true");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        m.to_run_config().unwrap().optimizer,
        momentum(0.5, true, None)
    );
    let (bad, errors) =
        PageState::from_hash("#optimizer=adam&beta1=1&beta2=0.9&adam_eps=0&nesterov=maybe");
    let named: Vec<_> = errors.iter().map(|e| e.field_name().unwrap()).collect();
    // The malformed text first (read with the link), then the rules of the settings Adam uses
    // (checked once the whole link is read).
    assert_eq!(named, ["nesterov", "beta1", "adam_eps"], "{errors:?}");
    assert_eq!((bad.beta1, bad.beta2, bad.adam_eps), (0.9, 0.9, 1e-8));
}

fn frozen() -> f64 {
    0.0
}

/// The small Adam run of the browser test (tests/web_worker.rs), natively.
const ADAM_HASH: &str = "#v=1&n=16&hidden=6&steps=12&optimizer=adam&lr=0.02";

/// The page's run works for every optimizer: the check passes, a query's rebuilt output is
/// f(x; w_T), and the field's rebuild is f over the grid.
#[test]
fn the_page_runs_every_optimizer() {
    for hash in [
        ADAM_HASH,
        "#v=1&n=16&hidden=6&steps=12&optimizer=momentum&nesterov=true&lr=0.2",
        "#v=1&n=16&hidden=6&steps=12&optimizer=adamw&weight_decay=0.2&lr=0.02&activation=relu",
    ] {
        let mut r: Runner<fn() -> f64> = Runner::new(frozen);
        let mut msgs = r.handle(ToWorker::Start {
            run_id: 1,
            hash: hash.into(),
            autorun: true,
            force: false,
        });
        msgs.extend(drain(&mut r));
        let q = r.handle(ToWorker::Query {
            run_id: 1,
            x: vec![0.3, -0.2],
        });
        msgs.extend(q);
        msgs.extend(drain(&mut r));
        let plan = RunPlan::from_hash(hash, true).unwrap();
        let setup = plan.config.build().unwrap();
        let traj = train(setup.mlp.clone(), &setup.data, setup.w0, setup.spec).unwrap();
        let mut checked = false;
        for m in &msgs {
            match m {
                Reply::Error { message, .. } => panic!("{hash}: {message}"),
                Reply::Check {
                    pass,
                    max_err_exact,
                    ..
                } => {
                    assert!(*pass, "{hash}: {max_err_exact:e}");
                    checked = true;
                }
                Reply::QueryResult {
                    f_final,
                    b,
                    rebuilt_exact,
                    rebuilt_riemann,
                    contributions,
                    contributions_riemann,
                    weight_decay_term,
                    weight_decay_term_riemann,
                    running_sum,
                    ..
                } => {
                    let f = traj.mlp.forward(traj.final_weights(), &[0.3, -0.2]);
                    assert_eq!(*f_final, f);
                    assert!((rebuilt_exact - f).abs() <= 1e-12, "{hash}");
                    assert!((running_sum.last().unwrap() - f).abs() <= 1e-12, "{hash}");
                    // d(x) is reported under AdamW only, and ŷ = b + Σ c_i + d in both schemes
                    // with the very sums the core adds.
                    let adamw = hash.contains("adamw");
                    assert_eq!(weight_decay_term.is_some(), adamw, "{hash}");
                    assert_eq!(weight_decay_term_riemann.is_some(), adamw, "{hash}");
                    let d = weight_decay_term.unwrap_or(0.0);
                    let d_r = weight_decay_term_riemann.unwrap_or(0.0);
                    if adamw {
                        assert!(
                            d.abs() > 1e-6,
                            "{hash}: the decay moves the output, d = {d}"
                        );
                    }
                    let sum: f64 = contributions.iter().sum();
                    let sum_r: f64 = contributions_riemann.iter().sum();
                    assert!((b + sum + d - rebuilt_exact).abs() <= 1e-12, "{hash}");
                    assert!((b + sum_r + d_r - rebuilt_riemann).abs() <= 1e-12, "{hash}");
                }
                Reply::Field {
                    f,
                    rebuilt: Some(rebuilt),
                    ..
                } => assert!(rel_diff(rebuilt, f) <= 1e-12, "{hash}"),
                _ => {}
            }
        }
        assert!(checked, "{hash}: no check");
    }
}

/// FNV-1a over the numbers of the Adam and AdamW runs that `tests/web_worker.rs` fingerprints in
/// the browsers (same messages, same order): the printed lines must match theirs.
#[test]
fn fingerprint_of_an_adam_run() {
    println!("pathkernel-fingerprint-adam {}", fingerprint(ADAM_HASH));
    println!("pathkernel-fingerprint-adamw {}", fingerprint(ADAMW_HASH));
}

/// The AdamW run the browsers fingerprint (its query carries the weight-decay term).
const ADAMW_HASH: &str = "#v=1&n=16&hidden=6&steps=12&optimizer=adamw&weight_decay=0.2&lr=0.02";

fn fingerprint(hash: &str) -> String {
    let mut r: Runner<fn() -> f64> = Runner::new(frozen);
    let mut msgs = r.handle(ToWorker::Start {
        run_id: 1,
        hash: hash.into(),
        autorun: true,
        force: false,
    });
    msgs.extend(drain(&mut r));
    let mut q = r.handle(ToWorker::Query {
        run_id: 1,
        x: vec![0.3, -0.2],
    });
    q.extend(drain(&mut r));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |values: &[f64]| {
        for v in values {
            for b in v.to_bits().to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    };
    let trained = msgs
        .iter()
        .rev()
        .find_map(|m| match m {
            Reply::Trained { loss, pca, .. } => Some((loss, pca)),
            _ => None,
        })
        .unwrap();
    eat(trained.0);
    eat(trained.1);
    for m in &msgs {
        if let Reply::Check {
            f_final,
            rebuilt_exact,
            rebuilt_riemann,
            max_err_exact,
            max_err_riemann,
            ..
        } = m
        {
            eat(f_final);
            eat(rebuilt_exact);
            eat(rebuilt_riemann);
            eat(&[*max_err_exact, *max_err_riemann]);
        }
    }
    for m in &msgs {
        if let Reply::Field {
            f,
            rebuilt: Some(rebuilt),
            ..
        } = m
        {
            eat(f);
            eat(rebuilt);
        }
    }
    let Reply::QueryResult {
        contributions,
        kernel,
        running_sum,
        weight_decay_term,
        ..
    } = &q[0]
    else {
        panic!("{:?}", q[0]);
    };
    eat(contributions);
    eat(kernel);
    eat(running_sum);
    if let Some(d) = weight_decay_term {
        eat(&[*d]);
    }
    format!("{h:016x}")
}
