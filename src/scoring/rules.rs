//! Proper scoring rules, lower is better: the Brier score, the logarithmic score and the ranked
//! probability score of a forecast over categories; the continuous ranked probability score
//! (CRPS) and the probability integral transform (PIT) of a weighted sample, computed exactly
//! from the sample (no histogram), so that a run's own paths are its forecast distribution.

/// The multi-category Brier score: `Σ (p_k - o_k)^2`, from 0 (certain and right) to 2.
pub fn brier(probabilities: &[f64], observed: usize) -> f64 {
    probabilities
        .iter()
        .enumerate()
        .map(|(k, p)| (p - f64::from(u8::from(k == observed))).powi(2))
        .sum()
}

/// The logarithmic score: `-ln p` of the category observed (infinite if it was given 0).
pub fn log_score(probabilities: &[f64], observed: usize) -> f64 {
    -probabilities[observed].ln()
}

/// The ranked probability score over categories in their order: `Σ_k (P_k - O_k)^2` over the
/// cumulative probabilities of the first K-1 categories.
pub fn ranked_probability(probabilities: &[f64], observed: usize) -> f64 {
    let mut cumulative = 0.0;
    probabilities[..probabilities.len().saturating_sub(1)]
        .iter()
        .enumerate()
        .map(|(k, p)| {
            cumulative += p;
            (cumulative - f64::from(u8::from(k >= observed))).powi(2)
        })
        .sum()
}

/// A weighted sample of a value, sorted: a forecast distribution.
#[derive(Debug, Clone)]
pub struct WeightedSample {
    /// (value, weight), ascending by value, weights above 0.
    points: Vec<(f64, f64)>,
    total: f64,
    /// `Σ_i Σ_j w_i w_j |x_i - x_j| / W^2`: the sample's mean absolute difference.
    spread: f64,
}

impl WeightedSample {
    /// From values and their weights (zero weights and NaN values left out); `None` if no weight.
    pub fn new(values: &[f64], weights: &[f64]) -> Option<Self> {
        let mut points: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(value, weight)| !value.is_nan() && **weight > 0.0)
            .map(|(value, weight)| (*value, *weight))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = points.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return None;
        }
        // Σ_i Σ_j w_i w_j |x_i - x_j| = 2 Σ_i w_i x_i (C_(i-1) - (W - C_i)), C the running weight.
        let mut before = 0.0;
        let mut doubled = 0.0;
        for &(x, w) in &points {
            let after = total - before - w;
            doubled += 2.0 * w * x * (before - after);
            before += w;
        }
        Some(WeightedSample {
            points,
            total,
            spread: doubled / (total * total),
        })
    }

    /// The share of the weight below `y`, ties counting half: the PIT of an observed `y`.
    pub fn pit(&self, y: f64) -> f64 {
        let (mut below, mut equal) = (0.0, 0.0);
        for &(x, w) in &self.points {
            if x < y {
                below += w;
            } else if x == y {
                equal += w;
            } else {
                break;
            }
        }
        (below + 0.5 * equal) / self.total
    }

    /// The CRPS of the sample for an observed `y`: `E|X - y| - E|X - X'| / 2`.
    pub fn crps(&self, y: f64) -> f64 {
        let distance: f64 = self.points.iter().map(|(x, w)| w * (x - y).abs()).sum();
        distance / self.total - 0.5 * self.spread
    }

    /// The smallest value with at least a share `q` of the weight at or below it.
    pub fn quantile(&self, q: f64) -> f64 {
        let target = q * self.total;
        let mut cumulative = 0.0;
        for &(x, w) in &self.points {
            cumulative += w;
            if cumulative >= target {
                return x;
            }
        }
        self.points.last().map_or(f64::NAN, |p| p.0)
    }

    /// The weighted mean.
    pub fn mean(&self) -> f64 {
        self.points.iter().map(|(x, w)| x * w).sum::<f64>() / self.total
    }
}

/// The CRPS of a point forecast `v`: `|v - y|`.
pub fn point_crps(v: f64, y: f64) -> f64 {
    (v - y).abs()
}

/// The closed-form CRPS of a normal forecast N(mean, sd) for `y` (Gneiting and Raftery).
pub fn normal_crps(mean: f64, sd: f64, y: f64) -> f64 {
    let z = (y - mean) / sd;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = crate::model::distribution::normal_cdf(z);
    sd * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / std::f64::consts::PI.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_scores_match_hand_computed_values() {
        let p = [0.2, 0.5, 0.3];
        // (0.2)^2 + (0.5 - 1)^2 + 0.3^2 = 0.04 + 0.25 + 0.09
        assert!((brier(&p, 1) - 0.38).abs() < 1e-15);
        assert!((log_score(&p, 1) - 2f64.ln()).abs() < 1e-15);
        // Cumulative 0.2, 0.7 against 0, 1: 0.04 + 0.09.
        assert!((ranked_probability(&p, 1) - 0.13).abs() < 1e-15);
        // Observed last: 0.04 + 0.49.
        assert!((ranked_probability(&p, 2) - 0.53).abs() < 1e-15);
        assert_eq!(brier(&[0.0, 1.0], 1), 0.0);
        assert_eq!(log_score(&[1.0, 0.0], 1), f64::INFINITY);
    }

    #[test]
    fn sample_crps_and_pit_match_hand_computed_values() {
        // Sample {1, 2, 4}, equal weights, y = 3: E|X - y| = (2 + 1 + 1) / 3; the mean absolute
        // difference over all 9 pairs is (2 * (1 + 3 + 2)) / 9.
        let sample = WeightedSample::new(&[4.0, 1.0, 2.0], &[1.0, 1.0, 1.0]).unwrap();
        let expected = 4.0 / 3.0 - 0.5 * 12.0 / 9.0;
        assert!((sample.crps(3.0) - expected).abs() < 1e-15);
        assert!((sample.pit(3.0) - 2.0 / 3.0).abs() < 1e-15);
        assert!((sample.pit(2.0) - 0.5).abs() < 1e-15);
        // Weights count as repeated values: {1, 2, 2, 4} with y = 0.
        let weighted = WeightedSample::new(&[1.0, 2.0, 4.0], &[1.0, 2.0, 1.0]).unwrap();
        let repeated = WeightedSample::new(&[1.0, 2.0, 2.0, 4.0], &[1.0; 4]).unwrap();
        assert!((weighted.crps(0.0) - repeated.crps(0.0)).abs() < 1e-15);
        assert_eq!(weighted.quantile(0.5), 2.0);
        assert!(WeightedSample::new(&[1.0], &[0.0]).is_none());
    }
}
