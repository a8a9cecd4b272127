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

use crate::engine::{LaneHistory, LaneSimulator, Trajectory, LANES};
use crate::model::Model;
use crate::sampling::{block_count, BlockSample, ParameterSampler};
use crate::stats::tally::WEIGHT_ONE;
use crate::stats::{Dims, Recorder, Tally};
use crate::timing::{Stage, StageTimes};
use crate::weighting::PathWeighting;

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions<'p> {
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    pub progress: Progress<'p>,
}

/// Where a job reports its progress.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'p> {
    /// Nowhere.
    Off,
    /// A bar of its own on standard error, cleared when the job ends.
    Bar,
    /// A bar shared by several jobs (a batch), ticked once per block and left for its owner.
    Shared(&'p ProgressBar),
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
    /// The workers' time drawing parameters, simulating and tallying, added over the threads.
    pub stages: StageTimes,
}

/// One worker's buffers and running tallies.
struct Worker<'m> {
    simulator: LaneSimulator<'m>,
    sample: BlockSample,
    weighting: Option<&'m PathWeighting>,
    tally: Recorder,
    prior: Option<Recorder>,
    stages: StageTimes,
}

impl<'m> Worker<'m> {
    fn new(model: &'m Model, weighting: Option<&'m PathWeighting>) -> Self {
        Worker {
            simulator: LaneSimulator::new(model),
            sample: BlockSample::default(),
            weighting,
            tally: Recorder::new(Dims::of(model)),
            prior: weighting.map(|_| Recorder::new(Dims::of(model))),
            stages: StageTimes::default(),
        }
    }

    fn run_block(&mut self, sampler: &ParameterSampler, block: u64) {
        let sample = &mut self.sample;
        let stages = &mut self.stages;
        stages.time(Stage::Parameters, || sampler.sample_block(block, sample));
        let Some(weighting) = self.weighting else {
            // Every path weighs one: the tally takes a group's history as it is.
            let tally = &mut self.tally;
            simulate_groups(&mut self.simulator, sample, stages, |history, rows, _| {
                tally.record_lanes(history, rows.len());
            });
            return;
        };
        let (tally, prior) = (&mut self.tally, &mut self.prior);
        simulate_block(
            &mut self.simulator,
            sample,
            stages,
            |trajectory, parameters, path| {
                tally.record(trajectory, weighting.weight(trajectory, parameters, path));
                if let Some(prior) = prior {
                    prior.record(trajectory, WEIGHT_ONE);
                }
            },
        );
    }
}

/// Simulates every path of a block's sample, [`LANES`] at a time, and hands each group's
/// history, its paths' parameter rows and their indices (one per lane in use) to
/// `each_group`, in path order;
/// the engine's time goes to [`Stage::Simulate`], `each_group`'s to [`Stage::Tally`].
fn simulate_groups(
    simulator: &mut LaneSimulator,
    sample: &BlockSample,
    stages: &mut StageTimes,
    mut each_group: impl FnMut(&LaneHistory, &[&[f64]], &[u64]),
) {
    let mut paths = [0u64; LANES];
    for first in (0..sample.rows).step_by(LANES) {
        let count = LANES.min(sample.rows - first);
        for (lane, path) in paths.iter_mut().enumerate().take(count) {
            *path = sample.first_path + (first + lane) as u64;
        }
        let parameters: [&[f64]; LANES] =
            std::array::from_fn(|lane| sample.row(first + lane.min(count - 1)));
        // A group is tens of microseconds of work: two clock reads are lost in it.
        let started = Instant::now();
        simulator.simulate(&paths[..count], &parameters[..count]);
        let simulated = Instant::now();
        each_group(&simulator.history, &parameters[..count], &paths[..count]);
        stages.add(Stage::Simulate, simulated - started);
        stages.add(Stage::Tally, simulated.elapsed());
    }
}

/// Simulates every path of a block's sample and hands each finished path (its trajectory,
/// parameters and index) to `each`, in path order.
fn simulate_block(
    simulator: &mut LaneSimulator,
    sample: &BlockSample,
    stages: &mut StageTimes,
    mut each: impl FnMut(&Trajectory, &[f64], u64),
) {
    let mut trajectory = simulator.blank_trajectory();
    simulate_groups(simulator, sample, stages, |history, rows, paths| {
        for (lane, (row, &path)) in rows.iter().zip(paths).enumerate() {
            history.trajectory_into(lane, &mut trajectory);
            each(&trajectory, row, path);
        }
    });
}

/// Runs all the model's paths.
pub fn run(model: &Model, options: RunOptions) -> crate::error::Result<RunOutcome> {
    run_blocks(model, 0..block_count(model.run.paths), None, options)
}

/// Runs all the model's paths, weighting each by a condition or by evidence.
pub fn run_weighted(
    model: &Model,
    weighting: &PathWeighting,
    options: RunOptions,
) -> crate::error::Result<RunOutcome> {
    let blocks = 0..block_count(model.run.paths);
    run_blocks(model, blocks, Some(weighting), options)
}

/// Runs the paths of the given blocks (a shard's share, or all of them).
pub fn run_blocks(
    model: &Model,
    blocks: Range<u64>,
    weighting: Option<&PathWeighting>,
    options: RunOptions,
) -> crate::error::Result<RunOutcome> {
    let sampler = ParameterSampler::new(model);
    let job = pull_in_parallel(
        blocks,
        options,
        || Worker::new(model, weighting),
        |worker, block| worker.run_block(&sampler, block),
    )?;
    let empty = || Tally::new(Dims::of(model));
    let mut stages = StageTimes::default();
    for worker in &job.workers {
        stages.merge(&worker.stages);
    }
    let (tallies, priors): (Vec<Tally>, Vec<Option<Tally>>) = job
        .workers
        .into_iter()
        .map(|worker| (worker.tally.finish(), worker.prior.map(Recorder::finish)))
        .unzip();
    let prior = weighting.map(|_| priors.into_iter().flatten().fold(empty(), merge));
    Ok(RunOutcome {
        tally: tallies.into_iter().fold(empty(), merge),
        prior,
        wall_time: job.wall_time,
        threads: job.threads,
        stages,
    })
}

/// Which path of which design a kept path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathAt {
    pub design: usize,
    /// The path's index within its design's run.
    pub path: u64,
}

/// What each path keeps for an analysis: for a given design it appends the same number of
/// values for every path.
pub trait KeepPath: Sync {
    fn keep(&self, at: PathAt, trajectory: &Trajectory, parameters: &[f64], kept: &mut Vec<f64>);
}

impl<F: Fn(usize, &Trajectory, &[f64], &mut Vec<f64>) + Sync> KeepPath for F {
    fn keep(&self, at: PathAt, trajectory: &Trajectory, parameters: &[f64], kept: &mut Vec<f64>) {
        self(at.design, trajectory, parameters, kept)
    }
}

/// The values kept from every path of several designs of one model, each in path order.
#[derive(Debug)]
pub struct Collected {
    /// One per design: the paths' kept values, path after path.
    pub designs: Vec<Vec<f64>>,
    pub wall_time: Duration,
    pub threads: usize,
}

/// Runs every design (the same model, differently sampled: pinned parameters, fewer paths) as
/// one parallel job and keeps what `keep` takes from each path. Memory grows with the paths,
/// which suits analyses; a plain run uses [`run`].
pub fn collect_paths(
    model: &Model,
    designs: &[ParameterSampler],
    keep: &dyn KeepPath,
    options: RunOptions,
) -> crate::error::Result<Collected> {
    let work: Vec<(usize, u64)> = designs
        .iter()
        .enumerate()
        .flat_map(|(design, sampler)| (0..block_count(sampler.paths())).map(move |b| (design, b)))
        .collect();
    let job = pull_in_parallel(
        0..work.len() as u64,
        options,
        || Collector::new(model),
        |collector, item| {
            let (design, block) = work[item as usize];
            collector.run_block(&designs[design], (item, design), block, keep);
        },
    )?;
    let mut chunks: Vec<(u64, usize, Vec<f64>)> = job
        .workers
        .into_iter()
        .flat_map(|collector| collector.chunks)
        .collect();
    chunks.sort_unstable_by_key(|(item, _, _)| *item);
    let mut kept = vec![Vec::new(); designs.len()];
    for (_, design, values) in chunks {
        kept[design].extend_from_slice(&values);
    }
    Ok(Collected {
        designs: kept,
        wall_time: job.wall_time,
        threads: job.threads,
    })
}

/// One worker's buffers and the chunks of kept values it made: (work item, design, values).
struct Collector<'m> {
    simulator: LaneSimulator<'m>,
    sample: BlockSample,
    chunks: Vec<(u64, usize, Vec<f64>)>,
}

impl<'m> Collector<'m> {
    fn new(model: &'m Model) -> Self {
        Collector {
            simulator: LaneSimulator::new(model),
            sample: BlockSample::default(),
            chunks: Vec::new(),
        }
    }

    fn run_block(
        &mut self,
        sampler: &ParameterSampler,
        (item, design): (u64, usize),
        block: u64,
        keep: &dyn KeepPath,
    ) {
        sampler.sample_block(block, &mut self.sample);
        let mut kept = Vec::new();
        simulate_block(
            &mut self.simulator,
            &self.sample,
            &mut StageTimes::default(),
            |trajectory, parameters, path| {
                keep.keep(PathAt { design, path }, trajectory, parameters, &mut kept);
            },
        );
        self.chunks.push((item, design, kept));
    }
}

/// The workers of a finished parallel job.
struct Job<W> {
    workers: Vec<W>,
    wall_time: Duration,
    threads: usize,
}

/// Gives each thread a worker that takes the next work item from a shared counter until none is
/// left. Items are fixed in advance, so the results never depend on the thread count.
fn pull_in_parallel<W: Send>(
    items: Range<u64>,
    options: RunOptions,
    new_worker: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, u64) + Sync,
) -> crate::error::Result<Job<W>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()?;
    let own = matches!(options.progress, Progress::Bar);
    let own_bar = progress_bar(items.end - items.start, own);
    let progress = match options.progress {
        Progress::Shared(bar) => bar,
        Progress::Off | Progress::Bar => &own_bar,
    };
    let started = Instant::now();
    let next_item = AtomicU64::new(items.start);
    let workers = pool.broadcast(|_| {
        let mut worker = new_worker();
        loop {
            let item = next_item.fetch_add(1, Ordering::Relaxed);
            // Ctrl-C ends the job at the next block: no thread starts another.
            if item >= items.end || crate::interrupt::requested() {
                break worker;
            }
            work(&mut worker, item);
            progress.inc(1);
        }
    });
    crate::interrupt::check()?;
    own_bar.finish_and_clear();
    Ok(Job {
        workers,
        wall_time: started.elapsed(),
        threads: pool.current_num_threads(),
    })
}

fn merge(mut left: Tally, right: Tally) -> Tally {
    // Both come from the same model, so their shapes agree.
    let _ = left.merge(&right);
    left
}

/// A bar over `blocks` blocks on standard error, or a hidden one.
pub fn progress_bar(blocks: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(blocks), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {percent:>3}% {elapsed_precise} (eta {eta}) {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
