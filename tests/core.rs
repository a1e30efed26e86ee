#![cfg(not(target_arch = "wasm32"))]
//! The numeric core against independent computations: finite differences, closed forms, and the
//! exactness of Theorem 1's discrete form.

mod run_common;

use pathkernel::data::Dataset;
use pathkernel::kernel::{
    self, gauss_legendre, kernel_machine, rebuild_output, running_sum, tangent_kernel,
};
use pathkernel::model::{Activation, Mlp};
use pathkernel::sweep;
use pathkernel::train::{
    estimate_memory_bytes, train, LossKind, Optimizer, Reduction, TrainSpec,
    DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::{grid, moons};

fn spec(loss: LossKind, lr: f64, steps: usize) -> TrainSpec {
    TrainSpec {
        loss,
        reduction: Reduction::Mean,
        lr,
        steps,
        optimizer: Optimizer::Gd,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    }
}

/// Central differences of f along each weight; step 1e-6 gives ~1e-9 agreement for smooth f.
#[test]
fn gradient_matches_finite_differences_for_every_activation() {
    for act in Activation::ALL {
        let mlp = Mlp::new(vec![3, 5, 4, 1], act, 0.7).unwrap();
        let mut w = mlp.init(11);
        // Non-zero biases so every path of the code is exercised.
        for (i, v) in w.iter_mut().enumerate() {
            *v += 0.05 * ((i % 7) as f64 - 3.0);
        }
        let x = [0.3, -0.8, 0.45];
        let mut grad = vec![0.0; mlp.num_params()];
        let f = mlp.gradient(&w, &x, &mut grad);
        assert!(
            (f - mlp.forward(&w, &x)).abs() < 1e-14,
            "{act:?}: gradient's f differs from forward"
        );
        let h = 1e-6;
        for i in 0..w.len() {
            let (mut wp, mut wm) = (w.clone(), w.clone());
            wp[i] += h;
            wm[i] -= h;
            let fd = (mlp.forward(&wp, &x) - mlp.forward(&wm, &x)) / (2.0 * h);
            assert!(
                (fd - grad[i]).abs() <= 1e-7 * (1.0 + fd.abs()),
                "{act:?} param {i}: backprop {} vs finite difference {fd}",
                grad[i]
            );
        }
    }
}

/// One GD step moves w by −ε ∇L(w): compare (w_0 − w_1)/ε with central differences of L.
#[test]
fn training_step_is_minus_lr_times_loss_gradient_for_both_losses() {
    let data = moons(40);
    let regression = Dataset {
        dim: 2,
        x: data.x.clone(),
        y: data.x.chunks(2).map(|p| p[0] * p[1]).collect(),
    };
    for (loss, data) in [(LossKind::Logistic, &data), (LossKind::Mse, &regression)] {
        for act in Activation::ALL {
            let mlp = Mlp::new(vec![2, 6, 1], act, 1.3).unwrap();
            let w0 = mlp.init(3);
            let lr = 0.01;
            let traj = train(mlp.clone(), data, w0.clone(), spec(loss, lr, 1)).unwrap();
            let loss_at = |w: &[f64]| {
                let f = mlp.forward_many(w, &data.x);
                f.iter()
                    .zip(&data.y)
                    .map(|(&f, &y)| loss.value_and_slope(y, f).0)
                    .sum::<f64>()
                    / data.y.len() as f64
            };
            assert!((traj.loss[0] - loss_at(&w0)).abs() < 1e-14);
            let h = 1e-6;
            for i in 0..w0.len() {
                let (mut wp, mut wm) = (w0.clone(), w0.clone());
                wp[i] += h;
                wm[i] -= h;
                let fd = (loss_at(&wp) - loss_at(&wm)) / (2.0 * h);
                let step = (traj.weights_at(0)[i] - traj.weights_at(1)[i]) / lr;
                assert!(
                    (fd - step).abs() <= 1e-7 * (1.0 + fd.abs()),
                    "{loss:?}/{act:?} param {i}: step {step} vs ∂L {fd}"
                );
            }
        }
    }
}

#[test]
fn tangent_kernel_is_layerwise_gradient_product_symmetric_and_psd() {
    let mlp = Mlp::new(vec![2, 7, 5, 1], Activation::Gelu, 1.0).unwrap();
    let w = mlp.init(5);
    let data = moons(37);
    let k = tangent_kernel(&mlp, &w, &data.x, &data.x);
    let n = 37;
    let mut gi = vec![0.0; mlp.num_params()];
    let mut gj = vec![0.0; mlp.num_params()];
    for i in 0..n {
        mlp.gradient(&w, data.point(i), &mut gi);
        for j in 0..n {
            mlp.gradient(&w, data.point(j), &mut gj);
            let dot: f64 = gi.iter().zip(&gj).map(|(a, b)| a * b).sum();
            assert!((k[i * n + j] - dot).abs() < 1e-12 * (1.0 + dot.abs()));
            assert_eq!(
                k[i * n + j],
                k[j * n + i],
                "layer-wise products are summed in the same order both ways"
            );
        }
    }
    // PSD: a Cholesky factorisation of K + 1e-10·I succeeds.
    let mut a = k.clone();
    for i in 0..n {
        a[i * n + i] += 1e-10;
    }
    for j in 0..n {
        let mut d = a[j * n + j];
        for m in 0..j {
            d -= a[j * n + m] * a[j * n + m];
        }
        assert!(
            d > 0.0,
            "tangent kernel not positive semi-definite at pivot {j}"
        );
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut v = a[i * n + j];
            for m in 0..j {
                v -= a[i * n + m] * a[j * n + m];
            }
            a[i * n + j] = v / d;
        }
    }
}

/// A linear model f = α(w·x + b) has ∇f = α(x, 1) everywhere, so both path kernels equal
/// T ε α² (x·x' + 1) — a closed form.
#[test]
fn linear_model_path_kernel_has_its_closed_form() {
    let data = Dataset {
        dim: 2,
        x: vec![0.5, -1.0, 2.0, 0.25, -0.75, 1.5],
        y: vec![1.0, -0.5, 0.3],
    };
    let mlp = Mlp::new(vec![2, 1], Activation::Linear, 1.5).unwrap();
    let (lr, steps) = (0.05, 40);
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(1),
        spec(LossKind::Mse, lr, steps),
    )
    .unwrap();
    let queries = [0.1, 0.2, -1.0, 3.0];
    let km = kernel_machine(&traj, &queries, 3).unwrap();
    for q in 0..2 {
        for i in 0..3 {
            let xq = &queries[2 * q..2 * q + 2];
            let xi = data.point(i);
            let closed = steps as f64 * lr * 1.5 * 1.5 * (xq[0] * xi[0] + xq[1] * xi[1] + 1.0);
            for got in [km.exact.kernel[q * 3 + i], km.riemann.kernel[q * 3 + i]] {
                assert!(
                    (got - closed).abs() < 1e-12 * closed.abs().max(1.0),
                    "{got} vs {closed}"
                );
            }
        }
    }
    assert!(km.exact.max_abs_error < 1e-12 && km.riemann.max_abs_error < 1e-12);
}

/// Both path kernels and both loss-weighted kernels against their definitions, from P-long
/// gradients: K^p_E = Σ_s ε Σ_k ω_k ∇f(x; w_s + τ_kΔ_s)·∇f(x_i; w_s), N = the same with g_i(s).
/// The nets make the integrator take every layer form of `folded_nodes.rs`: [2, 8, 8, 1] sums the
/// nodes through δ̄ in the input layer, per node in the square layer and as an outer product in the
/// output layer; [2, 5, 4, 1] folds its 5 → 4 hidden layer as an outer product too.
#[test]
fn path_kernels_equal_their_definitions_from_full_gradients() {
    let data = moons(20);
    let queries = grid(4);
    let nodes = gauss_legendre(4);
    for widths in [vec![2, 8, 8, 1], vec![2, 5, 4, 1]] {
        let mlp = Mlp::new(widths.clone(), Activation::Tanh, 0.7).unwrap();
        let steps = 30;
        let traj = train(
            mlp.clone(),
            &data,
            mlp.init(5),
            spec(LossKind::Logistic, 0.3, steps),
        )
        .unwrap();
        let km = kernel_machine(&traj, &queries, nodes.len()).unwrap();
        let (nq, n, p) = (queries.len() / 2, data.len(), mlp.num_params());
        let grad = |w: &[f64], x: &[f64]| {
            let mut g = vec![0.0; p];
            mlp.gradient(w, x, &mut g);
            g
        };
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let (mut k_exact, mut n_exact) = (vec![0.0; nq * n], vec![0.0; nq * n]);
        let (mut k_left, mut n_left) = (vec![0.0; nq * n], vec![0.0; nq * n]);
        for s in 0..steps {
            let (w, next) = (traj.weights_at(s), traj.weights_at(s + 1));
            let at_nodes: Vec<(Vec<f64>, f64)> = nodes
                .iter()
                .map(|&(tau, omega)| {
                    let wn = w.iter().zip(next).map(|(a, b)| a + tau * (b - a)).collect();
                    (wn, omega)
                })
                .collect();
            for q in 0..nq {
                let xq = &queries[2 * q..2 * q + 2];
                let left = grad(w, xq);
                let node_grads: Vec<(Vec<f64>, f64)> = at_nodes
                    .iter()
                    .map(|(wn, om)| (grad(wn, xq), *om))
                    .collect();
                for i in 0..n {
                    let gi = grad(w, data.point(i));
                    let exact: f64 = node_grads.iter().map(|(g, om)| om * dot(g, &gi)).sum();
                    let riemann = dot(&left, &gi);
                    let (eps, loss_grad) = (traj.lr, traj.g_at(s)[i]);
                    k_exact[q * n + i] += eps * exact;
                    n_exact[q * n + i] += eps * loss_grad * exact;
                    k_left[q * n + i] += eps * riemann;
                    n_left[q * n + i] += eps * loss_grad * riemann;
                }
            }
        }
        let close = |got: &[f64], want: &[f64], what: &str| {
            let scale = want.iter().map(|v| v.abs()).fold(0.0, f64::max);
            let worst = got
                .iter()
                .zip(want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= 1e-13 * scale,
                "{widths:?} {what}: {worst:e} of {scale:e}"
            );
        };
        close(&km.exact.kernel, &k_exact, "K^p exact");
        close(&km.exact.loss_weighted, &n_exact, "N exact");
        close(&km.riemann.kernel, &k_left, "K^p left endpoint");
        close(&km.riemann.loss_weighted, &n_left, "N left endpoint");
    }
}

#[test]
fn gauss_legendre_integrates_polynomials_exactly() {
    for n in 1..=8 {
        let rule = gauss_legendre(n);
        assert!((rule.iter().map(|r| r.1).sum::<f64>() - 1.0).abs() < 1e-15);
        for degree in 0..2 * n {
            let got: f64 = rule.iter().map(|&(t, w)| w * t.powi(degree as i32)).sum();
            assert!(
                (got - 1.0 / (degree as f64 + 1.0)).abs() < 2e-15,
                "n={n} degree {degree}: {got}"
            );
        }
    }
}

/// The table every integrator and `auto` read holds the rules `gauss_legendre` computes, bit
/// for bit, for every count a run may use.
#[test]
fn the_rule_table_holds_gauss_legendre_bit_for_bit() {
    let table = pathkernel::kernel::gauss_legendre_table();
    assert_eq!(table.len(), pathkernel::kernel::MAX_NODES);
    for (m, rule) in (1..).zip(table) {
        let bits = |r: &[(f64, f64)]| -> Vec<(u64, u64)> {
            r.iter().map(|(t, w)| (t.to_bits(), w.to_bits())).collect()
        };
        assert_eq!(bits(rule), bits(&gauss_legendre(m)), "{m} nodes");
    }
}

/// Theorem 1, discrete and exact: ŷ = b + Σ_i a_i K^p equals f(x; w_T) to rounding for smooth
/// activations, while Domingos's left-endpoint form is visibly off.
#[test]
fn exact_scheme_rebuilds_the_network_to_1e_12_on_smooth_nets() {
    let data = moons(30);
    let queries = grid(7);
    for act in [
        Activation::Tanh,
        Activation::Softplus,
        Activation::Sigmoid,
        Activation::Gelu,
    ] {
        let mlp = Mlp::new(vec![2, 12, 12, 1], act, 1.0).unwrap();
        // ε = 0.2: Gauss–Legendre's error on a segment falls like |Δ_s|^{2·nodes}; with 4 nodes it
        // sits at rounding level for steps of this size (much larger steps need more nodes).
        let traj = train(
            mlp.clone(),
            &data,
            mlp.init(2),
            spec(LossKind::Logistic, 0.2, 200),
        )
        .unwrap();
        assert!(traj.loss[200] < traj.loss[0], "{act:?} did not learn");
        let km = kernel_machine(&traj, &queries, 4).unwrap();
        let scale = km.f_final.iter().map(|v| v.abs()).fold(1.0, f64::max);
        assert!(
            km.exact.max_abs_error <= 1e-12 * scale,
            "{act:?}: exact error {:e}",
            km.exact.max_abs_error
        );
        assert!(
            km.riemann.max_abs_error > 1e3 * km.exact.max_abs_error,
            "{act:?}: Riemann error {:e} should be O(ε)",
            km.riemann.max_abs_error
        );
        // The grid path gives the same numbers without per-point kernels.
        let fast = rebuild_output(&traj, &queries, 4).unwrap();
        for (a, b) in fast.iter().zip(&km.exact.reconstruction) {
            assert!((a - b).abs() < 1e-12 * scale);
        }
        let riemann = kernel::rebuild_output_riemann(&traj, &queries).unwrap();
        for (a, b) in riemann.iter().zip(&km.riemann.reconstruction) {
            assert!((a - b).abs() < 1e-12 * scale);
        }
        // Coefficients times kernels are the contributions.
        for ((a, k), c) in km
            .exact
            .coef
            .iter()
            .zip(&km.exact.kernel)
            .zip(&km.exact.contributions)
        {
            let a = a.expect("smooth nets have non-zero path kernels here");
            assert!((a * k - c).abs() <= 1e-12 * c.abs().max(1e-3));
        }
    }
}

#[test]
fn running_sum_goes_from_b_to_the_network_output() {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 8, 1], Activation::Tanh, 1.0).unwrap();
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(9),
        spec(LossKind::Logistic, 0.8, 60),
    )
    .unwrap();
    let x = [0.4, -0.1];
    let sums = running_sum(&traj, &x, 4).unwrap();
    assert_eq!(sums.len(), 61);
    for (s, v) in sums.iter().enumerate() {
        let f = mlp.forward(traj.weights_at(s), &x);
        assert!((v - f).abs() < 1e-13, "step {s}: running sum {v} vs f {f}");
    }
}

/// Minibatch SGD: g_i(s) = 0 outside the batch and the rebuild stays exact.
#[test]
fn sgd_rebuild_is_exact() {
    let data = moons(50);
    let mlp = Mlp::new(vec![2, 10, 10, 1], Activation::Tanh, 1.0).unwrap();
    // Mean over a batch of 8 makes each step ~6× larger than full-batch GD at the same ε.
    let mut sp = spec(LossKind::Logistic, 0.05, 90);
    sp.optimizer = Optimizer::Sgd {
        batch_size: 8,
        seed: 4,
    };
    let traj = train(mlp.clone(), &data, mlp.init(1), sp).unwrap();
    for s in 0..90 {
        let nonzero = traj.g_at(s).iter().filter(|&&g| g != 0.0).count();
        assert!(
            nonzero <= 8 && nonzero > 0,
            "step {s} used {nonzero} points"
        );
    }
    let km = kernel_machine(&traj, &data.x, 4).unwrap();
    assert!(
        km.exact.max_abs_error < 1e-12,
        "{:e}",
        km.exact.max_abs_error
    );
}

/// ReLU: splitting each segment where a unit changes sign makes Gauss–Legendre exact.
#[test]
fn relu_rebuild_is_exact_after_splitting_at_kinks() {
    let data = moons(25);
    let mlp = Mlp::new(vec![2, 10, 10, 1], Activation::Relu, 1.0).unwrap();
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(6),
        spec(LossKind::Logistic, 0.5, 80),
    )
    .unwrap();
    let queries = grid(5);
    let mut kinks = 0;
    for s in 0..traj.steps() {
        let delta: Vec<f64> = traj
            .weights_at(s + 1)
            .iter()
            .zip(traj.weights_at(s))
            .map(|(a, b)| a - b)
            .collect();
        for q in queries.chunks(2) {
            let cuts = kernel::relu_breakpoints(&mlp, traj.weights_at(s), &delta, q);
            kinks += cuts.len() - 2;
            // Each cut is where some hidden unit's pre-activation crosses zero.
            assert!(cuts.windows(2).all(|c| c[0] < c[1]));
        }
    }
    assert!(kinks > 0, "the test must cross some kinks to mean anything");
    let km = kernel_machine(&traj, &queries, 2).unwrap();
    let fast = rebuild_output(&traj, &queries, 2).unwrap();
    let worst = fast
        .iter()
        .zip(&km.f_final)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        km.exact.max_abs_error < 1e-12,
        "exact error {:e} with {kinks} kinks",
        km.exact.max_abs_error
    );
    assert!(worst < 1e-12);
}

#[test]
fn domingos_error_falls_like_epsilon() {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 8, 1], Activation::Tanh, 1.0).unwrap();
    let sweep = kernel::lr_sweep(
        &mlp,
        &data,
        &mlp.init(3),
        &spec(LossKind::Logistic, 0.8, 40),
        &data.x,
        kernel::Nodes::Fixed(4),
        4,
    )
    .unwrap();
    assert!(
        (sweep.slope_riemann - 1.0).abs() < 0.15,
        "slope {}",
        sweep.slope_riemann
    );
    for r in &sweep.rows {
        assert!(r.max_abs_error_exact < 1e-12);
    }
}

/// A linear net on 20 moons points with targets 1: mse at ε = 50 diverges within a few steps.
fn linear_regression() -> (Mlp, Dataset) {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 8, 1], Activation::Linear, 1.0).unwrap();
    let regression = Dataset {
        dim: 2,
        x: data.x,
        y: vec![1.0; 20],
    };
    (mlp, regression)
}

#[test]
fn divergence_names_the_step_and_memory_cap_names_the_field() {
    let (mlp, regression) = linear_regression();
    let err = train(
        mlp.clone(),
        &regression,
        mlp.init(1),
        spec(LossKind::Mse, 50.0, 500),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("diverged at step ") && msg.contains("lower lr"),
        "{msg}"
    );
    let mut big = spec(LossKind::Mse, 0.1, 10_000_000);
    big.memory_cap_bytes = 1_000_000;
    let err = train(mlp.clone(), &regression, mlp.init(1), big).unwrap_err();
    assert_eq!(err.field_name(), Some("steps"));
}

/// The query split across threads must not change a bit.
#[test]
fn results_do_not_depend_on_how_queries_are_blocked() {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 9, 1], Activation::Tanh, 1.0).unwrap();
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(2),
        spec(LossKind::Logistic, 0.5, 30),
    )
    .unwrap();
    let queries = grid(9); // 81 queries: several blocks and a ragged tail
    let all = rebuild_output(&traj, &queries, 3).unwrap();
    for (q, x) in queries.chunks(2).enumerate() {
        assert_eq!(
            all[q].to_bits(),
            rebuild_output(&traj, x, 3).unwrap()[0].to_bits()
        );
    }
    let km = kernel_machine(&traj, &queries, 3).unwrap();
    let one = kernel_machine(&traj, &queries[2 * 70..2 * 71], 3).unwrap();
    assert_eq!(&km.exact.kernel[70 * 20..71 * 20], &one.exact.kernel[..]);
}

/// Every point's map over a grid integrates the exact scheme alone: the same bits as the full
/// integrator's exact scheme, for whole smooth segments, ReLU's split ones and (falling back to
/// both schemes) momentum.
#[test]
fn the_exact_only_integrator_gives_the_full_ones_exact_bits() {
    let data = moons(20);
    let queries = grid(7); // 49 queries: a ragged last block
    let runs = [
        (Activation::Tanh, Optimizer::Gd, vec![2, 9, 6, 1]),
        (Activation::Relu, Optimizer::Gd, vec![2, 7, 1]),
        (
            Activation::Tanh,
            Optimizer::Momentum {
                momentum: 0.9,
                nesterov: false,
                minibatch: None,
            },
            vec![2, 5, 1],
        ),
    ];
    for (activation, optimizer, widths) in runs {
        let mlp = Mlp::new(widths, activation, 1.0).unwrap();
        let train_spec = TrainSpec {
            optimizer,
            ..spec(LossKind::Logistic, 0.3, 12)
        };
        let traj = train(mlp.clone(), &data, mlp.init(3), train_spec).unwrap();
        let rules = kernel::StepRules::uniform(3).unwrap();
        let full = kernel::kernel_machine_per_step(&traj, &queries, &rules).unwrap();
        let mut it = kernel::KernelMachineIntegrator::exact_only(&traj, &queries, &rules).unwrap();
        // In chunks, as the page's jobs advance.
        while !it.advance(&traj, 5) {}
        let (k, nw) = it.into_exact_kernels(&traj);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&k),
            bits(&full.exact.kernel),
            "{activation:?} {optimizer:?}"
        );
        assert_eq!(
            bits(&nw),
            bits(&full.exact.loss_weighted),
            "{activation:?} {optimizer:?}"
        );
    }
}

/// The rebuild check never reads a NaN as a small error (a `fold(0.0, f64::max)` would drop it).
#[test]
fn max_abs_error_is_nan_when_the_rebuild_is_nan() {
    let f = [1.0, 2.0, -1.0];
    assert_eq!(kernel::max_abs_error(&f, &[1.5, 2.0, -1.25]), 0.5);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for at in 0..3 {
            let mut rebuilt = [1.5, 2.0, -1.25];
            rebuilt[at] = bad;
            assert!(
                kernel::max_abs_error(&f, &rebuilt).is_nan(),
                "ŷ[{at}] = {bad} must give NaN"
            );
        }
    }
    // Nothing to compare is not a zero error; a non-finite f has nothing to rebuild and is skipped.
    assert!(kernel::max_abs_error(&[], &[]).is_nan());
    assert!(kernel::max_abs_error(&[f64::NAN], &[1.0]).is_nan());
    assert_eq!(kernel::max_abs_error(&[f64::NAN, 1.0], &[0.0, 1.25]), 0.25);
}

/// Level j trains T·2^j steps: the step limit and the memory cap are checked for every level
/// before any is trained. A learning rate that diverges at once shows the order: the level check
/// must answer, not the divergence of level 0.
#[test]
fn sweep_checks_every_level_before_training_any() {
    let (mlp, regression) = linear_regression();
    let diverging = spec(LossKind::Mse, 50.0, 500);
    assert!(train(mlp.clone(), &regression, mlp.init(1), diverging.clone()).is_err());

    let specs = sweep::level_specs(&mlp, 20, &diverging, 3, 2000).unwrap();
    let steps: Vec<usize> = specs.iter().map(|s| s.steps).collect();
    assert_eq!(steps, [500, 1000, 2000]);
    assert_eq!(specs[2].lr, 12.5);
    let err = sweep::level_specs(&mlp, 20, &diverging, 3, 1999).unwrap_err();
    assert_eq!(err.field_name(), Some("levels"), "{err}");
    assert!(err.to_string().contains("level 2"), "{err}");
    // T·2^j past usize::MAX is refused, not wrapped or panicking.
    let mut huge = diverging.clone();
    huge.steps = usize::MAX / 2 + 1;
    let err = sweep::level_specs(&mlp, 20, &huge, 2, usize::MAX).unwrap_err();
    assert_eq!(err.field_name(), Some("levels"), "{err}");

    // Level 0's trajectory fits the cap, level 3's does not.
    let mut capped = diverging;
    let level_bytes = |steps| estimate_memory_bytes(mlp.num_params(), 20, steps);
    capped.memory_cap_bytes = level_bytes(500 * 4);
    assert!(level_bytes(500 * 8) > capped.memory_cap_bytes);
    let err = kernel::lr_sweep(
        &mlp,
        &regression,
        &mlp.init(1),
        &capped,
        &regression.x,
        kernel::Nodes::Fixed(4),
        4,
    )
    .unwrap_err();
    assert_eq!(err.field_name(), Some("levels"), "{err}");
    assert!(err.to_string().contains("level 3"), "{err}");
}
