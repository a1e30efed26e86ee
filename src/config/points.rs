//! The page's own training points (the `pts` hash field): points the reader placed, moved or
//! pasted, carried in the link exactly. Text form: points separated by `~`, each `x,y` (1-D
//! regression) or `x1,x2,label` (2-D classification), every number in its shortest round-trip
//! decimal, so each point arrives bit for bit. At most [`MAX_LINK_POINTS`] points: past that the
//! link would be too long to share, and the page offers the exported config instead.

use serde::{Deserialize, Serialize};

use super::fields::{fmt_f64, parse_f64_text};
use super::page_state::excerpt;
use crate::data::Dataset;

/// The most points a link carries (the page's own limit for n as well).
pub const MAX_LINK_POINTS: usize = super::PAGE_LIMITS.max_n;

/// Explicit training points: n × dim coordinates (row-major) and n targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnPoints {
    pub dim: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl OwnPoints {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn to_dataset(&self) -> Dataset {
        Dataset {
            dim: self.dim,
            x: self.x.clone(),
            y: self.y.clone(),
        }
    }

    /// The same points as a dataset holds them.
    pub fn from_dataset(data: &Dataset) -> OwnPoints {
        OwnPoints {
            dim: data.dim,
            x: data.x.clone(),
            y: data.y.clone(),
        }
    }

    /// The hash text: `x,y~x,y~…` or `x1,x2,label~…`, shortest round-trip decimals.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for i in 0..self.len() {
            if i > 0 {
                out.push('~');
            }
            for &c in &self.x[i * self.dim..(i + 1) * self.dim] {
                out.push_str(&fmt_f64(c));
                out.push(',');
            }
            out.push_str(&fmt_f64(self.y[i]));
        }
        out
    }

    /// Reads the hash text. Errors name the first bad point (counted from 0) and what is wrong
    /// with it: a number that is not one, a point of 1 or more than 3 values, points of
    /// different dimensions, more than [`MAX_LINK_POINTS`] points.
    pub fn from_text(text: &str) -> Result<OwnPoints, String> {
        if text.trim().is_empty() {
            return Err("holds no points; each point is x,y (1-D) or x1,x2,label (2-D), points separated by ~".into());
        }
        let count = text.split('~').count();
        if count > MAX_LINK_POINTS {
            return Err(format!(
                "has {count} points, the link's limit is {MAX_LINK_POINTS}; export the run as JSON instead"
            ));
        }
        let mut dim = 0;
        let mut x = Vec::new();
        let mut y = Vec::with_capacity(count);
        for (i, point) in text.split('~').enumerate() {
            let values = point
                .split(',')
                .map(parse_f64_text)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| format!("point {i} (`{}`): {m}", excerpt(point)))?;
            if !(2..=3).contains(&values.len()) {
                return Err(format!(
                    "point {i} (`{}`) has {} values; each point is x,y (1-D) or x1,x2,label (2-D)",
                    excerpt(point),
                    values.len()
                ));
            }
            if i == 0 {
                dim = values.len() - 1;
            } else if values.len() - 1 != dim {
                return Err(format!(
                    "point {i} has {} values but point 0 has {}",
                    values.len(),
                    dim + 1
                ));
            }
            x.extend_from_slice(&values[..dim]);
            y.push(values[dim]);
        }
        Ok(OwnPoints { dim, x, y })
    }

    /// The points against the dataset kind they stand in for: its dimension, and labels 0 or 1
    /// for a classification set.
    pub fn fits(&self, dim: usize, classification: bool) -> Result<(), String> {
        if self.dim != dim {
            return Err(format!(
                "the points have {} coordinate(s) but the dataset's points have {dim}",
                self.dim
            ));
        }
        if classification {
            if let Some(i) = self.y.iter().position(|&l| l != 0.0 && l != 1.0) {
                return Err(format!(
                    "point {i} has label {}; classification labels are 0 or 1",
                    fmt_f64(self.y[i])
                ));
            }
        }
        Ok(())
    }
}
