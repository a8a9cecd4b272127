//! `still_initial.csv`: the share of paths that have not yet left the starting posture, month by
//! month, with its 95% interval: the survival curve of the first departure.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::output::render::csv::{estimate_fields, finish, ESTIMATE_COLUMNS};

pub const STILL_INITIAL_FILE: &str = "still_initial.csv";

pub struct StillInitialTable;

impl Export for StillInitialTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let model = report.model;
        let initial = &model.postures[model.choice.initial].name;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = ["month", "posture"].iter().chain(&ESTIMATE_COLUMNS);
        writer.write_record(header.chain(&["date"]))?;
        for (month, departed) in report.estimates.departed_by.iter().enumerate() {
            let mut record = vec![month.to_string(), initial.clone()];
            record.extend(estimate_fields(&departed.complement()));
            record.push(super::tables::date(model, month));
            writer.write_record(&record)?;
        }
        Ok(vec![Artifact::write(
            folder,
            STILL_INITIAL_FILE,
            &finish(writer)?,
        )?])
    }
}
