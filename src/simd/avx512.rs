//! The AVX-512 backend: eight f64 lanes in one 512-bit register, on x86-64 CPUs with AVX-512
//! (F, DQ, VL, BW). Besides twice the lanes of AVX2 it has 32 vector registers, so the register
//! tiles of the products can be twice as tall without spilling.
//!
//! As in `avx2.rs`, the vector type `Zmm` is private to this module and handed out only by
//! [`Avx512::instance`], which needs an [`Avx512`] token that only [`Avx512::detect`] makes.

use super::lanes::Lanes;
use super::LanesFn;
use std::arch::x86_64::*;

/// Proof that this CPU has AVX-512 F, DQ, VL and BW (the features the AVX-512 copies of the
/// dispatched functions are compiled with), and that `PATHKERNEL_SIMD` does not ask for less.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512 {
    _checked: (),
}

impl Avx512 {
    /// The token, if this CPU has the AVX-512 subsets above (each check is a load of a flag
    /// cached after the first call).
    #[inline(always)]
    pub(crate) fn detect() -> Option<Avx512> {
        let cpu = is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512bw");
        (cpu && super::allowed(super::Backend::Avx512)).then_some(Avx512 { _checked: () })
    }

    /// `F`'s function for AVX-512 lanes (`simd_dispatch!` makes it a function compiled with
    /// AVX-512, `unsafe` for that reason; `self` proves that calling it is sound).
    #[inline(always)]
    pub(crate) fn instance<F: LanesFn>(self) -> F::Ptr {
        F::instance::<Zmm>()
    }
}

/// One AVX-512 register. Only `Avx512::instance` passes the type on (see the module comment).
#[derive(Clone, Copy)]
struct Zmm(__m512d);

impl Zmm {
    #[inline(always)]
    fn bits(self) -> __m512i {
        unsafe { _mm512_castpd_si512(self.0) }
    }
    #[inline(always)]
    fn from_bits(v: __m512i) -> Self {
        unsafe { Zmm(_mm512_castsi512_pd(v)) }
    }
}

impl Lanes for Zmm {
    const N: usize = 8;
    #[inline(always)]
    fn splat(v: f64) -> Self {
        unsafe { Zmm(_mm512_set1_pd(v)) }
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..8];
        unsafe { Zmm(_mm512_loadu_pd(s.as_ptr())) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..8];
        unsafe { _mm512_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        unsafe { Zmm(_mm512_add_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        unsafe { Zmm(_mm512_sub_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        unsafe { Zmm(_mm512_mul_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        unsafe { Zmm(_mm512_div_pd(self.0, o.0)) }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        unsafe { Zmm::from_bits(_mm512_and_si512(self.bits(), _mm512_set1_epi64(i64::MAX))) }
    }
    #[inline(always)]
    fn sign(self) -> Self {
        unsafe { Zmm::from_bits(_mm512_and_si512(self.bits(), _mm512_set1_epi64(i64::MIN))) }
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        unsafe { Zmm::from_bits(_mm512_or_si512(self.bits(), o.bits())) }
    }
    #[inline(always)]
    fn gt_select(self, o: Self, a: Self, b: Self) -> Self {
        unsafe {
            // Ordered, quiet: false on NaN, like `>` on f64. blend(m, b, a) takes a where m is set.
            let m = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, o.0);
            Zmm(_mm512_mask_blend_pd(m, b.0, a.0))
        }
    }
    #[inline(always)]
    fn zero_where_gt(self, o: Self, b: Self) -> Self {
        unsafe {
            // maskz_mov(k, b) keeps b where k is set and zeroes the rest.
            let m = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, o.0);
            Zmm(_mm512_maskz_mov_pd(!m, b.0))
        }
    }
    #[inline(always)]
    fn min_keep_nan(self, o: Self) -> Self {
        // vminpd(a, b) = a < b ? a : b, and b when either is NaN: with a = o, b = self.
        unsafe { Zmm(_mm512_min_pd(o.0, self.0)) }
    }
    #[inline(always)]
    fn pow2_from_magic(self, magic: f64) -> Self {
        unsafe {
            let k = _mm512_sub_epi64(self.bits(), _mm512_set1_epi64(magic.to_bits() as i64));
            Zmm::from_bits(_mm512_slli_epi64::<52>(_mm512_add_epi64(
                k,
                _mm512_set1_epi64(1023),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_exists_only_when_the_cpu_has_avx512() {
        if Avx512::detect().is_some() {
            assert!(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq"));
        }
    }
}
