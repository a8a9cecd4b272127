//! Engine throughput on the base model, in path-months per second: one path on one core, and a
//! lane of paths stepped together as the runner steps them; the bare random draws a path-month
//! makes (the same count of uniforms and normals, from a fresh stream per path and from a lane
//! group's streams at once, so the engine's overhead over its random numbers is one ratio; and
//! the very draws the engine made for some lane groups, masks and order included, replayed); the
//! runner's other two costs, tallying finished paths and sampling a block's parameters; whole
//! runs on one thread and on all of them (the ratio is the parallel speed-up); and merging
//! shards' tallies. `FORESIGHT_BENCH_SCENARIO` names another scenario file to bench (such as the
//! frozen reference scenario the NumPy twin is timed against).

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use foresight::engine::{LaneSimulator, PathSimulator, LANES};
use foresight::model::Model;
use foresight::runner::{self, Progress, RunOptions};
use foresight::sampling::block_count;
use foresight::sampling::design::{BlockSample, ParameterSampler};
use foresight::sampling::lane_streams::{LaneDraws, LaneStreams};
use foresight::sampling::rng::{stream, CountingDraws, Draws, Stream};
use foresight::sharding::ShardSpec;
use foresight::simd::Isa;
use foresight::stats::{Dims, Recorder};

/// Enough 4096-path blocks that every core gets several.
const RUN_PATHS: u64 = 32 * 4096;

/// A bench's name for the model's horizon: `base_36_months`.
fn months_of(model: &Model) -> String {
    format!("base_{}_months", model.horizon())
}

/// The parameter values of the model's first block of paths.
fn first_block(model: &Model) -> BlockSample {
    let sampler = ParameterSampler::new(model);
    let mut sample = BlockSample::default();
    sampler.sample_block(0, &mut sample);
    sample
}

fn one_path(c: &mut Criterion) {
    let model = common::bench_model(4096);
    let sample = first_block(&model);
    let mut simulator = PathSimulator::new(&model);
    let mut group = c.benchmark_group("path");
    group.throughput(Throughput::Elements(model.horizon() as u64));
    let mut row = 0;
    group.bench_function(months_of(&model), |b| {
        b.iter(|| {
            row = (row + 1) % sample.rows;
            simulator.simulate(black_box(row as u64), sample.row(row));
            black_box(&simulator.trajectory);
        })
    });
    group.finish();
}

/// The runner's engine: [`LANES`] paths stepped together; throughput per path-month. Once
/// with each version of the vector code this processor can run (the runner takes the widest).
fn lanes_of_paths(c: &mut Criterion) {
    let model = common::bench_model(4096);
    let sample = first_block(&model);
    let mut group = c.benchmark_group("lanes");
    group.throughput(Throughput::Elements((LANES * model.horizon()) as u64));
    for isa in Isa::available() {
        let mut simulator = LaneSimulator::with_isa(&model, isa);
        let mut first = 0;
        group.bench_function(BenchmarkId::new(months_of(&model), isa.name()), |b| {
            b.iter(|| {
                first = (first + LANES) % (sample.rows - LANES);
                let paths: [u64; LANES] = std::array::from_fn(|lane| (first + lane) as u64);
                let rows: [&[f64]; LANES] = std::array::from_fn(|lane| sample.row(first + lane));
                simulator.simulate(black_box(&paths), &rows);
                black_box(&simulator.history);
            })
        });
    }
    group.finish();
}

/// The mean number of uniforms and normals one path of the model draws, over a block of paths.
fn draws_per_path(model: &Model) -> (u64, u64) {
    let sample = first_block(model);
    let mut simulator = PathSimulator::new(model);
    let (mut units, mut normals) = (0, 0);
    for row in 0..sample.rows {
        let mut counting = CountingDraws {
            inner: stream(model.run.seed, Stream::Path, row as u64),
            units: 0,
            normals: 0,
        };
        simulator.simulate_with(&mut counting, sample.row(row));
        units += counting.units;
        normals += counting.normals;
    }
    let rows = sample.rows as u64;
    (units.div_ceil(rows), normals.div_ceil(rows))
}

fn bare_draws(c: &mut Criterion) {
    let model = common::bench_model(4096);
    let (units, normals) = draws_per_path(&model);
    println!(
        "the base model draws {units} uniforms and {normals} normals per path (means, rounded up)"
    );
    let mut group = c.benchmark_group("draws");
    group.throughput(Throughput::Elements(model.horizon() as u64));
    let mut path = 0u64;
    group.bench_function(months_of(&model), |b| {
        b.iter(|| {
            path += 1;
            let mut rng = stream(model.run.seed, Stream::Path, black_box(path));
            let mut total = 0.0;
            for _ in 0..units {
                total += rng.unit();
            }
            for _ in 0..normals {
                total += rng.normal();
            }
            black_box(total)
        })
    });
    // The same draws as the runner's engine makes them: every lane of a group at once, with the
    // vector instructions the engine runs with.
    group.throughput(Throughput::Elements((LANES * model.horizon()) as u64));
    let isa = Isa::detect();
    let mut first = 0u64;
    group.bench_function(
        BenchmarkId::new(format!("lanes_{}", months_of(&model)), isa.name()),
        |b| {
            b.iter(|| {
                first += LANES as u64;
                let paths = std::array::from_fn(|lane| black_box(first + lane as u64));
                foresight::simd::dispatch(
                    isa,
                    #[inline(always)]
                    || lane_draws(model.run.seed, paths, units, normals),
                )
            })
        },
    );
    // The draws exactly as the engine made them for some lane groups: each month's uniforms on
    // every lane or on the lanes that draw (the others step their streams too, and are set
    // aside by selects), and its normals, in the engine's order.
    let groups = engine_draws(&model, 16);
    let mut next = 0;
    group.bench_function(
        BenchmarkId::new(format!("replay_lanes_{}", months_of(&model)), isa.name()),
        |b| {
            b.iter(|| {
                next = (next + 1) % groups.len();
                let (paths, draws) = &groups[next];
                foresight::simd::dispatch(
                    isa,
                    #[inline(always)]
                    || replay(model.run.seed, black_box(*paths), draws),
                )
            })
        },
    );
    group.finish();
}

/// One draw the lane engine asked of its streams.
#[derive(Clone, Copy)]
enum LaneDraw {
    Units,
    UnitsWhere([bool; LANES]),
    Normals,
}

/// A lane group's streams that note each draw the engine asks of them.
struct NotingDraws {
    streams: LaneStreams<LANES>,
    noted: Vec<LaneDraw>,
}

impl LaneDraws<LANES> for NotingDraws {
    fn units_into(&mut self, units: &mut [f64; LANES]) {
        self.noted.push(LaneDraw::Units);
        self.streams.units_into(units);
    }

    fn units_where(&mut self, mask: [bool; LANES]) -> [f64; LANES] {
        self.noted.push(LaneDraw::UnitsWhere(mask));
        self.streams.units_where(mask)
    }

    fn normals_into(&mut self, normals: &mut [f64; LANES]) {
        self.noted.push(LaneDraw::Normals);
        self.streams.normals_into(normals);
    }
}

/// The paths and the draws of the engine's first `groups` lane groups of the first block.
fn engine_draws(model: &Model, groups: usize) -> Vec<([u64; LANES], Vec<LaneDraw>)> {
    let sample = first_block(model);
    let mut simulator = LaneSimulator::new(model);
    (0..groups)
        .map(|group| {
            let first = group * LANES;
            let paths: [u64; LANES] = std::array::from_fn(|lane| (first + lane) as u64);
            let rows: [&[f64]; LANES] = std::array::from_fn(|lane| sample.row(first + lane));
            let mut noting = NotingDraws {
                streams: LaneStreams::for_paths(model.run.seed, paths),
                noted: Vec::new(),
            };
            simulator.simulate_until_with(&mut noting, &rows, model.horizon());
            (paths, noting.noted)
        })
        .collect()
}

/// The sum over `draws`, made again from the given paths' streams.
#[inline(always)]
fn replay(seed: u64, paths: [u64; LANES], draws: &[LaneDraw]) -> [f64; LANES] {
    let mut streams = LaneStreams::<LANES>::for_paths(seed, paths);
    let mut total = [0.0; LANES];
    let mut drawn = [0.0; LANES];
    for draw in draws {
        match draw {
            LaneDraw::Units => streams.units_into(&mut drawn),
            LaneDraw::UnitsWhere(mask) => drawn = streams.units_where(*mask),
            LaneDraw::Normals => streams.normals_into(&mut drawn),
        }
        for (sum, value) in total.iter_mut().zip(drawn) {
            *sum += value;
        }
    }
    black_box(total)
}

/// The sum of `units` uniforms and `normals` normals on every lane of the given paths' streams.
#[inline(always)]
fn lane_draws(seed: u64, paths: [u64; LANES], units: u64, normals: u64) -> [f64; LANES] {
    let mut streams = LaneStreams::<LANES>::for_paths(seed, paths);
    let mut total = [0.0; LANES];
    let mut drawn = [0.0; LANES];
    for _ in 0..units {
        streams.units_into(&mut drawn);
        for (sum, value) in total.iter_mut().zip(drawn) {
            *sum += value;
        }
    }
    for _ in 0..normals {
        streams.normals_into(&mut drawn);
        for (sum, value) in total.iter_mut().zip(drawn) {
            *sum += value;
        }
    }
    black_box(total)
}

/// Counting finished paths into a tally, as each worker does after the engine: the histories
/// of 64 paths (two lane groups) made once, then recorded over and over; throughput per
/// path-month.
fn tally(c: &mut Criterion) {
    let model = common::bench_model(4096);
    let sample = first_block(&model);
    let mut simulator = LaneSimulator::new(&model);
    let mut histories = Vec::new();
    for first in (0..64).step_by(LANES) {
        let paths: [u64; LANES] = std::array::from_fn(|lane| (first + lane) as u64);
        let rows: [&[f64]; LANES] = std::array::from_fn(|lane| sample.row(first + lane));
        simulator.simulate(&paths, &rows);
        histories.push(simulator.history.clone());
    }
    let mut group = c.benchmark_group("tally");
    group.throughput(Throughput::Elements((64 * model.horizon()) as u64));
    for isa in Isa::available() {
        let mut tally = Recorder::with_isa(Dims::of(&model), isa);
        group.bench_function(BenchmarkId::new("base_64_paths", isa.name()), |b| {
            b.iter(|| {
                for history in &histories {
                    tally.record_lanes(black_box(history), LANES);
                }
            })
        });
    }
    group.finish();
}

/// Drawing one 4096-path block of uncertain parameters (Latin hypercube, rank correlation),
/// as each worker does before simulating it; throughput per path-month.
fn parameters(c: &mut Criterion) {
    let model = common::bench_model(RUN_PATHS);
    let sampler = ParameterSampler::new(&model);
    let mut sample = BlockSample::default();
    let mut group = c.benchmark_group("parameters");
    group.throughput(Throughput::Elements(4096 * model.horizon() as u64));
    let mut block = 0;
    group.bench_function("base_block_of_4096", |b| {
        b.iter(|| {
            block = (block + 1) % 32;
            sampler.sample_block(black_box(block), &mut sample);
            black_box(&sample);
        })
    });
    group.finish();
}

fn whole_run(c: &mut Criterion) {
    let model = common::bench_model(RUN_PATHS);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RUN_PATHS * model.horizon() as u64));
    for threads in [1, cores] {
        let options = RunOptions {
            threads,
            progress: Progress::Off,
        };
        group.bench_with_input(
            BenchmarkId::new("base", format!("{threads}_threads")),
            &options,
            |b, options| b.iter(|| runner::run(&model, *options).expect("run")),
        );
    }
    group.finish();
}

/// Merging the tallies of 8 shards of a 131,072-path run, as `foresight merge` does.
fn merge(c: &mut Criterion) {
    let model = common::bench_model(RUN_PATHS);
    let options = RunOptions {
        threads: 0,
        progress: Progress::Off,
    };
    let shards: Vec<_> = (1..=8)
        .map(|index| {
            let blocks = ShardSpec { index, count: 8 }.blocks(block_count(RUN_PATHS));
            runner::run_blocks(&model, blocks, None, options)
                .expect("shard")
                .tally
        })
        .collect();
    let mut group = c.benchmark_group("merge");
    group.bench_function("base_8_shards", |b| {
        b.iter(|| {
            let mut total = shards[0].clone();
            for shard in &shards[1..] {
                total.merge(black_box(shard)).expect("same model");
            }
            total
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    one_path,
    lanes_of_paths,
    bare_draws,
    tally,
    parameters,
    whole_run,
    merge
);
criterion_main!(benches);
