//! Invariants as property tests: for random valid models, every month's posture probabilities
//! lie in [0, 1] and sum to 1, intervals hold their estimate, quantiles are ordered, tallies are
//! the same for any thread count, any split into shards and either way of recording paths, and
//! a model with one posture never leaves it. And the loader, fed random mutations of a valid file, never panics.

mod common;

use common::load_text;
use foresight::model::PostureId;
use foresight::runner::{self, Progress, RunOptions};
use foresight::sampling::block_count;
use foresight::sharding::ShardSpec;
use foresight::stats::{Estimates, Tally};
use foresight::weighting::{Condition, PathWeighting};
use proptest::prelude::*;

/// A random valid model: a regime, an uncertain parameter, 1 to 4 postures and an indicator.
#[derive(Debug, Clone)]
struct ModelSpec {
    horizon: usize,
    paths: usize,
    seed: u64,
    stay: [f64; 3],
    utilities: Vec<f64>,
    lean: f64,
    review: f64,
    inertia: f64,
    reversion: f64,
    shock: f64,
}

fn model_spec() -> impl Strategy<Value = ModelSpec> {
    (
        1usize..=18,
        100usize..=6000,
        any::<u64>(),
        [0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0],
        prop::collection::vec(-3.0f64..3.0, 1..=4),
        -2.0f64..2.0,
        0.0f64..=1.0,
        0.0f64..3.0,
        0.0f64..=1.0,
        0.0f64..2.0,
    )
        .prop_map(
            |(horizon, paths, seed, stay, utilities, lean, review, inertia, reversion, shock)| {
                ModelSpec {
                    horizon,
                    paths,
                    seed: seed % (1 << 62),
                    stay,
                    utilities,
                    lean,
                    review,
                    inertia,
                    reversion,
                    shock,
                }
            },
        )
}

impl ModelSpec {
    fn text(&self) -> String {
        let states = ["a", "b", "c"];
        let mut rows = String::new();
        for (index, state) in states.iter().enumerate() {
            let stay = self.stay[index];
            let next = states[(index + 1) % 3];
            rows.push_str(&format!(
                "{state} = {{ {state} = {stay}, {next} = {} }}\n",
                1.0 - stay
            ));
        }
        let mut postures = String::new();
        for (index, utility) in self.utilities.iter().enumerate() {
            let lean = if index == 1 {
                format!(", lean = {}, \"chain=b\" = 1.0", self.lean)
            } else {
                String::new()
            };
            postures.push_str(&format!(
                "[postures.p{index}]\nutility = {{ constant = {utility}{lean} }}\n\n"
            ));
        }
        format!(
            r#"
[scenario]
name = "random"
question = "test"
start = "2022-03"
horizon_months = {horizon}

[run]
paths = {paths}
seed = {seed}

[parameters.lean]
about = "a test parameter"
dist.uniform = {{ min = 0.0, max = 1.0 }}

[drivers.chain]
kind = "regime"
states = ["a", "b", "c"]
initial = "a"

[drivers.chain.transitions]
{rows}
{postures}
[choice]
initial = "p0"
review_probability = {review}
inertia = {inertia}

[indicators.level]
kind = "process"
min = 0.0
max = 10.0
initial = 5.0
reversion = {reversion}
target = {{ constant = 4.0, "chain=c" = 3.0 }}
shock_sd = {shock}
"#,
            horizon = self.horizon,
            paths = self.paths,
            seed = self.seed,
            review = self.review,
            inertia = self.inertia,
            reversion = self.reversion,
            shock = self.shock,
        )
    }
}

fn options(threads: usize) -> RunOptions<'static> {
    RunOptions {
        threads,
        progress: Progress::Off,
    }
}

fn check_estimates(estimates: &Estimates) -> Result<(), TestCaseError> {
    for month in 0..estimates.months {
        let mut total = 0.0;
        for posture in 0..estimates.postures {
            let estimate = estimates.posture_at(month, PostureId(posture as u32));
            prop_assert!((0.0..=1.0).contains(&estimate.probability));
            prop_assert!(estimate.ci_low <= estimate.probability + 1e-12);
            prop_assert!(estimate.probability <= estimate.ci_high + 1e-12);
            prop_assert!(estimate.ci_low >= 0.0 && estimate.ci_high <= 1.0);
            total += estimate.probability;
        }
        prop_assert!((total - 1.0).abs() < 1e-9, "month {month} sums to {total}");
    }
    for summary in &estimates.series {
        let quantiles = summary.quantiles;
        if quantiles.iter().all(|q| q.is_finite()) {
            prop_assert!(
                quantiles.windows(2).all(|pair| pair[0] <= pair[1]),
                "{quantiles:?}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases("FORESIGHT_MODEL_CASES", 48)))]

    #[test]
    fn random_models_keep_the_invariants(spec in model_spec()) {
        let model = load_text(&spec.text(), &[]);
        let one = runner::run(&model, options(1)).expect("run").tally;
        let three = runner::run(&model, options(3)).expect("run").tally;
        prop_assert_eq!(&one, &three, "the thread count changed the tally");
        let blocks = block_count(model.run.paths);
        for count in [2u64, 3] {
            let mut merged: Option<Tally> = None;
            for index in 1..=count {
                let range = ShardSpec { index, count }.blocks(blocks);
                let part = runner::run_blocks(&model, range, None, options(2)).expect("shard").tally;
                match merged.as_mut() {
                    Some(total) => total.merge(&part).expect("same model"),
                    None => merged = Some(part),
                }
            }
            prop_assert_eq!(merged.as_ref(), Some(&one), "{} shards changed the tally", count);
        }
        // A condition every path meets sends each path through one-path recording: the same
        // tally as recording lane groups at once.
        let always = Condition::parse("level>=0@0", &model).expect("a valid condition");
        let path_by_path = runner::run_weighted(&model, &PathWeighting::Given(always), options(2))
            .expect("run")
            .tally;
        prop_assert_eq!(&path_by_path, &one, "lane-group recording changed the tally");
        let estimates = Estimates::from_tally(&model, &one);
        check_estimates(&estimates)?;
        if spec.utilities.len() == 1 {
            for month in 0..estimates.months {
                prop_assert_eq!(estimates.posture_at(month, PostureId(0)).probability, 1.0);
            }
        }
    }
}

/// Cases to try: the default, or more from the environment for a long fuzzing run.
fn cases(variable: &str, default: u32) -> u32 {
    std::env::var(variable)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Tokens a mutation may write in place of a value.
const TOKENS: [&str; 14] = [
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "\"x\"",
    "[]",
    "{}",
    "true",
    "1.5",
    "\"\\u0000\"",
    "[[1, 2], 3]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases("FORESIGHT_FUZZ_CASES", 1500)))]

    /// Random edits of a valid file: a value replaced, a line dropped or doubled, bytes
    /// inserted. Loading must answer Ok or a located error, never panic.
    #[test]
    fn the_loader_never_panics_on_mutated_files(
        edits in prop::collection::vec((0usize..4, any::<prop::sample::Index>(), 0usize..TOKENS.len(), any::<u8>()), 1..6)
    ) {
        let original = std::fs::read_to_string(common::repo_path("tests/bad/valid_minimal.toml")).unwrap();
        let mut lines: Vec<String> = original.lines().map(String::from).collect();
        for (kind, at, token, byte) in edits {
            let line = at.index(lines.len().max(1));
            match kind {
                0 => {
                    if let Some((key, _)) = lines[line].split_once(" = ") {
                        lines[line] = format!("{key} = {}", TOKENS[token]);
                    }
                }
                1 => {
                    lines.remove(line);
                }
                2 => {
                    let copy = lines[line].clone();
                    lines.insert(line, copy);
                }
                _ => {
                    let mut bytes = lines[line].clone().into_bytes();
                    let position = at.index(bytes.len() + 1);
                    bytes.insert(position, byte);
                    lines[line] = String::from_utf8_lossy(&bytes).into_owned();
                }
            }
            if lines.is_empty() {
                break;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mutated.toml");
        std::fs::write(&file, lines.join("\n")).unwrap();
        if let Err(errors) = foresight::scenario::load(&file, &[]) {
            let message = errors.to_string();
            prop_assert!(message.contains("mutated.toml"), "{}", message);
        }
    }
}
