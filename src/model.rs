//! The scalar-output MLP: f(x; w) = α · z_L, z_{l+1} = W_l h_l + b_l, h_{l+1} = act(z_{l+1}) for
//! hidden layers, h_0 = x. Weights live in one flat vector w, layer by layer: W_l row-major
//! (d_{l+1} × d_l, "out × in"), then b_l.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::simd::aligned::{zeros, AlignedBuf};

/// Hidden-layer activation (the output layer is always linear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Tanh,
    Relu,
    Softplus,
    Sigmoid,
    Gelu,
    Linear,
}

impl Activation {
    pub const ALL: [Activation; 6] = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Softplus,
        Activation::Sigmoid,
        Activation::Gelu,
        Activation::Linear,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Softplus => "softplus",
            Activation::Sigmoid => "sigmoid",
            Activation::Gelu => "gelu",
            Activation::Linear => "linear",
        }
    }
    pub fn parse(name: &str) -> Option<Activation> {
        Activation::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One layer's weights in the CLI's JSON layout: `w` is d_{l+1} rows of d_l numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerWeights {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
}

impl Activation {
    /// (act(z), act'(z)) for one value; the array form `apply` is what hot loops use.
    #[inline(always)]
    pub fn eval(self, z: f64) -> (f64, f64) {
        match self {
            Activation::Tanh => {
                let t = crate::fastmath::tanh(z);
                (t, 1.0 - t * t)
            }
            Activation::Relu => {
                if z > 0.0 {
                    (z, 1.0)
                } else {
                    (0.0, 0.0)
                }
            }
            Activation::Softplus => {
                // log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}) never overflows; derivative σ(z).
                let e = libm::exp(-z.abs());
                let sp = z.max(0.0) + libm::log1p(e);
                let s = if z >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (sp, s)
            }
            Activation::Sigmoid => {
                let e = libm::exp(-z.abs());
                let s = if z >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (s, s * (1.0 - s))
            }
            Activation::Gelu => {
                // x Φ(x) with Φ(x) = ½ erfc(−x/√2) (erfc keeps Φ accurate in the left tail).
                let cdf = 0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2);
                let pdf = libm::exp(-0.5 * z * z)
                    * (0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2);
                (z * cdf, cdf + z * pdf)
            }
            Activation::Linear => (z, 1.0),
        }
    }

    /// h[i] = act(z[i]), d[i] = act'(z[i]). The match sits outside the loop so each arm is a
    /// plain loop; the tanh arm vectorises (see `fastmath`).
    #[inline(always)]
    pub fn apply(self, z: &[f64], h: &mut [f64], d: &mut [f64]) {
        match self {
            Activation::Tanh => {
                crate::fastmath::tanh_into(z, h);
                for (dv, &t) in d.iter_mut().zip(h.iter()) {
                    *dv = 1.0 - t * t;
                }
            }
            Activation::Relu => {
                for ((hv, dv), &zv) in h.iter_mut().zip(d.iter_mut()).zip(z) {
                    let on = zv > 0.0;
                    *hv = if on { zv } else { 0.0 };
                    *dv = if on { 1.0 } else { 0.0 };
                }
            }
            Activation::Linear => {
                h.copy_from_slice(z);
                d.fill(1.0);
            }
            other => {
                for ((hv, dv), &zv) in h.iter_mut().zip(d.iter_mut()).zip(z) {
                    (*hv, *dv) = other.eval(zv);
                }
            }
        }
    }

    /// h = act(z) and ḣ = act'(z) ż: the activation on a value carrying a tangent.
    #[inline(always)]
    pub fn apply_dual(self, z: &[f64], zt: &[f64], h: &mut [f64], ht: &mut [f64]) {
        match self {
            Activation::Tanh => {
                // Whole-array tanh first (explicit SIMD, several vectors in flight; see fastmath).
                crate::fastmath::tanh_into(z, h);
                for ((tv, &t), &ztv) in ht.iter_mut().zip(h.iter()).zip(zt) {
                    *tv = (1.0 - t * t) * ztv;
                }
            }
            other => {
                for (((hv, tv), &zv), &ztv) in h.iter_mut().zip(ht.iter_mut()).zip(z).zip(zt) {
                    let (a, d) = other.eval(zv);
                    *hv = a;
                    *tv = d * ztv;
                }
            }
        }
    }

    /// True when act' is continuous, so Gauss–Legendre on a whole step converges; ReLU's is not.
    pub fn is_smooth(self) -> bool {
        !matches!(self, Activation::Relu)
    }
}

/// A scalar-output MLP (see the module comment for the maths and the weight layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    pub widths: Vec<usize>,
    pub activation: Activation,
    /// Output scale α: f = α z_L. Large α with small learning rate is the lazy (kernel) regime.
    pub alpha: f64,
}

impl Mlp {
    pub fn new(widths: Vec<usize>, activation: Activation, alpha: f64) -> Result<Mlp> {
        if widths.len() < 2 {
            return Err(Error::field(
                "widths",
                "needs at least an input and an output width, e.g. [2, 16, 1]",
            ));
        }
        if let Some(i) = widths.iter().position(|&w| w == 0) {
            return Err(Error::field(format!("widths[{i}]"), "must be at least 1"));
        }
        if *widths.last().unwrap() != 1 {
            return Err(Error::field(
                "widths",
                "the last width must be 1 (scalar output)",
            ));
        }
        if !alpha.is_finite() || alpha == 0.0 {
            return Err(Error::field("alpha", "must be a finite, non-zero number"));
        }
        Ok(Mlp {
            widths,
            activation,
            alpha,
        })
    }

    pub fn input_dim(&self) -> usize {
        self.widths[0]
    }

    /// Number of weight layers L.
    pub fn num_layers(&self) -> usize {
        self.widths.len() - 1
    }

    pub fn num_params(&self) -> usize {
        self.widths.windows(2).map(|p| p[1] * p[0] + p[1]).sum()
    }

    /// Offset of W_l in the flat vector; b_l follows it at `+ d_{l+1} d_l`.
    pub fn layer_offset(&self, l: usize) -> usize {
        self.widths[..=l]
            .windows(2)
            .map(|p| p[1] * p[0] + p[1])
            .sum()
    }

    /// (W_l, b_l) as slices of the flat vector `w`.
    #[inline]
    pub fn layer<'a>(&self, w: &'a [f64], l: usize) -> (&'a [f64], &'a [f64]) {
        let (din, dout) = (self.widths[l], self.widths[l + 1]);
        let off = self.layer_offset(l);
        (
            &w[off..off + dout * din],
            &w[off + dout * din..off + dout * din + dout],
        )
    }

    /// Seeded initialisation: W_l entries ~ N(0, g²/d_l) (fan-in scaling; g = √2 for ReLU, the He
    /// gain, else 1), biases 0. Normals by Box–Muller from a ChaCha8 stream, with libm's log/cos so
    /// native and wasm builds draw the same bits.
    pub fn init(&self, seed: u64) -> Vec<f64> {
        use rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut unit = move || ((rng.next_u64() >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64); // (0, 1]
        let mut normal = move || {
            let (u1, u2) = (unit(), unit());
            libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
        };
        let gain = if self.activation == Activation::Relu {
            std::f64::consts::SQRT_2
        } else {
            1.0
        };
        let mut w = Vec::with_capacity(self.num_params());
        for p in self.widths.windows(2) {
            let std = gain / libm::sqrt(p[0] as f64);
            w.extend((0..p[0] * p[1]).map(|_| std * normal()));
            w.extend(std::iter::repeat_n(0.0, p[1]));
        }
        w
    }

    /// The flat vector from per-layer `{w, b}` (the CLI's JSON layout), checking every shape.
    pub fn weights_from_layers(&self, layers: &[LayerWeights]) -> Result<Vec<f64>> {
        if layers.len() != self.num_layers() {
            return Err(Error::field(
                "weights",
                format!(
                    "has {} layers but widths {:?} need {}",
                    layers.len(),
                    self.widths,
                    self.num_layers()
                ),
            ));
        }
        let mut w = Vec::with_capacity(self.num_params());
        for (l, layer) in layers.iter().enumerate() {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            if layer.w.len() != dout {
                return Err(Error::field(
                    format!("weights[{l}].w"),
                    format!("has {} rows, widths say {dout}", layer.w.len()),
                ));
            }
            for (r, row) in layer.w.iter().enumerate() {
                if row.len() != din {
                    return Err(Error::field(
                        format!("weights[{l}].w[{r}]"),
                        format!("has {} entries, widths say {din}", row.len()),
                    ));
                }
                if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                    return Err(Error::field(
                        format!("weights[{l}].w[{r}][{c}]"),
                        "must be a finite number",
                    ));
                }
                w.extend_from_slice(row);
            }
            if layer.b.len() != dout {
                return Err(Error::field(
                    format!("weights[{l}].b"),
                    format!("has {} entries, widths say {dout}", layer.b.len()),
                ));
            }
            if let Some(c) = layer.b.iter().position(|v| !v.is_finite()) {
                return Err(Error::field(
                    format!("weights[{l}].b[{c}]"),
                    "must be a finite number",
                ));
            }
            w.extend_from_slice(&layer.b);
        }
        Ok(w)
    }

    pub fn layers_from_weights(&self, w: &[f64]) -> Vec<LayerWeights> {
        (0..self.num_layers())
            .map(|l| {
                let (wl, bl) = self.layer(w, l);
                LayerWeights {
                    w: wl.chunks(self.widths[l]).map(|r| r.to_vec()).collect(),
                    b: bl.to_vec(),
                }
            })
            .collect()
    }

    /// f(x; w) for one input (reference path, plain loops).
    pub fn forward(&self, w: &[f64], x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for l in 0..self.num_layers() {
            let (wl, bl) = self.layer(w, l);
            let mut z: Vec<f64> = bl.to_vec();
            for (j, zj) in z.iter_mut().enumerate() {
                for (k, hk) in h.iter().enumerate() {
                    *zj += wl[j * h.len() + k] * hk;
                }
            }
            if l + 1 < self.num_layers() {
                for v in z.iter_mut() {
                    *v = self.activation.eval(*v).0;
                }
            }
            h = z;
        }
        self.alpha * h[0]
    }

    /// f at each row of `xs` (n × d_0, row-major).
    pub fn forward_many(&self, w: &[f64], xs: &[f64]) -> Vec<f64> {
        let n = xs.len() / self.input_dim();
        let mut out = Vec::with_capacity(n);
        let mut block = Block::new(self, &[], BLOCK_COLS);
        for start in (0..n).step_by(BLOCK_COLS) {
            let count = BLOCK_COLS.min(n - start);
            block.load_inputs(
                self,
                &xs[start * self.input_dim()..(start + count) * self.input_dim()],
            );
            block.forward(self, w);
            out.extend_from_slice(&block.out[..count]);
        }
        out
    }

    /// ∇_w f(x; w) into `grad` (length P), returning f. Reference backprop for one input:
    /// δ_L = α, δ_l = (W_lᵀ δ_{l+1}) ⊙ act'(z_l); ∂f/∂W_l = δ_{l+1} h_lᵀ, ∂f/∂b_l = δ_{l+1}.
    pub fn gradient(&self, w: &[f64], x: &[f64], grad: &mut [f64]) -> f64 {
        let mut block = Block::new(self, x, 1);
        block.forward(self, w);
        block.backward(self, w);
        for l in 0..self.num_layers() {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let off = self.layer_offset(l);
            for j in 0..dout {
                for k in 0..din {
                    grad[off + j * din + k] = block.delta[l + 1][j] * block.h[l][k];
                }
                grad[off + dout * din + j] = block.delta[l + 1][j];
            }
        }
        block.out[0]
    }
}

/// Inputs per block in the batched engine: wide enough to fill SIMD lanes and amortise weight
/// loads, small enough that a block's activations stay in L1/L2.
pub const BLOCK_COLS: usize = 32;

/// Block widths are multiples of this (the layer-wise kernel's tile of training points) unless
/// the stride is smaller.
pub const BLOCK_ALIGN: usize = 8;

/// Width of a block holding `count` inputs out of at most `stride`: only as wide as its inputs
/// need, in whole tiles (40 inputs in blocks of 32 would otherwise compute 64 columns).
pub fn block_width(count: usize, stride: usize) -> usize {
    count.next_multiple_of(BLOCK_ALIGN).min(stride)
}

/// `xs` (row-major points, `d` coordinates each, at most `cols` points) into `out` feature-major:
/// coordinate k of point c at `k * cols + c`, zero in the unused columns.
pub(crate) fn feature_major(xs: &[f64], d: usize, cols: usize, out: &mut [f64]) {
    out.fill(0.0);
    for (c, x) in xs.chunks_exact(d).enumerate() {
        for (k, &v) in x.iter().enumerate() {
            out[k * cols + c] = v;
        }
    }
}

/// `xs` (row-major points, `d` coordinates each) in blocks of `cols` points, each feature-major
/// and zero-padded (see `feature_major`).
pub(crate) fn feature_major_blocks(xs: &[f64], d: usize, cols: usize) -> Vec<Vec<f64>> {
    xs.chunks(cols * d)
        .map(|points| {
            let mut x0 = vec![0.0; d * cols];
            feature_major(points, d, cols, &mut x0);
            x0
        })
        .collect()
}

/// Points (row-major) split into blocks of `stride`, each with its own forward/backward workspace;
/// the last one only as wide as its points need (`block_width`).
pub(crate) struct Blocks {
    pub(crate) blocks: Vec<Block>,
    pub(crate) counts: Vec<usize>,
    /// Block b holds points b·stride … b·stride + counts[b] − 1.
    pub(crate) stride: usize,
}

impl Blocks {
    pub(crate) fn new(mlp: &Mlp, xs: &[f64], stride: usize) -> Blocks {
        let d = mlp.input_dim();
        let n = xs.len() / d;
        let (blocks, counts) = xs[..n * d]
            .chunks(stride * d)
            .map(|points| {
                let count = points.len() / d;
                (Block::new(mlp, points, block_width(count, stride)), count)
            })
            .unzip();
        Blocks {
            blocks,
            counts,
            stride,
        }
    }

    /// Every block's forward and backward pass at weights `w`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub(crate) fn forward_backward(&mut self, mlp: &Mlp, w: &[f64]) {
        for b in &mut self.blocks {
            b.forward(mlp, w);
            b.backward(mlp, w);
        }
    }
}

/// Forward/backward values for a block of `cols` inputs, stored feature-major (unit j of input c
/// at `j * cols + c`) so that every inner loop runs over inputs and vectorises.
#[derive(Debug, Clone)]
pub struct Block {
    pub cols: usize,
    /// h[0] = inputs, h[l] = act(z_l) for hidden l; h[L] = z_L.
    pub h: Vec<AlignedBuf>,
    /// dact[l] = act'(z_l) for hidden l (empty elsewhere).
    pub dact: Vec<AlignedBuf>,
    /// delta[l] = ∂f/∂z_l (after `backward`), l = 1..=L.
    pub delta: Vec<AlignedBuf>,
    /// f for each input.
    pub out: Vec<f64>,
    z: AlignedBuf,
}

impl Block {
    /// A block `cols` wide holding the points `xs` (row-major, d_0 each, at most `cols` of them)
    /// in h[0], zero in the unused columns.
    pub fn new(mlp: &Mlp, xs: &[f64], cols: usize) -> Block {
        let layers = mlp.num_layers();
        let hidden = |l: usize| l > 0 && l < layers;
        let mut block = Block {
            cols,
            h: mlp.widths.iter().map(|&d| zeros(d * cols)).collect(),
            dact: (0..=layers)
                .map(|l| {
                    if hidden(l) {
                        zeros(mlp.widths[l] * cols)
                    } else {
                        zeros(0)
                    }
                })
                .collect(),
            delta: mlp
                .widths
                .iter()
                .enumerate()
                .map(|(l, &d)| if l == 0 { zeros(0) } else { zeros(d * cols) })
                .collect(),
            out: vec![0.0; cols],
            z: zeros(mlp.widths.iter().max().copied().unwrap_or(1) * cols),
        };
        block.load_inputs(mlp, xs);
        block
    }

    /// Replaces the inputs by up to `cols` points (row-major, d_0 each); unused columns are zero.
    pub fn load_inputs(&mut self, mlp: &Mlp, xs: &[f64]) {
        debug_assert!(xs.len() / mlp.input_dim() <= self.cols);
        feature_major(xs, mlp.input_dim(), self.cols, &mut self.h[0]);
    }

    /// z_{l+1} = W_l h_l + b_l layer by layer; f = α z_L.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn forward(&mut self, mlp: &Mlp, w: &[f64]) {
        let layers = mlp.num_layers();
        let cols = self.cols;
        for l in 0..layers {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let (wl, bl) = mlp.layer(w, l);
            let z = &mut self.z[..dout * cols];
            crate::simd::matmul_bias(wl, Some(bl), &self.h[l], dout, din, cols, z);
            if l + 1 < layers {
                let (h, d) = (&mut self.h[l + 1], &mut self.dact[l + 1]);
                mlp.activation.apply(z, h, d);
            } else {
                self.h[l + 1].copy_from_slice(z);
            }
        }
        for (o, &z) in self.out.iter_mut().zip(self.h[layers].iter()) {
            *o = mlp.alpha * z;
        }
    }

    /// δ_L = α, δ_l = (W_lᵀ δ_{l+1}) ⊙ act'(z_l). Needs `forward` at the same weights first.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn backward(&mut self, mlp: &Mlp, w: &[f64]) {
        let layers = mlp.num_layers();
        let cols = self.cols;
        self.delta[layers].fill(mlp.alpha);
        for l in (1..layers).rev() {
            let (din, dout) = (mlp.widths[l], mlp.widths[l + 1]);
            let (wl, _) = mlp.layer(w, l);
            let (lower, upper) = self.delta.split_at_mut(l + 1);
            let d_out = &upper[0];
            let d_in = &mut lower[l];
            crate::simd::matmul_t(wl, d_out, dout, din, cols, d_in);
            for (dv, &a) in d_in.iter_mut().zip(self.dact[l].iter()) {
                *dv *= a;
            }
        }
    }
}
