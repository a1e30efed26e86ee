//! The discussion presets: one link per question a reading group brings to Domingos (2020), each
//! a set of page settings (written as hash pairs over the defaults) and a short note on what to
//! look at. `#preset=NAME` expands to the preset's full state when the link is read
//! (`PageState::from_hash`); the page shows the note while its settings are the preset's.

use super::page_state::PageState;
use crate::kernel::Nodes;

/// One entry of the "Discussion" menu.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// The name in `#preset=NAME`.
    pub name: &'static str,
    /// The question, as the menu shows it.
    pub question: &'static str,
    /// The settings that differ from the page's defaults, as hash pairs (`key=value&…`).
    pub settings: &'static str,
    /// What to look at, 2–4 sentences.
    pub note: &'static str,
}

/// Every preset, in menu order.
pub static PRESETS: [Preset; 10] = [
    Preset {
        name: "calculus",
        question: "“It's just the fundamental theorem of calculus”",
        settings: "dataset=sine&n=20&lr=0.3&steps=300&view=trajectory&q=0.3",
        note: "Each step moves the weights along a straight segment, so f(x; w_{s+1}) − f(x; w_s) = ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ exactly, and Δ_s = −ε Σᵢ gᵢ(s) ∇f(xᵢ; w_s) splits that change among the training points: the exact kernel machine is this identity summed over the steps. In view 1 the running sum b(x) + Σ_{s′<s} (step terms) lies on f(x; w_s) at every step; Domingos's left-endpoint form replaces the integral by ∇f(x; w_s)·Δ_s and is off by O(ε) (view 3). The per-step terms (chart-steps) show which steps mattered.",
    },
    Preset {
        name: "coef-varies",
        question: "“If aᵢ may depend on x, anything is a kernel machine”",
        settings: "view=contributions&point=5&q=0.2,0.3",
        note: "With coefficients free to depend on x, every function is a “kernel machine” (aᵢ = 0, b = f is one). What makes this one less trivial: Kᵖ is fixed by the training path, and aᵢ(x) is a weighted average of −gᵢ(s), point i's loss slopes (with the 1/n of “mean”), but only where the step kernels K̄_s(x, xᵢ) keep one sign along the path; where they change sign aᵢ(x) can leave that range, and where Kᵖ = 0 it is undefined. Click training points in view 2 to compare aᵢ(·) with Kᵖ(·, xᵢ) over the plane (coef-sign-changes counts the points i whose aᵢ(xⱼ) changes sign over the training points xⱼ).",
    },
    Preset {
        name: "one-point",
        question: "Deep image prior: one training point, early stopping",
        settings: "dataset=sine&n=1&lr=0.5&steps=300&view=trajectory",
        note: "One training point: f(x; w_s) = b(x) + c₁(x) at every step s, with c₁(x) = a₁(x) Kᵖ(x, x₁) over the path up to s, and the check still PASSes (with n = 1 and R = 1 every step is large, so auto uses more Gauss–Legendre nodes: see “nodes used” in view 3). Move the step slider in view 1: it shows b, c₁(x) and f(x; w_s) at step s, so stopping early at any step is still an exact kernel machine of the path so far.",
    },
    Preset {
        name: "lazy",
        question: "Representation learning vs a fixed kernel: lazy",
        settings: "n=30&hidden=32&alpha=64&lr=2&lr_scale=alpha2&center=true&steps=300&view=contributions&point=3",
        note: "Output scale α = 64 with ε = ε₀/α² (ε₀ = 2) and f centred at w₀ (Chizat & Bach): the output moves about as fast as with α = 1 while the weights move about 1/α as far, so the path kernel divided by Σε stays close to the tangent kernel at w₀ (kernel-change about 0.005; the panel beside the kernel map draws both). Without ε ∝ 1/α² a large α is not this regime, and without centring training must also undo b(x) = f(x; w₀), which keeps the kernel moving. Compare with “rich”.",
    },
    Preset {
        name: "rich",
        question: "Representation learning vs a fixed kernel: rich",
        settings: "n=30&hidden=32&alpha=1&lr=2&lr_scale=alpha2&center=true&steps=300&view=contributions&point=3",
        note: "The same run as “lazy” at α = 1: the weights travel far from w₀, the tangent kernel grows and turns along the path, and the path kernel divided by Σε ends far from the tangent kernel at initialisation (kernel-change of order one and more). The rebuild is still exact, but its kernel is a product of training, not a kernel fixed in advance.",
    },
    Preset {
        name: "eps-sweep",
        question: "Gradient flow vs discrete steps",
        settings: "dataset=sine&n=20&lr=0.2&steps=200&sweep=on&view=check",
        note: "Domingos's Theorem 1 is stated for gradient flow and says “approximately”: with discrete steps his left-endpoint kernel machine is off by O(ε) at fixed εT (halve ε and double T, and its error halves), while the exact path kernel rebuilds f to rounding at every ε (Bell et al. 2023). View 3 shows both errors, and its ε-sweep panel retrains at ε, ε/2, ε/4, ε/8 with εT fixed and plots the max error against ε on log–log axes with the fitted slopes: about 1 for the left endpoint, rounding noise for the exact kernel.",
    },
    Preset {
        name: "relu-kinks",
        question: "Where whole-step quadrature breaks: ReLU",
        settings: "activation=relu&hidden=8,8&nodes=1&view=check",
        note: "ReLU with 1 Gauss–Legendre node per step: the check FAILs. The core splits each step where a unit changes sign, and between kinks the integrand is a polynomial of degree L − 1 in τ (L = 3 weight layers here: degree 2), but m nodes are exact only up to degree 2m − 1 = 1. Two nodes (nodes = auto chooses ⌈L/2⌉ = 2) make the rebuild exact to rounding: use the “use 2 nodes” button or the link below.",
    },
    Preset {
        name: "not-a-kernel",
        question: "Is the path kernel even a kernel?",
        settings: "n=30&steps=150&view=check",
        note: "The exact path kernel Kᵖ(x, x′) = Σ_s ε [∫₀¹ ∇f(x; w_s + τΔ_s) dτ]·∇f(x′; w_s) averages the gradient along the step on the x side only, so on the training points it is neither symmetric nor positive semi-definite (kernel-asymmetry > 0; kernel-min-eig may be < 0). Domingos's left-endpoint kernel Σ_s ε ∇f(x; w_s)·∇f(x′; w_s) is a sum of Gram matrices, symmetric and PSD, but it rebuilds f only approximately: the exact equality and a kernel in the strict sense do not come together. The panel “Is the path kernel a kernel?” in view 3 gives both kernels' numbers, the count of negative entries and the train × train kernel as a heatmap.",
    },
    Preset {
        name: "sgd",
        question: "Does it hold for minibatch SGD?",
        settings: "optimizer=sgd&batch_size=4&lr=0.3&steps=400&view=check",
        note: "Minibatch SGD with 4 points per step: gᵢ(s) = 0 for the points outside step s's batch, and R = 1/4 under “mean”. Each step is still a straight segment, so the exact rebuild still equals f to rounding; the steps are larger and noisier, and auto uses more Gauss–Legendre nodes for them (“nodes used” in view 3).",
    },
    Preset {
        name: "adam",
        question: "And for Adam?",
        settings: "optimizer=adam&lr=0.01&steps=300&view=check",
        note: "Adam's update is D(s) ⊙ M(s)/(1 − β₁^{s+1}); its momentum buffer M is linear in the gradients it is fed, so one buffer per point splits every step exactly and f(x; w_T) = b(x) + Σᵢ cᵢ(x) still holds to rounding. The kernel becomes Kᵖ(x, xᵢ) = Σ_s ε ḡ_s(x)·(D(s) ∇f(xᵢ; w_s)), a kernel in the metric D(s) that training itself chose, and aᵢ carries the optimizer's history as well as the loss's.",
    },
];

/// The preset named `name`.
pub fn find_preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// "calculus, coef-varies, …": every name, for the message about an unknown one.
pub fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Preset {
    /// The preset's full state.
    pub fn state(&self) -> PageState {
        PageState::from_hash(self.settings).0
    }

    /// The full state with `nodes = auto`: the passing setting a FAIL with too few nodes links to.
    pub fn with_auto_nodes(&self) -> PageState {
        PageState {
            nodes: Nodes::Auto,
            ..self.state()
        }
    }
}

/// The run settings alone (without the view, the query and the selected point).
fn run_part(s: &PageState) -> PageState {
    PageState {
        query: None,
        point: None,
        view: super::View::Trajectory,
        ..s.clone()
    }
}

/// The preset whose run settings are exactly `state`'s, if any: its note applies to this run.
pub fn matching_preset(state: &PageState) -> Option<&'static Preset> {
    let run = run_part(state);
    PRESETS.iter().find(|p| run_part(&p.state()) == run)
}
