//! A batch's own outputs, beside each scenario's run folder: `comparison.csv`, the comparison
//! charts and `batch.json`. Scenarios are compared posture by posture, matched by name, so a
//! scenario may add or lack a posture.

pub mod batch_json;
mod comparison_chart;
pub mod comparison_table;
pub mod console;
mod posture_curves;

use crate::timing::{Stage, StageTimes};
use std::time::Duration;

use crate::error::Result;

use super::render::{render_all, render_figure, RenderJob};
use super::{Artifact, OutputFolder};
use crate::model::{Model, Posture, PostureId};
use crate::scenario::batch_file::Batch;
use crate::stats::Estimates;
use comparison_chart::ComparisonChart;
use posture_curves::ScenarioGrid;

/// One scenario's finished run, as the comparison sees it.
pub struct Compared<'a> {
    /// Its folder inside the batch's.
    pub folder: String,
    pub label: String,
    pub model: &'a Model,
    pub estimates: Estimates,
    pub wall_time: Duration,
}

/// Everything the batch's exporters need.
impl BatchReport<'_> {
    /// The widest half-width of any posture's 95% interval, in any scenario and month: whether
    /// the charts' intervals can be seen at all.
    pub fn widest_half_width(&self) -> f64 {
        self.scenarios
            .iter()
            .flat_map(|scenario| &scenario.estimates.posture)
            .map(|estimate| (estimate.ci_high - estimate.ci_low) / 2.0)
            .fold(0.0, f64::max)
    }

    /// A chart's note on its intervals: `shown` where they can be seen (wider than `visible`
    /// either side), else how wide they are at most and what hides them.
    pub fn interval_note(&self, visible: f64, shown: &str, hidden_by: &str) -> String {
        let widest = self.widest_half_width();
        if widest >= visible {
            shown.to_string()
        } else {
            format!(
                "95% intervals: at most ±{:.1} points, {hidden_by}",
                100.0 * widest
            )
        }
    }
}

pub struct BatchReport<'a> {
    pub batch: &'a Batch,
    pub scenarios: Vec<Compared<'a>>,
    pub started_at: String,
    /// The command line's overrides (`--paths`, `--seed`, `--set`), as given.
    pub overrides: Vec<String>,
    pub threads: usize,
    pub wall_time: Duration,
}

impl BatchReport<'_> {
    /// Every posture any scenario has, by name, in order of first appearance.
    pub fn postures(&self) -> Vec<&Posture> {
        let mut seen: Vec<&Posture> = Vec::new();
        for scenario in &self.scenarios {
            for posture in &scenario.model.postures {
                if !seen.iter().any(|held| held.name == posture.name) {
                    seen.push(posture);
                }
            }
        }
        seen
    }

    /// The footer line of the batch's charts: its file, scenarios, paths and seed.
    pub fn footer_line(&self) -> String {
        let first = &self.scenarios[0].model;
        format!(
            "{} · {} scenarios · {} paths each · seed {} · table: comparison.csv",
            self.batch.file.display(),
            self.scenarios.len(),
            first.run.paths,
            first.run.seed
        )
    }

    /// The months compared: 6, 12 and 24 where every scenario reaches them.
    pub fn months(&self) -> Vec<usize> {
        let shortest = self
            .scenarios
            .iter()
            .map(|scenario| scenario.model.horizon())
            .min()
            .unwrap_or(0);
        crate::stats::estimates::headline_months(shortest)
    }
}

/// The index of a posture in a scenario's model, by name.
pub fn posture_index(model: &Model, name: &str) -> Option<PostureId> {
    model.posture_index(name)
}

/// Writes the comparison table, its two charts (side by side on the batch's threads) and
/// `batch.json`, and lists them; the time each takes goes to its stage in `stages`.
pub fn write_all(
    report: &BatchReport,
    folder: &OutputFolder,
    stages: &mut StageTimes,
) -> Result<Vec<Artifact>> {
    stages.time(Stage::Tables, || comparison_table::write(report, folder))?;
    let charts = stages.time(Stage::Charts, || {
        let jobs: Vec<RenderJob> = vec![
            Box::new(|| render_figure(&ComparisonChart { report }, folder)),
            Box::new(|| render_figure(&ScenarioGrid { report }, folder)),
        ];
        render_all(jobs, report.threads)
    })?;
    stages.time(Stage::Tables, || batch_json::write(report, folder))?;
    let mut written = vec![Artifact::File(comparison_table::COMPARISON_FILE.into())];
    written.extend(charts);
    written.push(Artifact::File(batch_json::BATCH_FILE.into()));
    Ok(written)
}
