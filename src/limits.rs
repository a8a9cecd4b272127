//! Up-front limits: before any path runs, the time and memory a request would take are
//! estimated, and an absurd one is refused with the estimate and the way to override it
//! (`--allow-large`). The estimates are rough (from the engine's measured cost per series and
//! month, and the tallies' known size), which is enough to tell an hour from a month.

use crate::error::Result;

use crate::model::Model;
use crate::problem::Problem;
use crate::stats::tally::HISTOGRAM_SLOTS;

/// A run longer than this on the threads at hand is refused without `--allow-large`.
pub const MAX_HOURS: f64 = 24.0;
/// More memory than this is refused without `--allow-large`.
pub const MAX_MEMORY_BYTES: f64 = 8.0 * (1u64 << 30) as f64;
/// Measured cost of one series (or posture) in one month of one path, on one thread, with a
/// margin: about 24 ns on the machine this was measured on.
const SECONDS_PER_SERIES_MONTH: f64 = 30e-9;

/// What a request asks of the machine.
#[derive(Debug, Clone, Copy)]
pub struct Demand {
    /// Paths simulated in all (a study's designs, a batch's or sweep's runs, added up).
    pub paths: f64,
    /// Tallies held at once per thread (two for a weighted run: weighted and prior).
    pub tallies_per_thread: usize,
    /// Numbers a study keeps for every path (none for a run).
    pub kept_per_path: usize,
}

impl Demand {
    /// A plain run of the model's paths.
    pub fn run(model: &Model) -> Demand {
        Demand {
            paths: model.run.paths as f64,
            tallies_per_thread: 2,
            kept_per_path: 0,
        }
    }
}

/// The estimate for a demand on `threads` threads (0 = every core): hours, and bytes of memory,
/// all of them and those the threads' own tallies take.
pub fn estimate(model: &Model, demand: &Demand, threads: usize) -> (f64, f64, f64) {
    let threads = threads_of(threads);
    let months = model.horizon() as f64;
    let width = (model.series.len() + model.postures.len()) as f64;
    let hours = demand.paths * months * width * SECONDS_PER_SERIES_MONTH / threads / 3600.0;
    let cells = (months + 1.0) * model.series.len() as f64 * model.postures.len() as f64;
    let tally = cells * (HISTOGRAM_SLOTS as f64 * 8.0 + 32.0);
    let tallies = tally * demand.tallies_per_thread as f64 * (threads + 1.0);
    let memory = tallies + demand.paths * demand.kept_per_path as f64 * 8.0;
    (hours, memory, tallies)
}

/// The threads a run will use: `threads`, or every core for 0.
fn threads_of(threads: usize) -> f64 {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    threads as f64
}

/// Refuses a demand past the limits unless `allow_large`.
pub fn check(model: &Model, demand: &Demand, threads: usize, allow_large: bool) -> Result<()> {
    if allow_large {
        return Ok(());
    }
    let (hours, memory, tallies) = estimate(model, demand, threads);
    if hours > MAX_HOURS || memory > MAX_MEMORY_BYTES {
        // Most of the memory in the threads' tallies: fewer threads, not fewer paths.
        let lower = if memory > MAX_MEMORY_BYTES && 2.0 * tallies > memory {
            format!(
                "lower --threads (each keeps tallies of {})",
                bytes(tallies / (threads_of(threads) + 1.0))
            )
        } else {
            "lower --paths (or the horizon, or the sweep's points)".to_string()
        };
        let series = model.series.len() + model.postures.len();
        let problem = Problem::new(format!(
            "this would take about {} and {} of memory ({:.3e} paths x {} months x {series} series \
             and postures)",
            duration(hours),
            bytes(memory),
            demand.paths,
            model.horizon(),
        ));
        return Err(problem
            .valid(format!(
                "at most {MAX_HOURS} hours and {} here; {lower}, or pass --allow-large to run \
                 it anyway",
                bytes(MAX_MEMORY_BYTES)
            ))
            .into());
    }
    Ok(())
}

fn duration(hours: f64) -> String {
    if hours >= 48.0 {
        format!("{:.0} days", hours / 24.0)
    } else if hours >= 1.0 {
        format!("{hours:.1} hours")
    } else {
        format!("{:.0} minutes", hours * 60.0)
    }
}

fn bytes(value: f64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    if value >= GIB {
        format!("{:.1} GiB", value / GIB)
    } else {
        format!("{:.0} MiB", value / (1u64 << 20) as f64)
    }
}
