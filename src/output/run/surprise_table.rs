//! `surprise.csv` (after `--evidence` with measurements): for each measured value, where it lies
//! among the values the model produced that month before any weighting, and whether the model
//! can explain it at all. A value beyond every simulated path, even allowing three of its
//! standard errors, is not absorbed quietly by the few paths nearest it: it is reported, and the
//! run prints a warning.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::Model;
use crate::output::render::csv::{finish, fixed4, fixed6};
use crate::stats::tally::histogram_share_below;
use crate::stats::Tally;
use crate::weighting::PathWeighting;

pub const SURPRISE_FILE: &str = "surprise.csv";

/// Beyond this share of the model's own values on either side, a value is in its far tail.
const FAR_TAIL: f64 = 0.001;

impl Surprise {
    /// Whether the model produces such values at all.
    pub fn explained(&self) -> bool {
        self.verdict.starts_with("within")
    }

    /// The warning a run prints for a value the model does not explain.
    pub fn warning(&self) -> String {
        format!(
            "`{}` ({} = {} at month {}) is {}; the model's values that month run from {} to {}",
            self.observation,
            self.series,
            self.value,
            self.month,
            self.verdict,
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
    pub value: f64,
    pub sd: f64,
    pub lowest: f64,
    pub highest: f64,
    /// The share of the model's values below the measured value (its prior quantile).
    pub share_below: f64,
    pub verdict: &'static str,
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
    let evidence = match weighting {
        PathWeighting::Evidence(evidence) | PathWeighting::GivenAndEvidence(_, evidence) => {
            evidence
        }
        PathWeighting::Given(_) => return Vec::new(),
    };
    let mut found = Vec::new();
    for observation in &evidence.observations {
        let Some((series, value, sd)) = observation.measured() else {
            continue;
        };
        let index = series.0 as usize;
        let Some((lowest, highest)) = tally.range_of(observation.month, index, 0) else {
            continue;
        };
        let share_below = match tally.dims.binning[index] {
            Some(binning) => {
                let slots = tally.histogram_of(observation.month, index, 0);
                histogram_share_below(&slots, &binning, value)
            }
            None => f64::NAN,
        };
        found.push(Surprise {
            observation: observation.name.clone(),
            month: observation.month,
            series: model.series[index].name.clone(),
            value,
            sd,
            lowest,
            highest,
            share_below,
            verdict: verdict(value, sd, (lowest, highest), share_below),
        });
    }
    found
}

fn verdict(value: f64, sd: f64, (lowest, highest): (f64, f64), share_below: f64) -> &'static str {
    if value + 3.0 * sd < lowest || value - 3.0 * sd > highest {
        "beyond every simulated path: the model cannot explain it"
    } else if !(FAR_TAIL..=1.0 - FAR_TAIL).contains(&share_below) {
        "in the model's far tail (rarer than 1 in 1,000)"
    } else {
        "within what the model produces"
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
            "value",
            "sd",
            "model_lowest",
            "model_highest",
            "model_share_below",
            "verdict",
            "date",
        ])?;
        for surprise in &found {
            writer.write_record([
                surprise.observation.clone(),
                surprise.month.to_string(),
                surprise.series.clone(),
                fixed4(surprise.value),
                fixed4(surprise.sd),
                fixed4(surprise.lowest),
                fixed4(surprise.highest),
                fixed6(surprise.share_below),
                surprise.verdict.to_string(),
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
    use super::verdict;

    #[test]
    fn a_value_is_explained_unexplained_or_in_the_far_tail() {
        let range = (90.0, 225.0);
        assert_eq!(
            verdict(150.0, 10.0, range, 0.7),
            "within what the model produces"
        );
        assert_eq!(
            verdict(400.0, 10.0, range, 1.0),
            "beyond every simulated path: the model cannot explain it"
        );
        // Three standard errors reach back into the range: not beyond, but far out.
        assert_eq!(
            verdict(250.0, 10.0, range, 1.0),
            "in the model's far tail (rarer than 1 in 1,000)"
        );
        assert_eq!(
            verdict(91.0, 1.0, range, 0.0002),
            "in the model's far tail (rarer than 1 in 1,000)"
        );
    }
}
