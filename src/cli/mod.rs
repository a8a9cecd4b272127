//! The command line: what the user asked for, parsed by clap, and the commands that answer it.
//! `run` lives in `run`, the studies (`sensitivity`, `discover`, `signposts`) in `studies`;
//! what they share (the model options, where outputs go) lives here.

mod batch;
mod diff;
mod merge;
mod outcomes;
mod run;
mod score;
mod studies;
mod sweep;
mod watch;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::model::{Model, Role};
use crate::output::{Destination, OutputFolder};
use crate::problem::Problem;
use crate::runner::{Progress, RunOptions};
use crate::scenario::request::{Horizon, ModelRequest};

pub use batch::BatchArgs;
pub use diff::DiffArgs;
pub use merge::MergeArgs;
pub use run::RunArgs;
pub use studies::{DiscoverArgs, SensitivityArgs, SignpostArgs};
pub use sweep::SweepArgs;
pub use watch::WatchArgs;

#[derive(Debug, Parser)]
#[command(
    name = "foresight",
    version,
    after_help = "Exit status: 0 when the command did its work; 2 for a command line that cannot be \
                  parsed (unknown option, missing argument, malformed value); 1 for any other \
                  error, such as a bad scenario file or an output folder that cannot be written.",
    about = "Scenario forecasting: declarative probabilistic models run as reproducible parallel Monte Carlo"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario file and write its tables and charts.
    Run(RunArgs),
    /// Run the scenarios of a batch file and compare them.
    Batch(BatchArgs),
    /// Vary one or two parameters over a range and chart each path against them.
    Sweep(SweepArgs),
    /// Which uncertain parameters move each path: a tornado and global indices.
    Sensitivity(SensitivityArgs),
    /// Where in the uncertain parameters an outcome happens: PRIM boxes.
    Discover(DiscoverArgs),
    /// What to watch: how strongly each observable shifts the odds between the paths.
    Signposts(SignpostArgs),
    /// Set two runs side by side: what moved, whether beyond noise, which parameters differ.
    Diff(DiffArgs),
    /// Combine the shard files of a sharded run (`run --shard K/N`) into its outputs.
    Merge(MergeArgs),
    /// Run a file again each time it is saved, printing what moved; optionally serve the report.
    Watch(WatchArgs),
    /// Score a finished run against what happened: the run made again from its run.json, with
    /// scores.csv, scores_by_lead.csv and their charts.
    Score(score::ScoreArgs),
    /// Forecast from the evidence as it stood at each as-of date and score each forecast on
    /// what happened after it.
    Backtest(score::BacktestArgs),
    /// Check a scenario file (or a batch file and its scenarios) without running it.
    Validate(ValidateArgs),
}

/// A scenario file and what the command line changes in it.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
}

/// A `--set` as the command line takes it: one line, with a name before an `=`.
fn name_equals_value(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        _ if text.contains(['\n', '\r']) => Err("a --set is one line: name=value".into()),
        Some((name, _)) if !name.trim().is_empty() => Ok(text.to_string()),
        _ => Err("write name=value, such as xi_risk_appetite=0.6".into()),
    }
}

/// What the command line changes in a model: declared once, for every command that loads one.
#[derive(Debug, Clone, Args)]
pub struct ModelOptions {
    /// Override a parameter (fixing its value) or any field by dotted path; repeatable. (`batch`
    /// applies it to every scenario, after the batch file's own.)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = name_equals_value)]
    pub set: Vec<String>,
    /// Number of Monte Carlo paths.
    #[arg(long, allow_negative_numbers = true)]
    pub paths: Option<u64>,
    /// Random seed.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Months to simulate after month 0, or the last month to simulate (YYYY-MM).
    #[arg(long, allow_negative_numbers = true)]
    pub horizon: Option<Horizon>,
    /// How the uncertain parameters are drawn, over the file's `run.sampling`.
    #[arg(long, value_parser = ["latin_hypercube", "monte_carlo"])]
    pub sampling: Option<String>,
}

/// How the work is run: shared by every command that simulates paths.
#[derive(Debug, Clone, Args)]
pub struct WorkArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Run even when the estimated time (over a day) or memory (over 8 GiB) is absurd.
    #[arg(long)]
    pub allow_large: bool,
}

/// Where the outputs go: shared by every command that writes.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write exactly into this folder instead of a new one under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out: replace a folder that already holds files.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// The folder under which fresh outputs are written.
    #[arg(long, default_value = "outputs", hide = true)]
    pub outputs_root: PathBuf,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

impl ModelArgs {
    /// The request these options make: built once, then passed on or derived from.
    pub fn request(&self) -> ModelRequest {
        self.options.request(&self.file)
    }
}

impl ModelOptions {
    /// The request these options make of a file.
    pub fn request(&self, file: &std::path::Path) -> ModelRequest {
        ModelRequest {
            file: file.to_path_buf(),
            file_sets: Vec::new(),
            set: self.set.clone(),
            paths: self.paths,
            seed: self.seed,
            horizon: self.horizon.clone(),
            sampling: self.sampling.clone(),
        }
    }
}

impl WorkArgs {
    /// Refuses, before any work, a demand past the limits (unless `--allow-large`).
    fn check_limits(&self, model: &Model, demand: &crate::limits::Demand) -> Result<()> {
        Ok(crate::limits::check(
            model,
            demand,
            self.threads.unwrap_or(0),
            self.allow_large,
        )?)
    }

    /// The runner's options: these threads, and a progress bar unless the output is quiet.
    fn options(&self, output: &OutputArgs) -> RunOptions<'static> {
        RunOptions {
            threads: self.threads.unwrap_or(0),
            progress: if !output.quiet && std::io::stderr().is_terminal() {
                Progress::Bar
            } else {
                Progress::Off
            },
        }
    }
}

impl OutputArgs {
    /// `--out`, or a fresh folder under `outputs/<subfolder>/`.
    fn destination(&self, subfolder: String) -> Destination {
        match &self.out {
            Some(folder) => Destination::Exact {
                folder: folder.clone(),
                force: self.force,
            },
            None => Destination::Fresh {
                root: self.outputs_root.clone(),
                scenario: subfolder,
            },
        }
    }

    /// Prepares the output folder before any work is done, lets `fill` write into it, and
    /// commits it whole, or abandons it on error so no half result is left. `fill` gets the
    /// start time (RFC 3339) and returns the summary to print; the folder written is returned.
    fn produce(
        &self,
        subfolder: String,
        fill: impl FnOnce(&OutputFolder, String) -> Result<String>,
    ) -> Result<()> {
        self.produce_into(subfolder, fill).map(|_| ())
    }

    /// [`OutputArgs::produce`], returning the folder written.
    fn produce_into(
        &self,
        subfolder: String,
        fill: impl FnOnce(&OutputFolder, String) -> Result<String>,
    ) -> Result<PathBuf> {
        let started_at =
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let run_id = started_at.replace(':', "-");
        let folder = OutputFolder::prepare(&self.destination(subfolder), &run_id)?;
        match fill(&folder, started_at) {
            Ok(summary) => {
                let written = folder.commit()?;
                if !self.quiet {
                    say(format_args!("{summary}outputs: {}", written.display()));
                }
                Ok(written)
            }
            Err(error) => {
                folder.abandon();
                Err(error)
            }
        }
    }
}

/// A month on the command line: a number counted from the scenario's start (`12`), or a date
/// (`2023-03`, or `2023-03-15`, which stands for its month).
#[derive(Debug, Clone, PartialEq)]
pub struct MonthArg(String);

impl std::str::FromStr for MonthArg {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let number = text.trim().parse::<i64>().is_ok();
        if number || crate::model::YearMonth::parse_date(text.trim()).is_some() {
            Ok(MonthArg(text.trim().to_string()))
        } else {
            Err(format!(
                "`{text}` is neither a month number nor a date (YYYY-MM, such as 2023-03)"
            ))
        }
    }
}

impl MonthArg {
    /// The month counted from the model's start (negative before it).
    fn number(&self, model: &Model) -> i64 {
        crate::model::YearMonth::month_number(&self.0, model.meta.start).unwrap_or(-1)
    }

    /// The month, which must lie from 1 to the horizon; named `option` in the error.
    fn within_horizon(&self, option: &str, model: &Model) -> Result<usize> {
        let horizon = model.horizon();
        let month = self.number(model);
        if month < 1 || month > horizon as i64 {
            let problem =
                Problem::new(format!("{option} {} is outside the model's months", self.0));
            let (first, last) = (
                model.meta.start.offset(1),
                model.meta.start.offset(horizon as i64),
            );
            let valid = format!(
                "a month from 1 to {horizon} (the horizon), or a date from {first} to {last}"
            );
            return Err(problem.valid(valid).into());
        }
        Ok(month as usize)
    }
}

/// Refuses a month given twice to one option (`2022-06` and `2022-06-15`, or a date and its
/// number, are one month): its rows would be made and listed twice.
fn refuse_repeated_months(option: &str, written: &[MonthArg], months: &[usize]) -> Result<()> {
    for (later, month) in months.iter().enumerate() {
        if let Some(earlier) = months[..later].iter().position(|m| m == month) {
            return Err(Problem::new(format!(
                "{option} {} and {option} {} name the same month",
                written[earlier].0, written[later].0
            ))
            .valid(format!("each {option} month once"))
            .into());
        }
    }
    Ok(())
}

/// `--at`: the given month, checked to lie within the horizon, or the horizon.
fn month_within_horizon(month: Option<&MonthArg>, option: &str, model: &Model) -> Result<usize> {
    match month {
        Some(month) => month.within_horizon(option, model),
        None => Ok(model.horizon()),
    }
}

/// Runs the parsed command.
/// Prints a line to standard output. A reader that has gone (`| head`) is not a failure: the
/// outputs are written by then, so the line is dropped rather than the run ending in a panic.
pub(crate) fn say(text: std::fmt::Arguments) {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("warning: cannot print to standard output: {error}");
        }
        _ => {}
    }
}

pub fn execute(cli: Cli) -> Result<()> {
    crate::interrupt::install();
    crate::simd::Isa::check_cap().map_err(crate::problem::Problem::new)?;
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Backtest(args) => score::backtest(&args),
        Command::Score(args) => score::score(&args),
        Command::Batch(args) => batch::batch(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Sensitivity(args) => studies::sensitivity(&args),
        Command::Discover(args) => studies::discover(&args),
        Command::Signposts(args) => studies::signposts(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Diff(args) => diff::diff(&args),
        Command::Watch(args) => watch::watch(&args),
        Command::Validate(args) => validate(&args),
    }
}

fn validate(args: &ValidateArgs) -> Result<()> {
    if batch::is_batch_file(&args.model.file) {
        let count = batch::validate(&args.model.request())?;
        say(format_args!(
            "{}: valid — a batch of {count} scenarios, each valid",
            args.model.file.display()
        ));
        return Ok(());
    }
    let model = args.model.request().load()?;
    let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
    say(format_args!(
        "{}: valid — {} ({} uncertain), {}, {}, {}, {}",
        args.model.file.display(),
        count(model.parameters.len(), "parameter"),
        model.uncertain.len(),
        count(model.series_with_role(Role::Driver).count(), "driver"),
        count(model.series_with_role(Role::Indicator).count(), "indicator"),
        count(model.postures.len(), "posture"),
        count(model.meta.horizon_months as usize, "month"),
    ));
    Ok(())
}
