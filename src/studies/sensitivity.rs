//! Which uncertain parameters move each posture's probability: a one-at-a-time tornado (each
//! parameter held at its 10th and then its 90th percentile, the others drawn as usual, on the
//! same paths) and global measures from one ordinary sample (first-order Sobol indices and
//! partial rank correlations), which catch what one-at-a-time swings miss.

use std::time::Duration;

use crate::error::Result;

use super::{columns, posture_indicators, uncertain_parameters};
use crate::analysis::first_order::FirstOrder;
use crate::analysis::prcc::partial_rank_correlations;
use crate::analysis::swing::{paired_swing, Swing};
use crate::analysis::Interval;
use crate::model::{Model, ParameterId};
use crate::runner::{collect_paths, RunOptions};
use crate::sampling::ParameterSampler;
use crate::stats::Estimate;

/// The quantiles a tornado swings each parameter between.
pub const SWING_QUANTILES: (f64, f64) = (0.1, 0.9);

/// How to study.
#[derive(Debug, Clone, Copy)]
pub struct SensitivitySettings {
    /// The month whose posture probabilities are studied.
    pub outcome_month: usize,
    /// Paths in each tornado run (at most the model's paths).
    pub swing_paths: u64,
}

/// One uncertain parameter's effects; every vector has one entry per posture.
#[derive(Debug, Clone)]
pub struct ParameterEffect {
    pub parameter: ParameterId,
    pub low_value: f64,
    pub high_value: f64,
    pub swings: Vec<Swing>,
    pub first_order: Vec<Interval>,
    pub prcc: Vec<Interval>,
}

impl ParameterEffect {
    /// The largest swing over the postures, in absolute value: the tornado's sort key.
    pub fn largest_swing(&self) -> f64 {
        self.swings
            .iter()
            .map(|swing| swing.change.value.abs())
            .fold(0.0, f64::max)
    }
}

/// A finished sensitivity study.
#[derive(Debug, Clone)]
pub struct SensitivityStudy {
    pub settings: SensitivitySettings,
    /// Paths of the ordinary sample the global measures use.
    pub paths: u64,
    /// Each posture's probability at the outcome month in that sample.
    pub baseline: Vec<Estimate>,
    /// Largest swing first.
    pub effects: Vec<ParameterEffect>,
    pub wall_time: Duration,
    /// Worker threads used.
    pub threads: usize,
}

/// Runs the study: the model's own sample, then two pinned runs per uncertain parameter.
pub fn study(
    model: &Model,
    settings: SensitivitySettings,
    options: RunOptions,
) -> Result<SensitivityStudy> {
    let uncertain = uncertain_parameters(model)?;
    let sampler = ParameterSampler::new(model);
    let swing_sampler = sampler.first_paths(settings.swing_paths);
    let mut designs = vec![sampler];
    for (index, distribution) in &uncertain {
        let (low, high) = SWING_QUANTILES;
        designs.push(swing_sampler.pinned(*index, distribution.quantile(low)));
        designs.push(swing_sampler.pinned(*index, distribution.quantile(high)));
    }
    let month = settings.outcome_month;
    let parameter_ids: Vec<ParameterId> = uncertain.iter().map(|(id, _)| *id).collect();
    let keep = |design: usize,
                trajectory: &crate::engine::Trajectory,
                parameters: &[f64],
                kept: &mut Vec<f64>| {
        if design == 0 {
            kept.extend(parameter_ids.iter().map(|&id| parameters[id]));
        }
        kept.push(f64::from(trajectory.postures[month]));
    };
    let collected = collect_paths(model, &designs, &keep, options)?;
    let width = uncertain.len() + 1;
    let mut sample = columns(&collected.designs[0], width);
    let postures_held = sample.pop().unwrap_or_default();
    let outcomes = posture_indicators(&postures_held, model.postures.len());
    let first_order = FirstOrder::new(&sample).indices(&outcomes, model.run.seed);
    let prcc: Vec<Vec<Interval>> = outcomes
        .iter()
        .map(|outcome| partial_rank_correlations(&sample, outcome))
        .collect();
    let mut effects: Vec<ParameterEffect> = uncertain
        .iter()
        .enumerate()
        .map(|(position, (index, distribution))| {
            let arm = |offset: usize| {
                posture_indicators(
                    &collected.designs[1 + 2 * position + offset],
                    model.postures.len(),
                )
            };
            let (low, high) = (arm(0), arm(1));
            ParameterEffect {
                parameter: *index,
                low_value: distribution.quantile(SWING_QUANTILES.0),
                high_value: distribution.quantile(SWING_QUANTILES.1),
                swings: (0..model.postures.len())
                    .map(|posture| paired_swing(&low[posture], &high[posture]))
                    .collect(),
                first_order: first_order
                    .iter()
                    .map(|by_input| by_input[position])
                    .collect(),
                prcc: prcc.iter().map(|by_input| by_input[position]).collect(),
            }
        })
        .collect();
    effects.sort_by(|a, b| b.largest_swing().total_cmp(&a.largest_swing()));
    let paths = postures_held.len() as u64;
    Ok(SensitivityStudy {
        settings: SensitivitySettings {
            swing_paths: settings.swing_paths.min(model.run.paths),
            ..settings
        },
        paths,
        baseline: outcomes
            .iter()
            .map(|outcome| {
                Estimate::wilson(outcome.iter().sum::<f64>() / paths as f64, paths as f64)
            })
            .collect(),
        effects,
        wall_time: collected.wall_time,
        threads: collected.threads,
    })
}
