//! A run's outputs: one exporter per format behind [`Export`], written into an [`OutputFolder`].

pub mod charts;
pub mod console;
pub mod csv_tables;
pub mod folder;
pub mod run_json;

use std::time::Duration;

use anyhow::Result;

pub use folder::{Destination, OutputFolder};

use crate::model::Model;
use crate::stats::{Estimates, Tally};

/// Everything an exporter may need about a finished run.
pub struct RunReport<'a> {
    pub model: &'a Model,
    pub tally: &'a Tally,
    pub estimates: &'a Estimates,
    pub threads: usize,
    pub wall_time: Duration,
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// The `--set` options as given.
    pub overrides: Vec<String>,
}

/// One output format.
pub trait Export {
    /// The files it writes, for the user's summary.
    fn file_names(&self, report: &RunReport) -> Vec<String>;
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<()>;
}

/// Every exporter a run writes.
pub fn exporters() -> Vec<Box<dyn Export>> {
    vec![
        Box::new(csv_tables::CsvTables),
        Box::new(run_json::RunJson),
        Box::new(charts::Charts),
    ]
}

/// Writes every format into the folder.
pub fn write_all(report: &RunReport, folder: &OutputFolder) -> Result<()> {
    for exporter in exporters() {
        exporter.write(report, folder)?;
    }
    Ok(())
}
