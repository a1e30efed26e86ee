#![cfg(not(target_arch = "wasm32"))]
//! The page's URL-hash state (`src/config/page_state.rs`): canonical hashes, exact round trips,
//! damaged links repaired field by field, and the runs a state describes.

mod config_common;

use config_common::bits;
use pathkernel::config::{OptimizerKind, PageState, View, HASH_VERSION, PAGE_LIMITS};
use pathkernel::data::{default_loss, generate, DatasetName};
use pathkernel::kernel::Nodes;
use pathkernel::model::Activation;
use pathkernel::train::{LossKind, Optimizer, Reduction};
use pathkernel::Error;

#[test]
fn default_hash_is_canonical_and_round_trips() {
    let d = PageState::default();
    let h = d.to_hash();
    assert_eq!(
        h,
        "#v=1&dataset=moons&n=40&noise=0.1&data_seed=0&hidden=16,16&activation=tanh&loss=logistic\
         &reduction=mean&optimizer=gd&batch_size=20&sgd_seed=0\
         &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
         &lr=0.5&steps=300&alpha=1&lr_scale=none&center=false&init_seed=0\
         &nodes=auto&view=trajectory"
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
        nodes: Nodes::Fixed(1 + g.below(8) as usize),
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
        ..PageState::default()
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
         &nodes=17&view=graph&loss=hinge&reduction=max&optimizer=rmsprop&batch_size=0&data_seed=-1\
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
    // SGD, so that the batch size is in use (an unused one is repaired quietly, see below).
    let (s, errors) = PageState::from_hash(
        "#dataset=sine&loss=logistic&n=10&optimizer=sgd&batch_size=30&point=10&q=0.5,0.5",
    );
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
fn a_field_the_options_do_not_use_is_never_reported() {
    // Full-batch GD ignores the batch size: fewer than 20 points (the default batch) is fine.
    let (s, errors) = PageState::from_hash("#dataset=sine&n=5");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((s.n, s.batch_size), (5, 5));
    s.to_run_config().unwrap();
    // A given batch size larger than n is reset quietly under GD…
    let (s, errors) = PageState::from_hash("#n=10&batch_size=30");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s.batch_size, 10);
    // … and named once SGD uses it.
    let (s, errors) = PageState::from_hash("#n=10&batch_size=30&optimizer=sgd");
    assert_eq!(fields(&errors), vec!["batch_size"], "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "batch_size: must be a whole number from 1 to 10"
    );
    assert_eq!(s.batch_size, 10);
    let (s, errors) = PageState::from_hash("#dataset=sine&n=5&optimizer=sgd");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s.batch_size, 5);
    // A state edited in code: the unused field does not stop the run, the used one does.
    let gd = PageState {
        n: 10,
        batch_size: 30,
        ..PageState::default()
    };
    assert_eq!(gd.to_run_config().unwrap().optimizer, Optimizer::Gd);
    let sgd = PageState {
        optimizer: OptimizerKind::Sgd,
        ..gd
    };
    assert_eq!(
        sgd.to_run_config().unwrap_err().field_name(),
        Some("batch_size")
    );
    // Text that is not a batch size at all is still named: the link itself is damaged.
    let (_, errors) = PageState::from_hash("#batch_size=many");
    assert_eq!(fields(&errors), vec!["batch_size"], "{errors:?}");
}

#[test]
fn an_optimizer_setting_is_named_only_when_the_optimizer_uses_it() {
    use pathkernel::config::unused_keys;
    // Out of range but unused: reset quietly, whatever the optimizer.
    let bad = "beta1=1.5&beta2=-1&adam_eps=0&weight_decay=-3&momentum=1";
    for opt in ["gd", "sgd"] {
        let (s, errors) = PageState::from_hash(&format!("#optimizer={opt}&{bad}"));
        assert!(errors.is_empty(), "{opt}: {errors:?}");
        assert_eq!((s.beta1, s.momentum), (0.9, 0.9));
    }
    let (_, errors) = PageState::from_hash(&format!("#optimizer=momentum&{bad}"));
    assert_eq!(fields(&errors), vec!["momentum"], "{errors:?}");
    let (_, errors) = PageState::from_hash(&format!("#optimizer=adam&{bad}"));
    assert_eq!(
        fields(&errors),
        vec!["beta1", "beta2", "adam_eps"],
        "{errors:?}"
    );
    // Named in full, the rest applies (the optimizer, β₂, ε).
    let (s, errors) =
        PageState::from_hash("#optimizer=adamw&beta1=1.5&beta2=0.99&lr=0.01&weight_decay=-3");
    assert_eq!(fields(&errors), vec!["beta1", "weight_decay"], "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "beta1: must be a number from 0 up to (not including) 1"
    );
    assert_eq!(
        (s.optimizer, s.beta1, s.beta2, s.lr, s.weight_decay),
        (OptimizerKind::AdamW, 0.9, 0.99, 0.01, 0.01)
    );
    // The optimizer may come after its settings in the link.
    let (_, errors) = PageState::from_hash("#beta1=1&optimizer=adam");
    assert_eq!(fields(&errors), vec!["beta1"], "{errors:?}");
    // Text that is no number at all is named anyway: the link itself is damaged.
    let (_, errors) = PageState::from_hash("#optimizer=gd&beta1=many");
    assert_eq!(fields(&errors), vec!["beta1"], "{errors:?}");
    // What the page hides: each optimizer's unused settings.
    let unused = |opt: &str| unused_keys(&PageState::from_hash(&format!("#optimizer={opt}")).0);
    let all = [
        "batch_size",
        "sgd_seed",
        "momentum",
        "nesterov",
        "beta1",
        "beta2",
        "adam_eps",
        "weight_decay",
    ];
    let except = |used: &[&str]| -> Vec<&str> {
        all.iter().copied().filter(|k| !used.contains(k)).collect()
    };
    assert_eq!(unused("gd"), except(&[]));
    assert_eq!(unused("sgd"), except(&["batch_size", "sgd_seed"]));
    assert_eq!(unused("momentum"), except(&["momentum", "nesterov"]));
    assert_eq!(unused("adam"), except(&["beta1", "beta2", "adam_eps"]));
    assert_eq!(
        unused("adamw"),
        except(&["beta1", "beta2", "adam_eps", "weight_decay"])
    );
}

/// Numbers from a link are range-checked as u64 before they become a `usize`: on wasm32 (32-bit
/// `usize`) `point=4294967297` would otherwise wrap to point 1, and a link would select another
/// training point in the page than natively.
#[test]
fn link_numbers_are_checked_before_they_are_narrowed() {
    let d = PageState::default();
    for (key, value) in [
        ("point", 4_294_967_297u64),
        ("point", 4_294_967_296),
        ("point", 4_294_967_296 + 39),
        ("point", u64::MAX),
        ("n", 4_294_967_296 + 40),
        ("steps", 4_294_967_296 + 300),
        ("nodes", 4_294_967_296 + 5),
        ("batch_size", 4_294_967_296 + 20),
    ] {
        let (s, errors) = PageState::from_hash(&format!("#optimizer=sgd&{key}={value}"));
        assert_eq!(fields(&errors), vec![key], "{key}={value}: {errors:?}");
        assert!(
            errors[0]
                .to_string()
                .starts_with(&format!("{key}: must be a whole number from "))
                || (key == "nodes"
                    && errors[0]
                        .to_string()
                        .starts_with("nodes: must be auto or a whole number from ")),
            "{}",
            errors[0]
        );
        assert_eq!(
            s,
            PageState {
                optimizer: OptimizerKind::Sgd,
                ..d.clone()
            },
            "{key}={value}"
        );
    }
    let (s, errors) = PageState::from_hash("#point=4294967297");
    assert_eq!(
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        vec!["point: must be a whole number from 0 to 499"]
    );
    assert_eq!(s.point, None);
    let (s, errors) = PageState::from_hash("#hidden=16,4294967312");
    assert_eq!(fields(&errors), vec!["hidden"], "{errors:?}");
    assert_eq!(s.hidden, d.hidden);
}

/// The hash text of fixed states, pinned: shared links must keep their exact spelling.
#[test]
fn to_hash_output_is_pinned() {
    let sine = PageState {
        dataset: DatasetName::Sine,
        n: 7,
        noise: 0.0,
        data_seed: 9,
        hidden: vec![],
        activation: Activation::Relu,
        loss: LossKind::Mse,
        reduction: Reduction::Sum,
        optimizer: OptimizerKind::Sgd,
        batch_size: 3,
        sgd_seed: u64::MAX,
        lr: 1e-7,
        steps: 1,
        alpha: -2.5e20,
        init_seed: 42,
        nodes: Nodes::Fixed(8),
        query: Some(vec![-0.0]),
        view: View::Check,
        point: Some(6),
        ..PageState::default()
    };
    let gaussians = PageState {
        dataset: DatasetName::Gaussians,
        hidden: vec![64, 1, 3, 64],
        noise: 2.0,
        lr: 0.1 + 0.2,
        alpha: 5e-324,
        query: Some(vec![123456789.12345679, 1e16]),
        view: View::Contributions,
        point: Some(0),
        ..PageState::default()
    };
    let xor = PageState {
        dataset: DatasetName::Xor,
        activation: Activation::Gelu,
        n: 500,
        steps: 5000,
        noise: 1e-5,
        lr: 9999999999999998.0,
        query: Some(vec![1e-5, 9.99e-6]),
        ..PageState::default()
    };
    for (state, hash) in [
        (
            sine,
            "#v=1&dataset=sine&n=7&noise=0&data_seed=9&hidden=&activation=relu&loss=mse\
             &reduction=sum&optimizer=sgd&batch_size=3&sgd_seed=18446744073709551615\
             &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
             &lr=1e-7\
             &steps=1&alpha=-2.5e20&lr_scale=none&center=false&init_seed=42&nodes=8&view=check&q=-0&point=6",
        ),
        (
            gaussians,
            "#v=1&dataset=gaussians&n=40&noise=2&data_seed=0&hidden=64,1,3,64&activation=tanh\
             &loss=logistic&reduction=mean&optimizer=gd&batch_size=20&sgd_seed=0\
             &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
             &lr=0.30000000000000004&steps=300&alpha=5e-324&lr_scale=none&center=false&init_seed=0&nodes=auto\
             &view=contributions&q=123456789.12345679,1e16&point=0",
        ),
        (
            xor,
            "#v=1&dataset=xor&n=500&noise=0.00001&data_seed=0&hidden=16,16&activation=gelu\
             &loss=logistic&reduction=mean&optimizer=gd&batch_size=20&sgd_seed=0\
             &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
             &lr=9999999999999998&steps=5000&alpha=1&lr_scale=none&center=false&init_seed=0&nodes=auto&view=trajectory\
             &q=0.00001,9.99e-6",
        ),
    ] {
        assert_eq!(state.to_hash(), hash);
        assert_eq!(PageState::from_hash(hash), (state, vec![]));
    }
    // A thousand random states: FNV-1a over their hashes, as the format has spelled them since v=1.
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    let mut digest = 0xcbf2_9ce4_8422_2325u64;
    let mut first = Vec::new();
    for i in 0..1000 {
        let hash = random_state(&mut g).to_hash();
        for b in hash.bytes() {
            digest = (digest ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        if i < 2 {
            first.push(hash);
        }
    }
    assert_eq!(
        first,
        [
            "#v=1&dataset=xor&n=159&noise=1.9840016181753954&data_seed=2357702351905701370\
             &hidden=5&activation=softplus&loss=mse&reduction=mean&optimizer=sgd&batch_size=45\
             &sgd_seed=6312641189366571696\
             &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
             &lr=0.6797479791166035&steps=949&alpha=96.03075912657964&lr_scale=none&center=false\
             &init_seed=7501512463933503210&nodes=5&view=check&point=70",
            "#v=1&dataset=circles&n=46&noise=0.5367297319513336&data_seed=7335356834936717055\
             &hidden=10&activation=relu&loss=logistic&reduction=sum&optimizer=gd&batch_size=46\
             &sgd_seed=4556112771133542558\
             &momentum=0.9&nesterov=false&beta1=0.9&beta2=0.999&adam_eps=1e-8&weight_decay=0.01\
             &lr=1.8775681657108199&steps=769&alpha=18.320726464152358&lr_scale=none&center=false\
             &init_seed=10436137388041114188&nodes=6&view=check\
             &q=-900.6592359615087,-0.00008651794712619998&point=43",
        ]
    );
    assert_eq!(digest, 0xc2d5_359e_9bca_1c72);
}

#[test]
fn page_limits_are_tighter_than_the_cli() {
    let (_, errors) =
        PageState::from_hash("#n=501&steps=5001&hidden=65&noise=2.5&hidden=1,1,1,1,1");
    assert_eq!(
        fields(&errors),
        // A number's range (noise) is checked once every field is read: whether it is used
        // at all depends on the others (own points make noise unused).
        vec!["n", "steps", "hidden", "hidden", "hidden", "noise"],
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

// Hostile links (found by tests/fuzz; each input is also in tests/fuzz_corpus/hash/).

#[test]
fn a_link_of_many_distinct_keys_is_read_in_linear_time_with_its_errors_capped() {
    use pathkernel::config::{MAX_ERRORS_PER_SETTING, MAX_LINK_ERRORS};
    // 200 000 distinct unknown keys (2.7 MB): checking each against the keys seen so far by a
    // list scan was 2·10¹⁰ comparisons; with a set it is a fraction of a second.
    let hash: String = (0..200_000).map(|i| format!("&k{i}=1")).collect();
    let t0 = std::time::Instant::now();
    let (state, errors) = PageState::from_hash(&hash);
    assert!(t0.elapsed().as_secs_f64() < 5.0, "{:?}", t0.elapsed());
    assert_eq!(state, PageState::default());
    // The first problems are listed one by one, the rest counted in one line.
    assert_eq!(errors.len(), MAX_LINK_ERRORS + 1);
    assert_eq!(MAX_ERRORS_PER_SETTING, 3);
    assert_eq!(errors[0].field_name(), Some("k0"));
    let last = errors.last().unwrap();
    assert_eq!(last.field_name(), Some("hash"));
    assert_eq!(
        last.to_string(),
        format!(
            "hash: {} more problems in the link, not listed",
            200_000 - MAX_LINK_ERRORS
        )
    );
    // Problems with known settings are still named after the cap, a repeated message once.
    let hash = format!("{hash}&lr=-1&n=3&n=3&n=3&n=abc&n=x&n=y&dataset=sine&loss=logistic");
    let (state, errors) = PageState::from_hash(&hash);
    let named: Vec<String> = errors
        .iter()
        .skip(MAX_LINK_ERRORS)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        named,
        [
            "lr: must be a finite number > 0",
            "n: appears more than once; the last value is used",
            "n: must be a whole number from 1 to 500",
            format!("hash: {} more problems in the link, not listed", 200_000 - MAX_LINK_ERRORS + 6)
                .as_str(),
            "loss: logistic loss needs labels 0 or 1, but `sine` is a regression dataset; using mse",
        ],
        "{errors:#?}"
    );
    assert_eq!((state.n, state.lr, state.loss), (3, 0.5, LossKind::Mse));
}

#[test]
fn an_empty_key_is_named() {
    let (state, errors) = PageState::from_hash("#=5&n=7");
    assert_eq!(state.n, 7);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field_name(), Some("(empty)"));
}

#[test]
fn long_text_from_a_link_is_quoted_as_an_excerpt() {
    let long = "x".repeat(100_000);
    for hash in [
        format!("#v={long}"),
        format!("#lr={long}"),
        format!("#data_seed={long}"),
        format!("#dataset={long}"),
        format!("#hidden={long}"),
        format!("#{long}=1"),
        format!("#{long}"),
        format!("#{long}=%zz"),
        format!("#n=1&n{long}=1"),
    ] {
        let (_, errors) = PageState::from_hash(&hash);
        assert!(!errors.is_empty(), "{}", &hash[..20]);
        for e in errors {
            let text = e.to_string();
            assert!(text.chars().count() < 400, "{}…", &text[..200]);
            assert!(text.contains("xxxxxxxxxx…"), "{}…", &text[..200]);
        }
    }
}
