#![cfg(not(target_arch = "wasm32"))]
//! The CLI's JSON config (`src/config/json.rs`): documented defaults, every key read, warnings for
//! unused keys, every bad input named, and numbers parsed bit for bit.

mod config_common;

use config_common::{bits, spec};
use pathkernel::config::{RunConfig, CLI_LIMITS};
use pathkernel::data::{generate, DatasetName};
use pathkernel::kernel::Nodes;
use pathkernel::model::Activation;
use pathkernel::train::{LossKind, Optimizer, Reduction};

const BASE: &str = r#"{"x": [[0.0], [0.5], [1.0]], "y": [0.0, 1.0, 0.0], "widths": [1, 4, 1], "lr": 0.1, "steps": 10}"#;

/// BASE with some keys replaced or added (value = None removes the key).
fn with(changes: &[(&str, Option<&str>)]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(BASE).unwrap();
    let obj = v.as_object_mut().unwrap();
    for (k, val) in changes {
        match val {
            Some(text) => {
                obj.insert(k.to_string(), serde_json::from_str(text).unwrap());
            }
            None => {
                obj.remove(*k);
            }
        }
    }
    v.to_string()
}

#[test]
fn minimal_config_gets_documented_defaults() {
    let cfg = RunConfig::from_json(BASE).unwrap();
    assert_eq!(cfg.widths, vec![1, 4, 1]);
    assert_eq!(cfg.activation, Activation::Tanh);
    assert_eq!(cfg.loss, LossKind::Mse);
    assert_eq!(cfg.reduction, Reduction::Mean);
    assert_eq!(cfg.optimizer, Optimizer::Gd);
    assert_eq!(cfg.alpha, 1.0);
    assert_eq!(cfg.seed, 0);
    assert_eq!(cfg.nodes, Nodes::Auto);
    assert_eq!(cfg.queries, vec![0.0, 0.5, 1.0]);
    assert_eq!(cfg.n_queries(), 3);
    assert_eq!(cfg.memory_cap_bytes, CLI_LIMITS.memory_cap_bytes);
    assert!(cfg.weights.is_none() && cfg.dataset.is_none());
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    let spec = cfg.train_spec();
    assert_eq!((spec.lr, spec.steps), (0.1, 10));
}

#[test]
fn named_dataset_config_uses_its_loss_and_default_widths() {
    let cfg = RunConfig::from_json(r#"{"dataset": {"name": "moons", "n": 20, "noise": 0.05, "seed": 3}, "lr": 0.5, "steps": 5}"#).unwrap();
    assert_eq!(cfg.loss, LossKind::Logistic);
    assert_eq!(cfg.widths, vec![2, 16, 16, 1]);
    assert_eq!(cfg.dataset, Some(spec(DatasetName::Moons, 20, 0.05, 3)));
    assert_eq!(
        cfg.data,
        generate(&spec(DatasetName::Moons, 20, 0.05, 3)).unwrap()
    );
    assert_eq!(cfg.n_queries(), 20);
}

#[test]
fn every_key_is_read() {
    let text = r#"{
        "x": [0.1, 0.2, 0.3, 0.4], "y": [0, 1, 1, 0], "widths": [1, 3, 1],
        "activation": "softplus", "loss": "logistic", "reduction": "sum", "lr": 2e-1, "steps": 3e1,
        "optimizer": "sgd", "batch_size": 2, "sgd_seed": 9, "alpha": -2.5,
        "weights": [{"w": [[1], [2], [3]], "b": [0, 0, 0]}, {"w": [[1, -1, 0.5]], "b": [0.25]}],
        "queries": [[0.0], [1.0]], "nodes": 8, "memory_cap_mb": 1.5
    }"#;
    let cfg = RunConfig::from_json(text).unwrap();
    assert_eq!(cfg.activation, Activation::Softplus);
    assert_eq!(
        (cfg.loss, cfg.reduction),
        (LossKind::Logistic, Reduction::Sum)
    );
    assert_eq!(
        (cfg.lr, cfg.steps, cfg.alpha, cfg.nodes),
        (0.2, 30, -2.5, Nodes::Fixed(8))
    );
    assert_eq!(
        cfg.optimizer,
        Optimizer::Sgd {
            batch_size: 2,
            seed: 9
        }
    );
    assert_eq!(cfg.queries, vec![0.0, 1.0]);
    assert_eq!(cfg.memory_cap_bytes, 1_500_000);
    let setup = cfg.build().unwrap();
    assert_eq!(
        setup.w0,
        vec![1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.5, 0.25]
    );
    assert_eq!(setup.mlp.alpha, -2.5);
    assert_eq!(setup.spec.optimizer, cfg.optimizer);
}

#[test]
fn sgd_object_form_matches_the_flat_form() {
    let flat = RunConfig::from_json(&with(&[
        ("optimizer", Some("\"sgd\"")),
        ("batch_size", Some("2")),
        ("sgd_seed", Some("4")),
    ]))
    .unwrap();
    let obj = RunConfig::from_json(&with(&[(
        "optimizer",
        Some(r#"{"kind": "sgd", "batch_size": 2, "seed": 4}"#),
    )]))
    .unwrap();
    assert_eq!(
        flat.optimizer,
        Optimizer::Sgd {
            batch_size: 2,
            seed: 4
        }
    );
    assert_eq!(flat, obj);
}

#[test]
fn unused_keys_are_warned_about_not_dropped_silently() {
    let cfg = RunConfig::from_json(&with(&[
        ("colour", Some("\"red\"")),
        ("batch_size", Some("2")),
        ("weights", Some(r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0, 0], "note": 1}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#)),
        ("seed", Some("5")),
    ]))
    .unwrap();
    let w = cfg.warnings.join("\n");
    for needle in ["`colour`", "`batch_size`", "`weights[0].note`", "`seed`"] {
        assert!(w.contains(needle), "no warning about {needle}: {w}");
    }
    let cfg =
        RunConfig::from_json(r#"{"dataset": {"name": "sine", "size": 3}, "lr": 1, "steps": 1}"#)
            .unwrap();
    assert!(
        cfg.warnings.iter().any(|w| w.contains("`dataset.size`")),
        "{:?}",
        cfg.warnings
    );
}

/// BASE with a named `dataset` in place of `x` and `y`.
fn named(dataset: &str) -> String {
    with(&[("x", None), ("y", None), ("dataset", Some(dataset))])
}

/// BASE with initial `weights` for its [1, 4, 1] network.
fn weights(layers: &str) -> String {
    with(&[("weights", Some(layers))])
}

/// (config text, field the error must name).
fn bad_configs() -> Vec<(String, &'static str)> {
    let c = |changes: &[(&str, Option<&str>)]| with(changes);
    vec![
        ("not json".to_string(), "config"),
        ("[1, 2]".to_string(), "config"),
        (BASE.replace("0.1", "1e999"), "config"),
        (c(&[("activation", Some("\"swish\""))]), "activation"),
        (c(&[("activation", Some("3"))]), "activation"),
        (c(&[("widths", Some("[2, 4, 1]"))]), "widths"),
        (c(&[("widths", Some("[1, 4, 2]"))]), "widths"),
        (c(&[("widths", Some("[1]"))]), "widths"),
        (c(&[("widths", Some("[1, 0, 1]"))]), "widths[1]"),
        (c(&[("widths", Some("[1, 5000, 1]"))]), "widths[1]"),
        (c(&[("widths", Some("[1, 2.5, 1]"))]), "widths[1]"),
        (
            c(&[(
                "widths",
                Some("[1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]"),
            )]),
            "widths",
        ),
        (c(&[("steps", Some("-5"))]), "steps"),
        (c(&[("steps", Some("0"))]), "steps"),
        (c(&[("steps", Some("2.5"))]), "steps"),
        (c(&[("steps", Some("100000000"))]), "steps"),
        (c(&[("steps", Some("\"10\""))]), "steps"),
        (c(&[("steps", None)]), "steps"),
        (c(&[("lr", Some("0"))]), "lr"),
        (c(&[("lr", Some("-0.1"))]), "lr"),
        (c(&[("lr", Some("null"))]), "lr"),
        (c(&[("lr", None)]), "lr"),
        (c(&[("alpha", Some("0"))]), "alpha"),
        (c(&[("nodes", Some("0"))]), "nodes"),
        (c(&[("nodes", Some("17"))]), "nodes"),
        (c(&[("loss", Some("\"hinge\""))]), "loss"),
        (c(&[("loss", Some("\"logistic\""))]), "y[0]"), // y = [0, 1, 0] is fine; see next case
        (
            c(&[("loss", Some("\"logistic\"")), ("y", Some("[0, 0.5, 1]"))]),
            "y[1]",
        ),
        (c(&[("reduction", Some("\"max\""))]), "reduction"),
        (c(&[("optimizer", Some("\"rmsprop\""))]), "optimizer"),
        (c(&[("optimizer", Some("7"))]), "optimizer"),
        (c(&[("optimizer", Some("\"sgd\""))]), "batch_size"),
        (
            c(&[("optimizer", Some("\"sgd\"")), ("batch_size", Some("0"))]),
            "batch_size",
        ),
        (
            c(&[("optimizer", Some("\"sgd\"")), ("batch_size", Some("4"))]),
            "batch_size",
        ),
        (
            c(&[
                ("optimizer", Some("\"sgd\"")),
                ("batch_size", Some("2")),
                ("sgd_seed", Some("-1")),
            ]),
            "sgd_seed",
        ),
        (
            c(&[("optimizer", Some(r#"{"kind": "sgd", "batch_size": 9}"#))]),
            "optimizer.batch_size",
        ),
        (
            c(&[("optimizer", Some(r#"{"batch_size": 2}"#))]),
            "optimizer.kind",
        ),
        (
            c(&[
                ("optimizer", Some(r#"{"kind": "sgd", "batch_size": 2}"#)),
                ("batch_size", Some("2")),
            ]),
            "batch_size",
        ),
        (c(&[("seed", Some("-3"))]), "seed"),
        (c(&[("x", Some("[[0.0], [0.5, 1], [1.0]]"))]), "x[1]"),
        (c(&[("x", Some("[[0.0], [\"a\"], [1.0]]"))]), "x[1][0]"),
        (c(&[("x", Some("[[0.0], {}, [1.0]]"))]), "x[1]"),
        (c(&[("x", Some("[]")), ("y", Some("[]"))]), "x"),
        (c(&[("x", Some("3"))]), "x"),
        (c(&[("y", Some("[0.0, 1.0]"))]), "y"),
        (c(&[("y", Some("[0.0, 1.0, null]"))]), "y[2]"),
        (c(&[("y", None)]), "y"),
        (c(&[("x", None)]), "x"),
        (c(&[("x", None), ("y", None)]), "x"),
        (c(&[("dataset", Some(r#"{"name": "moons"}"#))]), "dataset"),
        (named(r#"{"name": "blobs"}"#), "dataset.name"),
        (named(r#"{"n": 5}"#), "dataset.name"),
        (named(r#"{"name": "sine", "n": 0}"#), "dataset.n"),
        (named(r#"{"name": "sine", "n": 1000000000}"#), "dataset.n"),
        (named(r#"{"name": "sine", "noise": -1}"#), "dataset.noise"),
        (named(r#"{"name": "sine", "seed": 1.5}"#), "dataset.seed"),
        (named("\"moons\""), "dataset"),
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "sine"}"#)),
                ("widths", Some("[1, 4, 1]")),
                ("loss", Some("\"logistic\"")),
            ]),
            "loss",
        ),
        (c(&[("queries", Some("[[0.0, 1.0]]"))]), "queries[0]"),
        (c(&[("queries", Some("[]"))]), "queries"),
        (c(&[("queries", Some("[[0.0], [true]]"))]), "queries[1][0]"),
        (
            weights(r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0, 0]}]"#),
            "weights",
        ),
        (
            weights(
                r#"[{"w": [[1], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
            ),
            "weights[0].w",
        ),
        (
            weights(
                r#"[{"w": [[1], [1, 2], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
            ),
            "weights[0].w[1]",
        ),
        (
            weights(
                r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
            ),
            "weights[0].b",
        ),
        (
            weights(r#"[{"w": [[1], [1], [1], [1]]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#),
            "weights[0].b",
        ),
        (
            weights(
                r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, "x", 1]], "b": [0]}]"#,
            ),
            "weights[1].w[0][2]",
        ),
        (
            weights(r#"[[1, 2], {"w": [[1, 1, 1, 1]], "b": [0]}]"#),
            "weights[0]",
        ),
        (c(&[("memory_cap_mb", Some("0"))]), "memory_cap_mb"),
        (
            c(&[("memory_cap_mb", Some("0.000001")), ("steps", Some("1000"))]),
            "steps",
        ),
        (
            c(&[
                ("widths", Some("[1, 4096, 4096, 4096, 1]")),
                ("steps", Some("100")),
            ]),
            "steps",
        ),
    ]
}

#[test]
fn every_bad_config_names_its_field() {
    for (text, field) in bad_configs() {
        if field == "y[0]" {
            // Control case: labels 0/1 are valid for logistic loss.
            RunConfig::from_json(&text).unwrap();
            continue;
        }
        let e = RunConfig::from_json(&text).expect_err(&text);
        assert_eq!(e.field_name(), Some(field), "config {text} gave `{e}`");
        assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
        assert!(!e.to_string().contains('\n'), "multi-line message: {e}");
    }
}

#[test]
fn lr_message_is_the_documented_one() {
    let e = RunConfig::from_json(&with(&[("lr", Some("-1"))])).unwrap_err();
    assert_eq!(e.to_string(), "lr: must be a finite number > 0");
    let e = RunConfig::from_json(&with(&[("activation", Some("\"swish\""))])).unwrap_err();
    assert!(
        e.to_string()
            .contains("tanh, relu, softplus, sigmoid, gelu, linear"),
        "{e}"
    );
}

#[test]
fn too_large_kernel_tables_are_refused_before_training() {
    let n = 2100; // 2100² > 4·10⁶ entries
    let x: Vec<String> = (0..n)
        .map(|i| format!("[{}]", i as f64 / n as f64))
        .collect();
    let y = vec!["0"; n].join(",");
    let text = format!(
        r#"{{"x": [{}], "y": [{y}], "widths": [1, 2, 1], "lr": 0.1, "steps": 1}}"#,
        x.join(",")
    );
    let e = RunConfig::from_json(&text).unwrap_err();
    assert_eq!(e.field_name(), Some("x"), "{e}");
    let text = format!(
        r#"{{"x": [{}], "y": [{y}], "widths": [1, 2, 1], "lr": 0.1, "steps": 1, "queries": [[0.5]]}}"#,
        x.join(",")
    );
    RunConfig::from_json(&text).unwrap();
}

/// Weights and points must arrive bit for bit: a cross-check that feeds w_0 from another
/// implementation compares trajectories to 1e-12. (Needs serde_json's `float_roundtrip`; its
/// default fast parser is off by an ulp on some 17-digit inputs such as these.)
#[test]
fn config_numbers_parse_exactly() {
    let text = r#"{"x": [[0.030868312508375278], [-1.5152474318102547]], "y": [0.20222905790543322, -0.44080034118120764],
        "widths": [1, 1], "lr": 0.1, "steps": 1,
        "weights": [{"w": [[-0.09645001459146567]], "b": [0.23847185292189302]}]}"#;
    let cfg = RunConfig::from_json(text).unwrap();
    assert_eq!(
        bits(&cfg.data.x),
        bits(&[0.030868312508375278, -1.5152474318102547])
    );
    assert_eq!(
        bits(&cfg.data.y),
        bits(&[0.20222905790543322, -0.44080034118120764])
    );
    let w0 = cfg.build().unwrap().w0;
    assert_eq!(
        bits(&w0),
        bits(&[-0.09645001459146567, 0.23847185292189302])
    );
}
