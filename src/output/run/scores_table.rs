//! `scores.csv` and `scores_by_lead.csv` (after `--outcomes`): every outcome scored, by the
//! model and by each reference forecast, and the mean scores and skill by band of lead time.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::output::render::csv::{finish, fixed6};
use crate::scoring::{ScoreRow, Skill};

pub const SCORES_FILE: &str = "scores.csv";
pub const SKILL_FILE: &str = "scores_by_lead.csv";

pub struct ScoresTables;

/// A score as a table cell: empty where it does not apply, `inf` for a log score of certainty
/// proved wrong, and `-inf` for the skill of a model that made such a forecast.
pub fn number(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        fixed6(value)
    }
}

/// The columns every scored row has, after the ones that place it.
pub const SCORE_COLUMNS: [&str; 13] = [
    "forecast",
    "observed",
    "probability",
    "brier",
    "log_score",
    "rps",
    "pit",
    "crps",
    "forecast_p5",
    "forecast_p50",
    "forecast_p95",
    "in_50",
    "in_90",
];

/// The columns of a row of mean scores and skill.
pub const SKILL_COLUMNS: [&str; 7] = [
    "lead_band",
    "reference",
    "score",
    "outcomes",
    "model_mean",
    "reference_mean",
    "skill",
];

/// A skill row's [`SKILL_COLUMNS`].
pub fn skill_fields(skill: &Skill) -> [String; 7] {
    [
        skill.band.to_string(),
        skill.reference.to_string(),
        skill.score.to_string(),
        skill.outcomes.to_string(),
        number(skill.model_mean),
        number(skill.reference_mean),
        number(skill.skill),
    ]
}

/// A scored row's [`SCORE_COLUMNS`].
pub fn score_fields(row: &ScoreRow) -> Vec<String> {
    let mut fields = vec![row.forecast.to_string(), row.observed.clone()];
    let scores = [
        row.probability,
        row.brier,
        row.log_score,
        row.ranked_probability,
        row.pit,
        row.crps,
    ];
    fields.extend(scores.map(number));
    fields.extend(row.quantiles.map(number));
    let flag = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
    fields.extend([flag(row.in_50), flag(row.in_90)]);
    fields
}

impl Export for ScoresTables {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let Some(scores) = report.scores else {
            return Ok(Vec::new());
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = ["outcome", "month", "lead_months"].into_iter();
        writer.write_record(header.chain(SCORE_COLUMNS).chain(["date"]))?;
        for row in &scores.rows {
            let mut record = vec![
                row.outcome.clone(),
                row.month.to_string(),
                row.lead.to_string(),
            ];
            record.extend(score_fields(row));
            record.push(super::tables::date(report.model, row.month));
            writer.write_record(&record)?;
        }
        let scores_file = Artifact::write(folder, SCORES_FILE, &finish(writer)?)?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(SKILL_COLUMNS)?;
        for skill in &scores.skill {
            writer.write_record(skill_fields(skill))?;
        }
        let skill_file = Artifact::write(folder, SKILL_FILE, &finish(writer)?)?;
        Ok(vec![scores_file, skill_file])
    }
}
