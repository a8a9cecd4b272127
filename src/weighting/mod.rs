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
    /// The path's weight in fixed point (see [`crate::stats::tally::WEIGHT_ONE`]).
    pub fn weight(&self, path: &impl PathView, parameters: &[f64]) -> u64 {
        match self {
            PathWeighting::Given(condition) => {
                if condition.holds(path, parameters) {
                    crate::stats::tally::WEIGHT_ONE
                } else {
                    0
                }
            }
            PathWeighting::Evidence(evidence) => {
                Tally::fixed_weight(evidence.weight(path, parameters))
            }
            PathWeighting::GivenAndEvidence(condition, evidence) => {
                if condition.holds(path, parameters) {
                    Tally::fixed_weight(evidence.weight(path, parameters))
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
