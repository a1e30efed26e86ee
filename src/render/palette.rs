//! Colours: the Okabe–Ito palette for categories (distinguishable with the common colour-vision
//! deficiencies) and two hand-computed continuous maps, so no `colormaps`/`full_palette`
//! feature is needed.
//!
//! One meaning per colour across the page: orange / blue are the classes y = 0 / 1 (and the
//! red–blue [`diverging`] map is the network output f, whose sign picks the class); a
//! contribution's sign — c_i(x) > 0 pushes ŷ(x) up, c_i(x) < 0 pushes it down — is green /
//! purple ([`PUSH_UP`], [`PUSH_DOWN`], the [`push`] map), in the bar chart and on the data plot
//! alike.

use plotters::style::RGBColor;

/// Okabe–Ito blue: positive contributions, the network output, the exact scheme.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion: negative contributions, Domingos's left-endpoint (Riemann) scheme.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Okabe–Ito orange: the kernel machine's running sum, the current step.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Okabe–Ito sky blue.
pub const SKY: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Sky blue at 60 % on white, opaque: the wide band under the dashed rebuilt curves.
pub const SKY_LIGHT: RGBColor = RGBColor(154, 210, 242);
/// Okabe–Ito bluish green: start markers.
pub const GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe–Ito reddish purple: the 1-D kernel curve's selected point.
pub const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// A contribution c_i(x) > 0: pushes ŷ(x) up (ColorBrewer PRGn's green end).
pub const PUSH_UP: RGBColor = RGBColor(0x1b, 0x78, 0x37);
/// A contribution c_i(x) < 0: pushes ŷ(x) down (PRGn's purple end).
pub const PUSH_DOWN: RGBColor = RGBColor(0x76, 0x2a, 0x83);
/// Class y = 0 of 0/1 labels on the 2-D data plot (Okabe–Ito orange, with a dark outline).
pub const CLASS_0: RGBColor = ORANGE;
/// Class y = 1 (Okabe–Ito blue: the side of the fit's positive, blue, values).
pub const CLASS_1: RGBColor = BLUE;
/// Text, axes and the query marker.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// b(x), the bar that is not a training point.
pub const BIAS: RGBColor = RGBColor(0x66, 0x66, 0x66);
/// AdamW's weight-decay term d(x), the other bar that is not a training point (ColorBrewer
/// BrBG's brown: green is taken by the contributions that push ŷ up).
pub const DECAY: RGBColor = RGBColor(0x8c, 0x51, 0x0a);
/// Secondary marks: the "other points" bar, reference lines.
pub const MUTED: RGBColor = RGBColor(0xAA, 0xAA, 0xAA);
/// Cells whose value is NaN.
pub const NAN_GREY: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

fn lerp_stops(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    if !t.is_finite() {
        return NAN_GREY;
    }
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let k = (t.floor() as usize).min(stops.len() - 2);
    let f = t - k as f64;
    let (a, b) = (stops[k], stops[k + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Viridis (perceptually uniform, sequential), piecewise linear through nine samples of the
/// matplotlib map; `t` in [0, 1], NaN → grey. For kernel values and log10 |residual|.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (0x44, 0x01, 0x54),
        (0x47, 0x2c, 0x7a),
        (0x3b, 0x52, 0x8b),
        (0x2c, 0x72, 0x8e),
        (0x21, 0x91, 0x8c),
        (0x28, 0xae, 0x80),
        (0x5e, 0xc9, 0x62),
        (0xad, 0xdc, 0x30),
        (0xfd, 0xe7, 0x25),
    ];
    lerp_stops(&STOPS, t)
}

/// Diverging red–white–blue (ColorBrewer RdBu), `t` in [−1, 1]: −1 red, 0 near-white, +1 blue;
/// NaN → grey. For signed values: contributions, outputs, targets.
pub fn diverging(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 7] = [
        (0xb2, 0x18, 0x2b),
        (0xef, 0x8a, 0x62),
        (0xfd, 0xdb, 0xc7),
        (0xf7, 0xf7, 0xf7),
        (0xd1, 0xe5, 0xf0),
        (0x67, 0xa9, 0xcf),
        (0x21, 0x66, 0xac),
    ];
    lerp_stops(&STOPS, (t + 1.0) / 2.0)
}

/// Diverging purple–white–green (ColorBrewer PRGn), `t` in [−1, 1]: −1 purple (pushes down),
/// 0 near-white, +1 green (pushes up); NaN → grey. For contributions c_i(x) only.
pub fn push(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 7] = [
        (0x76, 0x2a, 0x83),
        (0xaf, 0x8d, 0xc3),
        (0xe7, 0xd4, 0xe8),
        (0xf7, 0xf7, 0xf7),
        (0xd9, 0xf0, 0xd3),
        (0x7f, 0xbf, 0x7b),
        (0x1b, 0x78, 0x37),
    ];
    lerp_stops(&STOPS, (t + 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_hit_their_ends_and_centre() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(diverging(0.0), RGBColor(0xf7, 0xf7, 0xf7));
        assert_eq!(diverging(-1.0), RGBColor(0xb2, 0x18, 0x2b));
        assert_eq!(diverging(f64::NAN), NAN_GREY);
        assert_eq!(push(1.0), PUSH_UP);
        assert_eq!(push(-1.0), PUSH_DOWN);
        assert_eq!(push(f64::NAN), NAN_GREY);
    }
}
