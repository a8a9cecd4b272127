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

use super::latent::{LatentLayout, ReplayDraws};
use super::population::Chunk;
use super::prior::ScoredParameters;
use crate::engine::PathSimulator;
use crate::model::Model;
use crate::sampling::rng::{standard_normal, stream, unit, Stream, StreamRng};
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

/// One worker's buffers.
pub struct Mover<'m> {
    simulator: PathSimulator<'m>,
    values: Vec<f64>,
    scores: Vec<f64>,
    latent: Vec<f32>,
    independent: Vec<f64>,
    solved: Vec<f64>,
}

impl<'m> Mover<'m> {
    pub fn new(model: &'m Model) -> Self {
        Mover {
            simulator: PathSimulator::new(model),
            values: Vec::new(),
            scores: Vec::new(),
            latent: Vec::new(),
            independent: Vec::new(),
            solved: Vec::new(),
        }
    }

    /// The log likelihood of every assimilated observation for one particle.
    pub fn log_likelihood(&mut self, context: &MoveContext, values: &[f64], latent: &[f32]) -> f64 {
        let fresh = stream(context.seed, Stream::Forecast, 0);
        let mut draws = ReplayDraws::new(latent, context.layout, fresh);
        self.simulator
            .simulate_until(&mut draws, values, context.month);
        context
            .assimilated
            .iter()
            .map(|o| {
                o.relative_likelihood(&self.simulator.trajectory, values)
                    .ln()
            })
            .sum()
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
        let width = chunk.values.len() / chunk.len.max(1);
        for at in 0..chunk.len {
            let particle = (chunk.first + at) as u64;
            let (step, sub) = context.step;
            let key = (step << 48) | (sub << 40) | particle;
            let mut rng = stream(context.seed, Stream::Move, key);
            let scores = &mut chunk.scores[at * k..(at + 1) * k];
            let values = &mut chunk.values[at * width..(at + 1) * width];
            let latent = &mut chunk.latent[at * latent_len..(at + 1) * latent_len];
            let log_likelihood = &mut chunk.log_likelihood[at];
            if k > 0 {
                let state = (&mut *scores, &mut *values);
                let taken =
                    self.move_scores(context, proposal, &mut rng, state, latent, log_likelihood);
                accepted.scores.0 += u64::from(taken);
                accepted.scores.1 += 1;
            }
            if context.layout.through(context.month) > 0 {
                let taken =
                    self.move_noise(context, proposal, &mut rng, values, latent, log_likelihood);
                accepted.noise.0 += u64::from(taken);
                accepted.noise.1 += 1;
            }
            refresh_unread(context, &mut rng, latent);
        }
        accepted
    }

    fn move_scores(
        &mut self,
        context: &MoveContext,
        proposal: &Proposal,
        rng: &mut StreamRng,
        (scores, values): (&mut [f64], &mut [f64]),
        latent: &[f32],
        log_likelihood: &mut f64,
    ) -> bool {
        let k = scores.len();
        self.independent.clear();
        self.independent
            .extend((0..k).map(|_| standard_normal(rng)));
        self.scores.clear();
        self.scores.extend((0..k).map(|row| {
            let walk: f64 = (0..=row)
                .map(|col| proposal.walk[row * k + col] * self.independent[col])
                .sum();
            scores[row] + walk
        }));
        let threshold = unit(rng).ln();
        let proposed = std::mem::take(&mut self.scores);
        let energy = context.scored.prior_energy(scores, &mut self.solved)
            - context.scored.prior_energy(&proposed, &mut self.solved);
        let mut proposed_values = std::mem::take(&mut self.values);
        context.scored.values(&proposed, &mut proposed_values);
        let candidate = self.log_likelihood(context, &proposed_values, latent);
        let taken = threshold < candidate - *log_likelihood + 0.5 * energy;
        if taken {
            scores.copy_from_slice(&proposed);
            values.copy_from_slice(&proposed_values);
            *log_likelihood = candidate;
        }
        self.scores = proposed;
        self.values = proposed_values;
        taken
    }

    fn move_noise(
        &mut self,
        context: &MoveContext,
        proposal: &Proposal,
        rng: &mut StreamRng,
        values: &[f64],
        latent: &mut [f32],
        log_likelihood: &mut f64,
    ) -> bool {
        let read = context.layout.through(context.month);
        let keep = (1.0 - proposal.refresh).sqrt();
        let fresh = proposal.refresh.sqrt();
        self.latent.clear();
        self.latent.extend_from_slice(latent);
        for z in &mut self.latent[..read] {
            *z = (keep * f64::from(*z) + fresh * standard_normal(rng)) as f32;
        }
        let threshold = unit(rng).ln();
        let proposed = std::mem::take(&mut self.latent);
        let candidate = self.log_likelihood(context, values, &proposed);
        let taken = threshold < candidate - *log_likelihood;
        if taken {
            latent.copy_from_slice(&proposed);
            *log_likelihood = candidate;
        }
        self.latent = proposed;
        taken
    }
}

/// The noise of months after the latest observation is no observation's business yet: drawn
/// afresh, so copies of one particle part ways before the evidence that will tell them apart.
fn refresh_unread(context: &MoveContext, rng: &mut StreamRng, latent: &mut [f32]) {
    let read = context.layout.through(context.month);
    for z in &mut latent[read..] {
        *z = standard_normal(rng) as f32;
    }
}
