//! A one-parameter sweep: each posture's probability at the chart's month against the
//! parameter, with 95% bands; each place where one path overtakes another is marked with a
//! dashed line and named.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;
use crate::output::sweep::SweepReport;

pub const NAME: &str = "sweep";

pub struct SweepLines<'a, 'r> {
    pub report: &'a SweepReport<'r>,
}

impl Figure for SweepLines<'_, '_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "Each path's probability across the varied parameter, with 95% bands".into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.report.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let report = self.report;
        let model = report.model;
        let vary = &report.varied[0];
        let month = report.outcome_month;
        let caption = format!(
            "Each path at month {month} ({}) as {} varies",
            model.meta.start.offset(month as i64).label(),
            vary.name
        );
        let (title, title_size) = style::fitted_title(area, &caption);
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, title_size))
            .margin(24)
            .margin_right(60)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(vary.from..vary.to, 0.0..1.0)?;
        let x_decimals = style::tick_decimals(vary.to - vary.from, 8);
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|x| style::tick_label(*x, x_decimals))
            .y_label_formatter(&style::percent_label)
            .x_desc(vary.name.as_str())
            .y_desc(format!("probability {} holds the path", model.meta.actor))
            .label_style((FONT, style::TICK_SIZE))
            .axis_desc_style((FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        let values: Vec<f64> = report.points.iter().map(|point| point.values[0]).collect();
        for (index, posture) in model.postures_with_ids() {
            let colour = style::colour(&posture.colour);
            let at = |i: usize| report.points[i].estimates.posture_at(month, index);
            let upper = (0..values.len()).map(|i| (values[i], at(i).ci_high));
            let lower = (0..values.len()).rev().map(|i| (values[i], at(i).ci_low));
            chart.draw_series([Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                colour.mix(0.25),
            )])?;
            let line = (0..values.len()).map(|i| (values[i], at(i).probability));
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(5)))?
                .label(posture.label.clone())
                .legend(style::swatch(colour.to_rgba()));
            chart.draw_series(
                (0..values.len())
                    .map(|i| Circle::new((values[i], at(i).probability), 5, colour.filled())),
            )?;
        }
        self.mark_crossovers(&mut chart)?;
        style::draw_legend(&mut chart, self.legend_position(), style::LEGEND_SIZE)
    }
}

impl SweepLines<'_, '_> {
    /// Upper right, unless a crossover's line would run through the legend there and none
    /// would at the upper left.
    fn legend_position(&self) -> SeriesLabelPosition {
        let report = self.report;
        let vary = &report.varied[0];
        let across: Vec<f64> = report
            .crossovers(report.outcome_month)
            .iter()
            .map(|crossing| (crossing.value - vary.from) / (vary.to - vary.from))
            .collect();
        let right_crossed = across.iter().any(|&at| at > 0.7);
        let left_crossed = across.iter().any(|&at| at < 0.3);
        if right_crossed && !left_crossed {
            SeriesLabelPosition::UpperLeft
        } else {
            SeriesLabelPosition::UpperRight
        }
    }

    fn mark_crossovers<DB: Backend>(&self, chart: &mut style::ValueChart<'_, DB>) -> Result<()> {
        let report = self.report;
        let postures = &report.model.postures;
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        for (order, crossing) in report.crossovers(report.outcome_month).iter().enumerate() {
            chart.draw_series(DashedLineSeries::new(
                [(crossing.value, 0.0), (crossing.value, 1.0)],
                10,
                8,
                BLACK.mix(0.6).stroke_width(2),
            ))?;
            let text = format!(
                "{} overtakes {} at {}",
                postures[crossing.rising].label,
                postures[crossing.falling].label,
                style::compact(crossing.value)
            );
            // Labels step down the chart so neighbouring crossings do not overlap, and sit left
            // of their line in the right part of the chart so they are not cut off.
            let y = 0.97 - 0.06 * (order % 6) as f64;
            let vary = &report.varied[0];
            let across = (crossing.value - vary.from) / (vary.to - vary.from);
            let offset = if across > 0.55 {
                -8 - 11 * text.chars().count() as i32
            } else {
                8
            };
            chart
                .draw_series([EmptyElement::at((crossing.value, y))
                    + Text::new(text, (offset, 0), font.clone())])?;
        }
        Ok(())
    }
}
