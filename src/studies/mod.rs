//! Studies: questions asked of a model by running its paths in designed ways and handing what
//! each path kept to [`crate::analysis`]. Sensitivity swings each uncertain parameter on common
//! random numbers and measures its global effect; discovery searches the parameters for the
//! region where an outcome happens; signposts rank what an observer could watch by how well it
//! tells the postures apart. A sweep's design lays out the points a sweep runs, and a run diff sets
//! two finished runs side by side. The runner runs the paths; the analysis does the arithmetic.

pub mod discovery;
pub mod run_diff;
pub mod sensitivity;
pub mod signposts;
pub mod sweep_design;

use crate::error::{Error, Result};
use crate::problem::Problem;

use crate::model::Distribution;
use crate::model::{Model, ParameterId, ParameterValue};

/// The uncertain parameters' indices and distributions, in file order; an error when there are
/// none, since there is then nothing to study.
pub fn uncertain_parameters(model: &Model) -> Result<Vec<(ParameterId, &Distribution)>> {
    let uncertain: Vec<(ParameterId, &Distribution)> = model
        .uncertain
        .iter()
        .filter_map(|&id| match &model.parameters[id].value {
            ParameterValue::Uncertain(distribution) => Some((id, distribution)),
            ParameterValue::Fixed(_) => None,
        })
        .collect();
    if uncertain.is_empty() {
        return Err(Error::from(
            Problem::new(format!(
                "{} has no uncertain parameter to study",
                model.meta.file.display()
            ))
            .valid("a model with at least one uncertain parameter not fixed by --set"),
        ));
    }
    Ok(uncertain)
}

/// Splits row-major kept values (`width` per path) into columns.
pub fn columns(kept: &[f64], width: usize) -> Vec<Vec<f64>> {
    let rows = kept.len() / width.max(1);
    (0..width)
        .map(|column| (0..rows).map(|row| kept[row * width + column]).collect())
        .collect()
}

/// For each posture, 1.0 on the paths holding it and 0.0 elsewhere.
pub fn posture_indicators(postures: &[f64], posture_count: usize) -> Vec<Vec<f64>> {
    (0..posture_count)
        .map(|posture| {
            postures
                .iter()
                .map(|&held| f64::from(u8::from(held as usize == posture)))
                .collect()
        })
        .collect()
}
