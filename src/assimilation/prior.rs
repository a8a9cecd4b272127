//! The uncertain parameters as an assimilation moves them: each particle holds its parameters'
//! normal scores, jointly normal with the correlation of the declared rank correlations (a
//! Gaussian copula), and a parameter's value is its quantile at the score's probability. A move
//! on the scores is then a move in an unbounded space whose prior density is one line.

use crate::model::distribution::normal_cdf;
use crate::model::Model;
use crate::sampling::design::parameter_columns;
use crate::sampling::quantile_table::Quantile;

/// The map from scores to parameter values, and the scores' prior.
#[derive(Debug, Clone)]
pub struct ScoredParameters {
    /// Every parameter's value, the uncertain ones overwritten per particle.
    fixed: Vec<f64>,
    /// (parameter index, quantile function) of the uncertain ones.
    uncertain: Vec<(usize, Quantile)>,
    /// Lower-triangular Cholesky factor of the scores' correlation, `k x k`; `None`: identity.
    factor: Option<Vec<f64>>,
}

impl ScoredParameters {
    pub fn new(model: &Model) -> Self {
        let (fixed, uncertain) = parameter_columns(model);
        let factor = model
            .correlations
            .as_ref()
            .map(|target| target.factor().to_vec());
        ScoredParameters {
            fixed,
            uncertain,
            factor,
        }
    }

    /// The number of scores: one per uncertain parameter.
    pub fn len(&self) -> usize {
        self.uncertain.len()
    }

    pub fn is_empty(&self) -> bool {
        self.uncertain.is_empty()
    }

    /// The parameter index of the score at `position`.
    pub fn parameter_index(&self, position: usize) -> usize {
        self.uncertain[position].0
    }

    /// Prior scores from independent standard normals: `L * z`.
    pub fn correlate(&self, independent: &[f64], scores: &mut [f64]) {
        let k = self.len();
        match &self.factor {
            None => scores.copy_from_slice(independent),
            Some(factor) => {
                for row in 0..k {
                    scores[row] = (0..=row)
                        .map(|col| factor[row * k + col] * independent[col])
                        .sum();
                }
            }
        }
    }

    /// Minus twice the log prior density of `scores`, up to a constant: `|L^-1 scores|^2`.
    pub fn prior_energy(&self, scores: &[f64], solved: &mut Vec<f64>) -> f64 {
        let k = self.len();
        match &self.factor {
            None => scores.iter().map(|score| score * score).sum(),
            Some(factor) => {
                solved.clear();
                solved.resize(k, 0.0);
                let mut energy = 0.0;
                for row in 0..k {
                    let dot: f64 = (0..row)
                        .map(|col| factor[row * k + col] * solved[col])
                        .sum();
                    solved[row] = (scores[row] - dot) / factor[row * k + row];
                    energy += solved[row] * solved[row];
                }
                energy
            }
        }
    }

    /// Every parameter's value for these scores, into `values`.
    pub fn values(&self, scores: &[f64], values: &mut Vec<f64>) {
        values.clear();
        values.extend_from_slice(&self.fixed);
        for (&(index, ref quantile), &score) in self.uncertain.iter().zip(scores) {
            values[index] = self.value_at(quantile, score);
        }
    }

    /// Every parameter's value for each of `count` particles' scores (`scores` holds them one
    /// particle after another), appended to `values` a particle's row at a time: each row is
    /// [`ScoredParameters::values`] of its scores, to the bit, with each parameter's quantile
    /// table read for all the particles at once ([`Quantile::at_each`]). `column` is scratch.
    #[inline(always)]
    pub fn values_of_many(
        &self,
        scores: &[f64],
        count: usize,
        values: &mut Vec<f64>,
        column: &mut Vec<f64>,
    ) {
        let (k, width, first) = (self.len(), self.fixed.len(), values.len());
        for _ in 0..count {
            values.extend_from_slice(&self.fixed);
        }
        for (position, (index, quantile)) in self.uncertain.iter().enumerate() {
            column.clear();
            column.extend((0..count).map(|row| probability(scores[row * k + position])));
            quantile.at_each(column);
            for (row, &value) in column.iter().enumerate() {
                values[first + row * width + index] = value;
            }
        }
    }

    /// The value of the uncertain parameter at `position` for one score.
    pub fn value(&self, position: usize, score: f64) -> f64 {
        self.value_at(&self.uncertain[position].1, score)
    }

    fn value_at(&self, quantile: &Quantile, score: f64) -> f64 {
        quantile.at(probability(score))
    }
}

/// The share at which a score reads its quantile function: the quantile functions take the
/// open interval, so scores past 8 sd are clipped there.
#[inline]
fn probability(score: f64) -> f64 {
    normal_cdf(score).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
}

#[cfg(test)]
mod tests {
    use super::ScoredParameters;
    use crate::sampling::rng::{standard_normal, stream, Stream};
    use crate::simd::{dispatch, Isa};

    /// The values of many particles' scores at once are each particle's alone, to the bit, on
    /// every instruction set: scores from a few standard deviations (the tables' bodies) to
    /// ten (their tails, and the clip at the open interval), and groups of any length.
    #[test]
    fn many_particles_values_are_each_ones_alone() {
        let path = std::path::Path::new("scenarios/base.toml");
        let model = crate::scenario::load(path, &[]).expect("the base scenario loads");
        let scored = ScoredParameters::new(&model);
        let k = scored.len();
        assert!(k > 1, "the base scenario has uncertain parameters");
        let mut rng = stream(3, Stream::Bootstrap, 0);
        let scores: Vec<f64> = (0..61 * k)
            .map(|i| standard_normal(&mut rng) * [1.0, 3.0, 10.0][i % 3])
            .collect();
        for isa in Isa::available() {
            for count in [0, 1, 8, 61] {
                let (mut many, mut column) = (vec![-1.0], Vec::new());
                let scores = &scores[..count * k];
                dispatch(isa, || {
                    scored.values_of_many(scores, count, &mut many, &mut column)
                });
                let mut alone = vec![-1.0];
                let mut one = Vec::new();
                for particle in scores.chunks(k) {
                    scored.values(particle, &mut one);
                    alone.extend_from_slice(&one);
                }
                let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&many), bits(&alone), "{isa:?}, {count} particles");
            }
        }
    }
}
