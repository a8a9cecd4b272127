//! `foresight backtest` (forecasts from the evidence as it stood at each as-of date, scored on
//! what happened after) and `foresight score` (a finished run made again and scored).

use anyhow::Result;

use super::outcomes::{scores_of, OutcomeKeep};
use crate::model::Model;
use crate::problem::Problem;
use crate::runner::RunOptions;
use crate::scoring::outcomes::Outcomes;
use crate::scoring::Scores;
use crate::weighting::Evidence;

/// `foresight backtest`: forecasts made from the evidence as it stood at each as-of date, each
/// scored on the outcomes after it.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub model: super::ModelArgs,
    #[command(flatten)]
    pub work: super::WorkArgs,
    #[command(flatten)]
    pub output: super::OutputArgs,
    /// The evidence file: at each as-of date only its observations dated by then are used.
    #[arg(long, value_name = "FILE")]
    pub evidence: std::path::PathBuf,
    /// What happened (CSV: `date,series,value[,aggregate]`); each forecast is scored on the
    /// outcomes after its as-of date.
    #[arg(long, value_name = "FILE")]
    pub outcomes: std::path::PathBuf,
    /// The dates to forecast from (a month number or YYYY-MM); repeatable.
    #[arg(long = "as-of", value_name = "DATE", required = true)]
    pub as_of: Vec<super::MonthArg>,
}

/// One as-of date's forecast, scored.
pub struct Backtested {
    pub as_of: usize,
    pub observations: usize,
    pub scores: Scores,
}

/// Runs the backtest and returns each as-of date's scores, in the order given.
pub fn backtest_scores(
    model: &Model,
    evidence: &Evidence,
    outcomes: &Outcomes,
    as_of: &[usize],
    options: RunOptions,
) -> Result<Vec<Backtested>> {
    let mut done = Vec::new();
    for &month in as_of {
        let known = evidence.up_to(month);
        let later = Outcomes {
            file: outcomes.file.clone(),
            outcomes: outcomes
                .outcomes
                .iter()
                .filter(|o| o.month > month)
                .cloned()
                .collect(),
        };
        let keep = OutcomeKeep {
            outcomes: &later,
            weighed: false,
            weighting: None,
        };
        let settings = crate::assimilation::Settings::default();
        let run = crate::assimilation::assimilate_keeping(
            model,
            &known,
            None,
            settings,
            options,
            Some(&keep),
        )?;
        let Some((forecast, prior)) = run.kept else {
            continue;
        };
        let scores = scores_of(model, &later, Some(&known), &forecast, Some(&prior));
        done.push(Backtested {
            as_of: month,
            observations: known.observations.len(),
            scores,
        });
    }
    Ok(done)
}

pub fn backtest(args: &BacktestArgs) -> Result<()> {
    let request = args.model.request();
    let mut model = request.load()?;
    // Every forecast assimilates, from particles drawn by plain Monte Carlo: the outputs say so.
    model.run.sampling = crate::model::Sampling::MonteCarlo;
    let evidence = Evidence::load(&args.evidence, &model)?;
    let outcomes = Outcomes::load(&args.outcomes, &model)?;
    let as_of = args
        .as_of
        .iter()
        .map(|date| as_of_month(date, &model))
        .collect::<Result<Vec<usize>>>()?;
    refuse_nothing_later(&model, &outcomes, &as_of)?;
    super::refuse_repeated_months("--as-of", &args.as_of, &as_of)?;
    let mut demand = crate::limits::Demand::run(&model);
    demand.paths *= as_of.len() as f64;
    args.work.check_limits(&model, &demand)?;
    let options = args.work.options(&args.output);
    args.output
        .produce_into(format!("{}/backtest", model.meta.name), |folder, _| {
            let done = backtest_scores(&model, &evidence, &outcomes, &as_of, options)?;
            crate::output::backtest::write(&model, &done_rows(&done), folder)?;
            Ok(crate::output::backtest::summary(&model, &done_rows(&done)))
        })?;
    Ok(())
}

/// Refuses a backtest none of whose forecasts would have an outcome after it to be scored on.
fn refuse_nothing_later(model: &Model, outcomes: &Outcomes, as_of: &[usize]) -> Result<()> {
    let last = outcomes.outcomes.iter().map(|o| o.month).max();
    let earliest = as_of.iter().min().copied();
    match (last, earliest) {
        (Some(last), Some(earliest)) if last > earliest => Ok(()),
        _ => {
            let date = |month: usize| model.meta.start.offset(month as i64);
            let latest = last.map_or("none".into(), |m| date(m).to_string());
            let problem = crate::problem::Problem::new(format!(
                "no outcome in {} comes after any --as-of date (the latest is {latest}): a \
                 backtest scores each forecast only on what happened after it",
                outcomes.file
            ))
            .valid(match last {
                Some(last) if last > 0 => format!("--as-of dates before {}", date(last)),
                _ => "an outcomes file with outcomes after the as-of dates".into(),
            });
            Err(problem.into())
        }
    }
}

/// An as-of date: from the start (a forecast from no evidence) to the month before the horizon.
fn as_of_month(date: &super::MonthArg, model: &Model) -> Result<usize> {
    let (month, horizon) = (date.number(model), model.horizon() as i64);
    if (0..horizon).contains(&month) {
        return Ok(month as usize);
    }
    let (first, last) = (model.meta.start, model.meta.start.offset(horizon - 1));
    let problem =
        crate::problem::Problem::new(format!("--as-of {} is outside the model's months", date.0))
            .valid(format!(
                "a month from 0 to {} or a date from {first} to {last}",
                horizon - 1
            ));
    Err(problem.into())
}

fn done_rows(done: &[Backtested]) -> Vec<(usize, usize, &Scores)> {
    done.iter()
        .map(|b| (b.as_of, b.observations, &b.scores))
        .collect()
}

/// `foresight score`: a finished run scored against what happened. The run is made again from
/// its `run.json` (the same file, options, seed and evidence give the same paths), after
/// checking that neither its scenario nor its evidence has changed, and written with its scores to a new folder.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The run's output folder (it holds run.json).
    pub run: std::path::PathBuf,
    /// What happened (CSV: `date,series,value[,aggregate]`).
    #[arg(long, value_name = "FILE")]
    pub outcomes: std::path::PathBuf,
    #[command(flatten)]
    pub work: super::WorkArgs,
    #[command(flatten)]
    pub output: super::OutputArgs,
}

pub fn score(args: &ScoreArgs) -> Result<()> {
    if !args.run.is_dir() {
        let what = if args.run.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(Problem::new(format!("{} {what}", args.run.display()))
            .valid(
                "the output folder of a finished run, the one that holds its run.json (a \
                 scenario file is run first with `foresight run`)",
            )
            .into());
    }
    let record_file = args.run.join("run.json");
    if !record_file.exists() {
        return Err(Problem::new(format!(
            "{} holds no run.json, so it is not a run's output folder",
            args.run.display()
        ))
        .valid("the output folder of a finished `foresight run`")
        .into());
    }
    let bytes = crate::input::read_bounded(&record_file, 16 * 1024 * 1024)
        .map_err(|error| anyhow::anyhow!("{}: {error}", record_file.display()))?;
    let record: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|error| anyhow::anyhow!("{}: not a run record: {error}", record_file.display()))?;
    let text = |value: &serde_json::Value| value.as_str().map(String::from);
    let Some(file) = text(&record["file"]) else {
        anyhow::bail!("{}: no scenario file is recorded", record_file.display());
    };
    let mut model = crate::scenario::request::ModelRequest {
        file: to_load(&file, text(&record["absolute_file"])),
        file_sets: Vec::new(),
        set: Vec::new(),
        paths: None,
        seed: None,
        horizon: None,
        sampling: None,
    };
    for option in record["overrides"].as_array().into_iter().flatten() {
        let option = text(option).unwrap_or_default();
        let (name, value) = option.split_once(' ').unwrap_or((&option, ""));
        match name {
            "--set" => model.set.push(value.into()),
            "--paths" => model.paths = value.parse().ok(),
            "--seed" => model.seed = value.parse().ok(),
            "--horizon" => model.horizon = value.parse().ok(),
            "--sampling" => model.sampling = Some(value.into()),
            _ => anyhow::bail!(
                "{}: `{option}` is not an option a run records",
                record_file.display()
            ),
        }
    }
    // The paths the run took: a precision target may have run more than it asked for, and a
    // run of that many paths is the same run.
    if let Some(paths) = record["run"]["paths"].as_u64() {
        model.set.retain(|set| {
            crate::scenario::Override::parse(set).map_or(true, |set| set.name != "run.paths")
        });
        model.paths = Some(paths);
    }
    let weighting = &record["weighting"];
    let mut request = super::run::RunRequest::plain(model);
    request.given = text(&weighting["given"]);
    request.evidence = text(&weighting["evidence"])
        .map(|evidence| to_load(&evidence, text(&weighting["evidence_absolute"])));
    if let Some(share) = weighting["resample_below"].as_f64() {
        request.assimilation.resample_below = share;
    }
    if let Some(steps) = weighting["move_steps"].as_u64() {
        request.assimilation.move_steps = steps as usize;
    }
    request.outcomes = Some(args.outcomes.clone());
    let loaded = request.model.load()?;
    if text(&record["model_hash"]).as_deref() != Some(loaded.model_hash().as_str()) {
        let problem = crate::problem::Problem::new(format!(
            "{} has changed since the run in {}: its paths could not be made again",
            request.model.file.display(),
            args.run.display()
        ))
        .valid("the scenario as it was when the run was made, or `run --outcomes` on it now");
        return Err(problem.into());
    }
    if let (Some(file), Some(recorded)) = (&request.evidence, text(&weighting["evidence_sha256"])) {
        let evidence = Evidence::load(file, &loaded)?;
        if evidence.content_sha256() != recorded {
            let problem = crate::problem::Problem::new(format!(
                "{} (or a data file it reads) has changed since the run in {}: its paths could \
                 not be weighed again as they were",
                file.display(),
                args.run.display()
            ))
            .valid("the evidence as it was when the run was made, or `run --outcomes` on it now");
            return Err(problem.into());
        }
    }
    super::run::run_into_folder(&request, &args.work, &args.output)?;
    Ok(())
}

/// A file a run recorded: as given, where that still names the file the run read, else by
/// the absolute path it recorded (a score made from another folder).
fn to_load(given: &str, absolute: Option<String>) -> std::path::PathBuf {
    let Some(absolute) = absolute.map(std::path::PathBuf::from) else {
        return given.into();
    };
    let same = std::fs::canonicalize(given).is_ok_and(|here| here == absolute);
    if same || !absolute.exists() {
        given.into()
    } else {
        absolute
    }
}
