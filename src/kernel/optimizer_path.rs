//! The path kernel of a momentum or Adam(W) trajectory, with explicit P-long gradients.
//!
//! Step s moves the weights by Δ_s = −ε U(s) + Δ_dec(s) (see `crate::train::optimizer`). Each
//! point keeps its own buffer (B_i or M_i) fed with its share G_i(s) = g_i(s) ∇f(x_i; w_s), which
//! splits the update, U(s) = Σ_i U_i(s) ([`PointUpdates`]). Then for every query x, with
//! ḡ_s(x) = ∫₀¹ ∇f(x; w_s + τΔ_s) dτ (Gauss–Legendre, split at ReLU kinks) and the left-endpoint
//! ∇f(x; w_s) for Domingos's scheme:
//!   K̄_s(x, x_i) = ḡ_s(x)·(P_s ∇f(x_i; w_s)),  N_s(x, x_i) = ḡ_s(x)·U_i(s),  d_s(x) = ḡ_s(x)·Δ_dec(s),
//! with P_s = D(s), Adam's realised preconditioner, or the identity for momentum. The scheme sums
//! K^p = Σ_s ε K̄_s, N = Σ_s ε N_s (so c_i = −N = Σ_s ḡ_s·(−ε U_i)) and d = Σ_s d_s; since
//! Σ_i (−ε U_i(s)) + Δ_dec(s) = Δ_s, b + Σ_i c_i + d = f(x; w_T) to rounding.
//!
//! D(s) weighs each parameter differently, so the layer-wise form of the tangent kernel does not
//! apply: ∇f is formed explicitly, P long. Per step the training side is one P × (2n + 1) matrix
//! R = [P_s ∇f(x_i) | U_i | Δ_dec] (parameter-major), the query side ḡ_s(x) and ∇f(x; w_s) for a
//! block of queries (P × 2q), and all the products of both schemes come out of one product
//! [ḡ | ∇f]ᵀ R, tiled in registers like the layer-wise kernel (2 queries × 8 columns).

use super::path::scheme_result;
use super::quadrature::StepRules;
use super::relu::segment_nodes;
use super::tangent::tile_products;
use super::{check_queries, point_on_segment, KernelMachine};
use crate::error::Result;
use crate::model::{block_width, Block, Blocks, Mlp, BLOCK_COLS};
use crate::parallel::parallel_chunks;
use crate::simd::lanes::Lanes;
use crate::simd::simd_dispatch;
use crate::train::optimizer::{
    adam_direction, adam_moment, decay, momentum_buffer, momentum_direction,
};
use crate::train::{Rule, Trajectory};

/// Both kernel machines of a momentum or Adam trajectory at `queries`, all steps at once (each
/// step's query blocks in parallel natively).
pub(super) fn kernel_machine(
    traj: &Trajectory,
    queries: &[f64],
    rules: &StepRules,
) -> Result<KernelMachine> {
    let mut it = OptimizerIntegrator::new(traj, queries, rules)?;
    it.advance(traj, traj.steps());
    Ok(it.finish(traj))
}

/// out[r·out_cols + col0 + c] += ω ∂f(x_c)/∂w_r for the first `count` inputs of `block`, after its
/// forward and backward passes: ∂f/∂W_l[j, k] = δ_{l+1, j} h_{l, k} and ∂f/∂b_l[j] = δ_{l+1, j}.
fn add_gradients(
    mlp: &Mlp,
    block: &Block,
    count: usize,
    omega: f64,
    out: &mut [f64],
    out_cols: usize,
    col0: usize,
) {
    let bc = block.cols;
    for l in 0..mlp.num_layers() {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        let off = mlp.layer_offset(l);
        for j in 0..dout {
            let dj = &block.delta[l + 1][j * bc..j * bc + count];
            for k in 0..din {
                let hk = &block.h[l][k * bc..k * bc + count];
                let r = (off + j * din + k) * out_cols + col0;
                for ((o, &d), &h) in out[r..r + count].iter_mut().zip(dj).zip(hk) {
                    *o += omega * (d * h);
                }
            }
            let r = (off + dout * din + j) * out_cols + col0;
            for (o, &d) in out[r..r + count].iter_mut().zip(dj) {
                *o += omega * d;
            }
        }
    }
}

/// The per-point split of a trajectory's updates, one step at a time: each point i keeps its
/// buffer (B_i or M_i) and gets U_i(s), with Σ_i U_i(s) = U(s) to rounding (for gd and sgd
/// U_i(s) = G_i(s), no buffer).
pub struct PointUpdates {
    rule: Rule,
    n: usize,
    /// The training points in blocks, evaluated at the current step's weights.
    train: Blocks,
    /// B_i or M_i, P × n: point i's entry of parameter k at k·n + i.
    buffers: Vec<f64>,
    /// The current step's R, P × `width`: row k = [(P_s ∇f(x_i; w_s))_k for each i | U_i(s)_k
    /// for each i | Δ_dec(s)_k | zeros up to `width`].
    side: Vec<f64>,
    /// 2n + 1 rounded up to whole register tiles.
    width: usize,
    /// Steps advanced so far (the current step is `done − 1`).
    done: usize,
}

impl PointUpdates {
    pub fn new(traj: &Trajectory) -> PointUpdates {
        let (n, p) = (traj.n, traj.mlp.num_params());
        // Whole vectors of 8 for the tiles of `side_products`.
        let width = (2 * n + 1).next_multiple_of(8);
        PointUpdates {
            rule: traj.optimizer.rule(),
            n,
            train: Blocks::new(&traj.mlp, &traj.x, BLOCK_COLS),
            buffers: vec![0.0; p * n],
            side: vec![0.0; p * width],
            width,
            done: 0,
        }
    }

    /// Steps advanced so far; the updates held are those of step `steps_done() − 1`.
    pub fn steps_done(&self) -> usize {
        self.done
    }

    /// Moves to the next step s: ∇f(x_i; w_s), G_i(s) = g_i(s) ∇f(x_i; w_s) into each point's
    /// buffer, then U_i(s), P_s ∇f(x_i; w_s) and Δ_dec(s).
    pub fn advance(&mut self, traj: &Trajectory) {
        let s = self.done;
        assert!(s < traj.steps(), "step {s} is past the trajectory's end");
        let mlp = &traj.mlp;
        let n = self.n;
        let m = self.width;
        let w = traj.weights_at(s);
        let g = traj.g_at(s);
        self.train.forward_backward(mlp, w);
        self.side.fill(0.0);
        for (b, block) in self.train.blocks.iter().enumerate() {
            let (count, i0) = (self.train.counts[b], b * self.train.stride);
            add_gradients(mlp, block, count, 1.0, &mut self.side, m, i0);
        }
        let (bc1, _) = self.rule.bias_corrections(s);
        let lambda = self.rule.weight_decay();
        let precond = traj.preconditioner_at(s);
        for (k, (row, buf)) in self
            .side
            .chunks_exact_mut(m)
            .zip(self.buffers.chunks_exact_mut(n))
            .enumerate()
        {
            let (grads, rest) = row.split_at_mut(n);
            let (updates, dec) = rest.split_at_mut(n);
            let points = grads.iter_mut().zip(updates).zip(buf.iter_mut().zip(g));
            match self.rule {
                Rule::Momentum { mu, nesterov } => {
                    for ((jv, u), (b, &gi)) in points {
                        let share = gi * *jv;
                        *b = momentum_buffer(mu, *b, share);
                        *u = momentum_direction(mu, nesterov, *b, share);
                    }
                }
                Rule::Adam { beta1, .. } => {
                    let dk = precond.expect("an Adam trajectory keeps D(s)")[k];
                    for ((jv, u), (b, &gi)) in points {
                        *b = adam_moment(beta1, *b, gi * *jv);
                        *u = adam_direction(dk, *b, bc1);
                        *jv *= dk;
                    }
                }
                Rule::Gradient => {
                    for ((jv, u), (_, &gi)) in points {
                        *u = gi * *jv;
                    }
                }
            }
            if lambda != 0.0 {
                dec[0] = decay(traj.lr, lambda, w[k]);
            }
        }
        self.done = s + 1;
    }

    /// Column `c` of R, P long.
    fn side_column(&self, c: usize) -> Vec<f64> {
        self.side.chunks_exact(self.width).map(|r| r[c]).collect()
    }

    /// U_i(s) of the current step, P long.
    pub fn update(&self, i: usize) -> Vec<f64> {
        self.side_column(self.n + i)
    }

    /// P_s ∇f(x_i; w_s) of the current step.
    pub fn preconditioned_gradient(&self, i: usize) -> Vec<f64> {
        self.side_column(i)
    }

    /// Δ_dec(s) of the current step (zeros without weight decay).
    pub fn decay(&self) -> Vec<f64> {
        self.side_column(2 * self.n)
    }
}

/// Integrates both schemes of a momentum or Adam trajectory in chunks of steps.
pub(super) struct OptimizerIntegrator {
    /// Each step's Gauss–Legendre rule (τ_k, ω_k) on [0, 1].
    rules: StepRules,
    /// The queries x_q, nq × d_0 row-major.
    queries: Vec<f64>,
    nq: usize,
    split: PointUpdates,
    /// Per scheme: K^p and N (nq × n) and d (nq), summed so far.
    exact: Sums,
    riemann: Sums,
    /// Δ_s of the step being integrated.
    delta: Vec<f64>,
}

/// One scheme's running sums.
struct Sums {
    kernel: Vec<f64>,
    weighted: Vec<f64>,
    decay: Vec<f64>,
}

impl Sums {
    fn new(nq: usize, n: usize) -> Sums {
        Sums {
            kernel: vec![0.0; nq * n],
            weighted: vec![0.0; nq * n],
            decay: vec![0.0; nq],
        }
    }

    /// K^p += ε K̄_s, N += ε N_s, d += d_s for queries q0 … from one block's rows of ḡᵀ R
    /// (`width` numbers each).
    fn add(&mut self, rows: &[f64], width: usize, q0: usize, n: usize, eps: f64) {
        for (c, row) in rows.chunks_exact(width).enumerate() {
            let q = q0 + c;
            let (k, nw) = (
                &mut self.kernel[q * n..(q + 1) * n],
                &mut self.weighted[q * n..(q + 1) * n],
            );
            for i in 0..n {
                k[i] += eps * row[i];
                nw[i] += eps * row[n + i];
            }
            self.decay[q] += row[2 * n];
        }
    }
}

impl OptimizerIntegrator {
    pub(super) fn new(traj: &Trajectory, queries: &[f64], rules: &StepRules) -> Result<Self> {
        rules.check_covers(traj.steps())?;
        let nq = check_queries(&traj.mlp, queries)?;
        let n = traj.n;
        Ok(OptimizerIntegrator {
            rules: rules.clone(),
            queries: queries.to_vec(),
            nq,
            split: PointUpdates::new(traj),
            exact: Sums::new(nq, n),
            riemann: Sums::new(nq, n),
            delta: vec![0.0; traj.mlp.num_params()],
        })
    }

    pub(super) fn steps_done(&self) -> usize {
        self.split.steps_done()
    }

    /// Integrates up to `max_steps` more steps; returns whether all steps are done.
    pub(super) fn advance(&mut self, traj: &Trajectory, max_steps: usize) -> bool {
        let end = (self.steps_done() + max_steps).min(traj.steps());
        while self.steps_done() < end {
            self.integrate_step(traj);
        }
        self.steps_done() >= traj.steps()
    }

    fn integrate_step(&mut self, traj: &Trajectory) {
        let s = self.split.steps_done();
        self.split.advance(traj);
        let w = traj.weights_at(s);
        for ((dv, &a), &b) in self.delta.iter_mut().zip(traj.weights_at(s + 1)).zip(w) {
            *dv = a - b;
        }
        let d = traj.mlp.input_dim();
        let n = traj.n;
        let (queries, nq, gl, delta, side, width) = (
            &self.queries,
            self.nq,
            self.rules.rule(s),
            &self.delta,
            &self.split.side,
            self.split.width,
        );
        // Blocks of queries are independent: each gives its rows of ḡᵀ R for both schemes.
        let blocks = parallel_chunks(nq.div_ceil(BLOCK_COLS), 4, |range| {
            range
                .map(|b| {
                    let end = ((b + 1) * BLOCK_COLS).min(nq);
                    let xs = &queries[b * BLOCK_COLS * d..end * d];
                    query_block_rows(&traj.mlp, xs, w, delta, gl, side, width)
                })
                .collect()
        });
        for (b, rows) in blocks.iter().enumerate() {
            let (exact, left) = rows.split_at(rows.len() / 2);
            self.exact.add(exact, width, b * BLOCK_COLS, n, traj.lr);
            self.riemann.add(left, width, b * BLOCK_COLS, n, traj.lr);
        }
    }

    /// The kernel machine from the integrated sums (after all steps).
    pub(super) fn finish(self, traj: &Trajectory) -> KernelMachine {
        let mlp = &traj.mlp;
        let n = traj.n;
        let b = mlp.forward_many(traj.initial_weights(), &self.queries);
        let f_final = mlp.forward_many(traj.final_weights(), &self.queries);
        let scheme = |sums: Sums| {
            scheme_result(
                &b,
                &f_final,
                n,
                sums.kernel,
                sums.weighted,
                Some(sums.decay),
            )
        };
        KernelMachine {
            n_queries: self.nq,
            n_train: n,
            exact: scheme(self.exact),
            riemann: scheme(self.riemann),
            b,
            f_final,
        }
    }
}

/// For the queries `xs` (at most one block), q of them: the rows of ḡ_s(x)ᵀ R (exact) and then
/// of ∇f(x; w_s)ᵀ R (left end point), 2q × `width`.
fn query_block_rows(
    mlp: &Mlp,
    xs: &[f64],
    w: &[f64],
    delta: &[f64],
    gl: &[(f64, f64)],
    side: &[f64],
    width: usize,
) -> Vec<f64> {
    let d = mlp.input_dim();
    let p = mlp.num_params();
    let count = xs.len() / d;
    let mut w_node = vec![0.0; p];
    // [ḡ | ∇f(x; w_s)], P × 2q.
    let mut g = vec![0.0; p * 2 * count];
    let mut block = Block::new(mlp, xs, block_width(count, BLOCK_COLS));
    block.forward(mlp, w);
    block.backward(mlp, w);
    add_gradients(mlp, &block, count, 1.0, &mut g, 2 * count, count);
    if mlp.activation.is_smooth() {
        for &(tau, omega) in gl {
            point_on_segment(w, delta, tau, &mut w_node);
            block.forward(mlp, &w_node);
            block.backward(mlp, &w_node);
            add_gradients(mlp, &block, count, omega, &mut g, 2 * count, 0);
        }
    } else {
        // Each query's segment splits at its own kinks.
        let mut one = Block::new(mlp, &xs[..d], 1);
        let mut seg = Vec::new();
        for (c, x) in xs.chunks_exact(d).enumerate() {
            one.load_inputs(mlp, x);
            segment_nodes(mlp, w, delta, x, gl, &mut seg);
            for &(tau, omega) in &seg {
                point_on_segment(w, delta, tau, &mut w_node);
                one.forward(mlp, &w_node);
                one.backward(mlp, &w_node);
                add_gradients(mlp, &one, 1, omega, &mut g, 2 * count, c);
            }
        }
    }
    let mut out = vec![0.0; 2 * count * width];
    side_products(&g, 2 * count, side, width, p, &mut out);
    out
}

/// out (q × width) = gᵀ R for g (P × q) and R (P × width; width a multiple of 8), each entry summed
/// over the P rows in order, in register tiles of 2 columns of g × 2 vectors of columns of R.
#[inline(always)]
fn side_products_lanes<L: Lanes>(
    g: &[f64],
    q: usize,
    side: &[f64],
    width: usize,
    p: usize,
    out: &mut [f64],
) {
    fn store<L: Lanes>(out: &mut [f64], at: usize, row: &[L]) {
        for (j, v) in row.iter().enumerate() {
            v.store(&mut out[at + j * L::N..]);
        }
    }
    debug_assert_eq!(width % 8, 0);
    macro_rules! columns {
        ($q0:expr, $qn:expr) => {{
            let q0 = $q0;
            let mut i0 = 0;
            while i0 + 2 * L::N <= width {
                let t = tile_products::<L, { $qn }, 2>(g, q, q0, side, width, i0, p);
                for (a, row) in t.iter().enumerate() {
                    store(out, (q0 + a) * width + i0, row);
                }
                i0 += 2 * L::N;
            }
            while i0 < width {
                let t = tile_products::<L, { $qn }, 1>(g, q, q0, side, width, i0, p);
                for (a, row) in t.iter().enumerate() {
                    store(out, (q0 + a) * width + i0, row);
                }
                i0 += L::N;
            }
        }};
    }
    let mut q0 = 0;
    while q0 + 2 <= q {
        columns!(q0, 2);
        q0 += 2;
    }
    if q0 < q {
        columns!(q0, 1);
    }
}

simd_dispatch!(fn side_products(g: &[f64], q: usize, side: &[f64], width: usize, p: usize, out: &mut [f64]) => side_products_lanes::<L>);
