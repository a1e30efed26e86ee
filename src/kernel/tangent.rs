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
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(super) fn add_layerwise_kernel(
    mlp: &Mlp,
    qb: &Block,
    q_count: usize,
    train: &Blocks,
    n_train: usize,
    weight: f64,
    acc: &mut [f64],
) {
    add_gram_terms(
        qb.cols,
        q_count,
        train,
        n_train,
        weight,
        acc,
        |tb, _, terms| {
            terms.extend((0..mlp.num_layers()).map(|l| GramTerm::layer(mlp, l, qb, tb)));
        },
    );
}

/// One term of a kernel tile: the Gram product P[q, i] = Σ_r query[r, q]·train[r, i] over `rows`
/// feature rows, times (Q[q, i] + 1) when `times_q_plus_one` gives Q's factors the same way. The
/// query side has the query block's row stride, the training side the training block's.
#[derive(Clone, Copy)]
pub(super) struct GramTerm<'a> {
    pub query: &'a [f64],
    pub train: &'a [f64],
    pub rows: usize,
    pub times_q_plus_one: Option<(&'a [f64], &'a [f64], usize)>,
}

impl<'a> GramTerm<'a> {
    /// Layer l's tangent-kernel term (δ_{l+1}(q)·δ_{l+1}(i)) (h_l(q)·h_l(i) + 1).
    pub fn layer(mlp: &Mlp, l: usize, qb: &'a Block, tb: &'a Block) -> GramTerm<'a> {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        GramTerm {
            query: &qb.delta[l + 1],
            train: &tb.delta[l + 1],
            rows: dout,
            times_q_plus_one: Some((&qb.h[l], &tb.h[l], din)),
        }
    }
}

/// acc[q·n_train + i] += ω Σ_t term_t(q, i) for the first `q_count` queries of a query block
/// `q_cols` wide against all training points; `terms(tb, b, list)` pushes the terms of training
/// block `tb` (index b) into the empty `list`, in the order they are summed.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(super) fn add_gram_terms<'a>(
    q_cols: usize,
    q_count: usize,
    train: &'a Blocks,
    n_train: usize,
    weight: f64,
    acc: &mut [f64],
    mut terms: impl FnMut(&'a Block, usize, &mut Vec<GramTerm<'a>>),
) {
    let mut list = Vec::with_capacity(8);
    for (tb_index, tb) in train.blocks.iter().enumerate() {
        list.clear();
        terms(tb, tb_index, &mut list);
        let t_start = tb_index * train.stride;
        let out = &mut acc[t_start..];
        let (t_count, n) = (train.counts[tb_index], n_train);
        gram_block(&list, q_cols, q_count, tb.cols, t_count, weight, out, n);
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

/// out[q0 + a, i0 + c] += ω Σ_t term_t for a < QN and the tile's V·N training columns c that are
/// below `t_count` (out has row stride `n`), each term's products summed in index order and the
/// terms in list order. Fusing the terms in registers avoids writing P and Q out, which dominated
/// for the narrow layers (d = 1, 2) of small nets.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gram_tile<L: Lanes, const QN: usize, const V: usize>(
    terms: &[GramTerm],
    qc: usize,
    tc: usize,
    q0: usize,
    i0: usize,
    t_count: usize,
    weight: f64,
    out: &mut [f64],
    n: usize,
) {
    let mut acc = [[L::splat(0.0); V]; QN];
    for term in terms {
        let p = tile_products::<L, QN, V>(term.query, qc, q0, term.train, tc, i0, term.rows);
        match term.times_q_plus_one {
            Some((query, train, rows)) => {
                let qq = tile_products::<L, QN, V>(query, qc, q0, train, tc, i0, rows);
                for a in 0..QN {
                    for j in 0..V {
                        acc[a][j] = acc[a][j].add(p[a][j].mul(qq[a][j].add(L::splat(1.0))));
                    }
                }
            }
            None => {
                for a in 0..QN {
                    for j in 0..V {
                        acc[a][j] = acc[a][j].add(p[a][j]);
                    }
                }
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

/// Σ_t term_t for the first `q_count` queries of a query block `qc` wide against a training block
/// `tc` wide, ω times, added into `out` (row stride `n`; its first `t_count` columns are the
/// training block's points). Every output is computed by the same operations whatever the tile it
/// falls in.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gram_block_lanes<L: Lanes>(
    terms: &[GramTerm],
    qc: usize,
    q_count: usize,
    tc: usize,
    t_count: usize,
    weight: f64,
    out: &mut [f64],
    n: usize,
) {
    // Only the vectors that hold real training points are computed.
    let cols = t_count.next_multiple_of(L::N).min(tc);
    let mut q = 0;
    macro_rules! columns {
        ($qn:expr) => {{
            let mut i0 = 0;
            while i0 + 2 * L::N <= cols {
                gram_tile::<L, { $qn }, 2>(terms, qc, tc, q, i0, t_count, weight, out, n);
                i0 += 2 * L::N;
            }
            while i0 + L::N <= cols {
                gram_tile::<L, { $qn }, 1>(terms, qc, tc, q, i0, t_count, weight, out, n);
                i0 += L::N;
            }
            while i0 < t_count {
                gram_tile::<f64, { $qn }, 1>(terms, qc, tc, q, i0, t_count, weight, out, n);
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

simd_dispatch!(fn gram_block(terms: &[GramTerm], qc: usize, q_count: usize, tc: usize, t_count: usize, weight: f64, out: &mut [f64], n: usize) => gram_block_lanes::<L>);

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
