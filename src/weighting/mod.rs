//! Weights on paths, for questions asked of a run after the fact: a condition that keeps or
//! drops a path (`--given`) and evidence that weighs it by the likelihood of what was observed
//! (`--evidence`). The engine knows nothing of either: the runner asks for a path's weight after
//! simulating it, and the tallies, which are weighted already, do the rest.

pub mod condition;
mod data_file;
pub mod evidence;
pub mod measurement;
pub mod state_test;
pub mod when;

pub use condition::Condition;
pub use evidence::Evidence;

use crate::engine::PathView;
use crate::stats::Tally;

/// How the paths of a run are weighted.
#[derive(Debug, Clone, PartialEq)]
pub enum PathWeighting {
    Given(Condition),
    Evidence(Evidence),
    /// Evidence about the worlds that meet a condition: the condition keeps or drops a path,
    /// the evidence weighs those it keeps.
    GivenAndEvidence(Condition, Evidence),
}

impl PathWeighting {
    /// The weight of the path with index `index` in fixed point (see
    /// [`crate::stats::tally::WEIGHT_ONE`]). Evidence weights are rounded up or down at random,
    /// with the chance of rounding up the fraction cut off ([`Tally::fixed_weight_unbiased`]),
    /// by a coin the path's index alone decides: the same path gets the same weight in any
    /// thread or shard.
    pub fn weight(&self, path: &impl PathView, parameters: &[f64], index: u64) -> u64 {
        let fixed = |weight: f64| Tally::fixed_weight_unbiased(weight, rounding_coin(index));
        match self {
            PathWeighting::Given(condition) => {
                if condition.holds(path, parameters) {
                    crate::stats::tally::WEIGHT_ONE
                } else {
                    0
                }
            }
            PathWeighting::Evidence(evidence) => fixed(evidence.weight(path, parameters)),
            PathWeighting::GivenAndEvidence(condition, evidence) => {
                if condition.holds(path, parameters) {
                    fixed(evidence.weight(path, parameters))
                } else {
                    0
                }
            }
        }
    }

    /// The evidence, if any.
    pub fn evidence(&self) -> Option<&Evidence> {
        match self {
            PathWeighting::Evidence(evidence) | PathWeighting::GivenAndEvidence(_, evidence) => {
                Some(evidence)
            }
            PathWeighting::Given(_) => None,
        }
    }

    /// The condition, if any.
    pub fn condition(&self) -> Option<&Condition> {
        match self {
            PathWeighting::Given(condition) | PathWeighting::GivenAndEvidence(condition, _) => {
                Some(condition)
            }
            PathWeighting::Evidence(_) => None,
        }
    }

    /// The month of the latest evidence, if any: the forecast's "today".
    pub fn as_of(&self) -> Option<usize> {
        match self {
            PathWeighting::Evidence(evidence) | PathWeighting::GivenAndEvidence(_, evidence) => {
                evidence.last_month()
            }
            PathWeighting::Given(_) => None,
        }
    }

    /// What it is, for reports: `given …` or `evidence …`.
    pub fn describe(&self) -> String {
        match self {
            PathWeighting::Given(condition) => format!("given {}", condition.text),
            PathWeighting::Evidence(evidence) => format!("evidence {}", evidence.file),
            PathWeighting::GivenAndEvidence(condition, evidence) => {
                format!("given {} and evidence {}", condition.text, evidence.file)
            }
        }
    }
}

/// A uniform 64-bit coin for rounding path `index`'s weight, apart from every stream the path
/// draws from (those are keyed by the seed as well).
fn rounding_coin(index: u64) -> u64 {
    const SALT: u64 = 0x5745_4947_4854_5321;
    crate::sampling::rng::splitmix64(index ^ SALT)
}
