//! `evidence_postures.csv` (after `--evidence`) or `given.csv` (after `--given`): each posture's
//! probability by month before and after weighting, side by side, with the effective number of
//! paths behind each column.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::output::render::csv::fixed6;

pub struct WeightedTable;

impl Export for WeightedTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let Some(weighted) = &report.weighted else {
            return Ok(Vec::new());
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "month",
            "posture",
            "prior",
            "prior_ci_low",
            "prior_ci_high",
            "updated",
            "updated_ci_low",
            "updated_ci_high",
            "change",
            "prior_effective_paths",
            "updated_effective_paths",
            "date",
        ])?;
        let (prior, updated) = (weighted.prior, report.estimates);
        for month in 0..updated.months {
            for (index, posture) in report.model.postures_with_ids() {
                let (before, after) = (
                    prior.posture_at(month, index),
                    updated.posture_at(month, index),
                );
                let numbers = [
                    before.probability,
                    before.ci_low,
                    before.ci_high,
                    after.probability,
                    after.ci_low,
                    after.ci_high,
                    after.probability - before.probability,
                ];
                let record = [month.to_string(), posture.name.clone()]
                    .into_iter()
                    .chain(numbers.map(fixed6))
                    .chain(
                        [prior.effective_paths, updated.effective_paths].map(|n| format!("{n:.1}")),
                    )
                    .chain([super::tables::date(report.model, month)]);
                writer.write_record(record)?;
            }
        }
        let bytes = crate::output::render::csv::finish(writer)?;
        Ok(vec![Artifact::write(
            folder,
            weighted.table_name(),
            &bytes,
        )?])
    }
}
