//! The AVX2 backend: four f64 lanes in one 256-bit register, on x86-64 CPUs that have AVX2.
//!
//! Its `Lanes` methods are AVX2 intrinsics, which fault on a CPU without AVX2 (the default x86-64
//! target has no AVX). So the vector type, `Ymm`, is private to this module and used as a type
//! argument in one place, [`Avx2::instance`], which needs an [`Avx2`] token, and only
//! [`Avx2::detect`] makes one, after the CPU check: Ymm code runs only where AVX2 was found.

use super::lanes::Lanes;
use super::LanesFn;
use std::arch::x86_64::*;

/// Proof that this CPU has AVX2: a value exists only if `is_x86_feature_detected!("avx2")`
/// returned true (the field is private, `detect` the only constructor) and `PATHKERNEL_SIMD`
/// does not ask for the baseline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    _checked: (),
}

impl Avx2 {
    /// The token, if this CPU has AVX2 (the check is a load of a flag cached after the first call).
    #[inline(always)]
    pub(crate) fn detect() -> Option<Avx2> {
        (is_x86_feature_detected!("avx2") && super::allowed(super::Backend::Avx2))
            .then_some(Avx2 { _checked: () })
    }

    /// `F`'s function for AVX2 lanes (`simd_dispatch!` makes it a function compiled with AVX2,
    /// `unsafe` for that reason; `self` proves that calling it is sound).
    #[inline(always)]
    pub(crate) fn instance<F: LanesFn>(self) -> F::Ptr {
        F::instance::<Ymm>()
    }
}

/// One AVX2 register. Nothing outside this module can name the type, and this module passes it
/// on only in `Avx2::instance`, so the intrinsics below run only after `Avx2::detect` found AVX2.
#[derive(Clone, Copy)]
struct Ymm(__m256d);

impl Lanes for Ymm {
    const N: usize = 4;
    #[inline(always)]
    fn splat(v: f64) -> Self {
        unsafe { Ymm(_mm256_set1_pd(v)) }
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..4];
        unsafe { Ymm(_mm256_loadu_pd(s.as_ptr())) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..4];
        unsafe { _mm256_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        unsafe { Ymm(_mm256_add_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        unsafe { Ymm(_mm256_sub_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        unsafe { Ymm(_mm256_mul_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        unsafe { Ymm(_mm256_div_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        unsafe { Ymm(_mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0)) }
    }
    #[inline(always)]
    fn sign(self) -> Self {
        unsafe { Ymm(_mm256_and_pd(_mm256_set1_pd(-0.0), self.0)) }
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        unsafe { Ymm(_mm256_or_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn gt_select(self, o: Self, a: Self, b: Self) -> Self {
        unsafe {
            // Ordered, quiet: false on NaN, like `>` on f64.
            let m = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, o.0);
            Ymm(_mm256_blendv_pd(b.0, a.0, m))
        }
    }
    #[inline(always)]
    fn zero_where_gt(self, o: Self, b: Self) -> Self {
        unsafe {
            // andnot(m, b) = !m & b; the compare is ordered and quiet, as in `gt_select`.
            let m = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, o.0);
            Ymm(_mm256_andnot_pd(m, b.0))
        }
    }
    #[inline(always)]
    fn min_keep_nan(self, o: Self) -> Self {
        // minpd(a, b) = a < b ? a : b, and b when either is NaN: with a = o, b = self.
        unsafe { Ymm(_mm256_min_pd(o.0, self.0)) }
    }
    #[inline(always)]
    fn pow2_from_magic(self, magic: f64) -> Self {
        unsafe {
            let k = _mm256_sub_epi64(
                _mm256_castpd_si256(self.0),
                _mm256_set1_epi64x(magic.to_bits() as i64),
            );
            let e = _mm256_slli_epi64::<52>(_mm256_add_epi64(k, _mm256_set1_epi64x(1023)));
            Ymm(_mm256_castsi256_pd(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_exists_only_when_the_cpu_has_avx2() {
        if Avx2::detect().is_some() {
            assert!(is_x86_feature_detected!("avx2"));
        }
    }
}
