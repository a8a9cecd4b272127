//! `diff.csv` (each posture at each headline month in both runs, the change and whether it is
//! beyond noise) and `diff_parameters.csv` (the parameters whose values differ), and the table
//! printed for them.

use std::fmt::Write;

use crate::error::Result;

use super::render::csv::{finish, fixed6};
use super::{Artifact, OutputFolder};
use crate::studies::run_diff::{RunDiff, RunSummary};

pub const DIFF_FILE: &str = "diff.csv";
pub const PARAMETERS_FILE: &str = "diff_parameters.csv";

/// Writes both tables and lists them.
pub fn write(diff: &RunDiff, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "posture",
        "month",
        "before",
        "before_ci_low",
        "before_ci_high",
        "after",
        "after_ci_low",
        "after_ci_high",
        "change",
        "beyond_noise",
        "test",
        "date",
    ])?;
    for row in &diff.postures {
        let numbers = [
            row.before.probability,
            row.before.ci_low,
            row.before.ci_high,
            row.after.probability,
            row.after.ci_low,
            row.after.ci_high,
            row.change,
        ]
        .map(fixed6);
        let record: Vec<String> = [row.posture.clone(), row.month.to_string()]
            .into_iter()
            .chain(numbers)
            .chain([row.beyond_noise.to_string(), diff.test().to_string()])
            .chain([date_in(&diff.after, row.month)])
            .collect();
        writer.write_record(&record)?;
    }
    let postures = Artifact::write(folder, DIFF_FILE, &finish(writer)?)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["parameter", "before", "after"])?;
    for change in &diff.parameters {
        writer.write_record([
            change.name.as_str(),
            change.before.as_deref().unwrap_or("(absent)"),
            change.after.as_deref().unwrap_or("(absent)"),
        ])?;
    }
    let parameters = Artifact::write(folder, PARAMETERS_FILE, &finish(writer)?)?;
    Ok(vec![postures, parameters])
}

/// The printed comparison: each posture and month, then the parameters that differ.
pub fn table(diff: &RunDiff) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} → {}\n{}",
        diff.before.folder.display(),
        diff.after.folder.display(),
        diff.test()
    );
    let width = diff
        .postures
        .iter()
        .map(|row| row.posture.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        text,
        "\n{:width$}  {:>5}  {:>8}  {:>8}  {:>8}",
        "posture", "month", "before", "after", "change"
    );
    for row in &diff.postures {
        let _ = writeln!(
            text,
            "{:width$}  {:>5}  {:>7.1}%  {:>7.1}%  {:>+7.1}{}",
            row.posture,
            row.month,
            100.0 * row.before.probability,
            100.0 * row.after.probability,
            100.0 * row.change,
            if row.beyond_noise { "  *" } else { "" }
        );
    }
    text.push_str("(* beyond Monte Carlo noise; changes in percentage points)\n");
    let (only_before, only_after) = diff.postures_in_one();
    for (names, run) in [(only_before, "before"), (only_after, "after")] {
        if !names.is_empty() {
            let _ = writeln!(
                text,
                "only the {run} run has {}: not compared",
                names.join(", ")
            );
        }
    }
    if diff.before.weighting != diff.after.weighting {
        let shown = |weighting: &str| match weighting {
            "" => "nothing (a plain run)".to_string(),
            other => other.to_string(),
        };
        let _ = writeln!(
            text,
            "\nthe runs were weighed differently: before by {}, after by {}",
            shown(&diff.before.weighting),
            shown(&diff.after.weighting)
        );
    }
    if diff.parameters.is_empty() {
        if diff.before.model_hash == diff.after.model_hash {
            text.push_str("\nthe two models are the same\n");
        } else {
            text.push_str(
                "\nno parameter differs; the models differ elsewhere (see their files)\n",
            );
        }
    } else {
        text.push_str("\nparameters that differ:\n");
        for change in &diff.parameters {
            let _ = writeln!(
                text,
                "  {}: {} → {}",
                change.name,
                change.before.as_deref().unwrap_or("(absent)"),
                change.after.as_deref().unwrap_or("(absent)")
            );
        }
    }
    text
}

/// A month of `run` as `YYYY-MM`; empty for a run whose record names no start.
fn date_in(run: &RunSummary, month: usize) -> String {
    run.start
        .map(|start| start.offset(month as i64).to_string())
        .unwrap_or_default()
}
