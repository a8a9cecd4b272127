//! What the signposts study found, as its outputs need it: `signposts.csv`, the watch-list chart,
//! its settings in `study.json` and its printed summary.

use std::fmt::Write;
use std::time::Duration;

use crate::error::Result;
use serde_json::{json, Value};

use super::summary::{more, SHOWN};
use super::Findings;
use crate::model::Model;
use crate::output::render::render_figure;
use crate::output::{Artifact, OutputFolder};
use crate::studies::signposts::SignpostStudy;

use super::signpost_table::{self, SIGNPOST_FILE};
use super::signposts_chart::WatchlistChart;

impl Findings for SignpostStudy {
    fn kind(&self) -> &'static str {
        "signposts"
    }

    fn wall_time(&self) -> Duration {
        self.wall_time
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn simulated_paths(&self) -> u64 {
        self.paths
    }

    fn settings(&self) -> Value {
        let study = self;
        json!({
            "outcome_month": study.settings.outcome_month,
            "watch_months": study.settings.watch_months,
        })
    }

    fn write(&self, model: &Model, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        signpost_table::write(self, model, folder)?;
        let chart = render_figure(&WatchlistChart { study: self, model }, folder)?;
        Ok(vec![
            Artifact::File(SIGNPOST_FILE.into()),
            Artifact::Chart(chart),
        ])
    }

    fn summarize(&self, text: &mut String, model: &Model) {
        summarize_signposts(text, self, model);
    }
}

/// The most informative observables, each with its strongest signal.
fn summarize_signposts(text: &mut String, study: &SignpostStudy, model: &Model) {
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
