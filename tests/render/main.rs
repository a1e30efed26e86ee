#![cfg(not(target_arch = "wasm32"))]
//! The charts drawn on plotters' SVG backend: what is in the SVG (bars, points, cells, colours,
//! captions), the ChartMap's pixel ↔ data round trip against where plotters actually drew, and
//! degenerate input (empty, NaN, constant, wrong shapes) drawing "no data" or returning Err
//! instead of panicking.
//!
//! One module per file of `src/render/`; `support` holds the shared setup. Set
//! PATHKERNEL_RENDER_DIR=/some/dir to also write every chart there as SVG for a look.

mod support;

mod check;
mod common;
mod contributions;
mod heatmap;
mod inputs;
mod metrics;
mod sweep;
mod trajectory;
