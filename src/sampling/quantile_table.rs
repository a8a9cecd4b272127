//! Fast quantile functions for drawing parameters: a smooth distribution's quantile function,
//! costly to compute exactly (the beta's inverts an incomplete beta function by iteration), is
//! tabulated once per design and read by cubic Hermite interpolation in the body; the tails,
//! where the function curves sharply, are computed exactly. The interpolation error is below
//! 1e-8 of the distribution's spread (its 1st to 99th percentile) for the shapes tested, far
//! inside the Monte Carlo noise of any output.

use super::distribution::Distribution;

/// Cells of the table across its body.
const CELLS: usize = 2048;
/// The body: draws of `u` in [BODY_LOW, 1 - BODY_LOW] are interpolated, the rest are exact.
const BODY_LOW: f64 = 1.0 / 64.0;

/// A distribution's quantile function, as the sampler reads it.
#[derive(Debug, Clone)]
pub enum Quantile {
    /// Cheap to compute exactly: uniform, triangular, categorical.
    Exact(Distribution),
    Table(QuantileTable),
}

/// Values and slopes of the quantile function at evenly spaced `u` across the body.
#[derive(Debug, Clone)]
pub struct QuantileTable {
    exact: Distribution,
    step: f64,
    values: Vec<f64>,
    slopes: Vec<f64>,
}

impl Quantile {
    pub fn of(distribution: &Distribution) -> Self {
        match distribution {
            Distribution::Beta { .. }
            | Distribution::Normal { .. }
            | Distribution::LogNormal { .. } => Quantile::Table(QuantileTable::new(distribution)),
            _ => Quantile::Exact(distribution.clone()),
        }
    }

    /// The value below which a share `u` of the distribution lies; `u` in (0, 1).
    #[inline]
    pub fn at(&self, u: f64) -> f64 {
        match self {
            Quantile::Exact(distribution) => distribution.quantile(u),
            Quantile::Table(table) => table.at(u),
        }
    }
}

impl QuantileTable {
    fn new(distribution: &Distribution) -> Self {
        let step = (1.0 - 2.0 * BODY_LOW) / CELLS as f64;
        let values: Vec<f64> = (0..=CELLS)
            .map(|k| distribution.quantile(BODY_LOW + step * k as f64))
            .collect();
        // The quantile function's slope is the reciprocal of the density where it lands.
        let slopes = values
            .iter()
            .map(|&value| 1.0 / density(distribution, value))
            .collect();
        QuantileTable {
            exact: distribution.clone(),
            step,
            values,
            slopes,
        }
    }

    #[inline]
    fn at(&self, u: f64) -> f64 {
        let position = (u - BODY_LOW) / self.step;
        if !(0.0..CELLS as f64).contains(&position) {
            return self.exact.quantile(u);
        }
        let cell = position as usize;
        let t = position - cell as f64;
        let (y0, y1) = (self.values[cell], self.values[cell + 1]);
        let (m0, m1) = (
            self.slopes[cell] * self.step,
            self.slopes[cell + 1] * self.step,
        );
        let (t2, t3) = (t * t, t * t * t);
        (2.0 * t3 - 3.0 * t2 + 1.0) * y0
            + (t3 - 2.0 * t2 + t) * m0
            + (-2.0 * t3 + 3.0 * t2) * y1
            + (t3 - t2) * m1
    }
}

/// The probability density at `x` of the distributions that are tabulated.
fn density(distribution: &Distribution, x: f64) -> f64 {
    use statrs::function::beta::ln_beta;
    let standard_normal = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    match *distribution {
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            let range = max - min;
            let y = (x - min) / range;
            let log = (alpha - 1.0) * y.ln() + (beta - 1.0) * (1.0 - y).ln() - ln_beta(alpha, beta);
            log.exp() / range
        }
        Distribution::Normal { mean, sd, min, max } => {
            let mass = super::distribution::normal_cdf((max - mean) / sd)
                - super::distribution::normal_cdf((min - mean) / sd);
            standard_normal((x - mean) / sd) / (sd * mass)
        }
        Distribution::LogNormal { mu, sigma } => {
            standard_normal((x.ln() - mu) / sigma) / (x * sigma)
        }
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worst_error(distribution: &Distribution) -> f64 {
        let table = Quantile::of(distribution);
        (1..100_000)
            .map(|i| {
                let u = i as f64 / 100_000.0;
                (table.at(u) - distribution.quantile(u)).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn tables_follow_the_exact_quantiles() {
        let cases = [
            Distribution::Beta {
                alpha: 2.0,
                beta: 5.0,
                min: 0.0,
                max: 1.0,
            },
            Distribution::Beta {
                alpha: 2.0,
                beta: 38.0,
                min: 0.0,
                max: 1.0,
            },
            Distribution::Beta {
                alpha: 0.5,
                beta: 0.5,
                min: 0.0,
                max: 1.0,
            },
            Distribution::pert(0.2, 0.6, 1.0, 4.0),
            Distribution::log_normal_from_interval90(0.4, 1.6),
            Distribution::Normal {
                mean: 1.0,
                sd: 2.0,
                min: 0.0,
                max: 3.0,
            },
        ];
        for distribution in cases {
            let spread = distribution.quantile(0.99) - distribution.quantile(0.01);
            let error = worst_error(&distribution) / spread;
            assert!(error < 1e-8, "{distribution:?}: {error}");
        }
    }
}
