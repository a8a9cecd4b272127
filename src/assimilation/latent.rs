//! A particle's noise: every draw its path takes up to the evidence's date, kept as standard
//! normals, so that a move can nudge them (a uniform is the normal's distribution function).
//!
//! Draws are laid out by month: month `m` owns the slots `(m - 1) * slots .. m * slots`, where
//! `slots` is the most draws any path takes in a month ([`crate::engine::most_draws_per_month`]).
//! A path that skips a draw (an absorbing state, a hazard already started) leaves its slot
//! unread, so a month's draws never shift into the next month's when a move changes the path.
//! Months after the kept ones draw from a fresh stream.

use crate::sampling::lane_erfc::erfc_lanes;
use crate::sampling::lane_streams::{LaneDraws, LaneMask, LaneStreams};
use crate::sampling::rng::{standard_normal, unit, Draws, StreamRng};

/// The largest uniform below 1: a normal far in the tail must not make a uniform of 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// Φ(z), by the portable erfc of the `libm` crate: the same bits on every platform, and several
/// times faster than the general special functions (a replayed month draws several uniforms).
#[inline]
pub fn standard_normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// Where a particle's kept draws stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatentLayout {
    /// Slots per month.
    pub slots: usize,
    /// Months kept, from month 1.
    pub months: usize,
}

impl LatentLayout {
    /// Numbers kept per particle.
    pub fn len(&self) -> usize {
        self.slots * self.months
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kept numbers that months 1 to `month` read.
    pub fn through(&self, month: usize) -> usize {
        self.slots * month.min(self.months)
    }
}

/// Draws that replay a particle's kept normals, then continue from a fresh stream: the one-path
/// reference that [`LaneReplay`] is tested against.
pub struct ReplayDraws<'a> {
    latent: &'a [f32],
    layout: LatentLayout,
    cursor: usize,
    end: usize,
    fresh: StreamRng,
}

impl<'a> ReplayDraws<'a> {
    pub fn new(latent: &'a [f32], layout: LatentLayout, fresh: StreamRng) -> Self {
        ReplayDraws {
            latent,
            layout,
            cursor: 0,
            end: 0,
            fresh,
        }
    }

    fn kept(&mut self) -> Option<f64> {
        (self.cursor < self.end).then(|| {
            self.cursor += 1;
            f64::from(self.latent[self.cursor - 1])
        })
    }
}

impl Draws for ReplayDraws<'_> {
    fn unit(&mut self) -> f64 {
        match self.kept() {
            Some(z) => standard_normal_cdf(z).min(BELOW_ONE),
            None => unit(&mut self.fresh),
        }
    }

    fn normal(&mut self) -> f64 {
        match self.kept() {
            Some(z) => z,
            None => standard_normal(&mut self.fresh),
        }
    }

    fn month_begins(&mut self, month: usize) {
        if month <= self.layout.months {
            self.cursor = (month - 1) * self.layout.slots;
            self.end = self.cursor + self.layout.slots;
        } else {
            self.cursor = 0;
            self.end = 0;
        }
    }
}

/// [`ReplayDraws`] for a lane group: each lane replays its own particle's kept normals, month by
/// month, then continues from its own fresh stream. A lane that skips a draw leaves its slot
/// unread, as one particle does, so every lane reads exactly what [`ReplayDraws`] gives it.
pub struct LaneReplay<'a, const L: usize> {
    latent: [&'a [f32]; L],
    layout: LatentLayout,
    /// The month's first kept slot and the end of its slots (equal past the kept months).
    start: usize,
    end: usize,
    /// Slots each lane has read this month.
    read: [usize; L],
    fresh: LaneStreams<L>,
}

impl<'a, const L: usize> LaneReplay<'a, L> {
    pub fn new(latent: [&'a [f32]; L], layout: LatentLayout, fresh: LaneStreams<L>) -> Self {
        LaneReplay {
            latent,
            layout,
            start: 0,
            end: 0,
            read: [0; L],
            fresh,
        }
    }

    /// The lane's next kept normal, if this month has one left.
    #[inline(always)]
    fn kept(&mut self, lane: usize) -> Option<f64> {
        let slot = self.start + self.read[lane];
        (slot < self.end).then(|| {
            self.read[lane] += 1;
            f64::from(self.latent[lane][slot])
        })
    }

    /// A uniform on each lane in `mask`, into `units`: a kept normal's Φ where the lane has one
    /// left this month (worked out for all such lanes at once), else its fresh stream's.
    #[inline(always)]
    fn units_of(&mut self, mask: LaneMask<L>, units: &mut [f64; L]) {
        if self.start == self.end {
            let fresh = self.fresh.units_where(mask);
            for lane in (0..L).filter(|&lane| mask[lane]) {
                units[lane] = fresh[lane];
            }
            return;
        }
        let mut normals = [0.0; L];
        let mut replayed = [false; L];
        for lane in (0..L).filter(|&lane| mask[lane]) {
            match self.kept(lane) {
                Some(z) => (normals[lane], replayed[lane]) = (z, true),
                None => units[lane] = self.fresh.unit_of(lane),
            }
        }
        if replayed.contains(&true) {
            let cdf = standard_normal_cdf_lanes(&normals);
            for lane in (0..L).filter(|&lane| replayed[lane]) {
                units[lane] = cdf[lane];
            }
        }
    }
}

/// [`standard_normal_cdf`] of every lane, below 1 as a replayed uniform is kept: the same bits,
/// as [`erfc_lanes`] is `libm::erfc` to the bit.
#[inline(always)]
fn standard_normal_cdf_lanes<const L: usize>(normals: &[f64; L]) -> [f64; L] {
    let x = std::array::from_fn(|lane| -normals[lane] * std::f64::consts::FRAC_1_SQRT_2);
    let mut cdf = [0.0; L];
    erfc_lanes(&x, &mut cdf);
    cdf.map(|erfc| (0.5 * erfc).min(BELOW_ONE))
}

impl<const L: usize> LaneDraws<L> for LaneReplay<'_, L> {
    #[inline(always)]
    fn units_into(&mut self, units: &mut [f64; L]) {
        self.units_of([true; L], units);
    }

    #[inline(always)]
    fn units_where(&mut self, mask: LaneMask<L>) -> [f64; L] {
        let mut units = [1.0; L];
        self.units_of(mask, &mut units);
        units
    }

    #[inline(always)]
    fn normals_into(&mut self, normals: &mut [f64; L]) {
        if self.start == self.end {
            // Past the kept months every lane draws afresh: all lanes at once.
            return self.fresh.normals_into(normals);
        }
        for (lane, normal) in normals.iter_mut().enumerate() {
            *normal = match self.kept(lane) {
                Some(z) => z,
                None => self.fresh.normal_of(lane),
            };
        }
    }

    fn month_begins(&mut self, month: usize) {
        (self.start, self.end) = if month <= self.layout.months {
            let start = (month - 1) * self.layout.slots;
            (start, start + self.layout.slots)
        } else {
            (0, 0)
        };
        self.read = [0; L];
        // Each lane's kept normals lie in its own particle's array: ask for this month's and
        // the next's now, while the month's other work runs.
        if self.start < self.end {
            for latent in &self.latent {
                let end = latent.len().min(self.end + self.layout.slots);
                crate::simd::prefetch(latent, self.start.min(end)..end);
            }
        }
    }
}
