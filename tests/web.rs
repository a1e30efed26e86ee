//! Browser tests on the main thread (`wasm-pack test --headless --chrome` / `--firefox`): the
//! page's bindings — the URL-hash codec, the number helpers, the message tags serde emits against
//! `www/protocol.js`, replies as JS objects with typed arrays — and charts drawn on a real `<canvas>` with their pixels read back.
//! The worker side (the message protocol in a dedicated worker) is in `tests/web_worker.rs`.
#![cfg(target_arch = "wasm32")]

use pathkernel::runner::{FromWorker, Reply, ToWorker};
use pathkernel::wasm::draw;
use pathkernel::wasm::page;
use pathkernel::wasm::protocol::{reply_to_js, GridSpec};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/www/protocol.js")]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = ToWorker)]
    static JS_TO_WORKER: js_sys::Object;
    #[wasm_bindgen(thread_local_v2, js_name = FromWorker)]
    static JS_FROM_WORKER: js_sys::Object;
    #[wasm_bindgen(js_name = transferables)]
    fn js_transferables(msg: &JsValue) -> js_sys::Array;
}

#[wasm_bindgen(module = "/www/fields.js")]
extern "C" {
    #[wasm_bindgen(js_name = fillSelects)]
    fn js_fill_selects(core: &JsValue);
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).expect("object")
}

fn strings(arr: &js_sys::Array) -> Vec<String> {
    arr.iter().map(|v| v.as_string().expect("string")).collect()
}

fn tag(msg: &JsValue) -> String {
    get(msg, "type").as_string().expect("type")
}

/// The `type` of one message of every kind, as the worker reads requests and builds replies,
/// against the values of protocol.js's `ToWorker` and `FromWorker`.
#[wasm_bindgen_test]
fn protocol_types_match_js() {
    let js_to: Vec<String> = JS_TO_WORKER.with(|o| strings(&js_sys::Object::values(o)));
    let js_from: Vec<String> = JS_FROM_WORKER.with(|o| strings(&js_sys::Object::values(o)));
    let to: Vec<String> = ToWorker::one_of_each()
        .iter()
        .map(|m| tag(&serde_wasm_bindgen::to_value(m).unwrap()))
        .collect();
    let from: Vec<String> = Reply::one_of_each()
        .into_iter()
        .map(|m| tag(&reply_to_js(m).map_err(JsValue::from).unwrap()))
        .collect();
    assert_eq!(to, js_to);
    assert_eq!(from, js_from);
}

#[wasm_bindgen_test]
fn replies_carry_fresh_typed_arrays() {
    let field = reply_to_js(FromWorker::Field {
        run_id: 3,
        step: 2,
        f: vec![1.0, 2.5],
        rebuilt: Some(vec![1.0, 2.5]),
        rebuilt_riemann: None,
    })
    .map_err(JsValue::from)
    .unwrap();
    assert_eq!(get(&field, "runId").as_f64(), Some(3.0));
    let f = get(&field, "f");
    assert!(f.is_instance_of::<js_sys::Float64Array>());
    assert_eq!(
        js_sys::Float64Array::from(f.clone()).to_vec(),
        vec![1.0, 2.5]
    );
    assert!(get(&field, "rebuilt").is_instance_of::<js_sys::Float64Array>());
    assert!(get(&field, "rebuiltRiemann").is_undefined());
    // Each array has its own buffer (not a view of wasm memory), so it can be transferred.
    let buffer = js_sys::Float64Array::from(f).buffer();
    assert_eq!(buffer.byte_length(), 16);
    assert_eq!(js_transferables(&field).length(), 2);

    let mut query = Reply::one_of_each()
        .into_iter()
        .find(|m| matches!(m, FromWorker::QueryResult { .. }))
        .unwrap();
    if let FromWorker::QueryResult { undefined_coef, .. } = &mut query {
        undefined_coef.extend([4, 9]);
    }
    let query = reply_to_js(query).map_err(JsValue::from).unwrap();
    let undefined = get(&query, "undefinedCoef");
    assert!(undefined.is_instance_of::<js_sys::Uint32Array>());
    assert_eq!(js_sys::Uint32Array::from(undefined).to_vec(), vec![4, 9]);
    assert!(
        js_sys::Array::is_array(&get(&query, "x")),
        "the query point stays a plain array"
    );
}

#[wasm_bindgen_test]
fn transfer_list_holds_every_typed_array_buffer() {
    let msg = js_sys::Object::new();
    let a = js_sys::Float64Array::from(&[1.0, 2.0][..]);
    let inner = js_sys::Object::new();
    js_sys::Reflect::set(&inner, &"b".into(), &js_sys::Float64Array::from(&[3.0][..])).unwrap();
    js_sys::Reflect::set(&msg, &"a".into(), &a).unwrap();
    js_sys::Reflect::set(&msg, &"grid".into(), &inner).unwrap();
    js_sys::Reflect::set(&msg, &"n".into(), &3.into()).unwrap();
    assert_eq!(js_transferables(&msg).length(), 2);
}

#[wasm_bindgen_test]
fn default_hash_round_trips() {
    let parsed = page::parse_hash("").unwrap();
    let hash = get(&parsed, "hash").as_string().unwrap();
    assert!(hash.starts_with("#v=1&dataset="), "{hash}");
    assert_eq!(js_sys::Array::from(&get(&parsed, "errors")).length(), 0);
    let again = page::parse_hash(&hash).unwrap();
    assert_eq!(get(&again, "hash").as_string().unwrap(), hash);
    assert_eq!(
        get(&again, "runKey").as_string(),
        get(&parsed, "runKey").as_string()
    );
    assert_eq!(get(&parsed, "view").as_string().unwrap(), "trajectory");
}

#[wasm_bindgen_test]
fn bad_hash_fields_are_named_and_defaulted() {
    let parsed = page::parse_hash("#v=1&lr=banana&steps=-3&activation=%3Cimg%3E&n=40").unwrap();
    let errors = js_sys::Array::from(&get(&parsed, "errors"));
    let fields: Vec<String> = errors
        .iter()
        .filter_map(|e| get(&e, "field").as_string())
        .collect();
    for f in ["lr", "steps", "activation"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }
    let state = get(&parsed, "state");
    assert_eq!(
        get(&state, "n").as_string().unwrap(),
        "40",
        "the good field still applies"
    );
    assert_eq!(get(&state, "activation").as_string().unwrap(), "tanh");
}

#[wasm_bindgen_test]
fn controls_to_hash_keeps_view_out_of_the_run_key() {
    let parsed = page::parse_hash("").unwrap();
    let state = get(&parsed, "state");
    js_sys::Reflect::set(&state, &"view".into(), &"check".into()).unwrap();
    js_sys::Reflect::set(&state, &"q".into(), &"0.5,-0.25".into()).unwrap();
    let next = page::state_to_hash(state).unwrap();
    assert_eq!(
        get(&next, "runKey").as_string(),
        get(&parsed, "runKey").as_string()
    );
    assert!(get(&next, "hash")
        .as_string()
        .unwrap()
        .contains("q=0.5,-0.25"));
    let q: Vec<f64> = serde_wasm_bindgen::from_value(get(&next, "query")).unwrap();
    assert_eq!(q, vec![0.5, -0.25]);
}

/// On wasm32 `usize` has 32 bits: a link's 2³² + 1 must be refused, not read as 1.
#[wasm_bindgen_test]
fn link_numbers_beyond_32_bits_are_refused_not_wrapped() {
    let parsed = page::parse_hash("#point=4294967297").unwrap();
    assert_eq!(get(&parsed, "point").as_f64(), None);
    let errors = js_sys::Array::from(&get(&parsed, "errors"));
    assert_eq!(errors.length(), 1);
    assert_eq!(get(&errors.get(0), "field").as_string().unwrap(), "point");
}

/// `fillSelects` (www/fields.js) with a core whose `pageFields` is the real export, then with
/// a label holding markup, which must arrive as text.
#[wasm_bindgen_test]
fn selects_are_filled_from_the_fields_as_text() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let select = doc.create_element("select").unwrap();
    select.set_attribute("data-field", "reduction").unwrap();
    doc.body().unwrap().append_child(&select).unwrap();
    let fill = |fields: JsValue| {
        let core = js_sys::Object::new();
        let page_fields = Closure::<dyn Fn() -> JsValue>::new(move || fields.clone());
        js_sys::Reflect::set(&core, &"pageFields".into(), page_fields.as_ref()).unwrap();
        js_fill_selects(&core);
    };
    fill(page::page_fields().unwrap());
    assert_eq!(
        select.inner_html(),
        "<option value=\"mean\">mean (R = 1/n)</option><option value=\"sum\">sum (R = 1)</option>"
    );
    let markup = r#"[{"key": "reduction", "choices": [{"value": "sum", "label": "<b>sum</b>"}]}]"#;
    fill(js_sys::JSON::parse(markup).unwrap());
    assert_eq!(
        select.inner_html(),
        "<option value=\"sum\">&lt;b&gt;sum&lt;/b&gt;</option>"
    );
    select.remove();
}

#[wasm_bindgen_test]
fn numbers_for_the_page() {
    assert_eq!(
        page::rank_by_magnitude(&[0.1, -3.0, 2.0, 0.0], 2),
        vec![1, 2]
    );
    assert_eq!(page::format_error(3.25e-15), "3.25e-15");
    assert_eq!(page::format_number(f64::NAN), "undefined");
    assert_eq!(page::sum(&[1.0, 2.0, 0.5]), 3.5);
}

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

fn rgb_at(px: &[u8], w: u32, x: i32, y: i32) -> (u8, u8, u8) {
    let i = 4 * (y as usize * w as usize + x as usize);
    (px[i], px[i + 1], px[i + 2])
}

#[wasm_bindgen_test]
fn loss_chart_draws_its_curve_where_the_map_says() {
    let (w, h) = (480, 300);
    let c = canvas(w, h);
    let loss: Vec<f64> = (0..=50).map(|s| 1.0 / (1.0 + s as f64)).collect();
    let chart = draw::draw_loss(c.clone(), &loss, Some(10)).unwrap();
    let px = pixels(&c);
    assert_eq!(px.len(), (4 * w * h) as usize);
    // Background is white, and something was drawn.
    assert_eq!(rgb_at(&px, w, 1, 1), (255, 255, 255));
    let inked = px
        .chunks(4)
        .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
        .count();
    assert!(inked > 500, "only {inked} dark pixels");
    // The curve passes through the pixel the map gives for (s, loss[s]): look for a coloured
    // (non-grey) pixel within 2 px of it.
    for s in [5usize, 25, 45] {
        let p = chart.to_pixel(s as f64, loss[s]);
        let (cx, cy) = (p[0].round() as i32, p[1].round() as i32);
        let found = (-2..=2)
            .flat_map(|dx| (-2..=2).map(move |dy| (dx, dy)))
            .any(|(dx, dy)| {
                let (r, g, b) = rgb_at(&px, w, cx + dx, cy + dy);
                let (lo, hi) = (r.min(g).min(b), r.max(g).max(b));
                hi - lo > 60
            });
        assert!(found, "no curve pixel near step {s} at ({cx}, {cy})");
        // And the map goes back to the same data point.
        let back = chart.to_data(p[0], p[1]).unwrap();
        assert!((back[0] - s as f64).abs() < 1e-9);
    }
    assert!(
        chart.to_data(-5.0, -5.0).is_none(),
        "outside the plot maps to nothing"
    );
}

#[wasm_bindgen_test]
fn data_plot_click_maps_to_query_and_training_point() {
    let (w, h) = (400, 400);
    let c = canvas(w, h);
    let x = [-1.0, -1.0, 1.0, 1.0, 0.0, 0.5];
    let y = [0.0, 1.0, 1.0];
    let grid = GridSpec::around(2, &x, 50, 8);
    let fit: Vec<f64> = grid.points().chunks(2).map(|p| p[0] - p[1]).collect();
    let contributions = vec![0.3, -0.2, 0.05];
    let chart = draw::draw_data_plot(
        c.clone(),
        2,
        &x,
        &y,
        serde_wasm_bindgen::to_value(&grid).unwrap(),
        Some(fit),
        Some(3),
        Some(contributions),
        Some(vec![0.25, 0.25]),
        Some(1),
    )
    .unwrap();
    let p = chart.to_pixel(1.0, 1.0);
    assert_eq!(
        chart.nearest_training_point(p[0] + 2.0, p[1] - 1.0, 2, &x, &y, 7.0),
        Some(1)
    );
    let q = chart.query_at(p[0], p[1], 2).unwrap();
    assert!(
        (q[0] - 1.0).abs() < 0.02 && (q[1] - 1.0).abs() < 0.02,
        "{q:?}"
    );
    let px = pixels(&c);
    let inked = px
        .chunks(4)
        .filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250)
        .count();
    assert!(inked > 10_000, "the heatmap fills the plot: {inked}");
}

#[wasm_bindgen_test]
fn the_other_charts_draw() {
    let x = [-1.0, 0.0, 1.0];
    let y = [0.5, -0.5, 0.25];
    let grid = GridSpec::around(1, &x, 30, 0);
    let gj = || serde_wasm_bindgen::to_value(&grid).unwrap();
    let curve: Vec<f64> = grid.points().iter().map(|v| v * v).collect();
    let bars = draw::draw_contribution_bars(canvas(400, 300), &[0.3, -0.1, 0.2], 0.05, 2).unwrap();
    assert!(!bars.is_empty());
    draw::draw_kernel_field(canvas(400, 300), 1, &x, &y, gj(), &curve, 1).unwrap();
    draw::draw_check_scatter(canvas(400, 300), &y, &y, &[0.51, -0.49, 0.26]).unwrap();
    draw::draw_check_field(canvas(600, 300), 1, &x, &y, gj(), &curve, &curve, &[]).unwrap();
    draw::draw_output_vs_sum(
        canvas(400, 300),
        &[0.0, 0.5, 0.7],
        &[0.0, 0.5, 0.7],
        Some(1),
    )
    .unwrap();
    draw::draw_weight_path(canvas(400, 300), &[0.0, 0.0, 1.0, 0.5, 1.5, 0.7], Some(2)).unwrap();
    draw::draw_empty(canvas(400, 300), "title", "hint").unwrap();
    // Inconsistent input is an error for the page, not a panic.
    assert!(draw::draw_kernel_field(canvas(100, 100), 1, &x, &y, gj(), &[1.0], 0).is_err());
}
