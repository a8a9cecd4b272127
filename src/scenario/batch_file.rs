//! Batch files: several scenarios run together under shared settings, and compared.
//!
//! ```toml
//! [batch]
//! name = "looking_glass"
//! title = "The three paths and the what-ifs"
//!
//! [run]                      # shared by every scenario (the command line's --paths/--seed win)
//! paths = 100000
//!
//! [[scenario]]
//! file = "base.toml"         # relative to the batch file
//! label = "Base"             # optional: the scenario's title otherwise
//! set = ["xi_risk_appetite=0.6"]   # optional overrides, after the batch's own `set`
//! ```
//!
//! A parsed batch names its scenario files and the overrides each gets; loading the models is the
//! caller's business, so every model is checked before any path runs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::problem::{Location, Problems};
use crate::scenario::deserialize_file;
use crate::scenario::diagnostics::FieldPath;
use crate::scenario::request::FileSet;
use crate::scenario::source::SourceFile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    batch: RawHeader,
    #[serde(default)]
    run: RawRun,
    /// Overrides for every scenario, as `--set` takes them.
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    scenario: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    title: String,
    #[serde(default)]
    about: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    paths: Option<u64>,
    seed: Option<u64>,
    horizon_months: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    file: String,
    label: Option<String>,
    /// The scenario's folder in the batch's outputs (default: the scenario's own name).
    name: Option<String>,
    #[serde(default)]
    set: Vec<String>,
}

/// A checked batch file.
#[derive(Debug, Clone)]
pub struct Batch {
    pub name: String,
    pub title: String,
    pub about: String,
    pub file: PathBuf,
    /// The `[run]` table's settings, each as the override it makes and where it is written, so
    /// that a bad value is reported at its line in the batch file.
    pub run: Vec<RunSetting>,
    pub entries: Vec<BatchEntry>,
}

/// One setting of a batch's `[run]` table.
#[derive(Debug, Clone)]
pub struct RunSetting {
    /// The command-line option that wins over it: `paths`, `seed` or `horizon`.
    pub option: &'static str,
    pub set: FileSet,
}

/// One scenario of a batch.
#[derive(Debug, Clone)]
pub struct BatchEntry {
    /// The scenario file, resolved against the batch file's folder.
    pub file: PathBuf,
    pub label: Option<String>,
    pub folder: Option<String>,
    /// The batch's `set`, then the entry's own, each with where it is written.
    pub set: Vec<FileSet>,
}

impl Batch {
    /// Reads and checks a batch file; every problem names its line and field.
    pub fn load(path: &Path) -> Result<Batch, Problems> {
        let source = SourceFile::read(path)?;
        refuse_single_tables(&source)?;
        let raw: RawBatch = deserialize_file(&source)?;
        let problem = |at: FieldPath, message: String, help: &str| {
            Problems::single(source.diagnostic(&at, message, Some(help.to_string())))
        };
        if !is_folder_name(&raw.batch.name) {
            return Err(problem(
                FieldPath::root().key("batch").key("name"),
                format!("`{}` cannot name an output folder", raw.batch.name),
                FOLDER_NAME_HELP,
            ));
        }
        if raw.scenario.is_empty() {
            return Err(problem(
                FieldPath::root().key("batch"),
                "the batch lists no scenario".into(),
                "one or more [[scenario]] tables, each with a `file`",
            ));
        }
        let folder_of_batch = path.parent().unwrap_or(Path::new("."));
        let mut entries = Vec::new();
        for (index, entry) in raw.scenario.into_iter().enumerate() {
            if let Some(name) = entry.name.as_deref().filter(|name| !is_folder_name(name)) {
                return Err(problem(
                    FieldPath::root().key("scenario").index(index).key("name"),
                    format!("`{name}` cannot name an output folder"),
                    FOLDER_NAME_HELP,
                ));
            }
            let file = folder_of_batch.join(&entry.file);
            // Anything there but a regular file is refused by name when it is read.
            if !file.exists() {
                return Err(problem(
                    FieldPath::root().key("scenario").index(index).key("file"),
                    format!(
                        "`{}` does not exist{}",
                        entry.file,
                        looked_for(&file, &entry.file)
                    ),
                    "a scenario file, relative to the batch file's folder",
                ));
            }
            entries.push(BatchEntry {
                file,
                label: entry.label,
                folder: entry.name,
                set: file_sets(&source, &raw.set, &entry.set, index),
            });
        }
        Ok(Batch {
            name: raw.batch.name,
            title: raw.batch.title,
            about: raw.batch.about,
            file: path.to_path_buf(),
            run: run_settings(&source, &raw.run),
            entries,
        })
    }
}

/// A `[scenario]` table where a batch has `[[scenario]]` entries: a scenario file given as a
/// batch, or single brackets written for double.
fn refuse_single_tables(source: &SourceFile) -> Result<(), Problems> {
    if !source
        .table
        .get("scenario")
        .is_some_and(toml::Value::is_table)
    {
        return Ok(());
    }
    let at = FieldPath::root().key("scenario");
    let (message, help) = if source.table.contains_key("batch") {
        (
            "`[scenario]` is one table, where a batch lists its scenarios".to_string(),
            "[[scenario]] (double brackets) for each scenario, each with a `file`".to_string(),
        )
    } else {
        (
            format!(
                "{} is a scenario file, not a batch file",
                source.display_name
            ),
            format!(
                "`foresight run {}` for one scenario, or a batch file: a [batch] table and \
                 [[scenario]] entries",
                source.display_name
            ),
        )
    };
    Err(Problems::single(source.diagnostic(
        &at,
        message,
        Some(help),
    )))
}

const FOLDER_NAME_HELP: &str = "letters, digits, `_` and `-`, such as looking_glass";

/// Whether `name` is safe as one folder name on every system.
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Where a relative scenario file was looked for, where that is not the file as written.
fn looked_for(file: &Path, written: &str) -> String {
    if file == Path::new(written) {
        String::new()
    } else {
        format!(" (looked for {})", file.display())
    }
}

/// The `[run]` table's settings as overrides, each located in the batch file.
fn run_settings(source: &SourceFile, run: &RawRun) -> Vec<RunSetting> {
    let settings = [
        (
            "paths",
            "paths",
            "run.paths",
            run.paths.map(|v| v.to_string()),
        ),
        ("seed", "seed", "run.seed", run.seed.map(|v| v.to_string())),
        (
            "horizon",
            "horizon_months",
            "scenario.horizon_months",
            run.horizon_months.map(|v| v.to_string()),
        ),
    ];
    settings
        .into_iter()
        .filter_map(|(option, key, name, value)| {
            let path = FieldPath::root().key("run").key(key);
            Some(RunSetting {
                option,
                set: FileSet {
                    text: format!("{name}={}", value?),
                    at: located(source, &path),
                },
            })
        })
        .collect()
}

/// Where a field of the batch file is written, or the file alone.
fn located(source: &SourceFile, path: &FieldPath) -> Location {
    source
        .location(path)
        .map(|(location, _)| location)
        .unwrap_or_else(|| Location::FileOnly {
            file: source.display_name.clone(),
        })
}

/// The batch's `set` and entry `index`'s own, each located in the batch file.
fn file_sets(
    source: &SourceFile,
    batch: &[String],
    entry: &[String],
    index: usize,
) -> Vec<FileSet> {
    let at = |path: FieldPath| located(source, &path);
    let batch_paths = (0..batch.len()).map(|k| FieldPath::root().key("set").index(k));
    let entry_paths = (0..entry.len()).map(|k| {
        FieldPath::root()
            .key("scenario")
            .index(index)
            .key("set")
            .index(k)
    });
    batch
        .iter()
        .zip(batch_paths)
        .chain(entry.iter().zip(entry_paths))
        .map(|(text, path)| FileSet {
            text: text.clone(),
            at: at(path),
        })
        .collect()
}
