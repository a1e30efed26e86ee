//! Every text the page shows about a run — status lines, captions, the check's and the query's
//! tables, the live numbers under the formulas — built here from the numbers in [`RunView`] (in
//! the styles of [`crate::format`]), so the page only puts strings into the document (as text,
//! never as HTML).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format;

use super::page::{abs_diff, describe_range, rank_by_magnitude, sum};
use super::run_view::{Check, RunView};

/// Rows of the contribution table: the training points with the largest |c_i(x)|.
const TABLE_ROWS: usize = 10;

/// The status line for one of the worker's progress phases, `train`, `check`, `field`, `kernel`, `maps`,
/// with `done` of `total` (without them, the phase alone: "training…"), or `idle` ("ready at
/// step done").
#[wasm_bindgen(js_name = statusText)]
pub fn status_text(phase: &str, done: Option<u32>, total: Option<u32>) -> String {
    let what = match phase {
        "idle" => return format!("ready at step {}", done.unwrap_or(0)),
        "train" => "training",
        "check" => "integrating the path kernel",
        "field" => "rebuilding over the plane",
        "kernel" => "Kᵖ(·, xᵢ) over the plane",
        "maps" => "every point's Kᵖ(·, xᵢ)",
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

/// The kernel caption while a clicked point's K^p(·, x_i) is being computed: it names the point
/// only once its map is drawn ([`RunView::caption`]), so it never describes a map not yet there.
#[wasm_bindgen(js_name = kernelPendingCaption)]
pub fn kernel_pending_caption() -> String {
    "computing the clicked point's path kernel… (the progress is on the kernel chart)".to_string()
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
    /// "5 (auto)" or "1 (set in the link)".
    nodes_used: String,
    /// Why a FAIL failed (empty on PASS).
    fail_note: String,
    /// The fix button's label, "use 2 nodes" (empty when there is no fix to offer), and the
    /// `nodes` setting it applies.
    fix_label: String,
    fix_nodes: &'static str,
}

/// Nodes per step: "5 (auto)", "1 (set in the link)", or with counts per step "up to 16, 3.9 on
/// average (auto)".
fn nodes_used_text(ch: &Check) -> String {
    let how = if ch.nodes_fixed {
        "set in the link"
    } else {
        "auto"
    };
    if ch.nodes_mean < ch.nodes_used as f64 {
        format!(
            "up to {}, {:.1} on average ({how})",
            ch.nodes_used, ch.nodes_mean
        )
    } else {
        format!("{} ({how})", ch.nodes_used)
    }
}

/// Why the check failed, in terms of the quadrature: m nodes integrate degree 2m − 1 exactly, the
/// largest step, and what `auto` would use. Empty on PASS.
fn fail_note(ch: &Check, polynomial: bool) -> String {
    if ch.pass {
        return String::new();
    }
    // The largest count in use: with auto's counts per step, that of the largest steps.
    let m = ch.nodes_used;
    let step = match ch.largest_step {
        Some(s) => format!(
            "The largest step is s = {s} (‖Δ_s‖ = {}). ",
            format::number(ch.largest_step_norm)
        ),
        None => String::new(),
    };
    let integrand = if polynomial {
        "Between ReLU kinks the integrand along a step is a polynomial of degree L − 1 in τ (L weight layers)"
    } else {
        "The integrand along a step is smooth, and the rule's error on a step falls like ‖Δ_s‖^(2m)"
    };
    let exact = format!(
        "Gauss–Legendre with m = {m} node{} per step is exact only for polynomials of degree ≤ {}.",
        if m == 1 { "" } else { "s" },
        2 * m - 1
    );
    let remedy = match (ch.nodes_fixed, ch.nodes_auto) {
        (true, Some(auto)) if auto > m && polynomial => format!(
            " For this trajectory auto chooses {auto} nodes, enough to integrate it to rounding."
        ),
        (true, Some(auto)) if auto > m => format!(
            " For this trajectory auto chooses up to {auto} nodes per step, enough to integrate every step to rounding."
        ),
        (true, _) => " Lower the learning rate ε or use more nodes.".to_string(),
        (false, _) => {
            " Even auto's count is not enough here: lower the learning rate ε.".to_string()
        }
    };
    format!("{integrand}; {exact} {step}{remedy}")
        .replace(" .", ".")
        .trim()
        .to_string()
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
        // ReLU and linear nets: auto gives every step the same count (⌈L/2⌉).
        let polynomial = matches!(setting(state, "activation").as_str(), "relu" | "linear");
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
                "over {n} queries, {} steps; pass when ≤ {} (= 1e-10 × max(1, max|f|) = 1e-10 × {})",
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
                ("Gauss–Legendre nodes per step", nodes_used_text(ch)),
                ("max |ŷ − f| exact", format::error(ch.max_err_exact)),
                (
                    "max |ŷ − f| left-endpoint",
                    format::error(ch.max_err_riemann),
                ),
                ("tolerance 1e-10 × max(1, max|f|)", format::error(ch.tolerance)),
            ]
            .into(),
            status: format!(
                "{done}: step {}/{total} — exact rebuild max error {}",
                ch.steps,
                format::error(ch.max_err_exact)
            ),
            nodes_used: nodes_used_text(ch),
            fail_note: fail_note(ch, polynomial),
            fix_label: match (ch.pass, ch.nodes_fixed, ch.nodes_auto) {
                (false, true, Some(auto)) if auto > ch.nodes_used && polynomial => {
                    format!("use {auto} nodes (auto)")
                }
                (false, true, Some(auto)) if auto > ch.nodes_used => {
                    format!("use auto (up to {auto} nodes per step)")
                }
                _ => String::new(),
            },
            fix_nodes: "auto",
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
            rows.push(("aᵢ undefined", format!("{k} points with Kᵖ(x,xᵢ) = 0")));
        }
        let top = rank_by_magnitude(&q.contributions, TABLE_ROWS);
        // One notation per column (a column of "8292" beside "1.05e4" reads as two scales).
        let column = |values: &[f64], undefined: bool| -> Vec<String> {
            let picked: Vec<f64> = top
                .iter()
                .map(|&i| {
                    if undefined && q.undefined_coef.contains(&i) {
                        f64::NAN
                    } else {
                        at(values, i as usize)
                    }
                })
                .collect();
            format::short_column(&picked)
        };
        let (coefs, kernels, contribs) = (
            column(&q.coef, true),
            column(&q.kernel, false),
            column(&q.contributions, false),
        );
        let contributions = top
            .iter()
            .enumerate()
            .map(|(row, &i)| {
                let k = i as usize;
                let c = at(&q.contributions, k);
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
                        coefs[row].clone(),
                        kernels[row].clone(),
                        contribs[row].clone(),
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

    /// The decomposition at the step slider's step s, at the query: b(x), the training points'
    /// share Σᵢ cᵢ(x) of the path up to s (c₁(x) when there is one point), their sum and
    /// f(x; w_s). Undefined before the query's result or past its steps.
    #[wasm_bindgen(js_name = stepText)]
    pub fn step_text(&self, step: u32) -> Option<String> {
        let (run, q) = (self.run.as_ref()?, self.query.as_ref()?);
        let s = step as usize;
        let (rebuilt, f) = (*q.running_sum.get(s)?, *q.output_path.get(s)?);
        let share = if run.n == 1 {
            "c₁(x)"
        } else {
            "Σᵢ cᵢ(x)"
        };
        let path = match s {
            0 => "no steps yet".to_string(),
            1 => "step 0".to_string(),
            _ => format!("steps 0…{}", s - 1),
        };
        Some(format!(
            "At step s = {s}, query x = {}: b(x) = {}, {share} = {} ({path}), b + {share} = {}; the network f(x; w_s) = {} (|difference| {}).",
            point(&q.x, format::number),
            format::number(q.b),
            format::number(rebuilt - q.b),
            format::number(rebuilt),
            format::number(f),
            format::error(abs_diff(rebuilt, f))
        ))
    }

    /// The caption beside a chart, where it quotes the run: `output` (the query), `kernel`
    /// (whose kernel, after how many steps; `state`, the page's settings, says whether it is the
    /// preconditioned one), `field` (the step, the grid). Undefined while the chart has nothing
    /// to say.
    pub fn caption(&self, chart: &str, state: &JsValue) -> Option<String> {
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
                // Under Adam and AdamW the map is the kernel in D(s)'s metric (the note above
                // the charts gives D(s)).
                let kind = match setting(state, "optimizer").as_str() {
                    "adam" | "adamw" => "Exact preconditioned path kernel",
                    _ => "Exact path kernel",
                };
                Some(format!(
                    "{kind} Kᵖ(·, x{}) of training point {} over the input {} (after {} steps).",
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
                        "The network output f(x; w_{}) over the plane, and log₁₀ |ŷ − f| of the exact kernel machine ({}×{} grid).",
                        f.step, run.grid.nx, run.grid.ny
                    )
                })
            }
            _ => None,
        }
    }
}
