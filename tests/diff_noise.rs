//! `diff` between two independent runs of one model: its "beyond noise" flags keep their promised
//! error rate over all the cells it tests together, checked over many seed pairs; and Holm's
//! procedure, which does it, on cases worked by hand.

mod common;

use std::path::Path;

use common::succeeds;
use foresight::studies::run_diff::holm;

const PAIRS: u64 = 40;

fn run(out: &Path, seed: u64) {
    let out = out.to_str().unwrap();
    let seed = seed.to_string();
    let args = [
        "run",
        "scenarios/base.toml",
        "--paths",
        "4000",
        "--seed",
        &seed,
    ];
    succeeds(
        &[
            &args[..],
            &["--quiet", "--no-report", "--threads", "1", "--out", out],
        ]
        .concat(),
    );
}

/// How many cells of a diff's table are flagged beyond noise, and how many there are.
fn flagged(dir: &Path, pair: u64) -> (usize, usize) {
    let (before, after, diff) = (
        dir.join(format!("a{pair}")),
        dir.join(format!("b{pair}")),
        dir.join(format!("d{pair}")),
    );
    run(&before, 1000 + 2 * pair);
    run(&after, 1001 + 2 * pair);
    succeeds(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--quiet",
        "--out",
        diff.to_str().unwrap(),
    ]);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(diff.join("diff.csv"))
        .unwrap()
        .records()
        .map(|row| row.unwrap())
        .collect();
    assert!(
        rows.iter().all(|row| row[10].contains("Holm")),
        "the test says how it judged"
    );
    (
        rows.iter().filter(|row| &row[9] == "true").count(),
        rows.len(),
    )
}

#[test]
fn two_seeds_of_one_model_rarely_differ_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut any = 0;
    for pair in 0..PAIRS {
        let (flags, cells) = flagged(dir.path(), pair);
        assert_eq!(cells, 12, "three postures at four headline months");
        any += usize::from(flags > 0);
    }
    // The family-wise rate is at most 5%: 2 of 40 pairs expected, and P(more than 6) < 1%
    // (binomial). A 5% test per cell flagged some cell in 4 of the first 20 of these pairs.
    assert!(
        any <= 6,
        "{any} of {PAIRS} seed pairs flagged a change where there is none"
    );
}

#[test]
fn holm_rejects_in_order_and_stops_at_the_first_kept() {
    // m = 4: compare 0.01 with 0.05/4, 0.012 with 0.05/3, 0.03 with 0.05/2 (kept): stop there.
    assert_eq!(
        holm(&[0.03, 0.01, 0.5, 0.012], 0.05),
        [false, true, false, true]
    );
    // Every one passes its own threshold.
    assert_eq!(holm(&[0.001, 0.02, 0.04], 0.05), [true, true, true]);
    // The smallest fails alpha/m: nothing is rejected, although both are below 0.05.
    assert_eq!(holm(&[0.03, 0.04], 0.05), [false, false]);
    assert_eq!(holm(&[], 0.05), Vec::<bool>::new());
}
