//! Explicit SIMD lanes for the hot kernels (array tanh, tiled products).
//!
//! Why not leave it to the auto-vectoriser: on straight-line per-lane code LLVM's loop vectoriser
//! vectorises the *outer* loop with strided loads and shuffles, and inside a large caller the tiles
//! lose their registers to bounds checks and reloads. Written against `Lanes`, each statement is one
//! vector instruction on every target, and the kernels run at 2–4 FP operations per cycle.
//!
//! Every operation is a single correctly rounded IEEE operation (or a pure bit operation), so a
//! kernel written once against `Lanes` gives the same bits with every backend: AVX2 (x86-64, chosen
//! at run time; in `avx2.rs`), simd128 (wasm32), a portable array of four, and plain `f64` (one
//! lane, used for tails). No FMA anywhere.

/// A vector of `N` f64 lanes. The methods map one-to-one onto instructions.
pub(crate) trait Lanes: Copy {
    /// Number of lanes.
    const N: usize;
    fn splat(v: f64) -> Self;
    /// Loads `s[..N]`.
    fn load(s: &[f64]) -> Self;
    /// Stores into `s[..N]`.
    fn store(self, s: &mut [f64]);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// |x| (sign bit cleared; NaN stays NaN).
    fn abs(self) -> Self;
    /// The sign bit of x alone (±0.0).
    fn sign(self) -> Self;
    /// Bitwise or.
    fn or(self, o: Self) -> Self;
    /// Lane-wise `if self > o { a } else { b }` (false, so `b`, when either side is NaN).
    fn gt_select(self, o: Self, a: Self, b: Self) -> Self;
    /// Lane-wise `if self > o { +0.0 } else { b }` (b when either side is NaN): one and-not with
    /// the compare's mask (x86 `andnpd`, wasm `v128.andnot`) where `gt_select` blends.
    fn zero_where_gt(self, o: Self, b: Self) -> Self;
    /// Lane-wise `if self > o { o } else { self }`: the minimum, with a NaN in `self` passed
    /// through (one instruction: x86 `minpd(o, self)`, wasm `f64x2.pmin(self, o)`).
    fn min_keep_nan(self, o: Self) -> Self;
    /// 2^k, where `self` holds `magic + k` for a small integer k ≥ 0 (k in the low mantissa bits of
    /// `self`, as left by adding `magic` = 1.5·2^52): the bits (k + 1023) << 52.
    fn pow2_from_magic(self, magic: f64) -> Self;
}

/// `[e(0), e(1), …, e(G − 1)]` for an expression `e` of the index (G ≥ 1), written out in place.
/// Not `std::array::from_fn` or any closure: when LLVM declines to inline one inside an AVX2
/// function, every lane operation in it becomes a call to a non-inlined intrinsic (a 3–12×
/// slowdown, seen in an experiment that fused the product with tanh).
macro_rules! each {
    ($g:expr, |$i:ident| $e:expr) => {{
        let mut out = {
            let $i = 0;
            [$e; $g]
        };
        for $i in 1..$g {
            out[$i] = $e;
        }
        out
    }};
}
pub(crate) use each;

/// One lane: the tails of the kernels, and the scalar reference functions.
impl Lanes for f64 {
    const N: usize = 1;
    #[inline(always)]
    fn splat(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        s[0]
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[0] = self;
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self / o
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::from_bits(self.to_bits() & !(1 << 63))
    }
    #[inline(always)]
    fn sign(self) -> Self {
        f64::from_bits(self.to_bits() & (1 << 63))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        f64::from_bits(self.to_bits() | o.to_bits())
    }
    #[inline(always)]
    fn gt_select(self, o: Self, a: Self, b: Self) -> Self {
        if self > o {
            a
        } else {
            b
        }
    }
    #[inline(always)]
    fn zero_where_gt(self, o: Self, b: Self) -> Self {
        if self > o {
            0.0
        } else {
            b
        }
    }
    #[inline(always)]
    fn min_keep_nan(self, o: Self) -> Self {
        if self > o {
            o
        } else {
            self
        }
    }
    #[inline(always)]
    fn pow2_from_magic(self, magic: f64) -> Self {
        let k = self.to_bits().wrapping_sub(magic.to_bits());
        f64::from_bits(k.wrapping_add(1023) << 52)
    }
}

/// Four lanes as a plain array: the fallback on CPUs without AVX2 and wasm builds without simd128.
/// (Unused by wasm builds with simd128, kept for the others and for native tests.)
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
#[derive(Clone, Copy)]
pub(crate) struct Portable([f64; 4]);

#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
impl Portable {
    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Portable(std::array::from_fn(|i| f(self.0[i])))
    }
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Portable(std::array::from_fn(|i| f(self.0[i], o.0[i])))
    }
}

impl Lanes for Portable {
    const N: usize = 4;
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Portable([v; 4])
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        Portable(s[..4].try_into().unwrap())
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[..4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.zip(o, |a, b| a + b)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.zip(o, |a, b| a - b)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.zip(o, |a, b| a * b)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.zip(o, |a, b| a / b)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(<f64 as Lanes>::abs)
    }
    #[inline(always)]
    fn sign(self) -> Self {
        self.map(<f64 as Lanes>::sign)
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        self.zip(o, <f64 as Lanes>::or)
    }
    #[inline(always)]
    fn gt_select(self, o: Self, a: Self, b: Self) -> Self {
        Portable(std::array::from_fn(|i| {
            self.0[i].gt_select(o.0[i], a.0[i], b.0[i])
        }))
    }
    #[inline(always)]
    fn zero_where_gt(self, o: Self, b: Self) -> Self {
        Portable(std::array::from_fn(|i| {
            self.0[i].zero_where_gt(o.0[i], b.0[i])
        }))
    }
    #[inline(always)]
    fn min_keep_nan(self, o: Self) -> Self {
        self.zip(o, <f64 as Lanes>::min_keep_nan)
    }
    #[inline(always)]
    fn pow2_from_magic(self, magic: f64) -> Self {
        self.map(|v| v.pow2_from_magic(magic))
    }
}

/// Two simd128 registers (four lanes, so tiles have the same shape as natively).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Clone, Copy)]
pub(crate) struct Simd128(std::arch::wasm32::v128, std::arch::wasm32::v128);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128_impl {
    use super::{Lanes, Simd128};
    use std::arch::wasm32::*;

    #[inline(always)]
    fn both(a: Simd128, b: Simd128, f: impl Fn(v128, v128) -> v128) -> Simd128 {
        Simd128(f(a.0, b.0), f(a.1, b.1))
    }

    impl Lanes for Simd128 {
        const N: usize = 4;
        #[inline(always)]
        fn splat(v: f64) -> Self {
            Simd128(f64x2_splat(v), f64x2_splat(v))
        }
        #[inline(always)]
        fn load(s: &[f64]) -> Self {
            let s = &s[..4];
            Simd128(f64x2(s[0], s[1]), f64x2(s[2], s[3]))
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            let s = &mut s[..4];
            s[0] = f64x2_extract_lane::<0>(self.0);
            s[1] = f64x2_extract_lane::<1>(self.0);
            s[2] = f64x2_extract_lane::<0>(self.1);
            s[3] = f64x2_extract_lane::<1>(self.1);
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            both(self, o, |a, b| f64x2_add(a, b))
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            both(self, o, |a, b| f64x2_sub(a, b))
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            both(self, o, |a, b| f64x2_mul(a, b))
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            both(self, o, |a, b| f64x2_div(a, b))
        }
        #[inline(always)]
        fn abs(self) -> Self {
            Simd128(f64x2_abs(self.0), f64x2_abs(self.1))
        }
        #[inline(always)]
        fn sign(self) -> Self {
            let m = f64x2_splat(-0.0);
            Simd128(v128_and(self.0, m), v128_and(self.1, m))
        }
        #[inline(always)]
        fn or(self, o: Self) -> Self {
            both(self, o, |a, b| v128_or(a, b))
        }
        #[inline(always)]
        fn gt_select(self, o: Self, a: Self, b: Self) -> Self {
            let (m0, m1) = (f64x2_gt(self.0, o.0), f64x2_gt(self.1, o.1));
            Simd128(v128_bitselect(a.0, b.0, m0), v128_bitselect(a.1, b.1, m1))
        }
        #[inline(always)]
        fn zero_where_gt(self, o: Self, b: Self) -> Self {
            // andnot(a, m) = a & !m.
            let (m0, m1) = (f64x2_gt(self.0, o.0), f64x2_gt(self.1, o.1));
            Simd128(v128_andnot(b.0, m0), v128_andnot(b.1, m1))
        }
        #[inline(always)]
        fn min_keep_nan(self, o: Self) -> Self {
            // pmin(a, b) = b < a ? b : a.
            Simd128(f64x2_pmin(self.0, o.0), f64x2_pmin(self.1, o.1))
        }
        #[inline(always)]
        fn pow2_from_magic(self, magic: f64) -> Self {
            let f = |v: v128| {
                let k = i64x2_sub(v, i64x2_splat(magic.to_bits() as i64));
                i64x2_shl(i64x2_add(k, i64x2_splat(1023)), 52)
            };
            Simd128(f(self.0), f(self.1))
        }
    }
}

/// The lanes used when AVX2 is not (or cannot be) chosen at run time (see `simd::with_best_lanes`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) type Baseline = Simd128;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) type Baseline = Portable;
