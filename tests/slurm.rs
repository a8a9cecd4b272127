//! The sharded workflow on a real cluster engine: a single-node Slurm on localhost (started by
//! `cluster/slurm/local-slurm.sh` inside a temporary folder: its own munge key, configuration,
//! spool and logs) runs the shards as a job array; their merge must equal a single run byte for
//! byte. The test installs nothing: where Slurm is not installed (`.ci/run` installs it) or
//! cannot start, it says so and passes without checking anything.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{repo_path, succeeds};

const SHARDS: u64 = 4;
const PATHS: &str = "40000";

/// A local Slurm this test started in its own temporary folder; stopped when the test ends.
struct LocalSlurm {
    state: tempfile::TempDir,
    /// The configuration its clients (`sbatch`, `squeue`) must read.
    conf: String,
}

impl Drop for LocalSlurm {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo_path("cluster/slurm/local-slurm.sh"))
            .arg("stop")
            .env("FORESIGHT_SLURM_STATE", self.state.path())
            .status();
    }
}

/// Leaves what happened where `.ci/run` prints it, since a passing test's output is hidden.
fn report_status(status: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/slurm-test-status.txt");
    let _ = fs::write(file, format!("{status}\n"));
}

/// Starts Slurm, or says why it cannot and returns `None`.
fn start_slurm() -> Option<LocalSlurm> {
    let state = tempfile::Builder::new()
        .prefix("foresight-slurm")
        .tempdir_in("/tmp")
        .expect("a temporary folder");
    let started = Command::new("bash")
        .arg(repo_path("cluster/slurm/local-slurm.sh"))
        .arg("start")
        .env("FORESIGHT_SLURM_STATE", state.path())
        .output();
    match started {
        Ok(output) if output.status.success() => {
            let said = String::from_utf8_lossy(&output.stdout);
            let conf = said
                .lines()
                .find_map(|line| line.strip_prefix("SLURM_CONF="))
                .expect("start names its configuration")
                .to_string();
            Some(LocalSlurm { state, conf })
        }
        Ok(output) => {
            let why = String::from_utf8_lossy(&output.stderr).into_owned();
            let status = format!(
                "SKIPPED: the Slurm test needs a local Slurm, which cannot be started here: {}",
                why.trim()
            );
            eprintln!("{status}");
            report_status(&status);
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
fn run_array(slurm: &LocalSlurm, shards: &Path, logs: &Path) {
    let binary = env!("CARGO_BIN_EXE_foresight");
    let export = format!(
        "ALL,SCENARIO=scenarios/base.toml,SHARD_DIR={},EXTRA=--paths {PATHS},FORESIGHT={binary}",
        shards.display()
    );
    let submitted = Command::new("sbatch")
        .env("SLURM_CONF", &slurm.conf)
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
            .env("SLURM_CONF", &slurm.conf)
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
    let Some(slurm) = start_slurm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (shards, logs) = (dir.path().join("shards"), dir.path().join("logs"));
    fs::create_dir_all(&logs).unwrap();
    run_array(&slurm, &shards, &logs);
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
