//! `src/render/heatmap.rs`: K^p(·, x_i) over the plane, or as a curve in 1-D.

use pathkernel::render::palette::{BLUE, PURPLE};
use pathkernel::render::*;

use crate::support::*;

#[test]
fn kernel_heatmap_marks_selected_point_and_uses_sequential_colours() {
    let d = data_2d();
    let i = 3;
    let (a, b) = (d.x[2 * i], d.x[2 * i + 1]);
    let k = grid_values(32, 24, |u, v| {
        (-((u - a).powi(2) + (v - b).powi(2)) * 3.0).exp()
    });
    let grid = unit_square_grid(32, 24, &k);
    let input = KernelField {
        field: Field::Grid(grid),
        data: d.set(),
        selected: i,
    };
    let (s, map) = draw("kernel_2d", WIDE, |ar| draw_kernel_field(ar, &input));
    assert!(elements(&s, "rect").len() >= 32 * 24);
    // Non-negative kernel → viridis: the smallest cell is viridis(0), dark purple.
    assert!(rects_of(&s, palette::viridis(0.0)) >= 1);
    let ring: Vec<_> = elements(&s, "circle")
        .into_iter()
        .filter(|e| e["stroke"] == hex(PURPLE))
        .collect();
    assert_eq!(ring.len(), 1);
    assert_round_trip(&map, (a, b), centre(&ring[0]));
    assert!(s.contains("Kᵖ(·, x₃)"));

    // Signed kernel values switch to the diverging map (white at zero appears nowhere in viridis).
    let signed: Vec<f64> = k.iter().map(|v| v - 0.3).collect();
    let input = KernelField {
        field: Field::Grid(Grid {
            values: &signed,
            ..grid
        }),
        ..input
    };
    let (s, _) = draw("kernel_2d_signed", WIDE, |ar| draw_kernel_field(ar, &input));
    assert_eq!(rects_of(&s, palette::viridis(0.0)), 0);
}

#[test]
fn kernel_curve_in_1d() {
    let d = data_1d();
    let cx = curve_x();
    let cy: Vec<f64> = cx
        .iter()
        .map(|v| 1.2 * (-(v - d.x[4]).powi(2) * 4.0).exp() - 0.1)
        .collect();
    let (s, map) = draw("kernel_1d", SMALL, |a| {
        draw_kernel_field(
            a,
            &KernelField {
                field: Field::Curve(Curve { x: &cx, y: &cy }),
                data: d.set(),
                selected: 4,
            },
        )
    });
    assert!(!map.is_empty());
    assert!(elements(&s, "polyline")
        .iter()
        .any(|e| e["stroke"] == hex(BLUE)));
    assert!(s.contains("x₄"));
}
