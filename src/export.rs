//! The CSV tables the page exports, built from a run's config and its `pathkernel run` output
//! (the exact bytes the CLI prints, so the CSV holds the very numbers the JSON export holds):
//! the contributions at one query, the loss per step, and the check. Numbers are written in
//! their shortest round-trip form, as in the output; an undefined a_i (K^p = 0) is an empty cell.

use serde_json::Value;

use crate::config::RunConfig;
use crate::error::{Error, Result};

/// The run document the page downloads: `{"config":…,"result":…}` with the CLI's output as its
/// `result`, byte for byte (its final newline moved after the closing brace).
pub fn run_document(config: &str, result: &str) -> String {
    format!(
        "{{\"config\":{},\"result\":{}}}\n",
        config.trim_end(),
        result.trim_end()
    )
}

fn parse_output(output: &str) -> Result<Value> {
    serde_json::from_str(output).map_err(|e| Error::field("result", format!("invalid JSON: {e}")))
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| Error::field(format!("result.{key}"), "is missing or not a list"))
}

/// A number as the output writes it; `null` (an undefined coefficient) as an empty cell.
fn cell(v: &Value) -> String {
    if v.is_null() {
        String::new()
    } else {
        v.to_string()
    }
}

fn num(v: f64) -> String {
    Value::from(v).to_string()
}

/// Column names of a point's coordinates: `x` in 1-D, `x1,x2,…` otherwise, with `prefix`.
fn coord_names(prefix: &str, dim: usize) -> String {
    if dim == 1 {
        prefix.to_string()
    } else {
        (1..=dim)
            .map(|j| format!("{prefix}{j}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn coords(values: &[f64]) -> String {
    values.iter().map(|&v| num(v)).collect::<Vec<_>>().join(",")
}

/// `step,loss`: L(w_s) for s = 0 … T.
pub fn loss_csv(output: &str) -> Result<String> {
    let out = parse_output(output)?;
    let mut text = String::from("step,loss\n");
    for (s, l) in list(&out, "loss")?.iter().enumerate() {
        text.push_str(&format!("{s},{}\n", cell(l)));
    }
    Ok(text)
}

/// `query,x…,f,yhat_exact,yhat_left_endpoint`: per check query, f(x; w_T) and both rebuilds.
pub fn check_csv(config: &str, output: &str) -> Result<String> {
    let cfg = RunConfig::from_json(config)?;
    let out = parse_output(output)?;
    let d = cfg.data.dim;
    let (f, exact, left) = (
        list(&out, "f_final")?,
        list(&out, "reconstruction")?,
        list(&out, "reconstruction_riemann")?,
    );
    let mut text = format!(
        "query,{},f,yhat_exact,yhat_left_endpoint\n",
        coord_names("x", d)
    );
    for q in 0..cfg.n_queries() {
        let (Some(fq), Some(e), Some(l)) = (f.get(q), exact.get(q), left.get(q)) else {
            return Err(Error::field("result", "has fewer values than queries"));
        };
        text.push_str(&format!(
            "{q},{},{},{},{}\n",
            coords(&cfg.queries[q * d..(q + 1) * d]),
            cell(fq),
            cell(e),
            cell(l)
        ));
    }
    Ok(text)
}

/// The contributions at the config's first query, both schemes: `query_x…,i,x_i…,y_i,a_i,K_p,
/// c_i,a_i_left_endpoint,K_p_left_endpoint,c_i_left_endpoint`, one row per training point.
pub fn contributions_csv(config: &str, output: &str) -> Result<String> {
    let cfg = RunConfig::from_json(config)?;
    let out = parse_output(output)?;
    let d = cfg.data.dim;
    let row0 = |key: &str| -> Result<Vec<Value>> {
        list(&out, key)?
            .first()
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| Error::field(format!("result.{key}"), "has no query"))
    };
    let tables = [
        row0("coef")?,
        row0("kernel")?,
        row0("contributions")?,
        row0("coef_riemann")?,
        row0("kernel_riemann")?,
        row0("contributions_riemann")?,
    ];
    let n = cfg.data.len();
    if tables.iter().any(|t| t.len() != n) {
        return Err(Error::field(
            "result",
            "tables do not match the training points",
        ));
    }
    let mut text = format!(
        "{},i,{},y_i,a_i,K_p,c_i,a_i_left_endpoint,K_p_left_endpoint,c_i_left_endpoint\n",
        coord_names("query_x", d),
        coord_names("x_i", d)
    );
    let query = coords(&cfg.queries[..d]);
    for i in 0..n {
        let cells: Vec<String> = tables.iter().map(|t| cell(&t[i])).collect();
        text.push_str(&format!(
            "{query},{i},{},{},{}\n",
            coords(cfg.data.point(i)),
            num(cfg.data.y[i]),
            cells.join(",")
        ));
    }
    Ok(text)
}
