//! When the actor first leaves its starting posture: the probability of each month, and the share
//! of paths that have left by then.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::style;
use crate::output::RunReport;

pub const NAME: &str = "first_departure";

pub struct DepartureChart;

impl Chart for DepartureChart {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self, report: &RunReport) -> String {
        let model = report.model;
        let initial = &model.postures[model.choice.initial].label;
        format!("When {} first leaves {initial}", model.meta.actor)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let model = report.model;
        let estimates = report.estimates;
        let initial = &model.postures[model.choice.initial];
        let horizon = model.horizon();
        let start = model.meta.start;
        let never = estimates.never_departs.probability;
        let caption = format!(
            "{} — when {} first leaves {}",
            report.title(),
            model.meta.actor,
            initial.label.to_lowercase(),
        );
        let axes = style::MonthAxes {
            caption,
            months: horizon as f64 + 0.6,
            values: 0.0..1.05,
            x_desc: "month of first departure",
            y_desc: "share of paths".into(),
            y_labels: 6,
            y_format: &style::percent_label,
        };
        let mut chart = style::month_chart(area, start, axes)?;
        let bar_colour = style::NEUTRAL;
        chart
            .draw_series((1..=horizon).map(|month| {
                let x = month as f64;
                Rectangle::new(
                    [(x - 0.4, 0.0), (x + 0.4, estimates.departure[month])],
                    bar_colour.mix(0.7).filled(),
                )
            }))?
            .label("first leaves that month")
            .legend(style::swatch(bar_colour.mix(0.7)));
        let colour = style::colour(&initial.colour);
        chart
            .draw_series(LineSeries::new(
                (0..=horizon).map(|m| (m as f64, estimates.departed_by[m].probability)),
                colour.stroke_width(5),
            ))?
            .label("has left by that month")
            .legend(style::stroke(colour, 5));
        chart
            .draw_series(std::iter::empty::<EmptyElement<(f64, f64), DB>>())?
            .label(format!(
                "never leaves within {horizon} months: {:.0}%",
                never * 100.0
            ))
            .legend(|(x, y)| EmptyElement::at((x, y)));
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            style::LEGEND_SIZE,
        )
    }
}
