//! Several paths' random streams stepped together, one lane each, for the lane engine.
//!
//! Each lane is exactly the stream [`super::rng::stream`] gives its path: a Xoshiro256++ seeded
//! the same way, whose four state words are kept lane by lane (one array per word), so one step
//! of every lane is a handful of vector instructions. Uniforms are made as [`super::rng::unit`]
//! makes them, and normals with the ziggurat of `rand_distr` (its algorithm and its tables),
//! every lane at once on the fast path that 99% of draws take and one lane at a time on the
//! rest. A lane's draws are therefore its path's draws, in the same order, to the bit (tested).
//! Draws that only some lanes make (a review only some paths hold) step only those lanes.

use super::rng::{splitmix64, stream_key, unit_from_bits, Stream};
use super::ziggurat_tables::{NORMAL_F, NORMAL_TAIL_START, NORMAL_X};

/// The streams of `L` paths, their words on cache lines of their own.
#[derive(Debug, Clone)]
#[repr(align(64))]
pub struct LaneStreams<const L: usize> {
    /// Xoshiro256++'s state words: `words[w][lane]`.
    words: [[u64; L]; 4],
}

/// Which lanes take part in a draw.
pub type LaneMask<const L: usize> = [bool; L];

/// A lane group's source of randomness, as [`super::rng::Draws`] is one path's: each lane draws
/// its own path's numbers in its own order, and a lane outside a draw's mask draws nothing.
pub trait LaneDraws<const L: usize> {
    /// A uniform in [0, 1) on every lane.
    fn units_into(&mut self, units: &mut [f64; L]);
    /// A uniform in [0, 1) on the lanes in `mask`; the others read 1.0, above any probability.
    fn units_where(&mut self, mask: LaneMask<L>) -> [f64; L];
    /// A standard normal on every lane.
    fn normals_into(&mut self, normals: &mut [f64; L]);
    /// Told as each month's draws begin (months from 1), as [`super::rng::Draws`] is.
    #[inline(always)]
    fn month_begins(&mut self, _month: usize) {}
}

impl<const L: usize> LaneDraws<L> for LaneStreams<L> {
    #[inline(always)]
    fn units_into(&mut self, units: &mut [f64; L]) {
        LaneStreams::units_into(self, units);
    }

    #[inline(always)]
    fn units_where(&mut self, mask: LaneMask<L>) -> [f64; L] {
        LaneStreams::units_where(self, mask)
    }

    #[inline(always)]
    fn normals_into(&mut self, normals: &mut [f64; L]) {
        LaneStreams::normals_into(self, normals);
    }
}

impl<const L: usize> LaneStreams<L> {
    /// The path streams of a run seeded with `seed` for paths `paths`.
    pub fn for_paths(seed: u64, paths: [u64; L]) -> Self {
        LaneStreams::for_stream(seed, Stream::Path, paths)
    }

    /// Each lane the stream [`super::rng::stream`] gives for `(seed, kind, indices[lane])`.
    pub fn for_stream(seed: u64, kind: Stream, indices: [u64; L]) -> Self {
        let mut words = [[0; L]; 4];
        for (lane, index) in indices.into_iter().enumerate() {
            let state = seeded_state(stream_key(seed, kind, index));
            for (word, value) in words.iter_mut().zip(state) {
                word[lane] = value;
            }
        }
        LaneStreams { words }
    }

    /// The next raw output of every lane.
    #[inline(always)]
    pub fn next_u64s(&mut self) -> [u64; L] {
        let [s0, s1, s2, s3] = &mut self.words;
        let mut out = [0; L];
        for lane in 0..L {
            out[lane] = s0[lane]
                .wrapping_add(s3[lane])
                .rotate_left(23)
                .wrapping_add(s0[lane]);
            let t = s1[lane] << 17;
            s2[lane] ^= s0[lane];
            s3[lane] ^= s1[lane];
            s1[lane] ^= s2[lane];
            s0[lane] ^= s3[lane];
            s2[lane] ^= t;
            s3[lane] = s3[lane].rotate_left(45);
        }
        out
    }

    /// The next raw output of one lane.
    #[inline(always)]
    pub fn next_u64_of(&mut self, lane: usize) -> u64 {
        let mut state = [0; 4];
        for (value, word) in state.iter_mut().zip(&self.words) {
            *value = word[lane];
        }
        let out = xoshiro_step(&mut state);
        for (word, value) in self.words.iter_mut().zip(state) {
            word[lane] = value;
        }
        out
    }

    /// A uniform in [0, 1) on every lane, written to `units`.
    #[inline(always)]
    pub fn units_into(&mut self, units: &mut [f64; L]) {
        let bits = self.next_u64s();
        for lane in 0..L {
            units[lane] = unit_from_bits(bits[lane]);
        }
    }

    /// A uniform in [0, 1) on the lanes in `mask`; the others draw nothing and read 1.0, above
    /// any probability.
    #[inline(always)]
    pub fn units_where(&mut self, mask: LaneMask<L>) -> [f64; L] {
        let [s0, s1, s2, s3] = &mut self.words;
        let mut units = [1.0; L];
        for lane in 0..L {
            let mut state = [s0[lane], s1[lane], s2[lane], s3[lane]];
            let unit = unit_from_bits(xoshiro_step(&mut state));
            // Selects, not a branch: the lanes that draw vary from month to month.
            let keep = mask[lane];
            units[lane] = if keep { unit } else { 1.0 };
            s0[lane] = if keep { state[0] } else { s0[lane] };
            s1[lane] = if keep { state[1] } else { s1[lane] };
            s2[lane] = if keep { state[2] } else { s2[lane] };
            s3[lane] = if keep { state[3] } else { s3[lane] };
        }
        units
    }

    /// A uniform in [0, 1) on one lane.
    #[inline(always)]
    pub fn unit_of(&mut self, lane: usize) -> f64 {
        unit_from_bits(self.next_u64_of(lane))
    }

    /// A standard normal on one lane.
    pub fn normal_of(&mut self, lane: usize) -> f64 {
        let bits = self.next_u64_of(lane);
        // The rest of the ziggurat starts by trying the layer's core, as the fast path does.
        self.normal_beyond(lane, bits)
    }

    /// A standard normal on every lane, written to `normals`.
    #[inline(always)]
    pub fn normals_into(&mut self, normals: &mut [f64; L]) {
        const { assert!(L <= 64, "one bit per lane") };
        let bits = self.next_u64s();
        // One bit per lane whose draw fell outside its layer's core.
        let mut outside = 0u64;
        for lane in 0..L {
            let (layer, u) = layer_and_position(bits[lane]);
            let x = u * NORMAL_X[layer];
            normals[lane] = x;
            outside |= u64::from(x.abs() >= NORMAL_X[layer + 1]) << lane;
        }
        if outside != 0 {
            self.normals_beyond(normals, &bits, outside);
        }
    }

    /// Finishes the lanes whose bit is set in `outside`.
    #[cold]
    #[inline(never)]
    fn normals_beyond(&mut self, normals: &mut [f64; L], bits: &[u64; L], mut outside: u64) {
        while outside != 0 {
            let lane = outside.trailing_zeros() as usize;
            outside &= outside - 1;
            normals[lane] = self.normal_beyond(lane, bits[lane]);
        }
    }

    /// The rest of the ziggurat for one lane whose first draw `bits` fell outside its layer's
    /// core: the wedge test, the tail, or another try, as `rand_distr` does them.
    #[cold]
    fn normal_beyond(&mut self, lane: usize, mut bits: u64) -> f64 {
        loop {
            let (layer, u) = layer_and_position(bits);
            let x = u * NORMAL_X[layer];
            if x.abs() < NORMAL_X[layer + 1] {
                return x;
            }
            if layer == 0 {
                return self.normal_tail(lane, u);
            }
            let height =
                NORMAL_F[layer + 1] + (NORMAL_F[layer] - NORMAL_F[layer + 1]) * self.unit_of(lane);
            if height < (-x * x / 2.0).exp() {
                return x;
            }
            bits = self.next_u64_of(lane);
        }
    }

    /// A draw from the tail beyond [`NORMAL_TAIL_START`], on the side `u` gives.
    fn normal_tail(&mut self, lane: usize, u: f64) -> f64 {
        let (mut x, mut y) = (1.0f64, 0.0f64);
        while -2.0 * y < x * x {
            x = self.open_unit_of(lane).ln() / NORMAL_TAIL_START;
            y = self.open_unit_of(lane).ln();
        }
        if u < 0.0 {
            x - NORMAL_TAIL_START
        } else {
            NORMAL_TAIL_START - x
        }
    }

    /// A uniform in the open interval (0, 1) with 52 random bits, as `rand`'s `Open01` makes it.
    fn open_unit_of(&mut self, lane: usize) -> f64 {
        let fraction = self.next_u64_of(lane) >> 12;
        f64::from_bits(fraction | (1023u64 << 52)) - (1.0 - f64::EPSILON / 2.0)
    }
}

/// One Xoshiro256++ step of a single state.
#[inline(always)]
fn xoshiro_step(s: &mut [u64; 4]) -> u64 {
    let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    out
}

/// Xoshiro256++'s state seeded from a `u64`, by SplitMix64 as its reference code (and `rand`)
/// seed it.
fn seeded_state(mut key: u64) -> [u64; 4] {
    let mut state = [0; 4];
    for word in &mut state {
        *word = splitmix64(key);
        key = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    }
    state
}

/// The ziggurat layer a draw picks (its low 8 bits) and its signed position in (-1, 1) (its
/// top 52 bits as a double in [2, 4), less 3).
#[inline(always)]
fn layer_and_position(bits: u64) -> (usize, f64) {
    let layer = (bits & 0xff) as usize;
    let u = f64::from_bits((bits >> 12) | (1024u64 << 52)) - 3.0;
    (layer, u)
}

#[cfg(test)]
mod tests {
    use super::LaneStreams;
    use crate::sampling::rng::{stream, Draws, Stream, StreamRng};

    const SEED: u64 = 20_220_314;
    const PATHS: [u64; 4] = [0, 1, 4_095, 1 << 40];

    fn path_streams() -> Vec<StreamRng> {
        PATHS
            .iter()
            .map(|&path| stream(SEED, Stream::Path, path))
            .collect()
    }

    #[test]
    fn every_lane_is_its_paths_stream() {
        let mut lanes = LaneStreams::for_paths(SEED, PATHS);
        let mut paths = path_streams();
        let mut units = [0.0; 4];
        for _ in 0..1_000 {
            lanes.units_into(&mut units);
            for (unit, path) in units.iter().zip(&mut paths) {
                assert_eq!(unit.to_bits(), path.unit().to_bits());
            }
        }
    }

    /// A million normals a lane, enough to pass through every slow branch (the wedges, the tail
    /// and retries) many times, equal to `rand_distr`'s to the bit.
    #[test]
    fn normals_are_rand_distrs_to_the_bit() {
        let mut lanes = LaneStreams::for_paths(SEED, PATHS);
        let mut paths = path_streams();
        let mut tails = 0;
        let mut normals = [0.0; 4];
        for _ in 0..1_000_000 {
            lanes.normals_into(&mut normals);
            for (normal, path) in normals.iter().zip(&mut paths) {
                assert_eq!(normal.to_bits(), path.normal().to_bits());
                tails += usize::from(normal.abs() > super::NORMAL_TAIL_START);
            }
        }
        assert!(tails > 100, "only {tails} draws reached the tail");
    }

    /// One lane's normals drawn alone, through the slow branches too, are its stream's; and a
    /// lane group keyed by any stream kind is that kind's streams.
    #[test]
    fn one_lanes_normals_are_its_streams() {
        let mut lanes = LaneStreams::for_stream(SEED, Stream::Forecast, PATHS);
        let mut paths: Vec<StreamRng> = PATHS
            .iter()
            .map(|&path| stream(SEED, Stream::Forecast, path))
            .collect();
        for round in 0..200_000usize {
            let lane = round % PATHS.len();
            assert_eq!(
                lanes.normal_of(lane).to_bits(),
                paths[lane].normal().to_bits()
            );
        }
    }

    #[test]
    fn lanes_outside_a_mask_draw_nothing() {
        let mut lanes = LaneStreams::for_paths(SEED, PATHS);
        let mut paths = path_streams();
        for round in 0..1_000usize {
            let mask = std::array::from_fn(|lane| (round >> lane) & 1 == 1);
            let units = lanes.units_where(mask);
            for lane in 0..PATHS.len() {
                if mask[lane] {
                    assert_eq!(units[lane].to_bits(), paths[lane].unit().to_bits());
                } else {
                    assert_eq!(units[lane], 1.0);
                }
            }
            let lane = round % PATHS.len();
            assert_eq!(lanes.unit_of(lane).to_bits(), paths[lane].unit().to_bits());
        }
    }
}
