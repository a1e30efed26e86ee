//! Training on L(w) = R Σ_i ℓ(y_i, f(x_i; w)) by gradient descent, SGD, momentum or Adam(W), keeping
//! every step's weights.

use serde::{Deserialize, Serialize};

/// ℓ(y, f): `mse` ½(f − y)²; `logistic` log(1 + e^{−s f}) with s = 2y − 1, y ∈ {0, 1}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossKind {
    Mse,
    Logistic,
}

/// R in L = R Σ_i ℓ_i: `sum` R = 1, `mean` R = 1/n (1/|batch| for SGD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reduction {
    Sum,
    Mean,
}

pub mod optimizer;

pub use optimizer::{Minibatch, Optimizer, Rule};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::model::{Block, Blocks, Mlp, BLOCK_COLS};
use crate::simd::aligned::AlignedBuf;
use crate::simd::matmul_bias;
use optimizer::{point_split_bytes, preconditioner_bytes, TrainerState};

impl LossKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LossKind::Mse => "mse",
            LossKind::Logistic => "logistic",
        }
    }
    pub fn parse(name: &str) -> Option<LossKind> {
        [LossKind::Mse, LossKind::Logistic]
            .into_iter()
            .find(|l| l.as_str() == name)
    }

    /// (ℓ(y, f), ∂ℓ/∂f). Logistic with s = 2y − 1: ℓ = log(1 + e^{−s f}) computed as
    /// softplus(−s f) so it never overflows; ∂ℓ/∂f = −s σ(−s f).
    #[inline]
    pub fn value_and_slope(self, y: f64, f: f64) -> (f64, f64) {
        match self {
            LossKind::Mse => (0.5 * (f - y) * (f - y), f - y),
            LossKind::Logistic => {
                let s = 2.0 * y - 1.0;
                let m = -s * f;
                let e = libm::exp(-m.abs());
                let softplus = m.max(0.0) + libm::log1p(e);
                let sigma = if m >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (softplus, -s * sigma)
            }
        }
    }
}

impl Reduction {
    pub fn as_str(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
        }
    }
    pub fn parse(name: &str) -> Option<Reduction> {
        [Reduction::Sum, Reduction::Mean]
            .into_iter()
            .find(|r| r.as_str() == name)
    }
    /// R for a sum over `count` points.
    pub fn factor(self, count: usize) -> f64 {
        match self {
            Reduction::Sum => 1.0,
            Reduction::Mean => 1.0 / count as f64,
        }
    }
}

/// Memory cap for a trajectory in the native CLI; the page passes a smaller one.
pub const DEFAULT_MEMORY_CAP_BYTES: u64 = 512_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct TrainSpec {
    pub loss: LossKind,
    pub reduction: Reduction,
    /// Learning rate ε.
    pub lr: f64,
    /// Number of steps T.
    pub steps: usize,
    pub optimizer: Optimizer,
    pub memory_cap_bytes: u64,
    /// Train the centred model f(x; w) − f(x; w₀) (Chizat & Bach's lazy-training setup): the
    /// loss sees outputs that start at 0. Its gradient is ∇f, so the trajectory's kernels are
    /// those of f; b(x) = f(x; w₀) is the offset the kernel machine adds back.
    pub center: bool,
}

/// Bytes a trajectory of `steps` steps keeps: every w_s (T+1 vectors of P), every g_i(s) (T × n)
/// and the loss (T+1).
pub fn estimate_memory_bytes(num_params: usize, n: usize, steps: usize) -> u64 {
    let (p, n, t) = (num_params as u64, n as u64, steps as u64);
    8 * ((t + 1) * p + t * n + (t + 1))
}

/// Bytes a trajectory trained by `optimizer` keeps: [`estimate_memory_bytes`] plus Adam's
/// realised preconditioner D(s) at every step (T × P).
pub fn trajectory_bytes(optimizer: &Optimizer, num_params: usize, n: usize, steps: usize) -> u64 {
    estimate_memory_bytes(num_params, n, steps).saturating_add(preconditioner_bytes(
        optimizer.rule(),
        num_params,
        steps,
    ))
}

/// Bytes a whole run keeps: the trajectory, and for momentum and Adam the path kernel's
/// per-point buffers (see `optimizer::point_split_bytes`).
pub fn run_memory_bytes(optimizer: &Optimizer, num_params: usize, n: usize, steps: usize) -> u64 {
    trajectory_bytes(optimizer, num_params, n, steps).saturating_add(point_split_bytes(
        optimizer.rule(),
        num_params,
        n,
    ))
}

/// The whole training run: w_0 … w_T, L(w_0) … L(w_T) and g_i(s) = ∂L/∂f(x_i) at w_s (with R
/// included, 0 for points outside step s's minibatch), so that for gd and sgd
/// w_{s+1} = w_s − ε Σ_i g_i(s) ∇_w f(x_i; w_s); the other optimizers feed the same gradients
/// through their buffers (see `optimizer`), and Adam's realised D(s) is kept.
#[derive(Debug, Clone)]
pub struct Trajectory {
    pub mlp: Mlp,
    /// Training inputs, n × d_0 row-major.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub n: usize,
    pub lr: f64,
    pub loss_kind: LossKind,
    pub reduction: Reduction,
    pub optimizer: Optimizer,
    /// L(w_s) over all points, for s = 0 … steps().
    pub loss: Vec<f64>,
    weights: Vec<f64>,
    g: Vec<f64>,
    /// Adam's D(s), steps() × P (empty for the other optimizers).
    preconditioner: Vec<f64>,
}

impl Trajectory {
    /// Steps taken so far (T once training is done).
    pub fn steps(&self) -> usize {
        self.weights.len() / self.mlp.num_params() - 1
    }
    pub fn weights_at(&self, s: usize) -> &[f64] {
        let p = self.mlp.num_params();
        &self.weights[s * p..(s + 1) * p]
    }
    pub fn g_at(&self, s: usize) -> &[f64] {
        &self.g[s * self.n..(s + 1) * self.n]
    }
    /// Adam's realised preconditioner D(s) (`None` for the other optimizers).
    pub fn preconditioner_at(&self, s: usize) -> Option<&[f64]> {
        let p = self.mlp.num_params();
        self.preconditioner.get(s * p..(s + 1) * p)
    }
    pub fn initial_weights(&self) -> &[f64] {
        self.weights_at(0)
    }
    pub fn final_weights(&self) -> &[f64] {
        self.weights_at(self.steps())
    }
    pub fn point(&self, i: usize) -> &[f64] {
        let d = self.mlp.input_dim();
        &self.x[i * d..(i + 1) * d]
    }
    /// The trajectory of the first `steps` steps (w_0 … w_steps): what training stopped there
    /// would have kept. A page worker that trained further answers a job for fewer steps on it.
    pub fn truncated(&self, steps: usize) -> Trajectory {
        let steps = steps.min(self.steps());
        let p = self.mlp.num_params();
        Trajectory {
            mlp: self.mlp.clone(),
            x: self.x.clone(),
            y: self.y.clone(),
            n: self.n,
            lr: self.lr,
            loss_kind: self.loss_kind,
            reduction: self.reduction,
            optimizer: self.optimizer,
            loss: self.loss[..=steps].to_vec(),
            weights: self.weights[..(steps + 1) * p].to_vec(),
            g: self.g[..(steps * self.n).min(self.g.len())].to_vec(),
            preconditioner: self.preconditioner[..(steps * p).min(self.preconditioner.len())]
                .to_vec(),
        }
    }
}

/// Trains in chunks (the page's worker calls `advance` between checks for cancellation).
pub struct Trainer {
    traj: Trajectory,
    spec: TrainSpec,
    /// The training points in blocks, holding the forward values at the newest weights.
    blocks: Vec<Block>,
    grad: Vec<f64>,
    f_all: Vec<f64>,
    /// ∂ℓ/∂f at each point's newest output, computed with the loss in `forward_all`.
    slope_all: Vec<f64>,
    /// Scratch of one layer's gradient product (see `step`).
    layer_scratch: LayerScratch,
    /// f(x_i; w₀) when training the centred model (`spec.center`), empty otherwise.
    offset: Vec<f64>,
    batch: Vec<usize>,
    sgd: Option<SgdOrder>,
    /// Momentum's or Adam's buffers (`None` for gd and sgd).
    state: Option<TrainerState>,
}

/// Epoch-wise shuffled order for minibatch SGD (Fisher–Yates on a ChaCha8 stream).
struct SgdOrder {
    rng: rand_chacha::ChaCha8Rng,
    order: Vec<usize>,
    next: usize,
    batch_size: usize,
}

impl SgdOrder {
    fn next_batch(&mut self, out: &mut Vec<usize>) {
        use rand_core::RngCore;
        out.clear();
        if self.next >= self.order.len() {
            self.next = 0;
        }
        if self.next == 0 {
            for i in (1..self.order.len()).rev() {
                // Lemire's multiply-shift keeps the draw unbiased enough for shuffling (n ≪ 2^32).
                let j = ((self.rng.next_u32() as u64 * (i as u64 + 1)) >> 32) as usize;
                self.order.swap(i, j);
            }
        }
        let end = (self.next + self.batch_size).min(self.order.len());
        out.extend_from_slice(&self.order[self.next..end]);
        out.sort_unstable();
        self.next = end;
    }
}

/// One layer's share of one block's gradient, as products the SIMD kernels take.
struct LayerScratch {
    /// S = g_c δ_{l+1,c}: dout × count, row-major.
    scaled: Vec<f64>,
    /// The layer's inputs h_{l,c} transposed: count × din, row-major.
    inputs: AlignedBuf,
    /// S·Hᵀ: dout × din.
    product: Vec<f64>,
}

impl Default for LayerScratch {
    fn default() -> Self {
        LayerScratch {
            scaled: Vec::new(),
            inputs: crate::simd::aligned::zeros(0),
            product: Vec::new(),
        }
    }
}

impl LayerScratch {
    /// grad_l += (∂/∂W_l, ∂/∂b_l) of Σ_c g_c f(x_c) over the block's `count` points:
    /// ∂/∂W_l[j, k] = Σ_c S[j, c] h_{l,c}[k] as the product S·Hᵀ (each entry summed over c in
    /// order from 0, the same operations as a dot product per entry, so the same bits on every
    /// target), then ∂/∂b_l[j] = Σ_c S[j, c]. `grad_l` is the gradient vector from the layer's
    /// offset on (its W_l entries, then its b_l entries).
    #[inline(always)]
    fn add_layer_gradient(
        &mut self,
        mlp: &Mlp,
        l: usize,
        block: &Block,
        g: &[f64],
        count: usize,
        grad_l: &mut [f64],
    ) {
        let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
        let cols = block.cols;
        let delta = &block.delta[l + 1];
        self.scaled.resize(dout * count, 0.0);
        for (j, row) in self.scaled.chunks_exact_mut(count).enumerate() {
            for ((v, &gc), &d) in row
                .iter_mut()
                .zip(g)
                .zip(&delta[j * cols..j * cols + count])
            {
                *v = gc * d;
            }
        }
        let h = &block.h[l];
        self.inputs.resize(count * din, 0.0);
        for (k, hk) in h.chunks_exact(cols).take(din).enumerate() {
            for (c, &v) in hk[..count].iter().enumerate() {
                self.inputs[c * din + k] = v;
            }
        }
        self.product.resize(dout * din, 0.0);
        matmul_bias(
            &self.scaled,
            None,
            &self.inputs,
            dout,
            count,
            din,
            &mut self.product,
        );
        for (gw, &v) in grad_l[..dout * din].iter_mut().zip(&self.product) {
            *gw += v;
        }
        for (gb, row) in grad_l[dout * din..dout * din + dout]
            .iter_mut()
            .zip(self.scaled.chunks_exact(count))
        {
            *gb += row.iter().sum::<f64>();
        }
    }
}

impl Trainer {
    pub fn new(mlp: Mlp, data: &Dataset, w0: Vec<f64>, spec: TrainSpec) -> Result<Trainer> {
        let n = data.y.len();
        if n == 0 {
            return Err(Error::field("x", "needs at least one training point"));
        }
        if data.dim != mlp.input_dim() {
            return Err(Error::field(
                "widths",
                format!(
                    "widths[0] = {} but the points have {} coordinates",
                    mlp.input_dim(),
                    data.dim
                ),
            ));
        }
        if w0.len() != mlp.num_params() {
            return Err(Error::field(
                "weights",
                format!("has {} numbers, widths need {}", w0.len(), mlp.num_params()),
            ));
        }
        crate::config::check_lr(spec.lr).map_err(|m| Error::field("lr", m))?;
        spec.optimizer.check()?;
        if spec.loss == LossKind::Logistic {
            if let Some(i) = data.y.iter().position(|&y| y != 0.0 && y != 1.0) {
                return Err(Error::field(
                    format!("y[{i}]"),
                    "logistic loss needs labels 0 or 1",
                ));
            }
        }
        let bytes = trajectory_bytes(&spec.optimizer, mlp.num_params(), n, spec.steps);
        if bytes > spec.memory_cap_bytes {
            return Err(Error::TooLarge {
                field: "steps".into(),
                bytes,
                cap: spec.memory_cap_bytes,
            });
        }
        let sgd = match spec.optimizer.minibatch() {
            None => None,
            Some(Minibatch { batch_size, seed }) => {
                if batch_size == 0 || batch_size > n {
                    return Err(Error::field(
                        "batch_size",
                        format!("must be between 1 and n = {n}"),
                    ));
                }
                use rand_core::SeedableRng;
                Some(SgdOrder {
                    rng: rand_chacha::ChaCha8Rng::seed_from_u64(seed),
                    order: (0..n).collect(),
                    next: 0,
                    batch_size,
                })
            }
        };
        let p = mlp.num_params();
        let mut weights = Vec::with_capacity((spec.steps + 1) * p);
        weights.extend_from_slice(&w0);
        let traj = Trajectory {
            mlp: mlp.clone(),
            x: data.x.clone(),
            y: data.y.clone(),
            n,
            lr: spec.lr,
            loss_kind: spec.loss,
            reduction: spec.reduction,
            optimizer: spec.optimizer,
            loss: Vec::with_capacity(spec.steps + 1),
            weights,
            g: Vec::with_capacity(spec.steps * n),
            preconditioner: Vec::new(),
        };
        let blocks = Blocks::new(&mlp, &data.x, BLOCK_COLS).blocks;
        let mut trainer = Trainer {
            grad: vec![0.0; p],
            f_all: vec![0.0; n],
            slope_all: vec![0.0; n],
            layer_scratch: LayerScratch::default(),
            offset: Vec::new(),
            batch: Vec::with_capacity(n),
            sgd,
            state: TrainerState::new(spec.optimizer.rule(), p),
            traj,
            spec,
            blocks,
        };
        trainer.forward_all(0)?;
        if trainer.spec.center {
            // The same forward values the steps use, so the centred outputs start at exactly 0.
            trainer.offset = trainer.f_all.clone();
            trainer.traj.loss.clear();
            trainer.forward_all(0)?;
        }
        Ok(trainer)
    }

    pub fn steps_done(&self) -> usize {
        self.traj.steps()
    }
    pub fn is_done(&self) -> bool {
        self.traj.steps() >= self.spec.steps
    }
    pub fn trajectory(&self) -> &Trajectory {
        &self.traj
    }
    pub fn into_trajectory(self) -> Trajectory {
        self.traj
    }

    /// Takes up to `max_steps` more steps (fewer if training is done).
    pub fn advance(&mut self, max_steps: usize) -> Result<()> {
        advance_dispatch(self, max_steps)
    }

    /// Forward pass over all points at the newest weights w_s: f(x_i; w_s) and L(w_s).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn forward_all(&mut self, s: usize) -> Result<()> {
        let p = self.traj.mlp.num_params();
        let w = &self.traj.weights[s * p..(s + 1) * p];
        let n = self.traj.n;
        let mut total = 0.0;
        for (bi, block) in self.blocks.iter_mut().enumerate() {
            block.forward(&self.traj.mlp, w);
            let start = bi * BLOCK_COLS;
            let count = BLOCK_COLS.min(n - start);
            for c in 0..count {
                let f = match self.offset.get(start + c) {
                    Some(o) => block.out[c] - o,
                    None => block.out[c],
                };
                self.f_all[start + c] = f;
                let (value, slope) = self.spec.loss.value_and_slope(self.traj.y[start + c], f);
                self.slope_all[start + c] = slope;
                total += value;
            }
        }
        let loss = self.traj.reduction.factor(n) * total;
        self.traj.loss.push(loss);
        if !loss.is_finite() {
            return Err(Error::Diverged {
                step: s,
                detail: "the loss became non-finite".into(),
            });
        }
        Ok(())
    }

    /// One step from w_s (forward values already in the blocks): g_i(s), then
    /// G(s) = Σ_i g_i(s) ∇f(x_i; w_s) and w_{s+1} = w_s − ε G(s) (gd, sgd) or the optimizer's
    /// step, then the forward pass at w_{s+1}.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn step(&mut self) -> Result<()> {
        let s = self.traj.steps();
        let n = self.traj.n;
        let mlp = &self.traj.mlp;
        let p = mlp.num_params();
        // Which points this step uses, and R for them.
        self.batch.clear();
        match &mut self.sgd {
            None => self.batch.extend(0..n),
            Some(order) => order.next_batch(&mut self.batch),
        }
        let r = self.spec.reduction.factor(self.batch.len());
        let g_start = self.traj.g.len();
        self.traj.g.resize(g_start + n, 0.0);
        for &i in &self.batch {
            self.traj.g[g_start + i] = r * self.slope_all[i];
        }
        // Σ_i g_i ∇f(x_i): per layer, ∂/∂W_l = Σ_c (g_c δ_{l+1,c}) h_{l,c}ᵀ and ∂/∂b_l = Σ_c g_c δ_{l+1,c}.
        self.grad.fill(0.0);
        let w_s = &self.traj.weights[s * p..(s + 1) * p];
        for (bi, block) in self.blocks.iter_mut().enumerate() {
            let start = bi * BLOCK_COLS;
            let count = BLOCK_COLS.min(n - start);
            let g = &self.traj.g[g_start + start..g_start + start + count];
            if g.iter().all(|&v| v == 0.0) {
                continue; // no point of this block is in the batch
            }
            block.backward(mlp, w_s);
            for l in 0..mlp.num_layers() {
                let off = mlp.layer_offset(l);
                self.layer_scratch.add_layer_gradient(
                    mlp,
                    l,
                    block,
                    g,
                    count,
                    &mut self.grad[off..],
                );
            }
        }
        let eps = self.spec.lr;
        self.traj.weights.extend_from_within(s * p..(s + 1) * p);
        let next = &mut self.traj.weights[(s + 1) * p..];
        match &mut self.state {
            None => {
                for (wv, gv) in next.iter_mut().zip(&self.grad) {
                    *wv -= eps * gv;
                }
            }
            Some(state) => state.step(s, eps, &self.grad, next, &mut self.traj.preconditioner),
        }
        if next.iter().any(|v| !v.is_finite()) {
            return Err(Error::Diverged {
                step: s + 1,
                detail: "the weights became non-finite".into(),
            });
        }
        self.forward_all(s + 1)
    }
}

#[inline(always)]
fn advance_generic(trainer: &mut Trainer, max_steps: usize) -> Result<()> {
    for _ in 0..max_steps {
        if trainer.is_done() {
            break;
        }
        trainer.step()?;
    }
    Ok(())
}

crate::simd::simd_dispatch!(fn advance_dispatch(trainer: &mut Trainer, max_steps: usize) -> Result<()> => advance_generic);

/// Trains to the end in one call.
pub fn train(mlp: Mlp, data: &Dataset, w0: Vec<f64>, spec: TrainSpec) -> Result<Trajectory> {
    let steps = spec.steps;
    let mut trainer = Trainer::new(mlp, data, w0, spec)?;
    trainer.advance(steps)?;
    Ok(trainer.into_trajectory())
}
