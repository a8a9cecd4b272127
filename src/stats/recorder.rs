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
//! regimes are sums over lanes, and each end posture's sums take one add per series and month.

use super::tally::{
    fixed_points_of_lanes, record_series, AddValue, ValueCell, HISTOGRAM_SLOTS, WEIGHT_ONE,
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
    /// The lanes of the group being recorded, by the posture they end in.
    by_end_posture: LanesByPosture,
    /// The lanes of the group by the posture they hold in the month being recorded.
    by_held_posture: LanesByPosture,
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
            by_end_posture: LanesByPosture::new(tally.dims.postures),
            by_held_posture: LanesByPosture::new(tally.dims.postures),
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
        let end_postures = self.tally.record_lane_counts(history, paths);
        self.by_end_posture.group(&end_postures[..paths]);
        for month in 0..self.tally.dims.months {
            let held = history.postures(month);
            let held: [usize; LANES] = std::array::from_fn(|lane| usize::from(held[lane]));
            self.by_held_posture.group(&held[..paths]);
            self.record_month(history.month(month), month);
        }
        self.pending_paths += paths as u32;
    }

    /// Adds one month of every lane's binned series to the pending counts and sums.
    #[inline(always)]
    fn record_month(&mut self, values: &[Lanes], month: usize) {
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
        let cells_per_posture = self.tally.dims.months * binned.len();
        let first_cell = month * binned.len();
        let (slots, fixed) = (&self.month_slots[..], &self.month_fixed[..]);
        let by_end = (&self.by_end_posture, first_cell, cells_per_posture);
        count_month(&mut self.pending, slots, by_end);
        sum_month(&mut self.pending_cells, fixed, by_end);
        // Only the indicators, the last of the binned series, are kept by the posture held.
        let (from, held) = (self.tally.dims.held_from, self.tally.dims.held().len());
        let by_held = (
            &self.by_held_posture,
            month * held,
            self.tally.dims.months * held,
        );
        count_month(&mut self.pending_held, &slots[from..], by_held);
        sum_month(&mut self.pending_held_cells, &fixed[from..], by_held);
    }
}

/// Where one month's lanes go: grouped by posture, the month's first cell, cells per posture.
type MonthCells<'g> = (&'g LanesByPosture, usize, usize);

/// Each lane's histogram counts, series by series: consecutive adds touch different histograms,
/// so none waits on the one before (lane after lane in one histogram would, where they share a
/// slot).
#[inline(always)]
fn count_month(
    pending: &mut [u16],
    month_slots: &[[u8; LANES]],
    (groups, month_cell, cells_per_posture): MonthCells,
) {
    let series = month_slots.len();
    for (posture, lanes) in groups.groups() {
        let first = (posture * cells_per_posture + month_cell) * HISTOGRAM_SLOTS;
        let histograms = &mut pending[first..first + series * HISTOGRAM_SLOTS];
        for &lane in lanes {
            let slots = histograms.chunks_exact_mut(HISTOGRAM_SLOTS);
            for (histogram, series_slots) in slots.zip(month_slots.iter()) {
                histogram[series_slots[lane as usize] as usize] += 1;
            }
        }
    }
}

/// Each series' sum, least and greatest value over the lanes of each posture group, added to
/// that posture's cell once.
#[inline(always)]
fn sum_month(
    pending_cells: &mut [UnitCell],
    month_fixed: &[[i64; LANES]],
    (groups, month_cell, cells_per_posture): MonthCells,
) {
    for (posture, lanes) in groups.groups() {
        let first = posture * cells_per_posture + month_cell;
        let cells = &mut pending_cells[first..first + month_fixed.len()];
        for (cell, fixed) in cells.iter_mut().zip(month_fixed.iter()) {
            let (mut sum, mut least, mut most) = (0, cell.min, cell.max);
            for &lane in lanes {
                let value = fixed[usize::from(lane) % LANES];
                sum += value;
                // A branch, not a select: after the first groups a value seldom passes the
                // cell's extremes, and a select would chain every lane's compare to the one
                // before.
                if value < least || value > most {
                    least = least.min(value);
                    most = most.max(value);
                }
            }
            cell.sum += sum;
            cell.min = least;
            cell.max = most;
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
                // The least and greatest stay: merging them again changes nothing, and
                // `sum_month` looks for values past them.
                pending.sum = 0;
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

/// A group's lanes sorted by the posture they end in (a counting sort), so each posture's
/// lanes are one run.
#[derive(Debug, Clone)]
struct LanesByPosture {
    /// Lane numbers, posture by posture, each posture's in lane order.
    lanes: [u8; LANES],
    /// Where each posture's run starts in `lanes`; one more entry ends the last run.
    starts: Vec<usize>,
    /// Where each posture's next lane goes, while grouping.
    next: Vec<usize>,
}

impl LanesByPosture {
    fn new(postures: usize) -> Self {
        LanesByPosture {
            lanes: [0; LANES],
            starts: vec![0; postures + 1],
            next: vec![0; postures + 1],
        }
    }

    fn group(&mut self, end_postures: &[usize]) {
        self.starts.fill(0);
        for &posture in end_postures {
            self.starts[posture + 1] += 1;
        }
        for posture in 1..self.starts.len() {
            self.starts[posture] += self.starts[posture - 1];
        }
        self.next.copy_from_slice(&self.starts);
        for (lane, &posture) in end_postures.iter().enumerate() {
            self.lanes[self.next[posture]] = lane as u8;
            self.next[posture] += 1;
        }
    }

    /// Each posture that some lane ends in, with its lanes.
    fn groups(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.starts
            .windows(2)
            .enumerate()
            .filter(|(_, run)| run[0] < run[1])
            .map(|(posture, run)| (posture, &self.lanes[run[0]..run[1]]))
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
