//! `sweep.json`: the model, the varied parameters and their design, and the run settings, so
//! the sweep can be repeated.

use crate::error::Result;
use serde::Serialize;

use super::SweepReport;
use crate::model::RunSettings;
use crate::output::OutputFolder;
use crate::studies::sweep_design::SweepDesign;

pub const SWEEP_JSON: &str = "sweep.json";

#[derive(Serialize)]
struct SweepRecord<'a> {
    program: &'static str,
    version: &'static str,
    scenario: &'a str,
    file: String,
    model_hash: String,
    run: &'a RunSettings,
    overrides: &'a [String],
    varied: Vec<VaryRecord<'a>>,
    design: SweepDesign,
    points: usize,
    chart_month: usize,
    threads: usize,
    started_at: &'a str,
    wall_time_seconds: f64,
}

#[derive(Serialize)]
struct VaryRecord<'a> {
    name: &'a str,
    from: f64,
    to: f64,
    steps: usize,
}

pub fn write(report: &SweepReport, folder: &OutputFolder) -> Result<()> {
    let model = report.model;
    let record = SweepRecord {
        program: "foresight",
        version: env!("CARGO_PKG_VERSION"),
        scenario: &model.meta.name,
        file: model.meta.file.display().to_string(),
        model_hash: model.model_hash(),
        run: &model.run,
        overrides: &report.overrides,
        varied: report
            .varied
            .iter()
            .map(|vary| VaryRecord {
                name: &vary.name,
                from: vary.from,
                to: vary.to,
                steps: vary.steps,
            })
            .collect(),
        design: report.design,
        points: report.points.len(),
        chart_month: report.outcome_month,
        threads: report.threads,
        started_at: &report.started_at,
        wall_time_seconds: report.wall_time.as_secs_f64(),
    };
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    folder.write(SWEEP_JSON, text.as_bytes())
}
