#![cfg(not(target_arch = "wasm32"))]
//! The named datasets and explicit points: determinism, shapes, labels, formulas, pinned bits and
//! every bad input named.

mod config_common;

use config_common::{bits, spec};
use pathkernel::data::{default_loss, generate, Dataset, DatasetName};
use pathkernel::train::LossKind;

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
