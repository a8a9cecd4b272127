//! Distributions of uncertain parameters, each drawn through its quantile function.
//!
//! Every draw is `quantile(u)` for a `u` in (0, 1): the same code serves plain Monte Carlo,
//! Latin hypercube strata and the rank reordering of Iman-Conover. Invariant: the constructors
//! in [`crate::scenario::validate`] only build distributions whose parameters are finite and valid,
//! so `quantile` never fails.

use serde::Serialize;
use statrs::function::{beta::inv_beta_reg, erf::erfc_inv};

/// z of the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Distribution {
    /// Beta(alpha, beta) scaled to [min, max].
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    /// Normal, optionally truncated to [min, max] (infinite bounds when not).
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
    /// exp(Normal(mu, sigma)).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Discrete values with probabilities; `cumulative` ends at 1.
    Categorical {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// The standard normal quantile.
pub fn normal_quantile(u: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * u)
}

/// The standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

impl Distribution {
    /// A PERT distribution: a beta with its mode at `mode` and shape weight `lambda` (4 usually).
    pub fn pert(min: f64, mode: f64, max: f64, lambda: f64) -> Self {
        let range = max - min;
        Distribution::Beta {
            alpha: 1.0 + lambda * (mode - min) / range,
            beta: 1.0 + lambda * (max - mode) / range,
            min,
            max,
        }
    }

    /// A normal whose 5th and 95th percentiles are `p5` and `p95`.
    pub fn normal_from_interval90(p5: f64, p95: f64) -> Self {
        Distribution::Normal {
            mean: 0.5 * (p5 + p95),
            sd: (p95 - p5) / (2.0 * Z95),
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        }
    }

    /// A log-normal whose 5th and 95th percentiles are `p5` and `p95` (both positive).
    pub fn log_normal_from_interval90(p5: f64, p95: f64) -> Self {
        Distribution::LogNormal {
            mu: 0.5 * (p5.ln() + p95.ln()),
            sigma: (p95.ln() - p5.ln()) / (2.0 * Z95),
        }
    }

    /// The value below which a share `u` of the distribution lies; `u` in (0, 1).
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * inv_beta_reg(*alpha, *beta, u),
            Distribution::Normal { mean, sd, min, max } => {
                truncated_normal_quantile(*mean, *sd, *min, *max, u)
            }
            Distribution::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(u)).exp(),
            Distribution::Triangular { min, mode, max } => {
                triangular_quantile(*min, *mode, *max, u)
            }
            Distribution::Uniform { min, max } => min + (max - min) * u,
            Distribution::Categorical { values, cumulative } => {
                let index = cumulative.partition_point(|&edge| edge <= u);
                values[index.min(values.len() - 1)]
            }
        }
    }

    /// The mean (for tests and reports).
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * alpha / (alpha + beta),
            Distribution::Normal { mean, sd, min, max } => {
                truncated_normal_moments(*mean, *sd, *min, *max).0
            }
            Distribution::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Distribution::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Distribution::Uniform { min, max } => 0.5 * (min + max),
            Distribution::Categorical { values, cumulative } => {
                categorical_moments(values, cumulative).0
            }
        }
    }

    /// The variance (for tests and reports).
    pub fn variance(&self) -> f64 {
        match self {
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => {
                let sum = alpha + beta;
                (max - min).powi(2) * alpha * beta / (sum * sum * (sum + 1.0))
            }
            Distribution::Normal { mean, sd, min, max } => {
                truncated_normal_moments(*mean, *sd, *min, *max).1
            }
            Distribution::LogNormal { mu, sigma } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Distribution::Triangular { min, mode, max } => {
                (min * min + mode * mode + max * max - min * mode - min * max - mode * max) / 18.0
            }
            Distribution::Uniform { min, max } => (max - min).powi(2) / 12.0,
            Distribution::Categorical { values, cumulative } => {
                categorical_moments(values, cumulative).1
            }
        }
    }

    /// A short description for tables and reports, such as `beta(2, 5) on [0, 1]`.
    pub fn describe(&self) -> String {
        match self {
            Distribution::Beta {
                alpha,
                beta,
                min,
                max,
            } => format!(
                "beta({}, {}) on [{}, {}]",
                short(*alpha),
                short(*beta),
                short(*min),
                short(*max)
            ),
            Distribution::Normal { mean, sd, min, max } if min.is_finite() || max.is_finite() => {
                format!(
                    "normal({}, sd {}) within [{}, {}]",
                    short(*mean),
                    short(*sd),
                    short(*min),
                    short(*max)
                )
            }
            Distribution::Normal { mean, sd, .. } => {
                format!("normal({}, sd {})", short(*mean), short(*sd))
            }
            Distribution::LogNormal { mu, sigma } => {
                format!(
                    "log-normal(median {}, sigma {})",
                    short(mu.exp()),
                    short(*sigma)
                )
            }
            Distribution::Triangular { min, mode, max } => {
                format!(
                    "triangular({}, {}, {})",
                    short(*min),
                    short(*mode),
                    short(*max)
                )
            }
            Distribution::Uniform { min, max } => {
                format!("uniform({}, {})", short(*min), short(*max))
            }
            Distribution::Categorical { values, .. } => {
                format!("categorical over {} values", values.len())
            }
        }
    }
}

fn short(value: f64) -> String {
    let text = format!("{value:.4}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "-" {
        "0".into()
    } else {
        trimmed.into()
    }
}

fn triangular_quantile(min: f64, mode: f64, max: f64, u: f64) -> f64 {
    let range = max - min;
    let split = (mode - min) / range;
    if u < split {
        min + (u * range * (mode - min)).sqrt()
    } else {
        max - ((1.0 - u) * range * (max - mode)).sqrt()
    }
}

fn truncated_normal_quantile(mean: f64, sd: f64, min: f64, max: f64, u: f64) -> f64 {
    if min == f64::NEG_INFINITY && max == f64::INFINITY {
        return mean + sd * normal_quantile(u);
    }
    let low = normal_cdf((min - mean) / sd);
    let high = normal_cdf((max - mean) / sd);
    let p = (low + u * (high - low)).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
    (mean + sd * normal_quantile(p)).clamp(min, max)
}

/// Mean and variance of a normal truncated to [min, max].
fn truncated_normal_moments(mean: f64, sd: f64, min: f64, max: f64) -> (f64, f64) {
    let density = |z: f64| {
        if z.is_finite() {
            (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
        } else {
            0.0
        }
    };
    let alpha = (min - mean) / sd;
    let beta = (max - mean) / sd;
    let mass = normal_cdf(beta) - normal_cdf(alpha);
    let (phi_a, phi_b) = (density(alpha), density(beta));
    let a_term = if alpha.is_finite() {
        alpha * phi_a
    } else {
        0.0
    };
    let b_term = if beta.is_finite() { beta * phi_b } else { 0.0 };
    let shift = (phi_a - phi_b) / mass;
    let variance = sd * sd * (1.0 + (a_term - b_term) / mass - shift * shift);
    (mean + sd * shift, variance)
}

fn categorical_moments(values: &[f64], cumulative: &[f64]) -> (f64, f64) {
    let mut previous = 0.0;
    let mut mean = 0.0;
    let mut second = 0.0;
    for (value, edge) in values.iter().zip(cumulative) {
        let probability = edge - previous;
        previous = *edge;
        mean += probability * value;
        second += probability * value * value;
    }
    (mean, second - mean * mean)
}
