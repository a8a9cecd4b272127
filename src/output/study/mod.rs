//! A study's outputs: its table, its chart where it has one, and `study.json`, written into an
//! [`OutputFolder`] like a run's; and the summary printed when it finishes.

mod discovery;
mod discovery_chart;
pub mod discovery_table;
mod sensitivity;
pub mod sensitivity_table;
mod signpost_table;
mod signposts;
mod signposts_chart;
pub mod study_json;
pub mod summary;
mod tornado;

use std::time::Duration;

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::Model;

/// What a study found, as its outputs need it. Each study implements it once, in its own file
/// here (`sensitivity.rs`, `discovery.rs`, `signposts.rs`): its tables and chart, its settings
/// in `study.json`, its printed summary.
pub trait Findings: Sync {
    /// The study's name: its command and its folder under the scenario's outputs.
    fn kind(&self) -> &'static str;
    fn wall_time(&self) -> Duration;
    fn threads(&self) -> usize;
    /// Every path the study simulated, over all its designs.
    fn simulated_paths(&self) -> u64;
    /// The study's own settings, as its command line set them, for `study.json`.
    fn settings(&self) -> serde_json::Value;
    /// Writes its tables and chart, and lists them.
    fn write(&self, model: &Model, folder: &OutputFolder) -> Result<Vec<Artifact>>;
    /// What the study found, in the few lines printed below the summary's heading.
    fn summarize(&self, text: &mut String, model: &Model);
}

/// Everything a study's exporters need.
pub struct StudyReport<'a> {
    pub model: &'a Model,
    pub findings: &'a dyn Findings,
    /// When the study started, RFC 3339.
    pub started_at: String,
    /// The `--set` options as given.
    pub overrides: Vec<String>,
}

/// Writes everything a study command leaves: its findings and `study.json`.
pub fn write_all(report: &StudyReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let mut written = report.findings.write(report.model, folder)?;
    study_json::write(report, folder)?;
    written.push(Artifact::File(study_json::STUDY_FILE.into()));
    Ok(written)
}

/// The studies a run carries (`run --sensitivity`), written into the run's folder.
pub struct RunStudies;

impl Export for RunStudies {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        match report.sensitivity {
            Some(study) => study.write(report.model, folder),
            None => Ok(Vec::new()),
        }
    }
}
