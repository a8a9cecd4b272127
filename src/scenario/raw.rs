//! The scenario file as written: serde types that mirror the TOML, before any checking.
//!
//! Everything here is what the analyst typed; names are still strings and numbers unchecked.
//! [`super::validate`] turns it into a [`crate::model::Model`].

use indexmap::IndexMap;
use serde::Deserialize;

/// A whole scenario after `extends` and overrides are merged.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    #[serde(default)]
    pub run: RawRun,
    #[serde(default)]
    pub parameters: IndexMap<String, RawParameter>,
    #[serde(default)]
    pub correlations: Vec<RawCorrelation>,
    #[serde(default)]
    pub drivers: IndexMap<String, RawSeries>,
    pub postures: IndexMap<String, RawPosture>,
    pub choice: RawChoice,
    #[serde(default)]
    pub indicators: IndexMap<String, RawSeries>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    pub title: Option<String>,
    pub question: String,
    pub actor: Option<String>,
    /// The calendar month of month 0, as `YYYY-MM`.
    pub start: String,
    pub horizon_months: RawHorizon,
    /// A facts file (relative to the scenario) whose ids `seed:<id>` sources may cite.
    pub sources: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    pub paths: Option<i64>,
    pub seed: Option<i64>,
    pub sampling: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    /// One line saying what the parameter stands for.
    pub about: Option<String>,
    pub source: Option<String>,
    pub unit: Option<String>,
    pub dist: Option<RawDistribution>,
    /// A fixed value instead of a distribution.
    pub value: Option<f64>,
}

/// A distribution, written as a one-key table: `dist.beta = { alpha = 2, beta = 5 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDistribution {
    Beta {
        alpha: f64,
        beta: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    LogNormal {
        /// The median, e^mu.
        median: f64,
        /// The standard deviation of the logarithm.
        sigma: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        #[serde(default)]
        lambda: Option<f64>,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    /// Uniform in the logarithm: every order of magnitude in [min, max] equally likely.
    LogUniform {
        min: f64,
        max: f64,
    },
    Categorical {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    /// An analyst's 90% interval: the 5th and 95th percentiles, and the shape that joins them.
    Interval90 {
        p5: f64,
        p95: f64,
        shape: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub between: Vec<String>,
    /// Spearman rank correlation in (-1, 1).
    pub rank: f64,
    pub source: Option<String>,
}

/// A driver or an indicator. Which fields apply depends on `kind`; validation says which.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeries {
    pub kind: String,
    pub label: Option<String>,
    pub about: Option<String>,
    pub unit: Option<String>,
    pub source: Option<String>,
    // regime
    pub states: Option<Vec<String>>,
    pub initial: Option<toml::Value>,
    pub transitions: Option<IndexMap<String, IndexMap<String, f64>>>,
    // process and formula
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub reversion: Option<toml::Value>,
    pub target: Option<toml::Value>,
    pub drift: Option<toml::Value>,
    pub shock_sd: Option<toml::Value>,
    pub jump_probability: Option<toml::Value>,
    pub jump_size: Option<toml::Value>,
    pub value: Option<toml::Value>,
    // event: `onset = <month>` or `onset = { hazard = <monthly probability> }`
    pub onset: Option<toml::Value>,
    pub lasts_months: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPosture {
    pub label: Option<String>,
    pub about: Option<String>,
    pub source: Option<String>,
    /// A colour for charts, `#rrggbb`; by default the next of a colour-blind-safe palette.
    pub colour: Option<String>,
    pub utility: toml::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub initial: String,
    pub review_probability: toml::Value,
    pub inertia: toml::Value,
    #[serde(default)]
    pub abrupt_probability: Option<toml::Value>,
    pub source: Option<String>,
}

/// A horizon: a number of months after the start, or the last month as `YYYY-MM`.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "not a horizon, expected a whole number of months or the last month as \"YYYY-MM\""
)]
pub enum RawHorizon {
    Months(i64),
    Until(String),
}
