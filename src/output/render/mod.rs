//! Drawing figures: each drawn once against any plotters backend, rendered to PNG (1600x900,
//! for slides, encoded with the `png` crate) and SVG, side by side on the run's threads. The font
//! is bundled and the look shared by every chart lives in [`style`]; the numbers tables print, in
//! [`csv`].

mod backend;
pub mod csv;
mod glyphs;
pub mod style;

pub use backend::Backend;

use crate::error::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Artifact, ChartFile, OutputFolder};

/// A chart that carries what it draws: the charts of studies, and run charts bound to their run.
pub trait Figure {
    /// The file stem.
    fn name(&self) -> String;
    /// What it shows, in a sentence: the briefing's caption.
    fn caption(&self) -> String;
    /// The footer line saying where the figures come from.
    fn footer(&self) -> String;
    fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Drawing one chart into the folder.
pub type RenderJob<'a> = Box<dyn Fn() -> Result<ChartFile> + Send + Sync + 'a>;

/// Draws charts side by side on up to `threads` threads (the run's own count) and lists them in
/// the jobs' order. Each chart is its own files, so the order they are drawn in changes no byte;
/// the first error is returned.
pub fn render_all(jobs: Vec<RenderJob>, threads: usize) -> Result<Vec<Artifact>> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let charts = pool.install(|| jobs.par_iter().map(|job| job()).collect::<Result<Vec<_>>>())?;
    Ok(charts.into_iter().map(Artifact::Chart).collect())
}

/// Draws a figure to `<name>.png` and `<name>.svg`, and keeps the SVG for the briefing.
pub fn render_figure<F: Figure>(figure: &F, folder: &OutputFolder) -> Result<ChartFile> {
    style::ensure_font()?;
    let name = figure.name();
    let failed = || format!("cannot draw the chart {name}");
    folder.write(
        &format!("{name}.png"),
        &render_png(figure).with_context(failed)?,
    )?;
    let svg = render_svg(figure).with_context(failed)?;
    folder.write(&format!("{name}.svg"), svg.as_bytes())?;
    Ok(ChartFile {
        caption: figure.caption(),
        stem: name,
        svg,
    })
}

fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>> {
    let (width, height) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
        let root = glyphs::CachedGlyphs::new(bitmap).into_drawing_area();
        figure.draw(&style::with_footer(&root, &figure.footer())?)?;
        root.present()?;
    }
    let mut encoded = Vec::new();
    let mut encoder = png::Encoder::new(&mut encoded, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(encoded)
}

fn render_svg<F: Figure>(figure: &F) -> Result<String> {
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (style::WIDTH, style::HEIGHT)).into_drawing_area();
        figure.draw(&style::with_footer(&root, &figure.footer())?)?;
        root.present()?;
    }
    Ok(text)
}
