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

impl Document {
    /// Who wrote it, who published it and when, as a reader would cite it: an author recorded as
    /// `unknown` is left out, a publisher recorded as `unknown (news magazine)` reads "a news
    /// magazine", and an author the publisher already names is not named twice.
    pub fn byline(&self) -> Vec<String> {
        let known = |text: &str| !text.is_empty() && !text.starts_with("unknown");
        let mut parts = Vec::new();
        // A publisher that names the author ("Bank of Russia statistics") says both.
        if known(&self.author) && !self.publisher.contains(&self.author) {
            parts.push(self.author.clone());
        }
        if known(&self.publisher) {
            parts.push(self.publisher.clone());
        } else if let Some(kind) = unnamed_kind(&self.publisher) {
            parts.push(kind);
        }
        if !self.date.is_empty() {
            parts.push(self.date.clone());
        }
        parts
    }
}

/// `unknown (news magazine)` as "a news magazine"; `None` for anything else.
fn unnamed_kind(text: &str) -> Option<String> {
    let kind = text.strip_prefix("unknown (")?.strip_suffix(')')?;
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Some(format!("{article} {kind}"))
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

#[cfg(test)]
mod tests {
    use super::Document;

    fn document(author: &str, publisher: &str) -> Document {
        Document {
            id: "d".into(),
            title: "t".into(),
            author: author.into(),
            publisher: publisher.into(),
            date: "2022-03".into(),
            url: String::new(),
        }
    }

    #[test]
    fn a_byline_leaves_out_what_is_unknown_or_repeated() {
        let byline = |author, publisher| document(author, publisher).byline().join(", ");
        assert_eq!(
            byline("Ian Williams", "The Spectator"),
            "Ian Williams, The Spectator, 2022-03"
        );
        assert_eq!(
            byline("unknown", "unknown (independent online news platform)"),
            "an independent online news platform, 2022-03"
        );
        assert_eq!(
            byline("unknown (magazine feature)", "unknown (news magazine)"),
            "a news magazine, 2022-03"
        );
        assert_eq!(
            byline("Bank of Russia", "Bank of Russia"),
            "Bank of Russia, 2022-03"
        );
        assert_eq!(
            byline("Bank of Russia", "Bank of Russia statistics, in the press"),
            "Bank of Russia statistics, in the press, 2022-03"
        );
    }
}
