//! Named, portable random streams: one per path, one per parameter block.
//!
//! Every stream is a `Xoshiro256PlusPlus` seeded from (run seed, stream kind, index) through
//! SplitMix64, so path 1,234's draws are the same whichever thread runs it and however the paths
//! are split among threads or shards. Uniforms are made here from raw `u64`s (not through a
//! library helper whose algorithm could change in a release).

use rand::{Rng, SeedableRng};

/// The generator of every seeded stream.
pub type StreamRng = rand::rngs::Xoshiro256PlusPlus;

/// What a stream is for: distinct kinds never share a seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// The monthly draws of one path.
    Path = 0x7061_7468,
    /// One uncertain parameter's draws within one block of paths.
    Parameter = 0x7061_7261,
    /// The rank-score permutations of Iman-Conover within one block.
    Correlation = 0x636f_7272,
    /// The resampled rows of one bootstrap replicate in an analysis.
    Bootstrap = 0x626f_6f74,
    /// The Latin hypercube of a sweep's points, one stream per varied parameter.
    Sweep = 0x7377_6570,
    /// The first draws of one particle of an assimilation: its parameters' scores and noise.
    Particle = 0x7061_7274,
    /// The systematic resampling after one observation.
    Resample = 0x7265_7361,
    /// One particle's proposal in one move of an assimilation.
    Move = 0x6d6f_7665,
    /// The months after the evidence of one particle of an assimilation.
    Forecast = 0x666f_7265,
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
pub fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream `kind` number `index` of a run seeded with `seed`.
pub fn stream(seed: u64, kind: Stream, index: u64) -> StreamRng {
    StreamRng::seed_from_u64(stream_key(seed, kind, index))
}

/// The `u64` that the stream `kind` number `index` of a run seeded with `seed` is seeded from.
pub fn stream_key(seed: u64, kind: Stream, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index ^ splitmix64(kind as u64)))
}

/// A uniform in [0, 1) with 53 random bits.
#[inline]
pub fn unit(rng: &mut StreamRng) -> f64 {
    unit_from_bits(rng.next_u64())
}

/// The uniform in [0, 1) that a raw output makes: its top 53 bits.
#[inline(always)]
pub fn unit_from_bits(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform in the open interval (0, 1): safe for quantile functions with infinite tails.
#[inline]
pub fn open_unit(rng: &mut StreamRng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index below `bound` (multiply-shift; the bias is below 2^-40 for any block size).
#[inline]
pub fn below(rng: &mut StreamRng, bound: usize) -> usize {
    ((rng.next_u64() as u128 * bound as u128) >> 64) as usize
}

/// A standard normal draw.
#[inline]
pub fn standard_normal(rng: &mut StreamRng) -> f64 {
    use rand_distr::Distribution;
    rand_distr::StandardNormal.sample(rng)
}

/// Fisher-Yates shuffle with [`below`], stable across library releases.
pub fn shuffle<T>(items: &mut [T], rng: &mut StreamRng) {
    for last in (1..items.len()).rev() {
        let pick = below(rng, last + 1);
        items.swap(last, pick);
    }
}

/// The engine's source of randomness: uniforms and standard normals. A path's stream is one;
/// [`CountingDraws`] wraps one to count what a path draws.
pub trait Draws {
    /// A uniform in [0, 1).
    fn unit(&mut self) -> f64;
    /// A standard normal.
    fn normal(&mut self) -> f64;
    /// Told as each month's draws begin (months from 1), for sources that lay draws out by
    /// month; a stream ignores it.
    #[inline]
    fn month_begins(&mut self, _month: usize) {}
}

impl Draws for StreamRng {
    #[inline]
    fn unit(&mut self) -> f64 {
        unit(self)
    }

    #[inline]
    fn normal(&mut self) -> f64 {
        standard_normal(self)
    }
}

/// Passes draws through and counts them: how many uniforms and normals a path-month takes.
#[derive(Debug)]
pub struct CountingDraws<D> {
    pub inner: D,
    pub units: u64,
    pub normals: u64,
}

impl<D: Draws> Draws for CountingDraws<D> {
    fn unit(&mut self) -> f64 {
        self.units += 1;
        self.inner.unit()
    }

    fn normal(&mut self) -> f64 {
        self.normals += 1;
        self.inner.normal()
    }

    fn month_begins(&mut self, month: usize) {
        self.inner.month_begins(month);
    }
}
