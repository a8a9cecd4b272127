//! Drawing figures: each drawn once against any plotters backend, rendered to PNG (1600x900,
//! for slides, encoded with the `png` crate) and SVG, side by side on the run's threads. The font
//! is bundled and the look shared by every chart lives in [`style`]; the numbers tables print, in
//! [`csv`].

mod backend;
pub mod csv;
mod glyphs;
pub mod style;

pub use backend::Backend;

use std::sync::Mutex;

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
/// the first error is returned. Called on a pool of that size (a run's, writing its tables
/// beside), it draws on that pool.
pub fn render_all(jobs: Vec<RenderJob>, threads: usize) -> Result<Vec<Artifact>> {
    use rayon::prelude::*;
    let draw = || jobs.par_iter().map(|job| job()).collect::<Result<Vec<_>>>();
    let on_pool = rayon::current_thread_index().is_some();
    let charts = if on_pool && rayon::current_num_threads() == threads.max(1) {
        draw()?
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()?;
        pool.install(draw)?
    };
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

/// Chart pixel buffers kept for the next chart, whichever thread draws it: a fresh buffer paid
/// the first touch of each of its thousand pages (a page fault each) on every chart.
static SPARE_PIXELS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>> {
    let (width, height) = (style::WIDTH, style::HEIGHT);
    let spare = SPARE_PIXELS.lock().ok().and_then(|mut spare| spare.pop());
    let mut pixels = spare.unwrap_or_default();
    pixels.clear();
    pixels.resize((width * height * 3) as usize, 0);
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
        let root = glyphs::CachedGlyphs::new(bitmap).into_drawing_area();
        figure.draw(&style::with_footer(&root, &figure.footer())?)?;
        root.present()?;
    }
    let encoded = encode_png(&pixels, width, height);
    if let Ok(mut spare) = SPARE_PIXELS.lock() {
        spare.push(pixels);
    }
    encoded
}

fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut encoded = Vec::new();
    let mut encoder = png::Encoder::new(&mut encoded, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure of one filled square, so two of them differ in their pixels.
    struct Square {
        corner: i32,
        colour: RGBColor,
    }

    impl Figure for Square {
        fn name(&self) -> String {
            "square".into()
        }
        fn caption(&self) -> String {
            "A square".into()
        }
        fn footer(&self) -> String {
            "Source: a test".into()
        }
        fn draw<DB: Backend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
            let far = self.corner + 300;
            area.draw(&Rectangle::new(
                [(self.corner, self.corner), (far, far)],
                self.colour.filled(),
            ))?;
            Ok(())
        }
    }

    #[test]
    fn a_reused_pixel_buffer_draws_what_a_fresh_one_draws() {
        style::ensure_font().unwrap();
        let first = Square {
            corner: 10,
            colour: RGBColor(200, 30, 30),
        };
        let second = Square {
            corner: 500,
            colour: RGBColor(0, 0, 0),
        };
        let fresh = render_png(&first).unwrap();
        // Leave a different chart's pixels in the spare buffer, then draw the first again.
        let other = render_png(&second).unwrap();
        assert_ne!(fresh, other);
        assert_eq!(fresh, render_png(&first).unwrap());
    }
}
