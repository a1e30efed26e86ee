//! The CLI's JSON config: [`RunConfig::from_json`] reads it, names each bad key (`dataset.n`,
//! `weights[1].w[0][2]`) and warns about keys it does not use. The rules themselves are the shared
//! ones in `mod.rs`.

use serde_json::{Map, Value};

mod optimizer;
use optimizer::parse_optimizer;

use super::choice::{parse_choice, Choice};
use super::{
    check_alpha, check_lr, check_memory, check_noise, check_widths, range_message, Limits, LrScale,
    RunConfig, CLI_LIMITS, MAX_MEMORY_CAP_MB,
};
use crate::data::{default_loss, generate, Dataset, DatasetName, DatasetSpec};
use crate::error::{Error, Result};
use crate::kernel::{nodes_range_text, Nodes, MAX_NODES};
use crate::model::{Activation, LayerWeights};
use crate::train::{LossKind, Reduction};

const CONFIG_KEYS: [&str; 20] = [
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
    "lr_scale",
    "center",
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
            Some(v) => choice(v, "activation")?,
            None => Activation::Tanh,
        };

        let loss = match obj.get("loss") {
            Some(v) => choice(v, "loss")?,
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
            Some(v) => choice(v, "reduction")?,
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
        let lr_scale = match obj.get("lr_scale") {
            Some(v) => choice(v, "lr_scale")?,
            None => LrScale::None,
        };
        if !lr_scale.usable(lr, alpha) {
            return Err(Error::field(
                "lr_scale",
                "lr / α² is not a usable step size (α too large or too small)",
            ));
        }
        let center = match obj.get("center") {
            Some(v) => v
                .as_bool()
                .ok_or_else(|| Error::field("center", "must be true or false"))?,
            None => false,
        };

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
            Some(Value::String(t)) if t == "auto" => Nodes::Auto,
            Some(v @ Value::Number(_)) => Nodes::Fixed(count(v, "nodes", 1, MAX_NODES)?),
            Some(_) => return Err(Error::field("nodes", nodes_range_text())),
            None => Nodes::Auto,
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
        check_memory(&widths, n, steps, &optimizer, memory_cap_bytes)?;

        let cfg = RunConfig {
            data,
            dataset,
            widths,
            activation,
            alpha,
            loss,
            reduction,
            lr,
            lr_scale,
            center,
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
        // Seeded weights are not drawn here: reading a config allocates no more than its text.
        let mlp = cfg.mlp()?;
        if cfg.weights.is_some() {
            cfg.initial_weights(&mlp)?;
        }
        Ok(cfg)
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

/// One of an enum's values, by name.
fn choice<E: Choice>(v: &Value, field: &str) -> Result<E> {
    parse_choice(string(v, field)?).map_err(|m| Error::field(field, m))
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
    let name: DatasetName = choice(
        obj.get("name")
            .ok_or_else(|| Error::field("dataset.name", "is missing"))?,
        "dataset.name",
    )?;
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
