//! `foresight run`: simulate a scenario (optionally conditioned on `--given` or weighted by
//! `--evidence`, optionally with a sensitivity study beside it) and write its outputs; or, with
//! `--shard K/N`, run one share of its paths and write a partial for `foresight merge`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::outcomes::{kept_of_run, scores_of, OutcomeKeep};
use super::studies::{sensitivity_settings, SensitivityOptions};
use super::{say, ModelArgs, OutputArgs, WorkArgs};
use crate::assimilation::{self, Assimilation, Settings};
use crate::limits::Demand;
use crate::model::{Model, Sampling};
use crate::output::run::from_today;
use crate::output::run::surprise_table::surprises_of;
use crate::output::run::Merged;
use crate::output::study::Findings;
use crate::output::{self, OutputFolder, RunReport, Weighted};
use crate::precision::{self, PrecisionReached, PrecisionTarget};
use crate::problem::{Location, Problem};
use crate::runner::KeepPath;
use crate::runner::{self, RunOptions, RunOutcome};
use crate::sampling::block_count;
use crate::scenario::request::{Horizon, ModelRequest};
use crate::scoring::outcomes::Outcomes;
use crate::scoring::{Kept, Scores};
use crate::sharding::{self, ModelSource, Partial, ShardSpec, WeightingSource};
use crate::stats::Estimates;
use crate::studies::sensitivity::{self, SensitivityStudy};
use crate::timing::{Stage, StageTimes};
use crate::weighting::{Condition, Evidence, PathWeighting};

/// How far past a scenario's horizon evidence may be dated and still extend it.
const WIDEST_LOOK: u32 = 240;

/// The most move steps after a resampling: their streams are keyed by 8 bits.
const MAX_MOVE_STEPS: usize = 255;

/// With `--precision`, the most paths a run may grow to unless `--max-paths` says otherwise.
pub const DEFAULT_MAX_PATHS: u64 = 10_000_000;

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub work: WorkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Keep only the paths that meet a condition, e.g. "war=settlement@6" or
    /// "sanctions_pressure>0.5@1..12 and posture=arms_length@any 1..6"; with --evidence, the
    /// evidence then weighs the paths it keeps.
    #[arg(long, value_name = "CONDITION")]
    pub given: Option<String>,
    /// Weigh each path by the likelihood of the observations in an evidence file.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// With --evidence: resample the paths when their effective sample size falls below this
    /// share of them. 0 never resamples: the paths are only reweighted, exactly as shards
    /// (`--shard`) weigh them. [default: 0.5]
    #[arg(long, value_name = "SHARE", requires = "evidence")]
    pub resample_below: Option<f64>,
    /// With --evidence: move steps after each resampling (more steps, more diverse paths).
    /// [default: 5]
    #[arg(long, value_name = "N", requires = "evidence")]
    pub move_steps: Option<usize>,
    /// Score the run against what happened: an outcomes file (CSV: `date,series,value[,aggregate]`);
    /// writes scores.csv, scores_by_lead.csv and their charts.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["shard", "precision"])]
    pub outcomes: Option<PathBuf>,
    /// Also run a sensitivity study at the horizon and write sensitivity.csv and the tornado.
    #[arg(long, conflicts_with_all = ["given", "evidence"])]
    pub sensitivity: bool,
    /// With --sensitivity: paths in each swung run.
    #[arg(long, value_name = "N", requires = "sensitivity", default_value_t = SensitivityOptions::DEFAULT_SWING_PATHS)]
    pub swing_paths: u64,
    /// Run only shard K of N of the paths and write it as shard-000K-of-000N.json (into --out;
    /// by default the scenario's shards folder under outputs) for `foresight merge`. With
    /// --evidence, shards weigh their paths without resampling (a merge cannot move paths).
    #[arg(long, value_name = "K/N", conflicts_with = "sensitivity")]
    pub shard: Option<ShardSpec>,
    /// Add rounds of paths until every headline probability's 95% interval reaches within
    /// this half-width (e.g. 0.005), starting from --paths. Not with --evidence, whose paths
    /// are assimilated together and cannot grow in rounds.
    #[arg(long, value_name = "HALF_WIDTH", conflicts_with_all = ["shard", "evidence"])]
    pub precision: Option<f64>,
    /// With --precision: the most paths to run.
    #[arg(
        long,
        value_name = "N",
        requires = "precision",
        default_value_t = DEFAULT_MAX_PATHS
    )]
    pub max_paths: u64,
    /// Skip report.html and brief.md.
    #[arg(long)]
    pub no_report: bool,
    /// Print where the run's time went (parameters, simulate, tally, estimates, tables,
    /// charts, report) on standard error.
    #[arg(long)]
    pub timings: bool,
}

/// What a finished simulation is written with, whether it ran here or was merged from shards.
pub(super) struct Finished<'a> {
    pub model: &'a Model,
    pub outcome: RunOutcome,
    /// After evidence assimilated by resample-move: what it did and what the parameters learned.
    pub assimilation: Option<Assimilation>,
    /// With `--outcomes`: the run scored against them.
    pub scores: Option<Scores>,
    pub weighting: Option<&'a PathWeighting>,
    pub overrides: Vec<String>,
    pub sensitivity: Option<SensitivityStudy>,
    pub precision: Option<PrecisionReached>,
    pub merged: Option<Merged>,
    /// Write report.html and brief.md.
    pub briefing: bool,
    /// With `--timings`: when the run started, to print its time split from.
    pub timed_since: Option<Instant>,
}

/// A run as asked for, checked once: the model request, and what the run adds to it. `run`
/// builds one from its options; `watch` asks for a plain one.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub model: ModelRequest,
    /// `--given`: the condition's text, compiled against the model once it is loaded.
    pub given: Option<String>,
    pub evidence: Option<PathBuf>,
    /// With `--sensitivity`: the paths of each swung run.
    pub swing_paths: Option<u64>,
    pub shard: Option<ShardSpec>,
    pub precision: Option<PrecisionTarget>,
    /// How evidence is assimilated.
    pub assimilation: Settings,
    /// `--outcomes`: what happened, to score the run against.
    pub outcomes: Option<PathBuf>,
    /// Write `report.html` and `brief.md`.
    pub briefing: bool,
    /// `--timings`: print the run's time split.
    pub timings: bool,
}

impl RunRequest {
    /// A run of the model and nothing more: no weighting, study, shard or precision target.
    pub fn plain(model: ModelRequest) -> Self {
        RunRequest {
            model,
            given: None,
            evidence: None,
            swing_paths: None,
            shard: None,
            precision: None,
            assimilation: Settings::default(),
            outcomes: None,
            briefing: true,
            timings: false,
        }
    }

    /// The request as it will run: with evidence and no `--horizon`, the horizon reaches far
    /// enough past the evidence's `as_of` for the forecast from today (24 months).
    pub fn settled(&self) -> Result<RunRequest> {
        let (Some(file), None) = (&self.evidence, &self.model.horizon) else {
            return Ok(self.clone());
        };
        let model = self.model.load()?;
        let mut wide = self.model.clone();
        wide.horizon = Some(Horizon::Months(model.meta.horizon_months + WIDEST_LOOK));
        // Bad evidence is reported against the scenario's own horizon, when it is compiled.
        let Ok(evidence) = wide.load().map(|wide| Evidence::load(file, &wide)) else {
            return Ok(self.clone());
        };
        let Ok(evidence) = evidence else {
            return Ok(self.clone());
        };
        let needed = evidence.as_of + from_today::MONTHS_AHEAD[from_today::MONTHS_AHEAD.len() - 1];
        if needed <= model.horizon() {
            return Ok(self.clone());
        }
        let mut settled = self.clone();
        settled.model.horizon = Some(Horizon::Months(needed as u32));
        Ok(settled)
    }

    /// Loads the model, refuses a demand past the limits and compiles the weighting: everything
    /// checked before any path runs.
    fn prepare(&self, work: &WorkArgs) -> Result<(Model, Option<PathWeighting>)> {
        let mut model = self.model.load()?;
        if self.assimilates() {
            // The particles start from plain Monte Carlo draws (a Latin hypercube's strata
            // would not survive resampling): the outputs say so.
            model.run.sampling = Sampling::MonteCarlo;
        }
        work.check_limits(&model, &self.demand(&model))?;
        let weighting = weighting(&model, self.given.as_deref(), self.evidence.as_deref())?;
        Ok((model, weighting))
    }

    /// Whether the run assimilates its evidence by resample-move, rather than only reweighing
    /// its paths (as shards do, and a run to a precision target).
    fn assimilates(&self) -> bool {
        let resamples = self.assimilation.resample_below > 0.0;
        self.evidence.is_some() && resamples && self.shard.is_none() && self.precision.is_none()
    }

    /// What a request to run this model would cost, before any path runs.
    fn demand(&self, model: &Model) -> Demand {
        let mut demand = Demand::run(model);
        if let Some(spec) = self.shard {
            demand.paths /= spec.count.max(1) as f64;
        }
        if let Some(target) = &self.precision {
            demand.paths = demand.paths.max(target.max_paths as f64);
        }
        if self.assimilates() {
            // Every particle's scores and noise are held at once, as f32s, with its weights.
            let slots = crate::engine::most_draws_per_month(model) * model.horizon();
            demand.kept_per_path = model.uncertain.len() + slots.div_ceil(2) + 3;
        }
        if let Some(swing_paths) = self.swing_paths {
            let uncertain = model.uncertain.len() as f64;
            demand.paths += 2.0 * uncertain * swing_paths.min(model.run.paths) as f64;
        }
        demand
    }
}

impl RunArgs {
    /// The request these options make, with the precision target checked.
    pub fn request(&self) -> Result<RunRequest> {
        let precision = self
            .precision
            .map(|half_width| PrecisionTarget::checked(half_width, self.max_paths))
            .transpose()?;
        Ok(RunRequest {
            model: self.model.request(),
            given: self.given.clone(),
            evidence: self.evidence.clone(),
            swing_paths: self.sensitivity.then_some(self.swing_paths),
            shard: self.shard,
            precision,
            assimilation: self.assimilation()?,
            outcomes: self.outcomes.clone(),
            briefing: !self.no_report,
            timings: self.timings,
        })
    }

    /// `--resample-below` and `--move-steps`, checked.
    fn assimilation(&self) -> Result<Settings> {
        self.refuse_moves_where_only_reweighed()?;
        let defaults = Settings::default();
        let resample_below = self.resample_below.unwrap_or(defaults.resample_below);
        let move_steps = self.move_steps.unwrap_or(defaults.move_steps);
        if !(0.0..=1.0).contains(&resample_below) {
            let option = format!("--resample-below {resample_below}");
            let problem = Problem::new(format!("a share of {resample_below}"))
                .valid(
                    "a share of the paths from 0 (never resample) to 1 (after every observation)",
                )
                .located(Location::CommandLine { option });
            return Err(problem.into());
        }
        if move_steps > MAX_MOVE_STEPS {
            let option = format!("--move-steps {move_steps}");
            let problem = Problem::new(format!("{move_steps} move steps"))
                .valid(format!("0 to {MAX_MOVE_STEPS}"))
                .located(Location::CommandLine { option });
            return Err(problem.into());
        }
        Ok(Settings {
            resample_below,
            move_steps,
        })
    }

    /// A shard only reweighs its paths (so that shards merge), so a resampling share or move
    /// steps asked of it would be ignored without a word.
    fn refuse_moves_where_only_reweighed(&self) -> Result<()> {
        let Some(shard) = self.shard else {
            return Ok(());
        };
        let asked = match (self.resample_below, self.move_steps) {
            (Some(share), _) if share > 0.0 => format!("--resample-below {share}"),
            (_, Some(steps)) => format!("--move-steps {steps}"),
            _ => return Ok(()),
        };
        let option = asked.split(' ').next().unwrap_or_default();
        Err(Problem::new(format!(
            "`{asked}` asks for resample-move, but a shard (--shard {shard}) only reweighs its \
             paths by the evidence"
        ))
        .valid(format!(
            "--shard without {option}, or a whole run without --shard to resample and move"
        ))
        .into())
    }
}

pub fn run(args: &RunArgs) -> Result<()> {
    let request = args.request()?.settled()?;
    match request.shard {
        Some(spec) => run_shard(&request, spec, &args.work, &args.output),
        None => run_into_folder(&request, &args.work, &args.output).map(|_| ()),
    }
}

/// Runs a whole (unsharded) run and returns the folder its outputs went to.
pub(super) fn run_into_folder(
    request: &RunRequest,
    work: &WorkArgs,
    output: &OutputArgs,
) -> Result<std::path::PathBuf> {
    let started = Instant::now();
    let (model, weighting) = request.prepare(work)?;
    let options = work.options(output);
    output.produce_into(model.meta.name.clone(), |folder, started_at| {
        let outcomes = request
            .outcomes
            .as_deref()
            .map(|file| Outcomes::load(file, &model))
            .transpose()?;
        let keep = outcomes.as_ref().map(|outcomes| OutcomeKeep {
            outcomes,
            weighed: false,
            weighting: None,
        });
        let keep_ref = keep.as_ref().map(|keep| keep as &dyn KeepPath);
        let (outcome, precision, assimilation, kept) =
            simulate(&model, weighting.as_ref(), request, options, keep_ref)?;
        let scores = match (&outcomes, kept) {
            (Some(outcomes), Some((forecast, prior))) => {
                let evidence = weighting.as_ref().and_then(PathWeighting::evidence);
                Some(scores_of(
                    &model,
                    outcomes,
                    evidence,
                    &forecast,
                    Some(&prior),
                ))
            }
            (Some(outcomes), None) => {
                let forecast = kept_of_run(&model, outcomes, weighting.as_ref(), options)?;
                let evidence = weighting.as_ref().and_then(PathWeighting::evidence);
                Some(scores_of(&model, outcomes, evidence, &forecast, None))
            }
            _ => None,
        };
        let mut reported = model.clone();
        if let Some(reached) = &precision {
            reported.run.paths = reached.paths;
        }
        let sensitivity = match request.swing_paths {
            Some(swing_paths) => {
                let settings = sensitivity_settings(&model, None, swing_paths)?;
                Some(sensitivity::study(&model, settings, options)?)
            }
            None => None,
        };
        let finished = Finished {
            model: &reported,
            outcome,
            assimilation,
            scores,
            weighting: weighting.as_ref(),
            overrides: request.model.written_overrides(),
            sensitivity,
            precision,
            merged: None,
            briefing: request.briefing,
            timed_since: request.timings.then_some(started),
        };
        write_finished(&finished, folder, started_at).map(|(headline, ..)| headline)
    })
}

/// Runs the model's paths, or rounds of paths up to a precision target.
type Simulated = (
    RunOutcome,
    Option<PrecisionReached>,
    Option<Assimilation>,
    Option<(Kept, Kept)>,
);

/// Runs the model's paths (assimilating evidence, or in rounds up to a precision target); with
/// `keep`, an assimilation also keeps what it takes from every particle.
fn simulate(
    model: &Model,
    weighting: Option<&PathWeighting>,
    request: &RunRequest,
    options: RunOptions,
    keep: Option<&dyn KeepPath>,
) -> Result<Simulated> {
    if let Some(target) = request.precision {
        let run = precision::run_to_precision(model, weighting, target, options)?;
        return Ok((run.outcome, Some(run.reached), None, None));
    }
    let resamples = request.assimilation.resample_below > 0.0;
    if let Some(evidence) = weighting
        .and_then(PathWeighting::evidence)
        .filter(|_| resamples)
    {
        let condition = weighting.and_then(PathWeighting::condition);
        let settings = request.assimilation;
        let done =
            assimilation::assimilate_keeping(model, evidence, condition, settings, options, keep)?;
        let mut stages = StageTimes::default();
        stages.add(Stage::Assimilate, done.wall_time);
        let outcome = RunOutcome {
            tally: done.tally,
            prior: Some(done.prior),
            wall_time: done.wall_time,
            threads: done.threads,
            stages,
        };
        return Ok((outcome, None, Some(done.assimilation), done.kept));
    }
    let outcome = match weighting {
        Some(weighting) => runner::run_weighted(model, weighting, options)?,
        None => runner::run(model, options)?,
    };
    Ok((outcome, None, None, None))
}

/// Writes a run's outputs and returns the headline to print, the estimates it was made from
/// and the run's time split; refuses a run every path of which was weighted away.
pub(super) fn write_finished(
    finished: &Finished,
    folder: &OutputFolder,
    started_at: String,
) -> Result<(String, Estimates, StageTimes)> {
    let (model, outcome) = (finished.model, &finished.outcome);
    if outcome.tally.weight == 0 {
        let unexplained: Vec<String> = finished
            .weighting
            .zip(outcome.prior.as_ref())
            .map(|(weighting, prior)| surprises_of(model, weighting, prior))
            .unwrap_or_default()
            .iter()
            .filter(|surprise| !surprise.explained())
            .map(|surprise| format!("; {}", surprise.warning()))
            .collect();
        let problem = match finished.weighting {
            Some(weighting @ PathWeighting::Given(_)) => Problem::new(format!(
                "no path is left after weighting ({}): the condition rules out every simulated \
                 world",
                weighting.describe()
            ))
            .valid("a looser condition, or more paths"),
            Some(weighting) => Problem::new(format!(
                "no path is left after weighting ({}): the evidence gives every simulated world \
                 no weight, or less than reweighing can count (one part in 2^32 of the most it \
                 allows){}",
                weighting.describe(),
                unexplained.concat()
            ))
            .valid(
                "resample-move (--resample-below above 0; shards only reweigh), looser \
                 evidence, or more paths",
            ),
            None => Problem::new("no path has any weight: the tallies count no path")
                .valid("shard files as `run --shard` wrote them"),
        };
        return Err(problem.into());
    }
    let mut stages = outcome.stages;
    let estimates = stages.time(Stage::Estimates, || {
        Estimates::from_tally(model, &outcome.tally)
    });
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
        overrides: finished.overrides.clone(),
        weighted: finished
            .weighting
            .zip(prior.as_ref().zip(outcome.prior.as_ref()))
            .map(|(weighting, (prior, prior_tally))| Weighted {
                weighting,
                prior,
                prior_tally,
            }),
        sensitivity: finished.sensitivity.as_ref(),
        assimilation: finished.assimilation.as_ref(),
        scores: finished.scores.as_ref(),
        precision: finished.precision,
        merged: finished.merged,
        briefing: finished.briefing,
    };
    output::run::write_all(&report, folder, &mut stages)?;
    if let Some(started) = finished.timed_since {
        eprint!("{}", stages.table(outcome.threads, started.elapsed()));
    }
    let mut text = output::run::console::headline_table(&report);
    if let Some(reached) = &finished.precision {
        text.push_str(&precision_line(reached));
    }
    if let Some(study) = &finished.sensitivity {
        text.push('\n');
        study.summarize(&mut text, model);
        text.push('\n');
    }
    Ok((text, estimates, stages))
}

fn precision_line(reached: &PrecisionReached) -> String {
    if reached.met {
        format!(
            "precision: every headline interval within ±{:.2} points after {} paths\n",
            100.0 * reached.target_half_width,
            reached.paths
        )
    } else {
        format!(
            "warning: precision ±{:.2} points not reached by the cap of {} paths (widest ±{:.2}); \
             raise --max-paths\n",
            100.0 * reached.target_half_width,
            reached.max_paths,
            100.0 * reached.widest_half_width
        )
    }
}

/// Runs one shard's blocks and writes its partial.
fn run_shard(
    request: &RunRequest,
    spec: ShardSpec,
    work: &WorkArgs,
    output: &OutputArgs,
) -> Result<()> {
    let started = Instant::now();
    let (model, weighting) = request.prepare(work)?;
    let folder = output
        .out
        .clone()
        .unwrap_or_else(|| output.outputs_root.join(&model.meta.name).join("shards"));
    let total_blocks = block_count(model.run.paths);
    if spec.count > total_blocks {
        let problem = Problem::new(format!(
            "--shard {spec} splits the run's {total_blocks} blocks of paths into more shards than \
             blocks, so some shards would hold no path"
        ));
        let valid = format!(
            "at most {total_blocks} shards for {} paths",
            model.run.paths
        );
        return Err(problem.valid(valid).into());
    }
    sharding::prepare_folder(&spec, &folder, output.force)?;
    let blocks = spec.blocks(total_blocks);
    let outcome = runner::run_blocks(
        &model,
        blocks.clone(),
        weighting.as_ref(),
        work.options(output),
    )?;
    let partial = Partial {
        program: sharding::PARTIAL_PROGRAM.into(),
        version: sharding::VERSION.into(),
        shard: spec,
        blocks,
        total_blocks,
        model_hash: model.model_hash(),
        seed: model.run.seed,
        paths: model.run.paths,
        source: ModelSource::of(&request.model)?,
        weighting: weighting_source(request.given.as_deref(), request.evidence.as_deref())?,
        threads: outcome.threads,
        wall_time_seconds: outcome.wall_time.as_secs_f64(),
        tally: outcome.tally,
        prior: outcome.prior,
        content_sha256: String::new(),
    };
    let written = sharding::write_partial(&partial, &folder, output.force)?;
    if request.timings {
        eprint!(
            "{}",
            outcome.stages.table(outcome.threads, started.elapsed())
        );
    }
    if !output.quiet {
        say(format_args!(
            "shard {spec}: {} of {} paths in {:.2} s on {} threads\nwritten: {}",
            partial.tally.paths,
            model.run.paths,
            partial.wall_time_seconds,
            partial.threads,
            written.display()
        ));
    }
    Ok(())
}

pub(super) fn weighting_source(
    given: Option<&str>,
    evidence: Option<&Path>,
) -> Result<WeightingSource> {
    let (evidence_absolute, evidence_sha256) = match evidence {
        Some(path) => {
            let absolute = std::fs::canonicalize(path)
                .map_err(|error| anyhow::anyhow!("cannot resolve {}: {error}", path.display()))?;
            let hash = sharding::file_sha256(&absolute)?;
            (Some(absolute), Some(hash))
        }
        None => (None, None),
    };
    Ok(WeightingSource {
        given: given.map(String::from),
        evidence: evidence.map(Path::to_path_buf),
        evidence_absolute,
        evidence_sha256,
    })
}

/// The `--given` condition or `--evidence` file, compiled against the model.
pub(super) fn weighting(
    model: &Model,
    given: Option<&str>,
    evidence: Option<&Path>,
) -> Result<Option<PathWeighting>> {
    let condition = given
        .map(|text| {
            let option = format!("--given {text}");
            Condition::parse(text, model)
                .map_err(|problem| problem.located(Location::CommandLine { option }))
        })
        .transpose()?;
    let evidence = evidence
        .map(|file| Evidence::load(file, model))
        .transpose()?;
    Ok(match (condition, evidence) {
        (Some(condition), Some(evidence)) => {
            Some(PathWeighting::GivenAndEvidence(condition, evidence))
        }
        (Some(condition), None) => Some(PathWeighting::Given(condition)),
        (None, Some(evidence)) => Some(PathWeighting::Evidence(evidence)),
        (None, None) => None,
    })
}
