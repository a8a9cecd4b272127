//! `evidence.csv` (after `--evidence`): the evidence's story, observation by observation in the
//! order it was assimilated: the value seen, the model's range and the chance of the observation
//! just before it (the surprise check), the effective sample size before and after, and whether
//! the paths were resampled and moved, with the moves' acceptance rate; and for a measurement,
//! what the model believes of the measured value after it (its filtered mean and sd).

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::output::render::csv::{blank_if_nan, finish, fixed4, fixed6};

pub const EVIDENCE_FILE: &str = "evidence.csv";

pub struct EvidenceTable;

impl Export for EvidenceTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let Some(assimilation) = report.assimilation else {
            return Ok(Vec::new());
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "order",
            "observation",
            "month",
            "observed",
            "model_p5",
            "model_p50",
            "model_p95",
            "predictive_probability",
            "surprising",
            "mean_likelihood",
            "ess_before",
            "ess_weighted",
            "resampled",
            "acceptance",
            "ess_after",
            "model_after_mean",
            "model_after_sd",
            "date",
        ])?;
        let number = |value: f64| blank_if_nan(value, fixed4);
        for (order, step) in assimilation.steps.iter().enumerate() {
            let record = [
                (order + 1).to_string(),
                step.observation.clone(),
                step.month.to_string(),
                step.observed.clone(),
                number(step.model_range[0]),
                number(step.model_range[1]),
                number(step.model_range[2]),
                format!("{:.3e}", step.predictive),
                yes_no(step.surprising()).into(),
                fixed6(step.mean_likelihood),
                format!("{:.1}", step.ess_before),
                format!("{:.1}", step.ess_weighted),
                yes_no(step.resampled).into(),
                number(step.acceptance),
                format!("{:.1}", step.ess_after),
                number(step.value_after.0),
                number(step.value_after.1),
                super::tables::date(report.model, step.month),
            ];
            writer.write_record(&record)?;
        }
        Ok(vec![Artifact::write(
            folder,
            EVIDENCE_FILE,
            &finish(writer)?,
        )?])
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}
