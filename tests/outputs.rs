//! Every output format of a run, read back as a user's script or slide deck would read it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One small run of the base model, shared by the tests of this file.
fn run_folder() -> &'static Path {
    static FOLDER: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, folder) = FOLDER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("run");
        let status = Command::new(env!("CARGO_BIN_EXE_foresight"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "run",
                "scenarios/base.toml",
                "--paths",
                "4000",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .status()
            .expect("the binary starts");
        assert!(status.success());
        (dir, out)
    });
    folder
}

fn read(name: &str) -> String {
    fs::read_to_string(run_folder().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn csv_rows(name: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(run_folder().join(name)).expect(name);
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader.records().map(|row| row.expect("a row")).collect();
    (header, rows)
}

fn number(row: &csv::StringRecord, column: usize) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {row:?}"))
}

#[test]
fn summary_has_each_posture_at_the_headline_months_in_words() {
    let (header, rows) = csv_rows("summary.csv");
    assert_eq!(
        header,
        [
            "measure",
            "posture",
            "month",
            "probability",
            "ci_low",
            "ci_high",
            "std_error",
            "icd203",
            "date"
        ]
    );
    for month in ["6", "12", "24"] {
        for posture in ["fence_straddling", "overt_support", "arms_length"] {
            let row = rows
                .iter()
                .find(|r| &r[0] == "holds" && &r[1] == posture && &r[2] == month)
                .unwrap_or_else(|| panic!("{posture} at {month}"));
            let (p, low, high) = (number(row, 3), number(row, 4), number(row, 5));
            assert!(low <= p && p <= high, "{row:?}");
            assert_eq!(&row[7], foresight::stats::icd203_words(p), "{row:?}");
        }
    }
    assert!(rows
        .iter()
        .any(|r| &r[0] == "ever_held" && &r[1] == "overt_support"));
}

#[test]
fn indicator_quantiles_are_ordered_and_in_real_units() {
    let (header, rows) = csv_rows("indicators.csv");
    assert_eq!(
        header,
        [
            "month",
            "indicator",
            "subset",
            "mean",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
            "unit",
            "date"
        ]
    );
    for row in &rows {
        let quantiles: Vec<f64> = (4..9).map(|c| number(row, c)).collect();
        assert!(quantiles.windows(2).all(|w| w[0] <= w[1]), "{row:?}");
    }
    let trade = rows
        .iter()
        .find(|r| &r[0] == "0" && &r[1] == "trade_usd_bn" && &r[2] == "all")
        .expect("trade at month 0");
    assert_eq!(&trade[9], "USD bn a year");
    assert!((number(trade, 3) - 146.9).abs() < 1e-3);
}

#[test]
fn first_departure_adds_up_to_its_cumulative_column() {
    let (header, rows) = csv_rows("first_departure.csv");
    assert_eq!(header, ["month", "probability", "cumulative", "date"]);
    let (never, months) = rows.split_last().expect("rows");
    assert_eq!(&never[0], "never");
    let mut total = 0.0;
    for row in months {
        total += number(row, 1);
        assert!((total - number(row, 2)).abs() < 1e-5, "{row:?}");
    }
    assert!(
        (total + number(never, 1) - 1.0).abs() < 1e-5,
        "the months and never make one"
    );
}

#[test]
fn still_initial_is_the_complement_of_first_departure_and_starts_as_the_posture() {
    let (header, rows) = csv_rows("still_initial.csv");
    assert_eq!(
        header,
        [
            "month",
            "posture",
            "probability",
            "ci_low",
            "ci_high",
            "std_error",
            "date"
        ]
    );
    let (_, departures) = csv_rows("first_departure.csv");
    let (never, departed_by) = departures.split_last().expect("rows");
    assert_eq!(rows.len(), departed_by.len() + 1, "months 0 to the horizon");
    assert_eq!((&rows[0][0], number(&rows[0], 2)), ("0", 1.0));
    for (row, departed) in rows[1..].iter().zip(departed_by) {
        assert_eq!(&row[0], &departed[0]);
        assert!(
            (number(row, 2) + number(departed, 2) - 1.0).abs() < 2e-6,
            "{row:?}"
        );
        assert!(number(row, 3) <= number(row, 2) && number(row, 2) <= number(row, 4));
    }
    let last = rows.last().expect("the horizon");
    assert!(
        (number(last, 2) - number(never, 1)).abs() < 2e-6,
        "never left = still there at the end"
    );
    // Nobody can have left and come back by month 1: it is the posture's own probability there.
    let (_, postures) = csv_rows("posture_probabilities.csv");
    let month_one = postures
        .iter()
        .find(|p| &p[0] == "1" && p[1] == rows[1][1])
        .expect("the starting posture at month 1");
    assert_eq!(&month_one[2], &rows[1][2]);
    // Later, paths that left and returned hold the posture without being still in it.
    for row in &rows {
        let held = postures
            .iter()
            .find(|p| p[0] == row[0] && p[1] == row[1])
            .expect("held");
        assert!(number(row, 2) <= number(held, 2) + 1e-6, "{row:?}");
    }
}

#[test]
fn regimes_sum_to_one_each_month() {
    let (_, rows) = csv_rows("regimes.csv");
    let mut by_month = std::collections::BTreeMap::<String, f64>::new();
    for row in &rows {
        *by_month.entry(row[0].to_string()).or_default() += number(row, 3);
    }
    assert_eq!(by_month.len(), 37);
    for (month, total) in by_month {
        assert!((total - 1.0).abs() < 1e-5, "month {month}: {total}");
    }
}

#[test]
fn run_json_records_what_reproduces_the_run() {
    let json: serde_json::Value = serde_json::from_str(&read("run.json")).expect("JSON");
    assert_eq!(json["program"], "foresight");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["file"], "scenarios/base.toml");
    assert_eq!(json["run"]["paths"], 4000);
    assert_eq!(json["run"]["seed"], 20220314);
    assert_eq!(json["run"]["sampling"], "latin_hypercube");
    assert_eq!(json["model_hash"].as_str().map(str::len), Some(64));
    assert!(json["threads"].as_u64().is_some_and(|t| t >= 1));
    assert!(json["wall_time_seconds"].as_f64().is_some());
    let parameters = json["parameters"].as_array().expect("parameters");
    assert!(parameters.iter().any(|p| p["name"] == "xi_risk_appetite"));
}

#[test]
fn each_regime_chain_has_a_chart_of_its_states_and_the_briefing_shows_it() {
    let svg = read("regime_war.svg");
    for state in ["frustrated", "grinding", "breakthrough", "settlement"] {
        assert!(svg.contains(state), "the legend names {state}");
    }
    let report = read("report.html");
    let fans = report
        .find("data-chart=\"fan_")
        .expect("fan charts in the report");
    let regime = report
        .find("data-chart=\"regime_war.svg\"")
        .expect("the regime chart");
    assert!(
        fans < regime,
        "the regime chart follows the fans, in the exporters' order"
    );
    assert!(read("brief.md").contains("War in Ukraine: probability of each state"));
}

#[test]
fn charts_are_1600_by_900_png_and_svg_naming_the_postures() {
    let mut charts = 0;
    for entry in fs::read_dir(run_folder()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let decoder =
                png::Decoder::new(std::io::BufReader::new(fs::File::open(&path).unwrap()));
            let info = decoder.read_info().expect("a PNG").info().clone();
            assert_eq!((info.width, info.height), (1600, 900), "{path:?}");
            assert!(
                path.with_extension("svg").exists(),
                "{path:?} has no SVG twin"
            );
            charts += 1;
        }
    }
    assert!(
        charts >= 8,
        "postures, headline, departure and five fans: {charts}"
    );
    let svg = read("posture_probabilities.svg");
    assert!(svg.starts_with("<svg"));
    for label in [
        "Fence-straddling",
        "Overt support",
        "Arm&apos;s length",
        "seed 20220314",
    ] {
        assert!(
            svg.contains(label) || svg.contains(&label.replace("&apos;", "'")),
            "{label}"
        );
    }
}

/// Every table with a month column ends with a `date` column: the month as YYYY-MM, counted
/// from the scenario's start (March 2022), and empty only on first_departure.csv's `never` row.
#[test]
fn every_table_with_a_month_dates_it_in_its_last_column() {
    for name in [
        "posture_probabilities.csv",
        "drivers.csv",
        "indicators.csv",
        "regimes.csv",
        "summary.csv",
        "first_departure.csv",
        "still_initial.csv",
    ] {
        let (header, rows) = csv_rows(name);
        let month = header.iter().position(|c| c == "month").expect(name);
        assert_eq!(header.last().map(String::as_str), Some("date"), "{name}");
        for row in &rows {
            let date = &row[row.len() - 1];
            match row[month].parse::<i64>() {
                Ok(month) => {
                    let index = 2022 * 12 + 2 + month;
                    let expected = format!("{:04}-{:02}", index / 12, index % 12 + 1);
                    assert_eq!(date, expected, "{name}: {row:?}");
                }
                Err(_) => assert_eq!((&row[month], date), ("never", ""), "{name}"),
            }
        }
    }
}

#[test]
fn indicators_by_held_posture_split_each_month_as_the_postures_do() {
    let (header, rows) = csv_rows("indicators_by_held_posture.csv");
    assert_eq!(
        header[..4],
        ["month", "indicator", "posture_held", "share_holding"]
    );
    let (_, postures) = csv_rows("posture_probabilities.csv");
    let (_, all) = csv_rows("indicators.csv");
    for row in rows.iter().filter(|row| &row[1] == "trade_usd_bn") {
        // The share holding a posture is that month's posture probability.
        let held = postures
            .iter()
            .find(|p| p[0] == row[0] && p[1] == row[2])
            .expect("the month's posture");
        assert!((number(row, 3) - number(held, 2)).abs() < 1e-6, "{row:?}");
    }
    // The held postures' means, weighed by their shares, make the mean of all paths.
    for month in ["6", "12", "36"] {
        let of_month: Vec<_> = rows
            .iter()
            .filter(|row| &row[0] == month && &row[1] == "trade_usd_bn")
            .collect();
        assert_eq!(of_month.len(), 3, "month {month}");
        let pooled: f64 = of_month
            .iter()
            .map(|row| number(row, 3) * number(row, 4))
            .sum();
        let overall = all
            .iter()
            .find(|row| &row[0] == month && &row[1] == "trade_usd_bn" && &row[2] == "all")
            .unwrap();
        assert!(
            (pooled - number(overall, 3)).abs() < 1e-3,
            "month {month}: {pooled}"
        );
    }
}
