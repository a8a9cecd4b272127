//! One path's history: the posture and every series' value at each month, and [`PathView`],
//! what reads a path's months wherever they are kept.

use crate::model::SeriesId;

/// Buffers sized once for a horizon; a path overwrites them in place.
#[derive(Debug, Clone, Default)]
pub struct Trajectory {
    series: usize,
    /// Posture index held at each month 0..=horizon.
    pub postures: Vec<u16>,
    /// Row-major: `values[month * series + index]`.
    pub values: Vec<f64>,
}

impl Trajectory {
    pub fn new(horizon: usize, series: usize) -> Self {
        Trajectory {
            series,
            postures: vec![0; horizon + 1],
            values: vec![0.0; (horizon + 1) * series],
        }
    }

    pub fn record(&mut self, month: usize, posture: usize, values: &[f64]) {
        self.postures[month] = posture as u16;
        self.values[month * self.series..(month + 1) * self.series].copy_from_slice(values);
    }

    pub fn horizon(&self) -> usize {
        self.postures.len() - 1
    }

    /// Every series' value at `month`.
    pub fn month(&self, month: usize) -> &[f64] {
        &self.values[month * self.series..(month + 1) * self.series]
    }

    pub fn value(&self, month: usize, series: SeriesId) -> f64 {
        self.values[month * self.series + series.index()]
    }
}

/// A path's months as evidence and conditions read them: a [`Trajectory`] of its own, or one
/// lane of a lane engine's history read where it lies ([`super::LanePath`]), with no copy.
pub trait PathView {
    /// Series `series`'s value at `month`.
    fn value(&self, month: usize, series: SeriesId) -> f64;
    /// The posture held at `month`.
    fn posture(&self, month: usize) -> u16;
}

impl PathView for Trajectory {
    #[inline]
    fn value(&self, month: usize, series: SeriesId) -> f64 {
        Trajectory::value(self, month, series)
    }

    #[inline]
    fn posture(&self, month: usize) -> u16 {
        self.postures[month]
    }
}
