//! Rank correlations between uncertain parameters, induced by Iman-Conover (1982).
//!
//! Within each block of paths the parameter columns are reordered, never changed: each column
//! keeps its exact marginal sample (its Latin hypercube strata too), and takes the rank order of a
//! matrix of normal scores that has the target correlation.

use super::blocks::BLOCK_PATHS;
use super::rng::{shuffle, StreamRng};
use crate::model::correlation::{cholesky, CorrelationTarget};
use crate::model::distribution::normal_quantile;

/// A symmetric positive-definite correlation target, as its Cholesky factor.
#[derive(Debug, Clone)]
pub struct RankCorrelation {
    size: usize,
    /// Lower-triangular Cholesky factor of the target, row-major `size x size`.
    target_factor: Vec<f64>,
    /// The normal scores of a full block's ranks, which every full block starts from.
    block_scores: Vec<f64>,
}

impl RankCorrelation {
    /// Induces a target that validation already checked.
    pub fn new(target: &CorrelationTarget) -> Self {
        RankCorrelation {
            size: target.size(),
            target_factor: target.factor().to_vec(),
            block_scores: rank_scores(BLOCK_PATHS as usize),
        }
    }

    /// Whether [`RankCorrelation::apply`] reorders a block of `rows` rows: the scores'
    /// correlation matrix needs more rows than columns, so smaller blocks are left as they are.
    pub fn reorders(&self, rows: usize) -> bool {
        rows >= self.size + 2
    }

    /// Reorders the columns of `sample` (row-major, `rows x stride`, columns `columns[j]` for
    /// j < size) so their rank correlations approach the target. `ascending` says the columns
    /// already come in ascending order (a Latin hypercube drawn stratum by stratum), so they
    /// need no sort.
    pub fn apply(
        &self,
        sample: &mut [f64],
        stride: usize,
        rows: usize,
        columns: &[usize],
        ascending: bool,
        rng: &mut StreamRng,
    ) {
        if !self.reorders(rows) {
            return;
        }
        let scores = self.correlated_scores(rows, rng);
        let mut ranked: Vec<u64> = Vec::with_capacity(rows);
        let mut sorted: Vec<f64> = Vec::with_capacity(rows);
        for (j, &column) in columns.iter().enumerate() {
            sorted.clear();
            sorted.extend((0..rows).map(|row| sample[row * stride + column]));
            // A radix sort, in `f64::total_cmp`'s order and stable: ties keep row order.
            if !ascending {
                radsort::sort(&mut sorted);
            }
            ranked.clear();
            ranked.extend((0..rows).map(|row| rank_key(scores[row * self.size + j], row)));
            radsort::sort(&mut ranked);
            for (&key, &value) in ranked.iter().zip(&sorted) {
                sample[(key & ROW_MASK) as usize * stride + column] = value;
            }
        }
    }

    /// Normal scores, independently permuted per column, then transformed to the target.
    fn correlated_scores(&self, rows: usize, rng: &mut StreamRng) -> Vec<f64> {
        let size = self.size;
        let shorter;
        let base = if rows == self.block_scores.len() {
            &self.block_scores
        } else {
            shorter = rank_scores(rows);
            &shorter
        };
        let mut scores = vec![0.0; rows * size];
        let mut column = base.clone();
        for j in 0..size {
            column.copy_from_slice(base);
            shuffle(&mut column, rng);
            for row in 0..rows {
                scores[row * size + j] = column[row];
            }
        }
        let actual = correlation_matrix(&scores, rows, size);
        let Some(actual_factor) = cholesky(&actual, size) else {
            return scores;
        };
        // Each row r becomes P * Q^-1 * r, with P and Q the targets' and the scores' factors.
        let transform = lower_product(
            &self.target_factor,
            &lower_inverse(&actual_factor, size),
            size,
        );
        let mut row_scores = vec![0.0; size];
        for row in 0..rows {
            let values = &mut scores[row * size..(row + 1) * size];
            row_scores.copy_from_slice(values);
            for (i, value) in values.iter_mut().enumerate() {
                let weights = &transform[i * size..i * size + i + 1];
                *value = weights.iter().zip(&row_scores).map(|(w, r)| w * r).sum();
            }
        }
        scores
    }
}

/// Low bits of a rank key that hold the row: a block's rows all fit.
const ROW_MASK: u64 = (1 << 12) - 1;
const _: () = assert!(
    BLOCK_PATHS <= ROW_MASK + 1,
    "a row fits a rank key's low bits"
);

/// A key whose unsigned order is `score`'s (in `f64::total_cmp`'s order, to its 40 leading
/// bits of mantissa), then the row's: one `u64` sorts faster than a (score, row) pair, and
/// scores that close are ties for ranking.
#[inline]
fn rank_key(score: f64, row: usize) -> u64 {
    let bits = score.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    (ordered & !ROW_MASK) | row as u64
}

/// The inverse of a lower-triangular matrix (itself lower-triangular).
fn lower_inverse(factor: &[f64], size: usize) -> Vec<f64> {
    let mut inverse = vec![0.0; size * size];
    let mut unit = vec![0.0; size];
    let mut column = vec![0.0; size];
    for j in 0..size {
        unit.fill(0.0);
        unit[j] = 1.0;
        forward_substitute(factor, size, &unit, &mut column);
        for i in 0..size {
            inverse[i * size + j] = column[i];
        }
    }
    inverse
}

/// The product of two lower-triangular matrices.
fn lower_product(left: &[f64], right: &[f64], size: usize) -> Vec<f64> {
    let mut product = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..=i {
            product[i * size + j] = (j..=i)
                .map(|k| left[i * size + k] * right[k * size + j])
                .sum();
        }
    }
    product
}

/// The normal scores of ranks 1 to `rows`: the quantiles at `rank / (rows + 1)`.
fn rank_scores(rows: usize) -> Vec<f64> {
    (1..=rows)
        .map(|rank| normal_quantile(rank as f64 / (rows as f64 + 1.0)))
        .collect()
}

/// Solves L * x = b for lower-triangular L.
fn forward_substitute(factor: &[f64], size: usize, b: &[f64], x: &mut [f64]) {
    for i in 0..size {
        let dot: f64 = (0..i).map(|k| factor[i * size + k] * x[k]).sum();
        x[i] = (b[i] - dot) / factor[i * size + i];
    }
}

/// Pearson correlation matrix of the columns of a row-major `rows x size` matrix.
pub fn correlation_matrix(values: &[f64], rows: usize, size: usize) -> Vec<f64> {
    let mut means = vec![0.0; size];
    for row in 0..rows {
        for (mean, value) in means.iter_mut().zip(&values[row * size..(row + 1) * size]) {
            *mean += value;
        }
    }
    for mean in &mut means {
        *mean /= rows as f64;
    }
    let mut covariance = vec![0.0; size * size];
    let mut deviations = vec![0.0; size];
    for row in 0..rows {
        for (j, deviation) in deviations.iter_mut().enumerate() {
            *deviation = values[row * size + j] - means[j];
        }
        // The lower triangle only: the matrix is symmetric.
        for i in 0..size {
            for j in 0..=i {
                covariance[i * size + j] += deviations[i] * deviations[j];
            }
        }
    }
    for i in 0..size {
        for j in 0..i {
            covariance[j * size + i] = covariance[i * size + j];
        }
    }
    let mut correlation = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..size {
            let scale = (covariance[i * size + i] * covariance[j * size + j]).sqrt();
            correlation[i * size + j] = covariance[i * size + j] / scale;
        }
    }
    correlation
}
