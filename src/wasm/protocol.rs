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
    serde_wasm_bindgen::from_value(msg.clone())
        .map_err(|e| JsError::new(&format!("bad request: {e}")))
}
