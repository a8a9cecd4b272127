//! Sequential assimilation of evidence by resample-move, so that strong evidence does not
//! collapse the sample and the uncertain parameters learn.
//!
//! Each particle is one possible world: its parameters' scores and the noise its path draws up to
//! the evidence's `as_of` month ([`latent`]). Observations are taken in date order. Each one
//! reweighs the particles by its likelihood; when the effective sample size falls below a share
//! of the particles (half by default), they are resampled (systematic resampling) and every one
//! is moved by a few Metropolis-Hastings steps that leave the posterior unchanged (`moves.rs`):
//! the resample-move scheme of Gilks and Berzuini (2001), as in Chopin's IBIS (2002). A moved
//! particle's path is simulated again up to the observation's month, so the state and the
//! parameters learn together. Afterwards every particle runs to the horizon, its months after
//! `as_of` drawn afresh: the forecast from today.
//!
//! Work is split into fixed chunks of particles and every sum is taken in particle order, so the
//! result is the same to the bit on any number of threads.

pub mod latent;
mod moves;
mod particles;
pub mod population;
pub mod prior;

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::{PathView, Trajectory, LANES};
use crate::error::Result;
use crate::model::Model;
use crate::problem::Problem;
use crate::runner::{KeepPath, PathAt, RunOptions};
use crate::sampling::rng::{standard_normal, stream, Stream};
use crate::scoring::Kept;
use crate::stats::tally::WEIGHT_ONE;
use crate::stats::{Dims, Recorder, Tally};
use crate::weighting::evidence::Observation;
use crate::weighting::{Condition, Evidence};
use latent::LatentLayout;
use moves::{Accepted, MoveContext, Mover, Proposal};
use particles::{Group, ParticleLanes};
use population::{effective_size, weighted_mean, weighted_quantiles, Chunk, Population, CHUNK};
use prior::ScoredParameters;

/// How an assimilation resamples and moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Resample when the effective sample size falls below this share of the particles.
    pub resample_below: f64,
    /// Move steps after each resampling.
    pub move_steps: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            resample_below: 0.5,
            move_steps: 5,
        }
    }
}

/// Below this share of the particles at the end, the final weights are too uneven to trust.
pub const THIN_SHARE: f64 = 0.1;
/// Below this share after one observation, the moves must rebuild the sample from a handful of
/// distinct worlds.
pub const COLLAPSED_SHARE: f64 = 0.01;
/// Below this acceptance rate, moves barely move the particles.
pub const LOW_ACCEPTANCE: f64 = 0.05;
/// Below this predictive probability, an observation is one the model cannot explain.
pub const SURPRISING: f64 = 0.001;

/// What assimilating one observation did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub observation: String,
    pub month: usize,
    /// The value as measured (`190`, `at least 50`), or empty for a case observation.
    pub observed: String,
    /// The model's value before the observation: 5%, 50% and 95% (NaN for cases).
    pub model_range: [f64; 3],
    /// The chance of the observation before it was assimilated: two-sided for a value, the
    /// probability of the event (relative to the likeliest world) otherwise.
    pub predictive: f64,
    /// The mean relative likelihood over the particles before the observation.
    pub mean_likelihood: f64,
    pub ess_before: f64,
    pub ess_weighted: f64,
    pub resampled: bool,
    /// Over every move step: accepted proposals per proposal (NaN if none ran).
    pub acceptance: f64,
    pub ess_after: f64,
    /// The model's value after the observation (its filtered mean and sd; NaN for cases).
    pub value_after: (f64, f64),
}

impl StepRecord {
    /// Whether the model could essentially not have produced this observation.
    pub fn surprising(&self) -> bool {
        self.predictive < SURPRISING
    }
}

/// The mean and 5/50/95% quantiles of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// An uncertain parameter before and after the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterPosterior {
    pub name: String,
    pub prior: Summary,
    pub posterior: Summary,
    /// Where the posterior's 5/50/95% quantiles lie in the prior: the prior's own quantile of
    /// each (0.05, 0.5, 0.95 when the evidence taught nothing).
    pub posterior_in_prior: [f64; 3],
}

/// What an assimilation learned, besides its tallies.
#[derive(Debug, Clone, PartialEq)]
pub struct Assimilation {
    pub particles: usize,
    pub settings: Settings,
    pub steps: Vec<StepRecord>,
    pub parameters: Vec<ParameterPosterior>,
    /// The effective sample size after the last observation.
    pub final_ess: f64,
}

impl Assimilation {
    /// The warnings a reader must see: thin samples, idle moves, surprising observations.
    pub fn warnings(&self, model: &Model) -> Vec<String> {
        let mut warnings = Vec::new();
        let date = |month: usize| model.meta.start.offset(month as i64);
        for step in self.steps.iter().filter(|step| step.surprising()) {
            warnings.push(format!(
                "`{}` ({}: {}) is beyond what the model produces: a chance of {:.1e} before it; \
                 the model's 5-95% range was {} to {}",
                step.observation,
                date(step.month),
                step.observed,
                step.predictive,
                short(step.model_range[0]),
                short(step.model_range[2]),
            ));
        }
        let n = self.particles as f64;
        if let Some(step) = self
            .steps
            .iter()
            .find(|s| s.ess_weighted < COLLAPSED_SHARE * n)
        {
            warnings.push(format!(
                "`{}` left {:.0} effective paths of {}: the moves rebuilt the sample from a \
                 handful of worlds; raise --paths",
                step.observation, step.ess_weighted, self.particles
            ));
        }
        if self.final_ess < THIN_SHARE * n {
            warnings.push(format!(
                "the final weights keep {:.0} effective paths of {}: raise --paths, or \
                 --resample-below to resample sooner",
                self.final_ess, self.particles
            ));
        }
        let idle = self
            .steps
            .iter()
            .filter(|s| s.resampled && s.acceptance < LOW_ACCEPTANCE)
            .count();
        if idle > 0 {
            warnings.push(format!(
                "after {idle} resamplings fewer than {:.0}% of the moves were accepted: copies of \
                 a few worlds remain; raise --move-steps or --paths",
                100.0 * LOW_ACCEPTANCE
            ));
        }
        warnings
    }
}

fn short(value: f64) -> String {
    if value.is_nan() {
        "-".into()
    } else {
        format!("{value:.4}")
    }
}

/// A finished assimilation.
#[derive(Debug)]
pub struct Assimilated {
    /// Every particle at its final weight, run to the horizon.
    pub tally: Tally,
    /// The particles before any evidence, run to the horizon.
    pub prior: Tally,
    /// With a `keep`: what it took from every particle, after the evidence and before it.
    pub kept: Option<(Kept, Kept)>,
    pub assimilation: Assimilation,
    pub wall_time: Duration,
    pub threads: usize,
}

/// Assimilates `evidence` into the model's paths (as many particles as paths), keeping only the
/// worlds that meet `condition` in the tallies if one is given.
pub fn assimilate(
    model: &Model,
    evidence: &Evidence,
    condition: Option<&Condition>,
    settings: Settings,
    options: RunOptions,
) -> Result<Assimilated> {
    assimilate_keeping(model, evidence, condition, settings, options, None)
}

/// [`assimilate`], also keeping what `keep` takes from every particle (it must keep the same
/// number of values for each) after the evidence, at its weight, and before it.
pub fn assimilate_keeping(
    model: &Model,
    evidence: &Evidence,
    condition: Option<&Condition>,
    settings: Settings,
    options: RunOptions,
    keep: Option<&dyn KeepPath>,
) -> Result<Assimilated> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()?;
    let started = Instant::now();
    let visible = matches!(options.progress, crate::runner::Progress::Bar);
    // One tick per observation, and one for each of the two runs to the horizon.
    let bar = crate::runner::progress_bar(evidence.observations.len() as u64 + 2, visible);
    bar.set_message("assimilating evidence");
    let (tally, prior, assimilation, kept) = pool.install(|| {
        let mut assimilator = Assimilator::new(model, evidence, settings);
        assimilator.run(condition, &bar, keep)
    })?;
    bar.finish_and_clear();
    Ok(Assimilated {
        tally,
        prior,
        kept,
        assimilation,
        wall_time: started.elapsed(),
        threads: pool.current_num_threads(),
    })
}

/// The tallies after and before the evidence, the record, and what a `keep` kept.
type Finished = (Tally, Tally, Assimilation, Option<(Kept, Kept)>);

struct Assimilator<'a> {
    model: &'a Model,
    evidence: &'a Evidence,
    settings: Settings,
    scored: ScoredParameters,
    layout: LatentLayout,
    population: Population,
    /// The random walk's scale relative to the scores' spread.
    walk_scale: f64,
    /// The noise's refreshed share of variance.
    refresh: f64,
    /// Looks already made at the observations from `ahead_from` on, in order: made in the run
    /// that looked at an earlier one, and good until the particles change (a resampling).
    ahead: VecDeque<Vec<Look>>,
    ahead_from: usize,
}

/// Observations looked at in one run of the particles: those up to this many places ahead are
/// looked at too, since until a resampling the particles stay as they are.
const LOOK_AHEAD: usize = 4;

/// One particle's look at an observation before it is assimilated.
#[derive(Debug, Clone, Copy)]
struct Look {
    likelihood: f64,
    value: f64,
    share_below: f64,
}

impl<'a> Assimilator<'a> {
    fn new(model: &'a Model, evidence: &'a Evidence, settings: Settings) -> Self {
        let scored = ScoredParameters::new(model);
        let layout = LatentLayout {
            slots: crate::engine::most_draws_per_month(model),
            months: evidence.as_of,
        };
        let population = initial_population(model, &scored, layout);
        let k = scored.len().max(1) as f64;
        Assimilator {
            model,
            evidence,
            settings,
            scored,
            layout,
            population,
            walk_scale: 2.38 / k.sqrt(),
            refresh: 0.3,
            ahead: VecDeque::new(),
            ahead_from: 0,
        }
    }

    fn run(
        &mut self,
        condition: Option<&Condition>,
        bar: &indicatif::ProgressBar,
        keep: Option<&dyn KeepPath>,
    ) -> Result<Finished> {
        let prior_tally = self.tally(None, true)?;
        let prior_kept = keep
            .map(|keep| self.collect(keep, None, true))
            .transpose()?;
        bar.inc(1);
        let prior_scores = self.parameter_values();
        let mut steps = Vec::new();
        for (index, observation) in self.evidence.observations.iter().enumerate() {
            steps.push(self.assimilate_one(index, observation)?);
            bar.inc(1);
        }
        let tally = self.tally(condition, false)?;
        let kept = keep
            .map(|keep| self.collect(keep, condition, false))
            .transpose()?
            .zip(prior_kept);
        bar.inc(1);
        let weights = self.population.relative_weights();
        let posterior_scores = self.parameter_values();
        let ones = vec![1.0; self.population.particles];
        let parameters = (0..self.scored.len())
            .map(|position| {
                let in_prior: Vec<f64> = self
                    .scores_at(position)
                    .map(crate::model::distribution::normal_cdf)
                    .collect();
                let q = weighted_quantiles(&in_prior, &weights, &[0.05, 0.5, 0.95]);
                ParameterPosterior {
                    name: self.model.parameters[self.scored.parameter_index(position)]
                        .name
                        .clone(),
                    prior: summary(&prior_scores[position], &ones),
                    posterior: summary(&posterior_scores[position], &weights),
                    posterior_in_prior: [q[0], q[1], q[2]],
                }
            })
            .collect();
        let assimilation = Assimilation {
            particles: self.population.particles,
            settings: self.settings,
            steps,
            parameters,
            final_ess: effective_size(&weights),
        };
        Ok((tally, prior_tally, assimilation, kept))
    }

    /// What `keep` takes from every particle run to the horizon, in particle order, with its
    /// weight (1 if `unweighted`; 0 where the condition fails).
    fn collect(
        &self,
        keep: &dyn KeepPath,
        condition: Option<&Condition>,
        unweighted: bool,
    ) -> Result<Kept> {
        let weights = self.population.relative_weights();
        let horizon = self.model.horizon();
        let chunks: Vec<(Vec<f64>, Vec<f64>)> = self
            .population
            .chunks
            .par_iter()
            .map_init(
                || ParticleLanes::new(self.model, self.layout),
                |lanes, chunk| {
                    let (mut kept, mut kept_weights) = (Vec::new(), Vec::new());
                    self.run_chunk(lanes, chunk, horizon, |at, trajectory, values| {
                        let particle = chunk.first + at;
                        let at = PathAt {
                            design: 0,
                            path: particle as u64,
                        };
                        keep.keep(at, trajectory, values, &mut kept);
                        let held = condition.is_none_or(|c| c.holds(trajectory, values));
                        kept_weights.push(match (unweighted, held) {
                            (true, _) => 1.0,
                            (false, false) => 0.0,
                            (false, true) => weights[particle],
                        });
                    });
                    (kept, kept_weights)
                },
            )
            .collect();
        crate::interrupt::check()?;
        let per_path = chunks
            .iter()
            .find(|(_, w)| !w.is_empty())
            .map_or(0, |(v, w)| v.len() / w.len());
        let (values, weights): (Vec<Vec<f64>>, Vec<Vec<f64>>) = chunks.into_iter().unzip();
        Ok(Kept {
            values: values.concat(),
            weights: weights.concat(),
            stride: per_path,
        })
    }

    fn assimilate_one(&mut self, index: usize, observation: &Observation) -> Result<StepRecord> {
        let looks = self.looks_at(index)?;
        let before = self.population.relative_weights();
        let ess_before = effective_size(&before);
        let likelihoods: Vec<f64> = looks.iter().map(|look| look.likelihood).collect();
        let values: Vec<f64> = looks.iter().map(|look| look.value).collect();
        let range = weighted_quantiles(&values, &before, &[0.05, 0.5, 0.95]);
        let mean_likelihood = weighted_mean(&likelihoods, &before);
        let predictive = match observation
            .measurement()
            .and_then(|m| m.error.share_below(0.0).map(|_| m))
        {
            Some(_) => {
                let below: Vec<f64> = looks.iter().map(|look| look.share_below).collect();
                let share = weighted_mean(&below, &before);
                2.0 * share.min(1.0 - share)
            }
            None => mean_likelihood,
        };
        self.reweigh(&likelihoods);
        let ess_weighted = self.population.effective_size();
        if ess_weighted == 0.0 {
            return Err(self.ruled_out(observation, range).into());
        }
        let n = self.population.particles as f64;
        let mut record = StepRecord {
            observation: observation.name.clone(),
            month: observation.month,
            observed: observation
                .measurement()
                .map(|m| m.error.describe())
                .unwrap_or_default(),
            model_range: [range[0], range[1], range[2]],
            predictive,
            mean_likelihood,
            ess_before,
            ess_weighted,
            resampled: false,
            acceptance: f64::NAN,
            ess_after: ess_weighted,
            value_after: (f64::NAN, f64::NAN),
        };
        let mut values = values;
        if ess_weighted < self.settings.resample_below * n {
            self.population.resample(self.model.run.seed, index as u64);
            self.ahead.clear();
            record.resampled = true;
            record.acceptance = self.move_all(index, observation.month)?;
            record.ess_after = self.population.effective_size();
            if observation.measurement().is_some() {
                values = self
                    .looks_at(index)?
                    .iter()
                    .map(|look| look.value)
                    .collect();
            }
        }
        if observation.measurement().is_some() {
            let weights = self.population.relative_weights();
            let mean = weighted_mean(&values, &weights);
            let squares: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
            record.value_after = (mean, weighted_mean(&squares, &weights).sqrt());
        }
        Ok(record)
    }

    fn ruled_out(&self, observation: &Observation, range: Vec<f64>) -> Problem {
        let date = self.model.meta.start.offset(observation.month as i64);
        let value = observation
            .measurement()
            .map(|m| format!(" ({})", m.error.describe()))
            .unwrap_or_default();
        let seen = if range[0].is_nan() {
            String::new()
        } else {
            format!(
                "; the model's 5-95% range there was {} to {}",
                short(range[0]),
                short(range[2])
            )
        };
        Problem::new(format!(
            "no particle can produce `{}`{value} at {date} ({}), given the evidence before it: \
             the model cannot explain it{seen}",
            observation.name, self.evidence.file
        ))
        .valid("evidence the model can produce (a wider sd, a looser bound), or more paths")
    }

    /// Every particle's look at observation `index`: made before, in the run that looked at an
    /// earlier one, if the particles have not changed since; else made now, together with the
    /// looks at the next few observations.
    fn looks_at(&mut self, index: usize) -> Result<Vec<Look>> {
        if self.ahead_from == index {
            if let Some(looks) = self.ahead.pop_front() {
                self.ahead_from += 1;
                return Ok(looks);
            }
        }
        let end = (index + LOOK_AHEAD).min(self.evidence.observations.len());
        let mut looks = self.look(&self.evidence.observations[index..end])?;
        let first = looks.pop_front().unwrap_or_default();
        (self.ahead, self.ahead_from) = (looks, index + 1);
        Ok(first)
    }

    /// Every particle's likelihood of each of `observations`, with the model's value, from one
    /// run of the particles to the latest of their months. A particle's months do not depend
    /// on how far it runs, so each look is the one a run to its own month gives.
    fn look(&self, observations: &[Observation]) -> Result<VecDeque<Vec<Look>>> {
        let until = observations.iter().map(|o| o.month).max().unwrap_or(0);
        let chunks: Vec<Vec<Vec<Look>>> = self
            .population
            .chunks
            .par_iter()
            .map_init(
                || ParticleLanes::new(self.model, self.layout),
                |lanes, chunk| {
                    let mut looks = vec![Vec::with_capacity(chunk.len); observations.len()];
                    if crate::interrupt::requested() {
                        return looks;
                    }
                    self.run_groups(lanes, chunk, until, |lanes, _, values| {
                        for (lane, values) in values.iter().enumerate() {
                            for (observation, looks) in observations.iter().zip(&mut looks) {
                                let path = lanes.path(lane, observation.month);
                                looks.push(look_at(observation, &path, values));
                            }
                        }
                    });
                    looks
                },
            )
            .collect();
        crate::interrupt::check()?;
        let mut looks = VecDeque::from(vec![Vec::new(); observations.len()]);
        for chunk in chunks {
            for (all, of_chunk) in looks.iter_mut().zip(chunk) {
                all.extend(of_chunk);
            }
        }
        Ok(looks)
    }

    /// Runs every particle of `chunk` to month `until` on the lane engine, a lane group at a
    /// time (each its kept noise, then its own forecast stream past `as_of`), and hands each
    /// one's path and parameter values to `visit` in particle order.
    fn run_chunk(
        &self,
        lanes: &mut ParticleLanes,
        chunk: &Chunk,
        until: usize,
        mut visit: impl FnMut(usize, &Trajectory, &[f64]),
    ) {
        self.run_groups(lanes, chunk, until, |lanes, ats, values| {
            for (lane, at) in ats.enumerate() {
                visit(at, lanes.trajectory(lane, until), values[lane]);
            }
        });
    }

    /// Runs `chunk`'s particles to month `until` a lane group at a time, and hands each group
    /// (its particles' indices in the chunk and their parameter values) to `visit`.
    fn run_groups(
        &self,
        lanes: &mut ParticleLanes,
        chunk: &Chunk,
        until: usize,
        mut visit: impl FnMut(&mut ParticleLanes, Range<usize>, &[&[f64]]),
    ) {
        let width = chunk.values.len() / chunk.len.max(1);
        for first in (0..chunk.len).step_by(LANES) {
            let ats = first..(first + LANES).min(chunk.len);
            let values = particles::rows(&chunk.values, width, ats.clone());
            let latent = particles::rows(&chunk.latent, self.population.latent, ats.clone());
            let fresh: [u64; LANES] =
                std::array::from_fn(|lane| (chunk.first + first + lane) as u64);
            let count = ats.len();
            let group = Group {
                values: &values[..count],
                latent: &latent[..count],
                fresh: &fresh[..count],
            };
            lanes.run(&group, until);
            visit(lanes, ats, &values[..count]);
        }
    }

    fn reweigh(&mut self, likelihoods: &[f64]) {
        for chunk in &mut self.population.chunks {
            for at in 0..chunk.len {
                let log = likelihoods[chunk.first + at].ln();
                chunk.log_weight[at] += log;
                chunk.log_likelihood[at] += log;
            }
        }
    }

    /// The move steps after a resampling; returns the acceptance rate over all of them.
    fn move_all(&mut self, index: usize, month: usize) -> Result<f64> {
        let assimilated = &self.evidence.observations[..=index];
        let mut total = Accepted::default();
        for step in 0..self.settings.move_steps {
            let proposal = Proposal {
                walk: self.walk_factor(),
                refresh: self.refresh,
            };
            let context = MoveContext {
                scored: &self.scored,
                layout: self.layout,
                assimilated,
                month,
                seed: self.model.run.seed,
                step: (index as u64, step as u64),
            };
            let (k, model, layout) = (self.population.k, self.model, self.layout);
            let accepted = self
                .population
                .chunks
                .par_iter_mut()
                .map_init(
                    || Mover::new(model, layout),
                    |mover, chunk| {
                        if crate::interrupt::requested() {
                            return Accepted::default();
                        }
                        mover.move_chunk(&context, &proposal, chunk, k)
                    },
                )
                .reduce(Accepted::default, Accepted::add);
            crate::interrupt::check()?;
            self.adapt(accepted);
            total = total.add(accepted);
        }
        let (taken, tried) = (
            total.scores.0 + total.noise.0,
            total.scores.1 + total.noise.1,
        );
        Ok(if tried == 0 {
            f64::NAN
        } else {
            taken as f64 / tried as f64
        })
    }

    /// Step sizes towards an acceptance of a fifth to a half.
    fn adapt(&mut self, accepted: Accepted) {
        let rate = |(taken, tried): (u64, u64)| (tried > 0).then(|| taken as f64 / tried as f64);
        if let Some(rate) = rate(accepted.scores) {
            self.walk_scale *= match rate {
                r if r < 0.1 => 0.5,
                r if r < 0.2 => 0.8,
                r if r > 0.5 => 1.25,
                _ => 1.0,
            };
            self.walk_scale = self.walk_scale.min(3.0);
        }
        if let Some(rate) = rate(accepted.noise) {
            self.refresh *= match rate {
                r if r < 0.1 => 0.25,
                r if r < 0.2 => 0.6,
                r if r > 0.5 => 1.6,
                _ => 1.0,
            };
            self.refresh = self.refresh.clamp(1e-6, 1.0);
        }
    }

    /// The random walk's Cholesky factor: the particles' score covariance, scaled.
    fn walk_factor(&self) -> Vec<f64> {
        let k = self.population.k;
        if k == 0 {
            return Vec::new();
        }
        let n = self.population.particles as f64;
        let mut mean = vec![0.0; k];
        for chunk in &self.population.chunks {
            for row in chunk.scores.chunks(k) {
                mean.iter_mut().zip(row).for_each(|(m, s)| *m += s / n);
            }
        }
        let mut covariance = vec![0.0; k * k];
        for chunk in &self.population.chunks {
            for row in chunk.scores.chunks(k) {
                for i in 0..k {
                    for j in 0..=i {
                        covariance[i * k + j] += (row[i] - mean[i]) * (row[j] - mean[j]) / n;
                    }
                }
            }
        }
        let scale = self.walk_scale * self.walk_scale;
        for i in 0..k {
            for j in 0..=i {
                let value = covariance[i * k + j] * scale;
                covariance[i * k + j] = value;
                covariance[j * k + i] = value;
            }
            covariance[i * k + i] += 1e-10;
        }
        crate::model::correlation::cholesky(&covariance, k).unwrap_or_else(|| {
            let mut diagonal = vec![0.0; k * k];
            for i in 0..k {
                diagonal[i * k + i] = covariance[i * k + i].sqrt();
            }
            diagonal
        })
    }

    /// Each uncertain parameter's value on every particle, in order.
    fn parameter_values(&self) -> Vec<Vec<f64>> {
        (0..self.population.k)
            .map(|position| {
                self.scores_at(position)
                    .map(|score| self.scored.value(position, score))
                    .collect()
            })
            .collect()
    }

    /// Every particle's score of the uncertain parameter at `position`, in order.
    fn scores_at(&self, position: usize) -> impl Iterator<Item = f64> + '_ {
        let k = self.population.k;
        self.population
            .chunks
            .iter()
            .flat_map(move |chunk| chunk.scores.chunks(k).map(move |row| row[position]))
    }

    /// Every particle run to the horizon into a tally, at its weight (1 if `unweighted`).
    fn tally(&self, condition: Option<&Condition>, unweighted: bool) -> Result<Tally> {
        let model = self.model;
        let weights = self.population.relative_weights();
        let dims = Dims::of(model);
        let tallies: Vec<Tally> = self
            .population
            .chunks
            .par_iter()
            .fold(
                || {
                    (
                        ParticleLanes::new(model, self.layout),
                        Recorder::new(dims.clone()),
                    )
                },
                |(mut lanes, mut recorder), chunk: &Chunk| {
                    if crate::interrupt::requested() {
                        return (lanes, recorder);
                    }
                    if condition.is_none() {
                        // No path's weight depends on its path: the recorder takes a group at once.
                        self.run_groups(&mut lanes, chunk, model.horizon(), |lanes, ats, _| {
                            let particle = |lane: usize| chunk.first + ats.start + lane;
                            let weight = |lane: usize| match (unweighted, lane < ats.len()) {
                                (_, false) => 0,
                                (true, true) => WEIGHT_ONE,
                                (false, true) => Tally::fixed_weight(weights[particle(lane)]),
                            };
                            let weights = std::array::from_fn(weight);
                            recorder.record_weighted_lanes(lanes.history(), &weights, ats.len());
                        });
                        return (lanes, recorder);
                    }
                    self.run_chunk(
                        &mut lanes,
                        chunk,
                        model.horizon(),
                        |at, trajectory, values| {
                            let particle = chunk.first + at;
                            let kept = condition.is_none_or(|c| c.holds(trajectory, values));
                            let weight = match (unweighted, kept) {
                                (true, _) => 1.0,
                                (false, false) => 0.0,
                                (false, true) => weights[particle],
                            };
                            recorder.record(trajectory, Tally::fixed_weight(weight));
                        },
                    );
                    (lanes, recorder)
                },
            )
            .map(|(_, recorder)| recorder.finish())
            .collect();
        crate::interrupt::check()?;
        let mut total = Tally::new(dims);
        for tally in &tallies {
            total
                .merge(tally)
                .map_err(|error| crate::error::Error::Failed(Box::new(error)))?;
        }
        Ok(total)
    }
}

/// One particle's look at `observation`, on its path to the observation's month.
fn look_at(observation: &Observation, path: &impl PathView, values: &[f64]) -> Look {
    let measurement = observation.measurement();
    let value = measurement.map_or(f64::NAN, |m| m.model_value(path));
    Look {
        likelihood: observation.relative_likelihood(path, values),
        value,
        share_below: measurement
            .and_then(|m| m.error.share_below(value))
            .unwrap_or(f64::NAN),
    }
}

/// The first particles: prior scores and noise, each from its own stream.
fn initial_population(
    model: &Model,
    scored: &ScoredParameters,
    layout: LatentLayout,
) -> Population {
    let n = model.run.paths as usize;
    let (k, latent_len) = (scored.len(), layout.len());
    let chunks = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|index| {
            let first = index * CHUNK;
            let len = CHUNK.min(n - first);
            let mut chunk = Chunk {
                first,
                len,
                scores: vec![0.0; len * k],
                values: Vec::new(),
                latent: Vec::with_capacity(len * latent_len),
                prior_energy: Vec::with_capacity(len),
                log_likelihood: vec![0.0; len],
                log_weight: vec![0.0; len],
            };
            let (mut independent, mut values, mut solved) = (vec![0.0; k], Vec::new(), Vec::new());
            for at in 0..len {
                let mut rng = stream(model.run.seed, Stream::Particle, (first + at) as u64);
                independent
                    .iter_mut()
                    .for_each(|z| *z = standard_normal(&mut rng));
                scored.correlate(&independent, &mut chunk.scores[at * k..(at + 1) * k]);
                let scores = &chunk.scores[at * k..(at + 1) * k];
                scored.values(scores, &mut values);
                chunk.values.extend_from_slice(&values);
                let energy = scored.prior_energy(scores, &mut solved);
                chunk.prior_energy.push(energy);
                chunk
                    .latent
                    .extend((0..latent_len).map(|_| standard_normal(&mut rng) as f32));
            }
            chunk
        })
        .collect();
    Population {
        chunks,
        k,
        latent: latent_len,
        particles: n,
    }
}

fn summary(values: &[f64], weights: &[f64]) -> Summary {
    let q = weighted_quantiles(values, weights, &[0.05, 0.5, 0.95]);
    Summary {
        mean: weighted_mean(values, weights),
        p5: q[0],
        p50: q[1],
        p95: q[2],
    }
}
