//! Engine throughput on the base model, in path-months per second: one path on one core, and
//! whole runs on one thread and on all of them (the ratio is the parallel speed-up).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use foresight::engine::PathSimulator;
use foresight::model::Model;
use foresight::runner::{self, Progress, RunOptions};
use foresight::sampling::design::{BlockSample, ParameterSampler};
use foresight::scenario;

/// Enough 4096-path blocks that every core gets several.
const RUN_PATHS: u64 = 32 * 4096;

fn base_model(paths: u64) -> Model {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let mut model = scenario::load(&file, &[]).expect("the base model loads");
    model.run.paths = paths;
    model
}

fn one_path(c: &mut Criterion) {
    let model = base_model(4096);
    let sampler = ParameterSampler::new(&model).expect("sampler");
    let mut sample = BlockSample::default();
    sampler.sample_block(0, &mut sample);
    let mut simulator = PathSimulator::new(&model);
    let mut group = c.benchmark_group("path");
    group.throughput(Throughput::Elements(model.horizon() as u64));
    let mut row = 0;
    group.bench_function("base_24_months", |b| {
        b.iter(|| {
            row = (row + 1) % sample.rows;
            simulator.simulate(black_box(row as u64), sample.row(row));
            black_box(&simulator.trajectory);
        })
    });
    group.finish();
}

fn whole_run(c: &mut Criterion) {
    let model = base_model(RUN_PATHS);
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

criterion_group!(benches, one_path, whole_run);
criterion_main!(benches);
