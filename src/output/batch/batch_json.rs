//! `batch.json`: what the batch ran: its file, each scenario's file, overrides and model hash,
//! and the run settings, so every figure in the comparison can be reproduced.

use crate::error::Result;
use serde::Serialize;

use super::BatchReport;
use crate::model::RunSettings;
use crate::output::OutputFolder;

pub const BATCH_FILE: &str = "batch.json";

#[derive(Serialize)]
struct BatchRecord<'a> {
    program: &'static str,
    version: &'static str,
    batch: &'a str,
    title: &'a str,
    file: String,
    overrides: &'a [String],
    scenarios: Vec<ScenarioRecord<'a>>,
    threads: usize,
    started_at: &'a str,
    wall_time_seconds: f64,
}

#[derive(Serialize)]
struct ScenarioRecord<'a> {
    folder: &'a str,
    label: &'a str,
    file: String,
    model_hash: String,
    run: &'a RunSettings,
    wall_time_seconds: f64,
}

pub fn write(report: &BatchReport, folder: &OutputFolder) -> Result<()> {
    let record = BatchRecord {
        program: "foresight",
        version: env!("CARGO_PKG_VERSION"),
        batch: &report.batch.name,
        title: &report.batch.title,
        file: report.batch.file.display().to_string(),
        overrides: &report.overrides,
        scenarios: report
            .scenarios
            .iter()
            .map(|scenario| ScenarioRecord {
                folder: &scenario.folder,
                label: &scenario.label,
                file: scenario.model.meta.file.display().to_string(),
                model_hash: scenario.model.model_hash(),
                run: &scenario.model.run,
                wall_time_seconds: scenario.wall_time.as_secs_f64(),
            })
            .collect(),
        threads: report.threads,
        started_at: &report.started_at,
        wall_time_seconds: report.wall_time.as_secs_f64(),
    };
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    folder.write(BATCH_FILE, text.as_bytes())
}
