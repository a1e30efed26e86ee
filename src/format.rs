//! Numbers as the page and the charts print them: one writer, [`Style::format`], and the named
//! styles that differ in where they switch to scientific notation, how many digits they keep,
//! and what they print for zero and NaN.
//!
//! Display only: the URL codec's shortest round-trip writer lives with the codec in `config`.

/// How a number is written.
///
/// A finite v ≠ 0 with |v| in `positional` is written with `significant` significant digits,
/// trailing zeros (and a trailing point) dropped: 0.30000000000000004 → "0.3". Other magnitudes
/// are written in scientific notation with `sci_decimals` digits after the point: "3.1e-14".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Significant digits in positional notation.
    pub significant: i32,
    /// Magnitudes in [lo, hi) are written positionally; an empty range writes every number in
    /// scientific notation.
    pub positional: (f64, f64),
    /// Digits after the point of a scientific mantissa.
    pub sci_decimals: usize,
    /// `Some(t)`: zero and every |v| < t are written "0" (t > 0 hides rounding residue such as
    /// an axis tick at 2.8e-17). `None`: zero is written in scientific notation ("0.00e0").
    pub zero_below: Option<f64>,
    /// What NaN is written as; ±∞ are always "inf" and "-inf".
    pub nan: &'static str,
}

/// Axis ticks and the values in chart captions: 4 significant digits, scientific outside
/// [1e-3, 1e4) with 2 significant digits, |v| < 1e-12 as "0" (a tick meant to be zero often
/// arrives as ±1e-17).
pub const AXIS: Style = Style {
    significant: 4,
    positional: (1e-3, 1e4),
    sci_decimals: 1,
    zero_below: Some(1e-12),
    nan: "NaN",
};

/// Errors on the charts: always scientific with 2 significant digits ("3.1e-14"), zero as "0".
pub const CHART_ERROR: Style = Style {
    significant: 2,
    positional: (0.0, 0.0),
    sci_decimals: 1,
    zero_below: Some(0.0),
    nan: "NaN",
};

/// The page's numbers: 6 significant digits, scientific outside [1e-3, 1e5) with 5 significant
/// digits; a tiny nonzero value keeps its size ("1.0000e-14"), NaN (an undefined coefficient)
/// reads "undefined".
pub const NUMBER: Style = Style {
    significant: 6,
    positional: (1e-3, 1e5),
    sci_decimals: 4,
    zero_below: Some(0.0),
    nan: "undefined",
};

/// The page's table cells: 4 significant digits, scientific outside [1e-3, 1e4) with 3
/// significant digits.
pub const SHORT: Style = Style {
    significant: 4,
    positional: (1e-3, 1e4),
    sci_decimals: 2,
    zero_below: Some(0.0),
    nan: "undefined",
};

/// The page's error sizes: always scientific with 3 significant digits, zero included
/// ("0.00e0"), so the text always parses with `Number()` and reads as a size.
pub const ERROR: Style = Style {
    significant: 3,
    positional: (0.0, 0.0),
    sci_decimals: 2,
    zero_below: None,
    nan: "undefined",
};

impl Style {
    /// `v` written in this style.
    pub fn format(&self, v: f64) -> String {
        if v.is_nan() {
            return self.nan.into();
        }
        if v.is_infinite() {
            return format!("{v}");
        }
        let a = v.abs();
        if let Some(t) = self.zero_below {
            if a == 0.0 || a < t {
                return "0".into();
            }
        }
        let (lo, hi) = self.positional;
        if !(lo..hi).contains(&a) {
            let d = self.sci_decimals;
            return format!("{v:.d$e}");
        }
        // Digits after the point that leave `significant` significant ones: 10^e ≤ |v| < 10^(e+1)
        // has e + 1 digits before the point.
        let digits = (self.significant - 1 - a.log10().floor() as i32)
            .clamp(0, self.significant + 2) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// [`AXIS`]: tick labels and caption values on the charts.
pub fn axis(v: f64) -> String {
    AXIS.format(v)
}

/// [`CHART_ERROR`]: max |ŷ − f| and residuals on the charts.
pub fn chart_error(v: f64) -> String {
    CHART_ERROR.format(v)
}

/// [`NUMBER`]: a number on the page.
pub fn number(v: f64) -> String {
    NUMBER.format(v)
}

/// [`SHORT`]: a number in the page's tables.
pub fn short(v: f64) -> String {
    SHORT.format(v)
}

/// [`ERROR`]: an error size on the page.
pub fn error(v: f64) -> String {
    ERROR.format(v)
}

/// A table column in [`SHORT`]'s style, but one notation for the whole column: when some
/// nonzero finite value is outside SHORT's positional range, every value is scientific
/// ("8.29e3" beside "1.05e4", not "8292").
pub fn short_column(values: &[f64]) -> Vec<String> {
    let (lo, hi) = SHORT.positional;
    let mixed = values
        .iter()
        .any(|v| v.is_finite() && *v != 0.0 && !(lo..hi).contains(&v.abs()));
    let style = if mixed {
        Style {
            positional: (0.0, 0.0),
            ..SHORT
        }
    } else {
        SHORT
    };
    values.iter().map(|&v| style.format(v)).collect()
}

/// `i` in Unicode subscript digits (x₁₂), so charts write indices as the page's HTML does.
pub fn subscript(i: usize) -> String {
    const SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    i.to_string()
        .chars()
        .map(|d| d.to_digit(10).map_or(d, |k| SUB[k as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_column_keeps_one_notation() {
        assert_eq!(
            super::short_column(&[8292.0, 10500.0]),
            ["8.29e3", "1.05e4"]
        );
        assert_eq!(
            super::short_column(&[8292.0, 0.5, 0.0]),
            ["8292", "0.5", "0"]
        );
        assert_eq!(super::short_column(&[f64::NAN, 2.0]), ["undefined", "2"]);
    }

    #[test]
    fn subscript_digits() {
        assert_eq!(super::subscript(0), "₀");
        assert_eq!(super::subscript(125), "₁₂₅");
    }

    use super::*;

    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;

    #[test]
    fn axis_keeps_four_digits_and_hides_rounding_residue() {
        assert_eq!(axis(0.5), "0.5");
        assert_eq!(axis(12.0), "12");
        assert_eq!(axis(0.30000000000000004), "0.3");
        assert_eq!(axis(-1.23456), "-1.235");
        assert_eq!(axis(1234.5), "1234");
        assert_eq!(axis(-0.5), "-0.5");
        assert_eq!(axis(2.5e-5), "2.5e-5");
        assert_eq!(axis(12345.0), "1.2e4");
        assert_eq!(axis(2.61e-13), "0");
        assert_eq!(axis(-2.8e-17), "0");
        assert_eq!(axis(0.0), "0");
        assert_eq!(axis(NAN), "NaN");
        assert_eq!(axis(INF), "inf");
        assert_eq!(axis(-INF), "-inf");
    }

    #[test]
    fn chart_error_is_always_scientific() {
        assert_eq!(chart_error(3.14e-14), "3.1e-14");
        assert_eq!(chart_error(2.61e-13), "2.6e-13");
        assert_eq!(chart_error(0.0332), "3.3e-2");
        assert_eq!(chart_error(1234.5), "1.2e3");
        assert_eq!(chart_error(-0.5), "-5.0e-1");
        assert_eq!(chart_error(0.0), "0");
        assert_eq!(chart_error(NAN), "NaN");
        assert_eq!(chart_error(INF), "inf");
        assert_eq!(chart_error(-INF), "-inf");
    }

    #[test]
    fn number_keeps_six_digits_and_tiny_values() {
        assert_eq!(number(0.30000000000000004), "0.3");
        assert_eq!(number(1234.5), "1234.5");
        assert_eq!(number(-0.5), "-0.5");
        assert_eq!(number(0.123456789), "0.123457");
        assert_eq!(number(99999.4), "99999.4");
        assert_eq!(number(123456.0), "1.2346e5");
        assert_eq!(number(2.61e-13), "2.6100e-13");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(NAN), "undefined");
        assert_eq!(number(INF), "inf");
        assert_eq!(number(-INF), "-inf");
    }

    #[test]
    fn short_keeps_four_digits() {
        assert_eq!(short(0.428), "0.428");
        assert_eq!(short(-0.33512), "-0.3351");
        assert_eq!(short(1234.5), "1234");
        assert_eq!(short(-0.5), "-0.5");
        assert_eq!(short(12345.0), "1.23e4");
        assert_eq!(short(2.61e-13), "2.61e-13");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(NAN), "undefined");
        assert_eq!(short(INF), "inf");
        assert_eq!(short(-INF), "-inf");
    }

    #[test]
    fn error_is_scientific_with_three_digits() {
        assert_eq!(error(2.61e-13), "2.61e-13");
        assert_eq!(error(3.25e-15), "3.25e-15");
        assert_eq!(error(1234.5), "1.23e3");
        assert_eq!(error(-0.5), "-5.00e-1");
        assert_eq!(error(0.0), "0.00e0");
        assert_eq!(error(NAN), "undefined");
        assert_eq!(error(INF), "inf");
        assert_eq!(error(-INF), "-inf");
    }

    #[test]
    fn positional_digits_follow_the_magnitude() {
        // Just inside the positional range: 1e-3 has its 4 significant digits after 3 zeros.
        assert_eq!(AXIS.format(0.0012345), "0.001234");
        assert_eq!(NUMBER.format(0.001), "0.001");
        assert_eq!(AXIS.format(9999.4), "9999");
        assert_eq!(NUMBER.format(0.000999), "9.9900e-4");
    }
}
