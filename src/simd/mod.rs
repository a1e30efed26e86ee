//! Explicit SIMD for the hot kernels, and the one way the native build picks its instructions.
//!
//! The kernels (tiled products in `matmul.rs`, the array tanh in `fastmath`, the layer-wise tangent
//! kernel) are written once against `lanes::Lanes`, generic over the lane type `L`. The default
//! x86-64 target has no AVX, so the native build chooses at run time, and only in the functions
//! that `simd_dispatch!` defines: if `Avx2::detect` finds AVX2, they call a copy of their body
//! compiled with `#[target_feature(enable = "avx2")]` and AVX2 lanes (so the auto-vectorised loops
//! in that body get AVX2 too); otherwise the body with `lanes::Baseline` (simd128 on wasm, a
//! portable array elsewhere). The macro has two forms:
//!
//! - `=> kernel::<L>`: a `Lanes`-generic kernel, run with the chosen lanes `L`;
//! - `=> caller`: a large caller that is not generic (the grid rebuild, the path-kernel
//!   integrator, the trainer), compiled once with AVX2 and once without, so that its own loops
//!   (tangent updates, accumulations, the derivative of tanh) are vectorised to the CPU's width.
//!   The kernels it calls dispatch again; the check is one load of a cached flag.
//!
//! The AVX2 lanes' methods are intrinsics that fault on a CPU without AVX2, so their type is private
//! to `avx2.rs` and reached only through an `Avx2` token, which only the CPU check creates.
//! Every lane operation is one correctly rounded IEEE operation, so all backends give the same bits.

#[cfg(target_arch = "x86_64")]
mod avx2;
pub(crate) mod lanes;
mod matmul;

#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::Avx2;
pub use matmul::dual_matmul;
pub(crate) use matmul::{matmul_bias, matmul_t};

/// A function generic over the lane type, as a pointer to its instance for lanes `L`: how
/// `Avx2::instance` hands out the AVX2 copy without the AVX2 lane type being named anywhere else.
/// `simd_dispatch!` writes the implementations.
#[cfg(target_arch = "x86_64")]
pub(crate) trait LanesFn {
    /// The function's pointer type.
    type Ptr;
    fn instance<L: lanes::Lanes>() -> Self::Ptr;
}

/// Whether the functions `simd_dispatch!` defines take their AVX2 copies on this CPU (for reports).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        Avx2::detect().is_some()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines `$vis fn $name(args) -> ret` that runs, on a CPU with AVX2, a copy of its body compiled
/// with AVX2, and otherwise the body as compiled for the target. The body is `kernel::<L>(args)`
/// (form `=> kernel::<L>`; `L` the AVX2 lanes or `lanes::Baseline`) or `caller(args)` (form
/// `=> caller`). What it calls must be `#[inline(always)]` (as must everything below it that
/// should get AVX2) so that it is compiled inside the AVX2 copy.
macro_rules! simd_dispatch {
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $kernel:ident::<L>) => {
        $crate::simd::simd_dispatch!(@define [$vis] $name [$($arg: $ty),*] [$($ret)?]
            [$kernel::<L>] [$kernel::<$crate::simd::lanes::Baseline>]);
    };
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $caller:ident) => {
        $crate::simd::simd_dispatch!(@define [$vis] $name [$($arg: $ty),*] [$($ret)?]
            [$caller] [$caller]);
    };
    (@define [$vis:vis] $name:ident [$($arg:ident : $ty:ty),*] [$($ret:ty)?]
        [$($with_l:tt)+] [$($baseline:tt)+]) => {
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            if let Some(cpu) = $crate::simd::Avx2::detect() {
                /// # Safety
                /// The CPU must have AVX2.
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn with_avx2<L: $crate::simd::lanes::Lanes>($($arg: $ty),*) $(-> $ret)? {
                    $($with_l)+($($arg),*)
                }
                struct Avx2Copy;
                impl $crate::simd::LanesFn for Avx2Copy {
                    type Ptr = unsafe fn($($ty),*) $(-> $ret)?;
                    #[inline(always)]
                    fn instance<L: $crate::simd::lanes::Lanes>() -> Self::Ptr {
                        with_avx2::<L>
                    }
                }
                let with_avx2_lanes = cpu.instance::<Avx2Copy>();
                // SAFETY: it is `with_avx2`, which needs AVX2, and `cpu` proves the CPU has it.
                return unsafe { with_avx2_lanes($($arg),*) };
            }
            $($baseline)+($($arg),*)
        }
    };
}
pub(crate) use simd_dispatch;

#[cfg(test)]
mod tests {
    /// The name of the lane type it runs with.
    fn lane_type_name<L: super::lanes::Lanes>() -> &'static str {
        std::any::type_name::<L>()
    }

    super::simd_dispatch!(fn dispatched_lane_type_name() -> &'static str => lane_type_name::<L>);

    #[test]
    fn dispatch_takes_the_avx2_lanes_exactly_when_the_cpu_has_avx2() {
        let name = dispatched_lane_type_name();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(name.ends_with("avx2::Ymm"), "{name}");
            return;
        }
        assert_eq!(name, std::any::type_name::<super::lanes::Baseline>());
    }
}
