//! Running every path of a model in parallel, reproducibly, into one tally.
//!
//! Work is split into the sampling design's blocks (fixed size, never derived from the thread
//! count). Each thread keeps one worker and takes the next block from a shared counter until none
//! is left: memory is one tally per thread whatever the number of paths. Tallies are exact integer
//! sums, so which thread ran which block, and the order they are combined in, cannot change a byte.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::PathSimulator;
use crate::model::Model;
use crate::sampling::{block_count, BlockSample, ParameterSampler};
use crate::stats::tally::WEIGHT_ONE;
use crate::stats::{Dims, Tally};
use crate::weighting::PathWeighting;

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    pub progress: bool,
}

/// A finished run.
#[derive(Debug)]
pub struct RunOutcome {
    /// Every path at its weight (all weigh one in a plain run).
    pub tally: Tally,
    /// With a weighting: the same paths unweighted, to set beside the weighted ones.
    pub prior: Option<Tally>,
    pub wall_time: Duration,
    pub threads: usize,
}

/// One worker's buffers and running tallies.
struct Worker<'m> {
    simulator: PathSimulator<'m>,
    sample: BlockSample,
    weighting: Option<&'m PathWeighting>,
    tally: Tally,
    prior: Option<Tally>,
}

impl<'m> Worker<'m> {
    fn new(model: &'m Model, weighting: Option<&'m PathWeighting>) -> Self {
        Worker {
            simulator: PathSimulator::new(model),
            sample: BlockSample::default(),
            weighting,
            tally: Tally::new(Dims::of(model)),
            prior: weighting.map(|_| Tally::new(Dims::of(model))),
        }
    }

    fn run_block(&mut self, sampler: &ParameterSampler, block: u64) {
        sampler.sample_block(block, &mut self.sample);
        for row in 0..self.sample.rows {
            let path = self.sample.first_path + row as u64;
            let parameters = self.sample.row(row);
            self.simulator.simulate(path, parameters);
            let trajectory = &self.simulator.trajectory;
            let weight = match self.weighting {
                Some(weighting) => weighting.weight(trajectory, parameters),
                None => WEIGHT_ONE,
            };
            self.tally.record(trajectory, weight);
            if let Some(prior) = &mut self.prior {
                prior.record(trajectory, WEIGHT_ONE);
            }
        }
    }
}

/// Runs all the model's paths.
pub fn run(model: &Model, options: RunOptions) -> anyhow::Result<RunOutcome> {
    run_blocks(model, 0..block_count(model.run.paths), None, options)
}

/// Runs all the model's paths, weighting each by a condition or by evidence.
pub fn run_weighted(
    model: &Model,
    weighting: &PathWeighting,
    options: RunOptions,
) -> anyhow::Result<RunOutcome> {
    let blocks = 0..block_count(model.run.paths);
    run_blocks(model, blocks, Some(weighting), options)
}

/// Runs the paths of the given blocks (a shard's share, or all of them).
pub fn run_blocks(
    model: &Model,
    blocks: Range<u64>,
    weighting: Option<&PathWeighting>,
    options: RunOptions,
) -> anyhow::Result<RunOutcome> {
    let sampler = ParameterSampler::new(model).map_err(anyhow::Error::msg)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()?;
    let threads = pool.current_num_threads();
    let progress = progress_bar(blocks.end - blocks.start, options.progress);
    let started = Instant::now();
    let next_block = AtomicU64::new(blocks.start);
    let workers = pool.broadcast(|_| {
        let mut worker = Worker::new(model, weighting);
        loop {
            let block = next_block.fetch_add(1, Ordering::Relaxed);
            if block >= blocks.end {
                break (worker.tally, worker.prior);
            }
            worker.run_block(&sampler, block);
            progress.inc(1);
        }
    });
    progress.finish_and_clear();
    let empty = || Tally::new(Dims::of(model));
    let (tallies, priors): (Vec<Tally>, Vec<Option<Tally>>) = workers.into_iter().unzip();
    let prior = weighting.map(|_| priors.into_iter().flatten().fold(empty(), merge));
    Ok(RunOutcome {
        tally: tallies.into_iter().fold(empty(), merge),
        prior,
        wall_time: started.elapsed(),
        threads,
    })
}

fn merge(mut left: Tally, right: Tally) -> Tally {
    // Both come from the same model, so their shapes agree.
    let _ = left.merge(&right);
    left
}

fn progress_bar(blocks: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(blocks), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {percent:>3}% {elapsed_precise} (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
