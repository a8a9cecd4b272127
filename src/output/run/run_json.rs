//! `run.json`: what was run, how, and a hash of the model, so any figure can be reproduced.

use crate::error::Result;
use serde::Serialize;
use std::path::Path;

use super::{Artifact, Export, OutputFolder, RunReport};
use crate::model::{Parameter, ParameterValue, RunSettings, YearMonth};

pub struct RunJson;

pub const RUN_FILE: &str = "run.json";

#[derive(Serialize)]
struct RunRecord<'a> {
    program: &'static str,
    version: &'static str,
    scenario: &'a str,
    title: &'a str,
    file: String,
    /// The same file made absolute, for `score` run from another folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    absolute_file: Option<String>,
    model_hash: String,
    start: YearMonth,
    horizon_months: u32,
    run: &'a RunSettings,
    overrides: &'a [String],
    threads: usize,
    started_at: &'a str,
    wall_time_seconds: f64,
    paths_per_second: f64,
    effective_paths: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<crate::precision::PrecisionReached>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_shards: Option<u64>,
    /// With merged shards: their compute, added (the wall time is the merge's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    shards_compute_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weighting: Option<WeightingRecord>,
    parameters: Vec<ParameterRecord<'a>>,
}

/// How a weighted run was weighted, and how much of the paths' weight survived.
#[derive(Serialize)]
struct WeightingRecord {
    kind: &'static str,
    /// The condition as written, or the evidence file.
    what: String,
    /// Share of the paths' total weight that the weighting kept (for `--given`, the share of
    /// paths that met the condition).
    kept_share: f64,
    prior_effective_paths: f64,
    /// The `--given` condition and the `--evidence` file as written, to run it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    given: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence_absolute: Option<String>,
    /// What the evidence said (see `Evidence::content_sha256`): `score` refuses evidence that
    /// has changed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence_sha256: Option<String>,
    /// How evidence was assimilated (`--resample-below`, `--move-steps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    resample_below: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    move_steps: Option<usize>,
}

#[derive(Serialize)]
struct ParameterRecord<'a> {
    name: &'a str,
    about: &'a str,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distribution: Option<String>,
}

impl<'a> ParameterRecord<'a> {
    fn of(parameter: &'a Parameter) -> Self {
        let (fixed, distribution) = match &parameter.value {
            ParameterValue::Fixed(value) => (Some(*value), None),
            ParameterValue::Uncertain(distribution) => (None, Some(distribution.describe())),
        };
        ParameterRecord {
            name: &parameter.name,
            about: &parameter.about,
            source: &parameter.source,
            fixed,
            distribution,
        }
    }
}

impl Export for RunJson {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>> {
        let model = report.model;
        let seconds = report.wall_time.as_secs_f64();
        // The rate is of simulating: for a merge, over the shards' compute, not the merge.
        let computing = report
            .merged
            .map_or(seconds, |merged| merged.compute_seconds);
        let record = RunRecord {
            program: "foresight",
            version: env!("CARGO_PKG_VERSION"),
            scenario: &model.meta.name,
            title: &model.meta.title,
            file: model.meta.file.display().to_string(),
            absolute_file: absolute(&model.meta.file),
            model_hash: model.model_hash(),
            start: model.meta.start,
            horizon_months: model.meta.horizon_months,
            run: &model.run,
            overrides: &report.overrides,
            threads: report.threads,
            started_at: &report.started_at,
            wall_time_seconds: seconds,
            paths_per_second: model.run.paths as f64 / computing.max(1e-9),
            effective_paths: report.estimates.effective_paths,
            precision: report.precision,
            merged_shards: report.merged.map(|merged| merged.shards),
            shards_compute_seconds: report.merged.map(|merged| merged.compute_seconds),
            weighting: report.weighted.as_ref().map(|weighted| WeightingRecord {
                kind: weighted.kind(),
                what: weighted.weighting.describe(),
                kept_share: report.kept_share(),
                prior_effective_paths: weighted.prior.effective_paths,
                given: weighted.weighting.condition().map(|c| c.text.clone()),
                evidence: weighted.weighting.evidence().map(|e| e.file.clone()),
                evidence_absolute: weighted
                    .weighting
                    .evidence()
                    .and_then(|e| absolute(Path::new(&e.file))),
                evidence_sha256: weighted.weighting.evidence().map(|e| e.content_sha256()),
                resample_below: report.assimilation.map(|a| a.settings.resample_below),
                move_steps: report.assimilation.map(|a| a.settings.move_steps),
            }),
            parameters: model.parameters.iter().map(ParameterRecord::of).collect(),
        };
        let mut text = serde_json::to_string_pretty(&record)?;
        text.push('\n');
        Ok(vec![Artifact::write(folder, RUN_FILE, text.as_bytes())?])
    }
}

/// A file's absolute path, where it can be resolved.
fn absolute(file: &Path) -> Option<String> {
    std::fs::canonicalize(file)
        .ok()
        .map(|path| path.display().to_string())
}
