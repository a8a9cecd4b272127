//! Rank correlations between uncertain parameters, as a model declares them and validation
//! checks them: the Spearman targets turned into the Pearson correlations of normal scores, and
//! that matrix's Cholesky factor, which exists only if the correlations can hold together. The
//! sampler takes the checked target and cannot fail on it.

use serde::Serialize;

/// A rank correlation between two uncertain parameters (indices into the uncertain ones).
#[derive(Debug, Clone, Serialize)]
pub struct Correlation {
    pub first: usize,
    pub second: usize,
    pub rank: f64,
}

/// The declared correlations among `size` uncertain parameters, checked.
#[derive(Debug, Clone)]
pub struct CorrelationTarget {
    size: usize,
    pairs: Vec<Correlation>,
    /// Lower-triangular Cholesky factor of the normal scores' target, row-major `size x size`.
    factor: Vec<f64>,
}

/// Correlations whose matrix is not positive definite.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the correlations cannot hold together (their matrix is not positive definite)")]
pub struct CorrelationsConflict;

impl CorrelationTarget {
    /// Checks the pairs (each naming two different uncertain parameters below `size`) together.
    pub fn new(size: usize, pairs: Vec<Correlation>) -> Result<Self, CorrelationsConflict> {
        let mut matrix = identity(size);
        for pair in &pairs {
            // Spearman's rho of normal scores to their Pearson correlation.
            let pearson = 2.0 * (std::f64::consts::PI * pair.rank / 6.0).sin();
            matrix[pair.first * size + pair.second] = pearson;
            matrix[pair.second * size + pair.first] = pearson;
        }
        let factor = cholesky(&matrix, size).ok_or(CorrelationsConflict)?;
        Ok(CorrelationTarget {
            size,
            pairs,
            factor,
        })
    }

    /// How many uncertain parameters it correlates (all of them, most with none).
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn pairs(&self) -> &[Correlation] {
        &self.pairs
    }

    /// The Cholesky factor of the normal scores' target correlation matrix.
    pub fn factor(&self) -> &[f64] {
        &self.factor
    }
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
