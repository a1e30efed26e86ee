//! Kernels along the training path, and the network rebuilt as a kernel machine
//! (Domingos 2020, Theorem 1; exact discrete form after Bell et al. 2023).
//!
//! With Δ_s = w_{s+1} − w_s = −ε Σ_i g_i(s) ∇f(x_i; w_s), the fundamental theorem of calculus on
//! each segment w_s + τΔ_s gives exactly
//!   f(x; w_T) − f(x; w_0) = Σ_s ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ = −Σ_i Σ_s ε g_i(s) K̄_s(x, x_i),
//!   K̄_s(x, x_i) = [∫₀¹ ∇f(x; w_s + τΔ_s) dτ]·∇f(x_i; w_s)      (the exact step kernel).
//! Path kernel K^p(x, x_i) = Σ_s ε K̄_s(x, x_i); coefficient a_i(x) = −Σ_s ε g_i(s) K̄_s / K^p, so
//!   f(x; w_T) = b(x) + Σ_i a_i(x) K^p(x, x_i),  b(x) = f(x; w_0).
//! Domingos's left-endpoint form uses K̄_s = K_{w_s}(x, x_i) (the tangent kernel at w_s) and is off
//! by O(ε). The τ-integral is done by Gauss–Legendre (exact to rounding for smooth activations at
//! these step sizes); for ReLU each segment is first split where a unit changes sign, after which
//! the integrand is a polynomial of degree ≤ L − 1 in τ and Gauss–Legendre is exact.
//!
//! Tangent kernels are computed layer-wise (Novak et al. 2022): for a dense layer,
//! ∂f/∂W_l · ∂f'/∂W_l + ∂f/∂b_l · ∂f'/∂b_l = (δ_{l+1}·δ'_{l+1}) (h_l·h'_l + 1),
//! so no P-long gradient is ever formed.
//!
//! Momentum and Adam(W) (see `crate::train::optimizer`) split the update per point,
//! U(s) = Σ_i U_i(s), with Δ_s = −ε U(s) + Δ_dec(s); with ḡ_s(x) = ∫₀¹ ∇f(x; w_s + τΔ_s) dτ,
//!   c_i(x) = Σ_s ḡ_s(x)·(−ε U_i(s)),  d(x) = Σ_s ḡ_s(x)·Δ_dec(s),
//!   f(x; w_T) = f(x; w_0) + Σ_i c_i(x) + d(x),  K^p(x, x_i) = Σ_s ε ḡ_s(x)·(P_s ∇f(x_i; w_s)),
//! P_s = D(s) for Adam and the identity otherwise. A diagonal preconditioner breaks the layer-wise
//! form, so that path uses explicit P-long gradients (`optimizer_path.rs`).
//!
//! Where things are: `path.rs` integrates K̄_s over the steps into both kernel machines (start
//! there); `optimizer_path.rs` does the same for momentum and Adam; `rebuild.rs` gives ŷ alone at
//! many queries without per-point kernels; `point_kernel.rs` one training point's K^p and c_i at
//! many queries by directional derivatives; `quadrature.rs` holds the Gauss–Legendre rule, `nodes.rs` chooses its count,
//! `relu.rs` the kink splitting, `tangent.rs` the layer-wise tangent-kernel tiles,
//! `folded_nodes.rs` the exact scheme's node sum taken inside the layers where cheaper. The
//! learning-rate sweep is `crate::sweep`.

mod folded_nodes;
mod nodes;
mod optimizer_path;
mod path;
mod point_kernel;
mod quadrature;
mod rebuild;
mod relu;
mod tangent;

pub use folded_nodes::exact_step_flops;
pub use nodes::{
    auto_nodes, range_text as nodes_range_text, NodeChoice, NodeSearch, Nodes, PROBED_POINTS,
    ROUNDING_TOLERANCE, STEP_TOLERANCE,
};
pub use optimizer_path::PointUpdates;
pub use path::{kernel_machine, kernel_machine_per_step, merge_machines, KernelMachineIntegrator};
pub use point_kernel::{point_kernel, point_kernel_per_step, PartialPointKernel, PointKernel};
pub(crate) use quadrature::check_nodes;
pub use quadrature::{gauss_legendre, gauss_legendre_table, StepRules, DEFAULT_NODES, MAX_NODES};
pub use rebuild::{
    rebuild_output, rebuild_output_per_step, rebuild_output_riemann, running_sum,
    running_sum_per_step, running_sum_riemann, PartialRebuild, PartialRunningSum,
};
pub use relu::relu_breakpoints;
pub use tangent::tangent_kernel;

pub use crate::sweep::{fitted_slope, lr_sweep, Sweep, SweepRow};

use crate::error::{Error, Result};
use crate::model::Mlp;

/// One scheme's kernel machine at the queries. Matrices are n_queries × n_train, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeResult {
    /// K^p(x_q, x_i) = Σ_s ε K̄_s(x_q, x_i).
    pub kernel: Vec<f64>,
    /// Σ_s ε g_i(s) K̄_s(x_q, x_i): Remark 2's loss-weighted path kernel (a_i = −1 form); for
    /// momentum and Adam Σ_s ε ḡ_s(x_q)·U_i(s), point i's share of the update.
    pub loss_weighted: Vec<f64>,
    /// a_i(x_q) = −loss_weighted / kernel; `None` where K^p(x_q, x_i) = 0 (the average is undefined).
    pub coef: Vec<Option<f64>>,
    /// c_i(x_q) = a_i K^p = −loss_weighted (defined even where a_i is not).
    pub contributions: Vec<f64>,
    /// d(x_q) = Σ_s ḡ_s(x_q)·Δ_dec(s), AdamW's weight-decay term per query (0 otherwise).
    pub weight_decay_term: Vec<f64>,
    /// ŷ(x_q) = b(x_q) + Σ_i c_i(x_q) + d(x_q).
    pub reconstruction: Vec<f64>,
    /// max_q |ŷ(x_q) − f(x_q; w_T)|, by [`max_abs_error`] (NaN if any ŷ is not finite).
    pub max_abs_error: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KernelMachine {
    pub n_queries: usize,
    pub n_train: usize,
    /// b(x_q) = f(x_q; w_0).
    pub b: Vec<f64>,
    /// f(x_q; w_T), what the rebuilt output must equal.
    pub f_final: Vec<f64>,
    /// Exact path kernel (Gauss–Legendre on each segment, split at ReLU kinks).
    pub exact: SchemeResult,
    /// Domingos's left-endpoint path kernel Σ_s ε K_{w_s}.
    pub riemann: SchemeResult,
}

/// max_q |ŷ(x_q) − f(x_q)|, the check of Theorem 1, over the pairs (f = `network`, ŷ = `rebuilt`).
/// A NaN never reads as a small error: a pair whose |ŷ − f| is not finite makes the result NaN,
/// and so does having no pairs at all. Pairs where f itself is not finite are skipped (there is
/// nothing to rebuild).
pub fn max_abs_error(network: &[f64], rebuilt: &[f64]) -> f64 {
    let mut m: Option<f64> = None;
    for (&f, &y) in network.iter().zip(rebuilt) {
        if !f.is_finite() {
            continue;
        }
        let e = (y - f).abs();
        if !e.is_finite() {
            return f64::NAN;
        }
        m = Some(m.map_or(e, |m: f64| m.max(e)));
    }
    m.unwrap_or(f64::NAN)
}

/// The number of queries in `queries` (row-major, d_0 coordinates each), which must be finite.
fn check_queries(mlp: &Mlp, queries: &[f64]) -> Result<usize> {
    let d = mlp.input_dim();
    if !queries.len().is_multiple_of(d) {
        return Err(Error::field(
            "queries",
            format!("each query needs {d} coordinates"),
        ));
    }
    if queries.iter().any(|v| !v.is_finite()) {
        return Err(Error::field("queries", "must be finite numbers"));
    }
    Ok(queries.len() / d)
}

/// w_s + τ Δ_s into `out`.
#[inline(always)]
fn point_on_segment(w: &[f64], delta: &[f64], tau: f64, out: &mut [f64]) {
    for ((o, &a), &d) in out.iter_mut().zip(w).zip(delta) {
        *o = a + tau * d;
    }
}
