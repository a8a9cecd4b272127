//! The corpus of bad inputs, through the binary as a user meets it: every file in `tests/bad/`
//! but the valid ones, and a 50 MB file made here, fails with one clear message that names the
//! file (and, where there is one, the line and field) and says what would be valid; none panics,
//! none leaves an output folder or a staging folder behind.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, repo_path};

/// Runs the file into a fresh folder and checks the refusal.
fn refused_cleanly(file: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = foresight(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
    assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
    assert!(stderr.starts_with("error: "), "{name}: {stderr}");
    // The file at fault: this one, or one it extends.
    assert!(
        stderr.contains(".toml") || stderr.contains("command line"),
        "{name}: {stderr}"
    );
    assert!(!out.exists(), "{name} left an output folder");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "{name} left files behind"
    );
    stderr
}

#[test]
fn every_bad_file_is_refused_with_a_located_message() {
    let mut checked = 0;
    let mut located = 0;
    for entry in fs::read_dir(repo_path("tests/bad")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name.starts_with("valid_") {
            continue;
        }
        let stderr = refused_cleanly(&path);
        // file:line:column, or a file-wide problem (empty, unreadable, a cycle of files).
        if stderr.contains(&format!("{name}:")) {
            located += 1;
        }
        checked += 1;
    }
    assert!(checked >= 38, "only {checked} bad files");
    assert!(
        located * 10 >= checked * 8,
        "only {located} of {checked} errors name a line"
    );
}

#[test]
fn a_50_megabyte_file_is_refused_before_it_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    let valid = fs::read_to_string(repo_path("tests/bad/valid_minimal.toml")).unwrap();
    let padding = "# padding padding padding padding padding padding padding padding padding\n";
    let mut text = valid.clone();
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&padding.repeat(10_000));
    }
    fs::write(&file, text).unwrap();
    let stderr = refused_cleanly(&file);
    assert!(stderr.contains("bytes"), "{stderr}");
    assert!(stderr.contains("at most 4 MiB"), "{stderr}");
}

#[test]
fn an_absurd_request_is_refused_up_front_with_its_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "1000000000",
        "--horizon",
        "600",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("this would take about"), "{stderr}");
    assert!(stderr.contains("--allow-large"), "{stderr}");
    assert!(!out.exists());
    let studies = foresight(&["signposts", "scenarios/base.toml", "--paths", "200000000"]);
    let stderr = String::from_utf8_lossy(&studies.stderr);
    assert!(stderr.contains("GiB of memory"), "{stderr}");
    // Memory in the threads' own tallies: the way out is fewer threads, not fewer paths.
    let threads = foresight(&["run", "scenarios/base.toml", "--threads", "3000"]);
    let stderr = String::from_utf8_lossy(&threads.stderr);
    assert_eq!(threads.status.code(), Some(1));
    assert!(
        stderr.contains("lower --threads (each keeps tallies of"),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_output_folder_is_reported_before_any_path_runs() {
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("file-not-folder");
    fs::write(&blocked, "x").unwrap();
    let out = blocked.join("run");
    let started = std::time::Instant::now();
    let output = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "50000000",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot create the output folder"),
        "{stderr}"
    );
    // Fifty million paths take minutes; the refusal comes before any of them.
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
