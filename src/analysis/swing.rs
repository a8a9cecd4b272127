//! One-at-a-time swings on common random numbers: the same paths run twice, an input held low
//! in one run and high in the other, so the difference path by path is the input's effect alone.

use super::Interval;
use crate::stats::interval::Z_95;

/// An output's mean with the input held low and high, and the paired change between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swing {
    pub at_low: f64,
    pub at_high: f64,
    /// `at_high - at_low`, with an interval from the paired differences.
    pub change: Interval,
}

/// The swing between two runs of the same paths. Invariant: `low.len() == high.len()`, and
/// entry `i` of each comes from path `i`.
pub fn paired_swing(low: &[f64], high: &[f64]) -> Swing {
    let paths = low.len().min(high.len());
    if paths == 0 {
        return Swing {
            at_low: f64::NAN,
            at_high: f64::NAN,
            change: Interval::UNDEFINED,
        };
    }
    let n = paths as f64;
    let at_low = low[..paths].iter().sum::<f64>() / n;
    let at_high = high[..paths].iter().sum::<f64>() / n;
    let change = at_high - at_low;
    let squares: f64 = (0..paths)
        .map(|i| (high[i] - low[i] - change).powi(2))
        .sum();
    let std_error = (squares / (n - 1.0).max(1.0) / n).sqrt();
    Swing {
        at_low,
        at_high,
        change: Interval {
            value: change,
            ci_low: change - Z_95 * std_error,
            ci_high: change + Z_95 * std_error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_runs_swing_by_exactly_nothing() {
        let outcome = [1.0, 0.0, 1.0, 1.0];
        let swing = paired_swing(&outcome, &outcome);
        assert_eq!(swing.change.value, 0.0);
        assert_eq!((swing.change.ci_low, swing.change.ci_high), (0.0, 0.0));
    }

    #[test]
    fn the_interval_comes_from_paired_differences() {
        // One path of four changes: mean 0.25, differences' sd 0.5, SE 0.25.
        let swing = paired_swing(&[0.0, 0.0, 1.0, 1.0], &[1.0, 0.0, 1.0, 1.0]);
        assert_eq!(swing.change.value, 0.25);
        assert!((swing.change.ci_high - (0.25 + Z_95 * 0.25)).abs() < 1e-12);
    }
}
