//! The scenario file format: reading, merging `extends` chains, applying `--set`, validating.
//!
//! The pipeline is [`layers::Layers::load`] (files and their parents, merged) →
//! [`layers::Layers::apply_overrides`] → serde into [`raw::RawScenario`] →
//! [`validate::validate`] into a [`crate::model::Model`]. Each stage's errors name the file, the
//! line, the field and what would be valid.

pub mod diagnostics;
pub mod expressions;
pub mod layers;
pub mod raw;
pub mod source;
pub mod validate;

use std::path::Path;

pub use diagnostics::{Diagnostic, FieldPath, Location, ScenarioErrors, Segment};
pub use layers::{Layers, Override};

use crate::model::Model;

/// Reads, merges, overrides and validates a scenario file.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Model, ScenarioErrors> {
    let mut layers = Layers::load(path)?;
    layers.apply_overrides(overrides)?;
    let raw = parse_raw(&layers)?;
    validate::validate(&layers, raw)
}

/// Deserialises the merged tree, locating any type or key error in the file that wrote it.
fn parse_raw(layers: &Layers) -> Result<raw::RawScenario, ScenarioErrors> {
    let value = toml::Value::Table(layers.merged.clone());
    serde_path_to_error::deserialize(value).map_err(|error| {
        let at = field_path(error.path());
        let message = error.inner().to_string();
        let (message, help) = split_expected(&message);
        ScenarioErrors::single(layers.diagnostic(&at, message, help))
    })
}

fn field_path(path: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment as SerdeSegment;
    FieldPath(
        path.iter()
            .filter_map(|segment| match segment {
                SerdeSegment::Map { key } => Some(Segment::Key(key.clone())),
                SerdeSegment::Seq { index } => Some(Segment::Index(*index)),
                SerdeSegment::Enum { variant } => Some(Segment::Key(variant.clone())),
                SerdeSegment::Unknown => None,
            })
            .collect(),
    )
}

/// Splits serde's "…, expected …" into the problem and what would be valid.
fn split_expected(message: &str) -> (String, Option<String>) {
    let message = message.trim();
    match message.split_once(", expected ") {
        Some((problem, expected)) => (problem.to_string(), Some(expected.to_string())),
        None => match message.split_once("expected ") {
            Some((problem, expected)) if !problem.is_empty() => (
                problem.trim_end_matches([',', ' ']).to_string(),
                Some(expected.to_string()),
            ),
            _ => (message.to_string(), None),
        },
    }
}
