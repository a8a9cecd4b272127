//! The `foresight` binary as a user runs it: byte-identical outputs whatever the thread count,
//! run folders that never overwrite, and bad input that fails cleanly without writing anything.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{foresight, repo_path, stderr, succeeds};

fn run_into(out: &Path, threads: &str, extra: &[&str]) -> Output {
    let out = out.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "10000", "--quiet"];
    args.extend(["--threads", threads, "--out", out]);
    args.extend(extra);
    succeeds(&args)
}

/// As [`run_into`] on 2 threads, for a run that must be refused (exit status 1).
fn run_into_refused(out: &Path, extra: &[&str]) -> Output {
    let out = out.to_str().expect("a UTF-8 temp path");
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "10000", "--quiet"];
    args.extend(["--threads", "2", "--out", out]);
    args.extend(extra);
    let output = foresight(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    output
}

fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .expect("a run folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    files.sort();
    files
}

/// run.json without the fields that depend on when and on how many threads it ran.
fn run_json_without_timing(folder: &Path) -> serde_json::Value {
    let text = fs::read_to_string(folder.join("run.json")).expect("run.json");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let object = json.as_object_mut().expect("an object");
    for key in [
        "threads",
        "wall_time_seconds",
        "paths_per_second",
        "started_at",
    ] {
        object.remove(key);
    }
    json
}

fn file_names(folder: &Path) -> Vec<String> {
    files_in(folder)
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// Every file but run.json byte for byte, and run.json but for its timing fields.
fn assert_same_outputs(one: &Path, other: &Path) {
    assert_eq!(file_names(one), file_names(other));
    let mut csv_files = 0;
    for name in file_names(one)
        .into_iter()
        .filter(|name| name != "run.json")
    {
        let same = common::same_output(&one.join(&name), &other.join(&name));
        assert!(same, "{name} differs between {one:?} and {other:?}");
        csv_files += name.ends_with(".csv") as usize;
    }
    assert!(csv_files >= 6, "only {csv_files} CSV files were compared");
    assert_eq!(run_json_without_timing(one), run_json_without_timing(other));
}

#[test]
fn outputs_are_byte_identical_for_1_2_and_16_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = dir.path().join("1");
    run_into(&one, "1", &[]);
    for threads in ["2", "16"] {
        let other = dir.path().join(threads);
        run_into(&other, threads, &[]);
        assert_same_outputs(&one, &other);
    }
}

/// A run capped to each narrower instruction set (`FORESIGHT_ISA`) writes the same bytes as
/// one on the widest this processor has: the portable path and the vector paths agree on every
/// output, not only on the engine's and tally's numbers. A value that names no instruction set
/// is refused, naming the valid ones.
#[test]
fn outputs_are_byte_identical_on_every_instruction_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let widest = dir.path().join("widest");
    run_into(&widest, "2", &[]);
    for isa in ["baseline", "avx2"] {
        let capped = dir.path().join(isa);
        let out = capped.to_str().expect("a UTF-8 temp path");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_foresight"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("FORESIGHT_ISA", isa)
            .args(["run", "scenarios/base.toml", "--paths", "10000", "--quiet"])
            .args(["--threads", "2", "--out", out])
            .output()
            .expect("the binary starts");
        assert!(output.status.success(), "{}", stderr(&output));
        assert_same_outputs(&widest, &capped);
    }
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_foresight"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FORESIGHT_ISA", "sse9")
        .args(["validate", "scenarios/base.toml"])
        .output()
        .expect("the binary starts");
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains(
            "FORESIGHT_ISA=sse9 is not an instruction set; valid: baseline, avx2, avx512"
        ),
        "{message}"
    );
}

/// `--timings` prints every stage of the run with its seconds, the workers' stages adding up to
/// about the threads' share of the wall time, and changes no output.
#[test]
fn timings_split_the_run_into_its_stages_and_change_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (plain, timed) = (dir.path().join("plain"), dir.path().join("timed"));
    run_into(&plain, "2", &[]);
    let output = run_into(&timed, "2", &["--timings"]);
    assert_same_outputs(&plain, &timed);
    let printed = stderr(&output);
    assert!(printed.contains("time split (2 threads"), "{printed}");
    let seconds = |stage: &str| -> f64 {
        let line = printed
            .lines()
            .find(|line| line.trim_start().starts_with(stage))
            .unwrap_or_else(|| panic!("no {stage} line in\n{printed}"));
        let field = line
            .split_whitespace()
            .find_map(|word| word.parse::<f64>().ok());
        field.unwrap_or_else(|| panic!("no seconds on {line:?}"))
    };
    let stages = [
        "parameters",
        "simulate",
        "tally",
        "assimilate",
        "estimates",
        "tables",
        "charts",
        "report",
    ];
    let total: f64 = stages.iter().map(|stage| seconds(stage)).sum();
    for stage in ["simulate", "tally", "charts"] {
        assert!(seconds(stage) > 0.0, "{stage} took no time:\n{printed}");
    }
    assert_eq!(
        seconds("assimilate"),
        0.0,
        "no evidence, no assimilation:\n{printed}"
    );
    let evidence = dir.path().join("evidence");
    let extra = ["--evidence", "scenarios/evidence/2022.toml", "--timings"];
    let printed = stderr(&run_into(&evidence, "2", &extra));
    let assimilated = printed
        .lines()
        .find(|line| line.trim_start().starts_with("assimilate"))
        .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok());
    assert!(assimilated.is_some_and(|s| s > 0.0), "{printed}");
    let wall = seconds("total");
    // The workers' stages are added over two threads, so the stages add up to at most about
    // twice the wall time, and the rest (loading the scenario) is small beside them.
    assert!(
        total <= 2.0 * wall + 0.05,
        "{total} s of stages in {wall} s:\n{printed}"
    );
    assert!(
        total >= 0.3 * wall,
        "{total} s of stages in {wall} s:\n{printed}"
    );
}

#[test]
fn an_assimilated_run_reports_the_sampling_its_particles_had() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sampling = |out: &Path| common::run_record(out)["run"]["sampling"].clone();
    let evidence = ["--evidence", "scenarios/evidence/march_2022.toml"];
    let moved = dir.path().join("moved");
    run_into(&moved, "2", &evidence);
    assert_eq!(
        sampling(&moved),
        "monte_carlo",
        "resample-move starts from plain draws"
    );
    let reweighed = dir.path().join("reweighed");
    run_into(
        &reweighed,
        "2",
        &[&evidence[..], &["--resample-below", "0"]].concat(),
    );
    assert_eq!(
        sampling(&reweighed),
        "latin_hypercube",
        "reweighing keeps the design"
    );
}

#[test]
fn posture_table_has_the_fixed_columns_and_names_the_postures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("run");
    run_into(&out, "2", &["--horizon", "6"]);
    let text = fs::read_to_string(out.join("posture_probabilities.csv")).expect("the table");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("month,posture,probability,ci_low,ci_high,std_error,date")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 7 * 3, "months 0..=6, three postures");
    assert!(rows[0].starts_with("0,fence_straddling,1.0"));
    assert!(rows[0].ends_with(",2022-03") && rows[20].ends_with(",2022-09"));
    for posture in ["overt_support", "arms_length"] {
        assert!(rows
            .iter()
            .any(|row| row.starts_with(&format!("6,{posture},"))));
    }
}

#[test]
fn out_refuses_a_folder_with_files_unless_forced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("taken");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "keep me").unwrap();
    let path = out.to_str().unwrap();
    let refused = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "100",
        "--quiet",
        "--out",
        path,
    ]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert!(!out.join("posture_probabilities.csv").exists());

    // --force replaces only a folder foresight wrote: never a user's files.
    let forced = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "100",
        "--quiet",
        "--out",
        path,
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(1));
    assert!(
        stderr(&forced)
            .contains("holds files foresight did not write, which --force never replaces"),
        "{}",
        stderr(&forced)
    );
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );

    let ours = dir.path().join("ours");
    run_into(&ours, "2", &[]);
    run_into(&ours, "2", &["--force", "--seed", "9"]);
    assert!(fs::read_to_string(ours.join("run.json"))
        .unwrap()
        .contains("\"seed\": 9"));
}

#[test]
fn force_never_deletes_the_folder_that_holds_the_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios");
    fs::create_dir(&scenarios).unwrap();
    fs::copy(
        repo_path("scenarios/base.toml"),
        scenarios.join("base.toml"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("seeds")).unwrap();
    let facts = dir.path().join("seeds/facts.toml");
    fs::copy(repo_path("seeds/facts.toml"), facts).unwrap();
    let file = scenarios.join("base.toml");
    let refused = foresight(&[
        "run",
        file.to_str().unwrap(),
        "--paths",
        "100",
        "--quiet",
        "--out",
        scenarios.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("holds files foresight did not write"),
        "{}",
        stderr(&refused)
    );
    assert!(file.exists(), "the scenario is still there");
}

#[test]
fn force_keeps_files_added_to_a_run_and_never_writes_through_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = dir.path().join("ours");
    run_into(&ours, "2", &[]);
    let before = fs::read(ours.join("posture_probabilities.csv")).unwrap();
    fs::write(ours.join("notes.txt"), "keep me").unwrap();
    fs::create_dir(ours.join("drafts")).unwrap();
    fs::write(ours.join("drafts/brief.md"), "mine").unwrap();
    let added = stderr(&run_into_refused(&ours, &["--force", "--seed", "9"]));
    assert!(
        added.contains("holds files foresight did not write (drafts, notes.txt)"),
        "{added}"
    );
    assert_eq!(
        fs::read_to_string(ours.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(
        fs::read_to_string(ours.join("drafts/brief.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        fs::read(ours.join("posture_probabilities.csv")).unwrap(),
        before
    );

    // A link is refused before any work: replacing it would empty the folder it points to.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&ours, &link).unwrap();
    let linked = stderr(&run_into_refused(&link, &["--force"]));
    assert!(
        linked.contains("is a link, which foresight never writes through"),
        "{linked}"
    );
    assert_eq!(
        fs::read(ours.join("posture_probabilities.csv")).unwrap(),
        before
    );
    assert!(link.is_symlink());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Once the added files are gone, the run is foresight's own again.
    fs::remove_file(ours.join("notes.txt")).unwrap();
    fs::remove_dir_all(ours.join("drafts")).unwrap();
    run_into(&ours, "2", &["--force", "--seed", "9"]);
}

#[test]
fn fresh_runs_get_their_own_folder_and_latest_follows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_str().unwrap();
    let args = [
        "run",
        "scenarios/base.toml",
        "--paths",
        "200",
        "--quiet",
        "--outputs-root",
        root,
    ];
    succeeds(&args);
    succeeds(&args);
    let scenario = dir.path().join("base");
    let runs: Vec<PathBuf> = files_in(&scenario)
        .into_iter()
        .filter(|path| path.file_name().unwrap() != "latest")
        .collect();
    assert_eq!(runs.len(), 2, "two runs, two folders: {runs:?}");
    let latest = fs::canonicalize(scenario.join("latest")).expect("latest resolves");
    assert_eq!(latest, fs::canonicalize(&runs[1]).unwrap());
    assert!(latest.join("summary.csv").exists());
    assert!(files_in(&scenario)
        .iter()
        .all(|p| !p.to_string_lossy().contains(".partial")));
}

#[test]
fn a_bad_file_fails_with_its_location_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_str().unwrap();
    let output = foresight(&["run", "tests/bad/row_sum.toml", "--outputs-root", root]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("tests/bad/row_sum.toml:"), "{message}");
    assert!(message.contains("transitions"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn a_bad_set_names_the_option() {
    let output = foresight(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        "no_such_parameter=1",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("--set no_such_parameter=1"),
        "{}",
        stderr(&output)
    );
    // A --set that breaks a field the file wrote is named beside the file's line.
    let set = "drivers.war.transitions.frustrated.frustrated=0.5";
    let output = foresight(&[
        "validate",
        "scenarios/what_if/settlement.toml",
        "--set",
        set,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!(
            "the row sums to 0.78 (as changed by command line `--set {set}`)"
        )),
        "{}",
        stderr(&output)
    );
    // A misspelt entry in a dotted path is refused, not added as a new posture or parameter.
    for (set, names) in [
        (
            "postures.overt_suport.utility=2",
            "one of its postures: fence_straddling, overt_support, arms_length",
        ),
        (
            "parameters.xi_risk_apetite.value=0.9",
            "one of its parameters: xi_risk_appetite,",
        ),
    ] {
        let output = foresight(&["run", "scenarios/base.toml", "--set", set]);
        assert_eq!(output.status.code(), Some(1), "{set}");
        let message = stderr(&output);
        let (collection, rest) = set.split_once('.').unwrap();
        let entry = rest.split('.').next().unwrap();
        assert!(
            message.contains(&format!("`--set {set}`: field `")),
            "{message}"
        );
        assert!(
            message.contains(&format!("the scenario has no `{collection}.{entry}`")),
            "{message}"
        );
        assert!(message.contains(names), "{message}");
    }
}

#[test]
fn every_bundled_scenario_validates() {
    let mut files = Vec::new();
    for folder in ["scenarios", "scenarios/what_if"] {
        for entry in fs::read_dir(repo_path(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let output = succeeds(&["validate", file.to_str().unwrap()]);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains(": valid"),
            "{file:?}"
        );
    }
}

#[test]
fn a_missing_file_is_one_clear_message() {
    let output = foresight(&["run", "scenarios/nope.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("scenarios/nope.toml"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
}

#[test]
fn the_readme_example_is_a_valid_scenario_that_runs() {
    let readme = fs::read_to_string(repo_path("README.md")).expect("the README");
    let example = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.lines().any(|line| line.trim() == "[scenario]"))
        .expect("the README has an annotated scenario example");
    let facts = repo_path("seeds/facts.toml");
    let example = example.replace(
        "\"../seeds/facts.toml\"",
        &format!("{:?}", facts.display().to_string()),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("example.toml");
    fs::write(&file, example).unwrap();
    let out = dir.path().join("run");
    succeeds(&[
        "run",
        file.to_str().unwrap(),
        "--paths",
        "2000",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(out.join("posture_probabilities.png").exists());
}

#[test]
fn commands_that_simulate_nothing_refuse_the_work_options() {
    for command in ["diff", "merge"] {
        for option in ["--threads", "--allow-large"] {
            let mut args = vec![command, "a", "b", option];
            if option == "--threads" {
                args.push("2");
            }
            let output = foresight(&args);
            assert!(!output.status.success(), "{command} {option} was accepted");
            let message = stderr(&output);
            assert!(
                message.contains(&format!("unexpected argument '{option}'")),
                "{command} {option}: {message}"
            );
        }
    }
    let help = String::from_utf8_lossy(&succeeds(&["run", "--help"]).stdout).into_owned();
    assert!(help.contains("--threads") && help.contains("--allow-large"));
}

#[test]
fn a_log_uniform_parameter_loads_runs_and_is_described() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let set = "parameters.harm_aversion.dist={ log_uniform = { min = 0.3, max = 1.2 } }";
    run_into(&out, "2", &["--set", set]);
    let record = fs::read_to_string(out.join("run.json")).unwrap();
    assert!(record.contains("log-uniform(0.3, 1.2)"), "{record}");
    let refused = foresight(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        &set.replace("0.3", "0"),
    ]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("parameters.harm_aversion.dist.log_uniform.min")
            && message.contains("valid: a finite number above 0"),
        "{message}"
    );
}

#[test]
fn sampling_is_a_model_option_recorded_with_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_into(&out, "2", &["--seed", "5", "--sampling", "monte_carlo"]);
    let record: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["run"]["sampling"], "monte_carlo");
    let overrides: Vec<&str> = record["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(
        overrides,
        ["--paths 10000", "--seed 5", "--sampling monte_carlo"]
    );
    // A --set the command line cannot read is a usage error, as a bad --sampling is.
    for set in ["xi_risk_appetite", "run.seed=1\nbogus=3"] {
        let refused = foresight(&["run", "scenarios/base.toml", "--set", set]);
        assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
        assert!(stderr(&refused).contains("for '--set <NAME=VALUE>'"));
    }
    let refused = foresight(&["run", "scenarios/base.toml", "--sampling", "sobol"]);
    assert_eq!(refused.status.code(), Some(2), "a usage error");
    assert!(stderr(&refused).contains("[possible values: latin_hypercube, monte_carlo]"));
}

#[test]
fn eight_runs_started_together_land_in_eight_folders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_str().unwrap().to_string();
    let children: Vec<_> = (0..8)
        .map(|k| {
            std::process::Command::new(env!("CARGO_BIN_EXE_foresight"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["run", "scenarios/base.toml", "--paths", "4000", "--quiet"])
                .args(["--no-report", "--threads", "1", "--outputs-root", &root])
                .args(["--set", &format!("xi_risk_appetite=0.{}", k + 1)])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the binary starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("a run ends");
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let scenario = dir.path().join("base");
    let entries: Vec<String> = fs::read_dir(&scenario)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let runs: Vec<&String> = entries.iter().filter(|name| *name != "latest").collect();
    assert_eq!(runs.len(), 8, "eight runs, eight folders: {entries:?}");
    let mut settings: Vec<String> = runs
        .iter()
        .map(|run| {
            let record = fs::read_to_string(scenario.join(run).join("run.json")).unwrap();
            assert!(!run.starts_with('.'), "a staging folder was left: {run}");
            record
                .lines()
                .find(|line| line.contains("--set xi_risk_appetite"))
                .expect("the run's own --set")
                .trim()
                .to_string()
        })
        .collect();
    settings.sort();
    settings.dedup();
    assert_eq!(settings.len(), 8, "each folder holds a different run");
    let latest = fs::canonicalize(scenario.join("latest")).expect("latest resolves");
    assert!(
        latest.join("summary.csv").exists(),
        "latest is a complete run"
    );
}

#[test]
fn a_second_run_into_the_same_out_is_refused_before_it_simulates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("shared");
    let lock = dir.path().join(".shared.lock");
    // This test's own process holds the lock, as a run still writing would.
    fs::write(&lock, std::process::id().to_string()).unwrap();
    let held = fs::File::open(&lock).unwrap();
    held.lock().unwrap();
    let args = ["run", "scenarios/base.toml", "--paths", "2000", "--quiet"];
    let refused = foresight(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains(&format!(
            "another foresight run (process {})",
            std::process::id()
        )),
        "{message}"
    );
    assert!(!out.exists(), "nothing was written");
    // A lock nobody holds is taken over, even where the process it names is running (a dead
    // run's id that another process has since been given).
    drop(held);
    succeeds(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert!(out.join("summary.csv").exists());
    assert!(!lock.exists(), "the lock is released");
}

#[test]
fn exit_status_is_0_for_work_2_for_usage_and_1_for_other_errors() {
    let validate = foresight(&["validate", "scenarios/base.toml"]);
    assert_eq!(validate.status.code(), Some(0));
    for usage in [
        &["run"][..],
        &["run", "scenarios/base.toml", "--no-such-option"],
        &["run", "scenarios/base.toml", "--paths", "many"],
        &["frobnicate"],
    ] {
        assert_eq!(foresight(usage).status.code(), Some(2), "{usage:?}");
    }
    for failure in [
        &["run", "no/such/file.toml"][..],
        &["validate", "tests/bad/row_sum.toml"],
        &["run", "scenarios/base.toml", "--precision", "0.9"],
    ] {
        assert_eq!(foresight(failure).status.code(), Some(1), "{failure:?}");
    }
    let help = String::from_utf8_lossy(&succeeds(&["--help"]).stdout).into_owned();
    assert!(help.contains("Exit status: 0 when the command did its work; 2 for a command line"));
}

#[test]
fn a_fixed_value_outside_the_parameters_support_is_refused_naming_it() {
    let refused = foresight(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        "xi_risk_appetite=1.5",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        stderr(&refused),
        "error: command line `--set xi_risk_appetite=1.5`: field \
         `parameters.xi_risk_appetite.value`: 1.5 lies outside what xi_risk_appetite's \
         distribution, beta(2, 5) on [0, 1], can draw\n    valid: a value in its support: [0, 1]\n"
    );
    let refused = foresight(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        "partnership_weight=0",
    ]);
    assert!(stderr(&refused).contains("valid: a value in its support: above 0"));
    let sweep = [
        "sweep",
        "scenarios/base.toml",
        "--vary",
        "xi_risk_appetite=-5:5:3",
    ];
    let refused = foresight(&sweep);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("error: --vary xi_risk_appetite: -5 lies outside"),
        "{}",
        stderr(&refused)
    );
    // The ends of the support are values it can draw.
    succeeds(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        "xi_risk_appetite=1",
    ]);
}

#[test]
fn constants_a_process_or_event_cannot_use_are_refused_by_field() {
    let cases = [
        (
            "drivers.civilian_harm.shock_sd=-0.1",
            "a shock sd of -0.1",
            "0 or more",
        ),
        (
            "drivers.civilian_harm.initial=5",
            "an initial value of 5, outside the series' range",
            "a value from 0 to 1, the series' min and max",
        ),
        (
            "drivers.civilian_harm.reversion=2.5",
            "a reversion of 2.5",
            "a share of the gap to the target closed each month, from 0 to 1",
        ),
        (
            "drivers.early_secondary_package.onset={ hazard = 1.5 }",
            "a probability of 1.5",
            "a number from 0 to 1",
        ),
    ];
    for (set, message, valid) in cases {
        let refused = foresight(&["validate", "scenarios/base.toml", "--set", set]);
        assert_eq!(refused.status.code(), Some(1), "{set}");
        let field = set
            .split('=')
            .next()
            .unwrap()
            .replace("onset", "onset.hazard");
        let expected = format!(
            "error: command line `--set {set}`: field `{field}`: {message}\n    valid: {valid}\n"
        );
        assert_eq!(stderr(&refused), expected, "{set}");
    }
}

#[test]
fn expressions_that_could_overflow_are_refused_by_field() {
    let cases = [
        (
            "postures.overt_support.utility={ constant = 1e308, xi_risk_appetite = 1e308 }",
            "infinity",
        ),
        (
            "drivers.civilian_harm.target={ constant = 0.1, \"xi_risk_appetite*month\" = 1e99 }",
            "3.6e100",
        ),
    ];
    for (set, size) in cases {
        let refused = foresight(&["validate", "scenarios/base.toml", "--set", set]);
        assert_eq!(refused.status.code(), Some(1), "{set}");
        let field = set.split('=').next().unwrap();
        let expected = format!(
            "error: command line `--set {set}`: field `{field}`: this expression can reach \
             {size} in size (its coefficients times the largest values its names can take), past \
             what a run computes safely\n    valid: coefficients and ranges that keep it within \
             1e100 (a normal parameter counts as its mean ± 10 sd)\n"
        );
        assert_eq!(stderr(&refused), expected, "{set}");
    }
    // Within the bound, the same shape of expression loads.
    let within =
        "drivers.civilian_harm.target={ constant = 0.1, \"xi_risk_appetite*month\" = 1e98 }";
    succeeds(&["validate", "scenarios/base.toml", "--set", within]);
}

#[test]
fn long_text_is_refused_by_field_and_the_message_stays_short() {
    let title = format!("scenario.title=\"{}\"", "x".repeat(2001));
    let refused = foresight(&["validate", "scenarios/base.toml", "--set", &title]);
    assert_eq!(refused.status.code(), Some(1));
    let expected = format!(
        "error: command line `--set {}...`: field `scenario.title`: the text is 2001 characters \
         long\n    valid: at most 2000 characters\n",
        &title[..94]
    );
    assert_eq!(stderr(&refused), expected);
    let within = format!("scenario.title=\"{}\"", "x".repeat(2000));
    succeeds(&["validate", "scenarios/base.toml", "--set", &within]);
}

#[test]
fn problems_are_blamed_where_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = repo_path("scenarios/base.toml");
    // A child's bad bound: its own line and the bound it wrote, not the parent's `max`.
    let child = dir.path().join("child.toml");
    let text = format!(
        "extends = {:?}\n\n[scenario]\nname = \"child\"\n\n[drivers.civilian_harm]\nmin = -inf\n",
        base.to_str().unwrap()
    );
    fs::write(&child, text).unwrap();
    let refused = foresight(&["validate", child.to_str().unwrap()]);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: {}:7:1: field `drivers.civilian_harm.min`: min is -inf\n    valid: numbers \
             within ±1e100 with min < max\n",
            child.display()
        )
    );
    // A `--set` that makes a table no file has is the command line's.
    let refused = foresight(&["validate", "scenarios/base.toml", "--set", "nosuch.field=1"]);
    assert!(
        stderr(&refused).starts_with(
            "error: command line `--set nosuch.field=1`: field `nosuch`: unknown field `nosuch`"
        ),
        "{}",
        stderr(&refused)
    );
    // A batch's `set` is the batch file's, at its line.
    let batch = dir.path().join("b.batch.toml");
    let text = format!(
        "[batch]\nname = \"b\"\ntitle = \"b\"\nabout = \"b\"\n\n[run]\npaths = 1000\n\n\
         [[scenario]]\nfile = {:?}\nset = [\"xi_risk_appetite=1.5\"]\n",
        base.to_str().unwrap()
    );
    fs::write(&batch, text).unwrap();
    let refused = foresight(&["validate", batch.to_str().unwrap()]);
    assert!(
        stderr(&refused).starts_with(&format!(
            "error: {}:11:8: field `parameters.xi_risk_appetite.value`: 1.5 lies outside",
            batch.display()
        )),
        "{}",
        stderr(&refused)
    );
    // `extends` naming a folder (or nothing) is the child's problem, at its line.
    let folder_child = dir.path().join("folder_child.toml");
    fs::write(&folder_child, "extends = \"\"\n").unwrap();
    let refused = foresight(&["validate", folder_child.to_str().unwrap()]);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: {}:1:1: field `extends`: `extends = \"\"` names a folder, not a scenario \
             file\n    valid: a path, relative to this file, to a scenario that does not extend \
             this one\n",
            folder_child.display()
        )
    );
    // A refused distribution of a correlated parameter is one problem, not two.
    let refused = foresight(&[
        "validate",
        "tests/bad/valid_correlated.toml",
        "--set",
        "parameters.appetite.dist={ beta = { alpha = -2.0, beta = 5.0 } }",
    ]);
    assert!(
        !stderr(&refused).contains("problems") && stderr(&refused).contains("alpha is -2"),
        "{}",
        stderr(&refused)
    );
    // A bare value where a one-key table belongs says what to write.
    let refused = foresight(&[
        "validate",
        "scenarios/base.toml",
        "--set",
        "parameters.xi_risk_appetite.dist=5",
    ]);
    assert!(
        stderr(&refused).contains(
            "this must be a table that names one kind\n    valid: a one-key table, such as \
             dist.beta = { alpha = 2.0, beta = 5.0 }"
        ),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn messages_point_at_the_right_place_and_say_what_to_do() {
    let batch = foresight(&["run", "scenarios/looking_glass.batch.toml"]);
    assert_eq!(batch.status.code(), Some(1));
    assert!(
        stderr(&batch).contains(
            "field `batch`: this is a batch file, not a scenario\n    valid: `foresight batch FILE` \
             runs a batch file"
        ),
        "{}",
        stderr(&batch)
    );
    let negative = foresight(&["run", "scenarios/base.toml", "--paths", "-5"]);
    assert_eq!(negative.status.code(), Some(2));
    assert!(stderr(&negative).contains("invalid value '-5' for '--paths <PATHS>'"));
    assert!(
        !stderr(&negative).contains("-- -5"),
        "no advice that fails too"
    );
    let two = "parameters.harm_aversion.dist={ uniform = { min = 0.3, max = 1.2 }, beta = { alpha = 2, beta = 2 } }";
    let refused = foresight(&["validate", "scenarios/base.toml", "--set", two]);
    assert!(stderr(&refused).contains("`dist` names more than one distribution"));
    let long_name = format!("scenario.name={}", "a".repeat(300));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let refused = foresight(&[
        "run",
        "scenarios/base.toml",
        "--set",
        &long_name,
        "--outputs-root",
        root,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("a name of 300 characters, too long to name a folder"));
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no folder is left"
    );
}

#[test]
fn watch_out_follows_runs_rule_and_keeps_a_users_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mine = dir.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("precious.txt"), "keep").unwrap();
    let out = mine.to_str().unwrap();
    let refused = foresight(&[
        "watch",
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--out",
        out,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("the output folder"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        fs::read_to_string(mine.join("precious.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn a_run_that_fails_leaves_no_empty_output_folders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("outputs");
    let root = root.to_str().unwrap();
    let args = [
        "run",
        "scenarios/base.toml",
        "--paths",
        "100",
        "--sensitivity",
    ];
    let refused = foresight(&[&args[..], &["--swing-paths", "0", "--outputs-root", root]].concat());
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--swing-paths 0 leaves nothing to swing"));
    // More swing paths than the run has would be a study of fewer paths than it says.
    let refused =
        foresight(&[&args[..], &["--swing-paths", "500", "--outputs-root", root]].concat());
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("--swing-paths 500 is more than the run's 100 paths"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was left behind"
    );
}

/// A reader that leaves early (`foresight run ... | head -1`) costs the run nothing: the
/// outputs are written, the summary is dropped, and the exit is a success, not a panic.
#[test]
fn a_closed_standard_output_is_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_foresight"))
        .args([
            "run",
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--no-report",
        ])
        .args(["--out", out.to_str().unwrap()])
        .current_dir(repo_path("."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reading end closes before the run can print anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert!(out.join("posture_probabilities.csv").is_file());
}

/// Options that contradict each other, or that a command would quietly ignore, are refused
/// before any path runs, with both options named; nothing is written.
#[test]
fn contradicting_options_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let evidence = "scenarios/evidence/2022.toml";
    let outcomes = "scenarios/outcomes/2022.csv";
    let cases: [(&[&str], &str); 7] = [
        (
            &["run", "scenarios/base.toml", "--set", "run.paths=abc", "--paths", "1000"],
            "`--set run.paths=abc` and `--paths 1000` both set run.paths",
        ),
        (
            &["run", "scenarios/base.toml", "--set", "run.seed=4", "--set", "run.seed=5"],
            "`--set run.seed=4` and `--set run.seed=5` both set run.seed",
        ),
        (
            &[
                "sweep",
                "scenarios/base.toml",
                "--vary",
                "xi_risk_appetite=0.1:0.5:3",
                "--set",
                "xi_risk_appetite=0.3",
            ],
            "--vary xi_risk_appetite and --set xi_risk_appetite=0.3 both set xi_risk_appetite",
        ),
        (
            &[
                "run",
                "scenarios/base.toml",
                "--evidence",
                evidence,
                "--shard",
                "1/2",
                "--resample-below",
                "0.7",
            ],
            "`--resample-below 0.7` asks for resample-move, but a shard (--shard 1/2) only reweighs",
        ),
        (
            &[
                "run",
                "scenarios/base.toml",
                "--evidence",
                evidence,
                "--shard",
                "2/2",
                "--move-steps",
                "3",
            ],
            "`--move-steps 3` asks for resample-move, but a shard (--shard 2/2) only reweighs",
        ),
        (
            &["signposts", "scenarios/base.toml", "--watch", "2022-05,2"],
            "--watch 2022-05 and --watch 2 name the same month",
        ),
        (
            &["score", "scenarios/base.toml", "--outcomes", outcomes],
            "scenarios/base.toml is not a folder",
        ),
    ];
    for (args, expected) in cases {
        let refused = foresight(&[args, &["--out", out.to_str().unwrap()]].concat());
        let message = stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

/// A shard asked for its time split prints it, as a whole run does.
#[test]
fn a_shard_prints_its_time_split() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shards");
    let shard = succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "20000",
        "--shard",
        "1/2",
        "--timings",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let split = stderr(&shard);
    for stage in ["parameters *", "simulate   *", "tally      *", "total"] {
        assert!(split.contains(stage), "{split}");
    }
    assert!(out.join("shard-0001-of-0002.json").is_file());
}

/// A folder that --force would not replace is refused as such at once, not with advice to
/// add --force that the next attempt then refuses.
#[test]
fn a_folder_force_cannot_replace_is_not_offered_to_force() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mine");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("notes.txt"), "an analyst's own file").unwrap();
    let args = ["run", "scenarios/base.toml", "--paths", "2000", "--quiet"];
    for force in [&[][..], &["--force"]] {
        let out = ["--out", folder.to_str().unwrap()];
        let refused = foresight(&[&args[..], &out, force].concat());
        let message = stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{message}");
        assert!(
            message.contains("which --force never replaces"),
            "{message}"
        );
        assert!(!message.contains("--force to replace"), "{message}");
    }
    assert_eq!(
        fs::read_dir(&folder).unwrap().count(),
        1,
        "nothing was added"
    );
}
