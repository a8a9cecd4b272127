//! Distributions of uncertain parameters, each drawn through its quantile function.
//!
//! Every draw is `quantile(u)` for a `u` in (0, 1): the same code serves plain Monte Carlo,
//! Latin hypercube strata and the rank reordering of Iman-Conover. Invariant: a distribution is
//! built by its validating constructor ([`Distribution::beta`], [`Distribution::normal`] ...),
//! which refuses parameters that are not finite and valid, naming the field; so `quantile` never
//! fails.

use serde::Serialize;

use statrs::function::{beta::inv_beta_reg, erf::erfc_inv};

use crate::problem::Problem;

/// z of the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution's variants are read by the sampler and the reports; they are built only by the
/// validating constructors below (`#[non_exhaustive]` keeps other crates from building them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Distribution {
    /// Beta(alpha, beta) scaled to [min, max].
    #[non_exhaustive]
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
    /// Normal, optionally truncated to [min, max] (infinite bounds when not).
    #[non_exhaustive]
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
    /// exp(Normal(mu, sigma)).
    #[non_exhaustive]
    LogNormal { mu: f64, sigma: f64 },
    #[non_exhaustive]
    Triangular { min: f64, mode: f64, max: f64 },
    /// Uniform in ln x on [ln min, ln max], 0 < min < max.
    #[non_exhaustive]
    LogUniform { min: f64, max: f64 },
    #[non_exhaustive]
    Uniform { min: f64, max: f64 },
    /// Discrete values with probabilities; `cumulative` ends at 1.
    #[non_exhaustive]
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

/// The shape an `interval90` distribution takes between its 5th and 95th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalShape {
    Normal,
    LogNormal,
}

impl Distribution {
    /// Beta(alpha, beta) scaled to [min, max]: both shapes from [`MIN_BETA_SHAPE`] to
    /// [`MAX_BETA_SHAPE`], a finite min below max.
    pub fn beta(alpha: f64, beta: f64, min: f64, max: f64) -> Result<Self, Problem> {
        let (min, max) = (finite("min", min)?, finite("max", max)?);
        ordered("max", min, max)?;
        Ok(Distribution::Beta {
            alpha: beta_shape("alpha", alpha)?,
            beta: beta_shape("beta", beta)?,
            min,
            max,
        })
    }

    /// A normal, truncated to [min, max] (infinite bounds for none).
    pub fn normal(mean: f64, sd: f64, min: f64, max: f64) -> Result<Self, Problem> {
        if min.is_nan() || max.is_nan() {
            let problem = Problem::new("a bound is not a number").valid("finite bounds, or none");
            return Err(problem.in_field("min"));
        }
        ordered("max", min, max)?;
        Ok(Distribution::Normal {
            mean: finite("mean", mean)?,
            sd: positive("sd", sd)?,
            min,
            max,
        })
    }

    /// exp(Normal(ln median, sigma)).
    pub fn log_normal(median: f64, sigma: f64) -> Result<Self, Problem> {
        Ok(Distribution::LogNormal {
            mu: positive("median", median)?.ln(),
            sigma: positive("sigma", sigma)?,
        })
    }

    /// Triangular on [min, max] with its peak at `mode`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, Problem> {
        let (min, mode, max) = peaked(min, mode, max)?;
        Ok(Distribution::Triangular { min, mode, max })
    }

    /// A PERT distribution: a beta with its mode at `mode` and shape weight `lambda` (4 usually).
    pub fn pert(min: f64, mode: f64, max: f64, lambda: f64) -> Result<Self, Problem> {
        let (min, mode, max) = peaked(min, mode, max)?;
        let (range, lambda) = (max - min, positive("lambda", lambda)?);
        if lambda > MAX_PERT_LAMBDA {
            let problem = Problem::new(format!("lambda is {lambda}"));
            let valid = format!("a number above 0, at most {MAX_PERT_LAMBDA:.0e}");
            return Err(problem.valid(valid).in_field("lambda"));
        }
        Ok(Distribution::Beta {
            alpha: 1.0 + lambda * (mode - min) / range,
            beta: 1.0 + lambda * (max - mode) / range,
            min,
            max,
        })
    }

    /// Uniform on [min, max].
    pub fn uniform(min: f64, max: f64) -> Result<Self, Problem> {
        let (min, max) = (finite("min", min)?, finite("max", max)?);
        ordered("max", min, max)?;
        Ok(Distribution::Uniform { min, max })
    }

    /// Uniform in the logarithm on [min, max]: for a quantity whose order of magnitude is what is
    /// uncertain. Needs 0 < min < max.
    pub fn log_uniform(min: f64, max: f64) -> Result<Self, Problem> {
        let (min, max) = (positive("min", min)?, positive("max", max)?);
        ordered("max", min, max)?;
        Ok(Distribution::LogUniform { min, max })
    }

    /// Finite values, each with a weight of 0 or more; the weights need not sum to 1.
    pub fn categorical(values: &[f64], weights: &[f64]) -> Result<Self, Problem> {
        check_categorical(values, weights)?;
        let total: f64 = weights.iter().sum();
        let mut running = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|weight| {
                running += weight / total;
                running
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Ok(Distribution::Categorical {
            values: values.to_vec(),
            cumulative,
        })
    }

    /// The distribution of a shape whose 5th and 95th percentiles are `p5` and `p95`.
    pub fn interval90(p5: f64, p95: f64, shape: IntervalShape) -> Result<Self, Problem> {
        let (p5, p95) = (finite("p5", p5)?, finite("p95", p95)?);
        if p5 >= p95 {
            let problem = Problem::new(format!("p95 ({p95}) is not above p5 ({p5})"));
            return Err(problem.valid("p5 < p95").in_field("p95"));
        }
        match shape {
            IntervalShape::Normal => Ok(Distribution::Normal {
                mean: 0.5 * (p5 + p95),
                sd: (p95 - p5) / (2.0 * Z95),
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
            }),
            IntervalShape::LogNormal if p5 > 0.0 => Ok(Distribution::LogNormal {
                mu: 0.5 * (p5.ln() + p95.ln()),
                sigma: (p95.ln() - p5.ln()) / (2.0 * Z95),
            }),
            IntervalShape::LogNormal => Err(Problem::new(format!("p5 is {p5}"))
                .valid("a log-normal interval needs p5 > 0")
                .in_field("p5")),
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
            Distribution::LogUniform { min, max } => (min.ln() + (max / min).ln() * u).exp(),
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
            Distribution::LogUniform { min, max } => (max - min) / (max / min).ln(),
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
            Distribution::LogUniform { min, max } => {
                let (log_ratio, mean) = ((max / min).ln(), self.mean());
                (max * max - min * min) / (2.0 * log_ratio) - mean * mean
            }
            Distribution::Categorical { values, cumulative } => {
                categorical_moments(values, cumulative).1
            }
        }
    }

    /// Whether the distribution can draw `value`: its support, ends included.
    pub fn contains(&self, value: f64) -> bool {
        match self {
            Distribution::LogNormal { .. } => value > 0.0 && value.is_finite(),
            Distribution::Categorical { values, .. } => values.contains(&value),
            _ => {
                let (low, high) = self.range();
                value.is_finite() && low <= value && value <= high
            }
        }
    }

    /// The support as a reader says it: `[0, 1]`, `above 0`, `one of 1, 2, 5`.
    pub fn support(&self) -> String {
        match self {
            Distribution::LogNormal { .. } => "above 0".into(),
            Distribution::Categorical { values, .. } => {
                let values: Vec<String> = values.iter().map(|v| short(*v)).collect();
                format!("one of {}", values.join(", "))
            }
            _ => match self.range() {
                (low, high) if low.is_finite() && high.is_finite() => {
                    format!("[{}, {}]", short(low), short(high))
                }
                (low, _) if low.is_finite() => format!("at least {}", short(low)),
                (_, high) if high.is_finite() => format!("at most {}", short(high)),
                _ => "any finite number".into(),
            },
        }
    }

    /// The largest size a draw can have. Draws are made by quantile from a uniform, which never
    /// lies within 2^-64 of 0 or 1, so a normal draw never passes 10 sd from its mean (9.1 at
    /// most) and a log-normal one never passes exp(mu + 10 sigma).
    pub fn largest_magnitude(&self) -> f64 {
        let (low, high) = self.draw_range();
        low.abs().max(high.abs())
    }

    /// The least and greatest draws (see [`Distribution::largest_magnitude`]).
    pub fn draw_range(&self) -> (f64, f64) {
        const SDS: f64 = 10.0;
        match self {
            Distribution::Normal { mean, sd, min, max } => {
                (min.max(mean - SDS * sd), max.min(mean + SDS * sd))
            }
            Distribution::LogNormal { mu, sigma } => (0.0, (mu + SDS * sigma).exp()),
            Distribution::Categorical { values, .. } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
                    (low.min(*value), high.max(*value))
                }),
            _ => self.range(),
        }
    }

    /// The lowest and highest values of a distribution on an interval.
    fn range(&self) -> (f64, f64) {
        match *self {
            Distribution::Beta { min, max, .. }
            | Distribution::Normal { min, max, .. }
            | Distribution::Triangular { min, max, .. }
            | Distribution::Uniform { min, max }
            | Distribution::LogUniform { min, max } => (min, max),
            Distribution::LogNormal { .. } => (0.0, f64::INFINITY),
            Distribution::Categorical { .. } => (f64::NEG_INFINITY, f64::INFINITY),
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
            Distribution::LogUniform { min, max } => {
                format!("log-uniform({}, {})", short(*min), short(*max))
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

fn finite(field: &'static str, value: f64) -> Result<f64, Problem> {
    if value.is_finite() {
        return Ok(value);
    }
    let problem = Problem::new(format!("{value} is not a finite number"));
    Err(problem.valid("a finite number").in_field(field))
}

/// The beta's shapes the sampler draws faithfully and fast. Its quantile inverts the incomplete
/// beta function by iteration, which took seconds to minutes per run for shapes of 1e-100 or
/// 1e12 (and a shape of 1e-4 already puts all but a sliver of the weight on the two ends).
pub const MIN_BETA_SHAPE: f64 = 1e-4;
pub const MAX_BETA_SHAPE: f64 = 1e6;
/// A PERT's largest weight: its shapes stay below [`MAX_BETA_SHAPE`].
const MAX_PERT_LAMBDA: f64 = 1e5;

fn beta_shape(field: &'static str, value: f64) -> Result<f64, Problem> {
    if (MIN_BETA_SHAPE..=MAX_BETA_SHAPE).contains(&value) {
        return Ok(value);
    }
    let problem = Problem::new(format!("{field} is {}", plain_or_exponent(value)));
    let valid = format!("a number from {MIN_BETA_SHAPE:.0e} to {MAX_BETA_SHAPE:.0e}");
    Err(problem.valid(valid).in_field(field))
}

/// A number as written, in exponent form where plain digits would run long (1e-300).
fn plain_or_exponent(value: f64) -> String {
    let plain = value.to_string();
    if plain.len() > 12 {
        format!("{value:e}")
    } else {
        plain
    }
}

fn positive(field: &'static str, value: f64) -> Result<f64, Problem> {
    if value.is_finite() && value > 0.0 {
        return Ok(value);
    }
    let problem = Problem::new(format!("{field} is {value}"));
    Err(problem.valid("a finite number above 0").in_field(field))
}

fn ordered(field: &'static str, low: f64, high: f64) -> Result<(), Problem> {
    if low < high {
        return Ok(());
    }
    let problem = Problem::new(format!("the range [{low}, {high}] is empty"));
    Err(problem.valid("min < max").in_field(field))
}

/// Triangular and PERT: a finite min < max with the mode between them.
fn peaked(min: f64, mode: f64, max: f64) -> Result<(f64, f64, f64), Problem> {
    let (min, mode, max) = (
        finite("min", min)?,
        finite("mode", mode)?,
        finite("max", max)?,
    );
    ordered("max", min, max)?;
    if (min..=max).contains(&mode) {
        return Ok((min, mode, max));
    }
    let problem = Problem::new(format!("the mode {mode} is outside [{min}, {max}]"));
    Err(problem.valid("min <= mode <= max").in_field("mode"))
}

fn check_categorical(values: &[f64], weights: &[f64]) -> Result<(), Problem> {
    if values.is_empty() || values.len() != weights.len() {
        return Err(Problem::new(format!(
            "{} values and {} weights",
            values.len(),
            weights.len()
        ))
        .valid("one weight per value, at least one value")
        .in_field("weights"));
    }
    if values.iter().any(|value| !value.is_finite()) {
        return Err(Problem::new("a value is not a finite number")
            .valid("finite numbers")
            .in_field("values"));
    }
    if weights
        .iter()
        .any(|weight| !(weight.is_finite() && *weight >= 0.0))
    {
        return Err(Problem::new("a weight is negative or not finite")
            .valid("weights of 0 or more")
            .in_field("weights"));
    }
    if weights.iter().sum::<f64>() <= 0.0 {
        return Err(Problem::new("the weights sum to 0")
            .valid("weights with a positive sum")
            .in_field("weights"));
    }
    Ok(())
}
