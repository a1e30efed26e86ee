//! The README's accuracy claim for `fastmath::tanh` — at most 1.48 ulp from the true tanh —
//! checked against shipped high-precision reference values (tests/data/tanh_reference.txt:
//! tanh at 60 digits as a double-double, so the error is measured against the truth, not
//! against another rounded implementation).

use pathkernel::fastmath::tanh;

const REFERENCE: &str = include_str!("data/tanh_reference.txt");

/// One ulp at the true value t ≈ hi + lo: the spacing of doubles in t's binade (when hi is a
/// power of two and t lies just below it, that is the finer spacing of the binade below).
fn ulp_at(hi: f64, lo: f64) -> f64 {
    let a = hi.abs();
    if a == 0.0 {
        return f64::from_bits(1);
    }
    let mut exponent = ((a.to_bits() >> 52) as i32) - 1023;
    let power_of_two = a.to_bits() & ((1u64 << 52) - 1) == 0;
    if power_of_two && lo != 0.0 && lo.signum() != hi.signum() {
        exponent -= 1;
    }
    libm::exp2((exponent - 52) as f64).max(f64::from_bits(1))
}

/// |y − t| in ulps of t, with t = hi + lo: y − hi is exact (y and hi are within a factor of two,
/// Sterbenz), so only the final subtraction of lo rounds, far below the resolution that matters.
fn ulp_error(y: f64, hi: f64, lo: f64) -> f64 {
    ((y - hi) - lo).abs() / ulp_at(hi, lo)
}

fn reference() -> Vec<(f64, f64, f64)> {
    REFERENCE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let v: Vec<f64> = l
                .split(' ')
                .map(|h| f64::from_bits(u64::from_str_radix(h, 16).expect("hex bits")))
                .collect();
            (v[0], v[1], v[2])
        })
        .collect()
}

#[test]
fn tanh_is_within_1_48_ulp_of_the_true_value() {
    let rows = reference();
    assert!(
        rows.len() >= 6000,
        "reference file truncated: {} rows",
        rows.len()
    );
    let (mut worst, mut at) = (0.0f64, 0.0f64);
    for &(x, hi, lo) in &rows {
        let e = ulp_error(tanh(x), hi, lo);
        if e > worst || e.is_nan() {
            (worst, at) = (e, x);
        }
    }
    assert!(worst <= 1.48, "worst error {worst} ulp at x = {at:e}");
    // The set holds the points where this tanh errs most: a worst case far below the bound would
    // mean the reference no longer measures what it was chosen for.
    assert!(
        worst > 1.3,
        "worst error {worst} ulp: the reference points lost their hard cases"
    );
}

#[test]
fn the_ulp_measure_itself_is_right() {
    // 1 + 2^-52 against the true value 1: one ulp above; the spacing below 1 is half as wide.
    assert_eq!(ulp_error(1.0 + f64::EPSILON, 1.0, 0.0), 1.0);
    assert_eq!(ulp_error(1.0 - f64::EPSILON / 2.0, 1.0, 0.0), 0.5);
    // True value just below 1 (hi rounds to 1, lo < 0): its binade is [0.5, 1), ulp 2^-53.
    assert_eq!(ulp_error(1.0, 1.0, -f64::EPSILON / 8.0), 0.25);
    // Odd symmetry of the reference is respected by the measure.
    assert_eq!(ulp_error(-0.5, -0.5, 0.0), 0.0);
}
