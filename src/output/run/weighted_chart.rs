//! Before and after weighting (`--given` or `--evidence`): each posture's probability by month,
//! the unweighted run as a thin pale line, the weighted one as a bold line with its 95% band.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::style;
use crate::output::{RunReport, Weighted};
use crate::stats::Estimates;
use crate::weighting::PathWeighting;

/// Drawn only for weighted runs, as `given` or `evidence` after the kind of weighting.
pub struct WeightedChart {
    pub stem: &'static str,
}

impl Chart for WeightedChart {
    fn name(&self) -> String {
        self.stem.into()
    }

    fn caption(&self, report: &RunReport) -> String {
        match report.weighted.as_ref().map(|weighted| weighted.weighting) {
            Some(PathWeighting::Evidence(_)) => {
                "Before and after weighing the paths by the evidence".into()
            }
            Some(PathWeighting::GivenAndEvidence(..)) => {
                "Before and after conditioning and weighing the paths by the evidence".into()
            }
            _ => "Before and after conditioning on the run's condition".into(),
        }
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let Some(weighted) = &report.weighted else {
            return Ok(());
        };
        let model = report.model;
        let start = model.meta.start;
        let axes = style::MonthAxes::posture_probability(
            caption(report, weighted),
            model.horizon() as f64,
            &model.meta.actor,
        );
        let mut chart = style::month_chart(area, start, axes)?;
        let (mut lines, mut labels) = (Vec::new(), Vec::new());
        for (index, posture) in model.postures_with_ids() {
            let colour = style::colour(&posture.colour);
            let line = |estimates: &Estimates| -> Vec<(f64, f64)> {
                (0..estimates.months)
                    .map(|m| (m as f64, estimates.posture_at(m, index).probability))
                    .collect()
            };
            let estimates = report.estimates;
            let (before, after) = (line(weighted.prior), line(estimates));
            let (before_label, after_label) = (
                format!("{}, before", posture.label),
                format!("{}, after", posture.label),
            );
            chart
                .draw_series(LineSeries::new(
                    before.clone(),
                    colour.mix(0.45).stroke_width(3),
                ))?
                .label(before_label.clone())
                .legend(style::swatch(colour.mix(0.45)));
            let upper =
                (0..estimates.months).map(|m| (m as f64, estimates.posture_at(m, index).ci_high));
            let lower = (0..estimates.months)
                .rev()
                .map(|m| (m as f64, estimates.posture_at(m, index).ci_low));
            let band: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.2))))?;
            chart
                .draw_series(LineSeries::new(after.clone(), colour.stroke_width(5)))?
                .label(after_label.clone())
                .legend(style::stroke(colour, 5));
            lines.extend([before, after]);
            labels.extend([before_label, after_label]);
        }
        // Six entries: a smaller font keeps the box off the lines.
        let legend_size = style::LEGEND_SIZE - 4;
        let position = style::clear_legend_position(&chart, &lines, &labels, legend_size);
        style::draw_legend(&mut chart, position, legend_size)
    }
}

fn caption(report: &RunReport, weighted: &Weighted) -> String {
    let what = match weighted.weighting {
        PathWeighting::Given(condition) => format!("given {}", condition.text),
        PathWeighting::Evidence(evidence) => evidence.title.clone(),
        PathWeighting::GivenAndEvidence(condition, evidence) => {
            format!("given {}, {}", condition.text, evidence.title)
        }
    };
    format!(
        "Before and after: {what} ({:.0} effective paths)",
        report.estimates.effective_paths
    )
}
