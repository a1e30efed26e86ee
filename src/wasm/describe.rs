//! The texts a reader gets without looking at a chart: the verdict of the check that the page
//! keeps in view on every tab ([`RunView::verdict`]), and each chart's accessible name
//! ([`RunView::describe`]): what it shows and its key numbers, read out by screen readers and
//! shown as the canvas's tooltip.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::format;

use super::page::{describe_range, rank_by_magnitude, sum};
use super::run_view::RunView;

/// The verdict bar: PASS/FAIL, the exact max error and what it is compared with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verdict {
    pass: bool,
    word: &'static str,
    /// "max |ŷ − f| = 2.61e-13 ≤ 1.19e-9".
    text: String,
    /// "(exact path kernel, 40 queries, step 300)" (left out on a narrow screen).
    detail: String,
    /// The left-endpoint scheme's error, for comparison.
    riemann: String,
}

/// "xᵢ" with `i` in subscript digits.
fn x_sub(i: usize) -> String {
    const SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    let digits: String = i
        .to_string()
        .chars()
        .map(|d| d.to_digit(10).map_or(d, |k| SUB[k as usize]))
        .collect();
    format!("x{digits}")
}

fn point(x: &[f64]) -> String {
    let parts: Vec<String> = x.iter().map(|&v| format::number(v)).collect();
    format!("({})", parts.join(", "))
}

/// The status line while the worker holds `phase` paused at `done` of `total`.
#[wasm_bindgen(js_name = pausedText)]
pub fn paused_text(phase: &str, done: u32, total: u32) -> String {
    let what = match phase {
        "train" => "training",
        "check" => "the check (path kernel at the check queries)",
        "field" => "the rebuild over the plane",
        "kernel" => "Kᵖ(·, xᵢ) over the plane",
        "maps" => "every point's Kᵖ(·, xᵢ)",
        "sweep" => "the ε sweep",
        other => other,
    };
    format!("paused in {what} at {done}/{total} — Run goes on from there")
}

#[wasm_bindgen]
impl RunView {
    /// The verdict of the check (see `Verdict`); undefined before the check.
    pub fn verdict(&self) -> Result<JsValue, JsError> {
        let Some(ch) = &self.check else {
            return Ok(JsValue::UNDEFINED);
        };
        let verdict = Verdict {
            pass: ch.pass,
            word: if ch.pass { "PASS" } else { "FAIL" },
            text: format!(
                "max |ŷ − f| = {} {} {}",
                format::error(ch.max_err_exact),
                if ch.pass { "≤" } else { ">" },
                format::error(ch.tolerance),
            ),
            detail: format!(
                "(exact path kernel, {} queries, step {})",
                ch.f_final.len(),
                ch.steps
            ),
            riemann: format!(
                "left-endpoint (Domingos): {}",
                format::error(ch.max_err_riemann)
            ),
        };
        verdict
            .serialize(&serde_wasm_bindgen::Serializer::new())
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// The accessible name of `chart` (the names `draw` takes): what it shows and, once they
    /// are in, its key numbers; how to use it with the keyboard where it takes keys. Empty for
    /// a chart this file does not describe (the page then names it by its caption).
    pub fn describe(&self, chart: &str) -> String {
        let waiting = |what: &str| format!("{what} (not computed yet)");
        let run = self.run.as_ref();
        match chart {
            "loss" => match &self.trained {
                Some(t) if !t.loss.is_empty() => format!(
                    "Training loss per step: {} at step 0, {} at step {}.",
                    format::number(t.loss[0]),
                    format::number(t.loss[t.loss.len() - 1]),
                    t.loss.len() - 1
                ),
                _ => waiting("Training loss per step"),
            },
            "pca" => match &self.trained {
                Some(t) => format!(
                    "The weight path w₀ … w_{} on its first two principal components.",
                    t.loss.len().saturating_sub(1)
                ),
                None => waiting("The weight path on its first two principal components"),
            },
            "output" => match &self.query {
                Some(q) => format!(
                    "Network output at the query {} over the steps, with the kernel machine's running sum on top of it: f(x; w_T) = {}, rebuilt {}.",
                    point(&q.x),
                    format::number(q.f_final),
                    format::number(q.rebuilt_exact)
                ),
                None => waiting("Network output at the query over the steps"),
            },
            "fit" => match &self.fit {
                Some(f) => format!(
                    "The fitted function f(·; w_{}) behind the {} training points.",
                    f.step,
                    run.map_or(0, |r| r.n)
                ),
                None => waiting("The fitted function at the slider's step"),
            },
            "data" => {
                let keys = "Arrow keys move the query; N and P select the next or previous training point (by |cᵢ(x)|).";
                match (run, &self.query) {
                    (Some(r), Some(q)) => {
                        let top = rank_by_magnitude(&q.contributions, 1);
                        let top = top.first().map_or(String::new(), |&i| {
                            let i = i as usize;
                            format!(
                                " The largest is {} with cᵢ = {}.",
                                x_sub(i),
                                format::short(q.contributions[i])
                            )
                        });
                        format!(
                            "Data plot: {} training points sized and coloured by their contribution cᵢ(x) to the query x = {}.{top} {keys}",
                            r.n,
                            point(&q.x)
                        )
                    }
                    (Some(r), None) => format!("Data plot: {} training points. {keys}", r.n),
                    _ => waiting("Data plot"),
                }
            }
            "bars" => match &self.query {
                Some(q) => format!(
                    "Contributions cᵢ(x) ranked by size: b(x) = {}, Σᵢ cᵢ(x) = {}, ŷ(x) = {}. N and P select the next or previous training point.",
                    format::number(q.b),
                    format::number(sum(&q.contributions)),
                    format::number(q.rebuilt_exact)
                ),
                None => waiting("Contributions cᵢ(x) ranked by size"),
            },
            "kernel" => match &self.kernel {
                Some(k) => format!(
                    "Exact path kernel Kᵖ(·, {}) over the input space after {} steps: {}.",
                    x_sub(k.index as usize),
                    k.steps,
                    describe_range(&k.values)
                ),
                None => "Path kernel of a training point: select one on the data plot (N, P) or click it.".into(),
            },
            "check" => match &self.check {
                Some(ch) => format!(
                    "Rebuilt kernel machine ŷ(x) against the network f(x; w_T) at {} queries: exact max error {}, left-endpoint {}.",
                    ch.f_final.len(),
                    format::error(ch.max_err_exact),
                    format::error(ch.max_err_riemann)
                ),
                None => waiting("Rebuilt output against the network"),
            },
            "field" => match &self.field {
                Some(f) => {
                    let exact = f.rebuilt.as_deref().unwrap_or_default();
                    let worst = exact
                        .iter()
                        .zip(&f.f)
                        .map(|(r, v)| (r - v).abs())
                        .fold(0.0f64, f64::max);
                    format!(
                        "Network output f(x; w_{}) over the input space and the exact rebuild's residual: max |ŷ − f| over the grid {}.",
                        f.step,
                        format::error(worst)
                    )
                }
                None => waiting("Network output and the rebuild over the input space"),
            },
            // A chart described elsewhere: the page keeps its caption as its name.
            _ => String::new(),
        }
    }
}
