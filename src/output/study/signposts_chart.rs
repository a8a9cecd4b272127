//! The watch list: the most informative signposts, one row each, most informative on top. Each
//! row is the observation that would move a posture furthest: a hollow dot at the posture's
//! probability before, a filled one after seeing it, joined by a bar in the posture's colour; the
//! right margin gives the information the observable carries.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::Model;
use crate::output::render::style::{self, FONT};
use crate::output::render::Figure;
use crate::studies::signposts::SignpostStudy;

pub const NAME: &str = "signposts";
/// More rows than this would not read on a slide; the table has them all.
const MAX_ROWS: usize = 12;
const LABEL_WIDTH: u32 = 620;
const BITS_WIDTH: u32 = 130;

pub struct WatchlistChart<'a> {
    pub study: &'a SignpostStudy,
    pub model: &'a Model,
}

/// One row: what is seen, and each posture's probability before and after seeing it.
struct Row {
    label: String,
    /// (prior, updated) per posture.
    shifts: Vec<(f64, f64)>,
    information_bits: f64,
}

impl Figure for WatchlistChart<'_> {
    fn name(&self) -> String {
        NAME.into()
    }

    fn caption(&self) -> String {
        "What to watch: how strongly each observable shifts the odds between the paths".into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let month = self.study.settings.outcome_month;
        let title = format!(
            "What to watch: signs that move the path held at month {month} ({})",
            self.model.meta.start.offset(month as i64).label()
        );
        let area = area
            .margin(14, 0, 0, 0)
            .titled(&title, (FONT, style::TITLE_SIZE))?;
        let (legend, plot) = area.split_vertically(56);
        self.draw_legend(&legend)?;
        self.draw_rows(&plot, &self.rows())
    }
}

impl WatchlistChart<'_> {
    fn rows(&self) -> Vec<Row> {
        let postures = self.model.postures.len();
        self.study
            .signposts
            .iter()
            .filter_map(|signpost| {
                let (category, posture) = signpost.strongest_shift(postures)?;
                let signal = signpost.table.signal(category, posture);
                let shifts = (0..postures)
                    .map(|p| {
                        let other = signpost.table.signal(category, p);
                        (other.prior, other.updated)
                    })
                    .collect();
                let series = &self.model.series[signpost.series].name;
                let seen = signpost.categories[category].label(series, style::compact);
                Some(Row {
                    label: format!(
                        "{seen} at month {}  ({:.0}%)",
                        signpost.month,
                        100.0 * signal.seen_share
                    ),
                    shifts,
                    information_bits: signpost.information_bits,
                })
            })
            .take(MAX_ROWS)
            .collect()
    }

    fn draw_legend<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let font = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        let mut x = 40;
        for posture in &self.model.postures {
            let colour = style::colour(&posture.colour);
            area.draw(&Rectangle::new([(x, 14), (x + 34, 34)], colour.filled()))?;
            area.draw_text(&posture.label, &font, (x + 44, 12))?;
            x += 80 + 12 * posture.label.chars().count() as i32;
        }
        let rest = "hollow dot: probability now · filled dot: after seeing the sign";
        area.draw_text(rest, &font, (x + 20, 12))?;
        Ok(())
    }

    fn draw_rows<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, rows: &[Row]) -> Result<()> {
        let (plot, bits_area) = area.split_horizontally(area.dim_in_pixel().0 - BITS_WIDTH);
        let row_count = rows.len().max(1);
        let mut chart = ChartBuilder::on(&plot)
            .margin(14)
            .x_label_area_size(70)
            .y_label_area_size(LABEL_WIDTH)
            .build_cartesian_2d(0.0..1.0, 0.0..row_count as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(6)
            .x_label_formatter(&style::percent_label)
            .x_desc("probability of the path")
            .y_labels(0)
            .label_style((FONT, style::LABEL_SIZE))
            .axis_desc_style((FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        chart.draw_series((1..row_count).map(|edge| {
            PathElement::new(vec![(0.0, edge as f64), (1.0, edge as f64)], style::GRID)
        }))?;
        let postures = self.model.postures.len();
        for (order, row) in rows.iter().enumerate() {
            let centre = row_count as f64 - 0.5 - order as f64;
            for (posture, &(prior, updated)) in row.shifts.iter().enumerate() {
                // The postures stack within the row, first on top.
                let y = centre + 0.28 * (1.0 - 2.0 * posture as f64 / (postures.max(2) - 1) as f64);
                let colour = style::colour(&self.model.postures[posture].colour);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(prior, y), (updated, y)],
                    colour.stroke_width(5),
                )))?;
                chart.draw_series([
                    Circle::new((prior, y), 7, WHITE.filled()),
                    Circle::new((prior, y), 7, colour.stroke_width(3)),
                    Circle::new((updated, y), 8, colour.filled()),
                ])?;
            }
        }
        let pixels = chart.plotting_area().get_pixel_range().1;
        let labels: Vec<String> = rows.iter().map(|row| row.label.clone()).collect();
        let right_aligned = Pos::new(HPos::Right, VPos::Center);
        style::text_column(
            &plot,
            &labels,
            &pixels,
            LABEL_WIDTH as i32 - 4,
            right_aligned,
        )?;
        let bits: Vec<String> = rows
            .iter()
            .map(|row| format!("{:.3}", row.information_bits))
            .collect();
        let left_aligned = Pos::new(HPos::Left, VPos::Center);
        style::text_column(&bits_area, &bits, &pixels, 12, left_aligned)?;
        let heading = (FONT, style::LABEL_SIZE).into_font().color(&BLACK);
        bits_area.draw_text(
            "bits",
            &heading,
            (12, pixels.start - bits_area.get_base_pixel().1 - 34),
        )?;
        Ok(())
    }
}
