//! A sweep's outputs: `sweep.csv` (every point's posture probabilities at the headline months),
//! `crossovers.csv` (for one parameter: where one path overtakes another), the chart, and
//! `sweep.json` (what was swept and how, to reproduce it).

pub mod console;
pub mod sweep_json;
mod sweep_lines;
mod sweep_map;
pub mod sweep_table;

use std::time::Duration;

use crate::error::Result;

use super::render::render_figure;
use super::{Artifact, OutputFolder};
use crate::model::Model;
use crate::stats::Estimates;
use crate::studies::sweep_design::{crossovers, Crossover, SweepDesign, Vary};
use sweep_lines::SweepLines;
use sweep_map::SweepMap;

/// One point of a sweep: the varied parameters' values and the run's estimates there.
pub struct SweepPoint {
    pub values: Vec<f64>,
    pub estimates: Estimates,
}

/// Everything a sweep's exporters need.
pub struct SweepReport<'a> {
    /// The model as loaded before any point's values were set: names, colours, footers.
    pub model: &'a Model,
    pub varied: Vec<Vary>,
    pub design: SweepDesign,
    /// The month the chart shows (the table has the headline months too).
    pub outcome_month: usize,
    pub points: Vec<SweepPoint>,
    pub started_at: String,
    pub overrides: Vec<String>,
    pub threads: usize,
    pub wall_time: Duration,
}

impl SweepReport<'_> {
    /// The months tabulated: the headline months and the chart's month.
    pub fn months(&self) -> Vec<usize> {
        let mut months = crate::stats::estimates::headline_months(self.model.horizon());
        if !months.contains(&self.outcome_month) {
            months.push(self.outcome_month);
            months.sort_unstable();
        }
        months
    }

    /// Each posture's probability at `month`, point by point.
    pub fn probabilities(&self, month: usize) -> Vec<Vec<f64>> {
        self.model
            .posture_ids()
            .map(|posture| {
                self.points
                    .iter()
                    .map(|point| point.estimates.posture_at(month, posture).probability)
                    .collect()
            })
            .collect()
    }

    /// For a one-parameter sweep, where one posture overtakes another at `month`.
    pub fn crossovers(&self, month: usize) -> Vec<Crossover> {
        if self.varied.len() != 1 {
            return Vec::new();
        }
        let values: Vec<f64> = self.points.iter().map(|point| point.values[0]).collect();
        crossovers(&values, &self.probabilities(month))
    }
}

/// Writes the sweep's tables, its chart (lines for one parameter, a map for two) and
/// `sweep.json`, and lists them.
pub fn write_all(report: &SweepReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let mut written = sweep_table::write(report, folder)?;
    let chart = match report.varied.len() {
        1 => render_figure(&SweepLines { report }, folder)?,
        _ => render_figure(&SweepMap { report }, folder)?,
    };
    written.push(Artifact::Chart(chart));
    sweep_json::write(report, folder)?;
    written.push(Artifact::File(sweep_json::SWEEP_JSON.into()));
    Ok(written)
}
