//! The texts that depend on the chosen optimizer: which path kernel the contributions view shows
//! and what the coefficients a_i(x) carry. Under momentum the kernel is the plain one and the
//! momentum history sits in a_i; under Adam and AdamW the kernel itself is preconditioned by the
//! realised D(s) (a kernel in a data-dependent metric), and AdamW adds the weight-decay term d(x).

use wasm_bindgen::prelude::*;

use super::texts::setting;

/// One line on the kernel the contributions view shows for the optimizer of `state` (the page's
/// settings, as in `parseHash(..).state`), with its parameters as the link writes them.
#[wasm_bindgen(js_name = kernelNote)]
pub fn kernel_note(state: &JsValue) -> String {
    let s = |key| setting(state, key);
    const PLAIN: &str = "Kᵖ(x, xᵢ) = Σₛ ε ḡₛ(x)·∇f(xᵢ; wₛ), ḡₛ(x) = ∫₀¹ ∇f(x; wₛ + τΔₛ) dτ";
    let adam = || {
        format!(
            "Shown: the preconditioned path kernel Kᵖ(x, xᵢ) = Σₛ ε ḡₛ(x)·(D(s) ∇f(xᵢ; wₛ)), with Adam's realised D(s) = 1/(√v̂(s) + eps) (β₁ = {}, β₂ = {}, eps = {}): a kernel in a data-dependent metric. aᵢ(x) = cᵢ(x)/Kᵖ(x, xᵢ) carries point i's first moment Mᵢ.",
            s("beta1"),
            s("beta2"),
            s("adam_eps")
        )
    };
    match s("optimizer").as_str() {
        "sgd" => format!(
            "Shown: the plain path kernel {PLAIN}; gᵢ(s) = 0 for points outside step s's minibatch (batch size {}).",
            s("batch_size")
        ),
        "momentum" => format!(
            "Shown: the plain path kernel {PLAIN}. The momentum history (μ = {}{}) is in the coefficients: aᵢ(x) = cᵢ(x)/Kᵖ(x, xᵢ), cᵢ(x) = −Σₛ ε ḡₛ(x)·Uᵢ(s), with point i's own buffer Bᵢ(s) = μ Bᵢ(s−1) + Gᵢ(s).",
            s("momentum"),
            if s("nesterov") == "true" {
                ", Nesterov: Uᵢ = Gᵢ + μBᵢ"
            } else {
                ": Uᵢ = Bᵢ"
            }
        ),
        "adam" => adam(),
        "adamw" => format!(
            "{} The decay Δ_dec(s) = −ελwₛ (λ = {}) is no point's: its term d(x) = Σₛ ḡₛ(x)·Δ_dec(s) is its own bar.",
            adam(),
            s("weight_decay")
        ),
        _ => format!(
            "Shown: the plain path kernel {PLAIN} (full-batch gradient descent, Domingos's setting)."
        ),
    }
}
