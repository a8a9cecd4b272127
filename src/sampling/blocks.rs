//! Blocks of paths: the unit of sampling, of work for a thread and of a shard's share.

/// Paths per block. Fixed, never derived from the thread count: results must not depend on it.
pub const BLOCK_PATHS: u64 = 4096;

/// The number of blocks that hold `paths` paths.
pub fn block_count(paths: u64) -> u64 {
    paths.div_ceil(BLOCK_PATHS)
}
