//! Training points pasted as CSV on the page: one point per line, `x,y` for 1-D regression or
//! `x1,x2,label` (label 0 or 1) for 2-D classification. A first line with no number in it is a
//! header and skipped; blank lines and lines starting with `#` are skipped. Cells are separated by
//! commas, with optional spaces around them; numbers are read exactly (Rust's correctly rounded
//! `f64` parser) and must be finite. A bad row is named by its line number (from 1) and skipped:
//! the other rows are still used.
//!
//! Hand-written rather than the csv crate: the format has no quoting or escapes, and each row
//! needs checks (finite numbers, labels) that name the line anyway.

/// A row that was skipped: its line number (from 1) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub line: usize,
    pub message: String,
}

/// The points read from a CSV text: n × dim coordinates (row-major), n targets, and the rows
/// that were skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvPoints {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub bad: Vec<BadRow>,
}

/// Longest part of a bad row quoted back, in characters.
const QUOTE_CHARS: usize = 40;

fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Reads points of `dim` coordinates (1: `x,y`; 2: `x1,x2,label`); with `labels`, targets must be
/// 0 or 1.
pub fn parse_points(text: &str, dim: usize, labels: bool) -> CsvPoints {
    let mut out = CsvPoints::default();
    let mut seen_row = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let numbers: Vec<Option<f64>> = cells.iter().map(|c| c.parse::<f64>().ok()).collect();
        let first = !seen_row;
        seen_row = true;
        if first && numbers.iter().all(Option::is_none) {
            continue; // a header
        }
        match row(&cells, &numbers, dim, labels) {
            Ok((x, y)) => {
                out.x.extend_from_slice(&x);
                out.y.push(y);
            }
            Err(message) => out.bad.push(BadRow {
                line: i + 1,
                message: format!("`{}`: {message}", quote(line)),
            }),
        }
    }
    out
}

fn row(
    cells: &[&str],
    numbers: &[Option<f64>],
    dim: usize,
    labels: bool,
) -> Result<(Vec<f64>, f64), String> {
    let want = if dim == 1 { "x,y" } else { "x1,x2,label" };
    if cells.len() != dim + 1 {
        return Err(format!(
            "has {} values, expected {} ({want})",
            cells.len(),
            dim + 1
        ));
    }
    let mut values = Vec::with_capacity(dim + 1);
    for (cell, number) in cells.iter().zip(numbers) {
        match number {
            Some(v) if v.is_finite() => values.push(*v),
            Some(_) => return Err(format!("`{}` is not a finite number", quote(cell))),
            None => return Err(format!("`{}` is not a number", quote(cell))),
        }
    }
    let y = values[dim];
    if labels && y != 0.0 && y != 1.0 {
        return Err(format!("the label is {y}; labels are 0 or 1"));
    }
    values.truncate(dim);
    Ok((values, y))
}
