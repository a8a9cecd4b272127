//! A worker's running tally, with a compact histogram for the common case of unit weights.
//!
//! A [`super::Tally`]'s histograms hold fixed-point weights in `u64`s: megabytes for a typical
//! model, which a path's hundreds of scattered increments would chase through the cache. Paths of
//! weight one (every path of a plain run) are counted instead in `u16`s, a quarter of the size,
//! which are added to the tally, scaled by the unit weight, before any could overflow. The
//! result is the same tally to the bit: the sums are exact integers either way.

use super::tally::{record_series, AddValue, ValueCell, WEIGHT_ONE};
use super::{Dims, Tally};
use crate::engine::Trajectory;

/// The largest bound of a series whose unit-weight paths are pended: `u16::MAX` values of at
/// most 2^31 in fixed point (x 2^16) sum to less than 2^63.
const COMPACT_BOUND: f64 = 2_147_483_648.0;

/// Records paths into a [`Tally`], counting unit-weight paths' histogram slots compactly.
#[derive(Debug, Clone)]
pub struct Recorder {
    tally: Tally,
    /// Unit-weight paths per histogram slot not yet in `tally`, laid out as its histogram.
    pending: Vec<u16>,
    /// The unit-weight paths' sums, laid out as the tally's cells.
    pending_cells: Vec<UnitCell>,
    /// Unit-weight paths counted in `pending`; it is flushed before this could pass `u16::MAX`.
    pending_paths: u32,
    /// Whether unit-weight paths can be pended: every series' values are small enough for
    /// `u16::MAX` of them to sum in an `i64` (bounds within +-2^31).
    compact: bool,
}

impl Recorder {
    pub fn new(dims: Dims) -> Self {
        let compact = dims.binned.iter().all(|binned| {
            let binning = binned.binning;
            binning.min.abs().max(binning.max.abs()) < COMPACT_BOUND
        });
        let tally = Tally::new(dims);
        Recorder {
            compact,
            pending: vec![0; tally.histogram.len()],
            pending_cells: vec![UnitCell::EMPTY; tally.cells.len()],
            pending_paths: 0,
            tally,
        }
    }

    /// Adds one path with fixed-point weight `weight`, as [`Tally::record`] does.
    pub fn record(&mut self, trajectory: &Trajectory, weight: u64) {
        if weight != WEIGHT_ONE || !self.compact {
            self.tally.record(trajectory, weight);
            return;
        }
        if self.pending_paths == u32::from(u16::MAX) {
            self.flush();
        }
        if let Some(end_posture) = self.tally.record_counts(trajectory, weight) {
            record_series(
                &self.tally.dims,
                &mut self.pending_cells,
                &mut self.pending,
                1,
                trajectory,
                weight,
                end_posture,
            );
            self.pending_paths += 1;
        }
    }

    fn flush(&mut self) {
        for (total, pending) in self.tally.histogram.iter_mut().zip(&mut self.pending) {
            *total += u64::from(*pending) * WEIGHT_ONE;
            *pending = 0;
        }
        for (cell, pending) in self.tally.cells.iter_mut().zip(&mut self.pending_cells) {
            cell.merge(&pending.scaled());
            *pending = UnitCell::EMPTY;
        }
        self.pending_paths = 0;
    }

    /// The tally of every path recorded.
    pub fn finish(mut self) -> Tally {
        self.flush();
        self.tally
    }
}

/// A [`ValueCell`] of unit-weight paths: the sum of values needs no multiply, and fits an `i64`
/// for the `u16::MAX` paths counted between flushes.
#[derive(Debug, Clone, Copy)]
struct UnitCell {
    sum: i64,
    min: i64,
    max: i64,
}

impl UnitCell {
    const EMPTY: UnitCell = UnitCell {
        sum: 0,
        min: i64::MAX,
        max: i64::MIN,
    };

    /// The same paths at the unit weight.
    fn scaled(&self) -> ValueCell {
        ValueCell {
            sum: i128::from(self.sum) * i128::from(WEIGHT_ONE),
            min: self.min,
            max: self.max,
        }
    }
}

impl AddValue for UnitCell {
    #[inline(always)]
    fn add_value(&mut self, fixed: i64, _weight: u64) {
        self.sum += fixed;
        self.min = self.min.min(fixed);
        self.max = self.max.max(fixed);
    }
}

#[cfg(test)]
mod tests {
    use super::{Recorder, COMPACT_BOUND};
    use crate::engine::Trajectory;
    use crate::sampling::rng::{below, stream, unit, Stream};
    use crate::stats::tally::{BinnedSeries, Binning, Dims, Tally, WEIGHT_ONE};

    fn dims(max: f64) -> Dims {
        let binning = vec![Some(Binning { min: 0.0, max }); 2];
        Dims {
            months: 3,
            postures: 2,
            series: 2,
            regime_states: 0,
            initial_posture: 0,
            binned: BinnedSeries::all(&binning),
            binning,
            regimes: Vec::new(),
        }
    }

    /// Records `paths` random paths both ways: through a recorder, and one by one into a tally.
    /// Most paths end in posture 0 with their values at 0, so one histogram slot gathers more
    /// paths than a `u16` counts; weights are mostly one, with some zeros and fractions.
    fn both_ways(max: f64, paths: usize) -> (Tally, Tally) {
        let mut recorder = Recorder::new(dims(max));
        let mut tally = Tally::new(dims(max));
        let mut rng = stream(7, Stream::Bootstrap, 0);
        let mut trajectory = Trajectory::new(2, 2);
        for _ in 0..paths {
            for posture in &mut trajectory.postures {
                *posture = u16::from(below(&mut rng, 8) == 0);
            }
            for value in &mut trajectory.values {
                *value = match below(&mut rng, 8) {
                    0 => max,
                    1 => unit(&mut rng) * max,
                    _ => 0.0,
                };
            }
            let weight = match below(&mut rng, 20) {
                0 => 0,
                1 => Tally::fixed_weight(unit(&mut rng)),
                _ => WEIGHT_ONE,
            };
            recorder.record(&trajectory, weight);
            tally.record(&trajectory, weight);
        }
        (recorder.finish(), tally)
    }

    #[test]
    fn a_recorder_tallies_exactly_as_one_path_at_a_time_across_flushes() {
        let (recorded, tallied) = both_ways(10.0, 200_000);
        let fullest = recorded.histogram.iter().max().copied().unwrap_or(0);
        assert!(
            fullest > 65_535 * WEIGHT_ONE,
            "no slot outgrew a u16: {fullest}"
        );
        assert_eq!(recorded, tallied);
    }

    #[test]
    fn series_too_wide_for_compact_sums_are_tallied_directly() {
        let (recorded, tallied) = both_ways(COMPACT_BOUND * 4.0, 2_000);
        assert_eq!(recorded, tallied);
    }
}
