//! `foresight diff RUN_A RUN_B`: what moved between two runs, read from their folders.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::OutputArgs;
use crate::output::diff as diff_table;
use crate::studies::run_diff::{RunDiff, RunSummary};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run's folder (for instance outputs/base/latest).
    pub before: PathBuf,
    /// The later run's folder.
    pub after: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn diff(args: &DiffArgs) -> Result<()> {
    let before = RunSummary::read(&args.before)?;
    let after = RunSummary::read(&args.after)?;
    let diff = RunDiff::of(before, after);
    if diff.postures.is_empty() {
        return Err(nothing_shared(&diff).into());
    }
    let subfolder = format!("{}/diff", diff.after.scenario);
    args.output.produce(subfolder, |folder, _| {
        diff_table::write(&diff, folder)?;
        Ok(diff_table::table(&diff))
    })
}

/// Two runs with no posture at a headline month in common: nothing to set side by side.
fn nothing_shared(diff: &RunDiff) -> crate::problem::Problem {
    let cells = |run: &RunSummary| {
        let mut postures: Vec<&str> = run.holds.keys().map(|(p, _)| p.as_str()).collect();
        let mut months: Vec<usize> = run.holds.keys().map(|(_, m)| *m).collect();
        postures.sort_unstable();
        postures.dedup();
        months.sort_unstable();
        months.dedup();
        let months: Vec<String> = months.iter().map(usize::to_string).collect();
        let (postures, months) = (postures.join(", "), months.join(", "));
        format!(
            "{} (postures {postures}; months {months})",
            run.folder.display()
        )
    };
    crate::problem::Problem::new(format!(
        "the two runs share no posture at any headline month: {} against {}",
        cells(&diff.before),
        cells(&diff.after)
    ))
    .valid("two runs with the same postures and horizon, such as two runs of one scenario")
}
