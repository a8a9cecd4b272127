//! The tornado: one panel per posture, one row per uncertain parameter (largest swing on top).
//! A pale bar runs from the baseline to the posture's probability with the parameter at its 10th
//! percentile, a solid bar to its probability at the 90th; the whisker is the swing's 95%
//! interval, drawn around the 90th-percentile end.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::model::Model;
use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;
use crate::studies::sensitivity::{ParameterEffect, SensitivityStudy};

pub const NAME: &str = "tornado";
/// More rows than this would not read on a slide; the table has them all.
const MAX_ROWS: usize = 14;
const LABEL_WIDTH: u32 = 420;
/// Half the height of a whisker's end cap.
const CAP_HALF_PX: i32 = 12;

pub struct TornadoChart<'a> {
    pub study: &'a SensitivityStudy,
    pub model: &'a Model,
}

impl Figure for TornadoChart<'_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "What moves the paths: each uncertain parameter from its 10th to its 90th percentile".into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let (title, title_size) = style::fitted_title(area, &self.title());
        let area = area
            .margin(14, 0, 0, 0)
            .titled(&title, (FONT, title_size))?;
        let (legend, panels) = area.split_vertically(56);
        self.draw_legend(&legend)?;
        let postures = self.model.postures.len() as u32;
        let panel_width = (panels.dim_in_pixel().0 - LABEL_WIDTH) / postures.max(1);
        let mut rest = panels;
        for posture in self.model.posture_ids() {
            let width = panel_width + if posture.index() == 0 { LABEL_WIDTH } else { 0 };
            let (panel, right) = rest.split_horizontally(width);
            self.draw_panel(&panel, posture.index())?;
            rest = right;
        }
        Ok(())
    }
}

impl TornadoChart<'_> {
    fn rows(&self) -> &[ParameterEffect] {
        let effects = &self.study.effects;
        &effects[..effects.len().min(MAX_ROWS)]
    }

    fn title(&self) -> String {
        let month = self.study.settings.outcome_month;
        let shown = self.rows().len();
        let of = if shown < self.study.effects.len() {
            format!(" (top {shown} of {})", self.study.effects.len())
        } else {
            String::new()
        };
        format!(
            "{} — what moves the paths at month {month} ({}){of}",
            self.model.meta.title,
            self.model.meta.start.offset(month as i64).label()
        )
    }

    fn draw_legend<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        let items = [
            (
                style::NEUTRAL.mix(0.35),
                "pale: parameter at its 10th percentile",
            ),
            (style::NEUTRAL.mix(1.0), "solid: at its 90th percentile"),
        ];
        let mut x = 40;
        for (colour, text) in items {
            area.draw(&Rectangle::new([(x, 14), (x + 34, 34)], colour.filled()))?;
            area.draw_text(text, &font, (x + 44, 12))?;
            x += 60 + 11 * text.len() as i32;
        }
        let rest = format!(
            "line: baseline · whisker: 95% interval of the swing · {} paths per bar",
            self.study.settings.swing_paths
        );
        area.draw_text(&rest, &font, (x, 12))?;
        Ok(())
    }

    fn draw_panel<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, posture: usize) -> Result<()> {
        let rows = self.rows();
        let baseline = self.study.baseline[posture].probability;
        let colour = style::colour(&self.model.postures[posture].colour);
        let caption = format!(
            "{} (baseline {:.1}%)",
            self.model.postures[posture].label,
            baseline * 100.0
        );
        let labels: Vec<String> = rows.iter().map(|effect| self.row_label(effect)).collect();
        let row_count = rows.len() as i32;
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FONT, style::AXIS_TITLE_SIZE))
            .margin(14)
            .x_label_area_size(56)
            .y_label_area_size(if posture == 0 { LABEL_WIDTH } else { 8 })
            .build_cartesian_2d(
                x_range(rows, posture, baseline),
                (0..row_count - 1).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(5)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .y_labels(rows.len())
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(row) if posture == 0 => usize::try_from(row_count - 1 - row)
                    .ok()
                    .and_then(|order| labels.get(order).cloned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, style::LABEL_SIZE))
            .draw()?;
        for (order, effect) in rows.iter().enumerate() {
            let row = row_count - 1 - order as i32;
            let swing = &effect.swings[posture];
            let bar = |to: f64, fill: RGBAColor| {
                let mut rectangle = Rectangle::new(
                    [
                        (baseline, SegmentValue::Exact(row)),
                        (to, SegmentValue::Exact(row + 1)),
                    ],
                    fill.filled(),
                );
                rectangle.set_margin(9, 9, 0, 0);
                rectangle
            };
            chart.draw_series([
                bar(swing.at_low, colour.mix(0.35)),
                bar(swing.at_high, colour.mix(1.0)),
            ])?;
            let change = swing.change;
            let whisker = (swing.at_low + change.ci_low, swing.at_low + change.ci_high);
            let centre = SegmentValue::CenterOf(row);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(whisker.0, centre.clone()), (whisker.1, centre.clone())],
                BLACK.stroke_width(2),
            )))?;
            let cap = |end: f64| {
                EmptyElement::at((end, centre.clone()))
                    + PathElement::new(
                        vec![(0, -CAP_HALF_PX), (0, CAP_HALF_PX)],
                        BLACK.stroke_width(2),
                    )
            };
            chart.draw_series([cap(whisker.0), cap(whisker.1)])?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (baseline, SegmentValue::Exact(0)),
                (baseline, SegmentValue::Exact(row_count)),
            ],
            BLACK.stroke_width(2),
        )))?;
        Ok(())
    }

    fn row_label(&self, effect: &ParameterEffect) -> String {
        format!(
            "{}  {}–{}",
            self.model.parameters[effect.parameter].name,
            style::compact(effect.low_value),
            style::compact(effect.high_value)
        )
    }
}

/// Every bar end and whisker of the posture, padded; within [0, 1].
fn x_range(rows: &[ParameterEffect], posture: usize, baseline: f64) -> std::ops::Range<f64> {
    let mut low = baseline;
    let mut high = baseline;
    for effect in rows {
        let swing = &effect.swings[posture];
        for value in [
            swing.at_low,
            swing.at_high,
            swing.at_low + swing.change.ci_low,
            swing.at_low + swing.change.ci_high,
        ] {
            if value.is_finite() {
                low = low.min(value);
                high = high.max(value);
            }
        }
    }
    let pad = ((high - low) * 0.12).max(0.01);
    (low - pad).max(0.0)..(high + pad).min(1.0)
}
