//! The forecast from today: after evidence, each path 6, 12 and 24 months after the latest
//! observation (its "today"), as a reader briefs it, rather than months counted from the
//! scenario's start. `from_today.csv` holds the numbers; a month past the horizon is named, with
//! the `--horizon` that would reach it.

use crate::error::Result;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::PostureId;
use crate::output::render::csv::{estimate_fields, finish, ESTIMATE_COLUMNS};
use crate::stats::{icd203_words, Estimate};

pub const FROM_TODAY_FILE: &str = "from_today.csv";

/// How far ahead of today the forecast looks.
pub const MONTHS_AHEAD: [usize; 3] = [6, 12, 24];

/// One look ahead: its month, and each posture's estimate then, or `None` past the horizon.
pub struct Ahead {
    pub months_ahead: usize,
    pub month: usize,
    pub postures: Option<Vec<(PostureId, Estimate)>>,
}

/// Today's month and the looks ahead from it; `None` for a run without evidence.
pub fn from_today(report: &RunReport) -> Option<(usize, Vec<Ahead>)> {
    let today = report.weighted.as_ref()?.weighting.as_of()?;
    let horizon = report.model.horizon();
    let ahead = MONTHS_AHEAD
        .iter()
        .map(|&months_ahead| {
            let month = today + months_ahead;
            let postures = (month <= horizon).then(|| {
                let ids = report.model.posture_ids();
                ids.map(|id| (id, report.estimates.posture_at(month, id)))
                    .collect()
            });
            Ahead {
                months_ahead,
                month,
                postures,
            }
        })
        .collect();
    Some((today, ahead))
}

/// The lines a run prints: each look ahead in numbers and words.
pub fn lines(report: &RunReport) -> Vec<String> {
    let Some((today, ahead)) = from_today(report) else {
        return Vec::new();
    };
    let start = report.model.meta.start;
    let mut lines = vec![format!(
        "from the latest evidence ({}, month {today}):",
        start.offset(today as i64).label()
    )];
    for look in ahead {
        let when = start.offset(look.month as i64);
        let Some(postures) = look.postures else {
            lines.push(format!(
                "  in {} months ({}): past the horizon; --horizon {when} reaches it",
                look.months_ahead,
                when.label()
            ));
            continue;
        };
        let shown: Vec<String> = postures
            .iter()
            .map(|(id, estimate)| {
                let label = &report.model.postures[*id].label;
                let words = icd203_words(estimate.probability);
                format!("{label} {:.1}% ({words})", 100.0 * estimate.probability)
            })
            .collect();
        lines.push(format!(
            "  in {} months ({}): {}",
            look.months_ahead,
            when.label(),
            shown.join(", ")
        ));
    }
    lines
}

/// One sentence for the briefing: the likeliest path at each look ahead within the horizon.
pub fn sentence(report: &RunReport) -> Option<String> {
    let (today, ahead) = from_today(report)?;
    let start = report.model.meta.start;
    let parts: Vec<String> = ahead
        .iter()
        .filter_map(|look| {
            let postures = look.postures.as_ref()?;
            let (id, estimate) = postures
                .iter()
                .max_by(|a, b| a.1.probability.total_cmp(&b.1.probability))?;
            Some(format!(
                "in {} months ({}) the likeliest path is {} ({}, {:.1}%)",
                look.months_ahead,
                start.offset(look.month as i64).label(),
                report.model.postures[*id].label,
                icd203_words(estimate.probability),
                100.0 * estimate.probability
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "From the latest evidence ({}): {}.",
            start.offset(today as i64).label(),
            parts.join("; ")
        )
    })
}

pub struct FromTodayTable;

impl Export for FromTodayTable {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let Some((today, ahead)) = from_today(report) else {
            return Ok(Vec::new());
        };
        let model = report.model;
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = ["today", "months_ahead", "month", "posture"];
        let tail = ["icd203", "today_date", "date"];
        writer.write_record(header.iter().chain(&ESTIMATE_COLUMNS).chain(&tail))?;
        for look in ahead {
            for (id, estimate) in look.postures.into_iter().flatten() {
                let mut record = vec![
                    today.to_string(),
                    look.months_ahead.to_string(),
                    look.month.to_string(),
                    model.postures[id].name.clone(),
                ];
                record.extend(estimate_fields(&estimate));
                record.push(icd203_words(estimate.probability).to_string());
                record.push(super::tables::date(model, today));
                record.push(super::tables::date(model, look.month));
                writer.write_record(&record)?;
            }
        }
        Ok(vec![Artifact::write(
            folder,
            FROM_TODAY_FILE,
            &finish(writer)?,
        )?])
    }
}
