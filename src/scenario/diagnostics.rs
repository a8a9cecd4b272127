//! Errors in scenario files: each one names the file, the line, the field and what would be valid.
//!
//! Loading and validation collect every problem they find into [`ScenarioErrors`], so an analyst
//! fixes a file in one pass rather than one error per run.

use std::fmt;

/// Where a problem stands: a file and line, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File {
        file: String,
        line: usize,
        column: usize,
    },
    /// The file is known but the field is not written in it (a required field that is missing).
    FileOnly { file: String },
    /// A `--set` override given on the command line.
    CommandLine { option: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Location::FileOnly { file } => write!(f, "{file}"),
            Location::CommandLine { option } => write!(f, "command line `{option}`"),
        }
    }
}

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub location: Location,
    /// The dotted path of the field, such as `drivers.war.transitions.frustrated`.
    pub field: String,
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem with a field at a location.
    pub fn at(
        location: Location,
        field: &FieldPath,
        message: String,
        help: Option<String>,
    ) -> Self {
        // A list of valid names can be empty when the section that declares them is.
        let help = help.map(|help| {
            if help.trim().is_empty() {
                "none are declared: declare one first".to_string()
            } else {
                help
            }
        });
        Diagnostic {
            location,
            field: field.to_string(),
            message,
            help,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n    valid: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario (a file and the files it extends).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<Diagnostic>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        if let [only] = self.0.as_slice() {
            return write!(f, "{only}");
        }
        writeln!(f, "the scenario has {count} problems:")?;
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "  {diagnostic}")?;
        }
        Ok(())
    }
}

impl ScenarioErrors {
    pub fn single(diagnostic: Diagnostic) -> Self {
        ScenarioErrors(vec![diagnostic])
    }
}

/// A path into the TOML tree: table keys and array indices.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(pub Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        FieldPath(segments)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    pub fn parse_dotted(dotted: &str) -> Self {
        FieldPath(
            dotted
                .split('.')
                .filter(|part| !part.is_empty())
                .map(|part| Segment::Key(part.to_string()))
                .collect(),
        )
    }

    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if position == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
