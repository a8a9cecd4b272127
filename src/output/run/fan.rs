//! A fan chart of one indicator: 5-95% and 25-75% bands and the median over all paths, with the
//! median of the paths that end on each posture drawn in that posture's colour. After evidence,
//! the values measured are drawn over the bands (a month's value with its 2-sd error bar, a
//! window's mean as a bar across the window, a bound as a triangle pointing the way it holds) and
//! a line marks the evidence's date: what comes after it is the forecast from today.

use crate::error::Result;
use crate::model::SeriesId;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::Chart;
use crate::output::render::style;
use crate::output::RunReport;
use crate::stats::estimates::SeriesSummary;
use crate::weighting::measurement::{ErrorModel, Reading};

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
        let observed = observed(report, self.series);
        let (low, high) = value_range(
            report,
            self.series,
            &observed,
            legend_entries(report, self.series, &observed),
        );
        let start = model.meta.start;
        let decimals = style::tick_decimals(high - low, 8);
        let unit = if series.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", series.unit)
        };
        let axes = style::MonthAxes {
            caption: format!("{} — {}{unit}", report.title(), series.label),
            months: model.horizon() as f64,
            values: low..high,
            x_desc: "month",
            y_desc: series.unit.clone(),
            y_labels: 8,
            y_format: &|value| style::tick_label(*value, decimals),
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
        draw_observed(&mut chart, &observed, report, self.series)?;
        draw_realised(&mut chart, report, self.series)?;
        for (index, posture) in model.postures_with_ids() {
            if !posture_shown(report, index.index()) {
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

/// One measured value as drawn: its months, its value, and its error bar or bound.
struct Observed {
    first: f64,
    last: f64,
    value: f64,
    bar: (f64, f64),
    /// `Some(true)`: at least; `Some(false)`: at most.
    bound: Option<bool>,
}

/// The evidence's measurements of `series` that can be drawn against monthly values.
fn observed(report: &RunReport, series: SeriesId) -> Vec<Observed> {
    let Some(evidence) = report
        .weighted
        .as_ref()
        .and_then(|w| w.weighting.evidence())
    else {
        return Vec::new();
    };
    evidence
        .observations
        .iter()
        .filter_map(|observation| observation.measurement())
        .filter(|measurement| measurement.series == series)
        .filter_map(|measurement| {
            let (first, last) = match &measurement.reading {
                Reading::Month(month) => (*month, *month),
                Reading::Mean(window) => (*window.start(), *window.end()),
                Reading::Sum(_) | Reading::Growth { .. } => return None,
            };
            let (value, bar, bound) = match measurement.error {
                ErrorModel::Normal { value, sd } => {
                    (value, (value - 2.0 * sd, value + 2.0 * sd), None)
                }
                ErrorModel::Relative { value, sd } => (
                    value,
                    (value * (-2.0 * sd).exp(), value * (2.0 * sd).exp()),
                    None,
                ),
                ErrorModel::AtLeast { bound, .. } => (bound, (bound, bound), Some(true)),
                ErrorModel::AtMost { bound, .. } => (bound, (bound, bound), Some(false)),
                ErrorModel::Between { low, high, .. } => (0.5 * (low + high), (low, high), None),
            };
            Some(Observed {
                first: first as f64,
                last: last as f64,
                value,
                bar,
                bound,
            })
        })
        .collect()
}

fn draw_observed<DB: Backend>(
    chart: &mut style::MonthChart<DB>,
    observed: &[Observed],
    report: &RunReport,
    series: SeriesId,
) -> Result<()> {
    let Some(as_of) = report.weighted.as_ref().and_then(|w| w.weighting.as_of()) else {
        return Ok(());
    };
    // The line stops a little above the data, under the legend that stands above it.
    let range = chart.y_range();
    let low = range.start;
    let top_here = report
        .estimates
        .series
        .iter()
        .filter(|row| row.series == series && row.subset == 0 && row.month == as_of)
        .map(|row| row.quantiles[4])
        .chain(observed.iter().map(|seen| seen.bar.1))
        .filter(|value| value.is_finite())
        .fold(low, f64::max);
    let high = (top_here + 0.08 * (range.end - low)).min(range.end);
    let line = RGBColor(120, 120, 120);
    let date = report.model.meta.start.offset(as_of as i64).label();
    chart
        .draw_series(DashedLineSeries::new(
            [(as_of as f64, low), (as_of as f64, high)],
            12,
            8,
            line.stroke_width(3),
        ))?
        .label(format!(
            "evidence as of {date}: the forecast runs from here"
        ))
        .legend(style::stroke(line, 3));
    if observed.is_empty() {
        return Ok(());
    }
    let ink = RGBColor(20, 20, 20);
    chart
        .draw_series(observed.iter().map(|seen| {
            let middle = 0.5 * (seen.first + seen.last);
            EmptyElement::at((middle, seen.value)) + Circle::new((0, 0), 8, ink.filled())
        }))?
        .label("measured (2 sd bars; a window's mean spans it)")
        .legend(|(x, y)| Circle::new((x + 15, y), 8, RGBColor(20, 20, 20).filled()));
    for seen in observed {
        let middle = 0.5 * (seen.first + seen.last);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(middle, seen.bar.0), (middle, seen.bar.1)],
            ink.stroke_width(3),
        )))?;
        if seen.last > seen.first {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(seen.first, seen.value), (seen.last, seen.value)],
                ink.stroke_width(4),
            )))?;
        }
        if let Some(at_least) = seen.bound {
            let tip = if at_least { -22 } else { 22 };
            chart.draw_series(std::iter::once(
                EmptyElement::at((middle, seen.value))
                    + Polygon::new(vec![(-10, 0), (10, 0), (0, tip)], ink.filled()),
            ))?;
        }
    }
    Ok(())
}

/// After `--outcomes`: what happened, as red diamonds (a window's mean as a bar across it).
fn draw_realised<DB: Backend>(
    chart: &mut style::MonthChart<DB>,
    report: &RunReport,
    series: SeriesId,
) -> Result<()> {
    let Some(scores) = report.scores else {
        return Ok(());
    };
    let realised: Vec<_> = scores
        .realised
        .iter()
        .filter(|r| r.series == series)
        .collect();
    if realised.is_empty() {
        return Ok(());
    }
    let red = RGBColor(196, 40, 40);
    chart
        .draw_series(realised.iter().map(|r| {
            let middle = 0.5 * (r.first + r.last) as f64;
            // An open diamond: a measurement of the same value shows through it.
            EmptyElement::at((middle, r.value))
                + PathElement::new(
                    vec![(0, -16), (16, 0), (0, 16), (-16, 0), (0, -16)],
                    red.stroke_width(4),
                )
        }))?
        .label("what happened (outcomes)")
        .legend(move |(x, y)| {
            PathElement::new(
                vec![
                    (x + 15, y - 9),
                    (x + 24, y),
                    (x + 15, y + 9),
                    (x + 6, y),
                    (x + 15, y - 9),
                ],
                RGBColor(196, 40, 40).stroke_width(3),
            )
        });
    for r in realised.iter().filter(|r| r.last > r.first) {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(r.first as f64, r.value), (r.last as f64, r.value)],
            red.stroke_width(4),
        )))?;
    }
    Ok(())
}

/// Whether the median of the paths ending in posture `index` is drawn: enough paths end there.
fn posture_shown(report: &RunReport, index: usize) -> bool {
    report.estimates.subset_share[index + 1] >= MIN_SUBSET_SHARE
}

/// How many entries the legend will have: the bands and median, each posture's median, and the
/// as-of line, the measurements and the outcomes where there are any.
fn legend_entries(report: &RunReport, series: SeriesId, observed: &[Observed]) -> usize {
    let postures = (0..report.model.postures.len())
        .filter(|&index| posture_shown(report, index))
        .count();
    let as_of = report.weighted.as_ref().and_then(|w| w.weighting.as_of());
    let realised = report
        .scores
        .is_some_and(|s| s.realised.iter().any(|r| r.series == series));
    let extras = [
        as_of.is_some(),
        as_of.is_some() && !observed.is_empty(),
        realised,
    ];
    3 + postures + extras.into_iter().filter(|&drawn| drawn).count()
}

/// The y range: every quantile drawn and every value measured, with a margin, never clipping an
/// interval, and room above for a legend of `entries` lines.
fn value_range(
    report: &RunReport,
    series: SeriesId,
    observed: &[Observed],
    entries: usize,
) -> (f64, f64) {
    let Some((low, high)) = drawn_extent(report, series, observed) else {
        return (0.0, 1.0);
    };
    let span = (high - low).max(1e-6);
    let floor = if low >= 0.0 {
        (low - 0.08 * span).max(0.0)
    } else {
        low - 0.08 * span
    };
    // The legend's height as a share of the plot (a line about 4.3%, with padding), less what it
    // may overlap where the bands start low; the headroom leaves that share above the data.
    let legend = 0.043 * entries as f64 - 0.05;
    let below = (high - floor) / span;
    let headroom = (below * legend / (1.0 - legend)).max(0.3);
    (floor, high + headroom * span)
}

/// The least and greatest value the chart draws, if it draws any.
fn drawn_extent(report: &RunReport, series: SeriesId, observed: &[Observed]) -> Option<(f64, f64)> {
    // What is drawn: every quantile of all paths (the bands), and the median of each posture
    // shown; a posture's own 5-95% is never drawn, so it must not stretch the axis.
    let drawn = report
        .estimates
        .series
        .iter()
        .filter(|row| row.series == series)
        .flat_map(|row| match row.subset {
            0 => row.quantiles.to_vec(),
            subset if posture_shown(report, subset - 1) => vec![row.quantiles[2]],
            _ => Vec::new(),
        });
    let realised = report
        .scores
        .iter()
        .flat_map(|s| s.realised.iter())
        .filter(|r| r.series == series)
        .map(|r| r.value);
    let seen = observed
        .iter()
        .flat_map(|o| [o.bar.0, o.bar.1])
        .chain(realised);
    let (low, high) = drawn
        .chain(seen)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    low.is_finite().then_some((low, high))
}
