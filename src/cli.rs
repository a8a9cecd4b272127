//! The command line: what the user asked for, parsed by clap, and the commands that answer it.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::model::{Model, Role};
use crate::output::{self, Destination, OutputFolder, RunReport, Weighted};
use crate::runner::{self, RunOptions};
use crate::scenario::{self, Override};
use crate::stats::Estimates;
use crate::weighting::{Condition, Evidence, PathWeighting};

#[derive(Debug, Parser)]
#[command(
    name = "foresight",
    version,
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
    /// Check a scenario file without running it.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override a parameter (fixing its value) or any field by dotted path; repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Number of Monte Carlo paths.
    #[arg(long)]
    pub paths: Option<u64>,
    /// Random seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Months to simulate after month 0.
    #[arg(long)]
    pub horizon: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write exactly into this folder instead of a new one under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out: replace a folder that already holds files.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Keep only the paths that meet a condition, e.g. "war=settlement@6" or
    /// "sanctions_pressure>0.5@1..12 and posture=arms_length@any 1..6".
    #[arg(long, value_name = "CONDITION", conflicts_with = "evidence")]
    pub given: Option<String>,
    /// Weigh each path by the likelihood of the observations in an evidence file.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// The folder under which fresh runs are written.
    #[arg(long, default_value = "outputs", hide = true)]
    pub outputs_root: PathBuf,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

impl ModelArgs {
    /// The overrides: `--set` options, then `--paths`, `--seed` and `--horizon`.
    fn overrides(&self) -> Result<Vec<Override>> {
        let mut overrides = self
            .set
            .iter()
            .map(|written| Override::parse(written).map_err(anyhow::Error::msg))
            .collect::<Result<Vec<_>>>()?;
        let mut named = |name: &str, option: &str, value: i64| {
            overrides.push(Override {
                name: name.into(),
                value: toml::Value::Integer(value),
                written: format!("--{option} {value}"),
            });
        };
        if let Some(paths) = self.paths {
            named(
                "run.paths",
                "paths",
                i64::try_from(paths).unwrap_or(i64::MAX),
            );
        }
        if let Some(seed) = self.seed {
            named(
                "run.seed",
                "seed",
                i64::try_from(seed).context("--seed must be below 2^63")?,
            );
        }
        if let Some(horizon) = self.horizon {
            named("scenario.horizon_months", "horizon", horizon as i64);
        }
        Ok(overrides)
    }

    /// Loads and validates the scenario with every override applied.
    pub fn load(&self) -> Result<Model> {
        let overrides = self.overrides()?;
        Ok(scenario::load(&self.file, &overrides)?)
    }

    fn written_overrides(&self) -> Vec<String> {
        self.set.iter().map(|set| format!("--set {set}")).collect()
    }
}

/// Runs the parsed command.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
    }
}

fn validate(args: &ValidateArgs) -> Result<()> {
    let model = args.model.load()?;
    let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
    println!(
        "{}: valid — {} ({} uncertain), {}, {}, {}, {}",
        args.model.file.display(),
        count(model.parameters.len(), "parameter"),
        model.uncertain.len(),
        count(model.series_with_role(Role::Driver).count(), "driver"),
        count(model.series_with_role(Role::Indicator).count(), "indicator"),
        count(model.postures.len(), "posture"),
        count(model.meta.horizon_months as usize, "month"),
    );
    Ok(())
}

fn run(args: &RunArgs) -> Result<()> {
    let model = args.model.load()?;
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let destination = match &args.out {
        Some(folder) => Destination::Exact {
            folder: folder.clone(),
            force: args.force,
        },
        None => Destination::Fresh {
            root: args.outputs_root.clone(),
            scenario: model.meta.name.clone(),
        },
    };
    let run_id = started_at.replace(':', "-");
    let folder = OutputFolder::prepare(&destination, &run_id)?;
    let options = RunOptions {
        threads: args.threads.unwrap_or(0),
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let result = simulate_and_write(&model, options, &folder, args, started_at);
    match result {
        Ok(report_text) => {
            let written = folder.commit()?;
            if !args.quiet {
                println!("{report_text}outputs: {}", written.display());
            }
            Ok(())
        }
        Err(error) => {
            folder.abandon();
            Err(error)
        }
    }
}

fn simulate_and_write(
    model: &Model,
    options: RunOptions,
    folder: &OutputFolder,
    args: &RunArgs,
    started_at: String,
) -> Result<String> {
    let weighting = weighting(model, args)?;
    let outcome = match &weighting {
        Some(weighting) => runner::run_weighted(model, weighting, options)?,
        None => runner::run(model, options)?,
    };
    if outcome.tally.weight == 0 {
        let what = weighting
            .as_ref()
            .map(PathWeighting::describe)
            .unwrap_or_default();
        anyhow::bail!(
            "no path is left after weighting ({what}): the condition or evidence rules out every \
             simulated world; loosen it, or run more paths"
        );
    }
    let estimates = Estimates::from_tally(model, &outcome.tally);
    let prior = outcome
        .prior
        .as_ref()
        .map(|prior| Estimates::from_tally(model, prior));
    let report = RunReport {
        model,
        tally: &outcome.tally,
        estimates: &estimates,
        threads: outcome.threads,
        wall_time: outcome.wall_time,
        started_at,
        overrides: args.model.written_overrides(),
        weighted: weighting
            .as_ref()
            .zip(prior.as_ref())
            .map(|(weighting, prior)| Weighted { weighting, prior }),
    };
    output::write_all(&report, folder)?;
    Ok(output::console::headline_table(&report))
}

/// The `--given` condition or `--evidence` file, compiled against the model.
fn weighting(model: &Model, args: &RunArgs) -> Result<Option<PathWeighting>> {
    if let Some(text) = &args.given {
        let condition = Condition::parse(text, model).map_err(|(message, help)| {
            anyhow::anyhow!("command line `--given {text}`: {message}\n    valid: {help}")
        })?;
        return Ok(Some(PathWeighting::Given(condition)));
    }
    match &args.evidence {
        Some(file) => Ok(Some(PathWeighting::Evidence(Evidence::load(file, model)?))),
        None => Ok(None),
    }
}
