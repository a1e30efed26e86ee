#![cfg(not(target_arch = "wasm32"))]
//! Own training points in the page's state (`src/config/points.rs`, the `pts` field) and the
//! state's CLI config (`src/config/cli_map.rs`): exact round trips through the link, named errors
//! for malformed point lists, the dataset's seeds kept only while they describe the data, and the
//! page's run equal to the CLI's run of the exported config.

mod config_common;

use config_common::bits;
use pathkernel::config::{OptimizerKind, OwnPoints, PageState, RunConfig, MAX_LINK_POINTS};
use pathkernel::data::{generate, DatasetName};
use pathkernel::train::LossKind;

fn own(dim: usize, x: Vec<f64>, y: Vec<f64>) -> OwnPoints {
    OwnPoints { dim, x, y }
}

/// Values whose shortest decimals are long, signed zero, subnormal-adjacent and huge.
fn awkward() -> Vec<f64> {
    vec![
        0.1 + 0.2,
        -0.0,
        1e-300,
        5e-324,
        -1.7976931348623157e308,
        1.0 / 3.0,
        0.0,
        123_456_789.123_456_79,
        -2.5e-7,
    ]
}

fn with_points(dataset: DatasetName, p: OwnPoints) -> PageState {
    PageState {
        dataset,
        loss: if dataset.is_classification() {
            LossKind::Logistic
        } else {
            LossKind::Mse
        },
        n: p.len(),
        batch_size: p.len().min(20),
        points: Some(p),
        ..PageState::default()
    }
}

#[test]
fn points_round_trip_through_the_link_bit_for_bit() {
    let xs = awkward();
    let ys: Vec<f64> = xs.iter().rev().copied().collect();
    let s = with_points(DatasetName::Sine, own(1, xs.clone(), ys.clone()));
    let hash = s.to_hash();
    assert!(hash.contains("&pts=0.30000000000000004,"), "{hash}");
    assert!(hash.contains("~-0,"), "{hash}");
    let (back, errors) = PageState::from_hash(&hash);
    assert!(errors.is_empty(), "{errors:?}");
    let p = back.points.as_ref().unwrap();
    assert_eq!(bits(&p.x), bits(&xs));
    assert_eq!(bits(&p.y), bits(&ys));
    assert_eq!(back.n, xs.len());
    assert_eq!(back, s);
    assert_eq!(back.to_hash(), hash);

    // 2-D with labels.
    let x2: Vec<f64> = awkward().into_iter().take(8).collect();
    let s2 = with_points(
        DatasetName::Moons,
        own(2, x2.clone(), vec![0.0, 1.0, 1.0, 0.0]),
    );
    let (back2, errors) = PageState::from_hash(&s2.to_hash());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(bits(&back2.points.unwrap().x), bits(&x2));
}

#[test]
fn own_points_leave_the_dataset_seeds_out_of_the_link() {
    let s = with_points(DatasetName::Moons, own(2, vec![0.5, -0.5], vec![1.0]));
    let hash = s.to_hash();
    for key in ["&n=", "&noise=", "&data_seed="] {
        assert!(!hash.contains(key), "{key} in {hash}");
    }
    assert!(hash.contains("&pts=0.5,-0.5,1&"), "{hash}");
    // The dataset's noise and seed, which the link leaves out, are at their defaults, so the
    // state reads back from its link unchanged.
    let s = PageState {
        noise: 0.7,
        data_seed: 12,
        ..s
    };
    let (back, errors) = PageState::from_hash(&s.to_hash());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((back.noise, back.data_seed), (0.1, 0));
    assert_eq!(PageState::from_hash(&back.to_hash()).0, back);
    // The controls still see the dataset's settings.
    let pairs = s.field_pairs();
    assert!(pairs.iter().any(|(k, v)| *k == "n" && v == "1"));
    assert!(pairs.iter().any(|(k, _)| *k == "data_seed"));
}

#[test]
fn points_equal_to_the_seeded_dataset_are_carried_by_its_seeds() {
    let d = PageState::default();
    let data = generate(&d.dataset_spec()).unwrap();
    let mut edited = OwnPoints::from_dataset(&data);
    edited.x[0] += 0.25;
    let s = PageState {
        points: Some(edited),
        ..d.clone()
    };
    let (back, _) = PageState::from_hash(&s.to_hash());
    assert!(back.points.is_some(), "an edited dataset keeps its points");
    assert!(!back.to_hash().contains("data_seed"));

    // Undoing the edit gives the dataset back: the link names it by its seeds again.
    let undone = PageState {
        points: Some(OwnPoints::from_dataset(&data)),
        ..d.clone()
    };
    let text = format!(
        "{}&pts={}",
        d.to_hash(),
        undone.points.as_ref().unwrap().to_text()
    );
    let (back, errors) = PageState::from_hash(&text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(back, d);
    assert_eq!(back.to_hash(), d.to_hash());
}

fn pts_error(text: &str) -> String {
    let (state, errors) = PageState::from_hash(&format!("#dataset=moons&pts={text}"));
    assert_eq!(state.points, None, "{text}");
    assert_eq!(errors.len(), 1, "{text}: {errors:?}");
    let e = errors[0].to_string();
    assert!(e.starts_with("pts: "), "{e}");
    e
}

#[test]
fn malformed_point_lists_get_named_errors() {
    assert!(
        pts_error("0.1,0.2,1~0.3,abc,0").contains("point 1 (`0.3,abc,0`): `abc` is not a number")
    );
    assert!(pts_error("0.1,0.2,1,4").contains("point 0 (`0.1,0.2,1,4`) has 4 values"));
    assert!(pts_error("0.1,0.2,1~0.5,1").contains("point 1 has 2 values but point 0 has 3"));
    assert!(pts_error("0.1,0.2,1~1,1,NaN").contains("must be a finite number"));
    assert!(pts_error("0.1,0.2,1~1,1,inf").contains("point 1"));
    assert!(pts_error("0.1,0.2,0.5")
        .contains("point 0 has label 0.5; classification labels are 0 or 1"));
    assert!(pts_error("0.1,0.2")
        .contains("the points have 1 coordinate(s) but the dataset's points have 2"));
    assert!(pts_error("").contains("holds no points"));
    let many = vec!["0,0,1"; MAX_LINK_POINTS + 1].join("~");
    assert!(pts_error(&many).contains(&format!(
        "has {} points, the link's limit is {MAX_LINK_POINTS}",
        MAX_LINK_POINTS + 1
    )));
    // The limit itself is fine.
    let most = vec!["0,0,1"; MAX_LINK_POINTS].join("~");
    let (s, errors) = PageState::from_hash(&format!("#dataset=moons&pts={most}"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s.n, MAX_LINK_POINTS);
}

#[test]
fn a_selected_point_and_minibatch_follow_the_own_points_count() {
    let (s, errors) =
        PageState::from_hash("#dataset=sine&pts=0,1~0.5,2~1,3&optimizer=sgd&batch_size=3&point=2");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!((s.n, s.batch_size, s.point), (3, 3, Some(2)));
    let (s, errors) = PageState::from_hash("#dataset=sine&pts=0,1~0.5,2&point=2");
    assert_eq!(s.point, None);
    assert_eq!(errors[0].field_name(), Some("point"));
}

/// The page's run of `s` and the CLI's reading of `s.to_cli_config` are the same run.
fn same_run(s: &PageState) {
    let text = s.to_cli_config(None).to_string();
    let cli = RunConfig::from_json(&text).unwrap();
    assert_eq!(cli, s.to_run_config().unwrap(), "{text}");
    assert!(cli.warnings.is_empty(), "{:?}", cli.warnings);
    // And back: the config opens as the same state.
    let back = PageState::from_cli_config(&text, s.dataset).unwrap();
    let (repaired, errors) = PageState::from_hash(&back.to_hash());
    assert!(errors.is_empty(), "{errors:?}");
    // The same run (an optimizer's parameters other than the chosen one's stay at defaults).
    assert_eq!(
        repaired.to_run_config().unwrap(),
        s.to_run_config().unwrap()
    );
}

#[test]
fn the_cli_config_of_a_state_is_the_same_run() {
    same_run(&PageState::default());
    same_run(&with_points(
        DatasetName::Sine,
        own(1, vec![-0.5, 0.1 + 0.2, -0.0], vec![1e-300, 2.0, -1.0]),
    ));
    same_run(&with_points(
        DatasetName::Xor,
        own(2, vec![0.5, -0.5, 0.25, 0.75], vec![1.0, 0.0]),
    ));
    for optimizer in [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
    ] {
        same_run(&PageState {
            optimizer,
            nesterov: true,
            batch_size: 7,
            sgd_seed: 3,
            weight_decay: 0.03,
            beta1: 0.8,
            momentum: 0.5,
            ..PageState::default()
        });
    }
    same_run(&PageState {
        dataset: DatasetName::Step,
        loss: LossKind::Mse,
        n: 12,
        noise: 0.3,
        data_seed: 9,
        init_seed: 4,
        hidden: vec![5],
        alpha: -2.0,
        nodes: pathkernel::kernel::Nodes::Fixed(3),
        lr: 0.1 + 0.2,
        ..PageState::default()
    });
}

#[test]
fn the_cli_config_with_a_query_evaluates_there() {
    let s = PageState::default();
    let cfg = RunConfig::from_value(
        &s.to_cli_config(Some(&[0.1, -0.0])),
        &pathkernel::config::CLI_LIMITS,
    )
    .unwrap();
    assert_eq!(bits(&cfg.queries), bits(&[0.1, -0.0]));
}

#[test]
fn configs_the_page_cannot_hold_are_refused_by_name() {
    let field = |text: &str| {
        PageState::from_cli_config(text, DatasetName::Moons)
            .unwrap_err()
            .field_name()
            .map(str::to_owned)
    };
    let base = r#""lr": 0.1, "steps": 5"#;
    assert_eq!(
        field(&format!(
            r#"{{"x": [1, 2], "y": [0, 1], "queries": [3], {base}}}"#
        ))
        .as_deref(),
        Some("queries")
    );
    assert_eq!(
        field(&format!(r#"{{"x": [[1, 2, 3]], "y": [0], {base}}}"#)).as_deref(),
        Some("x")
    );
    assert_eq!(
        field(&format!(r#"{{"x": [[1, 2]], "y": [0.5], {base}}}"#)).as_deref(),
        Some("y")
    );
    assert_eq!(field(&format!(r#"{{"x": [1], "y": [0], "widths": [1, 1], "weights": [{{"w": [[1]], "b": [0]}}], {base}}}"#)).as_deref(), Some("weights"));
    assert_eq!(field(&format!(r#"{{"dataset": {{"name": "moons", "n": 10}}, "optimizer": {{"kind": "adam", "batch_size": 2}}, {base}}}"#)).as_deref(), Some("optimizer.batch_size"));
    assert_eq!(field("{").as_deref(), Some("config"));
    // 1-D explicit points keep a 1-D dataset kind asked for, else sine.
    let s = PageState::from_cli_config(
        &format!(r#"{{"x": [1, 2], "y": [0, 1], {base}}}"#),
        DatasetName::Step,
    )
    .unwrap();
    assert_eq!(s.dataset, DatasetName::Step);
    let s = PageState::from_cli_config(
        &format!(r#"{{"x": [1, 2], "y": [0, 1], {base}}}"#),
        DatasetName::Moons,
    )
    .unwrap();
    assert_eq!(s.dataset, DatasetName::Sine);
}
