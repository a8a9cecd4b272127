//! How strongly an observation tells outcomes apart. Paths are cross-tabulated by what an
//! observer would see (a category of an observable) and the outcome they end in; for each
//! category and outcome, the likelihood ratio P(seen | outcome) / P(seen | any other outcome)
//! is the factor by which seeing it multiplies the odds of that outcome.

use super::Interval;
use crate::stats::interval::Z_95;

/// Path counts by observed category (rows) and outcome (columns).
#[derive(Debug, Clone, PartialEq)]
pub struct CrossTable {
    categories: usize,
    outcomes: usize,
    counts: Vec<u64>,
}

/// What seeing one category says about one outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    /// Share of all paths in the category.
    pub seen_share: f64,
    /// P(outcome) before and after seeing the category.
    pub prior: f64,
    pub updated: f64,
    /// P(seen | outcome) / P(seen | other outcomes), with a delta-method interval on the log.
    /// Undefined when either side has no paths in the category.
    pub likelihood_ratio: Interval,
}

impl CrossTable {
    pub fn new(categories: usize, outcomes: usize) -> Self {
        CrossTable {
            categories,
            outcomes,
            counts: vec![0; categories * outcomes],
        }
    }

    pub fn add(&mut self, category: usize, outcome: usize) {
        self.counts[category * self.outcomes + outcome] += 1;
    }

    fn count(&self, category: usize, outcome: usize) -> f64 {
        self.counts[category * self.outcomes + outcome] as f64
    }

    fn category_total(&self, category: usize) -> f64 {
        (0..self.outcomes).map(|o| self.count(category, o)).sum()
    }

    fn outcome_total(&self, outcome: usize) -> f64 {
        (0..self.categories).map(|c| self.count(c, outcome)).sum()
    }

    fn total(&self) -> f64 {
        self.counts.iter().sum::<u64>() as f64
    }

    /// What seeing `category` says about `outcome`.
    pub fn signal(&self, category: usize, outcome: usize) -> Signal {
        let total = self.total();
        let seen = self.category_total(category);
        let with = self.outcome_total(outcome);
        let seen_with = self.count(category, outcome);
        let (seen_without, without) = (seen - seen_with, total - with);
        Signal {
            seen_share: seen / total,
            prior: with / total,
            updated: if seen > 0.0 {
                seen_with / seen
            } else {
                f64::NAN
            },
            likelihood_ratio: ratio_of_shares(seen_with, with, seen_without, without),
        }
    }

    /// Mutual information between category and outcome, in bits: how much watching this
    /// observable tells about the outcome, whatever is seen.
    pub fn information_bits(&self) -> f64 {
        let total = self.total();
        let mut bits = 0.0;
        for category in 0..self.categories {
            let p_category = self.category_total(category) / total;
            for outcome in 0..self.outcomes {
                let joint = self.count(category, outcome) / total;
                if joint > 0.0 {
                    let p_outcome = self.outcome_total(outcome) / total;
                    bits += joint * (joint / (p_category * p_outcome)).log2();
                }
            }
        }
        bits
    }
}

/// (a / n) / (b / m) with a 95% interval from the log ratio's delta-method standard error.
fn ratio_of_shares(a: f64, n: f64, b: f64, m: f64) -> Interval {
    if a <= 0.0 || b <= 0.0 || n <= 0.0 || m <= 0.0 {
        return Interval::UNDEFINED;
    }
    let log_ratio = (a / n).ln() - (b / m).ln();
    let std_error = (1.0 / a - 1.0 / n + 1.0 / b - 1.0 / m).max(0.0).sqrt();
    Interval {
        value: log_ratio.exp(),
        ci_low: (log_ratio - Z_95 * std_error).exp(),
        ci_high: (log_ratio + Z_95 * std_error).exp(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_independent_observation_has_ratio_one_and_no_information() {
        let mut table = CrossTable::new(2, 2);
        for (category, outcome, times) in [(0, 0, 10), (0, 1, 30), (1, 0, 20), (1, 1, 60)] {
            for _ in 0..times {
                table.add(category, outcome);
            }
        }
        let signal = table.signal(0, 0);
        assert!((signal.likelihood_ratio.value - 1.0).abs() < 1e-12);
        assert!((signal.updated - signal.prior).abs() < 1e-12);
        assert!(table.information_bits().abs() < 1e-12);
    }

    #[test]
    fn a_perfect_signal_carries_the_outcome_entropy() {
        let mut table = CrossTable::new(2, 2);
        for _ in 0..50 {
            table.add(0, 0);
            table.add(1, 1);
        }
        assert!((table.information_bits() - 1.0).abs() < 1e-12);
        assert_eq!(table.signal(0, 0).updated, 1.0);
    }
}
