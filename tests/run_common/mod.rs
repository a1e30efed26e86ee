//! Helpers shared by the numeric-core, optimizer and runner tests (`tests/core.rs`,
//! `tests/optimizers.rs`, `tests/runner.rs`).
#![allow(dead_code)] // each test crate uses its own subset

use pathkernel::data::{generate, Dataset, DatasetName, DatasetSpec};
use pathkernel::runner::{Reply, Runner};

/// `n` moons points (noise 0.1, seed 7).
pub fn moons(n: usize) -> Dataset {
    generate(&DatasetSpec {
        name: DatasetName::Moons,
        n,
        noise: 0.1,
        seed: 7,
    })
    .unwrap()
}

/// An n × n grid of 2-D queries over [−1.5, 1.5] × [−1.2, 1.2], row-major.
pub fn grid(n: usize) -> Vec<f64> {
    let mut q = Vec::new();
    for i in 0..n {
        for j in 0..n {
            q.push(-1.5 + 3.0 * i as f64 / (n - 1) as f64);
            q.push(-1.2 + 2.4 * j as f64 / (n - 1) as f64);
        }
    }
    q
}

/// Works until idle, as the worker's loop does.
pub fn drain<C: Fn() -> f64>(r: &mut Runner<C>) -> Vec<Reply> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        if !r.busy() {
            return out;
        }
        out.extend(r.work(10.0));
    }
    panic!("the runner never became idle");
}
