//! What the sensitivity study found, as its outputs need it: `sensitivity.csv`, the tornado,
//! its settings in `study.json` and its printed summary.

use std::fmt::Write;
use std::time::Duration;

use crate::error::Result;
use serde_json::{json, Value};

use super::summary::{more, name_width, points, SHOWN};
use super::Findings;
use crate::model::Model;
use crate::output::render::render_figure;
use crate::output::{Artifact, OutputFolder};
use crate::studies::sensitivity::SensitivityStudy;

use super::sensitivity_table::{self, SENSITIVITY_FILE};
use super::tornado::TornadoChart;

impl Findings for SensitivityStudy {
    fn kind(&self) -> &'static str {
        "sensitivity"
    }

    fn wall_time(&self) -> Duration {
        self.wall_time
    }

    fn threads(&self) -> usize {
        self.threads
    }

    fn simulated_paths(&self) -> u64 {
        self.paths + 2 * self.settings.swing_paths * self.effects.len() as u64
    }

    fn settings(&self) -> Value {
        let study = self;
        json!({
            "outcome_month": study.settings.outcome_month,
            "swing_paths": study.settings.swing_paths,
            "swing_quantiles": [
                crate::studies::sensitivity::SWING_QUANTILES.0,
                crate::studies::sensitivity::SWING_QUANTILES.1,
            ],
        })
    }

    fn write(&self, model: &Model, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        sensitivity_table::write(self, model, folder)?;
        let chart = render_figure(&TornadoChart { study: self, model }, folder)?;
        Ok(vec![
            Artifact::File(SENSITIVITY_FILE.into()),
            Artifact::Chart(chart),
        ])
    }

    fn summarize(&self, text: &mut String, model: &Model) {
        summarize_sensitivity(text, self, model);
    }
}

/// Each parameter's swing of each posture, in percentage points, largest first.
fn summarize_sensitivity(text: &mut String, study: &SensitivityStudy, model: &Model) {
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
