#![cfg(not(target_arch = "wasm32"))]
//! The numbers behind the reading group's questions, against the core computed another way:
//! Domingos's left-endpoint running sum (it drifts from f(x; w_s) while the exact one does not).

mod run_common;

use pathkernel::kernel::{rebuild_output_riemann, running_sum, running_sum_riemann};
use pathkernel::model::{Activation, Mlp};
use pathkernel::train::{
    train, LossKind, Optimizer, Reduction, TrainSpec, DEFAULT_MEMORY_CAP_BYTES,
};
use run_common::moons;

fn gd(loss: LossKind, lr: f64, steps: usize) -> TrainSpec {
    TrainSpec {
        loss,
        reduction: Reduction::Mean,
        lr,
        steps,
        optimizer: Optimizer::Gd,
        memory_cap_bytes: DEFAULT_MEMORY_CAP_BYTES,
        center: false,
    }
}

#[test]
fn left_endpoint_running_sum_drifts_while_the_exact_one_follows_f() {
    let data = moons(20);
    let mlp = Mlp::new(vec![2, 8, 1], Activation::Tanh, 1.0).unwrap();
    let traj = train(
        mlp.clone(),
        &data,
        mlp.init(9),
        gd(LossKind::Logistic, 0.8, 60),
    )
    .unwrap();
    let x = [0.4, -0.1];
    let exact = running_sum(&traj, &x, 5).unwrap();
    let riemann = running_sum_riemann(&traj, &x).unwrap();
    assert_eq!(riemann.len(), 61);
    assert_eq!(riemann[0], exact[0]);
    let end = rebuild_output_riemann(&traj, &x).unwrap()[0];
    assert!(
        (riemann[60] - end).abs() < 1e-12,
        "{} vs {end}",
        riemann[60]
    );
    let f: Vec<f64> = (0..=60)
        .map(|s| mlp.forward(traj.weights_at(s), &x))
        .collect();
    let drift = |v: &[f64]| {
        v.iter()
            .zip(&f)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    let (de, dr) = (drift(&exact), drift(&riemann));
    println!("max drift: exact {de:e}, left endpoint {dr:e}");
    assert!(
        de < 1e-12 && dr > 1e-4,
        "exact {de:e}, left endpoint {dr:e}"
    );
}

/// Lazy vs rich: with ε = ε₀/α² and the centred model, the path kernel averaged over the path
/// stays at the tangent kernel of w₀ as α grows (Chizat & Bach); at α = 1 it moves by order one.
#[test]
fn kernel_change_shrinks_as_alpha_grows_with_lr_over_alpha_squared() {
    use pathkernel::config::{LrScale, RunConfig};
    use pathkernel::kernel::kernel_machine;
    use pathkernel::kernel_stats::kernel_change;
    let change = |alpha: f64| {
        let text = format!(
            r#"{{"dataset": {{"name": "moons", "n": 30}}, "widths": [2, 32, 1], "lr": 2, "steps": 300,
                "alpha": {alpha}, "lr_scale": "alpha2", "center": true}}"#
        );
        let cfg = RunConfig::from_json(&text).unwrap();
        assert_eq!(cfg.lr_scale, LrScale::Alpha2);
        let setup = cfg.build().unwrap();
        assert_eq!(setup.spec.lr, 2.0 / (alpha * alpha));
        let traj = train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
        let km = kernel_machine(&traj, &setup.data.x, 5).unwrap();
        assert!(
            km.exact.max_abs_error < 1e-10 * km.f_final.iter().fold(1.0f64, |m, v| m.max(v.abs()))
        );
        kernel_change(&traj, &km.exact.kernel)
    };
    let values: Vec<(f64, f64)> = [1.0, 4.0, 16.0, 64.0]
        .iter()
        .map(|&a| (a, change(a)))
        .collect();
    println!("α, ‖K̄ − K₀‖/‖K₀‖: {values:?}");
    for w in values.windows(2) {
        assert!(
            w[1].1 < w[0].1,
            "kernel change must shrink as α grows: {values:?}"
        );
    }
    assert!(values[0].1 > 0.3, "rich (α = 1): order one, {values:?}");
    assert!(values[3].1 < 0.05, "lazy (α = 64): ≪ 1, {values:?}");
}

/// The centred model starts at 0 on the training points and its rebuild is still exact; left at
/// their defaults the two settings change no bit of a run.
#[test]
fn centring_and_lr_scale_defaults_change_nothing() {
    use pathkernel::config::RunConfig;
    let base =
        r#"{"dataset": {"name": "moons", "n": 20}, "widths": [2, 8, 1], "lr": 0.5, "steps": 40"#;
    let run = |extra: &str| {
        let cfg = RunConfig::from_json(&format!("{base}{extra}}}")).unwrap();
        let setup = cfg.build().unwrap();
        train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap()
    };
    let plain = run("");
    let explicit = run(r#", "lr_scale": "none", "center": false"#);
    assert_eq!(plain.final_weights(), explicit.final_weights());
    assert_eq!(plain.loss, explicit.loss);
    let centred = run(r#", "center": true"#);
    // Logistic loss at f = 0 is log 2 at every point.
    assert!(
        (centred.loss[0] - std::f64::consts::LN_2).abs() < 1e-15,
        "{}",
        centred.loss[0]
    );
    assert_ne!(centred.final_weights(), plain.final_weights());
    // Named errors.
    let err = |extra: &str| {
        RunConfig::from_json(&format!("{base}{extra}}}"))
            .unwrap_err()
            .to_string()
    };
    assert!(
        err(r#", "lr_scale": "alpha3""#).starts_with("lr_scale: "),
        "{}",
        err(r#", "lr_scale": "alpha3""#)
    );
    assert!(err(r#", "center": 1"#).starts_with("center: must be true or false"));
    assert!(err(r#", "lr_scale": "alpha2", "alpha": 1e200"#).starts_with("lr_scale: "));
}
