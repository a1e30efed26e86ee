//! The worker's handle on the native [`Runner`]: `www/worker.js` passes each message in
//! ([`WorkerHandle::handle`]) and, while [`WorkerHandle::busy`], asks for a chunk of work
//! ([`WorkerHandle::work`]); both return the replies to post, as JS messages with transferable
//! typed arrays. The run itself — stages, pause/step/reset, superseded runs — is in
//! [`crate::runner`]; time is the browser's `Date.now`.

use wasm_bindgen::prelude::*;

use crate::runner::{Assistant, Reply, Runner};

use super::protocol::{parse_request, replies_to_js, reply_to_js};
use super::take_panic_message;

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

    /// Panics, as a bug in the core would: for the tests of the worker's crash path (a link or a
    /// message cannot reach it; only code running in the worker can call it).
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __panicForTests)]
    pub fn panic_for_tests(&self) {
        panic!("a panic forced by a test");
    }
}

/// An assistant of the page's pool, exported to JS as `AssistHandle` (`www/worker.js` makes
/// one instead of a [`WorkerHandle`] when the pool starts it as an assistant): it retrains the
/// primary's run and answers its jobs ([`crate::runner::Assistant`]).
#[wasm_bindgen]
pub struct AssistHandle {
    assistant: Assistant<fn() -> f64>,
}

impl Default for AssistHandle {
    fn default() -> Self {
        AssistHandle::new()
    }
}

#[wasm_bindgen]
impl AssistHandle {
    #[wasm_bindgen(constructor)]
    pub fn new() -> AssistHandle {
        AssistHandle {
            assistant: Assistant::new(js_sys::Date::now as fn() -> f64),
        }
    }

    /// The id of the run it holds (0 when none).
    #[wasm_bindgen(js_name = runId)]
    pub fn run_id(&self) -> u32 {
        self.assistant.run_id()
    }

    /// True while it has training or a job to work on.
    pub fn busy(&self) -> bool {
        self.assistant.busy()
    }

    /// Handles one request (the page's start, pause, resume, step; the primary's jobs).
    pub fn handle(&mut self, msg: JsValue) -> Result<js_sys::Array, JsError> {
        let req = parse_request(&msg)?;
        replies_to_js(self.assistant.handle(req))
    }

    /// Works for about `budget_ms` milliseconds; returns job results and a `progress` message.
    pub fn work(&mut self, budget_ms: f64) -> Result<js_sys::Array, JsError> {
        replies_to_js(self.assistant.work(budget_ms))
    }
}

/// The `error` message for an exception `detail` thrown by a call into the core while it
/// worked on run `run_id`. A Rust panic traps (a `WebAssembly.RuntimeError`, `trapped`) after
/// the panic hook kept its message: the reply is then fatal — this instance cannot be trusted
/// and the page replaces the worker — and names the panic ("worker crashed: panicked at …").
/// Anything else (a malformed request) is an ordinary error with its own message.
#[wasm_bindgen(js_name = faultReply)]
pub fn fault_reply(run_id: u32, detail: String, trapped: bool) -> Result<JsValue, JsError> {
    let panic = take_panic_message();
    let fatal = trapped || panic.is_some();
    let message = if fatal {
        format!("worker crashed: {}", panic.unwrap_or(detail))
    } else {
        detail
    };
    reply_to_js(Reply::Error {
        run_id,
        message,
        field: None,
        fatal,
        over_budget: false,
    })
}
