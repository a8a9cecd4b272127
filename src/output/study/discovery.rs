//! What the discovery study found, as its outputs need it: its box tables, the trade-off chart,
//! its settings in `study.json` and its printed summary.

use std::fmt::Write;
use std::time::Duration;

use crate::error::Result;
use serde_json::{json, Value};

use super::Findings;
use crate::model::Model;
use crate::output::render::render_figure;
use crate::output::render::style::compact;
use crate::output::{Artifact, OutputFolder};
use crate::studies::discovery::DiscoveryStudy;

use super::discovery_chart::TradeoffChart;
use super::discovery_table::{self, DISCOVERY_FILE, PEELING_FILE};

impl Findings for DiscoveryStudy {
    fn kind(&self) -> &'static str {
        "discovery"
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
            "target": study.target,
            "target_share": study.target_share,
            "boxes_found": study.boxes.len(),
            "peel_alpha": study.settings.peel_alpha,
            "min_mass": study.settings.min_mass,
            "min_coverage": study.settings.min_coverage,
        })
    }

    fn write(&self, model: &Model, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        discovery_table::write(self, model, folder)?;
        let chart = render_figure(&TradeoffChart { study: self, model }, folder)?;
        let tables = [DISCOVERY_FILE, PEELING_FILE].map(|name| Artifact::File(name.into()));
        Ok(tables.into_iter().chain([Artifact::Chart(chart)]).collect())
    }

    fn summarize(&self, text: &mut String, model: &Model) {
        summarize_discovery(text, self, model);
    }
}

/// Each box: how much of the target it holds and how pure it is, and its bounds.
fn summarize_discovery(text: &mut String, study: &DiscoveryStudy, model: &Model) {
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
