//! The mergeable aggregate of a run: weighted counts and histograms in exact integer arithmetic.
//!
//! Every accumulator is an integer (weights in fixed point, [`WEIGHT_ONE`] = 1.0), so adding two
//! tallies is exact and associative: the same bytes come out whatever the order in which paths,
//! threads or shards are combined. Memory depends on the model and horizon, never on the number
//! of paths.

use serde::{Deserialize, Serialize};

use crate::engine::{LaneHistory, Trajectory, LANES};
use crate::model::{Model, SeriesId, SeriesKind};

/// The fixed-point value of a path weight of 1. Weights lie in [0, 1], so a tally holds up to
/// 2^32 paths before its u64 counts could overflow.
pub const WEIGHT_ONE: u64 = 1 << 32;
/// Fixed-point scale of indicator values in sums (1/65536 of a unit).
pub const VALUE_SCALE: f64 = 65_536.0;
/// Interior histogram bins between a series' bounds; two more hold the values at each bound.
pub const INTERIOR_BINS: usize = 254;
pub const HISTOGRAM_SLOTS: usize = INTERIOR_BINS + 2;

/// `value` rounded towards zero, for values within `i32`'s range. Others give any `i32` they
/// like (`i32::MIN` on x86-64, a saturated value elsewhere), which [`Binning::slot_scaled`]
/// never uses: out of range means beyond a bound, where a select picks the end slot instead.
#[inline(always)]
fn truncate(value: f64) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvttsd_si32, _mm_set_sd};
        // One instruction, without the checks a saturating `as` cast adds.
        // SAFETY: SSE2 is part of every x86-64 target, and the conversion is defined for every
        // input (out of range and NaN give i32::MIN).
        unsafe { _mm_cvttsd_si32(_mm_set_sd(value)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        value as i32
    }
}

/// How a series maps to its histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Binning {
    pub min: f64,
    pub max: f64,
}

impl Binning {
    /// Slot 0 holds values at `min`, the last slot values at `max`, the rest equal widths between.
    #[inline]
    pub fn slot(&self, value: f64) -> usize {
        self.slot_scaled(value, INTERIOR_BINS as f64 / (self.max - self.min))
    }

    /// [`Binning::slot`] with the bins per unit worked out once. Written as selects, not
    /// branches: values sit at a bound often and unpredictably (a clamped process).
    #[inline(always)]
    pub(super) fn slot_scaled(&self, value: f64, bins_per_unit: f64) -> usize {
        let position = truncate((value - self.min) * bins_per_unit);
        let interior = 1 + position.clamp(0, INTERIOR_BINS as i32 - 1) as usize;
        let slot = if value >= self.max {
            HISTOGRAM_SLOTS - 1
        } else {
            interior
        };
        if value <= self.min {
            0
        } else {
            slot
        }
    }

    /// [`Binning::slot_scaled`] of every lane's value, as selects and clamps of doubles that
    /// the compiler vectorises: the same slots, as they differ only where a value lies outside
    /// the bounds, which both send to the end slots.
    #[inline(always)]
    pub(super) fn slots_of_lanes<const L: usize>(
        &self,
        values: &[f64; L],
        bins_per_unit: f64,
        slots: &mut [u8; L],
    ) {
        const { assert!(HISTOGRAM_SLOTS == 256, "a slot is one byte") };
        const LAST_INTERIOR: f64 = (INTERIOR_BINS - 1) as f64;
        for lane in 0..L {
            let value = values[lane];
            let position = (value - self.min) * bins_per_unit;
            // Written so that NaN goes to 0, as the truncating conversion sends it there.
            let position = if position > 0.0 { position } else { 0.0 };
            let position = if position < LAST_INTERIOR {
                position
            } else {
                LAST_INTERIOR
            };
            // SAFETY: `position` lies in [0, LAST_INTERIOR], well inside i32's range.
            let interior = 1 + unsafe { position.to_int_unchecked::<i32>() } as u8;
            let slot = if value >= self.max {
                (HISTOGRAM_SLOTS - 1) as u8
            } else {
                interior
            };
            slots[lane] = if value <= self.min { 0 } else { slot };
        }
    }

    pub fn bin_width(&self) -> f64 {
        (self.max - self.min) / INTERIOR_BINS as f64
    }
}

/// The shape of a tally, fixed by the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dims {
    pub months: usize,
    pub postures: usize,
    pub series: usize,
    pub regime_states: usize,
    pub initial_posture: usize,
    /// For each series, its binning (`None` for regime chains, which are counted by state).
    pub binning: Vec<Option<Binning>>,
    /// For each regime chain (by series index), its first state's index among all states.
    pub regimes: Vec<(usize, usize)>,
    /// The series that are histogrammed (all but regime chains), in series order.
    pub binned: Vec<BinnedSeries>,
    /// Where the indicators start in `binned` (drivers come first): only indicators are also
    /// kept by the posture held each month.
    pub held_from: usize,
}

/// A histogrammed series: which one, and its binning with the bins per unit worked out once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BinnedSeries {
    pub series: usize,
    pub binning: Binning,
    pub bins_per_unit: f64,
}

impl BinnedSeries {
    /// Every series that has a binning, in series order.
    pub fn all(binning: &[Option<Binning>]) -> Vec<BinnedSeries> {
        binning
            .iter()
            .enumerate()
            .filter_map(|(series, binning)| {
                let binning = (*binning)?;
                Some(BinnedSeries {
                    series,
                    binning,
                    bins_per_unit: INTERIOR_BINS as f64 / (binning.max - binning.min),
                })
            })
            .collect()
    }
}

impl Dims {
    pub fn of(model: &Model) -> Self {
        let binning: Vec<Option<Binning>> = model
            .series
            .iter()
            .map(|series| series.bounds().map(|(min, max)| Binning { min, max }))
            .collect();
        let binned = BinnedSeries::all(&binning);
        let held_from = binned
            .iter()
            .position(|b| model.series[b.series].role == crate::model::Role::Indicator)
            .unwrap_or(binned.len());
        Dims {
            held_from,
            months: model.horizon() + 1,
            postures: model.postures.len(),
            series: model.series.len(),
            regime_states: model.slots.regime_states,
            initial_posture: model.choice.initial.index(),
            binned,
            binning,
            regimes: model
                .series
                .iter()
                .enumerate()
                .filter_map(|(index, series)| match &series.kind {
                    SeriesKind::Regime(regime) => Some((index, regime.first_state)),
                    _ => None,
                })
                .collect(),
        }
    }

    /// Subsets of paths that series are summarised over: 0 = all, 1 + k = posture k at the end.
    pub fn subsets(&self) -> usize {
        1 + self.postures
    }

    /// The indicators, kept also by the posture held each month.
    pub fn held(&self) -> &[BinnedSeries] {
        &self.binned[self.held_from..]
    }
}

/// Postures whose first month held is counted; any beyond count as never held.
const FIRST_HELD_TRACKED: usize = 64;

/// How many of `values` equal `wanted`.
#[inline(always)]
fn lanes_equal(values: &[u16], wanted: u16) -> u64 {
    values.iter().map(|&value| u64::from(value == wanted)).sum()
}

/// Why a tally read back (a shard's) cannot be used, or two cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TallyError {
    #[error("its tally has another shape than the model's (series, months or postures)")]
    Shape,
    #[error("its tally is missing counts or has extra ones")]
    Lengths,
    #[error(
        "its counts do not add up: the {what} sum to {total}, not the total weight {expected}"
    )]
    Counts {
        what: String,
        total: u128,
        expected: u128,
    },
    #[error("its sum of squared weights is impossible for its paths and weight")]
    WeightSquared,
    #[error("its counts overflow when added (a sum passes 2^64)")]
    Overflow,
}

/// Weighted counts of a set of paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub dims: Dims,
    pub paths: u64,
    pub weight: u64,
    pub weight_squared: u128,
    /// `[month][posture]`: weight of paths holding the posture.
    pub posture: Vec<u64>,
    /// `[month][regime state]`.
    pub regime: Vec<u64>,
    /// `[posture][month]`, months 0..=horizon then "never": weight of paths that first hold the
    /// posture that month.
    pub first_held: Vec<u64>,
    /// `[month]`, months 0..=horizon then "never": weight of paths that first leave the initial
    /// posture that month.
    pub first_departure: Vec<u64>,
    /// `[subset]`: weight of each subset (0 = all paths).
    pub subset_weight: Vec<u64>,
    /// `[end posture][month][binned series][slot]`. Paths are counted once, by the posture they
    /// end in; the histogram of all paths is the sum over end postures, made when it is read.
    /// A path's month is one contiguous run of cells, which keeps recording it cache-friendly.
    pub histogram: Vec<u64>,
    /// `[end posture][month][binned series]`: sum of weight x value, and the smallest and
    /// largest value seen, in fixed point. Quantiles are kept inside the range, so a series that
    /// has not yet moved reads as one number, not a bin's width.
    pub cells: Vec<ValueCell>,
    /// `[posture held][month][binned series][slot]`: as `histogram`, but each month's values
    /// are counted under the posture held that month, not the one the path ends in.
    pub held_histogram: Vec<u64>,
    /// `[posture held][month][binned series]`: as `cells`, by the posture held that month.
    pub held_cells: Vec<ValueCell>,
}

/// The exact running sums of one series at one month among the paths ending in one posture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCell {
    pub sum: i128,
    pub min: i64,
    pub max: i64,
}

impl ValueCell {
    pub(super) const EMPTY: ValueCell = ValueCell {
        sum: 0,
        min: i64::MAX,
        max: i64::MIN,
    };

    /// `weight` is at most [`WEIGHT_ONE`], so as a signed number the product is one multiply.
    #[inline]
    fn add(&mut self, fixed: i64, weight: u64) {
        self.sum += i128::from(weight as i64) * i128::from(fixed);
        self.min = self.min.min(fixed);
        self.max = self.max.max(fixed);
    }

    pub(super) fn merge(&mut self, other: &ValueCell) {
        self.sum += other.sum;
        self.merge_range(other);
    }

    fn merge_range(&mut self, other: &ValueCell) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// `value` in fixed point, rounded half to even with plain double arithmetic (no library call:
/// this runs for every series of every month of every path). Values too large for the trick
/// (beyond 2^35) are whole in fixed point already, and convert (saturating) as they are.
#[inline]
pub fn fixed_point(value: f64) -> i64 {
    const ROUNDER: f64 = 6_755_399_441_055_744.0; // 1.5 x 2^52
    let scaled = value * VALUE_SCALE;
    if scaled.abs() < FIXED_TRICK_LIMIT {
        // `scaled + ROUNDER` lies in [2^52, 2^53), where the units are the low mantissa bits.
        (scaled + ROUNDER).to_bits() as i64 - ROUNDER.to_bits() as i64
    } else {
        scaled as i64
    }
}

/// [`fixed_point`] of every lane's value: the rounding trick on all lanes at once (vector
/// work), then the plain conversion on any lane too large for it.
#[inline(always)]
pub(super) fn fixed_points_of_lanes<const L: usize>(values: &[f64; L], fixed: &mut [i64; L]) {
    const ROUNDER: f64 = 6_755_399_441_055_744.0; // 1.5 x 2^52
    let mut all_small = true;
    for lane in 0..L {
        let scaled = values[lane] * VALUE_SCALE;
        fixed[lane] = (scaled + ROUNDER).to_bits() as i64 - ROUNDER.to_bits() as i64;
        all_small &= scaled.abs() < FIXED_TRICK_LIMIT;
    }
    if !all_small {
        for lane in 0..L {
            fixed[lane] = fixed_point(values[lane]);
        }
    }
}

/// Scaled values below this (2^51) in magnitude round exactly by adding 1.5 x 2^52.
const FIXED_TRICK_LIMIT: f64 = 2_251_799_813_685_248.0;

impl Tally {
    pub fn new(dims: Dims) -> Self {
        let months = dims.months;
        let cells = months * dims.binned.len() * dims.postures;
        let held_cells = months * dims.held().len() * dims.postures;
        Tally {
            paths: 0,
            weight: 0,
            weight_squared: 0,
            posture: vec![0; months * dims.postures],
            regime: vec![0; months * dims.regime_states],
            first_held: vec![0; dims.postures * (months + 1)],
            first_departure: vec![0; months + 1],
            subset_weight: vec![0; dims.subsets()],
            histogram: vec![0; cells * HISTOGRAM_SLOTS],
            cells: vec![ValueCell::EMPTY; cells],
            held_histogram: vec![0; held_cells * HISTOGRAM_SLOTS],
            held_cells: vec![ValueCell::EMPTY; held_cells],
            dims,
        }
    }

    /// Converts a path weight in [0, 1] to fixed point.
    pub fn fixed_weight(weight: f64) -> u64 {
        (weight.clamp(0.0, 1.0) * WEIGHT_ONE as f64).round() as u64
    }

    /// Converts a path weight in [0, 1] to fixed point, rounding up when `coin` (a uniform
    /// `u64`) falls below the fraction cut off: unbiased, so weights far below the fixed-point
    /// step still count as much on average as they should, where rounding to the nearest would
    /// drop every one of them.
    pub fn fixed_weight_unbiased(weight: f64, coin: u64) -> u64 {
        let scaled = weight.clamp(0.0, 1.0) * WEIGHT_ONE as f64;
        let floor = scaled.floor();
        let unit = (coin >> 11) as f64 / (1u64 << 53) as f64;
        floor as u64 + u64::from(unit < scaled - floor)
    }

    /// Adds one path with fixed-point weight `weight`.
    pub fn record(&mut self, trajectory: &Trajectory, weight: u64) {
        if let Some(end_posture) = self.record_counts(trajectory, weight) {
            let Tally {
                dims,
                histogram,
                cells,
                held_histogram,
                held_cells,
                ..
            } = self;
            let (sums, counts) = (&mut cells[..], &mut histogram[..]);
            let end = |_: usize| end_posture;
            let all = &dims.binned[..];
            record_series(dims, all, sums, counts, weight, trajectory, weight, end);
            let (sums, counts) = (&mut held_cells[..], &mut held_histogram[..]);
            let held = |month: usize| usize::from(trajectory.postures[month]);
            let held_series = dims.held();
            record_series(
                dims,
                held_series,
                sums,
                counts,
                weight,
                trajectory,
                weight,
                held,
            );
        }
    }

    /// Adds one path to everything but the series histograms, and gives the posture it ends in
    /// (`None` for a path of weight 0, which only counts as a path).
    pub(super) fn record_counts(&mut self, trajectory: &Trajectory, weight: u64) -> Option<usize> {
        let posture_at = |month: usize| usize::from(trajectory.postures[month]);
        let value = |month: usize, series: usize| trajectory.value(month, SeriesId(series as u32));
        self.record_path_counts(weight, posture_at, value)
    }

    /// [`Tally::record_counts`] of one lane of a lane group's history at fixed-point `weight`.
    pub(super) fn record_lane_counts_at(
        &mut self,
        history: &LaneHistory,
        lane: usize,
        weight: u64,
    ) {
        let posture_at = |month: usize| usize::from(history.postures(month)[lane]);
        let value = |month: usize, series: usize| history.month(month)[series][lane];
        self.record_path_counts(weight, posture_at, value);
    }

    /// [`Tally::record_counts`] of a path read through `posture_at(month)` and
    /// `value(month, series)`, wherever it is kept.
    fn record_path_counts(
        &mut self,
        weight: u64,
        posture_at: impl Fn(usize) -> usize,
        value: impl Fn(usize, usize) -> f64,
    ) -> Option<usize> {
        self.paths += 1;
        if weight == 0 {
            return None;
        }
        self.weight += weight;
        self.weight_squared += weight as u128 * weight as u128;
        let end_posture = posture_at(self.dims.months - 1);
        self.subset_weight[0] += weight;
        self.subset_weight[1 + end_posture] += weight;
        self.record_postures(&posture_at, weight);
        self.record_regimes(value, weight);
        Some(end_posture)
    }

    /// Adds one month of lanes' binned series at their fixed-point `weights` (a lane of weight
    /// 0 adds nothing): lane `l`'s histogram slot and fixed-point value of the `i`th binned
    /// series are `slots[i][l]` and `fixed[i][l]`, counted under the posture it ends in and,
    /// for indicators, the one it holds that month, as [`Tally::record`] counts them.
    pub(super) fn add_weighted_month(
        &mut self,
        month: usize,
        (slots, fixed): (&[[u8; LANES]], &[[i64; LANES]]),
        (ends, held): (&[u16; LANES], &[u16; LANES]),
        weights: &[u64],
    ) {
        let (months, count) = (self.dims.months, self.dims.binned.len());
        let (from, held_count) = (self.dims.held_from, self.dims.held().len());
        for (lane, &weight) in weights.iter().enumerate().filter(|(_, &w)| w != 0) {
            let first = (usize::from(ends[lane]) * months + month) * count;
            let (histogram, cells) = (&mut self.histogram[..], &mut self.cells[..]);
            add_lane((histogram, cells), first, (slots, fixed), lane, weight);
            let first = (usize::from(held[lane]) * months + month) * held_count;
            let (histogram, cells) = (&mut self.held_histogram[..], &mut self.held_cells[..]);
            let series = (&slots[from..], &fixed[from..]);
            add_lane((histogram, cells), first, series, lane, weight);
        }
    }

    /// [`Tally::record_counts`] for the first `paths` lanes of a lane group at weight one,
    /// counted lane-wise (compares and sums over lanes, not a scattered add per path).
    #[inline(always)]
    pub(super) fn record_lane_counts(&mut self, history: &LaneHistory, paths: usize) {
        let (months, postures) = (self.dims.months, self.dims.postures);
        let weight = paths as u64 * WEIGHT_ONE;
        self.paths += paths as u64;
        self.weight += weight;
        self.weight_squared += paths as u128 * u128::from(WEIGHT_ONE) * u128::from(WEIGHT_ONE);
        let ends = history.postures(months - 1);
        self.subset_weight[0] += weight;
        for &end in &ends[..paths] {
            self.subset_weight[1 + usize::from(end)] += WEIGHT_ONE;
        }
        for month in 0..months {
            let held = &history.postures(month)[..paths];
            for (posture, total) in self.posture[month * postures..][..postures]
                .iter_mut()
                .enumerate()
            {
                *total += lanes_equal(held, posture as u16) * WEIGHT_ONE;
            }
        }
        self.record_lane_firsts(history, paths);
        self.record_lane_regimes(history, paths);
    }

    /// Each lane's first month in each posture, and its first month away from the initial one.
    #[inline(always)]
    fn record_lane_firsts(&mut self, history: &LaneHistory, paths: usize) {
        // Months fit a u16: horizons are at most MAX_HORIZON_MONTHS (1,200).
        let never = self.dims.months as u16;
        let tracked = self.dims.postures.min(FIRST_HELD_TRACKED);
        let mut departure = [never; LANES];
        for posture in 0..self.dims.postures {
            let mut first = [never; LANES];
            for month in (0..self.dims.months).rev() {
                let held = history.postures(month);
                for lane in 0..LANES {
                    if held[lane] == posture as u16 {
                        first[lane] = month as u16;
                    }
                }
            }
            if posture < tracked {
                let counts = &mut self.first_held[posture * (usize::from(never) + 1)..];
                for &month in &first[..paths] {
                    counts[usize::from(month)] += WEIGHT_ONE;
                }
            }
            if posture != self.dims.initial_posture {
                for lane in 0..LANES {
                    departure[lane] = departure[lane].min(first[lane]);
                }
            }
        }
        if tracked < self.dims.postures {
            // Postures beyond those tracked count as never held.
            let counts = &mut self.first_held[tracked * (usize::from(never) + 1)..];
            for posture_counts in counts.chunks_exact_mut(usize::from(never) + 1) {
                posture_counts[usize::from(never)] += paths as u64 * WEIGHT_ONE;
            }
        }
        for &month in &departure[..paths] {
            self.first_departure[usize::from(month)] += WEIGHT_ONE;
        }
    }

    /// Each regime chain's states, month by month, counted over the lanes.
    #[inline(always)]
    fn record_lane_regimes(&mut self, history: &LaneHistory, paths: usize) {
        let states = self.dims.regime_states;
        for &(series, first_state) in &self.dims.regimes {
            // Its states run up to the next chain's first, or to the end.
            let end = self.chain_end(first_state);
            for month in 0..self.dims.months {
                let values = &history.month(month)[series][..paths];
                let counts = &mut self.regime[month * states + first_state..month * states + end];
                for (state, count) in counts.iter_mut().enumerate() {
                    let inside = values
                        .iter()
                        .filter(|&&value| value == state as f64)
                        .count();
                    *count += inside as u64 * WEIGHT_ONE;
                }
            }
        }
    }

    /// One path's postures, `posture_at(month)` each month, at `weight`.
    fn record_postures(&mut self, posture_at: impl Fn(usize) -> usize, weight: u64) {
        let dims = &self.dims;
        let never = dims.months;
        let mut first_held = [usize::MAX; FIRST_HELD_TRACKED];
        let mut departure = never;
        for month in 0..dims.months {
            let posture = posture_at(month);
            self.posture[month * dims.postures + posture] += weight;
            if posture < first_held.len() && first_held[posture] == usize::MAX {
                first_held[posture] = month;
            }
            if departure == never && posture != dims.initial_posture {
                departure = month;
            }
        }
        for posture in 0..dims.postures {
            let month = first_held
                .get(posture)
                .copied()
                .filter(|&m| m != usize::MAX)
                .unwrap_or(never);
            self.first_held[posture * (never + 1) + month] += weight;
        }
        self.first_departure[departure] += weight;
    }

    /// One path's regime states (`value(month, series)`), at `weight`.
    fn record_regimes(&mut self, value: impl Fn(usize, usize) -> f64, weight: u64) {
        for &(series, first_state) in &self.dims.regimes {
            for month in 0..self.dims.months {
                let state = value(month, series) as usize;
                self.regime[month * self.dims.regime_states + first_state + state] += weight;
            }
        }
    }

    /// Checks that a tally read from a file has the shape the model gives: its dimensions, and
    /// every count and cell the dimensions call for.
    pub fn check_shape(&self, expected: &Dims) -> Result<(), TallyError> {
        if &self.dims != expected {
            return Err(TallyError::Shape);
        }
        let empty = Tally::new(expected.clone());
        let lengths = |tally: &Tally| {
            [
                tally.posture.len(),
                tally.regime.len(),
                tally.first_held.len(),
                tally.first_departure.len(),
                tally.subset_weight.len(),
                tally.histogram.len(),
                tally.cells.len(),
                tally.held_histogram.len(),
                tally.held_cells.len(),
            ]
        };
        if lengths(self) != lengths(&empty) {
            return Err(TallyError::Lengths);
        }
        self.check_counts()
    }

    /// Checks what every tally a run makes satisfies: every path's weight is counted once in
    /// each month's postures, each regime chain's states, each posture's first month held, the
    /// first departures, the subsets and each histogram; and the sum of squared weights lies
    /// between what equal and what single weights give. A count edited by hand breaks one.
    fn check_counts(&self) -> Result<(), TallyError> {
        let weight = u128::from(self.weight);
        let months = self.dims.months;
        let wrong = |what: String, total: u128| TallyError::Counts {
            what,
            total,
            expected: weight,
        };
        let sum = |counts: &[u64]| counts.iter().map(|&count| u128::from(count)).sum::<u128>();
        for (month, counts) in self.posture.chunks_exact(self.dims.postures).enumerate() {
            if sum(counts) != weight {
                return Err(wrong(format!("postures at month {month}"), sum(counts)));
            }
        }
        for (posture, counts) in self.first_held.chunks_exact(months + 1).enumerate() {
            if sum(counts) != weight {
                return Err(wrong(
                    format!("first months of posture {posture}"),
                    sum(counts),
                ));
            }
        }
        if sum(&self.first_departure) != weight {
            return Err(wrong("first departures".into(), sum(&self.first_departure)));
        }
        let (all, by_end) = self.subset_weight.split_first().unwrap_or((&0, &[]));
        if u128::from(*all) != weight {
            return Err(wrong("subset of all paths".into(), u128::from(*all)));
        }
        if sum(by_end) != weight {
            return Err(wrong("subsets by end posture".into(), sum(by_end)));
        }
        self.check_regime_counts(&wrong)?;
        self.check_histogram_counts(&wrong)?;
        self.check_held_histogram_counts(&wrong)?;
        self.check_weight_squared()
    }

    fn check_regime_counts(
        &self,
        wrong: &impl Fn(String, u128) -> TallyError,
    ) -> Result<(), TallyError> {
        let states = self.dims.regime_states;
        for &(series, first_state) in &self.dims.regimes {
            let end = self.chain_end(first_state);
            for month in 0..self.dims.months {
                let counts = &self.regime[month * states + first_state..month * states + end];
                let total = counts.iter().map(|&count| u128::from(count)).sum::<u128>();
                if total != u128::from(self.weight) {
                    return Err(wrong(
                        format!("regime states of series {series} at month {month}"),
                        total,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each end posture's histograms hold that posture's weight, every month and series.
    fn check_histogram_counts(
        &self,
        wrong: &impl Fn(String, u128) -> TallyError,
    ) -> Result<(), TallyError> {
        let per_posture = self.dims.months * self.dims.binned.len() * HISTOGRAM_SLOTS;
        if per_posture == 0 {
            return Ok(());
        }
        for (posture, histograms) in self.histogram.chunks_exact(per_posture).enumerate() {
            let expected = u128::from(self.subset_weight[1 + posture]);
            for (cell, slots) in histograms.chunks_exact(HISTOGRAM_SLOTS).enumerate() {
                let total = slots.iter().map(|&count| u128::from(count)).sum::<u128>();
                if total != expected {
                    let month = cell / self.dims.binned.len();
                    let series = self.dims.binned[cell % self.dims.binned.len()].series;
                    return Err(wrong(
                        format!("histogram of series {series} at month {month}"),
                        total,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each posture's held histograms hold, every month and series, the weight of the paths
    /// holding it that month.
    fn check_held_histogram_counts(
        &self,
        wrong: &impl Fn(String, u128) -> TallyError,
    ) -> Result<(), TallyError> {
        let (months, binned) = (self.dims.months, self.dims.held().len());
        for (cell, slots) in self
            .held_histogram
            .chunks_exact(HISTOGRAM_SLOTS)
            .enumerate()
        {
            let (posture, month) = (cell / (months * binned), cell / binned % months);
            let expected = u128::from(self.posture[month * self.dims.postures + posture]);
            let total = slots.iter().map(|&count| u128::from(count)).sum::<u128>();
            if total != expected {
                let series = self.dims.held()[cell % binned].series;
                return Err(wrong(
                    format!("held-posture histogram of series {series} at month {month}"),
                    total,
                ));
            }
        }
        Ok(())
    }

    /// By Cauchy-Schwarz, W^2 / n <= sum w^2 <= W^2 for n paths of total weight W.
    fn check_weight_squared(&self) -> Result<(), TallyError> {
        let weight = u128::from(self.weight);
        let squared = self.weight_squared;
        let too_large = weight
            .checked_mul(weight)
            .is_some_and(|square| squared > square);
        let too_small = u128::from(self.paths)
            .checked_mul(squared)
            .zip(weight.checked_mul(weight))
            .is_some_and(|(spread, square)| spread < square);
        if too_large || too_small {
            return Err(TallyError::WeightSquared);
        }
        Ok(())
    }

    /// The index after a regime chain's last state: the next chain's first, or the end.
    #[inline]
    fn chain_end(&self, first_state: usize) -> usize {
        self.dims
            .regimes
            .iter()
            .map(|other| other.1)
            .filter(|&other| other > first_state)
            .min()
            .unwrap_or(self.dims.regime_states)
    }

    /// Adds another tally of the same model. Exact, so the order of merges does not matter; a
    /// sum past 2^64 is an error, never a wrapped count (on an error `self` is half merged and
    /// must be dropped).
    pub fn merge(&mut self, other: &Tally) -> Result<(), TallyError> {
        if self.dims != other.dims {
            return Err(TallyError::Shape);
        }
        self.paths = checked(self.paths, other.paths)?;
        self.weight = checked(self.weight, other.weight)?;
        self.weight_squared = self
            .weight_squared
            .checked_add(other.weight_squared)
            .ok_or(TallyError::Overflow)?;
        add_checked(&mut self.posture, &other.posture)?;
        add_checked(&mut self.regime, &other.regime)?;
        add_checked(&mut self.first_held, &other.first_held)?;
        add_checked(&mut self.first_departure, &other.first_departure)?;
        add_checked(&mut self.subset_weight, &other.subset_weight)?;
        add_checked(&mut self.histogram, &other.histogram)?;
        add_checked(&mut self.held_histogram, &other.held_histogram)?;
        let cells = self.cells.iter_mut().zip(&other.cells);
        let held = self.held_cells.iter_mut().zip(&other.held_cells);
        for (cell, more) in cells.chain(held) {
            cell.sum = cell.sum.checked_add(more.sum).ok_or(TallyError::Overflow)?;
            cell.merge_range(more);
        }
        Ok(())
    }

    /// Kish's effective number of paths, (sum w)^2 / sum w^2.
    pub fn effective_paths(&self) -> f64 {
        if self.weight_squared == 0 {
            return 0.0;
        }
        let total = self.weight as f64;
        total * total / self.weight_squared as f64
    }

    /// The end postures a subset gathers: all of them for subset 0, else posture `subset - 1`.
    fn postures_of(&self, subset: usize) -> std::ops::Range<usize> {
        match subset {
            0 => 0..self.dims.postures,
            _ => subset - 1..subset,
        }
    }

    /// Where one series' cell lies; only for histogrammed series.
    fn cell(&self, month: usize, series: usize, posture: usize) -> usize {
        let binned = &self.dims.binned;
        let k = binned
            .iter()
            .position(|b| b.series == series)
            .expect("only histogrammed series have cells");
        (posture * self.dims.months + month) * binned.len() + k
    }

    /// Where one indicator's held-posture cell lies; only for indicators.
    fn held_cell(&self, month: usize, series: usize, posture: usize) -> usize {
        let held = self.dims.held();
        let k = held
            .iter()
            .position(|b| b.series == series)
            .expect("only indicators are kept by the posture held");
        (posture * self.dims.months + month) * held.len() + k
    }

    /// The histogram slots of one series at one month in one subset.
    pub fn histogram_of(&self, month: usize, series: usize, subset: usize) -> Vec<u64> {
        let mut slots = vec![0; HISTOGRAM_SLOTS];
        for posture in self.postures_of(subset) {
            let start = self.cell(month, series, posture) * HISTOGRAM_SLOTS;
            add(&mut slots, &self.histogram[start..start + HISTOGRAM_SLOTS]);
        }
        slots
    }

    /// The sums of one series at one month over a subset's end postures.
    fn cell_of(&self, month: usize, series: usize, subset: usize) -> ValueCell {
        let mut gathered = ValueCell::EMPTY;
        for posture in self.postures_of(subset) {
            gathered.merge(&self.cells[self.cell(month, series, posture)]);
        }
        gathered
    }

    /// The smallest and largest value of one series at one month in one subset, if any path counted.
    pub fn range_of(&self, month: usize, series: usize, subset: usize) -> Option<(f64, f64)> {
        let cell = self.cell_of(month, series, subset);
        (cell.min <= cell.max)
            .then(|| (cell.min as f64 / VALUE_SCALE, cell.max as f64 / VALUE_SCALE))
    }

    /// The histogram slots of one series at one month among the paths holding `posture` then.
    pub fn held_histogram_of(&self, month: usize, series: usize, posture: usize) -> Vec<u64> {
        let start = self.held_cell(month, series, posture) * HISTOGRAM_SLOTS;
        self.held_histogram[start..start + HISTOGRAM_SLOTS].to_vec()
    }

    /// The weight of the paths holding `posture` at `month`.
    pub fn held_weight(&self, month: usize, posture: usize) -> u64 {
        self.posture[month * self.dims.postures + posture]
    }

    /// The weighted mean, least and greatest value of one series at one month among the paths
    /// holding `posture` then; `None` if none does.
    pub fn held_summary(
        &self,
        month: usize,
        series: usize,
        posture: usize,
    ) -> Option<(f64, f64, f64)> {
        let weight = self.held_weight(month, posture);
        let cell = self.held_cells[self.held_cell(month, series, posture)];
        (weight > 0 && cell.min <= cell.max).then(|| {
            let mean = cell.sum as f64 / VALUE_SCALE / weight as f64;
            (
                mean,
                cell.min as f64 / VALUE_SCALE,
                cell.max as f64 / VALUE_SCALE,
            )
        })
    }

    /// The weighted mean of one series at one month in one subset.
    pub fn mean_of(&self, month: usize, series: usize, subset: usize) -> f64 {
        let weight = self.subset_weight[subset];
        if weight == 0 {
            return f64::NAN;
        }
        self.cell_of(month, series, subset).sum as f64 / VALUE_SCALE / weight as f64
    }
}

/// Adds one path's series values to the sums and histograms of the posture each month is
/// counted under (`posture_of_month`: the end posture, or the one held that month): `increment` to the histogram slot of each value (its weight, or 1 where the
/// histogram counts unit-weight paths), and `weight x value` to each sum.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_series<C: Copy + std::ops::AddAssign, V: AddValue>(
    dims: &Dims,
    binned: &[BinnedSeries],
    cells: &mut [V],
    histogram: &mut [C],
    increment: C,
    trajectory: &Trajectory,
    weight: u64,
    posture_of_month: impl Fn(usize) -> usize,
) {
    let count = binned.len();
    for month in 0..dims.months {
        let values = trajectory.month(month);
        let first = (posture_of_month(month) * dims.months + month) * count;
        let cells = &mut cells[first..first + count];
        let histogram = &mut histogram[first * HISTOGRAM_SLOTS..(first + count) * HISTOGRAM_SLOTS];
        let series = binned.iter().zip(cells);
        for ((binned, cell), slots) in series.zip(histogram.chunks_exact_mut(HISTOGRAM_SLOTS)) {
            let value = values[binned.series];
            slots[binned.binning.slot_scaled(value, binned.bins_per_unit)] += increment;
            cell.add_value(fixed_point(value), weight);
        }
    }
}

/// Adds lane `lane` at `weight` to the histograms and cells of consecutive binned series from
/// cell `first`: the `i`th series' slot `slots[i][lane]` and fixed-point value `fixed[i][lane]`.
#[inline(always)]
fn add_lane(
    (histogram, cells): (&mut [u64], &mut [ValueCell]),
    first: usize,
    (slots, fixed): (&[[u8; LANES]], &[[i64; LANES]]),
    lane: usize,
    weight: u64,
) {
    let cells = &mut cells[first..first + slots.len()];
    let histograms =
        &mut histogram[first * HISTOGRAM_SLOTS..(first + slots.len()) * HISTOGRAM_SLOTS];
    let series = slots.iter().zip(fixed).zip(cells);
    for (((slots, fixed), cell), histogram) in
        series.zip(histograms.chunks_exact_mut(HISTOGRAM_SLOTS))
    {
        histogram[usize::from(slots[lane])] += weight;
        cell.add(fixed[lane], weight);
    }
}

/// A running sum, minimum and maximum of fixed-point values.
pub(super) trait AddValue {
    fn add_value(&mut self, fixed: i64, weight: u64);
}

impl AddValue for ValueCell {
    #[inline(always)]
    fn add_value(&mut self, fixed: i64, weight: u64) {
        self.add(fixed, weight);
    }
}

fn checked(total: u64, more: u64) -> Result<u64, TallyError> {
    total.checked_add(more).ok_or(TallyError::Overflow)
}

fn add_checked(into: &mut [u64], from: &[u64]) -> Result<(), TallyError> {
    for (total, more) in into.iter_mut().zip(from) {
        *total = checked(*total, *more)?;
    }
    Ok(())
}

fn add(into: &mut [u64], from: &[u64]) {
    for (total, more) in into.iter_mut().zip(from) {
        *total += more;
    }
}

/// The share of a histogram's weight below `value`, interpolated within its bin (the inverse of
/// [`histogram_quantile`]).
pub fn histogram_share_below(slots: &[u64], binning: &Binning, value: f64) -> f64 {
    let total: u64 = slots.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let slot = binning.slot(value);
    let below: u64 = slots[..slot].iter().sum();
    let within = match slot {
        0 | HISTOGRAM_SLOTS_LAST => 0.0,
        s => {
            let low = binning.min + (s - 1) as f64 * binning.bin_width();
            ((value - low) / binning.bin_width()).clamp(0.0, 1.0)
        }
    };
    (below as f64 + within * slots[slot] as f64) / total as f64
}

const HISTOGRAM_SLOTS_LAST: usize = HISTOGRAM_SLOTS - 1;

/// The value below which a share `q` of a histogram's weight lies, interpolated within its bin.
pub fn histogram_quantile(slots: &[u64], binning: &Binning, q: f64) -> f64 {
    let total: u64 = slots.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    let target = q * total as f64;
    let mut below = 0.0;
    for (slot, &count) in slots.iter().enumerate() {
        let count = count as f64;
        if count > 0.0 && below + count >= target {
            return match slot {
                0 => binning.min,
                s if s == HISTOGRAM_SLOTS - 1 => binning.max,
                s => {
                    let low = binning.min + (s - 1) as f64 * binning.bin_width();
                    low + binning.bin_width() * ((target - below) / count).clamp(0.0, 1.0)
                }
            };
        }
        below += count;
    }
    binning.max
}

#[cfg(test)]
mod tests {
    use super::{Tally, WEIGHT_ONE};
    use crate::sampling::rng::splitmix64;

    #[test]
    fn unbiased_rounding_keeps_exact_weights_and_is_right_on_average() {
        for (weight, fixed) in [(0.0, 0), (1.0, WEIGHT_ONE), (0.5, WEIGHT_ONE / 2)] {
            for coin in [0, u64::MAX, 12_345] {
                assert_eq!(Tally::fixed_weight_unbiased(weight, coin), fixed);
            }
        }
        // 2.3 steps: 2 or 3, and 3 three times in ten on average.
        let weight = 2.3 / WEIGHT_ONE as f64;
        let draws = 100_000u64;
        let total: u64 = (0..draws)
            .map(|i| Tally::fixed_weight_unbiased(weight, splitmix64(i)))
            .inspect(|fixed| assert!(matches!(fixed, 2 | 3)))
            .sum();
        let ups = (total - 2 * draws) as f64 / draws as f64;
        let se = (0.3f64 * 0.7 / draws as f64).sqrt();
        assert!((ups - 0.3).abs() < 4.0 * se, "{ups}");
    }
}
