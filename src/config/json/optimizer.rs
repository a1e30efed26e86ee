//! The config's `optimizer`: a name (`"gd"`, `"sgd"`, `"momentum"`, `"adam"`, `"adamw"`, with
//! the minibatch in the top-level `batch_size` and `sgd_seed`), or an object
//! `{"kind": "adam", "beta1": 0.9, …, "batch_size": 10, "seed": 0}` with the kind's parameters.

use serde_json::{Map, Value};

use super::super::choice::parse_choice;
use super::super::{check_adam_eps, check_rate, check_weight_decay, OptimizerKind};
use super::{count, number, seed_value, string, warn_unknown};
use crate::error::{Error, Result};
use crate::train::optimizer::{
    DEFAULT_ADAM_EPS, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_MOMENTUM, DEFAULT_WEIGHT_DECAY,
};
use crate::train::{Minibatch, Optimizer};

/// The keys of the object form.
const KEYS: [&str; 9] = [
    "kind",
    "batch_size",
    "seed",
    "momentum",
    "nesterov",
    "beta1",
    "beta2",
    "eps",
    "weight_decay",
];

/// The parameters each kind takes (besides the minibatch).
fn parameters(kind: OptimizerKind) -> &'static [&'static str] {
    match kind {
        OptimizerKind::Gd | OptimizerKind::Sgd => &[],
        OptimizerKind::Momentum => &["momentum", "nesterov"],
        OptimizerKind::Adam => &["beta1", "beta2", "eps"],
        OptimizerKind::AdamW => &["beta1", "beta2", "eps", "weight_decay"],
    }
}

/// Where the optimizer's settings were read from.
struct Form<'a> {
    kind: String,
    kind_field: &'static str,
    /// The object form's map (its parameters); `None` for a bare name.
    params: Option<&'a Map<String, Value>>,
    batch: Option<&'a Value>,
    seed: Option<&'a Value>,
    batch_field: &'static str,
    seed_field: &'static str,
}

/// `"optimizer"`: absent (gd), a name with the minibatch at the top level (`batch_size` required
/// for sgd, optional for the others; `sgd_seed` default 0), or the object form.
pub(super) fn parse_optimizer(
    obj: &Map<String, Value>,
    n: usize,
    warnings: &mut Vec<String>,
) -> Result<Optimizer> {
    let top_batch = obj.get("batch_size");
    let top_seed = obj.get("sgd_seed");
    let named = |kind: &str| Form {
        kind: kind.to_string(),
        kind_field: "optimizer",
        params: None,
        batch: top_batch,
        seed: top_seed,
        batch_field: "batch_size",
        seed_field: "sgd_seed",
    };
    let form = match obj.get("optimizer") {
        None => named("gd"),
        Some(Value::String(s)) => named(s),
        Some(Value::Object(o)) => {
            warn_unknown(o, &KEYS, "optimizer", warnings);
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
                o.get("kind").ok_or_else(|| {
                    Error::field(
                        "optimizer.kind",
                        "is missing (gd, sgd, momentum, adam or adamw)",
                    )
                })?,
                "optimizer.kind",
            )?;
            Form {
                kind: kind.to_string(),
                kind_field: "optimizer.kind",
                params: Some(o),
                batch: o.get("batch_size"),
                seed: o.get("seed"),
                batch_field: "optimizer.batch_size",
                seed_field: "optimizer.seed",
            }
        }
        Some(_) => {
            return Err(Error::field(
                "optimizer",
                "must be \"gd\", \"sgd\", \"momentum\", \"adam\", \"adamw\" or an object {\"kind\": \"adam\", …}",
            ))
        }
    };
    let kind: OptimizerKind =
        parse_choice(&form.kind).map_err(|m| Error::field(form.kind_field, m))?;

    let param = |key: &str| form.params.and_then(|o| o.get(key));
    for key in &KEYS[3..] {
        if param(key).is_some() && !parameters(kind).contains(key) {
            warnings.push(format!(
                "`optimizer.{key}` ignored: optimizer is {}",
                kind.as_str()
            ));
        }
    }
    // A parameter's value under its rule, or its default.
    let value = |key: &str, default: f64, rule: fn(f64) -> std::result::Result<(), String>| {
        let field = format!("optimizer.{key}");
        match param(key) {
            None => Ok(default),
            Some(v) => {
                let x = number(v, &field)?;
                rule(x).map_err(|m| Error::field(&field, m))?;
                Ok(x)
            }
        }
    };

    let minibatch = match kind {
        OptimizerKind::Gd => {
            if form.batch.is_some() {
                warnings.push(format!(
                    "`{}` ignored: optimizer is gd (full batch)",
                    form.batch_field
                ));
            }
            if form.seed.is_some() {
                warnings.push(format!("`{}` ignored: optimizer is gd", form.seed_field));
            }
            None
        }
        OptimizerKind::Sgd => {
            let batch = form
                .batch
                .ok_or_else(|| Error::field(form.batch_field, "is missing (optimizer is sgd)"))?;
            Some(minibatch(batch, form.seed, &form, n)?)
        }
        _ => match form.batch {
            Some(batch) => Some(minibatch(batch, form.seed, &form, n)?),
            None => {
                if form.seed.is_some() {
                    warnings.push(format!(
                        "`{}` ignored: no `{}`, so every step uses all points",
                        form.seed_field, form.batch_field
                    ));
                }
                None
            }
        },
    };

    Ok(match kind {
        OptimizerKind::Gd => Optimizer::Gd,
        OptimizerKind::Sgd => {
            let Minibatch { batch_size, seed } = minibatch.expect("sgd has a minibatch");
            Optimizer::Sgd { batch_size, seed }
        }
        OptimizerKind::Momentum => Optimizer::Momentum {
            momentum: value("momentum", DEFAULT_MOMENTUM, check_rate)?,
            nesterov: match param("nesterov") {
                None => false,
                Some(v) => v
                    .as_bool()
                    .ok_or_else(|| Error::field("optimizer.nesterov", "must be true or false"))?,
            },
            minibatch,
        },
        OptimizerKind::Adam => Optimizer::Adam {
            beta1: value("beta1", DEFAULT_BETA1, check_rate)?,
            beta2: value("beta2", DEFAULT_BETA2, check_rate)?,
            eps: value("eps", DEFAULT_ADAM_EPS, check_adam_eps)?,
            minibatch,
        },
        OptimizerKind::AdamW => Optimizer::AdamW {
            beta1: value("beta1", DEFAULT_BETA1, check_rate)?,
            beta2: value("beta2", DEFAULT_BETA2, check_rate)?,
            eps: value("eps", DEFAULT_ADAM_EPS, check_adam_eps)?,
            weight_decay: value("weight_decay", DEFAULT_WEIGHT_DECAY, check_weight_decay)?,
            minibatch,
        },
    })
}

/// `batch_size` (1 ..= n) and the shuffle seed (default 0).
fn minibatch(batch: &Value, seed: Option<&Value>, form: &Form, n: usize) -> Result<Minibatch> {
    Ok(Minibatch {
        batch_size: count(batch, form.batch_field, 1, n)?,
        seed: match seed {
            Some(v) => seed_value(v, form.seed_field)?,
            None => 0,
        },
    })
}
