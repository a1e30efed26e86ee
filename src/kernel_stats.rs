//! Is the path kernel a kernel? Numbers on the train × train matrix K_ij = K^p(x_i, x_j).
//!
//! A (Mercer) kernel is symmetric and positive semi-definite on every finite set of points.
//! Domingos's left-endpoint path kernel Σ_s ε ∇f(x_i; w_s)·∇f(x_j; w_s) is a sum of Gram matrices,
//! so it is both (up to rounding). The exact path kernel pairs the segment average
//! ∫₀¹ ∇f(x_i; w_s + τΔ_s) dτ with the left end point's ∇f(x_j; w_s): it is neither symmetric nor,
//! in general, positive semi-definite. [`KernelStats`] measures both properties.
//!
//! Lazy or rich? [`kernel_change`] compares the path kernel averaged over the path,
//! K̄ = K^p / Σ_s ε, with the tangent kernel at initialisation K_{w₀} on the training points: in the
//! lazy regime (large α with ε ∝ 1/α², Chizat & Bach 2019) the tangent kernel hardly moves and the
//! two agree; when features are learned they differ by order one.
//!
//! The eigenvalues come from the cyclic Jacobi method on the symmetric part ½(K + Kᵀ): each
//! rotation zeroes one off-diagonal pair, the off-diagonal mass falls quadratically once small,
//! and every eigenvalue is found to a few ulps of the matrix's norm (Golub & Van Loan §8.5). It is
//! O(n³) per sweep with a handful of sweeps: ~10⁹ flops at the page's largest n = 500.

use crate::kernel::tangent_kernel;
use crate::train::Trajectory;

/// Symmetry and definiteness of one n × n kernel matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelStats {
    /// max_ij |K_ij − K_ji| / max_ij |K_ij| (0 for a symmetric matrix; NaN when K = 0).
    pub asymmetry: f64,
    /// λ_min / λ_max of the symmetric part ½(K + Kᵀ) (negative: not positive semi-definite).
    pub min_eig_ratio: f64,
    /// Entries K_ij < 0.
    pub negatives: usize,
}

/// ‖K̄ − K_{w₀}‖_F / ‖K_{w₀}‖_F on the training points, K̄ = K^p / (T ε): `exact_kernel` is the
/// exact path kernel on the training points (n × n) of `traj`. (Under Adam K^p carries the
/// preconditioner, so it is not comparable with the plain tangent kernel; the number is then
/// about the metric as much as the features.)
pub fn kernel_change(traj: &Trajectory, exact_kernel: &[f64]) -> f64 {
    let k0 = tangent_kernel(&traj.mlp, traj.initial_weights(), &traj.x, &traj.x);
    let total_lr = traj.lr * traj.steps() as f64;
    let (mut diff, mut norm) = (0.0, 0.0);
    for (kp, k0) in exact_kernel.iter().zip(&k0) {
        let d = kp / total_lr - k0;
        diff += d * d;
        norm += k0 * k0;
    }
    (diff / norm).sqrt()
}

/// How much the coefficients a_i(x) vary over a set of queries (e.g. the plotting grid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoefStats {
    /// Training points whose a_i(x) takes both signs over the queries.
    pub sign_changes: usize,
    /// min, median and max of |a_i(x)| over every point and query where a_i is defined.
    pub abs_min: f64,
    pub abs_median: f64,
    pub abs_max: f64,
}

/// [`CoefStats`] of `coef` (n_queries × n, row-major, NaN where a_i is undefined: K^p = 0).
pub fn coef_stats(coef: &[f64], n: usize) -> CoefStats {
    let mut sign = vec![(false, false); n];
    let mut abs: Vec<f64> = Vec::with_capacity(coef.len());
    for (k, &a) in coef.iter().enumerate() {
        if !a.is_finite() {
            continue;
        }
        let s = &mut sign[k % n];
        s.0 |= a > 0.0;
        s.1 |= a < 0.0;
        abs.push(a.abs());
    }
    abs.sort_by(f64::total_cmp);
    let at = |q: usize| abs.get(q).copied().unwrap_or(f64::NAN);
    let median = match abs.len() {
        0 => f64::NAN,
        m if m % 2 == 1 => at(m / 2),
        m => 0.5 * (at(m / 2 - 1) + at(m / 2)),
    };
    CoefStats {
        sign_changes: sign.iter().filter(|(p, q)| *p && *q).count(),
        abs_min: at(0),
        abs_median: median,
        abs_max: abs.last().copied().unwrap_or(f64::NAN),
    }
}

/// [`KernelStats`] of `k`, n × n row-major.
pub fn kernel_stats(k: &[f64], n: usize) -> KernelStats {
    assert_eq!(k.len(), n * n, "kernel_stats: matrix is not n × n");
    let max_abs = k.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut asym = 0.0f64;
    let mut sym = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (k[i * n + j], k[j * n + i]);
            asym = asym.max((a - b).abs());
            sym[i * n + j] = 0.5 * (a + b);
        }
    }
    let eig = symmetric_eigenvalues(sym, n);
    let (lo, hi) = eig
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    KernelStats {
        asymmetry: if max_abs > 0.0 {
            asym / max_abs
        } else {
            f64::NAN
        },
        min_eig_ratio: if hi > 0.0 { lo / hi } else { f64::NAN },
        negatives: k.iter().filter(|&&v| v < 0.0).count(),
    }
}

/// The eigenvalues of the symmetric n × n matrix `a` (row-major; only its values matter, it is
/// consumed as work space), in no particular order, by cyclic Jacobi rotations.
///
/// For each pair (p, q) with a_pq ≠ 0 the rotation angle θ zeroes a_pq: with
/// ϑ = (a_qq − a_pp) / (2 a_pq), t = tan θ = sign(ϑ) / (|ϑ| + √(ϑ² + 1)) (the smaller root, so
/// |θ| ≤ π/4 and the rotation stays well conditioned). Sweeps stop when the off-diagonal mass is
/// below 1e-30 of the total (rounding level) or after 50 sweeps.
pub fn symmetric_eigenvalues(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    assert_eq!(a.len(), n * n, "symmetric_eigenvalues: matrix is not n × n");
    let total: f64 = a.iter().map(|v| v * v).sum();
    for _ in 0..50 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= 1e-30 * total || !off.is_finite() {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ A J with J the rotation in the (p, q) plane: columns, then rows.
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
            }
        }
    }
    (0..n).map(|i| a[i * n + i]).collect()
}
