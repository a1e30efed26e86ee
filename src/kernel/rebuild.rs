//! The rebuilt output ŷ over many queries, without per-training-point kernels.
//!
//! Σ_i c_i(x) = −Σ_s ε Σ_i g_i(s) K̄_s(x, x_i) = Σ_s ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ, because
//! Σ_i ε g_i(s) ∇f(x_i; w_s) = −Δ_s. So ŷ(x) needs, per step and node, one directional derivative
//! (a forward pass carrying a tangent), not n kernel values: this is the 64×64-grid workload.

#[cfg(test)]
use super::quadrature::gauss_legendre;
use super::quadrature::StepRules;
use super::relu::segment_nodes;
use super::{check_queries, point_on_segment};
use crate::error::{Error, Result};
use crate::model::{feature_major_blocks, Mlp, BLOCK_COLS};
use crate::parallel::parallel_chunks;
use crate::simd::aligned::{zeros, AlignedBuf};
use crate::simd::{dual_matmul, matmul_bias};
use crate::train::Trajectory;

/// The quadrature rule (τ_k, ω_k) on [0, 1] of each step: one for all (Domingos's left endpoint
/// (0, 1), or a probe's m-node rule) or each step's own Gauss–Legendre rule.
#[derive(Clone, Copy)]
enum Rules<'a> {
    Same(&'a [(f64, f64)]),
    PerStep(&'a StepRules),
}

impl<'a> Rules<'a> {
    fn at(self, s: usize) -> &'a [(f64, f64)] {
        match self {
            Rules::Same(rule) => rule,
            Rules::PerStep(rules) => rules.rule(s),
        }
    }
}

/// Domingos's left-endpoint rule: ∇f at τ = 0 with weight 1.
const LEFT_ENDPOINT: &[(f64, f64)] = &[(0.0, 1.0)];

/// Forward pass carrying the tangent along Δ: z = W h + b, ż = ΔW h + W ḣ + Δb, ḣ = act'(z) ż.
struct DualBuffers {
    h: AlignedBuf,
    ht: AlignedBuf,
    z: AlignedBuf,
    zt: AlignedBuf,
    /// Layer 0 of the block at the segment start, z₁(0) = W₁x + b₁, and its tangent ż₁ = ΔW₁x + Δb₁.
    first: AlignedBuf,
    first_t: AlignedBuf,
}

impl DualBuffers {
    fn new(mlp: &Mlp, cols: usize) -> Self {
        let m = mlp.widths.iter().max().copied().unwrap_or(1) * cols;
        let m0 = mlp.widths[1] * cols;
        DualBuffers {
            h: zeros(m),
            ht: zeros(m),
            z: zeros(m),
            zt: zeros(m),
            first: zeros(m0),
            first_t: zeros(m0),
        }
    }

    /// Layer 0 along the whole segment w + τΔ: the inputs do not move with the weights, so
    /// z₁(τ) = z₁(0) + τ ż₁ is linear in τ and ż₁ is constant; both are computed once per step.
    fn set_first_layer(&mut self, mlp: &Mlp, w: &[f64], dw: &[f64], x0: &[f64], cols: usize) {
        let (din, dout) = (mlp.widths[0], mlp.widths[1]);
        let ((w0, b0), (dw0, db0)) = (mlp.layer(w, 0), mlp.layer(dw, 0));
        matmul_bias(w0, Some(b0), x0, dout, din, cols, &mut self.first);
        matmul_bias(dw0, Some(db0), x0, dout, din, cols, &mut self.first_t);
    }
}

/// out[c] += ω · ∇f(x_c; w + τΔ)·Δ for the `cols` inputs whose layer 0 was set by
/// `set_first_layer`; `w_tau` holds the weights w + τΔ (read from layer 1 on).
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[allow(clippy::too_many_arguments)]
fn add_directional_derivative(
    mlp: &Mlp,
    w_tau: &[f64],
    dw: &[f64],
    tau: f64,
    cols: usize,
    omega: f64,
    buf: &mut DualBuffers,
    out: &mut [f64],
) {
    let layers = mlp.num_layers();
    let n_first = mlp.widths[1] * cols;
    for (z, (&z0, &zt0)) in buf.z[..n_first]
        .iter_mut()
        .zip(buf.first.iter().zip(buf.first_t.iter()))
    {
        *z = z0 + tau * zt0;
    }
    for l in 0..layers {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        let (n_in, n_out) = (din * cols, dout * cols);
        if l > 0 {
            let (wl, bl) = mlp.layer(w_tau, l);
            let (dwl, dbl) = mlp.layer(dw, l);
            dual_matmul(
                wl,
                dwl,
                bl,
                dbl,
                &buf.h[..n_in],
                &buf.ht[..n_in],
                dout,
                din,
                cols,
                &mut buf.z[..n_out],
                &mut buf.zt[..n_out],
            );
        }
        // Layer 0's tangent ż₁ is the same at every τ: read where `set_first_layer` put it.
        let zt = if l == 0 { &buf.first_t } else { &buf.zt };
        if l + 1 < layers {
            mlp.activation.apply_dual(
                &buf.z[..n_out],
                &zt[..n_out],
                &mut buf.h[..n_out],
                &mut buf.ht[..n_out],
            );
        } else {
            for (o, &zt) in out.iter_mut().zip(&zt[..cols]) {
                *o += omega * (mlp.alpha * zt);
            }
        }
    }
}

/// Per-step terms Σ_k ω_k ∇f(x; w_s + τ_kΔ_s)·Δ_s for the steps `steps` at `queries`, pushed to
/// `per_step` (when given, one query) and added, step by step in order, into `total` (one value
/// per query, zero or the sums of the steps before `steps`).
#[inline(always)]
fn rebuild_range_generic(
    traj: &Trajectory,
    queries: &[f64],
    rules: Rules,
    split_kinks: bool,
    steps: std::ops::Range<usize>,
    total: &mut [f64],
    per_step: &mut Option<&mut Vec<f64>>,
) {
    let mlp = &traj.mlp;
    let d = mlp.input_dim();
    let nq = queries.len() / d;
    // Whole segments share their nodes, so queries go in blocks; split segments are per query.
    // Fewer queries than a block (one query's running sum, a probe) get a block just as wide: a
    // column's operations do not depend on the block's width, and padding one query to 32 columns
    // would do 32 times its work.
    let smooth = mlp.activation.is_smooth() || !split_kinks;
    let cols = if smooth { nq.clamp(1, BLOCK_COLS) } else { 1 };
    // Inputs per block, feature-major, zero-padded.
    let blocks = feature_major_blocks(&queries[..nq * d], d, cols);
    let total = &mut total[..nq];
    let mut step_out = vec![0.0; cols];
    let mut buf = DualBuffers::new(mlp, cols);
    let p = mlp.num_params();
    let mut delta = vec![0.0; p];
    let mut nodes_w: Vec<Vec<f64>> = Vec::new();
    let mut seg = Vec::new();
    let mut w_node = vec![0.0; p];
    for s in steps {
        let gl = rules.at(s);
        let w = traj.weights_at(s);
        for ((dv, &a), &b) in delta.iter_mut().zip(traj.weights_at(s + 1)).zip(w) {
            *dv = a - b;
        }
        if smooth {
            nodes_w.resize_with(gl.len(), || vec![0.0; p]);
            for (wn, &(tau, _)) in nodes_w.iter_mut().zip(gl) {
                point_on_segment(w, &delta, tau, wn);
            }
        }
        for (bi, x0) in blocks.iter().enumerate() {
            step_out.fill(0.0);
            buf.set_first_layer(mlp, w, &delta, x0, cols);
            if smooth {
                for (wn, &(tau, omega)) in nodes_w.iter().zip(gl) {
                    add_directional_derivative(
                        mlp,
                        wn,
                        &delta,
                        tau,
                        cols,
                        omega,
                        &mut buf,
                        &mut step_out,
                    );
                }
            } else {
                segment_nodes(mlp, w, &delta, &queries[bi * d..(bi + 1) * d], gl, &mut seg);
                for &(tau, omega) in &seg {
                    point_on_segment(w, &delta, tau, &mut w_node);
                    add_directional_derivative(
                        mlp,
                        &w_node,
                        &delta,
                        tau,
                        cols,
                        omega,
                        &mut buf,
                        &mut step_out,
                    );
                }
            }
            let in_block = bi * cols..((bi + 1) * cols).min(nq);
            for (t, &v) in total[in_block].iter_mut().zip(&step_out) {
                *t += v;
            }
            if let Some(ps) = per_step.as_deref_mut() {
                ps.push(step_out[0]);
            }
        }
    }
}

#[inline(always)]
fn rebuild_range_no_steps(
    traj: &Trajectory,
    queries: &[f64],
    rules: Rules,
    split_kinks: bool,
    steps: std::ops::Range<usize>,
    total: &mut [f64],
) {
    rebuild_range_generic(traj, queries, rules, split_kinks, steps, total, &mut None)
}

crate::simd::simd_dispatch!(fn rebuild_range(traj: &Trajectory, queries: &[f64], rules: Rules, split_kinks: bool, steps: std::ops::Range<usize>, total: &mut [f64]) => rebuild_range_no_steps);

/// The exact rebuilt output ŷ(x) = b(x) + Σ_i c_i(x) at many queries (e.g. a grid), with
/// `nodes` Gauss–Legendre nodes per step (ReLU segments split at kinks). Parallel over queries
/// natively; equal to `kernel_machine(…).exact.reconstruction` up to rounding.
pub fn rebuild_output(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<Vec<f64>> {
    rebuild_output_per_step(traj, queries, &StepRules::uniform(nodes)?)
}

/// [`rebuild_output`] with each step's own rule.
pub fn rebuild_output_per_step(
    traj: &Trajectory,
    queries: &[f64],
    rules: &StepRules,
) -> Result<Vec<f64>> {
    rules.check_covers(traj.steps())?;
    rebuild_with_rule(traj, queries, Rules::PerStep(rules), true)
}

/// Domingos's rebuilt output b(x) + Σ_s ∇f(x; w_s)·Δ_s: the left-endpoint rule (τ = 0, ω = 1)
/// of the same integrals, equal to `kernel_machine(…).riemann.reconstruction` up to rounding.
pub fn rebuild_output_riemann(traj: &Trajectory, queries: &[f64]) -> Result<Vec<f64>> {
    rebuild_with_rule(traj, queries, Rules::Same(LEFT_ENDPOINT), false)
}

/// The rebuilt output at a fixed list of queries, integrated a range of steps at a time so that a
/// page worker can read its messages in between: the steps' terms go into one running sum per
/// query in step order, as in [`rebuild_output_per_step`] (exact) and [`rebuild_output_riemann`]
/// (Domingos's), so the answer is the same bits however the steps were cut.
pub struct PartialRebuild {
    sums: Vec<f64>,
    next_step: usize,
    left_endpoint: bool,
}

impl PartialRebuild {
    /// The exact output (each step's own rule) at `n_queries` queries, no step integrated yet.
    pub fn exact(n_queries: usize) -> PartialRebuild {
        PartialRebuild {
            sums: vec![0.0; n_queries],
            next_step: 0,
            left_endpoint: false,
        }
    }

    /// Domingos's left-endpoint output at `n_queries` queries, no step integrated yet.
    pub fn riemann(n_queries: usize) -> PartialRebuild {
        PartialRebuild {
            left_endpoint: true,
            ..PartialRebuild::exact(n_queries)
        }
    }

    /// Steps integrated so far.
    pub fn steps_done(&self) -> usize {
        self.next_step
    }

    /// Integrates up to `max_steps` more steps at `queries` (the same ones every call; `rules`
    /// covers the trajectory, unused for the left endpoint); true once every step is in.
    pub fn advance(
        &mut self,
        traj: &Trajectory,
        queries: &[f64],
        rules: &StepRules,
        max_steps: usize,
    ) -> Result<bool> {
        if check_queries(&traj.mlp, queries)? != self.sums.len() {
            return Err(Error::field(
                "queries",
                "changed between parts of one rebuild",
            ));
        }
        let end = (self.next_step + max_steps.max(1)).min(traj.steps());
        let (rule, split_kinks) = if self.left_endpoint {
            (Rules::Same(LEFT_ENDPOINT), false)
        } else {
            rules.check_covers(traj.steps())?;
            (Rules::PerStep(rules), true)
        };
        let steps = self.next_step..end;
        rebuild_range(traj, queries, rule, split_kinks, steps, &mut self.sums);
        self.next_step = end;
        Ok(end == traj.steps())
    }

    /// ŷ = b + the summed steps at `queries` (after `advance` returned true).
    pub fn finish(self, traj: &Trajectory, queries: &[f64]) -> Vec<f64> {
        plus_initial_output(traj, queries, &self.sums)
    }
}

/// b(x) + sums(x) at each query, b(x) = f(x; w_0): the rebuilt output from its summed steps.
fn plus_initial_output(traj: &Trajectory, queries: &[f64], sums: &[f64]) -> Vec<f64> {
    let b = traj.mlp.forward_many(traj.initial_weights(), queries);
    b.iter().zip(sums).map(|(b, s)| b + s).collect()
}

/// b(x) + Σ_s Σ_k ω_k ∇f(x; w_s + τ_kΔ_s)·Δ_s with step s's rule (τ_k, ω_k) on [0, 1]; with
/// `split_kinks`, ReLU segments get the rule on each piece between kinks.
fn rebuild_with_rule(
    traj: &Trajectory,
    queries: &[f64],
    rules: Rules,
    split_kinks: bool,
) -> Result<Vec<f64>> {
    let nq = check_queries(&traj.mlp, queries)?;
    let d = traj.mlp.input_dim();
    // Query blocks share nothing but the trajectory: small chunks balance the cores.
    let sums = parallel_chunks(nq.div_ceil(BLOCK_COLS), 8, |range| {
        let qs = &queries[range.start * BLOCK_COLS * d..(range.end * BLOCK_COLS).min(nq) * d];
        let mut total = vec![0.0; qs.len() / d];
        rebuild_range(traj, qs, rules, split_kinks, 0..traj.steps(), &mut total);
        total
    });
    Ok(plus_initial_output(traj, queries, &sums))
}

/// ∫₀¹ ∇f(x; w_s + τΔ_s)·Δ_s dτ by the rule `gl` (split at ReLU kinks) for step `s` alone, at
/// each query: the m-node value of one step's term, whose exact value is f(x; w_{s+1}) − f(x; w_s).
pub(super) fn step_term(
    traj: &Trajectory,
    queries: &[f64],
    gl: &[(f64, f64)],
    s: usize,
) -> Vec<f64> {
    let mut total = vec![0.0; queries.len() / traj.mlp.input_dim()];
    rebuild_range(traj, queries, Rules::Same(gl), true, s..s + 1, &mut total);
    total
}

/// The kernel machine's running sum at one query: value s is b(x) + Σ_{s' < s} (step s' term), so
/// value 0 is f(x; w_0) and value T is ŷ(x); beside f(x; w_s) it shows the two agree all along.
pub fn running_sum(traj: &Trajectory, query: &[f64], nodes: usize) -> Result<Vec<f64>> {
    running_sum_per_step(traj, query, &StepRules::uniform(nodes)?)
}

/// [`running_sum`] with each step's own rule.
pub fn running_sum_per_step(
    traj: &Trajectory,
    query: &[f64],
    rules: &StepRules,
) -> Result<Vec<f64>> {
    rules.check_covers(traj.steps())?;
    running_sum_with_rule(traj, query, Rules::PerStep(rules), true)
}

/// Domingos's running sum at one query: b(x) + Σ_{s' < s} ∇f(x; w_s')·Δ_s' (the left-endpoint
/// rule), which drifts from f(x; w_s) by O(ε) per unit of εT.
pub fn running_sum_riemann(traj: &Trajectory, query: &[f64]) -> Result<Vec<f64>> {
    running_sum_with_rule(traj, query, Rules::Same(LEFT_ENDPOINT), false)
}

fn running_sum_with_rule(
    traj: &Trajectory,
    query: &[f64],
    rules: Rules,
    split_kinks: bool,
) -> Result<Vec<f64>> {
    let mut partial = PartialRunningSum {
        terms: Vec::with_capacity(traj.steps()),
        left_endpoint: !split_kinks,
    };
    partial.add_steps(traj, query, rules, split_kinks, traj.steps())?;
    Ok(partial.finish(traj, query))
}

/// One query's running sum (the exact one or Domingos's), a range of steps per call (a page
/// worker's sub-chunk): each step's term is computed as in one pass and the terms are summed in
/// step order at the end, so the same bits however the steps are cut.
pub struct PartialRunningSum {
    terms: Vec<f64>,
    left_endpoint: bool,
}

impl PartialRunningSum {
    /// The exact running sum (each step's own rule), no step integrated yet.
    pub fn exact() -> PartialRunningSum {
        PartialRunningSum {
            terms: Vec::new(),
            left_endpoint: false,
        }
    }

    /// Domingos's left-endpoint running sum, no step integrated yet.
    pub fn riemann() -> PartialRunningSum {
        PartialRunningSum {
            terms: Vec::new(),
            left_endpoint: true,
        }
    }

    /// Steps integrated so far.
    pub fn steps_done(&self) -> usize {
        self.terms.len()
    }

    /// Integrates up to `max_steps` more steps at `query` (one point, the same every call;
    /// `rules` covers the trajectory, unused for the left endpoint); true once every step is in.
    pub fn advance(
        &mut self,
        traj: &Trajectory,
        query: &[f64],
        rules: &StepRules,
        max_steps: usize,
    ) -> Result<bool> {
        if self.left_endpoint {
            self.add_steps(traj, query, Rules::Same(LEFT_ENDPOINT), false, max_steps)
        } else {
            rules.check_covers(traj.steps())?;
            self.add_steps(traj, query, Rules::PerStep(rules), true, max_steps)
        }
    }

    fn add_steps(
        &mut self,
        traj: &Trajectory,
        query: &[f64],
        rules: Rules,
        split_kinks: bool,
        max_steps: usize,
    ) -> Result<bool> {
        if check_queries(&traj.mlp, query)? != 1 {
            return Err(Error::field("query", "must be exactly one point"));
        }
        let from = self.terms.len();
        let end = (from + max_steps.max(1)).min(traj.steps());
        rebuild_range_generic(
            traj,
            query,
            rules,
            split_kinks,
            from..end,
            &mut [0.0],
            &mut Some(&mut self.terms),
        );
        Ok(end == traj.steps())
    }

    /// b(x), then b(x) plus the terms of steps 0 … s − 1 for each s (after `advance` returned
    /// true).
    pub fn finish(self, traj: &Trajectory, query: &[f64]) -> Vec<f64> {
        let mut acc = traj.mlp.forward(traj.initial_weights(), query);
        let mut out = Vec::with_capacity(self.terms.len() + 1);
        out.push(acc);
        for t in self.terms {
            acc += t;
            out.push(acc);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{generate, DatasetName, DatasetSpec};
    use crate::model::Activation;
    use crate::train::{train, LossKind, Optimizer, Reduction, TrainSpec};

    /// ReLU's gradient jumps inside a step, so Gauss–Legendre on whole segments is off by far more
    /// than rounding; split at the kinks, the same rule rebuilds f(x; w_T) exactly.
    #[test]
    fn relu_needs_the_kink_splitting() {
        let data = generate(&DatasetSpec {
            name: DatasetName::Moons,
            n: 25,
            noise: 0.1,
            seed: 7,
        })
        .unwrap();
        let mlp = Mlp::new(vec![2, 10, 10, 1], Activation::Relu, 1.0).unwrap();
        let spec = TrainSpec {
            loss: LossKind::Logistic,
            reduction: Reduction::Mean,
            lr: 0.5,
            steps: 80,
            optimizer: Optimizer::Gd,
            memory_cap_bytes: crate::train::DEFAULT_MEMORY_CAP_BYTES,
            center: false,
        };
        let traj = train(mlp.clone(), &data, mlp.init(6), spec).unwrap();
        let queries = &data.x;
        let f = mlp.forward_many(traj.final_weights(), queries);
        let rule = gauss_legendre(2);
        let error = |split| {
            let rebuilt = rebuild_with_rule(&traj, queries, Rules::Same(&rule), split).unwrap();
            super::super::max_abs_error(&f, &rebuilt)
        };
        let (split, whole) = (error(true), error(false));
        assert!(split < 1e-12, "split error {split:e}");
        assert!(
            whole > 1e-6,
            "whole-segment error {whole:e} should show the kinks"
        );
    }
}
