//! The particles of an assimilation, in chunks of fixed size (so that the work and its order
//! never depend on the thread count): each particle's parameter scores, kept noise, log
//! likelihood of the evidence assimilated so far, and log weight. Weights are summed in particle
//! order, so every statistic of them is the same to the bit on any number of threads.

use crate::sampling::rng::{stream, unit, Stream};

/// Particles per chunk: the unit of parallel work.
pub const CHUNK: usize = 512;

/// A run of consecutive particles.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    /// The first particle's index.
    pub first: usize,
    pub len: usize,
    /// `len x k` scores.
    pub scores: Vec<f64>,
    /// `len x` every parameter's value: the scores' values, kept so that a simulation need not
    /// work them out again (only an accepted move of the scores changes them).
    pub values: Vec<f64>,
    /// `len x latent` kept normals.
    pub latent: Vec<f32>,
    /// Each particle's prior energy ([`super::prior::ScoredParameters::prior_energy`] of its
    /// scores), kept with them so a move step works out only its proposal's.
    pub prior_energy: Vec<f64>,
    pub log_likelihood: Vec<f64>,
    pub log_weight: Vec<f64>,
}

/// Every particle.
#[derive(Debug, Clone)]
pub struct Population {
    pub chunks: Vec<Chunk>,
    /// Scores per particle.
    pub k: usize,
    /// Kept normals per particle.
    pub latent: usize,
    pub particles: usize,
}

impl Population {
    /// Every particle's log weight, in order.
    pub fn log_weights(&self) -> impl Iterator<Item = f64> + '_ {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.log_weight.iter().copied())
    }

    /// The weights relative to the largest (which is 1); all 0 if every weight is.
    pub fn relative_weights(&self) -> Vec<f64> {
        let top = self.log_weights().fold(f64::NEG_INFINITY, f64::max);
        if top == f64::NEG_INFINITY {
            return vec![0.0; self.particles];
        }
        self.log_weights().map(|lw| (lw - top).exp()).collect()
    }

    /// The effective sample size of the weights: `(sum w)^2 / sum w^2`.
    pub fn effective_size(&self) -> f64 {
        effective_size(&self.relative_weights())
    }

    /// Systematic resampling: particle counts proportional to weight, from one uniform drawn
    /// from the stream of observation `step`. Every resampled particle weighs 1.
    pub fn resample(&mut self, seed: u64, step: u64) {
        let weights = self.relative_weights();
        let total: f64 = weights.iter().sum();
        let n = self.particles;
        let offset = unit(&mut stream(seed, Stream::Resample, step));
        let mut picks = Vec::with_capacity(n);
        let mut cumulative = 0.0;
        let mut source = 0;
        for slot in 0..n {
            let target = (slot as f64 + offset) / n as f64 * total;
            while source + 1 < n && cumulative + weights[source] <= target {
                cumulative += weights[source];
                source += 1;
            }
            picks.push(source);
        }
        self.chunks = self.gather(&picks);
    }

    /// New chunks holding the particles at `picks`, in that order, each of weight 1.
    fn gather(&self, picks: &[usize]) -> Vec<Chunk> {
        let (k, latent) = (self.k, self.latent);
        picks
            .chunks(CHUNK)
            .enumerate()
            .map(|(index, picked)| {
                let mut chunk = Chunk {
                    first: index * CHUNK,
                    len: picked.len(),
                    ..Chunk::default()
                };
                for &particle in picked {
                    let (from, at) = (&self.chunks[particle / CHUNK], particle % CHUNK);
                    let width = from.values.len() / from.len.max(1);
                    chunk
                        .scores
                        .extend_from_slice(&from.scores[at * k..(at + 1) * k]);
                    chunk
                        .values
                        .extend_from_slice(&from.values[at * width..(at + 1) * width]);
                    chunk
                        .latent
                        .extend_from_slice(&from.latent[at * latent..(at + 1) * latent]);
                    chunk.prior_energy.push(from.prior_energy[at]);
                    chunk.log_likelihood.push(from.log_likelihood[at]);
                    chunk.log_weight.push(0.0);
                }
                chunk
            })
            .collect()
    }
}

/// `(sum w)^2 / sum w^2`, summed in order; 0 when every weight is 0.
pub fn effective_size(weights: &[f64]) -> f64 {
    let (sum, squares) = weights
        .iter()
        .fold((0.0, 0.0), |(sum, squares), w| (sum + w, squares + w * w));
    if squares == 0.0 {
        0.0
    } else {
        sum * sum / squares
    }
}

/// Weighted quantiles `qs` of `values` (NaN values left out); NaN if no weight remains.
pub fn weighted_quantiles(values: &[f64], weights: &[f64], qs: &[f64]) -> Vec<f64> {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(value, weight)| !value.is_nan() && **weight > 0.0)
        .map(|(value, weight)| (*value, *weight))
        .collect();
    // A stable radix sort, whose order of doubles is `f64::total_cmp`'s: the order a stable
    // sort by `total_cmp` gives (equal values keep theirs, so the weights sum in the same
    // order), in a few passes over a particle count of pairs rather than a comparison sort's many.
    radsort::sort_by_key(&mut pairs, |pair| pair.0);
    let total: f64 = pairs.iter().map(|(_, weight)| weight).sum();
    qs.iter()
        .map(|&q| {
            let target = q * total;
            let mut cumulative = 0.0;
            for &(value, weight) in &pairs {
                cumulative += weight;
                if cumulative >= target {
                    return value;
                }
            }
            pairs.last().map_or(f64::NAN, |pair| pair.0)
        })
        .collect()
}

/// The weighted mean of `values`, those that are NaN (no value to show) left out; NaN if no weight.
pub fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let (sum, total) = values
        .iter()
        .zip(weights)
        .filter(|(value, _)| !value.is_nan())
        .fold((0.0, 0.0), |(sum, total), (v, w)| (sum + v * w, total + w));
    sum / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systematic_resampling_keeps_counts_within_one_of_their_share() {
        let weights = [0.1, 0.0, 0.5, 0.25, 0.15];
        let n = weights.len();
        let mut population = Population {
            chunks: vec![Chunk {
                first: 0,
                len: n,
                scores: (0..n).map(|i| i as f64).collect(),
                values: (0..n).map(|i| i as f64).collect(),
                latent: Vec::new(),
                prior_energy: vec![0.0; n],
                log_likelihood: vec![0.0; n],
                log_weight: weights.iter().map(|w: &f64| w.ln()).collect(),
            }],
            k: 1,
            latent: 0,
            particles: n,
        };
        population.resample(1, 0);
        let scores = &population.chunks[0].scores;
        for (index, weight) in weights.iter().enumerate() {
            let count = scores.iter().filter(|&&s| s == index as f64).count() as f64;
            assert!((count - weight * n as f64).abs() < 1.0, "{index}: {count}");
        }
        assert_eq!(population.effective_size(), n as f64);
    }

    #[test]
    fn radix_sorted_doubles_are_in_total_cmp_order() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -1e-310,
            -0.0,
            0.0,
            1e-310,
            f64::MIN_POSITIVE,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for pair in values.windows(2) {
            assert_eq!(pair[0].total_cmp(&pair[1]), std::cmp::Ordering::Less);
        }
        let mut sorted: Vec<(f64, usize)> = values.iter().rev().copied().zip(0..).collect();
        radsort::sort_by_key(&mut sorted, |pair| pair.0);
        let sorted: Vec<u64> = sorted.iter().map(|pair| pair.0.to_bits()).collect();
        let expected: Vec<u64> = values.iter().map(|value| value.to_bits()).collect();
        assert_eq!(
            sorted, expected,
            "-0.0 sorts before 0.0, as total_cmp has it"
        );
    }

    #[test]
    fn weighted_quantiles_read_the_cumulative_weight() {
        let values = [3.0, 1.0, 2.0, f64::NAN];
        let weights = [1.0, 1.0, 2.0, 5.0];
        assert_eq!(
            weighted_quantiles(&values, &weights, &[0.2, 0.5, 0.75, 1.0]),
            [1.0, 2.0, 2.0, 3.0]
        );
        assert_eq!(effective_size(&[1.0, 1.0, 0.0]), 2.0);
    }
}
