//! The sources a model cites: its facts file's documents and facts (the project's own summaries,
//! each with the document it comes from), for briefings. Loading a scenario already checks that
//! every `seed:` citation names a fact; this gathers the rest of each entry from the same reader.

use std::collections::HashSet;

use crate::error::Result;

use crate::model::Model;
use crate::scenario::facts::{Document, Fact, FactsFile};

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
        let facts_file = FactsFile::read(file)?;
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
