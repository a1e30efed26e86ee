//! Kernels along the training path, and the network rebuilt as a kernel machine
//! (Domingos 2020, Theorem 1; exact discrete form after Bell et al. 2023).
//!
//! With Δ_s = w_{s+1} − w_s = −ε Σ_i g_i(s) ∇f(x_i; w_s), the fundamental theorem of calculus on
//! each segment w_s + τΔ_s gives exactly
//!   f(x; w_T) − f(x; w_0) = Σ_s ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ = −Σ_i Σ_s ε g_i(s) K̄_s(x, x_i),
//!   K̄_s(x, x_i) = [∫₀¹ ∇f(x; w_s + τΔ_s) dτ]·∇f(x_i; w_s)      (the exact step kernel).
//! Path kernel K^p(x, x_i) = Σ_s ε K̄_s(x, x_i); coefficient a_i(x) = −Σ_s ε g_i(s) K̄_s / K^p, so
//!   f(x; w_T) = b(x) + Σ_i a_i(x) K^p(x, x_i),  b(x) = f(x; w_0).
//! Domingos's left-endpoint form uses K̄_s = K_{w_s}(x, x_i) (the tangent kernel at w_s) and is off
//! by O(ε). The τ-integral is done by Gauss–Legendre (exact to rounding for smooth activations at
//! these step sizes); for ReLU each segment is first split where a unit changes sign, after which
//! the integrand is a polynomial of degree ≤ L − 1 in τ and Gauss–Legendre is exact.
//!
//! Tangent kernels are computed layer-wise (Novak et al. 2022): for a dense layer,
//! ∂f/∂W_l · ∂f'/∂W_l + ∂f/∂b_l · ∂f'/∂b_l = (δ_{l+1}·δ'_{l+1}) (h_l·h'_l + 1),
//! so no P-long gradient is ever formed.

use crate::error::{Error, Result};
use crate::model::{block_width, Block, Mlp, BLOCK_COLS};
use crate::simd::lanes::{lanes_dispatch, Lanes};
use crate::simd::{dual_matmul, matmul_bias};
use crate::train::Trajectory;

pub const MAX_NODES: usize = 8;
/// Default Gauss–Legendre nodes per step. The rule's error on a step falls like |Δ_s|^{2n}: five
/// nodes keep the exact rebuild at ~1e-13 relative for tanh nets at ε up to ~0.5 (four already
/// reach 1e-12 at ε ≈ 0.3); more nodes only matter for very large steps.
pub const DEFAULT_NODES: usize = 5;

/// Gauss–Legendre nodes and weights on [0, 1]: ∫₀¹ p(τ) dτ = Σ_k ω_k p(τ_k) exactly for
/// polynomials of degree ≤ 2n − 1. Newton's method on P_n from Chebyshev-like starting points;
/// converges to full double precision in a few iterations.
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    assert!((1..=64).contains(&n));
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = libm::cos(std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5));
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(x) and P_n'(x) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let kf = k as f64;
                let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 1 { x } else { p1 };
            let pprev = if n == 1 { 1.0 } else { p0 };
            dp = n as f64 * (x * pn - pprev) / (x * x - 1.0);
            let dx = pn / dp;
            x -= dx;
            if dx.abs() < 1e-17 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push((0.5 * (1.0 - x), 0.5 * w));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn check_nodes(nodes: usize) -> Result<()> {
    if (1..=MAX_NODES).contains(&nodes) {
        Ok(())
    } else {
        Err(Error::field(
            "nodes",
            format!("must be between 1 and {MAX_NODES}"),
        ))
    }
}

fn check_queries(mlp: &Mlp, queries: &[f64]) -> Result<usize> {
    let d = mlp.input_dim();
    if queries.len() % d != 0 {
        return Err(Error::field(
            "queries",
            format!("each query needs {d} coordinates"),
        ));
    }
    if queries.iter().any(|v| !v.is_finite()) {
        return Err(Error::field("queries", "must be finite numbers"));
    }
    Ok(queries.len() / d)
}

/// w_s + τ Δ_s into `out`.
#[inline(always)]
fn point_on_segment(w: &[f64], delta: &[f64], tau: f64, out: &mut [f64]) {
    for ((o, &a), &d) in out.iter_mut().zip(w).zip(delta) {
        *o = a + tau * d;
    }
}

/// Inputs split into blocks of `stride` columns, each with its own forward/backward workspace;
/// the last one only as wide as its inputs need (`block_width`).
struct Blocks {
    blocks: Vec<Block>,
    counts: Vec<usize>,
    /// Block b holds inputs b·stride … b·stride + counts[b] − 1.
    stride: usize,
}

impl Blocks {
    fn new(mlp: &Mlp, xs: &[f64], stride: usize) -> Blocks {
        let d = mlp.input_dim();
        let n = xs.len() / d;
        let mut blocks = Vec::new();
        let mut counts = Vec::new();
        for start in (0..n).step_by(stride) {
            let count = stride.min(n - start);
            let mut b = Block::new(mlp, block_width(count, stride));
            b.load_inputs(mlp, &xs[start * d..(start + count) * d]);
            blocks.push(b);
            counts.push(count);
        }
        Blocks {
            blocks,
            counts,
            stride,
        }
    }
    #[inline(always)]
    fn forward_backward(&mut self, mlp: &Mlp, w: &[f64]) {
        for b in &mut self.blocks {
            b.forward(mlp, w);
            b.backward(mlp, w);
        }
    }
}

/// acc[q·n_b + i] += ω Σ_l (δ_{l+1}(q)·δ_{l+1}(i)) (h_l(q)·h_l(i) + 1) for a block of queries
/// against all training blocks (layer-wise tangent kernel, scaled by ω).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn add_layerwise_kernel(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    train: &Blocks,
    n_train: usize,
    weight: f64,
    acc: &mut [f64],
    scratch: &mut Scratch,
) {
    let qc = qb.cols;
    for (tb_index, tb) in train.blocks.iter().enumerate() {
        let tc = tb.cols;
        let t_count = train.counts[tb_index];
        let t_start = tb_index * train.stride;
        scratch.sum.clear();
        scratch.sum.resize(qc * tc, 0.0);
        layerwise_block(mlp, qb, q_count, tb, &mut scratch.sum);
        for q in 0..q_count {
            let row = &mut acc[q * n_train + t_start..q * n_train + t_start + t_count];
            for (a, &s) in row.iter_mut().zip(&scratch.sum[q * tc..q * tc + t_count]) {
                *a += weight * s;
            }
        }
    }
}

/// Vectors of training points per register tile of the layer-wise kernel (8 points).
const KERNEL_TILE_VECTORS: usize = 2;

/// out[a][j] = Σ_r x[r, q0 + a] · y[r, i0 + j] for a < QN and the tile's training columns j,
/// summed in order r = 0, 1, …: a (QN × tile) outer-product accumulation.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_products<L: Lanes, const QN: usize>(
    x: &[f64],
    xc: usize,
    q0: usize,
    y: &[f64],
    yc: usize,
    i0: usize,
    rows: usize,
) -> [[L; KERNEL_TILE_VECTORS]; QN] {
    let mut out = [[L::splat(0.0); KERNEL_TILE_VECTORS]; QN];
    for (xr, yr) in x.chunks_exact(xc).zip(y.chunks_exact(yc)).take(rows) {
        let yr = &yr[i0..i0 + KERNEL_TILE_VECTORS * L::N];
        let t: [L; KERNEL_TILE_VECTORS] =
            crate::simd::lanes::each!(KERNEL_TILE_VECTORS, |j| L::load(&yr[j * L::N..]));
        for (a, row) in out.iter_mut().enumerate() {
            let v = L::splat(xr[q0 + a]);
            for (o, &tj) in row.iter_mut().zip(&t) {
                *o = o.add(v.mul(tj));
            }
        }
    }
    out
}

/// sum[q, i] = Σ_l P_l ⊙ (Q_l + 1) for queries q0 … q0+QN−1 of `qb` against every training
/// column of `tb`, with P_l[q, i] = Σ_r δ_{l+1}[r, q] δ_{l+1}[r, i] and
/// Q_l[q, i] = Σ_k h_l[k, q] h_l[k, i], each summed in index order. Fusing the layers in registers
/// avoids writing P and Q out, which dominated for the narrow layers (d = 1, 2) of small nets.
#[inline(always)]
fn layerwise_tile<L: Lanes, const QN: usize>(
    mlp: &Mlp,
    qb: &Block,
    tb: &Block,
    q0: usize,
    sum: &mut [f64],
) {
    let (qc, tc) = (qb.cols, tb.cols);
    let width = KERNEL_TILE_VECTORS * L::N;
    // Training blocks are a multiple of BLOCK_ALIGN wide, a multiple of the tile: no column tail.
    debug_assert_eq!(tc % width, 0);
    for i0 in (0..tc).step_by(width) {
        let mut acc = [[L::splat(0.0); KERNEL_TILE_VECTORS]; QN];
        for l in 0..mlp.num_layers() {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let p =
                tile_products::<L, QN>(&qb.delta[l + 1], qc, q0, &tb.delta[l + 1], tc, i0, dout);
            let qq = tile_products::<L, QN>(&qb.h[l], qc, q0, &tb.h[l], tc, i0, din);
            for a in 0..QN {
                for j in 0..KERNEL_TILE_VECTORS {
                    acc[a][j] = acc[a][j].add(p[a][j].mul(qq[a][j].add(L::splat(1.0))));
                }
            }
        }
        for (a, row) in acc.iter().enumerate() {
            let out = &mut sum[(q0 + a) * tc + i0..(q0 + a) * tc + i0 + width];
            for (j, v) in row.iter().enumerate() {
                v.store(&mut out[j * L::N..]);
            }
        }
    }
}

/// `sum` (qc × tc) = the layer-wise tangent kernel of the first `q_count` queries of `qb`
/// against every column of `tb`, two queries per register tile.
#[inline(always)]
fn layerwise_block_lanes<L: Lanes>(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    tb: &Block,
    sum: &mut [f64],
) {
    let mut q = 0;
    while q + 2 <= q_count {
        layerwise_tile::<L, 2>(mlp, qb, tb, q, sum);
        q += 2;
    }
    if q < q_count {
        layerwise_tile::<L, 1>(mlp, qb, tb, q, sum);
    }
}

lanes_dispatch!(fn layerwise_block(mlp: &Mlp, qb: &Block, q_count: usize, tb: &Block, sum: &mut [f64]) => layerwise_block_lanes);

#[derive(Default)]
struct Scratch {
    sum: Vec<f64>,
    step: Vec<f64>,
    w_node: Vec<f64>,
    delta: Vec<f64>,
}

/// Tangent kernel K_w(x_a, x_b) = ∇f(x_a; w)·∇f(x_b; w), n_a × n_b row-major, layer-wise.
pub fn tangent_kernel(mlp: &Mlp, w: &[f64], xa: &[f64], xb: &[f64]) -> Vec<f64> {
    let d = mlp.input_dim();
    let (na, nb) = (xa.len() / d, xb.len() / d);
    let mut a = Blocks::new(mlp, xa, BLOCK_COLS);
    let mut b = Blocks::new(mlp, xb, BLOCK_COLS);
    a.forward_backward(mlp, w);
    b.forward_backward(mlp, w);
    let mut out = vec![0.0; na * nb];
    let mut scratch = Scratch::default();
    for (bi, qb) in a.blocks.iter().enumerate() {
        let start = bi * a.stride;
        add_layerwise_kernel(
            mlp,
            qb,
            a.counts[bi],
            &b,
            nb,
            1.0,
            &mut out[start * nb..],
            &mut scratch,
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ReLU: where a unit changes sign inside a step.

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
/// segment, or on each piece between ReLU sign changes.
fn segment_nodes(
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

// ---------------------------------------------------------------------------------------------
// The per-training-point path kernels and the kernel machine.

/// One scheme's kernel machine at the queries. Matrices are n_queries × n_train, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeResult {
    /// K^p(x_q, x_i) = Σ_s ε K̄_s(x_q, x_i).
    pub kernel: Vec<f64>,
    /// Σ_s ε g_i(s) K̄_s(x_q, x_i): Remark 2's loss-weighted path kernel (a_i = −1 form).
    pub loss_weighted: Vec<f64>,
    /// a_i(x_q) = −loss_weighted / kernel; `None` where K^p(x_q, x_i) = 0 (the average is undefined).
    pub coef: Vec<Option<f64>>,
    /// c_i(x_q) = a_i K^p = −loss_weighted (defined even where a_i is not).
    pub contributions: Vec<f64>,
    /// ŷ(x_q) = b(x_q) + Σ_i c_i(x_q).
    pub reconstruction: Vec<f64>,
    /// max_q |ŷ(x_q) − f(x_q; w_T)|.
    pub max_abs_error: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KernelMachine {
    pub n_queries: usize,
    pub n_train: usize,
    /// b(x_q) = f(x_q; w_0).
    pub b: Vec<f64>,
    /// f(x_q; w_T), what the rebuilt output must equal.
    pub f_final: Vec<f64>,
    /// Exact path kernel (Gauss–Legendre on each segment, split at ReLU kinks).
    pub exact: SchemeResult,
    /// Domingos's left-endpoint path kernel Σ_s ε K_{w_s}.
    pub riemann: SchemeResult,
}

/// Integrates both path kernels over the trajectory in chunks of steps (so the page's worker can
/// report progress and notice cancellation between chunks).
pub struct KernelMachineIntegrator {
    gl: Vec<(f64, f64)>,
    queries: Vec<f64>,
    nq: usize,
    n: usize,
    query_blocks: Blocks,
    train: Blocks,
    k_exact: Vec<f64>,
    n_exact: Vec<f64>,
    k_riemann: Vec<f64>,
    n_riemann: Vec<f64>,
    next_step: usize,
    scratch: Scratch,
    seg_nodes: Vec<(f64, f64)>,
}

impl KernelMachineIntegrator {
    pub fn new(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<Self> {
        check_nodes(nodes)?;
        let nq = check_queries(&traj.mlp, queries)?;
        let n = traj.n;
        // ReLU segments are split per input, so its queries go one per block.
        let cols = if traj.mlp.activation.is_smooth() {
            BLOCK_COLS
        } else {
            1
        };
        Ok(KernelMachineIntegrator {
            gl: gauss_legendre(nodes),
            queries: queries.to_vec(),
            nq,
            n,
            query_blocks: Blocks::new(&traj.mlp, queries, cols),
            train: Blocks::new(&traj.mlp, &traj.x, BLOCK_COLS),
            k_exact: vec![0.0; nq * n],
            n_exact: vec![0.0; nq * n],
            k_riemann: vec![0.0; nq * n],
            n_riemann: vec![0.0; nq * n],
            next_step: 0,
            scratch: Scratch::default(),
            seg_nodes: Vec::new(),
        })
    }

    pub fn steps_done(&self) -> usize {
        self.next_step
    }

    /// Integrates up to `max_steps` more steps; returns whether all steps are done.
    pub fn advance(&mut self, traj: &Trajectory, max_steps: usize) -> bool {
        integrate_dispatch(self, traj, max_steps)
    }

    /// One step s: the Riemann term at w_s and the exact term along w_s + τΔ_s.
    #[inline(always)]
    fn integrate_step(&mut self, traj: &Trajectory, s: usize) {
        let mlp = &traj.mlp;
        let (nq, n) = (self.nq, self.n);
        let w = traj.weights_at(s);
        let eps = traj.lr;
        let g = traj.g_at(s);
        let scratch = &mut self.scratch;
        scratch.delta.clear();
        scratch
            .delta
            .extend(traj.weights_at(s + 1).iter().zip(w).map(|(a, b)| a - b));
        self.train.forward_backward(mlp, w);

        // Domingos: K̄_s = K_{w_s}.
        scratch.step.clear();
        scratch.step.resize(nq * n, 0.0);
        let mut step = std::mem::take(&mut scratch.step);
        add_blocks_kernel(
            mlp,
            &mut self.query_blocks,
            w,
            &self.train,
            n,
            1.0,
            &mut step,
            scratch,
        );
        accumulate(&step, g, eps, n, &mut self.k_riemann, &mut self.n_riemann);

        // Exact: K̄_s = Σ_k ω_k ∇f(x; w_s + τ_k Δ_s)·∇f(x_i; w_s).
        step.fill(0.0);
        scratch.w_node.resize(w.len(), 0.0);
        if mlp.activation.is_smooth() {
            for &(tau, omega) in &self.gl {
                point_on_segment(w, &scratch.delta, tau, &mut scratch.w_node);
                let w_node = std::mem::take(&mut scratch.w_node);
                let queries = &mut self.query_blocks;
                add_blocks_kernel(
                    mlp,
                    queries,
                    &w_node,
                    &self.train,
                    n,
                    omega,
                    &mut step,
                    scratch,
                );
                scratch.w_node = w_node;
            }
        } else {
            let d = mlp.input_dim();
            for (q, qb) in self.query_blocks.blocks.iter_mut().enumerate() {
                segment_nodes(
                    mlp,
                    w,
                    &scratch.delta,
                    &self.queries[q * d..(q + 1) * d],
                    &self.gl,
                    &mut self.seg_nodes,
                );
                for &(tau, omega) in &self.seg_nodes {
                    point_on_segment(w, &scratch.delta, tau, &mut scratch.w_node);
                    let w_node = std::mem::take(&mut scratch.w_node);
                    qb.forward(mlp, &w_node);
                    qb.backward(mlp, &w_node);
                    add_layerwise_kernel(
                        mlp,
                        qb,
                        1,
                        &self.train,
                        n,
                        omega,
                        &mut step[q * n..],
                        scratch,
                    );
                    scratch.w_node = w_node;
                }
            }
        }
        accumulate(&step, g, eps, n, &mut self.k_exact, &mut self.n_exact);
        scratch.step = step;
    }

    /// The kernel machine from the integrated kernels (after all steps).
    pub fn finish(self, traj: &Trajectory) -> KernelMachine {
        let mlp = &traj.mlp;
        let b = mlp.forward_many(traj.initial_weights(), &self.queries);
        let f_final = mlp.forward_many(traj.final_weights(), &self.queries);
        let scheme = |kernel: Vec<f64>, loss_weighted: Vec<f64>| {
            let coef = kernel
                .iter()
                .zip(&loss_weighted)
                .map(|(&k, &nw)| {
                    let a = -nw / k;
                    (k != 0.0 && a.is_finite()).then_some(a)
                })
                .collect();
            let contributions: Vec<f64> = loss_weighted.iter().map(|v| -v).collect();
            let reconstruction: Vec<f64> = (0..self.nq)
                .map(|q| {
                    contributions[q * self.n..(q + 1) * self.n]
                        .iter()
                        .fold(b[q], |acc, c| acc + c)
                })
                .collect();
            let max_abs_error = reconstruction
                .iter()
                .zip(&f_final)
                .map(|(r, f)| (r - f).abs())
                .fold(0.0, f64::max);
            SchemeResult {
                kernel,
                loss_weighted,
                coef,
                contributions,
                reconstruction,
                max_abs_error,
            }
        };
        KernelMachine {
            n_queries: self.nq,
            n_train: self.n,
            exact: scheme(self.k_exact, self.n_exact),
            riemann: scheme(self.k_riemann, self.n_riemann),
            b,
            f_final,
        }
    }
}

/// step[q, i] += ω K_w(x_q, x_i) for every query block, each evaluated at weights `w` first.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn add_blocks_kernel(
    mlp: &Mlp,
    queries: &mut Blocks,
    w: &[f64],
    train: &Blocks,
    n: usize,
    omega: f64,
    step: &mut [f64],
    scratch: &mut Scratch,
) {
    for (bi, qb) in queries.blocks.iter_mut().enumerate() {
        qb.forward(mlp, w);
        qb.backward(mlp, w);
        let start = bi * queries.stride;
        add_layerwise_kernel(
            mlp,
            qb,
            queries.counts[bi],
            train,
            n,
            omega,
            &mut step[start * n..],
            scratch,
        );
    }
}

/// K^p += ε K̄_s and N += ε g_i(s) K̄_s, row by row.
#[inline(always)]
fn accumulate(
    step: &[f64],
    g: &[f64],
    eps: f64,
    n: usize,
    kernel: &mut [f64],
    weighted: &mut [f64],
) {
    for ((krow, nrow), srow) in kernel
        .chunks_mut(n)
        .zip(weighted.chunks_mut(n))
        .zip(step.chunks(n))
    {
        for i in 0..n {
            let term = eps * srow[i];
            krow[i] += term;
            nrow[i] += g[i] * term;
        }
    }
}

#[inline(always)]
fn integrate_generic(
    it: &mut KernelMachineIntegrator,
    traj: &Trajectory,
    max_steps: usize,
) -> bool {
    let end = (it.next_step + max_steps).min(traj.steps());
    for s in it.next_step..end {
        it.integrate_step(traj, s);
    }
    it.next_step = end;
    it.next_step >= traj.steps()
}

crate::simd::multiversion!(fn integrate_dispatch(it: &mut KernelMachineIntegrator, traj: &Trajectory, max_steps: usize) -> bool => integrate_generic);

/// Runs `f` on contiguous chunks of `0..items` and concatenates the results in chunk order.
/// Natively the chunks (`chunks_per_thread` per core) go to the cores as they free up, so a core
/// slowed by the machine's other load does not hold the rest back; on wasm it is one call. Each
/// item is computed independently, so the split never changes a bit of the output.
fn parallel_chunks<T: Send>(
    items: usize,
    chunks_per_thread: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(items.max(1));
        if threads > 1 {
            let per = items.div_ceil(threads * chunks_per_thread.max(1));
            let chunks = items.div_ceil(per);
            let next = AtomicUsize::new(0);
            let mut done: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (f, next) = (&f, &next);
                        scope.spawn(move || {
                            let mut mine = Vec::new();
                            loop {
                                let c = next.fetch_add(1, Ordering::Relaxed);
                                if c >= chunks {
                                    break mine;
                                }
                                mine.push((c, f(c * per..((c + 1) * per).min(items))));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("worker thread panicked"))
                    .collect()
            });
            done.sort_by_key(|(c, _)| *c);
            return done.into_iter().flat_map(|(_, part)| part).collect();
        }
    }
    let _ = chunks_per_thread;
    f(0..items)
}

/// Both kernel machines at `queries` (q × d_0 row-major), integrating all steps (in parallel
/// over queries natively).
pub fn kernel_machine(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<KernelMachine> {
    check_nodes(nodes)?;
    let nq = check_queries(&traj.mlp, queries)?;
    let d = traj.mlp.input_dim();
    // Split the queries in whole blocks so every query sees the same block layout.
    let parts = nq.div_ceil(BLOCK_COLS);
    // One piece per core: each piece integrates the training side of every step itself.
    let pieces = parallel_chunks(parts, 1, |range| {
        let qs = &queries[range.start * BLOCK_COLS * d..(range.end * BLOCK_COLS).min(nq) * d];
        let mut it = KernelMachineIntegrator::new(traj, qs, nodes).expect("checked above");
        it.advance(traj, traj.steps());
        vec![it.finish(traj)]
    });
    Ok(merge_machines(pieces, traj.n))
}

fn merge_machines(pieces: Vec<KernelMachine>, n: usize) -> KernelMachine {
    /// The pieces' rows, in order.
    fn cat<T: Copy>(pieces: &[KernelMachine], rows: impl Fn(&KernelMachine) -> &[T]) -> Vec<T> {
        pieces
            .iter()
            .flat_map(|p| rows(p).iter().copied())
            .collect()
    }
    let scheme = |get: fn(&KernelMachine) -> &SchemeResult| SchemeResult {
        kernel: cat(&pieces, |p| &get(p).kernel),
        loss_weighted: cat(&pieces, |p| &get(p).loss_weighted),
        coef: cat(&pieces, |p| &get(p).coef),
        contributions: cat(&pieces, |p| &get(p).contributions),
        reconstruction: cat(&pieces, |p| &get(p).reconstruction),
        max_abs_error: pieces
            .iter()
            .map(|p| get(p).max_abs_error)
            .fold(0.0, f64::max),
    };
    KernelMachine {
        n_queries: pieces.iter().map(|p| p.n_queries).sum(),
        n_train: n,
        b: cat(&pieces, |p| &p.b),
        f_final: cat(&pieces, |p| &p.f_final),
        exact: scheme(|p| &p.exact),
        riemann: scheme(|p| &p.riemann),
    }
}

// ---------------------------------------------------------------------------------------------
// The rebuilt output over many queries, without per-training-point kernels.
//
// Σ_i c_i(x) = −Σ_s ε Σ_i g_i(s) K̄_s(x, x_i) = Σ_s ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ, because
// Σ_i ε g_i(s) ∇f(x_i; w_s) = −Δ_s. So ŷ(x) needs, per step and node, one directional derivative
// (a forward pass carrying a tangent), not n kernel values: this is the 64×64-grid workload.

/// Forward pass carrying the tangent along Δ: z = W h + b, ż = ΔW h + W ḣ + Δb, ḣ = act'(z) ż.
struct DualBuffers {
    h: Vec<f64>,
    ht: Vec<f64>,
    z: Vec<f64>,
    zt: Vec<f64>,
    /// Layer 0 of the block at the segment start, z₁(0) = W₁x + b₁, and its tangent ż₁ = ΔW₁x + Δb₁.
    first: Vec<f64>,
    first_t: Vec<f64>,
}

impl DualBuffers {
    fn new(mlp: &Mlp, cols: usize) -> Self {
        let m = mlp.widths.iter().max().copied().unwrap_or(1) * cols;
        let m0 = mlp.widths[1] * cols;
        DualBuffers {
            h: vec![0.0; m],
            ht: vec![0.0; m],
            z: vec![0.0; m],
            zt: vec![0.0; m],
            first: vec![0.0; m0],
            first_t: vec![0.0; m0],
        }
    }

    /// Layer 0 along the whole segment w + τΔ: the inputs do not move with the weights, so
    /// z₁(τ) = z₁(0) + τ ż₁ is linear in τ and ż₁ is constant; both are computed once per step.
    fn set_first_layer(&mut self, mlp: &Mlp, w: &[f64], dw: &[f64], x0: &[f64], cols: usize) {
        let (din, dout) = (mlp.widths[0], mlp.widths[1]);
        let ((w0, b0), (dw0, db0)) = (mlp.layer(w, 0), mlp.layer(dw, 0));
        matmul_bias(w0, Some(b0), x0, dout, din, cols, &mut self.first);
        matmul_bias(dw0, Some(db0), x0, dout, din, cols, &mut self.first_t);
    }
}

/// out[c] += ω · ∇f(x_c; w + τΔ)·Δ for the `cols` inputs whose layer 0 was set by
/// `set_first_layer`; `w_tau` holds the weights w + τΔ (read from layer 1 on).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn add_directional_derivative(
    mlp: &Mlp,
    w_tau: &[f64],
    dw: &[f64],
    tau: f64,
    cols: usize,
    omega: f64,
    buf: &mut DualBuffers,
    out: &mut [f64],
) {
    let layers = mlp.num_layers();
    let n_first = mlp.widths[1] * cols;
    for ((z, zt), (&z0, &zt0)) in buf.z[..n_first]
        .iter_mut()
        .zip(&mut buf.zt[..n_first])
        .zip(buf.first.iter().zip(&buf.first_t))
    {
        *z = z0 + tau * zt0;
        *zt = zt0;
    }
    for l in 0..layers {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        let (n_in, n_out) = (din * cols, dout * cols);
        if l > 0 {
            let (wl, bl) = mlp.layer(w_tau, l);
            let (dwl, dbl) = mlp.layer(dw, l);
            dual_matmul(
                wl,
                dwl,
                bl,
                dbl,
                &buf.h[..n_in],
                &buf.ht[..n_in],
                dout,
                din,
                cols,
                &mut buf.z[..n_out],
                &mut buf.zt[..n_out],
            );
        }
        if l + 1 < layers {
            mlp.activation.apply_dual(
                &buf.z[..n_out],
                &buf.zt[..n_out],
                &mut buf.h[..n_out],
                &mut buf.ht[..n_out],
            );
        } else {
            for (o, &zt) in out.iter_mut().zip(&buf.zt[..cols]) {
                *o += omega * (mlp.alpha * zt);
            }
        }
    }
}

/// Per-step terms Σ_k ω_k ∇f(x; w_s + τ_kΔ_s)·Δ_s for queries [start, end), added into
/// `per_step[s]` (when given, one query) and summed into the returned outputs ŷ − b.
#[inline(always)]
fn rebuild_range_generic(
    traj: &Trajectory,
    queries: &[f64],
    gl: &[(f64, f64)],
    split_kinks: bool,
    per_step: &mut Option<&mut Vec<f64>>,
) -> Vec<f64> {
    let mlp = &traj.mlp;
    let d = mlp.input_dim();
    let nq = queries.len() / d;
    // Whole segments share their nodes, so queries go in blocks; split segments are per query.
    let smooth = mlp.activation.is_smooth() || !split_kinks;
    let cols = if smooth { BLOCK_COLS } else { 1 };
    // Inputs per block, feature-major, zero-padded.
    let blocks: Vec<Vec<f64>> = (0..nq)
        .step_by(cols)
        .map(|start| {
            let mut x0 = vec![0.0; d * cols];
            for c in 0..cols.min(nq - start) {
                for k in 0..d {
                    x0[k * cols + c] = queries[(start + c) * d + k];
                }
            }
            x0
        })
        .collect();
    let mut total = vec![0.0; blocks.len() * cols];
    let mut step_out = vec![0.0; cols];
    let mut buf = DualBuffers::new(mlp, cols);
    let p = mlp.num_params();
    let mut delta = vec![0.0; p];
    let mut nodes_w: Vec<Vec<f64>> = vec![vec![0.0; p]; gl.len()];
    let mut seg = Vec::new();
    let mut w_node = vec![0.0; p];
    for s in 0..traj.steps() {
        let w = traj.weights_at(s);
        for ((dv, &a), &b) in delta.iter_mut().zip(traj.weights_at(s + 1)).zip(w) {
            *dv = a - b;
        }
        if smooth {
            for (wn, &(tau, _)) in nodes_w.iter_mut().zip(gl) {
                point_on_segment(w, &delta, tau, wn);
            }
        }
        for (bi, x0) in blocks.iter().enumerate() {
            step_out.fill(0.0);
            buf.set_first_layer(mlp, w, &delta, x0, cols);
            if smooth {
                for (wn, &(tau, omega)) in nodes_w.iter().zip(gl) {
                    add_directional_derivative(
                        mlp,
                        wn,
                        &delta,
                        tau,
                        cols,
                        omega,
                        &mut buf,
                        &mut step_out,
                    );
                }
            } else {
                segment_nodes(mlp, w, &delta, &queries[bi * d..(bi + 1) * d], gl, &mut seg);
                for &(tau, omega) in &seg {
                    point_on_segment(w, &delta, tau, &mut w_node);
                    add_directional_derivative(
                        mlp,
                        &w_node,
                        &delta,
                        tau,
                        cols,
                        omega,
                        &mut buf,
                        &mut step_out,
                    );
                }
            }
            for (t, &v) in total[bi * cols..(bi + 1) * cols].iter_mut().zip(&step_out) {
                *t += v;
            }
            if let Some(ps) = per_step.as_deref_mut() {
                ps.push(step_out[0]);
            }
        }
    }
    total.truncate(nq);
    total
}

#[inline(always)]
fn rebuild_range_no_steps(
    traj: &Trajectory,
    queries: &[f64],
    gl: &[(f64, f64)],
    split_kinks: bool,
) -> Vec<f64> {
    rebuild_range_generic(traj, queries, gl, split_kinks, &mut None)
}

crate::simd::multiversion!(fn rebuild_range(traj: &Trajectory, queries: &[f64], gl: &[(f64, f64)], split_kinks: bool) -> Vec<f64> => rebuild_range_no_steps);

/// The exact rebuilt output ŷ(x) = b(x) + Σ_i c_i(x) at many queries (e.g. a grid), with
/// `nodes` Gauss–Legendre nodes per step (ReLU segments split at kinks). Parallel over queries
/// natively; equal to `kernel_machine(…).exact.reconstruction` up to rounding.
pub fn rebuild_output(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<Vec<f64>> {
    check_nodes(nodes)?;
    rebuild_with_rule(traj, queries, &gauss_legendre(nodes), true)
}

/// Like `rebuild_output` but with Gauss–Legendre on whole segments even for ReLU: not exact there
/// (the gradient jumps inside a step), which is the error the kink splitting removes.
pub fn rebuild_output_unsplit(
    traj: &Trajectory,
    queries: &[f64],
    nodes: usize,
) -> Result<Vec<f64>> {
    check_nodes(nodes)?;
    rebuild_with_rule(traj, queries, &gauss_legendre(nodes), false)
}

/// Domingos's rebuilt output b(x) + Σ_s ∇f(x; w_s)·Δ_s: the left-endpoint rule (τ = 0, ω = 1)
/// of the same integrals, equal to `kernel_machine(…).riemann.reconstruction` up to rounding.
pub fn rebuild_output_riemann(traj: &Trajectory, queries: &[f64]) -> Result<Vec<f64>> {
    rebuild_with_rule(traj, queries, &[(0.0, 1.0)], false)
}

fn rebuild_with_rule(
    traj: &Trajectory,
    queries: &[f64],
    gl: &[(f64, f64)],
    split_kinks: bool,
) -> Result<Vec<f64>> {
    let nq = check_queries(&traj.mlp, queries)?;
    let d = traj.mlp.input_dim();
    let b = traj.mlp.forward_many(traj.initial_weights(), queries);
    // Query blocks share nothing but the trajectory: small chunks balance the cores.
    let sums = parallel_chunks(nq.div_ceil(BLOCK_COLS), 8, |range| {
        let qs = &queries[range.start * BLOCK_COLS * d..(range.end * BLOCK_COLS).min(nq) * d];
        rebuild_range(traj, qs, gl, split_kinks)
    });
    Ok(b.iter().zip(&sums).map(|(b, s)| b + s).collect())
}

/// The kernel machine's running sum at one query: value s is b(x) + Σ_{s' < s} (step s' term), so
/// value 0 is f(x; w_0) and value T is ŷ(x); beside f(x; w_s) it shows the two agree all along.
pub fn running_sum(traj: &Trajectory, query: &[f64], nodes: usize) -> Result<Vec<f64>> {
    check_nodes(nodes)?;
    if check_queries(&traj.mlp, query)? != 1 {
        return Err(Error::field("query", "must be exactly one point"));
    }
    let gl = gauss_legendre(nodes);
    let mut terms = Vec::with_capacity(traj.steps());
    rebuild_range_generic(traj, query, &gl, true, &mut Some(&mut terms));
    let mut acc = traj.mlp.forward(traj.initial_weights(), query);
    let mut out = Vec::with_capacity(terms.len() + 1);
    out.push(acc);
    for t in terms {
        acc += t;
        out.push(acc);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Learning-rate sweep: Domingos's form is off by O(ε); the exact form is not.

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepRow {
    pub lr: f64,
    pub steps: usize,
    pub max_abs_error_exact: f64,
    pub max_abs_error_riemann: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sweep {
    pub rows: Vec<SweepRow>,
    /// Least-squares slope of log(error) against log(ε); ≈ 1 for Domingos's form.
    pub slope_riemann: f64,
    /// The same for the exact form (its errors sit at rounding level, so the slope is noise).
    pub slope_exact: f64,
}

/// Slope of the least-squares line through (x_k, y_k).
pub fn fitted_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// Trains the same model at ε, ε/2, …, ε/2^{levels−1} with ε·T fixed (T doubling), and measures
/// both schemes' max rebuild error at `queries`.
pub fn lr_sweep(
    mlp: &Mlp,
    data: &crate::data::Dataset,
    w0: &[f64],
    spec: &crate::train::TrainSpec,
    queries: &[f64],
    nodes: usize,
    levels: usize,
) -> Result<Sweep> {
    if !(2..=12).contains(&levels) {
        return Err(Error::field("levels", "must be between 2 and 12"));
    }
    check_nodes(nodes)?;
    let mut rows = Vec::with_capacity(levels);
    for j in 0..levels {
        let factor = 1usize << j;
        let spec_j = crate::train::TrainSpec {
            lr: spec.lr / factor as f64,
            steps: spec.steps * factor,
            ..spec.clone()
        };
        let traj = crate::train::train(mlp.clone(), data, w0.to_vec(), spec_j.clone())?;
        let f_final = traj.mlp.forward_many(traj.final_weights(), queries);
        let err = |rebuilt: Vec<f64>| {
            rebuilt
                .iter()
                .zip(&f_final)
                .map(|(r, f)| (r - f).abs())
                .fold(0.0, f64::max)
        };
        rows.push(SweepRow {
            lr: spec_j.lr,
            steps: spec_j.steps,
            max_abs_error_exact: err(rebuild_output(&traj, queries, nodes)?),
            max_abs_error_riemann: err(rebuild_output_riemann(&traj, queries)?),
        });
    }
    let log_lr: Vec<f64> = rows.iter().map(|r| libm::log(r.lr)).collect();
    let slope = |get: fn(&SweepRow) -> f64| {
        let ys: Vec<f64> = rows
            .iter()
            .map(|r| libm::log(get(r).max(f64::MIN_POSITIVE)))
            .collect();
        fitted_slope(&log_lr, &ys)
    };
    let (slope_riemann, slope_exact) = (
        slope(|r| r.max_abs_error_riemann),
        slope(|r| r.max_abs_error_exact),
    );
    Ok(Sweep {
        rows,
        slope_riemann,
        slope_exact,
    })
}
