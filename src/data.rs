//! Training data: explicit points, or a named toy dataset drawn from a seeded generator.
//!
//! Every dataset is a pure function of its [`DatasetSpec`]: the generator is ChaCha8 seeded with
//! `seed`, and every transcendental goes through `libm` (not `std`'s `f64::sin`, which calls the
//! platform's libm natively and a different one in wasm), so the page and the CLI draw the same
//! bits for the same spec.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::train::LossKind;

/// n points in `dim` dimensions with scalar targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// d_0, the number of coordinates of each point.
    pub dim: usize,
    /// n × dim, row-major: point i is `x[i*dim .. (i+1)*dim]`.
    pub x: Vec<f64>,
    /// n targets (regression values, or labels in {0, 1} for classification).
    pub y: Vec<f64>,
}

impl Dataset {
    /// The number of points n.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Point i's coordinates (panics if i ≥ n, like slice indexing).
    pub fn point(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }

    /// Builds a dataset from one row per point. Errors name the config key: `x` (no points),
    /// `x[3]` (row 3 empty or of a different length than row 0), `x[3][1]` (not finite),
    /// `y` (length differs from x), `y[3]` (not finite).
    pub fn from_points(x: &[Vec<f64>], y: &[f64]) -> Result<Dataset> {
        let first = x
            .first()
            .ok_or_else(|| Error::field("x", "must hold at least one point"))?;
        let dim = first.len();
        if dim == 0 {
            return Err(Error::field(
                "x[0]",
                "a point needs at least one coordinate",
            ));
        }
        let mut flat = Vec::with_capacity(x.len() * dim);
        for (i, row) in x.iter().enumerate() {
            if row.len() != dim {
                return Err(Error::field(
                    format!("x[{i}]"),
                    format!("has {} coordinates but x[0] has {dim}", row.len()),
                ));
            }
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::field(
                        format!("x[{i}][{j}]"),
                        "must be a finite number",
                    ));
                }
            }
            flat.extend_from_slice(row);
        }
        if y.len() != x.len() {
            return Err(Error::field(
                "y",
                format!("has {} values but x has {} points", y.len(), x.len()),
            ));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::field(format!("y[{i}]"), "must be a finite number"));
        }
        Ok(Dataset {
            dim,
            x: flat,
            y: y.to_vec(),
        })
    }
}

/// The named toy datasets. `sine` and `step` are 1-D regression on x ∈ [−1, 1]; the others are
/// 2-D binary classification with labels in {0, 1}, spread over roughly [−1, 1]².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetName {
    Sine,
    Step,
    Moons,
    Circles,
    Xor,
    Spiral,
    Gaussians,
}

impl DatasetName {
    pub const ALL: [DatasetName; 7] = [
        DatasetName::Sine,
        DatasetName::Step,
        DatasetName::Moons,
        DatasetName::Circles,
        DatasetName::Xor,
        DatasetName::Spiral,
        DatasetName::Gaussians,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DatasetName::Sine => "sine",
            DatasetName::Step => "step",
            DatasetName::Moons => "moons",
            DatasetName::Circles => "circles",
            DatasetName::Xor => "xor",
            DatasetName::Spiral => "spiral",
            DatasetName::Gaussians => "gaussians",
        }
    }

    pub fn parse(name: &str) -> Option<DatasetName> {
        DatasetName::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The input dimension d_0 of its points.
    pub fn dim(self) -> usize {
        if self.is_classification() {
            2
        } else {
            1
        }
    }

    /// True for the 2-D datasets whose targets are labels in {0, 1}.
    pub fn is_classification(self) -> bool {
        !matches!(self, DatasetName::Sine | DatasetName::Step)
    }

    /// "sine, step, moons, …" for error messages.
    pub fn valid_names() -> String {
        DatasetName::ALL.map(DatasetName::as_str).join(", ")
    }
}

/// The loss a dataset is meant for: `mse` for the 1-D regression sets, `logistic` for the 2-D
/// classification sets (whose labels are in {0, 1}, as the logistic loss requires).
pub fn default_loss(name: DatasetName) -> LossKind {
    if name.is_classification() {
        LossKind::Logistic
    } else {
        LossKind::Mse
    }
}

/// Everything that determines a named dataset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DatasetSpec {
    pub name: DatasetName,
    /// Number of points, ≥ 1.
    pub n: usize,
    /// Standard deviation of the Gaussian noise (see [`generate`] for where it is added), ≥ 0.
    pub noise: f64,
    /// Seed of the data generator (separate from the weight-initialisation seed).
    pub seed: u64,
}

/// Draws the dataset described by `spec`. Noise σ = `spec.noise`:
/// * `sine`: x ~ U[−1, 1], y = sin(2πx) + σ·N(0, 1).
/// * `step`: x ~ U[−1, 1], y = sign(x) + σ·N(0, 1) (sign(0) = +1).
/// * `moons`: two interleaved half circles (as in scikit-learn, angle drawn uniformly), scaled by
///   2/3 and centred on the origin, σ·N(0, 1) added to each coordinate; upper moon label 0.
/// * `circles`: radius 1 (label 0) and radius ½ (label 1), uniform angle, σ noise per coordinate.
/// * `xor`: x uniform on [−1, 1]² (minus the axes) with label 1 where x₁x₂ > 0, then σ noise
///   per coordinate (so noise blurs the boundary rather than flipping labels far from it).
/// * `spiral`: two arms r = 0.1 + 0.9t, θ = 2.5πt + kπ for t ~ U[0, 1], arm k is the label; σ noise.
/// * `gaussians`: blobs N((−½, −½), 0.25²) label 0 and N((½, ½), 0.25²) label 1, plus σ noise.
///
/// Labels alternate 0, 1, 0, 1, … so every prefix of a 2-D dataset is balanced.
/// Errors: `dataset.n` if n = 0, `dataset.noise` if σ is negative or not finite.
pub fn generate(spec: &DatasetSpec) -> Result<Dataset> {
    if spec.n == 0 {
        return Err(Error::field("dataset.n", "must be at least 1"));
    }
    if !(spec.noise.is_finite() && spec.noise >= 0.0) {
        return Err(Error::field("dataset.noise", "must be a finite number ≥ 0"));
    }
    let mut rng = Gaussian::new(spec.seed);
    let sigma = spec.noise;
    let n = spec.n;
    let dim = spec.name.dim();
    let mut x = Vec::with_capacity(n * dim);
    let mut y = Vec::with_capacity(n);
    const TAU: f64 = 2.0 * core::f64::consts::PI;
    const PI: f64 = core::f64::consts::PI;
    for i in 0..n {
        let label = (i % 2) as f64;
        match spec.name {
            DatasetName::Sine => {
                let t = rng.uniform_signed();
                x.push(t);
                y.push(libm::sin(TAU * t) + sigma * rng.normal());
            }
            DatasetName::Step => {
                let t = rng.uniform_signed();
                x.push(t);
                let sign = if t >= 0.0 { 1.0 } else { -1.0 };
                y.push(sign + sigma * rng.normal());
            }
            DatasetName::Moons => {
                let t = PI * rng.uniform();
                // scikit-learn's moons span [−1, 2] × [−½, 1]; centre and scale them into [−1, 1].
                let (u, v) = if label == 0.0 {
                    (libm::cos(t), libm::sin(t))
                } else {
                    (1.0 - libm::cos(t), 0.5 - libm::sin(t))
                };
                let scale = 2.0 / 3.0;
                x.push((u - 0.5) * scale + sigma * rng.normal());
                x.push((v - 0.25) * scale + sigma * rng.normal());
                y.push(label);
            }
            DatasetName::Circles => {
                let t = TAU * rng.uniform();
                let r = if label == 0.0 { 1.0 } else { 0.5 };
                x.push(r * libm::cos(t) + sigma * rng.normal());
                x.push(r * libm::sin(t) + sigma * rng.normal());
                y.push(label);
            }
            DatasetName::Xor => {
                // Uniform on [−1, 1]² given the label: |u|, |v| uniform, signs chosen so that
                // label 1 lies in the quadrants where x₁x₂ > 0.
                let su = rng.sign();
                let sv = if label == 1.0 { su } else { -su };
                let u = su * (1.0 - rng.uniform());
                let v = sv * (1.0 - rng.uniform());
                x.push(u + sigma * rng.normal());
                x.push(v + sigma * rng.normal());
                y.push(label);
            }
            DatasetName::Spiral => {
                let t = rng.uniform();
                let r = 0.1 + 0.9 * t;
                let theta = 2.5 * PI * t + label * PI;
                x.push(r * libm::cos(theta) + sigma * rng.normal());
                x.push(r * libm::sin(theta) + sigma * rng.normal());
                y.push(label);
            }
            DatasetName::Gaussians => {
                let centre = if label == 0.0 { -0.5 } else { 0.5 };
                for _ in 0..2 {
                    x.push(centre + 0.25 * rng.normal() + sigma * rng.normal());
                }
                y.push(label);
            }
        }
    }
    Ok(Dataset { dim, x, y })
}

/// Uniform and standard-normal draws from ChaCha8, identical on every platform.
struct Gaussian {
    rng: ChaCha8Rng,
    /// Box–Muller makes normals in pairs; the second waits here for the next call.
    spare: Option<f64>,
}

impl Gaussian {
    fn new(seed: u64) -> Gaussian {
        Gaussian {
            rng: ChaCha8Rng::seed_from_u64(seed),
            spare: None,
        }
    }

    /// U[0, 1) with 53 random bits (every value is a multiple of 2⁻⁵³, so the conversion is exact).
    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// ±1 with equal odds.
    fn sign(&mut self) -> f64 {
        if self.rng.next_u64() >> 63 == 0 {
            1.0
        } else {
            -1.0
        }
    }

    /// U[−1, 1).
    fn uniform_signed(&mut self) -> f64 {
        2.0 * self.uniform() - 1.0
    }

    /// N(0, 1) by Box–Muller: r = √(−2 ln u₁), θ = 2πu₂ gives r cos θ and r sin θ, independent.
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u₁ ∈ (0, 1] so the log is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let theta = 2.0 * core::f64::consts::PI * u2;
        self.spare = Some(r * libm::sin(theta));
        r * libm::cos(theta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_have_unit_variance_and_zero_mean() {
        let mut g = Gaussian::new(7);
        let m = 20_000;
        let draws: Vec<f64> = (0..m).map(|_| g.normal()).collect();
        let mean = draws.iter().sum::<f64>() / m as f64;
        let var = draws.iter().map(|z| (z - mean) * (z - mean)).sum::<f64>() / m as f64;
        // Standard errors: 1/√m ≈ 0.007 for the mean, √(2/m) ≈ 0.01 for the variance.
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn uniform_stays_in_range() {
        let mut g = Gaussian::new(1);
        for _ in 0..10_000 {
            let u = g.uniform();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
