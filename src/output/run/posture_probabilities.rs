//! Each posture's probability by month, with its 95% interval as a band.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{band_words, Chart};
use crate::output::render::style;
use crate::output::RunReport;

pub const NAME: &str = "posture_probabilities";

pub struct PostureChart;

impl Chart for PostureChart {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self, report: &RunReport) -> String {
        let actor = &report.model.meta.actor;
        let widest = report
            .estimates
            .posture
            .iter()
            .map(|e| (e.ci_high - e.ci_low) / 2.0)
            .fold(0.0, f64::max);
        let bands = band_words(widest);
        format!("Probability that {actor} holds each path, month by month, {bands}")
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let model = report.model;
        let estimates = report.estimates;
        let horizon = model.horizon() as f64;
        let start = model.meta.start;
        let axes = style::MonthAxes::posture_probability(
            format!("{} — probability of each path", report.title()),
            horizon,
            &model.meta.actor,
        );
        let mut chart = style::month_chart(area, start, axes)?;
        let mut lines = Vec::new();
        for (index, posture) in model.postures_with_ids() {
            let colour = style::colour(&posture.colour);
            let months = 0..estimates.months;
            let upper: Vec<(f64, f64)> = months
                .clone()
                .map(|m| (m as f64, estimates.posture_at(m, index).ci_high))
                .collect();
            let lower = months
                .clone()
                .rev()
                .map(|m| (m as f64, estimates.posture_at(m, index).ci_low));
            let band: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.25))))?;
            let line: Vec<(f64, f64)> = months
                .map(|m| (m as f64, estimates.posture_at(m, index).probability))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(5)))?
                .label(posture.label.clone())
                .legend(style::swatch(colour.to_rgba()));
            lines.push(line);
        }
        let labels: Vec<&str> = model.postures.iter().map(|p| p.label.as_str()).collect();
        let position = style::clear_legend_position(&chart, &lines, &labels, style::LEGEND_SIZE);
        style::draw_legend(&mut chart, position, style::LEGEND_SIZE)
    }
}
