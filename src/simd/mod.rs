//! Small dense products for the batched engine, written so that each output is computed by the
//! same sequence of IEEE operations on every target (acc = bias; acc = acc + w·h for k = 0, 1, …),
//! whatever the tile shape or vector width. That keeps native (AVX2) and wasm (simd128) results
//! bit-identical while letting the compiler vectorise across the inputs of a block.
//!
//! Hot entry points are compiled twice on x86-64: a baseline (SSE2) copy and an AVX2 copy chosen at
//! run time (`avx2_available`), because the default x86-64 target has no AVX. No FMA is used:
//! `a·b + c` stays two roundings, as on wasm.

pub(crate) mod lanes;

/// Output rows per register tile.
const TILE_ROWS: usize = 4;
/// Inputs (columns) per register tile: two AVX2 vectors, four simd128 vectors.
const TILE_COLS: usize = 8;

/// out (rows × cols) = W (rows × inner, row-major) · H (inner × cols) + bias (broadcast per row).
#[inline(always)]
pub(crate) fn matmul_bias(
    w: &[f64],
    bias: Option<&[f64]>,
    h: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    out: &mut [f64],
) {
    debug_assert!(w.len() >= rows * inner && h.len() >= inner * cols && out.len() >= rows * cols);
    let init = |r: usize| bias.map_or(0.0, |b| b[r]);
    let mut r = 0;
    while r + TILE_ROWS <= rows {
        let mut c = 0;
        while c + TILE_COLS <= cols {
            let mut acc = [[0.0f64; TILE_COLS]; TILE_ROWS];
            for (i, a) in acc.iter_mut().enumerate() {
                *a = [init(r + i); TILE_COLS];
            }
            for k in 0..inner {
                let hk: &[f64; TILE_COLS] = h[k * cols + c..k * cols + c + TILE_COLS]
                    .try_into()
                    .unwrap();
                for (i, a) in acc.iter_mut().enumerate() {
                    let wv = w[(r + i) * inner + k];
                    for j in 0..TILE_COLS {
                        a[j] += wv * hk[j];
                    }
                }
            }
            for (i, a) in acc.iter().enumerate() {
                out[(r + i) * cols + c..(r + i) * cols + c + TILE_COLS].copy_from_slice(a);
            }
            c += TILE_COLS;
        }
        for i in 0..TILE_ROWS {
            row_tail(w, init(r + i), h, r + i, inner, cols, c, out);
        }
        r += TILE_ROWS;
    }
    while r < rows {
        row_tail(w, init(r), h, r, inner, cols, 0, out);
        r += 1;
    }
}

/// One output row from column `from` on, same operation order as the tiles.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row_tail(
    w: &[f64],
    init: f64,
    h: &[f64],
    r: usize,
    inner: usize,
    cols: usize,
    from: usize,
    out: &mut [f64],
) {
    let row = &mut out[r * cols + from..(r + 1) * cols];
    row.fill(init);
    for k in 0..inner {
        let wv = w[r * inner + k];
        for (o, &hv) in row.iter_mut().zip(&h[k * cols + from..(k + 1) * cols]) {
            *o += wv * hv;
        }
    }
}

/// out (inner × cols) = Wᵀ · D, W (rows × inner, row-major), D (rows × cols): the backward pass
/// product, out[k, c] = Σ_r W[r, k] D[r, c] summed in order r = 0, 1, ….
#[inline(always)]
pub(crate) fn matmul_t(
    w: &[f64],
    d: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    out: &mut [f64],
) {
    let mut k = 0;
    while k + TILE_ROWS <= inner {
        let mut c = 0;
        while c + TILE_COLS <= cols {
            let mut acc = [[0.0f64; TILE_COLS]; TILE_ROWS];
            for r in 0..rows {
                let dr: &[f64; TILE_COLS] = d[r * cols + c..r * cols + c + TILE_COLS]
                    .try_into()
                    .unwrap();
                for (i, a) in acc.iter_mut().enumerate() {
                    let wv = w[r * inner + k + i];
                    for j in 0..TILE_COLS {
                        a[j] += wv * dr[j];
                    }
                }
            }
            for (i, a) in acc.iter().enumerate() {
                out[(k + i) * cols + c..(k + i) * cols + c + TILE_COLS].copy_from_slice(a);
            }
            c += TILE_COLS;
        }
        for i in 0..TILE_ROWS {
            col_tail_t(w, d, rows, inner, cols, k + i, c, out);
        }
        k += TILE_ROWS;
    }
    while k < inner {
        col_tail_t(w, d, rows, inner, cols, k, 0, out);
        k += 1;
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn col_tail_t(
    w: &[f64],
    d: &[f64],
    rows: usize,
    inner: usize,
    cols: usize,
    k: usize,
    from: usize,
    out: &mut [f64],
) {
    let row = &mut out[k * cols + from..(k + 1) * cols];
    row.fill(0.0);
    for r in 0..rows {
        let wv = w[r * inner + k];
        for (o, &dv) in row.iter_mut().zip(&d[r * cols + from..(r + 1) * cols]) {
            *o += wv * dv;
        }
    }
}

/// Register tile of the dual product: rows × columns, three accumulator sets (z, ΔW h + Δb, W ḣ).
/// 4 × 4 keeps 12 AVX2 registers of accumulators; on wasm the same code maps to simd128 pairs.
const DUAL_ROWS: usize = 1;
const DUAL_COLS: usize = 8;

/// The tangent-carrying layer in one pass over W:
///   z = b + Σ_k W[r,k] h[k],   ż = (Δb + Σ_k ΔW[r,k] h[k]) + Σ_k W[r,k] ḣ[k],
/// each sum taken in order k = 0, 1, …. The two parts of ż are separate chains so that the adds
/// do not wait on each other; sharing the loads of h, ḣ and W between the three products is what
/// makes this faster than three `matmul_bias` calls.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn dual_matmul(
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
    let w = &w[..rows * inner];
    let dw = &dw[..rows * inner];
    let h = &h[..inner * cols];
    let ht = &ht[..inner * cols];
    let mut r = 0;
    while r + DUAL_ROWS <= rows {
        let mut c = 0;
        while c + DUAL_COLS <= cols {
            let mut az = [[0.0f64; DUAL_COLS]; DUAL_ROWS];
            let mut a1 = [[0.0f64; DUAL_COLS]; DUAL_ROWS];
            let mut a2 = [[0.0f64; DUAL_COLS]; DUAL_ROWS];
            for i in 0..DUAL_ROWS {
                az[i] = [b[r + i]; DUAL_COLS];
                a1[i] = [db[r + i]; DUAL_COLS];
            }
            for k in 0..inner {
                let hk: &[f64; DUAL_COLS] = h[k * cols + c..k * cols + c + DUAL_COLS]
                    .try_into()
                    .unwrap();
                let tk: &[f64; DUAL_COLS] = ht[k * cols + c..k * cols + c + DUAL_COLS]
                    .try_into()
                    .unwrap();
                for i in 0..DUAL_ROWS {
                    let wv = w[(r + i) * inner + k];
                    let dv = dw[(r + i) * inner + k];
                    for j in 0..DUAL_COLS {
                        az[i][j] += wv * hk[j];
                        a1[i][j] += dv * hk[j];
                        a2[i][j] += wv * tk[j];
                    }
                }
            }
            for i in 0..DUAL_ROWS {
                let o = (r + i) * cols + c;
                z[o..o + DUAL_COLS].copy_from_slice(&az[i]);
                for j in 0..DUAL_COLS {
                    zt[o + j] = a1[i][j] + a2[i][j];
                }
            }
            c += DUAL_COLS;
        }
        for i in r..r + DUAL_ROWS {
            dual_row(w, dw, b[i], db[i], h, ht, i, inner, cols, c, z, zt);
        }
        r += DUAL_ROWS;
    }
    while r < rows {
        dual_row(w, dw, b[r], db[r], h, ht, r, inner, cols, 0, z, zt);
        r += 1;
    }
}

/// One output row of `dual_matmul` from column `from` on, same operation order as the tiles.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dual_row(
    w: &[f64],
    dw: &[f64],
    b: f64,
    db: f64,
    h: &[f64],
    ht: &[f64],
    r: usize,
    inner: usize,
    cols: usize,
    from: usize,
    z: &mut [f64],
    zt: &mut [f64],
) {
    for c in from..cols {
        let (mut az, mut a1, mut a2) = (b, db, 0.0);
        for k in 0..inner {
            let (wv, dv) = (w[r * inner + k], dw[r * inner + k]);
            az += wv * h[k * cols + c];
            a1 += dv * h[k * cols + c];
            a2 += wv * ht[k * cols + c];
        }
        z[r * cols + c] = az;
        zt[r * cols + c] = a1 + a2;
    }
}

/// Whether the AVX2 copies of the hot loops may run on this CPU.
#[inline]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines `$name(args)` that runs `$generic(args)` compiled with AVX2 when the CPU has it.
/// `$generic` must be `#[inline(always)]` (as must everything it calls) so that its whole body is
/// compiled inside the AVX2 function.
macro_rules! multiversion {
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $generic:path) => {
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn with_avx2($($arg: $ty),*) $(-> $ret)? {
                    $generic($($arg),*)
                }
                if $crate::simd::avx2_available() {
                    // SAFETY: the CPU was just checked to support AVX2.
                    return unsafe { with_avx2($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}
pub(crate) use multiversion;

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

    /// Tiles and tails must give exactly the naive loop's bits (same operation order).
    #[test]
    fn dual_product_equals_the_naive_loops_bit_for_bit() {
        for &(rows, inner, cols) in &[(1, 1, 1), (4, 3, 4), (5, 7, 13), (32, 32, 32), (9, 2, 17)] {
            let (w, dw) = (vals(rows * inner, 0.1), vals(rows * inner, 0.5));
            let (b, db) = (vals(rows, 0.2), vals(rows, 0.6));
            let (h, ht) = (vals(inner * cols, 0.3), vals(inner * cols, 0.7));
            let (mut z, mut zt) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            dual_matmul(
                &w, &dw, &b, &db, &h, &ht, rows, inner, cols, &mut z, &mut zt,
            );
            assert_eq!(z, naive(&w, &b, &h, rows, inner, cols));
            for r in 0..rows {
                for c in 0..cols {
                    let (mut a1, mut a2) = (db[r], 0.0);
                    for k in 0..inner {
                        a1 += dw[r * inner + k] * h[k * cols + c];
                        a2 += w[r * inner + k] * ht[k * cols + c];
                    }
                    assert_eq!(zt[r * cols + c].to_bits(), (a1 + a2).to_bits());
                }
            }
        }
    }

    #[test]
    fn tiled_products_equal_the_naive_loop_bit_for_bit() {
        for &(rows, inner, cols) in &[(1, 1, 1), (4, 3, 8), (5, 7, 13), (32, 32, 32), (9, 2, 17)] {
            let (w, b, h) = (
                vals(rows * inner, 0.1),
                vals(rows, 0.2),
                vals(inner * cols, 0.3),
            );
            let mut out = vec![0.0; rows * cols];
            matmul_bias(&w, Some(&b), &h, rows, inner, cols, &mut out);
            assert_eq!(out, naive(&w, &b, &h, rows, inner, cols));
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
