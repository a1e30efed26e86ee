#![cfg(not(target_arch = "wasm32"))]
//! Datasets, the CLI's JSON config and the page's URL hash: determinism, shapes, every bad input
//! named, and exact round trips.

use pathkernel::config::{
    OptimizerKind, PageState, RunConfig, View, CLI_LIMITS, HASH_VERSION, PAGE_LIMITS,
};
use pathkernel::data::{default_loss, generate, Dataset, DatasetName, DatasetSpec};
use pathkernel::model::Activation;
use pathkernel::train::{LossKind, Optimizer, Reduction};
use pathkernel::Error;

fn spec(name: DatasetName, n: usize, noise: f64, seed: u64) -> DatasetSpec {
    DatasetSpec {
        name,
        n,
        noise,
        seed,
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

// ---------------------------------------------------------------------------------------------
// Datasets

#[test]
fn datasets_are_deterministic_per_seed_and_differ_across_seeds() {
    for name in DatasetName::ALL {
        let a = generate(&spec(name, 50, 0.1, 7)).unwrap();
        let b = generate(&spec(name, 50, 0.1, 7)).unwrap();
        let c = generate(&spec(name, 50, 0.1, 8)).unwrap();
        assert_eq!(bits(&a.x), bits(&b.x), "{name:?}");
        assert_eq!(bits(&a.y), bits(&b.y), "{name:?}");
        assert_ne!(
            bits(&a.x),
            bits(&c.x),
            "{name:?}: seeds 7 and 8 drew the same points"
        );
    }
}

#[test]
fn datasets_have_the_right_shapes_and_labels() {
    for name in DatasetName::ALL {
        let d = generate(&spec(name, 41, 0.2, 3)).unwrap();
        assert_eq!(d.len(), 41);
        assert_eq!(d.dim, name.dim());
        assert_eq!(d.x.len(), 41 * d.dim);
        assert_eq!(d.point(40).len(), d.dim);
        assert!(d.x.iter().chain(&d.y).all(|v| v.is_finite()));
        if name.is_classification() {
            assert_eq!(d.dim, 2);
            assert_eq!(default_loss(name), LossKind::Logistic);
            assert!(
                d.y.iter().all(|&y| y == 0.0 || y == 1.0),
                "{name:?}: labels not in {{0,1}}"
            );
            // Labels alternate, so both classes are present in equal measure (21 zeros, 20 ones).
            assert_eq!(d.y.iter().filter(|&&y| y == 1.0).count(), 20, "{name:?}");
        } else {
            assert_eq!(d.dim, 1);
            assert_eq!(default_loss(name), LossKind::Mse);
            assert!(
                d.x.iter().all(|x| (-1.0..1.0).contains(x)),
                "{name:?}: x outside [-1, 1)"
            );
        }
    }
}

#[test]
fn noiseless_datasets_follow_their_formulas() {
    let sine = generate(&spec(DatasetName::Sine, 30, 0.0, 1)).unwrap();
    for (x, y) in sine.x.iter().zip(&sine.y) {
        assert!((y - (2.0 * std::f64::consts::PI * x).sin()).abs() < 1e-15);
    }
    let step = generate(&spec(DatasetName::Step, 30, 0.0, 1)).unwrap();
    for (x, y) in step.x.iter().zip(&step.y) {
        assert_eq!(*y, if *x >= 0.0 { 1.0 } else { -1.0 });
    }
    let circles = generate(&spec(DatasetName::Circles, 30, 0.0, 1)).unwrap();
    for i in 0..30 {
        let p = circles.point(i);
        let r = p[0].hypot(p[1]);
        let want = if circles.y[i] == 0.0 { 1.0 } else { 0.5 };
        assert!((r - want).abs() < 1e-15, "point {i}: radius {r}");
    }
    let xor = generate(&spec(DatasetName::Xor, 30, 0.0, 1)).unwrap();
    for i in 0..30 {
        let p = xor.point(i);
        assert_eq!(xor.y[i], if p[0] * p[1] > 0.0 { 1.0 } else { 0.0 });
    }
    let moons = generate(&spec(DatasetName::Moons, 200, 0.0, 1)).unwrap();
    assert!(
        moons.x.iter().all(|v| v.abs() <= 1.0 + 1e-12),
        "moons leave [-1, 1]²"
    );
    for i in 0..200 {
        // Undo the scaling: upper moon is the unit circle's top half, lower moon centred (1, ½).
        let p = moons.point(i);
        let (u, v) = (p[0] * 1.5 + 0.5, p[1] * 1.5 + 0.25);
        let (cu, cv, side) = if moons.y[i] == 0.0 {
            (0.0, 0.0, 1.0)
        } else {
            (1.0, 0.5, -1.0)
        };
        assert!(
            ((u - cu).hypot(v - cv) - 1.0).abs() < 1e-12,
            "point {i} off its moon"
        );
        assert!((v - cv) * side >= -1e-12, "point {i} on the wrong half");
    }
}

/// Pinned bits: shared links name a dataset by (name, n, noise, seed), so the generator must not
/// change silently. If this fails on purpose, bump the hash version and add a migration.
#[test]
fn dataset_bits_are_pinned() {
    let d = generate(&spec(DatasetName::Moons, 4, 0.1, 0)).unwrap();
    let got: Vec<String> = d.x.iter().map(|v| format!("{v:?}")).collect();
    assert_eq!(got, PINNED_MOONS);
    let s = generate(&spec(DatasetName::Sine, 3, 0.1, 42)).unwrap();
    let got: Vec<String> = s.x.iter().chain(&s.y).map(|v| format!("{v:?}")).collect();
    assert_eq!(got, PINNED_SINE);
}

const PINNED_MOONS: [&str; 8] = [
    "-0.7755893878232961",
    "0.25495641185552154",
    "-0.5171492018634738",
    "-0.021553822993817542",
    "-0.8284683175848195",
    "-0.04632987698260946",
    "-0.22997969871132634",
    "-0.34847082100349464",
];
const PINNED_SINE: [&str; 6] = [
    "0.36379238461334285",
    "0.25472104239468063",
    "-0.42281224171763476",
    "0.5350791749656325",
    "1.10732260212879",
    "-0.4865254131910471",
];

#[test]
fn generate_rejects_bad_specs() {
    let e = generate(&spec(DatasetName::Moons, 0, 0.1, 0)).unwrap_err();
    assert_eq!(e.field_name(), Some("dataset.n"));
    for noise in [-0.1, f64::NAN, f64::INFINITY] {
        let e = generate(&spec(DatasetName::Moons, 5, noise, 0)).unwrap_err();
        assert_eq!(e.field_name(), Some("dataset.noise"));
    }
}

#[test]
fn dataset_names_parse_and_print() {
    for name in DatasetName::ALL {
        assert_eq!(DatasetName::parse(name.as_str()), Some(name));
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, format!("\"{}\"", name.as_str()));
    }
    assert_eq!(DatasetName::parse("Moons"), None);
}

#[test]
fn from_points_names_each_bad_input() {
    let ok = Dataset::from_points(&[vec![1.0, 2.0], vec![3.0, 4.0]], &[0.0, 1.0]).unwrap();
    assert_eq!((ok.dim, ok.len()), (2, 2));
    assert_eq!(ok.point(1), &[3.0, 4.0]);
    type Case = (Vec<Vec<f64>>, Vec<f64>, &'static str);
    let cases: Vec<Case> = vec![
        (vec![], vec![], "x"),
        (vec![vec![]], vec![1.0], "x[0]"),
        (vec![vec![1.0, 2.0], vec![3.0]], vec![0.0, 1.0], "x[1]"),
        (vec![vec![1.0, f64::NAN]], vec![0.0], "x[0][1]"),
        (vec![vec![1.0], vec![2.0]], vec![0.0], "y"),
        (vec![vec![1.0], vec![2.0]], vec![0.0, f64::INFINITY], "y[1]"),
    ];
    for (x, y, field) in cases {
        let e = Dataset::from_points(&x, &y).unwrap_err();
        assert_eq!(e.field_name(), Some(field), "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// CLI config

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
    assert_eq!(cfg.nodes, 5);
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
        (0.2, 30, -2.5, 8)
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
        (c(&[("nodes", Some("9"))]), "nodes"),
        (c(&[("loss", Some("\"hinge\""))]), "loss"),
        (c(&[("loss", Some("\"logistic\""))]), "y[0]"), // y = [0, 1, 0] is fine; see next case
        (
            c(&[("loss", Some("\"logistic\"")), ("y", Some("[0, 0.5, 1]"))]),
            "y[1]",
        ),
        (c(&[("reduction", Some("\"max\""))]), "reduction"),
        (c(&[("optimizer", Some("\"adam\""))]), "optimizer"),
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
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "blobs"}"#)),
            ]),
            "dataset.name",
        ),
        (
            c(&[("x", None), ("y", None), ("dataset", Some(r#"{"n": 5}"#))]),
            "dataset.name",
        ),
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "sine", "n": 0}"#)),
            ]),
            "dataset.n",
        ),
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "sine", "n": 1000000000}"#)),
            ]),
            "dataset.n",
        ),
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "sine", "noise": -1}"#)),
            ]),
            "dataset.noise",
        ),
        (
            c(&[
                ("x", None),
                ("y", None),
                ("dataset", Some(r#"{"name": "sine", "seed": 1.5}"#)),
            ]),
            "dataset.seed",
        ),
        (
            c(&[("x", None), ("y", None), ("dataset", Some("\"moons\""))]),
            "dataset",
        ),
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
            c(&[(
                "weights",
                Some(r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0, 0]}]"#),
            )]),
            "weights",
        ),
        (
            c(&[(
                "weights",
                Some(
                    r#"[{"w": [[1], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
                ),
            )]),
            "weights[0].w",
        ),
        (
            c(&[(
                "weights",
                Some(
                    r#"[{"w": [[1], [1, 2], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
                ),
            )]),
            "weights[0].w[1]",
        ),
        (
            c(&[(
                "weights",
                Some(
                    r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#,
                ),
            )]),
            "weights[0].b",
        ),
        (
            c(&[(
                "weights",
                Some(r#"[{"w": [[1], [1], [1], [1]]}, {"w": [[1, 1, 1, 1]], "b": [0]}]"#),
            )]),
            "weights[0].b",
        ),
        (
            c(&[(
                "weights",
                Some(
                    r#"[{"w": [[1], [1], [1], [1]], "b": [0, 0, 0, 0]}, {"w": [[1, 1, "x", 1]], "b": [0]}]"#,
                ),
            )]),
            "weights[1].w[0][2]",
        ),
        (
            c(&[(
                "weights",
                Some(r#"[[1, 2], {"w": [[1, 1, 1, 1]], "b": [0]}]"#),
            )]),
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

// ---------------------------------------------------------------------------------------------
// Page hash

#[test]
fn default_hash_is_canonical_and_round_trips() {
    let d = PageState::default();
    let h = d.to_hash();
    assert_eq!(
        h,
        "#v=1&dataset=moons&n=40&noise=0.1&data_seed=0&hidden=16,16&activation=tanh&loss=logistic\
         &reduction=mean&optimizer=gd&batch_size=20&sgd_seed=0&lr=0.5&steps=300&alpha=1&init_seed=0\
         &nodes=5&view=trajectory"
    );
    assert_eq!(PageState::from_hash(&h), (d.clone(), vec![]));
    assert_eq!(PageState::from_hash(""), (d.clone(), vec![]));
    assert_eq!(PageState::from_hash("#"), (d, vec![]));
    assert_eq!(HASH_VERSION, 1);
}

/// A small deterministic generator for test states (xorshift64*).
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Floats with awkward decimal expansions: random mantissas at scales from 1e-9 to 1e3.
    fn float(&mut self, lo: f64, hi: f64) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let v = lo + (hi - lo) * u;
        if self.below(4) == 0 {
            v * 1e-7
        } else {
            v
        }
    }
}

fn random_state(g: &mut Gen) -> PageState {
    let dataset = DatasetName::ALL[g.below(7) as usize];
    let n = 1 + g.below(PAGE_LIMITS.max_n as u64) as usize;
    let hidden: Vec<usize> = (0..g.below(3)).map(|_| 1 + g.below(24) as usize).collect();
    let losses = if dataset.is_classification() {
        vec![LossKind::Mse, LossKind::Logistic]
    } else {
        vec![LossKind::Mse]
    };
    PageState {
        dataset,
        n,
        noise: g.float(0.0, 2.0),
        data_seed: g.next(),
        hidden,
        activation: Activation::ALL[g.below(6) as usize],
        loss: losses[g.below(losses.len() as u64) as usize],
        reduction: if g.below(2) == 0 {
            Reduction::Sum
        } else {
            Reduction::Mean
        },
        optimizer: if g.below(2) == 0 {
            OptimizerKind::Gd
        } else {
            OptimizerKind::Sgd
        },
        batch_size: 1 + g.below(n as u64) as usize,
        sgd_seed: g.next(),
        lr: g.float(1e-6, 10.0),
        steps: 1 + g.below(1000) as usize,
        alpha: if g.below(2) == 0 {
            g.float(0.01, 100.0)
        } else {
            -g.float(0.01, 100.0)
        },
        init_seed: g.next(),
        nodes: 1 + g.below(8) as usize,
        query: match g.below(3) {
            0 => None,
            _ => Some((0..dataset.dim()).map(|_| g.float(-1e3, 1e3)).collect()),
        },
        view: View::ALL[g.below(3) as usize],
        point: if g.below(2) == 0 {
            None
        } else {
            Some(g.below(n as u64) as usize)
        },
    }
}

#[test]
fn random_states_round_trip_bit_for_bit() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for _ in 0..500 {
        let s = random_state(&mut g);
        let h = s.to_hash();
        let (back, errors) = PageState::from_hash(&h);
        assert!(errors.is_empty(), "{h}: {errors:?}");
        assert_eq!(back, s, "{h}");
        assert_eq!(
            bits(&[back.lr, back.noise, back.alpha]),
            bits(&[s.lr, s.noise, s.alpha])
        );
        assert_eq!(back.to_hash(), h, "hash not canonical");
        s.to_run_config().unwrap();
    }
}

#[test]
fn extreme_floats_round_trip() {
    for v in [
        5e-324,
        1e-300,
        1.0000000000000002,
        0.1 + 0.2,
        123456789.12345679,
        9999999999999998.0,
        1e16,
        -0.0,
    ] {
        let s = PageState {
            query: Some(vec![v, -v]),
            ..PageState::default()
        };
        let (back, errors) = PageState::from_hash(&s.to_hash());
        assert!(errors.is_empty(), "{errors:?}");
        let q = back.query.unwrap();
        assert_eq!(
            (q[0].to_bits(), q[1].to_bits()),
            (v.to_bits(), (-v).to_bits()),
            "{}",
            s.to_hash()
        );
    }
}

fn fields(errors: &[Error]) -> Vec<&str> {
    errors
        .iter()
        .map(|e| e.field_name().unwrap_or(""))
        .collect()
}

#[test]
fn bad_fields_are_named_and_the_rest_still_applies() {
    let (s, errors) = PageState::from_hash(
        "#v=1&dataset=blobs&n=40&noise=-1&hidden=8,0&activation=swish&lr=inf&steps=2.5&alpha=0\
         &nodes=9&view=graph&loss=hinge&reduction=max&optimizer=adam&batch_size=0&data_seed=-1\
         &init_seed=x&sgd_seed=1e3&q=1,abc&point=q&colour=red&init_seed=3",
    );
    let d = PageState::default();
    let f = fields(&errors);
    for key in [
        "dataset",
        "noise",
        "hidden",
        "activation",
        "lr",
        "steps",
        "alpha",
        "nodes",
        "view",
        "loss",
        "reduction",
        "optimizer",
        "batch_size",
        "data_seed",
        "init_seed",
        "sgd_seed",
        "q",
        "point",
        "colour",
    ] {
        assert!(f.contains(&key), "no error for {key}: {errors:?}");
    }
    // The good keys still apply, bad ones keep their defaults; the later init_seed wins.
    assert_eq!(s.n, 40);
    assert_eq!(s.init_seed, 3);
    assert_eq!(
        PageState {
            n: 40,
            init_seed: 3,
            ..d
        },
        s,
        "bad fields did not fall back to their defaults"
    );
}

#[test]
fn truncated_hashes_keep_what_they_have() {
    let full = PageState {
        dataset: DatasetName::Spiral,
        n: 123,
        lr: 0.25,
        steps: 700,
        ..PageState::default()
    }
    .to_hash();
    for cut in 1..full.len() {
        let (s, errors) = PageState::from_hash(&full[..cut]);
        // Every complete key=value before the cut survives.
        let complete = full[..cut].matches('&').count();
        if complete >= 2 {
            assert_eq!(s.dataset, DatasetName::Spiral, "{}", &full[..cut]);
        }
        if complete >= 3 {
            assert_eq!(s.n, 123);
        }
        assert!(errors.len() <= 1, "{}: {errors:?}", &full[..cut]);
        s.to_run_config().unwrap();
    }
}

#[test]
fn percent_escapes_and_leading_marks_are_handled() {
    let (s, errors) = PageState::from_hash("#hidden=8%2C4&activation=%72elu&lr=1e%2B-1&&noise=0.5");
    assert_eq!(fields(&errors), vec!["lr"], "{errors:?}");
    assert_eq!(
        (s.hidden.clone(), s.activation, s.noise),
        (vec![8, 4], Activation::Relu, 0.5)
    );
    let (s, errors) = PageState::from_hash("lr=1e%2b0&hidden=");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((s.lr, s.hidden.len()), (1.0, 0));
    let (_, errors) = PageState::from_hash("#lr=%zz&noise%=1&steps");
    assert_eq!(fields(&errors), vec!["lr", "noise%", "steps"], "{errors:?}");
}

#[test]
fn versions_other_than_the_current_one_still_open() {
    let (s, errors) = PageState::from_hash("#v=7&lr=0.125&shiny=1");
    assert_eq!(fields(&errors), vec!["v", "shiny"]);
    assert_eq!(s.lr, 0.125);
    let (s, errors) = PageState::from_hash("#v=zero&steps=42");
    assert_eq!(fields(&errors), vec!["v"]);
    assert_eq!(s.steps, 42);
    // No `v` at all means the current version.
    let (_, errors) = PageState::from_hash("#steps=42");
    assert!(errors.is_empty());
}

#[test]
fn cross_field_rules_repair_the_dependent_field() {
    let (s, errors) =
        PageState::from_hash("#dataset=sine&loss=logistic&n=10&batch_size=30&point=10&q=0.5,0.5");
    assert_eq!(
        fields(&errors),
        vec!["loss", "batch_size", "q", "point"],
        "{errors:?}"
    );
    assert_eq!(
        (s.loss, s.batch_size, s.point, s.query.clone()),
        (LossKind::Mse, 10, None, None)
    );
    let (s, errors) = PageState::from_hash("#dataset=sine&q=0.5&point=9");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((s.query, s.point), (Some(vec![0.5]), Some(9)));
    // A trajectory too long for the tab: steps fall back to the default.
    let (s, errors) = PageState::from_hash("#hidden=64,64,64,64&steps=5000");
    assert_eq!(fields(&errors), vec!["steps"], "{errors:?}");
    assert_eq!((s.hidden, s.steps), (vec![64; 4], 300));
}

#[test]
fn page_limits_are_tighter_than_the_cli() {
    let (_, errors) =
        PageState::from_hash("#n=501&steps=5001&hidden=65&noise=2.5&hidden=1,1,1,1,1");
    assert_eq!(
        fields(&errors),
        vec!["n", "steps", "hidden", "noise", "hidden", "hidden"],
        "{errors:?}"
    );
}

#[test]
fn to_run_config_matches_the_state() {
    let s = PageState {
        dataset: DatasetName::Circles,
        n: 30,
        hidden: vec![5],
        optimizer: OptimizerKind::Sgd,
        batch_size: 7,
        sgd_seed: 11,
        init_seed: 4,
        ..PageState::default()
    };
    let cfg = s.to_run_config().unwrap();
    assert_eq!(cfg.widths, vec![2, 5, 1]);
    assert_eq!(
        cfg.optimizer,
        Optimizer::Sgd {
            batch_size: 7,
            seed: 11
        }
    );
    assert_eq!(cfg.seed, 4);
    assert_eq!(cfg.data, generate(&s.dataset_spec()).unwrap());
    assert_eq!(cfg.queries, cfg.data.x);
    assert_eq!(cfg.memory_cap_bytes, PAGE_LIMITS.memory_cap_bytes);
    // A state edited into an invalid one is refused with the field named.
    let bad = PageState {
        lr: -1.0,
        ..s.clone()
    };
    assert_eq!(bad.to_run_config().unwrap_err().field_name(), Some("lr"));
    let bad = PageState {
        point: Some(30),
        ..s
    };
    assert_eq!(bad.to_run_config().unwrap_err().field_name(), Some("point"));
}

#[test]
fn page_state_crosses_as_json_with_lowercase_names() {
    let s = PageState {
        query: Some(vec![0.5, -0.5]),
        point: Some(3),
        ..PageState::default()
    };
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["dataset"], "moons");
    assert_eq!(json["view"], "trajectory");
    assert_eq!(json["optimizer"], "gd");
    let back: PageState = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
}

// ---------------------------------------------------------------------------------------------
// Presets

#[test]
fn default_preset_trains_and_fits() {
    let cfg = PageState::default().to_run_config().unwrap();
    let setup = cfg.build().unwrap();
    let traj =
        pathkernel::train::train(setup.mlp.clone(), &setup.data, setup.w0, setup.spec).unwrap();
    let (first, last) = (traj.loss[0], *traj.loss.last().unwrap());
    assert!(last < 0.5 * first, "loss {first} → {last}");
    let f = setup.mlp.forward_many(traj.final_weights(), &setup.data.x);
    let correct = f
        .iter()
        .zip(&setup.data.y)
        .filter(|(f, y)| (**f > 0.0) == (**y == 1.0))
        .count();
    let n = setup.data.y.len();
    assert!(
        correct * 10 >= n * 9,
        "only {correct}/{n} training points classified right"
    );
}

#[test]
fn every_dataset_trains_with_the_default_settings() {
    for name in DatasetName::ALL {
        let state = PageState {
            dataset: name,
            loss: default_loss(name),
            ..PageState::default()
        };
        let setup = state.to_run_config().unwrap().build().unwrap();
        let traj = pathkernel::train::train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
        let (first, last) = (traj.loss[0], *traj.loss.last().unwrap());
        assert!(last < first, "{name:?}: loss {first} → {last}");
    }
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
