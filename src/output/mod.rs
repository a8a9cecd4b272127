//! Everything foresight writes, one folder per report: a [`run`], a [`batch`], a [`sweep`], a
//! [`study`] and a [`diff`], each with its tables, charts, JSON and printed summary. What they
//! share lives once: drawing and number formats in [`render`], the [`briefing`]'s renderings, and
//! the [`OutputFolder`] every file is written into.

pub mod backtest;
pub mod batch;
pub mod briefing;
pub mod diff;
pub mod folder;
pub mod render;
pub mod run;
pub mod study;
pub mod sweep;

use crate::error::Result;

pub use folder::{Destination, OutputFolder};
pub use run::{RunReport, Weighted};

/// A file a report wrote. The report's list of them, in order, is what the briefing shows: its
/// charts, their order and their captions come from here, not from names written elsewhere.
#[derive(Debug, Clone)]
pub enum Artifact {
    /// A table, a JSON record or a rendering of the briefing, by file name.
    File(String),
    /// A chart, written as `<stem>.png` and `<stem>.svg`.
    Chart(ChartFile),
}

/// A chart as written: its stem, its caption and the SVG the briefing inlines.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub stem: String,
    pub caption: String,
    pub svg: String,
}

impl Artifact {
    /// Writes a file into the folder and names it as written.
    pub fn write(folder: &OutputFolder, name: &str, bytes: &[u8]) -> Result<Artifact> {
        folder.write(name, bytes)?;
        Ok(Artifact::File(name.to_string()))
    }

    /// The files it is, by name.
    pub fn files(&self) -> Vec<String> {
        match self {
            Artifact::File(name) => vec![name.clone()],
            Artifact::Chart(chart) => {
                vec![format!("{}.png", chart.stem), format!("{}.svg", chart.stem)]
            }
        }
    }

    /// The chart it is, if it is one.
    pub fn chart(&self) -> Option<&ChartFile> {
        match self {
            Artifact::Chart(chart) => Some(chart),
            Artifact::File(_) => None,
        }
    }
}

/// One output format of a run: it writes its files and lists what it wrote.
pub trait Export {
    fn write(&self, report: &RunReport, folder: &OutputFolder) -> Result<Vec<Artifact>>;

    /// The stage of a run its time counts to (`run --timings`): tables, unless it draws.
    fn stage(&self) -> crate::timing::Stage {
        crate::timing::Stage::Tables
    }
}
