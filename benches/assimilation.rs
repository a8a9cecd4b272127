//! Assimilating a year of monthly measurements (12 values of trade, each with a 4% relative
//! error) into the base model, and what each part costs: reweighting only (the looks at every
//! observation and the two runs to the horizon), resampling without moves, and resample-move as
//! runs do it. The differences are the costs of resampling and of the moves.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use foresight::assimilation::{self, Settings};
use foresight::model::Model;
use foresight::runner::{Progress, RunOptions};
use foresight::scenario;
use foresight::weighting::Evidence;

const PARTICLES: u64 = 10_000;

fn base_model() -> Model {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let mut model = scenario::load(&file, &[]).expect("the base model loads");
    model.run.paths = PARTICLES;
    model
}

/// Trade rising from 150 to 183 bn USD a year over twelve months.
fn a_year_of_trade(model: &Model) -> Evidence {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut rows = String::from("date,value\n");
    for month in 0..12 {
        let date = model.meta.start.offset(month);
        let _ = writeln!(rows, "{date},{}", 150 + 3 * month);
    }
    std::fs::write(dir.path().join("trade.csv"), rows).expect("write");
    let text = "[evidence]\ntitle = \"a year of trade\"\n\n[[data]]\nname = \"trade\"\n\
                series = \"trade_usd_bn\"\nfile = \"trade.csv\"\nerror = \"relative\"\nsd = 0.04\n";
    let file = dir.path().join("evidence.toml");
    std::fs::write(&file, text).expect("write");
    Evidence::load(&file, model).expect("the evidence loads")
}

fn assimilate(c: &mut Criterion) {
    let model = base_model();
    let evidence = a_year_of_trade(&model);
    let options = RunOptions {
        threads: 1,
        progress: Progress::Off,
    };
    let mut group = c.benchmark_group("assimilate_a_year_10k");
    group.sample_size(10);
    let settings = [
        (
            "reweight_only",
            Settings {
                resample_below: 0.0,
                move_steps: 0,
            },
        ),
        (
            "resample_no_moves",
            Settings {
                move_steps: 0,
                ..Settings::default()
            },
        ),
        ("resample_move", Settings::default()),
    ];
    for (name, settings) in settings {
        group.bench_function(name, |b| {
            b.iter(|| {
                let done = assimilation::assimilate(&model, &evidence, None, settings, options);
                black_box(done.expect("assimilated"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, assimilate);
criterion_main!(benches);
