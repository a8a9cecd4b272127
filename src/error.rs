//! The error of every fallible step below the command line. It is either a problem the user can
//! fix ([`Problems`], rendered in one place with where it stands and what would be valid), an
//! interruption, or a failure of the machine (a file that cannot be read or written, a chart the
//! drawing library refused) wrapped in what was being done. Only the command line turns it into
//! its printed chain.

use std::fmt;

use crate::input::ReadError;
use crate::interrupt::Interrupted;
use crate::problem::{Problem, Problems};

/// Everything that can stop the work below the command line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in what the user gave: files, options, shards.
    #[error(transparent)]
    Invalid(#[from] Problems),
    /// Ctrl-C or a termination signal.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// What was being done when the error below happened.
    #[error("{doing}")]
    Context {
        doing: String,
        #[source]
        source: Box<Error>,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Table(#[from] csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Png(#[from] png::EncodingError),
    /// The system would not start as many threads as asked (a process or memory limit).
    #[error("could not start the worker threads: {0}; ask for fewer with --threads")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// Any other failure below: the drawing library's own error (its backend type erased), a
    /// count that would overflow.
    #[error("{0}")]
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

/// The result of every fallible step below the command line.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Problem> for Error {
    fn from(problem: Problem) -> Self {
        Error::Invalid(Problems::single(problem))
    }
}

impl<E> From<plotters::drawing::DrawingAreaErrorKind<E>> for Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(error: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Error::Failed(Box::new(error))
    }
}

impl Error {
    /// A problem the user can fix, with no file or field to point at.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::from(Problem::new(message))
    }

    /// The problems the user can fix, if that is what this error is, under any context.
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            Error::Invalid(problems) => Some(problems),
            Error::Context { source, .. } => source.problems(),
            _ => None,
        }
    }
}

/// Says what was being done when a step failed: `cannot write outputs/base/run.json`, caused
/// by the system's own message.
pub trait Context<T> {
    fn context(self, doing: impl fmt::Display) -> Result<T>;
    fn with_context<D: fmt::Display>(self, doing: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, doing: impl fmt::Display) -> Result<T> {
        self.with_context(|| doing)
    }

    fn with_context<D: fmt::Display>(self, doing: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|error| Error::Context {
            doing: doing().to_string(),
            source: Box::new(error.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_cause_as_the_source() {
        let failed: Result<(), std::io::Error> = Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "denied",
        ));
        let error = failed.context("cannot write run.json").unwrap_err();
        assert_eq!(error.to_string(), "cannot write run.json");
        let cause = std::error::Error::source(&error).unwrap();
        assert_eq!(cause.to_string(), "denied");
    }

    #[test]
    fn problems_are_found_under_context() {
        let error = Err::<(), _>(Error::invalid("no shard files to merge"))
            .context("cannot merge")
            .unwrap_err();
        let problems = error.problems().unwrap();
        assert_eq!(problems.0[0].message, "no shard files to merge");
    }
}
