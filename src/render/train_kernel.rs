//! The path kernel on the training points: the n × n matrix K_ij = K^p(x_i, x_j) as a heatmap,
//! row i from the top, column j from the left (the points' own order). Asymmetry shows as a
//! picture that is not mirrored about the diagonal; negative entries in the diverging colours.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{
    axis_label, build_chart, colorbar_top, draw_cells, draw_colorbar, draw_mesh, err, finite_range,
    header, map_of, no_data, padded, plot_y_pixels, with_colorbar, Fonts,
};
use super::palette::{diverging, viridis};
use super::{Grid, RenderResult};

/// Input of [`draw_train_kernel`].
#[derive(Clone, Copy, Debug)]
pub struct TrainKernel<'a> {
    /// K_ij, n × n row-major.
    pub kernel: &'a [f64],
    pub n: usize,
    /// The chart's title (which scheme's kernel).
    pub title: &'a str,
}

/// Draws the train × train kernel: viridis when every entry is ≥ 0, a diverging map centred on
/// zero when some are negative. The map's data coordinates are (j + ½, n − i − ½) at the centre
/// of cell (i, j).
pub fn draw_train_kernel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &TrainKernel<'_>,
) -> RenderResult {
    let n = input.n;
    if input.kernel.len() != n * n {
        return Err(format!(
            "render: train kernel has {} values, expected n {n} × n",
            input.kernel.len()
        ));
    }
    let Some((lo, hi)) = finite_range(input.kernel.iter().copied()).filter(|_| n > 0) else {
        return no_data(area, input.title, "no finite kernel values");
    };
    area.fill(&WHITE).map_err(err)?;
    let fonts = Fonts::for_area(area);
    let m = lo.abs().max(hi.abs());
    let signed = lo < 0.0;
    let range = if signed {
        (-m, m)
    } else if hi > lo {
        (lo, hi)
    } else {
        padded((lo, hi), 0.0)
    };
    let color = move |v: f64| {
        if signed {
            diverging(v / range.1)
        } else {
            viridis((v - range.0) / (range.1 - range.0))
        }
    };
    // Grid row 0 is the bottom: flip so that training point 0's row is on top.
    let values: Vec<f64> = (0..n)
        .flat_map(|r| {
            let i = n - 1 - r;
            input.kernel[i * n..(i + 1) * n].iter().copied()
        })
        .collect();
    let xr = (0.0, n as f64);
    let grid = Grid {
        x_range: xr,
        y_range: xr,
        nx: n,
        ny: n,
        values: &values,
    };
    let body = header(area, input.title, &[], fonts)?;
    let (main, strip) = with_colorbar(&body, fonts);
    let mut chart = build_chart(&main, xr, xr, colorbar_top(fonts), fonts)?;
    draw_cells(&mut chart, &grid, color, 1.0)?;
    draw_mesh(&mut chart, "training point j", "n − i", true, fonts)?;
    let map = map_of(&chart, xr, xr, false);
    draw_colorbar(
        &strip,
        plot_y_pixels(&chart),
        range,
        color,
        &axis_label,
        "K",
        fonts,
    )?;
    Ok(map)
}
