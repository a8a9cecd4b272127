//! Rank correlations between uncertain parameters, induced by Iman-Conover (1982).
//!
//! Within each block of paths the parameter columns are reordered, never changed: each column
//! keeps its exact marginal sample (its Latin hypercube strata too), and takes the rank order of a
//! matrix of normal scores that has the target correlation.

use super::design::BLOCK_PATHS;
use super::distribution::normal_quantile;
use super::rng::{shuffle, StreamRng};

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
    /// Builds the target from pairs of (column, column, Spearman rank correlation). Fails if the
    /// matrix is not positive definite (correlations that cannot hold together).
    pub fn new(size: usize, pairs: &[(usize, usize, f64)]) -> Result<Self, String> {
        let mut matrix = identity(size);
        for &(first, second, rank) in pairs {
            // Spearman's rho of normal scores to their Pearson correlation.
            let pearson = 2.0 * (std::f64::consts::PI * rank / 6.0).sin();
            matrix[first * size + second] = pearson;
            matrix[second * size + first] = pearson;
        }
        let target_factor = cholesky(&matrix, size).ok_or_else(|| {
            "the correlations cannot hold together (their matrix is not positive definite)"
                .to_string()
        })?;
        Ok(RankCorrelation {
            size,
            target_factor,
            block_scores: rank_scores(BLOCK_PATHS as usize),
        })
    }

    /// Reorders the columns of `sample` (row-major, `rows x stride`, columns `columns[j]` for
    /// j < size) so their rank correlations approach the target.
    pub fn apply(
        &self,
        sample: &mut [f64],
        stride: usize,
        rows: usize,
        columns: &[usize],
        rng: &mut StreamRng,
    ) {
        if rows < self.size + 2 {
            return;
        }
        let scores = self.correlated_scores(rows, rng);
        let mut order: Vec<(f64, u32)> = Vec::with_capacity(rows);
        let mut sorted: Vec<f64> = Vec::with_capacity(rows);
        for (j, &column) in columns.iter().enumerate() {
            sorted.clear();
            sorted.extend((0..rows).map(|row| sample[row * stride + column]));
            // Radix sorts, in `f64::total_cmp`'s order and stable: ties keep row order.
            radsort::sort(&mut sorted);
            order.clear();
            order.extend((0..rows).map(|row| (scores[row * self.size + j], row as u32)));
            radsort::sort_by_key(&mut order, |&(score, _)| score);
            for (&(_, row), &value) in order.iter().zip(&sorted) {
                sample[row as usize * stride + column] = value;
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
        let mut solved = vec![0.0; size];
        for row in 0..rows {
            let values = &mut scores[row * size..(row + 1) * size];
            forward_substitute(&actual_factor, size, values, &mut solved);
            for (i, value) in values.iter_mut().enumerate() {
                *value = (0..=i)
                    .map(|k| self.target_factor[i * size + k] * solved[k])
                    .sum();
            }
        }
        scores
    }
}

/// The normal scores of ranks 1 to `rows`: the quantiles at `rank / (rows + 1)`.
fn rank_scores(rows: usize) -> Vec<f64> {
    (1..=rows)
        .map(|rank| normal_quantile(rank as f64 / (rows as f64 + 1.0)))
        .collect()
}

fn identity(size: usize) -> Vec<f64> {
    let mut matrix = vec![0.0; size * size];
    for i in 0..size {
        matrix[i * size + i] = 1.0;
    }
    matrix
}

/// Lower-triangular L with L * L^T = matrix, or `None` if the matrix is not positive definite.
pub fn cholesky(matrix: &[f64], size: usize) -> Option<Vec<f64>> {
    let mut factor = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..=i {
            let dot: f64 = (0..j)
                .map(|k| factor[i * size + k] * factor[j * size + k])
                .sum();
            if i == j {
                let diagonal = matrix[i * size + i] - dot;
                if diagonal <= 1e-12 {
                    return None;
                }
                factor[i * size + j] = diagonal.sqrt();
            } else {
                factor[i * size + j] = (matrix[i * size + j] - dot) / factor[j * size + j];
            }
        }
    }
    Some(factor)
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
        for j in 0..size {
            means[j] += values[row * size + j] / rows as f64;
        }
    }
    let mut covariance = vec![0.0; size * size];
    for row in 0..rows {
        for i in 0..size {
            let di = values[row * size + i] - means[i];
            for j in 0..size {
                covariance[i * size + j] += di * (values[row * size + j] - means[j]);
            }
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
