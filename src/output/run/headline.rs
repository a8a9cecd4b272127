//! The headline: each posture at 6, 12 and 24 months, as bars with intervals and ICD 203 words.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::Chart;
use crate::output::render::style::{self, FONT};
use crate::output::RunReport;
use crate::stats::estimates::headline_months;
use crate::stats::icd203_words;

pub const NAME: &str = "headline";

pub struct HeadlineChart;

impl Chart for HeadlineChart {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self, _: &RunReport) -> String {
        "Each path at the headline months, in numbers and ICD 203 words".into()
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()> {
        let model = report.model;
        let months = headline_months(model.horizon());
        let postures = model.postures.len();
        let slots = months.len() * (postures + 1);
        let start = model.meta.start;
        let caption = format!("{} — the paths at {}", report.title(), month_list(&months));
        let (title, title_size) = style::fitted_title(area, &caption);
        let layout = Layout::of(report, &months);
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, title_size))
            .margin(24)
            .x_label_area_size(80)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..slots as f64, 0.0..layout.top)?;
        let scale = layout.top / BASE_TOP;
        let group_width = (postures + 1) as f64;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            // The month labels are drawn below, each under the middle of its group of bars;
            // the axes are drawn clear (the grid and a baseline carry them), ticks with them.
            .x_labels(0)
            .axis_style(TRANSPARENT)
            .y_labels(6)
            // Room above 100% is for the labels and the legend, not for probabilities.
            .y_label_formatter(&|value| {
                if *value > 1.0 + 1e-9 {
                    String::new()
                } else {
                    style::percent_label(value)
                }
            })
            .y_desc("probability")
            .label_style((FONT, style::TICK_SIZE))
            .axis_desc_style((FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        chart.draw_series([PathElement::new(
            vec![(0.0, 0.0), (slots as f64, 0.0)],
            BLACK.stroke_width(1),
        )])?;
        let label_style = (FONT, style::TICK_SIZE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let (left, top) = area.get_base_pixel();
        for (group, &month) in months.iter().enumerate() {
            let centre = group as f64 * group_width + postures as f64 / 2.0;
            let (x, y) = chart.backend_coord(&(centre, 0.0));
            let label = format!("month {month} ({})", start.offset(month as i64).label());
            area.draw(&Text::new(
                label,
                (x - left, y - top + 12),
                label_style.clone(),
            ))?;
        }
        for (index, posture) in model.postures_with_ids() {
            let colour = style::colour(&posture.colour);
            let bars: Vec<(f64, crate::stats::Estimate)> = months
                .iter()
                .enumerate()
                .map(|(group, &month)| {
                    (
                        group as f64 * group_width + index.index() as f64 + 0.5,
                        report.estimates.posture_at(month, index),
                    )
                })
                .collect();
            chart
                .draw_series(bars.iter().map(|(x, e)| {
                    Rectangle::new(
                        [(x - 0.42, 0.0), (x + 0.42, e.probability)],
                        colour.filled(),
                    )
                }))?
                .label(posture.label.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 8), (x + 28, y + 8)], colour.filled())
                });
            // Whiskers with flat caps, as in the tornado: the 95% interval of each bar.
            chart.draw_series(bars.iter().map(|(x, e)| {
                PathElement::new(vec![(*x, e.ci_low), (*x, e.ci_high)], BLACK.stroke_width(2))
            }))?;
            chart.draw_series(bars.iter().flat_map(|(x, e)| {
                [e.ci_low, e.ci_high].map(|end| {
                    EmptyElement::at((*x, end))
                        + PathElement::new(vec![(-10, 0), (10, 0)], BLACK.stroke_width(2))
                })
            }))?;
            let text_style = (FONT, style::LABEL_SIZE)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            // The words in at most two lines, so they stay within their bar's width; the number
            // sits above them.
            let words_style = (FONT, style::LABEL_SIZE - 4)
                .into_font()
                .color(&RGBColor(70, 70, 70))
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            for (x, e) in &bars {
                let lines = word_lines(icd203_words(e.probability));
                let mut y = e.ci_high + 0.02 * scale;
                for line in lines.iter().rev() {
                    chart.draw_series([Text::new(line.clone(), (*x, y), words_style.clone())])?;
                    y += WORD_LINE_HEIGHT * scale;
                }
                let percent = format!("{:.0}%", e.probability * 100.0);
                let number_y = y + (0.035 - WORD_LINE_HEIGHT) * scale;
                chart.draw_series([Text::new(percent, (*x, number_y), text_style.clone())])?;
            }
        }
        chart
            .configure_series_labels()
            .position(layout.legend)
            .margin(16)
            .label_font((FONT, style::LEGEND_SIZE))
            .background_style(WHITE.mix(0.9))
            .border_style(style::GRID)
            .draw()?;
        Ok(())
    }
}

/// The height of a line of words, in probability units on the 0 to 1.08 axis.
const WORD_LINE_HEIGHT: f64 = 0.03;

/// The probability axis's top when every bar's labels fit under it.
const BASE_TOP: f64 = 1.08;

/// The legend's height as a share of the plot: a line a posture, and its padding.
fn legend_share(postures: usize) -> f64 {
    (30.0 * postures as f64 + 40.0) / 670.0
}

/// Where the axis ends and the legend stands, so that no bar's number or words pass the top or
/// hide under the legend: the legend goes to the side whose bars leave it more room, and the
/// axis grows only as far as the labels need.
struct Layout {
    top: f64,
    legend: SeriesLabelPosition,
}

impl Layout {
    fn of(report: &RunReport, months: &[usize]) -> Self {
        let postures = report.model.postures.len();
        // The axis top a bar needs with `reserved` of the plot kept free above its labels.
        let need = |month: usize, reserved: f64| -> f64 {
            report
                .model
                .postures_with_ids()
                .map(|(index, _)| {
                    let e = report.estimates.posture_at(month, index);
                    let lines = word_lines(icd203_words(e.probability)).len() as f64;
                    // Number and words above the whisker, as the drawing stacks them.
                    let labels = (0.02 + WORD_LINE_HEIGHT * (lines - 1.0) + 0.07) / BASE_TOP;
                    e.ci_high / (1.0 - labels - reserved).max(0.1)
                })
                .fold(BASE_TOP, f64::max)
        };
        let every = months
            .iter()
            .map(|&m| need(m, 0.01))
            .fold(BASE_TOP, f64::max);
        let under_legend =
            |month: Option<&usize>| month.map_or(BASE_TOP, |&m| need(m, legend_share(postures)));
        let (right, left) = (under_legend(months.last()), under_legend(months.first()));
        let (top, legend) = if left < right {
            (left, SeriesLabelPosition::UpperLeft)
        } else {
            (right, SeriesLabelPosition::UpperRight)
        };
        Layout {
            top: top.max(every),
            legend,
        }
    }
}

/// Words longer than a bar is wide, broken at the space nearest their middle.
fn word_lines(words: &str) -> Vec<String> {
    const FITS: usize = 10;
    if words.len() <= FITS {
        return vec![words.to_string()];
    }
    let middle = words.len() / 2;
    let split = words
        .match_indices(' ')
        .map(|(at, _)| at)
        .min_by_key(|at| at.abs_diff(middle));
    match split {
        Some(at) => vec![words[..at].to_string(), words[at + 1..].to_string()],
        None => vec![words.to_string()],
    }
}

fn month_list(months: &[usize]) -> String {
    let names: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    match names.split_last() {
        Some((last, [])) => format!("{last} months"),
        Some((last, rest)) => format!("{} and {last} months", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::word_lines;

    #[test]
    fn long_words_break_at_the_space_nearest_their_middle() {
        assert_eq!(word_lines("likely"), ["likely"]);
        assert_eq!(word_lines("almost no chance"), ["almost no", "chance"]);
        assert_eq!(word_lines("very unlikely"), ["very", "unlikely"]);
        assert_eq!(
            word_lines("roughly even chance"),
            ["roughly", "even chance"]
        );
    }
}
