//! The batch comparison: one panel per posture, one row per scenario; in each row the posture's
//! probability at 6, 12 and 24 months (light to dark) with its 95% interval, so the scenarios
//! read side by side.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::Posture;
use crate::output::batch::{posture_index, BatchReport};
use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;

pub const NAME: &str = "comparison";
const LABEL_WIDTH: u32 = 400;
/// Shade of each compared month, lightest first.
const MONTH_SHADES: [f64; 3] = [0.35, 0.65, 1.0];

pub struct ComparisonChart<'a, 'r> {
    pub report: &'a BatchReport<'r>,
}

impl Figure for ComparisonChart<'_, '_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "Each path by scenario at the headline months, with 95% intervals".into()
    }

    fn footer(&self) -> String {
        self.report.footer_line()
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let title = format!("{}: each path by scenario", self.report.batch.title);
        let area = area
            .margin(14, 0, 0, 0)
            .titled(&title, (FONT, style::TITLE_SIZE))?;
        let (legend, panels) = area.split_vertically(56);
        self.draw_legend(&legend)?;
        let postures = self.report.postures();
        let panel_width = (panels.dim_in_pixel().0 - LABEL_WIDTH) / postures.len().max(1) as u32;
        let mut rest = panels;
        for (order, posture) in postures.iter().enumerate() {
            let width = panel_width + if order == 0 { LABEL_WIDTH } else { 0 };
            let (panel, right) = rest.split_horizontally(width);
            self.draw_panel(&panel, posture, order == 0)?;
            rest = right;
        }
        Ok(())
    }
}

impl ComparisonChart<'_, '_> {
    fn draw_legend<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        let mut x = 40;
        for (month, shade) in self.report.months().iter().zip(MONTH_SHADES) {
            area.draw(&Circle::new(
                (x + 12, 24),
                10,
                style::NEUTRAL.mix(shade).filled(),
            ))?;
            area.draw_text(&format!("month {month}"), &font, (x + 32, 12))?;
            x += 170;
        }
        // A dot is about 3 points of the axis wide: narrower intervals hide inside it.
        let note = self
            .report
            .interval_note(0.03, "lines: 95% intervals", "inside the dots");
        area.draw_text(&note, &font, (x + 20, 12))?;
        Ok(())
    }

    fn draw_panel<DB: Backend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        posture: &Posture,
        labelled: bool,
    ) -> Result<()> {
        let scenarios = &self.report.scenarios;
        let rows = scenarios.len();
        let mut chart = ChartBuilder::on(area)
            .caption(&posture.label, (FONT, style::AXIS_TITLE_SIZE))
            .margin(14)
            .margin_right(40)
            .x_label_area_size(56)
            .y_label_area_size(if labelled { LABEL_WIDTH } else { 8 })
            .build_cartesian_2d(0.0..1.0, 0.0..rows as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(5)
            .y_labels(0)
            .x_label_formatter(&style::percent_label)
            .label_style((FONT, style::LABEL_SIZE))
            .draw()?;
        let colour = style::colour(&posture.colour);
        let months = self.report.months();
        for (order, scenario) in scenarios.iter().enumerate() {
            let Some(index) = posture_index(scenario.model, &posture.name) else {
                continue;
            };
            let centre = rows as f64 - 0.5 - order as f64;
            for (position, (&month, shade)) in months.iter().zip(MONTH_SHADES).enumerate() {
                let y = centre + 0.25 - 0.25 * position as f64;
                let estimate = scenario.estimates.posture_at(month, index);
                let tint = colour.mix(shade);
                chart.draw_series([PathElement::new(
                    vec![(estimate.ci_low, y), (estimate.ci_high, y)],
                    tint.stroke_width(3),
                )])?;
                chart.draw_series([Circle::new((estimate.probability, y), 8, tint.filled())])?;
            }
        }
        if labelled {
            let pixels = chart.plotting_area().get_pixel_range().1;
            let labels: Vec<String> = scenarios.iter().map(|s| s.label.clone()).collect();
            let right = Pos::new(HPos::Right, VPos::Center);
            style::text_column(area, &labels, &pixels, LABEL_WIDTH as i32 - 4, right)?;
        }
        Ok(())
    }
}
