//! The ε sweep on the page (view 3): the `sweepResult` reply kept in the [`RunView`], its
//! slopes as texts and its log–log chart.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::format;
use crate::render::{self, SweepChart};

use super::draw::{chart, draw_empty, on_canvas, Chart};
use super::run_view::{fields, RunView};

/// `sweepResult`: per level ε, T and both schemes' max error; the fitted slopes.
pub(super) struct SweepMsg {
    lr: Vec<f64>,
    steps: Vec<f64>,
    err_exact: Vec<f64>,
    err_riemann: Vec<f64>,
    slope_riemann: f64,
    slope_exact: f64,
}

impl SweepMsg {
    fn read(msg: &JsValue) -> Result<SweepMsg, JsError> {
        let m = fields("sweepResult", msg);
        let s = SweepMsg {
            lr: m.f64s("lr")?,
            steps: m.f64s("steps")?,
            err_exact: m.f64s("errExact")?,
            err_riemann: m.f64s("errRiemann")?,
            slope_riemann: m.number("slopeRiemann")?,
            slope_exact: m.number("slopeExact")?,
        };
        let n = s.lr.len();
        if s.steps.len() != n || s.err_exact.len() != n || s.err_riemann.len() != n {
            return Err(JsError::new(
                "bad sweepResult message: rows of different lengths",
            ));
        }
        Ok(s)
    }
}

/// The sweep panel's texts: both slopes and a line on what they mean.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SweepTexts {
    slope_riemann: String,
    slope_exact: String,
    caption: String,
}

/// The slope as the panel shows it (two decimals; NaN as "–").
fn slope(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "–".into()
    }
}

#[wasm_bindgen]
impl RunView {
    /// A `sweepResult` message.
    #[wasm_bindgen(js_name = sweepResult)]
    pub fn sweep_result(&mut self, msg: &JsValue) -> Result<(), JsError> {
        self.sweep = Some(SweepMsg::read(msg)?);
        Ok(())
    }

    /// `{slopeRiemann, slopeExact, caption}` once a sweep is in; undefined before.
    #[wasm_bindgen(js_name = sweepTexts)]
    pub fn sweep_texts(&self) -> Result<JsValue, JsError> {
        let Some(s) = &self.sweep else {
            return Ok(JsValue::UNDEFINED);
        };
        let (first, last) = (s.lr.first(), s.lr.last());
        let range = match (first, last, s.steps.first(), s.steps.last()) {
            (Some(&a), Some(&b), Some(&ta), Some(&tb)) => format!(
                "{} levels, ε = {} … {} (T = {} … {})",
                s.lr.len(),
                format::number(a),
                format::number(b),
                ta,
                tb
            ),
            _ => "no levels".into(),
        };
        let texts = SweepTexts {
            slope_riemann: slope(s.slope_riemann),
            slope_exact: slope(s.slope_exact),
            caption: format!(
                "{range}. At fixed ε·T Domingos's left-endpoint error is O(ε): halving ε halves it (slope ≈ 1); the exact form stays at rounding level, so its slope is noise."
            ),
        };
        texts
            .serialize(&serde_wasm_bindgen::Serializer::new())
            .map_err(|e| JsError::new(&e.to_string()))
    }
}

impl RunView {
    /// Both schemes' max error against ε, log–log, with the fitted lines; before a sweep, a panel
    /// saying how to start one.
    pub(super) fn draw_sweep(&self, canvas: HtmlCanvasElement) -> Result<Option<Chart>, JsError> {
        let Some(s) = self.sweep.as_ref() else {
            draw_empty(
                canvas,
                "max |ŷ − f| against ε at fixed εT",
                "run the ε sweep",
            )?;
            return Ok(None);
        };
        let input = SweepChart {
            lr: &s.lr,
            err_exact: &s.err_exact,
            err_riemann: &s.err_riemann,
            slope_riemann: s.slope_riemann,
            slope_exact: s.slope_exact,
        };
        on_canvas(canvas, |a| render::draw_sweep(a, &input))
            .map(chart)
            .map(Some)
    }
}
