//! The drawing backends charts draw on: any plotters backend whose error can outlive the draw,
//! so a chart's drawing errors pass up with `?` like any other error.

use plotters::prelude::DrawingBackend;

/// A plotters backend with a `'static` error type (the bitmap and SVG backends both have one).
pub trait Backend: DrawingBackend<ErrorType: 'static> {}

impl<B: DrawingBackend<ErrorType: 'static>> Backend for B {}
