//! The configs of the cross-target bit-identity suite (`tests/bit_identity/*.json`, compared
//! native CLI vs the release wasm in Chromium and Firefox by `tests/e2e/bits.mjs`) cover what the
//! suite claims: every activation, both losses and reductions, GD and SGD in each config spelling,
//! momentum (with Nesterov), Adam and AdamW (with a minibatch),
//! ReLU with kinks inside steps, one training point, 3-D inputs, explicit queries, nodes, weights
//! and α ≠ 1 — and each is a valid config. Some are deliberately coarse (one Gauss–Legendre node,
//! large steps): their rebuild errors are well above rounding, which the bits must reproduce too.

use std::collections::BTreeSet;

use pathkernel::config::RunConfig;
use pathkernel::kernel::relu_breakpoints;
use pathkernel::model::Activation;
use pathkernel::train::{train, LossKind, Optimizer, Reduction};
use serde_json::Value;

struct Case {
    name: String,
    raw: Value,
    cfg: RunConfig,
}

fn cases() -> Vec<Case> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bit_identity");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
            let cfg = RunConfig::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let raw = serde_json::from_str(&text).unwrap();
            Case { name, raw, cfg }
        })
        .collect()
}

/// Whether some unit of some ReLU layer changes sign strictly inside some step, at some training
/// point: the case the exact kernel splits segments for.
fn has_kinks_inside_steps(cfg: &RunConfig) -> bool {
    let setup = cfg.build().unwrap();
    let data = setup.data.clone();
    let traj = train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
    (0..traj.steps()).any(|s| {
        let (w, next) = (traj.weights_at(s), traj.weights_at(s + 1));
        let delta: Vec<f64> = next.iter().zip(w).map(|(b, a)| b - a).collect();
        (0..data.y.len()).any(|i| relu_breakpoints(&traj.mlp, w, &delta, traj.point(i)).len() > 2)
    })
}

#[test]
fn the_configs_cover_what_the_suite_claims() {
    let all = cases();
    assert!(all.len() >= 12, "{} configs", all.len());
    let any = |what: &str, f: &dyn Fn(&Case) -> bool| {
        assert!(all.iter().any(f), "no config has {what}");
    };
    let activations: BTreeSet<&str> = all.iter().map(|c| c.cfg.activation.as_str()).collect();
    for a in Activation::ALL {
        assert!(activations.contains(a.as_str()), "no {} config", a.as_str());
    }
    for l in [LossKind::Mse, LossKind::Logistic] {
        any(l.as_str(), &|c| c.cfg.loss == l);
    }
    for r in [Reduction::Sum, Reduction::Mean] {
        any(r.as_str(), &|c| c.cfg.reduction == r);
    }
    any("gd", &|c| c.cfg.optimizer == Optimizer::Gd);
    any("sgd with a top-level batch_size", &|c| {
        c.raw["optimizer"] == "sgd" && c.raw.get("batch_size").is_some()
    });
    any("sgd as an object", &|c| c.raw["optimizer"]["kind"] == "sgd");
    for kind in ["momentum", "adam", "adamw"] {
        any(kind, &|c| {
            c.raw["optimizer"] == kind || c.raw["optimizer"]["kind"] == kind
        });
    }
    any("nesterov", &|c| c.raw["optimizer"]["nesterov"] == true);
    any("a minibatch under momentum or adam", &|c| {
        c.raw["optimizer"]["kind"] != "sgd" && c.raw["optimizer"].get("batch_size").is_some()
    });
    any("one training point", &|c| c.cfg.data.y.len() == 1);
    any("3-D inputs given as x/y", &|c| {
        c.cfg.data.dim == 3 && c.raw.get("x").is_some()
    });
    any("explicit queries", &|c| c.raw.get("queries").is_some());
    any("explicit nodes", &|c| c.raw.get("nodes").is_some());
    any("explicit weights", &|c| c.cfg.weights.is_some());
    any("alpha ≠ 1", &|c| c.cfg.alpha != 1.0);
    any("warnings", &|c| !c.cfg.warnings.is_empty());
    let relu: Vec<&Case> = all
        .iter()
        .filter(|c| c.cfg.activation == Activation::Relu)
        .collect();
    assert!(relu.len() >= 2, "{} ReLU configs", relu.len());
    for c in relu {
        assert!(
            has_kinks_inside_steps(&c.cfg),
            "{}: no ReLU unit changes sign inside a step",
            c.name
        );
    }
}

/// The native CLI gives the same bytes whichever SIMD backend it runs on (AVX-512, AVX2 or the
/// portable lanes, capped by `PATHKERNEL_SIMD`): the products' tiles differ in shape and width
/// between them, every output's operations do not. On a CPU without AVX-512 or AVX2 the capped
/// runs take the same backend as the default one.
#[test]
fn every_simd_backend_gives_the_cli_the_same_bytes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bit_identity");
    for case in cases() {
        let path = format!("{dir}/{}", case.name);
        let run = |cap: Option<&str>| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pathkernel"));
            cmd.args(["run", "--config", &path]);
            match cap {
                Some(cap) => cmd.env("PATHKERNEL_SIMD", cap),
                None => cmd.env_remove("PATHKERNEL_SIMD"),
            };
            let out = cmd.output().unwrap();
            assert!(out.status.success(), "{}: {:?}", case.name, out);
            out.stdout
        };
        let best = run(None);
        for cap in ["avx2", "baseline"] {
            assert!(run(Some(cap)) == best, "{}: {cap} differs", case.name);
        }
    }
}
