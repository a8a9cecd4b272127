//! Text on a pixel backend with each glyph rasterised once per thread.
//!
//! plotters draws text on a bitmap by outlining and rasterising every glyph of every label anew:
//! the same few dozen glyphs, thousands of times a run. It places glyphs at whole pixels, so a
//! glyph's coverage depends only on the character and the size: [`CachedGlyphs`] keeps each
//! one's coverage and draws labels from it, pixel for pixel as plotters would (tested).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScaleFont, ScaleFont};
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::style::{DEJAVU_SANS, FONT};

/// A backend whose text in the bundled font is drawn from cached glyphs; everything else, and
/// text in any other font, is the wrapped backend's own.
pub struct CachedGlyphs<B> {
    inner: B,
}

impl<B: DrawingBackend> CachedGlyphs<B> {
    pub fn new(inner: B) -> Self {
        CachedGlyphs { inner }
    }
}

/// One glyph at one size: the pixels it covers, from its top-left corner, and how far below the
/// text's top that corner sits.
struct Glyph {
    pixels: Vec<(i32, i32, f32)>,
    y_shift: i32,
}

type Key = (u32, char);

thread_local! {
    static GLYPHS: RefCell<HashMap<Key, Option<Glyph>>> = RefCell::new(HashMap::new());
}

/// The bundled font as plotters reads it, or `None` if it cannot be read (then plotters itself
/// reports the error).
fn font() -> Option<&'static FontRef<'static>> {
    static FONT_REF: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT_REF
        .get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
}

/// The glyph of `character` at `size`, rasterised as plotters rasterises it (`None` for one
/// without an outline, such as a space).
fn rasterise(font: &PxScaleFont<&FontRef<'static>>, size: f32, character: char) -> Option<Glyph> {
    let outlined = font.outline_glyph(font.scaled_glyph(character))?;
    let y_shift = (size / 2.0 + outlined.px_bounds().min.y) as i32;
    let mut pixels = Vec::new();
    outlined.draw(|x, y, coverage| pixels.push((x as i32, y as i32, coverage)));
    Some(Glyph { pixels, y_shift })
}

/// Calls `draw` with each pixel of `text` at `size` and its coverage, relative to the text's
/// top-left, glyph by glyph where plotters places them.
fn each_pixel<E>(
    font: &'static FontRef<'static>,
    size: f32,
    text: &str,
    mut draw: impl FnMut(i32, i32, f32) -> Result<(), E>,
) -> Result<(), E> {
    let font = font.as_scaled(size);
    GLYPHS.with_borrow_mut(|glyphs| {
        let mut x_shift = 0f32;
        let mut previous = None;
        for character in text.chars() {
            if let Some(previous) = previous {
                x_shift += font.kern(font.glyph_id(previous), font.glyph_id(character));
            }
            previous = Some(character);
            let glyph = glyphs
                .entry((size.to_bits(), character))
                .or_insert_with(|| rasterise(&font, size, character));
            if let Some(glyph) = glyph {
                // plotters moves each glyph by whole pixels: its coverage never changes.
                let x_offset = x_shift as i32;
                for &(x, y, coverage) in &glyph.pixels {
                    draw(x + x_offset, y + glyph.y_shift, coverage)?;
                }
            }
            x_shift += font.h_advance(font.glyph_id(character));
        }
        Ok(())
    })
}

impl<B: DrawingBackend> DrawingBackend for CachedGlyphs<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// plotters' own text drawing (anchor, transform, clipping, coverage as alpha), with the
    /// glyphs from the cache.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = font().filter(|_| style.family().as_str() == FONT) else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|error| DrawingErrorKind::FontError(Box::new(error)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        let inner = &mut self.inner;
        each_pixel(font, style.size() as f32, text, |x, y, coverage| {
            let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                inner.draw_pixel((x, y), color.mix(coverage as f64))
            } else {
                Ok(())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::CachedGlyphs;
    use crate::output::render::style::{ensure_font, FONT};
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::FontTransform;

    const SIZE: (u32, u32) = (320, 200);

    /// Draws every label with its style through `draw`, onto a fresh white canvas.
    fn canvas(draw: impl Fn(&mut [u8])) -> Vec<u8> {
        let mut pixels = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        draw(&mut pixels);
        pixels
    }

    fn labels<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>) {
        let anchors = [
            Pos::new(HPos::Left, VPos::Top),
            Pos::new(HPos::Center, VPos::Center),
            Pos::new(HPos::Right, VPos::Bottom),
        ];
        let transforms = [
            FontTransform::None,
            FontTransform::Rotate90,
            FontTransform::Rotate270,
        ];
        let texts = ["Trade, USD bn", "2022–03 · 95%", "  AVWA fi ", "", "Ωx"];
        for (index, text) in texts.iter().enumerate() {
            for (turn, (anchor, transform)) in anchors.iter().zip(&transforms).enumerate() {
                let size = [19.0, 22.5, 40.0][(index + turn) % 3];
                let colour = RGBAColor(20 * index as u8, 90, 200, [1.0, 0.5, 0.0][turn]);
                let style = (FONT, size)
                    .into_font()
                    .transform(transform.clone())
                    .color(&colour)
                    .pos(*anchor);
                // Near the edges too, where pixels fall off the canvas.
                let at = [(160, 100), (4, 190), (310, 3)][turn];
                area.draw_text(text, &style, (at.0 - 3 * index as i32, at.1))
                    .unwrap();
            }
        }
    }

    #[test]
    fn cached_glyphs_draw_what_plotters_draws() {
        ensure_font().unwrap();
        let plain = canvas(|pixels| {
            let root = BitMapBackend::with_buffer(pixels, SIZE).into_drawing_area();
            labels(&root);
        });
        for _ in 0..2 {
            // The second time, every glyph comes from the cache.
            let cached = canvas(|pixels| {
                let bitmap = BitMapBackend::with_buffer(pixels, SIZE);
                let root = CachedGlyphs::new(bitmap).into_drawing_area();
                labels(&root);
            });
            assert!(plain.iter().any(|&byte| byte != 255), "nothing was drawn");
            assert!(plain == cached, "the cached glyphs drew other pixels");
        }
    }
}
