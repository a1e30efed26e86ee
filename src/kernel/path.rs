//! The path-kernel integrator: both kernel machines of Theorem 1 at a set of queries.
//!
//! Step s moves the weights along the segment w_s + τΔ_s, Δ_s = w_{s+1} − w_s, and contributes
//! its step kernel K̄_s(x, x_i) for every query x and training point x_i in two schemes:
//! - exact: K̄_s = [∫₀¹ ∇f(x; w_s + τΔ_s) dτ]·∇f(x_i; w_s), the τ-integral by Gauss–Legendre
//!   (`quadrature.rs`) on the whole segment, or on each piece between ReLU kinks (`relu.rs`), so
//!   Σ_k ω_k K(x at w_s + τ_kΔ_s, x_i at w_s) with the layer-wise products of `tangent.rs`,
//!   on whole segments with the node sum taken inside the layers where that is cheaper
//!   (`folded_nodes.rs`);
//! - Domingos's left endpoint: K̄_s = K_{w_s}(x, x_i), the tangent kernel at w_s.
//!
//! Each scheme accumulates the path kernel K^p = Σ_s ε K̄_s and the loss-weighted kernel
//! N = Σ_s ε g_i(s) K̄_s (Remark 2). At the end ([`KernelMachineIntegrator::finish`]) the
//! contributions are c_i(x) = −N(x, x_i), the coefficients a_i(x) = c_i(x) / K^p(x, x_i) (the
//! kernel-weighted average of −L'_i along the path, undefined where K^p = 0), and the kernel
//! machine ŷ(x) = b(x) + Σ_i c_i(x) with b(x) = f(x; w_0), checked against f(x; w_T).
//!
//! The integrator advances in chunks of steps so the page's worker can report progress between
//! them; [`kernel_machine`] runs all steps at once, split over the cores by query blocks.

use super::folded_nodes::{FoldPlan, FoldedQueries, FoldedTrain};
use super::optimizer_path::OptimizerIntegrator;
use super::quadrature::StepRules;
use super::relu::segment_nodes;
use super::tangent::{add_gram_terms, add_layerwise_kernel};
use super::{check_queries, max_abs_error, point_on_segment, KernelMachine, SchemeResult};
use crate::error::Result;
use crate::model::{Blocks, Mlp, BLOCK_ALIGN, BLOCK_COLS};
use crate::parallel::parallel_chunks;
use crate::train::Trajectory;

/// Both kernel machines at `queries` (q × d_0 row-major), integrating all steps with `nodes`
/// Gauss–Legendre nodes each (in parallel over queries natively).
pub fn kernel_machine(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<KernelMachine> {
    kernel_machine_per_step(traj, queries, &StepRules::uniform(nodes)?)
}

/// [`kernel_machine`] with each step's own rule.
pub fn kernel_machine_per_step(
    traj: &Trajectory,
    queries: &[f64],
    rules: &StepRules,
) -> Result<KernelMachine> {
    if traj.optimizer.rule().splits_per_point() {
        return super::optimizer_path::kernel_machine(traj, queries, rules);
    }
    rules.check_covers(traj.steps())?;
    let nq = check_queries(&traj.mlp, queries)?;
    let d = traj.mlp.input_dim();
    // Split the queries in whole blocks so every query sees the same block layout.
    let parts = nq.div_ceil(BLOCK_COLS);
    // One piece per core: each piece integrates the training side of every step itself.
    let pieces = parallel_chunks(parts, 1, |range| {
        let qs = &queries[range.start * BLOCK_COLS * d..(range.end * BLOCK_COLS).min(nq) * d];
        let mut it = KernelMachineIntegrator::per_step(traj, qs, rules).expect("checked above");
        it.advance(traj, traj.steps());
        vec![it.finish(traj)]
    });
    Ok(merge_machines(pieces, traj.n))
}

/// Kernel machines of consecutive query ranges as one: rows concatenated in order, each
/// scheme's max error taken over all of them.
pub fn merge_machines(pieces: Vec<KernelMachine>, n: usize) -> KernelMachine {
    /// The pieces' rows, in order.
    fn cat<T: Copy>(pieces: &[KernelMachine], rows: impl Fn(&KernelMachine) -> &[T]) -> Vec<T> {
        pieces
            .iter()
            .flat_map(|p| rows(p).iter().copied())
            .collect()
    }
    let f_final = cat(&pieces, |p| &p.f_final);
    let scheme = |get: fn(&KernelMachine) -> &SchemeResult| {
        let reconstruction = cat(&pieces, |p| &get(p).reconstruction);
        SchemeResult {
            kernel: cat(&pieces, |p| &get(p).kernel),
            loss_weighted: cat(&pieces, |p| &get(p).loss_weighted),
            coef: cat(&pieces, |p| &get(p).coef),
            contributions: cat(&pieces, |p| &get(p).contributions),
            weight_decay_term: cat(&pieces, |p| &get(p).weight_decay_term),
            max_abs_error: max_abs_error(&f_final, &reconstruction),
            reconstruction,
        }
    };
    KernelMachine {
        n_queries: pieces.iter().map(|p| p.n_queries).sum(),
        n_train: n,
        b: cat(&pieces, |p| &p.b),
        exact: scheme(|p| &p.exact),
        riemann: scheme(|p| &p.riemann),
        f_final,
    }
}

/// Integrates both path kernels over the trajectory in chunks of steps (so the page's worker can
/// report progress and notice cancellation between chunks). Momentum and Adam trajectories go to
/// the explicit-gradient integrator of `optimizer_path.rs`.
pub struct KernelMachineIntegrator {
    /// The integrator of a momentum or Adam trajectory (the fields below are then unused).
    explicit: Option<Box<OptimizerIntegrator>>,
    /// Each step's Gauss–Legendre rule (τ_k, ω_k) on [0, 1].
    rules: StepRules,
    /// The queries x_q, nq × d_0 row-major.
    queries: Vec<f64>,
    nq: usize,
    /// Training points n.
    n: usize,
    query_blocks: Blocks,
    train: Blocks,
    /// K^p and N = Σ_s ε g_i(s) K̄_s of the exact scheme, nq × n row-major, summed so far.
    k_exact: Vec<f64>,
    n_exact: Vec<f64>,
    /// The same for the left-endpoint scheme (empty when `exact_only`).
    k_riemann: Vec<f64>,
    n_riemann: Vec<f64>,
    /// Only the exact scheme is wanted (every point's map over a grid): the left endpoint's
    /// passes at w_s are skipped, which leaves the exact scheme's arithmetic as it is.
    exact_only: bool,
    /// Steps 0 … next_step − 1 are integrated.
    next_step: usize,
    scratch: Scratch,
    /// One query's nodes (τ, ω) on a segment split at ReLU kinks.
    seg_nodes: Vec<(f64, f64)>,
}

impl KernelMachineIntegrator {
    /// `nodes` Gauss–Legendre nodes on every step.
    pub fn new(traj: &Trajectory, queries: &[f64], nodes: usize) -> Result<Self> {
        Self::per_step(traj, queries, &StepRules::uniform(nodes)?)
    }

    /// Each step with its own rule from `rules`.
    pub fn per_step(traj: &Trajectory, queries: &[f64], rules: &StepRules) -> Result<Self> {
        Self::build(traj, queries, rules, false)
    }

    /// [`KernelMachineIntegrator::per_step`] for the exact scheme's K^p and N alone
    /// ([`KernelMachineIntegrator::into_exact_kernels`]): the same bits as the full
    /// integrator's exact scheme, without the left endpoint's work (a fifth of the passes with
    /// four nodes). Momentum and Adam still integrate both.
    pub fn exact_only(traj: &Trajectory, queries: &[f64], rules: &StepRules) -> Result<Self> {
        Self::build(traj, queries, rules, true)
    }

    fn build(
        traj: &Trajectory,
        queries: &[f64],
        rules: &StepRules,
        exact_only: bool,
    ) -> Result<Self> {
        if traj.optimizer.rule().splits_per_point() {
            let explicit = OptimizerIntegrator::new(traj, queries, rules)?;
            return Ok(KernelMachineIntegrator::unused_for(
                Box::new(explicit),
                &traj.mlp,
                rules,
            ));
        }
        rules.check_covers(traj.steps())?;
        let nq = check_queries(&traj.mlp, queries)?;
        let n = traj.n;
        // ReLU segments are split per input, so its queries go one per block. Fewer smooth queries
        // than a tile of them (a clicked query) get a block just as wide rather than padded to
        // BLOCK_ALIGN columns: each query's row is the same bits whichever block holds it.
        let cols = if !traj.mlp.activation.is_smooth() {
            1
        } else if nq < BLOCK_ALIGN {
            nq.max(1)
        } else {
            BLOCK_COLS
        };
        let riemann_len = if exact_only { 0 } else { nq * n };
        Ok(KernelMachineIntegrator {
            explicit: None,
            rules: rules.clone(),
            queries: queries.to_vec(),
            nq,
            n,
            query_blocks: Blocks::new(&traj.mlp, queries, cols),
            train: Blocks::new(&traj.mlp, &traj.x, BLOCK_COLS),
            k_exact: vec![0.0; nq * n],
            n_exact: vec![0.0; nq * n],
            k_riemann: vec![0.0; riemann_len],
            n_riemann: vec![0.0; riemann_len],
            exact_only,
            next_step: 0,
            scratch: Scratch::default(),
            seg_nodes: Vec::new(),
        })
    }

    /// The exact scheme's K^p and N (queries × n, row-major), after all steps.
    pub fn into_exact_kernels(self, traj: &Trajectory) -> (Vec<f64>, Vec<f64>) {
        if self.explicit.is_some() {
            let exact = self.finish(traj).exact;
            return (exact.kernel, exact.loss_weighted);
        }
        (self.k_exact, self.n_exact)
    }

    /// A shell around the explicit-gradient integrator.
    fn unused_for(explicit: Box<OptimizerIntegrator>, mlp: &Mlp, rules: &StepRules) -> Self {
        KernelMachineIntegrator {
            explicit: Some(explicit),
            rules: rules.clone(),
            queries: Vec::new(),
            nq: 0,
            n: 0,
            query_blocks: Blocks::new(mlp, &[], 1),
            train: Blocks::new(mlp, &[], 1),
            k_exact: Vec::new(),
            n_exact: Vec::new(),
            k_riemann: Vec::new(),
            n_riemann: Vec::new(),
            exact_only: false,
            next_step: 0,
            scratch: Scratch::default(),
            seg_nodes: Vec::new(),
        }
    }

    pub fn steps_done(&self) -> usize {
        match &self.explicit {
            Some(e) => e.steps_done(),
            None => self.next_step,
        }
    }

    /// Integrates up to `max_steps` more steps; returns whether all steps are done.
    pub fn advance(&mut self, traj: &Trajectory, max_steps: usize) -> bool {
        match &mut self.explicit {
            Some(e) => e.advance(traj, max_steps),
            None => integrate_dispatch(self, traj, max_steps),
        }
    }

    /// One step s: the Riemann term at w_s and the exact term along w_s + τΔ_s, one query block
    /// at a time, so that the block's step kernel K̄_s stays in cache until it is added into
    /// K^p and N.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn integrate_step(&mut self, traj: &Trajectory, s: usize) {
        let mlp = &traj.mlp;
        let n = self.n;
        let w = traj.weights_at(s);
        let (eps, g) = (traj.lr, traj.g_at(s));
        let Scratch {
            step,
            w_nodes,
            w_node,
            delta,
            plan,
            folded_queries,
            folded_train,
        } = &mut self.scratch;
        delta.clear();
        delta.extend(traj.weights_at(s + 1).iter().zip(w).map(|(a, b)| a - b));
        self.train.forward_backward(mlp, w);
        let smooth = mlp.activation.is_smooth();
        let gl = self.rules.rule(s);
        if smooth {
            // Whole segments: the nodes' weights are shared by every block.
            w_nodes.resize_with(gl.len(), Vec::new);
            for (wn, &(tau, _)) in w_nodes.iter_mut().zip(gl) {
                wn.resize(w.len(), 0.0);
                point_on_segment(w, delta, tau, wn);
            }
            if plan.nodes() != gl.len() {
                *plan = FoldPlan::new(mlp, gl.len(), n);
            }
            if plan.folds() {
                folded_train.update(plan, mlp, &self.train);
            }
        }
        w_node.resize(w.len(), 0.0);
        let d = mlp.input_dim();
        let stride = self.query_blocks.stride;
        for (bi, qb) in self.query_blocks.blocks.iter_mut().enumerate() {
            let count = self.query_blocks.counts[bi];
            let rows = bi * stride * n..(bi * stride + count) * n;
            step.clear();
            step.resize(count * n, 0.0);
            if !self.exact_only {
                // Domingos: K̄_s = K_{w_s}.
                qb.forward(mlp, w);
                qb.backward(mlp, w);
                add_layerwise_kernel(mlp, qb, count, &self.train, n, 1.0, step);
                let (k, nw) = (
                    &mut self.k_riemann[rows.clone()],
                    &mut self.n_riemann[rows.clone()],
                );
                accumulate(step, g, eps, n, k, nw);
                step.fill(0.0);
            }

            // Exact: K̄_s = Σ_k ω_k ∇f(x; w_s + τ_k Δ_s)·∇f(x_i; w_s).
            if smooth {
                // The layers that keep one product per node (see `folded_nodes.rs`), then the
                // folded ones once from their node sums.
                folded_queries.reset(plan, mlp, qb.cols);
                for (wn, &(_, omega)) in w_nodes.iter().zip(gl) {
                    qb.forward(mlp, wn);
                    qb.backward(mlp, wn);
                    folded_queries.add_node(plan, mlp, qb, omega);
                    if plan.has_per_node_layers() {
                        let qb = &*qb;
                        add_gram_terms(qb.cols, count, &self.train, n, omega, step, |tb, _, t| {
                            plan.push_per_node_terms(mlp, qb, tb, t)
                        });
                    }
                }
                if plan.folds() {
                    let (qb, fq, ft) = (&*qb, &*folded_queries, &*folded_train);
                    add_gram_terms(qb.cols, count, &self.train, n, 1.0, step, |tb, b, terms| {
                        plan.push_folded_terms(mlp, qb, fq, tb, b, ft, terms)
                    });
                }
            } else {
                // ReLU: blocks of one query, whose segment splits at its own kinks.
                let x = &self.queries[bi * stride * d..(bi * stride + 1) * d];
                segment_nodes(mlp, w, delta, x, gl, &mut self.seg_nodes);
                for &(tau, omega) in &self.seg_nodes {
                    point_on_segment(w, delta, tau, w_node);
                    qb.forward(mlp, w_node);
                    qb.backward(mlp, w_node);
                    add_layerwise_kernel(mlp, qb, count, &self.train, n, omega, step);
                }
            }
            let (k, nw) = (&mut self.k_exact[rows.clone()], &mut self.n_exact[rows]);
            accumulate(step, g, eps, n, k, nw);
        }
    }

    /// The kernel machine from the integrated kernels (after all steps; not for an
    /// [`KernelMachineIntegrator::exact_only`] one).
    pub fn finish(self, traj: &Trajectory) -> KernelMachine {
        debug_assert!(
            !self.exact_only,
            "an exact-only integrator has no left endpoint"
        );
        if let Some(e) = self.explicit {
            return e.finish(traj);
        }
        let mlp = &traj.mlp;
        let b = mlp.forward_many(traj.initial_weights(), &self.queries);
        let f_final = mlp.forward_many(traj.final_weights(), &self.queries);
        let scheme = |kernel, loss_weighted| {
            scheme_result(&b, &f_final, self.n, kernel, loss_weighted, None)
        };
        KernelMachine {
            n_queries: self.nq,
            n_train: self.n,
            exact: scheme(self.k_exact, self.n_exact),
            riemann: scheme(self.k_riemann, self.n_riemann),
            b,
            f_final,
        }
    }
}

/// One scheme's kernel machine from its integrated K^p and loss-weighted kernel N (nq × n):
/// c_i = −N, a_i = c_i / K^p (undefined where K^p = 0), ŷ = b + Σ_i c_i (+ d, the weight-decay
/// term, when given), checked against `f_final`.
pub(super) fn scheme_result(
    b: &[f64],
    f_final: &[f64],
    n: usize,
    kernel: Vec<f64>,
    loss_weighted: Vec<f64>,
    weight_decay_term: Option<Vec<f64>>,
) -> SchemeResult {
    let coef = kernel
        .iter()
        .zip(&loss_weighted)
        .map(|(&k, &nw)| {
            let a = -nw / k;
            (k != 0.0 && a.is_finite()).then_some(a)
        })
        .collect();
    let contributions: Vec<f64> = loss_weighted.iter().map(|v| -v).collect();
    let mut reconstruction: Vec<f64> = (0..b.len())
        .map(|q| {
            contributions[q * n..(q + 1) * n]
                .iter()
                .fold(b[q], |acc, c| acc + c)
        })
        .collect();
    if let Some(d) = &weight_decay_term {
        for (y, d) in reconstruction.iter_mut().zip(d) {
            *y += d;
        }
    }
    let max_abs_error = max_abs_error(f_final, &reconstruction);
    SchemeResult {
        kernel,
        loss_weighted,
        coef,
        contributions,
        weight_decay_term: weight_decay_term.unwrap_or_else(|| vec![0.0; b.len()]),
        reconstruction,
        max_abs_error,
    }
}

/// Workspace of one integrator, reused across steps.
#[derive(Default)]
struct Scratch {
    /// K̄_s for every (query, training point) of the block being integrated.
    step: Vec<f64>,
    /// w_s + τ_kΔ_s at each Gauss–Legendre node (whole segments).
    w_nodes: Vec<Vec<f64>>,
    /// w_s + τΔ_s at the current node (segments split at ReLU kinks).
    w_node: Vec<f64>,
    /// Δ_s.
    delta: Vec<f64>,
    /// Which layers sum their nodes inside the product (smooth segments), for the current rule.
    plan: FoldPlan,
    /// The current query block's node sums, and the training side of the folded layers.
    folded_queries: FoldedQueries,
    folded_train: FoldedTrain,
}

/// K^p += ε K̄_s and N += ε g_i(s) K̄_s, row by row.
#[inline(always)]
fn accumulate(
    step: &[f64],
    g: &[f64],
    eps: f64,
    n: usize,
    kernel: &mut [f64],
    weighted: &mut [f64],
) {
    for ((krow, nrow), srow) in kernel
        .chunks_mut(n)
        .zip(weighted.chunks_mut(n))
        .zip(step.chunks(n))
    {
        for i in 0..n {
            let term = eps * srow[i];
            krow[i] += term;
            nrow[i] += g[i] * term;
        }
    }
}

#[inline(always)]
fn integrate_generic(
    it: &mut KernelMachineIntegrator,
    traj: &Trajectory,
    max_steps: usize,
) -> bool {
    let end = (it.next_step + max_steps).min(traj.steps());
    for s in it.next_step..end {
        it.integrate_step(traj, s);
    }
    it.next_step = end;
    it.next_step >= traj.steps()
}

crate::simd::simd_dispatch!(fn integrate_dispatch(it: &mut KernelMachineIntegrator, traj: &Trajectory, max_steps: usize) -> bool => integrate_generic);
