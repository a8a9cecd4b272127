//! The summary printed when a study finishes: the few lines an analyst reads before opening the
//! table.

use std::fmt::Write;

use super::{Findings, StudyReport};
use crate::model::Model;
use crate::output::render::style::compact;
use crate::studies::discovery::DiscoveryStudy;
use crate::studies::sensitivity::SensitivityStudy;
use crate::studies::signposts::SignpostStudy;

/// Rows printed; the tables hold them all.
const SHOWN: usize = 10;

pub fn summary(report: &StudyReport) -> String {
    let findings = &report.findings;
    let mut text = format!(
        "{} of {} — {} paths simulated, seed {}, {:.2} s on {} threads\n\n",
        capitalised(findings.kind()),
        report.model.meta.title,
        findings.simulated_paths(),
        report.model.run.seed,
        findings.wall_time().as_secs_f64(),
        findings.threads(),
    );
    match findings {
        Findings::Sensitivity(study) => sensitivity(&mut text, study, report.model),
        Findings::Discovery(study) => discovery(&mut text, study, report.model),
        Findings::Signposts(study) => signposts(&mut text, study, report.model),
    }
    text
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn points(change: f64) -> String {
    format!("{:+.1}", 100.0 * change)
}

/// Each parameter's swing of each posture, in percentage points, largest first.
pub fn sensitivity(text: &mut String, study: &SensitivityStudy, model: &Model) {
    let name_width = name_width(model, study.effects.iter().map(|e| e.parameter));
    let _ = writeln!(
        text,
        "Change in each posture's probability at month {} (percentage points, 95% interval) \
         from the 10th to the 90th percentile of each parameter:",
        study.settings.outcome_month
    );
    let _ = write!(text, "{:name_width$}", "parameter");
    for posture in &model.postures {
        let _ = write!(text, "  {:>22}", posture.label);
    }
    text.push('\n');
    for effect in study.effects.iter().take(SHOWN) {
        let _ = write!(
            text,
            "{:name_width$}",
            model.parameters[effect.parameter].name
        );
        for swing in &effect.swings {
            let change = swing.change;
            let cell = format!(
                "{} [{}, {}]",
                points(change.value),
                points(change.ci_low),
                points(change.ci_high)
            );
            let _ = write!(text, "  {cell:>22}");
        }
        text.push('\n');
    }
    more(text, study.effects.len());
}

fn name_width(model: &Model, parameters: impl Iterator<Item = usize>) -> usize {
    parameters
        .map(|p| model.parameters[p].name.chars().count())
        .max()
        .unwrap_or(9)
        .max(9)
}

fn more(text: &mut String, rows: usize) {
    if rows > SHOWN {
        let _ = writeln!(text, "… and {} more in the table", rows - SHOWN);
    }
}

/// Each box: how much of the target it holds and how pure it is, and its bounds.
pub fn discovery(text: &mut String, study: &DiscoveryStudy, model: &Model) {
    let _ = writeln!(
        text,
        "Target `{}`: met on {:.1}% of {} paths.",
        study.target,
        100.0 * study.target_share,
        study.paths
    );
    for (index, peeling) in study.boxes.iter().enumerate() {
        let chosen = peeling.chosen_box();
        let _ = writeln!(
            text,
            "\nBox {}: holds {:.0}% of the target paths; the target happens on {:.0}% of the \
             paths inside ({:.1}x the base rate); {:.1}% of all paths lie inside.",
            index + 1,
            100.0 * chosen.coverage,
            100.0 * chosen.density,
            chosen.density / study.target_share.max(f64::MIN_POSITIVE),
            100.0 * chosen.mass
        );
        let restrictions = study.restrictions(index);
        if restrictions.is_empty() {
            let _ = writeln!(text, "  (no restriction improves on the whole space)");
        }
        let percentiles = &study.bound_percentiles[index];
        for restriction in restrictions {
            let name = &model.parameters[restriction.parameter].name;
            let position = study
                .parameters
                .iter()
                .position(|&p| p == restriction.parameter)
                .unwrap_or(0);
            let (low, high) = percentiles[position];
            let _ = writeln!(
                text,
                "  {:34}  (percentiles {:.0} to {:.0})",
                restriction.text(name, compact),
                100.0 * low,
                100.0 * high,
            );
        }
    }
}

/// The most informative observables, each with its strongest signal.
pub fn signposts(text: &mut String, study: &SignpostStudy, model: &Model) {
    let _ = writeln!(
        text,
        "What to watch, most informative first, for the posture at month {}:",
        study.settings.outcome_month
    );
    for signpost in study.signposts.iter().take(SHOWN) {
        let series = &model.series[signpost.series].name;
        let strongest = signpost.strongest_shift(model.postures.len());
        let _ = write!(
            text,
            "  {:>5.3} bits  {series} at month {}",
            signpost.information_bits, signpost.month
        );
        if let Some((category, posture)) = strongest {
            let signal = signpost.table.signal(category, posture);
            let _ = write!(
                text,
                ": seeing {} ({:.0}% of paths) moves {} from {:.0}% to {:.0}% (odds x{:.2})",
                signpost.categories[category].as_condition(series, signpost.month),
                100.0 * signal.seen_share,
                model.postures[posture].label,
                100.0 * signal.prior,
                100.0 * signal.updated,
                signal.likelihood_ratio.value,
            );
        }
        text.push('\n');
    }
    more(text, study.signposts.len());
}
