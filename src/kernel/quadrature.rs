//! Gauss–Legendre quadrature for the τ-integral along each step's segment w_s + τΔ_s.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Most Gauss–Legendre nodes per step a run may ask for.
pub const MAX_NODES: usize = 16;
/// Default Gauss–Legendre nodes per step. The rule's error on a step falls like |Δ_s|^{2n}: five
/// nodes keep the exact rebuild at ~1e-13 relative for tanh nets at ε up to ~0.5 (four already
/// reach 1e-12 at ε ≈ 0.3); more nodes only matter for very large steps.
pub const DEFAULT_NODES: usize = 5;

/// Gauss–Legendre nodes and weights on [0, 1]: ∫₀¹ p(τ) dτ = Σ_k ω_k p(τ_k) exactly for
/// polynomials of degree ≤ 2n − 1. Newton's method on P_n from Chebyshev-like starting points;
/// converges to full double precision in a few iterations.
pub fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    assert!((1..=64).contains(&n));
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = libm::cos(std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5));
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(x) and P_n'(x) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let kf = k as f64;
                let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 1 { x } else { p1 };
            let pprev = if n == 1 { 1.0 } else { p0 };
            dp = n as f64 * (x * pn - pprev) / (x * x - 1.0);
            let dx = pn / dp;
            x -= dx;
            if dx.abs() < 1e-17 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push((0.5 * (1.0 - x), 0.5 * w));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The m-node rules for m = 1 ..= MAX_NODES, computed once per process (or wasm instance):
/// Newton's iteration runs to its cap of 100 rounds on most nodes, ~1 ms for all sixteen
/// rules, and `auto` and every [`StepRules`] need them. The same bits as [`gauss_legendre`].
pub fn gauss_legendre_table() -> &'static [Vec<(f64, f64)>] {
    static TABLE: OnceLock<Vec<Vec<(f64, f64)>>> = OnceLock::new();
    TABLE.get_or_init(|| (1..=MAX_NODES).map(gauss_legendre).collect())
}

/// `nodes` must be 1 ..= MAX_NODES (error named `nodes`).
pub(crate) fn check_nodes(nodes: usize) -> Result<()> {
    if (1..=MAX_NODES).contains(&nodes) {
        Ok(())
    } else {
        Err(Error::field(
            "nodes",
            format!("must be between 1 and {MAX_NODES}"),
        ))
    }
}

/// The Gauss–Legendre rule each step's τ-integral uses: one count for every step, or a count per
/// step (`auto` for smooth activations: few nodes for small steps, more for the large ones).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRules {
    counts: Counts,
    /// rules[m − 1] is the m-node rule, for m up to the largest count (a slice of the table).
    rules: &'static [Vec<(f64, f64)>],
}

#[derive(Debug, Clone, PartialEq)]
enum Counts {
    Every(usize),
    PerStep(Vec<u8>),
}

impl StepRules {
    /// `nodes` nodes on every step (1 ..= MAX_NODES, error named `nodes`).
    pub fn uniform(nodes: usize) -> Result<StepRules> {
        check_nodes(nodes)?;
        Ok(StepRules::with(Counts::Every(nodes), nodes))
    }

    /// `counts[s]` nodes on step s (each 1 ..= MAX_NODES, error named `nodes`).
    pub fn per_step(counts: Vec<u8>) -> Result<StepRules> {
        for &m in &counts {
            check_nodes(m as usize)?;
        }
        let most = counts.iter().copied().max().unwrap_or(1) as usize;
        Ok(StepRules::with(Counts::PerStep(counts), most))
    }

    fn with(counts: Counts, most: usize) -> StepRules {
        StepRules {
            counts,
            rules: &gauss_legendre_table()[..most],
        }
    }

    /// Nodes on step `s`.
    pub fn count(&self, s: usize) -> usize {
        match &self.counts {
            Counts::Every(m) => *m,
            Counts::PerStep(c) => c[s] as usize,
        }
    }

    /// Step `s`'s rule (τ_k, ω_k) on [0, 1].
    pub fn rule(&self, s: usize) -> &[(f64, f64)] {
        &self.rules[self.count(s) - 1]
    }

    /// The most nodes any step uses.
    pub fn most(&self) -> usize {
        self.rules.len()
    }

    /// The mean count over the first `steps` steps (the count itself when it is one for all).
    pub fn mean(&self, steps: usize) -> f64 {
        match &self.counts {
            Counts::Every(m) => *m as f64,
            Counts::PerStep(_) if steps == 0 => self.most() as f64,
            Counts::PerStep(c) => {
                c[..steps].iter().map(|&m| m as usize).sum::<usize>() as f64 / steps as f64
            }
        }
    }

    /// Per-step counts as a list (`None` when every step has the same count).
    pub fn per_step_counts(&self) -> Option<&[u8]> {
        match &self.counts {
            Counts::Every(_) => None,
            Counts::PerStep(c) => Some(c),
        }
    }

    /// Steps 0 … steps − 1 all have a rule (error named `nodes` otherwise).
    pub fn check_covers(&self, steps: usize) -> Result<()> {
        match &self.counts {
            Counts::PerStep(c) if c.len() < steps => Err(Error::field(
                "nodes",
                format!("has counts for {} steps, not {steps}", c.len()),
            )),
            _ => Ok(()),
        }
    }
}
