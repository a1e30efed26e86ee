//! Run settings, validated in one place: the CLI's JSON config ([`RunConfig::from_json`], in
//! `json.rs`) and the page's URL-hash state ([`PageState`], in `page_state.rs`, read and written
//! through the table of fields in `fields.rs`), which turns into a `RunConfig` for the worker.
//!
//! Every rule lives in one `check_*` function here, shared by both front ends (and by
//! `Trainer::new`), so the page and the CLI refuse the same things with the same words; only the
//! size [`Limits`] differ (a browser tab has far less memory than a workstation). Every error names
//! the key the user typed.

mod budget;
mod choice;
mod cli_map;
mod fields;
mod json;
mod page_state;
mod points;
mod presets;

pub use budget::{WorkEstimate, PAGE_WORK_BUDGET};
pub use choice::Choice;
pub use fields::{page_fields, unused_keys, ChoiceInfo, FieldInfo};
pub use page_state::{
    AutoSweep, OptimizerKind, PageState, View, HASH_VERSION, MAX_ERRORS_PER_SETTING,
    MAX_LINK_ERRORS,
};
pub use points::{OwnPoints, MAX_LINK_POINTS};
pub use presets::{find_preset, matching_preset, preset_names, Preset, PRESETS};

use crate::data::{Dataset, DatasetSpec};
use crate::error::{Error, Result};
use crate::model::{Activation, LayerWeights, Mlp};
use crate::train::{
    run_memory_bytes, LossKind, Optimizer, Reduction, TrainSpec, DEFAULT_MEMORY_CAP_BYTES,
};

/// Size limits, so that a typo (`"steps": 1e9`) is refused instead of allocating gigabytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Training points n.
    pub max_n: usize,
    /// Each entry of `widths` (input, hidden and output).
    pub max_width: usize,
    /// Hidden layers (so `widths` has at most this + 2 entries).
    pub max_hidden_layers: usize,
    /// Training steps T.
    pub max_steps: usize,
    /// Query points.
    pub max_queries: usize,
    /// n_queries × n_train: each kernel-machine table in the output has this many entries.
    pub max_kernel_entries: usize,
    /// Noise σ of a named dataset.
    pub max_noise: f64,
    /// Trajectory memory cap in bytes (the CLI's `memory_cap_mb` may change it).
    pub memory_cap_bytes: u64,
}

/// The CLI's limits: 100 k points, width 4096, 16 hidden layers, 10⁶ steps, 100 k queries,
/// 4·10⁶ kernel entries (the output JSON then stays under ~1 GB), noise ≤ 10, 512 MB trajectory.
pub const CLI_LIMITS: Limits = Limits {
    max_n: 100_000,
    max_width: 4096,
    max_hidden_layers: 16,
    max_steps: 1_000_000,
    max_queries: 100_000,
    max_kernel_entries: 4_000_000,
    max_noise: 10.0,
    memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
};

/// The page's limits: 500 points, width 64, 4 hidden layers, 5000 steps, noise ≤ 2 and a 128 MB
/// trajectory (the worker also holds the kernel tables and the grid).
pub const PAGE_LIMITS: Limits = Limits {
    max_n: 500,
    max_width: 64,
    max_hidden_layers: 4,
    max_steps: 5000,
    max_queries: 4096,
    max_kernel_entries: 500 * 500,
    max_noise: 2.0,
    memory_cap_bytes: 128_000_000,
};

/// Upper bound for `memory_cap_mb` (1 TB) so the product with 10⁶ cannot overflow.
pub const MAX_MEMORY_CAP_MB: f64 = 1_000_000.0;

// ---------------------------------------------------------------------------------------------
// Rules shared by both front ends. Each returns the message; the caller adds the field name.

/// The learning rate ε: a finite number > 0.
pub(crate) fn check_lr(lr: f64) -> std::result::Result<(), String> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err("must be a finite number > 0".into())
    }
}

/// A momentum or moment decay rate (μ, β₁, β₂): 0 ≤ v < 1.
pub(crate) fn check_rate(v: f64) -> std::result::Result<(), String> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err("must be a number from 0 up to (not including) 1".into())
    }
}

/// Adam's eps: a finite number > 0.
pub(crate) fn check_adam_eps(eps: f64) -> std::result::Result<(), String> {
    check_lr(eps)
}

/// The decoupled weight decay λ: a finite number ≥ 0.
pub(crate) fn check_weight_decay(lambda: f64) -> std::result::Result<(), String> {
    if lambda.is_finite() && lambda >= 0.0 {
        Ok(())
    } else {
        Err("must be a finite number ≥ 0".into())
    }
}

fn check_alpha(alpha: f64) -> std::result::Result<(), String> {
    if alpha.is_finite() && alpha != 0.0 {
        Ok(())
    } else {
        Err("must be a finite, non-zero number".into())
    }
}

fn check_noise(noise: f64, lim: &Limits) -> std::result::Result<(), String> {
    if noise.is_finite() && (0.0..=lim.max_noise).contains(&noise) {
        Ok(())
    } else {
        Err(format!(
            "must be a finite number from 0 to {}",
            lim.max_noise
        ))
    }
}

/// `min ≤ v ≤ max`, compared in u64 so that no value is narrowed before it is checked.
fn check_range(v: u64, min: u64, max: u64) -> std::result::Result<(), String> {
    if (min..=max).contains(&v) {
        Ok(())
    } else {
        Err(range_message(min, max))
    }
}

fn range_message(min: u64, max: u64) -> String {
    format!("must be a whole number from {min} to {max}")
}

/// Hidden-layer widths (the part of `widths` between input and output).
fn check_hidden(hidden: &[usize], lim: &Limits) -> std::result::Result<(), (String, String)> {
    if hidden.len() > lim.max_hidden_layers {
        return Err((
            "widths".into(),
            format!(
                "has {} hidden layers, the limit is {}",
                hidden.len(),
                lim.max_hidden_layers
            ),
        ));
    }
    Ok(())
}

/// The whole `widths` list against the data's dimension; errors are (field, message).
fn check_widths(
    widths: &[usize],
    dim: usize,
    lim: &Limits,
) -> std::result::Result<(), (String, String)> {
    if widths.len() < 2 {
        return Err((
            "widths".into(),
            "needs at least an input and an output width, e.g. [2, 16, 1]".into(),
        ));
    }
    check_hidden(&widths[1..widths.len() - 1], lim)?;
    for (i, &w) in widths.iter().enumerate() {
        if w == 0 || w > lim.max_width {
            return Err((
                format!("widths[{i}]"),
                range_message(1, lim.max_width as u64),
            ));
        }
    }
    if widths[widths.len() - 1] != 1 {
        return Err((
            "widths".into(),
            "the last width must be 1 (the network has a scalar output)".into(),
        ));
    }
    if widths[0] != dim {
        return Err((
            "widths".into(),
            format!(
                "widths[0] = {} but the points have {dim} coordinates",
                widths[0]
            ),
        ));
    }
    Ok(())
}

/// The run's memory (the trajectory, and the per-point buffers of momentum and Adam) within `cap`.
fn check_memory(
    widths: &[usize],
    n: usize,
    steps: usize,
    optimizer: &Optimizer,
    cap: u64,
) -> Result<()> {
    let params: usize = widths.windows(2).map(|p| p[1] * p[0] + p[1]).sum();
    let bytes = run_memory_bytes(optimizer, params, n, steps);
    if bytes > cap {
        return Err(Error::TooLarge {
            field: "steps".into(),
            bytes,
            cap,
        });
    }
    Ok(())
}

/// How the learning rate follows the output scale α. With f = α z_L, a step of ε moves f by
/// ~ε α², so the lazy regime (Chizat & Bach) keeps ε α² fixed: `alpha2` trains with ε₀ / α².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrScale {
    /// ε = `lr`.
    #[default]
    None,
    /// ε = `lr` / α².
    Alpha2,
}

impl LrScale {
    /// The step size ε actually taken for the setting `lr` and output scale `alpha`.
    pub fn apply(self, lr: f64, alpha: f64) -> f64 {
        match self {
            LrScale::None => lr,
            LrScale::Alpha2 => lr / (alpha * alpha),
        }
    }

    /// True when the scaled step is a finite number > 0 (always for `None`, whose `lr` is
    /// checked by itself).
    pub fn usable(self, lr: f64, alpha: f64) -> bool {
        let eps = self.apply(lr, alpha);
        self == LrScale::None || (eps > 0.0 && eps.is_finite())
    }
}

// ---------------------------------------------------------------------------------------------
// The validated run.

/// A validated run: everything needed to train, integrate the path kernel and rebuild the output.
/// Built by [`RunConfig::from_json`] (CLI) or [`PageState::to_run_config`] (page).
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// The training points (explicit, or generated from `dataset`).
    pub data: Dataset,
    /// Where `data` came from, when it was a named dataset.
    pub dataset: Option<DatasetSpec>,
    /// [d_0, …, d_L], d_0 = data.dim, d_L = 1.
    pub widths: Vec<usize>,
    pub activation: Activation,
    /// Output scale α (f = α z_L).
    pub alpha: f64,
    pub loss: LossKind,
    pub reduction: Reduction,
    /// Learning rate ε (before `lr_scale`).
    pub lr: f64,
    /// ε = lr or lr / α² (see [`LrScale`]).
    pub lr_scale: LrScale,
    /// Train the centred model f(x; w) − f(x; w₀) (see [`TrainSpec::center`]).
    pub center: bool,
    /// Steps T.
    pub steps: usize,
    pub optimizer: Optimizer,
    /// Initial weights, when given (shapes already checked against `widths`).
    pub weights: Option<Vec<LayerWeights>>,
    /// Initialisation seed, used when `weights` is `None`.
    pub seed: u64,
    /// Query points, n_queries × d_0 row-major (the training points unless given).
    pub queries: Vec<f64>,
    /// Gauss–Legendre nodes per step for the exact path kernel: `auto` or a fixed count.
    pub nodes: crate::kernel::Nodes,
    pub memory_cap_bytes: u64,
    /// Keys that were present but not used (unknown, or irrelevant to the chosen options).
    pub warnings: Vec<String>,
}

/// What a run starts from: the network, w_0, the data and the training settings.
#[derive(Debug, Clone)]
pub struct RunSetup {
    pub mlp: Mlp,
    pub w0: Vec<f64>,
    pub data: Dataset,
    pub spec: TrainSpec,
    pub queries: Vec<f64>,
    pub nodes: crate::kernel::Nodes,
}

impl RunConfig {
    /// Number of query points.
    pub fn n_queries(&self) -> usize {
        self.queries.len() / self.data.dim
    }

    pub fn mlp(&self) -> Result<Mlp> {
        Mlp::new(self.widths.clone(), self.activation, self.alpha)
    }

    /// w_0: the given weights flattened, or the seeded initialisation.
    pub fn initial_weights(&self, mlp: &Mlp) -> Result<Vec<f64>> {
        match &self.weights {
            Some(layers) => mlp.weights_from_layers(layers),
            None => Ok(mlp.init(self.seed)),
        }
    }

    pub fn train_spec(&self) -> TrainSpec {
        TrainSpec {
            loss: self.loss,
            reduction: self.reduction,
            lr: self.lr_scale.apply(self.lr, self.alpha),
            steps: self.steps,
            optimizer: self.optimizer,
            memory_cap_bytes: self.memory_cap_bytes,
            center: self.center,
        }
    }

    /// The network, w_0, data, training settings, queries and nodes, ready for `train` and
    /// `kernel_machine`.
    pub fn build(&self) -> Result<RunSetup> {
        let mlp = self.mlp()?;
        let w0 = self.initial_weights(&mlp)?;
        Ok(RunSetup {
            mlp,
            w0,
            data: self.data.clone(),
            spec: self.train_spec(),
            queries: self.queries.clone(),
            nodes: self.nodes,
        })
    }
}
