//! The calibration charts of a scored run (after `--outcomes`): `pit.png`, the histogram of the
//! realised values' PITs (flat when the forecast distributions are calibrated), and
//! `reliability.png`, each category's forecast probability against how often it happened.

use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::{style, Backend};
use crate::output::RunReport;

pub const PIT_NAME: &str = "pit";
pub const RELIABILITY_NAME: &str = "reliability";

/// Bins of the PIT histogram and the reliability diagram.
const BINS: usize = 10;

pub struct PitChart;
pub struct ReliabilityChart;

fn axes<'a, DB: Backend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: String,
    y: std::ops::Range<f64>,
    (x_desc, y_desc): (&str, &str),
    (y_labels, y_format): (usize, &dyn Fn(&f64) -> String),
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    let (title, title_size) = style::fitted_title(area, &caption);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (style::FONT, title_size))
        .margin(24)
        .margin_right(56)
        .x_label_area_size(80)
        .y_label_area_size(130)
        .build_cartesian_2d(0.0..1.0, y)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(style::GRID)
        .x_labels(11)
        .y_labels(y_labels)
        .y_label_formatter(y_format)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((style::FONT, style::TICK_SIZE))
        .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
        .draw()?;
    Ok(chart)
}

impl Chart for PitChart {
    fn name(&self) -> String {
        PIT_NAME.into()
    }

    fn caption(&self, report: &RunReport) -> String {
        let count = pits(report).len();
        format!("Where {count} realised values fell in their forecast distributions (PIT)")
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let pits = pits(report);
        let mut counts = [0usize; BINS];
        for pit in &pits {
            counts[((pit * BINS as f64) as usize).min(BINS - 1)] += 1;
        }
        let even = pits.len() as f64 / BINS as f64;
        let highest = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        // A whole number of values at the top, and a tick a value when there are few: counts
        // are never fractions.
        let top = (highest * 1.3).max(even * 1.5).ceil();
        let caption = format!("PIT of {} realised values (flat if calibrated)", pits.len());
        let mut chart = axes(
            area,
            caption,
            0.0..top,
            ("PIT", "realised values in the bin"),
            ((top as usize + 1).min(11), &|count| format!("{count:.0}")),
        )?;
        chart.draw_series(counts.iter().enumerate().map(|(bin, &count)| {
            let x = bin as f64 / BINS as f64;
            Rectangle::new(
                [(x + 0.005, 0.0), (x + 0.1 - 0.005, count as f64)],
                style::NEUTRAL.mix(0.7).filled(),
            )
        }))?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, even), (1.0, even)],
                RGBColor(196, 78, 82).stroke_width(3),
            ))?
            .label("a calibrated forecast's expected count")
            .legend(style::stroke(RGBColor(196, 78, 82), 3));
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperRight,
            style::LEGEND_SIZE,
        )
    }
}

fn pits(report: &RunReport) -> Vec<f64> {
    report
        .scores
        .map(|s| {
            s.model_rows()
                .map(|r| r.pit)
                .filter(|p| !p.is_nan())
                .collect()
        })
        .unwrap_or_default()
}

impl Chart for ReliabilityChart {
    fn name(&self) -> String {
        RELIABILITY_NAME.into()
    }

    fn caption(&self, _report: &RunReport) -> String {
        "How often what the model gave each probability happened (on the diagonal if reliable)"
            .into()
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let bins = reliability(report);
        let mut chart = axes(
            area,
            "Reliability of the posture and state forecasts".into(),
            0.0..1.0,
            ("forecast probability", "observed frequency"),
            (11, &|frequency| format!("{frequency:.1}")),
        )?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                grey.stroke_width(3),
            ))?
            .label("perfectly reliable")
            .legend(style::stroke(grey, 3));
        let points: Vec<(f64, f64, usize)> = bins
            .iter()
            .filter(|(_, _, n)| *n > 0)
            .map(|(p, o, n)| (*p, *o, *n))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|(p, o, _)| (*p, *o)),
                style::NEUTRAL.stroke_width(4),
            ))?
            .label("the model (dot size: forecasts in the bin)")
            .legend(style::stroke(style::NEUTRAL, 4));
        chart.draw_series(points.iter().map(|(p, o, n)| {
            Circle::new(
                (*p, *o),
                6 + (*n as f64).sqrt() as i32,
                style::NEUTRAL.filled(),
            )
        }))?;
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            style::LEGEND_SIZE,
        )
    }
}

/// Per bin of forecast probability: the mean forecast, the observed frequency, the count, over
/// every category of every posture or state outcome.
pub fn reliability(report: &RunReport) -> Vec<(f64, f64, usize)> {
    let mut sums = [(0.0, 0.0, 0usize); BINS];
    let Some(scores) = report.scores else {
        return Vec::new();
    };
    for pair in scores.category_forecasts() {
        let (p, happened) = pair;
        let bin = ((p * BINS as f64) as usize).min(BINS - 1);
        sums[bin].0 += p;
        sums[bin].1 += f64::from(u8::from(happened));
        sums[bin].2 += 1;
    }
    sums.iter()
        .map(|(p, o, n)| {
            let count = (*n).max(1) as f64;
            (p / count, o / count, *n)
        })
        .collect()
}
