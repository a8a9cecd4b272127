//! The bottom line in plain sentences: the likeliest path at the horizon in ICD 203 words with
//! its number, the others beside it, how the picture stood early on, and how often each other
//! path is taken at some point.

use crate::model::{Model, PostureId};
use crate::stats::estimates::headline_months;
use crate::stats::{icd203_words, Estimate, Estimates};

fn percent(estimate: &Estimate) -> String {
    format!("{:.1}%", 100.0 * estimate.probability)
}

fn with_interval(estimate: &Estimate) -> String {
    format!(
        "{:.1}% ({:.1}–{:.1}%)",
        100.0 * estimate.probability,
        100.0 * estimate.ci_low,
        100.0 * estimate.ci_high
    )
}

/// The postures at `month`, likeliest first.
fn ranked(model: &Model, estimates: &Estimates, month: usize) -> Vec<(PostureId, Estimate)> {
    let mut ranked: Vec<(PostureId, Estimate)> = model
        .posture_ids()
        .map(|posture| (posture, estimates.posture_at(month, posture)))
        .collect();
    ranked.sort_by(|a, b| b.1.probability.total_cmp(&a.1.probability));
    ranked
}

/// Two to three sentences a reader can quote.
pub fn sentences(model: &Model, estimates: &Estimates) -> Vec<String> {
    let months = headline_months(model.horizon());
    let Some(&last) = months.last() else {
        return Vec::new();
    };
    let mut sentences = vec![horizon_sentence(model, estimates, last)];
    if let Some(&first) = months.first().filter(|&&first| first != last) {
        sentences.push(early_sentence(model, estimates, first, last));
    }
    if let Some(ever) = ever_sentence(model, estimates, last) {
        sentences.push(ever);
    }
    sentences
}

fn when(model: &Model, month: usize) -> String {
    format!(
        "{} (month {month})",
        model.meta.start.offset(month as i64).label()
    )
}

fn horizon_sentence(model: &Model, estimates: &Estimates, month: usize) -> String {
    let ranked = ranked(model, estimates, month);
    let (leader, lead) = ranked[0];
    let others: Vec<String> = ranked[1..]
        .iter()
        .map(|(posture, estimate)| {
            format!(
                "{} is {} ({})",
                model.postures[*posture].label,
                icd203_words(estimate.probability),
                percent(estimate)
            )
        })
        .collect();
    let mut sentence = format!(
        "By {}, the likeliest path for {} is {}: {}, {}.",
        when(model, month),
        model.meta.actor,
        model.postures[leader].label,
        icd203_words(lead.probability),
        with_interval(&lead)
    );
    if !others.is_empty() {
        sentence.push_str(&format!(" {}.", join_and(&others)));
    }
    sentence
}

fn early_sentence(model: &Model, estimates: &Estimates, month: usize, last: usize) -> String {
    let (early_leader, early) = ranked(model, estimates, month)[0];
    let late_leader = ranked(model, estimates, last)[0].0;
    let label = &model.postures[early_leader].label;
    let words = icd203_words(early.probability);
    if early_leader == late_leader {
        format!(
            "It leads from early on: in {} it is already {words} ({}).",
            when(model, month),
            percent(&early)
        )
    } else {
        format!(
            "Earlier the picture differs: in {} the likeliest path is {label} ({words}, {}).",
            when(model, month),
            percent(&early)
        )
    }
}

/// How often each path other than the starting one is taken at some point by the horizon.
fn ever_sentence(model: &Model, estimates: &Estimates, month: usize) -> Option<String> {
    let parts: Vec<String> = model
        .postures_with_ids()
        .filter(|(index, _)| *index != model.choice.initial)
        .map(|(index, posture)| {
            format!(
                "{} {}",
                posture.label,
                percent(&estimates.ever_held_by(index, month))
            )
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "Taken at some point by month {month}: {}.",
            join_and(&parts)
        )
    })
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
