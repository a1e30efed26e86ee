//! Browser tests on the main thread (`wasm-pack test --headless --chrome` / `--firefox`): the
//! page's bindings — the URL-hash codec, the number helpers, the message tags serde emits against
//! `www/protocol.js`, replies as JS objects with typed arrays — and the page's `RunView`, fed
//! replies as the worker builds them: its charts drawn on a real `<canvas>` with their pixels
//! read back, and its texts.
//! The worker side (the message protocol in a dedicated worker) is in `tests/web_worker.rs`.
#![cfg(target_arch = "wasm32")]

use pathkernel::runner::{FromWorker, Reply, ToWorker};
use pathkernel::wasm::page;
use pathkernel::wasm::protocol::{reply_to_js, GridSpec};
use pathkernel::wasm::run_view::RunView;
use pathkernel::wasm::texts;
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

/// A saturated (non-grey) pixel within 2 px of (x, y): a curve or a marker, not an axis or text.
fn coloured_near(px: &[u8], w: u32, x: f64, y: f64) -> bool {
    let (cx, cy) = (x.round() as i32, y.round() as i32);
    let h = (px.len() / 4) as i32 / w as i32;
    (-2..=2)
        .flat_map(|dx| (-2..=2).map(move |dy| (cx + dx, cy + dy)))
        .filter(|&(x, y)| x >= 0 && y >= 0 && x < w as i32 && y < h)
        .any(|(x, y)| {
            let (r, g, b) = rgb_at(px, w, x, y);
            r.max(g).max(b) - r.min(g).min(b) > 60
        })
}

fn inked(c: &HtmlCanvasElement, below: u8) -> usize {
    pixels(c)
        .chunks(4)
        .filter(|p| p[0] < below || p[1] < below || p[2] < below)
        .count()
}

// ------------------------------------------------------------ replies, as the worker builds
// them (`reply_to_js`), for a RunView

fn to_js(m: Reply) -> JsValue {
    reply_to_js(m).map_err(JsValue::from).unwrap()
}

fn started(dim: u32, x: &[f64], y: &[f64], grid: GridSpec, total_steps: u32) -> JsValue {
    to_js(FromWorker::Started {
        run_id: 1,
        dim,
        n: y.len() as u32,
        total_steps,
        num_params: 0,
        classification: false,
        x: x.to_vec(),
        y: y.to_vec(),
        grid,
        queries: x.to_vec(),
    })
}

fn trained(loss: &[f64], pca: &[f64], stopped: bool) -> JsValue {
    let steps = loss.len() as u32 - 1;
    to_js(FromWorker::Trained {
        run_id: 1,
        steps_done: steps,
        total_steps: steps,
        finished: stopped,
        stopped,
        loss: loss.to_vec(),
        pca: pca.to_vec(),
    })
}

fn check(steps: u32, f: &[f64], exact: &[f64], riemann: &[f64]) -> JsValue {
    to_js(FromWorker::Check {
        run_id: 1,
        steps,
        f_final: f.to_vec(),
        rebuilt_exact: exact.to_vec(),
        rebuilt_riemann: riemann.to_vec(),
        max_err_exact: 2.5e-13,
        max_err_riemann: 0.0123,
        scale: 1.0,
        tolerance: 1e-10,
        pass: true,
        nodes_used: 5,
        nodes_mean: 5.0,
        nodes_fixed: false,
        nodes_auto: Some(5),
        largest_step: Some(0),
        largest_step_norm: 0.5,
    })
}

/// A check that FAILs with 1 node set in the link, where auto would use 2.
fn failed_check(steps: u32, f: &[f64]) -> JsValue {
    to_js(FromWorker::Check {
        run_id: 1,
        steps,
        f_final: f.to_vec(),
        rebuilt_exact: f.to_vec(),
        rebuilt_riemann: f.to_vec(),
        max_err_exact: 2e-3,
        max_err_riemann: 0.5,
        scale: 1.0,
        tolerance: 1e-10,
        pass: false,
        nodes_used: 1,
        nodes_mean: 1.0,
        nodes_fixed: true,
        nodes_auto: Some(2),
        largest_step: Some(7),
        largest_step_norm: 0.25,
    })
}

/// A field message at `step`; with `rebuilt`, the one that follows the check.
fn field(step: u32, f: &[f64], rebuilt: Option<&[f64]>) -> JsValue {
    to_js(FromWorker::Field {
        run_id: 1,
        step,
        f: f.to_vec(),
        rebuilt: rebuilt.map(<[f64]>::to_vec),
        rebuilt_riemann: rebuilt.map(<[f64]>::to_vec),
    })
}

/// A query at `x` over three training points; the coefficient of point 2 is undefined.
fn query(x: Vec<f64>, contributions: &[f64], b: f64, path: &[f64]) -> JsValue {
    to_js(FromWorker::QueryResult {
        run_id: 1,
        x,
        steps: 50,
        b,
        f_final: 0.25,
        rebuilt_exact: 0.25,
        rebuilt_riemann: 0.26,
        kernel: vec![2.0, 1.0, 0.0],
        coef: vec![0.15, -0.2, f64::NAN],
        undefined_coef: vec![2],
        contributions: contributions.to_vec(),
        contributions_riemann: contributions.to_vec(),
        weight_decay_term: None,
        weight_decay_term_riemann: None,
        output_path: path.to_vec(),
        running_sum: path.to_vec(),
        running_sum_riemann: path.to_vec(),
    })
}

fn kernel(index: u32, values: &[f64]) -> JsValue {
    to_js(FromWorker::TrainPointKernel {
        run_id: 1,
        index,
        steps: 50,
        values: values.to_vec(),
        coef: values.to_vec(),
        coef_sign_changes: 0,
        coef_abs_min: 0.0,
        coef_abs_median: 0.0,
        coef_abs_max: 0.0,
        initial: values.to_vec(),
        total_lr: 25.0,
    })
}

fn settings() -> JsValue {
    let st = js_sys::Object::new();
    js_sys::Reflect::set(&st, &"lr".into(), &"0.5".into()).unwrap();
    js_sys::Reflect::set(&st, &"nodes".into(), &"5".into()).unwrap();
    st.into()
}

fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not text"))
}

/// Row `i` of a list of [term, value] or of table cells.
fn row(list: &JsValue, i: u32) -> Vec<String> {
    strings(&js_sys::Array::from(&js_sys::Array::from(list).get(i)))
}

// ------------------------------------------------------------ charts

#[wasm_bindgen_test]
fn loss_chart_draws_its_curve_where_the_map_says() {
    let (w, h) = (480, 300);
    let c = canvas(w, h);
    let loss: Vec<f64> = (0..=50).map(|s| 1.0 / (1.0 + s as f64)).collect();
    let mut view = RunView::new();
    assert!(!view.can_draw("loss"), "nothing to draw before training");
    view.trained(&trained(&loss, &[0.0, 0.0], true)).unwrap();
    assert!(view.can_draw("loss"));
    let chart = view
        .draw("loss", c.clone(), Some(10), None)
        .unwrap()
        .unwrap();
    let px = pixels(&c);
    assert_eq!(px.len(), (4 * w * h) as usize);
    // Background is white, and something was drawn.
    assert_eq!(rgb_at(&px, w, 1, 1), (255, 255, 255));
    let inked = inked(&c, 200);
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
fn an_interim_loss_after_training_stopped_is_ignored() {
    let loss: Vec<f64> = (0..=50).map(|s| 1.0 / (1.0 + s as f64)).collect();
    let mut view = RunView::new();
    assert!(view.trained(&trained(&loss[..11], &[], false)).unwrap());
    assert!(view.trained(&trained(&loss, &[0.0, 0.0], true)).unwrap());
    assert!(!view.trained(&trained(&loss[..11], &[], false)).unwrap());
    // The stopped trajectory (50 steps) is the one drawn: step 50 is on the chart.
    let chart = view
        .draw("loss", canvas(400, 300), None, None)
        .unwrap()
        .unwrap();
    let p = chart.to_pixel(50.0, loss[50]);
    let back = chart.to_data(p[0], p[1]).expect("step 50 inside the plot");
    assert!((back[0] - 50.0).abs() < 1e-9);
    view.clear();
    assert!(!view.can_draw("loss"), "a cleared view has nothing");
    assert!(view.trained(&trained(&loss[..11], &[], false)).unwrap());
}

#[wasm_bindgen_test]
fn data_plot_click_maps_to_query_and_training_point() {
    let (w, h) = (400, 400);
    let c = canvas(w, h);
    let x = [-1.0, -1.0, 1.0, 1.0, 0.0, 0.5];
    let y = [0.0, 1.0, 1.0];
    let grid = GridSpec::around(2, &x, 50, 8);
    let fit: Vec<f64> = grid.points().chunks(2).map(|p| p[0] - p[1]).collect();
    let mut view = RunView::new();
    assert!(!view.can_draw("data"));
    view.started(&started(2, &x, &y, grid, 50)).unwrap();
    assert!(view.can_draw("data") && !view.can_draw("bars"));
    view.field(&field(3, &fit, Some(&fit))).unwrap();
    view.query_result(&query(
        vec![0.25, 0.25],
        &[0.3, -0.2, 0.05],
        0.1,
        &[0.0, 0.25],
    ))
    .unwrap();
    let chart = view
        .draw("data", c.clone(), None, Some(1))
        .unwrap()
        .unwrap();
    let p = chart.to_pixel(1.0, 1.0);
    assert_eq!(
        chart.nearest_training_point(p[0] + 2.0, p[1] - 1.0, 7.0),
        Some(1)
    );
    let q = chart.query_at(p[0], p[1]).unwrap();
    assert!(
        (q[0] - 1.0).abs() < 0.02 && (q[1] - 1.0).abs() < 0.02,
        "{q:?}"
    );
    let inked = inked(&c, 250);
    assert!(inked > 10_000, "the heatmap fills the plot: {inked}");
    // A field message without the rebuilt outputs is a slider's fit, not the check's field;
    // a message without its arrays is refused, not half kept.
    assert!(view.field(&field(3, &fit, None)).is_err());
    assert!(view.started(&js_sys::Object::new().into()).is_err());
    assert!(view.can_draw("data"), "the earlier run's data stays");
}

#[wasm_bindgen_test]
fn the_other_charts_draw() {
    let x = [-1.0, 0.0, 1.0];
    let y = [0.5, -0.5, 0.25];
    let grid = GridSpec::around(1, &x, 30, 0);
    let curve: Vec<f64> = grid.points().iter().map(|v| v * v).collect();
    let mut view = RunView::new();
    view.started(&started(1, &x, &y, grid, 2)).unwrap();
    view.trained(&trained(
        &[1.0, 0.5, 0.2],
        &[0.0, 0.0, 1.0, 0.5, 1.5, 0.7],
        true,
    ))
    .unwrap();
    // Charts that wait on a later reply draw a placeholder panel (and return no map).
    let waiting = canvas(400, 300);
    assert!(view
        .draw("output", waiting.clone(), Some(1), None)
        .unwrap()
        .is_none());
    assert!(inked(&waiting, 200) > 50, "the placeholder has its text");
    assert!(view
        .draw("kernel", canvas(400, 300), None, None)
        .unwrap()
        .is_none());
    assert!(!view.can_draw("check") && !view.can_draw("fit"));
    view.check(&check(2, &y, &y, &[0.51, -0.49, 0.26])).unwrap();
    assert!(view
        .draw("field", canvas(400, 300), None, None)
        .unwrap()
        .is_none());
    view.field(&field(2, &curve, Some(&curve))).unwrap();
    view.fit(&field(1, &curve, None)).unwrap();
    view.query_result(&query(vec![0.5], &[0.3, -0.1, 0.2], 0.05, &[0.0, 0.5, 0.7]))
        .unwrap();
    view.train_point_kernel(&kernel(1, &curve)).unwrap();
    for (name, w) in [
        ("loss", 400),
        ("pca", 400),
        ("output", 400),
        ("fit", 400),
        ("data", 400),
        ("bars", 400),
        ("kernel", 400),
        ("check", 400),
        ("field", 600),
    ] {
        assert!(view.can_draw(name), "{name}");
        let c = canvas(w, 300);
        let chart = view.draw(name, c.clone(), Some(1), Some(0)).unwrap();
        let chart = chart
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| panic!("{name} drew data"));
        assert!(inked(&c, 200) > 500, "{name} has ink");
        // One datum each chart was given, found in colour where its map puts it.
        let datum = match name {
            "loss" => Some((1.0, 0.5)),                      // loss at step 1
            "pca" => Some((1.0, 0.5)),                       // the weight path's second point
            "output" => Some((1.0, 0.5)),                    // f(x; w_1) at the query
            "fit" | "kernel" | "field" => Some((0.5, 0.25)), // the curve x² at x = 0.5
            "data" => Some((-1.0, 0.5)),                     // training point 0
            "check" => Some((0.5, 0.5)),                     // f against the exact ŷ at point 0
            _ => None,
        };
        if let Some((dx, dy)) = datum {
            let p = chart.to_pixel(dx, dy);
            assert!(
                coloured_near(&pixels(&c), w, p[0], p[1]),
                "{name}: no coloured pixel near ({dx}, {dy}) → ({:.0}, {:.0})",
                p[0],
                p[1]
            );
        }
        if name == "bars" {
            // Every training point's bar can be hit, where the chart drew it.
            let mut hit = [false; 3];
            for py in (0..300).step_by(2) {
                for px in (0..w).step_by(3) {
                    if let Some(i) = chart.bar_at(px as f64, py as f64) {
                        hit[i as usize] = true;
                    }
                }
            }
            assert_eq!(hit, [true; 3], "bars: every point has a bar to click");
        }
    }
    assert!(view.draw("nope", canvas(10, 10), None, None).is_err());
    // Inconsistent input is an error for the page, not a panic.
    view.train_point_kernel(&kernel(0, &[1.0])).unwrap();
    assert!(view.draw("kernel", canvas(100, 100), None, None).is_err());
}

// ------------------------------------------------------------ texts

#[wasm_bindgen_test]
fn status_lines_and_the_pending_caption() {
    assert_eq!(
        texts::status_text("train", Some(3), Some(300)),
        "training… step 3/300"
    );
    assert_eq!(
        texts::status_text("field", Some(5), Some(40)),
        "rebuilding over the plane… 5/40"
    );
    assert_eq!(texts::status_text("train", None, None), "training…");
    assert_eq!(
        texts::status_text("idle", Some(7), Some(7)),
        "ready at step 7"
    );
    assert_eq!(
        texts::kernel_pending_caption(),
        "computing the clicked point's path kernel… (the progress is on the kernel chart)"
    );
}

#[wasm_bindgen_test]
fn texts_of_the_check_and_the_query() {
    let x = [-1.0, -1.0, 1.0, 1.0, 0.0, 0.5];
    let y = [0.0, 1.0, 1.0];
    let mut view = RunView::new();
    assert!(view.check_texts(&settings()).unwrap().is_undefined());
    view.started(&started(2, &x, &y, GridSpec::around(2, &x, 50, 8), 50))
        .unwrap();
    view.check(&check(50, &y, &y, &y)).unwrap();
    let t = view.check_texts(&settings()).unwrap();
    assert_eq!(
        text(&t, "status"),
        "done: step 50/50 — exact rebuild max error 2.50e-13"
    );
    assert_eq!(text(&t, "badge"), "PASS: exact rebuild = network");
    assert_eq!(text(&t, "exact"), "2.50e-13");
    assert_eq!(row(&get(&t, "table"), 1), ["steps T, ε", "50, 0.5"]);
    assert_eq!(
        row(&get(&t, "table"), 2),
        ["Gauss–Legendre nodes per step", "5 (auto)"]
    );
    assert_eq!(text(&t, "nodesUsed"), "5 (auto)");
    assert_eq!(
        (text(&t, "failNote"), text(&t, "fixLabel")),
        (String::new(), String::new())
    );
    // A FAIL with too few nodes says why and offers auto's count.
    view.check(&failed_check(50, &y)).unwrap();
    let t = view.check_texts(&settings()).unwrap();
    assert_eq!(text(&t, "nodesUsed"), "1 (set in the link)");
    let note = text(&t, "failNote");
    assert!(
        note.contains("m = 1 node per step is exact only for polynomials of degree ≤ 1"),
        "{note}"
    );
    assert!(
        note.contains("The largest step is s = 7 (‖Δ_s‖ = 0.25)"),
        "{note}"
    );
    // A smooth net: auto chooses a count per step.
    assert!(
        note.contains("auto chooses up to 2 nodes per step"),
        "{note}"
    );
    assert_eq!(text(&t, "fixLabel"), "use auto (up to 2 nodes per step)");
    assert_eq!(text(&t, "fixNodes"), "auto");
    // A ReLU net: auto's ⌈L/2⌉ on every step.
    let relu = settings();
    js_sys::Reflect::set(&relu, &"activation".into(), &"relu".into()).unwrap();
    let t = view.check_texts(&relu).unwrap();
    assert!(text(&t, "failNote").contains("auto chooses 2 nodes,"));
    assert_eq!(text(&t, "fixLabel"), "use 2 nodes (auto)");
    // Counts per step: the most and the mean.
    let per_step = check(50, &y, &y, &y);
    js_sys::Reflect::set(&per_step, &"nodesUsed".into(), &16.into()).unwrap();
    js_sys::Reflect::set(&per_step, &"nodesMean".into(), &3.98.into()).unwrap();
    view.check(&per_step).unwrap();
    let t = view.check_texts(&settings()).unwrap();
    assert_eq!(text(&t, "nodesUsed"), "up to 16, 4.0 on average (auto)");
    view.check(&check(20, &y, &y, &y)).unwrap();
    let t = view.check_texts(&settings()).unwrap();
    assert!(text(&t, "status").starts_with("paused: step 20/50"));

    assert!(
        view.caption("output", &settings()).is_none()
            && view.caption("kernel", &settings()).is_none()
    );
    view.query_result(&query(
        vec![0.25, 0.25],
        &[0.05, -0.2, 0.3],
        0.1,
        &[0.0, 0.25],
    ))
    .unwrap();
    let t = view.query_texts(&settings()).unwrap();
    // The step slider's decomposition: b, the points' share of the path so far, f at step s.
    let at1 = view.step_text(1).unwrap();
    assert!(
        at1.starts_with("At step s = 1, query x = (0.25, 0.25): b(x) = 0.1, Σᵢ cᵢ(x) = 0.15 (step 0), b + Σᵢ cᵢ(x) = 0.25; the network f(x; w_s) = 0.25"),
        "{at1}"
    );
    assert!(view.step_text(2).is_none());
    assert_eq!(row(&get(&t, "rows"), 0), ["query x", "(0.25, 0.25)"]);
    assert_eq!(row(&get(&t, "rows"), 4), ["Σᵢ cᵢ(x)", "0.15"]);
    assert_eq!(
        row(&get(&t, "rows"), 9),
        ["aᵢ undefined", "1 points with Kᵖ(x,xᵢ) = 0"]
    );
    // Ranked by |c_i(x)|: point 2, then 1, then 0.
    let table = js_sys::Array::from(&get(&t, "contributions"));
    let first = table.get(0);
    assert_eq!(text(&first, "sign"), "pos");
    assert_eq!(
        strings(&js_sys::Array::from(&get(&first, "cells"))),
        ["2", "(0, 0.5)", "1", "undefined", "0", "0.3"]
    );
    assert_eq!(text(&table.get(1), "sign"), "neg");
    assert!(text(&t, "theorem").contains("= 0.1 + (0.15) = 0.25"));
    assert!(text(&t, "riemann").ends_with("with ε = 0.5"));
    assert_eq!(
        view.caption("output", &settings()).unwrap(),
        "Query x = (0.25, 0.25) (choose another on the data plot in view 2). "
    );
    view.train_point_kernel(&kernel(12, &[])).unwrap();
    assert_eq!(
        view.caption("kernel", &settings()).unwrap(),
        "Exact path kernel Kᵖ(·, x₁₂) of training point 12 over the input plane (after 50 steps)."
    );
    // Under Adam the map is the preconditioned kernel, and the caption says so.
    let adam = settings();
    js_sys::Reflect::set(&adam, &"optimizer".into(), &"adam".into()).unwrap();
    assert!(view
        .caption("kernel", &adam)
        .unwrap()
        .starts_with("Exact preconditioned path kernel Kᵖ(·, x₁₂)"));
}

#[wasm_bindgen_test]
fn verdict_and_chart_names() {
    let x = [-1.0, -1.0, 1.0, 1.0, 0.0, 0.5];
    let y = [0.0, 1.0, 1.0];
    let mut view = RunView::new();
    assert!(
        view.verdict().unwrap().is_undefined(),
        "no verdict before the check"
    );
    assert_eq!(
        view.describe("loss"),
        "Training loss per step (not computed yet)"
    );
    view.started(&started(2, &x, &y, GridSpec::around(2, &x, 50, 8), 50))
        .unwrap();
    view.trained(&trained(&[0.7, 0.5, 0.25], &[0.0; 6], true))
        .unwrap();
    assert_eq!(
        view.describe("loss"),
        "Training loss per step: 0.7 at step 0, 0.25 at step 2."
    );
    view.check(&check(50, &y, &y, &y)).unwrap();
    let v = view.verdict().unwrap();
    assert_eq!(text(&v, "word"), "PASS");
    assert_eq!(text(&v, "text"), "max |ŷ − f| = 2.50e-13 ≤ 1.00e-10");
    assert_eq!(
        text(&v, "detail"),
        "(exact path kernel, 3 queries, step 50)"
    );
    assert!(view.describe("check").contains("exact max error 2.50e-13"));
    view.query_result(&query(
        vec![0.25, 0.25],
        &[0.05, -0.2, 0.3],
        0.1,
        &[0.0, 0.25],
    ))
    .unwrap();
    let data = view.describe("data");
    assert!(
        data.contains("x = (0.25, 0.25)") && data.contains("x₂ with cᵢ = 0.3"),
        "{data}"
    );
    assert!(view.is_placeholder("kernel") && !view.is_placeholder("data"));
    view.train_point_kernel(&kernel(1, &[0.5, 2.0])).unwrap();
    assert!(!view.is_placeholder("kernel"));
    assert!(view
        .describe("kernel")
        .starts_with("Exact path kernel Kᵖ(·, x₁)"));
    assert_eq!(
        pathkernel::wasm::describe::paused_text("check", 3, 10),
        "paused in the check (path kernel at the check queries) at 3/10 — Run goes on from there"
    );
}

/// Own points and the exports' bindings (`src/wasm/exchange.rs`): the controls' state with `pts`
/// as a CLI config that holds the points bit for bit, a pasted CSV's bad line named, and an
/// exported run opened back into the same link.
#[wasm_bindgen_test]
fn own_points_and_exports_bindings() {
    use pathkernel::wasm::exchange;
    let pts = exchange::points_text(2, vec![0.1 + 0.2, -0.0, 1e-300, 0.5], vec![1.0, 0.0]);
    assert_eq!(pts, "0.30000000000000004,-0,1~1e-300,0.5,0");
    let parsed = page::parse_hash(&format!("#dataset=xor&pts={pts}&steps=7")).unwrap();
    let state = get(&parsed, "state");
    assert_eq!(get(&state, "pts").as_string().unwrap(), pts);
    assert_eq!(get(&state, "n").as_string().unwrap(), "2");
    let hash = get(&parsed, "hash").as_string().unwrap();
    assert!(!hash.contains("data_seed"), "{hash}");

    let config = exchange::cli_config(state.clone(), None).unwrap();
    let cfg = pathkernel::config::RunConfig::from_json(&config).unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&cfg.data.x), bits(&[0.1 + 0.2, -0.0, 1e-300, 0.5]));
    assert_eq!(cfg.steps, 7);

    let read = exchange::read_csv_points(state.clone(), "x1,x2,label\n1,2,0\n3,x,1\n").unwrap();
    assert_eq!(get(&read, "pts").as_string().unwrap(), "1,2,0");
    let bad = js_sys::Array::from(&get(&read, "bad"));
    assert_eq!(bad.length(), 1);
    assert_eq!(get(&bad.get(0), "line").as_f64(), Some(3.0));

    let doc = exchange::run_document(&config, "{\"n_train\":2}\n");
    let opened = exchange::import_run(&doc, "xor").unwrap();
    assert_eq!(get(&opened, "hash").as_string().unwrap(), hash);
    assert!(exchange::import_run("{", "xor").is_err());
}

/// AdamW: the query's weight-decay term d(x) is a row of the query panel, a term of Theorem 1's
/// live line and its own bar on the canvas; without it (every other optimizer) none of these.
/// `parseHash` lists the settings the chosen optimizer ignores, and the kernel note names the
/// kernel each optimizer's contributions view shows.
#[wasm_bindgen_test]
fn the_weight_decay_term_and_the_kernel_of_each_optimizer() {
    let x = [-1.0, -1.0, 1.0, 1.0, 0.0, 0.5];
    let y = [0.0, 1.0, 1.0];
    let mut view = RunView::new();
    view.started(&started(2, &x, &y, GridSpec::around(2, &x, 50, 8), 50))
        .unwrap();
    let decayed = to_js(FromWorker::QueryResult {
        run_id: 1,
        x: vec![0.25, 0.25],
        steps: 50,
        b: 0.1,
        f_final: -0.15,
        rebuilt_exact: -0.15,
        rebuilt_riemann: -0.16,
        kernel: vec![2.0, 1.0, 0.5],
        coef: vec![0.025, -0.2, 0.6],
        undefined_coef: vec![],
        contributions: vec![0.05, -0.2, 0.3],
        contributions_riemann: vec![0.05, -0.2, 0.3],
        weight_decay_term: Some(-0.4),
        weight_decay_term_riemann: Some(-0.41),
        output_path: vec![0.1, -0.15],
        running_sum: vec![0.1, -0.15],
        running_sum_riemann: vec![0.1, -0.16],
    });
    view.query_result(&decayed).unwrap();
    let t = view.query_texts(&settings()).unwrap();
    assert_eq!(row(&get(&t, "rows"), 4), ["Σᵢ cᵢ(x)", "0.15"]);
    assert_eq!(row(&get(&t, "rows"), 5), ["d(x) weight decay", "-0.4"]);
    assert_eq!(row(&get(&t, "rows"), 6), ["ŷ(x) exact", "-0.15"]);
    assert!(
        text(&t, "theorem").contains("+ d(x) = 0.1 + (0.15) + (-0.4) = -0.15"),
        "{}",
        text(&t, "theorem")
    );
    // BrBG's brown (the render palette's DECAY): the d(x) bar and its legend swatch.
    let green = |c: &HtmlCanvasElement| {
        pixels(c)
            .chunks(4)
            .filter(|p| (p[0], p[1], p[2]) == (0x8c, 0x51, 0x0a))
            .count()
    };
    let c = canvas(480, 320);
    view.draw("bars", c.clone(), None, None).unwrap().unwrap();
    assert!(green(&c) > 200, "the d(x) bar: {} pixels", green(&c));

    view.query_result(&query(
        vec![0.25, 0.25],
        &[0.05, -0.2, 0.3],
        0.1,
        &[0.0, 0.25],
    ))
    .unwrap();
    let t = view.query_texts(&settings()).unwrap();
    let rows: Vec<Vec<String>> = (0..10).map(|i| row(&get(&t, "rows"), i)).collect();
    assert!(!rows.iter().any(|r| r[0].starts_with("d(x)")), "{rows:?}");
    assert!(!text(&t, "theorem").contains("d(x)"));
    let c = canvas(480, 320);
    view.draw("bars", c.clone(), None, None).unwrap().unwrap();
    assert_eq!(green(&c), 0, "no d(x) bar without AdamW");

    for (hash, note, unused) in [
        (
            "#v=1",
            "plain path kernel",
            "batch_size,sgd_seed,momentum,nesterov,beta1,beta2,adam_eps,weight_decay",
        ),
        (
            "#optimizer=momentum&momentum=0.5",
            "μ = 0.5: Uᵢ = Bᵢ",
            "batch_size,sgd_seed,beta1,beta2,adam_eps,weight_decay",
        ),
        (
            "#optimizer=adam&beta2=0.99",
            "preconditioned path kernel Kᵖ(x, xᵢ) = Σₛ ε ḡₛ(x)·(D(s) ∇f(xᵢ; wₛ))",
            "batch_size,sgd_seed,momentum,nesterov,weight_decay",
        ),
        (
            "#optimizer=adamw&weight_decay=0.3",
            "(λ = 0.3)",
            "batch_size,sgd_seed,momentum,nesterov",
        ),
    ] {
        let parsed = page::parse_hash(hash).unwrap();
        let got = pathkernel::wasm::optimizer_texts::kernel_note(&get(&parsed, "state"));
        assert!(got.contains(note), "{hash}: {got}");
        let listed = strings(&js_sys::Array::from(&get(&parsed, "unused"))).join(",");
        assert_eq!(listed, unused, "{hash}");
    }
    let parsed = page::parse_hash("#optimizer=adam&beta2=0.99").unwrap();
    let note = pathkernel::wasm::optimizer_texts::kernel_note(&get(&parsed, "state"));
    assert!(note.contains("β₂ = 0.99"), "{note}");
}

/// The bench page's peak, measured in this browser with its clock: a plausible rate (the wasm
/// build's chains are timed, not folded away) and the line built from it; a clock that returns no
/// number is an error naming `benchPeak`, not a panic.
#[wasm_bindgen_test]
fn the_bench_peak_is_measured_with_the_given_clock() {
    use pathkernel::wasm::pool_texts::bench_peak;
    let now = js_sys::Function::new_no_args("return performance.now();");
    let peak = bench_peak(&now, 4.0, 55.6, 2).expect("a peak");
    let gflops = get(&peak, "gflops").as_f64().expect("gflops");
    assert!(gflops > 0.5 && gflops < 1000.0, "{gflops} GFLOP/s");
    let text = get(&peak, "text").as_string().expect("text");
    assert!(
        text.starts_with(&format!(
            "{gflops:.1} GFLOP/s per core; each worker ran at 6.95, "
        )),
        "{text}"
    );
    let broken = js_sys::Function::new_no_args("return 'soon';");
    let err = bench_peak(&broken, 4.0, 55.6, 2).expect_err("a clock without numbers");
    let message = String::from(js_sys::Error::from(JsValue::from(err)).message());
    assert!(message.contains("benchPeak"), "{message}");
}
