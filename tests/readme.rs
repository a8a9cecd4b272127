//! The README's commands, run as written. Every `sh` block is run in a fresh folder holding a
//! copy of the scenarios and seeds, its commands in order; `cargo run --release --` is the
//! binary cargo built for this test (the part before `--` only builds it), and
//! `target/release/foresight` a link to it. `watch` is stopped with Ctrl-C once it watches.
//! Two commands are run elsewhere: `cargo test --release` is this suite, and the `sbatch`
//! submission of `cluster/slurm/shards.sbatch` needs a cluster (`tests/slurm.rs` submits the same
//! script to a local Slurm). The README's batch file example runs too, and the figures the
//! README quotes from the runs it shows are checked against them.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::repo_path;

fn readme() -> String {
    fs::read_to_string(repo_path("README.md")).expect("the README")
}

/// Each `sh` block's commands: continuation lines joined, comments and blank lines left out.
fn shell_blocks(text: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    let mut pending = String::new();
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap_or_default()),
            (Some(commands), line) => {
                let line = without_comment(line);
                if let Some(start) = line.strip_suffix('\\') {
                    pending.push_str(start);
                    continue;
                }
                pending.push_str(line);
                let command = std::mem::take(&mut pending).trim().to_string();
                if !command.is_empty() {
                    commands.push(command);
                }
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The line before a `#` comment that follows a space (none of the commands quote a `#`).
fn without_comment(line: &str) -> &str {
    if line.starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(at) => line[..at].trim_end(),
        None => line.trim_end(),
    }
}

/// A folder set up as the project's root is for a user: scenarios, seeds, cluster scripts, and
/// `target/release/foresight`.
fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for folder in ["scenarios", "seeds", "cluster"] {
        copy_folder(&repo_path(folder), &dir.path().join(folder));
    }
    let release = dir.path().join("target/release");
    fs::create_dir_all(&release).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_foresight"), release.join("foresight")).unwrap();
    dir
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// The command as the shell in `dir` would run it, with cargo's build step already done.
fn as_built(command: &str) -> String {
    match command.strip_prefix("cargo run --release -- ") {
        Some(arguments) => format!("target/release/foresight {arguments}"),
        None => command.to_string(),
    }
}

fn shell(dir: &Path, command: &str) -> Output {
    Command::new("bash")
        .args(["-c", command])
        .current_dir(dir)
        .output()
        .expect("bash runs")
}

/// Starts `watch`, waits until it watches, and stops it with Ctrl-C: it must exit 0.
fn watch_then_stop(dir: &Path, command: &str) {
    let mut child = Command::new("bash")
        .args(["-c", &format!("exec {command}")])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("bash runs");
    let stdout = child.stdout.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|line: &String| line.starts_with("watching "))
    {
        assert!(
            Instant::now() < deadline,
            "`{command}` never watched: {seen:?}"
        );
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            seen.push(line);
        }
    }
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "`{command}` ended with {status}");
}

/// Whether `--serve PORT` could listen: a port another program holds is not the README's fault.
fn port_free(command: &str) -> bool {
    let Some(port) = command.split("--serve ").nth(1) else {
        return true;
    };
    let port = port.split_whitespace().next().unwrap_or_default();
    std::net::TcpListener::bind(format!("127.0.0.1:{port}")).is_ok()
}

#[test]
fn every_command_in_the_readme_runs_as_written() {
    let blocks = shell_blocks(&readme());
    let commands: usize = blocks.iter().map(Vec::len).sum();
    assert!(commands >= 20, "only {commands} commands found");
    let mut ran = 0;
    for block in blocks {
        let dir = project_copy();
        for command in block {
            if command.starts_with("cargo test") {
                continue;
            }
            if command.starts_with("sbatch ") {
                assert!(command.contains("cluster/slurm/shards.sbatch"), "{command}");
                continue;
            }
            let command = as_built(&command);
            if command.contains(" watch ") {
                if port_free(&command) {
                    watch_then_stop(dir.path(), &command);
                    ran += 1;
                } else {
                    eprintln!("skipped, its port is taken: {command}");
                }
                continue;
            }
            let output = shell(dir.path(), &command);
            assert!(
                output.status.success(),
                "`{command}` failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran + 3 >= commands, "ran {ran} of {commands}");
}

#[test]
fn the_readme_batch_example_runs() {
    let text = readme();
    let example = text
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("[batch]"))
        .expect("a batch file example");
    let dir = project_copy();
    let file = dir.path().join("scenarios/example.batch.toml");
    fs::write(&file, example).unwrap();
    for command in [
        "target/release/foresight validate scenarios/example.batch.toml",
        "target/release/foresight batch scenarios/example.batch.toml --paths 2000 --quiet",
    ] {
        let output = shell(dir.path(), command);
        assert!(
            output.status.success(),
            "`{command}` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let folder = dir.path().join("outputs/looking_glass/latest");
    assert!(folder.join("settlement_cautious_xi/summary.csv").is_file());
}

#[test]
fn the_figures_the_readme_quotes_are_what_the_runs_give() {
    let text = readme();
    let dir = project_copy();
    let run = |command: &str| {
        let output = shell(dir.path(), command);
        assert!(output.status.success(), "{command}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let evidence = run(
        "target/release/foresight run scenarios/base.toml --evidence \
                        scenarios/evidence/march_2022.toml --no-report",
    );
    assert!(
        evidence.contains("85752 effective paths of 100000"),
        "{evidence}"
    );
    assert!(text.contains("100,000 paths, 85,752 effective after weighting"));
    // The README's conditioning examples keep thousands of paths, not a handful.
    for block in shell_blocks(&text) {
        for command in block.iter().filter(|command| command.contains("--given")) {
            let printed = run(&format!("{} --no-report", as_built(command)));
            let effective: u64 = printed
                .split(" effective paths")
                .next()
                .and_then(|before| before.rsplit(' ').next())
                .and_then(|number| number.parse().ok())
                .unwrap_or_else(|| panic!("no effective paths in: {printed}"));
            assert!(
                effective >= 1000,
                "{command} keeps {effective} effective paths"
            );
        }
    }
}
