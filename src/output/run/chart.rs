//! A run chart: drawn against the finished run it shows, with the run's footer.

use crate::error::Result;
use crate::output::render::Backend;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{OutputFolder, RunReport};
use crate::output::render::{render_figure, style, Figure};
use crate::output::ChartFile;

/// One chart, drawable on any backend.
pub trait Chart {
    /// The file stem, such as `posture_probabilities`.
    fn name(&self) -> String;
    /// What it shows, in a sentence: the briefing's caption.
    fn caption(&self, report: &RunReport) -> String;
    /// Draws into the area above the footer, which [`render`] has already written.
    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>, report: &RunReport) -> Result<()>;
}

/// How a caption speaks of 95% bands whose widest half-width is `widest` (a probability): at
/// many paths they are thinner than the lines drawn over them, and the caption says so rather
/// than let a reader think they were left out.
pub fn band_words(widest: f64) -> String {
    // A line is 5 pixels thick on a 1600x900 chart whose probability axis is about 650 high:
    // a band narrower than about 1 point either side hides under it.
    if widest >= 0.01 {
        "with 95% bands".into()
    } else {
        format!(
            "with 95% bands, at most ±{:.1} points here, so thin that the lines cover them",
            100.0 * widest
        )
    }
}

/// A run chart bound to its run.
struct OfRun<'c, 'r, C> {
    chart: &'c C,
    report: &'c RunReport<'r>,
}

impl<C: Chart> Figure for OfRun<'_, '_, C> {
    fn name(&self) -> String {
        self.chart.name()
    }

    fn caption(&self) -> String {
        self.chart.caption(self.report)
    }

    fn footer(&self) -> String {
        style::footer_text(self.report.model)
    }

    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        self.chart.draw(area, self.report)
    }
}

/// Draws a run chart to `<name>.png` and `<name>.svg`.
pub fn render<C: Chart>(chart: &C, report: &RunReport, folder: &OutputFolder) -> Result<ChartFile> {
    render_figure(&OfRun { chart, report }, folder)
}

#[cfg(test)]
mod tests {
    use super::band_words;

    #[test]
    fn bands_thinner_than_the_lines_are_said_to_be() {
        assert_eq!(band_words(0.02), "with 95% bands");
        assert_eq!(
            band_words(0.003),
            "with 95% bands, at most ±0.3 points here, so thin that the lines cover them"
        );
    }
}
