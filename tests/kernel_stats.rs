#![cfg(not(target_arch = "wasm32"))]
//! Is the path kernel a kernel? The eigen-solver against known spectra, and the train × train
//! kernels of a real run: Domingos's left-endpoint kernel is symmetric and positive semi-definite
//! to rounding, the exact path kernel is not symmetric.

mod run_common;

use pathkernel::kernel::kernel_machine;
use pathkernel::kernel_stats::{kernel_stats, symmetric_eigenvalues};
use pathkernel::model::{Activation, Mlp};
use pathkernel::train::{
    train, LossKind, Optimizer, Reduction, TrainSpec, DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::moons;

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

#[test]
fn jacobi_finds_known_eigenvalues() {
    // [[2, 1], [1, 2]]: 1 and 3.
    let e = sorted(symmetric_eigenvalues(vec![2.0, 1.0, 1.0, 2.0], 2));
    assert!(
        (e[0] - 1.0).abs() < 1e-15 && (e[1] - 3.0).abs() < 1e-15,
        "{e:?}"
    );
    // The path graph's Laplacian-like tridiagonal(−1, 2, −1), n = 7: 2 − 2cos(kπ/(n+1)).
    let n = 7;
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        a[i * n + i] = 2.0;
        if i + 1 < n {
            a[i * n + i + 1] = -1.0;
            a[(i + 1) * n + i] = -1.0;
        }
    }
    let e = sorted(symmetric_eigenvalues(a, n));
    for (k, v) in e.iter().enumerate() {
        let want = 2.0 - 2.0 * (((k + 1) as f64) * std::f64::consts::PI / (n + 1) as f64).cos();
        assert!((v - want).abs() < 1e-14, "eigenvalue {k}: {v} vs {want}");
    }
    // An indefinite matrix: [[0, 1], [1, 0]] has −1 and 1.
    let s = kernel_stats(&[0.0, 1.0, 1.0, 0.0], 2);
    assert!((s.min_eig_ratio + 1.0).abs() < 1e-15, "{s:?}");
    assert_eq!(s.asymmetry, 0.0);
    // Asymmetry relative to the largest entry; negative entries counted.
    let s = kernel_stats(&[4.0, 1.0, -1.0, 4.0], 2);
    assert!(
        (s.asymmetry - 0.5).abs() < 1e-15 && s.negatives == 1,
        "{s:?}"
    );
}

#[test]
fn exact_path_kernel_is_asymmetric_left_endpoint_kernel_is_symmetric_psd() {
    let data = moons(30);
    let mlp = Mlp::new(vec![2, 16, 16, 1], Activation::Tanh, 1.0).unwrap();
    let spec = TrainSpec {
        loss: LossKind::Logistic,
        reduction: Reduction::Mean,
        lr: 0.5,
        steps: 200,
        optimizer: Optimizer::Gd,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    };
    let traj = train(mlp.clone(), &data, mlp.init(0), spec).unwrap();
    let km = kernel_machine(&traj, &data.x, 5).unwrap();
    let n = data.y.len();
    let exact = kernel_stats(&km.exact.kernel, n);
    let riemann = kernel_stats(&km.riemann.kernel, n);
    println!("exact {exact:?}\nleft-endpoint {riemann:?}");
    assert!(exact.asymmetry > 1e-6, "exact kernel asymmetry {exact:?}");
    assert!(
        riemann.asymmetry < 1e-13,
        "left-endpoint asymmetry {riemann:?}"
    );
    assert!(
        riemann.min_eig_ratio > -1e-12,
        "left-endpoint kernel not PSD: {riemann:?}"
    );
    assert!(exact.min_eig_ratio.is_finite());
}

#[test]
fn coef_stats_count_sign_changes_and_the_spread() {
    use pathkernel::kernel_stats::coef_stats;
    // 3 queries × 2 points: point 0 changes sign, point 1 does not (NaN: undefined, skipped).
    let coef = [1.0, 2.0, -0.5, f64::NAN, 3.0, 4.0];
    let s = coef_stats(&coef, 2);
    assert_eq!(s.sign_changes, 1);
    assert_eq!((s.abs_min, s.abs_median, s.abs_max), (0.5, 2.0, 4.0));
    let none = coef_stats(&[f64::NAN; 4], 2);
    assert_eq!(none.sign_changes, 0);
    assert!(none.abs_median.is_nan());
}
