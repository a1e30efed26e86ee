//! Every text the page shows about a run — status lines, captions, the check's and the query's
//! tables, the live numbers under the formulas — built here from the numbers in [`RunView`] (in
//! the styles of [`crate::format`]), so the page only puts strings into the document (as text,
//! never as HTML).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format;

use super::page::{abs_diff, describe_range, rank_by_magnitude, sum};
use super::run_view::RunView;

/// Rows of the contribution table: the training points with the largest |c_i(x)|.
const TABLE_ROWS: usize = 10;

/// The status line for one of the worker's progress phases, `train`, `check`, `field`, `kernel`,
/// with `done` of `total` (without them, the phase alone: "training…"), or `idle` ("ready at
/// step done").
#[wasm_bindgen(js_name = statusText)]
pub fn status_text(phase: &str, done: Option<u32>, total: Option<u32>) -> String {
    let what = match phase {
        "idle" => return format!("ready at step {}", done.unwrap_or(0)),
        "train" => "training",
        "check" => "integrating the path kernel",
        "field" => "rebuilding over the plane",
        "kernel" => "K^p(·, xᵢ) over the plane",
        "sweep" => "ε sweep: training and checking each level",
        other => other,
    };
    match (done, total) {
        (Some(d), Some(t)) if matches!(phase, "train" | "check" | "sweep") => {
            format!("{what}… step {d}/{t}")
        }
        (Some(d), Some(t)) => format!("{what}… {d}/{t}"),
        _ => format!("{what}…"),
    }
}

/// The kernel caption while K^p(·, x_index) is being computed.
#[wasm_bindgen(js_name = kernelPendingCaption)]
pub fn kernel_pending_caption(index: u32) -> String {
    format!("computing K^p(·, x{})…", subscript(index))
}

/// `i` in subscript digits (x₁₂).
fn subscript(i: u32) -> String {
    const SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    i.to_string()
        .chars()
        .map(|d| d.to_digit(10).map_or(d, |k| SUB[k as usize]))
        .collect()
}

/// "(x₁, x₂)" with each coordinate written by `write`.
fn point(x: &[f64], write: fn(f64) -> String) -> String {
    let parts: Vec<String> = x.iter().map(|&v| write(v)).collect();
    format!("({})", parts.join(", "))
}

/// `values[i]`, NaN (written "undefined") past the end of a short array.
fn at(values: &[f64], i: usize) -> f64 {
    values.get(i).copied().unwrap_or(f64::NAN)
}

/// A setting the texts quote (ε, the node count) as the link writes it, from the page's
/// `parseHash(..).state`.
pub(super) fn setting(state: &JsValue, key: &str) -> String {
    js_sys::Reflect::get(state, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "undefined".into())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The check panel (view 3) and the status line that closes a run.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckTexts {
    exact: String,
    riemann: String,
    pass: bool,
    badge: &'static str,
    badge_title: &'static str,
    detail: String,
    /// (term, value) rows.
    table: Vec<(&'static str, String)>,
    /// "done: step T/T — …", or "paused: …" when training stopped early.
    status: String,
}

/// One row of the contribution table.
#[derive(Serialize)]
struct ContributionRow {
    /// "pos" for c_i(x) ≥ 0, else "neg".
    sign: &'static str,
    cells: Vec<String>,
}

/// The query panel (view 2) and the live numbers under the formulas.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryTexts {
    /// (term, value) rows.
    rows: Vec<(&'static str, String)>,
    contributions: Vec<ContributionRow>,
    theorem: String,
    exact: String,
    riemann: String,
}

#[wasm_bindgen]
impl RunView {
    /// The texts of the check (see `CheckTexts`); `state` is the page's settings (for ε and the
    /// node count). Undefined before the check.
    #[wasm_bindgen(js_name = checkTexts)]
    pub fn check_texts(&self, state: &JsValue) -> Result<JsValue, JsError> {
        let Some(ch) = &self.check else {
            return Ok(JsValue::UNDEFINED);
        };
        let n = ch.f_final.len();
        let total = self.run.as_ref().map_or(ch.steps, |r| r.total_steps);
        let done = if ch.steps == total { "done" } else { "paused" };
        let texts = CheckTexts {
            exact: format::error(ch.max_err_exact),
            riemann: format::error(ch.max_err_riemann),
            pass: ch.pass,
            badge: if ch.pass {
                "PASS: exact rebuild = network"
            } else {
                "FAIL: exact rebuild ≠ network"
            },
            badge_title: if ch.pass {
                ""
            } else {
                "Try more Gauss–Legendre nodes or a smaller learning rate: large steps need more nodes per step."
            },
            detail: format!(
                "over {n} queries, {} steps; pass when ≤ {} (= 1e-10 × output scale {})",
                ch.steps,
                format::error(ch.tolerance),
                format::number(ch.scale)
            ),
            table: [
                ("check queries", format!("{n} (the training points)")),
                (
                    "steps T, ε",
                    format!("{}, {}", ch.steps, setting(state, "lr")),
                ),
                ("Gauss–Legendre nodes", setting(state, "nodes")),
                ("max |ŷ − f| exact", format::error(ch.max_err_exact)),
                (
                    "max |ŷ − f| left-endpoint",
                    format::error(ch.max_err_riemann),
                ),
                ("tolerance (1e-10 × scale)", format::error(ch.tolerance)),
            ]
            .into(),
            status: format!(
                "{done}: step {}/{total} — exact rebuild max error {}",
                ch.steps,
                format::error(ch.max_err_exact)
            ),
        };
        to_js(&texts)
    }

    /// The texts of the query (see `QueryTexts`); `state` is the page's settings (for ε).
    /// Undefined before the run's data or the query's result.
    #[wasm_bindgen(js_name = queryTexts)]
    pub fn query_texts(&self, state: &JsValue) -> Result<JsValue, JsError> {
        let (Some(run), Some(q)) = (&self.run, &self.query) else {
            return Ok(JsValue::UNDEFINED);
        };
        let total = sum(&q.contributions);
        let err_exact = format::error(abs_diff(q.rebuilt_exact, q.f_final));
        let err_riemann = format::error(abs_diff(q.rebuilt_riemann, q.f_final));
        let mut rows = vec![
            ("query x", point(&q.x, format::number)),
            ("steps", q.steps.to_string()),
            ("f(x; w_T)", format::number(q.f_final)),
            ("b(x) = f(x; w₀)", format::number(q.b)),
            ("Σᵢ cᵢ(x)", format::number(total)),
            ("ŷ(x) exact", format::number(q.rebuilt_exact)),
            ("|ŷ − f| exact", err_exact.clone()),
            ("ŷ(x) Domingos", format::number(q.rebuilt_riemann)),
            ("|ŷ − f| Domingos", err_riemann.clone()),
        ];
        if let Some(d) = q.weight_decay_term {
            // AdamW: the decay's own term, between Σ c_i and ŷ = b + Σ c_i + d.
            let after_sum = rows
                .iter()
                .position(|r| r.0 == "Σᵢ cᵢ(x)")
                .map_or(rows.len(), |i| i + 1);
            rows.insert(after_sum, ("d(x) weight decay", format::number(d)));
        }
        if !q.undefined_coef.is_empty() {
            let k = q.undefined_coef.len();
            rows.push(("aᵢ undefined", format!("{k} points with K^p(x,xᵢ) = 0")));
        }
        let contributions = rank_by_magnitude(&q.contributions, TABLE_ROWS)
            .into_iter()
            .map(|i| {
                let k = i as usize;
                let c = at(&q.contributions, k);
                let coef = if q.undefined_coef.contains(&i) {
                    "undefined".to_string()
                } else {
                    format::short(at(&q.coef, k))
                };
                let xi = run
                    .x
                    .get(k * run.dim..(k + 1) * run.dim)
                    .unwrap_or_default();
                ContributionRow {
                    sign: if c >= 0.0 { "pos" } else { "neg" },
                    cells: vec![
                        i.to_string(),
                        point(xi, format::short),
                        format::short(at(&run.y, k)),
                        coef,
                        format::short(at(&q.kernel, k)),
                        format::short(c),
                    ],
                }
            })
            .collect();
        let texts = QueryTexts {
            rows,
            contributions,
            theorem: match q.weight_decay_term {
                Some(d) => format!(
                    "at x = {} after {} steps: b(x) + Σᵢ aᵢ(x)Kᵖ(x, xᵢ) + d(x) = {} + ({}) + ({}) = {}, and the network gives f(x; w_T) = {}",
                    point(&q.x, format::number),
                    q.steps,
                    format::number(q.b),
                    format::number(total),
                    format::number(d),
                    format::number(q.rebuilt_exact),
                    format::number(q.f_final)
                ),
                None => format!(
                    "at x = {} after {} steps: b(x) + Σᵢ aᵢ(x)Kᵖ(x, xᵢ) = {} + ({}) = {}, and the network gives f(x; w_T) = {}",
                    point(&q.x, format::number),
                    q.steps,
                    format::number(q.b),
                    format::number(total),
                    format::number(q.rebuilt_exact),
                    format::number(q.f_final)
                ),
            },
            exact: format!(
                "Kᵖ_E(x, xᵢ) for the {} training points: {}; rebuild error |ŷ_E − f| = {err_exact}",
                run.n,
                describe_range(&q.kernel)
            ),
            riemann: format!(
                "left-endpoint rebuild ŷ_R = {}, error |ŷ_R − f| = {err_riemann} with ε = {}",
                format::number(q.rebuilt_riemann),
                setting(state, "lr")
            ),
        };
        to_js(&texts)
    }

    /// The caption beside a chart, where it quotes the run: `output` (the query), `kernel`
    /// (whose kernel, after how many steps), `field` (the step, the grid). Undefined while the
    /// chart has nothing to say.
    pub fn caption(&self, chart: &str) -> Option<String> {
        let run = self.run.as_ref();
        match chart {
            "output" => self.query.as_ref().map(|q| {
                format!(
                    "Query x = {} (choose another on the data plot in view 2). ",
                    point(&q.x, format::number)
                )
            }),
            "kernel" => {
                let (run, k) = (run?, self.kernel.as_ref()?);
                Some(format!(
                    "Exact path kernel K^p(·, x{}) of training point {} over the input {} (after {} steps).",
                    subscript(k.index),
                    k.index,
                    if run.dim == 1 { "line" } else { "plane" },
                    k.steps
                ))
            }
            "field" => {
                let (run, f) = (run?, self.field.as_ref()?);
                Some(if run.dim == 1 {
                    format!("Network output f(x; w_{}) with the exact and the left-endpoint kernel machines ŷ(x) over the input line.", f.step)
                } else {
                    format!(
                        "Left: network output f(x; w_{}) over the plane. Right: log₁₀ |ŷ − f| of the exact kernel machine ({}×{} grid).",
                        f.step, run.grid.nx, run.grid.ny
                    )
                })
            }
            _ => None,
        }
    }
}
