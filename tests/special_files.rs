//! Files that are not regular files (devices, FIFOs, folders) are refused by name, at once,
//! wherever a file is taken: the scenario, what it extends, an evidence file, a batch entry and
//! a merge input. Before, `/dev/zero` was read until memory ran out and a FIFO hung the program.

#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{foresight, repo_path, stderr};

/// Runs the binary in `dir` and requires it to fail within 10 s with exit status 1.
fn refused_in(dir: &Path, args: &[&str]) -> String {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary starts");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{args:?} took too long"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{args:?}: {}",
        stderr(&output)
    );
    stderr(&output)
}

#[test]
fn devices_fifos_and_folders_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let base = repo_path("scenarios/base.toml");
    let base = base.to_str().unwrap();
    fs::write(
        dir.path().join("extends_zero.toml"),
        "extends = \"/dev/zero\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("zero.batch.toml"),
        "[batch]\nname = \"z\"\ntitle = \"z\"\n[[scenario]]\nfile = \"/dev/zero\"\n",
    )
    .unwrap();
    let cases: [(&[&str], &str, &str); 7] = [
        (&["run", "/dev/zero"], "/dev/zero", "a device"),
        (&["run", "pipe.toml"], "pipe.toml", "a FIFO"),
        (&["validate", "extends_zero.toml"], "/dev/zero", "a device"),
        (
            &["run", base, "--evidence", "/dev/zero", "--paths", "100"],
            "/dev/zero",
            "a device",
        ),
        (&["batch", "zero.batch.toml"], "/dev/zero", "a device"),
        (&["merge", "/dev/zero"], "/dev/zero", "a device"),
        (&["validate", "."], ".", "a folder"),
    ];
    for (args, file, kind) in cases {
        let message = refused_in(dir.path(), args);
        assert!(
            message.contains(file)
                && message.contains(&format!("it is {kind}, not a regular file")),
            "{args:?}: {message}"
        );
    }
    // A parent that cannot be read is reported where it is named.
    let message = refused_in(dir.path(), &["validate", "extends_zero.toml"]);
    assert!(
        message.contains("extends_zero.toml:1:1: field `extends`: the file it extends, /dev/zero"),
        "{message}"
    );
    assert!(!dir.path().join("outputs").exists(), "nothing was written");
}

#[test]
fn a_scenario_file_over_the_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    fs::write(&big, "#".repeat(5 * 1024 * 1024)).unwrap();
    let output = foresight(&["validate", big.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("the file is 5242880 bytes, more than 4 MiB"),
        "{message}"
    );
    assert!(
        message.contains("valid: a TOML file of at most 4 MiB"),
        "{message}"
    );
}
