//! The move that rejuvenates particles after resampling: a Metropolis-Hastings kernel that
//! leaves the posterior given the evidence so far unchanged. Each step updates two blocks in
//! turn, each accepted with the ratio of the evidence's likelihood (times, for the scores, their
//! prior density ratio):
//!
//! - the parameters' scores, by a random walk shaped like the particles' own spread (the
//!   covariance of the scores after resampling, scaled towards an acceptance of about a third);
//! - the noise of the months assimilated so far, by a preconditioned Crank-Nicolson step
//!   `z' = rho z + sqrt(1 - rho^2) e`, which leaves the standard normal prior unchanged, so the
//!   ratio is the likelihood's alone. Noise of later months, which no assimilated observation
//!   reads, is drawn afresh: an exact draw from its conditional.
//!
//! Both step sizes adapt between steps from the acceptance rates, the same way on every thread.

use std::ops::Range;

use super::latent::LatentLayout;
use super::particles::{self, Group, ParticleLanes};
use super::population::Chunk;
use super::prior::ScoredParameters;
use crate::engine::LANES;
use crate::model::Model;
use crate::sampling::lane_streams::LaneStreams;
use crate::sampling::rng::Stream;
use crate::simd::Isa;
use crate::weighting::evidence::Observation;

/// The step sizes of one move step.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Lower-triangular Cholesky factor of the scores' random walk, `k x k`.
    pub walk: Vec<f64>,
    /// The share of each assimilated noise's variance refreshed: `1 - rho^2`.
    pub refresh: f64,
}

/// What one chunk's move step accepted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepted {
    pub scores: (u64, u64),
    pub noise: (u64, u64),
}

impl Accepted {
    pub fn add(self, other: Accepted) -> Accepted {
        Accepted {
            scores: (
                self.scores.0 + other.scores.0,
                self.scores.1 + other.scores.1,
            ),
            noise: (self.noise.0 + other.noise.0, self.noise.1 + other.noise.1),
        }
    }
}

/// What a move needs to know of the run.
pub struct MoveContext<'a> {
    pub scored: &'a ScoredParameters,
    pub layout: LatentLayout,
    /// Every observation assimilated so far.
    pub assimilated: &'a [Observation],
    /// The month of the latest of them.
    pub month: usize,
    pub seed: u64,
    /// Which observation and which move step: the streams' key.
    pub step: (u64, u64),
}

/// One worker's buffers. A chunk's particles move a lane group at a time: every particle of
/// the group proposes (each from its own stream, in the order one particle alone draws), the
/// proposals run together on the lane engine, and each is accepted or not on its own ratio.
pub struct Mover<'m> {
    lanes: ParticleLanes<'m>,
    /// The group's move streams, one lane per particle, drawn a lane group at a time.
    streams: LaneStreams<LANES>,
    /// The vector instructions the streams are stepped with (the same draws on every one).
    isa: Isa,
    /// The group's normals for the scores' walk, `[column][lane]`.
    walk_normals: Vec<[f64; LANES]>,
    /// The group's proposals: scores (`k` each), values (`width` each), kept noise.
    scores: Vec<f64>,
    values: Vec<f64>,
    latent: Vec<f32>,
    /// Each particle's log threshold and (for the scores) its proposal's prior energy.
    thresholds: Vec<f64>,
    energies: Vec<f64>,
    /// Each particle's log likelihood of the proposal.
    candidates: Vec<f64>,
    /// One parameter's shares, then values, over the group's proposals.
    column: Vec<f64>,
    solved: Vec<f64>,
}

impl<'m> Mover<'m> {
    pub fn new(model: &'m Model, layout: LatentLayout) -> Self {
        Mover {
            lanes: ParticleLanes::new(model, layout),
            streams: LaneStreams::for_stream(0, Stream::Move, [0; LANES]),
            isa: Isa::detect(),
            walk_normals: Vec::new(),
            scores: Vec::new(),
            values: Vec::new(),
            latent: Vec::new(),
            thresholds: Vec::with_capacity(LANES),
            energies: Vec::with_capacity(LANES),
            candidates: Vec::with_capacity(LANES),
            column: Vec::with_capacity(LANES),
            solved: Vec::new(),
        }
    }

    /// One move step for every particle of a chunk.
    pub fn move_chunk(
        &mut self,
        context: &MoveContext,
        proposal: &Proposal,
        chunk: &mut Chunk,
        k: usize,
    ) -> Accepted {
        let mut accepted = Accepted::default();
        let latent_len = context.layout.len();
        for first in (0..chunk.len).step_by(LANES) {
            let ats = first..(first + LANES).min(chunk.len);
            // Lanes past the chunk's end draw too, from keys no particle has, and are never read.
            let (step, sub) = context.step;
            let keys = std::array::from_fn(|lane| {
                (step << 48) | (sub << 40) | (chunk.first + first + lane) as u64
            });
            self.streams = LaneStreams::for_stream(context.seed, Stream::Move, keys);
            if k > 0 {
                let taken = self.move_scores(context, proposal, chunk, ats.clone(), k);
                accepted.scores.0 += taken;
                accepted.scores.1 += ats.len() as u64;
            }
            if context.layout.through(context.month) > 0 {
                let taken = self.move_noise(context, proposal, chunk, ats.clone());
                accepted.noise.0 += taken;
                accepted.noise.1 += ats.len() as u64;
            }
            let latent = &mut chunk.latent[ats.start * latent_len..ats.end * latent_len];
            refresh_unread(context, (self.isa, &mut self.streams), latent);
        }
        accepted
    }

    /// Each proposal's log likelihood of every assimilated observation, into `candidates`:
    /// parameter values `values` (`width` each) and kept noise `latent`, one per particle.
    fn log_likelihoods(
        &mut self,
        context: &MoveContext,
        (values, width): (&[f64], usize),
        latent: &[f32],
        count: usize,
    ) {
        let values = particles::rows(values, width, 0..count);
        let latent = particles::rows(latent, context.layout.len(), 0..count);
        // Past the kept months every particle draws from the same stream, as one alone does.
        let fresh = [0; LANES];
        let group = Group {
            values: &values[..count],
            latent: &latent[..count],
            fresh: &fresh[..count],
        };
        self.lanes.run(&group, context.month);
        self.candidates.clear();
        for (lane, values) in values.iter().enumerate().take(count) {
            let path = self.lanes.path(lane, context.month);
            let log_likelihood: f64 = context
                .assimilated
                .iter()
                .map(|o| o.relative_likelihood(&path, values).ln())
                .sum();
            self.candidates.push(log_likelihood);
        }
    }

    /// The random walk of the scores for the particles `ats`; returns how many were taken.
    fn move_scores(
        &mut self,
        context: &MoveContext,
        proposal: &Proposal,
        chunk: &mut Chunk,
        ats: Range<usize>,
        k: usize,
    ) -> u64 {
        let width = chunk.values.len() / chunk.len.max(1);
        for buffer in [&mut self.scores, &mut self.values, &mut self.thresholds] {
            buffer.clear();
        }
        self.energies.clear();
        // Each particle's walk normals, then its threshold: the order it draws them alone.
        self.walk_normals.resize(k, [0.0; LANES]);
        let walk = &mut self.walk_normals;
        draw_normals(self.isa, &mut self.streams, k, |column, normals| {
            walk[column] = *normals;
        });
        let mut units = [0.0; LANES];
        self.streams.units_into(&mut units);
        for (lane, at) in ats.clone().enumerate() {
            let scores = &chunk.scores[at * k..(at + 1) * k];
            let first = self.scores.len();
            let normals = &self.walk_normals;
            self.scores.extend((0..k).map(|row| {
                let walk: f64 = (0..=row)
                    .map(|col| proposal.walk[row * k + col] * normals[col][lane])
                    .sum();
                scores[row] + walk
            }));
            self.thresholds.push(units[lane].ln());
            let proposed = &self.scores[first..];
            self.energies
                .push(context.scored.prior_energy(proposed, &mut self.solved));
        }
        let (scored, proposed) = (context.scored, &self.scores);
        let (values, column) = (&mut self.values, &mut self.column);
        crate::simd::dispatch(
            self.isa,
            #[inline(always)]
            || scored.values_of_many(proposed, ats.len(), values, column),
        );
        let kept = &chunk.latent[ats.start * context.layout.len()..];
        let values = std::mem::take(&mut self.values);
        self.log_likelihoods(context, (&values, width), kept, ats.len());
        self.values = values;
        let mut taken = 0;
        for (index, at) in ats.enumerate() {
            let candidate = self.candidates[index];
            let log_likelihood = &mut chunk.log_likelihood[at];
            let energy = chunk.prior_energy[at] - self.energies[index];
            if self.thresholds[index] < candidate - *log_likelihood + 0.5 * energy {
                chunk.prior_energy[at] = self.energies[index];
                chunk.scores[at * k..(at + 1) * k]
                    .copy_from_slice(&self.scores[index * k..(index + 1) * k]);
                chunk.values[at * width..(at + 1) * width]
                    .copy_from_slice(&self.values[index * width..(index + 1) * width]);
                *log_likelihood = candidate;
                taken += 1;
            }
        }
        taken
    }

    /// The Crank-Nicolson nudge of the kept noise for the particles `ats`; returns how many
    /// were taken.
    fn move_noise(
        &mut self,
        context: &MoveContext,
        proposal: &Proposal,
        chunk: &mut Chunk,
        ats: Range<usize>,
    ) -> u64 {
        let (latent_len, width) = (context.layout.len(), chunk.values.len() / chunk.len.max(1));
        let read = context.layout.through(context.month);
        let keep = (1.0 - proposal.refresh).sqrt();
        let fresh = proposal.refresh.sqrt();
        self.latent.clear();
        self.latent
            .extend_from_slice(&chunk.latent[ats.start * latent_len..ats.end * latent_len]);
        // Slot after slot, every particle's next normal; then each one's threshold.
        let latent = &mut self.latent;
        draw_normals(self.isa, &mut self.streams, read, |slot, normals| {
            for (particle, &normal) in latent.chunks_exact_mut(latent_len).zip(normals) {
                let z = &mut particle[slot];
                *z = (keep * f64::from(*z) + fresh * normal) as f32;
            }
        });
        let mut units = [0.0; LANES];
        self.streams.units_into(&mut units);
        self.thresholds.clear();
        self.thresholds
            .extend(units[..ats.len()].iter().map(|unit| unit.ln()));
        let values = &chunk.values[ats.start * width..];
        let latent = std::mem::take(&mut self.latent);
        self.log_likelihoods(context, (values, width), &latent, ats.len());
        self.latent = latent;
        let mut taken = 0;
        for (index, at) in ats.enumerate() {
            let candidate = self.candidates[index];
            let log_likelihood = &mut chunk.log_likelihood[at];
            if self.thresholds[index] < candidate - *log_likelihood {
                chunk.latent[at * latent_len..(at + 1) * latent_len]
                    .copy_from_slice(&self.latent[index * latent_len..(index + 1) * latent_len]);
                *log_likelihood = candidate;
                taken += 1;
            }
        }
        taken
    }
}

/// The noise of months after the latest observation is no observation's business yet: drawn
/// afresh, so copies of one particle part ways before the evidence that will tell them apart.
/// `latent` holds a lane group's particles' kept noise, one after another.
fn refresh_unread(
    context: &MoveContext,
    (isa, streams): (Isa, &mut LaneStreams<LANES>),
    latent: &mut [f32],
) {
    let (read, len) = (context.layout.through(context.month), context.layout.len());
    draw_normals(isa, streams, len - read, |round, normals| {
        for (particle, &normal) in latent.chunks_exact_mut(len).zip(normals) {
            particle[read + round] = normal as f32;
        }
    });
}

/// `rounds` times, every lane's next normal, handed to `take` with the round: the streams
/// stepped with the widest vector instructions `isa` allows.
fn draw_normals(
    isa: Isa,
    streams: &mut LaneStreams<LANES>,
    rounds: usize,
    mut take: impl FnMut(usize, &[f64; LANES]),
) {
    crate::simd::dispatch(
        isa,
        #[inline(always)]
        || {
            let mut normals = [0.0; LANES];
            for round in 0..rounds {
                streams.normals_into(&mut normals);
                take(round, &normals);
            }
        },
    );
}
