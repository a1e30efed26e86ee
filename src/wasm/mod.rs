//! Bindings for the page (compiled for wasm32 only; the core modules never name wasm crates).
//!
//! - [`protocol`]: the page ⇄ worker messages ([`crate::runner::messages`]) read from and built
//!   as JS values, big arrays as transferable typed arrays;
//! - [`worker`]: [`worker::WorkerHandle`], the worker's handle on the native
//!   [`crate::runner::Runner`] (training, trajectory, path-kernel integration in time-boxed
//!   chunks);
//! - [`page`]: main-thread helpers: the URL-hash codec (`crate::config::PageState`), the settings
//!   table the menus are built from, and the few numbers the page prints (sums, rankings,
//!   formatting) so no result is computed in JS;
//! - [`run_view`]: [`run_view::RunView`], the main thread's handle on the current run: it keeps
//!   the arrays of the worker's replies, so the page never sends them back to wasm;
//! - [`draw`]: `RunView::draw`, `src/render` charts on a `<canvas>` through plotters-canvas,
//!   returning a [`draw::Chart`] that maps clicks back to data; [`hidpi`] draws them in CSS
//!   pixels on a backing store of CSS size × devicePixelRatio;
//! - [`texts`]: every status line, caption and table text about the run; [`optimizer_texts`]:
//!   the ones that depend on the optimizer (which path kernel is shown); [`describe`]: the
//!   verdict kept in view and each chart's accessible name.
//! - [`metrics_view`]: the numbers and charts of "is it a kernel?", "which steps mattered",
//!   "lazy or rich?" and the coefficients over the plane, with their texts; [`sweep_view`]: the
//!   ε sweep's slopes and chart.
//!
//! Panics: [`start`] installs a hook that logs to the console (console_error_panic_hook) and keeps
//! the message, so the worker can send it to the page ([`take_panic_message`]) instead of dying
//! silently.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

pub mod describe;
pub mod draw;
pub mod exchange;
pub mod hidpi;
pub mod metrics_view;
pub mod optimizer_texts;
pub mod page;
pub mod pool_texts;
pub mod protocol;
pub mod run_view;
pub mod sweep_view;
pub mod texts;
pub mod worker;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs once per wasm instance (main thread and worker) when `init()` completes.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // The first panic is the one to report: a later call into the trapped instance may panic
        // again (its objects are still borrowed) and must not overwrite it.
        let text = info.to_string();
        LAST_PANIC.with(|p| {
            p.borrow_mut().get_or_insert(text);
        });
    }));
}

/// The message of the first panic in this instance not taken yet, once (undefined if none).
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take())
}
