//! One scenario file as read from disk: its text, its parsed tree, and where each field stands.
//!
//! The tree feeds the merge of `extends` chains; the span index answers "which line holds
//! `drivers.war.transitions`?" when validation finds a problem long after parsing.

use std::path::{Path, PathBuf};

use super::diagnostics::{FieldPath, Segment};
use crate::input::{read_bounded, ReadError};
use crate::problem::{Location, Problem, Problems};

/// Files larger than this are refused before parsing: no scenario is anywhere near it.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A parsed scenario file with its spans.
pub struct SourceFile {
    pub path: PathBuf,
    pub display_name: String,
    text: String,
    document: toml_edit::Document<String>,
    pub table: toml::Table,
}

impl SourceFile {
    /// Reads and parses one file; any problem is reported with the file's name and line.
    pub fn read(path: &Path) -> Result<Self, Problems> {
        let display_name = path.display().to_string();
        let fail = |message: String, help: Option<&str>| {
            Problems::single(Problem {
                location: Some(Location::FileOnly {
                    file: display_name.clone(),
                }),
                field: String::new(),
                message,
                help: help.map(str::to_string),
            })
        };
        let bytes = read_bounded(path, MAX_FILE_BYTES).map_err(|error| {
            let help = match error {
                ReadError::Io(_) => None,
                ReadError::NotRegular(_) | ReadError::TooLarge { .. } => {
                    Some("a TOML file of at most 4 MiB")
                }
            };
            fail(error.to_string(), help)
        })?;
        let text = String::from_utf8(bytes).map_err(|error| {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = 1 + valid.iter().filter(|&&byte| byte == b'\n').count();
            let column = 1 + valid
                .iter()
                .rev()
                .take_while(|&&byte| byte != b'\n')
                .count();
            Problems::single(Problem {
                location: Some(Location::File {
                    file: display_name.clone(),
                    line,
                    column,
                }),
                field: String::new(),
                message: format!(
                    "the file is not UTF-8 text (an invalid byte at offset {})",
                    valid.len()
                ),
                help: Some("a TOML file encoded as UTF-8".to_string()),
            })
        })?;
        Self::parse(path.to_path_buf(), display_name, text)
    }

    /// Parses text that has a name (a file, or a test's inline text).
    pub fn parse(path: PathBuf, display_name: String, text: String) -> Result<Self, Problems> {
        let table: toml::Table = toml::from_str(&text).map_err(|error| {
            let (line, column) = error
                .span()
                .map(|span| line_column(&text, span.start))
                .unwrap_or((1, 1));
            Problems::single(Problem {
                location: Some(Location::File {
                    file: display_name.clone(),
                    line,
                    column,
                }),
                field: String::new(),
                message: format!("not valid TOML: {}", toml_message(&error, &text)),
                help: Some("TOML syntax, see https://toml.io".to_string()),
            })
        })?;
        let document = toml_edit::Document::parse(text.clone()).map_err(|error| {
            Problems::single(Problem {
                location: Some(Location::FileOnly {
                    file: display_name.clone(),
                }),
                field: String::new(),
                message: format!("not valid TOML: {error}"),
                help: None,
            })
        })?;
        Ok(SourceFile {
            path,
            display_name,
            text,
            document,
            table,
        })
    }

    /// A diagnostic for a field of this file, at the line that writes it (or the file alone).
    pub fn diagnostic(&self, path: &FieldPath, message: String, help: Option<String>) -> Problem {
        let location = self.location(path).map_or_else(
            || Location::FileOnly {
                file: self.display_name.clone(),
            },
            |(location, _)| location,
        );
        Problem::at(location, path, message, help)
    }

    /// Where this file writes `path` (or its deepest written part), and whether all of it.
    pub fn location(&self, path: &FieldPath) -> Option<(Location, bool)> {
        let (line, column, complete) = self.locate(path)?;
        let file = self.display_name.clone();
        Some((Location::File { file, line, column }, complete))
    }

    /// The line and column of the deepest part of `path` that this file writes, and whether the
    /// whole path was found.
    pub fn locate(&self, path: &FieldPath) -> Option<(usize, usize, bool)> {
        let mut item = self.document.as_item();
        let mut best: Option<usize> = None;
        let mut complete = true;
        for segment in &path.0 {
            let next = match segment {
                Segment::Key(key) => key_item(item, key),
                Segment::Index(index) => index_item(item, *index),
            };
            match next {
                Some((span, child)) => {
                    if let Some(start) = span {
                        best = Some(start);
                    }
                    item = child;
                }
                None => {
                    complete = false;
                    break;
                }
            }
        }
        best.map(|offset| {
            let (line, column) = line_column(&self.text, offset);
            (line, column, complete)
        })
    }
}

/// The span start of `key` in a table-like item, and the item it holds.
fn key_item<'a>(
    item: &'a toml_edit::Item,
    key: &str,
) -> Option<(Option<usize>, &'a toml_edit::Item)> {
    if let Some(table) = item.as_table_like() {
        let (found_key, child) = table.get_key_value(key)?;
        let start = found_key
            .span()
            .or_else(|| child.span())
            .map(|span| span.start);
        return Some((start, child));
    }
    None
}

fn index_item(item: &toml_edit::Item, index: usize) -> Option<(Option<usize>, &toml_edit::Item)> {
    let child = item.get(index)?;
    Some((child.span().map(|span| span.start), child))
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The parser's message, with the key or table it points at where it names none: "duplicate
/// key" alone does not say which of a table's keys was written twice.
fn toml_message(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim();
    let written = error
        .span()
        .and_then(|span| text.get(span))
        .map(str::trim)
        .filter(|written| !written.is_empty() && written.len() <= 80 && !written.contains('\n'));
    match written {
        Some(written) if message.starts_with("duplicate key") => {
            format!("`{written}` is written twice in the same table")
        }
        _ => message.to_string(),
    }
}
