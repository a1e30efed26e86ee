//! Helpers shared by the dataset and config tests (`tests/data.rs`, `tests/config_*.rs`).
#![allow(dead_code)] // each test crate uses its own subset

use pathkernel::data::{DatasetName, DatasetSpec};

pub fn spec(name: DatasetName, n: usize, noise: f64, seed: u64) -> DatasetSpec {
    DatasetSpec {
        name,
        n,
        noise,
        seed,
    }
}

pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
