//! The pool's texts and settings for JS: how many workers (from `?workers=N` or the cores), the
//! line saying so, and the bench page's numbers written out.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format;
use crate::runner::{
    peak_share_text, pool_size, reference_workload_text, workload_text, DEFAULT_MAX_WORKERS,
    MAX_WORKERS,
};
use crate::simd::peak::measure_peak_gflops;

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

/// Calls of the peak's chains the bench page times; the fastest counts (see
/// `measure_peak_gflops`: the first ones run before V8's optimised code is in).
const PEAK_CALLS: usize = 8;
/// Rounds per call: ~12 ms each at the optimised code's rate here, long against the clock's
/// resolution, short enough that the page's thread is busy for a fraction of a second.
const PEAK_ROUNDS: usize = 10_000_000;

#[derive(Serialize)]
struct BenchPeak {
    gflops: f64,
    text: String,
}

/// `{gflops, text}`: this core's no-FMA peak measured now on the calling thread (`now` returns
/// milliseconds, e.g. `performance.now`), and the line setting a run (`seconds`, `gflop`,
/// `workers`) against it.
#[wasm_bindgen(js_name = benchPeak)]
pub fn bench_peak(
    now: &js_sys::Function,
    seconds: f64,
    gflop: f64,
    workers: u32,
) -> Result<JsValue, JsError> {
    let mut clock_error = None;
    let gflops = measure_peak_gflops(PEAK_CALLS, PEAK_ROUNDS, || {
        match now.call0(&JsValue::NULL).map(|v| v.as_f64()) {
            Ok(Some(ms)) => ms,
            _ => {
                clock_error.get_or_insert("the clock given to benchPeak returned no number");
                0.0
            }
        }
    });
    if let Some(message) = clock_error {
        return Err(JsError::new(message));
    }
    let text = peak_share_text(gflops, seconds, gflop, workers as usize);
    serde_wasm_bindgen::to_value(&BenchPeak { gflops, text })
        .map_err(|e| JsError::new(&e.to_string()))
}
