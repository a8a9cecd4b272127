//! Charts of a run, each drawn once and rendered to PNG (1600x900, for slides) and SVG.
//!
//! A chart implements [`Chart`] against any plotters backend; [`render`] draws it into a bitmap
//! (encoded with the `png` crate) and into an SVG string. The font is bundled (see [`style`]).

pub mod comparison;
mod departure;
mod fan;
mod headline;
mod posture;
pub mod scenario_grid;
pub mod style;
pub mod sweep_lines;
pub mod sweep_map;
pub mod tornado;
pub mod tradeoff;
pub mod watchlist;
mod weighted;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Export, OutputFolder, RunReport};
use crate::model::{Role, SeriesKind};

/// One chart, drawable on any backend.
pub trait Chart {
    /// The file stem, such as `posture_probabilities`.
    fn name(&self) -> String;
    /// Draws into the area above the footer, which [`render`] has already written.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        report: &RunReport,
    ) -> Result<(), String>;
}

/// A chart that carries what it draws: the charts of studies, and run charts bound to their run.
pub trait Figure {
    /// The file stem.
    fn name(&self) -> String;
    /// The footer line saying where the figures come from.
    fn footer(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
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

    fn footer(&self) -> String {
        style::footer_text(self.report.model)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        self.chart.draw(area, self.report)
    }
}

pub struct Charts;

/// The charts of a run: postures, headline, first departure, and a fan per indicator.
fn chart_names(report: &RunReport) -> Vec<String> {
    let mut names = vec![
        posture::NAME.to_string(),
        headline::NAME.to_string(),
        departure::NAME.to_string(),
    ];
    names.extend(fan_charts(report).into_iter().map(|chart| chart.name()));
    names.extend(weighted_chart(report).map(|chart| chart.name()));
    names
}

fn weighted_chart(report: &RunReport) -> Option<weighted::WeightedChart> {
    let stem = report.weighted.as_ref()?.kind();
    Some(weighted::WeightedChart { stem })
}

fn fan_charts(report: &RunReport) -> Vec<fan::FanChart> {
    report
        .model
        .series_with_role(Role::Indicator)
        .filter(|&index| !matches!(report.model.series[index].kind, SeriesKind::Regime(_)))
        .map(|series| fan::FanChart {
            series,
            file_stem: format!("fan_{}", report.model.series[series].name),
        })
        .collect()
}

impl Export for Charts {
    fn file_names(&self, report: &RunReport) -> Vec<String> {
        chart_names(report)
            .into_iter()
            .flat_map(|name| [format!("{name}.png"), format!("{name}.svg")])
            .collect()
    }

    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<()> {
        style::ensure_font().map_err(|error| anyhow!(error))?;
        let (fans, weighted) = (fan_charts(report), weighted_chart(report));
        let mut jobs: Vec<RenderJob> = vec![
            Box::new(|| render(&posture::PostureChart, report, folder)),
            Box::new(|| render(&headline::HeadlineChart, report, folder)),
            Box::new(|| render(&departure::DepartureChart, report, folder)),
        ];
        for chart in &fans {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        if let Some(chart) = &weighted {
            jobs.push(Box::new(move || render(chart, report, folder)));
        }
        render_all(jobs, report.threads)
    }
}

/// Drawing one chart into the folder.
pub type RenderJob<'a> = Box<dyn Fn() -> Result<()> + Send + Sync + 'a>;

/// Draws charts side by side on up to `threads` threads (the run's own count). Each chart is
/// its own files, so the order they are drawn in changes no byte; the first error is returned.
pub fn render_all(jobs: Vec<RenderJob>, threads: usize) -> Result<()> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    pool.install(|| jobs.par_iter().try_for_each(|job| job()))
}

/// Draws a run chart to `<name>.png` and `<name>.svg`.
pub fn render<C: Chart>(chart: &C, report: &RunReport, folder: &OutputFolder) -> Result<()> {
    render_figure(&OfRun { chart, report }, folder)
}

/// Draws a figure to `<name>.png` and `<name>.svg`.
pub fn render_figure<F: Figure>(figure: &F, folder: &OutputFolder) -> Result<()> {
    style::ensure_font().map_err(|error| anyhow!(error))?;
    let name = figure.name();
    let failed = |error: String| anyhow!("cannot draw the chart {name}: {error}");
    folder.write(&format!("{name}.png"), &render_png(figure).map_err(failed)?)?;
    folder.write(
        &format!("{name}.svg"),
        render_svg(figure).map_err(failed)?.as_bytes(),
    )?;
    Ok(())
}

fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>, String> {
    let (width, height) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        figure.draw(&style::with_footer(&root, &figure.footer())?)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut encoded = Vec::new();
    let mut encoder = png::Encoder::new(&mut encoded, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(encoded)
}

fn render_svg<F: Figure>(figure: &F) -> Result<String, String> {
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (style::WIDTH, style::HEIGHT)).into_drawing_area();
        figure.draw(&style::with_footer(&root, &figure.footer())?)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text)
}
