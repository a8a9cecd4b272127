//! Weighted runs: `--given` against closed forms, `--evidence` against the unweighted and the
//! conditioned runs it must reproduce, byte-reproducibility, and bad evidence files.

mod common;

use std::fs;
use std::path::Path;

use common::{foresight, load_text, repo_path, two_state_model};
use foresight::runner::{self, Progress, RunOptions};
use foresight::stats::Estimates;
use foresight::weighting::{Condition, Evidence, PathWeighting};

const OPTIONS: RunOptions = RunOptions {
    threads: 2,
    progress: Progress::Off,
};

fn regime_b(estimates: &Estimates, month: usize) -> foresight::stats::Estimate {
    estimates
        .regime
        .iter()
        .find(|(m, _, state, _)| *m == month && *state == 1)
        .map(|(_, _, _, estimate)| *estimate)
        .expect("state b is reported")
}

#[test]
fn conditioning_on_a_chain_state_gives_the_closed_form_conditional() {
    let (p_ab, p_ba, paths) = (0.1, 0.3, 60_000u64);
    let model = load_text(&two_state_model(p_ab, p_ba, 12, paths as usize), &[]);
    let condition = Condition::parse("chain=b@1", &model).expect("a valid condition");
    let outcome =
        runner::run_weighted(&model, &PathWeighting::Given(condition), OPTIONS).expect("run");
    let kept = outcome.tally.weight as f64 / foresight::stats::tally::WEIGHT_ONE as f64;
    let share_se = (p_ab * (1.0 - p_ab) / paths as f64).sqrt();
    assert!(
        (kept / paths as f64 - p_ab).abs() < 4.0 * share_se,
        "kept {kept}"
    );

    let estimates = Estimates::from_tally(&model, &outcome.tally);
    assert_eq!(
        regime_b(&estimates, 1).probability,
        1.0,
        "every kept path is in b at month 1"
    );
    let stationary_b = p_ab / (p_ab + p_ba);
    for month in 2..=12 {
        // From b at month 1: P(b at t) = pi_b + (1 - pi_b) (1 - p_ab - p_ba)^(t - 1).
        let truth = stationary_b + (1.0 - stationary_b) * (1.0 - p_ab - p_ba).powi(month - 1);
        let seen = regime_b(&estimates, month as usize);
        let se = (truth * (1.0 - truth) / kept).sqrt();
        assert!(
            (seen.probability - truth).abs() < 4.0 * se,
            "month {month}: {:.4} vs {truth:.4}",
            seen.probability
        );
    }
}

#[test]
fn any_and_every_month_clauses_differ_as_they_should() {
    let model = load_text(&two_state_model(0.1, 0.3, 12, 20_000), &[]);
    let share = |text: &str| {
        let condition = Condition::parse(text, &model).expect("valid");
        let outcome =
            runner::run_weighted(&model, &PathWeighting::Given(condition), OPTIONS).expect("run");
        outcome.tally.weight as f64 / (outcome.tally.paths as f64 * 4_294_967_296.0)
    };
    let every = share("chain=b@1..3");
    let any = share("chain=b@any 1..3");
    // Every month: 0.1 * 0.7 * 0.7; some month: 1 - P(a throughout) = 1 - 0.9^3.
    assert!((every - 0.049).abs() < 0.01, "{every}");
    assert!((any - (1.0 - 0.9f64.powi(3))).abs() < 0.015, "{any}");
    assert!(share("chain=b@1..3 and chain=a@1") == 0.0);
}

fn run_base(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "scenarios/base.toml",
        "--paths",
        "8000",
        "--quiet",
        "--out",
    ];
    args.push(out.to_str().expect("UTF-8 path"));
    args.extend(extra);
    let output = foresight(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_evidence(dir: &Path, observation: &str) -> String {
    let file = dir.join("evidence.toml");
    let text = format!("[evidence]\ntitle = \"test\"\n\n[[observation]]\n{observation}");
    fs::write(&file, text).expect("write the evidence");
    file.to_str().expect("UTF-8 path").to_string()
}

fn table(folder: &Path) -> Vec<u8> {
    fs::read(folder.join("posture_probabilities.csv")).expect("the table")
}

#[test]
fn an_uninformative_observation_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = write_evidence(
        dir.path(),
        "name = \"noise\"\nmonth = 3\nlikelihood = [{ when = \"posture=overt_support\", is = 0.4 }]\notherwise = 0.4\n",
    );
    run_base(&dir.path().join("plain"), &[]);
    // The horizon held at the scenario's: later evidence would otherwise extend it.
    let reweigh = [
        "--evidence",
        &evidence,
        "--resample-below",
        "0",
        "--horizon",
        "36",
    ];
    run_base(&dir.path().join("weighted"), &reweigh);
    assert!(table(&dir.path().join("plain")) == table(&dir.path().join("weighted")));
    // Assimilated, the same observation leaves every path at its prior weight, unresampled.
    run_base(&dir.path().join("assimilated"), &["--evidence", &evidence]);
    for run in ["weighted", "assimilated"] {
        let updated = fs::read_to_string(dir.path().join(run).join("evidence_postures.csv"));
        assert!(updated
            .unwrap()
            .lines()
            .skip(1)
            .all(|line| line.contains(",0.000000,8000.0,8000.0")));
    }
    let story = fs::read_to_string(dir.path().join("assimilated/evidence.csv")).unwrap();
    assert!(story.lines().nth(1).unwrap().contains(",no,"), "{story}");
}

#[test]
fn weights_below_the_fixed_point_step_still_count_as_they_should() {
    let dir = tempfile::tempdir().unwrap();
    // The same likelihood on every path, a quarter of the fixed-point step (2^-34) of the most
    // the observation allows: rounded to the nearest, every path would weigh nothing.
    let evidence = write_evidence(
        dir.path(),
        "name = \"flat\"\nmonth = 3\nlikelihood = [{ when = \"trade_usd_bn>-1\", is = 5.820766091346741e-11 }]\notherwise = 1\n",
    );
    let (plain, weighted) = (dir.path().join("plain"), dir.path().join("weighted"));
    run_base(&plain, &[]);
    let reweigh = [
        "--evidence",
        &evidence,
        "--resample-below",
        "0",
        "--horizon",
        "36",
    ];
    run_base(&weighted, &reweigh);
    // A quarter of the 8,000 paths keep one step each: an unweighted subsample.
    let effective = common::run_record(&weighted)["effective_paths"]
        .as_f64()
        .unwrap();
    let sd = (8000.0f64 * 0.25 * 0.75).sqrt();
    assert!(
        (effective - 2000.0).abs() < 4.0 * sd,
        "{effective} effective paths"
    );
    let rows = |folder: &Path| -> Vec<Vec<String>> {
        let text = String::from_utf8(table(folder)).unwrap();
        let rows = text.lines().skip(1);
        rows.map(|line| line.split(',').map(String::from).collect())
            .collect()
    };
    let number = |row: &[String], column: usize| row[column].parse::<f64>().unwrap();
    for (all, kept) in rows(&plain).iter().zip(rows(&weighted)) {
        // The subsample's standard error bounds its distance from the whole sample.
        let (p, q, se) = (number(all, 2), number(&kept, 2), number(&kept, 5));
        assert!((p - q).abs() <= 4.0 * se + 1e-9, "{all:?} against {kept:?}");
    }
}

#[test]
fn a_growth_over_a_base_of_zero_is_a_path_that_cannot_show_it() {
    let dir = tempfile::tempdir().unwrap();
    // Weapons transfers are zero on most paths in the spring of 2022: most have no growth.
    let evidence = write_evidence(
        dir.path(),
        "name = \"weapons_growth\"\ndate = \"2022-06\"\nmeasured = { series = \
         \"weapons_transfers_usd_bn\", aggregate = \"growth\", window = \"2022-05..2022-06\", \
         base = \"2022-03..2022-04\", error = \"at_most\", value = 0.2, sd = 0.1 }\n",
    );
    let out = dir.path().join("assimilated");
    run_base(&out, &["--evidence", &evidence]);
    let story = fs::read_to_string(out.join("evidence.csv")).unwrap();
    let row = story.lines().nth(1).unwrap();
    assert!(
        !row.contains("NaN") && !row.contains("inf"),
        "every figure of the step is a number: {story}"
    );
    let reweighed = dir.path().join("reweighed");
    run_base(
        &reweighed,
        &["--evidence", &evidence, "--resample-below", "0"],
    );
    let record = common::run_record(&reweighed);
    let kept = record["weighting"]["kept_share"].as_f64().unwrap();
    assert!(kept > 0.0 && kept < 1.0, "{kept}");
}

#[test]
fn a_decisive_observation_matches_the_conditional_run() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = write_evidence(
        dir.path(),
        "name = \"peace\"\nmonth = 6\nlikelihood = [{ when = \"war=settlement\", is = 1.0 }]\notherwise = 0.0\n",
    );
    run_base(&dir.path().join("given"), &["--given", "war=settlement@6"]);
    let reweigh = [
        "--evidence",
        &evidence,
        "--resample-below",
        "0",
        "--horizon",
        "36",
    ];
    run_base(&dir.path().join("evidence"), &reweigh);
    assert!(table(&dir.path().join("given")) == table(&dir.path().join("evidence")));
    // Resampled and moved, the same worlds are kept: the same probabilities within their noise.
    run_base(
        &dir.path().join("moved"),
        &["--evidence", &evidence, "--horizon", "36"],
    );
    let at_horizon = |run: &str| -> Vec<(f64, f64, f64)> {
        let text = fs::read_to_string(dir.path().join(run).join("posture_probabilities.csv"));
        text.unwrap()
            .lines()
            .filter(|line| line.starts_with("24,"))
            .map(|line| {
                let cells: Vec<f64> = line.split(',').filter_map(|c| c.parse().ok()).collect();
                (cells[1], cells[2], cells[3])
            })
            .collect()
    };
    for (given, moved) in at_horizon("given").iter().zip(at_horizon("moved")) {
        // Two independent estimates: their 95% half-widths add in quadrature.
        let half_width = |(_, low, high): (f64, f64, f64)| (high - low) / 2.0;
        let allowed = 1.5 * half_width(*given).hypot(half_width(moved));
        assert!(
            (given.0 - moved.0).abs() < allowed,
            "{given:?} against {moved:?}"
        );
    }
}

#[test]
fn weighted_runs_are_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = "scenarios/evidence/march_2022.toml";
    for threads in ["1", "2"] {
        run_base(
            &dir.path().join(threads),
            &["--evidence", evidence, "--threads", threads],
        );
    }
    for name in [
        "posture_probabilities.csv",
        "evidence.csv",
        "evidence_postures.csv",
        "posterior_parameters.csv",
        "indicators.csv",
        "summary.csv",
    ] {
        let one = fs::read(dir.path().join("1").join(name)).unwrap();
        let two = fs::read(dir.path().join("2").join(name)).unwrap();
        assert!(one == two, "{name} differs");
    }
}

#[test]
fn the_shipped_evidence_loads_and_leaves_most_of_the_weight() {
    let model = common::load("scenarios/base.toml", &["run.paths=8000"]);
    let evidence = Evidence::load(&repo_path("scenarios/evidence/march_2022.toml"), &model)
        .unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(evidence.observations.len(), 4);
    let outcome =
        runner::run_weighted(&model, &PathWeighting::Evidence(evidence), OPTIONS).expect("run");
    let effective = outcome.tally.effective_paths();
    assert!(effective > 0.5 * 8000.0, "effective paths {effective}");
}

#[test]
fn bad_evidence_is_located_by_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::load("scenarios/base.toml", &["run.paths=100"]);
    for (observation, field, needle) in [
        (
            "name = \"x\"\nmonth = 0\nlikelihood = [{ when = \"mood=calm\", is = 0.5 }]\notherwise = 0.5\n",
            "observation[0].likelihood.0.when",
            "`mood` is not a name of the model",
        ),
        (
            "name = \"x\"\nmonth = 0\nlikelihood = [{ when = \"war=settlement\", is = 1.5 }]\notherwise = 0.5\n",
            "observation[0].likelihood.0.is",
            "a likelihood of 1.5",
        ),
        (
            "name = \"x\"\nmonth = 40\nlikelihood = []\notherwise = 0.5\n",
            "observation[0].month",
            "month 40 is not a month of the run",
        ),
        (
            "name = \"x\"\ndate = \"2022-09-45\"\nlikelihood = []\notherwise = 0.5\n",
            "observation[0].date",
            "`2022-09-45` is not a date",
        ),
        (
            "name = \"x\"\nmonth = 0\notherwise = 0.5\n",
            "observation[0].likelihood",
            "exactly one of `likelihood` and `measured`",
        ),
        (
            "name = \"x\"\nmonth = 3\nmeasured = { series = \"civilian_harm\", value = nan, sd = 0.1 }\n",
            "observation[0].measured.value",
            "the value is NaN",
        ),
        (
            "name = \"x\"\nmonth = 3\nmeasured = { series = \"civilian_harm\", value = 0.4, sd = 0 }\n",
            "observation[0].measured.sd",
            "the sd is 0",
        ),
        (
            "name = \"x\"\nmonth = 3\nmeasured = { series = \"civilian_harm\", value = 0.4, sd = 0.1 }\n\n\
             [[observation]]\nname = \"x\"\nmonth = 4\nmeasured = { series = \"civilian_harm\", \
             value = 0.5, sd = 0.1 }\n",
            "observation[1].name",
            "`x` names observation[0] too",
        ),
    ] {
        let file = write_evidence(dir.path(), observation);
        let errors = Evidence::load(Path::new(&file), &model).expect_err("a bad file");
        let report = errors.to_string();
        assert!(report.contains(&format!("{file}:")), "{report}");
        assert!(report.contains(&format!("field `{field}`")), "{report}");
        assert!(report.contains(needle), "{report}");
    }
}

#[test]
fn bad_data_windows_and_dates_are_located_by_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::load("scenarios/base.toml", &["run.paths=100"]);
    let data = |rows: &str, error: &str| {
        format!(
            "[[data]]\nname = \"trade\"\nseries = \"trade_usd_bn\"\nfile = \"data.csv\"\n\
             sd = 5.0\n{error}\n# rows:{rows}"
        )
    };
    let measured = |rest: &str| {
        format!(
            "[[observation]]\nname = \"x\"\nmeasured = {{ series = \"trade_usd_bn\", {rest} }}\n"
        )
    };
    for (body, csv, in_data_file, field, needle) in [
        (
            measured("value = 150, sd = 5, aggregate = \"mean\", window = \"2021\""),
            "",
            false,
            "observation[0].measured.window",
            "reaches outside the run",
        ),
        (
            measured("value = 150, sd = 5, aggregate = \"median\", window = \"2022\""),
            "",
            false,
            "observation[0].measured.aggregate",
            "`median` is not an aggregate",
        ),
        (
            format!(
                "{}date = \"2022-05\"\n",
                measured(
                    "value = 150, sd = 5, aggregate = \"mean\", window = \"2022-04..2022-08\""
                )
            ),
            "",
            false,
            "observation[0].measured.window",
            "reads 2022-08, a later month",
        ),
        (
            measured("value = 150, sd = 5, aggregate = \"growth\", window = \"2022-Q4\""),
            "",
            false,
            "observation[0].measured.base",
            "a growth needs its `base`",
        ),
        (
            format!("{}date = \"2022-05\"\n", measured("value = 150, sd = -1")),
            "",
            false,
            "observation[0].measured.sd",
            "the sd is -1",
        ),
        (
            data("", "").replace("trade_usd_bn", "trade_usd"),
            "date,value\n2022-05,150\n",
            false,
            "data[0].series",
            "`trade_usd` is not a measurable series",
        ),
        (
            data("", ""),
            "date,value\n2022-04,150\n2022-05,abc\n",
            true,
            "value",
            "`abc` is not a number",
        ),
        (
            data("", ""),
            "date,value\n2030-01,150\n",
            true,
            "date",
            "`2030-01` is not a month of the run",
        ),
        (
            data("", ""),
            "date,value\n2022-02-30,150\n",
            true,
            "date",
            "`2022-02-30` is not a date",
        ),
        (
            data("", ""),
            "date,value,sd\n2022-05,150,0\n",
            true,
            "sd",
            "the sd is 0",
        ),
        (
            data("", ""),
            "date,amount\n2022-05,150\n",
            true,
            "",
            "`amount` is not a column",
        ),
        (
            data("", "aggregate = \"sum\""),
            "date,value\n2022-01..2022-02,150\n",
            true,
            "date",
            "none of its months is simulated",
        ),
        (
            data("", "").replace("data.csv", "missing.csv"),
            "",
            false,
            "data[0].file",
            "cannot read",
        ),
        (
            data("", "").replace("data.csv", "."),
            "",
            false,
            "data[0].file",
            "it is a folder",
        ),
    ] {
        let file = dir.path().join("evidence.toml");
        let text = format!("[evidence]\ntitle = \"test\"\n\n{body}");
        fs::write(&file, text).unwrap();
        fs::write(dir.path().join("data.csv"), csv).unwrap();
        let errors = Evidence::load(&file, &model).expect_err("a bad file");
        let report = errors.to_string();
        let place = if in_data_file {
            format!("{}:", dir.path().join("data.csv").display())
        } else {
            format!("{}:", file.display())
        };
        assert!(report.contains(&place), "{place}: {report}");
        if !field.is_empty() {
            assert!(report.contains(&format!("field `{field}`")), "{report}");
        }
        assert!(report.contains(needle), "{needle}: {report}");
        assert!(report.contains("valid:"), "{report}");
    }
}

#[test]
fn data_files_windows_and_bounds_weigh_as_written() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("trade.csv"),
        "# monthly values, annualised\ndate,value\n2022-05,160\n2022-06-30,165\n",
    )
    .unwrap();
    let text = "[evidence]\ntitle = \"data\"\nas_of = \"2022-09\"\n\n\
        [[data]]\nname = \"trade\"\nseries = \"trade_usd_bn\"\nfile = \"trade.csv\"\n\
        error = \"relative\"\nsd = 0.05\n\n\
        [[observation]]\nname = \"listed\"\n\
        measured = { series = \"sanctioned_chinese_entities\", value = 5, error = \"at_least\", \
        aggregate = \"mean\", window = \"2022-Q3\" }\n";
    let file = dir.path().join("evidence.toml");
    fs::write(&file, text).unwrap();
    let model = common::load("scenarios/base.toml", &["run.paths=100"]);
    let evidence = Evidence::load(&file, &model).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = evidence
        .observations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["trade@2022-05", "trade@2022-06-30", "listed"]);
    let months: Vec<usize> = evidence.observations.iter().map(|o| o.month).collect();
    assert_eq!(months, [2, 3, 6]);
    assert_eq!(evidence.as_of, 6);
}

/// A figure released after the months it counts is known, and assimilated, from its release:
/// evidence as it stood before then (a backtest's) does not hold it.
#[test]
fn a_data_row_is_known_from_its_release() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "date,value,published\n2022-04..2022-06,170,2022-07-13\n2022-07..2022-09,221,\n";
    fs::write(dir.path().join("trade.csv"), csv).unwrap();
    let text = "[evidence]\ntitle = \"data\"\n\n[[data]]\nname = \"trade\"\n\
        series = \"trade_usd_bn\"\nfile = \"trade.csv\"\naggregate = \"mean\"\n\
        error = \"relative\"\nsd = 0.08\n";
    let file = dir.path().join("evidence.toml");
    fs::write(&file, text).unwrap();
    let model = common::load("scenarios/base.toml", &["run.paths=100"]);
    let evidence = Evidence::load(&file, &model).unwrap_or_else(|e| panic!("{e}"));
    let months: Vec<usize> = evidence.observations.iter().map(|o| o.month).collect();
    // Released in July (month 4); the second row, without a date, at its window's end.
    assert_eq!(months, [4, 6]);
    assert!(evidence.up_to(3).observations.is_empty());
    assert_eq!(evidence.up_to(4).observations.len(), 1);
    // A release before the last month a row counts is refused at that row.
    let early = "date,value,published\n2022-04..2022-06,170,2022-05\n";
    fs::write(dir.path().join("trade.csv"), early).unwrap();
    let report = Evidence::load(&file, &model).unwrap_err().to_string();
    let place = format!(
        "{}:2:1: field `published`",
        dir.path().join("trade.csv").display()
    );
    assert!(report.contains(&place), "{report}");
    assert!(
        report.contains("`2022-05` is not a release date for this row"),
        "{report}"
    );
    assert!(
        report.contains("a date from 2022-06 (the last month the row reads)"),
        "{report}"
    );
}

#[test]
fn a_bad_condition_names_the_option() {
    let output = foresight(&["run", "scenarios/base.toml", "--given", "war=peace@6"]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("--given war=peace@6"), "{message}");
    assert!(
        message.contains("frustrated, grinding, breakthrough, settlement"),
        "{message}"
    );
}

/// Runs the base model into `dir/name` with `extra` options and returns its posture table.
fn base_table(dir: &Path, name: &str, extra: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "3000", "--quiet"];
    args.extend(["--no-report", "--out", out.to_str().unwrap()]);
    args.extend(extra);
    common::succeeds(&args);
    table(&out)
}

#[test]
fn dates_and_month_numbers_name_the_same_months() {
    let dir = tempfile::tempdir().unwrap();
    let by_number = base_table(dir.path(), "n", &["--given", "war=grinding@any 1..6"]);
    let by_date = base_table(
        dir.path(),
        "d",
        &["--given", "war=grinding@any 2022-04..2022-09-30"],
    );
    assert_eq!(by_number, by_date, "--given with dates");
    let observation = |when: &str| {
        format!(
            "name = \"x\"\n{when}\nlikelihood = [{{ when = \"war=grinding\", is = 0.9 }}]\n\
             otherwise = 0.2\n"
        )
    };
    let numbered = dir.path().join("numbered");
    fs::create_dir(&numbered).unwrap();
    let evidence = write_evidence(&numbered, &observation("month = 5"));
    let by_number = base_table(dir.path(), "en", &["--evidence", &evidence]);
    let dated = dir.path().join("dated");
    fs::create_dir(&dated).unwrap();
    let evidence = write_evidence(&dated, &observation("date = \"2022-08-15\""));
    let by_date = base_table(dir.path(), "ed", &["--evidence", &evidence]);
    assert_eq!(by_number, by_date, "evidence dated 2022-08-15 is month 5");
    let by_number = base_table(dir.path(), "hn", &["--horizon", "12"]);
    let by_date = base_table(dir.path(), "hd", &["--horizon", "2023-03"]);
    assert_eq!(by_number, by_date, "--horizon 2023-03 is 12 months");
    // A date outside a run whose horizon is given is refused, naming the run's own dates.
    let late = write_evidence(&dated, &observation("date = \"2025-01\""));
    let never = dir.path().join("never");
    let refused = foresight(&[
        "run",
        "scenarios/base.toml",
        "--horizon",
        "24",
        "--evidence",
        &late,
        "--out",
        never.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            "field `observation[0].date`: `2025-01` is not a month of the run\n    valid: a date \
             from 2022-03 to 2024-03 (YYYY-MM or YYYY-MM-DD)"
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn given_and_evidence_combine_the_condition_keeps_and_the_evidence_weighs() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = "scenarios/evidence/march_2022.toml";
    let alone = base_table(dir.path(), "e", &["--evidence", evidence]);
    // A condition every path meets changes nothing.
    let always = "war=frustrated@0";
    let both = base_table(
        dir.path(),
        "b",
        &["--evidence", evidence, "--given", always],
    );
    assert_eq!(alone, both);
    // A condition that keeps some paths: the table differs from the evidence alone, and the
    // run says both in its evidence table's name and its report.
    let some = "war=settlement@any 1..12";
    let out = dir.path().join("s");
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "3000", "--quiet"];
    args.extend([
        "--evidence",
        evidence,
        "--given",
        some,
        "--out",
        out.to_str().unwrap(),
    ]);
    common::succeeds(&args);
    assert_ne!(table(&out), alone);
    assert!(out.join("evidence.csv").is_file());
    let report = fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(
        report.contains("given war=settlement@any 1..12"),
        "{report}"
    );
}

#[test]
fn a_when_joins_tests_with_and_or_not_and_reads_windows() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = |name: &str, cases: &str| {
        let folder = dir.path().join(format!("{name}-evidence"));
        fs::create_dir(&folder).unwrap();
        let observation =
            format!("name = \"x\"\nmonth = 6\nlikelihood = [{cases}]\notherwise = 0.0\n");
        write_evidence(&folder, &observation)
    };
    // `or` is the same as two cases with one probability.
    let joined = evidence(
        "or",
        "{ when = \"war=grinding or war=settlement\", is = 0.8 }",
    );
    let split = evidence(
        "split",
        "{ when = \"war=grinding\", is = 0.8 }, { when = \"war=settlement\", is = 0.8 }",
    );
    let by_or = base_table(dir.path(), "or", &["--evidence", &joined]);
    let by_cases = base_table(dir.path(), "split", &["--evidence", &split]);
    assert_eq!(by_or, by_cases);
    // `not` turns a test around: what it rules out, the other cases take.
    let negated = evidence(
        "not",
        "{ when = \"not war=grinding and not war=settlement\", is = 0.0 }, \
         { when = \"not posture=overt_support\", is = 0.8 }",
    );
    let by_not = base_table(dir.path(), "not", &["--evidence", &negated]);
    let direct = evidence(
        "direct",
        "{ when = \"war=grinding and posture=fence_straddling or war=grinding and \
         posture=arms_length or war=settlement and posture=fence_straddling or war=settlement \
         and posture=arms_length\", is = 0.8 }",
    );
    let by_direct = base_table(dir.path(), "direct", &["--evidence", &direct]);
    assert_eq!(by_not, by_direct);
    // A window with likelihood 1 inside and 0 outside keeps exactly the paths --given keeps.
    let window = evidence(
        "window",
        "{ when = \"war=grinding@any 1..6 and posture=fence_straddling\", is = 1.0 }",
    );
    let reweigh = [
        "--evidence",
        &window,
        "--resample-below",
        "0",
        "--horizon",
        "36",
    ];
    let by_window = base_table(dir.path(), "window", &reweigh);
    let condition = "war=grinding@any 1..6 and posture=fence_straddling@6";
    let by_given = base_table(dir.path(), "given", &["--given", condition]);
    assert_eq!(by_window, by_given);
}

#[test]
fn a_measurement_the_model_cannot_produce_is_reported_not_absorbed() {
    let dir = tempfile::tempdir().unwrap();
    let measured = |value: &str| {
        format!(
            "name = \"trade\"\ndate = \"2023-03\"\nmeasured = {{ series = \"trade_usd_bn\", \
             value = {value}, sd = 10.0 }}\n"
        )
    };
    // 450 USD bn a year, measured to within 10, is beyond the model's range but not beyond its
    // arithmetic: assimilated, the run goes on and says, by name and date, that the model cannot
    // explain it.
    let far = dir.path().join("far");
    fs::create_dir(&far).unwrap();
    let surprising = write_evidence(&far, &measured("450.0"));
    let out = dir.path().join("surprising");
    let reported = common::succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "3000",
        "--evidence",
        &surprising,
        "--out",
        out.to_str().unwrap(),
    ]);
    let printed = String::from_utf8_lossy(&reported.stdout);
    assert!(
        printed.contains("warning: `trade` (2023-03: 450) is beyond what the model produces"),
        "{printed}"
    );
    assert!(
        printed.contains("the model's 5-95% range was "),
        "{printed}"
    );
    let story = fs::read_to_string(out.join("evidence.csv")).unwrap();
    assert!(story.lines().nth(1).unwrap().contains(",yes,"), "{story}");
    let brief = fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(
        brief.contains("is beyond what the model produces"),
        "{brief}"
    );
    // 900 is past the series' bound of 500: no particle keeps any likelihood, and the run is
    // refused saying so.
    let impossible = write_evidence(dir.path(), &measured("900.0"));
    let never = dir.path().join("never");
    let refused = foresight(&[
        "run",
        "scenarios/base.toml",
        "--evidence",
        &impossible,
        "--out",
        never.to_str().unwrap(),
    ]);
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        message.contains(&format!(
            "no particle can produce `trade` (900) at 2023-03 ({impossible})"
        )),
        "{message}"
    );
    assert!(!never.exists());
    // Only reweighted, no path keeps any weight, and the run is refused saying why.
    let refused = foresight(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "3000",
        "--evidence",
        &impossible,
        "--resample-below",
        "0",
        "--out",
        never.to_str().unwrap(),
    ]);
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        message.contains(
            "`trade` (trade_usd_bn = 900 at month 12) is beyond every simulated path: the model \
             cannot explain it; the model's values that month run from"
        ),
        "{message}"
    );
    let plausible_dir = dir.path().join("plausible");
    fs::create_dir(&plausible_dir).unwrap();
    let plausible = write_evidence(&plausible_dir, &measured("150.0"));
    let out = dir.path().join("run");
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "3000", "--quiet"];
    args.extend(["--evidence", &plausible, "--out", out.to_str().unwrap()]);
    common::succeeds(&args);
    let table = fs::read_to_string(out.join("surprise.csv")).unwrap();
    let row = table.lines().nth(1).unwrap();
    assert!(
        row.starts_with("trade,12,trade_usd_bn,normal,150.0000,,,10.0000,"),
        "{row}"
    );
    assert!(
        row.ends_with(",within what the model produces,2023-03"),
        "{row}"
    );
}

#[test]
fn the_forecast_from_today_counts_from_the_latest_observation() {
    let dir = tempfile::tempdir().unwrap();
    let observation = "name = \"x\"\ndate = \"2022-09\"\nlikelihood = [{ when = \"war=grinding\", \
                       is = 0.9 }]\notherwise = 0.3\n";
    let evidence = write_evidence(dir.path(), observation);
    let out = dir.path().join("run");
    let mut args = vec!["run", "scenarios/base.toml", "--paths", "3000"];
    args.extend(["--evidence", &evidence, "--out", out.to_str().unwrap()]);
    let printed = common::succeeds(&args);
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains("from the latest evidence (Sep 2022, month 6):"),
        "{printed}"
    );
    // The horizon reaches 24 months past the evidence unless one is given.
    assert!(
        printed.contains("in 24 months (Sep 2024): Fence-straddling "),
        "{printed}"
    );
    let held = common::succeeds(&[
        "run",
        "scenarios/base.toml",
        "--paths",
        "3000",
        "--horizon",
        "24",
        "--evidence",
        &evidence,
        "--out",
        dir.path().join("held").to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&held.stdout)
            .contains("in 24 months (Sep 2024): past the horizon; --horizon 2024-09 reaches it"),
        "{printed}"
    );
    // The looks ahead are the updated table's own rows at months 12 and 18.
    let posture_rows = fs::read_to_string(out.join("posture_probabilities.csv")).unwrap();
    let ahead = fs::read_to_string(out.join("from_today.csv")).unwrap();
    let mut rows = ahead.lines().skip(1);
    for month in [12, 18, 30] {
        for posture in ["fence_straddling", "overt_support", "arms_length"] {
            let row: Vec<&str> = rows.next().unwrap().split(',').collect();
            assert_eq!((row[2], row[3]), (month.to_string().as_str(), posture));
            let expected = posture_rows
                .lines()
                .find(|line| line.starts_with(&format!("{month},{posture},")))
                .unwrap();
            assert!(
                expected.contains(&row[4..8].join(",")),
                "{row:?} vs {expected}"
            );
        }
    }
    assert_eq!(rows.next(), None);
    let brief = fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(brief.contains("From the latest evidence (Sep 2022): in 6 months (Mar 2023)"));
}

#[test]
fn a_base_window_needs_a_growth() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::load("scenarios/base.toml", &["run.paths=100"]);
    let file = write_evidence(
        dir.path(),
        "name = \"x\"\ndate = \"2022-06\"\nmeasured = { series = \"trade_usd_bn\", aggregate = \
         \"mean\", window = \"2022-05..2022-06\", base = \"2022-03..2022-04\", value = 150.0, \
         sd = 8.0 }\n",
    );
    let report = Evidence::load(Path::new(&file), &model)
        .expect_err("a base without growth")
        .to_string();
    assert!(
        report
            .contains("field `observation[0].measured.base`: a base window with aggregate `mean`"),
        "{report}"
    );
}
