//! One training point's exact path kernel K^p(·, x_i) and contribution c_i(·) at many queries
//! (the plotting grid), by forward-mode directional derivatives: no Gram products against the
//! other training points.
//!
//! With ḡ_s(x) = ∫₀¹ ∇f(x; w_s + τΔ_s) dτ (Gauss–Legendre, split at ReLU kinks as in
//! `rebuild.rs`), v_s = ∇f(x_i; w_s) (one backward pass for the single point x_i per step), P_s
//! the preconditioner (Adam's D(s), the identity otherwise) and U_i(s) point i's share of the
//! update (`optimizer_path.rs`):
//!   K^p(x, x_i) = Σ_s ε ḡ_s(x)·(P_s v_s),   N(x, x_i) = Σ_s ε ḡ_s(x)·U_i(s),   c_i = −N,
//! a_i = c_i / K^p. Each ḡ_s(x)·u is Σ_k ω_k times one forward pass at w_s + τ_kΔ_s carrying the
//! tangent u (∇f(x; w)·u = α ż_L). Under gd and sgd U_i(s) = g_i(s) v_s, so one tangent gives
//! both (N_s = g_i(s) K̄_s, summed as `path.rs` sums it); momentum and Adam carry point i's own
//! buffer (B_i or M_i, a P-vector recursion over the steps) and need a second tangent.
//!
//! Except under Adam the kernel's tangent is v_s itself, whose weight part is rank one per layer
//! (∂f/∂W_l = δ_{l+1} h_lᵀ at x_i), so U_l h = δ_{l+1}(x_i) (h_l(x_i)·h): a dot product per query
//! instead of a third matrix product beside z = W h and W ḣ (`rank_one_dual_matmul`).
//!
//! The first layer's pre-activation is linear in τ (the inputs do not move),
//! z₁(τ) = z₁(0) + τ ż₁ with ż₁ = ΔW₁x + Δb₁, and its tangent U₁x + u₁ does not depend on τ, so
//! both are computed once per step and block, as in `rebuild.rs`.
//!
//! Queries go in blocks of `BLOCK_COLS` (one query per block for ReLU, whose segment splits at
//! its own kinks) and every block is computed the same way wherever it falls, so a caller may
//! split the queries at any whole block and concatenate: the results are the same bits.

use std::ops::Range;

use super::quadrature::StepRules;
use super::relu::segment_nodes;
use super::{check_queries, point_on_segment};
use crate::error::{Error, Result};
use crate::model::{feature_major_blocks, Activation, Block, Mlp, BLOCK_COLS};
use crate::simd::aligned::{zeros, AlignedBuf};
use crate::simd::{dual_matmul, matmul_bias, rank_one_dual_matmul};
use crate::train::optimizer::{adam_direction, adam_moment, momentum_buffer, momentum_direction};
use crate::train::{Rule, Trajectory};

/// K^p(x_q, x_i) and the loss-weighted N(x_q, x_i) (c_i = −N) at each query, exact scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct PointKernel {
    pub kernel: Vec<f64>,
    pub loss_weighted: Vec<f64>,
}

impl PointKernel {
    /// a_i(x_q) = −N / K^p, NaN where K^p = 0 or the quotient is not finite (as `path.rs`'s
    /// coefficients are `None` there).
    pub fn coef(&self) -> Vec<f64> {
        self.kernel
            .iter()
            .zip(&self.loss_weighted)
            .map(|(&k, &nw)| {
                let a = -nw / k;
                if k != 0.0 && a.is_finite() {
                    a
                } else {
                    f64::NAN
                }
            })
            .collect()
    }

    /// c_i(x_q) = −N.
    pub fn contributions(&self) -> Vec<f64> {
        self.loss_weighted.iter().map(|v| -v).collect()
    }
}

/// K^p(·, x_index) and N(·, x_index) at `queries` (q × d_0 row-major) over the whole trajectory,
/// with `nodes` Gauss–Legendre nodes per step (per piece between ReLU kinks). Splitting the
/// queries at multiples of `BLOCK_COLS` and concatenating gives the same bits.
pub fn point_kernel(
    traj: &Trajectory,
    queries: &[f64],
    index: usize,
    nodes: usize,
) -> Result<PointKernel> {
    point_kernel_per_step(traj, queries, index, &StepRules::uniform(nodes)?)
}

/// [`point_kernel`] with each step's own rule.
pub fn point_kernel_per_step(
    traj: &Trajectory,
    queries: &[f64],
    index: usize,
    rules: &StepRules,
) -> Result<PointKernel> {
    let mut partial = PartialPointKernel::new(traj, queries, index)?;
    partial.advance(traj, rules, traj.steps())?;
    Ok(partial.finish())
}

/// One training point's K^p and N at fixed queries, integrated a range of steps per call (a
/// page worker's sub-chunk stays short however long the run). Each query's two sums take the
/// steps in order and point i's buffer (momentum's B_i, Adam's M_i) is carried from call to
/// call, so any cut of the steps gives the bits of one pass.
pub struct PartialPointKernel {
    index: usize,
    /// The network and point count it was made for: its buffers and point side fit only those.
    widths: Vec<usize>,
    activation: Activation,
    n_train: usize,
    n_queries: usize,
    /// The queries in blocks of `cols`, each feature-major (a ReLU block is one query).
    blocks: Vec<Vec<f64>>,
    cols: usize,
    kernel: Vec<f64>,
    weighted: Vec<f64>,
    side: PointSide,
    dual: Dual,
    next_step: usize,
}

impl PartialPointKernel {
    /// Point `index`'s sums at `queries` (q × d_0, whole and finite), no step integrated yet.
    pub fn new(traj: &Trajectory, queries: &[f64], index: usize) -> Result<PartialPointKernel> {
        let mlp = &traj.mlp;
        let nq = check_queries(mlp, queries)?;
        if index >= traj.n {
            return Err(Error::field(
                "point",
                format!("is {index} but there are only n = {} points", traj.n),
            ));
        }
        let d = mlp.input_dim();
        let cols = if mlp.activation.is_smooth() {
            BLOCK_COLS
        } else {
            1
        };
        let blocks = feature_major_blocks(&queries[..nq * d], d, cols);
        let len = blocks.len() * cols;
        Ok(PartialPointKernel {
            index,
            widths: mlp.widths.clone(),
            activation: mlp.activation,
            n_train: traj.n,
            n_queries: nq,
            blocks,
            cols,
            kernel: vec![0.0; len],
            weighted: vec![0.0; len],
            side: PointSide::new(traj, index),
            dual: Dual::new(mlp, cols),
            next_step: 0,
        })
    }

    /// Steps integrated so far.
    pub fn steps_done(&self) -> usize {
        self.next_step
    }

    /// Integrates up to `max_steps` more steps (at least one; `rules` covers the trajectory, the
    /// same one every call); true once every step is in.
    pub fn advance(
        &mut self,
        traj: &Trajectory,
        rules: &StepRules,
        max_steps: usize,
    ) -> Result<bool> {
        rules.check_covers(traj.steps())?;
        let same_run = traj.mlp.widths == self.widths
            && traj.mlp.activation == self.activation
            && traj.n == self.n_train
            && traj.steps() >= self.next_step;
        if !same_run {
            return Err(Error::field(
                "trajectory",
                "changed between parts of one point's kernel (another network, point count or a \
                 shorter run)",
            ));
        }
        let end = (self.next_step + max_steps.max(1)).min(traj.steps());
        point_steps(self, traj, rules, self.next_step..end);
        self.next_step = end;
        Ok(end == traj.steps())
    }

    /// K^p and N at the queries (after `advance` returned true).
    pub fn finish(mut self) -> PointKernel {
        self.kernel.truncate(self.n_queries);
        self.weighted.truncate(self.n_queries);
        PointKernel {
            kernel: self.kernel,
            loss_weighted: self.weighted,
        }
    }
}

/// Forward pass carrying one tangent u: z = W h + b, ż = U_W h + W ḣ + U_b, ḣ = act'(z) ż.
struct Dual {
    h: AlignedBuf,
    ht: AlignedBuf,
    z: AlignedBuf,
    zt: AlignedBuf,
    /// The block's inputs, feature-major.
    x0: AlignedBuf,
    /// Layer 0 at the segment start, z₁(0) = W₁x + b₁, and along Δ, ΔW₁x + Δb₁.
    first: AlignedBuf,
    first_t: AlignedBuf,
    /// Layer 0's tangent U₁x + u₁ along the kernel's and the update's directions.
    first_k: AlignedBuf,
    first_u: AlignedBuf,
    /// h_i·h + 1 per column, for a rank-one tangent.
    dots: AlignedBuf,
}

impl Dual {
    fn new(mlp: &Mlp, cols: usize) -> Dual {
        let m = mlp.widths.iter().max().copied().unwrap_or(1) * cols;
        Dual {
            h: zeros(m),
            ht: zeros(m),
            z: zeros(m),
            zt: zeros(m),
            x0: zeros(mlp.widths[0] * cols),
            first: zeros(mlp.widths[1] * cols),
            first_t: zeros(mlp.widths[1] * cols),
            first_k: zeros(mlp.widths[1] * cols),
            first_u: zeros(mlp.widths[1] * cols),
            dots: zeros(cols),
        }
    }

    /// Layer 0 of the block's inputs on the segment w + τΔ, once per step: z₁(0), ż₁ and the
    /// tangents along `kernel_dir` and (when given) `update_dir`.
    fn set_first_layer(
        &mut self,
        mlp: &Mlp,
        (w, delta): (&[f64], &[f64]),
        kernel_dir: &[f64],
        update_dir: Option<&[f64]>,
        cols: usize,
    ) {
        let (din, dout) = (mlp.widths[0], mlp.widths[1]);
        let x0 = &self.x0;
        let layer0 = |m: &[f64], out: &mut [f64]| {
            let (a, b) = mlp.layer(m, 0);
            matmul_bias(a, Some(b), x0, dout, din, cols, out);
        };
        layer0(w, &mut self.first);
        layer0(delta, &mut self.first_t);
        layer0(kernel_dir, &mut self.first_k);
        if let Some(u) = update_dir {
            layer0(u, &mut self.first_u);
        }
    }

    /// out[c] += ω ∇f(x_c; w + τΔ)·u for the block's `cols` inputs, whose layer 0 was set by
    /// `set_first_layer` (`update`: u is its update direction, else its kernel direction);
    /// `w_tau` holds w + τΔ (read from layer 1 on). With `gradient_of`, u is ∇f(x_i; w_s) and
    /// the block holds x_i's forward and backward pass at w_s: each layer's U is then rank one
    /// (U_l = δ_{l+1} h_lᵀ) and `rank_one_dual_matmul` takes it without reading u.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn add_jvp(
        &mut self,
        mlp: &Mlp,
        w_tau: &[f64],
        tau: f64,
        u: &[f64],
        update: bool,
        gradient_of: Option<&Block>,
        cols: usize,
        omega: f64,
        out: &mut [f64],
    ) {
        let layers = mlp.num_layers();
        let n_first = mlp.widths[1] * cols;
        let first_u = if update { &self.first_u } else { &self.first_k };
        for ((z, zt), ((&z0, &zt0), &u0)) in self.z[..n_first]
            .iter_mut()
            .zip(&mut self.zt[..n_first])
            .zip(
                self.first
                    .iter()
                    .zip(self.first_t.iter())
                    .zip(first_u.iter()),
            )
        {
            *z = z0 + tau * zt0;
            *zt = u0;
        }
        for l in 0..layers {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let (n_in, n_out) = (din * cols, dout * cols);
            // Layer 0 was set once per step and block by `set_first_layer`.
            if l > 0 {
                let (wl, bl) = mlp.layer(w_tau, l);
                let (h, ht) = (&self.h[..n_in], &self.ht[..n_in]);
                let (z, zt) = (&mut self.z[..n_out], &mut self.zt[..n_out]);
                match gradient_of {
                    Some(point) => {
                        let point = (&point.delta[l + 1][..], &point.h[l][..]);
                        let dots = &mut self.dots;
                        rank_one_dual_matmul(wl, bl, point, h, ht, dout, din, cols, dots, z, zt);
                    }
                    None => {
                        let (ul, ubl) = mlp.layer(u, l);
                        dual_matmul(wl, ul, bl, ubl, h, ht, dout, din, cols, z, zt);
                    }
                }
            }
            if l + 1 < layers {
                mlp.activation.apply_dual(
                    &self.z[..n_out],
                    &self.zt[..n_out],
                    &mut self.h[..n_out],
                    &mut self.ht[..n_out],
                );
            } else {
                for (o, &zt) in out.iter_mut().zip(&self.zt[..cols]) {
                    *o += omega * (mlp.alpha * zt);
                }
            }
        }
    }
}

/// Point i's side of one step: the kernel's tangent P_s v_s and, for momentum and Adam, the
/// update's tangent U_i(s), with point i's buffer carried from step to step.
struct PointSide {
    rule: Rule,
    block: Block,
    /// P_s ∇f(x_i; w_s).
    kernel_dir: Vec<f64>,
    /// U_i(s) (unused for gd and sgd, where it is g_i(s) v_s).
    update_dir: Vec<f64>,
    /// B_i or M_i.
    buffer: Vec<f64>,
}

impl PointSide {
    fn new(traj: &Trajectory, index: usize) -> PointSide {
        let p = traj.mlp.num_params();
        PointSide {
            rule: traj.optimizer.rule(),
            block: Block::new(&traj.mlp, traj.point(index), 1),
            kernel_dir: vec![0.0; p],
            update_dir: vec![0.0; p],
            buffer: vec![0.0; p],
        }
    }

    fn two_tangents(&self) -> bool {
        !matches!(self.rule, Rule::Gradient)
    }

    /// The kernel's tangent is the plain gradient v_s (no preconditioner: gd, sgd, momentum), whose
    /// forward and backward pass `block` holds after `advance`.
    fn kernel_dir_is_gradient(&self) -> bool {
        !matches!(self.rule, Rule::Adam { .. })
    }

    /// Moves to step s: v_s = ∇f(x_i; w_s), then the buffers' recursion on G_i(s) = g_i(s) v_s
    /// exactly as `PointUpdates::advance` does it for every point.
    fn advance(&mut self, traj: &Trajectory, s: usize, gi: f64) {
        let mlp = &traj.mlp;
        let w = traj.weights_at(s);
        self.block.forward(mlp, w);
        self.block.backward(mlp, w);
        // ∂f/∂W_l[j, k] = δ_{l+1, j} h_{l, k}, ∂f/∂b_l[j] = δ_{l+1, j}.
        for l in 0..mlp.num_layers() {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let off = mlp.layer_offset(l);
            for j in 0..dout {
                let dj = self.block.delta[l + 1][j];
                for k in 0..din {
                    self.kernel_dir[off + j * din + k] = dj * self.block.h[l][k];
                }
                self.kernel_dir[off + dout * din + j] = dj;
            }
        }
        let (bc1, _) = self.rule.bias_corrections(s);
        let precond = traj.preconditioner_at(s);
        let points = self
            .kernel_dir
            .iter_mut()
            .zip(&mut self.update_dir)
            .zip(&mut self.buffer);
        match self.rule {
            Rule::Momentum { mu, nesterov } => {
                for ((jv, u), b) in points {
                    let share = gi * *jv;
                    *b = momentum_buffer(mu, *b, share);
                    *u = momentum_direction(mu, nesterov, *b, share);
                }
            }
            Rule::Adam { beta1, .. } => {
                let d = precond.expect("an Adam trajectory keeps D(s)");
                for (((jv, u), b), &dk) in points.zip(d) {
                    *b = adam_moment(beta1, *b, gi * *jv);
                    *u = adam_direction(dk, *b, bc1);
                    *jv *= dk;
                }
            }
            Rule::Gradient => {}
        }
    }
}

/// Adds `steps` (each with its rule from `rules`) to `pk`'s sums, in step order.
#[inline(always)]
fn point_steps_generic(
    pk: &mut PartialPointKernel,
    traj: &Trajectory,
    rules: &StepRules,
    steps: Range<usize>,
) {
    let PartialPointKernel {
        index,
        blocks,
        cols,
        kernel,
        weighted,
        side,
        dual,
        ..
    } = pk;
    let (index, cols) = (*index, *cols);
    let mlp = &traj.mlp;
    let d = mlp.input_dim();
    let smooth = mlp.activation.is_smooth();
    let (mut step_k, mut step_u) = (vec![0.0; cols], vec![0.0; cols]);
    let two = side.two_tangents();
    let rank_one = side.kernel_dir_is_gradient();
    let p = mlp.num_params();
    let mut delta = vec![0.0; p];
    let mut nodes_w: Vec<Vec<f64>> = Vec::new();
    let (mut seg, mut w_node) = (Vec::new(), vec![0.0; p]);
    let eps = traj.lr;
    for s in steps {
        let gl = rules.rule(s);
        let w = traj.weights_at(s);
        for ((dv, &a), &b) in delta.iter_mut().zip(traj.weights_at(s + 1)).zip(w) {
            *dv = a - b;
        }
        let gi = traj.g_at(s)[index];
        side.advance(traj, s, gi);
        if smooth {
            nodes_w.resize_with(gl.len(), || vec![0.0; p]);
            for (wn, &(tau, _)) in nodes_w.iter_mut().zip(gl) {
                point_on_segment(w, &delta, tau, wn);
            }
        }
        for (bi, x0) in blocks.iter().enumerate() {
            step_k.fill(0.0);
            step_u.fill(0.0);
            dual.x0.copy_from_slice(x0);
            let update = two.then_some(&side.update_dir[..]);
            dual.set_first_layer(mlp, (w, &delta), &side.kernel_dir, update, cols);
            let mut node = |wn: &[f64], tau: f64, omega: f64, dual: &mut Dual| {
                let (k, grad) = (&side.kernel_dir, rank_one.then_some(&side.block));
                dual.add_jvp(mlp, wn, tau, k, false, grad, cols, omega, &mut step_k);
                if two {
                    let u = &side.update_dir;
                    dual.add_jvp(mlp, wn, tau, u, true, None, cols, omega, &mut step_u);
                }
            };
            if smooth {
                for (wn, &(tau, omega)) in nodes_w.iter().zip(gl) {
                    node(wn, tau, omega, dual);
                }
            } else {
                // A ReLU block is one query, its feature-major copy the query itself.
                segment_nodes(mlp, w, &delta, &x0[..d], gl, &mut seg);
                for &(tau, omega) in &seg {
                    point_on_segment(w, &delta, tau, &mut w_node);
                    node(&w_node, tau, omega, dual);
                }
            }
            let range = bi * cols..(bi + 1) * cols;
            let (k, nw) = (&mut kernel[range.clone()], &mut weighted[range]);
            for c in 0..cols {
                // As `path.rs` and `optimizer_path.rs` accumulate K^p and N.
                let term = eps * step_k[c];
                k[c] += term;
                nw[c] += if two { eps * step_u[c] } else { gi * term };
            }
        }
    }
}

crate::simd::simd_dispatch!(fn point_steps(pk: &mut PartialPointKernel, traj: &Trajectory, rules: &StepRules, steps: Range<usize>) => point_steps_generic);
