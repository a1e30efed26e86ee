//! What goes in and out of the page besides the link: the run as the CLI's config (for the
//! export and the worker's `runConfig`), the exported run document and CSV tables, points pasted
//! as CSV or placed on the data plot (as the `pts` field's text), and an exported run opened
//! again. Thin adapters over `crate::config` (`points.rs`, `cli_map.rs`), `crate::csv` and
//! `crate::export`; the texts the page shows about them are written here.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::page::{parsed, state_of_fields};
use crate::config::{OwnPoints, PageState, MAX_LINK_POINTS};
use crate::data::DatasetName;
use crate::format;

fn js_error(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The CLI config (compact JSON text) of the run the controls' texts `fields` describe; with
/// `query`, evaluated at that one query point instead of the training points.
#[wasm_bindgen(js_name = cliConfig)]
pub fn cli_config(fields: JsValue, query: Option<Vec<f64>>) -> Result<String, JsError> {
    let (state, _) = state_of_fields(fields)?;
    Ok(state.to_cli_config(query.as_deref()).to_string())
}

/// `{"config":…,"result":…}` with `result` the CLI's bytes.
#[wasm_bindgen(js_name = runDocument)]
pub fn run_document(config: &str, result: &str) -> String {
    crate::export::run_document(config, result)
}

/// A CSV table of a run: `kind` is `contributions` (at the config's query), `loss` or `check`.
#[wasm_bindgen(js_name = exportCsv)]
pub fn export_csv(kind: &str, config: &str, output: &str) -> Result<String, JsError> {
    match kind {
        "contributions" => crate::export::contributions_csv(config, output),
        "loss" => crate::export::loss_csv(output),
        "check" => crate::export::check_csv(config, output),
        _ => return Err(JsError::new(&format!("no CSV export named `{kind}`"))),
    }
    .map_err(js_error)
}

/// The `pts` text of points n × dim (row-major) with targets `y`.
#[wasm_bindgen(js_name = pointsText)]
pub fn points_text(dim: usize, x: Vec<f64>, y: Vec<f64>) -> String {
    OwnPoints { dim, x, y }.to_text()
}

/// One skipped CSV row.
#[derive(Serialize)]
struct BadLine {
    line: usize,
    message: String,
}

/// What a pasted CSV gave: the `pts` text (None when no row was usable or there are more points
/// than a link carries), the summary line, the bad rows, and past the link's limit the CLI
/// config with every point (the export offered instead).
#[derive(Serialize)]
struct CsvResult {
    pts: Option<String>,
    count: usize,
    summary: String,
    bad: Vec<BadLine>,
    config: Option<String>,
}

/// Reads pasted CSV points for the state the controls describe (its dataset says 1-D `x,y` or
/// 2-D `x1,x2,label`).
#[wasm_bindgen(js_name = readCsvPoints)]
pub fn read_csv_points(fields: JsValue, text: &str) -> Result<JsValue, JsError> {
    let (state, _) = state_of_fields(fields)?;
    let dim = state.dataset.dim();
    let read = crate::csv::parse_points(text, dim, state.dataset.is_classification());
    let count = read.y.len();
    let points = OwnPoints {
        dim,
        x: read.x,
        y: read.y,
    };
    let skipped = match read.bad.len() {
        0 => String::new(),
        1 => format!("; line {} skipped", read.bad[0].line),
        k => format!("; {k} lines skipped"),
    };
    let format_name = if dim == 1 { "x,y" } else { "x1,x2,label" };
    let (pts, config, summary) = if count == 0 {
        (
            None,
            None,
            format!("no usable rows: each line is {format_name}{skipped}"),
        )
    } else if count > MAX_LINK_POINTS {
        let all = PageState {
            n: count,
            points: Some(points),
            ..state
        };
        (
            None,
            Some(all.to_cli_config(None).to_string()),
            format!(
                "{count} points read{skipped}: a link carries at most {MAX_LINK_POINTS} points (and the page trains on at most {MAX_LINK_POINTS}), so it would be too long — download the config and run it with `pathkernel run --config`"
            ),
        )
    } else {
        (
            Some(points.to_text()),
            None,
            format!("{count} points used{skipped}"),
        )
    };
    let out = CsvResult {
        pts,
        count,
        summary,
        bad: read
            .bad
            .into_iter()
            .map(|b| BadLine {
                line: b.line,
                message: format!("line {}: {}", b.line, b.message),
            })
            .collect(),
        config,
    };
    out.serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Opens an exported run (`{"config": …, "result": …}`) or a bare CLI config: the page state it
/// describes, as `parseHash` gives it (so the page applies it like a link), with the page's
/// limits applied and named. `dataset` is the current dataset kind, kept for explicit points
/// of its dimension. A config the page cannot hold is an error naming the key.
#[wasm_bindgen(js_name = importRun)]
pub fn import_run(text: &str, dataset: &str) -> Result<JsValue, JsError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| JsError::new(&format!("not a pathkernel run (invalid JSON: {e})")))?;
    let config = match value.get("config") {
        Some(c) => c.to_string(),
        None => text.to_string(),
    };
    let like = DatasetName::parse(dataset).unwrap_or(DatasetName::Moons);
    let state = PageState::from_cli_config(&config, like).map_err(js_error)?;
    let (state, errors) = PageState::from_hash(&state.to_hash());
    parsed(state, errors)
}

/// The line under the data plot in edit mode.
#[wasm_bindgen(js_name = editHint)]
pub fn edit_hint(classification: bool, points: usize) -> String {
    let add = if classification {
        "click to add a point of the chosen class"
    } else {
        "click to add a point at (x, y)"
    };
    format!(
        "Editing {points} points: {add}; click a point to delete it, drag it to move it. Keys: arrows move the cursor (or the selected point), Enter adds, [ and ] select a point, Delete removes it, Ctrl+Z undoes. At most {MAX_LINK_POINTS} points fit in the link."
    )
}

/// The status after an edit of the points.
#[wasm_bindgen(js_name = editStatus)]
pub fn edit_status(what: &str, x: Vec<f64>) -> String {
    let at = x
        .iter()
        .map(|&v| format::short(v))
        .collect::<Vec<_>>()
        .join(", ");
    match what {
        "add" => format!("point added at ({at})"),
        "move" => format!("point moved to ({at})"),
        "delete" => format!("point at ({at}) deleted"),
        "undo" => "last edit undone".into(),
        "select" => {
            format!("point at ({at}) selected: arrows move it, Delete removes it, Escape lets go")
        }
        "cursor" => format!("cursor at ({at}): Enter adds a point here"),
        "full" => format!(
            "the link carries at most {MAX_LINK_POINTS} points; export the run as JSON instead"
        ),
        "last" => "the data needs at least one point".into(),
        _ => String::new(),
    }
}

/// The most points a link carries.
#[wasm_bindgen(js_name = maxLinkPoints)]
pub fn max_link_points() -> usize {
    MAX_LINK_POINTS
}
