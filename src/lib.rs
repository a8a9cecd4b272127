//! foresight: declarative scenario models run as reproducible, parallel Monte Carlo.
//!
//! The pieces, each in its own module: the file format ([`scenario`]) compiles to a [`model`];
//! the [`sampling`] design draws each path's uncertain parameters; the [`engine`] steps one path
//! month by month; [`runner`] runs all paths in parallel into mergeable [`stats`] tallies; and
//! [`output`] writes the tables, charts and run record.

pub mod analysis;
pub mod assimilation;
pub mod cli;
pub mod engine;
pub mod error;
pub mod input;
pub mod interrupt;
pub mod limits;
pub mod live;
pub mod model;
pub mod output;
pub mod precision;
pub mod problem;
pub mod process;
pub mod runner;
pub mod sampling;
pub mod scenario;
pub mod scoring;
pub mod sharding;
pub mod simd;
pub mod sources;
pub mod stats;
pub mod studies;
pub mod timing;
pub mod weighting;
