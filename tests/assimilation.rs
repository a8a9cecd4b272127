//! Resample-move assimilation against exact answers: an uncertain probability observed through
//! repeated events must reach its conjugate beta posterior; a linear Gaussian driver observed
//! with normal noise must match the Kalman filter's mean and variance at every observation date.
//! Tolerances come from the Monte Carlo error of the effective sample. The same data collapse
//! plain reweighting, and the result is the same to the byte on 1, 2 and 16 threads.

mod common;

use std::fmt::Write as _;
use std::fs;

use common::{foresight, load_text, same_output};
use foresight::assimilation::{self, Assimilated, Settings};
use foresight::model::Model;
use foresight::runner::{Progress, RunOptions};
use foresight::weighting::Evidence;

const OPTIONS: RunOptions = RunOptions {
    threads: 2,
    progress: Progress::Off,
};

/// Two postures nothing tells apart: the choice only draws, so the tests are about the drivers.
const IDLE_CHOICE: &str = r#"
[postures.one]
utility = 0.0

[postures.two]
utility = 0.0

[choice]
initial = "one"
review_probability = 0.1
inertia = 0.0
"#;

/// A coin whose chance of heads, `p`, is uncertain: Beta(2, 2). `coin` is 1 in a month of heads.
fn coin_model(paths: usize) -> String {
    format!(
        r#"
[scenario]
name = "coin"
question = "test"
start = "2022-01"
horizon_months = 14

[run]
paths = {paths}
seed = 5

[parameters.p]
about = "chance of heads each month"
dist.beta = {{ alpha = 2.0, beta = 2.0 }}

[drivers.coin]
kind = "process"
min = 0.0
max = 1.0
initial = 0.0
reversion = 1.0
target = {{ constant = 0.0 }}
jump_probability = "p"
jump_size = 1.0
"#
    ) + IDLE_CHOICE
}

/// `x` moves as x' = 0.8 x + e, e ~ N(0, 1), from x = 0.
fn linear_gaussian_model(paths: usize) -> String {
    format!(
        r#"
[scenario]
name = "kalman"
question = "test"
start = "2022-01"
horizon_months = 14

[run]
paths = {paths}
seed = 9

[drivers.x]
kind = "process"
min = -1000.0
max = 1000.0
initial = 0.0
reversion = 0.2
target = {{ constant = 0.0 }}
shock_sd = 1.0
"#
    ) + IDLE_CHOICE
}

const HEADS: [bool; 12] = [
    true, true, false, true, true, true, false, true, true, true, false, true,
];
const MEASURED: [f64; 12] = [
    0.8, 1.5, 0.9, -0.4, -1.2, -0.3, 0.6, 1.9, 2.4, 1.1, 0.2, -0.7,
];
const NOISE_SD: f64 = 0.5;

fn coin_evidence() -> String {
    let mut text = String::from("[evidence]\ntitle = \"flips\"\n");
    for (index, heads) in HEADS.iter().enumerate() {
        let test = if *heads { "coin>0.5" } else { "coin<0.5" };
        let month = index + 1;
        write!(
            text,
            "\n[[observation]]\nname = \"flip{month}\"\nmonth = {month}\n\
             likelihood = [{{ when = \"{test}\", is = 1.0 }}]\notherwise = 0.0\n"
        )
        .unwrap();
    }
    text
}

fn measured_evidence() -> String {
    let mut text = String::from("[evidence]\ntitle = \"measured\"\n");
    for (index, value) in MEASURED.iter().enumerate() {
        let month = index + 1;
        write!(
            text,
            "\n[[observation]]\nname = \"x{month}\"\nmonth = {month}\n\
             measured = {{ series = \"x\", value = {value}, sd = {NOISE_SD} }}\n"
        )
        .unwrap();
    }
    text
}

fn assimilate(model: &Model, evidence: &str, settings: Settings) -> Assimilated {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.toml");
    fs::write(&path, evidence).unwrap();
    let evidence = Evidence::load(&path, model).unwrap_or_else(|e| panic!("{e}"));
    assimilation::assimilate(model, &evidence, None, settings, OPTIONS).expect("assimilate")
}

#[test]
fn an_uncertain_chance_seen_through_repeated_events_reaches_its_beta_posterior() {
    let paths = 20_000;
    let model = load_text(&coin_model(paths), &[]);
    let done = assimilate(&model, &coin_evidence(), Settings::default());
    let heads = HEADS.iter().filter(|h| **h).count() as f64;
    let (alpha, beta) = (2.0 + heads, 2.0 + HEADS.len() as f64 - heads);
    let mean = alpha / (alpha + beta);
    let sd = (alpha * beta / ((alpha + beta).powi(2) * (alpha + beta + 1.0))).sqrt();
    let p = &done.assimilation.parameters[0];
    let least_ess = done
        .assimilation
        .steps
        .iter()
        .map(|s| s.ess_weighted)
        .fold(f64::INFINITY, f64::min);
    // Four standard errors of a mean over the thinnest effective sample the run kept.
    let tolerance = 4.0 * sd / least_ess.sqrt();
    assert!(
        (p.posterior.mean - mean).abs() < tolerance,
        "posterior mean {} against {mean} (tolerance {tolerance})",
        p.posterior.mean
    );
    let spread = (p.posterior.p95 - p.posterior.p5) / (2.0 * 1.6449);
    assert!(
        (spread / sd - 1.0).abs() < 0.1,
        "posterior spread {spread} against sd {sd}"
    );
    for step in &done.assimilation.steps {
        assert!(step.ess_after >= 0.5 * paths as f64, "{step:?}");
    }
}

/// The Kalman filter's mean and variance of `x` after each measurement.
fn kalman() -> Vec<(f64, f64)> {
    let (mut mean, mut variance) = (0.0, 0.0);
    MEASURED
        .iter()
        .map(|&value| {
            mean *= 0.8;
            variance = 0.64 * variance + 1.0;
            let gain = variance / (variance + NOISE_SD * NOISE_SD);
            mean += gain * (value - mean);
            variance *= 1.0 - gain;
            (mean, variance)
        })
        .collect()
}

#[test]
fn a_linear_gaussian_driver_matches_the_kalman_filter_at_every_observation() {
    let paths = 20_000;
    let model = load_text(&linear_gaussian_model(paths), &[]);
    let done = assimilate(&model, &measured_evidence(), Settings::default());
    for (step, (mean, variance)) in done.assimilation.steps.iter().zip(kalman()) {
        let (got_mean, got_sd) = step.value_after;
        // The effective sample behind the estimate: the thinner of the weights' and, after a
        // move, half the paths (copies of one path only part ways as far as the moves take them).
        let effective = step.ess_weighted.min(0.5 * paths as f64);
        let se_mean = (variance / effective).sqrt();
        let se_variance = variance * (2.0 / effective).sqrt();
        assert!(
            (got_mean - mean).abs() < 4.0 * se_mean,
            "{}: mean {got_mean} against {mean} (se {se_mean})",
            step.observation
        );
        assert!(
            (got_sd * got_sd - variance).abs() < 4.0 * se_variance,
            "{}: variance {} against {variance} (se {se_variance})",
            step.observation,
            got_sd * got_sd
        );
        assert!(step.ess_after >= 0.5 * paths as f64, "{step:?}");
    }
}

#[test]
fn plain_reweighting_collapses_where_resample_move_does_not() {
    let paths = 20_000;
    let model = load_text(&linear_gaussian_model(paths), &[]);
    let never = Settings {
        resample_below: 0.0,
        move_steps: 0,
    };
    let reweighted = assimilate(&model, &measured_evidence(), never);
    let last = reweighted.assimilation.steps.last().unwrap();
    assert!(!last.resampled);
    assert!(
        last.ess_weighted < 0.01 * paths as f64,
        "reweighting kept {} effective paths",
        last.ess_weighted
    );
    let moved = assimilate(&model, &measured_evidence(), Settings::default());
    assert!(moved.assimilation.final_ess >= 0.5 * paths as f64);
}

#[test]
fn assimilated_outputs_are_the_same_bytes_on_1_2_and_16_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("kalman.toml");
    let evidence = dir.path().join("evidence.toml");
    fs::write(&scenario, linear_gaussian_model(3_000)).unwrap();
    fs::write(&evidence, measured_evidence()).unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let args = [
            "run",
            scenario.to_str().unwrap(),
            "--evidence",
            evidence.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
            "--no-report",
            "--out",
            out.to_str().unwrap(),
        ];
        let output = foresight(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    };
    let one = run("1");
    assert!(fs::read_to_string(one.join("evidence.csv"))
        .unwrap()
        .contains(",yes,"));
    for threads in ["2", "16"] {
        assert!(same_output(&one, &run(threads)), "{threads} threads differ");
    }
}
