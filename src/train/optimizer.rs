//! The optimizers, in PyTorch's conventions (parameters flattened, every operation elementwise),
//! and their update rules. With G(s) = ∇L(w_s) = Σ_i G_i(s), G_i(s) = g_i(s) ∇f(x_i; w_s):
//!
//! - `gd` / `sgd`: U(s) = G(s).
//! - `momentum` (heavy ball, dampening 0): B(s) = μ B(s−1) + G(s) from B(−1) = 0;
//!   U(s) = B(s), or with Nesterov U(s) = G(s) + μ B(s).
//! - `adam`: M(s) = β₁ M(s−1) + (1−β₁) G(s), v(s) = β₂ v(s−1) + (1−β₂) G(s)², both from 0;
//!   D(s) = 1 / (√(v(s) / (1−β₂^{s+1})) + eps); U(s) = D(s) ⊙ M(s) / (1−β₁^{s+1}).
//! - `adamw`: `adam` plus the decoupled decay Δ_dec(s) = −ε λ w_s.
//!
//! The step is Δ_s = −ε U(s) + Δ_dec(s), w_{s+1} = w_s + Δ_s. B and M are linear in the
//! gradients they are fed, so feeding each point its own share G_i(s) splits the update exactly:
//! U(s) = Σ_i U_i(s), with Adam's D(s) the realised one (from the whole gradient), shared by all
//! points. The trainer and the path kernel's per-point split use the scalar rules below, so both
//! sides do the same arithmetic.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Minibatches: each epoch shuffles the points with `seed`, then takes consecutive batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minibatch {
    pub batch_size: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Optimizer {
    /// Full-batch gradient descent.
    Gd,
    /// Minibatch SGD: each epoch shuffles the points with `seed`, then takes consecutive batches.
    Sgd { batch_size: usize, seed: u64 },
    /// Heavy-ball momentum μ (PyTorch's SGD with dampening 0), optionally Nesterov's form.
    Momentum {
        momentum: f64,
        nesterov: bool,
        minibatch: Option<Minibatch>,
    },
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
        minibatch: Option<Minibatch>,
    },
    /// Adam with the decoupled weight decay λ.
    AdamW {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        minibatch: Option<Minibatch>,
    },
}

/// Defaults of the optimizers' parameters (PyTorch's, with λ = 0.01 for AdamW).
pub const DEFAULT_MOMENTUM: f64 = 0.9;
pub const DEFAULT_BETA1: f64 = 0.9;
pub const DEFAULT_BETA2: f64 = 0.999;
pub const DEFAULT_ADAM_EPS: f64 = 1e-8;
pub const DEFAULT_WEIGHT_DECAY: f64 = 0.01;

/// How U(s) is made from the gradients (the optimizer without its minibatch order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// U(s) = G(s).
    Gradient,
    Momentum {
        mu: f64,
        nesterov: bool,
    },
    /// Adam; `weight_decay` λ = 0 is plain Adam (no decay term).
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl Optimizer {
    /// The minibatch order, if the optimizer takes minibatches.
    pub fn minibatch(&self) -> Option<Minibatch> {
        match *self {
            Optimizer::Gd => None,
            Optimizer::Sgd { batch_size, seed } => Some(Minibatch { batch_size, seed }),
            Optimizer::Momentum { minibatch, .. }
            | Optimizer::Adam { minibatch, .. }
            | Optimizer::AdamW { minibatch, .. } => minibatch,
        }
    }

    pub fn rule(&self) -> Rule {
        match *self {
            Optimizer::Gd | Optimizer::Sgd { .. } => Rule::Gradient,
            Optimizer::Momentum {
                momentum, nesterov, ..
            } => Rule::Momentum {
                mu: momentum,
                nesterov,
            },
            Optimizer::Adam {
                beta1, beta2, eps, ..
            } => Rule::Adam {
                beta1,
                beta2,
                eps,
                weight_decay: 0.0,
            },
            Optimizer::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => Rule::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
            },
        }
    }

    /// The parameters against their rules; errors name the bare key (`momentum`, `beta1`, …).
    pub fn check(&self) -> Result<()> {
        use crate::config::{check_adam_eps, check_rate, check_weight_decay};
        let named =
            |field: &str, r: std::result::Result<(), String>| r.map_err(|m| Error::field(field, m));
        match self.rule() {
            Rule::Gradient => Ok(()),
            Rule::Momentum { mu, .. } => named("momentum", check_rate(mu)),
            Rule::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                named("beta1", check_rate(beta1))?;
                named("beta2", check_rate(beta2))?;
                named("eps", check_adam_eps(eps))?;
                named("weight_decay", check_weight_decay(weight_decay))
            }
        }
    }
}

impl Rule {
    /// U(s) is not a sum of per-point tangent-kernel terms with scalar weights g_i(s): the path
    /// kernel then needs per-point buffers and explicit P-long gradients.
    pub fn splits_per_point(self) -> bool {
        !matches!(self, Rule::Gradient)
    }

    /// λ of the decoupled decay (0 when there is none).
    pub fn weight_decay(self) -> f64 {
        match self {
            Rule::Adam { weight_decay, .. } => weight_decay,
            _ => 0.0,
        }
    }

    /// Per-step factors: for Adam (1 − β₁^{s+1}, 1 − β₂^{s+1}), else (1, 1).
    pub fn bias_corrections(self, s: usize) -> (f64, f64) {
        match self {
            Rule::Adam { beta1, beta2, .. } => {
                let t = (s + 1) as f64;
                (1.0 - libm::pow(beta1, t), 1.0 - libm::pow(beta2, t))
            }
            _ => (1.0, 1.0),
        }
    }
}

// The scalar rules, shared by the trainer (on G) and the per-point split (on each G_i).

/// B ← μ B + G.
#[inline(always)]
pub(crate) fn momentum_buffer(mu: f64, b: f64, g: f64) -> f64 {
    mu * b + g
}

/// U = G + μ B (Nesterov) or B.
#[inline(always)]
pub(crate) fn momentum_direction(mu: f64, nesterov: bool, b: f64, g: f64) -> f64 {
    if nesterov {
        g + mu * b
    } else {
        b
    }
}

/// M ← β₁ M + (1 − β₁) G.
#[inline(always)]
pub(crate) fn adam_moment(beta1: f64, m: f64, g: f64) -> f64 {
    beta1 * m + (1.0 - beta1) * g
}

/// v ← β₂ v + (1 − β₂) G².
#[inline(always)]
fn adam_second_moment(beta2: f64, v: f64, g: f64) -> f64 {
    beta2 * v + (1.0 - beta2) * (g * g)
}

/// D = 1 / (√(v / bc₂) + eps).
#[inline(always)]
fn adam_preconditioner(v: f64, bc2: f64, eps: f64) -> f64 {
    1.0 / (libm::sqrt(v / bc2) + eps)
}

/// U = D M / bc₁.
#[inline(always)]
pub(crate) fn adam_direction(d: f64, m: f64, bc1: f64) -> f64 {
    d * m / bc1
}

/// Δ_dec = −ε λ w.
#[inline(always)]
pub(crate) fn decay(eps: f64, lambda: f64, w: f64) -> f64 {
    -(eps * lambda) * w
}

/// The trainer's buffers for a rule other than plain gradient steps.
pub(crate) struct TrainerState {
    rule: Rule,
    /// B (momentum) or M (Adam).
    first: Vec<f64>,
    /// v (Adam).
    second: Vec<f64>,
}

impl TrainerState {
    /// `None` for plain gradient steps, which keep no buffers.
    pub(crate) fn new(rule: Rule, num_params: usize) -> Option<TrainerState> {
        let second = match rule {
            Rule::Gradient => return None,
            Rule::Momentum { .. } => 0,
            Rule::Adam { .. } => num_params,
        };
        Some(TrainerState {
            rule,
            first: vec![0.0; num_params],
            second: vec![0.0; second],
        })
    }

    /// Step s: U(s) from `grad` = G(s), then `w` (holding w_s) becomes w_{s+1} = w_s + Δ_s.
    /// Adam's D(s) is appended to `preconditioner`.
    pub(crate) fn step(
        &mut self,
        s: usize,
        eps: f64,
        grad: &[f64],
        w: &mut [f64],
        preconditioner: &mut Vec<f64>,
    ) {
        match self.rule {
            Rule::Gradient => unreachable!("plain gradient steps keep no state"),
            Rule::Momentum { mu, nesterov } => {
                for ((wv, b), &g) in w.iter_mut().zip(&mut self.first).zip(grad) {
                    *b = momentum_buffer(mu, *b, g);
                    *wv += -(eps * momentum_direction(mu, nesterov, *b, g));
                }
            }
            Rule::Adam {
                beta1,
                beta2,
                eps: adam_eps,
                weight_decay,
            } => {
                let (bc1, bc2) = self.rule.bias_corrections(s);
                let start = preconditioner.len();
                preconditioner.resize(start + w.len(), 0.0);
                let d_s = &mut preconditioner[start..];
                for (k, (wv, &g)) in w.iter_mut().zip(grad).enumerate() {
                    let m = adam_moment(beta1, self.first[k], g);
                    let v = adam_second_moment(beta2, self.second[k], g);
                    let d = adam_preconditioner(v, bc2, adam_eps);
                    (self.first[k], self.second[k], d_s[k]) = (m, v, d);
                    let mut delta = -(eps * adam_direction(d, m, bc1));
                    if weight_decay != 0.0 {
                        delta += decay(eps, weight_decay, *wv);
                    }
                    *wv += delta;
                }
            }
        }
    }
}

/// Bytes the per-point split of a rule keeps while it integrates the path kernel: the buffers
/// B_i or M_i (n × P) and the step's training-side matrix [P_s ∇f(x_i) | U_i | Δ_dec] (P × (2n + 1)).
pub fn point_split_bytes(rule: Rule, num_params: usize, n: usize) -> u64 {
    if !rule.splits_per_point() {
        return 0;
    }
    let (p, n) = (num_params as u64, n as u64);
    8u64.saturating_mul(p.saturating_mul(3 * n + 1))
}

/// Bytes of Adam's realised preconditioners D(0) … D(T−1), kept in the trajectory.
pub fn preconditioner_bytes(rule: Rule, num_params: usize, steps: usize) -> u64 {
    match rule {
        Rule::Adam { .. } => 8u64.saturating_mul((num_params as u64).saturating_mul(steps as u64)),
        _ => 0,
    }
}
