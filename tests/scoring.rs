//! Scoring against known truth: the scoring rules match a well-kept implementation's values
//! (pinned from properscoring 0.1 and scoringrules 0.10.0, so no Python is needed here) and the
//! closed form for a normal forecast; outcomes drawn from the model itself give uniform PITs,
//! nominal band coverage, and better scores than a perturbed model's; bad outcomes files are
//! refused by file, line and field; a backtest never sees evidence after its as-of date; and a
//! finished run is scored again only on the scenario and evidence it was made from.

mod common;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use common::{foresight, load_text, stderr, succeeds};
use foresight::runner::{self, KeepPath, Progress, RunOptions};
use foresight::sampling::ParameterSampler;
use foresight::scoring::rules::{normal_crps, WeightedSample};

#[test]
fn sample_crps_matches_properscoring_and_the_normal_closed_form() {
    let x = [1.0, 2.0, 4.0, 7.5, 3.25];
    let w = [1.0, 2.0, 0.5, 1.5, 1.0];
    let even = WeightedSample::new(&x, &[1.0; 5]).unwrap();
    let weighted = WeightedSample::new(&x, &w).unwrap();
    // properscoring.crps_ensemble(y, x) and crps_ensemble(y, x, weights=w)
    assert!((even.crps(3.0) - 0.55).abs() < 1e-12);
    for (y, expected) in [
        (0.0, 2.3090277777777772),
        (3.0, 0.6423611111111109),
        (10.0, 5.142361111111111),
    ] {
        assert!((weighted.crps(y) - expected).abs() < 1e-12, "y = {y}");
    }
    // properscoring.crps_gaussian and scoringrules.crps_normal
    // To 1e-10: the two normal distribution functions differ in the last digits of a tail.
    let close = |got: f64, expected: f64| (got - expected).abs() < 1e-10;
    let got = normal_crps(0.5, 2.0, 1.3);
    assert!(close(got, 0.5933761806942994), "{got:.17}");
    let got = normal_crps(0.0, 1.0, -2.0);
    assert!(close(got, 1.4527918216859033), "{got:.17}");
}

/// `x` is a random walk from 0 with unit steps, so at month m it is N(0, m); the posture is
/// drawn afresh with probability `review` each month between two equally useful postures.
fn walk_model(paths: usize, seed: u64, step_sd: f64, review: f64) -> String {
    walk_model_to(6, paths, seed, step_sd, review)
}

/// [`walk_model`] over `horizon` months.
fn walk_model_to(horizon: usize, paths: usize, seed: u64, step_sd: f64, review: f64) -> String {
    format!(
        r#"
[scenario]
name = "walk"
question = "test"
start = "2022-01"
horizon_months = {horizon}

[run]
paths = {paths}
seed = {seed}

[drivers.x]
kind = "process"
min = -1000.0
max = 1000.0
initial = 0.0
drift = 0.0
shock_sd = {step_sd}

[postures.one]
utility = 0.0

[postures.two]
utility = 0.0

[choice]
initial = "one"
review_probability = {review}
inertia = 0.0
"#
    )
}

/// Outcomes drawn, and months scored: world k is scored at month k + 1, each reading once.
const TRUTHS: usize = 400;

/// Keeps x and the posture at every month from the first.
struct EveryMonth;

impl KeepPath for EveryMonth {
    fn keep(
        &self,
        _: runner::PathAt,
        t: &foresight::engine::Trajectory,
        _: &[f64],
        kept: &mut Vec<f64>,
    ) {
        for month in 1..=TRUTHS {
            kept.push(t.month(month)[0]);
            kept.push(f64::from(t.postures[month]));
        }
    }
}

/// The date of month `month` after January 2022.
fn date_of(month: usize) -> String {
    format!("{}-{:02}", 2022 + month / 12, month % 12 + 1)
}

/// Outcomes drawn from the model itself: 400 worlds of an independent run (another seed), the
/// k-th read at month k + 1 (an outcomes file holds each reading once).
fn true_outcomes(dir: &Path) -> String {
    let model = load_text(&walk_model_to(TRUTHS, TRUTHS, 99, 1.0, 0.3), &[]);
    let options = RunOptions {
        threads: 2,
        progress: Progress::Off,
    };
    let sampler = ParameterSampler::new(&model);
    let kept = runner::collect_paths(&model, &[sampler], &EveryMonth, options).unwrap();
    let mut text = String::from("date,series,value\n");
    for (world, every_month) in kept.designs[0].chunks(2 * TRUTHS).enumerate() {
        let (x, posture) = (every_month[2 * world], every_month[2 * world + 1]);
        let posture = if posture == 0.0 { "one" } else { "two" };
        let date = date_of(world + 1);
        writeln!(text, "{date},x,{x}\n{date},posture,{posture}").unwrap();
    }
    let file = dir.join("truth.csv");
    fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

/// The model rows of scores.csv after scoring `model_text` on `outcomes`.
fn scored(dir: &Path, name: &str, model_text: &str, outcomes: &str) -> Vec<Vec<String>> {
    let file = dir.join(format!("{name}.toml"));
    fs::write(&file, model_text).unwrap();
    let out = dir.join(name);
    succeeds(&[
        "run",
        file.to_str().unwrap(),
        "--outcomes",
        outcomes,
        "--quiet",
        "--no-report",
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut reader = csv::Reader::from_path(out.join("scores.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect::<Vec<String>>())
        .filter(|r| r[3] == "model")
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let all: Vec<f64> = values.collect();
    all.iter().sum::<f64>() / all.len() as f64
}

#[test]
fn outcomes_drawn_from_the_model_are_calibrated_and_scored_best_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let outcomes = true_outcomes(dir.path());
    let rows = scored(
        dir.path(),
        "true",
        &walk_model_to(TRUTHS, 20_000, 1, 1.0, 0.3),
        &outcomes,
    );
    let values: Vec<&Vec<String>> = rows.iter().filter(|r| r[0].starts_with("x@")).collect();
    assert_eq!(values.len(), TRUTHS);
    // PITs uniform: a chi-square test on ten bins at the 1% level (21.67 for 9 degrees).
    let mut bins = [0usize; 10];
    for row in &values {
        let pit: f64 = row[9].parse().unwrap();
        bins[((pit * 10.0) as usize).min(9)] += 1;
    }
    let expected = TRUTHS as f64 / 10.0;
    let chi_square: f64 = bins
        .iter()
        .map(|&n| (n as f64 - expected).powi(2) / expected)
        .sum();
    assert!(
        chi_square < 21.67,
        "PIT bins {bins:?}: chi-square {chi_square:.1}"
    );
    // Band coverage within three binomial standard errors.
    for (column, nominal) in [(14, 0.5), (15, 0.9)] {
        let inside = values.iter().filter(|r| r[column] == "true").count() as f64;
        let share = inside / TRUTHS as f64;
        let se = (nominal * (1.0 - nominal) / TRUTHS as f64).sqrt();
        assert!((share - nominal).abs() < 3.0 * se, "{nominal}: {share}");
    }
    // The CRPS of the run's own distribution against the closed form N(0, m) at month m.
    for row in values.iter().take(20) {
        let (y, crps): (f64, f64) = (row[4].parse().unwrap(), row[10].parse().unwrap());
        let sd = (row[1].parse::<f64>().unwrap()).sqrt();
        // 20,000 paths: the sample's CRPS is within about 0.5% of the sd of the exact one.
        assert!(
            (crps - normal_crps(0.0, sd, y)).abs() < 0.015 * sd,
            "y {y}, sd {sd}: {crps}"
        );
    }
    // Proper scores prefer the true model to a perturbed one, on the same outcomes.
    let wrong = scored(
        dir.path(),
        "wrong",
        &walk_model_to(TRUTHS, 20_000, 1, 1.6, 0.05),
        &outcomes,
    );
    let crps = |rows: &[Vec<String>]| {
        mean(
            rows.iter()
                .filter(|r| r[0].starts_with("x@"))
                .map(|r| r[10].parse().unwrap()),
        )
    };
    let brier = |rows: &[Vec<String>]| {
        mean(
            rows.iter()
                .filter(|r| r[0].starts_with("posture@"))
                .map(|r| r[6].parse().unwrap()),
        )
    };
    assert!(
        crps(&rows) < crps(&wrong),
        "{} vs {}",
        crps(&rows),
        crps(&wrong)
    );
    assert!(
        brier(&rows) < brier(&wrong),
        "{} vs {}",
        brier(&rows),
        brier(&wrong)
    );
}

#[test]
fn bad_outcomes_files_are_refused_by_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    for (rows, line, field, needle) in [
        (
            "2022-06,trade,150\n",
            2,
            "series",
            "`trade` is not a measurable series",
        ),
        (
            "2030-01,trade_usd_bn,150\n",
            2,
            "date",
            "`2030-01` is not a month of the run",
        ),
        (
            "2022-06,posture,fence_straddling\n2022-06,trade_usd_bn,lots\n",
            3,
            "value",
            "`lots` is not a number",
        ),
        (
            "2022-06,posture,neutral\n",
            2,
            "value",
            "`neutral` is not a posture",
        ),
        ("2022-06,war,won\n", 2, "value", "`won` is not a state"),
        (
            "2022,trade_usd_bn,150,median\n",
            2,
            "aggregate",
            "`median` is not an aggregate",
        ),
        (
            "2022-06,posture,fence_straddling\n2022-06,posture,arms_length\n",
            3,
            "",
            "`posture@2022-06` is already an outcome, on line 2",
        ),
        (
            "2022-04..2022-06,trade_usd_bn,170,mean\n2022-04..2022-06,trade_usd_bn,510,sum\n\
             2022-04..2022-06,trade_usd_bn,171,mean\n",
            4,
            "",
            "`trade_usd_bn@2022-04..2022-06` is already an outcome, on line 2",
        ),
        ("2022-06,posture\n", 2, "value", "the row has no value"),
        (
            "2022-06,posture,fence_straddling,,extra\n",
            2,
            "",
            "the row has 5 fields, the header 4",
        ),
    ] {
        let file = dir.path().join("outcomes.csv");
        fs::write(&file, format!("date,series,value,aggregate\n{rows}")).unwrap();
        let out = dir.path().join("never");
        let output = foresight(&[
            "run",
            "scenarios/base.toml",
            "--paths",
            "100",
            "--outcomes",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let message = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{message}");
        let field = if field.is_empty() {
            String::new()
        } else {
            format!("field `{field}`: ")
        };
        let place = format!("{}:{line}:1: {field}{needle}", file.display());
        assert!(message.contains(&place), "{place}\n{message}");
        assert!(message.contains("valid:"), "{message}");
        assert!(!out.exists());
    }
}

#[test]
fn a_backtest_never_sees_evidence_after_its_as_of_date() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = fs::read_to_string(common::repo_path("scenarios/evidence/2022.toml")).unwrap();
    let folder = dir.path().join("evidence");
    fs::create_dir_all(folder.join("data")).unwrap();
    fs::copy(
        common::repo_path("scenarios/evidence/data/trade_2022.csv"),
        folder.join("data/trade_2022.csv"),
    )
    .unwrap();
    let sources = common::repo_path("seeds/facts.toml");
    let shipped = shipped.replace("../../seeds/facts.toml", sources.to_str().unwrap());
    // A later observation that would move everything if it leaked: weapons pouring in.
    let leaked = format!(
        "{shipped}\n[[observation]]\nname = \"late_weapons\"\ndate = \"2022-11\"\nmeasured = {{ \
         series = \"weapons_transfers_usd_bn\", error = \"at_least\", value = 5.0, sd = 0.5 }}\n"
    );
    let run_as_of = |name: &str, text: &str, as_of: &str| {
        let file = folder.join(format!("{name}.toml"));
        fs::write(&file, text).unwrap();
        let out = dir.path().join(name);
        succeeds(&[
            "backtest",
            "scenarios/base.toml",
            "--paths",
            "3000",
            "--evidence",
            file.to_str().unwrap(),
            "--outcomes",
            "scenarios/outcomes/2022.csv",
            "--as-of",
            as_of,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        fs::read(out.join("backtest.csv")).unwrap()
    };
    let run = |name: &str, text: &str| run_as_of(name, text, "2022-06");
    let honest = run("honest", &shipped);
    assert_eq!(honest, run("leaked", &leaked));
    let table = String::from_utf8(honest).unwrap();
    assert!(table
        .lines()
        .skip(1)
        .all(|line| line.starts_with("2022-06,")));
    assert!(table.contains("trade_usd_bn@2022-07..2022-09"), "{table}");
    // The last value is the latest level the evidence had published (forecast_p50 of the
    // last_value rows). The April-June mean came out in mid-July: in June only the starting
    // level was known; in September that mean was, but not July-September's (out in October).
    let last_values = |table: &str| -> Vec<String> {
        table
            .lines()
            .filter(|line| line.contains(",last_value,"))
            .map(|line| line.split(',').nth(13).unwrap().to_string())
            .collect()
    };
    assert_eq!(last_values(&table), ["146.900000", "146.900000"], "{table}");
    let september = String::from_utf8(run_as_of("september", &shipped, "2022-09")).unwrap();
    assert_eq!(last_values(&september), ["170.000000"], "{september}");
}

#[test]
fn scoring_a_finished_run_makes_it_again_and_refuses_a_changed_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("walk.toml");
    fs::write(&scenario, walk_model(3_000, 7, 1.0, 0.3)).unwrap();
    let outcomes = dir.path().join("outcomes.csv");
    fs::write(
        &outcomes,
        "date,series,value\n2022-03,x,0.5\n2022-05,posture,two\n",
    )
    .unwrap();
    let (run, scored, direct) = (
        dir.path().join("run"),
        dir.path().join("s"),
        dir.path().join("d"),
    );
    let common = ["--paths", "3000", "--seed", "7", "--quiet", "--no-report"];
    let args = |out: &Path| {
        let mut args = vec!["run", scenario.to_str().unwrap()];
        args.extend(common);
        args.extend(["--out", out.to_str().unwrap()]);
        args.into_iter().map(String::from).collect::<Vec<String>>()
    };
    let run_args = args(&run);
    succeeds(&run_args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut direct_args = args(&direct);
    direct_args.extend(["--outcomes".into(), outcomes.to_str().unwrap().into()]);
    succeeds(&direct_args.iter().map(String::as_str).collect::<Vec<_>>());
    let score = |out: &Path| {
        foresight(&[
            "score",
            run.to_str().unwrap(),
            "--outcomes",
            outcomes.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    assert!(score(&scored).status.success());
    for file in [
        "scores.csv",
        "scores_by_lead.csv",
        "posture_probabilities.csv",
    ] {
        assert_eq!(
            fs::read(scored.join(file)).unwrap(),
            fs::read(direct.join(file)).unwrap(),
            "{file}"
        );
    }
    fs::write(&scenario, walk_model(3_000, 7, 1.5, 0.3)).unwrap();
    let refused = score(&dir.path().join("never"));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(message.contains("has changed since the run"), "{message}");
    assert!(!dir.path().join("never").exists());
}

#[test]
fn scoring_works_from_any_folder_and_refuses_evidence_changed_since_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("evidence");
    fs::create_dir_all(folder.join("data")).unwrap();
    let data = folder.join("data/trade_2022.csv");
    fs::copy(
        common::repo_path("scenarios/evidence/data/trade_2022.csv"),
        &data,
    )
    .unwrap();
    let shipped = fs::read_to_string(common::repo_path("scenarios/evidence/2022.toml")).unwrap();
    let sources = common::repo_path("seeds/facts.toml");
    let evidence = folder.join("2022.toml");
    let text = shipped.replace("../../seeds/facts.toml", sources.to_str().unwrap());
    fs::write(&evidence, text).unwrap();
    let run = dir.path().join("run");
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "2000",
        "--evidence",
        evidence.to_str().unwrap(),
        "--quiet",
        "--no-report",
        "--out",
        run.to_str().unwrap(),
    ]);
    // The run named its scenario relative to the project's root; scored from elsewhere.
    let score = |out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_foresight"))
            .current_dir(dir.path())
            .args(["score", "run", "--outcomes"])
            .arg(common::repo_path("scenarios/outcomes/2022.csv"))
            .args(["--quiet", "--out", out])
            .output()
            .unwrap()
    };
    let scored = score("scored");
    assert!(scored.status.success(), "{}", stderr(&scored));
    assert_eq!(
        fs::read(dir.path().join("scored/posture_probabilities.csv")).unwrap(),
        fs::read(run.join("posture_probabilities.csv")).unwrap()
    );
    // A data file the evidence reads changes: the paths would be weighed otherwise.
    let changed = fs::read_to_string(&data).unwrap().replace("221.7", "225.0");
    fs::write(&data, changed).unwrap();
    let refused = score("never");
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("2022.toml (or a data file it reads) has changed since the run"),
        "{message}"
    );
    assert!(!dir.path().join("never").exists());
}

#[test]
fn a_backtest_with_nothing_after_its_dates_is_refused_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let refused = foresight(&[
        "backtest",
        "scenarios/base.toml",
        "--evidence",
        "scenarios/evidence/2022.toml",
        "--outcomes",
        "scenarios/outcomes/2022.csv",
        "--as-of",
        "2022-12",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("comes after any --as-of date (the latest is 2022-12)")
            && message.contains("valid: --as-of dates before 2022-12"),
        "{message}"
    );
    assert!(!out.exists());
    // One month given twice would make and score the same forecast twice.
    let mut args = vec!["backtest", "scenarios/base.toml", "--evidence"];
    args.extend(["scenarios/evidence/2022.toml", "--outcomes"]);
    args.extend(["scenarios/outcomes/2022.csv", "--as-of", "2022-06"]);
    args.extend(["--as-of", "2022-06-15", "--out", out.to_str().unwrap()]);
    let refused = foresight(&args);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("--as-of 2022-06 and --as-of 2022-06-15 name the same month"),
        "{message}"
    );
    assert!(!out.exists());
}

/// A run that met a precision target took more paths than it asked for; scoring it makes the
/// run it was, not the smaller one its options name.
#[test]
fn scoring_a_precision_run_makes_the_paths_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let (run, scored) = (dir.path().join("run"), dir.path().join("scored"));
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "4096"];
    args.extend(["--precision", "0.01", "--quiet", "--no-report"]);
    args.extend(["--out", run.to_str().unwrap()]);
    succeeds(&args);
    let took = common::run_record(&run)["run"]["paths"].as_u64().unwrap();
    assert!(took > 4096, "the target needed more paths: {took}");
    score_shipped_outcomes(&run, &scored);
    assert_eq!(common::run_record(&scored)["run"]["paths"], took);
    let table = |folder: &Path| fs::read(folder.join("posture_probabilities.csv")).unwrap();
    assert_eq!(table(&run), table(&scored));
}

/// A run whose paths were set with `--set run.paths=N` is made again with those paths: the
/// paths scoring takes from the record replace the recorded `--set`, rather than clashing.
#[test]
fn scoring_a_run_whose_paths_were_set_by_field_makes_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let (run, scored) = (dir.path().join("run"), dir.path().join("scored"));
    succeeds(&[
        "run",
        "scenarios/base.toml",
        "--set",
        "run.paths=3000",
        "--quiet",
        "--no-report",
        "--out",
        run.to_str().unwrap(),
    ]);
    score_shipped_outcomes(&run, &scored);
    assert_eq!(common::run_record(&scored)["run"]["paths"], 3000);
    let table = |folder: &Path| fs::read(folder.join("posture_probabilities.csv")).unwrap();
    assert_eq!(table(&run), table(&scored));
}

/// Scores the run in `run` against the shipped outcomes, into `scored`.
fn score_shipped_outcomes(run: &Path, scored: &Path) {
    let outcomes = "scenarios/outcomes/2022.csv";
    let (run, scored) = (run.to_str().unwrap(), scored.to_str().unwrap());
    succeeds(&[
        "score",
        run,
        "--outcomes",
        outcomes,
        "--quiet",
        "--out",
        scored,
    ]);
}

/// A value that happened beyond its series' bounds (here a unit slip: trade in USD mn, and a
/// negative share) is scored but warned of, by series, value and months; the shipped outcomes,
/// all within their bounds, draw no warning.
#[test]
fn outcomes_no_path_can_reach_are_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let outcomes = dir.path().join("outcomes.csv");
    fs::write(
        &outcomes,
        "date,series,value,aggregate\n2022-04..2022-06,trade_usd_bn,170000,mean\n\
         2022-06,rmb_settlement_share_pct,-3\n2022-07,rmb_settlement_share_pct,20\n",
    )
    .unwrap();
    let run = |outcomes: &str, out: &str| {
        let out = dir.path().join(out);
        let args = [
            "run",
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--no-report",
        ];
        let output = succeeds(
            &[
                &args[..],
                &["--outcomes", outcomes, "--out", out.to_str().unwrap()],
            ]
            .concat(),
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let said = run(outcomes.to_str().unwrap(), "slipped");
    let warnings: Vec<&str> = said
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "{said}");
    assert!(
        warnings[0].contains("trade_usd_bn of 170000 in Apr 2022 to Jun 2022")
            && warnings[0].contains("above its maximum of 500: no path can reach it"),
        "{said}"
    );
    assert!(
        warnings[1].contains("rmb_settlement_share_pct of -3 in Jun 2022")
            && warnings[1].contains("below its minimum of 0"),
        "{said}"
    );
    let shipped = run("scenarios/outcomes/2022.csv", "shipped");
    assert!(!shipped.contains("warning:"), "{shipped}");
}
