//! A study's outputs: its table, its chart where it has one, and `study.json`, written into an
//! [`OutputFolder`] like a run's; and the summary printed when it finishes.

mod discovery_chart;
pub mod discovery_table;
pub mod sensitivity_table;
pub mod signpost_table;
mod signposts_chart;
pub mod study_json;
pub mod summary;
mod tornado;

use std::time::Duration;

use anyhow::Result;

use super::render::render_figure;
use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::Model;
use crate::studies::discovery::DiscoveryStudy;
use crate::studies::sensitivity::SensitivityStudy;
use crate::studies::signposts::SignpostStudy;
use discovery_chart::TradeoffChart;
use signposts_chart::WatchlistChart;
use tornado::TornadoChart;

/// What a study found.
#[derive(Clone, Copy)]
pub enum Findings<'a> {
    Sensitivity(&'a SensitivityStudy),
    Discovery(&'a DiscoveryStudy),
    Signposts(&'a SignpostStudy),
}

impl Findings<'_> {
    /// The study's name: its command and its folder under the scenario's outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            Findings::Sensitivity(_) => "sensitivity",
            Findings::Discovery(_) => "discovery",
            Findings::Signposts(_) => "signposts",
        }
    }

    pub fn wall_time(&self) -> Duration {
        match self {
            Findings::Sensitivity(study) => study.wall_time,
            Findings::Discovery(study) => study.wall_time,
            Findings::Signposts(study) => study.wall_time,
        }
    }

    pub fn threads(&self) -> usize {
        match self {
            Findings::Sensitivity(study) => study.threads,
            Findings::Discovery(study) => study.threads,
            Findings::Signposts(study) => study.threads,
        }
    }

    /// Every path the study simulated, over all its designs.
    pub fn simulated_paths(&self) -> u64 {
        match self {
            Findings::Sensitivity(study) => {
                study.paths + 2 * study.settings.swing_paths * study.effects.len() as u64
            }
            Findings::Discovery(study) => study.paths,
            Findings::Signposts(study) => study.paths,
        }
    }
}

/// Everything a study's exporters need.
pub struct StudyReport<'a> {
    pub model: &'a Model,
    pub findings: Findings<'a>,
    /// When the study started, RFC 3339.
    pub started_at: String,
    /// The `--set` options as given.
    pub overrides: Vec<String>,
}

/// Writes the study's table and chart (not `study.json`: a run that carries a study has its own
/// record).
pub fn write_findings(
    findings: &Findings,
    model: &Model,
    folder: &OutputFolder,
) -> Result<Vec<Artifact>> {
    let (tables, chart) = match findings {
        Findings::Sensitivity(study) => {
            sensitivity_table::write(study, model, folder)?;
            let chart = render_figure(&TornadoChart { study, model }, folder)?;
            (vec![sensitivity_table::SENSITIVITY_FILE], chart)
        }
        Findings::Discovery(study) => {
            discovery_table::write(study, model, folder)?;
            let chart = render_figure(&TradeoffChart { study, model }, folder)?;
            let tables = vec![
                discovery_table::DISCOVERY_FILE,
                discovery_table::PEELING_FILE,
            ];
            (tables, chart)
        }
        Findings::Signposts(study) => {
            signpost_table::write(study, model, folder)?;
            let chart = render_figure(&WatchlistChart { study, model }, folder)?;
            (vec![signpost_table::SIGNPOST_FILE], chart)
        }
    };
    let files = tables.into_iter().map(|name| Artifact::File(name.into()));
    Ok(files.chain([Artifact::Chart(chart)]).collect())
}

/// Writes everything a study command leaves: its findings and `study.json`.
pub fn write_all(report: &StudyReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let mut written = write_findings(&report.findings, report.model, folder)?;
    study_json::write(report, folder)?;
    written.push(Artifact::File(study_json::STUDY_FILE.into()));
    Ok(written)
}

/// The studies a run carries (`run --sensitivity`), written into the run's folder.
pub struct RunStudies;

impl Export for RunStudies {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        match report.sensitivity {
            Some(study) => write_findings(&Findings::Sensitivity(study), report.model, folder),
            None => Ok(Vec::new()),
        }
    }
}
