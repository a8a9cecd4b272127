//! The summary printed when a study finishes: the few lines an analyst reads before opening the
//! table.

use std::fmt::Write;

use super::StudyReport;
use crate::model::{Model, ParameterId};

/// Rows printed; the tables hold them all.
pub(super) const SHOWN: usize = 10;

pub fn summary(report: &StudyReport) -> String {
    let findings = report.findings;
    let mut text = format!(
        "{} of {} — {} paths, seed {}, simulated in {:.2} s on {} threads\n\n",
        capitalised(findings.kind()),
        report.model.meta.title,
        findings.simulated_paths(),
        report.model.run.seed,
        findings.wall_time().as_secs_f64(),
        findings.threads(),
    );
    findings.summarize(&mut text, report.model);
    text
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub(super) fn points(change: f64) -> String {
    format!("{:+.1}", 100.0 * change)
}

pub(super) fn name_width(model: &Model, parameters: impl Iterator<Item = ParameterId>) -> usize {
    parameters
        .map(|p| model.parameters[p].name.chars().count())
        .max()
        .unwrap_or(9)
        .max(9)
}

pub(super) fn more(text: &mut String, rows: usize) {
    if rows > SHOWN {
        let _ = writeln!(text, "… and {} more in the table", rows - SHOWN);
    }
}
