//! The `extends` chain and command-line overrides: files merged into one tree, with provenance.
//!
//! A variant file names its parent with `extends = "base.toml"` and writes only what differs.
//! Tables merge key by key; a value that is not a table replaces the parent's. A distribution
//! (`dist`) and a transition row replace the parent's whole, since mixing their fields across two
//! files would make a different distribution than either file says.

use std::path::{Path, PathBuf};

use super::diagnostics::FieldPath;
use super::source::SourceFile;
use crate::problem::{Location, Problem, Problems};

/// A chain deeper than this is refused (it is almost certainly a mistake).
const MAX_EXTENDS_DEPTH: usize = 16;

/// One `--set name=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub name: String,
    pub value: toml::Value,
    /// Where it was written, for error messages: the command line (the option as typed), or a
    /// batch file's `set` entry.
    pub at: Location,
}

impl Override {
    /// Parses `name=value`; the value is read as TOML (a number, `true`, a quoted string, an inline
    /// table) and, failing that, taken as a bare string.
    pub fn parse(written: &str) -> Result<Self, Problem> {
        let (name, value_text) = written.split_once('=').ok_or_else(|| {
            Problem::new(format!(
                "`--set {written}` has no `=`: write --set name=value"
            ))
        })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Problem::new(format!(
                "`--set {written}` has no name before `=`"
            )));
        }
        let value_text = value_text.trim();
        // Only a value that is the whole line: `1\nother = 2` is not the number 1.
        let value = toml::from_str::<toml::Table>(&format!("v = {value_text}"))
            .ok()
            .filter(|table| table.len() == 1)
            .and_then(|mut table| table.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value_text.to_string()));
        Ok(Override {
            name: name.to_string(),
            value,
            at: Location::CommandLine {
                option: format!("--set {written}"),
            },
        })
    }

    /// The same override, written at `at` rather than on the command line.
    pub fn written_at(self, at: Location) -> Self {
        Override { at, ..self }
    }
}

/// The merged tree of a scenario and the files it came from (most derived first).
pub struct Layers {
    pub files: Vec<SourceFile>,
    pub merged: toml::Table,
    /// The overrides applied after the files, with the path each one set.
    pub applied_overrides: Vec<(FieldPath, Location)>,
    /// Parameters fixed by a bare `--set name=value`: their rank correlations no longer apply.
    pub fixed_on_command_line: Vec<String>,
    /// The distribution each of them had in the files, whose support the value must lie in.
    pub replaced_distributions: Vec<(String, toml::Value)>,
}

impl Layers {
    /// Reads `path` and every file it extends, and merges them (parents first).
    pub fn load(path: &Path) -> Result<Self, Problems> {
        let files = read_chain(path)?;
        let mut merged = toml::Table::new();
        for file in files.iter().rev() {
            let mut table = file.table.clone();
            table.remove("extends");
            merge_table(&mut merged, table, &FieldPath::root());
        }
        Ok(Layers {
            files,
            merged,
            applied_overrides: Vec::new(),
            fixed_on_command_line: Vec::new(),
            replaced_distributions: Vec::new(),
        })
    }

    /// Applies `--set` overrides. A bare name of an uncertain parameter fixes that parameter;
    /// a dotted path sets that field of the file.
    pub fn apply_overrides(&mut self, overrides: &[Override]) -> Result<(), Problems> {
        let mut problems = Vec::new();
        for item in overrides {
            match self.apply_override(item) {
                Ok(path) => self.applied_overrides.push((path, item.at.clone())),
                Err(diagnostic) => problems.push(diagnostic),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Problems(problems))
        }
    }

    fn apply_override(&mut self, item: &Override) -> Result<FieldPath, Problem> {
        let is_parameter = !item.name.contains('.')
            && self
                .merged
                .get("parameters")
                .and_then(toml::Value::as_table)
                .is_some_and(|parameters| parameters.contains_key(&item.name));
        if is_parameter {
            return self.fix_parameter(item);
        }
        if !item.name.contains('.') {
            return Err(Problem {
                location: Some(item.at.clone()),
                field: item.name.clone(),
                message: format!("`{}` is not a parameter of this scenario", item.name),
                help: Some(format!(
                    "a parameter name ({}) or a dotted field path such as run.paths",
                    self.parameter_names().join(", ")
                )),
            });
        }
        let path = FieldPath::parse_dotted(&item.name);
        self.check_named_entry(&path, item)?;
        set_path(&mut self.merged, &path, item.value.clone()).map_err(|message| Problem {
            location: Some(item.at.clone()),
            field: item.name.clone(),
            message,
            help: Some(
                "a dotted path whose parents are tables, such as drivers.war.initial".into(),
            ),
        })?;
        Ok(path)
    }

    /// A field of a named entry (`postures.overt_support.utility`) must name an entry the files
    /// have: a misspelt name would otherwise add a new posture or parameter, silently. A whole
    /// new entry is still written as such (`--set postures.new={ ... }`).
    fn check_named_entry(&self, path: &FieldPath, item: &Override) -> Result<(), Problem> {
        use super::diagnostics::Segment;
        const NAMED: [&str; 4] = ["parameters", "drivers", "indicators", "postures"];
        let [Segment::Key(collection), Segment::Key(entry), _, ..] = path.0.as_slice() else {
            return Ok(());
        };
        let Some(entries) = NAMED
            .contains(&collection.as_str())
            .then(|| self.merged.get(collection).and_then(toml::Value::as_table))
            .flatten()
        else {
            return Ok(());
        };
        if entries.contains_key(entry) {
            return Ok(());
        }
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        Err(Problem {
            location: Some(item.at.clone()),
            field: item.name.clone(),
            message: format!("the scenario has no `{collection}.{entry}`"),
            help: Some(format!("one of its {collection}: {}", names.join(", "))),
        })
    }

    /// Replaces a parameter's distribution with a fixed value, keeping its description.
    fn fix_parameter(&mut self, item: &Override) -> Result<FieldPath, Problem> {
        let parameter = self
            .merged
            .get_mut("parameters")
            .and_then(toml::Value::as_table_mut)
            .and_then(|parameters| parameters.get_mut(&item.name))
            .and_then(toml::Value::as_table_mut)
            .ok_or_else(|| Problem {
                location: Some(item.at.clone()),
                field: format!("parameters.{}", item.name),
                message: "the parameter is not a table".into(),
                help: None,
            })?;
        if let Some(dist) = parameter.remove("dist") {
            self.replaced_distributions.push((item.name.clone(), dist));
        }
        parameter.insert("value".into(), item.value.clone());
        self.fixed_on_command_line.push(item.name.clone());
        Ok(FieldPath::parse_dotted(&format!(
            "parameters.{}.value",
            item.name
        )))
    }

    fn parameter_names(&self) -> Vec<String> {
        self.merged
            .get("parameters")
            .and_then(toml::Value::as_table)
            .map(|parameters| parameters.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Where a field was written: the most derived file that writes it, or the override that set it.
    pub fn locate(&self, path: &FieldPath) -> Location {
        if let Some(at) = self.last_override(|set_path| path.starts_with(set_path)) {
            return at;
        }
        let mut partial: Option<Location> = None;
        for file in &self.files {
            if let Some((location, complete)) = file.location(path) {
                if complete {
                    return location;
                }
                partial.get_or_insert(location);
            }
        }
        // No file writes the field itself, but a `--set` wrote below it (`--set nosuch.x=1`
        // makes a table `nosuch` no file has).
        self.last_override(|set_path| set_path.starts_with(path))
            .or(partial)
            .unwrap_or_else(|| Location::FileOnly {
                file: self.root_name(),
            })
    }

    /// Where the last override whose path passes `test` was written.
    fn last_override(&self, test: impl Fn(&FieldPath) -> bool) -> Option<Location> {
        self.applied_overrides
            .iter()
            .rev()
            .find(|(set_path, _)| test(set_path))
            .map(|(_, at)| at.clone())
    }

    /// A diagnostic for `path`, located in the files; where a `--set` changed part of it, the
    /// message says so (the file's line alone would blame what the file wrote).
    pub fn diagnostic(&self, path: &FieldPath, message: String, help: Option<String>) -> Problem {
        let location = self.locate(path);
        let changed_by = self
            .last_override(|set_path| set_path.starts_with(path))
            .filter(|at| *at != location);
        let message = match changed_by {
            Some(at) => format!("{message} (as changed by {at})"),
            None => message,
        };
        Problem::at(location, path, message, help)
    }

    /// The name of the file the user asked for.
    pub fn root_name(&self) -> String {
        self.files
            .first()
            .map(|file| file.display_name.clone())
            .unwrap_or_default()
    }

    /// The directory of the most derived file that writes `path` (relative paths in a file
    /// resolve from the file that wrote them).
    pub fn dir_of_writer(&self, path: &FieldPath) -> PathBuf {
        self.files
            .iter()
            .find(|file| matches!(file.locate(path), Some((_, _, true))))
            .or(self.files.first())
            .and_then(|file| file.path.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    }
}

/// Reads a file and its `extends` ancestors, most derived first, refusing cycles.
fn read_chain(path: &Path) -> Result<Vec<SourceFile>, Problems> {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next = Some(path.to_path_buf());
    while let Some(current) = next.take() {
        let canonical = std::fs::canonicalize(&current).unwrap_or_else(|_| current.clone());
        if let Some(child) = files.last() {
            if seen.contains(&canonical) || files.len() >= MAX_EXTENDS_DEPTH {
                return Err(extends_error(
                    child,
                    extends_cycle_message(&files, &current),
                ));
            }
            if !current.exists() {
                let message = format!("the file it extends, {}, does not exist", current.display());
                return Err(extends_error(child, message));
            }
        }
        seen.push(canonical);
        let file = SourceFile::read(&current).map_err(|problems| {
            match (files.last(), &problems.0[..]) {
                // Said at the `extends` that named it: a device or a folder given as a parent.
                (Some(child), [only]) if !matches!(only.location, Some(Location::File { .. })) => {
                    let message = format!(
                        "the file it extends, {}, cannot be read: {}",
                        current.display(),
                        only.message
                    );
                    extends_error(child, message)
                }
                _ => problems,
            }
        })?;
        next = parent_of(&file)?;
        files.push(file);
    }
    Ok(files)
}

fn extends_cycle_message(files: &[SourceFile], current: &Path) -> String {
    let chain: Vec<String> = files.iter().map(|file| file.display_name.clone()).collect();
    format!(
        "`extends` makes a cycle (or a chain deeper than {MAX_EXTENDS_DEPTH}): {} -> {}",
        chain.join(" -> "),
        current.display()
    )
}

fn extends_error(file: &SourceFile, message: String) -> Problems {
    let help = "a path, relative to this file, to a scenario that does not extend this one";
    let at = FieldPath::root().key("extends");
    Problems::single(file.diagnostic(&at, message, Some(help.into())))
}

/// The parent named by `extends`, resolved against the file's own directory.
fn parent_of(file: &SourceFile) -> Result<Option<PathBuf>, Problems> {
    match file.table.get("extends") {
        None => Ok(None),
        Some(toml::Value::String(relative)) => {
            let dir = file.path.parent().unwrap_or_else(|| Path::new(""));
            let parent = dir.join(relative);
            if relative.trim().is_empty() || parent.is_dir() {
                let message =
                    format!("`extends = {relative:?}` names a folder, not a scenario file");
                return Err(extends_error(file, message));
            }
            Ok(Some(parent))
        }
        Some(other) => Err(extends_error(
            file,
            format!(
                "`extends` is {}, not a string",
                crate::problem::with_article(other.type_str())
            ),
        )),
    }
}

/// Merges `overlay` into `base`: tables key by key, other values replaced.
fn merge_table(base: &mut toml::Table, overlay: toml::Table, path: &FieldPath) {
    for (key, value) in overlay {
        let child_path = path.key(&key);
        let replace_whole = replaces_whole(&child_path);
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming))
                if !replace_whole =>
            {
                merge_table(existing, incoming, &child_path);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Fields whose table is one whole value: a distribution, a transition row.
fn replaces_whole(path: &FieldPath) -> bool {
    use super::diagnostics::Segment;
    let keys: Vec<&str> = path
        .0
        .iter()
        .filter_map(|segment| match segment {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    matches!(keys.last(), Some(&"dist"))
        || (keys.len() >= 2 && keys[keys.len() - 2] == "transitions")
}

/// Sets a value at a dotted path, creating tables on the way.
fn set_path(table: &mut toml::Table, path: &FieldPath, value: toml::Value) -> Result<(), String> {
    use super::diagnostics::Segment;
    let Some((last, parents)) = path.0.split_last() else {
        return Err("the path is empty".into());
    };
    let mut current = table;
    for segment in parents {
        let Segment::Key(key) = segment else {
            return Err("array indices cannot be set".into());
        };
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            other => {
                let kind = crate::problem::with_article(other.type_str());
                return Err(format!("`{key}` is {kind}, not a table"));
            }
        };
    }
    let Segment::Key(key) = last else {
        return Err("array indices cannot be set".into());
    };
    current.insert(key.clone(), value);
    Ok(())
}
