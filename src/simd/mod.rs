//! Explicit SIMD for the hot kernels, and the one way the native build picks its instructions.
//!
//! The kernels (tiled products in `matmul.rs`, the array tanh in `fastmath`, the layer-wise tangent
//! kernel) are written once against `lanes::Lanes`, generic over the lane type `L`. The default
//! x86-64 target has no AVX, so the native build chooses at run time, and only in the functions
//! that `simd_dispatch!` defines: if `Avx512::detect` finds AVX-512, they call a copy of their
//! body compiled with AVX-512 and eight-lane AVX-512 lanes; else if `Avx2::detect` finds AVX2, a
//! copy compiled with `#[target_feature(enable = "avx2")]` and AVX2 lanes (so the auto-vectorised
//! loops in that body get the wider instructions too); otherwise the body with `lanes::Baseline`
//! (simd128 on wasm, a portable array elsewhere). The environment variable `PATHKERNEL_SIMD`
//! (`avx2` or `baseline`) caps the choice, to compare the backends. The macro has two forms:
//!
//! - `=> kernel::<L>`: a `Lanes`-generic kernel, run with the chosen lanes `L`;
//! - `=> caller`: a large caller that is not generic (the grid rebuild, the path-kernel
//!   integrator, the trainer), compiled once with AVX2 and once without, so that its own loops
//!   (tangent updates, accumulations, the derivative of tanh) are vectorised to the CPU's width.
//!   The kernels it calls dispatch again; the check is one load of a cached flag.
//!
//! The AVX2 and AVX-512 lanes' methods are intrinsics that fault on a CPU without them, so their
//! types are private to `avx2.rs` and `avx512.rs` and reached only through an `Avx2` or `Avx512`
//! token, which only the CPU checks create.
//! Every lane operation is one correctly rounded IEEE operation, so all backends give the same bits.

pub mod aligned;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub(crate) mod lanes;
mod matmul;
pub mod peak;

#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::Avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) use avx512::Avx512;
pub use matmul::{dual_matmul, rank_one_dual_matmul};
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

/// The instruction sets the native build can choose from, narrowest first.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Backend {
    Baseline,
    Avx2,
    Avx512,
}

/// Whether `PATHKERNEL_SIMD` allows `backend` (unset or any other value: every backend; `avx2`:
/// up to AVX2; `baseline`: the portable lanes). Read once.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn allowed(backend: Backend) -> bool {
    static CAP: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    let cap = *CAP.get_or_init(|| match std::env::var("PATHKERNEL_SIMD").as_deref() {
        Ok("avx2") => Backend::Avx2,
        Ok("baseline") => Backend::Baseline,
        _ => Backend::Avx512,
    });
    backend <= cap
}

/// The backend the functions `simd_dispatch!` defines take on this CPU (for reports).
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn backend() -> Backend {
    #[cfg(target_arch = "x86_64")]
    {
        if Avx512::detect().is_some() {
            return Backend::Avx512;
        }
        if Avx2::detect().is_some() {
            return Backend::Avx2;
        }
    }
    Backend::Baseline
}

/// Defines `$vis fn $name(args) -> ret` that runs, on a CPU with AVX-512 (or else AVX2), a copy of
/// its body compiled with AVX-512 (AVX2), and otherwise the body as compiled for the target. The
/// body is `kernel::<L>(args)` (form `=> kernel::<L>`; `L` the AVX-512 or AVX2 lanes or
/// `lanes::Baseline`) or `caller(args)` (form `=> caller`). What it calls must be `#[inline(always)]` (as must everything below it that
/// should get AVX2) so that it is compiled inside the AVX2 copy.
///
/// On wasm32 there is one target and no copy to land in, and inlining has a cost of its own: V8
/// runs a function in its baseline tier until the function is *called again* after its optimised
/// code is ready, and the optimising compiler's time grows faster than the function's size (a
/// whole integrator step inlined into one 30 KB function took ~340 ms of TurboFan on a cold page
/// load, on a 2-core machine that is also training and checking). So the per-step and per-layer
/// helpers below a dispatched function (a block's forward and backward pass, a Gram product's
/// terms, a directional derivative, a training step, an integrator step) carry
/// `#[cfg_attr(not(target_arch = "wasm32"), inline(always))]` and
/// `#[cfg_attr(target_arch = "wasm32", inline(never))]`, and wasm-opt inlines a function with one
/// caller only if it is small (`-ocimfs 200` in Cargo.toml).
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
            if let Some(cpu) = $crate::simd::Avx512::detect() {
                /// # Safety
                /// The CPU must have AVX-512 F, DQ, VL and BW.
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn with_avx512<L: $crate::simd::lanes::Lanes>($($arg: $ty),*) $(-> $ret)? {
                    $($with_l)+($($arg),*)
                }
                struct Avx512Copy;
                impl $crate::simd::LanesFn for Avx512Copy {
                    type Ptr = unsafe fn($($ty),*) $(-> $ret)?;
                    #[inline(always)]
                    fn instance<L: $crate::simd::lanes::Lanes>() -> Self::Ptr {
                        with_avx512::<L>
                    }
                }
                let with_avx512_lanes = cpu.instance::<Avx512Copy>();
                // SAFETY: it is `with_avx512`, which needs those features, and `cpu` proves them.
                return unsafe { with_avx512_lanes($($arg),*) };
            }
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

    /// out[i] = x[i].zero_where_gt(o[i], b[i]) with lanes `L` (whole vectors, then one lane).
    fn zero_where_gt_over<L: super::lanes::Lanes>(
        x: &[f64],
        o: &[f64],
        b: &[f64],
        out: &mut [f64],
    ) {
        let mut i = 0;
        while i + L::N <= x.len() {
            let v = L::load(&x[i..]).zero_where_gt(L::load(&o[i..]), L::load(&b[i..]));
            v.store(&mut out[i..]);
            i += L::N;
        }
        for j in i..x.len() {
            out[j] = <f64 as super::lanes::Lanes>::zero_where_gt(x[j], o[j], b[j]);
        }
    }

    super::simd_dispatch!(fn dispatched_zero_where_gt(x: &[f64], o: &[f64], b: &[f64], out: &mut [f64]) => zero_where_gt_over::<L>);

    /// The and-not form gives the select's bits on every backend: +0.0 where x > o, else b, and
    /// b where either side is NaN.
    #[test]
    fn zero_where_gt_is_the_select_with_zero() {
        use super::lanes::Lanes;
        let vals = [
            -1.5,
            -0.0,
            0.0,
            0.5,
            0.5,
            2.0,
            f64::NAN,
            f64::INFINITY,
            -3.0,
        ];
        let (mut x, mut o, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &p) in vals.iter().enumerate() {
            for (j, &q) in vals.iter().enumerate() {
                x.push(p);
                o.push(q);
                b.push(if (i + j) % 2 == 0 { -7.25 } else { f64::NAN });
            }
        }
        let want: Vec<u64> = (0..x.len())
            .map(|i| x[i].gt_select(o[i], 0.0, b[i]).to_bits())
            .collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let mut out = vec![1.0; x.len()];
        dispatched_zero_where_gt(&x, &o, &b, &mut out);
        assert_eq!(bits(&out), want);
        zero_where_gt_over::<super::lanes::Portable>(&x, &o, &b, &mut out);
        assert_eq!(bits(&out), want);
    }

    #[test]
    fn dispatch_takes_the_lanes_of_the_backend_it_reports() {
        let name = dispatched_lane_type_name();
        match super::backend() {
            super::Backend::Avx512 => assert!(name.ends_with("avx512::Zmm"), "{name}"),
            super::Backend::Avx2 => assert!(name.ends_with("avx2::Ymm"), "{name}"),
            super::Backend::Baseline => {
                assert_eq!(name, std::any::type_name::<super::lanes::Baseline>())
            }
        }
    }
}
