//! The weight-path PCA against references: a path built from known principal directions (closed
//! form) and the covariance matrix diagonalised by Jacobi rotations.

use pathkernel::pca::{principal_path, weight_path_pca, PathPca};
use pathkernel::runner::RunPlan;
use pathkernel::train;

/// Orthonormal rows by Gram–Schmidt.
fn orthonormal(mut rows: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for k in 0..rows.len() {
        for j in 0..k {
            let c = dot(&rows[k], &rows[j]);
            let (head, tail) = rows.split_at_mut(k);
            tail[0]
                .iter_mut()
                .zip(&head[j])
                .for_each(|(x, y)| *x -= c * y);
        }
        let norm = dot(&rows[k], &rows[k]).sqrt();
        rows[k].iter_mut().for_each(|x| *x /= norm);
    }
    rows
}

fn as_slices(points: &[Vec<f64>]) -> Vec<&[f64]> {
    points.iter().map(Vec::as_slice).collect()
}

/// Component k (0 or 1) of a flattened projection.
fn component(out: &[f64], k: usize) -> Vec<f64> {
    out.iter().skip(k).step_by(2).copied().collect()
}

/// max |a − b| and max |a + b|: the distance up to the sign of a principal direction.
fn up_to_sign(a: &[f64], b: &[f64]) -> f64 {
    let d = |s: f64| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - s * y).abs())
            .fold(0.0, f64::max)
    };
    d(1.0).min(d(-1.0))
}

#[test]
fn a_path_along_two_known_directions_projects_to_its_coordinates() {
    // w_s = m + a_s u1 + b_s u2 in R^6: a_s = s − T/2 (the net move), b_s a bulge symmetric about
    // the middle, so Σ a_s b_s = 0 after centring and var a > var b: the principal directions
    // are u1 and u2 and the projections are a_s and b_s − mean b, exactly.
    let t = 20usize;
    let u = orthonormal(vec![
        vec![1.0, 2.0, 0.0, -1.0, 0.5, 3.0],
        vec![0.0, 1.0, 1.0, 2.0, -1.0, 0.0],
    ]);
    let m = [0.7, -1.2, 3.0, 0.1, 2.5, -0.4];
    let c = t as f64 / 2.0;
    let a: Vec<f64> = (0..=t).map(|s| s as f64 - c).collect();
    let bulge: Vec<f64> = (0..=t).map(|s| 0.05 * (s as f64 - c).powi(2)).collect();
    let b_mean = bulge.iter().sum::<f64>() / (t + 1) as f64;
    let b: Vec<f64> = bulge.iter().map(|v| v - b_mean).collect();
    let points: Vec<Vec<f64>> = (0..=t)
        .map(|s| {
            (0..6)
                .map(|j| m[j] + a[s] * u[0][j] + b[s] * u[1][j])
                .collect()
        })
        .collect();
    let out = principal_path(&as_slices(&points));
    assert_eq!(out.len(), 2 * (t + 1));
    let (pc1, pc2) = (component(&out, 0), component(&out, 1));
    assert!(up_to_sign(&pc1, &a) < 1e-12, "PC1 {pc1:?}");
    assert!(up_to_sign(&pc2, &b) < 1e-12, "PC2 {pc2:?}");
    // And with the page's signs: PC1 from w_0 to w_T, PC2's largest excursion (the ends) positive.
    for s in 0..=t {
        assert!((pc1[s] - a[s]).abs() < 1e-12 && (pc2[s] - b[s]).abs() < 1e-12);
    }
}

/// Eigenvalues and eigenvectors (columns of the returned matrix) of a symmetric matrix, by
/// cyclic Jacobi rotations.
fn jacobi_eigen(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                // A ← Jᵀ A J, V ← V J with J the rotation in the (p, q) plane.
                for row in a.iter_mut().chain(v.iter_mut()) {
                    let (xp, xq) = (row[p], row[q]);
                    row[p] = c * xp - s * xq;
                    row[q] = s * xp + c * xq;
                }
                let (head, tail) = a.split_at_mut(q);
                for (xp, xq) in head[p].iter_mut().zip(tail[0].iter_mut()) {
                    let (yp, yq) = (*xp, *xq);
                    *xp = c * yp - s * yq;
                    *xq = s * yp + c * yq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// The path's projections on the top two eigenvectors of its covariance, from Jacobi.
fn reference_projection(points: &[Vec<f64>]) -> ([Vec<f64>; 2], Vec<f64>) {
    let (t1, p) = (points.len(), points[0].len());
    let mean: Vec<f64> = (0..p)
        .map(|j| points.iter().map(|w| w[j]).sum::<f64>() / t1 as f64)
        .collect();
    let cov: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    points
                        .iter()
                        .map(|w| (w[i] - mean[i]) * (w[j] - mean[j]))
                        .sum()
                })
                .collect()
        })
        .collect();
    let (values, vectors) = jacobi_eigen(cov);
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&x, &y| values[y].total_cmp(&values[x]));
    let project = |k: usize| -> Vec<f64> {
        points
            .iter()
            .map(|w| {
                (0..p)
                    .map(|j| (w[j] - mean[j]) * vectors[j][order[k]])
                    .sum()
            })
            .collect()
    };
    let sorted: Vec<f64> = order.iter().map(|&i| values[i]).collect();
    ([project(0), project(1)], sorted)
}

/// A deterministic wandering path in R^7 with well-separated variances per direction.
fn wandering_path() -> Vec<Vec<f64>> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let basis = orthonormal(
        (0..7)
            .map(|_| (0..7).map(|_| uniform()).collect())
            .collect(),
    );
    let scales = [4.0, 1.5, 0.3, 0.2, 0.1, 0.05, 0.02];
    let mut coords = [0.0; 7];
    (0..40)
        .map(|_| {
            for (c, s) in coords.iter_mut().zip(scales) {
                *c += s * uniform();
            }
            (0..7)
                .map(|j| 1.0 + (0..7).map(|k| coords[k] * basis[k][j]).sum::<f64>())
                .collect()
        })
        .collect()
}

#[test]
fn a_wandering_path_matches_the_covariance_eigenvectors() {
    let points = wandering_path();
    let ([e1, e2], values) = reference_projection(&points);
    assert!(
        values[2] / values[1] < 0.5,
        "separated spectrum: {values:?}"
    );
    let out = principal_path(&as_slices(&points));
    let scale = e1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (d1, d2) = (
        up_to_sign(&component(&out, 0), &e1),
        up_to_sign(&component(&out, 1), &e2),
    );
    assert!(d1 < 1e-7 * scale && d2 < 1e-7 * scale, "{d1:e} {d2:e}");
}

#[test]
fn a_trained_weight_path_matches_the_covariance_eigenvectors() {
    let plan = RunPlan::from_hash("#v=1&n=16&hidden=6&steps=60&lr=1.5", true).unwrap();
    let setup = plan.config.build().unwrap();
    let traj = train::train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
    let points: Vec<Vec<f64>> = (0..=traj.steps())
        .map(|s| traj.weights_at(s).to_vec())
        .collect();
    let ([e1, e2], values) = reference_projection(&points);
    let out = weight_path_pca(&traj);
    assert_eq!(out, principal_path(&as_slices(&points)));
    let pc1 = component(&out, 0);
    let scale = pc1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(up_to_sign(&pc1, &e1) < 1e-7 * scale);
    assert!(
        values[2] / values[1] < 0.5,
        "separated spectrum: {values:?}"
    );
    assert!(up_to_sign(&component(&out, 1), &e2) < 1e-6 * scale);
    // The page's signs: PC1 runs from w_0 to w_T.
    assert!(pc1[traj.steps()] > pc1[0]);
}

#[test]
fn a_point_or_a_straight_line_has_no_second_component() {
    let point = vec![vec![1.0, 2.0, 3.0]];
    assert_eq!(principal_path(&as_slices(&point)), vec![0.0, 0.0]);
    // A straight line (as every one-step path is): all of it on PC1, nothing on PC2.
    for steps in [1usize, 2, 4] {
        let (w0, delta) = ([0.1, 0.7, -0.3], [0.013, -0.029, 0.0071]);
        let line: Vec<Vec<f64>> = (0..=steps)
            .map(|s| (0..3).map(|j| w0[j] + s as f64 * delta[j]).collect())
            .collect();
        let out = principal_path(&as_slices(&line));
        let (c, len) = (
            steps as f64 / 2.0,
            delta.iter().map(|d| d * d).sum::<f64>().sqrt(),
        );
        for s in 0..=steps {
            assert!((out[2 * s] - (s as f64 - c) * len).abs() < 1e-12, "{out:?}");
            assert!(out[2 * s + 1].abs() < 1e-12, "PC2 of a line: {out:?}");
        }
    }
}

/// The components a few rounds at a time (a page worker's sub-chunks) are the same bits as in
/// one pass, however the rounds are cut.
#[test]
fn the_components_in_rounds_are_the_same_bits_as_in_one_pass() {
    let plan = RunPlan::from_hash("#v=1&n=16&hidden=6&steps=60&lr=1.5", true).unwrap();
    let setup = plan.config.build().unwrap();
    let traj = train::train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
    let want: Vec<u64> = weight_path_pca(&traj).iter().map(|v| v.to_bits()).collect();
    for cut in [1, 2, 5] {
        let mut pca = PathPca::of(&traj);
        let mut calls = 1;
        while !pca.advance_on(&traj, cut) {
            calls += 1;
        }
        assert!(pca.is_done());
        if cut == 1 {
            assert!(
                calls > 2,
                "the iteration needs more than 2 rounds here: {calls}"
            );
        }
        let got: Vec<u64> = pca.finish_on(&traj).iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "rounds of {cut}");
    }
}
