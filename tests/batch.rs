//! Batches as a user runs them: each scenario's folder equals a separate run of it byte for byte,
//! the comparison holds every scenario's numbers, and bad batch files are refused with their
//! line and field before anything runs.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, repo_path, stderr, succeeds};

const TWO: &str = r#"
[batch]
name = "pair"
title = "Two scenarios"

[run]
paths = 8000
seed = 99

[[scenario]]
file = "SCENARIOS/base.toml"
label = "Base"

[[scenario]]
file = "SCENARIOS/what_if/settlement.toml"
set = ["xi_risk_appetite=0.4"]
"#;

fn batch_file(dir: &Path, text: &str) -> String {
    let scenarios = repo_path("scenarios");
    let path = dir.join("pair.batch.toml");
    fs::write(
        &path,
        text.replace("SCENARIOS", scenarios.to_str().unwrap()),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn same_files(one: &Path, other: &Path) {
    let mut compared = 0;
    for entry in fs::read_dir(one).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "run.json" {
            continue;
        }
        let same = common::same_output(&one.join(&name), &other.join(&name));
        assert!(same, "{name:?} differs between {one:?} and {other:?}");
        compared += 1;
    }
    assert!(compared >= 20, "{compared} files compared");
}

#[test]
fn a_batch_of_two_equals_two_separate_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = batch_file(dir.path(), TWO);
    let out = dir.path().join("batch");
    succeeds(&["batch", &file, "--quiet", "--out", out.to_str().unwrap()]);
    let base = dir.path().join("base");
    let settlement = dir.path().join("settlement");
    // The same files as the batch names them, so the charts' footers agree too.
    let base_file = repo_path("scenarios/base.toml");
    let settlement_file = repo_path("scenarios/what_if/settlement.toml");
    let common = ["--paths", "8000", "--seed", "99", "--quiet", "--out"];
    let base_run = ["run", base_file.to_str().unwrap()];
    succeeds(&[&base_run[..], &common, &[base.to_str().unwrap()]].concat());
    let settlement_run = ["run", settlement_file.to_str().unwrap()];
    let set = ["--set", "xi_risk_appetite=0.4"];
    succeeds(
        &[
            &settlement_run[..],
            &set,
            &common,
            &[settlement.to_str().unwrap()],
        ]
        .concat(),
    );
    same_files(&out.join("base"), &base);
    same_files(&out.join("what_if_settlement"), &settlement);
    for name in [
        "comparison.csv",
        "comparison.png",
        "posture_curves.svg",
        "batch.json",
    ] {
        assert!(out.join(name).exists(), "{name} is missing");
    }
}

/// `batch --timings` adds every scenario's stages together and writes the same files.
#[test]
fn batch_timings_split_the_whole_batch_and_change_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = batch_file(dir.path(), TWO);
    let (plain, timed) = (dir.path().join("plain"), dir.path().join("timed"));
    succeeds(&["batch", &file, "--quiet", "--out", plain.to_str().unwrap()]);
    let out = timed.to_str().unwrap();
    let output = succeeds(&["batch", &file, "--quiet", "--timings", "--out", out]);
    let printed = stderr(&output);
    for stage in [
        "parameters",
        "simulate",
        "tally",
        "tables",
        "charts",
        "report",
        "total",
    ] {
        assert!(
            printed.contains(&format!("  {stage}")),
            "no {stage} in\n{printed}"
        );
    }
    let csv = |folder: &Path| fs::read(folder.join("comparison.csv")).unwrap();
    assert_eq!(csv(&plain), csv(&timed));
    let summary =
        |folder: &std::path::Path| std::fs::read(folder.join("base/summary.csv")).unwrap();
    assert_eq!(summary(&plain), summary(&timed));
}

#[test]
fn the_comparison_holds_each_scenarios_own_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = batch_file(dir.path(), TWO);
    let out = dir.path().join("batch");
    succeeds(&["batch", &file, "--quiet", "--out", out.to_str().unwrap()]);
    let mut comparison = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = comparison.records().map(|r| r.unwrap()).collect();
    // Two scenarios, three postures, months 6, 12 and 24 and the horizon, 36.
    assert_eq!(rows.len(), 2 * 3 * 4);
    let mut summary = csv::Reader::from_path(out.join("base/summary.csv")).unwrap();
    let headers = summary.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for row in summary.records().map(|r| r.unwrap()) {
        if &row[column("measure")] != "holds" {
            continue;
        }
        let matching = rows.iter().find(|c| {
            &c[0] == "base" && c[2] == row[column("posture")] && c[3] == row[column("month")]
        });
        let matching = matching.expect("the comparison has the summary's row");
        assert_eq!(&matching[4], &row[column("probability")]);
    }
}

fn refused(text: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = batch_file(dir.path(), text);
    let out = dir.path().join("never");
    let output = foresight(&["batch", &file, "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    assert!(!out.exists());
}

#[test]
fn bad_batch_files_are_refused_before_anything_runs() {
    refused(
        &TWO.replace("label = \"Base\"", "lable = \"Base\""),
        "pair.batch.toml:12:1: field `scenario[0].lable`",
    );
    refused(
        &TWO.replace("name = \"pair\"", "name = \"a/b\""),
        "cannot name an output folder",
    );
    refused(
        &TWO.replace("what_if/settlement.toml", "base.toml"),
        "two scenarios would write into the folder `base`",
    );
    refused(
        &TWO.replace("what_if/settlement.toml", "missing.toml"),
        "pair.batch.toml:15:1: field `scenario[1].file`: `",
    );
    refused(
        &TWO.replace("paths = 8000", "paths = 0"),
        "pair.batch.toml:7:1: field `run.paths`: 0 paths",
    );
    refused(
        &TWO.replace(
            "[[scenario]]\nfile = \"SCENARIOS/what_if",
            "[scenario]\nfile = \"SCENARIOS/what_if",
        )
        .replace(
            "[[scenario]]\nfile = \"SCENARIOS/base.toml\"\nlabel = \"Base\"\n",
            "",
        ),
        "`[scenario]` is one table, where a batch lists its scenarios",
    );
    let base = repo_path("scenarios/base.toml");
    let text = fs::read_to_string(&base).unwrap();
    refused(
        &text,
        "pair.batch.toml is a scenario file, not a batch file",
    );
    refused(
        &TWO.replace("xi_risk_appetite=0.4", "xi_risk=0.4"),
        "xi_risk",
    );
    refused(
        "[batch]\nname = \"empty\"\ntitle = \"none\"\n",
        "the batch lists no scenario",
    );
}

#[test]
fn the_command_line_horizon_and_paths_reach_every_scenario_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let file = batch_file(dir.path(), TWO);
    let out = dir.path().join("batch");
    let out_text = out.to_str().unwrap();
    let args = ["--paths", "4096", "--horizon", "6", "--no-report"];
    succeeds(&[&["batch", &file, "--quiet", "--out", out_text][..], &args].concat());
    for scenario in ["base", "what_if_settlement"] {
        let table = fs::read_to_string(out.join(scenario).join("posture_probabilities.csv"));
        let table = table.unwrap();
        let last_month = table.lines().last().unwrap().split(',').next().unwrap();
        assert_eq!(
            last_month, "6",
            "{scenario} ran to the command line's horizon"
        );
        let record = fs::read_to_string(out.join(scenario).join("run.json")).unwrap();
        assert!(record.contains("\"paths\": 4096"), "{scenario}: {record}");
    }
    let batch_record = fs::read_to_string(out.join("batch.json")).unwrap();
    assert!(batch_record.contains("\"--horizon 6\""), "{batch_record}");
}

/// `validate` knows a batch file by its `[batch]` table, whatever its name, as `batch` does.
#[test]
fn validate_knows_a_batch_by_its_table_not_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let named = batch_file(dir.path(), TWO);
    let renamed = dir.path().join("pair.toml");
    fs::rename(&named, &renamed).unwrap();
    let output = common::succeeds(&["validate", renamed.to_str().unwrap()]);
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("valid — a batch of 2 scenarios, each valid"),
        "{printed}"
    );
}
