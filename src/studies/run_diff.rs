//! Comparing two finished runs from their folders: each posture's probability at the headline
//! months before and after, the change, and whether it is beyond Monte Carlo noise; and which
//! parameters differ between the two resolved models.
//!
//! Two runs with the same seed, paths and sampling share their random numbers (the same paths
//! drawn from the same streams), so a change between them is the models' doing, not sampling
//! noise: any change counts. Otherwise the runs are independent samples, and every cell is tested
//! together: each change's two-sided p-value (from the standard error of the difference) goes
//! into Holm's step-down procedure, so the chance of flagging any cell when nothing changed stays
//! at most 5% however many cells are compared, where a 5% test per cell flagged some cell in about
//! one comparison in five of two seeds of one model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::model::distribution::normal_cdf;
use crate::model::YearMonth;
use crate::problem::Problem;
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
    /// The scenario's first month, as its run.json records it.
    pub start: Option<YearMonth>,
    /// What the paths were weighed by (`given ...`, `evidence ...`); empty for a plain run.
    pub weighting: String,
}

#[derive(Deserialize)]
struct RunJson {
    scenario: String,
    #[serde(default)]
    start: String,
    model_hash: String,
    run: RunSettingsJson,
    parameters: Vec<ParameterJson>,
    #[serde(default)]
    weighting: Option<WeightingJson>,
}

#[derive(Deserialize)]
struct WeightingJson {
    given: Option<String>,
    evidence: Option<String>,
}

impl WeightingJson {
    fn describe(&self) -> String {
        let given = self.given.as_ref().map(|text| format!("given {text}"));
        let evidence = self
            .evidence
            .as_ref()
            .map(|file| format!("evidence {file}"));
        given
            .into_iter()
            .chain(evidence)
            .collect::<Vec<_>>()
            .join(" and ")
    }
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
            weighting: record
                .weighting
                .as_ref()
                .map(WeightingJson::describe)
                .unwrap_or_default(),
            start: YearMonth::parse(&record.start),
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

impl PostureChange {
    /// The two-sided p-value of the change between two independent runs.
    fn p_value(&self) -> f64 {
        let spread = (self.before.std_error.powi(2) + self.after.std_error.powi(2)).sqrt();
        match (self.change == 0.0, spread > 0.0) {
            (true, _) => 1.0,
            (false, false) => 0.0,
            (false, true) => 2.0 * normal_cdf(-(self.change / spread).abs()),
        }
    }
}

/// The chance, when nothing changed, that a diff flags any cell at all.
pub const FAMILY_ERROR_RATE: f64 = 0.05;

/// Holm's step-down procedure: which of `p_values` are rejected with a family-wise error rate of
/// `alpha`. The k-th smallest is compared with alpha / (m - k), stopping at the first kept.
pub fn holm(p_values: &[f64], alpha: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let mut rejected = vec![false; p_values.len()];
    let m = p_values.len();
    for (rank, &index) in order.iter().enumerate() {
        if p_values[index] > alpha / (m - rank) as f64 {
            break;
        }
        rejected[index] = true;
    }
    rejected
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
    /// The postures one run holds and the other does not (a `--set` that added one): they
    /// cannot be compared, and the table leaves them out.
    pub fn postures_in_one(&self) -> (Vec<String>, Vec<String>) {
        let names = |summary: &RunSummary| -> Vec<String> {
            let mut names: Vec<String> = Vec::new();
            for (posture, _) in summary.holds.keys() {
                if !names.contains(posture) {
                    names.push(posture.clone());
                }
            }
            names
        };
        let (before, after) = (names(&self.before), names(&self.after));
        let only = |these: &[String], those: &[String]| -> Vec<String> {
            these
                .iter()
                .filter(|name| !those.contains(name))
                .cloned()
                .collect()
        };
        (only(&before, &after), only(&after, &before))
    }

    pub fn of(before: RunSummary, after: RunSummary) -> RunDiff {
        let common_random_numbers = before.shares_random_numbers_with(&after);
        let mut postures: Vec<PostureChange> = before
            .holds
            .iter()
            .filter_map(|(key, was)| {
                let now = after.holds.get(key)?;
                let change = now.probability - was.probability;
                Some(PostureChange {
                    posture: key.0.clone(),
                    month: key.1,
                    before: *was,
                    after: *now,
                    change,
                    beyond_noise: common_random_numbers && change.abs() > 0.0,
                })
            })
            .collect();
        if !common_random_numbers {
            let p_values: Vec<f64> = postures.iter().map(PostureChange::p_value).collect();
            for (row, flagged) in postures.iter_mut().zip(holm(&p_values, FAMILY_ERROR_RATE)) {
                row.beyond_noise = flagged;
            }
        }
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
    pub fn test(&self) -> String {
        if self.common_random_numbers {
            "same paths (common random numbers): any change is the models'".into()
        } else {
            format!(
                "independent runs: Holm's test over the {} cells, 5% chance of any false flag",
                self.postures.len()
            )
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
