//! What a run reports, computed from its tally: probabilities with intervals, quantiles by month.

use super::interval::Estimate;
use super::tally::{histogram_quantile, Tally};
use crate::model::{Model, PostureId, Role, SeriesId, SeriesKind};

/// The quantiles reported for every series.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// The months of the headline table: 6, 12 and 24 within the horizon, and the horizon itself.
pub fn headline_months(horizon: usize) -> Vec<usize> {
    let mut months: Vec<usize> = [6, 12, 24]
        .into_iter()
        .filter(|&month| month <= horizon)
        .collect();
    if horizon > 0 && !months.contains(&horizon) {
        months.push(horizon);
    }
    months
}

/// One series summarised at one month over one subset of paths.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    pub month: usize,
    pub series: SeriesId,
    /// 0 = all paths, 1 + k = paths holding posture k at the horizon.
    pub subset: usize,
    pub mean: f64,
    pub quantiles: [f64; 5],
}

/// Every estimate a run reports.
#[derive(Debug, Clone)]
pub struct Estimates {
    pub months: usize,
    pub postures: usize,
    /// `[month][posture]`: P(posture held at month).
    pub posture: Vec<Estimate>,
    /// `[posture][month]`: P(posture held at any month up to and including this one).
    pub ever_held: Vec<Estimate>,
    /// `[month]`: P(first departure from the initial posture happens this month).
    pub departure: Vec<f64>,
    /// `[month]`: P(the actor has left its initial posture by this month).
    pub departed_by: Vec<Estimate>,
    /// P(the actor never leaves its initial posture within the horizon).
    pub never_departs: Estimate,
    /// `(month, regime series, state index, probability)`.
    pub regime: Vec<(usize, SeriesId, usize, Estimate)>,
    pub series: Vec<SeriesSummary>,
    pub effective_paths: f64,
    /// Share of each subset's weight in the whole.
    pub subset_share: Vec<f64>,
}

impl Estimates {
    pub fn from_tally(model: &Model, tally: &Tally) -> Self {
        let months = tally.dims.months;
        let postures = tally.dims.postures;
        let effective = tally.effective_paths();
        let share = |weight: u64| weight as f64 / tally.weight.max(1) as f64;
        let estimate = |weight: u64| Estimate::wilson(share(weight), effective);
        let posture = tally
            .posture
            .iter()
            .map(|&weight| estimate(weight))
            .collect();
        let ever_held = (0..postures)
            .flat_map(|posture| {
                let row =
                    &tally.first_held[posture * (months + 1)..posture * (months + 1) + months];
                cumulative(row)
                    .into_iter()
                    .map(estimate)
                    .collect::<Vec<_>>()
            })
            .collect();
        let departure_months = &tally.first_departure[..months];
        Estimates {
            months,
            postures,
            posture,
            ever_held,
            departure: departure_months
                .iter()
                .map(|&weight| share(weight))
                .collect(),
            departed_by: cumulative(departure_months)
                .into_iter()
                .map(estimate)
                .collect(),
            never_departs: estimate(tally.first_departure[months]),
            regime: regime_estimates(model, tally, &estimate),
            series: series_summaries(model, tally),
            effective_paths: effective,
            subset_share: tally
                .subset_weight
                .iter()
                .map(|&weight| share(weight))
                .collect(),
        }
    }

    pub fn posture_at(&self, month: usize, posture: PostureId) -> Estimate {
        self.posture[month * self.postures + posture.index()]
    }

    pub fn ever_held_by(&self, posture: PostureId, month: usize) -> Estimate {
        self.ever_held[posture.index() * self.months + month]
    }

    /// The first month by which at least half the paths have left the initial posture.
    pub fn median_departure_month(&self) -> Option<usize> {
        self.departed_by
            .iter()
            .position(|estimate| estimate.probability >= 0.5)
    }

    /// Summaries of series with the given role.
    pub fn series_with_role<'a>(
        &'a self,
        model: &'a Model,
        role: Role,
    ) -> impl Iterator<Item = &'a SeriesSummary> {
        self.series
            .iter()
            .filter(move |summary| model.series[summary.series].role == role)
    }
}

fn cumulative(weights: &[u64]) -> Vec<u64> {
    let mut running = 0;
    weights
        .iter()
        .map(|weight| {
            running += weight;
            running
        })
        .collect()
}

fn regime_estimates(
    model: &Model,
    tally: &Tally,
    estimate: &dyn Fn(u64) -> Estimate,
) -> Vec<(usize, SeriesId, usize, Estimate)> {
    let mut rows = Vec::new();
    for month in 0..tally.dims.months {
        for (series, regime) in model.regimes() {
            for state in 0..regime.states.len() {
                let weight =
                    tally.regime[month * tally.dims.regime_states + regime.first_state + state];
                rows.push((month, series, state, estimate(weight)));
            }
        }
    }
    rows
}

fn series_summaries(model: &Model, tally: &Tally) -> Vec<SeriesSummary> {
    let mut rows = Vec::new();
    for month in 0..tally.dims.months {
        for (series, definition) in model.series.iter().enumerate() {
            if matches!(definition.kind, SeriesKind::Regime(_)) {
                continue;
            }
            let Some(binning) = tally.dims.binning[series] else {
                continue;
            };
            for subset in 0..tally.dims.subsets() {
                let slots = &tally.histogram_of(month, series, subset);
                let (low, high) = tally
                    .range_of(month, series, subset)
                    .unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                let quantile = |q| histogram_quantile(slots, &binning, q).clamp(low, high);
                rows.push(SeriesSummary {
                    month,
                    series: SeriesId(series as u32),
                    subset,
                    mean: tally.mean_of(month, series, subset),
                    quantiles: QUANTILES.map(quantile),
                });
            }
        }
    }
    rows
}
