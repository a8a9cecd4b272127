//! `foresight sweep`: vary one or two parameters over a range and run the model at every point
//! on the same seed, writing each posture's probability against the parameters, with the points
//! where one path overtakes another. Every point's model is loaded and checked before any runs.

use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::{month_within_horizon, ModelArgs, MonthArg, OutputArgs, WorkArgs};
use crate::limits::Demand;
use crate::model::{Model, ParameterValue};
use crate::output::sweep::{self as sweep_output, SweepPoint, SweepReport};
use crate::problem::Problem;
use crate::runner::{self, progress_bar, Progress, RunOptions};
use crate::sampling::block_count;
use crate::scenario::request::ModelRequest;
use crate::scenario::Override;
use crate::stats::Estimates;
use crate::studies::sweep_design::{points, SweepDesign, Vary};

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// A parameter and its range, NAME=FROM:TO:STEPS; give it once or twice.
    #[arg(long, value_name = "NAME=FROM:TO:STEPS", required = true)]
    pub vary: Vec<Vary>,
    /// How the points are laid out: every combination, or a Latin hypercube of as many points
    /// as the first --vary's steps.
    #[arg(long, value_enum, default_value_t = SweepDesign::Grid)]
    pub design: SweepDesign,
    /// The month the chart shows (default: the horizon).
    #[arg(long, value_name = "MONTH")]
    pub at: Option<MonthArg>,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn sweep(args: &SweepArgs) -> Result<()> {
    let request = args.model.request();
    let model = request.load()?;
    check_varied(&model, &args.vary)?;
    check_not_set(&request, &args.vary)?;
    let outcome_month = month_within_horizon(args.at.as_ref(), "--at", &model)?;
    let layout = points(&args.vary, args.design, model.run.seed);
    let demand = Demand {
        paths: model.run.paths as f64 * layout.len() as f64,
        ..Demand::run(&model)
    };
    args.work.check_limits(&model, &demand)?;
    let models = layout
        .iter()
        .map(|values| point_model(&request, &args.vary, values))
        .collect::<Result<Vec<Model>>>()?;
    let base = args.work.options(&args.output);
    let subfolder = format!("{}/sweep", model.meta.name);
    args.output.produce(subfolder, |folder, started_at| {
        let blocks = models.iter().map(|m| block_count(m.run.paths)).sum();
        let bar = progress_bar(blocks, matches!(base.progress, Progress::Bar));
        let options = RunOptions {
            threads: base.threads,
            progress: Progress::Shared(&bar),
        };
        let started = Instant::now();
        let mut swept = Vec::new();
        let mut threads = 1;
        for (values, point_model) in layout.iter().zip(&models) {
            let outcome = runner::run(point_model, options)?;
            threads = outcome.threads;
            swept.push(SweepPoint {
                values: values.clone(),
                estimates: Estimates::from_tally(point_model, &outcome.tally),
            });
        }
        bar.finish_and_clear();
        let report = SweepReport {
            model: &model,
            varied: args.vary.clone(),
            design: args.design,
            outcome_month,
            points: swept,
            started_at,
            overrides: request.written_overrides(),
            threads,
            wall_time: started.elapsed(),
        };
        sweep_output::write_all(&report, folder)?;
        Ok(crate::output::sweep::console::sweep_summary(&report))
    })
}

/// One or two distinct parameters of the model.
fn check_varied(model: &Model, varied: &[Vary]) -> Result<()> {
    if varied.len() > 2 {
        return Err(
            Problem::new(format!("--vary is given {} times", varied.len()))
                .valid("one or two parameters")
                .into(),
        );
    }
    if varied.len() == 2 && varied[0].name == varied[1].name {
        return Err(
            Problem::new(format!("--vary names {} twice", varied[0].name))
                .valid("two different parameters")
                .into(),
        );
    }
    for vary in varied {
        let Some(parameter) = model.parameters.iter().find(|p| p.name == vary.name) else {
            let names: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
            return Err(Problem::new(format!(
                "--vary {}: `{}` is not a parameter of {}",
                vary.name,
                vary.name,
                model.meta.file.display()
            ))
            .valid(format!("one of {}", names.join(", ")))
            .into());
        };
        if let ParameterValue::Uncertain(distribution) = &parameter.value {
            if let Some(outside) = [vary.from, vary.to]
                .into_iter()
                .find(|v| !distribution.contains(*v))
            {
                return Err(Problem::new(format!(
                    "--vary {}: {outside} lies outside what its distribution, {}, can draw",
                    vary.name,
                    distribution.describe()
                ))
                .valid(format!(
                    "a range within its support: {}",
                    distribution.support()
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// A varied parameter that a `--set` also fixes: every point would overwrite the fixed value.
fn check_not_set(request: &ModelRequest, varied: &[Vary]) -> Result<()> {
    for vary in varied {
        let field = format!("parameters.{}", vary.name);
        let fixed = request.set.iter().find(|set| {
            Override::parse(set).is_ok_and(|set| {
                let name = set.name;
                name == vary.name || name == field || name.starts_with(&format!("{field}."))
            })
        });
        if let Some(set) = fixed {
            return Err(Problem::new(format!(
                "--vary {} and --set {set} both set {}",
                vary.name, vary.name
            ))
            .valid("a varied parameter without a --set of its own")
            .into());
        }
    }
    Ok(())
}

/// The model with the point's values set, as `--set NAME=VALUE` would set them.
fn point_model(request: &ModelRequest, varied: &[Vary], values: &[f64]) -> Result<Model> {
    let sets = varied
        .iter()
        .zip(values)
        .map(|(vary, value)| format!("{}={value}", vary.name));
    Ok(request.with_sets(sets).load()?)
}
