//! `foresight run`: simulate a scenario (optionally conditioned on `--given` or weighted by
//! `--evidence`, optionally with a sensitivity study beside it) and write its outputs.

use anyhow::Result;
use clap::Args;

use super::studies::{sensitivity_settings, SensitivityOptions};
use super::{ModelArgs, OutputArgs};
use crate::model::Model;
use crate::output::studies::summary;
use crate::output::{self, OutputFolder, RunReport, Weighted};
use crate::runner::{self, RunOptions};
use crate::stats::Estimates;
use crate::studies::sensitivity;
use crate::weighting::{Condition, Evidence, PathWeighting};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Keep only the paths that meet a condition, e.g. "war=settlement@6" or
    /// "sanctions_pressure>0.5@1..12 and posture=arms_length@any 1..6".
    #[arg(long, value_name = "CONDITION", conflicts_with = "evidence")]
    pub given: Option<String>,
    /// Weigh each path by the likelihood of the observations in an evidence file.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<std::path::PathBuf>,
    /// Also run a sensitivity study at the horizon and write sensitivity.csv and the tornado.
    #[arg(long, conflicts_with_all = ["given", "evidence"])]
    pub sensitivity: bool,
    /// With --sensitivity: paths in each swung run.
    #[arg(long, value_name = "N", requires = "sensitivity", default_value_t = SensitivityOptions::DEFAULT_SWING_PATHS)]
    pub swing_paths: u64,
}

pub fn run(args: &RunArgs) -> Result<()> {
    let model = args.model.load()?;
    let weighting = weighting(&model, args)?;
    let options = args.output.options();
    args.output
        .produce(model.meta.name.clone(), |folder, started_at| {
            simulate_and_write(
                &model,
                weighting.as_ref(),
                options,
                folder,
                args,
                started_at,
            )
        })
}

fn simulate_and_write(
    model: &Model,
    weighting: Option<&PathWeighting>,
    options: RunOptions,
    folder: &OutputFolder,
    args: &RunArgs,
    started_at: String,
) -> Result<String> {
    let outcome = match weighting {
        Some(weighting) => runner::run_weighted(model, weighting, options)?,
        None => runner::run(model, options)?,
    };
    if outcome.tally.weight == 0 {
        let what = weighting.map(PathWeighting::describe).unwrap_or_default();
        anyhow::bail!(
            "no path is left after weighting ({what}): the condition or evidence rules out every \
             simulated world; loosen it, or run more paths"
        );
    }
    let study = match args.sensitivity {
        true => {
            let settings = sensitivity_settings(model, None, args.swing_paths)?;
            Some(sensitivity::study(model, settings, options)?)
        }
        false => None,
    };
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
            .zip(prior.as_ref())
            .map(|(weighting, prior)| Weighted { weighting, prior }),
        sensitivity: study.as_ref(),
    };
    output::write_all(&report, folder)?;
    let mut text = output::console::headline_table(&report);
    if let Some(study) = &study {
        text.push('\n');
        summary::sensitivity(&mut text, study, model);
        text.push('\n');
    }
    Ok(text)
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
