//! The study commands as a user runs them: each writes its table, chart and study.json, the same
//! bytes whatever the thread count, and refuses bad options before writing anything.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, stderr, succeeds};

/// Runs a study on the base model into `out` with `threads` threads.
fn study_into(command: &[&str], out: &Path, threads: &str) {
    let out = out.to_str().expect("a UTF-8 temp path");
    let mut args = command.to_vec();
    args.extend([
        "--paths",
        "6000",
        "--quiet",
        "--threads",
        threads,
        "--out",
        out,
    ]);
    succeeds(&args);
}

/// The files a study wrote, less the mark every output folder carries.
fn names_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .expect("an output folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != foresight::output::folder::MARK)
        .collect();
    names.sort();
    names
}

/// Runs the study with 1 and 2 threads; checks the files and that all but study.json match.
fn assert_writes_the_same_bytes(command: &[&str], expected: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    study_into(command, &one, "1");
    study_into(command, &two, "2");
    assert_eq!(names_in(&one), expected);
    for name in expected.iter().filter(|name| **name != "study.json") {
        let same = fs::read(one.join(name)).unwrap() == fs::read(two.join(name)).unwrap();
        assert!(same, "{name} differs between 1 and 2 threads");
    }
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("study.json")).unwrap()).expect("JSON");
    assert_eq!(record["study"], command[0].replace("discover", "discovery"));
    assert_eq!(record["run"]["paths"], 6000);
}

#[test]
fn sensitivity_writes_its_table_and_tornado_identically_on_1_and_2_threads() {
    assert_writes_the_same_bytes(
        &[
            "sensitivity",
            "scenarios/base.toml",
            "--swing-paths",
            "2000",
        ],
        &[
            "sensitivity.csv",
            "study.json",
            "tornado.png",
            "tornado.svg",
        ],
    );
}

#[test]
fn discover_writes_its_boxes_and_chart_identically_on_1_and_2_threads() {
    assert_writes_the_same_bytes(
        &[
            "discover",
            "scenarios/base.toml",
            "--target",
            "posture=overt_support@12",
        ],
        &[
            "discovery.csv",
            "discovery.png",
            "discovery.svg",
            "discovery_peeling.csv",
            "study.json",
        ],
    );
}

#[test]
fn signposts_writes_its_table_identically_on_1_and_2_threads() {
    assert_writes_the_same_bytes(
        &[
            "signposts",
            "scenarios/base.toml",
            "--at",
            "12",
            "--watch",
            "3,6",
        ],
        &[
            "signposts.csv",
            "signposts.png",
            "signposts.svg",
            "study.json",
        ],
    );
}

#[test]
fn the_sensitivity_table_has_a_row_per_parameter_and_posture() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("s");
    study_into(
        &[
            "sensitivity",
            "scenarios/base.toml",
            "--swing-paths",
            "1000",
            "--at",
            "12",
        ],
        &out,
        "2",
    );
    let mut reader = csv::Reader::from_path(out.join("sensitivity.csv")).expect("the table");
    let headers = reader.headers().expect("a header").clone();
    assert_eq!(&headers[0], "parameter");
    assert_eq!(&headers[9], "swing");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    // The base model has 15 uncertain parameters and 3 postures.
    assert_eq!(rows.len(), 15 * 3);
    for row in &rows {
        assert_eq!(&row[2], "12");
        let (low, swing, high): (f64, f64, f64) = (
            row[10].parse().unwrap(),
            row[9].parse().unwrap(),
            row[11].parse().unwrap(),
        );
        assert!(low <= swing && swing <= high, "{row:?}");
    }
}

#[test]
fn run_with_sensitivity_adds_the_study_to_the_run_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("run");
    let out_text = out.to_str().unwrap();
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "4000",
        "--sensitivity",
        "--swing-paths",
        "1000",
        "--quiet",
        "--out",
        out_text,
    ]);
    let names = names_in(&out);
    for expected in [
        "sensitivity.csv",
        "tornado.png",
        "tornado.svg",
        "posture_probabilities.csv",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} missing: {names:?}"
        );
    }
}

/// The command fails, names what is wrong, and leaves no output folder behind.
fn refused(args: &[&str], expected: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("never");
    let mut args = args.to_vec();
    args.extend(["--paths", "2000", "--out", out.to_str().unwrap()]);
    let output = foresight(&args);
    assert!(!output.status.success(), "{args:?} succeeded");
    assert!(
        stderr(&output).contains(expected),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(!out.exists(), "{args:?} wrote {out:?}");
    let strays = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(strays, 0, "{args:?} left a staging folder");
}

#[test]
fn bad_study_options_are_refused_before_anything_is_written() {
    let base = "scenarios/base.toml";
    refused(
        &["discover", base, "--target", "posture=overt@12"],
        "`overt` is not one of its states",
    );
    refused(
        &["discover", base, "--target", "posture=overt_support@40"],
        "command line `--target",
    );
    refused(
        &[
            "discover",
            base,
            "--target",
            "posture=arms_length@6",
            "--min-mass",
            "0",
        ],
        "--min-mass 0 is out of range",
    );
    refused(
        &["sensitivity", base, "--at", "0"],
        "--at 0 is outside the model's months",
    );
    refused(
        &["sensitivity", base, "--at", "37"],
        "valid: a month from 1 to 36",
    );
    refused(
        &["signposts", base, "--at", "12", "--watch", "12"],
        "--watch 12 does not come before",
    );
    refused(
        &[
            "sensitivity",
            base,
            "--set",
            "xi_risk_appetite=0.3",
            "--set",
            "partnership_weight=1",
            "--set",
            "cost_sensitivity=1",
            "--set",
            "resolve_fade_per_month=0.05",
            "--set",
            "us_secondary_severity=0.6",
            "--set",
            "stability_weight=0.6",
            "--set",
            "harm_aversion=0.7",
            "--set",
            "business_need_response=0.46",
            "--set",
            "business_sanctions_response=0.1",
            "--set",
            "business_fear_response=0.28",
            "--set",
            "business_headwind_response=0.09",
            "--set",
            "business_overt_boost=0.24",
            "--set",
            "business_divest_cut=0.16",
            "--set",
            "rmb_sanctions_response=8.7",
            "--set",
            "weapons_if_overt_usd_bn=1.7",
        ],
        "has no uncertain parameter to study",
    );
}

#[test]
fn study_months_may_be_given_as_dates() {
    let dir = tempfile::tempdir().unwrap();
    let table = |name: &str, at: &str, watch: &str| {
        let out = dir.path().join(name);
        let command = [
            "signposts",
            "scenarios/base.toml",
            "--at",
            at,
            "--watch",
            watch,
        ];
        study_into(&command, &out, "2");
        fs::read(out.join("signposts.csv")).unwrap()
    };
    let by_number = table("n", "12", "3,6");
    let by_date = table("d", "2023-03", "2022-06,2022-09-01");
    assert_eq!(by_number, by_date);
    let refused = foresight(&["sensitivity", "scenarios/base.toml", "--at", "2030-01"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains(
            "--at 2030-01 is outside the model's months\n    valid: a month from 1 to 36 (the \
             horizon), or a date from 2022-04 to 2025-03"
        ),
        "{}",
        stderr(&refused)
    );
}
