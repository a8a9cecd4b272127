//! Signposts: which observables, watched at an early month, best tell the postures held at a
//! later month apart. Each series at each watched month is cut into categories an observer could
//! report (a regime's state, whether an event is on, or a value's low, middle or high third);
//! the paths are cross-tabulated by category and final posture, and each category gets a
//! likelihood ratio per posture. Observables are ranked by the information they carry.

use std::time::Duration;

use crate::error::Result;
use crate::problem::Problem;

use super::columns;
use crate::analysis::likelihood_ratio::CrossTable;
use crate::engine::Trajectory;
use crate::model::{Model, SeriesId, SeriesKind};
use crate::runner::{collect_paths, RunOptions};
use crate::sampling::ParameterSampler;

/// What to watch and when.
#[derive(Debug, Clone)]
pub struct SignpostSettings {
    /// The month whose posture the signposts foretell.
    pub outcome_month: usize,
    /// The months the observables are read at, each before the outcome month.
    pub watch_months: Vec<usize>,
}

impl Category {
    /// The category as a `--given` condition on `series` at `month`, so an analyst can paste it.
    pub fn as_condition(&self, series: &str, month: usize) -> String {
        match self {
            Category::State(state) => format!("{series}={state}@{month}"),
            Category::Event(on) => format!("{series}={}@{month}", u8::from(*on)),
            Category::Range { lower, upper } => {
                let parts: Vec<String> = [
                    lower.map(|level| format!("{series}>{}@{month}", level_text(level))),
                    upper.map(|level| format!("{series}<={}@{month}", level_text(level))),
                ]
                .into_iter()
                .flatten()
                .collect();
                parts.join(" and ")
            }
        }
    }
}

impl Category {
    /// The category in words for a label: `war: settlement`, `trade_usd_bn ≤ 142`,
    /// `sanctions_package: on`, with `format` writing the values.
    pub fn label(&self, series: &str, format: impl Fn(f64) -> String) -> String {
        match self {
            Category::State(state) => format!("{series}: {state}"),
            Category::Event(on) => format!("{series}: {}", if *on { "on" } else { "off" }),
            Category::Range { lower, upper } => match (lower, upper) {
                (Some(lower), Some(upper)) => {
                    format!("{series} {}–{}", format(*lower), format(*upper))
                }
                (Some(lower), None) => format!("{series} > {}", format(*lower)),
                (None, Some(upper)) => format!("{series} ≤ {}", format(*upper)),
                (None, None) => series.to_string(),
            },
        }
    }
}

/// A cut written with enough digits that the condition cuts where the study did.
fn level_text(level: f64) -> String {
    let text = format!("{level:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl SignpostSettings {
    /// Months 3, 6 and 12 where they come before the outcome month, else half-way to it.
    pub fn default_watch_months(outcome_month: usize) -> Vec<usize> {
        let months: Vec<usize> = [3, 6, 12]
            .into_iter()
            .filter(|&month| month < outcome_month)
            .collect();
        if months.is_empty() {
            vec![(outcome_month / 2).max(1)]
        } else {
            months
        }
    }
}

/// What an observer would report about one series at one month.
#[derive(Debug, Clone, PartialEq)]
pub enum Category {
    /// A regime's state.
    State(String),
    /// Whether an event is on.
    Event(bool),
    /// A value above `lower` (if any) and at most `upper` (if any).
    Range {
        lower: Option<f64>,
        upper: Option<f64>,
    },
}

/// One series watched at one month.
#[derive(Debug, Clone)]
pub struct Signpost {
    pub series: SeriesId,
    pub month: usize,
    pub categories: Vec<Category>,
    pub table: CrossTable,
    pub information_bits: f64,
}

impl Signpost {
    /// The category and posture whose probability seeing the category moves furthest.
    pub fn strongest_shift(&self, postures: usize) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize, f64)> = None;
        for category in 0..self.categories.len() {
            for posture in 0..postures {
                let signal = self.table.signal(category, posture);
                let shift = (signal.updated - signal.prior).abs();
                if shift.is_finite() && best.is_none_or(|(_, _, held)| shift > held) {
                    best = Some((category, posture, shift));
                }
            }
        }
        best.map(|(category, posture, _)| (category, posture))
    }
}

/// A finished signpost study.
#[derive(Debug, Clone)]
pub struct SignpostStudy {
    pub settings: SignpostSettings,
    pub paths: u64,
    /// Most informative first.
    pub signposts: Vec<Signpost>,
    pub wall_time: Duration,
    /// Worker threads used.
    pub threads: usize,
}

/// Runs the model's paths and tabulates every series at every watched month.
pub fn study(
    model: &Model,
    settings: SignpostSettings,
    options: RunOptions,
) -> Result<SignpostStudy> {
    check_months(model, &settings).map_err(|error| Problem::new(error.to_string()))?;
    let series_count = model.series.len();
    let outcome_month = settings.outcome_month;
    let watch_months = settings.watch_months.clone();
    let keep = |_: usize, trajectory: &Trajectory, _: &[f64], kept: &mut Vec<f64>| {
        for &month in &watch_months {
            kept.extend_from_slice(trajectory.month(month));
        }
        kept.push(f64::from(trajectory.postures[outcome_month]));
    };
    let sampler = ParameterSampler::new(model);
    let collected = collect_paths(model, &[sampler], &keep, options)?;
    let mut values = columns(&collected.designs[0], watch_months.len() * series_count + 1);
    let outcomes: Vec<usize> = values
        .pop()
        .unwrap_or_default()
        .iter()
        .map(|&p| p as usize)
        .collect();
    let mut signposts: Vec<Signpost> = Vec::new();
    for (position, &month) in watch_months.iter().enumerate() {
        for series in 0..series_count {
            let observed = &values[position * series_count + series];
            let id = SeriesId(series as u32);
            if let Some(signpost) = signpost(model, id, month, observed, &outcomes) {
                signposts.push(signpost);
            }
        }
    }
    signposts.sort_by(|a, b| b.information_bits.total_cmp(&a.information_bits));
    Ok(SignpostStudy {
        settings,
        paths: outcomes.len() as u64,
        signposts,
        wall_time: collected.wall_time,
        threads: collected.threads,
    })
}

/// Why a signpost study's months cannot be used; the command line words it for its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MonthsError {
    #[error("the outcome month {outcome} is past the horizon ({horizon})")]
    OutcomePastHorizon { outcome: usize, horizon: usize },
    #[error("the outcome month {0} leaves no month to watch before it")]
    NothingToWatch(usize),
    #[error("the watched month {watched} does not come before the outcome month {outcome}")]
    WatchedTooLate { watched: usize, outcome: usize },
}

/// Checks that the outcome month lies within the horizon, from month 2, and that every watched
/// month comes before it.
pub fn check_months(model: &Model, settings: &SignpostSettings) -> Result<(), MonthsError> {
    let (outcome, horizon) = (settings.outcome_month, model.horizon());
    if outcome > horizon {
        return Err(MonthsError::OutcomePastHorizon { outcome, horizon });
    }
    if outcome < 2 {
        return Err(MonthsError::NothingToWatch(outcome));
    }
    match settings
        .watch_months
        .iter()
        .find(|&&m| m == 0 || m >= outcome)
    {
        Some(&watched) => Err(MonthsError::WatchedTooLate { watched, outcome }),
        None => Ok(()),
    }
}

/// The series' signpost at `month`, or `None` when every path shows the same thing.
fn signpost(
    model: &Model,
    series: SeriesId,
    month: usize,
    observed: &[f64],
    outcomes: &[usize],
) -> Option<Signpost> {
    let (categories, category_of) = categorise(&model.series[series].kind, observed);
    if categories.len() < 2 {
        return None;
    }
    let mut table = CrossTable::new(categories.len(), model.postures.len());
    for (value, &outcome) in observed.iter().zip(outcomes) {
        table.add(category_of(*value), outcome);
    }
    Some(Signpost {
        series,
        month,
        categories,
        information_bits: table.information_bits(),
        table,
    })
}

type CategoryOf = Box<dyn Fn(f64) -> usize>;

/// The categories an observer reports for a series, and the category of a value.
fn categorise(kind: &SeriesKind, observed: &[f64]) -> (Vec<Category>, CategoryOf) {
    match kind {
        SeriesKind::Regime(regime) => {
            let seen: Vec<bool> = (0..regime.states.len())
                .map(|state| observed.iter().any(|&v| v as usize == state))
                .collect();
            let states = regime.states.clone();
            if seen.iter().filter(|&&s| s).count() < 2 {
                return (Vec::new(), Box::new(|_| 0));
            }
            let categories = states.iter().map(|s| Category::State(s.clone())).collect();
            (categories, Box::new(|v| v as usize))
        }
        SeriesKind::Event(_) => {
            let categories = vec![Category::Event(false), Category::Event(true)];
            let both = observed.iter().any(|&v| v > 0.5) && observed.iter().any(|&v| v <= 0.5);
            let categories = if both { categories } else { Vec::new() };
            (categories, Box::new(|v| usize::from(v > 0.5)))
        }
        SeriesKind::Process(_) | SeriesKind::Formula { .. } => thirds(observed),
    }
}

/// Low, middle and high thirds of the observed values (fewer where values tie).
fn thirds(observed: &[f64]) -> (Vec<Category>, CategoryOf) {
    let mut sorted = observed.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return (Vec::new(), Box::new(|_| 0));
    }
    let largest = sorted.last().copied().unwrap_or(0.0);
    let mut cuts: Vec<f64> = [sorted[n / 3], sorted[2 * n / 3]]
        .into_iter()
        .filter(|&cut| cut < largest)
        .collect();
    cuts.dedup();
    let bounds: Vec<Option<f64>> = std::iter::once(None)
        .chain(cuts.iter().copied().map(Some))
        .chain(std::iter::once(None))
        .collect();
    let categories = if cuts.is_empty() {
        Vec::new()
    } else {
        bounds
            .windows(2)
            .map(|pair| Category::Range {
                lower: pair[0],
                upper: pair[1],
            })
            .collect()
    };
    (
        categories,
        Box::new(move |v| cuts.iter().filter(|&&cut| v > cut).count()),
    )
}
