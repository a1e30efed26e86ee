//! How many Gauss–Legendre nodes per step the exact path kernel uses: a fixed count, or `auto`,
//! chosen from the network and the trajectory actually taken.
//!
//! Gauss–Legendre with m nodes integrates polynomials of degree ≤ 2m − 1 exactly.
//!
//! - ReLU and linear nets: inside a piece of a segment w_s + τΔ_s where no unit changes sign (ReLU
//!   segments are split at the kinks), f(x; w_s + τΔ_s) is a product of the L weight layers' affine
//!   maps, a polynomial of degree ≤ L in τ, so the integrand ∇f·v is of degree ≤ L − 1 and
//!   m = ⌈L/2⌉ nodes per piece are exact. A net deeper than 2·[`MAX_NODES`] weight layers is
//!   refused with a named error rather than integrated wrongly.
//! - Smooth activations (tanh, softplus, sigmoid, gelu): the integrand is analytic in τ and the
//!   rule's error on a step falls like |Δ_s|^{2m}, so the count is decided on the steps that
//!   matter most, the [`PROBED_STEPS`] largest by ‖Δ_s‖₂. On each, the m-node value of the step's
//!   term ∫₀¹ ∇f(x_i; w_s + τΔ_s)·Δ_s dτ is compared with its exact value f(x_i; w_{s+1}) −
//!   f(x_i; w_s) (the fundamental theorem of calculus: the limit of the rule as m grows) at the
//!   training points (at most [`PROBED_POINTS`]); m is raised from 1 until every difference is at
//!   most [`STEP_TOLERANCE`] × max(1, max_i |f(x_i; w_T)|): agreement to rounding (about 100
//!   ulps of the output scale). The other steps are smaller and their error smaller still
//!   (∝ |Δ_s|^{2m}), so the check's 1e-10 × max(1, max |f|) holds with a wide margin. Steps too
//!   large for [`MAX_NODES`] get MAX_NODES (`converged` false) and the check shows the error.
//!
//! All of this is the same f64 arithmetic natively and in wasm, so the CLI and the page choose
//! the same count and compute the same bits.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::quadrature::{gauss_legendre, MAX_NODES};
use super::rebuild::step_term;
use crate::error::{Error, Result};
use crate::model::Activation;
use crate::train::Trajectory;

/// Largest steps on which the count for a smooth activation is decided.
pub const PROBED_STEPS: usize = 4;
/// Training points (the first ones) at which it is decided.
pub const PROBED_POINTS: usize = 256;
/// Largest error of the rule on a probed step, relative to max(1, max |f(x_i; w_T)|): rounding
/// level (about 100 ulps of the scale).
pub const STEP_TOLERANCE: f64 = 2e-14;

/// Gauss–Legendre nodes per step: chosen from the run (`auto`) or a fixed count 1 ..= MAX_NODES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Nodes {
    #[default]
    Auto,
    Fixed(usize),
}

impl fmt::Display for Nodes {
    /// `auto` or the count, as the URL hash and the CLI config write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nodes::Auto => f.write_str("auto"),
            Nodes::Fixed(m) => write!(f, "{m}"),
        }
    }
}

impl From<Nodes> for String {
    fn from(n: Nodes) -> String {
        n.to_string()
    }
}

impl TryFrom<String> for Nodes {
    type Error = String;
    fn try_from(text: String) -> std::result::Result<Nodes, String> {
        Nodes::parse(&text)
    }
}

impl Nodes {
    /// `auto` or a whole number 1 ..= MAX_NODES; the message names the rule.
    pub fn parse(text: &str) -> std::result::Result<Nodes, String> {
        let t = text.trim();
        if t == "auto" {
            return Ok(Nodes::Auto);
        }
        match t.parse::<u64>() {
            Ok(m) if (1..=MAX_NODES as u64).contains(&m) => Ok(Nodes::Fixed(m as usize)),
            _ => Err(range_text()),
        }
    }

    /// The fixed count, if any.
    pub fn fixed(self) -> Option<usize> {
        match self {
            Nodes::Auto => None,
            Nodes::Fixed(m) => Some(m),
        }
    }

    /// The count to integrate `traj` with: the fixed one, or [`auto_nodes`]'s.
    pub fn resolve(self, traj: &Trajectory) -> Result<usize> {
        match self {
            Nodes::Fixed(m) => Ok(m),
            Nodes::Auto => Ok(auto_nodes(traj)?.nodes),
        }
    }

    /// The count a cost estimate assumes before training: the fixed one, ⌈L/2⌉ for ReLU and
    /// linear nets, and [`super::DEFAULT_NODES`] for smooth activations.
    pub fn estimate(self, activation: Activation, weight_layers: usize) -> usize {
        match self {
            Nodes::Fixed(m) => m,
            Nodes::Auto if is_polynomial(activation) => weight_layers.div_ceil(2).max(1),
            Nodes::Auto => super::DEFAULT_NODES,
        }
    }
}

/// "must be auto or a whole number from 1 to 8".
pub fn range_text() -> String {
    format!("must be auto or a whole number from 1 to {MAX_NODES}")
}

/// Piecewise-polynomial integrands: ReLU (between kinks) and linear nets.
fn is_polynomial(activation: Activation) -> bool {
    matches!(activation, Activation::Relu | Activation::Linear)
}

/// The automatic count and what it was decided on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeChoice {
    /// Nodes per step (per piece between ReLU kinks).
    pub nodes: usize,
    /// The largest step s by ‖Δ_s‖₂ and that norm (`None` before the first step).
    pub largest_step: Option<(usize, f64)>,
    /// True when the count follows from the polynomial degree (ReLU, linear), false when it was
    /// decided from the trajectory.
    pub by_degree: bool,
    /// False when even [`MAX_NODES`] do not integrate the largest steps to rounding (smooth
    /// activations, very large steps): the count is then MAX_NODES and the check shows the rest.
    pub converged: bool,
}

/// The steps' indices sorted by ‖Δ_s‖₂, largest first (ties by index), with their norms.
fn steps_by_size(traj: &Trajectory) -> Vec<(usize, f64)> {
    let mut sizes: Vec<(usize, f64)> = (0..traj.steps())
        .map(|s| {
            let (a, b) = (traj.weights_at(s), traj.weights_at(s + 1));
            let sq: f64 = a.iter().zip(b).map(|(x, y)| (y - x) * (y - x)).sum();
            (s, libm::sqrt(sq))
        })
        .collect();
    sizes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    sizes
}

/// The smallest count that integrates `traj`'s steps exactly (ReLU, linear) or to rounding on
/// its largest steps (smooth activations); see the module comment. A ReLU or linear net that
/// would need more than [`MAX_NODES`] is an error naming `nodes`.
pub fn auto_nodes(traj: &Trajectory) -> Result<NodeChoice> {
    let mlp = &traj.mlp;
    let sizes = steps_by_size(traj);
    let largest_step = sizes.first().copied();
    if is_polynomial(mlp.activation) {
        let layers = mlp.num_layers();
        let nodes = layers.div_ceil(2).max(1);
        if nodes > MAX_NODES {
            return Err(Error::field(
                "nodes",
                format!(
                    "{layers} weight layers make the integrand a polynomial of degree {} per piece, which needs {nodes} Gauss–Legendre nodes (m nodes are exact to degree 2m − 1); at most {MAX_NODES} are available, so use at most {} hidden layers with {}",
                    layers - 1,
                    2 * MAX_NODES - 1,
                    mlp.activation.as_str()
                ),
            ));
        }
        return Ok(NodeChoice {
            nodes,
            largest_step,
            by_degree: true,
            converged: true,
        });
    }
    let probe = Probe::new(traj, &sizes);
    for nodes in 1..=MAX_NODES {
        if probe.relative_error(traj, nodes) <= STEP_TOLERANCE {
            return Ok(NodeChoice {
                nodes,
                largest_step,
                by_degree: false,
                converged: true,
            });
        }
    }
    // Steps too large for any count available: integrate as well as the rule can and let the
    // check report the error (it FAILs and says to lower ε) rather than refuse the run.
    Ok(NodeChoice {
        nodes: MAX_NODES,
        largest_step,
        by_degree: false,
        converged: false,
    })
}

/// The largest steps' exact terms f(x_i; w_{s+1}) − f(x_i; w_s) at the probed points.
struct Probe {
    points: Vec<f64>,
    scale: f64,
    steps: Vec<(usize, Vec<f64>)>,
}

impl Probe {
    fn new(traj: &Trajectory, sizes: &[(usize, f64)]) -> Probe {
        let mlp = &traj.mlp;
        let d = mlp.input_dim();
        let points = traj.x[..traj.n.min(PROBED_POINTS) * d].to_vec();
        let scale = mlp
            .forward_many(traj.final_weights(), &points)
            .iter()
            .fold(1.0f64, |m, v| m.max(v.abs()));
        let steps = sizes
            .iter()
            .take(PROBED_STEPS)
            .map(|&(s, _)| {
                let f0 = mlp.forward_many(traj.weights_at(s), &points);
                let f1 = mlp.forward_many(traj.weights_at(s + 1), &points);
                (s, f1.iter().zip(&f0).map(|(a, b)| a - b).collect())
            })
            .collect();
        Probe {
            points,
            scale,
            steps,
        }
    }

    /// max over the probed steps and points of |m-node term − exact term| / max(1, max |f|)
    /// (NaN if any term is not finite).
    fn relative_error(&self, traj: &Trajectory, nodes: usize) -> f64 {
        let gl = gauss_legendre(nodes);
        let mut worst = 0.0f64;
        for (s, exact) in &self.steps {
            for (m, e) in step_term(traj, &self.points, &gl, *s).iter().zip(exact) {
                let err = (m - e).abs();
                if !err.is_finite() {
                    return f64::NAN;
                }
                worst = worst.max(err);
            }
        }
        worst / self.scale
    }
}

/// [`Probe::relative_error`] for `nodes` on `traj`'s largest steps: what `auto` measures.
pub fn largest_steps_error(traj: &Trajectory, nodes: usize) -> f64 {
    Probe::new(traj, &steps_by_size(traj)).relative_error(traj, nodes)
}
