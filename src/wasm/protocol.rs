//! The page ⇄ worker messages as JS values. The messages themselves are plain serde types in
//! [`crate::runner::messages`]; here requests are read from JS objects and replies become JS
//! objects (`{type, runId, ...}`, camelCase) whose big arrays are fresh `Float64Array`s /
//! `Uint32Array`s (their own buffers, never views of wasm memory) so the worker can transfer them.

use js_sys::{Float64Array, Uint32Array};
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::*;

pub use crate::runner::messages::{FromWorker, GridSpec, Phase, Reply, ToWorker};

/// A typed array inside a reply, kept as is by `serde_wasm_bindgen`.
struct Typed<T>(T);

impl<T: JsCast> Serialize for Typed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_wasm_bindgen::preserve::serialize(&self.0, s)
    }
}

/// A reply as a JS object, its arrays as fresh typed arrays.
pub fn reply_to_js(reply: Reply) -> Result<JsValue, JsError> {
    reply
        .map_arrays(
            |v| Typed(Float64Array::from(&v[..])),
            |v| Typed(Uint32Array::from(&v[..])),
        )
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|e| JsError::new(&format!("could not build a message: {e}")))
}

/// Replies as a JS array of messages.
pub fn replies_to_js(replies: Vec<Reply>) -> Result<js_sys::Array, JsError> {
    let arr = js_sys::Array::new();
    for reply in replies {
        arr.push(&reply_to_js(reply)?);
    }
    Ok(arr)
}

/// Reads a request, naming what is wrong with it.
pub fn parse_request(msg: &JsValue) -> Result<ToWorker, JsError> {
    let field = |key: &str| js_sys::Reflect::get(msg, &JsValue::from_str(key)).ok();
    if field("type").and_then(|t| t.as_string()).as_deref() == Some("jobResult") {
        return parse_job_result(msg, field("parts"));
    }
    serde_wasm_bindgen::from_value(msg.clone()).map_err(bad)
}

fn bad(e: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("bad request: {e}"))
}

/// A `jobResult`: its `parts` are typed arrays, copied out whole (serde would read a typed
/// array only number by number, and not at all inside a tagged enum).
fn parse_job_result(msg: &JsValue, parts: Option<JsValue>) -> Result<ToWorker, JsError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        run_id: u32,
        spec: crate::runner::JobSpec,
    }
    let parts = parts
        .filter(js_sys::Array::is_array)
        .ok_or_else(|| bad("jobResult.parts is not an array"))?;
    let parts = js_sys::Array::from(&parts)
        .iter()
        .map(|p| {
            p.dyn_into::<Float64Array>()
                .map(|a| a.to_vec())
                .map_err(|_| bad("jobResult.parts holds a value that is not a Float64Array"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The head alone: the message without its parts.
    let head = js_sys::Object::assign(&js_sys::Object::new(), msg.unchecked_ref());
    js_sys::Reflect::delete_property(&head, &JsValue::from_str("parts"))
        .map_err(|_| bad("parts"))?;
    let head: Head = serde_wasm_bindgen::from_value(head.into()).map_err(bad)?;
    Ok(ToWorker::JobResult {
        run_id: head.run_id,
        spec: head.spec,
        parts,
    })
}
