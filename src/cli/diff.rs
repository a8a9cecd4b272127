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
    let subfolder = format!("{}/diff", diff.after.scenario);
    args.output.produce(subfolder, |folder, _| {
        diff_table::write(&diff, folder)?;
        Ok(diff_table::table(&diff))
    })
}
