//! A two-parameter sweep: one panel per posture, the first parameter across and the second up;
//! each point is shaded by the posture's probability at the chart's month (darker is likelier),
//! and ringed where that posture is the likeliest path, so the regions where one path overtakes
//! another show as the rings' edges.

use crate::error::Result;
use crate::model::PostureId;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;
use crate::output::sweep::SweepReport;
use crate::studies::sweep_design::SweepDesign;

pub const NAME: &str = "sweep";

pub struct SweepMap<'a, 'r> {
    pub report: &'a SweepReport<'r>,
}

impl Figure for SweepMap<'_, '_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "The likeliest path at each point of the two varied parameters".into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.report.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let report = self.report;
        let month = report.outcome_month;
        let title = format!(
            "Each path at month {month} ({}) across {} and {}",
            report.model.meta.start.offset(month as i64).label(),
            report.varied[0].name,
            report.varied[1].name
        );
        let (title, title_size) = style::fitted_title(area, &title);
        let area = area
            .margin(14, 0, 0, 0)
            .titled(&title, (FONT, title_size))?;
        let (legend, grid) = area.split_vertically(50);
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        legend.draw_text(
            "darker: likelier · ringed: the likeliest path at that point",
            &font,
            (40, 10),
        )?;
        let panels = grid.split_evenly((1, report.model.postures.len().max(1)));
        for (posture, panel) in report.model.posture_ids().zip(&panels) {
            self.draw_panel(panel, posture)?;
        }
        Ok(())
    }
}

impl SweepMap<'_, '_> {
    fn draw_panel<DB: Backend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        posture: PostureId,
    ) -> Result<()> {
        let report = self.report;
        let (across, up) = (&report.varied[0], &report.varied[1]);
        let label = &report.model.postures[posture].label;
        let mut chart = ChartBuilder::on(area)
            .caption(label, (FONT, style::AXIS_TITLE_SIZE))
            .margin(16)
            .margin_right(36)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(across.from..across.to, up.from..up.to)?;
        let x_decimals = style::tick_decimals(across.to - across.from, 4);
        let y_decimals = style::tick_decimals(up.to - up.from, 5);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(4)
            .y_labels(5)
            .x_label_formatter(&|x| style::tick_label(*x, x_decimals))
            .y_label_formatter(&|y| style::tick_label(*y, y_decimals))
            .x_desc(across.name.as_str())
            .y_desc(up.name.as_str())
            .label_style((FONT, style::LABEL_SIZE))
            .axis_desc_style((FONT, style::LABEL_SIZE))
            .draw()?;
        let colour = style::colour(&report.model.postures[posture].colour);
        let month = report.outcome_month;
        let (half_x, half_y) = self.cell_half_sizes();
        for point in &report.points {
            let probability = point.estimates.posture_at(month, posture).probability;
            let (x, y) = (point.values[0], point.values[1]);
            let fill = colour.mix(probability.clamp(0.0, 1.0)).filled();
            match report.design {
                SweepDesign::Grid => chart.draw_series([Rectangle::new(
                    [(x - half_x, y - half_y), (x + half_x, y + half_y)],
                    fill,
                )]),
                SweepDesign::LatinHypercube => chart.draw_series([Circle::new((x, y), 9, fill)]),
            }?;
            if self.likeliest(point) == posture {
                chart.draw_series([Circle::new((x, y), 6, BLACK.stroke_width(2))])?;
            }
        }
        Ok(())
    }

    /// Half a grid cell in each direction (grid cells touch; clipped at the edges).
    fn cell_half_sizes(&self) -> (f64, f64) {
        let half = |index: usize| {
            let vary = &self.report.varied[index];
            (vary.to - vary.from) / (vary.steps.max(2) - 1) as f64 / 2.0
        };
        (half(0), half(1))
    }

    fn likeliest(&self, point: &crate::output::sweep::SweepPoint) -> PostureId {
        let month = self.report.outcome_month;
        self.report
            .model
            .posture_ids()
            .max_by(|&a, &b| {
                let p = |k: PostureId| point.estimates.posture_at(month, k).probability;
                p(a).total_cmp(&p(b))
            })
            .unwrap_or(PostureId(0))
    }
}
