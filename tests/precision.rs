//! Precision targets: the run stops at the first round whose headline intervals are all narrow
//! enough, the same round whatever the thread count, and its outputs equal a plain run of the
//! paths it took; an unreachable target stops at the cap and says so.

mod common;

use std::fs;
use std::path::Path;

use common::succeeds;

fn run(out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", "scenarios/base.toml", "--out", out.to_str().unwrap()];
    args.extend(extra);
    String::from_utf8(succeeds(&args).stdout).unwrap()
}

fn run_json(folder: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(folder.join("run.json")).unwrap()).unwrap()
}

#[test]
fn a_precision_run_stops_where_its_target_is_met_and_equals_a_plain_run() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two, plain) = (
        dir.path().join("1"),
        dir.path().join("2"),
        dir.path().join("p"),
    );
    let target = ["--paths", "8192", "--precision", "0.006", "--quiet"];
    run(&one, &[&target[..], &["--threads", "1"]].concat());
    run(&two, &[&target[..], &["--threads", "2"]].concat());
    let record = run_json(&one);
    let reached = &record["precision"];
    assert_eq!(reached["met"], true);
    let paths = reached["paths"].as_u64().unwrap();
    assert_eq!(record["run"]["paths"], paths);
    assert_eq!(run_json(&two)["precision"]["paths"], paths);
    // 8,192 paths leave half-widths near 1 point; the first round past them meets 0.6.
    assert!(paths > 8192 && paths.is_multiple_of(4096), "{paths}");
    let widest = reached["widest_half_width"].as_f64().unwrap();
    assert!(widest <= 0.006 && widest > 0.003, "{widest}");
    run(&plain, &["--paths", &paths.to_string(), "--quiet"]);
    for name in ["posture_probabilities.csv", "summary.csv", "indicators.csv"] {
        let same = fs::read(one.join(name)).unwrap() == fs::read(plain.join(name)).unwrap();
        assert!(same, "{name} differs from the plain run of {paths} paths");
        assert_eq!(
            fs::read(one.join(name)).unwrap(),
            fs::read(two.join(name)).unwrap()
        );
    }
}

#[test]
fn an_unreachable_target_stops_at_the_cap_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("capped");
    let printed = run(
        &out,
        &[
            "--paths",
            "4096",
            "--precision",
            "0.0005",
            "--max-paths",
            "40000",
        ],
    );
    assert!(
        printed.contains("not reached by the cap of 40000 paths"),
        "{printed}"
    );
    let record = run_json(&out);
    assert_eq!(record["precision"]["met"], false);
    assert_eq!(record["precision"]["paths"], 36864);
}
