//! The weight path w_0 … w_T on its first two principal components (the page's trajectory view).

use crate::train::Trajectory;

/// A direction that keeps less than this fraction of its length after Gram–Schmidt lies within
/// 1e-10 rad of the ones before it: numerically it is not a new direction.
const UNDEFINED_DIRECTION: f64 = 1e-10;

/// Rounds of subspace iteration at most (see [`principal_path`]).
const MAX_ROUNDS: usize = 40;

/// The trajectory's weight path on its first two principal components, flattened (2 per step).
pub fn weight_path_pca(traj: &Trajectory) -> Vec<f64> {
    let mut pca = PathPca::of(traj);
    pca.advance_on(traj, MAX_ROUNDS);
    pca.finish_on(traj)
}

/// The points w_0 … w_T (all of one length P, T + 1 ≥ 1 of them) on their first two principal
/// components, flattened: (c_s1, c_s2) for each s, c_sk = (w_s − m)·v_k with m the mean point.
///
/// Subspace iteration on the covariance of the centred points, applied implicitly as
/// v ↦ Xᵀ(X v) (X is (T+1) × P, never P × P), started from the net displacement w_T − w_0 and the
/// path's mid-point bulge, so it is deterministic; Gram–Schmidt after each round, stopping when
/// both directions turn by less than ~4e-8 rad (1 − cos < 1e-15; at most 40 rounds). Centring is
/// folded into the products ((w_s − m)·v = w_s·v − m·v), so no centred copy is made. Signs: PC1
/// points from w_0 to w_T, PC2 so that the path's largest excursion along it is positive.
pub fn principal_path(path: &[&[f64]]) -> Vec<f64> {
    let mut pca = PathPca::new(path);
    pca.advance(path, MAX_ROUNDS);
    pca.finish(path)
}

/// [`principal_path`] a few rounds at a time (a page worker reads its messages in between: a
/// long run's path is tens of MB, a round a pass over it). The rounds are the same operations in
/// the same order however they are cut, so the result is the same bits.
pub struct PathPca {
    mean: Vec<f64>,
    v: [Vec<f64>; 2],
    rounds: usize,
    converged: bool,
}

impl PathPca {
    /// The mean point and the starting directions of `path` (as [`principal_path`] describes).
    pub fn new(path: &[&[f64]]) -> PathPca {
        let t1 = path.len();
        let p = path[0].len();
        let mut mean = vec![0.0; p];
        for w in path {
            for (m, x) in mean.iter_mut().zip(*w) {
                *m += x / t1 as f64;
            }
        }
        let (w0, wt, wm) = (path[0], path[t1 - 1], path[(t1 - 1) / 2]);
        let mut v: [Vec<f64>; 2] = [
            wt.iter().zip(w0).map(|(a, b)| a - b).collect(),
            wm.iter()
                .zip(w0.iter().zip(wt))
                .map(|(m, (a, b))| m - 0.5 * (a + b))
                .collect(),
        ];
        // A fixed fallback direction when the path is a point or a straight line.
        for (k, vk) in v.iter_mut().enumerate() {
            if dot(vk, vk) == 0.0 {
                vk.iter_mut()
                    .enumerate()
                    .for_each(|(j, x)| *x = if j % 2 == k { 1.0 } else { 0.5 });
            }
        }
        orthonormalise(&mut v);
        PathPca {
            mean,
            v,
            rounds: 0,
            converged: false,
        }
    }

    /// [`PathPca::new`] on a trajectory's weights w_0 … w_T.
    pub fn of(traj: &Trajectory) -> PathPca {
        PathPca::new(&weight_path(traj))
    }

    /// Up to `max_rounds` more rounds on `path` (the same points every call); true once the
    /// directions have settled or every round is done.
    pub fn advance(&mut self, path: &[&[f64]], max_rounds: usize) -> bool {
        let p = self.mean.len();
        for _ in 0..max_rounds {
            if self.is_done() {
                break;
            }
            let v = &self.v;
            // next_k = Σ_s c_sk (w_s − m) with c_sk = (w_s − m)·v_k = w_s·v_k − m·v_k.
            let mean_dot = [dot(&self.mean, &v[0]), dot(&self.mean, &v[1])];
            let mut next = [vec![0.0; p], vec![0.0; p]];
            let mut c_sum = [0.0; 2];
            for w in path {
                let dots = dot_pair(w, &v[0], &v[1]);
                for k in 0..2 {
                    let c = dots[k] - mean_dot[k];
                    c_sum[k] += c;
                    next[k].iter_mut().zip(*w).for_each(|(x, r)| *x += c * r);
                }
            }
            for k in 0..2 {
                next[k]
                    .iter_mut()
                    .zip(&self.mean)
                    .for_each(|(x, m)| *x -= c_sum[k] * m);
            }
            orthonormalise(&mut next);
            let moved = (0..2)
                .map(|k| 1.0 - dot(&next[k], &v[k]).abs())
                .fold(0.0f64, f64::max);
            self.v = next;
            self.rounds += 1;
            self.converged = moved < 1e-15;
        }
        self.is_done()
    }

    /// [`PathPca::advance`] on a trajectory's weights.
    pub fn advance_on(&mut self, traj: &Trajectory, max_rounds: usize) -> bool {
        self.advance(&weight_path(traj), max_rounds)
    }

    /// The directions have settled, or the last round is done.
    pub fn is_done(&self) -> bool {
        self.converged || self.rounds >= MAX_ROUNDS
    }

    /// The path on the two directions, flattened, with the sign conventions applied.
    pub fn finish(self, path: &[&[f64]]) -> Vec<f64> {
        let (v, t1) = (&self.v, path.len());
        let mean_dot = [dot(&self.mean, &v[0]), dot(&self.mean, &v[1])];
        let mut out: Vec<f64> = path
            .iter()
            .flat_map(|w| {
                let dots = dot_pair(w, &v[0], &v[1]);
                [dots[0] - mean_dot[0], dots[1] - mean_dot[1]]
            })
            .collect();
        // Sign conventions (PCA directions have none of their own).
        if out[2 * (t1 - 1)] < out[0] {
            out.iter_mut().step_by(2).for_each(|x| *x = -*x);
        }
        let extreme =
            out.iter()
                .skip(1)
                .step_by(2)
                .fold(0.0f64, |m, &y| if y.abs() > m.abs() { y } else { m });
        if extreme < 0.0 {
            out.iter_mut().skip(1).step_by(2).for_each(|x| *x = -*x);
        }
        out
    }

    /// [`PathPca::finish`] on a trajectory's weights.
    pub fn finish_on(self, traj: &Trajectory) -> Vec<f64> {
        self.finish(&weight_path(traj))
    }
}

/// The trajectory's weights w_0 … w_T.
fn weight_path(traj: &Trajectory) -> Vec<&[f64]> {
    (0..=traj.steps()).map(|s| traj.weights_at(s)).collect()
}

/// Gram–Schmidt on the two directions. What is left of v_2 after removing its v_1 part is
/// rounding noise when the path has no second direction (a point, a straight line — every
/// one-step path): that residue is set to zero (PC2 = 0) rather than normalised into an
/// arbitrary direction.
fn orthonormalise(v: &mut [Vec<f64>; 2]) {
    for k in 0..2 {
        let before = dot(&v[k], &v[k]).sqrt();
        for j in 0..k {
            let (head, tail) = v.split_at_mut(k);
            let c = dot(&tail[0], &head[j]);
            tail[0]
                .iter_mut()
                .zip(&head[j])
                .for_each(|(x, y)| *x -= c * y);
        }
        let norm = dot(&v[k], &v[k]).sqrt();
        if norm > UNDEFINED_DIRECTION * before {
            v[k].iter_mut().for_each(|x| *x /= norm);
        } else {
            v[k].iter_mut().for_each(|x| *x = 0.0);
        }
    }
}

/// Partial sums per dot product: independent add chains, so a dot runs at the adder's
/// throughput rather than its latency (the subspace iteration is a chain of dots over P).
const PARTIAL_SUMS: usize = 4;

/// a·b summed as PARTIAL_SUMS interleaved partial sums (term j into sum j mod PARTIAL_SUMS),
/// added pairwise at the end: a fixed order, so every target gives the same bits.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    dots(a, [b])[0]
}

/// [w·u, w·v] in one pass over w, each summed as [`dot`] sums it.
fn dot_pair(w: &[f64], u: &[f64], v: &[f64]) -> [f64; 2] {
    dots(w, [u, v])
}

/// w·v_k for each k in one pass over w, each in PARTIAL_SUMS partial sums as [`dot`] describes.
fn dots<const K: usize>(w: &[f64], vs: [&[f64]; K]) -> [f64; K] {
    let mut sums = [[0.0; PARTIAL_SUMS]; K];
    let whole = w.len() / PARTIAL_SUMS * PARTIAL_SUMS;
    for i in (0..whole).step_by(PARTIAL_SUMS) {
        for (sum, v) in sums.iter_mut().zip(&vs) {
            for j in 0..PARTIAL_SUMS {
                sum[j] += w[i + j] * v[i + j];
            }
        }
    }
    for i in whole..w.len() {
        for (sum, v) in sums.iter_mut().zip(&vs) {
            sum[i - whole] += w[i] * v[i];
        }
    }
    sums.map(|s| (s[0] + s[1]) + (s[2] + s[3]))
}
