//! Everything foresight writes, one folder per report: a [`run`], a [`batch`], a [`sweep`], a
//! [`study`] and a [`diff`], each with its tables, charts, JSON and printed summary. What they
//! share lives once: drawing and number formats in [`render`], the [`briefing`]'s renderings, and
//! the [`OutputFolder`] every file is written into.

pub mod batch;
pub mod briefing;
pub mod diff;
pub mod folder;
pub mod render;
pub mod run;
pub mod study;
pub mod sweep;

use anyhow::Result;

pub use folder::{Destination, OutputFolder};
pub use run::{RunReport, Weighted};

/// One output format.
pub trait Export {
    /// The files it writes, for the user's summary.
    fn file_names(&self, report: &RunReport) -> Vec<String>;
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<()>;
}
