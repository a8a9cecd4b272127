//! The briefing: what a reader hands on. A [`Briefing`] gathers, from a finished run or batch,
//! the question, the bottom line in ICD 203 words and numbers, the headline tables, the charts,
//! the key assumptions with their sources, and the facts that back them; [`html`] renders it as
//! one self-contained `report.html` (inline SVG, no script, print and phone styles) and
//! [`markdown`] as `brief.md` for pasting.

pub mod bottom_line;
pub mod html;
pub mod markdown;
pub mod of_batch;

use crate::error::Result;

use super::{Artifact, OutputFolder, RunReport};
use crate::model::{Model, ParameterValue};
use crate::sources::CitedSources;
use crate::stats::estimates::headline_months;
use crate::stats::{icd203_words, Estimate};

pub const REPORT_FILE: &str = "report.html";
pub const BRIEF_FILE: &str = "brief.md";

/// Everything a briefing shows, in the order it shows it.
pub struct Briefing {
    pub title: String,
    pub question: String,
    /// One line under the title: what was run, from when.
    pub subtitle: String,
    pub bottom_line: Vec<String>,
    pub tables: Vec<Table>,
    /// Caveats a reader must see beside the numbers (weighting, thin samples, precision).
    pub notes: Vec<String>,
    /// With outcomes: how the forecasts did against what happened, sentence by sentence.
    pub track_record: Vec<String>,
    pub charts: Vec<Chart>,
    /// Other reports this one leads to (a batch's scenarios), as (label, relative link).
    pub links: Vec<(String, String)>,
    pub assumptions: Vec<AssumptionGroup>,
    pub sources: CitedSources,
    /// (what, value) pairs that let any figure be reproduced.
    pub footer: Vec<(String, String)>,
}

/// A table of probabilities: a header row, then rows of a label and cells.
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<(String, Vec<Cell>)>,
}

/// One probability: the number with its interval, and its ICD 203 words.
pub struct Cell {
    pub number: String,
    pub words: String,
}

impl Cell {
    pub fn of(estimate: &Estimate) -> Cell {
        Cell {
            number: format!(
                "{:.1}% ({:.1}–{:.1}%)",
                100.0 * estimate.probability,
                100.0 * estimate.ci_low,
                100.0 * estimate.ci_high
            ),
            words: icd203_words(estimate.probability).to_string(),
        }
    }

    /// An empty cell, for a posture a scenario lacks.
    pub fn missing() -> Cell {
        Cell {
            number: "–".into(),
            words: String::new(),
        }
    }
}

/// A chart, inlined.
pub struct Chart {
    pub caption: String,
    /// The SVG file it was read from, which sits beside the report.
    pub file: String,
    pub svg: String,
}

/// Assumptions under one heading (a batch groups them by scenario).
pub struct AssumptionGroup {
    pub heading: String,
    /// What the first column names: `parameter`, or `setting` where rows are fields of a file.
    pub column: &'static str,
    pub rows: Vec<Assumption>,
}

#[derive(Debug, Clone)]
pub struct Assumption {
    pub name: String,
    pub about: String,
    pub value: String,
    pub source: String,
}

/// Writes both renderings of a briefing.
pub fn write(briefing: &Briefing, folder: &OutputFolder) -> Result<Vec<Artifact>> {
    Ok(vec![
        Artifact::write(folder, REPORT_FILE, html::render(briefing).as_bytes())?,
        Artifact::write(folder, BRIEF_FILE, markdown::render(briefing).as_bytes())?,
    ])
}

/// The briefing of a finished run, with the charts among what it wrote, in their order.
pub fn of_run(report: &RunReport, written: &[Artifact]) -> Result<Briefing> {
    let model = report.model;
    Ok(Briefing {
        title: model.meta.title.clone(),
        question: model.meta.question.clone(),
        subtitle: run_subtitle(model, report.estimates.effective_paths),
        bottom_line: bottom_line::sentences(model, report.estimates),
        tables: vec![headline_table(report)],
        notes: run_notes(report),
        track_record: track_record(report),
        charts: charts_in(written),
        links: Vec::new(),
        assumptions: vec![AssumptionGroup {
            heading: "Uncertain and fixed parameters".into(),
            column: "parameter",
            rows: assumptions(model),
        }],
        sources: CitedSources::of(model)?,
        footer: footer(model, &report.started_at),
    })
}

/// How the run's forecasts did against the outcomes given with `--outcomes`.
fn track_record(report: &RunReport) -> Vec<String> {
    let Some(scores) = report.scores else {
        return Vec::new();
    };
    let rows: Vec<_> = scores.model_rows().collect();
    let in_sample = rows.iter().filter(|r| r.lead <= 0).count();
    let mut sentences = vec![format!(
        "Scored on {} outcomes from {}{}.",
        rows.len(),
        scores.file,
        if in_sample == rows.len() {
            ": all in sample (dated at or before the evidence, which already used them)".to_string()
        } else if in_sample > 0 {
            format!(", {in_sample} of them in sample (dated at or before the evidence)")
        } else {
            String::new()
        }
    )];
    for reference in ["prior", "uniform", "persistence", "last_value"] {
        for (score, what) in [("brier", "Brier score"), ("crps", "CRPS")] {
            let found: Vec<_> = scores
                .skill
                .iter()
                .filter(|s| s.reference == reference && s.score == score)
                .collect();
            let n: usize = found.iter().map(|s| s.outcomes).sum();
            if n == 0 {
                continue;
            }
            let model: f64 = found.iter().map(|s| s.model_mean * s.outcomes as f64).sum();
            let other: f64 = found
                .iter()
                .map(|s| s.reference_mean * s.outcomes as f64)
                .sum();
            let skill = 1.0 - model / other;
            let verdict = if skill > 0.0 { "better" } else { "worse" };
            sentences.push(format!(
                "Against the {} forecast, the model's mean {what} over {n} outcomes was {:.3} \
                 against {:.3}: skill {skill:+.2}, {verdict} than it.",
                reference.replace('_', " "),
                model / n as f64,
                other / n as f64,
            ));
        }
    }
    let pits: Vec<f64> = rows.iter().map(|r| r.pit).filter(|p| !p.is_nan()).collect();
    if !pits.is_empty() {
        let inside = rows.iter().filter(|r| r.in_90 == Some(true)).count();
        sentences.push(format!(
            "{inside} of {} realised values fell inside the model's 90% band (scores.csv, pit.png).",
            pits.len()
        ));
    }
    sentences
}

fn run_subtitle(model: &Model, effective_paths: f64) -> String {
    let paths = model.run.paths;
    let weighted = if (effective_paths - paths as f64).abs() > 0.5 {
        format!(
            " ({} effective after weighting)",
            thousands(effective_paths.round() as u64)
        )
    } else {
        String::new()
    };
    format!(
        "{} simulated paths{weighted}, month by month from {} to {}",
        thousands(paths),
        model.meta.start.offset(0).label(),
        model.meta.start.offset(model.horizon() as i64).label()
    )
}

/// `100000` as `100,000`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Each posture (rows) at each headline month (columns).
fn headline_table(report: &RunReport) -> Table {
    let model = report.model;
    let months = headline_months(model.horizon());
    let header = months
        .iter()
        .map(|&month| month_label(model, month))
        .collect();
    let rows = model
        .postures_with_ids()
        .map(|(index, posture)| {
            let cells = months
                .iter()
                .map(|&month| Cell::of(&report.estimates.posture_at(month, index)))
                .collect();
            (posture.label.clone(), cells)
        })
        .collect();
    Table {
        caption: format!(
            "Probability that {} holds each path, with its 95% interval",
            model.meta.actor
        ),
        header,
        rows,
    }
}

/// `month 6 (Sep 2022)`.
pub fn month_label(model: &Model, month: usize) -> String {
    format!(
        "month {month} ({})",
        model.meta.start.offset(month as i64).label()
    )
}

fn run_notes(report: &RunReport) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(weighted) = &report.weighted {
        let kept = report
            .meaningful_kept_share()
            .map(|share| format!("{:.1}% of the paths' weight was kept, ", 100.0 * share))
            .unwrap_or_default();
        notes.push(format!(
            "These probabilities are weighted ({}): {kept}{:.0} effective paths of {}. The \
             unweighted figures are in {}.",
            weighted.weighting.describe(),
            report.estimates.effective_paths,
            report.tally.paths,
            weighted.table_name()
        ));
        if let Some(assimilation) = report.assimilation {
            let resampled = assimilation.steps.iter().filter(|s| s.resampled).count();
            notes.push(format!(
                "The evidence's {} observations were assimilated in date order; the paths were \
                 resampled and moved {resampled} times so that the sample does not collapse \
                 (evidence.csv), and the uncertain parameters learned from it \
                 (posterior_parameters.csv).",
                assimilation.steps.len()
            ));
            notes.extend(
                assimilation
                    .warnings(report.model)
                    .into_iter()
                    .map(|warning| format!("Warning: {warning}.")),
            );
        }
        if report.estimates.effective_paths < 1_000.0 {
            notes.push(
                "Fewer than 1,000 effective paths remain: the intervals are wide.".to_string(),
            );
        }
    }
    if let Some(reached) = &report.precision {
        notes.push(format!(
            "The run added paths until every headline interval was within ±{:.2} points: {} \
             paths{}.",
            100.0 * reached.target_half_width,
            reached.paths,
            if reached.met {
                ""
            } else {
                " (the cap, before the target was met)"
            }
        ));
    }
    notes.push(
        "Intervals measure Monte Carlo noise only; the uncertainty about the world is inside \
         each probability, through the uncertain parameters below."
            .to_string(),
    );
    notes
}

/// The charts a run writes, in reading order; any others follow by name.
/// The charts among what a report wrote, in its order.
pub fn charts_in(written: &[Artifact]) -> Vec<Chart> {
    written
        .iter()
        .filter_map(Artifact::chart)
        .map(|chart| Chart {
            caption: chart.caption.clone(),
            file: format!("{}.svg", chart.stem),
            svg: chart.svg.clone(),
        })
        .collect()
}

/// Every parameter: uncertain ones with their distribution, fixed ones with their value.
pub fn assumptions(model: &Model) -> Vec<Assumption> {
    model
        .parameters
        .iter()
        .map(|parameter| Assumption {
            name: parameter.name.clone(),
            about: parameter.about.clone(),
            value: match &parameter.value {
                ParameterValue::Fixed(value) => format!("fixed at {value}"),
                ParameterValue::Uncertain(distribution) => distribution.describe(),
            },
            source: parameter.source.clone(),
        })
        .collect()
}

/// What reproduces the figures: program, file, seed, paths, model hash, time.
pub fn footer(model: &Model, started_at: &str) -> Vec<(String, String)> {
    [
        (
            "program",
            format!("foresight {}", env!("CARGO_PKG_VERSION")),
        ),
        ("file", model.meta.file.display().to_string()),
        ("seed", model.run.seed.to_string()),
        ("paths", model.run.paths.to_string()),
        ("sampling", model.run.sampling.name().to_string()),
        ("model hash", model.model_hash()),
        ("run started", started_at.to_string()),
    ]
    .map(|(what, value)| (what.to_string(), value))
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
