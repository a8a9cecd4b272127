//! A model request: which scenario file to load and what the command line changes in it
//! (`--set`s, paths, seed, horizon, sampling). Every command that loads a model holds one, built once from
//! its arguments; a batch entry, a sweep point, a shard and `watch` derive theirs from it, so no
//! command rebuilds another's options field by field.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::problem::{Location, Problem};

use super::{load, Override};
use crate::model::{Model, YearMonth};

/// `--horizon`: a number of months after the start, or the last month as `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "not a horizon, expected a whole number of months or the last month as \"YYYY-MM\""
)]
pub enum Horizon {
    Months(u32),
    Until(String),
}

impl FromStr for Horizon {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Ok(months) = text.parse::<u32>() {
            return Ok(Horizon::Months(months));
        }
        match YearMonth::parse(text) {
            Some(_) => Ok(Horizon::Until(text.to_string())),
            None => Err(format!(
                "`{text}` is neither a number of months nor a last month (YYYY-MM, such as 2027-12)"
            )),
        }
    }
}

impl fmt::Display for Horizon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Horizon::Months(months) => write!(f, "{months}"),
            Horizon::Until(last) => write!(f, "{last}"),
        }
    }
}

/// A `NAME=VALUE` override written in a file (a batch's `set`), and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSet {
    pub text: String,
    pub at: Location,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRequest {
    /// The scenario file, as given.
    pub file: PathBuf,
    /// Overrides written in a batch file, applied before the command line's.
    pub file_sets: Vec<FileSet>,
    /// `--set NAME=VALUE` options, as written, in the order they apply.
    pub set: Vec<String>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub horizon: Option<Horizon>,
    /// `latin_hypercube` or `monte_carlo`, as `run.sampling` takes it.
    pub sampling: Option<String>,
}

impl ModelRequest {
    /// The same request with more `--set`s, applied after its own.
    pub fn with_sets(&self, more: impl IntoIterator<Item = String>) -> ModelRequest {
        let mut request = self.clone();
        request.set.extend(more);
        request
    }

    /// The overrides: `--set` options, then `--paths`, `--seed` and `--horizon`.
    pub fn overrides(&self) -> Result<Vec<Override>> {
        let from_files = self.file_sets.iter().map(|set| {
            Override::parse(&set.text)
                .map(|item| item.written_at(set.at.clone()))
                .map_err(|problem| problem.located(set.at.clone()))
        });
        let mut overrides = from_files
            .chain(self.set.iter().map(|written| Override::parse(written)))
            .collect::<Result<Vec<_>, Problem>>()?;
        let mut named = |name: &str, option: &str, value: i64| {
            overrides.push(Override {
                name: name.into(),
                value: toml::Value::Integer(value),
                at: Location::CommandLine {
                    option: format!("--{option} {value}"),
                },
            });
        };
        if let Some(paths) = self.paths {
            named(
                "run.paths",
                "paths",
                i64::try_from(paths).unwrap_or(i64::MAX),
            );
        }
        if let Some(seed) = self.seed {
            let seed = i64::try_from(seed).map_err(|_| {
                Problem::new(format!("--seed {seed} is too large")).valid("a seed below 2^63")
            })?;
            named("run.seed", "seed", seed);
        }
        match &self.horizon {
            Some(Horizon::Months(months)) => {
                named("scenario.horizon_months", "horizon", i64::from(*months))
            }
            Some(Horizon::Until(last)) => overrides.push(Override {
                name: "scenario.horizon_months".into(),
                value: toml::Value::String(last.clone()),
                at: Location::CommandLine {
                    option: format!("--horizon {last}"),
                },
            }),
            None => {}
        }
        if let Some(sampling) = &self.sampling {
            overrides.push(Override {
                name: "run.sampling".into(),
                value: toml::Value::String(sampling.clone()),
                at: Location::CommandLine {
                    option: format!("--sampling {sampling}"),
                },
            });
        }
        refuse_repeated(&overrides)?;
        Ok(overrides)
    }

    /// Loads and validates the scenario with every override applied.
    pub fn load(&self) -> Result<Model> {
        let overrides = self.overrides()?;
        Ok(load(&self.file, &overrides)?)
    }

    /// Every option that changed the file's model, as written: what run.json, study.json,
    /// sweep.json and batch.json record as `overrides`.
    pub fn written_overrides(&self) -> Vec<String> {
        let sets = self.file_sets.iter().map(|set| &set.text).chain(&self.set);
        let mut written: Vec<String> = sets.map(|set| format!("--set {set}")).collect();
        written.extend(self.paths.map(|paths| format!("--paths {paths}")));
        written.extend(self.seed.map(|seed| format!("--seed {seed}")));
        written.extend(
            self.horizon
                .as_ref()
                .map(|horizon| format!("--horizon {horizon}")),
        );
        written.extend(
            self.sampling
                .iter()
                .map(|sampling| format!("--sampling {sampling}")),
        );
        written
    }
}

/// Two options of one command line that set the same field: the later would win without a
/// word, and a bad value in the earlier would never be read. A batch file's own `set` entries
/// are meant to give way to the command line, so only typed options are compared.
fn refuse_repeated(overrides: &[Override]) -> Result<(), Problem> {
    let typed: Vec<(&str, &str)> = overrides
        .iter()
        .filter_map(|item| match &item.at {
            Location::CommandLine { option } => Some((item.name.as_str(), option.as_str())),
            _ => None,
        })
        .collect();
    for (index, (name, later)) in typed.iter().enumerate() {
        if let Some((_, earlier)) = typed[..index].iter().find(|(other, _)| other == name) {
            return Err(
                Problem::new(format!("`{earlier}` and `{later}` both set {name}"))
                    .valid("one option for each field"),
            );
        }
    }
    Ok(())
}
