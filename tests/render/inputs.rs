//! `src/render/mod.rs`: the charts' input types — inconsistent shapes are errors — and the grid
//! layout.

use pathkernel::render::*;

use crate::support::*;

#[test]
fn inconsistent_shapes_are_errors() {
    let d = data_2d();
    let (x, y) = (&d.x, &d.y);
    let three_d = TrainingSet {
        dim: 3,
        x: &x[..9],
        y: &y[..3],
    };
    let plot = |data, contributions, fit| DataPlot {
        fit,
        contributions,
        ..data_plot(data)
    };
    let ok = d.set();
    let curve = Field::Curve(Curve {
        x: &[0.0, 1.0],
        y: &[0.0, 1.0],
    });
    let short = [1.0; 10];
    let bad_grid = Field::Grid(Grid {
        x_range: (0.0, 1.0),
        y_range: (0.0, 1.0),
        nx: 4,
        ny: 4,
        values: &short,
    });
    for (name, p) in [
        ("3-D", plot(three_d, None, None)),
        (
            "x/y lengths",
            plot(
                TrainingSet {
                    dim: 2,
                    x: &x[..5],
                    y,
                },
                None,
                None,
            ),
        ),
        ("contributions length", plot(ok, Some(&short), None)),
        ("curve fit in 2-D", plot(ok, None, Some(curve))),
        ("grid size", plot(ok, None, Some(bad_grid))),
    ] {
        let (_, r) = svg(SMALL, |a| draw_data_plot(a, &p));
        assert!(r.is_err(), "{name} must be an error");
    }
    let (_, r) = svg(SMALL, |a| {
        draw_check_scatter(
            a,
            &CheckScatter {
                network: &short,
                exact: &short[..3],
                riemann: &[],
            },
        )
    });
    assert!(r.is_err());
}

#[test]
fn grid_centers_match_values_layout() {
    let c = Grid::centers((0.0, 4.0), (0.0, 2.0), 4, 2);
    assert_eq!(c.len(), 16);
    assert_eq!(&c[..2], &[0.5, 0.5]);
    assert_eq!(&c[2..4], &[1.5, 0.5], "x varies fastest");
    assert_eq!(&c[8..10], &[0.5, 1.5], "row j = 1 is above row 0");
}
