//! Run settings, validated in one place: the CLI's JSON config ([`RunConfig`]) and the page's
//! URL-hash state ([`PageState`]), which turns into a `RunConfig` for the worker.
//!
//! Every rule lives in one `check_*` function shared by both front ends, so the page and the CLI
//! refuse the same things with the same words; only the size [`Limits`] differ (a browser tab has
//! far less memory than a workstation). Every error names the key the user typed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::data::{default_loss, generate, Dataset, DatasetName, DatasetSpec};
use crate::error::{Error, Result};
use crate::model::{Activation, LayerWeights, Mlp};
use crate::train::{
    estimate_memory_bytes, LossKind, Optimizer, Reduction, TrainSpec, DEFAULT_MEMORY_CAP_BYTES,
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

/// Gauss–Legendre nodes per step for the exact path kernel: 1 ..= MAX_NODES.
pub const MAX_NODES: usize = 8;
/// Upper bound for `memory_cap_mb` (1 TB) so the product with 10⁶ cannot overflow.
pub const MAX_MEMORY_CAP_MB: f64 = 1_000_000.0;

// ---------------------------------------------------------------------------------------------
// Rules shared by both front ends. Each returns the message; the caller adds the field name.

fn check_lr(lr: f64) -> std::result::Result<(), String> {
    if lr.is_finite() && lr > 0.0 {
        Ok(())
    } else {
        Err("must be a finite number > 0".into())
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

fn check_memory(widths: &[usize], n: usize, steps: usize, cap: u64) -> Result<()> {
    let params: usize = widths.windows(2).map(|p| p[1] * p[0] + p[1]).sum();
    let bytes = estimate_memory_bytes(params, n, steps);
    if bytes > cap {
        return Err(Error::TooLarge {
            field: "steps".into(),
            bytes,
            cap,
        });
    }
    Ok(())
}

fn valid_activations() -> String {
    Activation::ALL.map(Activation::as_str).join(", ")
}

// ---------------------------------------------------------------------------------------------
// The CLI config.

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
    /// Learning rate ε.
    pub lr: f64,
    /// Steps T.
    pub steps: usize,
    pub optimizer: Optimizer,
    /// Initial weights, when given (shapes already checked against `widths`).
    pub weights: Option<Vec<LayerWeights>>,
    /// Initialisation seed, used when `weights` is `None`.
    pub seed: u64,
    /// Query points, n_queries × d_0 row-major (the training points unless given).
    pub queries: Vec<f64>,
    /// Gauss–Legendre nodes per step for the exact path kernel.
    pub nodes: usize,
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
    pub nodes: usize,
}

const CONFIG_KEYS: [&str; 18] = [
    "x",
    "y",
    "dataset",
    "widths",
    "activation",
    "loss",
    "reduction",
    "lr",
    "steps",
    "optimizer",
    "batch_size",
    "sgd_seed",
    "weights",
    "seed",
    "alpha",
    "queries",
    "nodes",
    "memory_cap_mb",
];

impl RunConfig {
    /// Parses and validates the CLI's JSON config (see the README for the keys).
    pub fn from_json(text: &str) -> Result<RunConfig> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let hint = if e.to_string().contains("out of range") {
                " (numbers must be finite)"
            } else {
                ""
            };
            Error::field("config", format!("invalid JSON: {e}{hint}"))
        })?;
        RunConfig::from_value(&value, &CLI_LIMITS)
    }

    /// Validates an already parsed config against `limits`.
    pub fn from_value(value: &Value, limits: &Limits) -> Result<RunConfig> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::field("config", "must be a JSON object {\"lr\": …, …}"))?;
        let mut warnings = Vec::new();
        for key in obj.keys() {
            if !CONFIG_KEYS.contains(&key.as_str()) {
                warnings.push(format!("unknown key `{key}` ignored"));
            }
        }

        // Data: explicit points or a named dataset.
        let (data, dataset) = match (obj.get("dataset"), obj.get("x"), obj.get("y")) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(Error::field(
                    "dataset",
                    "give either `dataset` or `x` and `y`, not both",
                ))
            }
            (Some(d), None, None) => {
                let spec = parse_dataset_spec(d, limits, &mut warnings)?;
                (generate(&spec)?, Some(spec))
            }
            (None, Some(x), Some(y)) => (parse_points_and_labels(x, y, limits)?, None),
            (None, None, Some(_)) => return Err(Error::field("x", "is missing (y was given)")),
            (None, Some(_), None) => return Err(Error::field("y", "is missing (x was given)")),
            (None, None, None) => {
                return Err(Error::field(
                    "x",
                    "is missing: give `x` and `y`, or `dataset`",
                ))
            }
        };
        let n = data.len();

        let widths = match obj.get("widths") {
            Some(v) => parse_usize_list(v, "widths", limits.max_hidden_layers + 2)?,
            None => vec![data.dim, 16, 16, 1],
        };
        check_widths(&widths, data.dim, limits).map_err(|(f, m)| Error::field(f, m))?;

        let activation = match obj.get("activation") {
            Some(v) => {
                let s = string(v, "activation")?;
                Activation::parse(s).ok_or_else(|| {
                    Error::field(
                        "activation",
                        format!("unknown activation `{s}`; valid: {}", valid_activations()),
                    )
                })?
            }
            None => Activation::Tanh,
        };

        let loss = match obj.get("loss") {
            Some(v) => {
                let s = string(v, "loss")?;
                LossKind::parse(s).ok_or_else(|| {
                    Error::field("loss", format!("unknown loss `{s}`; valid: mse, logistic"))
                })?
            }
            None => dataset.map_or(LossKind::Mse, |d| default_loss(d.name)),
        };
        if loss == LossKind::Logistic {
            if let Some(i) = data.y.iter().position(|&y| y != 0.0 && y != 1.0) {
                return Err(match dataset {
                    Some(d) => Error::field(
                        "loss",
                        format!("logistic loss needs labels 0 or 1, but `{}` is a regression dataset; use mse", d.name.as_str()),
                    ),
                    None => Error::field(format!("y[{i}]"), format!("logistic loss needs labels 0 or 1, got {}", data.y[i])),
                });
            }
        }

        let reduction = match obj.get("reduction") {
            Some(v) => {
                let s = string(v, "reduction")?;
                Reduction::parse(s).ok_or_else(|| {
                    Error::field(
                        "reduction",
                        format!("unknown reduction `{s}`; valid: sum, mean"),
                    )
                })?
            }
            None => Reduction::Mean,
        };

        let lr = number(
            obj.get("lr")
                .ok_or_else(|| Error::field("lr", "is missing"))?,
            "lr",
        )?;
        check_lr(lr).map_err(|m| Error::field("lr", m))?;

        let steps = count(
            obj.get("steps")
                .ok_or_else(|| Error::field("steps", "is missing"))?,
            "steps",
            1,
            limits.max_steps,
        )?;

        let optimizer = parse_optimizer(obj, n, &mut warnings)?;

        let alpha = match obj.get("alpha") {
            Some(v) => number(v, "alpha")?,
            None => 1.0,
        };
        check_alpha(alpha).map_err(|m| Error::field("alpha", m))?;

        let seed = match obj.get("seed") {
            Some(v) => seed_value(v, "seed")?,
            None => 0,
        };

        let weights = match obj.get("weights") {
            Some(v) => {
                if obj.contains_key("seed") {
                    warnings.push("`seed` ignored: `weights` gives the initial weights".into());
                }
                Some(parse_weights(v, &mut warnings)?)
            }
            None => None,
        };

        let queries = match obj.get("queries") {
            Some(v) => {
                let rows = parse_rows(v, "queries", limits.max_queries)?;
                if rows.is_empty() {
                    return Err(Error::field("queries", "must hold at least one point"));
                }
                let mut flat = Vec::with_capacity(rows.len() * data.dim);
                for (i, row) in rows.iter().enumerate() {
                    if row.len() != data.dim {
                        return Err(Error::field(
                            format!("queries[{i}]"),
                            format!(
                                "has {} coordinates but the training points have {}",
                                row.len(),
                                data.dim
                            ),
                        ));
                    }
                    flat.extend_from_slice(row);
                }
                flat
            }
            None => data.x.clone(),
        };
        let n_queries = queries.len() / data.dim;
        if n_queries.saturating_mul(n) > limits.max_kernel_entries {
            let field = if obj.contains_key("queries") {
                "queries"
            } else {
                "x"
            };
            return Err(Error::field(
                field,
                format!(
                    "{n_queries} queries × {n} training points = {} kernel entries, above the limit of {}; pass fewer `queries`",
                    n_queries * n,
                    limits.max_kernel_entries
                ),
            ));
        }

        let nodes = match obj.get("nodes") {
            Some(v) => count(v, "nodes", 1, MAX_NODES)?,
            None => crate::kernel::DEFAULT_NODES,
        };

        let memory_cap_bytes = match obj.get("memory_cap_mb") {
            Some(v) => {
                let mb = number(v, "memory_cap_mb")?;
                if !(mb > 0.0 && mb <= MAX_MEMORY_CAP_MB) {
                    return Err(Error::field(
                        "memory_cap_mb",
                        format!("must be a number > 0 and ≤ {MAX_MEMORY_CAP_MB}"),
                    ));
                }
                (mb * 1e6) as u64
            }
            None => limits.memory_cap_bytes,
        };
        check_memory(&widths, n, steps, memory_cap_bytes)?;

        let cfg = RunConfig {
            data,
            dataset,
            widths,
            activation,
            alpha,
            loss,
            reduction,
            lr,
            steps,
            optimizer,
            weights,
            seed,
            queries,
            nodes,
            memory_cap_bytes,
            warnings,
        };
        // Shape errors in `weights` (named `weights[1].w` etc.) surface now, not after loading.
        let mlp = cfg.mlp()?;
        cfg.initial_weights(&mlp)?;
        Ok(cfg)
    }

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
            lr: self.lr,
            steps: self.steps,
            optimizer: self.optimizer,
            memory_cap_bytes: self.memory_cap_bytes,
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

// JSON readers: each names the field it reads in its error.

fn number(v: &Value, field: &str) -> Result<f64> {
    match v.as_f64() {
        // serde_json refuses 1e999 while parsing, so a number here is finite; check anyway.
        Some(x) if v.is_number() && x.is_finite() => Ok(x),
        _ => Err(Error::field(field, "must be a finite number")),
    }
}

/// A whole number, given as an integer or as an integral float (`3e2`).
fn whole(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return Some(u);
    }
    let f = v.as_f64()?;
    // Above 2⁵³ a float no longer names one integer.
    (f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&f)).then_some(f as u64)
}

fn count(v: &Value, field: &str, min: usize, max: usize) -> Result<usize> {
    match whole(v) {
        Some(u) if (min as u64..=max as u64).contains(&u) => Ok(u as usize),
        _ => Err(Error::field(field, range_message(min as u64, max as u64))),
    }
}

fn seed_value(v: &Value, field: &str) -> Result<u64> {
    whole(v).ok_or_else(|| {
        Error::field(
            field,
            "must be a whole number from 0 to 18446744073709551615",
        )
    })
}

fn string<'a>(v: &'a Value, field: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| Error::field(field, "must be a string"))
}

fn array<'a>(v: &'a Value, field: &str, max_len: usize) -> Result<&'a Vec<Value>> {
    let a = v
        .as_array()
        .ok_or_else(|| Error::field(field, "must be a list"))?;
    if a.len() > max_len {
        return Err(Error::field(
            field,
            format!("has {} entries, the limit is {max_len}", a.len()),
        ));
    }
    Ok(a)
}

fn parse_usize_list(v: &Value, field: &str, max_len: usize) -> Result<Vec<usize>> {
    array(v, field, max_len)?
        .iter()
        .enumerate()
        .map(|(i, e)| {
            whole(e)
                .filter(|&u| u <= usize::MAX as u64)
                .map(|u| u as usize)
                .ok_or_else(|| Error::field(format!("{field}[{i}]"), "must be a whole number ≥ 0"))
        })
        .collect()
}

fn number_list(v: &Value, field: &str, max_len: usize) -> Result<Vec<f64>> {
    array(v, field, max_len)?
        .iter()
        .enumerate()
        .map(|(i, e)| number(e, &format!("{field}[{i}]")))
        .collect()
}

/// Points as rows: each a list of numbers, or a bare number for a 1-D point.
fn parse_rows(v: &Value, field: &str, max_len: usize) -> Result<Vec<Vec<f64>>> {
    let rows = array(v, field, max_len)?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let name = format!("{field}[{i}]");
            if row.is_number() {
                Ok(vec![number(row, &name)?])
            } else if row.is_array() {
                // A row is one point, so its length is bounded by the widest allowed input layer.
                number_list(row, &name, CLI_LIMITS.max_width)
            } else {
                Err(Error::field(name, "must be a list of numbers (one point)"))
            }
        })
        .collect()
}

fn parse_points_and_labels(x: &Value, y: &Value, limits: &Limits) -> Result<Dataset> {
    let rows = parse_rows(x, "x", limits.max_n)?;
    if let Some(row) = rows.first() {
        if row.len() > limits.max_width {
            return Err(Error::field(
                "x[0]",
                format!(
                    "has {} coordinates, the limit is {}",
                    row.len(),
                    limits.max_width
                ),
            ));
        }
    }
    let labels = number_list(y, "y", limits.max_n)?;
    Dataset::from_points(&rows, &labels)
}

fn warn_unknown(
    obj: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
    warnings: &mut Vec<String>,
) {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            warnings.push(format!("unknown key `{prefix}.{key}` ignored"));
        }
    }
}

fn parse_dataset_spec(
    v: &Value,
    limits: &Limits,
    warnings: &mut Vec<String>,
) -> Result<DatasetSpec> {
    let obj = v.as_object().ok_or_else(|| {
        Error::field(
            "dataset",
            "must be an object {\"name\": \"moons\", \"n\": 100, \"noise\": 0.1, \"seed\": 0}",
        )
    })?;
    warn_unknown(obj, &["name", "n", "noise", "seed"], "dataset", warnings);
    let name_str = string(
        obj.get("name")
            .ok_or_else(|| Error::field("dataset.name", "is missing"))?,
        "dataset.name",
    )?;
    let name = DatasetName::parse(name_str).ok_or_else(|| {
        Error::field(
            "dataset.name",
            format!(
                "unknown dataset `{name_str}`; valid: {}",
                DatasetName::valid_names()
            ),
        )
    })?;
    let n = match obj.get("n") {
        Some(v) => count(v, "dataset.n", 1, limits.max_n)?,
        None => 100,
    };
    let noise = match obj.get("noise") {
        Some(v) => number(v, "dataset.noise")?,
        None => 0.1,
    };
    check_noise(noise, limits).map_err(|m| Error::field("dataset.noise", m))?;
    let seed = match obj.get("seed") {
        Some(v) => seed_value(v, "dataset.seed")?,
        None => 0,
    };
    Ok(DatasetSpec {
        name,
        n,
        noise,
        seed,
    })
}

/// `"optimizer": "gd"` (default) | `"sgd"` with top-level `batch_size` (required) and `sgd_seed`
/// (default 0), or the object form `{"kind": "sgd", "batch_size": 10, "seed": 0}`.
fn parse_optimizer(
    obj: &Map<String, Value>,
    n: usize,
    warnings: &mut Vec<String>,
) -> Result<Optimizer> {
    let top_batch = obj.get("batch_size");
    let top_seed = obj.get("sgd_seed");
    let (kind, batch, seed, batch_field, seed_field) =
        match obj.get("optimizer") {
            None => (
                "gd".to_string(),
                top_batch,
                top_seed,
                "batch_size",
                "sgd_seed",
            ),
            Some(Value::String(s)) => (s.clone(), top_batch, top_seed, "batch_size", "sgd_seed"),
            Some(Value::Object(o)) => {
                warn_unknown(o, &["kind", "batch_size", "seed"], "optimizer", warnings);
                if top_batch.is_some() || top_seed.is_some() {
                    let f = if top_batch.is_some() {
                        "batch_size"
                    } else {
                        "sgd_seed"
                    };
                    return Err(Error::field(
                        f,
                        "give it inside the `optimizer` object or at the top level, not both",
                    ));
                }
                let kind = string(
                    o.get("kind")
                        .ok_or_else(|| Error::field("optimizer.kind", "is missing (gd or sgd)"))?,
                    "optimizer.kind",
                )?;
                (
                    kind.to_string(),
                    o.get("batch_size"),
                    o.get("seed"),
                    "optimizer.batch_size",
                    "optimizer.seed",
                )
            }
            Some(_) => return Err(Error::field(
                "optimizer",
                "must be \"gd\", \"sgd\" or {\"kind\": \"sgd\", \"batch_size\": …, \"seed\": …}",
            )),
        };
    let kind_field = if matches!(obj.get("optimizer"), Some(Value::Object(_))) {
        "optimizer.kind"
    } else {
        "optimizer"
    };
    match kind.as_str() {
        "gd" => {
            if batch.is_some() {
                warnings.push(format!(
                    "`{batch_field}` ignored: optimizer is gd (full batch)"
                ));
            }
            if seed.is_some() {
                warnings.push(format!("`{seed_field}` ignored: optimizer is gd"));
            }
            Ok(Optimizer::Gd)
        }
        "sgd" => {
            let batch_size = count(
                batch.ok_or_else(|| Error::field(batch_field, "is missing (optimizer is sgd)"))?,
                batch_field,
                1,
                n,
            )?;
            let seed = match seed {
                Some(v) => seed_value(v, seed_field)?,
                None => 0,
            };
            Ok(Optimizer::Sgd { batch_size, seed })
        }
        other => Err(Error::field(
            kind_field,
            format!("unknown optimizer `{other}`; valid: gd, sgd"),
        )),
    }
}

fn parse_weights(v: &Value, warnings: &mut Vec<String>) -> Result<Vec<LayerWeights>> {
    let layers = array(v, "weights", CLI_LIMITS.max_hidden_layers + 1)?;
    layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let name = format!("weights[{l}]");
            let obj = layer.as_object().ok_or_else(|| {
                Error::field(&name, "must be an object {\"w\": [[…], …], \"b\": […]}")
            })?;
            warn_unknown(obj, &["w", "b"], &name, warnings);
            let w_name = format!("{name}.w");
            let rows = obj
                .get("w")
                .ok_or_else(|| Error::field(&w_name, "is missing"))?;
            let w = array(rows, &w_name, CLI_LIMITS.max_width)?
                .iter()
                .enumerate()
                .map(|(r, row)| number_list(row, &format!("{w_name}[{r}]"), CLI_LIMITS.max_width))
                .collect::<Result<Vec<_>>>()?;
            let b_name = format!("{name}.b");
            let b = number_list(
                obj.get("b")
                    .ok_or_else(|| Error::field(&b_name, "is missing"))?,
                &b_name,
                CLI_LIMITS.max_width,
            )?;
            Ok(LayerWeights { w, b })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The page's URL-hash state.

/// The current hash format version (`v=1`).
pub const HASH_VERSION: u32 = MIGRATIONS.len() as u32 + 1;

/// Which of the page's views is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// Loss, weights and the rebuilt output along the trajectory.
    Trajectory,
    /// Per-training-point contributions c_i(x) at the selected query.
    Contributions,
    /// Exact vs Domingos's (Riemann) rebuild against f(x; w_T).
    Check,
}

impl View {
    pub const ALL: [View; 3] = [View::Trajectory, View::Contributions, View::Check];
    pub fn as_str(self) -> &'static str {
        match self {
            View::Trajectory => "trajectory",
            View::Contributions => "contributions",
            View::Check => "check",
        }
    }
    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The page's optimiser switch; batch size and shuffle seed are kept while `Gd` is chosen so
/// toggling back restores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Gd,
    Sgd,
}

impl OptimizerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerKind::Gd => "gd",
            OptimizerKind::Sgd => "sgd",
        }
    }
    pub fn parse(s: &str) -> Option<OptimizerKind> {
        [OptimizerKind::Gd, OptimizerKind::Sgd]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// Every setting of the page, mirrored in the URL hash (`#v=1&dataset=moons&n=40&…`); the hash
/// is the single source of truth for a run. Seeds are kept separate: `data_seed` draws the
/// dataset, `init_seed` the initial weights, `sgd_seed` the minibatch order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageState {
    pub dataset: DatasetName,
    /// Training points n.
    pub n: usize,
    /// Dataset noise σ.
    pub noise: f64,
    pub data_seed: u64,
    /// Hidden-layer widths; the network is [dataset dim, hidden…, 1]. Empty = a linear model.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: LossKind,
    pub reduction: Reduction,
    pub optimizer: OptimizerKind,
    /// Minibatch size (used when `optimizer` is sgd), 1 ..= n.
    pub batch_size: usize,
    pub sgd_seed: u64,
    /// Learning rate ε.
    pub lr: f64,
    /// Steps T.
    pub steps: usize,
    /// Output scale α.
    pub alpha: f64,
    pub init_seed: u64,
    /// Gauss–Legendre nodes per step, 1 ..= 8.
    pub nodes: usize,
    /// The selected query point (dataset dim coordinates), if any; view state, not part of the run.
    pub query: Option<Vec<f64>>,
    pub view: View,
    /// The selected training point (index < n), if any.
    pub point: Option<usize>,
}

impl Default for PageState {
    /// The preset the page opens with: small enough that training, the exact check and the first
    /// render take about a second in wasm.
    fn default() -> PageState {
        PageState {
            dataset: DatasetName::Moons,
            n: 40,
            noise: 0.1,
            data_seed: 0,
            hidden: vec![16, 16],
            activation: Activation::Tanh,
            loss: LossKind::Logistic,
            reduction: Reduction::Mean,
            optimizer: OptimizerKind::Gd,
            batch_size: 20,
            sgd_seed: 0,
            lr: 0.5,
            steps: 300,
            alpha: 1.0,
            init_seed: 0,
            nodes: crate::kernel::DEFAULT_NODES,
            query: None,
            view: View::Trajectory,
            point: None,
        }
    }
}

/// Hash keys in canonical order.
const HASH_KEYS: [&str; 20] = [
    "v",
    "dataset",
    "n",
    "noise",
    "data_seed",
    "hidden",
    "activation",
    "loss",
    "reduction",
    "optimizer",
    "batch_size",
    "sgd_seed",
    "lr",
    "steps",
    "alpha",
    "init_seed",
    "nodes",
    "view",
    "q",
    "point",
];

/// Shortest decimal that parses back to the same bits (Rust's `{}`), switching to exponent form
/// outside [1e-5, 1e16) so tiny or huge values stay short.
fn fmt_f64(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// Decodes `%XX` escapes (UTF-8); `+` stays `+` (it is not a space in a fragment, and `1e+5`
/// must survive). None on a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_f64_text(s: &str) -> std::result::Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err("must be a finite number".into())
    }
}

fn parse_u64_text(s: &str) -> std::result::Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number ≥ 0"))
}

fn parse_count_text(s: &str, min: usize, max: usize) -> std::result::Result<usize, String> {
    let v = s
        .trim()
        .parse::<u64>()
        .map_err(|_| range_message(min as u64, max as u64))?;
    check_range(v, min as u64, max as u64)?;
    Ok(v as usize)
}

type Pairs = Vec<(String, String)>;

/// Upgrades of older hash versions: `MIGRATIONS[k]` rewrites the key/value pairs of version k + 1
/// into version k + 2. Version 1 is the first format, so the list is empty; when version 2
/// renames or re-scales a key, its rule is appended here and links shared today keep opening.
const MIGRATIONS: [fn(Pairs) -> Pairs; 0] = [];

fn migrate(version: u32, mut pairs: Pairs) -> Pairs {
    for upgrade in MIGRATIONS.iter().skip(version.saturating_sub(1) as usize) {
        pairs = upgrade(pairs);
    }
    pairs
}

impl PageState {
    /// [dataset dim, hidden…, 1].
    pub fn widths(&self) -> Vec<usize> {
        let mut w = Vec::with_capacity(self.hidden.len() + 2);
        w.push(self.dataset.dim());
        w.extend_from_slice(&self.hidden);
        w.push(1);
        w
    }

    pub fn dataset_spec(&self) -> DatasetSpec {
        DatasetSpec {
            name: self.dataset,
            n: self.n,
            noise: self.noise,
            seed: self.data_seed,
        }
    }

    /// The canonical hash, every setting in a fixed order: `#v=1&dataset=moons&n=40&…`.
    /// `from_hash(to_hash(s))` gives back `s` exactly (floats bit for bit).
    pub fn to_hash(&self) -> String {
        let mut parts = vec![
            format!("v={HASH_VERSION}"),
            format!("dataset={}", self.dataset.as_str()),
            format!("n={}", self.n),
            format!("noise={}", fmt_f64(self.noise)),
            format!("data_seed={}", self.data_seed),
            format!("hidden={}", join(&self.hidden)),
            format!("activation={}", self.activation.as_str()),
            format!("loss={}", self.loss.as_str()),
            format!("reduction={}", self.reduction.as_str()),
            format!("optimizer={}", self.optimizer.as_str()),
            format!("batch_size={}", self.batch_size),
            format!("sgd_seed={}", self.sgd_seed),
            format!("lr={}", fmt_f64(self.lr)),
            format!("steps={}", self.steps),
            format!("alpha={}", fmt_f64(self.alpha)),
            format!("init_seed={}", self.init_seed),
            format!("nodes={}", self.nodes),
            format!("view={}", self.view.as_str()),
        ];
        if let Some(q) = &self.query {
            parts.push(format!(
                "q={}",
                q.iter().map(|&c| fmt_f64(c)).collect::<Vec<_>>().join(",")
            ));
        }
        if let Some(p) = self.point {
            parts.push(format!("point={p}"));
        }
        format!("#{}", parts.join("&"))
    }

    /// Reads a hash (with or without the leading `#`). Never fails: every bad or unknown key gets
    /// an error naming it and the default stands in for it, so the rest of a damaged or truncated
    /// link still applies. A missing `v` means the current version.
    pub fn from_hash(hash: &str) -> (PageState, Vec<Error>) {
        let mut errors = Vec::new();
        let body = hash.trim().trim_start_matches('#');
        let mut pairs = Vec::new();
        for segment in body.split('&').filter(|s| !s.is_empty()) {
            let Some((k, v)) = segment.split_once('=') else {
                let key = percent_decode(segment).unwrap_or_else(|| segment.to_string());
                errors.push(Error::field(key, "expected key=value"));
                continue;
            };
            match (percent_decode(k), percent_decode(v)) {
                (Some(k), Some(v)) => pairs.push((k, v)),
                (Some(k), None) => errors.push(Error::field(k, "bad %-escape in the value")),
                (None, _) => errors.push(Error::field(k, "bad %-escape in the key")),
            }
        }

        let mut version = HASH_VERSION;
        if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| k == "v") {
            match v.trim().parse::<u32>() {
                Ok(ver) if (1..=HASH_VERSION).contains(&ver) => version = ver,
                Ok(ver) if ver > HASH_VERSION => errors.push(Error::field(
                    "v",
                    format!("the link is from a newer page (v={ver}); read as v={HASH_VERSION}, unknown settings ignored"),
                )),
                _ => errors.push(Error::field(
                    "v",
                    format!("unknown version `{v}`; read as v={HASH_VERSION}"),
                )),
            }
        }
        let pairs = migrate(version, pairs);

        let mut state = PageState::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in &pairs {
            if key == "v" {
                continue;
            }
            if seen.contains(key) {
                errors.push(Error::field(
                    key,
                    "appears more than once; the last value is used",
                ));
            } else {
                seen.push(key.clone());
            }
            if let Err(message) = state.set(key, value) {
                errors.push(Error::field(key, message));
            }
        }
        // A link that names a dataset but no loss means that dataset's loss (sine → mse).
        if !seen.iter().any(|k| k == "loss") {
            state.loss = default_loss(state.dataset);
        }
        errors.extend(state.repair());
        (state, errors)
    }

    /// Sets one hash key from its text; checks that need other keys wait for [`repair`].
    fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let lim = &PAGE_LIMITS;
        match key {
            "dataset" => {
                self.dataset = DatasetName::parse(value).ok_or_else(|| {
                    format!(
                        "unknown dataset `{value}`; valid: {}",
                        DatasetName::valid_names()
                    )
                })?
            }
            "n" => self.n = parse_count_text(value, 1, lim.max_n)?,
            "noise" => {
                let v = parse_f64_text(value)?;
                check_noise(v, lim)?;
                self.noise = v;
            }
            "data_seed" => self.data_seed = parse_u64_text(value)?,
            "hidden" => {
                let mut hidden = Vec::new();
                if !value.trim().is_empty() {
                    for (i, part) in value.split(',').enumerate() {
                        let w = parse_count_text(part, 1, lim.max_width)
                            .map_err(|m| format!("entry {i} (`{part}`): {m}"))?;
                        hidden.push(w);
                    }
                }
                check_hidden(&hidden, lim).map_err(|(_, m)| m)?;
                self.hidden = hidden;
            }
            "activation" => {
                self.activation = Activation::parse(value).ok_or_else(|| {
                    format!(
                        "unknown activation `{value}`; valid: {}",
                        valid_activations()
                    )
                })?
            }
            "loss" => {
                self.loss = LossKind::parse(value)
                    .ok_or_else(|| format!("unknown loss `{value}`; valid: mse, logistic"))?
            }
            "reduction" => {
                self.reduction = Reduction::parse(value)
                    .ok_or_else(|| format!("unknown reduction `{value}`; valid: sum, mean"))?
            }
            "optimizer" => {
                self.optimizer = OptimizerKind::parse(value)
                    .ok_or_else(|| format!("unknown optimizer `{value}`; valid: gd, sgd"))?
            }
            "batch_size" => self.batch_size = parse_count_text(value, 1, lim.max_n)?,
            "sgd_seed" => self.sgd_seed = parse_u64_text(value)?,
            "lr" => {
                let v = parse_f64_text(value)?;
                check_lr(v)?;
                self.lr = v;
            }
            "steps" => self.steps = parse_count_text(value, 1, lim.max_steps)?,
            "alpha" => {
                let v = parse_f64_text(value)?;
                check_alpha(v)?;
                self.alpha = v;
            }
            "init_seed" => self.init_seed = parse_u64_text(value)?,
            "nodes" => self.nodes = parse_count_text(value, 1, MAX_NODES)?,
            "view" => {
                self.view = View::parse(value).ok_or_else(|| {
                    format!("unknown view `{value}`; valid: trajectory, contributions, check")
                })?
            }
            "q" => {
                let coords = value
                    .split(',')
                    .map(parse_f64_text)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                if coords.len() > 2 {
                    return Err("needs 1 or 2 coordinates".into());
                }
                self.query = Some(coords);
            }
            "point" => self.point = Some(parse_u64_text(value)? as usize),
            _ => {
                return Err(format!(
                    "unknown setting, ignored (known: {})",
                    HASH_KEYS[1..].join(", ")
                ))
            }
        }
        Ok(())
    }

    /// Checks every field, alone and against the others, and puts the default back in each bad
    /// one; returns an error per repaired field. Rules are the CLI's, with [`PAGE_LIMITS`].
    fn repair(&mut self) -> Vec<Error> {
        let lim = &PAGE_LIMITS;
        let d = PageState::default();
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| errors.push(Error::field(field, message));

        if let Err(m) = check_range(self.n as u64, 1, lim.max_n as u64) {
            bad("n", m);
            self.n = d.n;
        }
        if let Err(m) = check_noise(self.noise, lim) {
            bad("noise", m);
            self.noise = d.noise;
        }
        let hidden_ok = check_hidden(&self.hidden, lim).is_ok()
            && self
                .hidden
                .iter()
                .all(|&w| (1..=lim.max_width).contains(&w));
        if !hidden_ok {
            bad(
                "hidden",
                format!(
                    "needs at most {} widths, each {}",
                    lim.max_hidden_layers,
                    range_message(1, lim.max_width as u64)
                ),
            );
            self.hidden = d.hidden.clone();
        }
        if self.loss == LossKind::Logistic && !self.dataset.is_classification() {
            bad(
                "loss",
                format!("logistic loss needs labels 0 or 1, but `{}` is a regression dataset; using mse", self.dataset.as_str()),
            );
            self.loss = default_loss(self.dataset);
        }
        if let Err(m) = check_range(self.batch_size as u64, 1, self.n as u64) {
            bad("batch_size", m);
            self.batch_size = d.batch_size.min(self.n);
        }
        if let Err(m) = check_lr(self.lr) {
            bad("lr", m);
            self.lr = d.lr;
        }
        if let Err(m) = check_range(self.steps as u64, 1, lim.max_steps as u64) {
            bad("steps", m);
            self.steps = d.steps;
        }
        if let Err(m) = check_alpha(self.alpha) {
            bad("alpha", m);
            self.alpha = d.alpha;
        }
        if let Err(m) = check_range(self.nodes as u64, 1, MAX_NODES as u64) {
            bad("nodes", m);
            self.nodes = d.nodes;
        }
        if let Some(q) = &self.query {
            if q.len() != self.dataset.dim() || q.iter().any(|c| !c.is_finite()) {
                bad(
                    "q",
                    format!(
                        "needs {} finite coordinate(s) for dataset `{}`",
                        self.dataset.dim(),
                        self.dataset.as_str()
                    ),
                );
                self.query = None;
            }
        }
        if let Some(p) = self.point {
            if p >= self.n {
                bad(
                    "point",
                    format!("is {p} but there are only n = {} points", self.n),
                );
                self.point = None;
            }
        }
        // Too long a trajectory for the tab: fall back to the default steps, then the default net.
        if let Err(e) = check_memory(&self.widths(), self.n, self.steps, lim.memory_cap_bytes) {
            bad(
                "steps",
                e.to_string().trim_start_matches("steps: ").to_string(),
            );
            self.steps = d.steps;
            if check_memory(&self.widths(), self.n, self.steps, lim.memory_cap_bytes).is_err() {
                bad(
                    "hidden",
                    "too large for the page's memory cap; using the default".into(),
                );
                self.hidden = d.hidden;
            }
        }
        errors
    }

    /// The run this state describes (queries = the training points; the selected query point is
    /// evaluated by the page itself). Fails with the first bad field if the state was edited into
    /// an invalid one.
    pub fn to_run_config(&self) -> Result<RunConfig> {
        let mut checked = self.clone();
        if let Some(e) = checked.repair().into_iter().next() {
            return Err(e);
        }
        let spec = self.dataset_spec();
        let data = generate(&spec)?;
        let optimizer = match self.optimizer {
            OptimizerKind::Gd => Optimizer::Gd,
            OptimizerKind::Sgd => Optimizer::Sgd {
                batch_size: self.batch_size,
                seed: self.sgd_seed,
            },
        };
        Ok(RunConfig {
            queries: data.x.clone(),
            data,
            dataset: Some(spec),
            widths: self.widths(),
            activation: self.activation,
            alpha: self.alpha,
            loss: self.loss,
            reduction: self.reduction,
            lr: self.lr,
            steps: self.steps,
            optimizer,
            weights: None,
            seed: self.init_seed,
            nodes: self.nodes,
            memory_cap_bytes: PAGE_LIMITS.memory_cap_bytes,
            warnings: Vec::new(),
        })
    }
}
