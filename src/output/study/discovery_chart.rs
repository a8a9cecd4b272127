//! The discovery trade-off: each PRIM peeling as a line of boxes from the whole space (all of the
//! target, at the base rate) to small, pure boxes, coverage against density; the chosen box of
//! each search is ringed and named by its restrictions, and the base rate is a dashed line.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::model::Model;
use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;
use crate::studies::discovery::DiscoveryStudy;

pub const NAME: &str = "discovery";

/// One colour per box search, distinct from the posture colours' greys.
const BOX_COLOURS: [&str; 4] = ["#1f5f9e", "#c2571a", "#2e8b57", "#7a4fa3"];

pub struct TradeoffChart<'a> {
    pub study: &'a DiscoveryStudy,
    pub model: &'a Model,
}

impl Figure for TradeoffChart<'_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "Where in the uncertain parameters the outcome happens: each box's coverage against its density".into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let study = self.study;
        let title = format!("Where \u{201c}{}\u{201d} happens: PRIM boxes", study.target);
        let (title, title_size) = style::fitted_title(area, &title);
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, title_size))
            .margin(24)
            // Room for the last coverage label, centred on the right edge.
            .margin_right(56)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(0.0..1.02, 0.0..self.density_top())?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&style::percent_label)
            .y_label_formatter(&style::percent_label)
            .x_desc("coverage: share of the target's paths inside the box")
            .y_desc("density: share of the box's paths on target")
            .label_style((FONT, style::TICK_SIZE))
            .axis_desc_style((FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        self.draw_base_rate(&mut chart)?;
        for index in 0..study.boxes.len() {
            self.draw_peeling(&mut chart, index)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(16)
            .legend_area_size(48)
            .label_font((FONT, style::LABEL_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(style::GRID)
            .draw()?;
        Ok(())
    }
}

type TradeoffContext<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

impl TradeoffChart<'_> {
    /// Room above the densest step for the labels, within [0.1, 1.02].
    fn density_top(&self) -> f64 {
        let densest = self
            .study
            .boxes
            .iter()
            .flat_map(|peeling| peeling.steps.iter().map(|step| step.density))
            .fold(self.study.target_share, f64::max);
        (densest * 1.25 + 0.03).clamp(0.1, 1.02)
    }

    fn draw_base_rate<DB: Backend>(&self, chart: &mut TradeoffContext<'_, DB>) -> Result<()> {
        let rate = self.study.target_share;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, rate), (1.0, rate)],
                12,
                8,
                style::NEUTRAL.stroke_width(2),
            ))?
            .label(format!("base rate: {:.1}% of all paths", rate * 100.0))
            .legend(style::stroke(style::NEUTRAL, 2));
        Ok(())
    }

    fn draw_peeling<DB: Backend>(
        &self,
        chart: &mut TradeoffContext<'_, DB>,
        index: usize,
    ) -> Result<()> {
        let peeling = &self.study.boxes[index];
        let colour = style::colour(BOX_COLOURS[index % BOX_COLOURS.len()]);
        let points: Vec<(f64, f64)> = peeling
            .steps
            .iter()
            .map(|step| (step.coverage, step.density))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?
            .label(self.restrictions_label(index))
            .legend(style::stroke(colour, 3));
        chart.draw_series(
            points
                .iter()
                .map(|&point| Circle::new(point, 5, colour.filled())),
        )?;
        let chosen = points[peeling.chosen];
        chart.draw_series(std::iter::once(Circle::new(
            chosen,
            16,
            BLACK.stroke_width(3),
        )))?;
        let chosen_box = peeling.chosen_box();
        let label = format!(
            "box {}: coverage {:.0}%, density {:.0}%",
            index + 1,
            100.0 * chosen_box.coverage,
            100.0 * chosen_box.density
        );
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        let anchor = if chosen.0 > 0.7 { -420 } else { 24 };
        chart.draw_series(std::iter::once(
            EmptyElement::at(chosen) + Text::new(label, (anchor, -36), font),
        ))?;
        Ok(())
    }

    /// `box 1: a ≥ x, b y–z` (at most three restrictions named).
    fn restrictions_label(&self, index: usize) -> String {
        let restrictions: Vec<String> = self
            .study
            .restrictions(index)
            .iter()
            .map(|r| r.text(&self.model.parameters[r.parameter].name, style::compact))
            .collect();
        let shown = restrictions.len().min(3);
        let mut label = format!("box {}: {}", index + 1, restrictions[..shown].join(", "));
        if restrictions.len() > shown {
            label.push_str(&format!(" +{} more", restrictions.len() - shown));
        }
        if restrictions.is_empty() {
            label.push_str("no restriction");
        }
        label
    }
}
