//! The study commands: `sensitivity`, `discover` and `signposts`. Each checks its options against
//! the model before any path is run, runs its study, and writes its table, chart and
//! `study.json` into `outputs/<scenario>/<study>/<time>/` (or `--out`).

use anyhow::Result;
use clap::Args;

use super::{month_within_horizon, ModelArgs, MonthArg, OutputArgs, WorkArgs};
use crate::analysis::prim::PrimSettings;
use crate::limits::Demand;
use crate::model::Model;
use crate::output::study::{self as studies, summary::summary, Findings, StudyReport};
use crate::output::OutputFolder;
use crate::problem::{Location, Problem};
use crate::scenario::request::ModelRequest;
use crate::studies::sensitivity::SensitivitySettings;
use crate::studies::signposts::MonthsError;
use crate::studies::signposts::SignpostSettings;
use crate::studies::{discovery, sensitivity, signposts};
use crate::weighting::Condition;

#[derive(Debug, Args)]
pub struct SensitivityOptions {
    /// The month whose posture probabilities are studied (default: the horizon).
    #[arg(long, value_name = "MONTH")]
    pub at: Option<MonthArg>,
    /// Paths in each swung run (two per uncertain parameter, on common random numbers): at
    /// most the run's paths (the default takes all of a smaller run).
    #[arg(long, value_name = "N", default_value_t = SensitivityOptions::DEFAULT_SWING_PATHS)]
    pub swing_paths: u64,
}

impl SensitivityOptions {
    pub const DEFAULT_SWING_PATHS: u64 = 20_000;
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub study: SensitivityOptions,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The outcome to explain, as a condition, e.g. "posture=overt_support@12".
    #[arg(long, value_name = "CONDITION")]
    pub target: String,
    /// How many boxes to look for, each among the paths the earlier ones left out.
    #[arg(long, default_value_t = 2)]
    pub boxes: usize,
    /// Share of the box's paths each peeling step removes.
    #[arg(long, default_value_t = PrimSettings::default().peel_alpha)]
    pub peel_alpha: f64,
    /// Smallest share of all paths a box may hold.
    #[arg(long, default_value_t = PrimSettings::default().min_mass)]
    pub min_mass: f64,
    /// Share of the target's paths the chosen box must keep; the densest such box is chosen.
    #[arg(long, default_value_t = PrimSettings::default().min_coverage)]
    pub min_coverage: f64,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SignpostArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The month whose posture the signposts foretell (default: the horizon).
    #[arg(long, value_name = "MONTH")]
    pub at: Option<MonthArg>,
    /// The months at which the observables are read (default: 3, 6 and 12 where before --at).
    #[arg(long, value_name = "MONTHS", value_delimiter = ',')]
    pub watch: Vec<MonthArg>,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Checked settings for a sensitivity study: the outcome month within the horizon, and at
/// least one swing path.
pub fn sensitivity_settings(
    model: &Model,
    at: Option<&MonthArg>,
    swing_paths: u64,
) -> Result<SensitivitySettings> {
    let outcome_month = month_within_horizon(at, "--at", model)?;
    if swing_paths == 0 {
        return Err(Problem::new("--swing-paths 0 leaves nothing to swing")
            .valid("a whole number of paths from 1")
            .into());
    }
    // Each swing reruns the run's first paths: the default quietly takes all of a smaller run,
    // but a number asked for and not given would be a study of fewer paths than it says.
    let paths = model.run.paths;
    if swing_paths > paths && swing_paths != SensitivityOptions::DEFAULT_SWING_PATHS {
        return Err(Problem::new(format!(
            "--swing-paths {swing_paths} is more than the run's {paths} paths: each swing \
             reruns the first paths of the run"
        ))
        .valid(format!("1 to {paths}, or more --paths"))
        .into());
    }
    Ok(SensitivitySettings {
        outcome_month,
        swing_paths,
    })
}

pub fn sensitivity(args: &SensitivityArgs) -> Result<()> {
    let request = args.model.request();
    let model = request.load()?;
    let settings = sensitivity_settings(&model, args.study.at.as_ref(), args.study.swing_paths)?;
    let uncertain = crate::studies::uncertain_parameters(&model)?.len();
    let swings = 2.0 * uncertain as f64 * settings.swing_paths.min(model.run.paths) as f64;
    let demand = Demand {
        paths: model.run.paths as f64 + swings,
        tallies_per_thread: 0,
        kept_per_path: uncertain + 1,
    };
    args.work.check_limits(&model, &demand)?;
    let options = args.work.options(&args.output);
    args.output
        .produce(subfolder(&model, "sensitivity"), |folder, started_at| {
            let study = sensitivity::study(&model, settings, options)?;
            write(&model, &study, &request, folder, started_at)
        })
}

pub fn discover(args: &DiscoverArgs) -> Result<()> {
    let request = args.model.request();
    let model = request.load()?;
    let option = format!("--target {}", args.target);
    let target = Condition::parse(&args.target, &model)
        .map_err(|problem| problem.located(Location::CommandLine { option }))?;
    let settings = prim_settings(args)?;
    let uncertain = crate::studies::uncertain_parameters(&model)?.len();
    let demand = Demand {
        paths: model.run.paths as f64,
        tallies_per_thread: 0,
        kept_per_path: uncertain + 1,
    };
    args.work.check_limits(&model, &demand)?;
    let options = args.work.options(&args.output);
    args.output
        .produce(subfolder(&model, "discovery"), |folder, started_at| {
            let study = discovery::study(&model, &target, settings, args.boxes, options)?;
            write(&model, &study, &request, folder, started_at)
        })
}

pub fn signposts(args: &SignpostArgs) -> Result<()> {
    let request = args.model.request();
    let model = request.load()?;
    let outcome_month = match &args.at {
        Some(at) => before_start(at, "--at", &model)?,
        None => model.horizon(),
    };
    let watch_months = if args.watch.is_empty() {
        SignpostSettings::default_watch_months(outcome_month)
    } else {
        let watched = args
            .watch
            .iter()
            .map(|month| before_start(month, "--watch", &model));
        let months = watched.collect::<Result<Vec<_>>>()?;
        super::refuse_repeated_months("--watch", &args.watch, &months)?;
        months
    };
    let settings = SignpostSettings {
        outcome_month,
        watch_months,
    };
    signposts::check_months(&model, &settings).map_err(|error| months_problem(error, &model))?;
    let demand = Demand {
        paths: model.run.paths as f64,
        tallies_per_thread: 0,
        kept_per_path: settings.watch_months.len() * model.series.len() + 1,
    };
    args.work.check_limits(&model, &demand)?;
    let options = args.work.options(&args.output);
    args.output
        .produce(subfolder(&model, "signposts"), |folder, started_at| {
            let study = signposts::study(&model, settings, options)?;
            write(&model, &study, &request, folder, started_at)
        })
}

/// The signpost months' problem, in the words of `--at` and `--watch`.
fn months_problem(error: MonthsError, model: &Model) -> Problem {
    let outcome_range = format!("a month from 2 to {}", model.horizon());
    match error {
        MonthsError::OutcomePastHorizon { outcome, .. } => {
            Problem::new(format!("--at {outcome} is past the horizon")).valid(outcome_range)
        }
        MonthsError::NothingToWatch(outcome) => {
            Problem::new(format!("--at {outcome} leaves no month to watch before it"))
                .valid(outcome_range)
        }
        MonthsError::WatchedTooLate { watched, outcome } => Problem::new(format!(
            "--watch {watched} does not come before the outcome month {outcome}"
        ))
        .valid(format!("months from 1 to {}", outcome - 1)),
    }
}

/// `<scenario>/<study>`: studies sit beside the scenario's runs, each kind in its own folder.
fn subfolder(model: &Model, study: &str) -> String {
    format!("{}/{study}", model.meta.name)
}

fn write(
    model: &Model,
    findings: &dyn Findings,
    request: &ModelRequest,
    folder: &OutputFolder,
    started_at: String,
) -> Result<String> {
    let report = StudyReport {
        model,
        findings,
        started_at,
        overrides: request.written_overrides(),
    };
    studies::write_all(&report, folder)?;
    Ok(summary(&report))
}

/// The PRIM options, checked: each share within its range and at least one box.
fn prim_settings(args: &DiscoverArgs) -> Result<PrimSettings> {
    let check = |value: f64, option: &str, low: f64, high: f64, low_open: bool| -> Result<f64> {
        let above_low = if low_open { value > low } else { value >= low };
        if !(above_low && value <= high) {
            let bracket = if low_open { "(" } else { "[" };
            return Err(Problem::new(format!("{option} {value} is out of range"))
                .valid(format!("a share in {bracket}{low}, {high}]"))
                .into());
        }
        Ok(value)
    };
    if args.boxes == 0 || args.boxes > 10 {
        return Err(
            Problem::new(format!("--boxes {} is out of range", args.boxes))
                .valid("a whole number from 1 to 10")
                .into(),
        );
    }
    Ok(PrimSettings {
        peel_alpha: check(args.peel_alpha, "--peel-alpha", 0.0, 0.5, true)?,
        min_mass: check(args.min_mass, "--min-mass", 0.0, 1.0, true)?,
        min_coverage: check(args.min_coverage, "--min-coverage", 0.0, 1.0, false)?,
    })
}

/// A month that may not come before the start (the signpost checks say the rest).
fn before_start(month: &MonthArg, option: &str, model: &Model) -> Result<usize> {
    usize::try_from(month.number(model)).map_err(|_| {
        let start = model.meta.start;
        let problem = Problem::new(format!("{option} {} comes before the start", month.0));
        problem
            .valid(format!("a month number, or a date from {start}"))
            .into()
    })
}
