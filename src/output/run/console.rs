//! The headline table printed after a run.

use std::fmt::Write;

use super::tables::summary_rows;
use super::RunReport;
use crate::stats::estimates::headline_months;
use crate::stats::{icd203_words, Estimate};

fn percent(estimate: &Estimate) -> String {
    format!(
        "{:.1}% [{:.1}-{:.1}]",
        100.0 * estimate.probability,
        100.0 * estimate.ci_low,
        100.0 * estimate.ci_high
    )
}

/// The headline table: each posture at the headline months, in numbers and ICD 203 words.
pub fn headline_table(report: &RunReport) -> String {
    let model = report.model;
    let months = headline_months(model.horizon());
    let label_width = model
        .postures
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut text = String::new();
    let took = match report.merged {
        Some(merged) => format!(
            "merged {} shards in {:.2} s (the shards computed for {:.2} s on up to {} threads)",
            merged.shards,
            report.wall_time.as_secs_f64(),
            merged.compute_seconds,
            report.threads
        ),
        None => format!(
            "simulated in {:.2} s on {} threads",
            report.wall_time.as_secs_f64(),
            report.threads
        ),
    };
    let _ = writeln!(
        text,
        "{} — {} paths, seed {}, {} sampling, {took}",
        model.meta.title,
        model.run.paths,
        model.run.seed,
        model.run.sampling.name(),
    );
    let _ = write!(text, "\n{:label_width$}", "posture");
    for month in &months {
        let _ = write!(text, "  {:<27}", format!("month {month}"));
    }
    text.push('\n');
    for (index, posture) in model.postures_with_ids() {
        let _ = write!(text, "{:label_width$}", posture.label);
        for &month in &months {
            let _ = write!(
                text,
                "  {:<27}",
                percent(&report.estimates.posture_at(month, index))
            );
        }
        let _ = write!(text, "\n{:label_width$}", "");
        for &month in &months {
            let _ = write!(
                text,
                "  {:<27}",
                icd203_words(report.estimates.posture_at(month, index).probability)
            );
        }
        text.push('\n');
    }
    text.push('\n');
    let horizon = model.horizon();
    for row in summary_rows(report)
        .iter()
        .filter(|row| row.measure == "ever_held" && row.month == horizon)
    {
        let Some(posture) = model.posture_index(&row.posture) else {
            continue;
        };
        if posture == model.choice.initial {
            continue;
        }
        let _ = writeln!(
            text,
            "{} at any time by month {horizon}: {}",
            model.postures[posture].label,
            percent(&row.estimate)
        );
    }
    let initial = model.postures[model.choice.initial].label.to_lowercase();
    let departure = match report.estimates.median_departure_month() {
        Some(month) => format!("half the paths have left {initial} by month {month}"),
        None => format!("most paths never leave {initial} within {horizon} months"),
    };
    let _ = writeln!(text, "{departure}");
    if let Some(weighted) = &report.weighted {
        text.push_str(&weighting_lines(report, weighted));
    }
    if let Some(scores) = report.scores {
        text.push_str(&unreachable_outcomes(report.model, scores));
    }
    // The padded columns leave trailing blanks that a pasted table should not carry.
    text.lines()
        .map(|line| line.trim_end().to_string() + "\n")
        .collect()
}

/// A warning for each value that happened beyond what its series can take (a unit slip in the
/// outcomes file, or a bound the model set too tight): no path reaches it, so its scores say
/// more about the bound than about the forecast.
fn unreachable_outcomes(model: &crate::model::Model, scores: &crate::scoring::Scores) -> String {
    let mut text = String::new();
    for realised in &scores.realised {
        let series = &model.series[realised.series.index()];
        let Some((min, max)) = series.bounds() else {
            continue;
        };
        let beyond = if realised.value > max {
            format!("above its maximum of {max}")
        } else if realised.value < min {
            format!("below its minimum of {min}")
        } else {
            continue;
        };
        let (first, last) = (
            model.meta.start.offset(realised.first as i64),
            model.meta.start.offset(realised.last as i64),
        );
        let when = if first == last {
            first.label()
        } else {
            format!("{} to {}", first.label(), last.label())
        };
        let _ = writeln!(
            text,
            "warning: {} of {} in {when} ({}) lies {beyond}: no path can reach it (scores.csv)",
            series.name, realised.value, scores.file
        );
    }
    text
}

/// How the evidence was assimilated, and its warnings.
fn assimilation_lines(
    report: &RunReport,
    assimilation: &crate::assimilation::Assimilation,
) -> String {
    let steps = &assimilation.steps;
    let resampled: Vec<_> = steps.iter().filter(|step| step.resampled).collect();
    let acceptance =
        resampled.iter().map(|step| step.acceptance).sum::<f64>() / resampled.len().max(1) as f64;
    let least = steps
        .iter()
        .map(|step| step.ess_weighted)
        .fold(f64::INFINITY, f64::min);
    let moved = if resampled.is_empty() {
        format!(
            "never resampled: the effective sample stayed above {:.0}% of the paths",
            100.0 * assimilation.settings.resample_below
        )
    } else {
        format!(
            "resampled and moved {} times ({} move steps each, {:.0}% of the moves accepted)",
            resampled.len(),
            assimilation.settings.move_steps,
            100.0 * acceptance
        )
    };
    let observations = match steps.len() {
        1 => "1 observation".to_string(),
        count => format!("{count} observations in date order"),
    };
    // A --given condition is applied after the evidence (it may read months past it), so the
    // sample the assimilation watched is every path's.
    let before_condition = report
        .weighted
        .as_ref()
        .and_then(|weighted| weighted.weighting.condition())
        .map_or("", |_| " of all paths, before the condition");
    let mut text = format!(
        "  assimilated {observations}: {moved}; the effective sample fell to {least:.0}{before_condition} \
         at least (evidence.csv)\n"
    );
    for warning in assimilation.warnings(report.model) {
        let _ = writeln!(text, "warning: {warning}");
    }
    text
}

/// Fewer effective paths than this, and the weighted intervals are too wide to brief.
const FEW_PATHS: f64 = 1_000.0;

/// What the weighting kept, each posture before and after at the horizon, and a warning if thin.
fn weighting_lines(report: &RunReport, weighted: &super::Weighted) -> String {
    let mut text = String::new();
    let effective = report.estimates.effective_paths;
    let kept = report
        .meaningful_kept_share()
        .map(|share| format!("kept {:.1}% of the paths' weight, ", 100.0 * share))
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "\n{}: {kept}{:.0} effective paths of {}",
        weighted.weighting.describe(),
        effective,
        report.tally.paths
    );
    if let Some(assimilation) = report.assimilation {
        text.push_str(&assimilation_lines(report, assimilation));
    }
    let horizon = report.model.horizon();
    for (index, posture) in report.model.postures_with_ids() {
        let before = weighted.prior.posture_at(horizon, index);
        let after = report.estimates.posture_at(horizon, index);
        let _ = writeln!(
            text,
            "  {} at month {horizon}: {} before, {} after",
            posture.label,
            percent(&before),
            percent(&after)
        );
    }
    if effective < FEW_PATHS {
        let _ = writeln!(
            text,
            "warning: only {effective:.0} effective paths remain; the intervals are wide. \
             Run more paths (--paths) or loosen the condition."
        );
    }
    for line in super::from_today::lines(report) {
        let _ = writeln!(text, "{line}");
    }
    let surprises = super::surprise_table::surprises(report);
    for surprise in surprises.iter().filter(|surprise| !surprise.explained()) {
        let _ = writeln!(text, "warning: {} (surprise.csv)", surprise.warning());
    }
    text
}
