//! Sharded runs as a user runs them: shards run as separate processes and merged give the same
//! bytes as one run of all the paths, weighted or not, for any number of shards; sets of shards
//! that do not make one run are refused with a message that says why.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, stderr, succeeds};

const PATHS: &str = "30000";

fn run_single(out: &Path, extra: &[&str]) {
    let mut args = vec!["run", "scenarios/base.toml", "--paths", PATHS, "--quiet"];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    succeeds(&args);
}

fn run_shard(folder: &Path, spec: &str, extra: &[&str]) {
    let mut args = vec!["run", "scenarios/base.toml", "--paths", PATHS, "--quiet"];
    args.extend(["--shard", spec, "--out", folder.to_str().unwrap()]);
    args.extend(extra);
    succeeds(&args);
}

fn merge(inputs: &[&Path], out: &Path) -> std::process::Output {
    let mut args = vec!["merge", "--quiet", "--out", out.to_str().unwrap()];
    args.extend(inputs.iter().map(|path| path.to_str().unwrap()));
    foresight(&args)
}

/// Every file but run.json, byte for byte.
fn assert_same_files(single: &Path, merged: &Path) {
    let mut compared = 0;
    for entry in fs::read_dir(single).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "run.json" {
            continue;
        }
        let same = common::same_output(&single.join(&name), &merged.join(&name));
        assert!(same, "{name:?} differs");
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} files compared");
}

fn sharded_equals_single(count: u64, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (single, shards, merged) = (
        dir.path().join("single"),
        dir.path().join("shards"),
        dir.path().join("merged"),
    );
    run_single(&single, extra);
    for index in 1..=count {
        run_shard(&shards, &format!("{index}/{count}"), extra);
    }
    let output = merge(&[&shards], &merged);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_same_files(&single, &merged);
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(merged.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["merged_shards"], count);
    assert_eq!(record["run"]["paths"], 30000);
}

#[test]
fn one_three_and_seven_shards_merge_to_the_single_run() {
    for count in [1, 3, 7] {
        sharded_equals_single(count, &[]);
    }
}

#[test]
fn weighted_shards_merge_to_the_single_weighted_run() {
    let evidence = "scenarios/evidence/march_2022.toml";
    sharded_equals_single(3, &["--evidence", evidence, "--resample-below", "0"]);
    sharded_equals_single(2, &["--given", "war=settlement@6"]);
}

/// Three shards of the base run in `folder`, and one shard of another run in `other`.
fn shard_sets(folder: &Path, other: &Path) {
    for index in 1..=3 {
        run_shard(folder, &format!("{index}/3"), &[]);
    }
    run_shard(other, "3/3", &["--seed", "5"]);
}

fn refused(inputs: &[&Path], expected: &str) {
    let out = tempfile::tempdir().unwrap().path().join("never");
    let output = merge(inputs, &out);
    assert!(!output.status.success(), "merge of {inputs:?} succeeded");
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    assert!(!out.exists());
}

#[test]
fn bad_shard_sets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (shards, other) = (dir.path().join("shards"), dir.path().join("other"));
    shard_sets(&shards, &other);
    let shard = |index: u64| shards.join(format!("shard-{index:04}-of-0003.json"));
    let (one, two, three) = (shard(1), shard(2), shard(3));
    refused(&[&one, &two], "shard 3 of 3 is missing");
    refused(&[&one], "shards 2, 3 of 3 are missing");
    refused(&[&one, &two, &three, &one], "shard 1/3 is given twice");
    let foreign = other.join("shard-0003-of-0003.json");
    refused(&[&one, &two, &foreign], "its seed is 5, not 20220314");
    let damaged = dir.path().join("shard-0009-of-0009.json");
    fs::write(&damaged, b"{\"program\": \"foresight shard\"").unwrap();
    refused(&[&damaged], "is not a shard file");
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    refused(&[&empty], "holds no shard file");
    // A shard whose histogram lost its last count (an edit by hand, a bad copy).
    let tampered = dir.path().join("tampered");
    fs::create_dir(&tampered).unwrap();
    let text = fs::read_to_string(&three).unwrap();
    let start = text.find("\"histogram\":[").expect("a histogram");
    let end = start + text[start..].find(']').unwrap();
    let last_comma = start + text[start..end].rfind(',').unwrap();
    let cut = tampered.join("shard-0003-of-0003.json");
    fs::write(&cut, format!("{}{}", &text[..last_comma], &text[end..])).unwrap();
    refused(&[&one, &two, &cut], "was changed after it was written");
    fs::write(
        &cut,
        resealed(&format!("{}{}", &text[..last_comma], &text[end..])),
    )
    .unwrap();
    refused(
        &[&one, &two, &cut],
        "its tally is missing counts or has extra ones",
    );
}

/// The shard's text with its digest worked out again, as a program that rewrites a shard
/// (rather than a hand or a bad copy) would leave it.
fn resealed(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = "\"content_sha256\":\"";
    let start = text.find(key).expect("a digest") + key.len();
    let end = start + text[start..].find('"').unwrap();
    let unsealed = format!("{}{}", &text[..start], &text[end..]);
    let digest: String = Sha256::digest(unsealed.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{}{digest}{}", &text[..start], &text[end..])
}

/// `text` with the first number after `key` replaced by `value`.
fn with_first_number(text: &str, key: &str, value: &str) -> String {
    let start = text.find(key).expect("the key") + key.len();
    let end = start + text[start..].find([',', ']', '}']).unwrap();
    format!("{}{value}{}", &text[..start], &text[end..])
}

#[test]
fn tampered_shards_are_refused_by_what_was_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (shards, other) = (dir.path().join("shards"), dir.path().join("other"));
    shard_sets(&shards, &other);
    let one = shards.join("shard-0001-of-0003.json");
    let two = shards.join("shard-0002-of-0003.json");
    let text = fs::read_to_string(shards.join("shard-0003-of-0003.json")).unwrap();
    let edited = dir.path().join("edited");
    fs::create_dir(&edited).unwrap();
    let three = edited.join("shard-0003-of-0003.json");
    let merged_with = |bytes: String, expected: &str| {
        fs::write(&three, bytes).unwrap();
        refused(&[&one, &two, &three], expected);
    };
    // A count edited by hand: the digest no longer matches.
    let bumped = with_first_number(&text, "\"posture\":[", "4294967297");
    merged_with(bumped.clone(), "was changed after it was written");
    // The same edit with the digest worked out again: the counts no longer add up.
    merged_with(
        resealed(&bumped),
        "its counts do not add up: the postures at month 0 sum to",
    );
    // A count set to 2^64 - 1 would wrap when summed: refused, never wrapped.
    let huge = with_first_number(&text, "\"posture\":[", &u64::MAX.to_string());
    merged_with(resealed(&huge), "its counts do not add up");
    // Shard 3 of another seed relabelled as this seed.
    let foreign = fs::read_to_string(other.join("shard-0003-of-0003.json")).unwrap();
    let relabelled = foreign.replace("\"seed\":5,", "\"seed\":20220314,");
    assert_ne!(relabelled, foreign);
    merged_with(relabelled, "was changed after it was written");
    // A shard of another version is refused by name, before its contents are read.
    let version = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    let future = text.replace(&version, "\"version\":\"9.9.9\"");
    assert_ne!(future, text);
    merged_with(
        future,
        &format!(
            "was written by foresight 9.9.9; this is foresight {}",
            env!("CARGO_PKG_VERSION")
        ),
    );
}

#[test]
fn a_scenario_changed_since_the_shards_ran_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("two.toml");
    fs::write(&scenario, common::two_state_model(0.1, 0.3, 6, 5000)).unwrap();
    let shards = dir.path().join("shards");
    for spec in ["1/2", "2/2"] {
        succeeds(&[
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--shard",
            spec,
            "--out",
            shards.to_str().unwrap(),
        ]);
    }
    fs::write(&scenario, common::two_state_model(0.2, 0.3, 6, 5000)).unwrap();
    refused(&[&shards], "has changed since the shards ran");
}

#[test]
fn a_shard_never_overwrites_its_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    run_shard(dir.path(), "1/2", &[]);
    let again = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        PATHS,
        "--shard",
        "1/2",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists\n    valid: --force to replace it"));
}

#[test]
fn an_evidence_file_changed_since_the_shards_ran_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.toml");
    let original =
        fs::read_to_string(common::repo_path("scenarios/evidence/march_2022.toml")).unwrap();
    let facts = common::repo_path("seeds/facts.toml");
    let text = original.replace(
        "\"../../seeds/facts.toml\"",
        &format!("{:?}", facts.display().to_string()),
    );
    fs::write(&evidence, &text).unwrap();
    let shards = dir.path().join("shards");
    for spec in ["1/2", "2/2"] {
        run_shard(&shards, spec, &["--evidence", evidence.to_str().unwrap()]);
    }
    fs::write(&evidence, text.replace("is = 0.85", "is = 0.95")).unwrap();
    refused(&[&shards], "has changed since the shards ran");
}

#[test]
fn a_merge_reports_its_own_time_and_the_shards_compute_apart() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    for spec in ["1/3", "2/3", "3/3"] {
        run_shard(&shards, spec, &[]);
    }
    let compute: f64 = fs::read_dir(&shards)
        .unwrap()
        .map(|entry| {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            let partial: serde_json::Value = serde_json::from_str(&text).unwrap();
            partial["wall_time_seconds"].as_f64().unwrap()
        })
        .sum();
    let merged = dir.path().join("merged");
    let output = merge(&[&shards], &merged);
    assert!(output.status.success(), "{}", stderr(&output));
    let record: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(merged.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["merged_shards"], 3);
    let reported = record["shards_compute_seconds"].as_f64().unwrap();
    assert!(
        (reported - compute).abs() < 1e-9,
        "{reported} against {compute}"
    );
    let wall = record["wall_time_seconds"].as_f64().unwrap();
    assert!(
        wall != reported,
        "the merge's own time is not the shards' sum"
    );
    let rate = record["paths_per_second"].as_f64().unwrap();
    assert!(
        (rate - 30_000.0 / compute).abs() < 1e-6 * rate,
        "the rate is of the computing"
    );
}

#[test]
fn shard_counts_beyond_the_blocks_are_refused_and_missing_shards_are_summed_up() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    let args = [
        "run",
        "scenarios/base.toml",
        "--paths",
        "8192",
        "--quiet",
        "--out",
    ];
    let out = shards.to_str().unwrap();
    let empty = foresight(&[&args[..], &[out, "--shard", "1/1000000000000"]].concat());
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        stderr(&empty).contains("into more shards than blocks")
            && stderr(&empty).contains("valid: at most 2 shards for 8192 paths"),
        "{}",
        stderr(&empty)
    );
    assert!(!shards.exists(), "no empty shard is written");
    run_shard(&shards, "2/7", &[]);
    refused(
        &[&shards],
        "shards 1, 3, 4, 5, 6 and 1 more of 7 are missing",
    );
}
