//! The tweak loop: `diff` of a run with itself shows nothing; a planted change in one parameter
//! is the only parameter reported and moves the posture it should; `watch` re-runs on a save
//! (by rename, of a file the scenario extends), survives a broken save and runs again on the next
//! good one, says when the file is gone and keeps watching a folder removed and made again,
//! and stops cleanly on Ctrl-C; `--serve` answers on loopback only and tells the page
//! to reload when a run finishes.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{chromium, foresight, stderr, succeeds};

fn run_into(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "scenarios/base.toml",
        "--paths",
        "8000",
        "--quiet",
        "--no-report",
    ];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    succeeds(&args);
}

fn diff_rows(
    before: &Path,
    after: &Path,
    out: &Path,
) -> (String, Vec<csv::StringRecord>, Vec<csv::StringRecord>) {
    let output = succeeds(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let read = |name: &str| {
        csv::Reader::from_path(out.join(name))
            .unwrap()
            .records()
            .map(|r| r.unwrap())
            .collect::<Vec<_>>()
    };
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        read("diff.csv"),
        read("diff_parameters.csv"),
    )
}

#[test]
fn a_run_diffed_with_itself_shows_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_into(&run, &[]);
    let (printed, postures, parameters) = diff_rows(&run, &run, &dir.path().join("diff"));
    assert_eq!(postures.len(), 12);
    for row in &postures {
        assert_eq!(&row[8], "0.000000", "{row:?}");
        assert_eq!(&row[9], "false", "{row:?}");
    }
    assert!(parameters.is_empty());
    assert!(printed.contains("the two models are the same"), "{printed}");
    assert!(!printed.contains("weighed differently"), "{printed}");
    // The same model weighed by evidence is not the same run, and the diff says why.
    let weighed = dir.path().join("weighed");
    run_into(
        &weighed,
        &["--evidence", "scenarios/evidence/march_2022.toml"],
    );
    let (printed, _, _) = diff_rows(&run, &weighed, &dir.path().join("diff2"));
    assert!(
        printed.contains(
            "the runs were weighed differently: before by nothing (a plain run), after by \
             evidence scenarios/evidence/march_2022.toml"
        ),
        "{printed}"
    );
}

#[test]
fn a_planted_change_is_the_only_parameter_reported_and_moves_its_posture() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    run_into(&before, &[]);
    run_into(&after, &["--set", "xi_risk_appetite=0.9"]);
    let (printed, postures, parameters) = diff_rows(&before, &after, &dir.path().join("diff"));
    assert_eq!(parameters.len(), 1, "{parameters:?}");
    assert_eq!(&parameters[0][0], "xi_risk_appetite");
    assert_eq!(&parameters[0][2], "fixed at 0.9");
    let overt = postures
        .iter()
        .find(|row| &row[0] == "overt_support" && &row[1] == "24")
        .unwrap();
    let change: f64 = overt[8].parse().unwrap();
    assert!(
        change > 0.05,
        "a risk-taking Xi makes overt support likelier: {change}"
    );
    assert_eq!(&overt[9], "true");
    assert!(printed.contains("common random numbers"), "{printed}");

    let other_seed = dir.path().join("other");
    run_into(&other_seed, &["--seed", "5"]);
    let (printed, postures, parameters) = diff_rows(&before, &other_seed, &dir.path().join("d2"));
    assert!(printed.contains("independent runs"), "{printed}");
    assert!(parameters.is_empty());
    let beyond = postures.iter().filter(|row| &row[9] == "true").count();
    assert!(
        beyond <= 2,
        "a reseeded run should rarely differ beyond noise: {beyond}"
    );
}

#[test]
fn diff_refuses_a_folder_that_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let output = foresight(&[
        "diff",
        dir.path().to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is not a run folder"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn diff_refuses_runs_that_share_no_cell() {
    let dir = tempfile::tempdir().unwrap();
    let (long, short) = (dir.path().join("long"), dir.path().join("short"));
    run_into(&long, &[]);
    run_into(&short, &["--horizon", "4"]);
    let out = dir.path().join("diff");
    let output = foresight(&[
        "diff",
        long.to_str().unwrap(),
        short.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("share no posture at any headline month")
            && message.contains("months 6, 12, 24, 36)")
            && message.contains("months 4)"),
        "{message}"
    );
    assert!(!out.exists());
}

/// A watched process and its output lines (stdout and stderr together).
struct Watching {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(dir: &Path, file: &Path, extra: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_foresight"))
            .current_dir(dir)
            .args(["watch", file.to_str().unwrap(), "--paths", "3000"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("watch starts");
        let (sender, lines) = mpsc::channel();
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for stream in [out, err] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the server's address (`127.0.0.1:PORT`) in the output.
    fn served_address(&mut self) -> String {
        let serving = self.wait_for("serving the latest report on http://");
        let address = serving.split("http://").nth(1).unwrap_or_default();
        address.trim_end_matches('/').to_string()
    }

    /// Waits up to 30 s for a line containing `text`, and returns it.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.seen.push(line.clone());
                if line.contains(text) {
                    return line;
                }
            }
        }
        panic!("no `{text}` within 30 s; saw:\n{}", self.seen.join("\n"));
    }

    fn interrupt(mut self) {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "watch exited with {status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "watch did not stop within 5 s of Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.wait_for("stopped watching");
    }
}

/// A parent model and a child that extends it, in `dir`.
fn scenario_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let parent = dir.join("parent.toml");
    fs::write(&parent, common::two_state_model(0.1, 0.3, 12, 3000)).unwrap();
    let child = dir.join("child.toml");
    fs::write(
        &child,
        "extends = \"parent.toml\"\n\n[scenario]\nname = \"child\"\n",
    )
    .unwrap();
    (parent, child)
}

/// Saves like an editor: a new file renamed over the old one.
fn save_by_rename(file: &Path, text: &str) {
    let temporary = file.with_extension("toml.swp");
    fs::write(&temporary, text).unwrap();
    fs::rename(&temporary, file).unwrap();
}

#[test]
fn watch_reruns_on_a_save_survives_a_broken_one_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (parent, child) = scenario_pair(dir.path());
    let mut watching = Watching::start(dir.path(), &child, &[]);
    watching.wait_for("outputs:");
    watching.wait_for("watching");
    save_by_rename(&parent, &common::two_state_model(0.4, 0.3, 12, 3000));
    watching.wait_for("outputs:");
    watching.wait_for("since the last run");
    save_by_rename(&parent, "this is [not toml");
    watching.wait_for("error:");
    let kept = watching.wait_for("keeping the last good outputs");
    assert!(kept.contains("outputs/child/"), "{kept}");
    save_by_rename(&parent, &common::two_state_model(0.2, 0.3, 12, 3000));
    watching.wait_for("outputs:");
    watching.interrupt();
    let runs = fs::read_dir(dir.path().join("outputs/child"))
        .unwrap()
        .count();
    assert_eq!(runs, 3 + 1, "three good runs and `latest`");
}

/// `--quiet` keeps each run's summary to itself: watch says only that it ran and what it
/// watches, and the run's outputs are still written.
#[test]
fn watch_quiet_prints_no_run_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (_, child) = scenario_pair(dir.path());
    let mut watching = Watching::start(dir.path(), &child, &["--quiet"]);
    watching.wait_for("ran in");
    watching.wait_for("watching");
    let seen = watching.seen.clone();
    watching.interrupt();
    let summary = ["outputs:", "paths, seed", "posture", "month 6"];
    let loud: Vec<&String> = seen
        .iter()
        .filter(|line| summary.iter().any(|part| line.contains(part)))
        .collect();
    assert!(loud.is_empty(), "{loud:?}");
    let runs = fs::read_dir(dir.path().join("outputs/child")).unwrap();
    assert_eq!(runs.count(), 1 + 1, "one run and `latest`");
}

#[test]
fn watch_says_when_the_file_is_gone_and_keeps_watching_a_folder_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    fs::create_dir(&models).unwrap();
    let (parent, child) = scenario_pair(&models);
    let mut watching = Watching::start(dir.path(), &child, &[]);
    watching.wait_for("outputs:");
    watching.wait_for("watching");
    fs::remove_dir_all(&models).unwrap();
    watching.wait_for("child.toml is gone (deleted or moved); watching for it to come back");
    watching.wait_for("keeping the last good outputs");
    fs::create_dir(&models).unwrap();
    scenario_pair(&models);
    watching.wait_for("outputs:");
    // The folder made again is watched: a save there runs again.
    save_by_rename(&parent, &common::two_state_model(0.4, 0.3, 12, 3000));
    watching.wait_for("outputs:");
    watching.wait_for("since the last run");
    watching.interrupt();
    let runs = fs::read_dir(dir.path().join("outputs/child"))
        .unwrap()
        .count();
    assert_eq!(runs, 3 + 1, "three good runs and `latest`");
}

fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn the_served_report_is_on_loopback_only_and_reloads_after_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let (parent, child) = scenario_pair(dir.path());
    let mut watching = Watching::start(dir.path(), &child, &["--serve", "0"]);
    let address = watching.served_address();
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    watching.wait_for("watching");
    let page = get(&address, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("new EventSource(\"/events\")"));
    assert!(
        page.contains("<table class=\"headline\">"),
        "the report is served"
    );

    let port = address.rsplit(':').next().unwrap();
    let hosts = Command::new("hostname").arg("-I").output().unwrap();
    for host in String::from_utf8_lossy(&hosts.stdout).split_whitespace() {
        if host.contains(':') {
            continue;
        }
        let outside = format!("{host}:{port}");
        let reached = TcpStream::connect_timeout(&outside.parse().unwrap(), Duration::from_secs(2));
        assert!(reached.is_err(), "the server answers on {outside}");
    }

    let mut events = TcpStream::connect(&address).unwrap();
    write!(events, "GET /events HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(events);
    let mut line = String::new();
    while !line.contains(": connected") {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    save_by_rename(&parent, &common::two_state_model(0.3, 0.3, 12, 3000));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.starts_with("data: reload") {
            break;
        }
        assert!(Instant::now() < deadline, "no reload event after a new run");
    }
    watching.interrupt();
}

fn status(address: &str) -> serde_json::Value {
    let response = get(address, "/status");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap()
}

/// Waits up to 30 s for the server's counter `key` to reach `at_least`.
fn wait_for_count(address: &str, key: &str, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while status(address)[key].as_u64().unwrap_or(0) < at_least {
        assert!(Instant::now() < deadline, "{key} did not reach {at_least}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_browser_on_the_served_page_reloads_when_a_run_finishes() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium to open the served page");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (parent, child) = scenario_pair(dir.path());
    let mut watching = Watching::start(dir.path(), &child, &["--serve", "0"]);
    let address = watching.served_address();
    watching.wait_for("watching");
    let profile = dir.path().join("profile");
    let mut page = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("http://{address}/"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    wait_for_count(&address, "page_views", 1);
    wait_for_count(&address, "streams_opened", 1);
    save_by_rename(&parent, &common::two_state_model(0.35, 0.3, 12, 3000));
    watching.wait_for("since the last run");
    // The page reloads: it is served again and opens a new event stream.
    wait_for_count(&address, "page_views", 2);
    wait_for_count(&address, "streams_opened", 2);
    let _ = page.kill();
    let _ = page.wait();
    watching.interrupt();
}

#[test]
fn a_posture_only_one_run_has_is_named_not_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    run_into(&before, &[]);
    let added = "postures.new={label=\"New\", colour=\"#333333\", utility={constant=-2.0}}";
    run_into(&after, &["--set", added]);
    let (printed, postures, _) = diff_rows(&before, &after, &dir.path().join("diff"));
    assert_eq!(
        postures.len(),
        12,
        "the three shared postures at four months"
    );
    assert!(
        printed.contains("only the after run has new: not compared"),
        "{printed}"
    );
}
