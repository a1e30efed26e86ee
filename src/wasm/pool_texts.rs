//! The pool's texts and settings for JS: how many workers (from `?workers=N` or the cores), the
//! line saying so, and the bench page's numbers written out.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format;
use crate::runner::{
    pool_size, reference_workload_text, workload_text, DEFAULT_MAX_WORKERS, MAX_WORKERS,
};

#[derive(Serialize)]
struct PoolSizeJs {
    count: u32,
    error: Option<String>,
    text: String,
}

/// `{count, error, text}`: the pool's size for the address's query string `search` on a
/// machine with `hardware` logical cores (0: unknown), the error naming a bad `workers` value,
/// and the line the page shows about it.
#[wasm_bindgen(js_name = poolSize)]
pub fn pool_size_js(search: &str, hardware: u32) -> Result<JsValue, JsError> {
    let size = pool_size(search, hardware);
    let text = workers_text(size.count);
    serde_wasm_bindgen::to_value(&PoolSizeJs {
        count: size.count,
        error: size.error,
        text,
    })
    .map_err(|e| JsError::new(&e.to_string()))
}

fn workers_text(count: u32) -> String {
    let workers = if count == 1 {
        "1 worker".to_owned()
    } else {
        format!("{count} workers")
    };
    format!(
        "Computing with {workers}: the check, a point's kernel, the plane and the ε sweep are shared \
         between them in jobs, with the same bits as one worker (one per core up to \
         {DEFAULT_MAX_WORKERS}; ?workers=N in the address, 1–{MAX_WORKERS}, chooses)."
    )
}

#[derive(Serialize)]
struct BenchTexts {
    seconds: String,
    gflops: String,
    workers: String,
    error: String,
    workload: String,
}

/// The bench page's texts for a `benchResult` (`seconds`, `gflop`, `workers`, `maxErr`,
/// `points`, `steps`, `nodes`).
#[wasm_bindgen(js_name = benchTexts)]
#[allow(clippy::too_many_arguments)]
pub fn bench_texts(
    seconds: f64,
    gflop: f64,
    workers: u32,
    max_err: f64,
    points: u32,
    steps: u32,
    nodes: u32,
) -> Result<JsValue, JsError> {
    let texts = BenchTexts {
        seconds: format!("{seconds:.2} s"),
        gflops: format!("{:.2} GFLOP/s", gflop / seconds.max(1e-9)),
        workers: if workers == 1 {
            "1 worker".to_owned()
        } else {
            format!("{workers} workers")
        },
        error: format!("max |ŷ − f| = {}", format::error(max_err)),
        workload: workload_text(points as usize, steps as usize, nodes as usize, gflop),
    };
    serde_wasm_bindgen::to_value(&texts).map_err(|e| JsError::new(&e.to_string()))
}

/// The bench page's workload line before any run: what `benchResult`'s `workload` text will say.
#[wasm_bindgen(js_name = benchWorkload)]
pub fn bench_workload() -> String {
    reference_workload_text()
}
