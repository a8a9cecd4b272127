//! Comparing two finished runs from their folders: each posture's probability at the headline
//! months before and after, the change, and whether it is beyond Monte Carlo noise; and which
//! parameters differ between the two resolved models.
//!
//! Two runs with the same seed, paths and sampling share their random numbers (the same paths
//! drawn from the same streams), so a change between them is the models' doing, not sampling
//! noise: any change counts. Otherwise the runs are independent samples, and a change counts when
//! it exceeds 1.96 standard errors of the difference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::problem::Problem;
use crate::stats::interval::Z_95;
use crate::stats::Estimate;

/// What `diff` reads of a run folder.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub folder: PathBuf,
    pub scenario: String,
    pub model_hash: String,
    pub seed: u64,
    pub paths: u64,
    pub sampling: String,
    /// Each parameter's value as a run records it: `fixed at 0.4` or its distribution.
    pub parameters: BTreeMap<String, String>,
    /// `(posture, month)` to the probability of holding it then, in the run's own order.
    pub holds: IndexMap<(String, usize), Estimate>,
}

#[derive(Deserialize)]
struct RunJson {
    scenario: String,
    model_hash: String,
    run: RunSettingsJson,
    parameters: Vec<ParameterJson>,
}

#[derive(Deserialize)]
struct RunSettingsJson {
    paths: u64,
    seed: u64,
    sampling: String,
}

#[derive(Deserialize)]
struct ParameterJson {
    name: String,
    fixed: Option<f64>,
    distribution: Option<String>,
}

#[derive(Deserialize)]
struct SummaryRow {
    measure: String,
    posture: String,
    month: usize,
    probability: f64,
    ci_low: f64,
    ci_high: f64,
    std_error: f64,
}

impl RunSummary {
    /// Reads `run.json` and `summary.csv` of a run folder.
    pub fn read(folder: &Path) -> Result<RunSummary> {
        if !folder.join("run.json").is_file() {
            return Err(Problem::new(format!(
                "{} is not a run folder (it has no run.json)",
                folder.display()
            ))
            .valid("a folder a `foresight run` wrote, such as outputs/base/latest")
            .into());
        }
        let record: RunJson = serde_json::from_slice(
            &crate::input::read_bounded(&folder.join("run.json"), 64 << 20)
                .with_context(|| format!("cannot read {}/run.json", folder.display()))?,
        )
        .with_context(|| format!("{}/run.json is not a run record", folder.display()))?;
        let mut holds = IndexMap::new();
        let mut reader = csv::Reader::from_path(folder.join("summary.csv"))
            .with_context(|| format!("cannot read {}/summary.csv", folder.display()))?;
        for row in reader.deserialize::<SummaryRow>() {
            let row =
                row.with_context(|| format!("{}/summary.csv is damaged", folder.display()))?;
            if row.measure == "holds" {
                let estimate = Estimate {
                    probability: row.probability,
                    ci_low: row.ci_low,
                    ci_high: row.ci_high,
                    std_error: row.std_error,
                };
                holds.insert((row.posture, row.month), estimate);
            }
        }
        let parameters = record
            .parameters
            .into_iter()
            .map(|p| {
                let value = match (p.fixed, p.distribution) {
                    (Some(value), _) => format!("fixed at {value}"),
                    (None, Some(distribution)) => distribution,
                    (None, None) => "unknown".to_string(),
                };
                (p.name, value)
            })
            .collect();
        Ok(RunSummary {
            folder: folder.to_path_buf(),
            scenario: record.scenario,
            model_hash: record.model_hash,
            seed: record.run.seed,
            paths: record.run.paths,
            sampling: record.run.sampling,
            parameters,
            holds,
        })
    }

    fn shares_random_numbers_with(&self, other: &RunSummary) -> bool {
        self.seed == other.seed && self.paths == other.paths && self.sampling == other.sampling
    }
}

/// One posture at one month, before and after.
#[derive(Debug, Clone)]
pub struct PostureChange {
    pub posture: String,
    pub month: usize,
    pub before: Estimate,
    pub after: Estimate,
    pub change: f64,
    pub beyond_noise: bool,
}

/// A parameter whose value differs, or that only one run has.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterChange {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The comparison of two runs.
#[derive(Debug, Clone)]
pub struct RunDiff {
    pub before: RunSummary,
    pub after: RunSummary,
    /// Same seed, paths and sampling: the runs share their random numbers.
    pub common_random_numbers: bool,
    pub postures: Vec<PostureChange>,
    pub parameters: Vec<ParameterChange>,
}

impl RunDiff {
    pub fn of(before: RunSummary, after: RunSummary) -> RunDiff {
        let common_random_numbers = before.shares_random_numbers_with(&after);
        let postures = before
            .holds
            .iter()
            .filter_map(|(key, was)| {
                let now = after.holds.get(key)?;
                let change = now.probability - was.probability;
                let beyond_noise = if common_random_numbers {
                    change.abs() > 0.0
                } else {
                    let spread = (was.std_error.powi(2) + now.std_error.powi(2)).sqrt();
                    change.abs() > Z_95 * spread
                };
                Some(PostureChange {
                    posture: key.0.clone(),
                    month: key.1,
                    before: *was,
                    after: *now,
                    change,
                    beyond_noise,
                })
            })
            .collect();
        let parameters = parameter_changes(&before.parameters, &after.parameters);
        RunDiff {
            before,
            after,
            common_random_numbers,
            postures,
            parameters,
        }
    }

    /// How a change was judged, for tables.
    pub fn test(&self) -> &'static str {
        if self.common_random_numbers {
            "same paths (common random numbers): any change is the models'"
        } else {
            "independent runs: beyond 1.96 standard errors of the difference"
        }
    }
}

fn parameter_changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<ParameterChange> {
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (was, now) = (before.get(name), after.get(name));
            (was != now).then(|| ParameterChange {
                name: name.clone(),
                before: was.cloned(),
                after: now.cloned(),
            })
        })
        .collect()
}
