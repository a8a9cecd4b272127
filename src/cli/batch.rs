//! `foresight batch`: run every scenario of a batch file under its shared settings, each into its
//! own folder inside the batch's, and compare them. Every model is loaded and checked before any
//! path runs; one progress bar covers the whole batch.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::run::{write_finished, Finished};
use super::{ModelOptions, OutputArgs, WorkArgs};
use crate::limits::Demand;
use crate::model::Model;
use crate::output::batch::{self as batch_output, BatchReport, Compared};
use crate::output::{briefing, OutputFolder};
use crate::problem::Problem;
use crate::runner::{self, progress_bar, Progress, RunOptions};
use crate::sampling::block_count;
use crate::scenario::batch_file::Batch;
use crate::scenario::request::ModelRequest;
use crate::timing::{Stage, StageTimes};

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The batch file (TOML).
    pub file: PathBuf,
    /// For every scenario, over the batch's own settings.
    #[command(flatten)]
    pub model: ModelOptions,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Skip report.html and brief.md, the batch's and each scenario's.
    #[arg(long)]
    pub no_report: bool,
    /// Print where the batch's time went (parameters, simulate, tally, estimates, tables,
    /// charts, report; every scenario's added) on standard error.
    #[arg(long)]
    pub timings: bool,
}

/// A scenario of the batch, loaded: its folder, label, model and how it was loaded.
struct Loaded {
    folder: String,
    label: String,
    model: Model,
    request: ModelRequest,
}

pub fn batch(args: &BatchArgs) -> Result<()> {
    let wall_started = Instant::now();
    let batch = Batch::load(&args.file)?;
    let scenarios = load_all(&batch, &args.model.request(&args.file))?;
    for scenario in &scenarios {
        args.work
            .check_limits(&scenario.model, &Demand::run(&scenario.model))?;
    }
    let base = args.work.options(&args.output);
    args.output
        .produce(batch.name.clone(), |folder, started_at| {
            let blocks = scenarios
                .iter()
                .map(|s| block_count(s.model.run.paths))
                .sum();
            let bar = progress_bar(blocks, matches!(base.progress, Progress::Bar));
            let options = RunOptions {
                threads: base.threads,
                progress: Progress::Shared(&bar),
            };
            let started = Instant::now();
            let mut compared = Vec::new();
            let mut threads = 1;
            let mut stages = StageTimes::default();
            for scenario in &scenarios {
                bar.set_message(scenario.folder.clone());
                let (entry, used) = run_one(
                    scenario,
                    options,
                    (folder, &started_at),
                    !args.no_report,
                    &mut stages,
                )?;
                compared.push(entry);
                threads = used;
            }
            bar.finish_and_clear();
            let report = BatchReport {
                batch: &batch,
                scenarios: compared,
                started_at,
                overrides: args.model.request(&args.file).written_overrides(),
                threads,
                wall_time: started.elapsed(),
            };
            let written = batch_output::write_all(&report, folder, &mut stages)?;
            if !args.no_report {
                stages.time(Stage::Report, || {
                    briefing::write(&briefing::of_batch::of_batch(&report, &written)?, folder)
                })?;
            }
            if args.timings {
                eprint!("{}", stages.table(threads, wall_started.elapsed()));
            }
            Ok(crate::output::batch::console::comparison_table(&report))
        })
}

/// Whether a file is a batch file: its name ends in `.batch.toml`.
/// A batch file by its name (`*.batch.toml`) or, under any name, by its `[batch]` table. A file
/// that cannot be read or parsed is not one here: loading it as a scenario says why.
pub fn is_batch_file(path: &std::path::Path) -> bool {
    if path.to_string_lossy().ends_with(".batch.toml") {
        return true;
    }
    crate::input::read_text_bounded(path, crate::scenario::source::MAX_FILE_BYTES)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.get("batch").is_some_and(toml::Value::is_table))
}

/// Loads a batch file and every scenario it names, as `batch` would; returns how many.
pub fn validate(request: &ModelRequest) -> Result<usize> {
    let batch = Batch::load(&request.file)?;
    Ok(load_all(&batch, request)?.len())
}

/// Loads every scenario with the batch's and the command line's overrides (`command_line` is
/// the request made of the batch file), and checks that no two would write into the same folder.
fn load_all(batch: &Batch, command_line: &ModelRequest) -> Result<Vec<Loaded>> {
    let mut folders = HashSet::new();
    let mut loaded = Vec::new();
    for entry in &batch.entries {
        // The batch's [run] settings, unless the command line gives them, then the entry's.
        let given = |option: &str| match option {
            "paths" => command_line.paths.is_some(),
            "seed" => command_line.seed.is_some(),
            _ => command_line.horizon.is_some(),
        };
        let run = batch.run.iter().filter(|setting| !given(setting.option));
        let file_sets = run.map(|setting| setting.set.clone());
        let request = ModelRequest {
            file: entry.file.clone(),
            file_sets: file_sets.chain(entry.set.iter().cloned()).collect(),
            set: command_line.set.clone(),
            paths: command_line.paths,
            seed: command_line.seed,
            horizon: command_line.horizon.clone(),
            sampling: command_line.sampling.clone(),
        };
        let model = request.load()?;
        let folder = entry
            .folder
            .clone()
            .unwrap_or_else(|| model.meta.name.clone());
        if !folders.insert(folder.clone()) {
            return Err(Problem::new(format!(
                "{}: two scenarios would write into the folder `{folder}`",
                batch.file.display()
            ))
            .valid("give one of them its own `name` in its [[scenario]] table")
            .into());
        }
        let label = entry
            .label
            .clone()
            .unwrap_or_else(|| model.meta.title.clone());
        loaded.push(Loaded {
            folder,
            label,
            model,
            request,
        });
    }
    Ok(loaded)
}

/// Runs one scenario and writes its outputs into its folder inside the batch's.
/// Runs one scenario of the batch into its folder, adding its time split to `stages`.
fn run_one<'a>(
    scenario: &'a Loaded,
    options: RunOptions,
    (folder, started_at): (&OutputFolder, &str),
    briefing: bool,
    stages: &mut StageTimes,
) -> Result<(Compared<'a>, usize)> {
    let outcome = runner::run(&scenario.model, options)?;
    let threads = outcome.threads;
    let wall_time = outcome.wall_time;
    let finished = Finished {
        model: &scenario.model,
        outcome,
        assimilation: None,
        scores: None,
        weighting: None,
        overrides: scenario.request.written_overrides(),
        sensitivity: None,
        precision: None,
        merged: None,
        briefing,
        timed_since: None,
    };
    let nested = folder.nested(&scenario.folder)?;
    let (_, estimates, used) = write_finished(&finished, &nested, started_at.to_string())?;
    stages.merge(&used);
    let compared = Compared {
        folder: scenario.folder.clone(),
        label: scenario.label.clone(),
        model: &scenario.model,
        estimates,
        wall_time,
    };
    Ok((compared, threads))
}
