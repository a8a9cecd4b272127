//! Small multiples: one panel per scenario of a batch, each posture's probability by month with
//! its 95% band, on the same axes so the panels compare at a glance.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::batch::{posture_index, BatchReport, Compared};
use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;

pub const NAME: &str = "posture_curves";
const SMALL_TICK_SIZE: u32 = 17;

pub struct ScenarioGrid<'a, 'r> {
    pub report: &'a BatchReport<'r>,
}

impl Figure for ScenarioGrid<'_, '_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "Each scenario's paths month by month".into()
    }

    fn footer(&self) -> String {
        self.report.footer_line()
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let title = format!("{}: the paths month by month", self.report.batch.title);
        let area = area
            .margin(14, 0, 0, 0)
            .titled(&title, (FONT, style::TITLE_SIZE))?;
        let (legend, grid) = area.split_vertically(50);
        self.draw_legend(&legend)?;
        let count = self.report.scenarios.len();
        let columns = grid_columns(count);
        let rows = count.div_ceil(columns);
        let panels = grid.split_evenly((rows, columns));
        for (scenario, panel) in self.report.scenarios.iter().zip(&panels) {
            self.draw_panel(panel, scenario)?;
        }
        Ok(())
    }
}

/// Columns for `count` panels: up to 4 across, as square a grid as fits a 16:9 slide.
fn grid_columns(count: usize) -> usize {
    match count {
        0..=1 => 1,
        2 => 2,
        3 | 5 | 6 | 9 => 3,
        _ => 4,
    }
}

impl ScenarioGrid<'_, '_> {
    fn draw_legend<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        let mut x = 40;
        for posture in self.report.postures() {
            let colour = style::colour(&posture.colour);
            area.draw(&Rectangle::new([(x, 14), (x + 34, 30)], colour.filled()))?;
            area.draw_text(&posture.label, &font, (x + 44, 10))?;
            x += 90 + 12 * posture.label.chars().count() as i32;
        }
        // A line is about 1 point of the axis thick: narrower bands hide under it.
        let note = self
            .report
            .interval_note(0.01, "bands: 95% intervals", "under the lines");
        area.draw_text(&note, &font, (x + 20, 10))?;
        Ok(())
    }

    fn draw_panel<DB: Backend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        scenario: &Compared,
    ) -> Result<()> {
        let model = scenario.model;
        let horizon = model.horizon() as f64;
        let start = model.meta.start;
        let mut chart = ChartBuilder::on(area)
            .caption(&scenario.label, (FONT, style::LABEL_SIZE))
            .margin(10)
            // Room for the last month's label, so it never meets the next panel's first.
            .margin_right(50)
            .x_label_area_size(30)
            .y_label_area_size(54)
            .build_cartesian_2d(style::CalendarMonths::sparse(horizon), 0.0..1.0)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .y_labels(3)
            .x_label_formatter(&|month| start.offset(month.round() as i64).label())
            .y_label_formatter(&style::percent_label)
            .label_style((FONT, SMALL_TICK_SIZE))
            .draw()?;
        for posture in self.report.postures() {
            let Some(index) = posture_index(model, &posture.name) else {
                continue;
            };
            let colour = style::colour(&posture.colour);
            let estimates = &scenario.estimates;
            let months = 0..estimates.months;
            let upper = months
                .clone()
                .map(|m| (m as f64, estimates.posture_at(m, index).ci_high));
            let lower = months
                .clone()
                .rev()
                .map(|m| (m as f64, estimates.posture_at(m, index).ci_low));
            chart.draw_series([Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                colour.mix(0.25),
            )])?;
            let line = months.map(|m| (m as f64, estimates.posture_at(m, index).probability));
            chart.draw_series(LineSeries::new(line, colour.stroke_width(3)))?;
        }
        Ok(())
    }
}
