//! Where a run's time goes: the stages it passes through, each timed, for `run --timings`.
//!
//! The workers' stages (drawing parameters, simulating, tallying) run on every thread at once,
//! so their times are added over the threads: CPU time, beside the wall time of the whole
//! job. An assimilation of evidence by resample-move is timed whole, and the stages after the
//! tally (estimates, tables, charts, briefing) run once: their times are wall times.

use std::time::{Duration, Instant};

/// A stage of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Drawing each block's uncertain parameters.
    Parameters,
    /// Stepping the paths month by month.
    Simulate,
    /// Counting finished paths into the tally.
    Tally,
    /// Assimilating evidence by resample-move (its particles simulated, weighed and moved).
    Assimilate,
    /// Turning the tally into estimates.
    Estimates,
    /// Writing the tables (CSV, JSON).
    Tables,
    /// Drawing the charts.
    Charts,
    /// Writing the briefing (report.html, brief.md).
    Report,
}

impl Stage {
    const ALL: [Stage; 8] = [
        Stage::Parameters,
        Stage::Simulate,
        Stage::Tally,
        Stage::Assimilate,
        Stage::Estimates,
        Stage::Tables,
        Stage::Charts,
        Stage::Report,
    ];

    fn name(self) -> &'static str {
        match self {
            Stage::Parameters => "parameters",
            Stage::Simulate => "simulate",
            Stage::Tally => "tally",
            Stage::Assimilate => "assimilate",
            Stage::Estimates => "estimates",
            Stage::Tables => "tables",
            Stage::Charts => "charts",
            Stage::Report => "report",
        }
    }

    /// Whether every worker thread runs it (its times are added over the threads).
    fn per_thread(self) -> bool {
        matches!(self, Stage::Parameters | Stage::Simulate | Stage::Tally)
    }
}

/// Time spent in each stage. Adding two (two threads', two shards') adds each stage's time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    times: [Duration; Stage::ALL.len()],
}

impl StageTimes {
    /// Adds `time` to `stage`.
    #[inline]
    pub fn add(&mut self, stage: Stage, time: Duration) {
        self.times[stage as usize] += time;
    }

    /// Runs `work`, adding its time to `stage`.
    #[inline]
    pub fn time<R>(&mut self, stage: Stage, work: impl FnOnce() -> R) -> R {
        let started = Instant::now();
        let result = work();
        self.add(stage, started.elapsed());
        result
    }

    /// The time spent in `stage`.
    pub fn of(&self, stage: Stage) -> Duration {
        self.times[stage as usize]
    }

    /// Adds every stage of `other`.
    pub fn merge(&mut self, other: &StageTimes) {
        for stage in Stage::ALL {
            self.add(stage, other.of(stage));
        }
    }

    /// The split as a table for the console: each stage's seconds and its share of the
    /// stages' total, the workers' stages marked as added over `threads` threads.
    pub fn table(&self, threads: usize, wall: Duration) -> String {
        let total: f64 = self.times.iter().map(Duration::as_secs_f64).sum();
        let mut text = format!(
            "time split ({threads} thread{}; * = added over the threads):\n",
            if threads == 1 { "" } else { "s" }
        );
        for stage in Stage::ALL {
            let seconds = self.of(stage).as_secs_f64();
            let mark = if stage.per_thread() { "*" } else { " " };
            let share = 100.0 * seconds / total.max(f64::MIN_POSITIVE);
            text.push_str(&format!(
                "  {:<11}{mark} {seconds:>9.3} s  {share:>5.1}%\n",
                stage.name()
            ));
        }
        text.push_str(&format!(
            "  {:<11}  {:>9.3} s  wall, start to finish\n",
            "total",
            wall.as_secs_f64()
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{Stage, StageTimes};
    use std::time::Duration;

    #[test]
    fn merging_adds_stage_by_stage_and_the_table_names_every_stage() {
        let mut one = StageTimes::default();
        one.add(Stage::Simulate, Duration::from_millis(300));
        one.add(Stage::Charts, Duration::from_millis(100));
        let mut two = StageTimes::default();
        two.add(Stage::Simulate, Duration::from_millis(100));
        one.merge(&two);
        assert_eq!(one.of(Stage::Simulate), Duration::from_millis(400));
        assert_eq!(one.of(Stage::Tally), Duration::ZERO);
        let table = one.table(2, Duration::from_millis(700));
        for name in [
            "parameters",
            "simulate",
            "tally",
            "estimates",
            "tables",
            "charts",
        ] {
            assert!(table.contains(name), "{name} missing from\n{table}");
        }
        assert!(
            table.contains("simulate   *     0.400 s   80.0%"),
            "{table}"
        );
        assert!(
            table.contains("charts           0.100 s   20.0%"),
            "{table}"
        );
        assert!(table.contains("total            0.700 s"), "{table}");
    }
}
