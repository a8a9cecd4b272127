//! Intervals for estimated probabilities, and the words of estimative probability (ICD 203).

use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A probability estimated from (possibly weighted) paths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub std_error: f64,
}

impl Estimate {
    /// The estimate of the complementary event: `1 - p`, with the interval mirrored (the Wilson
    /// interval is symmetric under it) and the same standard error.
    pub fn complement(&self) -> Estimate {
        Estimate {
            probability: 1.0 - self.probability,
            ci_low: 1.0 - self.ci_high,
            ci_high: 1.0 - self.ci_low,
            std_error: self.std_error,
        }
    }

    /// The Wilson score interval for `probability` seen over an effective sample of
    /// `effective_paths` (Kish's (sum w)^2 / sum w^2; the path count for unweighted runs).
    pub fn wilson(probability: f64, effective_paths: f64) -> Self {
        if effective_paths <= 0.0 || !probability.is_finite() {
            return Estimate {
                probability: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                std_error: f64::NAN,
            };
        }
        let p = probability.clamp(0.0, 1.0);
        let n = effective_paths;
        let z2 = Z_95 * Z_95;
        let denominator = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denominator;
        let half_width = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
        Estimate {
            probability: p,
            ci_low: (centre - half_width).max(0.0).min(p),
            ci_high: (centre + half_width).min(1.0).max(p),
            std_error: (p * (1.0 - p) / n).sqrt(),
        }
    }
}

/// ICD 203's words of estimative probability for a probability.
pub fn icd203_words(probability: f64) -> &'static str {
    match probability {
        p if p.is_nan() => "no estimate",
        p if p < 0.05 => "almost no chance",
        p if p < 0.20 => "very unlikely",
        p if p < 0.45 => "unlikely",
        p if p <= 0.55 => "roughly even chance",
        p if p <= 0.80 => "likely",
        p if p <= 0.95 => "very likely",
        _ => "almost certain",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_contains_the_estimate_and_narrows_with_paths() {
        let small = Estimate::wilson(0.3, 100.0);
        let large = Estimate::wilson(0.3, 10_000.0);
        assert!(small.ci_low < 0.3 && 0.3 < small.ci_high);
        assert!(large.ci_high - large.ci_low < small.ci_high - small.ci_low);
        // Known value: p = 0.3, n = 100 gives about [0.219, 0.396].
        assert!((small.ci_low - 0.2189).abs() < 1e-3, "{}", small.ci_low);
        assert!((small.ci_high - 0.3958).abs() < 1e-3, "{}", small.ci_high);
    }

    #[test]
    fn wilson_interval_at_zero_is_not_degenerate() {
        let zero = Estimate::wilson(0.0, 1000.0);
        assert_eq!(zero.ci_low, 0.0);
        assert!(zero.ci_high > 0.0);
    }

    #[test]
    fn words_follow_icd_203_bands() {
        assert_eq!(icd203_words(0.01), "almost no chance");
        assert_eq!(icd203_words(0.10), "very unlikely");
        assert_eq!(icd203_words(0.30), "unlikely");
        assert_eq!(icd203_words(0.50), "roughly even chance");
        assert_eq!(icd203_words(0.70), "likely");
        assert_eq!(icd203_words(0.90), "very likely");
        assert_eq!(icd203_words(0.97), "almost certain");
    }
}
