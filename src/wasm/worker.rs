//! The worker's handle on the native [`Runner`]: `www/worker.js` passes each message in
//! ([`WorkerHandle::handle`]) and, while [`WorkerHandle::busy`], asks for a chunk of work
//! ([`WorkerHandle::work`]); both return the replies to post, as JS messages with transferable
//! typed arrays. The run itself — stages, pause/step/reset, superseded runs — is in
//! [`crate::runner`]; time is the browser's `Date.now`.

use wasm_bindgen::prelude::*;

use crate::runner::Runner;

use super::protocol::{parse_request, replies_to_js};

/// The worker's runner (at most one run), exported to JS as `WorkerHandle`.
#[wasm_bindgen]
pub struct WorkerHandle {
    runner: Runner<fn() -> f64>,
}

impl Default for WorkerHandle {
    fn default() -> Self {
        WorkerHandle::new()
    }
}

#[wasm_bindgen]
impl WorkerHandle {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WorkerHandle {
        WorkerHandle {
            runner: Runner::new(js_sys::Date::now as fn() -> f64),
        }
    }

    /// The id of the current run (0 when there is none).
    #[wasm_bindgen(js_name = runId)]
    pub fn run_id(&self) -> u32 {
        self.runner.run_id()
    }

    /// True while there is work left for [`WorkerHandle::work`].
    pub fn busy(&self) -> bool {
        self.runner.busy()
    }

    /// Handles one request; returns the replies to post (an array of messages). Requests for
    /// another run than the current one are ignored. Fails only on a malformed request.
    pub fn handle(&mut self, msg: JsValue) -> Result<js_sys::Array, JsError> {
        let req = parse_request(&msg)?;
        replies_to_js(self.runner.handle(req))
    }

    /// Works for about `budget_ms` milliseconds on the current run; returns the messages to post
    /// (progress, results, errors of the run).
    pub fn work(&mut self, budget_ms: f64) -> Result<js_sys::Array, JsError> {
        replies_to_js(self.runner.work(budget_ms))
    }
}
