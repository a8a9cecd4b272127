//! Faults: a run killed with SIGKILL at any moment leaves either the old outputs or complete new
//! ones, never half a file, even when it replaces a folder (`--force`); a later run tidies what
//! the killed ones left. Ctrl-C stops a run within a second and says so, writing nothing.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::succeeds;

fn run_command(out: &Path, seed: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_foresight"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "scenarios/base.toml",
            "--paths",
            "30000",
            "--quiet",
            "--force",
        ])
        .args(["--seed", seed, "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The folder holds one whole run: every file of a complete run, each complete.
fn assert_whole_run(folder: &Path, expected: &[String]) -> u64 {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("{folder:?} is missing: {error}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected, "a partial set of files");
    for name in names.iter().filter(|name| name.ends_with(".csv")) {
        let mut reader = csv::Reader::from_path(folder.join(name)).unwrap();
        let mut rows = 0;
        for row in reader.records() {
            row.expect("a whole row");
            rows += 1;
        }
        assert!(rows > 0, "{name} is empty");
    }
    for name in names.iter().filter(|name| name.ends_with(".png")) {
        let file = fs::File::open(folder.join(name)).unwrap();
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).expect("a whole image");
    }
    let html = fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        html.trim_end().ends_with("</html>"),
        "report.html is cut short"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(folder.join("run.json")).unwrap()).unwrap();
    record["run"]["seed"].as_u64().unwrap()
}

#[test]
fn a_run_killed_at_any_moment_leaves_a_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert!(run_command(&out, "1").status().unwrap().success());
    let mut expected: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    let mut seen_new = false;
    // Kills spread over a run's life: while it simulates, writes, and swaps folders.
    for delay_ms in (0..=900).step_by(60) {
        let mut child = run_command(&out, "2").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let seed = assert_whole_run(&out, &expected);
        assert!(seed == 1 || seed == 2, "{seed}");
        seen_new |= seed == 2;
    }
    assert!(run_command(&out, "2").status().unwrap().success());
    assert_eq!(assert_whole_run(&out, &expected), 2);
    assert!(seen_new, "no run finished between the kills");
    let leftovers: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the killed runs' staging remains: {leftovers:?}"
    );
}

#[test]
fn ctrl_c_stops_a_run_within_a_second_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let mut child = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/base.toml", "--paths", "20000000", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let interrupted = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let took = interrupted.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(took < Duration::from_secs(1), "stopping took {took:?}");
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("interrupted by Ctrl-C"), "{stderr}");
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "staging left behind"
    );
    // The next run into the same place works.
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
}
