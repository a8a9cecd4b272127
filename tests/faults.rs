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
    // Kills spread over a run's life: while it simulates, writes, and swaps folders. On a
    // loaded machine a run takes longer, so the kills go on, later each time, until one run
    // has finished between them.
    let delays = (0..=900).step_by(60).chain((1000..=20_000).step_by(500));
    for delay_ms in delays {
        if delay_ms > 900 && seen_new {
            break;
        }
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

/// Starts a long run into `out`, sends it `signal` after 0.8 s, and checks that it stopped
/// within a second, said why and left nothing in `dir`.
fn stops_on_signal(signal: &str, dir: &Path, out: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/base.toml", "--paths", "20000000", "--out"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let interrupted = Instant::now();
    Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let took = interrupted.elapsed();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        took < Duration::from_secs(1),
        "{signal}: stopping took {took:?}"
    );
    assert_eq!(status.code(), Some(1), "{signal}");
    assert!(
        stderr.contains("interrupted (Ctrl-C or a termination signal)"),
        "{signal}: {stderr}"
    );
    assert!(!out.exists(), "{signal}");
    assert_eq!(
        fs::read_dir(dir).unwrap().count(),
        0,
        "{signal}: staging left behind"
    );
}

#[test]
fn ctrl_c_sigterm_and_sighup_stop_a_run_within_a_second_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    for signal in ["INT", "TERM", "HUP"] {
        stops_on_signal(signal, dir.path(), &out);
    }
    // The next run into the same place works.
    small_run(&["--out", out.to_str().unwrap()]);
}

fn small_run(place: &[&str]) {
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "2000", "--quiet"];
    args.extend(place);
    succeeds(&args);
}

/// Above the kernel's largest process id (2^22): a process that cannot be running.
const DEAD_PID: &str = "4194305";

#[test]
fn a_run_removes_what_dead_runs_left_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("outputs");
    let parent = root.join("base");
    let marked = |name: &str| {
        let folder = parent.join(name);
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join(".foresight-output"), "").unwrap();
        folder
    };
    let dead = marked(&format!(".20260101T000000Z.partial-{DEAD_PID}"));
    fs::write(dead.join("summary.csv"), "half").unwrap();
    let dead_other = marked(&format!(".20250505T101010Z-3.partial-{DEAD_PID}"));
    let alive = marked(&format!(".20260101T000001Z.partial-{}", std::process::id()));
    // A folder with the staging name that holds a user's file and no mark is never touched
    // (an empty one, as a run killed before its mark leaves it, is removed).
    let not_ours = parent.join(format!(".notes.partial-{DEAD_PID}"));
    fs::create_dir_all(&not_ours).unwrap();
    fs::write(not_ours.join("notes.txt"), "keep me").unwrap();
    let unmarked_empty = parent.join(format!(".20260101T000002Z.partial-{DEAD_PID}"));
    fs::create_dir_all(&unmarked_empty).unwrap();
    let moved_aside = marked(&format!(".kept.partial-{DEAD_PID}.replaced"));
    std::os::unix::fs::symlink("nowhere", parent.join(format!(".latest.{DEAD_PID}"))).unwrap();
    small_run(&["--outputs-root", root.to_str().unwrap()]);
    assert!(!dead.exists() && !dead_other.exists(), "dead staging kept");
    assert!(alive.exists(), "a live run's staging was removed");
    assert!(
        not_ours.exists(),
        "a folder without foresight's mark was removed"
    );
    assert!(
        !unmarked_empty.exists(),
        "a run killed before its mark left its folder"
    );
    assert!(
        !moved_aside.exists() && parent.join("kept").is_dir(),
        "old run not put back"
    );
    assert!(!parent.join(format!(".latest.{DEAD_PID}")).is_symlink());
}

/// Every entry under `dir`, hidden ones included, as paths relative to it.
fn everything_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn output_destinations_that_cannot_work_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir_all(empty.join("sub")).unwrap();
    let scenario = common::repo_path("scenarios/base.toml");
    // 400 million paths take minutes: a refusal within seconds shows no work was done.
    let big = [
        scenario.to_str().unwrap(),
        "--paths",
        "400000000",
        "--allow-large",
    ];
    let refused = |args: &[&str], cwd: &Path, expected: &str| {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_foresight"))
            .current_dir(cwd)
            .arg("run")
            .args(big)
            .args(["--quiet", "--threads", "1"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{args:?} ran first"
        );
    };
    for out in [".", "sub/.."] {
        refused(
            &["--out", out, "--force"],
            &empty,
            "names no folder of its own",
        );
    }
    assert_eq!(everything_under(&empty), ["sub"]);
    // `latest` made a folder by hand: refused before the run, nothing written.
    let root = dir.path().join("outputs");
    fs::create_dir_all(root.join("base/latest")).unwrap();
    let root_arg = root.to_str().unwrap();
    refused(
        &["--outputs-root", root_arg],
        dir.path(),
        "latest is a folder, not the link foresight points at the latest run",
    );
    assert_eq!(everything_under(&root), ["base", "base/latest"]);
    // A shard folder that cannot be made (under a file): refused before the run, and nothing
    // is left where it would have gone.
    let file = dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    let shards = file.join("shards");
    refused(
        &["--shard", "1/2", "--out", shards.to_str().unwrap()],
        dir.path(),
        "cannot create the shard folder",
    );
}
