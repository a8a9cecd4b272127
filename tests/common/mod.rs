//! Shared helpers for the integration tests: load a scenario with overrides, run it, read CSVs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use foresight::model::Model;
use foresight::runner::{self, Progress, RunOptions};
use foresight::scenario::{self, Override};
use foresight::stats::Estimates;

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Loads a scenario with `--set`-style overrides.
pub fn load(relative: &str, sets: &[&str]) -> Model {
    let overrides: Vec<Override> = sets
        .iter()
        .map(|set| Override::parse(set).expect("override"))
        .collect();
    scenario::load(&repo_path(relative), &overrides)
        .unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// Loads a scenario from text written to a temporary file.
pub fn load_text(text: &str, sets: &[&str]) -> Model {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("model.toml");
    std::fs::write(&path, text).expect("write");
    let overrides: Vec<Override> = sets
        .iter()
        .map(|set| Override::parse(set).expect("override"))
        .collect();
    scenario::load(&path, &overrides).unwrap_or_else(|error| panic!("{error}"))
}

/// Runs a model on all cores and returns its estimates.
pub fn estimate(model: &Model) -> Estimates {
    let outcome = runner::run(
        model,
        RunOptions {
            threads: 0,
            progress: Progress::Off,
        },
    )
    .expect("run");
    Estimates::from_tally(model, &outcome.tally)
}

/// A minimal model text: one uncertain parameter, a two-state chain, two postures.
pub fn two_state_model(p_ab: f64, p_ba: f64, horizon: usize, paths: usize) -> String {
    format!(
        r#"
[scenario]
name = "two_state"
question = "test"
start = "2022-03"
horizon_months = {horizon}

[run]
paths = {paths}
seed = 7

[parameters.lean]
about = "a test parameter"
dist.uniform = {{ min = 0.0, max = 1.0 }}

[drivers.chain]
kind = "regime"
states = ["a", "b"]
initial = "a"
transitions.a = {{ a = {stay_a}, b = {p_ab} }}
transitions.b = {{ a = {p_ba}, b = {stay_b} }}

[postures.one]
utility = 0.0

[postures.two]
utility = {{ lean = 1.0, "chain=b" = 1.0 }}

[choice]
initial = "one"
review_probability = 0.5
inertia = 0.5

[indicators.level]
kind = "process"
min = 0.0
max = 10.0
initial = 5.0
reversion = 0.2
target = {{ constant = 4.0, "posture=two" = 3.0 }}
shock_sd = 0.5
"#,
        stay_a = 1.0 - p_ab,
        stay_b = 1.0 - p_ba
    )
}

/// Runs the `foresight` binary from the project's root.
pub fn foresight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_foresight"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary starts")
}

/// Runs the binary and fails the test, showing its error, unless it succeeds.
pub fn succeeds(args: &[&str]) -> Output {
    let output = foresight(args);
    assert!(
        output.status.success(),
        "foresight {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A file's bytes with any RFC 3339 UTC time (`2026-11-26T08:07:42Z`) blanked: briefings say
/// when their run started, which two runs of the same paths need not share.
pub fn without_times(bytes: &[u8]) -> Vec<u8> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:ddZ";
    let fits = |window: &[u8]| {
        window.iter().zip(SHAPE).all(|(&byte, &shape)| match shape {
            b'd' => byte.is_ascii_digit(),
            other => byte == other,
        })
    };
    let mut kept = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes.len() - at >= SHAPE.len() && fits(&bytes[at..at + SHAPE.len()]) {
            kept.extend_from_slice(b"<time>");
            at += SHAPE.len();
        } else {
            kept.push(bytes[at]);
            at += 1;
        }
    }
    kept
}

/// Whether two output files hold the same thing: byte for byte, but for start times.
pub fn same_output(one: &Path, other: &Path) -> bool {
    let read = |path: &Path| std::fs::read(path).unwrap_or_default();
    without_times(&read(one)) == without_times(&read(other))
}

/// The headless browser, where one is installed.
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
            (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// A run folder's run.json, parsed.
pub fn run_record(folder: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(folder.join("run.json")).expect("run.json");
    serde_json::from_str(&text).expect("run.json is JSON")
}
