//! The sources a model cites: its facts file's documents and facts (the project's own summaries,
//! each with the document it comes from), read for briefings. Loading a scenario already checks
//! that every `seed:` citation names a fact; this reads the rest of each entry.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::model::Model;

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

#[derive(Debug, Deserialize)]
struct FactsFile {
    #[serde(default)]
    document: Vec<Document>,
    #[serde(default)]
    fact: Vec<Fact>,
}

/// The documents a model cites, most cited first, each with the facts it cites from it.
#[derive(Debug, Clone, Default)]
pub struct CitedSources {
    pub documents: Vec<(Document, Vec<Fact>)>,
}

impl CitedSources {
    /// The model's cited documents and facts; empty when the model names no facts file.
    pub fn of(model: &Model) -> Result<Self> {
        let Some(file) = &model.meta.sources_file else {
            return Ok(CitedSources::default());
        };
        let facts_file = read(file)?;
        let cited: HashSet<&str> = model.meta.cited_facts.iter().map(String::as_str).collect();
        let documents = model
            .meta
            .cited_documents
            .iter()
            .filter_map(|id| facts_file.document.iter().find(|d| &d.id == id))
            .map(|document| {
                let facts = facts_file
                    .fact
                    .iter()
                    .filter(|fact| fact.document == document.id && cited.contains(fact.id.as_str()))
                    .cloned()
                    .collect();
                (document.clone(), facts)
            })
            .collect();
        Ok(CitedSources { documents })
    }
}

fn read(file: &Path) -> Result<FactsFile> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the sources file {}", file.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid facts file", file.display()))
}
