//! What a run keeps for scoring (`run --outcomes FILE`): what every path shows of each outcome,
//! so that the run's paths, at their weights, are its forecast distribution; and the scores of
//! those paths against the outcomes and the reference forecasts.

use anyhow::Result;

use crate::engine::Trajectory;
use crate::model::{Model, SeriesId};
use crate::runner::{self, KeepPath, PathAt, RunOptions};
use crate::sampling::ParameterSampler;
use crate::scoring::outcomes::{Observed, Outcomes};
use crate::scoring::{self, Kept, References, Scores};
use crate::weighting::measurement::{ErrorModel, Reading};
use crate::weighting::{Evidence, PathWeighting};

/// Keeps, for every path, what it shows of each outcome, then each value outcome's series at
/// month 0 (the starting value a last-value reference falls back on).
pub(super) struct OutcomeKeep<'a> {
    pub outcomes: &'a Outcomes,
    /// Keep the path's weight first (under this weighting, or 1 without one).
    pub weighed: bool,
    pub weighting: Option<&'a PathWeighting>,
}

impl KeepPath for OutcomeKeep<'_> {
    fn keep(&self, at: PathAt, trajectory: &Trajectory, parameters: &[f64], kept: &mut Vec<f64>) {
        if self.weighed {
            let weight = self.weighting.map_or(1.0, |weighting| {
                let fixed = weighting.weight(trajectory, parameters, at.path);
                fixed as f64 / crate::stats::tally::WEIGHT_ONE as f64
            });
            kept.push(weight);
        }
        kept.extend(self.outcomes.outcomes.iter().map(|o| o.on(trajectory)));
        kept.extend(self.outcomes.outcomes.iter().map(|o| match &o.observed {
            Observed::Value { series, .. } => trajectory.value(0, *series),
            _ => f64::NAN,
        }));
    }
}

impl OutcomeKeep<'_> {
    pub fn stride(&self) -> usize {
        2 * self.outcomes.outcomes.len()
    }
}

/// What every path of a run (not assimilated) shows of the outcomes, at its weight.
pub(super) fn kept_of_run(
    model: &Model,
    outcomes: &Outcomes,
    weighting: Option<&PathWeighting>,
    options: RunOptions,
) -> Result<Kept> {
    let keep = OutcomeKeep {
        outcomes,
        weighed: true,
        weighting,
    };
    let collected = runner::collect_paths(model, &[ParameterSampler::new(model)], &keep, options)?;
    let rows = &collected.designs[0];
    let stride = keep.stride() + 1;
    let weights = rows.iter().step_by(stride).copied().collect();
    let values = rows
        .chunks(stride)
        .flat_map(|row| row[1..].iter().copied())
        .collect();
    Ok(Kept {
        values,
        weights,
        stride: keep.stride(),
    })
}

/// The scores of a run's kept paths against the outcomes.
pub(super) fn scores_of(
    model: &Model,
    outcomes: &Outcomes,
    evidence: Option<&Evidence>,
    forecast: &Kept,
    prior: Option<&Kept>,
) -> Scores {
    let as_of = evidence.map_or(0, |e| e.as_of);
    let last_values = outcomes
        .outcomes
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            let Observed::Value {
                series, reading, ..
            } = &outcome.observed
            else {
                return None;
            };
            let level = evidence
                .and_then(|evidence| last_level(evidence, *series, as_of))
                .unwrap_or_else(|| {
                    let start = forecast.column(outcomes.outcomes.len() + index);
                    start.iter().sum::<f64>() / start.len().max(1) as f64
                });
            as_reading(level, reading)
        })
        .collect();
    let references = References { prior, last_values };
    scoring::score(model, outcomes, as_of, forecast, &references)
}

/// The series' level by the latest measurement known at `as_of` of its value in one month or
/// its mean or sum over a window (a sum's level is its mean).
fn last_level(evidence: &Evidence, series: SeriesId, as_of: usize) -> Option<f64> {
    let (_, level) = evidence
        .observations
        .iter()
        .filter(|o| o.month <= as_of)
        .filter_map(|o| {
            let measured = o.measurement().filter(|m| m.series == series)?;
            let value = match measured.error {
                ErrorModel::Normal { value, .. } | ErrorModel::Relative { value, .. } => value,
                _ => return None,
            };
            let level = match &measured.reading {
                Reading::Month(_) | Reading::Mean(_) => value,
                Reading::Sum(window) => value / window.clone().count() as f64,
                Reading::Growth { .. } => return None,
            };
            Some((o.month, level))
        })
        .max_by_key(|(month, _)| *month)?;
    Some(level)
}

/// A level held flat, as an outcome reads it: itself for a month or a window's mean, times the
/// window's length for a sum. A growth has no last-value forecast.
fn as_reading(level: f64, reading: &Reading) -> Option<f64> {
    match reading {
        Reading::Month(_) | Reading::Mean(_) => Some(level),
        Reading::Sum(window) => Some(level * window.clone().count() as f64),
        Reading::Growth { .. } => None,
    }
}
