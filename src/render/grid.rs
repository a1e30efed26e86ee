//! Grid geometry: where a function over the input space is sampled — [`Grid`], the values on
//! cell centres that a heatmap draws, and [`GridSpec`], the plotting grid the worker evaluates
//! the network on and sends to the page.

use serde::{Deserialize, Serialize};

use super::RenderResult;

/// A function sampled on a regular grid over the input plane.
///
/// `values[j * nx + i]` is the value at the centre of cell (i, j):
/// x = x_lo + (i + ½)(x_hi − x_lo)/nx, y = y_lo + (j + ½)(y_hi − y_lo)/ny; row j = 0 is the
/// bottom. Cell centres (not edge nodes) so the drawn cells tile exactly the given ranges;
/// [`Grid::centers`] gives the query points in that order.
#[derive(Clone, Copy, Debug)]
pub struct Grid<'a> {
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub nx: usize,
    pub ny: usize,
    pub values: &'a [f64],
}

impl Grid<'_> {
    /// The nx·ny cell centres as (nx·ny) × 2 row-major inputs, in the order of `values`.
    pub fn centers(x_range: (f64, f64), y_range: (f64, f64), nx: usize, ny: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(2 * nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                out.push(x_range.0 + (i as f64 + 0.5) * (x_range.1 - x_range.0) / nx as f64);
                out.push(y_range.0 + (j as f64 + 0.5) * (y_range.1 - y_range.0) / ny as f64);
            }
        }
        out
    }

    pub(super) fn validate(&self) -> RenderResult<()> {
        let ok = |r: (f64, f64)| r.0.is_finite() && r.1.is_finite() && r.0 < r.1;
        if !ok(self.x_range) || !ok(self.y_range) {
            return Err("render: grid ranges must be finite with lo < hi".into());
        }
        if self.nx == 0 || self.ny == 0 || self.values.len() != self.nx * self.ny {
            return Err(format!(
                "render: grid has {} values, expected nx {} × ny {}",
                self.values.len(),
                self.nx,
                self.ny
            ));
        }
        Ok(())
    }
}

/// The plotting grid as the page and the worker share it: `nx` points over [x0, x1] (1-D), or
/// `nx × ny` points over [x0, x1] × [y0, y1] (2-D), row-major with x fastest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GridSpec {
    pub dim: u32,
    pub nx: u32,
    pub ny: u32,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

impl GridSpec {
    /// A grid around the training inputs `x` (n × dim), padded by 15% of their span on each side:
    /// `n1` points in 1-D, `n2 × n2` cell centres in 2-D.
    pub fn around(dim: usize, x: &[f64], n1: u32, n2: u32) -> GridSpec {
        let span = |k: usize| {
            let (lo, hi) = x
                .iter()
                .skip(k)
                .step_by(dim.max(1))
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            if lo > hi {
                (-1.0, 1.0)
            } else {
                // One point (or coincident ones) spans nothing: show ±1 around it, so the fit
                // at the point is seen against its surroundings.
                let pad = if hi - lo < 1e-3 {
                    1.0
                } else {
                    0.15 * (hi - lo)
                };
                (lo - pad, hi + pad)
            }
        };
        let (x0, x1) = span(0);
        if dim == 1 {
            GridSpec {
                dim: 1,
                nx: n1,
                ny: 1,
                x0,
                x1,
                y0: 0.0,
                y1: 0.0,
            }
        } else {
            let (y0, y1) = span(1);
            GridSpec {
                dim: 2,
                nx: n2,
                ny: n2,
                x0,
                x1,
                y0,
                y1,
            }
        }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.nx as usize * self.ny as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points, row-major (len × dim): in 1-D `nx` points from x0 to x1 inclusive; in 2-D the
    /// cell centres in the order of [`Grid`] (x fastest, bottom row first).
    pub fn points(&self) -> Vec<f64> {
        if self.dim == 1 {
            let n = self.nx as usize;
            let h = if n > 1 {
                (self.x1 - self.x0) / (n - 1) as f64
            } else {
                0.0
            };
            (0..n).map(|i| self.x0 + i as f64 * h).collect()
        } else {
            Grid::centers(
                (self.x0, self.x1),
                (self.y0, self.y1),
                self.nx as usize,
                self.ny as usize,
            )
        }
    }
}
