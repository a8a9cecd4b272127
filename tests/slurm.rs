//! The sharded workflow on a real cluster engine: a single-node Slurm on localhost (started by
//! `cluster/slurm/local-slurm.sh`, which installs Debian's slurm-wlm and munge where it can)
//! runs the shards as a job array; their merge must equal a single run byte for byte. Where Slurm
//! cannot be installed or started, the test says so and passes without checking anything.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{repo_path, succeeds};

const SHARDS: u64 = 4;
const PATHS: &str = "40000";

/// Stops the local Slurm when the test ends, if this test started it.
struct StopSlurm {
    started_here: bool,
}

impl Drop for StopSlurm {
    fn drop(&mut self) {
        if self.started_here {
            let _ = Command::new("bash")
                .arg(repo_path("cluster/slurm/local-slurm.sh"))
                .arg("stop")
                .status();
        }
    }
}

/// Leaves what happened where `.ci/run` prints it, since a passing test's output is hidden.
fn report_status(status: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/slurm-test-status.txt");
    let _ = fs::write(file, format!("{status}\n"));
}

/// Starts Slurm, or says why it cannot and returns `None`.
fn start_slurm() -> Option<StopSlurm> {
    let started = Command::new("bash")
        .arg(repo_path("cluster/slurm/local-slurm.sh"))
        .arg("start")
        .output();
    match started {
        Ok(output) if output.status.success() => {
            let said = String::from_utf8_lossy(&output.stderr);
            Some(StopSlurm {
                started_here: !said.contains("already running"),
            })
        }
        Ok(output) => {
            let why = String::from_utf8_lossy(&output.stderr).into_owned();
            eprintln!(
                "SKIPPED: the Slurm test needs a local Slurm, which cannot be started here: {why}"
            );
            None
        }
        Err(error) => {
            let status = format!("SKIPPED: the Slurm test cannot run bash: {error}");
            eprintln!("{status}");
            report_status(&status);
            None
        }
    }
}

/// Submits the shards as one job array and waits until it has left the queue.
fn run_array(shards: &Path, logs: &Path) {
    let binary = env!("CARGO_BIN_EXE_foresight");
    let export = format!(
        "ALL,SCENARIO=scenarios/base.toml,SHARD_DIR={},EXTRA=--paths {PATHS},FORESIGHT={binary}",
        shards.display()
    );
    let submitted = Command::new("sbatch")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--parsable",
            &format!("--array=1-{SHARDS}"),
            "--export",
            &export,
        ])
        .arg(format!("--output={}/slurm-%A_%a.out", logs.display()))
        .arg(repo_path("cluster/slurm/shards.sbatch"))
        .output()
        .expect("sbatch runs");
    assert!(
        submitted.status.success(),
        "sbatch failed: {}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let job = String::from_utf8_lossy(&submitted.stdout)
        .trim()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let queue = Command::new("squeue")
            .args(["-h", "-j", &job])
            .output()
            .expect("squeue runs");
        if queue.stdout.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "job {job} still queued after 180 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_slurm_job_array_of_shards_merges_to_the_single_run() {
    let Some(_slurm) = start_slurm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (shards, logs) = (dir.path().join("shards"), dir.path().join("logs"));
    fs::create_dir_all(&logs).unwrap();
    run_array(&shards, &logs);
    let written = fs::read_dir(&shards)
        .map(|entries| entries.count())
        .unwrap_or(0);
    let log_text: String = fs::read_dir(&logs)
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
        .collect();
    assert_eq!(
        written as u64, SHARDS,
        "shard files written; task logs:\n{log_text}"
    );
    let (merged, single) = (dir.path().join("merged"), dir.path().join("single"));
    succeeds(&[
        "merge",
        "--quiet",
        "--out",
        merged.to_str().unwrap(),
        shards.to_str().unwrap(),
    ]);
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        PATHS,
        "--quiet",
        "--out",
        single.to_str().unwrap(),
    ]);
    let mut compared = 0;
    for entry in fs::read_dir(&single).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "run.json" {
            continue;
        }
        let same = common::same_output(&single.join(&name), &merged.join(&name));
        assert!(
            same,
            "{name:?} differs between the Slurm merge and the single run"
        );
        compared += 1;
    }
    assert!(compared >= 20);
    report_status(&format!(
        "ran: {SHARDS} shards as a Slurm job array merged to the single run's bytes"
    ));
}
