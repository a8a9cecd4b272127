//! First-order Sobol indices from one sample ("given data"): each input's sampled range is cut
//! into bins holding equal numbers of rows, and the share of the output's variance explained by
//! the bin means, less the share noise alone would explain, estimates Var(E[Y|X_i]) / Var(Y).
//! Intervals come from a seeded bootstrap over rows, so they are reproducible.
//!
//! Unlike a regression measure this catches non-monotone effects (Ishigami's sin² term); with
//! correlated inputs an index also carries what its partners explain.

use rayon::prelude::*;

use super::ranks::average_ranks;
use super::Interval;
use crate::sampling::rng::{below, stream, Stream};

/// Bootstrap replicates behind each interval.
pub const RESAMPLES: usize = 200;

/// The inputs' bins, computed once and reused for every output.
#[derive(Debug, Clone)]
pub struct FirstOrder {
    /// `bins[input][row]`: the bin of the row's value of that input.
    bins: Vec<Vec<u32>>,
    bin_count: usize,
    rows: usize,
}

/// Sums of one input's bins for one output: count, sum and sum of squares per bin.
#[derive(Debug, Clone)]
struct BinSums {
    count: Vec<f64>,
    sum: Vec<f64>,
    squares: Vec<f64>,
}

impl FirstOrder {
    /// Bins for `inputs`, each a column of the same `rows` values.
    pub fn new(inputs: &[Vec<f64>]) -> Self {
        let rows = inputs.first().map_or(0, Vec::len);
        let bin_count = bins_for(rows);
        let bins = inputs
            .iter()
            .map(|column| {
                average_ranks(column)
                    .iter()
                    .map(|rank| (((rank - 1.0) * bin_count as f64) / rows as f64) as u32)
                    .collect()
            })
            .collect();
        FirstOrder {
            bins,
            bin_count,
            rows,
        }
    }

    /// Each input's index for each output (`result[output][input]`), with bootstrap intervals
    /// drawn from streams of `seed`.
    pub fn indices(&self, outputs: &[Vec<f64>], seed: u64) -> Vec<Vec<Interval>> {
        let all_rows: Vec<usize> = (0..self.rows).collect();
        let point = self.estimate(outputs, &all_rows);
        let replicates: Vec<Vec<Vec<f64>>> = (0..RESAMPLES)
            .into_par_iter()
            .map(|replicate| self.estimate(outputs, &self.resample(seed, replicate as u64)))
            .collect();
        point
            .iter()
            .enumerate()
            .map(|(output, by_input)| {
                by_input
                    .iter()
                    .enumerate()
                    .map(|(input, &value)| {
                        let spread = replicates.iter().map(|r| r[output][input]).collect();
                        percentile_interval(value, spread)
                    })
                    .collect()
            })
            .collect()
    }

    fn resample(&self, seed: u64, replicate: u64) -> Vec<usize> {
        let mut rng = stream(seed, Stream::Bootstrap, replicate);
        (0..self.rows).map(|_| below(&mut rng, self.rows)).collect()
    }

    /// Point estimates over the given rows (repeats allowed): `result[output][input]`.
    fn estimate(&self, outputs: &[Vec<f64>], rows: &[usize]) -> Vec<Vec<f64>> {
        outputs
            .iter()
            .map(|output| {
                self.bins
                    .iter()
                    .map(|bins| self.bin_sums(bins, output, rows).index())
                    .collect()
            })
            .collect()
    }

    fn bin_sums(&self, bins: &[u32], output: &[f64], rows: &[usize]) -> BinSums {
        let mut sums = BinSums {
            count: vec![0.0; self.bin_count],
            sum: vec![0.0; self.bin_count],
            squares: vec![0.0; self.bin_count],
        };
        for &row in rows {
            let bin = bins[row] as usize;
            let y = output[row];
            sums.count[bin] += 1.0;
            sums.sum[bin] += y;
            sums.squares[bin] += y * y;
        }
        sums
    }
}

impl BinSums {
    /// Var(bin means) less its expected noise, over the total variance.
    fn index(&self) -> f64 {
        let n: f64 = self.count.iter().sum();
        let total: f64 = self.sum.iter().sum();
        let mean = total / n;
        let variance = self.squares.iter().sum::<f64>() / n - mean * mean;
        if variance <= 1e-15 * (1.0 + mean * mean) {
            return f64::NAN;
        }
        let occupied = self.count.iter().filter(|&&c| c > 0.0).count() as f64;
        let (mut between, mut within) = (0.0, 0.0);
        for bin in 0..self.count.len() {
            if self.count[bin] > 0.0 {
                let explained = self.sum[bin] * self.sum[bin] / self.count[bin];
                between += explained;
                within += self.squares[bin] - explained;
            }
        }
        let between = between / n - mean * mean;
        let noise = (occupied - 1.0) / n * within / (n - occupied).max(1.0);
        (between - noise) / variance
    }
}

/// About the cube root of the rows, so each bin holds many rows while the bins stay narrow.
fn bins_for(rows: usize) -> usize {
    ((rows as f64).cbrt().round() as usize)
        .clamp(2, 50)
        .min(rows.max(1))
}

/// The 2.5th and 97.5th percentiles of the replicates around the point estimate.
fn percentile_interval(value: f64, mut replicates: Vec<f64>) -> Interval {
    if !value.is_finite() {
        return Interval::UNDEFINED;
    }
    replicates.retain(|r| r.is_finite());
    if replicates.is_empty() {
        return Interval::UNDEFINED;
    }
    replicates.sort_by(f64::total_cmp);
    let at = |q: f64| replicates[((replicates.len() - 1) as f64 * q).round() as usize];
    Interval {
        value,
        ci_low: at(0.025).min(value),
        ci_high: at(0.975).max(value),
    }
}
