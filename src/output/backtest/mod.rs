//! A backtest's outputs: `backtest.csv` (every outcome after each as-of date, scored by the
//! model and the references), `backtest_skill.csv` (mean scores and skill by as-of date and band
//! of lead time) and `backtest.png` (the model's Brier and CRPS skill against the prior, by lead
//! band, one line per as-of date), and the printed summary.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::Result;
use crate::model::Model;
use crate::output::render::csv::finish;
use crate::output::render::{render_figure, style, Backend, Figure};
use crate::output::run::scores_table::{score_fields, skill_fields, SCORE_COLUMNS, SKILL_COLUMNS};
use crate::output::{Artifact, OutputFolder};
use crate::scoring::{Scores, LEAD_BANDS};

pub const TABLE_FILE: &str = "backtest.csv";
pub const SKILL_FILE: &str = "backtest_skill.csv";

/// (as-of month, observations known then, scores).
pub type Row<'a> = (usize, usize, &'a Scores);

/// Writes the tables and the chart.
pub fn write(model: &Model, rows: &[Row], folder: &OutputFolder) -> Result<Vec<Artifact>> {
    let date = |month: usize| model.meta.start.offset(month as i64).to_string();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["as_of", "observations", "outcome", "lead_months"].into_iter();
    writer.write_record(header.chain(SCORE_COLUMNS).chain(["date"]))?;
    for (as_of, observations, scores) in rows {
        for row in &scores.rows {
            let mut record = vec![
                date(*as_of),
                observations.to_string(),
                row.outcome.clone(),
                row.lead.to_string(),
            ];
            record.extend(score_fields(row));
            record.push(date(row.month));
            writer.write_record(&record)?;
        }
    }
    let mut artifacts = vec![Artifact::write(folder, TABLE_FILE, &finish(writer)?)?];
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(std::iter::once("as_of").chain(SKILL_COLUMNS))?;
    for (as_of, _, scores) in rows {
        for skill in &scores.skill {
            writer.write_record(std::iter::once(date(*as_of)).chain(skill_fields(skill)))?;
        }
    }
    artifacts.push(Artifact::write(folder, SKILL_FILE, &finish(writer)?)?);
    let chart = SkillChart { model, rows };
    artifacts.push(Artifact::Chart(render_figure(&chart, folder)?));
    Ok(artifacts)
}

/// The printed summary: per as-of date, the skill against the prior and the references.
pub fn summary(model: &Model, rows: &[Row]) -> String {
    let mut text = format!("Backtest of {}:\n", model.meta.title);
    for (as_of, observations, scores) in rows {
        let date = model.meta.start.offset(*as_of as i64).label();
        let outcomes = scores.model_rows().count();
        text.push_str(&format!(
            "  as of {date} ({observations} observations known): {outcomes} later outcomes"
        ));
        let pooled: Vec<String> = ["prior", "uniform", "persistence", "last_value"]
            .iter()
            .flat_map(|reference| {
                ["brier", "crps"].iter().filter_map(move |score| {
                    let found: Vec<_> = scores
                        .skill
                        .iter()
                        .filter(|s| s.reference == *reference && s.score == *score)
                        .collect();
                    let n: usize = found.iter().map(|s| s.outcomes).sum();
                    (n > 0).then(|| {
                        let model: f64 =
                            found.iter().map(|s| s.model_mean * s.outcomes as f64).sum();
                        let other: f64 = found
                            .iter()
                            .map(|s| s.reference_mean * s.outcomes as f64)
                            .sum();
                        format!("{score} skill {:+.2} vs {reference}", 1.0 - model / other)
                    })
                })
            })
            .collect();
        text.push_str(&format!("; {}\n", pooled.join(", ")));
    }
    text
}

struct SkillChart<'a> {
    model: &'a Model,
    rows: &'a [Row<'a>],
}

/// How much of a band's width the as-of dates' lines spread over.
const DODGE: f64 = 0.3;

/// The lead bands some forecast was scored in against the prior: later bands, which no
/// outcome reached, are left off the axis.
fn scored_bands(rows: &[Row]) -> Vec<&'static str> {
    let scored = |band: &str| {
        rows.iter().any(|(_, _, scores)| {
            let skills = scores.skill.iter();
            skills
                .filter(|s| s.reference == "prior")
                .any(|s| s.band == band)
        })
    };
    let bands = LEAD_BANDS.iter().skip(1).map(|b| b.2);
    let kept: Vec<&str> = bands.clone().filter(|band| scored(band)).collect();
    if kept.is_empty() {
        bands.collect()
    } else {
        kept
    }
}

const COLOURS: [RGBColor; 6] = [
    RGBColor(76, 114, 176),
    RGBColor(221, 132, 82),
    RGBColor(85, 168, 104),
    RGBColor(196, 78, 82),
    RGBColor(129, 114, 179),
    RGBColor(147, 120, 96),
];

impl Figure for SkillChart<'_> {
    fn name(&self) -> String {
        "backtest".into()
    }

    fn caption(&self) -> String {
        "Skill of the forecasts against the prior by lead time, one line per as-of date (above 0: \
         better than the forecast made without the evidence)"
            .into()
    }

    fn footer(&self) -> String {
        style::footer_text(self.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let bands = scored_bands(self.rows);
        let (title, title_size) =
            style::fitted_title(area, "Backtest: skill against the prior by lead time");
        let mut chart = ChartBuilder::on(area)
            .caption(title, (style::FONT, title_size))
            .margin(24)
            .margin_right(56)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(-0.5..bands.len() as f64 - 0.5, -1.0..1.0)?;
        let label = |x: &f64| {
            let index = x.round();
            if (x - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            bands
                .get(index as usize)
                .map(|b| format!("{b} months"))
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .x_labels(bands.len() * 2 + 1)
            .x_label_formatter(&label)
            .x_desc("lead time after the as-of date")
            .y_desc("skill (1 - score / prior's score)")
            .label_style((style::FONT, style::TICK_SIZE))
            .axis_desc_style((style::FONT, style::AXIS_TITLE_SIZE))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(-0.5, 0.0), (bands.len() as f64 - 0.5, 0.0)],
            RGBColor(150, 150, 150).stroke_width(2),
        ))?;
        let lines = (self.rows.len() * 2) as f64;
        for (index, (as_of, _, scores)) in self.rows.iter().enumerate() {
            let colour = COLOURS[index % COLOURS.len()];
            let date = self.model.meta.start.offset(*as_of as i64).label();
            // A forecast made before any evidence is the prior: its skill is 0 by definition.
            let against_prior = || scores.skill.iter().filter(|s| s.reference == "prior");
            let is_prior = against_prior().all(|s| s.skill == 0.0);
            let note = if is_prior { " (the prior itself)" } else { "" };
            for (line, (score, marker)) in
                [("brier", true), ("crps", false)].into_iter().enumerate()
            {
                // Each line a little aside within its band, so equal skills do not hide each other.
                let aside = ((2 * index + line) as f64 - (lines - 1.0) / 2.0) * DODGE / lines;
                let points: Vec<(f64, f64)> = bands
                    .iter()
                    .enumerate()
                    .filter_map(|(x, band)| {
                        against_prior()
                            .find(|s| s.band == *band && s.score == score)
                            .map(|s| (x as f64 + aside, s.skill.clamp(-1.0, 1.0)))
                    })
                    .collect();
                if points.is_empty() {
                    continue;
                }
                // Brier as circles on a full line, CRPS as triangles on a lighter one: the two
                // scores of one date share its colour but never look alike.
                let style_line = if marker {
                    colour.stroke_width(4)
                } else {
                    colour.mix(0.6).stroke_width(3)
                };
                let glyph = move |(x, y): (i32, i32)| -> DynElement<'static, DB, (i32, i32)> {
                    if marker {
                        Circle::new((x, y), 8, colour.filled()).into_dyn()
                    } else {
                        TriangleMarker::new((x, y), 11, colour.filled()).into_dyn()
                    }
                };
                chart
                    .draw_series(LineSeries::new(points.clone(), style_line))?
                    .label(format!("as of {date}: {score}{note}"))
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (30, 0)], style_line)
                            + glyph((15, 0))
                    });
                chart.draw_series(points.iter().map(|p| EmptyElement::at(*p) + glyph((0, 0))))?;
            }
        }
        style::draw_legend(
            &mut chart,
            SeriesLabelPosition::LowerLeft,
            style::LEGEND_SIZE,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::scored_bands;
    use crate::scoring::{Scores, Skill};

    fn scored_in(bands: &[&'static str], reference: &'static str) -> Scores {
        let skill = bands.iter().map(|&band| Skill {
            band,
            reference,
            score: "brier",
            outcomes: 1,
            model_mean: 0.1,
            reference_mean: 0.2,
            skill: 0.5,
        });
        Scores {
            file: "outcomes.csv".into(),
            realised: Vec::new(),
            as_of: 0,
            rows: Vec::new(),
            skill: skill.collect(),
        }
    }

    /// The axis keeps the bands any as-of date was scored in against the prior, in order, and
    /// every band when none was.
    #[test]
    fn the_lead_axis_keeps_only_the_bands_scored_against_the_prior() {
        let (march, june) = (
            scored_in(&["4-6", "1-3"], "prior"),
            scored_in(&["7-12"], "prior"),
        );
        let persistence = scored_in(&["13-24"], "persistence");
        let rows = [(0, 1, &march), (3, 2, &june), (3, 2, &persistence)];
        assert_eq!(scored_bands(&rows), ["1-3", "4-6", "7-12"]);
        assert_eq!(
            scored_bands(&rows[2..]),
            ["1-3", "4-6", "7-12", "13-24", "25+"]
        );
    }
}
