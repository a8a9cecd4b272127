//! A regime chain's states by month (the war's course, say), with 95% bands: the chart beside
//! `regimes.csv`, one per chain.

use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{band_words, Chart};
use crate::model::SeriesId;
use crate::output::render::{style, Backend};
use crate::output::RunReport;

/// Colours for a chain's states, in order; a chain with more states reuses them.
/// The Okabe-Ito colours the bundled postures leave free (yellow darkened to olive, black to
/// grey, for white slides), so no state of a chain wears a posture's colour.
const STATE_COLOURS: [&str; 6] = [
    "#009e73", "#cc79a7", "#404040", "#56b4e9", "#8c8c00", "#a0522d",
];

/// The chart of the regime chain that is series `series`.
pub struct RegimeChart {
    pub series: SeriesId,
    /// `regime_<series name>`.
    pub file_stem: String,
}

impl Chart for RegimeChart {
    fn name(&self) -> String {
        self.file_stem.clone()
    }

    fn caption(&self, report: &RunReport) -> String {
        let label = &report.model.series[self.series].label;
        let widest = report
            .estimates
            .regime
            .iter()
            .filter(|&&(_, series, _, _)| series == self.series)
            .map(|(_, _, _, e)| (e.ci_high - e.ci_low) / 2.0)
            .fold(0.0, f64::max);
        let bands = band_words(widest);
        format!("{label}: probability of each state, month by month, {bands}")
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let model = report.model;
        let label = &model.series[self.series].label;
        let axes = style::MonthAxes {
            y_desc: "probability of the state".into(),
            ..style::MonthAxes::posture_probability(
                format!("{} — {label}", report.title()),
                model.horizon() as f64,
                &model.meta.actor,
            )
        };
        let mut chart = style::month_chart(area, model.meta.start, axes)?;
        let Some((_, regime)) = model.regimes().find(|&(series, _)| series == self.series) else {
            return Ok(());
        };
        let (mut lines, mut labels) = (Vec::new(), Vec::new());
        for (state, name) in regime.states.iter().enumerate() {
            let colour = style::colour(STATE_COLOURS[state % STATE_COLOURS.len()]);
            let estimates: Vec<_> = report
                .estimates
                .regime
                .iter()
                .filter(|&&(_, series, row, _)| series == self.series && row == state)
                .map(|&(month, _, _, estimate)| (month as f64, estimate))
                .collect();
            let upper = estimates.iter().map(|(m, e)| (*m, e.ci_high));
            let lower = estimates.iter().rev().map(|(m, e)| (*m, e.ci_low));
            let band: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.25))))?;
            let line: Vec<(f64, f64)> =
                estimates.iter().map(|(m, e)| (*m, e.probability)).collect();
            let label = name.replace('_', " ");
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(5)))?
                .label(label.clone())
                .legend(style::swatch(colour.to_rgba()));
            lines.push(line);
            labels.push(label);
        }
        let position = style::clear_legend_position(&chart, &lines, &labels, style::LEGEND_SIZE);
        style::draw_legend(&mut chart, position, style::LEGEND_SIZE)
    }
}
