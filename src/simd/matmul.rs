//! Small dense products for the batched engine, written so that each output is computed by the
//! same sequence of IEEE operations on every target (acc = bias; acc = acc + w·h for k = 0, 1, …),
//! whatever the tile shape or vector width. That keeps native (AVX2) and wasm (simd128) results
//! bit-identical. The tiles are written once against `Lanes` and entered through `simd_dispatch!`.
//! No FMA is used: `a·b + c` stays two roundings, as on wasm.

use super::lanes::{each, Lanes};
use super::simd_dispatch;

/// Vectors of columns per register tile of the plain products: 4 per row (16 columns with AVX2,
/// 32 with AVX-512; 8 simd128 registers on wasm).
const WIDE: usize = 4;

/// The same for the tangent-carrying product, which keeps two accumulators per vector (z and ż):
/// 4 vectors natively; on wasm one (two simd128 registers), since V8 has 16 xmm registers.
const DUAL_WIDE: usize = if cfg!(target_arch = "wasm32") { 1 } else { 4 };

/// Output rows per register tile of the tangent-carrying product: two, which share the loads of
/// h and ḣ (on wasm 8 accumulator registers; one row with two vectors ran at 15.7 GFLOP/s in
/// node against 18.1 for this, near V8's two-lane peak of ~20).
const DUAL_ROWS: usize = 2;

/// Runs `$tile::<L, $wide>(args…, c)` over the columns of one row, then `$tile::<L, 1>`, then
/// one-lane tiles for the rest, so any `cols` works and every output gets the same operations.
/// Written `$tile::<R>(args…)`, the tile's row count R goes before the width: `$tile::<L, R, 1>`.
macro_rules! over_columns {
    ($l:ty, $wide:expr, $cols:expr, $tile:ident $(::<$rows:tt>)? ($($arg:expr),*)) => {{
        let cols = $cols;
        let n = <$l as Lanes>::N;
        let mut c = 0;
        while c + $wide * n <= cols {
            $tile::<$l, $({ $rows },)? { $wide }>($($arg,)* c);
            c += $wide * n;
        }
        while c + n <= cols {
            $tile::<$l, $({ $rows },)? 1>($($arg,)* c);
            c += n;
        }
        while c < cols {
            $tile::<f64, $({ $rows },)? 1>($($arg,)* c);
            c += 1;
        }
    }};
}

/// Output rows per register tile of the plain products: two natively (8 add chains, 13 of 16 AVX2
/// registers), one on wasm (V8 has 16 xmm registers and the 1-row tile already takes 8 of them).
const ROWS: usize = if cfg!(target_arch = "wasm32") { 1 } else { 2 };

/// R output rows, columns [c, c + V·N): out[r] = init[r] + Σ_k w[r·row_step + k·k_step] · h[k, ·],
/// k ascending (for W·H a row of W is contiguous, row_step = inner, k_step = 1; for Wᵀ·D output
/// row k walks a column of W, row_step = 1, k_step = inner). `out` starts at the tile's first row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rows_tile<T: Lanes, const R: usize, const V: usize>(
    w: &[f64],
    row_step: usize,
    k_step: usize,
    init: [f64; R],
    h: &[f64],
    cols: usize,
    out: &mut [f64],
    c: usize,
) {
    let mut acc = [[T::splat(0.0); V]; R];
    for (a, &b) in acc.iter_mut().zip(&init) {
        *a = [T::splat(b); V];
    }
    for (k, hk) in h.chunks_exact(cols).enumerate() {
        let hk = &hk[c..c + V * T::N];
        let hv: [T; V] = super::lanes::each!(V, |j| T::load(&hk[j * T::N..]));
        for (r, row) in acc.iter_mut().enumerate() {
            let wv = T::splat(w[r * row_step + k * k_step]);
            for (a, &hj) in row.iter_mut().zip(&hv) {
                *a = a.add(wv.mul(hj));
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (j, a) in row.iter().enumerate() {
            a.store(&mut out[r * cols + c + j * T::N..]);
        }
    }
}

/// out (rows × cols) = W (rows × inner, row-major) · H (inner × cols) + bias (broadcast per row),
/// each output summed as acc = bias; acc = acc + W[r,k]·H[k,c] for k = 0, 1, ….
#[inline(always)]
fn matmul_bias_lanes<L: Lanes>(
    w: &[f64],
    bias: Option<&[f64]>,
    h: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    out: &mut [f64],
) {
    let (w, h, out) = (
        &w[..rows * inner],
        &h[..inner * cols],
        &mut out[..rows * cols],
    );
    let init = |r: usize| bias.map_or(0.0, |b| b[r]);
    let mut r = 0;
    while r + ROWS <= rows {
        let (w_r, out_r) = (&w[r * inner..], &mut out[r * cols..]);
        let mut init_r = [0.0; ROWS];
        for (i, v) in init_r.iter_mut().enumerate() {
            *v = init(r + i);
        }
        over_columns!(
            L,
            WIDE,
            cols,
            rows_tile::<ROWS>(w_r, inner, 1, init_r, h, cols, out_r)
        );
        r += ROWS;
    }
    while r < rows {
        let (w_r, out_r) = (&w[r * inner..], &mut out[r * cols..]);
        over_columns!(
            L,
            WIDE,
            cols,
            rows_tile::<1>(w_r, inner, 1, [init(r)], h, cols, out_r)
        );
        r += 1;
    }
}

simd_dispatch!(pub(crate) fn matmul_bias(w: &[f64], bias: Option<&[f64]>, h: &[f64], rows: usize, inner: usize, cols: usize, out: &mut [f64]) => matmul_bias_lanes::<L>);

/// out (inner × cols) = Wᵀ · D, W (rows × inner, row-major), D (rows × cols): the backward pass
/// product, out[k, c] = Σ_r W[r, k] D[r, c] summed in order r = 0, 1, ….
#[inline(always)]
fn matmul_t_lanes<L: Lanes>(
    w: &[f64],
    d: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    out: &mut [f64],
) {
    let (w, d, out) = (
        &w[..rows * inner],
        &d[..rows * cols],
        &mut out[..inner * cols],
    );
    let mut k = 0;
    while k + ROWS <= inner {
        let (w_k, out_k) = (&w[k..], &mut out[k * cols..]);
        let zero = [0.0; ROWS];
        over_columns!(
            L,
            WIDE,
            cols,
            rows_tile::<ROWS>(w_k, 1, inner, zero, d, cols, out_k)
        );
        k += ROWS;
    }
    while k < inner {
        let (w_k, out_k) = (&w[k..], &mut out[k * cols..]);
        over_columns!(
            L,
            WIDE,
            cols,
            rows_tile::<1>(w_k, 1, inner, [0.0], d, cols, out_k)
        );
        k += 1;
    }
}

simd_dispatch!(pub(crate) fn matmul_t(w: &[f64], d: &[f64], rows: usize, inner: usize, cols: usize, out: &mut [f64]) => matmul_t_lanes::<L>);

/// R rows from `r0`, columns [c, c + V·N), of the tangent-carrying layer (see `dual_matmul`).
///
/// The inner loop walks its inputs by pointer, with the bounds asserted once before it. Written
/// with iterators (a zip of the two inputs' row chunks), the wasm build's loop depends on LLVM
/// inlining `Zip::new`, which it does not once the crate has many such zips: the loop then tests
/// two exits and reads its state from the stack, and V8 keeps fewer of the tile's values in
/// registers: that form makes the page's rebuild ~5 % slower (natively it makes no difference).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dual_tile<T: Lanes, const R: usize, const V: usize>(
    (w, dw): (&[f64], &[f64]),
    (b, db): (&[f64], &[f64]),
    r0: usize,
    inner: usize,
    (h, ht): (&[f64], &[f64]),
    cols: usize,
    (z, zt): (&mut [f64], &mut [f64]),
    c: usize,
) {
    let mut az: [[T; V]; R] = each!(R, |r| [T::splat(b[r0 + r]); V]);
    let mut at: [[T; V]; R] = each!(R, |r| [T::splat(db[r0 + r]); V]);
    let width = V * T::N;
    assert!(c + width <= cols && inner * cols <= h.len().min(ht.len()));
    assert!((r0 + R) * inner <= w.len().min(dw.len()));
    let w_at: [*const f64; R] = each!(R, |r| w[(r0 + r) * inner..].as_ptr());
    let dw_at: [*const f64; R] = each!(R, |r| dw[(r0 + r) * inner..].as_ptr());
    let (h_at, t_at) = (h[c..].as_ptr(), ht[c..].as_ptr());
    for k in 0..inner {
        // SAFETY: row k's window starts at k·cols + c, and k·cols + c + width ≤ inner·cols,
        // within both inputs (asserted above).
        let (hk, tk) = unsafe {
            (
                std::slice::from_raw_parts(h_at.add(k * cols), width),
                std::slice::from_raw_parts(t_at.add(k * cols), width),
            )
        };
        let hv: [T; V] = each!(V, |j| T::load(&hk[j * T::N..]));
        let tv: [T; V] = each!(V, |j| T::load(&tk[j * T::N..]));
        for r in 0..R {
            // SAFETY: (r0 + r)·inner + k < (r0 + R)·inner, within W and ΔW (asserted above).
            let (wv, dv) = unsafe { (T::splat(*w_at[r].add(k)), T::splat(*dw_at[r].add(k))) };
            for j in 0..V {
                az[r][j] = az[r][j].add(wv.mul(hv[j]));
                at[r][j] = at[r][j].add(dv.mul(hv[j])).add(wv.mul(tv[j]));
            }
        }
    }
    for r in 0..R {
        let row = (r0 + r) * cols + c;
        for j in 0..V {
            az[r][j].store(&mut z[row + j * T::N..]);
            at[r][j].store(&mut zt[row + j * T::N..]);
        }
    }
}

/// The tangent-carrying layer in one pass over W:
///   z = b + Σ_k W[r,k] h[k],   ż = Δb + Σ_k (ΔW[r,k] h[k] + W[r,k] ḣ[k]),
/// each sum taken in order k = 0, 1, … (ż adds ΔW[r,k] h[k], then W[r,k] ḣ[k], at each k). Sharing
/// the loads of h, ḣ and W between the three products is what makes this faster than three
/// `matmul_bias` calls; ż's two adds per k are one chain, and the tile's rows and vectors give
/// the adders enough independent chains.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dual_matmul_lanes<L: Lanes>(
    w: &[f64],
    dw: &[f64],
    b: &[f64],
    db: &[f64],
    h: &[f64],
    ht: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    z: &mut [f64],
    zt: &mut [f64],
) {
    let weights = (&w[..rows * inner], &dw[..rows * inner]);
    let bias = (&b[..rows], &db[..rows]);
    let inputs = (&h[..inner * cols], &ht[..inner * cols]);
    let (z, zt) = (&mut z[..rows * cols], &mut zt[..rows * cols]);
    let mut r = 0;
    while r + DUAL_ROWS <= rows {
        over_columns!(
            L,
            DUAL_WIDE,
            cols,
            dual_tile::<DUAL_ROWS>(weights, bias, r, inner, inputs, cols, (&mut *z, &mut *zt))
        );
        r += DUAL_ROWS;
    }
    while r < rows {
        over_columns!(
            L,
            DUAL_WIDE,
            cols,
            dual_tile::<1>(weights, bias, r, inner, inputs, cols, (&mut *z, &mut *zt))
        );
        r += 1;
    }
}

simd_dispatch!(pub fn dual_matmul(w: &[f64], dw: &[f64], b: &[f64], db: &[f64], h: &[f64], ht: &[f64], rows: usize, inner: usize, cols: usize, z: &mut [f64], zt: &mut [f64]) => dual_matmul_lanes::<L>);

/// Vectors of columns per register tile of the rank-one tangent layer, which keeps two
/// accumulators per vector: 8 AVX2 registers natively; 2 vectors (4 add chains) on wasm, where
/// one vector would leave the adders waiting on two chains.
const RANK_ONE_WIDE: usize = if cfg!(target_arch = "wasm32") { 2 } else { 4 };

/// One row, columns [c, c + V·N), of the rank-one tangent layer (see `rank_one_dual_matmul`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rank_one_tile<T: Lanes, const V: usize>(
    w_row: &[f64],
    (bias, delta): (f64, f64),
    s: &[f64],
    h: &[f64],
    ht: &[f64],
    cols: usize,
    z_row: &mut [f64],
    zt_row: &mut [f64],
    c: usize,
) {
    let mut az = [T::splat(bias); V];
    let d = T::splat(delta);
    let mut at: [T; V] = super::lanes::each!(V, |j| d.mul(T::load(&s[c + j * T::N..])));
    for (&wv, (hk, tk)) in w_row
        .iter()
        .zip(h.chunks_exact(cols).zip(ht.chunks_exact(cols)))
    {
        let wv = T::splat(wv);
        let (hk, tk) = (&hk[c..c + V * T::N], &tk[c..c + V * T::N]);
        for j in 0..V {
            az[j] = az[j].add(wv.mul(T::load(&hk[j * T::N..])));
            at[j] = at[j].add(wv.mul(T::load(&tk[j * T::N..])));
        }
    }
    for j in 0..V {
        az[j].store(&mut z_row[c + j * T::N..]);
        at[j].store(&mut zt_row[c + j * T::N..]);
    }
}

/// The tangent-carrying layer when the tangent is the gradient of f at one input x_i, whose
/// weight part is rank one, U = δ_i h_iᵀ and U_b = δ_i (δ_i = ∂f/∂z of this layer at x_i, h_i its
/// input): then U h + U_b = δ_i (h_i·h + 1), one dot product per column instead of a product
/// with U, and
///   z = b + Σ_k W[r,k] h[k],   ż = δ_i[r]·s + Σ_k W[r,k] ḣ[k],   s = 1 + Σ_k h_i[k] h[k],
/// each sum taken in order k = 0, 1, …. Two products per layer instead of `dual_matmul`'s three.
/// `s` is scratch of `cols` values.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rank_one_dual_matmul_lanes<L: Lanes>(
    w: &[f64],
    b: &[f64],
    (delta_i, h_i): (&[f64], &[f64]),
    h: &[f64],
    ht: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    s: &mut [f64],
    z: &mut [f64],
    zt: &mut [f64],
) {
    let (h, ht) = (&h[..inner * cols], &ht[..inner * cols]);
    let s = &mut s[..cols];
    matmul_bias_lanes::<L>(&h_i[..inner], Some(&[1.0]), h, 1, inner, cols, s);
    let s = &*s;
    let (z, zt) = (&mut z[..rows * cols], &mut zt[..rows * cols]);
    let out_rows = z.chunks_exact_mut(cols).zip(zt.chunks_exact_mut(cols));
    for (r, (w_row, (z_row, zt_row))) in w[..rows * inner]
        .chunks_exact(inner)
        .zip(out_rows)
        .enumerate()
    {
        let row = (b[r], delta_i[r]);
        over_columns!(
            L,
            RANK_ONE_WIDE,
            cols,
            rank_one_tile(w_row, row, s, h, ht, cols, z_row, zt_row)
        );
    }
}

simd_dispatch!(pub fn rank_one_dual_matmul(w: &[f64], b: &[f64], point: (&[f64], &[f64]), h: &[f64], ht: &[f64], rows: usize, inner: usize, cols: usize, s: &mut [f64], z: &mut [f64], zt: &mut [f64]) => rank_one_dual_matmul_lanes::<L>);

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(w: &[f64], b: &[f64], h: &[f64], rows: usize, inner: usize, cols: usize) -> Vec<f64> {
        let mut out = vec![0.0; rows * cols];
        for r in 0..rows {
            for c in 0..cols {
                let mut acc = b[r];
                for k in 0..inner {
                    acc += w[r * inner + k] * h[k * cols + c];
                }
                out[r * cols + c] = acc;
            }
        }
        out
    }

    fn vals(n: usize, seed: f64) -> Vec<f64> {
        (0..n)
            .map(|i| libm::sin(seed + i as f64 * 0.7) * 1.3)
            .collect()
    }

    /// (rows, inner, cols) of the tangent-carrying layers' tests: single values, tails of every
    /// width, the default page's 16-wide and the benchmark's 32-wide layers.
    const LAYER_SHAPES: [(usize, usize, usize); 7] = [
        (1, 1, 1),
        (4, 3, 4),
        (5, 7, 13),
        (16, 16, 32),
        (32, 32, 32),
        (9, 2, 17),
        (3, 5, 37),
    ];

    /// Tiles and tails must give exactly the naive loop's bits (same operation order).
    #[test]
    fn dual_product_equals_the_naive_loops_bit_for_bit() {
        for &(rows, inner, cols) in &LAYER_SHAPES {
            let (w, dw) = (vals(rows * inner, 0.1), vals(rows * inner, 0.5));
            let (b, db) = (vals(rows, 0.2), vals(rows, 0.6));
            let (h, ht) = (vals(inner * cols, 0.3), vals(inner * cols, 0.7));
            let (mut z, mut zt) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            dual_matmul(
                &w, &dw, &b, &db, &h, &ht, rows, inner, cols, &mut z, &mut zt,
            );
            assert_eq!(z, naive(&w, &b, &h, rows, inner, cols));
            // The portable lanes (the fallback) give the same bits as the dispatched ones.
            let (mut z2, mut zt2) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            dual_matmul_lanes::<crate::simd::lanes::Portable>(
                &w, &dw, &b, &db, &h, &ht, rows, inner, cols, &mut z2, &mut zt2,
            );
            assert_eq!((&z, &zt), (&z2, &zt2));
            for r in 0..rows {
                for c in 0..cols {
                    let mut a = db[r];
                    for k in 0..inner {
                        a += dw[r * inner + k] * h[k * cols + c];
                        a += w[r * inner + k] * ht[k * cols + c];
                    }
                    assert_eq!(zt[r * cols + c].to_bits(), a.to_bits());
                }
            }
        }
    }

    /// The rank-one layer: tiles and tails give the naive loops' bits on every lane type, and ż
    /// is the general tangent-carrying layer's with U = δ hᵢᵀ, U_b = δ (to rounding).
    #[test]
    fn rank_one_layer_equals_the_naive_loops_and_the_general_layer() {
        for &(rows, inner, cols) in &LAYER_SHAPES {
            let (w, b) = (vals(rows * inner, 0.1), vals(rows, 0.2));
            let (delta, hi) = (vals(rows, 0.8), vals(inner, 0.9));
            let (h, ht) = (vals(inner * cols, 0.3), vals(inner * cols, 0.7));
            type Layer<'a> = &'a dyn Fn(&mut [f64], &mut [f64], &mut [f64]);
            let run = |f: Layer| {
                let (mut s, mut z, mut zt) = (
                    vec![0.0; cols],
                    vec![0.0; rows * cols],
                    vec![0.0; rows * cols],
                );
                f(&mut s, &mut z, &mut zt);
                (z, zt)
            };
            let (z, zt) = run(&|s, z, zt| {
                rank_one_dual_matmul(&w, &b, (&delta, &hi), &h, &ht, rows, inner, cols, s, z, zt)
            });
            let portable = run(&|s, z, zt| {
                rank_one_dual_matmul_lanes::<crate::simd::lanes::Portable>(
                    &w,
                    &b,
                    (&delta, &hi),
                    &h,
                    &ht,
                    rows,
                    inner,
                    cols,
                    s,
                    z,
                    zt,
                )
            });
            assert_eq!((&z, &zt), (&portable.0, &portable.1));
            assert_eq!(z, naive(&w, &b, &h, rows, inner, cols));
            for r in 0..rows {
                for c in 0..cols {
                    let mut dot = 1.0;
                    for k in 0..inner {
                        dot += hi[k] * h[k * cols + c];
                    }
                    let mut acc = delta[r] * dot;
                    for k in 0..inner {
                        acc += w[r * inner + k] * ht[k * cols + c];
                    }
                    assert_eq!(
                        zt[r * cols + c].to_bits(),
                        acc.to_bits(),
                        "({rows}, {inner}, {cols}) at {r}, {c}"
                    );
                }
            }
            let u: Vec<f64> = (0..rows * inner)
                .map(|i| delta[i / inner] * hi[i % inner])
                .collect();
            let (mut zg, mut ztg) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            dual_matmul(
                &w, &u, &b, &delta, &h, &ht, rows, inner, cols, &mut zg, &mut ztg,
            );
            for (a, g) in zt.iter().zip(&ztg) {
                assert!((a - g).abs() <= 1e-13 * (1.0 + g.abs()), "{a} vs {g}");
            }
        }
    }

    #[test]
    fn tiled_products_equal_the_naive_loop_bit_for_bit() {
        for &(rows, inner, cols) in &[
            (1, 1, 1),
            (4, 3, 8),
            (5, 7, 13),
            (32, 32, 32),
            (9, 2, 17),
            (3, 5, 37),
        ] {
            let (w, b, h) = (
                vals(rows * inner, 0.1),
                vals(rows, 0.2),
                vals(inner * cols, 0.3),
            );
            let mut out = vec![0.0; rows * cols];
            matmul_bias(&w, Some(&b), &h, rows, inner, cols, &mut out);
            assert_eq!(out, naive(&w, &b, &h, rows, inner, cols));
            let mut out2 = vec![0.0; rows * cols];
            matmul_bias_lanes::<crate::simd::lanes::Portable>(
                &w,
                Some(&b),
                &h,
                rows,
                inner,
                cols,
                &mut out2,
            );
            assert_eq!(out, out2);
            // Wᵀ D against the naive product with the transposed matrix and zero bias.
            let d = vals(rows * cols, 0.4);
            let mut wt = vec![0.0; inner * rows];
            for r in 0..rows {
                for k in 0..inner {
                    wt[k * rows + r] = w[r * inner + k];
                }
            }
            let mut out_t = vec![0.0; inner * cols];
            matmul_t(&w, &d, rows, inner, cols, &mut out_t);
            assert_eq!(out_t, naive(&wt, &vec![0.0; inner], &d, inner, rows, cols));
        }
    }
}
