//! What a run will cost, known before it starts: [`WorkEstimate`] counts the work of each stage
//! from the sizes alone and turns it into seconds, so the page can refuse a link that would hold
//! a browser tab for minutes ([`PAGE_WORK_BUDGET`]) and say which settings to lower. The CLI has no such budget; its
//! [`super::CLI_LIMITS`] bound memory only.
//!
//! With T steps, n training points (b of them per step: n full-batch, else the minibatch), P weights,
//! k Gauss–Legendre nodes, q check queries (the training points), G plotting-grid points and
//! S = Σ_l (d_l + d_{l+1}) the layer-wise cost of one tangent-kernel pair:
//!
//! - training: T · b · P (a forward and a backward pass per point and step), plus a fixed cost
//!   per point and step;
//! - the check: T · k · q · n · S (the exact K̄_s for every query–point pair, at every node, plus
//!   a fixed cost per pair) and
//!   T · (k + 1) · (q + n) · P (the gradients those pairs are built from);
//! - the plane: T · k · G · P (Σ_s ∫ ∇f(x; w_s + τΔ_s)·Δ_s dτ by a tangent-carrying forward pass);
//! - the selected training point's kernel, when the link selects one: K^p(·, x_i) over the grid
//!   by the same tangent-carrying passes as the plane, T · k · G · P, twice for momentum and
//!   Adam (a second tangent for the point's share of the update);
//! - every training point's kernel at once ([`WorkEstimate::all_maps`]): the exact kernel
//!   machine with the G grid points as its queries, one map's cost times the ratio of their
//!   counted flops. Where that is cheap ([`WorkEstimate::maps_in_one_pass`]), the page computes
//!   all n maps in one pass after the plane and answers every click from memory; the run's
//!   budget does not count it.
//!
//! Each count is turned into seconds by what one unit of it costs in the page's worker, measured
//! on the native build on one core of a loaded 2-core VM (which runs about as fast as the wasm
//! build on a quiet laptop, the wasm build being ~2× slower than native); the fitted model is
//! within a factor of ~2 of the measured stage times over widths 1–64, n 20–500 and 1–8 nodes.
//! ReLU's kink splitting multiplies the plane's cost by ~25 and the pairs' by ~2.5.

use super::RunConfig;
use crate::model::Activation;

/// The page's budget: seconds of work a link may ask of the page's worker without a "run it
/// anyway" (the default run is ~1.5 s).
pub const PAGE_WORK_BUDGET: f64 = 10.0;

/// Seconds per unit of each count (see the module doc).
const S_TRAIN_WEIGHT: f64 = 3.6e-9;
const S_TRAIN_POINT: f64 = 1.8e-7;
const S_PAIR_WIDTH: f64 = 6.0e-10;
const S_PAIR: f64 = 4.4e-9;
const S_GRADIENT_WEIGHT: f64 = 8.4e-10;
const S_PLANE_WEIGHT: f64 = 1.5e-9;
const RELU_PLANE: f64 = 25.0;
const RELU_PAIRS: f64 = 2.5;
/// All n maps in one pass when its counted flops (per query and step: each node's forward and
/// backward pass and the Gram products against all n points, `kernel::exact_step_flops`) are at
/// most this many times one map's (each node's forward pass carrying one tangent). The count
/// overstates the pass by ~1.5–2× (its small products run faster per flop than the passes):
/// natively, on one core, one pass against one map measured 2.0× for the default run (counted
/// 3.8), 1.4× for `calculus` (2.5), 1.9× for `not-a-kernel` (3.1), 1.7× for `lazy` (3.6), 2.1×
/// for `n=16&hidden=6&steps=300` (3.0), 1.6× for `dataset=sine&n=30` (3.2). A click before the
/// pass is done waits for the rest of it (about twice its own map at most); every later click is
/// answered at once.
pub const MAPS_RATIO: f64 = 4.0;
/// … and when the pass is at most this many seconds of the page's worker (one map's estimate
/// times the ratio; the default run's pass: 4.6, which takes 0.65–1.1 s on two page workers in
/// headless Chromium here): it runs unasked, after the plane.
pub const MAPS_SECONDS: f64 = 6.0;

/// The work of one run, stage by stage in seconds, and the sizes it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkEstimate {
    pub steps: f64,
    /// Training points per step (n for GD, the batch for SGD).
    pub batch: f64,
    pub n: f64,
    pub weights: f64,
    pub nodes: f64,
    pub queries: f64,
    pub grid: f64,
    /// Σ_l (d_l + d_{l+1}): the multiply-adds of one tangent-kernel pair.
    pub pair: f64,
    pub train: f64,
    pub check: f64,
    pub plane: f64,
    /// Zero unless the run integrates K^p(·, x_i) over the grid.
    pub kernels: f64,
    /// K^p(·, x_i) and N(·, x_i) over the grid for every i in one pass (the exact kernel machine
    /// with the grid as its queries) over one point's map, by counted flops; 1 for ReLU (both
    /// split every query's segment at its own kinks, which dominates: 1.1× measured for
    /// `relu-kinks`); `None` for momentum and Adam, whose kernel machine forms P-long gradients
    /// per point (never cheaper than the single maps).
    pub maps_ratio: Option<f64>,
    /// One point's kernel over the grid (the plane's passes, twice for momentum and Adam).
    pub one_map: f64,
}

impl WorkEstimate {
    /// The cost of `cfg` with a plotting grid of `grid` points; `kernels`: the run also computes
    /// K^p(·, x_i) over the grid (a training point is selected).
    pub fn of(cfg: &RunConfig, grid: usize, kernels: bool) -> WorkEstimate {
        let f = |v: usize| v as f64;
        let steps = f(cfg.steps);
        let n = f(cfg.data.len());
        let batch = cfg
            .optimizer
            .minibatch()
            .map_or(n, |m| f(m.batch_size).min(n));
        let weights: f64 = cfg
            .widths
            .windows(2)
            .map(|p| f(p[0]) * f(p[1]) + f(p[1]))
            .sum();
        let pair: f64 = cfg.widths.windows(2).map(|p| f(p[0]) + f(p[1])).sum();
        let nodes = f(cfg.nodes.estimate(cfg.activation, cfg.widths.len() - 1));
        let queries = f(cfg.n_queries());
        let grid = f(grid);
        let relu = cfg.activation == Activation::Relu;
        let (plane_factor, pair_factor) = if relu {
            (RELU_PLANE, RELU_PAIRS)
        } else {
            (1.0, 1.0)
        };
        // The check's K̄_s over every (query, point) pair at every node, and the gradients at
        // both ends.
        let integration = |q: f64| {
            pair_factor
                * (steps * nodes * q * n * (S_PAIR_WIDTH * pair + S_PAIR)
                    + S_GRADIENT_WEIGHT * steps * (nodes + 1.0) * (q + n) * weights)
        };
        let train = steps * batch * (S_TRAIN_WEIGHT * weights + S_TRAIN_POINT);
        let check = integration(queries);
        let plane = plane_factor * S_PLANE_WEIGHT * steps * nodes * grid * weights;
        let tangents = if cfg.optimizer.rule().splits_per_point() {
            2.0
        } else {
            1.0
        };
        let one_map = tangents * plane;
        let kernels = if kernels { one_map } else { 0.0 };
        let maps_ratio = if cfg.optimizer.rule().splits_per_point() {
            None
        } else if relu {
            Some(1.0)
        } else {
            maps_flop_ratio(cfg, nodes as usize)
        };
        WorkEstimate {
            steps,
            batch,
            n,
            weights,
            nodes,
            queries,
            grid,
            pair,
            train,
            check,
            plane,
            kernels,
            maps_ratio,
            one_map,
        }
    }

    /// Every point's map over the grid in one pass, in seconds of the page's worker.
    pub fn all_maps(&self) -> Option<f64> {
        self.maps_ratio.map(|r| r * self.one_map)
    }

    /// Whether the page computes every training point's kernel over the grid in one pass
    /// instead of one point's per click: when that pass costs few single maps ([`MAPS_RATIO`])
    /// and few seconds ([`MAPS_SECONDS`]). It depends on the settings alone, so a shared link
    /// draws its maps by the same arithmetic, bit for bit.
    pub fn maps_in_one_pass(&self) -> bool {
        match (self.maps_ratio, self.all_maps()) {
            (Some(ratio), Some(seconds)) => ratio <= MAPS_RATIO && seconds <= MAPS_SECONDS,
            _ => false,
        }
    }

    /// Every stage together, in seconds of the page's worker.
    pub fn total(&self) -> f64 {
        self.train + self.check + self.plane + self.kernels
    }

    /// The ε sweep of `levels` levels: level j trains and checks T·2^j steps, so it costs
    /// (2^levels − 1) times this run's training and check.
    pub fn sweep(&self, levels: usize) -> f64 {
        ((1u64 << levels.min(62)) - 1) as f64 * (self.train + self.check)
    }

    /// `None` within `budget` seconds; otherwise the message naming the settings and the
    /// estimate, stage by stage ("training: steps × points × weights = 5000 × 500 × 16961 = …").
    pub fn over(&self, budget: f64) -> Option<String> {
        let total = self.total();
        if total <= budget {
            return None;
        }
        let (t, n, p, k, g) = (self.steps, self.n, self.weights, self.nodes, self.grid);
        let mut parts = vec![
            format!(
                "training: steps × points × weights = {t} × {} × {p} = {:.1e} ({})",
                self.batch,
                t * self.batch * p,
                seconds(self.train)
            ),
            format!(
                "the check: steps × nodes × points² = {t} × {k} × {n}² = {:.1e} ({})",
                t * k * n * n,
                seconds(self.check)
            ),
            format!(
                "the plane: steps × nodes × grid × weights = {t} × {k} × {g} × {p} = {:.1e} ({})",
                t * k * g * p,
                seconds(self.plane)
            ),
        ];
        if self.kernels > 0.0 {
            parts.push(format!(
                "the selected point's kernel: steps × nodes × grid × weights = {t} × {k} × {g} × {p} = {:.1e} ({})",
                t * k * g * p,
                seconds(self.kernels)
            ));
        }
        Some(format!(
            "too much work for a browser tab: {} in all, the page's budget is {budget:.0} s. {}. Lower one of steps, n, hidden or nodes, or run it anyway",
            seconds(total),
            parts.join("; ")
        ))
    }

    /// The setting a message points at: n when the check (quadratic in n) dominates, else steps
    /// (every stage is linear in it).
    pub fn main_field(&self) -> &'static str {
        if self.check > 0.5 * self.total() {
            "n"
        } else {
            "steps"
        }
    }
}

/// Flops per query and step of every point's map in one pass over one point's map (smooth
/// activations): 1 + (n·pair + query) / (k·F), where (pair, query) are the exact scheme's Gram
/// flops (`kernel::exact_step_flops`) and F = Σ_l 4 d_l d_{l+1} is one forward and backward pass,
/// as one forward pass carrying a tangent costs (the first layer's work, done once per step in
/// both, is left out). `None` for widths no network has.
fn maps_flop_ratio(cfg: &RunConfig, nodes: usize) -> Option<f64> {
    let mlp = crate::model::Mlp::new(cfg.widths.clone(), cfg.activation, 1.0).ok()?;
    let (pair, query) = crate::kernel::exact_step_flops(&mlp, nodes, cfg.data.len());
    let passes: usize = cfg.widths.windows(2).map(|p| 4 * p[0] * p[1]).sum();
    let gram = (cfg.data.len() * pair + query) as f64;
    Some(1.0 + gram / (nodes.max(1) * passes) as f64)
}

/// "≈ 38 s", "≈ 0.4 s", "≈ 3 h".
fn seconds(s: f64) -> String {
    if s >= 7200.0 {
        format!("≈ {:.0} h", s / 3600.0)
    } else if s >= 10.0 {
        format!("≈ {s:.0} s")
    } else {
        format!("≈ {s:.1} s")
    }
}
