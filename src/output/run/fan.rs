//! A fan chart of one indicator: 5-95% and 25-75% bands and the median over all paths, with the
//! median of the paths that end on each posture drawn in that posture's colour.

use crate::error::Result;
use crate::model::SeriesId;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::style;
use crate::output::RunReport;
use crate::stats::estimates::SeriesSummary;

pub struct FanChart {
    pub series: SeriesId,
    /// The file stem, `fan_<series name>`.
    pub file_stem: String,
}

/// Subsets holding less than this share of paths are too noisy to draw.
const MIN_SUBSET_SHARE: f64 = 0.02;

impl FanChart {
    fn rows<'a>(&self, report: &'a RunReport, subset: usize) -> Vec<&'a SeriesSummary> {
        report
            .estimates
            .series
            .iter()
            .filter(|row| row.series == self.series && row.subset == subset)
            .collect()
    }
}

fn band(rows: &[&SeriesSummary], low: usize, high: usize) -> Vec<(f64, f64)> {
    let upper = rows
        .iter()
        .map(|row| (row.month as f64, row.quantiles[high]));
    let lower = rows
        .iter()
        .rev()
        .map(|row| (row.month as f64, row.quantiles[low]));
    upper.chain(lower).collect()
}

impl Chart for FanChart {
    fn name(&self) -> String {
        self.file_stem.clone()
    }

    fn caption(&self, report: &RunReport) -> String {
        let label = &report.model.series[self.series].label;
        format!("{label}: median with 50% and 90% bands")
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let model = report.model;
        let series = &model.series[self.series];
        let all = self.rows(report, 0);
        let (low, high) = value_range(report, self.series);
        let start = model.meta.start;
        let unit = if series.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", series.unit)
        };
        let axes = style::MonthAxes {
            caption: format!("{}{unit}", series.label),
            months: model.horizon() as f64,
            values: low..high,
            x_desc: "month",
            y_desc: series.unit.clone(),
            y_labels: 8,
            y_format: &|value| style::compact(*value),
        };
        let mut chart = style::month_chart(area, start, axes)?;
        let shade = style::NEUTRAL;
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(&all, 0, 4),
                shade.mix(0.15),
            )))?
            .label("5-95% of paths")
            .legend(style::swatch(shade.mix(0.15)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(&all, 1, 3),
                shade.mix(0.3),
            )))?
            .label("25-75%")
            .legend(style::swatch(shade.mix(0.3)));
        chart
            .draw_series(LineSeries::new(
                all.iter().map(|row| (row.month as f64, row.quantiles[2])),
                shade.stroke_width(5),
            ))?
            .label("median, all paths")
            .legend(style::stroke(shade, 5));
        for (index, posture) in model.postures_with_ids() {
            if report.estimates.subset_share[index.index() + 1] < MIN_SUBSET_SHARE {
                continue;
            }
            let colour = style::colour(&posture.colour);
            let rows = self.rows(report, index.index() + 1);
            chart
                .draw_series(LineSeries::new(
                    rows.iter().map(|row| (row.month as f64, row.quantiles[2])),
                    colour.stroke_width(3),
                ))?
                .label(format!(
                    "median, ending in {}",
                    posture.label.to_lowercase()
                ))
                .legend(style::stroke(colour, 3));
        }
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            style::LEGEND_SIZE - 4,
        )
    }
}

/// The y range: every quantile drawn, with a margin, never clipping an interval.
fn value_range(report: &RunReport, series: SeriesId) -> (f64, f64) {
    let rows = report
        .estimates
        .series
        .iter()
        .filter(|row| row.series == series);
    let (low, high) = rows
        .flat_map(|row| row.quantiles)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let span = (high - low).max(1e-6);
    let floor = if low >= 0.0 {
        (low - 0.08 * span).max(0.0)
    } else {
        low - 0.08 * span
    };
    (floor, high + 0.3 * span)
}
