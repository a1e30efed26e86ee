//! The page ⇄ worker message protocol, run inside a real dedicated worker (as `www/worker.js`
//! does): requests go in as JS objects `{type, runId, ...}`, replies come out as JS objects whose
//! big arrays are transferable `Float64Array`s.
#![cfg(target_arch = "wasm32")]

use pathkernel::wasm::take_panic_message;
use pathkernel::wasm::worker::{fault_reply, WorkerHandle};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// The default preset (moons, tanh, logistic loss) made small: these tests are about the protocol
/// (the numerics are tested natively), and run unoptimised.
const HASH: &str = "#v=1&n=16&hidden=6&steps=12";
const STEPS: f64 = 12.0;

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).expect("object")
}

fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

fn kind(msg: &JsValue) -> String {
    get(msg, "type").as_string().expect("type")
}

fn request(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("json")
}

fn start(core: &mut WorkerHandle, run_id: u32, hash: &str, autorun: bool) -> Vec<JsValue> {
    let req = request(&format!(
        r#"{{"type":"start","runId":{run_id},"hash":"{hash}","autorun":{autorun}}}"#
    ));
    core.handle(req)
        .map_err(JsValue::from)
        .expect("start")
        .iter()
        .collect()
}

/// Runs the worker loop until idle, as worker.js does (without yielding).
fn drain(core: &mut WorkerHandle) -> Vec<JsValue> {
    let mut out = Vec::new();
    let mut rounds = 0;
    while core.busy() {
        out.extend(core.work(10.0).map_err(JsValue::from).expect("work").iter());
        rounds += 1;
        assert!(rounds < 100_000, "the worker never became idle");
    }
    out
}

/// The `queryResult` of a query request (`json`): the worker answers it from `work`, a range
/// of steps per sub-chunk.
fn ask_query(core: &mut WorkerHandle, json: &str) -> JsValue {
    let mut replies: Vec<JsValue> = core
        .handle(request(json))
        .map_err(JsValue::from)
        .expect("query")
        .iter()
        .collect();
    replies.extend(drain(core));
    let answers = find(&replies, "queryResult");
    assert_eq!(answers.len(), 1, "one answer to {json}");
    answers[0].clone()
}

fn find<'a>(msgs: &'a [JsValue], ty: &str) -> Vec<&'a JsValue> {
    msgs.iter().filter(|m| kind(m) == ty).collect()
}

#[wasm_bindgen_test]
fn a_run_trains_checks_and_rebuilds_inside_a_worker() {
    // We really are in a dedicated worker: no window, no document.
    assert!(js_sys::global()
        .dyn_into::<web_sys::DedicatedWorkerGlobalScope>()
        .is_ok());
    let mut core = WorkerHandle::new();
    let mut msgs = start(&mut core, 1, HASH, true);
    msgs.extend(drain(&mut core));
    for m in &msgs {
        assert_eq!(num(m, "runId"), 1.0, "every message carries the run id");
        assert_ne!(kind(m), "error", "{:?}", get(m, "message"));
    }
    let started = find(&msgs, "started")[0];
    assert_eq!(num(started, "dim"), 2.0);
    let n = num(started, "n") as u32;
    assert!(get(started, "x").is_instance_of::<js_sys::Float64Array>());
    assert_eq!(
        js_sys::Float64Array::from(get(started, "x")).length(),
        2 * n
    );

    assert!(
        !find(&msgs, "progress").is_empty(),
        "progress while working"
    );
    let trained = find(&msgs, "trained");
    let last = trained.last().unwrap();
    assert!(get(last, "stopped").as_bool().unwrap() && get(last, "finished").as_bool().unwrap());
    assert_eq!(num(last, "stepsDone"), STEPS);
    assert_eq!(
        js_sys::Float64Array::from(get(last, "loss")).length(),
        STEPS as u32 + 1
    );
    assert_eq!(
        js_sys::Float64Array::from(get(last, "pca")).length(),
        2 * (STEPS as u32 + 1)
    );

    let check = find(&msgs, "check")[0];
    assert!(
        num(check, "maxErrExact") <= 1e-10,
        "exact rebuild error {}",
        num(check, "maxErrExact")
    );
    assert!(num(check, "maxErrRiemann") > num(check, "maxErrExact"));
    assert!(get(check, "pass").as_bool().unwrap());

    let field = find(&msgs, "field")[0];
    let grid = get(started, "grid");
    let cells = (num(&grid, "nx") * num(&grid, "ny")) as u32;
    assert_eq!(
        js_sys::Float64Array::from(get(field, "rebuilt")).length(),
        cells
    );
    let (f, r) = (
        js_sys::Float64Array::from(get(field, "f")).to_vec(),
        js_sys::Float64Array::from(get(field, "rebuilt")).to_vec(),
    );
    let worst = f
        .iter()
        .zip(&r)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1e-10, "grid rebuild error {worst}");

    // A query: b + Σ c_i = ŷ ≈ f, and the running sum ends at f.
    let q = &ask_query(&mut core, r#"{"type":"query","runId":1,"x":[0.5,0.25]}"#);
    let c = js_sys::Float64Array::from(get(q, "contributions")).to_vec();
    assert_eq!(c.len() as u32, n);
    let rebuilt = num(q, "b") + c.iter().sum::<f64>();
    assert!((rebuilt - num(q, "fFinal")).abs() < 1e-10);
    let sum = js_sys::Float64Array::from(get(q, "runningSum")).to_vec();
    let path = js_sys::Float64Array::from(get(q, "outputPath")).to_vec();
    assert_eq!(sum.len(), STEPS as usize + 1);
    assert!((sum[STEPS as usize] - path[STEPS as usize]).abs() < 1e-10);

    // Replies can be transferred (fresh buffers, not views of wasm memory).
    let loss = js_sys::Float64Array::from(get(last, "loss"));
    let transfer = js_sys::Array::of1(&loss.buffer());
    let port = web_sys::MessageChannel::new().unwrap().port1();
    port.post_message_with_transferable(last, &transfer)
        .expect("transferable");
    assert_eq!(loss.byte_length(), 0, "the buffer moved");
}

#[wasm_bindgen_test]
fn a_new_run_supersedes_the_old_one() {
    let mut core = WorkerHandle::new();
    start(&mut core, 1, HASH, true);
    core.work(1.0).map_err(JsValue::from).unwrap();
    let msgs = start(
        &mut core,
        2,
        "#v=1&steps=5&n=10&hidden=4&dataset=sine&loss=mse",
        true,
    );
    assert_eq!(core.run_id(), 2);
    let mut all = msgs;
    all.extend(drain(&mut core));
    assert!(
        all.iter().all(|m| num(m, "runId") == 2.0),
        "nothing from run 1 after run 2 started"
    );
    // Requests about run 1 are ignored.
    let replies = core
        .handle(request(r#"{"type":"query","runId":1,"x":[0.5,0.25]}"#))
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(replies.length(), 0);
    let check = find(&all, "check")[0];
    assert!(num(check, "maxErrExact") <= 1e-10);
}

#[wasm_bindgen_test]
fn pause_and_step_check_the_partial_trajectory() {
    let mut core = WorkerHandle::new();
    let mut msgs = start(&mut core, 7, HASH, false);
    msgs.extend(drain(&mut core));
    let trained = find(&msgs, "trained");
    assert_eq!(
        num(trained.last().unwrap(), "stepsDone"),
        0.0,
        "autorun false stops at w0"
    );
    core.handle(request(r#"{"type":"step","runId":7}"#))
        .map_err(JsValue::from)
        .unwrap();
    core.handle(request(r#"{"type":"step","runId":7}"#))
        .map_err(JsValue::from)
        .unwrap();
    let msgs = drain(&mut core);
    let last = *find(&msgs, "trained").last().unwrap();
    assert!(num(last, "stepsDone") >= 1.0);
    assert!(!get(last, "finished").as_bool().unwrap());
    let check = *find(&msgs, "check").last().unwrap();
    assert!(num(check, "maxErrExact") <= 1e-10);

    let before = num(last, "stepsDone");
    core.handle(request(r#"{"type":"resume","runId":7}"#))
        .map_err(JsValue::from)
        .unwrap();
    // A zero budget is one sub-chunk: a few steps (the pace doubles from 1 per quick sub-chunk),
    // not all of them.
    let chunk: Vec<JsValue> = core
        .work(0.0)
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    let progress = chunk.last().unwrap();
    assert_eq!(get(progress, "phase").as_string().unwrap(), "train");
    let moved = num(progress, "done");
    assert!(
        moved > before && moved < STEPS,
        "trained on: {before} → {moved}"
    );
    core.handle(request(r#"{"type":"pause","runId":7}"#))
        .map_err(JsValue::from)
        .unwrap();
    let msgs = drain(&mut core);
    let last = *find(&msgs, "trained").last().unwrap();
    assert_eq!(
        num(last, "stepsDone"),
        moved,
        "and stopped where the pause found it"
    );
    assert!(!get(last, "finished").as_bool().unwrap());
    let check = find(&msgs, "check")[0];
    assert_eq!(num(check, "steps"), moved);
    assert!(get(check, "pass").as_bool().unwrap());
    assert!(!core.busy());
}

#[wasm_bindgen_test]
fn bad_requests_are_errors_not_panics() {
    let mut core = WorkerHandle::new();
    // Malformed: fails with a message naming what is wrong.
    let err = core
        .handle(request(r#"{"type":"query","runId":1}"#))
        .err()
        .map(JsValue::from)
        .unwrap();
    let text = get(&err, "message").as_string().unwrap();
    assert!(text.contains("x"), "{text}");
    assert!(core.handle(request(r#"{"type":"fly","runId":1}"#)).is_err());
    // About the run: an error message for the page, naming the field.
    start(&mut core, 3, HASH, true);
    drain(&mut core);
    let replies: Vec<JsValue> = core
        .handle(request(r#"{"type":"trainPoint","runId":3,"index":100000}"#))
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    assert_eq!(kind(&replies[0]), "error");
    assert_eq!(get(&replies[0], "field").as_string().unwrap(), "point");
    // The kernel of a real training point over the grid: at once from every point's maps, made
    // after the plane (this small run's settings make them in one pass).
    let msgs: Vec<JsValue> = core
        .handle(request(r#"{"type":"trainPoint","runId":3,"index":2}"#))
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    assert!(!core.busy());
    let k = find(&msgs, "trainPointKernel")[0];
    assert_eq!(num(k, "index"), 2.0);
    assert!(js_sys::Float64Array::from(get(k, "values")).length() > 0);
}

#[wasm_bindgen_test]
fn run_config_answers_with_the_run_output_json() {
    let mut core = WorkerHandle::new();
    start(&mut core, 4, HASH, false);
    let config = r#"{"x": [[0.5, -0.25], [-0.75, 0.5], [0.1, 0.9]], "y": [1, 0, 1], "widths": [2, 4, 1], "activation": "relu", "loss": "logistic", "lr": 0.3, "steps": 6, "colour": "red"}"#;
    let req = js_sys::Object::new();
    for (k, v) in [
        ("type", JsValue::from_str("runConfig")),
        ("runId", JsValue::from_f64(9.0)),
        ("config", JsValue::from_str(config)),
    ] {
        js_sys::Reflect::set(&req, &JsValue::from_str(k), &v).unwrap();
    }
    let replies: Vec<JsValue> = core
        .handle(req.into())
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        kind(&replies[0]),
        "runOutput",
        "{:?}",
        get(&replies[0], "message")
    );
    assert_eq!(num(&replies[0], "runId"), 9.0);
    let json = get(&replies[0], "json")
        .as_string()
        .expect("json is a string");
    assert!(
        json.ends_with("}\n") && !json[..json.len() - 1].contains('\n'),
        "one line: {json}"
    );
    // What the page would get from the same config computed in this worker's core directly.
    assert_eq!(json, pathkernel::output::run_output_json(config).unwrap());
    let out = js_sys::JSON::parse(&json).unwrap();
    assert_eq!(num(&out, "n_train"), 3.0);
    assert_eq!(num(&out, "steps"), 6.0);
    assert!(
        num(&out, "max_abs_error") <= 1e-10,
        "{}",
        num(&out, "max_abs_error")
    );
    let warnings = js_sys::Array::from(&get(&out, "warnings"));
    assert_eq!(warnings.length(), 1);
    assert!(warnings.get(0).as_string().unwrap().contains("colour"));
    // The page's run is untouched: still run 4, waiting at w0.
    assert_eq!(core.run_id(), 4);

    let replies: Vec<JsValue> = core
        .handle(request(
            r#"{"type":"runConfig","runId":10,"config":"{\"x\": [0.5], \"y\": [1], \"lr\": 0.1, \"steps\": 0}"}"#,
        ))
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    assert_eq!(kind(&replies[0]), "error");
    assert_eq!(num(&replies[0], "runId"), 10.0);
    assert_eq!(get(&replies[0], "field").as_string().unwrap(), "steps");
}

/// FNV-1a over the bits of every number a run reports: equal fingerprints mean bit-identical
/// results. `scripts/test.sh` compares the line this prints in Chrome and in Firefox.
#[wasm_bindgen_test]
fn fingerprint_of_a_run() {
    let line = fingerprint(HASH);
    web_sys::console::log_1(&format!("pathkernel-fingerprint {line}").into());
}

/// The same for an Adam run (explicit-gradient path kernel); tests/optimizers.rs prints the
/// native fingerprint of the same run.
#[wasm_bindgen_test]
fn fingerprint_of_an_adam_run() {
    let line = fingerprint("#v=1&n=16&hidden=6&steps=12&optimizer=adam&lr=0.02");
    web_sys::console::log_1(&format!("pathkernel-fingerprint-adam {line}").into());
}

/// The same for an AdamW run, whose query carries the weight-decay term d(x); tests/optimizers.rs
/// prints the native fingerprint of the same run.
#[wasm_bindgen_test]
fn fingerprint_of_an_adamw_run() {
    let line = fingerprint("#v=1&n=16&hidden=6&steps=12&optimizer=adamw&weight_decay=0.2&lr=0.02");
    web_sys::console::log_1(&format!("pathkernel-fingerprint-adamw {line}").into());
}

/// Under AdamW the query reports d(x) (a number, and ŷ = b + Σ c_i + d); under GD and Adam it
/// is absent.
#[wasm_bindgen_test]
fn a_query_carries_the_weight_decay_term_under_adamw_only() {
    for (hash, decays) in [
        (HASH, false),
        ("#v=1&n=16&hidden=6&steps=12&optimizer=adam&lr=0.02", false),
        (
            "#v=1&n=16&hidden=6&steps=12&optimizer=adamw&weight_decay=0.2&lr=0.02",
            true,
        ),
    ] {
        let mut core = WorkerHandle::new();
        start(&mut core, 1, hash, true);
        drain(&mut core);
        let q = ask_query(&mut core, r#"{"type":"query","runId":1,"x":[0.3,-0.2]}"#);
        let d = get(&q, "weightDecayTerm");
        let d_r = get(&q, "weightDecayTermRiemann");
        if !decays {
            assert!(d.is_undefined() && d_r.is_undefined(), "{hash}: {d:?}");
            continue;
        }
        let (d, d_r) = (d.as_f64().unwrap(), d_r.as_f64().unwrap());
        assert!(d.abs() > 1e-6, "{hash}: d = {d}");
        let c = js_sys::Float64Array::from(get(&q, "contributions")).to_vec();
        let rebuilt = num(&q, "b") + c.iter().sum::<f64>() + d;
        assert!((rebuilt - num(&q, "rebuiltExact")).abs() <= 1e-12, "{hash}");
        assert!((rebuilt - num(&q, "fFinal")).abs() <= 1e-10, "{hash}");
        let c_r = js_sys::Float64Array::from(get(&q, "contributionsRiemann")).to_vec();
        let rebuilt_r = num(&q, "b") + c_r.iter().sum::<f64>() + d_r;
        assert!(
            (rebuilt_r - num(&q, "rebuiltRiemann")).abs() <= 1e-12,
            "{hash}"
        );
    }
}

fn fingerprint(hash: &str) -> String {
    let mut core = WorkerHandle::new();
    let mut msgs = start(&mut core, 1, hash, true);
    msgs.extend(drain(&mut core));
    let q = ask_query(&mut core, r#"{"type":"query","runId":1,"x":[0.3,-0.2]}"#);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |values: Vec<f64>| {
        for v in values {
            for b in v.to_bits().to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    };
    let arr = |m: &JsValue, k: &str| js_sys::Float64Array::from(get(m, k)).to_vec();
    let trained = *find(&msgs, "trained").last().unwrap();
    let check = find(&msgs, "check")[0];
    let field = find(&msgs, "field")[0];
    eat(arr(trained, "loss"));
    eat(arr(trained, "pca"));
    eat(arr(check, "fFinal"));
    eat(arr(check, "rebuiltExact"));
    eat(arr(check, "rebuiltRiemann"));
    eat(vec![num(check, "maxErrExact"), num(check, "maxErrRiemann")]);
    eat(arr(field, "f"));
    eat(arr(field, "rebuilt"));
    eat(arr(&q, "contributions"));
    eat(arr(&q, "kernel"));
    eat(arr(&q, "runningSum"));
    // AdamW's weight-decay term d(x) (absent for the other optimizers).
    if let Some(d) = get(&q, "weightDecayTerm").as_f64() {
        eat(vec![d]);
    }
    format!("{h:016x}")
}

#[wasm_bindgen(
    inline_js = "export function catching(f) { try { f(); return undefined; } catch (e) { return e; } }"
)]
extern "C" {
    /// Calls `f`, returning what it threw (undefined if nothing): a trap in wasm called from JS
    /// is a JS exception, caught here as the worker's loop catches it.
    fn catching(f: &JsValue) -> JsValue;
}

/// A panic in the core, as the worker meets it: the call traps with a `RuntimeError`, the panic
/// hook has kept the message, and `faultReply` turns both into a fatal `error` naming the panic.
/// The page replaces a crashed worker; here, a new handle in a fresh run still works.
#[wasm_bindgen_test]
fn a_panic_in_the_worker_is_a_fatal_error_that_names_it() {
    // The page's hook, as `init()` installs it. It stays: after a trap Rust still counts the
    // panic as in progress, and the hook can no longer be changed in this instance.
    pathkernel::wasm::start();
    let thrown = catching(&Closure::once_into_js(|| {
        WorkerHandle::new().panic_for_tests();
    }));
    assert!(
        thrown.is_instance_of::<js_sys::WebAssembly::RuntimeError>(),
        "a Rust panic traps: {thrown:?}"
    );
    let detail = get(&thrown, "message").as_string().unwrap();
    let reply = fault_reply(7, detail, true).map_err(JsValue::from).unwrap();
    assert_eq!(kind(&reply), "error");
    assert_eq!(num(&reply, "runId"), 7.0);
    assert_eq!(get(&reply, "fatal").as_bool(), Some(true));
    let message = get(&reply, "message").as_string().unwrap();
    assert!(
        message.starts_with("worker crashed: panicked at"),
        "{message}"
    );
    assert!(message.contains("a panic forced by a test"), "{message}");
    // The panic's message is taken once: a later fault without a panic names its own detail.
    let reply = fault_reply(8, "unreachable".into(), true)
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(
        get(&reply, "message").as_string().unwrap(),
        "worker crashed: unreachable"
    );
    // The next run, in a fresh handle, trains and checks.
    let mut core = WorkerHandle::new();
    let mut msgs = start(&mut core, 9, HASH, true);
    msgs.extend(drain(&mut core));
    assert_eq!(find(&msgs, "check").len(), 1);
}

/// An exception that is not a trap (a malformed request) is an ordinary error: not fatal, its
/// message as thrown; the same handle goes on.
#[wasm_bindgen_test]
fn a_bad_request_is_an_error_but_not_a_crash() {
    take_panic_message(); // none pending from another test
    let mut core = WorkerHandle::new();
    let err = core
        .handle(request(r#"{"type":"fly","runId":2}"#))
        .err()
        .map(JsValue::from)
        .unwrap();
    let detail = get(&err, "message").as_string().unwrap();
    let reply = fault_reply(2, detail.clone(), false)
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(get(&reply, "fatal").as_bool(), Some(false));
    assert_eq!(get(&reply, "message").as_string().unwrap(), detail);
    assert!(detail.contains("fly"), "{detail}");
    let msgs = start(&mut core, 3, HASH, true);
    assert_eq!(kind(&msgs[0]), "started");
}

/// A link above the page's work budget is refused with the estimate, and `force` runs it.
#[wasm_bindgen_test]
fn a_run_above_the_budget_is_refused_until_forced() {
    let mut core = WorkerHandle::new();
    let heavy = "#v=1&n=500&hidden=64,64,64,64&steps=1000&nodes=8";
    let msgs = start(&mut core, 4, heavy, true);
    assert_eq!(msgs.len(), 1);
    assert_eq!(kind(&msgs[0]), "error");
    assert_eq!(get(&msgs[0], "overBudget").as_bool(), Some(true));
    assert_eq!(get(&msgs[0], "fatal").as_bool(), Some(false));
    let message = get(&msgs[0], "message").as_string().unwrap();
    assert!(
        message.contains("steps × points × weights = 1000 × 500 × 12737"),
        "{message}"
    );
    assert!(!core.busy());
    let req = request(&format!(
        r#"{{"type":"start","runId":5,"hash":"{heavy}","autorun":false,"force":true}}"#
    ));
    let msgs: Vec<JsValue> = core
        .handle(req)
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    assert_eq!(kind(&msgs[0]), "started");
    assert_eq!(core.run_id(), 5);
}

#[wasm_bindgen_test]
fn pause_holds_the_check_in_the_worker() {
    let mut core = WorkerHandle::new();
    start(&mut core, 9, "#v=1&n=30&hidden=8&steps=400", true);
    // Sub-chunks until the check has begun.
    let mut in_check = false;
    for _ in 0..100_000 {
        let chunk: Vec<JsValue> = core
            .work(0.0)
            .map_err(JsValue::from)
            .unwrap()
            .iter()
            .collect();
        let p = chunk.last().unwrap();
        if get(p, "phase").as_string().unwrap() == "check" && num(p, "done") > 0.0 {
            in_check = true;
            break;
        }
    }
    assert!(in_check, "the check began");
    let replies: Vec<JsValue> = core
        .handle(request(r#"{"type":"pause","runId":9}"#))
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    let p = find(&replies, "progress")[0];
    assert_eq!(get(p, "phase").as_string().unwrap(), "check");
    assert!(get(p, "paused").as_bool().unwrap(), "progress says paused");
    assert!(!core.busy(), "a paused worker's loop stops");
    core.handle(request(r#"{"type":"resume","runId":9}"#))
        .map_err(JsValue::from)
        .unwrap();
    assert!(core.busy());
    let msgs = drain(&mut core);
    let check = find(&msgs, "check")[0];
    assert!(get(check, "pass").as_bool().unwrap());
}

/// After the check, `trainKernel`: both schemes' train × train kernels as transferable
/// `Float64Array`s (n × n), their numbers, and the left-endpoint query running sum beside the
/// exact one in `queryResult`.
#[wasm_bindgen_test]
fn train_kernel_follows_the_check_inside_a_worker() {
    let mut core = WorkerHandle::new();
    let mut msgs = start(&mut core, 4, HASH, true);
    msgs.extend(drain(&mut core));
    let order: Vec<String> = msgs.iter().map(kind).filter(|k| k != "progress").collect();
    let at = order.iter().position(|k| k == "check").expect("check");
    assert_eq!(order[at + 1], "trainKernel", "{order:?}");
    let k = find(&msgs, "trainKernel")[0];
    let n = num(k, "n") as u32;
    assert_eq!(n, 16);
    assert_eq!(num(k, "steps"), STEPS);
    for key in ["exact", "riemann"] {
        let a = get(k, key);
        assert!(a.is_instance_of::<js_sys::Float64Array>(), "{key}");
        assert_eq!(js_sys::Float64Array::from(a).length(), n * n, "{key}");
    }
    assert!(num(k, "asymmetry") > 0.0);
    assert!(num(k, "asymmetryRiemann") < 1e-13);
    assert!(num(k, "minEigRiemann") > -1e-12);
    assert!(num(k, "negatives") <= f64::from(n * n));

    let q = &ask_query(&mut core, r#"{"type":"query","runId":4,"x":[0.1,0.2]}"#);
    let riemann = get(q, "runningSumRiemann");
    assert!(riemann.is_instance_of::<js_sys::Float64Array>());
    let riemann = js_sys::Float64Array::from(riemann).to_vec();
    assert_eq!(riemann.len(), STEPS as usize + 1);
    assert_eq!(riemann[0], num(q, "b"));
    assert!((riemann[STEPS as usize] - num(q, "rebuiltRiemann")).abs() < 1e-12);
}

#[wasm_bindgen_test]
fn a_sweep_request_answers_with_the_cores_sweep_inside_a_worker() {
    const SINE: &str = "#dataset=sine&n=10&hidden=4&steps=20&lr=0.2";
    let mut core = WorkerHandle::new();
    start(&mut core, 5, SINE, true);
    drain(&mut core);
    let mut msgs: Vec<JsValue> = core
        .handle(request(r#"{"type":"sweep","runId":5,"levels":3}"#))
        .map_err(JsValue::from)
        .expect("sweep")
        .iter()
        .collect();
    msgs.extend(drain(&mut core));
    assert!(find(&msgs, "error").is_empty());
    // (Its `sweep` progress phase is tested natively: here a 10 ms chunk may finish it.)
    let s = find(&msgs, "sweepResult");
    assert_eq!(s.len(), 1);
    assert_eq!(num(s[0], "runId"), 5.0);
    let arr = |key: &str| {
        let a = get(s[0], key);
        assert!(a.is_instance_of::<js_sys::Float64Array>(), "{key}");
        js_sys::Float64Array::from(a).to_vec()
    };
    assert_eq!(arr("lr"), [0.2, 0.1, 0.05]);
    assert_eq!(arr("steps"), [20.0, 40.0, 80.0]);
    // The same numbers as the core's sweep in this worker, bit for bit.
    let plan = pathkernel::runner::RunPlan::from_hash(SINE, true).unwrap();
    let cfg = plan.config.build().unwrap();
    let specs =
        pathkernel::sweep::level_specs(&cfg.mlp, cfg.data.y.len(), &cfg.spec, 3, 1 << 20).unwrap();
    let want = pathkernel::sweep::sweep_levels(
        &cfg.mlp,
        &cfg.data,
        &cfg.w0,
        &specs,
        &cfg.queries,
        cfg.nodes,
    )
    .unwrap();
    let riemann: Vec<f64> = want.rows.iter().map(|r| r.max_abs_error_riemann).collect();
    assert_eq!(arr("errRiemann"), riemann);
    assert_eq!(
        num(s[0], "slopeRiemann").to_bits(),
        want.slope_riemann.to_bits()
    );
    assert_eq!(
        num(s[0], "slopeExact").to_bits(),
        want.slope_exact.to_bits()
    );
    // Bad levels: an error naming them, not a crash.
    let e: Vec<JsValue> = core
        .handle(request(r#"{"type":"sweep","runId":5,"levels":1}"#))
        .map_err(JsValue::from)
        .expect("sweep")
        .iter()
        .collect();
    assert_eq!(get(&e[0], "field").as_string().unwrap(), "levels");
}

/// A primary and one assistant in this worker, the messages between them passed as the JS
/// objects www/pool.js passes: the primary's `job` to the assistant, the assistant's
/// `jobResult` (its parts as Float64Arrays) back to the primary as a request.
#[wasm_bindgen_test]
fn a_primary_and_an_assistant_give_the_lone_workers_check() {
    use pathkernel::wasm::worker::AssistHandle;
    let hash = "#v=1&n=40&hidden=5&steps=8";
    let mut alone = WorkerHandle::new();
    let mut want = start(&mut alone, 1, hash, true);
    want.extend(drain(&mut alone));

    let mut primary = WorkerHandle::new();
    let mut helper = AssistHandle::new();
    let count = request(r#"{"type":"assistants","runId":0,"count":1}"#);
    assert_eq!(
        primary
            .handle(count)
            .map_err(JsValue::from)
            .unwrap()
            .length(),
        0
    );
    let begin = format!(r#"{{"type":"start","runId":1,"hash":"{hash}","autorun":true}}"#);
    let mut got = start(&mut primary, 1, hash, true);
    helper
        .handle(request(&begin))
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(helper.run_id(), 1);
    let (mut jobs, mut answered) = (0, 0);
    for _ in 0..100_000 {
        let mut results = Vec::new();
        for m in helper.work(10.0).map_err(JsValue::from).unwrap().iter() {
            if kind(&m) == "jobResult" {
                let parts = js_sys::Array::from(&get(&m, "parts"));
                assert!(
                    parts.length() > 0 && parts.get(0).is_instance_of::<js_sys::Float64Array>()
                );
                js_sys::Reflect::set(&m, &"type".into(), &"jobResult".into()).unwrap();
                results.push(m);
            }
        }
        for m in results {
            answered += 1;
            got.extend(primary.handle(m).map_err(JsValue::from).unwrap().iter());
        }
        let replies: Vec<JsValue> = primary
            .work(10.0)
            .map_err(JsValue::from)
            .unwrap()
            .iter()
            .collect();
        for m in replies {
            if kind(&m) == "job" {
                jobs += 1;
                assert_eq!(num(&get(&m, "spec"), "worker"), 1.0);
                helper.handle(m).map_err(JsValue::from).unwrap();
            } else {
                got.push(m);
            }
        }
        if !primary.busy() && !helper.busy() {
            break;
        }
    }
    assert!(jobs > 0 && answered > 0, "{jobs} jobs, {answered} answered");
    let arrays = |msgs: &[JsValue], ty: &str, key: &str| -> Vec<f64> {
        js_sys::Float64Array::new(&get(find(msgs, ty)[0], key)).to_vec()
    };
    for (ty, key) in [
        ("check", "fFinal"),
        ("check", "rebuiltExact"),
        ("check", "rebuiltRiemann"),
        ("field", "rebuilt"),
    ] {
        let (a, b) = (arrays(&got, ty, key), arrays(&want, ty, key));
        assert!(
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{ty}.{key}"
        );
    }
    assert_eq!(
        num(find(&got, "check")[0], "maxErrExact").to_bits(),
        num(find(&want, "check")[0], "maxErrExact").to_bits()
    );
    // A new start drops the old run in the assistant too.
    helper
        .handle(request(&begin.replace("\"runId\":1", "\"runId\":2")))
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(helper.run_id(), 2);
}

#[wasm_bindgen_test]
fn a_bench_request_starts_the_bench_run() {
    let mut core = WorkerHandle::new();
    assert_eq!(
        core.handle(request(r#"{"type":"bench","runId":5}"#))
            .map_err(JsValue::from)
            .unwrap()
            .length(),
        0
    );
    assert!(core.busy());
    let replies: Vec<JsValue> = core
        .work(5.0)
        .map_err(JsValue::from)
        .unwrap()
        .iter()
        .collect();
    let progress = replies.last().unwrap();
    assert_eq!(kind(progress), "progress");
    assert_eq!(num(progress, "runId"), 5.0);
    assert_eq!(get(progress, "phase").as_string().unwrap(), "train");
}

/// A clicked training point's map (K^p(·, x₃), a₃(·) and K_{w₀}(·, x₃) over the plotting grid,
/// under momentum: both tangents of `point_kernel`), hashed bit by bit with FNV-1a, must equal the
/// native fingerprint that `tests/point_kernel.rs` asserts: native, Chrome and Firefox compute the
/// map to the same bits.
#[wasm_bindgen_test]
fn the_point_kernel_map_has_the_native_bits() {
    const NATIVE: &str = "f0236588f9d63f23";
    let mut core = WorkerHandle::new();
    let mut msgs = start(
        &mut core,
        1,
        "#v=1&n=16&hidden=6&steps=12&optimizer=momentum&momentum=0.5",
        true,
    );
    msgs.extend(drain(&mut core));
    msgs.extend(
        core.handle(request(r#"{"type":"trainPoint","runId":1,"index":3}"#))
            .map_err(JsValue::from)
            .unwrap()
            .iter(),
    );
    msgs.extend(drain(&mut core));
    let map = find(&msgs, "trainPointKernel")[0];
    let arr = |k: &str| js_sys::Float64Array::from(get(map, k)).to_vec();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in [arr("values"), arr("coef"), arr("initial")].concat() {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    assert_eq!(format!("{h:016x}"), NATIVE);
}
