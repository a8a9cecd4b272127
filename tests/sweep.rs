//! Sweeps as a user runs them: a point equals a run with its value set, the points share their
//! random numbers (a parameter that moves nothing leaves every point identical), the outputs do
//! not depend on the thread count, and bad --vary options are refused before anything runs.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, stderr, succeeds};

fn sweep_into(out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", "scenarios/base.toml", "--paths", "6000", "--quiet"];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    succeeds(&args);
}

fn rows(file: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(file)
        .unwrap()
        .records()
        .map(|row| row.unwrap())
        .collect()
}

#[test]
fn a_sweep_point_equals_a_run_with_its_value_set() {
    let dir = tempfile::tempdir().unwrap();
    let (swept, single) = (dir.path().join("sweep"), dir.path().join("run"));
    sweep_into(&swept, &["--vary", "xi_risk_appetite=0:1:3"]);
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "6000",
        "--set",
        "xi_risk_appetite=0.5",
        "--quiet",
        "--out",
        single.to_str().unwrap(),
    ]);
    let sweep = rows(&swept.join("sweep.csv"));
    let mut checked = 0;
    for row in rows(&single.join("summary.csv"))
        .iter()
        .filter(|r| &r[0] == "holds")
    {
        let point = sweep
            .iter()
            .find(|s| &s[1] == "0.500000" && s[2] == row[1] && s[3] == row[2])
            .expect("the sweep has the run's posture and month");
        assert_eq!(&point[4], &row[3], "{row:?}");
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn points_a_hair_apart_share_their_random_numbers() {
    // Common random numbers: two points 1e-7 apart run the same paths with the same draws, so
    // their tables agree; independent draws would differ by Monte Carlo noise (about 0.6 points
    // at 6,000 paths).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("flat");
    sweep_into(&out, &["--vary", "harm_aversion=0.7:0.7000001:2"]);
    let sweep = rows(&out.join("sweep.csv"));
    let (first, second): (Vec<_>, Vec<_>) = sweep.iter().partition(|row| &row[0] == "1");
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a[4], b[4], "common random numbers: {a:?} vs {b:?}");
    }
}

#[test]
fn sweeps_are_identical_on_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("1"), dir.path().join("2"));
    let vary = [
        "--vary",
        "xi_risk_appetite=0:1:3",
        "--vary",
        "cost_sensitivity=0.5:1.5:2",
        "--at",
        "12",
    ];
    sweep_into(&one, &[&vary[..], &["--threads", "1"]].concat());
    sweep_into(&two, &[&vary[..], &["--threads", "2"]].concat());
    for name in ["sweep.csv", "sweep.png", "sweep.svg"] {
        assert_eq!(
            fs::read(one.join(name)).unwrap(),
            fs::read(two.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(rows(&one.join("sweep.csv")).len(), 6 * 3 * 4);
}

#[test]
fn a_one_parameter_sweep_lists_its_crossovers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cross");
    sweep_into(&out, &["--vary", "xi_risk_appetite=0:1:6"]);
    let crossings = rows(&out.join("crossovers.csv"));
    let overt = crossings
        .iter()
        .find(|row| &row[0] == "24" && &row[1] == "overt_support" && &row[2] == "fence_straddling")
        .expect("overt support overtakes fence-straddling at month 24");
    let value: f64 = overt[3].parse().unwrap();
    assert!(value > 0.5 && value < 1.0, "{value}");
}

fn refused(extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let mut args = vec![
        "sweep",
        "scenarios/base.toml",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let output = foresight(&args);
    assert!(!output.status.success());
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    assert!(!out.exists());
}

#[test]
fn bad_varies_are_refused() {
    refused(&["--vary", "nope=0:1:3"], "`nope` is not a parameter");
    refused(
        &["--vary", "xi_risk_appetite=1:0:3"],
        "FROM must be below TO",
    );
    refused(
        &[
            "--vary",
            "xi_risk_appetite=0:1:3",
            "--vary",
            "xi_risk_appetite=0:1:3",
        ],
        "names xi_risk_appetite twice",
    );
    refused(
        &[
            "--vary", "a=0:1:3", "--vary", "b=0:1:3", "--vary", "c=0:1:3",
        ],
        "given 3 times",
    );
    refused(
        &["--vary", "xi_risk_appetite=0:1:3", "--at", "99"],
        "--at 99",
    );
}
