//! A worker's running tally, with a compact histogram for the common case of unit weights.
//!
//! A [`super::Tally`]'s histograms hold fixed-point weights in `u64`s: megabytes for a typical
//! model, which a path's hundreds of scattered increments would chase through the cache. Paths of
//! weight one (every path of a plain run) are counted instead in `u16`s, a quarter of the size,
//! which are added to the tally, scaled by the unit weight, before any could overflow. The
//! result is the same tally to the bit: the sums are exact integers either way.
//!
//! The runner hands over a lane group's whole history at once ([`Recorder::record_lanes`]):
//! every lane's slots and fixed-point values are worked out together, the counts of postures and
//! regimes are sums over lanes, each lane's histogram counts go straight to its posture's
//! histograms, and each posture's sums and extremes are masked vector operations over all lanes.

use super::tally::{
    fixed_point, fixed_points_of_lanes, record_series, AddValue, BinnedSeries, ValueCell,
    HISTOGRAM_SLOTS, VALUE_SCALE, WEIGHT_ONE,
};
use super::{Dims, Tally};
use crate::engine::{LaneHistory, Lanes, Trajectory, LANES};
use crate::simd::{AlignedVec, Isa};

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
    /// As `pending` and `pending_cells`, by the posture held each month.
    pending_held: Vec<u16>,
    pending_held_cells: Vec<UnitCell>,
    /// Unit-weight paths counted in `pending`; it is flushed before this could pass `u16::MAX`.
    pending_paths: u32,
    /// One month's histogram slot of every binned series on every lane, for `record_lanes`.
    month_slots: AlignedVec<[u8; LANES]>,
    /// One month's fixed-point value of every binned series on every lane.
    month_fixed: AlignedVec<[i64; LANES]>,
    /// The vector instructions lane groups are recorded with.
    isa: Isa,
    /// A path's buffer, for recording lane groups one path at a time.
    trajectory: Trajectory,
    /// Whether unit-weight paths can be pended: every series' values are small enough for
    /// `u16::MAX` of them to sum in an `i64` (bounds within +-2^31).
    compact: bool,
}

impl Recorder {
    pub fn new(dims: Dims) -> Self {
        Recorder::with_isa(dims, Isa::detect())
    }

    /// A recorder that tallies lane groups with the given vector instructions (the same tally).
    pub fn with_isa(dims: Dims, isa: Isa) -> Self {
        let compact = dims.binned.iter().all(|binned| {
            let binning = binned.binning;
            binning.min.abs().max(binning.max.abs()) < COMPACT_BOUND
        });
        let tally = Tally::new(dims);
        Recorder {
            compact,
            pending: vec![0; tally.histogram.len()],
            pending_cells: vec![UnitCell::EMPTY; tally.cells.len()],
            pending_held: vec![0; tally.held_histogram.len()],
            pending_held_cells: vec![UnitCell::EMPTY; tally.held_cells.len()],
            pending_paths: 0,
            month_slots: AlignedVec::from_elem([0; LANES], tally.dims.binned.len()),
            month_fixed: AlignedVec::from_elem([0; LANES], tally.dims.binned.len()),
            isa,
            trajectory: Trajectory::new(tally.dims.months - 1, tally.dims.series),
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
            let dims = &self.tally.dims;
            let end = |_: usize| end_posture;
            let (sums, counts) = (&mut self.pending_cells[..], &mut self.pending[..]);
            record_series(dims, &dims.binned, sums, counts, 1, trajectory, weight, end);
            let held = |month: usize| usize::from(trajectory.postures[month]);
            let (sums, counts) = (&mut self.pending_held_cells[..], &mut self.pending_held[..]);
            record_series(dims, dims.held(), sums, counts, 1, trajectory, weight, held);
            self.pending_paths += 1;
        }
    }

    /// Adds the first `paths` lanes of a lane engine's history, each at weight one. The same
    /// tally as recording each lane's trajectory with [`Recorder::record`]: the counts are exact
    /// sums, whose order does not matter.
    pub fn record_lanes(&mut self, history: &LaneHistory, paths: usize) {
        crate::simd::dispatch(
            self.isa,
            #[inline(always)]
            || self.record_lanes_with(history, paths),
        );
    }

    #[inline(always)]
    fn record_lanes_with(&mut self, history: &LaneHistory, paths: usize) {
        if !self.compact {
            return self.record_lanes_one_by_one(history, paths);
        }
        if self.pending_paths + paths as u32 > u32::from(u16::MAX) {
            self.flush();
        }
        self.tally.record_lane_counts(history, paths);
        let ends = history.postures(self.tally.dims.months - 1);
        for month in 0..self.tally.dims.months {
            let held = history.postures(month);
            self.record_month(history.month(month), month, (ends, held), paths);
        }
        self.pending_paths += paths as u32;
    }

    /// Adds the first `paths` lanes of a lane engine's history, lane `l` at fixed-point weight
    /// `weights[l]`: the same tally as recording each lane's trajectory with
    /// [`Recorder::record`] at its weight. Lanes of weight one go to the pending counts.
    pub fn record_weighted_lanes(
        &mut self,
        history: &LaneHistory,
        weights: &[u64; LANES],
        paths: usize,
    ) {
        if weights[..paths].iter().all(|&weight| weight == WEIGHT_ONE) {
            return self.record_lanes(history, paths);
        }
        crate::simd::dispatch(
            self.isa,
            #[inline(always)]
            || self.record_weighted_lanes_with(history, &weights[..paths]),
        );
    }

    #[inline(always)]
    fn record_weighted_lanes_with(&mut self, history: &LaneHistory, weights: &[u64]) {
        for (lane, &weight) in weights.iter().enumerate() {
            self.tally.record_lane_counts_at(history, lane, weight);
        }
        let months = self.tally.dims.months;
        let ends = history.postures(months - 1);
        for month in 0..months {
            self.slots_and_fixed_points(history.month(month));
            let series = (&self.month_slots[..], &self.month_fixed[..]);
            let postures = (ends, history.postures(month));
            self.tally
                .add_weighted_month(month, series, postures, weights);
        }
    }

    /// Every binned series' histogram slot and fixed-point value on every lane, for one month
    /// of a lane group's `values`, into `month_slots` and `month_fixed`.
    #[inline(always)]
    fn slots_and_fixed_points(&mut self, values: &[Lanes]) {
        let binned = &self.tally.dims.binned;
        for ((series, slots), fixed) in binned
            .iter()
            .zip(&mut self.month_slots)
            .zip(&mut self.month_fixed)
        {
            let lanes = &values[series.series];
            series
                .binning
                .slots_of_lanes(lanes, series.bins_per_unit, slots);
            fixed_points_of_lanes(lanes, fixed);
        }
    }

    /// Adds one month of the first `paths` lanes' binned series to the pending counts and
    /// sums, by the posture each lane ends in and (indicators only) the one it holds.
    #[inline(always)]
    fn record_month(
        &mut self,
        values: &[Lanes],
        month: usize,
        (ends, held): (&[u16; LANES], &[u16; LANES]),
        paths: usize,
    ) {
        self.slots_and_fixed_points(values);
        let dims = &self.tally.dims;
        let binned = &dims.binned;
        let (slots, fixed) = (&self.month_slots[..], &self.month_fixed[..]);
        let by_end = MonthCells {
            postures: ends,
            paths,
            posture_count: dims.postures,
            first_cell: month * binned.len(),
            cells_per_posture: dims.months * binned.len(),
        };
        count_month(&mut self.pending, slots, &by_end);
        let series = MonthSeries {
            fixed,
            values,
            binned,
        };
        sum_month(&mut self.pending_cells, &series, &by_end);
        // Only the indicators, the last of the binned series, are kept by the posture held.
        let (from, held_series) = (dims.held_from, dims.held().len());
        let by_held = MonthCells {
            postures: held,
            first_cell: month * held_series,
            cells_per_posture: dims.months * held_series,
            ..by_end
        };
        count_month(&mut self.pending_held, &slots[from..], &by_held);
        let held_series = MonthSeries {
            fixed: &fixed[from..],
            binned: dims.held(),
            ..series
        };
        sum_month(&mut self.pending_held_cells, &held_series, &by_held);
    }
}

/// Where one month's lanes go: each lane's posture (which picks its cells), how many lanes
/// are paths, and the layout of the cells, posture after posture.
struct MonthCells<'p> {
    postures: &'p [u16; LANES],
    paths: usize,
    posture_count: usize,
    /// The month's first cell within a posture's cells.
    first_cell: usize,
    cells_per_posture: usize,
}

/// Each lane's histogram counts, series by series: consecutive adds touch different histograms,
/// so none waits on the one before (lane after lane in one histogram would, where they share a
/// slot).
#[inline(always)]
fn count_month(pending: &mut [u16], month_slots: &[[u8; LANES]], cells: &MonthCells) {
    let series = month_slots.len();
    for lane in 0..cells.paths {
        let posture = usize::from(cells.postures[lane]);
        let first = (posture * cells.cells_per_posture + cells.first_cell) * HISTOGRAM_SLOTS;
        let histograms = &mut pending[first..first + series * HISTOGRAM_SLOTS];
        let histograms = histograms.chunks_exact_mut(HISTOGRAM_SLOTS);
        for (histogram, series_slots) in histograms.zip(month_slots) {
            histogram[usize::from(series_slots[lane])] += 1;
        }
    }
}

/// One month of some binned series on every lane: their fixed-point values, and the values
/// themselves (`values[binned[i].series]` for the `i`th), whose least and greatest are kept.
#[derive(Clone, Copy)]
struct MonthSeries<'m> {
    fixed: &'m [[i64; LANES]],
    values: &'m [Lanes],
    binned: &'m [BinnedSeries],
}

/// Each series' sum, least and greatest value over the lanes of each posture, added to that
/// posture's cell column by column: masked adds, mins and maxes over every lane, which vector
/// instructions do a register of lanes at a time, rather than picking out each posture's lanes.
/// The columns are folded into one only when the counts are flushed.
#[inline(always)]
fn sum_month(pending_cells: &mut [UnitCell], series: &MonthSeries, cells: &MonthCells) {
    for posture in 0..cells.posture_count {
        let mask: [bool; LANES] = std::array::from_fn(|lane| {
            lane < cells.paths && usize::from(cells.postures[lane]) == posture
        });
        if !mask.contains(&true) {
            continue;
        }
        let first = posture * cells.cells_per_posture + cells.first_cell;
        let posture_cells = &mut pending_cells[first..first + series.fixed.len()];
        let lanes = series.fixed.iter().zip(series.binned);
        for (cell, (fixed, binned)) in posture_cells.iter_mut().zip(lanes) {
            cell.add_lanes(fixed, &series.values[binned.series], &mask);
        }
    }
}

impl Recorder {
    /// [`Recorder::record_lanes`] through each lane's trajectory, for series too wide to pend.
    fn record_lanes_one_by_one(&mut self, history: &LaneHistory, paths: usize) {
        let mut trajectory = std::mem::take(&mut self.trajectory);
        for lane in 0..paths {
            history.trajectory_into(lane, &mut trajectory);
            self.record(&trajectory, WEIGHT_ONE);
        }
        self.trajectory = trajectory;
    }

    fn flush(&mut self) {
        let histograms = [
            (&mut self.tally.histogram, &mut self.pending),
            (&mut self.tally.held_histogram, &mut self.pending_held),
        ];
        for (totals, pendings) in histograms {
            for (total, pending) in totals.iter_mut().zip(pendings.iter_mut()) {
                *total += u64::from(*pending) * WEIGHT_ONE;
                *pending = 0;
            }
        }
        let cells = [
            (&mut self.tally.cells, &mut self.pending_cells),
            (&mut self.tally.held_cells, &mut self.pending_held_cells),
        ];
        for (totals, pendings) in cells {
            for (cell, pending) in totals.iter_mut().zip(pendings.iter_mut()) {
                cell.merge(&pending.scaled());
                // The least and greatest stay: merging them again changes nothing.
                pending.sum = [0; COLUMNS];
            }
        }
        self.pending_paths = 0;
    }

    /// The tally of every path recorded.
    pub fn finish(mut self) -> Tally {
        self.flush();
        self.tally
    }
}

/// Lanes summed side by side: one vector register of `i64`s at AVX-512.
const COLUMNS: usize = 8;

/// A [`ValueCell`] of unit-weight paths, kept in [`COLUMNS`] columns (lane `l` adds to column
/// `l % COLUMNS`) so that adding a lane group's values takes no sum across a register: the
/// sum of values needs no multiply, and each column fits an `i64` for the `u16::MAX` paths
/// counted between flushes. The least and greatest are kept as the values themselves, which
/// every instruction set compares a register at a time: rounding to fixed point never
/// reorders two values, so the fixed point of the least value is the least fixed point.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct UnitCell {
    sum: [i64; COLUMNS],
    min: [f64; COLUMNS],
    max: [f64; COLUMNS],
}

impl UnitCell {
    const EMPTY: UnitCell = UnitCell {
        sum: [0; COLUMNS],
        min: [f64::INFINITY; COLUMNS],
        max: [f64::NEG_INFINITY; COLUMNS],
    };

    /// The same paths at the unit weight, the columns folded into one. With no path, the
    /// infinities convert to an empty cell's `i64::MAX` and `i64::MIN`.
    fn scaled(&self) -> ValueCell {
        let least = self.min.into_iter().fold(f64::INFINITY, f64::min);
        let most = self.max.into_iter().fold(f64::NEG_INFINITY, f64::max);
        ValueCell {
            sum: self.sum.iter().map(|&sum| i128::from(sum)).sum::<i128>() * i128::from(WEIGHT_ONE),
            min: fixed_point(least),
            max: fixed_point(most),
        }
    }

    /// Adds the lanes in `mask`: their fixed-point `fixed` to the sum, their `values` to the
    /// least and greatest.
    #[inline(always)]
    fn add_lanes(&mut self, fixed: &[i64; LANES], values: &Lanes, mask: &[bool; LANES]) {
        const { assert!(LANES.is_multiple_of(COLUMNS)) };
        // A copy in registers, written back once: through `self` every register of lanes
        // stored the cell again (measured: a fifth of a lane group's sums).
        let mut cell = *self;
        for first in (0..LANES).step_by(COLUMNS) {
            let lanes = first..first + COLUMNS;
            let fixed = fixed[lanes.clone()].try_into();
            let values = values[lanes.clone()].try_into();
            let mask = mask[lanes].try_into();
            if let (Ok(fixed), Ok(values), Ok(mask)) = (fixed, values, mask) {
                cell.add_columns(fixed, values, mask);
            }
        }
        *self = cell;
    }

    /// Adds one register of lanes, each to its column.
    #[inline(always)]
    fn add_columns(
        &mut self,
        fixed: &[i64; COLUMNS],
        values: &[f64; COLUMNS],
        mask: &[bool; COLUMNS],
    ) {
        let on: [i64; COLUMNS] = std::array::from_fn(|column| -i64::from(mask[column]));
        self.sum = std::array::from_fn(|column| self.sum[column] + (fixed[column] & on[column]));
        // Bitwise selects, which vectorise on every instruction set: each value where its lane
        // is on, an infinity that changes nothing where it is off.
        let pick = |value: f64, on: i64, off: f64| {
            f64::from_bits((value.to_bits() & on as u64) | (off.to_bits() & !on as u64))
        };
        let low: [f64; COLUMNS] =
            std::array::from_fn(|column| pick(values[column], on[column], f64::INFINITY));
        let high: [f64; COLUMNS] =
            std::array::from_fn(|column| pick(values[column], on[column], f64::NEG_INFINITY));
        self.min = std::array::from_fn(|column| {
            let least = self.min[column];
            if low[column] < least {
                low[column]
            } else {
                least
            }
        });
        self.max = std::array::from_fn(|column| {
            let most = self.max[column];
            if high[column] > most {
                high[column]
            } else {
                most
            }
        });
    }
}

impl AddValue for UnitCell {
    /// `fixed` back as a value: exact, as a pended series' fixed points lie within 2^47.
    #[inline(always)]
    fn add_value(&mut self, fixed: i64, _weight: u64) {
        self.sum[0] += fixed;
        let value = fixed as f64 / VALUE_SCALE;
        self.min[0] = self.min[0].min(value);
        self.max[0] = self.max[0].max(value);
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
            // The second series is an indicator: kept by the posture held as well.
            held_from: 1,
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
