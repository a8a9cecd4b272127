//! `surprise.csv` (after `--evidence` with measurements): for each measured value, where it lies
//! among the values the model produced that month before any weighting, and whether the model
//! can explain it at all. A value beyond every simulated path, even allowing three of its
//! standard errors, is not absorbed quietly by the few paths nearest it: it is reported, and the
//! run prints a warning.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::Model;
use crate::output::render::csv::{blank_if_nan, finish, fixed4, fixed6};
use crate::stats::tally::histogram_share_below;
use crate::stats::Tally;
use crate::weighting::measurement::{ErrorModel, Reading};
use crate::weighting::PathWeighting;

pub const SURPRISE_FILE: &str = "surprise.csv";

/// Beyond this share of the model's own values on either side, a value is in its far tail.
const FAR_TAIL: f64 = 0.001;

/// How far a measurement's error is allowed to stretch before a value counts as unexplained.
const SLACK_SDS: f64 = 3.0;

/// What the model makes of one measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Within,
    FarTail,
    Beyond,
    /// A window's mean, sum or growth: the tally keeps values month by month, not windows.
    NotPlaced,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Within => "within what the model produces",
            Verdict::FarTail => "in the model's far tail (rarer than 1 in 1,000)",
            Verdict::Beyond => "beyond every simulated path: the model cannot explain it",
            Verdict::NotPlaced => {
                "not placed: a window's values are not kept by month (evidence.csv places it \
                 when the paths are resampled)"
            }
        }
    }
}

impl Surprise {
    /// Whether the model produces such values at all (or the value could not be placed).
    pub fn explained(&self) -> bool {
        matches!(self.verdict, Verdict::Within | Verdict::NotPlaced)
    }

    /// The warning a run prints for a value the model does not explain.
    pub fn warning(&self) -> String {
        format!(
            "`{}` ({} {} at month {}) is {}; the model's values that month run from {} to {}",
            self.observation,
            self.series,
            match self.error {
                ErrorModel::Normal { .. } | ErrorModel::Relative { .. } => {
                    format!("= {}", self.error.describe())
                }
                _ => self.error.describe(),
            },
            self.month,
            self.verdict.text(),
            fixed4(self.lowest),
            fixed4(self.highest),
        )
    }
}

/// Where one measured value lies among the model's values.
pub struct Surprise {
    pub observation: String,
    pub month: usize,
    pub series: String,
    pub error: ErrorModel,
    /// The model's least and greatest value that month (NaN where not placed).
    pub lowest: f64,
    pub highest: f64,
    /// The share of the model's values below the measured value or bound (its prior quantile);
    /// NaN for an interval or where not placed.
    pub share_below: f64,
    pub verdict: Verdict,
}

/// Each measurement of the run's evidence, placed among the model's unweighted values.
pub fn surprises(report: &RunReport) -> Vec<Surprise> {
    match &report.weighted {
        Some(weighted) => surprises_of(report.model, weighted.weighting, weighted.prior_tally),
        None => Vec::new(),
    }
}

/// Each measurement of a weighting's evidence, placed among the values of `tally` (the paths
/// before weighting).
pub fn surprises_of(model: &Model, weighting: &PathWeighting, tally: &Tally) -> Vec<Surprise> {
    let Some(evidence) = weighting.evidence() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for observation in &evidence.observations {
        let Some(measurement) = observation.measurement() else {
            continue;
        };
        let index = measurement.series.0 as usize;
        let mut surprise = Surprise {
            observation: observation.name.clone(),
            month: measurement.reading.last_month(),
            series: model.series[index].name.clone(),
            error: measurement.error,
            lowest: f64::NAN,
            highest: f64::NAN,
            share_below: f64::NAN,
            verdict: Verdict::NotPlaced,
        };
        if let Reading::Month(month) = measurement.reading {
            let Some(range) = tally.range_of(month, index, 0) else {
                continue;
            };
            let share_below = |value: f64| match tally.dims.binning[index] {
                Some(binning) => {
                    histogram_share_below(&tally.histogram_of(month, index, 0), &binning, value)
                }
                None => f64::NAN,
            };
            (surprise.lowest, surprise.highest) = range;
            surprise.share_below = match measurement.error {
                ErrorModel::Between { .. } => f64::NAN,
                error => share_below(error.central()),
            };
            surprise.verdict = verdict(&measurement.error, range, share_below);
        }
        found.push(surprise);
    }
    found
}

/// Beyond every path when no value the model produced comes within [`SLACK_SDS`] errors of
/// what was measured; in the far tail when almost none of them is what was measured.
fn verdict(error: &ErrorModel, range: (f64, f64), share_below: impl Fn(f64) -> f64) -> Verdict {
    let (reach_low, reach_high) = reach(error);
    if reach_high < range.0 || reach_low > range.1 {
        return Verdict::Beyond;
    }
    let rare = |share: f64| share < FAR_TAIL;
    let far = match *error {
        ErrorModel::Normal { value, .. } | ErrorModel::Relative { value, .. } => {
            let below = share_below(value);
            rare(below) || rare(1.0 - below)
        }
        ErrorModel::AtLeast { bound, .. } => rare(1.0 - share_below(bound)),
        ErrorModel::AtMost { bound, .. } => rare(share_below(bound)),
        ErrorModel::Between { low, high, .. } => rare(share_below(high) - share_below(low)),
    };
    if far {
        Verdict::FarTail
    } else {
        Verdict::Within
    }
}

/// The model values a measurement allows within [`SLACK_SDS`] of its errors.
fn reach(error: &ErrorModel) -> (f64, f64) {
    let slack = SLACK_SDS * error.sd();
    match *error {
        ErrorModel::Normal { value, .. } => (value - slack, value + slack),
        ErrorModel::Relative { value, .. } => (value * (-slack).exp(), value * slack.exp()),
        ErrorModel::AtLeast { bound, .. } => (bound - slack, f64::INFINITY),
        ErrorModel::AtMost { bound, .. } => (f64::NEG_INFINITY, bound + slack),
        ErrorModel::Between { low, high, .. } => (low - slack, high + slack),
    }
}

pub struct SurpriseTable;

impl Export for SurpriseTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let found = surprises(report);
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "observation",
            "month",
            "series",
            "error",
            "value",
            "low",
            "high",
            "sd",
            "model_lowest",
            "model_highest",
            "model_share_below",
            "verdict",
            "date",
        ])?;
        let number = |value: f64| blank_if_nan(value, fixed4);
        for surprise in &found {
            let [value, low, high] = surprise
                .error
                .value_low_high()
                .map(|value| value.map_or_else(String::new, fixed4));
            writer.write_record([
                surprise.observation.clone(),
                surprise.month.to_string(),
                surprise.series.clone(),
                surprise.error.name().to_string(),
                value,
                low,
                high,
                fixed4(surprise.error.sd()),
                number(surprise.lowest),
                number(surprise.highest),
                blank_if_nan(surprise.share_below, fixed6),
                surprise.verdict.text().to_string(),
                super::tables::date(report.model, surprise.month),
            ])?;
        }
        Ok(vec![Artifact::write(
            folder,
            SURPRISE_FILE,
            &finish(writer)?,
        )?])
    }
}

#[cfg(test)]
mod tests {
    use super::{verdict, ErrorModel, Verdict};

    /// Model values spread evenly over 90..225, but for a far tail of 1 in 5,000 either side.
    fn share_below(x: f64) -> f64 {
        0.0002 + 0.9996 * ((x - 90.0) / 135.0).clamp(0.0, 1.0)
    }

    fn of(error: ErrorModel) -> Verdict {
        verdict(&error, (90.0, 225.0), share_below)
    }

    #[test]
    fn a_point_value_is_explained_unexplained_or_in_the_far_tail() {
        let normal = |value, sd| of(ErrorModel::Normal { value, sd });
        assert_eq!(normal(150.0, 10.0), Verdict::Within);
        assert_eq!(normal(400.0, 10.0), Verdict::Beyond);
        // Three standard errors reach back into the range: not beyond, but far out.
        assert_eq!(normal(250.0, 10.0), Verdict::FarTail);
        assert_eq!(normal(89.0, 1.0), Verdict::FarTail);
        // In proportion: 3 sds of the log reach from 300 down to 300 / e^0.6 = 165.
        let relative = |value, sd| of(ErrorModel::Relative { value, sd });
        assert_eq!(relative(300.0, 0.2), Verdict::FarTail);
        assert_eq!(relative(300.0, 0.05), Verdict::Beyond);
        assert_eq!(relative(150.0, 0.05), Verdict::Within);
    }

    #[test]
    fn a_bound_is_unexplained_only_when_no_value_comes_near_its_side() {
        let at_least = |bound, sd| of(ErrorModel::AtLeast { bound, sd });
        assert_eq!(at_least(50.0, 0.0), Verdict::Within);
        assert_eq!(at_least(200.0, 0.0), Verdict::Within);
        assert_eq!(at_least(225.0, 10.0), Verdict::FarTail);
        assert_eq!(at_least(260.0, 10.0), Verdict::Beyond);
        let at_most = |bound, sd| of(ErrorModel::AtMost { bound, sd });
        assert_eq!(at_most(400.0, 0.0), Verdict::Within);
        assert_eq!(at_most(89.0, 1.0), Verdict::FarTail);
        assert_eq!(at_most(80.0, 1.0), Verdict::Beyond);
        let between = |low, high| of(ErrorModel::Between { low, high, sd: 1.0 });
        assert_eq!(between(100.0, 110.0), Verdict::Within);
        assert_eq!(between(0.0, 400.0), Verdict::Within);
        assert_eq!(between(226.0, 300.0), Verdict::FarTail);
        assert_eq!(between(230.0, 300.0), Verdict::Beyond);
        assert_eq!(between(10.0, 80.0), Verdict::Beyond);
    }
}
