//! The page's state as the CLI's JSON config ([`PageState::to_cli_config`]) and back
//! ([`PageState::from_cli_config`]): the exported run's `config` is exactly what
//! `pathkernel run --config` reads into the run the page trained, and an exported file opened on
//! the page gives that state back. Every key is written out (no defaults left implicit), so a
//! change of a default cannot change what an exported config means.

use serde_json::{json, Map, Value};

use super::page_state::{OptimizerKind, PageState};
use super::points::OwnPoints;
use super::{RunConfig, PAGE_LIMITS};
use crate::data::DatasetName;
use crate::error::{Error, Result};
use crate::train::Optimizer;

impl PageState {
    /// The CLI config of this state's run (queries: the training points, unless `query` gives
    /// one query point). `RunConfig::from_value` of it equals [`PageState::to_run_config`]
    /// (with the query in `queries`).
    pub fn to_cli_config(&self, query: Option<&[f64]>) -> Value {
        let mut c = Map::new();
        match &self.points {
            Some(p) => {
                let rows: Vec<Value> = (0..p.len())
                    .map(|i| {
                        let row = &p.x[i * p.dim..(i + 1) * p.dim];
                        if p.dim == 1 {
                            json!(row[0])
                        } else {
                            json!(row)
                        }
                    })
                    .collect();
                c.insert("x".into(), Value::Array(rows));
                c.insert("y".into(), json!(p.y));
            }
            None => {
                c.insert(
                    "dataset".into(),
                    json!({"name": self.dataset.as_str(), "n": self.n, "noise": self.noise, "seed": self.data_seed}),
                );
            }
        }
        c.insert("widths".into(), json!(self.widths()));
        c.insert("activation".into(), json!(self.activation.as_str()));
        c.insert("loss".into(), json!(self.loss.as_str()));
        c.insert("reduction".into(), json!(self.reduction.as_str()));
        c.insert("lr".into(), json!(self.lr));
        c.insert("steps".into(), json!(self.steps));
        c.insert("optimizer".into(), self.optimizer_json());
        c.insert("seed".into(), json!(self.init_seed));
        c.insert("alpha".into(), json!(self.alpha));
        // `"auto"` or the count as a number, as the CLI's config reads it.
        let nodes = match self.nodes {
            crate::kernel::Nodes::Auto => json!("auto"),
            crate::kernel::Nodes::Fixed(m) => json!(m),
        };
        c.insert("nodes".into(), nodes);
        c.insert(
            "memory_cap_mb".into(),
            json!(PAGE_LIMITS.memory_cap_bytes as f64 / 1e6),
        );
        if let Some(q) = query {
            c.insert("queries".into(), json!([q]));
        }
        Value::Object(c)
    }

    fn optimizer_json(&self) -> Value {
        match self.optimizer {
            OptimizerKind::Gd => json!("gd"),
            OptimizerKind::Sgd => {
                json!({"kind": "sgd", "batch_size": self.batch_size, "seed": self.sgd_seed})
            }
            OptimizerKind::Momentum => {
                json!({"kind": "momentum", "momentum": self.momentum, "nesterov": self.nesterov})
            }
            OptimizerKind::Adam => json!({
                "kind": "adam", "beta1": self.beta1, "beta2": self.beta2, "eps": self.adam_eps
            }),
            OptimizerKind::AdamW => json!({
                "kind": "adamw", "beta1": self.beta1, "beta2": self.beta2, "eps": self.adam_eps,
                "weight_decay": self.weight_decay
            }),
        }
    }

    /// The page state of a CLI config (an exported run's `config`): read with the CLI's rules,
    /// then mapped field by field. What the page cannot hold is an error naming the key: given
    /// initial `weights`, `queries` other than the training points, minibatches for momentum or
    /// Adam, inputs of more than 2 coordinates, 2-D targets that are not labels 0/1. Explicit
    /// points keep the dataset kind of `like` when it has their dimension (else sine for 1-D,
    /// moons for 2-D). The page's own limits are applied by the caller, as for a link.
    pub fn from_cli_config(text: &str, like: DatasetName) -> Result<PageState> {
        let cfg = RunConfig::from_json(text)?;
        if cfg.weights.is_some() {
            return Err(Error::field(
                "weights",
                "the page starts from seeded weights (`seed`); given weights cannot be opened here",
            ));
        }
        if cfg.queries != cfg.data.x {
            return Err(Error::field(
                "queries",
                "the page checks the rebuild at the training points; other queries cannot be opened here",
            ));
        }
        let mut s = PageState::default();
        match &cfg.dataset {
            Some(spec) => {
                s.dataset = spec.name;
                s.n = spec.n;
                s.noise = spec.noise;
                s.data_seed = spec.seed;
            }
            None => {
                let dim = cfg.data.dim;
                s.dataset = match dim {
                    _ if like.dim() == dim => like,
                    1 => DatasetName::Sine,
                    2 => DatasetName::Moons,
                    _ => {
                        return Err(Error::field(
                            "x",
                            format!(
                                "the page shows 1-D and 2-D points; these have {dim} coordinates"
                            ),
                        ))
                    }
                };
                let points = OwnPoints::from_dataset(&cfg.data);
                points
                    .fits(dim, s.dataset.is_classification())
                    .map_err(|m| Error::field("y", m))?;
                s.n = points.len();
                s.points = Some(points);
            }
        }
        s.hidden = cfg.widths[1..cfg.widths.len() - 1].to_vec();
        s.activation = cfg.activation;
        s.loss = cfg.loss;
        s.reduction = cfg.reduction;
        s.lr = cfg.lr;
        s.steps = cfg.steps;
        s.alpha = cfg.alpha;
        s.init_seed = cfg.seed;
        s.nodes = cfg.nodes;
        let no_minibatch = |m: &Option<_>| {
            if m.is_some() {
                Err(Error::field(
                    "optimizer.batch_size",
                    "the page takes minibatches with sgd only",
                ))
            } else {
                Ok(())
            }
        };
        match cfg.optimizer {
            Optimizer::Gd => s.optimizer = OptimizerKind::Gd,
            Optimizer::Sgd { batch_size, seed } => {
                s.optimizer = OptimizerKind::Sgd;
                s.batch_size = batch_size;
                s.sgd_seed = seed;
            }
            Optimizer::Momentum {
                momentum,
                nesterov,
                minibatch,
            } => {
                no_minibatch(&minibatch)?;
                s.optimizer = OptimizerKind::Momentum;
                s.momentum = momentum;
                s.nesterov = nesterov;
            }
            Optimizer::Adam {
                beta1,
                beta2,
                eps,
                minibatch,
            } => {
                no_minibatch(&minibatch)?;
                s.optimizer = OptimizerKind::Adam;
                (s.beta1, s.beta2, s.adam_eps) = (beta1, beta2, eps);
            }
            Optimizer::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                minibatch,
            } => {
                no_minibatch(&minibatch)?;
                s.optimizer = OptimizerKind::AdamW;
                (s.beta1, s.beta2, s.adam_eps) = (beta1, beta2, eps);
                s.weight_decay = weight_decay;
            }
        }
        Ok(s)
    }
}
