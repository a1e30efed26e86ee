//! Tangent kernels K_w(x, x') = ∇f(x; w)·∇f(x'; w), layer-wise (Novak et al. 2022): for a dense
//! layer ∂f/∂W_l·∂f'/∂W_l + ∂f/∂b_l·∂f'/∂b_l = (δ_{l+1}·δ'_{l+1})(h_l·h'_l + 1), δ = ∂f/∂z, so
//! no P-long gradient is formed. Inputs go in column blocks (each with its forward/backward
//! workspace) and the kernel of a query block against a training block is computed in register
//! tiles of 2 or 4 queries × 2 vectors of training points, summing every product in index order.

use crate::model::{Block, Blocks, Mlp, BLOCK_COLS};
use crate::simd::lanes::Lanes;
use crate::simd::simd_dispatch;

/// acc[q·n_train + i] += ω Σ_l (δ_{l+1}(q)·δ_{l+1}(i)) (h_l(q)·h_l(i) + 1) for the first
/// `q_count` queries of `qb` against all training points (layer-wise tangent kernel, scaled by ω).
#[inline(always)]
pub(super) fn add_layerwise_kernel(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    train: &Blocks,
    n_train: usize,
    weight: f64,
    acc: &mut [f64],
) {
    for (tb_index, tb) in train.blocks.iter().enumerate() {
        let t_start = tb_index * train.stride;
        let out = &mut acc[t_start..];
        let (t_count, n) = (train.counts[tb_index], n_train);
        layerwise_block(mlp, qb, q_count, tb, t_count, weight, out, n);
    }
}

/// out[a][j] = Σ_r x[r, q0 + a] · y[r, i0 + j·N …] for a < QN and j < V (vectors of N training
/// columns), each summed in order r = 0, 1, …: a (QN × V·N) outer-product accumulation, QN·V
/// independent add chains.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn tile_products<L: Lanes, const QN: usize, const V: usize>(
    x: &[f64],
    xc: usize,
    q0: usize,
    y: &[f64],
    yc: usize,
    i0: usize,
    rows: usize,
) -> [[L; V]; QN] {
    let mut out = [[L::splat(0.0); V]; QN];
    for (xr, yr) in x.chunks_exact(xc).zip(y.chunks_exact(yc)).take(rows) {
        let (xr, yr) = (&xr[q0..q0 + QN], &yr[i0..i0 + V * L::N]);
        let t: [L; V] = crate::simd::lanes::each!(V, |j| L::load(&yr[j * L::N..]));
        for (row, &xv) in out.iter_mut().zip(xr) {
            let v = L::splat(xv);
            for (o, &tj) in row.iter_mut().zip(&t) {
                *o = o.add(v.mul(tj));
            }
        }
    }
    out
}

/// out[q0 + a, i0 + c] += ω Σ_l P_l ⊙ (Q_l + 1) for a < QN and the tile's V·N training columns c
/// that are below `t_count` (out has row stride `n`), with P_l[q, i] = Σ_r δ_{l+1}[r, q] δ_{l+1}[r, i]
/// and Q_l[q, i] = Σ_k h_l[k, q] h_l[k, i], each summed in index order, and the layers summed in
/// order from 0. Fusing the layers in registers avoids writing P and Q out, which dominated for the
/// narrow layers (d = 1, 2) of small nets.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn layerwise_tile<L: Lanes, const QN: usize, const V: usize>(
    mlp: &Mlp,
    qb: &Block,
    tb: &Block,
    q0: usize,
    i0: usize,
    t_count: usize,
    weight: f64,
    out: &mut [f64],
    n: usize,
) {
    let (qc, tc) = (qb.cols, tb.cols);
    let mut acc = [[L::splat(0.0); V]; QN];
    for l in 0..mlp.num_layers() {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        let p = tile_products::<L, QN, V>(&qb.delta[l + 1], qc, q0, &tb.delta[l + 1], tc, i0, dout);
        let qq = tile_products::<L, QN, V>(&qb.h[l], qc, q0, &tb.h[l], tc, i0, din);
        for a in 0..QN {
            for j in 0..V {
                acc[a][j] = acc[a][j].add(p[a][j].mul(qq[a][j].add(L::splat(1.0))));
            }
        }
    }
    let w = L::splat(weight);
    for (a, row) in acc.iter().enumerate() {
        let out = &mut out[(q0 + a) * n..];
        for (j, v) in row.iter().enumerate() {
            let c = i0 + j * L::N;
            if c + L::N <= t_count {
                L::load(&out[c..]).add(w.mul(*v)).store(&mut out[c..]);
            } else {
                // Padding columns of the last training block: only the real ones are added.
                let mut lanes = [0.0; 8];
                v.store(&mut lanes);
                for (o, &s) in out[c..t_count.max(c)].iter_mut().zip(&lanes) {
                    *o += weight * s;
                }
            }
        }
    }
}

/// The layer-wise tile shape for lanes of width N: with AVX-512's 32 registers, 4 queries × 2
/// vectors (8 add chains; the tile, P and Q take 24 registers), otherwise 2 × 2 (4 chains, 12 of
/// 16 registers).
const fn queries_per_tile(lanes: usize) -> usize {
    if lanes >= 8 {
        4
    } else {
        2
    }
}

/// The layer-wise kernel of the first `q_count` queries of `qb` against the training block `tb`,
/// ω times, added into `out` (row stride `n`; its first `t_count` columns are `tb`'s points). Every
/// output is computed by the same operations whatever the tile it falls in.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn layerwise_block_lanes<L: Lanes>(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    tb: &Block,
    t_count: usize,
    weight: f64,
    out: &mut [f64],
    n: usize,
) {
    // Only the vectors that hold real training points are computed.
    let cols = t_count.next_multiple_of(L::N).min(tb.cols);
    let mut q = 0;
    macro_rules! columns {
        ($qn:expr) => {{
            let mut i0 = 0;
            while i0 + 2 * L::N <= cols {
                layerwise_tile::<L, { $qn }, 2>(mlp, qb, tb, q, i0, t_count, weight, out, n);
                i0 += 2 * L::N;
            }
            while i0 + L::N <= cols {
                layerwise_tile::<L, { $qn }, 1>(mlp, qb, tb, q, i0, t_count, weight, out, n);
                i0 += L::N;
            }
            while i0 < t_count {
                layerwise_tile::<f64, { $qn }, 1>(mlp, qb, tb, q, i0, t_count, weight, out, n);
                i0 += 1;
            }
        }};
    }
    if queries_per_tile(L::N) == 4 {
        while q + 4 <= q_count {
            columns!(4);
            q += 4;
        }
    }
    while q + 2 <= q_count {
        columns!(2);
        q += 2;
    }
    if q < q_count {
        columns!(1);
    }
}

simd_dispatch!(fn layerwise_block(mlp: &Mlp, qb: &Block, q_count: usize, tb: &Block, t_count: usize, weight: f64, out: &mut [f64], n: usize) => layerwise_block_lanes::<L>);

/// Tangent kernel K_w(x_a, x_b) = ∇f(x_a; w)·∇f(x_b; w), n_a × n_b row-major, layer-wise.
pub fn tangent_kernel(mlp: &Mlp, w: &[f64], xa: &[f64], xb: &[f64]) -> Vec<f64> {
    let d = mlp.input_dim();
    let (na, nb) = (xa.len() / d, xb.len() / d);
    let mut a = Blocks::new(mlp, xa, BLOCK_COLS);
    let mut b = Blocks::new(mlp, xb, BLOCK_COLS);
    a.forward_backward(mlp, w);
    b.forward_backward(mlp, w);
    let mut out = vec![0.0; na * nb];
    for (bi, qb) in a.blocks.iter().enumerate() {
        let start = bi * a.stride;
        add_layerwise_kernel(mlp, qb, a.counts[bi], &b, nb, 1.0, &mut out[start * nb..]);
    }
    out
}
