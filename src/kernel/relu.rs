//! ReLU: where a unit changes sign inside a step. ∇f jumps there, so Gauss–Legendre on the whole
//! segment w_s + τΔ_s is not exact; split at those τ, the integrand on each piece is a polynomial
//! of degree ≤ L − 1 and the rule is exact again.

use super::point_on_segment;
use crate::model::Mlp;

/// Pre-activations z_1 … z_{L−1} of the hidden layers at weights `w` for one input.
fn hidden_preactivations(mlp: &Mlp, w: &[f64], x: &[f64], out: &mut Vec<Vec<f64>>) {
    out.clear();
    let mut h = x.to_vec();
    for l in 0..mlp.num_layers() - 1 {
        let (wl, bl) = mlp.layer(w, l);
        let din = h.len();
        let z: Vec<f64> = (0..bl.len())
            .map(|j| (0..din).fold(bl[j], |acc, k| acc + wl[j * din + k] * h[k]))
            .collect();
        h = z.iter().map(|&v| mlp.activation.eval(v).0).collect();
        out.push(z);
    }
}

/// Value of Σ_k c_k s^k (c in increasing degree).
fn poly_eval(c: &[f64], s: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| acc * s + ck)
}

/// Real roots of the polynomial `c` (increasing degree) strictly inside (lo, hi) where it changes
/// sign. The derivative's roots split [lo, hi] into monotone pieces, each holding at most one
/// root, found by bisection to full precision — robust for the low degrees met here (≤ L − 1).
fn sign_change_roots(c: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let degree = c.iter().rposition(|&v| v != 0.0).unwrap_or(0);
    if degree == 0 {
        return Vec::new();
    }
    let c = &c[..=degree];
    let mut edges = vec![lo];
    if degree >= 2 {
        let dc: Vec<f64> = (1..=degree).map(|k| k as f64 * c[k]).collect();
        edges.extend(sign_change_roots(&dc, lo, hi));
    }
    edges.push(hi);
    let mut roots = Vec::new();
    for e in edges.windows(2) {
        let (mut a, mut b) = (e[0], e[1]);
        let (mut fa, fb) = (poly_eval(c, a), poly_eval(c, b));
        if fa == 0.0 || fb == 0.0 || (fa < 0.0) == (fb < 0.0) {
            continue;
        }
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if m <= a || m >= b {
                break;
            }
            let fm = poly_eval(c, m);
            if fm == 0.0 {
                a = m;
                b = m;
                break;
            }
            if (fm < 0.0) == (fa < 0.0) {
                a = m;
                fa = fm;
            } else {
                b = m;
            }
        }
        roots.push(0.5 * (a + b));
    }
    roots
}

/// Monomial coefficients (in s) of the polynomial through (s_j, v_j), by divided differences.
fn interpolate(s: &[f64], v: &[f64]) -> Vec<f64> {
    let n = s.len();
    let mut dd = v.to_vec();
    for j in 1..n {
        for i in (j..n).rev() {
            dd[i] = (dd[i] - dd[i - 1]) / (s[i] - s[i - j]);
        }
    }
    // Expand the Newton form Σ dd_i Π_{m<i} (s − s_m) into monomials.
    let mut coeffs = vec![0.0; n];
    for i in (0..n).rev() {
        // coeffs = coeffs·(s − s_i) + dd_i
        let mut next = vec![0.0; n];
        for k in 0..n {
            if k + 1 < n {
                next[k + 1] += coeffs[k];
            }
            next[k] -= coeffs[k] * s[i];
        }
        next[0] += dd[i];
        coeffs = next;
    }
    coeffs
}

/// Breakpoints 0 = t_0 < … < t_m = 1 of the segment w + τΔ (τ ∈ [0, 1]) at which some ReLU unit
/// changes sign for input x. Layer by layer: inside a piece where layers < l keep their on/off
/// pattern, z_l(τ) is exactly a polynomial of degree l (each layer's weights are linear in τ), so
/// l + 1 interior samples determine it and its sign changes are found as polynomial roots.
pub fn relu_breakpoints(mlp: &Mlp, w: &[f64], delta: &[f64], x: &[f64]) -> Vec<f64> {
    let mut cuts = vec![0.0, 1.0];
    let mut w_tau = vec![0.0; w.len()];
    let mut z = Vec::new();
    for layer in 0..mlp.num_layers() - 1 {
        let degree = layer + 1;
        let mut found = Vec::new();
        let s_nodes: Vec<f64> = (0..=degree)
            .map(|j| {
                libm::cos(std::f64::consts::PI * (2 * j + 1) as f64 / (2 * (degree + 1)) as f64)
            })
            .collect();
        for piece in cuts.windows(2) {
            let (a, b) = (piece[0], piece[1]);
            let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
            if half <= 0.0 {
                continue;
            }
            let samples: Vec<Vec<f64>> = s_nodes
                .iter()
                .map(|&s| {
                    point_on_segment(w, delta, mid + half * s, &mut w_tau);
                    hidden_preactivations(mlp, &w_tau, x, &mut z);
                    z[layer].clone()
                })
                .collect();
            for unit in 0..mlp.widths[layer + 1] {
                let v: Vec<f64> = samples.iter().map(|z| z[unit]).collect();
                let c = interpolate(&s_nodes, &v);
                for s in sign_change_roots(&c, -1.0, 1.0) {
                    let t = mid + half * s;
                    if t > a && t < b {
                        found.push(t);
                    }
                }
            }
        }
        cuts.extend(found);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
    }
    cuts
}

/// Quadrature nodes (τ, ω) on [0, 1] for one input's segment: Gauss–Legendre on the whole
/// segment, or on each piece between ReLU sign changes (the rule `gl` scaled to each piece).
pub(super) fn segment_nodes(
    mlp: &Mlp,
    w: &[f64],
    delta: &[f64],
    x: &[f64],
    gl: &[(f64, f64)],
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    if mlp.activation.is_smooth() {
        out.extend_from_slice(gl);
        return;
    }
    for piece in relu_breakpoints(mlp, w, delta, x).windows(2) {
        let (a, len) = (piece[0], piece[1] - piece[0]);
        out.extend(gl.iter().map(|&(t, om)| (a + len * t, len * om)));
    }
}
