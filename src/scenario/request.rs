//! A model request: which scenario file to load and what the command line changes in it
//! (`--set`s, paths, seed, horizon, sampling). Every command that loads a model holds one, built once from
//! its arguments; a batch entry, a sweep point, a shard and `watch` derive theirs from it, so no
//! command rebuilds another's options field by field.

use std::path::PathBuf;

use crate::error::Result;
use crate::problem::Problem;

use super::{load, Override};
use crate::model::Model;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRequest {
    /// The scenario file, as given.
    pub file: PathBuf,
    /// `--set NAME=VALUE` options, as written, in the order they apply.
    pub set: Vec<String>,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub horizon: Option<u32>,
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
        let mut overrides = self
            .set
            .iter()
            .map(|written| Ok(Override::parse(written)?))
            .collect::<Result<Vec<_>>>()?;
        let mut named = |name: &str, option: &str, value: i64| {
            overrides.push(Override {
                name: name.into(),
                value: toml::Value::Integer(value),
                written: format!("--{option} {value}"),
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
        if let Some(horizon) = self.horizon {
            named("scenario.horizon_months", "horizon", horizon as i64);
        }
        if let Some(sampling) = &self.sampling {
            overrides.push(Override {
                name: "run.sampling".into(),
                value: toml::Value::String(sampling.clone()),
                written: format!("--sampling {sampling}"),
            });
        }
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
        let mut written: Vec<String> = self.set.iter().map(|set| format!("--set {set}")).collect();
        written.extend(self.paths.map(|paths| format!("--paths {paths}")));
        written.extend(self.seed.map(|seed| format!("--seed {seed}")));
        written.extend(self.horizon.map(|months| format!("--horizon {months}")));
        written.extend(
            self.sampling
                .iter()
                .map(|sampling| format!("--sampling {sampling}")),
        );
        written
    }
}
