//! Charts of a run (filled in below).

use anyhow::Result;

use super::{Export, OutputFolder, RunReport};

pub struct Charts;

impl Export for Charts {
    fn file_names(&self, _: &RunReport) -> Vec<String> {
        Vec::new()
    }

    fn write(&self, _: &RunReport, _: &OutputFolder) -> Result<()> {
        Ok(())
    }
}
