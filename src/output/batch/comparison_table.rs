//! `comparison.csv`: every scenario's probability of every posture at 6, 12 and 24 months (and
//! of holding it at any time by then), with intervals and ICD 203 words, one row each.

use crate::error::Result;

use super::{posture_index, BatchReport};
use crate::output::render::csv::fixed6;
use crate::output::OutputFolder;
use crate::stats::{icd203_words, Estimate};

pub const COMPARISON_FILE: &str = "comparison.csv";

const HEADER: [&str; 14] = [
    "scenario",
    "label",
    "posture",
    "month",
    "probability",
    "ci_low",
    "ci_high",
    "words",
    "ever_held",
    "ever_held_ci_low",
    "ever_held_ci_high",
    "paths",
    "seed",
    "date",
];

pub fn write(report: &BatchReport, folder: &OutputFolder) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let months = report.months();
    for scenario in &report.scenarios {
        for posture in report.postures() {
            let Some(index) = posture_index(scenario.model, &posture.name) else {
                continue;
            };
            for &month in &months {
                let holds = scenario.estimates.posture_at(month, index);
                let ever = scenario.estimates.ever_held_by(index, month);
                let numbers = |estimate: Estimate| {
                    [estimate.probability, estimate.ci_low, estimate.ci_high].map(fixed6)
                };
                let record: Vec<String> = [
                    scenario.folder.clone(),
                    scenario.label.clone(),
                    posture.name.clone(),
                    month.to_string(),
                ]
                .into_iter()
                .chain(numbers(holds))
                .chain([icd203_words(holds.probability).to_string()])
                .chain(numbers(ever))
                .chain([
                    scenario.model.run.paths.to_string(),
                    scenario.model.run.seed.to_string(),
                    scenario.model.meta.start.offset(month as i64).to_string(),
                ])
                .collect();
                writer.write_record(record)?;
            }
        }
    }
    let bytes = crate::output::render::csv::finish(writer)?;
    folder.write(COMPARISON_FILE, &bytes)
}
