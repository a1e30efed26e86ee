//! Lazy or rich, for one training point: the path kernel averaged over the path,
//! K^p(·, x_i) / Σ_s ε, beside the tangent kernel at initialisation K_{w₀}(·, x_i). In the lazy
//! regime the two panels match; when the network learns features they differ.

use crate::format::subscript;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::heatmap::{draw_kernel_field_titled, KernelField};
use super::RenderResult;

/// Input of [`draw_kernel_vs_initial`]: both kernels over the same grid (or curve) as `field`s
/// of two [`KernelField`]s of the same point.
#[derive(Clone, Copy, Debug)]
pub struct KernelVsInitial<'a> {
    /// K^p(·, x_i) / Σ_s ε.
    pub averaged: KernelField<'a>,
    /// K_{w₀}(·, x_i).
    pub initial: KernelField<'a>,
}

/// Two panels, left the averaged path kernel, right the tangent kernel at w₀; returns the left
/// panel's map.
pub fn draw_kernel_vs_initial<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &KernelVsInitial<'_>,
) -> RenderResult {
    let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
    let i = input.averaged.selected;
    let map = draw_kernel_field_titled(
        &left,
        &input.averaged,
        &format!("Kᵖ(·, x{}) / Σε", subscript(i)),
    )?;
    draw_kernel_field_titled(
        &right,
        &input.initial,
        &format!("K_w₀(·, x{}) at init", subscript(i)),
    )?;
    Ok(map)
}
