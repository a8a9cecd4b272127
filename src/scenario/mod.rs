//! The scenario file format: reading, merging `extends` chains, applying `--set`, validating.
//!
//! The pipeline is [`layers::Layers::load`] (files and their parents, merged) →
//! [`layers::Layers::apply_overrides`] → serde into [`raw::RawScenario`] →
//! [`validate::validate`] into a [`crate::model::Model`]. Each stage's errors name the file, the
//! line, the field and what would be valid.

pub mod batch_file;
pub mod diagnostics;
pub mod differences;
pub mod expressions;
pub mod facts;
pub mod layers;
pub mod raw;
pub mod request;
pub mod source;
pub mod validate;

use std::path::Path;

pub use diagnostics::{FieldPath, Segment};
pub use layers::{Layers, Override};

use crate::model::Model;
use crate::problem::Problems;

/// Reads, merges, overrides and validates a scenario file.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Model, Problems> {
    let mut layers = Layers::load(path)?;
    layers.apply_overrides(overrides)?;
    let raw = parse_raw(&layers)?;
    validate::validate(&layers, raw)
}

/// Deserialises the merged tree, locating any type or key error in the file that wrote it.
fn parse_raw(layers: &Layers) -> Result<raw::RawScenario, Problems> {
    let value = toml::Value::Table(layers.merged.clone());
    serde_path_to_error::deserialize(value).map_err(|error| {
        let at = field_path(error.path());
        let message = error.inner().to_string();
        let (message, help) = match at.to_string().as_str() {
            "batch" => (
                "this is a batch file, not a scenario".to_string(),
                Some("`foresight batch FILE` runs a batch file".to_string()),
            ),
            path if path.ends_with(".dist") && message.contains("wanted exactly 1 element") => (
                "`dist` names more than one distribution".to_string(),
                Some("exactly one, such as dist.beta = { alpha, beta }".to_string()),
            ),
            _ => split_expected(&message),
        };
        Problems::single(layers.diagnostic(&at, message, help))
    })
}

/// Deserialises one file on its own (an evidence file, say), locating any type or key error.
pub fn deserialize_file<T: serde::de::DeserializeOwned>(
    file: &source::SourceFile,
) -> Result<T, Problems> {
    let value = toml::Value::Table(file.table.clone());
    serde_path_to_error::deserialize(value).map_err(|error| {
        let at = field_path(error.path());
        let (message, help) = split_expected(&error.inner().to_string());
        Problems::single(file.diagnostic(&at, message, help))
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

/// Splits serde's "…, expected …" into the problem and what would be valid, in plain words.
fn split_expected(message: &str) -> (String, Option<String>) {
    // toml appends "\nin `path`", which repeats (sometimes wrongly) the field we already name.
    let message = message.lines().next().unwrap_or_default().trim();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return (
            format!("`{field}` is missing"),
            Some(format!("a `{field}` key or [{field}] table here")),
        );
    }
    // A one-key table such as `dist` written as a bare value.
    if message.starts_with("invalid type: unit variant") {
        return (
            "this must be a table that names one kind".to_string(),
            Some("a one-key table, such as dist.beta = { alpha = 2.0, beta = 5.0 }".to_string()),
        );
    }
    let (problem, expected) = split_problem(message);
    (
        problem,
        expected.map(|expected| plain_type_words(&expected)),
    )
}

fn split_problem(message: &str) -> (String, Option<String>) {
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

/// Serde names Rust types ("i64", "struct RawRun"); an analyst needs the kind of value.
fn plain_type_words(expected: &str) -> String {
    let words = match expected.trim() {
        "i64" | "u64" | "u32" | "usize" | "i32" => "a whole number",
        "f64" | "f32" => "a number, such as 0.5",
        "a boolean" | "bool" => "true or false",
        "a string" | "string" => "text in double quotes",
        "a sequence" => "a list in square brackets, such as [\"a\", \"b\"]",
        other if other.starts_with("struct ") || other.starts_with("a map") => {
            "a table of keys and values"
        }
        other => return other.to_string(),
    };
    words.to_string()
}
