//! Scenario discovery: in which region of the uncertain parameters does an outcome (say, overt
//! support at month 12) happen? One ordinary sample of paths, each marked by whether it meets the
//! target condition, searched with PRIM.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::problem::Problem;

use super::{columns, uncertain_parameters};
use crate::analysis::prim::{find_boxes, Peeling, PrimData, PrimSettings};
use crate::engine::Trajectory;
use crate::model::{Model, ParameterId};
use crate::runner::{collect_paths, RunOptions};
use crate::sampling::ParameterSampler;
use crate::weighting::Condition;

/// A finished discovery.
#[derive(Debug, Clone)]
pub struct DiscoveryStudy {
    pub target: String,
    pub settings: PrimSettings,
    pub paths: u64,
    /// Share of the paths that met the target.
    pub target_share: f64,
    /// The uncertain parameters, the boxes' dimensions in order.
    pub parameters: Vec<ParameterId>,
    pub boxes: Vec<Peeling>,
    /// For each box and parameter: the share of paths whose value lies below its lower and
    /// at or below its upper bound, so bounds read as percentiles of the sampled values.
    pub bound_percentiles: Vec<Vec<(f64, f64)>>,
    pub wall_time: Duration,
    /// Worker threads used.
    pub threads: usize,
}

/// One bound a box sets on a parameter; a side left open where the box reaches the sampled
/// extreme.
#[derive(Debug, Clone, PartialEq)]
pub struct Restriction {
    pub parameter: ParameterId,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl Restriction {
    /// `name ≥ 0.24`, `name ≤ 1.8` or `name 0.24–1.8`, values to about three figures.
    pub fn text(&self, name: &str, format: impl Fn(f64) -> String) -> String {
        match (self.lower, self.upper) {
            (Some(lower), Some(upper)) => format!("{name} {}–{}", format(lower), format(upper)),
            (Some(lower), None) => format!("{name} ≥ {}", format(lower)),
            (None, Some(upper)) => format!("{name} ≤ {}", format(upper)),
            (None, None) => name.to_string(),
        }
    }
}

impl DiscoveryStudy {
    /// The parameters box `index` restricts, in file order.
    pub fn restrictions(&self, index: usize) -> Vec<Restriction> {
        let peeling = &self.boxes[index];
        let (whole, chosen) = (&peeling.steps[0], peeling.chosen_box());
        (0..self.parameters.len())
            .filter(|&i| chosen.restricted[i])
            .map(|i| Restriction {
                parameter: self.parameters[i],
                lower: (chosen.lower[i] > whole.lower[i]).then_some(chosen.lower[i]),
                upper: (chosen.upper[i] < whole.upper[i]).then_some(chosen.upper[i]),
            })
            .collect()
    }
}

/// Runs the model's paths and searches for up to `boxes` boxes where `target` holds.
pub fn study(
    model: &Model,
    target: &Condition,
    settings: PrimSettings,
    boxes: usize,
    options: RunOptions,
) -> Result<DiscoveryStudy> {
    let uncertain = uncertain_parameters(model)?;
    let parameters: Vec<ParameterId> = uncertain.iter().map(|(id, _)| *id).collect();
    let sampler = ParameterSampler::new(model);
    let keep = |_: usize, trajectory: &Trajectory, values: &[f64], kept: &mut Vec<f64>| {
        kept.extend(parameters.iter().map(|&index| values[index]));
        kept.push(f64::from(u8::from(target.holds(trajectory, values))));
    };
    let collected = collect_paths(model, &[sampler], &keep, options)?;
    let mut inputs = columns(&collected.designs[0], parameters.len() + 1);
    let hits: Vec<bool> = inputs
        .pop()
        .unwrap_or_default()
        .iter()
        .map(|&hit| hit > 0.5)
        .collect();
    let paths = hits.len() as u64;
    let target_count = hits.iter().filter(|&&hit| hit).count();
    if target_count == 0 {
        return Err(Error::from(
            Problem::new(format!(
                "no path meets the target `{}` in {paths} paths: there is no region to find",
                target.text
            ))
            .valid("a target some paths meet: check the condition, or run more paths"),
        ));
    }
    let found = find_boxes(
        &PrimData {
            inputs: &inputs,
            target: &hits,
        },
        &settings,
        boxes,
    );
    let bound_percentiles = found
        .iter()
        .map(|peeling| percentiles_of_bounds(&inputs, peeling))
        .collect();
    Ok(DiscoveryStudy {
        target: target.text.clone(),
        settings,
        paths,
        target_share: target_count as f64 / paths as f64,
        parameters,
        boxes: found,
        bound_percentiles,
        wall_time: collected.wall_time,
        threads: collected.threads,
    })
}

fn percentiles_of_bounds(inputs: &[Vec<f64>], peeling: &Peeling) -> Vec<(f64, f64)> {
    let chosen = peeling.chosen_box();
    inputs
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let n = column.len().max(1) as f64;
            let below = column.iter().filter(|&&v| v < chosen.lower[i]).count() as f64;
            let at_or_below = column.iter().filter(|&&v| v <= chosen.upper[i]).count() as f64;
            (below / n, at_or_below / n)
        })
        .collect()
}
