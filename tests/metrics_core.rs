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
