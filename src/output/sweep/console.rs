//! The sweep's summary, printed after it runs.

use std::fmt::Write;

use super::SweepReport;

/// The sweep: each point's posture probabilities at the chart's month, then the crossings.
pub fn sweep_summary(report: &SweepReport) -> String {
    const SHOWN: usize = 25;
    let model = report.model;
    let month = report.outcome_month;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} — sweep of {} points, {} paths each, seed {}, simulated in {:.2} s on {} threads\n",
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
        for posture in model.posture_ids() {
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
