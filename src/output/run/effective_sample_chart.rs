//! `effective_sample.png` (after `--evidence`): the effective sample size through the evidence,
//! observation by observation: where each observation left it (the dips), and where resampling
//! and the moves brought it back, against the resampling threshold.

use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::Chart;
use crate::output::render::{style, Backend};
use crate::output::RunReport;

pub const NAME: &str = "effective_sample";

pub struct EffectiveSampleChart;

impl Chart for EffectiveSampleChart {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self, report: &RunReport) -> String {
        let Some(assimilation) = report.assimilation else {
            return String::new();
        };
        let resampled = assimilation.steps.iter().filter(|s| s.resampled).count();
        format!(
            "Effective sample size through the evidence: {} observations, resampled and moved {} \
             times",
            assimilation.steps.len(),
            resampled
        )
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let Some(assimilation) = report.assimilation else {
            return Ok(());
        };
        let n = assimilation.particles as f64;
        let steps = &assimilation.steps;
        let count = steps.len() as f64;
        let start = report.model.meta.start;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "Effective sample size through the evidence ({} paths)",
                    assimilation.particles
                ),
                (style::FONT, style::TITLE_SIZE),
            )
            .margin(24)
            .margin_right(56)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(0.5..count + 0.5, style::ShareAxis::up_to(1.4))?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&style::percent_label)
            .x_desc("observation, in the order assimilated (its date)")
            .y_desc("effective paths, share of all")
            .label_style((style::FONT, style::TICK_SIZE))
            .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        let threshold = assimilation.settings.resample_below;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(LineSeries::new(
                [(0.5, threshold), (count + 0.5, threshold)],
                grey.stroke_width(3),
            ))?
            .label(format!("resampling threshold ({:.0}%)", 100.0 * threshold))
            .legend(style::stroke(grey, 3));
        let dip = RGBColor(196, 78, 82);
        chart
            .draw_series(steps.iter().enumerate().map(|(index, step)| {
                let x = index as f64 + 1.0;
                Rectangle::new(
                    [
                        (x - 0.3, step.ess_weighted / n),
                        (x + 0.3, step.ess_before / n),
                    ],
                    dip.mix(0.5).filled(),
                )
            }))?
            .label("lost to the observation")
            .legend(style::swatch(dip.mix(0.5)));
        let line = style::NEUTRAL;
        chart
            .draw_series(LineSeries::new(
                steps
                    .iter()
                    .enumerate()
                    .map(|(index, step)| (index as f64 + 1.0, step.ess_after / n)),
                line.stroke_width(4),
            ))?
            .label("after it (resampled and moved when below the threshold)")
            .legend(style::stroke(line, 4));
        chart.draw_series(steps.iter().enumerate().filter(|(_, s)| s.resampled).map(
            |(index, step)| Circle::new((index as f64 + 1.0, step.ess_after / n), 9, line.filled()),
        ))?;
        // Each month's first observation is labelled with its date, under its own bar: several
        // observations of one month would otherwise repeat a date at ticks between the bars.
        let font = TextStyle::from((style::FONT, style::TICK_SIZE).into_font())
            .pos(Pos::new(HPos::Center, VPos::Top));
        let firsts = steps
            .iter()
            .enumerate()
            .filter(|(index, step)| *index == 0 || steps[index - 1].month != step.month);
        let mut year = None;
        chart.draw_series(firsts.map(|(index, step)| {
            // The month alone where the year is the one labelled before.
            let date = start.offset(step.month as i64);
            let label = date.label();
            let label = if year == Some(date.year()) {
                label.split(' ').next().unwrap_or_default().to_string()
            } else {
                label
            };
            year = Some(date.year());
            EmptyElement::at((index as f64 + 1.0, 0.0)) + Text::new(label, (0, 12), font.clone())
        }))?;
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            style::LEGEND_SIZE,
        )
    }
}
