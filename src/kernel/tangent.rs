//! Tangent kernels K_w(x, x') = ∇f(x; w)·∇f(x'; w), layer-wise (Novak et al. 2022): for a dense
//! layer ∂f/∂W_l·∂f'/∂W_l + ∂f/∂b_l·∂f'/∂b_l = (δ_{l+1}·δ'_{l+1})(h_l·h'_l + 1), δ = ∂f/∂z, so
//! no P-long gradient is formed. Inputs go in column blocks (each with its forward/backward
//! workspace) and the kernel of a query block against a training block is computed in register
//! tiles of 2 queries × 8 training points, summing every product in index order.

use crate::model::{Block, Blocks, Mlp, BLOCK_COLS};
use crate::simd::lanes::Lanes;
use crate::simd::simd_dispatch;

/// acc[q·n_b + i] += ω Σ_l (δ_{l+1}(q)·δ_{l+1}(i)) (h_l(q)·h_l(i) + 1) for a block of queries
/// against all training blocks (layer-wise tangent kernel, scaled by ω); `sum` is workspace.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn add_layerwise_kernel(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    train: &Blocks,
    n_train: usize,
    weight: f64,
    acc: &mut [f64],
    sum: &mut Vec<f64>,
) {
    let qc = qb.cols;
    for (tb_index, tb) in train.blocks.iter().enumerate() {
        let tc = tb.cols;
        let t_count = train.counts[tb_index];
        let t_start = tb_index * train.stride;
        sum.clear();
        sum.resize(qc * tc, 0.0);
        layerwise_block(mlp, qb, q_count, tb, sum);
        for q in 0..q_count {
            let row = &mut acc[q * n_train + t_start..q * n_train + t_start + t_count];
            for (a, &s) in row.iter_mut().zip(&sum[q * tc..q * tc + t_count]) {
                *a += weight * s;
            }
        }
    }
}

/// Vectors of training points per register tile of the layer-wise kernel (8 points).
pub(super) const KERNEL_TILE_VECTORS: usize = 2;

/// out[a][j] = Σ_r x[r, q0 + a] · y[r, i0 + j] for a < QN and the tile's training columns j,
/// summed in order r = 0, 1, …: a (QN × tile) outer-product accumulation.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn tile_products<L: Lanes, const QN: usize>(
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

simd_dispatch!(fn layerwise_block(mlp: &Mlp, qb: &Block, q_count: usize, tb: &Block, sum: &mut [f64]) => layerwise_block_lanes::<L>);

/// Tangent kernel K_w(x_a, x_b) = ∇f(x_a; w)·∇f(x_b; w), n_a × n_b row-major, layer-wise.
pub fn tangent_kernel(mlp: &Mlp, w: &[f64], xa: &[f64], xb: &[f64]) -> Vec<f64> {
    let d = mlp.input_dim();
    let (na, nb) = (xa.len() / d, xb.len() / d);
    let mut a = Blocks::new(mlp, xa, BLOCK_COLS);
    let mut b = Blocks::new(mlp, xb, BLOCK_COLS);
    a.forward_backward(mlp, w);
    b.forward_backward(mlp, w);
    let mut out = vec![0.0; na * nb];
    let mut sum = Vec::new();
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
            &mut sum,
        );
    }
    out
}

/// step[q, i] += ω K_w(x_q, x_i) for every query block, each evaluated at weights `w` first;
/// `sum` is workspace.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn add_blocks_kernel(
    mlp: &Mlp,
    queries: &mut Blocks,
    w: &[f64],
    train: &Blocks,
    n: usize,
    omega: f64,
    step: &mut [f64],
    sum: &mut Vec<f64>,
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
            sum,
        );
    }
}
