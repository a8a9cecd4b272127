//! Scoring forecasts against what happened: each outcome of an outcomes file set against the
//! run's own paths (every path at its weight is the forecast distribution) and against reference
//! forecasts, with proper scores, and skill by lead time.
//!
//! References: for a posture or state, `uniform` (each equally likely) and `persistence` (the
//! starting state with probability [`PERSISTENCE`], the rest shared); for a value, `last_value`
//! (the latest measurement of the series in the evidence, else its starting value, as a point
//! forecast); and, after evidence, `prior` (the same paths before the evidence).

pub mod outcomes;
pub mod rules;

use crate::model::Model;
use crate::weighting::measurement::Reading;
use outcomes::{Observed, Outcome, Outcomes};
use rules::{brier, log_score, point_crps, ranked_probability, WeightedSample};

/// The probability the persistence reference gives the starting state.
pub const PERSISTENCE: f64 = 0.8;

/// Lead times are pooled into these bands (months after the forecast's as-of date).
pub const LEAD_BANDS: [(i64, i64, &str); 6] = [
    (i64::MIN, 0, "in sample"),
    (1, 3, "1-3"),
    (4, 6, "4-6"),
    (7, 12, "7-12"),
    (13, 24, "13-24"),
    (25, i64::MAX, "25+"),
];

/// What every path showed of each outcome, and each path's weight.
#[derive(Debug, Clone)]
pub struct Kept {
    /// Path-major: `values[path * stride + outcome]`, the outcomes first.
    pub values: Vec<f64>,
    pub weights: Vec<f64>,
    /// Values kept per path.
    pub stride: usize,
}

impl Kept {
    /// Every path's value of the `outcome`-th kept column.
    pub fn column(&self, outcome: usize) -> Vec<f64> {
        self.values
            .iter()
            .skip(outcome)
            .step_by(self.stride.max(1))
            .copied()
            .collect()
    }

    /// The weighted share of the paths in each of `categories` categories.
    fn probabilities(&self, outcome: usize, categories: usize) -> Vec<f64> {
        let mut shares = vec![0.0; categories];
        for (value, weight) in self.column(outcome).iter().zip(&self.weights) {
            shares[*value as usize] += weight;
        }
        let total: f64 = shares.iter().sum();
        shares.iter().map(|s| s / total).collect()
    }
}

/// One forecast of one outcome, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// The outcome's place in its file: its name alone need not be unique (a window's mean and
    /// its sum share one).
    pub outcome_index: usize,
    pub outcome: String,
    pub month: usize,
    /// Months after the forecast's as-of date (0 or less: in sample).
    pub lead: i64,
    pub forecast: &'static str,
    pub observed: String,
    /// For a category: the probability given to the one observed, and to each in turn.
    pub probability: f64,
    pub probabilities: Vec<f64>,
    /// For a category: the index of the one observed.
    pub observed_index: Option<usize>,
    pub brier: f64,
    pub log_score: f64,
    pub ranked_probability: f64,
    /// For a value: its PIT, CRPS, the forecast's 5/50/95% and whether it fell in the 50% and
    /// 90% central bands.
    pub pit: f64,
    pub crps: f64,
    pub quantiles: [f64; 3],
    pub in_50: Option<bool>,
    pub in_90: Option<bool>,
}

/// Mean scores of the model and of one reference over one band of lead times.
#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    pub band: &'static str,
    pub reference: &'static str,
    /// `brier`, `log` or `crps`.
    pub score: &'static str,
    pub outcomes: usize,
    pub model_mean: f64,
    pub reference_mean: f64,
    /// `1 - model / reference`: above 0, the model did better.
    pub skill: f64,
}

/// A realised value as a chart draws it over a series' bands: its months and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Realised {
    pub series: crate::model::SeriesId,
    pub first: usize,
    pub last: usize,
    pub value: f64,
}

/// A run's forecasts scored against an outcomes file.
#[derive(Debug, Clone)]
pub struct Scores {
    pub file: String,
    /// The values that happened, month by month or as a window's mean, for the fan charts.
    pub realised: Vec<Realised>,
    /// The forecast's as-of month.
    pub as_of: usize,
    pub rows: Vec<ScoreRow>,
    pub skill: Vec<Skill>,
}

impl Scores {
    /// The model's own rows.
    pub fn model_rows(&self) -> impl Iterator<Item = &ScoreRow> {
        self.rows.iter().filter(|row| row.forecast == "model")
    }

    /// Every category of every posture or state outcome the model forecast: the probability it
    /// gave, and whether that category happened.
    pub fn category_forecasts(&self) -> impl Iterator<Item = (f64, bool)> + '_ {
        self.model_rows().flat_map(|row| {
            row.probabilities
                .iter()
                .enumerate()
                .map(move |(k, p)| (*p, Some(k) == row.observed_index))
        })
    }
}

/// What the references need beyond the outcomes.
pub struct References<'a> {
    /// The paths before the evidence, if the run had any.
    pub prior: Option<&'a Kept>,
    /// Per outcome: the last value measured before as-of, for a value.
    pub last_values: Vec<Option<f64>>,
}

/// Scores every outcome of `outcomes` against the run's paths (`forecast`) and the references.
pub fn score(
    model: &Model,
    outcomes: &Outcomes,
    as_of: usize,
    forecast: &Kept,
    references: &References,
) -> Scores {
    let mut rows = Vec::new();
    for (index, outcome) in outcomes.outcomes.iter().enumerate() {
        let lead = outcome.month as i64 - as_of as i64;
        let mut add = |name: &'static str, scored: Option<Scored>| {
            if let Some(scored) = scored {
                rows.push(scored.row((index, outcome), model, lead, name));
            }
        };
        add(
            "model",
            Some(sample_forecast(outcome, model, forecast, index)),
        );
        if let Some(prior) = references.prior {
            add("prior", Some(sample_forecast(outcome, model, prior, index)));
        }
        match &outcome.observed {
            Observed::Value { value, .. } => {
                let last = references.last_values[index];
                add("last_value", last.map(|v| Scored::point(v, *value)));
            }
            _ => {
                let k = outcome.categories(model).len();
                add(
                    "uniform",
                    Some(Scored::categories(vec![1.0 / k as f64; k], outcome)),
                );
                add(
                    "persistence",
                    Some(Scored::categories(persistence(outcome, model), outcome)),
                );
            }
        }
    }
    let skill = skill(&rows);
    let realised = outcomes
        .outcomes
        .iter()
        .filter_map(|outcome| match &outcome.observed {
            Observed::Value {
                series,
                reading,
                value,
            } => {
                let (first, last) = match reading {
                    Reading::Month(month) => (*month, *month),
                    Reading::Mean(window) => (*window.start(), *window.end()),
                    _ => return None,
                };
                Some(Realised {
                    series: *series,
                    first,
                    last,
                    value: *value,
                })
            }
            _ => None,
        })
        .collect();
    Scores {
        file: outcomes.file.clone(),
        realised,
        as_of,
        rows,
        skill,
    }
}

/// A forecast scored, before it is placed in a row.
struct Scored {
    probability: f64,
    probabilities: Vec<f64>,
    observed_index: Option<usize>,
    brier: f64,
    log_score: f64,
    ranked_probability: f64,
    pit: f64,
    crps: f64,
    quantiles: [f64; 3],
    value: bool,
}

impl Scored {
    fn categories(probabilities: Vec<f64>, outcome: &Outcome) -> Scored {
        let observed = match outcome.observed {
            Observed::Posture { state, .. } | Observed::Regime { state, .. } => state,
            Observed::Value { .. } => 0,
        };
        Scored {
            probability: probabilities[observed],
            brier: brier(&probabilities, observed),
            log_score: log_score(&probabilities, observed),
            ranked_probability: ranked_probability(&probabilities, observed),
            probabilities,
            observed_index: Some(observed),
            pit: f64::NAN,
            crps: f64::NAN,
            quantiles: [f64::NAN; 3],
            value: false,
        }
    }

    fn point(forecast: f64, observed: f64) -> Scored {
        Scored::of_value(f64::NAN, point_crps(forecast, observed), [forecast; 3])
    }

    fn sample(sample: &WeightedSample, observed: f64) -> Scored {
        let quantiles = [0.05, 0.5, 0.95].map(|q| sample.quantile(q));
        Scored::of_value(sample.pit(observed), sample.crps(observed), quantiles)
    }

    /// The scores of a value's forecast: no category scores.
    fn of_value(pit: f64, crps: f64, quantiles: [f64; 3]) -> Scored {
        Scored {
            probability: f64::NAN,
            probabilities: Vec::new(),
            observed_index: None,
            brier: f64::NAN,
            log_score: f64::NAN,
            ranked_probability: f64::NAN,
            pit,
            crps,
            quantiles,
            value: true,
        }
    }

    fn row(
        self,
        (outcome_index, outcome): (usize, &Outcome),
        model: &Model,
        lead: i64,
        forecast: &'static str,
    ) -> ScoreRow {
        let within = |low: f64, high: f64| {
            (self.value && !self.pit.is_nan()).then(|| (low..=high).contains(&self.pit))
        };
        ScoreRow {
            outcome_index,
            outcome: outcome.name.clone(),
            month: outcome.month,
            lead,
            forecast,
            observed: outcome.observed_text(model),
            probability: self.probability,
            probabilities: self.probabilities,
            observed_index: self.observed_index,
            brier: self.brier,
            log_score: self.log_score,
            ranked_probability: self.ranked_probability,
            pit: self.pit,
            crps: self.crps,
            quantiles: self.quantiles,
            in_50: within(0.25, 0.75),
            in_90: within(0.05, 0.95),
        }
    }
}

fn sample_forecast(outcome: &Outcome, model: &Model, kept: &Kept, index: usize) -> Scored {
    match &outcome.observed {
        Observed::Value { value, .. } => {
            match WeightedSample::new(&kept.column(index), &kept.weights) {
                Some(sample) => Scored::sample(&sample, *value),
                None => Scored::point(f64::NAN, *value),
            }
        }
        _ => {
            let k = outcome.categories(model).len();
            Scored::categories(kept.probabilities(index, k), outcome)
        }
    }
}

/// The starting state with [`PERSISTENCE`], the rest shared evenly.
fn persistence(outcome: &Outcome, model: &Model) -> Vec<f64> {
    let k = outcome.categories(model).len();
    let start = match &outcome.observed {
        Observed::Posture { .. } => model.choice.initial.index(),
        Observed::Regime { series, .. } => model
            .regimes()
            .find(|(id, _)| id == series)
            .map_or(0, |(_, regime)| regime.initial),
        Observed::Value { .. } => 0,
    };
    let rest = (1.0 - PERSISTENCE) / (k - 1).max(1) as f64;
    (0..k)
        .map(|state| if state == start { PERSISTENCE } else { rest })
        .collect()
}

/// Mean scores by band of lead time, the model against each reference on the same outcomes.
fn skill(rows: &[ScoreRow]) -> Vec<Skill> {
    let mut found = Vec::new();
    for &(low, high, band) in &LEAD_BANDS {
        for reference in ["prior", "uniform", "persistence", "last_value"] {
            for (score, read) in [
                ("brier", (|r: &ScoreRow| r.brier) as fn(&ScoreRow) -> f64),
                ("log", |r: &ScoreRow| r.log_score),
                ("crps", |r: &ScoreRow| r.crps),
            ] {
                let pairs: Vec<(f64, f64)> = rows
                    .iter()
                    .filter(|r| r.forecast == reference && (low..=high).contains(&r.lead))
                    .filter_map(|r| {
                        let model = rows.iter().find(|m| {
                            m.forecast == "model" && m.outcome_index == r.outcome_index
                        })?;
                        let (a, b) = (read(model), read(r));
                        // NaN: the score does not apply. An infinite log score stays: a forecast
                        // that ruled out what happened must not drop out of the mean.
                        (!a.is_nan() && !b.is_nan()).then_some((a, b))
                    })
                    .collect();
                if pairs.is_empty() {
                    continue;
                }
                let n = pairs.len() as f64;
                let model_mean = pairs.iter().map(|p| p.0).sum::<f64>() / n;
                let reference_mean = pairs.iter().map(|p| p.1).sum::<f64>() / n;
                found.push(Skill {
                    band,
                    reference,
                    score,
                    outcomes: pairs.len(),
                    model_mean,
                    reference_mean,
                    skill: 1.0 - model_mean / reference_mean,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{skill, ScoreRow};

    fn row(outcome_index: usize, forecast: &'static str, log_score: f64, crps: f64) -> ScoreRow {
        ScoreRow {
            outcome_index,
            outcome: "trade_usd_bn@2022-04..2022-06".into(),
            month: 6,
            lead: 2,
            forecast,
            observed: String::new(),
            probability: f64::NAN,
            probabilities: Vec::new(),
            observed_index: None,
            brier: f64::NAN,
            log_score,
            ranked_probability: f64::NAN,
            pit: f64::NAN,
            crps,
            quantiles: [f64::NAN; 3],
            in_50: None,
            in_90: None,
        }
    }

    #[test]
    fn outcomes_of_one_name_pair_by_their_place_and_a_ruled_out_outcome_counts() {
        // A window's mean and its sum share a name; each is paired with its own reference.
        let rows = [
            row(0, "model", 0.5, 14.0),
            row(0, "prior", 1.0, 20.0),
            row(1, "model", f64::INFINITY, 44.0),
            row(1, "prior", 2.0, 60.0),
        ];
        let found = skill(&rows);
        let of = |score: &str| found.iter().find(|s| s.score == score).unwrap();
        let crps = of("crps");
        assert_eq!((crps.outcomes, crps.model_mean), (2, 29.0));
        assert_eq!(crps.reference_mean, 40.0);
        // The model gave no chance to what happened once: its mean log score is infinite.
        let log = of("log");
        assert_eq!(log.outcomes, 2);
        assert_eq!(log.model_mean, f64::INFINITY);
        assert_eq!(log.skill, f64::NEG_INFINITY);
        assert!(
            found.iter().all(|s| s.score != "brier"),
            "no Brier score applies"
        );
    }
}
