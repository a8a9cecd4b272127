//! The briefing of a batch: the scenarios side by side (one table per headline month, a
//! sentence per scenario naming its likeliest path), the comparison charts, a link to each
//! scenario's own report, the first scenario's assumptions and what each other scenario
//! changes, and the sources they cite.

use crate::error::Result;

use super::{
    assumptions, charts_in, month_label, Assumption, AssumptionGroup, Briefing, Cell, Table,
};
use crate::model::{Model, PostureId};
use crate::output::batch::{posture_index, BatchReport};
use crate::output::Artifact;
use crate::scenario::differences;
use crate::sources::CitedSources;
use crate::stats::icd203_words;

pub fn of_batch(report: &BatchReport, written: &[Artifact]) -> Result<Briefing> {
    let batch = report.batch;
    let first = report.scenarios[0].model;
    Ok(Briefing {
        title: batch.title.clone(),
        question: first.meta.question.clone(),
        subtitle: format!(
            "{}{} scenarios, {} simulated paths each, seed {}",
            if batch.about.is_empty() {
                String::new()
            } else {
                format!("{} ", batch.about)
            },
            report.scenarios.len(),
            super::thousands(first.run.paths),
            first.run.seed
        ),
        bottom_line: sentences(report),
        tables: report
            .months()
            .iter()
            .map(|&month| month_table(report, month))
            .collect(),
        track_record: Vec::new(),
        notes: vec![
            "Scenarios share their seed, so differences between them are the scenarios' doing \
             more than noise; intervals measure Monte Carlo noise only."
                .to_string(),
        ],
        charts: charts_in(written),
        links: report
            .scenarios
            .iter()
            .map(|s| (s.label.clone(), format!("{}/report.html", s.folder)))
            .collect(),
        assumptions: assumption_groups(report),
        sources: CitedSources::of(first)?,
        footer: footer(report),
    })
}

/// One sentence per scenario: its likeliest path at the last compared month.
fn sentences(report: &BatchReport) -> Vec<String> {
    let Some(&month) = report.months().last() else {
        return Vec::new();
    };
    let intro = format!(
        "The likeliest path at {} in each scenario:",
        month_label(report.scenarios[0].model, month)
    );
    let parts = report.scenarios.iter().map(|scenario| {
        let model = scenario.model;
        let (leader, estimate) = model
            .posture_ids()
            .map(|p| (p, scenario.estimates.posture_at(month, p)))
            .max_by(|a, b| a.1.probability.total_cmp(&b.1.probability))
            .unwrap_or((
                PostureId(0),
                scenario.estimates.posture_at(month, PostureId(0)),
            ));
        format!(
            "{}: {} ({}, {:.0}%).",
            scenario.label,
            model.postures[leader].label,
            icd203_words(estimate.probability),
            100.0 * estimate.probability
        )
    });
    std::iter::once(intro).chain(parts).collect()
}

/// Scenarios (rows) by posture (columns) at one month.
fn month_table(report: &BatchReport, month: usize) -> Table {
    let postures = report.postures();
    let rows = report
        .scenarios
        .iter()
        .map(|scenario| {
            let cells = postures
                .iter()
                .map(
                    |posture| match posture_index(scenario.model, &posture.name) {
                        Some(index) => Cell::of(&scenario.estimates.posture_at(month, index)),
                        None => Cell::missing(),
                    },
                )
                .collect();
            (scenario.label.clone(), cells)
        })
        .collect();
    Table {
        caption: format!(
            "At {}: the probability of each path, with its 95% interval",
            month_label(report.scenarios[0].model, month)
        ),
        header: postures.iter().map(|p| p.label.clone()).collect(),
        rows,
    }
}

/// The first scenario's parameters, then everything each other scenario sets differently: its
/// parameters' distributions, and every other field of its resolved model (a war's start, a
/// transition row, a target's term, an event's onset), in words.
fn assumption_groups(report: &BatchReport) -> Vec<AssumptionGroup> {
    let first = &report.scenarios[0];
    let base = assumptions(first.model);
    let mut groups = vec![AssumptionGroup {
        heading: format!("{} (the reference scenario)", first.label),
        column: "parameter",
        rows: base.clone(),
    }];
    for scenario in &report.scenarios[1..] {
        let mut rows: Vec<Assumption> = assumptions(scenario.model)
            .into_iter()
            .filter(|row| {
                !base
                    .iter()
                    .any(|held| held.name == row.name && held.value == row.value)
            })
            .collect();
        rows.extend(field_changes(first.model, scenario.model));
        if rows.is_empty() {
            rows.push(Assumption {
                name: "nothing".into(),
                about: "the model is the reference's".into(),
                value: String::new(),
                source: String::new(),
            });
        }
        groups.push(AssumptionGroup {
            heading: format!("{}: what differs from {}", scenario.label, first.label),
            column: "setting",
            rows,
        });
    }
    groups
}

/// Every field other than the parameters that `model` sets differently from `reference`.
fn field_changes(reference: &Model, model: &Model) -> Vec<Assumption> {
    differences::between(&reference.resolved_toml, &model.resolved_toml)
        .into_iter()
        .filter(|difference| !difference.path.starts_with("parameters."))
        .map(|difference| {
            let (about, source) = describe_field(model, &difference.path);
            // A transition a row does not list has probability 0.
            let absent = if difference.path.contains(".transitions.") {
                "0 (not listed)"
            } else {
                "not set"
            };
            let shown = |value: Option<String>| value.unwrap_or_else(|| absent.into());
            Assumption {
                name: difference.path,
                about,
                value: format!(
                    "{} in the reference; {} here",
                    shown(difference.before),
                    shown(difference.after)
                ),
                source,
            }
        })
        .collect()
}

/// What a field belongs to, in words, and that item's source.
fn describe_field(model: &Model, path: &str) -> (String, String) {
    let mut parts = path.split('.');
    let (section, item) = (parts.next().unwrap_or_default(), parts.next());
    match (section, item) {
        ("drivers" | "indicators", Some(name)) => model
            .series
            .iter()
            .find(|series| series.name == name)
            .map(|series| (series.label.clone(), series.source.clone()))
            .unwrap_or_default(),
        ("postures", Some(name)) => model
            .postures
            .iter()
            .find(|posture| posture.name == name)
            .map(|posture| (posture.label.clone(), posture.source.clone()))
            .unwrap_or_default(),
        ("choice", _) => (
            "how Beijing reviews and changes its posture".into(),
            String::new(),
        ),
        ("correlations", _) => ("rank correlations between parameters".into(), String::new()),
        ("scenario", _) => ("the scenario's calendar".into(), String::new()),
        ("run", _) => ("the run's settings".into(), String::new()),
        _ => (String::new(), String::new()),
    }
}

fn footer(report: &BatchReport) -> Vec<(String, String)> {
    let first = report.scenarios[0].model;
    let mut items = vec![
        (
            "program".to_string(),
            format!("foresight {}", env!("CARGO_PKG_VERSION")),
        ),
        (
            "batch file".to_string(),
            report.batch.file.display().to_string(),
        ),
        ("seed".to_string(), first.run.seed.to_string()),
        (
            "paths per scenario".to_string(),
            first.run.paths.to_string(),
        ),
        ("run started".to_string(), report.started_at.clone()),
    ];
    for scenario in &report.scenarios {
        items.push((
            format!("{} model hash", scenario.folder),
            scenario.model.model_hash(),
        ));
    }
    items
}
