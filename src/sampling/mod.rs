//! Sampling: the Monte Carlo and Latin hypercube designs, rank correlations, and
//! the seeded random streams that make every run reproducible.

pub mod blocks;
pub mod correlation;
pub mod design;
pub mod lane_erfc;
pub mod lane_streams;
pub mod quantile_table;
pub mod rng;
mod ziggurat_tables;

pub use blocks::{block_count, BLOCK_PATHS};
pub use design::{BlockSample, ParameterSampler};
