//! The one shape of every problem a user can fix: where it stands (a file, line and field, or an
//! option on the command line), what is wrong, and what would be valid. Every layer reports its
//! problems as [`Problem`]s, and they are rendered here, in one place:
//!
//! ```text
//! scenarios/base.toml:12:5: field `drivers.war.initial`: `won` is not a state
//!     valid: frustrated, grinding, breakthrough, settlement
//! ```

use std::fmt;

/// How much of a long option a message repeats: enough to recognise it.
const SHOWN_OPTION_CHARS: usize = 100;

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
            Location::CommandLine { option } if option.chars().count() > SHOWN_OPTION_CHARS => {
                let shown: String = option.chars().take(SHOWN_OPTION_CHARS).collect();
                write!(f, "command line `{shown}...`")
            }
            Location::CommandLine { option } => write!(f, "command line `{option}`"),
        }
    }
}

/// One problem a user can fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Problem {
    /// Where it stands; `None` where the message itself names the option or file.
    pub location: Option<Location>,
    /// The dotted path of the field, such as `drivers.war.transitions.frustrated`; empty when
    /// the problem is not in a field.
    pub field: String,
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
}

impl Problem {
    /// A problem, such as an option out of range, whose message says where it is.
    pub fn new(message: impl Into<String>) -> Self {
        Problem {
            location: None,
            field: String::new(),
            message: message.into(),
            help: None,
        }
    }

    /// The same problem, saying what would be valid.
    pub fn valid(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same problem, in a field (a path below the one the caller will place it at).
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The same problem, its message placed in a context: `context: message`.
    pub fn within(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The same problem, at a location.
    pub fn located(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// A problem with a field at a location.
    pub fn at(
        location: Location,
        field: impl fmt::Display,
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
        Problem {
            location: Some(location),
            field: field.to_string(),
            message,
            help,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
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

/// Every problem found in one input (a scenario and the files it extends, say), reported at once.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        if let [only] = self.0.as_slice() {
            return write!(f, "{only}");
        }
        writeln!(f, "{} {count} problems:", self.whose())?;
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "  {diagnostic}")?;
        }
        Ok(())
    }
}

impl Problems {
    pub fn single(problem: Problem) -> Self {
        Problems(vec![problem])
    }

    /// Who has the problems, for their heading: the one file they all lie in, else the input
    /// (a scenario and the files it extends, or the command line too).
    fn whose(&self) -> String {
        let file = |problem: &Problem| match &problem.location {
            Some(Location::File { file, .. } | Location::FileOnly { file }) => Some(file.clone()),
            _ => None,
        };
        let first = self.0.first().and_then(file);
        match first {
            Some(first) if self.0.iter().all(|p| file(p).as_ref() == Some(&first)) => {
                format!("{first} has")
            }
            _ => "the input has".into(),
        }
    }
}

impl From<Problem> for Problems {
    fn from(problem: Problem) -> Self {
        Problems::single(problem)
    }
}

/// A word with its indefinite article: `an integer`, `a string`.
pub fn with_article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}
