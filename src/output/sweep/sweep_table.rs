//! `sweep.csv`: one row per point, posture and month, the varied parameters' values in columns
//! named after them; `crossovers.csv`: for a one-parameter sweep, each place where one posture's
//! probability overtakes another's, by month.

use crate::error::Result;

use super::SweepReport;
use crate::output::render::csv::{finish, fixed6};
use crate::output::{Artifact, OutputFolder};

pub const SWEEP_FILE: &str = "sweep.csv";
pub const CROSSOVER_FILE: &str = "crossovers.csv";

pub fn write(report: &SweepReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let mut written = vec![Artifact::write(folder, SWEEP_FILE, &points_table(report)?)?];
    if report.varied.len() == 1 {
        written.push(Artifact::write(
            folder,
            CROSSOVER_FILE,
            &crossover_table(report)?,
        )?);
    }
    Ok(written)
}

fn points_table(report: &SweepReport) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = std::iter::once("point".to_string())
        .chain(report.varied.iter().map(|vary| vary.name.clone()))
        .chain(
            [
                "posture",
                "month",
                "probability",
                "ci_low",
                "ci_high",
                "date",
            ]
            .map(String::from),
        )
        .collect();
    writer.write_record(&header)?;
    let months = report.months();
    for (index, point) in report.points.iter().enumerate() {
        for (posture, name) in report
            .model
            .postures_with_ids()
            .map(|(id, p)| (id, &p.name))
        {
            for &month in &months {
                let estimate = point.estimates.posture_at(month, posture);
                let record: Vec<String> = std::iter::once((index + 1).to_string())
                    .chain(point.values.iter().map(|&value| fixed6(value)))
                    .chain([name.clone(), month.to_string()])
                    .chain([estimate.probability, estimate.ci_low, estimate.ci_high].map(fixed6))
                    .chain([report.model.meta.start.offset(month as i64).to_string()])
                    .collect();
                writer.write_record(&record)?;
            }
        }
    }
    finish(writer)
}

fn crossover_table(report: &SweepReport) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let name = &report.varied[0].name;
    writer.write_record([
        "month",
        "rising",
        "falling",
        name.as_str(),
        "probability",
        "date",
    ])?;
    for month in report.months() {
        for crossing in report.crossovers(month) {
            let postures = &report.model.postures;
            writer.write_record([
                month.to_string(),
                postures[crossing.rising].name.clone(),
                postures[crossing.falling].name.clone(),
                fixed6(crossing.value),
                fixed6(crossing.probability),
                report.model.meta.start.offset(month as i64).to_string(),
            ])?;
        }
    }
    finish(writer)
}
