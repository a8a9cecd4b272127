//! `signposts.csv`: what to watch. One row per observable, watched month, category an observer
//! could report and posture: how often the category is seen, the posture's probability before
//! and after seeing it, and the likelihood ratio by which seeing it multiplies the posture's odds.
//! Observables come most informative first; categories no path showed are left out.

use crate::error::Result;

use crate::model::{Model, Role};
use crate::output::render::csv::fixed6;
use crate::output::OutputFolder;
use crate::studies::signposts::{Category, Signpost, SignpostStudy};

pub const SIGNPOST_FILE: &str = "signposts.csv";

const HEADER: [&str; 18] = [
    "rank",
    "series",
    "role",
    "month",
    "observation",
    "lower",
    "upper",
    "share_of_paths",
    "posture",
    "outcome_month",
    "prior",
    "updated",
    "likelihood_ratio",
    "likelihood_ratio_ci_low",
    "likelihood_ratio_ci_high",
    "information_bits",
    "date",
    "outcome_date",
];

pub fn write(study: &SignpostStudy, model: &Model, folder: &OutputFolder) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for (rank, signpost) in study.signposts.iter().enumerate() {
        for record in records(study, model, rank + 1, signpost) {
            writer.write_record(record)?;
        }
    }
    let bytes = crate::output::render::csv::finish(writer)?;
    folder.write(SIGNPOST_FILE, &bytes)
}

fn records(
    study: &SignpostStudy,
    model: &Model,
    rank: usize,
    signpost: &Signpost,
) -> Vec<Vec<String>> {
    let series = &model.series[signpost.series];
    let role = match series.role {
        Role::Driver => "driver",
        Role::Indicator => "indicator",
    };
    let mut rows = Vec::new();
    for (index, category) in signpost.categories.iter().enumerate() {
        let (lower, upper) = match category {
            Category::Range { lower, upper } => (*lower, *upper),
            _ => (None, None),
        };
        for (posture, name) in model.postures.iter().map(|p| &p.name).enumerate() {
            let signal = signpost.table.signal(index, posture);
            if signal.seen_share == 0.0 {
                break;
            }
            let ratio = signal.likelihood_ratio;
            rows.push(vec![
                rank.to_string(),
                series.name.clone(),
                role.to_string(),
                signpost.month.to_string(),
                category.as_condition(&series.name, signpost.month),
                lower.map_or_else(String::new, fixed6),
                upper.map_or_else(String::new, fixed6),
                fixed6(signal.seen_share),
                name.clone(),
                study.settings.outcome_month.to_string(),
                fixed6(signal.prior),
                fixed6(signal.updated),
                fixed6(ratio.value),
                fixed6(ratio.ci_low),
                fixed6(ratio.ci_high),
                fixed6(signpost.information_bits),
                model.meta.start.offset(signpost.month as i64).to_string(),
                (model.meta.start)
                    .offset(study.settings.outcome_month as i64)
                    .to_string(),
            ]);
        }
    }
    rows
}
