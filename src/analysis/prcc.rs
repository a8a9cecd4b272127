//! Partial rank correlation coefficients: how each input's rank moves with the output's rank
//! once every other input's linear effect on the ranks is removed. Robust to any monotone
//! transformation, blind to non-monotone effects (which the first-order index catches).

use super::ranks::average_ranks;
use super::Interval;
use crate::model::correlation::cholesky;
use crate::sampling::correlation::correlation_matrix;
use crate::stats::interval::Z_95;

/// Each input's PRCC with `output`, with Fisher-z 95% intervals. Undefined when the output
/// never varies or the inputs' ranks are collinear.
pub fn partial_rank_correlations(inputs: &[Vec<f64>], output: &[f64]) -> Vec<Interval> {
    let size = inputs.len() + 1;
    let rows = output.len();
    let mut ranked: Vec<Vec<f64>> = inputs.iter().map(|column| average_ranks(column)).collect();
    ranked.push(average_ranks(output));
    let mut values = vec![0.0; rows * size];
    for (column, ranks) in ranked.iter().enumerate() {
        for (row, &rank) in ranks.iter().enumerate() {
            values[row * size + column] = rank;
        }
    }
    let correlation = correlation_matrix(&values, rows, size);
    let Some(precision) = invert_positive_definite(&correlation, size) else {
        return vec![Interval::UNDEFINED; inputs.len()];
    };
    let y = size - 1;
    let controlled = inputs.len().saturating_sub(1) as f64;
    let std_error = 1.0 / (rows as f64 - 3.0 - controlled).max(1.0).sqrt();
    (0..inputs.len())
        .map(|i| {
            let r = -precision[i * size + y]
                / (precision[i * size + i] * precision[y * size + y]).sqrt();
            fisher_interval(r, std_error)
        })
        .collect()
}

fn fisher_interval(r: f64, std_error: f64) -> Interval {
    if !r.is_finite() {
        return Interval::UNDEFINED;
    }
    let z = r.clamp(-0.999_999, 0.999_999).atanh();
    Interval {
        value: r,
        ci_low: (z - Z_95 * std_error).tanh().min(r),
        ci_high: (z + Z_95 * std_error).tanh().max(r),
    }
}

/// The inverse of a symmetric positive-definite matrix, through its Cholesky factor.
fn invert_positive_definite(matrix: &[f64], size: usize) -> Option<Vec<f64>> {
    if matrix.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let factor = cholesky(matrix, size)?;
    let mut inverse = vec![0.0; size * size];
    let mut column = vec![0.0; size];
    for unit in 0..size {
        // Solve L z = e_unit, then L^T x = z.
        for i in 0..size {
            let dot: f64 = (0..i).map(|k| factor[i * size + k] * column[k]).sum();
            let e = if i == unit { 1.0 } else { 0.0 };
            column[i] = (e - dot) / factor[i * size + i];
        }
        for i in (0..size).rev() {
            let dot: f64 = (i + 1..size)
                .map(|k| factor[k * size + i] * column[k])
                .sum();
            column[i] = (column[i] - dot) / factor[i * size + i];
        }
        for i in 0..size {
            inverse[i * size + unit] = column[i];
        }
    }
    Some(inverse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_times_matrix_is_the_identity() {
        let matrix = [1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0];
        let inverse = invert_positive_definite(&matrix, 3).expect("positive definite");
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3).map(|k| matrix[i * 3 + k] * inverse[k * 3 + j]).sum();
                assert!((product - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }
}
