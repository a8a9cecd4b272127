//! The mergeable aggregate of a run: weighted counts and histograms in exact integer arithmetic.
//!
//! Every accumulator is an integer (weights in fixed point, [`WEIGHT_ONE`] = 1.0), so adding two
//! tallies is exact and associative: the same bytes come out whatever the order in which paths,
//! threads or shards are combined. Memory depends on the model and horizon, never on the number
//! of paths.

use serde::{Deserialize, Serialize};

use crate::engine::Trajectory;
use crate::model::{Model, SeriesKind};

/// The fixed-point value of a path weight of 1. Weights lie in [0, 1], so a tally holds up to
/// 2^32 paths before its u64 counts could overflow.
pub const WEIGHT_ONE: u64 = 1 << 32;
/// Fixed-point scale of indicator values in sums (1/65536 of a unit).
pub const VALUE_SCALE: f64 = 65_536.0;
/// Interior histogram bins between a series' bounds; two more hold the values at each bound.
pub const INTERIOR_BINS: usize = 254;
pub const HISTOGRAM_SLOTS: usize = INTERIOR_BINS + 2;

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
        if value <= self.min {
            0
        } else if value >= self.max {
            HISTOGRAM_SLOTS - 1
        } else {
            let position = (value - self.min) / (self.max - self.min) * INTERIOR_BINS as f64;
            1 + (position as usize).min(INTERIOR_BINS - 1)
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
}

impl Dims {
    pub fn of(model: &Model) -> Self {
        Dims {
            months: model.horizon() + 1,
            postures: model.postures.len(),
            series: model.series.len(),
            regime_states: model.slots.regime_states,
            initial_posture: model.choice.initial,
            binning: model
                .series
                .iter()
                .map(|series| series.bounds().map(|(min, max)| Binning { min, max }))
                .collect(),
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
    /// `[month][series][subset][slot]`.
    pub histogram: Vec<u64>,
    /// `[month][series][subset]`: sum of weight x value, fixed point.
    pub value_sum: Vec<i128>,
    /// `[month][series][subset]`: the smallest and largest value seen, fixed point. Quantiles are
    /// kept inside them, so a series that has not yet moved reads as one number, not a bin's width.
    pub value_min: Vec<i64>,
    pub value_max: Vec<i64>,
}

impl Tally {
    pub fn new(dims: Dims) -> Self {
        let months = dims.months;
        let cells = months * dims.series * dims.subsets();
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
            value_sum: vec![0; cells],
            value_min: vec![i64::MAX; cells],
            value_max: vec![i64::MIN; cells],
            dims,
        }
    }

    /// Converts a path weight in [0, 1] to fixed point.
    pub fn fixed_weight(weight: f64) -> u64 {
        (weight.clamp(0.0, 1.0) * WEIGHT_ONE as f64).round() as u64
    }

    /// Adds one path with fixed-point weight `weight`.
    pub fn record(&mut self, trajectory: &Trajectory, weight: u64) {
        self.paths += 1;
        if weight == 0 {
            return;
        }
        self.weight += weight;
        self.weight_squared += weight as u128 * weight as u128;
        let end_subset = 1 + trajectory.postures[self.dims.months - 1] as usize;
        self.subset_weight[0] += weight;
        self.subset_weight[end_subset] += weight;
        self.record_postures(trajectory, weight);
        self.record_regimes(trajectory, weight);
        self.record_series(trajectory, weight, end_subset);
    }

    fn record_postures(&mut self, trajectory: &Trajectory, weight: u64) {
        let dims = &self.dims;
        let never = dims.months;
        let mut first_held = [usize::MAX; 64];
        let mut departure = never;
        for (month, &posture) in trajectory.postures.iter().enumerate() {
            let posture = posture as usize;
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

    fn record_regimes(&mut self, trajectory: &Trajectory, weight: u64) {
        for &(series, first_state) in &self.dims.regimes {
            for month in 0..self.dims.months {
                let state = trajectory.value(month, series) as usize;
                self.regime[month * self.dims.regime_states + first_state + state] += weight;
            }
        }
    }

    fn record_series(&mut self, trajectory: &Trajectory, weight: u64, end_subset: usize) {
        let subsets = self.dims.subsets();
        let series_count = self.dims.series;
        for month in 0..self.dims.months {
            let values = trajectory.month(month);
            for (series, binning) in self.dims.binning.iter().enumerate() {
                let Some(binning) = binning else { continue };
                let value = values[series];
                let slot = binning.slot(value);
                let fixed = (value * VALUE_SCALE).round() as i64;
                let weighted = weight as i128 * fixed as i128;
                let cell = (month * series_count + series) * subsets;
                for subset in [cell, cell + end_subset] {
                    self.histogram[subset * HISTOGRAM_SLOTS + slot] += weight;
                    self.value_sum[subset] += weighted;
                    self.value_min[subset] = self.value_min[subset].min(fixed);
                    self.value_max[subset] = self.value_max[subset].max(fixed);
                }
            }
        }
    }

    /// Adds another tally of the same model. Exact, so the order of merges does not matter.
    pub fn merge(&mut self, other: &Tally) -> Result<(), String> {
        if self.dims != other.dims {
            return Err("the tallies come from models of different shapes".into());
        }
        self.paths += other.paths;
        self.weight += other.weight;
        self.weight_squared += other.weight_squared;
        add(&mut self.posture, &other.posture);
        add(&mut self.regime, &other.regime);
        add(&mut self.first_held, &other.first_held);
        add(&mut self.first_departure, &other.first_departure);
        add(&mut self.subset_weight, &other.subset_weight);
        add(&mut self.histogram, &other.histogram);
        for (sum, more) in self.value_sum.iter_mut().zip(&other.value_sum) {
            *sum += more;
        }
        for (low, other_low) in self.value_min.iter_mut().zip(&other.value_min) {
            *low = (*low).min(*other_low);
        }
        for (high, other_high) in self.value_max.iter_mut().zip(&other.value_max) {
            *high = (*high).max(*other_high);
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

    /// The histogram slots of one series at one month in one subset.
    pub fn histogram_of(&self, month: usize, series: usize, subset: usize) -> &[u64] {
        let cell = (month * self.dims.series + series) * self.dims.subsets() + subset;
        &self.histogram[cell * HISTOGRAM_SLOTS..(cell + 1) * HISTOGRAM_SLOTS]
    }

    /// The smallest and largest value of one series at one month in one subset, if any path counted.
    pub fn range_of(&self, month: usize, series: usize, subset: usize) -> Option<(f64, f64)> {
        let cell = (month * self.dims.series + series) * self.dims.subsets() + subset;
        let (low, high) = (self.value_min[cell], self.value_max[cell]);
        (low <= high).then(|| (low as f64 / VALUE_SCALE, high as f64 / VALUE_SCALE))
    }

    /// The weighted mean of one series at one month in one subset.
    pub fn mean_of(&self, month: usize, series: usize, subset: usize) -> f64 {
        let cell = (month * self.dims.series + series) * self.dims.subsets() + subset;
        let weight = self.subset_weight[subset];
        if weight == 0 {
            return f64::NAN;
        }
        self.value_sum[cell] as f64 / VALUE_SCALE / weight as f64
    }
}

fn add(into: &mut [u64], from: &[u64]) {
    for (total, more) in into.iter_mut().zip(from) {
        *total += more;
    }
}

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
