//! `study.json`: what was studied, how, and a hash of the model, so the study can be repeated.

use crate::error::Result;
use serde::Serialize;
use serde_json::Value;

use super::StudyReport;
use crate::model::RunSettings;
use crate::output::OutputFolder;

pub const STUDY_FILE: &str = "study.json";

#[derive(Serialize)]
struct StudyRecord<'a> {
    program: &'static str,
    version: &'static str,
    study: &'static str,
    scenario: &'a str,
    file: String,
    model_hash: String,
    horizon_months: u32,
    run: &'a RunSettings,
    overrides: &'a [String],
    settings: Value,
    simulated_paths: u64,
    threads: usize,
    started_at: &'a str,
    wall_time_seconds: f64,
}

pub fn write(report: &StudyReport, folder: &OutputFolder) -> Result<()> {
    let model = report.model;
    let record = StudyRecord {
        program: "foresight",
        version: env!("CARGO_PKG_VERSION"),
        study: report.findings.kind(),
        scenario: &model.meta.name,
        file: model.meta.file.display().to_string(),
        model_hash: model.model_hash(),
        horizon_months: model.meta.horizon_months,
        run: &model.run,
        overrides: &report.overrides,
        settings: report.findings.settings(),
        simulated_paths: report.findings.simulated_paths(),
        threads: report.findings.threads(),
        started_at: &report.started_at,
        wall_time_seconds: report.findings.wall_time().as_secs_f64(),
    };
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    folder.write(STUDY_FILE, text.as_bytes())
}
