//! `sensitivity.csv`: for every uncertain parameter and posture, the tornado swing (the posture's
//! probability at the outcome month with the parameter at its 10th and at its 90th percentile,
//! and the paired change with its interval) beside the global measures (first-order index and
//! partial rank correlation, each with its interval).

use crate::error::Result;

use crate::model::{Model, ParameterId};
use crate::output::render::csv::{fixed4, fixed6};
use crate::output::OutputFolder;
use crate::studies::sensitivity::SensitivityStudy;

pub const SENSITIVITY_FILE: &str = "sensitivity.csv";

const HEADER: [&str; 20] = [
    "parameter",
    "posture",
    "month",
    "rank",
    "low_value",
    "high_value",
    "baseline",
    "probability_at_low",
    "probability_at_high",
    "swing",
    "swing_ci_low",
    "swing_ci_high",
    "first_order",
    "first_order_ci_low",
    "first_order_ci_high",
    "prcc",
    "prcc_ci_low",
    "prcc_ci_high",
    "swing_paths",
    "date",
];

/// Writes the table; rows follow the tornado's order (largest swing first), posture by posture.
pub fn write(study: &SensitivityStudy, model: &Model, folder: &OutputFolder) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for effect in &study.effects {
        for (posture, name) in model.postures.iter().map(|p| &p.name).enumerate() {
            let swing = &effect.swings[posture];
            let (first_order, prcc) = (effect.first_order[posture], effect.prcc[posture]);
            let numbers = [
                study.baseline[posture].probability,
                swing.at_low,
                swing.at_high,
                swing.change.value,
                swing.change.ci_low,
                swing.change.ci_high,
                first_order.value,
                first_order.ci_low,
                first_order.ci_high,
                prcc.value,
                prcc.ci_low,
                prcc.ci_high,
            ];
            let record = [
                model.parameters[effect.parameter].name.clone(),
                name.clone(),
                study.settings.outcome_month.to_string(),
                rank_within_posture(study, effect.parameter, posture).to_string(),
                fixed4(effect.low_value),
                fixed4(effect.high_value),
            ]
            .into_iter()
            .chain(numbers.map(fixed6))
            .chain([
                study.settings.swing_paths.to_string(),
                model
                    .meta
                    .start
                    .offset(study.settings.outcome_month as i64)
                    .to_string(),
            ]);
            writer.write_record(record)?;
        }
    }
    let bytes = crate::output::render::csv::finish(writer)?;
    folder.write(SENSITIVITY_FILE, &bytes)
}

/// 1 for the parameter that swings this posture most, and so on.
fn rank_within_posture(study: &SensitivityStudy, parameter: ParameterId, posture: usize) -> usize {
    let size = |p: ParameterId| {
        study
            .effects
            .iter()
            .find(|effect| effect.parameter == p)
            .map_or(0.0, |effect| effect.swings[posture].change.value.abs())
    };
    let own = size(parameter);
    1 + study
        .effects
        .iter()
        .filter(|other| {
            let theirs = other.swings[posture].change.value.abs();
            theirs > own || (theirs == own && other.parameter < parameter)
        })
        .count()
}
