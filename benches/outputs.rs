//! The output stage of the everyday run: the tables, charts and report of a 100,000-path run of
//! the base model, written into a staging folder as `foresight run` writes them, on one thread
//! and on all of them. The simulation is done once, outside the timing, so this is the fixed
//! cost every run pays after its paths. `FORESIGHT_BENCH_SCENARIO` names another scenario file.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use foresight::output::run::write_all;
use foresight::output::{Destination, OutputFolder, RunReport};
use foresight::runner::{self, Progress, RunOptions};
use foresight::stats::estimates::Estimates;
use foresight::timing::StageTimes;

const PATHS: u64 = 100_000;

fn outputs(c: &mut Criterion) {
    let model = common::bench_model(PATHS);
    let options = RunOptions {
        threads: 0,
        progress: Progress::Off,
    };
    let outcome = runner::run(&model, options).expect("run");
    let estimates = Estimates::from_tally(&model, &outcome.tally);
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("outputs");
    group.sample_size(20);
    for threads in [1, cores] {
        let report = RunReport {
            model: &model,
            tally: &outcome.tally,
            estimates: &estimates,
            threads,
            wall_time: outcome.wall_time,
            started_at: "2022-03-14T00:00:00Z".into(),
            overrides: Vec::new(),
            weighted: None,
            precision: None,
            merged: None,
            briefing: true,
            sensitivity: None,
            assimilation: None,
            scores: None,
        };
        let mut runs = 0;
        let name = BenchmarkId::new("base_100k_paths", format!("{threads}_threads"));
        group.bench_function(name, |b| {
            b.iter(|| {
                runs += 1;
                let folder = scratch.path().join(format!("run-{threads}-{runs}"));
                let destination = Destination::Exact {
                    folder,
                    force: false,
                };
                let staged = OutputFolder::prepare(&destination, "bench").expect("staging");
                write_all(&report, &staged, &mut StageTimes::default()).expect("outputs");
                staged.abandon();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, outputs);
criterion_main!(benches);
