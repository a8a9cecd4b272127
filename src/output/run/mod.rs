//! A run's report and what it writes: tables, `run.json`, the weighted comparison, charts, the
//! studies run beside it and the briefing, each an exporter behind [`Export`].

mod calibration_charts;
pub mod chart;
pub mod charts;
pub mod console;
mod effective_sample_chart;
pub mod evidence_table;
mod fan;
mod first_departure;
pub mod from_today;
mod headline;
pub mod held_posture_table;
mod posterior_chart;
pub mod posterior_table;
mod posture_probabilities;
mod regime_chart;
pub mod run_json;
pub mod scores_table;
pub mod still_initial_table;
pub mod surprise_table;
pub mod tables;
mod weighted_chart;
pub mod weighted_table;

use std::time::Duration;

use crate::error::Result;

use super::{briefing, study, Artifact, Export, OutputFolder};
use crate::model::Model;
use crate::stats::{Estimates, Tally};
use crate::studies::sensitivity::SensitivityStudy;
use crate::timing::{Stage, StageTimes};
use crate::weighting::PathWeighting;

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
    /// With `--given` or `--evidence`: the weighting and the unweighted estimates beside it.
    pub weighted: Option<Weighted<'a>>,
    /// With `--precision`: the target and how far the run got.
    pub precision: Option<crate::precision::PrecisionReached>,
    /// When merged from shards: how many, and how long they computed.
    pub merged: Option<Merged>,
    /// Whether to write `report.html` and `brief.md` (not with `--no-report`).
    pub briefing: bool,
    /// With `run --sensitivity`: the study, written beside the run's outputs.
    pub sensitivity: Option<&'a SensitivityStudy>,
    /// After evidence assimilated by resample-move: its story and what the parameters learned.
    pub assimilation: Option<&'a crate::assimilation::Assimilation>,
    /// With `--outcomes`: the run scored against what happened.
    pub scores: Option<&'a crate::scoring::Scores>,
}

/// A run merged from shards. Its wall time is the merge's own; the shards' compute is apart.
#[derive(Debug, Clone, Copy)]
pub struct Merged {
    pub shards: u64,
    /// The shards' wall times, added: the compute the run took, wherever it ran.
    pub compute_seconds: f64,
}

/// A weighted run's extra facts.
pub struct Weighted<'a> {
    pub weighting: &'a PathWeighting,
    /// The estimates of the same paths, unweighted.
    pub prior: &'a Estimates,
    /// Their tally: what the model produced before any weighting.
    pub prior_tally: &'a Tally,
}

impl Weighted<'_> {
    /// `given` or `evidence`: the stem of the comparison table and chart.
    pub fn kind(&self) -> &'static str {
        match self.weighting {
            PathWeighting::Given(_) => "given",
            PathWeighting::Evidence(_) | PathWeighting::GivenAndEvidence(..) => "evidence",
        }
    }

    /// The table of each posture before and after: `given.csv`, or `evidence_postures.csv`
    /// (`evidence.csv` tells the evidence's story observation by observation).
    pub fn table_name(&self) -> &'static str {
        match self.kind() {
            "given" => "given.csv",
            _ => "evidence_postures.csv",
        }
    }
}

/// Each exporter's files in the exporters' order, the charts drawn on the current pool while
/// another of its threads writes the tables (a table's time overlaps the charts' in `stages`).
fn write_beside_charts(
    exporters: &[Box<dyn Export + Sync>],
    report: &RunReport,
    folder: &OutputFolder,
    stages: &mut StageTimes,
) -> Vec<Result<Vec<Artifact>>> {
    let in_turn = |drawing: bool| {
        let mut times = StageTimes::default();
        let written: Vec<_> = exporters
            .iter()
            .map(|exporter| {
                let draws = exporter.stage() == Stage::Charts;
                (draws == drawing)
                    .then(|| times.time(exporter.stage(), || exporter.write(report, folder)))
            })
            .collect();
        (written, times)
    };
    let ((charts, chart_times), (tables, table_times)) =
        rayon::join(|| in_turn(true), || in_turn(false));
    stages.merge(&chart_times);
    stages.merge(&table_times);
    charts
        .into_iter()
        .zip(tables)
        .map(|(chart, table)| chart.or(table).unwrap_or_else(|| Ok(Vec::new())))
        .collect()
}

impl RunReport<'_> {
    /// The run's name for chart titles: the scenario's title, and what the paths were weighed
    /// by, so a chart of a conditioned or updated run never passes for the plain one.
    pub fn title(&self) -> String {
        let title = &self.model.meta.title;
        let Some(weighted) = &self.weighted else {
            return title.clone();
        };
        let as_of = |evidence: &crate::weighting::Evidence| {
            let date = self.model.meta.start.offset(evidence.as_of as i64);
            format!("after the evidence to {}", date.label())
        };
        match weighted.weighting {
            PathWeighting::Given(condition) => format!("{title}, given {}", condition.text),
            PathWeighting::Evidence(evidence) => format!("{title}, {}", as_of(evidence)),
            PathWeighting::GivenAndEvidence(condition, evidence) => {
                format!("{title}, given {}, {}", condition.text, as_of(evidence))
            }
        }
    }

    /// The share of the paths' weight the weighting kept: for `--given`, the share of paths
    /// that met the condition.
    pub fn kept_share(&self) -> f64 {
        let full = self.tally.paths as f64 * crate::stats::tally::WEIGHT_ONE as f64;
        self.tally.weight as f64 / full.max(1.0)
    }

    /// [`RunReport::kept_share`] where it means something: not after a resampling, when every
    /// path weighs the same.
    pub fn meaningful_kept_share(&self) -> Option<f64> {
        let resampled = self
            .assimilation
            .is_some_and(|a| a.steps.iter().any(|step| step.resampled));
        (!resampled).then(|| self.kept_share())
    }
}

/// Every exporter a run writes, in the order the briefing shows their charts.
pub fn exporters() -> Vec<Box<dyn Export + Sync>> {
    vec![
        Box::new(tables::CsvTables),
        Box::new(held_posture_table::HeldPostureTable),
        Box::new(still_initial_table::StillInitialTable),
        Box::new(run_json::RunJson),
        Box::new(weighted_table::WeightedTable),
        Box::new(surprise_table::SurpriseTable),
        Box::new(evidence_table::EvidenceTable),
        Box::new(posterior_table::PosteriorTable),
        Box::new(scores_table::ScoresTables),
        Box::new(from_today::FromTodayTable),
        Box::new(charts::Charts),
        Box::new(study::RunStudies),
        Box::new(charts::SeriesCharts),
    ]
}

/// Writes every format into the folder, then the briefing of what they wrote (unless
/// `--no-report`), and lists every file written. On more than one thread the tables are
/// written while the charts are drawn, on the run's own count of threads.
/// Each exporter's time goes to its stage in `stages`.
pub fn write_all(
    report: &RunReport,
    folder: &OutputFolder,
    stages: &mut StageTimes,
) -> Result<Vec<Artifact>> {
    let exporters = exporters();
    let written: Vec<Vec<Artifact>> = if report.threads > 1 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(report.threads)
            .build()?;
        let written = pool.install(|| write_beside_charts(&exporters, report, folder, stages));
        written.into_iter().collect::<Result<_>>()?
    } else {
        // One after the other, stopping at the first that fails.
        exporters
            .iter()
            .map(|exporter| stages.time(exporter.stage(), || exporter.write(report, folder)))
            .collect::<Result<_>>()?
    };
    let mut artifacts = written.concat();
    if report.briefing {
        let written = stages.time(Stage::Report, || {
            let mut briefing = briefing::of_run(report, &artifacts)?;
            // After evidence, the bottom line also speaks from the latest observation.
            briefing.bottom_line.extend(from_today::sentence(report));
            briefing::write(&briefing, folder)
        })?;
        artifacts.extend(written);
    }
    Ok(artifacts)
}
