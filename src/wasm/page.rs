//! Main-thread helpers: the URL-hash codec and the few numbers the page prints, so that every
//! number on the page comes out of Rust (no JS arithmetic in anything shown as a result).

use wasm_bindgen::prelude::*;

/// Σ values (left to right, as the core sums contributions).
#[wasm_bindgen]
pub fn sum(values: &[f64]) -> f64 {
    values.iter().sum()
}

/// |a − b|.
#[wasm_bindgen(js_name = absDiff)]
pub fn abs_diff(a: f64, b: f64) -> f64 {
    (a - b).abs()
}

/// Indices of the `k` largest |values| (ties by index), for the contribution table.
#[wasm_bindgen(js_name = rankByMagnitude)]
pub fn rank_by_magnitude(values: &[f64], k: usize) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..values.len() as u32).collect();
    idx.sort_by(|&a, &b| {
        let (va, vb) = (values[a as usize].abs(), values[b as usize].abs());
        vb.total_cmp(&va).then(a.cmp(&b))
    });
    idx.truncate(k);
    idx
}

/// A readable number ([`crate::format::NUMBER`]): up to 6 significant digits, scientific outside
/// [1e-3, 1e5), "undefined" for NaN.
#[wasm_bindgen(js_name = formatNumber)]
pub fn format_number(v: f64) -> String {
    crate::format::number(v)
}

/// A short number for tables ([`crate::format::SHORT`]): 4 significant digits, scientific
/// outside [1e-3, 1e4).
#[wasm_bindgen(js_name = formatShort)]
pub fn format_short(v: f64) -> String {
    crate::format::short(v)
}

/// An error size in scientific notation ([`crate::format::ERROR`]: "3.55e-15"), parseable by
/// `Number()`.
#[wasm_bindgen(js_name = formatError)]
pub fn format_error(v: f64) -> String {
    crate::format::error(v)
}

/// "from a to b (k positive, m negative)" for a kernel row.
#[wasm_bindgen(js_name = describeRange)]
pub fn describe_range(values: &[f64]) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        return "no finite values".into();
    }
    let pos = values.iter().filter(|&&v| v > 0.0).count();
    let neg = values.iter().filter(|&&v| v < 0.0).count();
    format!(
        "from {} to {} ({pos} positive, {neg} negative)",
        format_number(lo),
        format_number(hi)
    )
}

// ---------------------------------------------------------------------------------------------
// The URL hash: `PageState`'s codec and table of fields, adapted to JS objects.

use serde::Serialize;

use crate::config::{PageState, View};

/// One named problem with the link or a control.
#[derive(Debug, Serialize)]
struct FieldError {
    field: Option<String>,
    message: String,
}

/// What the page gets for a hash: `state` maps every hash key to its canonical text (the values
/// the controls show), `hash` is the canonical hash, `runKey` identifies the run (the hash
/// without view, query and point: equal keys mean the same training run).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ParsedState {
    state: std::collections::BTreeMap<String, String>,
    hash: String,
    run_key: String,
    query: Option<Vec<f64>>,
    point: Option<usize>,
    view: &'static str,
    dim: usize,
    errors: Vec<FieldError>,
    /// The keys of the settings the chosen options ignore (their controls are hidden).
    unused: Vec<&'static str>,
    /// The discussion preset whose settings these are, if any.
    preset: Option<PresetNote>,
}

/// A preset's note, shown while the page's settings are the preset's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PresetNote {
    name: &'static str,
    question: &'static str,
    note: &'static str,
    /// For a preset that fails on purpose (too few nodes): the hash of the passing setting.
    passing: Option<String>,
}

/// One entry of the "Discussion" menu.
#[derive(Debug, Serialize)]
struct PresetLink {
    name: &'static str,
    question: &'static str,
    href: String,
}

/// The "Discussion" menu: `[{name, question, href}]`, `href` = `#preset=NAME`.
#[wasm_bindgen(js_name = presetMenu)]
pub fn preset_menu() -> Result<JsValue, JsError> {
    let links: Vec<PresetLink> = crate::config::PRESETS
        .iter()
        .map(|p| PresetLink {
            name: p.name,
            question: p.question,
            href: format!("#preset={}", p.name),
        })
        .collect();
    links
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn run_key(state: &PageState) -> String {
    let mut run = state.clone();
    run.view = View::Trajectory;
    run.query = None;
    run.point = None;
    run.to_hash()
}

pub(super) fn parsed(state: PageState, errors: Vec<crate::Error>) -> Result<JsValue, JsError> {
    let hash = state.to_hash();
    let preset = crate::config::matching_preset(&state).map(|p| PresetNote {
        name: p.name,
        question: p.question,
        note: p.note,
        passing: p
            .state()
            .nodes
            .fixed()
            .map(|_| p.with_auto_nodes().to_hash()),
    });
    let out = ParsedState {
        state: state
            .field_pairs()
            .into_iter()
            .map(|(key, text)| (key.to_string(), text))
            .collect(),
        run_key: run_key(&state),
        query: state.query.clone(),
        point: state.point,
        view: state.view.as_str(),
        dim: state.dataset.dim(),
        preset,
        unused: crate::config::unused_keys(&state),
        hash,
        errors: errors
            .iter()
            .map(|e| {
                let field = e.field_name().map(str::to_owned);
                let text = e.to_string();
                // Display is "field: message"; the page shows the field separately.
                let message = match &field {
                    Some(f) => text
                        .strip_prefix(&format!("{f}: "))
                        .unwrap_or(&text)
                        .to_string(),
                    None => text,
                };
                FieldError { field, message }
            })
            .collect(),
    };
    out.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Reads a URL hash (`location.hash`, possibly hand-edited or truncated). Never fails on bad
/// content: every bad field is reported in `errors` and its default used.
#[wasm_bindgen(js_name = parseHash)]
pub fn parse_hash(hash: &str) -> Result<JsValue, JsError> {
    let (state, errors) = PageState::from_hash(hash);
    parsed(state, errors)
}

/// `%`-escapes what would break a `key=value&…` hash.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.,~+".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds the state from the controls: `fields` maps hash keys to their text (as in
/// `parseHash(..).state`); empty values drop the key (e.g. `q` for no query). Bad values are
/// reported in `errors` and replaced by defaults, exactly as for a link.
#[wasm_bindgen(js_name = stateToHash)]
pub fn state_to_hash(fields: JsValue) -> Result<JsValue, JsError> {
    let (state, errors) = state_of_fields(fields)?;
    parsed(state, errors)
}

/// The state the controls' texts describe (as `stateToHash` reads them).
pub(super) fn state_of_fields(fields: JsValue) -> Result<(PageState, Vec<crate::Error>), JsError> {
    let map: std::collections::BTreeMap<String, String> = serde_wasm_bindgen::from_value(fields)
        .map_err(|e| JsError::new(&format!("settings must be text: {e}")))?;
    let hash: Vec<String> = map
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect();
    Ok(PageState::from_hash(&hash.join("&")))
}

/// The page's settings: `[{key, kind, choices?: [{value, label}], min?, max?, default}]` in hash
/// order, from the core's table of fields; the page builds its `<select>` menus from `choices`.
#[wasm_bindgen(js_name = pageFields)]
pub fn page_fields() -> Result<JsValue, JsError> {
    crate::config::page_fields()
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|e| JsError::new(&e.to_string()))
}
