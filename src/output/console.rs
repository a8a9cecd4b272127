//! The headline table printed after a run.

use std::fmt::Write;

use super::csv_tables::summary_rows;
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
    let _ = writeln!(
        text,
        "{} — {} paths, seed {}, {} sampling, {:.2} s on {} threads",
        model.meta.title,
        model.run.paths,
        model.run.seed,
        model.run.sampling.name(),
        report.wall_time.as_secs_f64(),
        report.threads
    );
    let _ = write!(text, "\n{:label_width$}", "posture");
    for month in &months {
        let _ = write!(text, "  {:<27}", format!("month {month}"));
    }
    text.push('\n');
    for (index, posture) in model.postures.iter().enumerate() {
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
        let Some(posture) = model.postures.iter().position(|p| p.name == row.posture) else {
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
    // The padded columns leave trailing blanks that a pasted table should not carry.
    text.lines()
        .map(|line| line.trim_end().to_string() + "\n")
        .collect()
}

/// Fewer effective paths than this, and the weighted intervals are too wide to brief.
const FEW_PATHS: f64 = 1_000.0;

/// What the weighting kept, each posture before and after at the horizon, and a warning if thin.
fn weighting_lines(report: &RunReport, weighted: &super::Weighted) -> String {
    let mut text = String::new();
    let effective = report.estimates.effective_paths;
    let _ = writeln!(
        text,
        "\n{}: kept {:.1}% of the paths' weight, {:.0} effective paths of {}",
        weighted.weighting.describe(),
        100.0 * report.kept_share(),
        effective,
        report.tally.paths
    );
    let horizon = report.model.horizon();
    for (index, posture) in report.model.postures.iter().enumerate() {
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
    text
}

/// The batch's comparison: each scenario's probability of each posture at the compared months.
pub fn comparison_table(report: &crate::output::batch::BatchReport) -> String {
    let months = report.months();
    let postures = report.postures();
    let label_width = report
        .scenarios
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 48);
    let cell = 7;
    let group = cell * months.len() + 2;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} — {} scenarios, {:.2} s on {} threads\n",
        report.batch.title,
        report.scenarios.len(),
        report.wall_time.as_secs_f64(),
        report.threads
    );
    let _ = write!(text, "{:label_width$}", "");
    for posture in &postures {
        let _ = write!(text, "  {:<group$}", posture.label);
    }
    let _ = write!(text, "\n{:label_width$}", "month");
    for _ in &postures {
        text.push_str("  ");
        for month in &months {
            let _ = write!(text, "{month:<cell$}");
        }
        text.push_str("  ");
    }
    text.push('\n');
    for scenario in &report.scenarios {
        let label: String = scenario.label.chars().take(label_width).collect();
        let _ = write!(text, "{label:label_width$}");
        for posture in &postures {
            text.push_str("  ");
            let index = crate::output::batch::posture_index(scenario.model, &posture.name);
            for &month in &months {
                let shown = index.map_or_else(
                    || "-".to_string(),
                    |index| {
                        let p = scenario.estimates.posture_at(month, index).probability;
                        format!("{:.0}%", 100.0 * p)
                    },
                );
                let _ = write!(text, "{shown:<cell$}");
            }
            text.push_str("  ");
        }
        text.push('\n');
    }
    text.push_str("intervals and ICD 203 words: comparison.csv\n");
    text.lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect()
}

/// The sweep: each point's posture probabilities at the chart's month, then the crossings.
pub fn sweep_summary(report: &crate::output::sweep::SweepReport) -> String {
    const SHOWN: usize = 25;
    let model = report.model;
    let month = report.outcome_month;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} — sweep of {} points, {} paths each, seed {}, {:.2} s on {} threads\n",
        model.meta.title,
        report.points.len(),
        model.run.paths,
        model.run.seed,
        report.wall_time.as_secs_f64(),
        report.threads
    );
    let _ = writeln!(text, "Each path at month {month}:");
    for vary in &report.varied {
        let _ = write!(text, "{:>20}", vary.name);
    }
    for posture in &model.postures {
        let _ = write!(text, "  {:>18}", posture.label);
    }
    text.push('\n');
    for point in report.points.iter().take(SHOWN) {
        for value in &point.values {
            let _ = write!(text, "{value:>20.4}");
        }
        for posture in 0..model.postures.len() {
            let p = point.estimates.posture_at(month, posture).probability;
            let _ = write!(text, "  {:>17.1}%", 100.0 * p);
        }
        text.push('\n');
    }
    if report.points.len() > SHOWN {
        let _ = writeln!(
            text,
            "… and {} more in sweep.csv",
            report.points.len() - SHOWN
        );
    }
    for crossing in report.crossovers(month) {
        let _ = writeln!(
            text,
            "{} overtakes {} at {} = {:.4} ({:.1}%)",
            model.postures[crossing.rising].label,
            model.postures[crossing.falling].label,
            report.varied[0].name,
            crossing.value,
            100.0 * crossing.probability
        );
    }
    text
}
