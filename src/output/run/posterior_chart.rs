//! `posterior_parameters.png` (after `--evidence`): what the evidence taught each uncertain
//! parameter, drawn where its posterior lies within its prior. Each row's axis is the prior's
//! own quantile, so every prior spans the same grey band (5% to 95%) whatever its units, and a
//! posterior that moved or narrowed shows at once; the values are written beside each row.

use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::{style, Backend};
use crate::output::RunReport;

pub const NAME: &str = "posterior_parameters";

pub struct PosteriorChart;

impl Chart for PosteriorChart {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self, _report: &RunReport) -> String {
        "What the evidence taught the uncertain parameters: each posterior's 5-95% range and \
         median, placed within its prior"
            .into()
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let Some(assimilation) = report.assimilation else {
            return Ok(());
        };
        let parameters = &assimilation.parameters;
        let rows = parameters.len().max(1) as f64;
        // Rows of room above the first for the legend, whose two entries must not cover it.
        const LEGEND_ROWS: f64 = 2.4;
        let (plot, side) = area.split_horizontally(1000);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                "Parameters: prior and posterior",
                (style::FONT, style::TITLE_SIZE),
            )
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(330)
            .build_cartesian_2d(0.0..1.0, -0.5..rows + LEGEND_ROWS)?;
        let name = |y: &f64| {
            let index = y.round();
            if (y - index).abs() > 1e-6 || index < 0.0 || index >= parameters.len() as f64 {
                return String::new();
            }
            parameters[parameters.len() - 1 - index as usize]
                .name
                .clone()
        };
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .y_labels(parameters.len() * 2 + 1)
            .x_labels(6)
            .y_label_formatter(&name)
            .x_label_formatter(&style::percent_label)
            .x_desc("quantile of the prior")
            .label_style((style::FONT, style::TICK_SIZE))
            .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        let row_of = |index: usize| rows - 1.0 - index as f64;
        // The legend takes the room above the first row.
        let grey = RGBColor(200, 200, 200);
        chart
            .draw_series((0..parameters.len()).map(|index| {
                let y = row_of(index);
                Rectangle::new([(0.05, y - 0.3), (0.95, y + 0.3)], grey.filled())
            }))?
            .label("prior, 5-95%")
            .legend(style::swatch(grey.into()));
        let colour = style::NEUTRAL;
        chart
            .draw_series(parameters.iter().enumerate().map(|(index, parameter)| {
                let y = row_of(index);
                let [low, _, high] = parameter.posterior_in_prior;
                Rectangle::new([(low, y - 0.12), (high, y + 0.12)], colour.filled())
            }))?
            .label("posterior, 5-95%, with its median")
            .legend(style::swatch(colour.into()));
        chart.draw_series(parameters.iter().enumerate().map(|(index, parameter)| {
            let median = parameter.posterior_in_prior[1];
            Circle::new((median, row_of(index)), 12, RGBColor(196, 78, 82).filled())
        }))?;
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperRight,
            style::LEGEND_SIZE,
        )?;
        let texts: Vec<String> = parameters
            .iter()
            .map(|p| {
                format!(
                    "{} → {} ({} to {})",
                    style::compact(p.prior.p50),
                    style::compact(p.posterior.p50),
                    style::compact(p.posterior.p5),
                    style::compact(p.posterior.p95)
                )
            })
            .collect();
        // The rows' pixels: below the caption and the legend's room, above the axis labels.
        let (top, bottom) = (24 + 40 + 24, plot.dim_in_pixel().1 as i32 - 24 - 80);
        let row_px = (bottom - top) as f64 / (rows + LEGEND_ROWS + 0.5);
        let legend_px = ((LEGEND_ROWS + 0.5) * row_px) as i32;
        let font: TextStyle = (style::FONT, style::LABEL_SIZE).into_font().into();
        side.draw_text(
            "median: prior → posterior (5-95%)",
            &font,
            (10, top + legend_px - (row_px * 0.9) as i32),
        )?;
        for (index, text) in texts.iter().enumerate() {
            let y = top + legend_px + ((index as f64 + 0.5) * row_px) as i32 - 10;
            side.draw_text(text, &font, (10, y))?;
        }
        Ok(())
    }
}
