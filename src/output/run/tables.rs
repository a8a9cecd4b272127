//! The run's tables as CSV: posture probabilities, indicators, drivers, regimes, summary and
//! first departure. Numbers are written with fixed decimals so equal runs give equal bytes.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::{Model, Role};
use crate::output::render::csv::{estimate_fields, finish, fixed4, fixed6, ESTIMATE_COLUMNS};
use crate::stats::estimates::{headline_months, SeriesSummary};
use crate::stats::{icd203_words, Estimate};

pub struct CsvTables;

pub const POSTURE_FILE: &str = "posture_probabilities.csv";
pub const INDICATORS_FILE: &str = "indicators.csv";
pub const DRIVERS_FILE: &str = "drivers.csv";
pub const REGIMES_FILE: &str = "regimes.csv";
pub const SUMMARY_FILE: &str = "summary.csv";
pub const DEPARTURE_FILE: &str = "first_departure.csv";

impl Export for CsvTables {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let indicators = series_table(report, Role::Indicator, "indicator")?;
        Ok(vec![
            Artifact::write(folder, POSTURE_FILE, &posture_probabilities(report)?)?,
            Artifact::write(folder, INDICATORS_FILE, &indicators)?,
            Artifact::write(
                folder,
                DRIVERS_FILE,
                &series_table(report, Role::Driver, "driver")?,
            )?,
            Artifact::write(folder, REGIMES_FILE, &regimes(report)?)?,
            Artifact::write(folder, SUMMARY_FILE, &summary(report)?)?,
            Artifact::write(folder, DEPARTURE_FILE, &first_departure(report)?)?,
        ])
    }
}

fn posture_probabilities(report: &RunReport) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["month", "posture"].iter().chain(&ESTIMATE_COLUMNS);
    writer.write_record(header.chain(&["date"]))?;
    for month in 0..report.estimates.months {
        for (index, posture) in report.model.postures_with_ids() {
            let fields = estimate_fields(&report.estimates.posture_at(month, index));
            writer.write_record(
                [month.to_string(), posture.name.clone()]
                    .into_iter()
                    .chain(fields)
                    .chain([date(report.model, month)]),
            )?;
        }
    }
    finish(writer)
}

/// A month as the tables' `date` column writes it: `YYYY-MM`.
pub fn date(model: &Model, month: usize) -> String {
    model.meta.start.offset(month as i64).to_string()
}

/// The subset's name: `all`, or the posture held at the horizon.
pub fn subset_name(model: &Model, subset: usize) -> String {
    match subset {
        0 => "all".into(),
        k => model.postures[k - 1].name.clone(),
    }
}

fn series_table(report: &RunReport, role: Role, column: &str) -> Result<Vec<u8>> {
    let model = report.model;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "month", column, "subset", "mean", "p5", "p25", "p50", "p75", "p95", "unit", "date",
    ])?;
    let rows: Vec<&SeriesSummary> = report.estimates.series_with_role(model, role).collect();
    for row in rows {
        let series = &model.series[row.series];
        let mut record = vec![
            row.month.to_string(),
            series.name.clone(),
            subset_name(model, row.subset),
            fixed4(row.mean),
        ];
        record.extend(row.quantiles.iter().map(|&q| fixed4(q)));
        record.push(series.unit.clone());
        record.push(date(model, row.month));
        writer.write_record(record)?;
    }
    finish(writer)
}

fn regimes(report: &RunReport) -> Result<Vec<u8>> {
    let model = report.model;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "month",
        "driver",
        "state",
        "probability",
        "ci_low",
        "ci_high",
        "std_error",
        "date",
    ])?;
    for (month, series, state, estimate) in &report.estimates.regime {
        let crate::model::SeriesKind::Regime(regime) = &model.series[*series].kind else {
            continue;
        };
        let mut record = vec![
            month.to_string(),
            model.series[*series].name.clone(),
            regime.states[*state].clone(),
        ];
        record.extend(estimate_fields(estimate));
        record.push(date(model, *month));
        writer.write_record(record)?;
    }
    finish(writer)
}

/// One row of the summary table.
pub struct SummaryRow {
    pub measure: &'static str,
    pub posture: String,
    pub month: usize,
    pub estimate: Estimate,
}

/// The headline measures: each posture at 6, 12 and 24 months, ever held, and departure.
pub fn summary_rows(report: &RunReport) -> Vec<SummaryRow> {
    let model = report.model;
    let estimates = report.estimates;
    let months = headline_months(model.horizon());
    let mut rows = Vec::new();
    for (measure, ever) in [("holds", false), ("ever_held", true)] {
        for (index, posture) in model.postures_with_ids() {
            for &month in &months {
                let estimate = if ever {
                    estimates.ever_held_by(index, month)
                } else {
                    estimates.posture_at(month, index)
                };
                rows.push(SummaryRow {
                    measure,
                    posture: posture.name.clone(),
                    month,
                    estimate,
                });
            }
        }
    }
    let initial = model.postures[model.choice.initial].name.clone();
    for &month in &months {
        rows.push(SummaryRow {
            measure: "left_initial_by",
            posture: initial.clone(),
            month,
            estimate: estimates.departed_by[month],
        });
    }
    rows
}

fn summary(report: &RunReport) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "measure",
        "posture",
        "month",
        "probability",
        "ci_low",
        "ci_high",
        "std_error",
        "icd203",
        "date",
    ])?;
    for row in summary_rows(report) {
        let when = date(report.model, row.month);
        let mut record = vec![row.measure.to_string(), row.posture, row.month.to_string()];
        record.extend(estimate_fields(&row.estimate));
        record.push(icd203_words(row.estimate.probability).to_string());
        record.push(when);
        writer.write_record(record)?;
    }
    finish(writer)
}

fn first_departure(report: &RunReport) -> Result<Vec<u8>> {
    let estimates = report.estimates;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["month", "probability", "cumulative", "date"])?;
    for month in 1..estimates.months {
        writer.write_record([
            month.to_string(),
            fixed6(estimates.departure[month]),
            fixed6(estimates.departed_by[month].probability),
            date(report.model, month),
        ])?;
    }
    writer.write_record([
        "never".to_string(),
        fixed6(estimates.never_departs.probability),
        String::new(),
        String::new(),
    ])?;
    finish(writer)
}
