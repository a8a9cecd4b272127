//! Sampling: distributions, the Monte Carlo and Latin hypercube designs, rank correlations, and
//! the seeded random streams that make every run reproducible.

pub mod correlation;
pub mod design;
pub mod distribution;
pub mod lane_streams;
pub mod quantile_table;
pub mod rng;
mod ziggurat_tables;

pub use design::{block_count, BlockSample, ParameterSampler, BLOCK_PATHS};
pub use distribution::Distribution;
