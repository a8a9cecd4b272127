//! Statistics of a run: the mergeable tally of paths, and the estimates drawn from it.

pub mod estimates;
pub mod interval;
pub mod recorder;
pub mod tally;

pub use estimates::Estimates;
pub use interval::{icd203_words, Estimate};
pub use recorder::Recorder;
pub use tally::{Dims, Tally, TallyError};
