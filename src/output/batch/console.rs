//! The batch's comparison, printed after it runs.

use std::fmt::Write;

use super::{posture_index, BatchReport};

/// The batch's comparison: each scenario's probability of each posture at the compared months.
pub fn comparison_table(report: &BatchReport) -> String {
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
        "{} — {} scenarios, run and written in {:.2} s on {} threads\n",
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
            let index = posture_index(scenario.model, &posture.name);
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
