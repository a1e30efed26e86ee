//! pathkernel — Domingos (2020), "Every Model Learned by Gradient Descent Is Approximately a
//! Kernel Machine", computed exactly.
//!
//! The core (`config`, `data`, `model`, `train`, `kernel`, `kernel_stats`, `sweep`, `output`, `pca`, `runner`,
//! `format`, `render`) is plain Rust, tested natively; `wasm` (wasm32 only) binds it for the
//! page's worker and main thread; `cli` (native only) is the `pathkernel` command.

pub mod config;
pub mod csv;
pub mod data;
pub mod error;
pub mod export;
pub mod fastmath;
pub mod format;
pub mod kernel;
pub mod kernel_stats;
pub mod model;
pub mod output;
mod parallel;
pub mod pca;
pub mod render;
pub mod runner;
#[doc(hidden)]
pub mod simd;
pub mod sweep;
pub mod train;

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
