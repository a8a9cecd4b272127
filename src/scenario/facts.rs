//! The facts file (`seeds/facts.toml`): the documents a project cites and the facts it takes from
//! each, in its own words. This is its one reader: validation checks a scenario's `seed:`
//! citations against it, evidence files theirs, and briefings list the cited sources from it.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::input::read_text_bounded;
use crate::problem::Problem;

/// A facts file larger than this is refused: the shipped one is a few dozen KiB.
pub const MAX_FACTS_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fact {
    pub id: String,
    pub document: String,
    #[serde(default)]
    pub date: String,
    pub claim: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FactsFile {
    #[serde(default)]
    pub document: Vec<Document>,
    #[serde(default)]
    pub fact: Vec<Fact>,
}

impl FactsFile {
    /// Reads a facts file; the problem says which file and why it cannot be used.
    pub fn read(file: &Path) -> Result<FactsFile, Problem> {
        let text = read_text_bounded(file, MAX_FACTS_BYTES)
            .map_err(|error| Problem::new(format!("{}: {error}", file.display())))?;
        let facts: FactsFile = toml::from_str(&text).map_err(|error| {
            Problem::new(format!(
                "{} is not valid TOML: {}",
                file.display(),
                error.message()
            ))
        })?;
        if facts.fact.is_empty() {
            return Err(Problem::new(format!(
                "{} has no [[fact]] tables",
                file.display()
            )));
        }
        Ok(facts)
    }

    /// Each fact's id, with the id of the document it comes from.
    pub fn fact_documents(&self) -> HashMap<String, String> {
        self.fact
            .iter()
            .map(|fact| (fact.id.clone(), fact.document.clone()))
            .collect()
    }
}
