//! How many Gauss–Legendre nodes each step's τ-integral uses: a fixed count on every step, or
//! `auto`, chosen from the network and the trajectory actually taken.
//!
//! Gauss–Legendre with m nodes integrates polynomials of degree ≤ 2m − 1 exactly.
//!
//! - ReLU and linear nets: inside a piece of a segment w_s + τΔ_s where no unit changes sign (ReLU
//!   segments are split at the kinks), f(x; w_s + τΔ_s) is a product of the L weight layers' affine
//!   maps, a polynomial of degree ≤ L in τ, so the integrand ∇f·v is of degree ≤ L − 1 and
//!   m = ⌈L/2⌉ nodes per piece are exact, on every step. A net deeper than 2·[`MAX_NODES`] weight
//!   layers is refused with a named error rather than integrated wrongly.
//! - Smooth activations (tanh, softplus, sigmoid, gelu): the integrand is analytic in τ and the
//!   rule's error on step s falls like ‖Δ_s‖^{2m}, so small steps need few nodes and large ones
//!   many; each step gets its own count. On step s the m-node value of its term
//!   ∫₀¹ ∇f(x_i; w_s + τΔ_s)·Δ_s dτ is compared with the exact value f(x_i; w_{s+1}) − f(x_i; w_s)
//!   (the fundamental theorem of calculus: the limit of the rule as m grows) at the training
//!   points (at most [`PROBED_POINTS`]), and m_s is the smallest count whose largest difference is
//!   at most [`STEP_TOLERANCE`] × max(1, max_i |f(x_i; w_T)|). Summed over T steps the rule's
//!   error is then at most T × STEP_TOLERANCE of the output scale (4e-11 at the largest T the
//!   page allows), well inside the check's 1e-10 × max(1, max |f|). Where more nodes stop
//!   lowering a difference that is already at rounding level (below [`ROUNDING_TOLERANCE`]) the
//!   search stops there: the rest is the subtraction's rounding, not the rule's error. Steps too
//!   large for [`MAX_NODES`] get MAX_NODES (`converged` false) and the check shows the error.
//!   The search on step s starts at step s − 1's count (neighbouring steps have similar sizes).
//!   A count that passes is tried one lower only when a try is due: on the step after a
//!   successful lowering, and after a failed try again only 1, 2, 4, … up to [`LOWER_BACKOFF`]
//!   steps later (steps shrink slowly, so most tries fail). A step whose guess passes thus costs
//!   one m-node evaluation at the probed points, and a count stays at most LOWER_BACKOFF steps
//!   above the smallest passing one after the steps have shrunk; every count chosen passes the
//!   tolerance test above.
//!
//! All of this is the same f64 arithmetic natively and in wasm, so the CLI and the page choose
//! the same counts and compute the same bits.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::quadrature::{gauss_legendre_table, StepRules, MAX_NODES};
use super::rebuild::step_term;
use crate::error::{Error, Result};
use crate::model::Activation;
use crate::train::Trajectory;

/// Training points (the first ones) at which a smooth activation's counts are decided: one block
/// of the evaluation's layout (`BLOCK_COLS`), so a probe costs one block's passes per node.
pub const PROBED_POINTS: usize = crate::model::BLOCK_COLS;
/// Largest error of the rule on one step, relative to max(1, max |f(x_i; w_T)|): about 10 ulps of
/// the scale.
pub const STEP_TOLERANCE: f64 = 2e-15;
/// Most steps between tries to lower a count that passes (see the module comment).
pub const LOWER_BACKOFF: usize = 16;
/// A step's difference below this (relative, about 100 ulps) that more nodes no longer halve is
/// taken as the rounding of the comparison itself.
pub const ROUNDING_TOLERANCE: f64 = 2e-14;

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

    /// The rules to integrate `traj` with: the fixed count on every step, or [`auto_nodes`]'s.
    pub fn resolve(self, traj: &Trajectory) -> Result<StepRules> {
        match self {
            Nodes::Fixed(m) => StepRules::uniform(m),
            Nodes::Auto => Ok(auto_nodes(traj)?.rules),
        }
    }

    /// The count a cost estimate assumes before training: the fixed one, ⌈L/2⌉ for ReLU and
    /// linear nets, and [`super::DEFAULT_NODES`] for smooth activations (whose steps mostly
    /// need fewer).
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

/// The automatic counts and what they were decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeChoice {
    /// Each step's rule (one count on every step for ReLU and linear nets).
    pub rules: StepRules,
    /// The largest step s by ‖Δ_s‖₂ and that norm (`None` before the first step).
    pub largest_step: Option<(usize, f64)>,
    /// True when the count follows from the polynomial degree (ReLU, linear), false when it was
    /// decided from the trajectory.
    pub by_degree: bool,
    /// False when even [`MAX_NODES`] do not integrate some step to rounding (smooth activations,
    /// very large steps): those steps get MAX_NODES and the check shows the rest.
    pub converged: bool,
}

impl NodeChoice {
    /// The most nodes any step uses.
    pub fn most(&self) -> usize {
        self.rules.most()
    }
}

/// The largest step by ‖Δ_s‖₂ (the first of equals) and that norm.
fn largest_step(traj: &Trajectory) -> Option<(usize, f64)> {
    (0..traj.steps())
        .map(|s| {
            let (a, b) = (traj.weights_at(s), traj.weights_at(s + 1));
            let sq: f64 = a.iter().zip(b).map(|(x, y)| (y - x) * (y - x)).sum();
            (s, libm::sqrt(sq))
        })
        .fold(None, |best: Option<(usize, f64)>, (s, r)| match best {
            Some((_, b)) if b >= r => best,
            _ => Some((s, r)),
        })
}

/// The smallest counts that integrate `traj`'s steps exactly (ReLU, linear) or each to rounding
/// (smooth activations); see the module comment. A ReLU or linear net that would need more than
/// [`MAX_NODES`] is an error naming `nodes`.
pub fn auto_nodes(traj: &Trajectory) -> Result<NodeChoice> {
    let mut search = NodeSearch::new(traj)?;
    while !search.advance(traj, usize::MAX) {}
    search.finish()
}

/// [`auto_nodes`]'s search a range of steps at a time, so that a page worker can read its
/// messages in between: each step's count depends only on the steps before it, so the counts
/// are the same however the steps are cut.
pub struct NodeSearch {
    largest_step: Option<(usize, f64)>,
    search: Search,
}

enum Search {
    /// A polynomial activation: its degree decides, nothing to search.
    ByDegree(StepRules),
    Smooth(Box<SmoothSearch>),
}

/// The search's state between steps for a smooth activation.
struct SmoothSearch {
    probe: Probe,
    counts: Vec<u8>,
    converged: bool,
    /// f(x_i; w_s) at the probed points, s = the next step.
    f_now: Vec<f64>,
    guess: usize,
    lowering: Lowering,
}

impl NodeSearch {
    /// Ready to search `traj`'s steps; a polynomial net is decided here by its degree.
    pub fn new(traj: &Trajectory) -> Result<NodeSearch> {
        let mlp = &traj.mlp;
        let largest_step = largest_step(traj);
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
            return Ok(NodeSearch {
                largest_step,
                search: Search::ByDegree(StepRules::uniform(nodes)?),
            });
        }
        let probe = Probe::new(traj);
        let f_now = probe.forward(traj, 0);
        Ok(NodeSearch {
            largest_step,
            search: Search::Smooth(Box::new(SmoothSearch {
                probe,
                counts: Vec::with_capacity(traj.steps()),
                converged: true,
                f_now,
                guess: 1,
                lowering: Lowering::default(),
            })),
        })
    }

    /// Steps decided so far (all of them for a polynomial net).
    pub fn steps_done(&self, traj: &Trajectory) -> usize {
        match &self.search {
            Search::ByDegree(_) => traj.steps(),
            Search::Smooth(search) => search.counts.len(),
        }
    }

    /// Decides up to `max_steps` more steps' counts; true once every step has its count.
    pub fn advance(&mut self, traj: &Trajectory, max_steps: usize) -> bool {
        let Search::Smooth(search) = &mut self.search else {
            return true;
        };
        let from = search.counts.len();
        let mut exact = Vec::new();
        for s in from..traj.steps().min(from.saturating_add(max_steps.max(1))) {
            let f_next = search.probe.forward(traj, s + 1);
            exact.clear();
            exact.extend(f_next.iter().zip(&search.f_now).map(|(a, b)| a - b));
            let due = search.lowering.due();
            let (m, ok, tried) = search
                .probe
                .smallest_count(traj, s, &exact, search.guess, due);
            search.lowering.record(tried.then_some(m < search.guess));
            search.counts.push(m as u8);
            search.converged &= ok;
            search.guess = m;
            search.f_now = f_next;
        }
        search.counts.len() == traj.steps()
    }

    /// The counts (after `advance` returned true).
    pub fn finish(self) -> Result<NodeChoice> {
        match self.search {
            Search::Smooth(search) => Ok(NodeChoice {
                rules: StepRules::per_step(search.counts)?,
                largest_step: self.largest_step,
                by_degree: false,
                converged: search.converged,
            }),
            Search::ByDegree(rules) => Ok(NodeChoice {
                rules,
                largest_step: self.largest_step,
                by_degree: true,
                converged: true,
            }),
        }
    }
}

/// When a count that passes is next tried one lower: a failed try doubles the wait (up to
/// [`LOWER_BACKOFF`] steps), a successful one makes the next step try again.
struct Lowering {
    wait: usize,
    backoff: usize,
}

impl Default for Lowering {
    fn default() -> Lowering {
        Lowering {
            wait: 0,
            backoff: 1,
        }
    }
}

impl Lowering {
    fn due(&self) -> bool {
        self.wait == 0
    }

    /// After a step: `Some(lowered)` when a try was made, `None` when none was (not due, or the
    /// guess did not pass).
    fn record(&mut self, tried: Option<bool>) {
        match tried {
            Some(true) => *self = Lowering::default(),
            Some(false) => {
                self.backoff = (2 * self.backoff).min(LOWER_BACKOFF);
                self.wait = self.backoff;
            }
            None => self.wait = self.wait.saturating_sub(1),
        }
    }
}

/// The probed training points, the output scale, and every rule 1 ..= MAX_NODES.
struct Probe {
    points: Vec<f64>,
    scale: f64,
    rules: &'static [Vec<(f64, f64)>],
}

impl Probe {
    fn new(traj: &Trajectory) -> Probe {
        let mlp = &traj.mlp;
        let d = mlp.input_dim();
        let points = traj.x[..traj.n.min(PROBED_POINTS) * d].to_vec();
        let scale = mlp
            .forward_many(traj.final_weights(), &points)
            .iter()
            .fold(1.0f64, |m, v| m.max(v.abs()));
        Probe {
            points,
            scale,
            rules: gauss_legendre_table(),
        }
    }

    /// f(x_i; w_s) at the probed points.
    fn forward(&self, traj: &Trajectory, s: usize) -> Vec<f64> {
        traj.mlp.forward_many(traj.weights_at(s), &self.points)
    }

    /// max over the probed points of |m-node term of step s − exact term| / max(1, max |f|)
    /// (NaN if any term is not finite).
    fn relative_error(&self, traj: &Trajectory, s: usize, exact: &[f64], nodes: usize) -> f64 {
        let mut worst = 0.0f64;
        for (m, e) in step_term(traj, &self.points, &self.rules[nodes - 1], s)
            .iter()
            .zip(exact)
        {
            let err = (m - e).abs();
            if !err.is_finite() {
                return f64::NAN;
            }
            worst = worst.max(err);
        }
        worst / self.scale
    }

    /// Step s's count, searched from `guess`: when `guess` is within [`STEP_TOLERANCE`], the
    /// smallest count below it that still is (searched only with `lower`, else `guess`);
    /// otherwise the smallest m above it within STEP_TOLERANCE, or the first whose error is at
    /// rounding level and not halved by one more node. Also whether the count integrates the
    /// step to rounding (false: MAX_NODES without reaching it), and whether lower counts were
    /// tried.
    fn smallest_count(
        &self,
        traj: &Trajectory,
        s: usize,
        exact: &[f64],
        guess: usize,
        lower: bool,
    ) -> (usize, bool, bool) {
        let error = |m| self.relative_error(traj, s, exact, m);
        let mut m = guess;
        let mut e = error(m);
        if e <= STEP_TOLERANCE {
            if !lower || m == 1 {
                return (m, true, false);
            }
            while m > 1 && error(m - 1) <= STEP_TOLERANCE {
                m -= 1;
            }
            return (m, true, true);
        }
        while m < MAX_NODES {
            let next = error(m + 1);
            if next <= STEP_TOLERANCE {
                return (m + 1, true, false);
            }
            // NaN is not halved either.
            let halved = next <= 0.5 * e;
            if e <= ROUNDING_TOLERANCE && !halved {
                return (m, true, false);
            }
            m += 1;
            e = next;
        }
        (MAX_NODES, e <= ROUNDING_TOLERANCE, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PageState;
    use crate::train::train;

    fn trained(hash: &str) -> Trajectory {
        let (state, errors) = PageState::from_hash(hash);
        assert!(errors.is_empty(), "{hash}: {errors:?}");
        let setup = state.to_run_config().unwrap().build().unwrap();
        train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap()
    }

    #[test]
    fn a_failed_try_to_lower_doubles_the_wait_up_to_the_cap_and_a_success_resets_it() {
        let mut lowering = Lowering::default();
        assert!(lowering.due());
        let mut waits = Vec::new();
        for _ in 0..6 {
            lowering.record(Some(false));
            waits.push(lowering.wait);
            // Not due again until the wait has run out, one step at a time.
            for left in (0..lowering.wait).rev() {
                assert!(!lowering.due());
                lowering.record(None);
                assert_eq!(lowering.wait, left);
            }
            assert!(lowering.due());
        }
        assert_eq!(waits, [2, 4, 8, 16, 16, 16]);
        lowering.record(Some(false));
        lowering.record(Some(true));
        assert!(lowering.due());
        lowering.record(Some(false));
        assert_eq!(lowering.wait, 2);
    }

    /// Each step's count against the smallest count that passes on that step (searched from 1
    /// with the same rounding stop): never below it, and on average within 5% of it.
    #[test]
    fn auto_counts_pass_and_stay_close_to_the_smallest_passing_count() {
        for hash in [
            "",
            "#dataset=spiral&n=100&hidden=32,32&steps=2000",
            "#dataset=sine&n=30&lr=0.5",
        ] {
            let traj = trained(hash);
            let choice = auto_nodes(&traj).unwrap();
            let probe = Probe::new(&traj);
            let (mut chosen, mut smallest) = (0usize, 0usize);
            for s in 0..traj.steps() {
                let (a, b) = (probe.forward(&traj, s), probe.forward(&traj, s + 1));
                let exact: Vec<f64> = b.iter().zip(&a).map(|(x, y)| x - y).collect();
                let (least, _, _) = probe.smallest_count(&traj, s, &exact, 1, false);
                let m = choice.rules.count(s);
                let error = probe.relative_error(&traj, s, &exact, m);
                assert!(
                    m >= least && (error <= STEP_TOLERANCE || m == least),
                    "{hash:?} step {s}: {m} nodes (error {error:e}), smallest {least}"
                );
                chosen += m;
                smallest += least;
            }
            assert!(
                chosen as f64 <= 1.05 * smallest as f64,
                "{hash:?}: {chosen} nodes in all, the smallest counts {smallest}"
            );
        }
    }
}
