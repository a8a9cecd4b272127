//! The engine against closed forms: a two-state chain's occupancy, postures summing to one, and
//! tallies that merge to exactly the single-run tally whatever the split.

mod common;

use common::{estimate, load, load_text, two_state_model};
use foresight::engine::{LaneSimulator, PathSimulator, LANES};
use foresight::model::{Model, PostureId};
use foresight::runner::{self, Progress, RunOptions};
use foresight::sampling::design::{BlockSample, ParameterSampler};
use foresight::simd::Isa;
use foresight::stats::tally::WEIGHT_ONE;
use foresight::stats::tally::{Dims, Tally, TallyError};
use foresight::stats::Estimates;
use foresight::stats::Recorder;

const QUIET: RunOptions = RunOptions {
    threads: 2,
    progress: Progress::Off,
};

/// P(chain in state b at month t), starting in a: pi_b * (1 - (1 - p_ab - p_ba)^t).
fn chain_b_probability(p_ab: f64, p_ba: f64, month: usize) -> f64 {
    let stationary_b = p_ab / (p_ab + p_ba);
    stationary_b * (1.0 - (1.0 - p_ab - p_ba).powi(month as i32))
}

fn regime_probability(estimates: &Estimates, month: usize, state: usize) -> f64 {
    estimates
        .regime
        .iter()
        .find(|(m, _, s, _)| *m == month && *s == state)
        .map(|(_, _, _, estimate)| estimate.probability)
        .expect("the chain's state is reported")
}

#[test]
fn two_state_chain_occupancy_matches_the_closed_form_every_month() {
    let (p_ab, p_ba, paths) = (0.1, 0.3, 40_000);
    let model = load_text(&two_state_model(p_ab, p_ba, 36, paths), &[]);
    let estimates = estimate(&model);
    for month in 0..=36 {
        let truth = chain_b_probability(p_ab, p_ba, month);
        let standard_error = (truth * (1.0 - truth) / paths as f64).sqrt().max(1e-9);
        let seen = regime_probability(&estimates, month, 1);
        assert!(
            (seen - truth).abs() <= 4.0 * standard_error,
            "month {month}: P(b) {seen:.4}, closed form {truth:.4} (4 SE = {:.4})",
            4.0 * standard_error
        );
    }
    // Far from the start the chain sits at its stationary distribution, 0.75 / 0.25.
    let late = regime_probability(&estimates, 36, 0);
    assert!((late - 0.75).abs() <= 4.0 * (0.75f64 * 0.25 / paths as f64).sqrt());
}

#[test]
fn an_absorbing_state_is_never_left() {
    let model = load_text(&two_state_model(0.2, 0.0, 24, 8_192), &[]);
    let estimates = estimate(&model);
    let mut previous = 0.0;
    for month in 0..=24 {
        let in_b = regime_probability(&estimates, month, 1);
        assert!(
            in_b >= previous,
            "month {month}: P(b) fell from {previous} to {in_b}"
        );
        previous = in_b;
    }
    let truth = 1.0 - 0.8f64.powi(24);
    assert!((previous - truth).abs() < 4.0 * (truth * (1.0 - truth) / 8_192.0).sqrt() + 1e-9);
}

#[test]
fn posture_probabilities_sum_to_one_every_month() {
    for file in [
        "scenarios/base.toml",
        "scenarios/overt_support.toml",
        "scenarios/what_if/settlement.toml",
    ] {
        let model = load(file, &["run.paths=6000"]);
        let estimates = estimate(&model);
        for month in 0..estimates.months {
            let total: f64 = model
                .posture_ids()
                .map(|posture| estimates.posture_at(month, posture).probability)
                .sum();
            assert!((total - 1.0).abs() < 1e-12, "{file} month {month}: {total}");
        }
    }
}

#[test]
fn every_path_starts_in_the_initial_posture() {
    let model = load("scenarios/base.toml", &["run.paths=5000"]);
    let estimates = estimate(&model);
    let initial = model.choice.initial;
    assert_eq!(estimates.posture_at(0, initial).probability, 1.0);
}

#[test]
fn tallies_of_any_split_merge_to_the_single_run_exactly() {
    let model = load("scenarios/base.toml", &["run.paths=20000"]);
    let whole = runner::run(&model, QUIET).expect("run").tally;
    let blocks = whole.paths.div_ceil(4096);
    for split in 1..blocks {
        let head = runner::run_blocks(&model, 0..split, None, QUIET)
            .expect("head")
            .tally;
        let tail = runner::run_blocks(&model, split..blocks, None, QUIET)
            .expect("tail")
            .tally;
        let mut forwards = head.clone();
        forwards.merge(&tail).expect("same shape");
        let mut backwards = tail;
        backwards.merge(&head).expect("same shape");
        assert_eq!(forwards, whole, "split at block {split}");
        assert_eq!(
            backwards, whole,
            "split at block {split}, merged the other way"
        );
    }
}

#[test]
fn tallies_of_different_models_refuse_to_merge() {
    let base = load("scenarios/base.toml", &["run.paths=100"]);
    let chain = load_text(&two_state_model(0.1, 0.3, 12, 100), &[]);
    let mut left = Tally::new(Dims::of(&base));
    let right = Tally::new(Dims::of(&chain));
    assert!(left.merge(&right).is_err());
}

#[test]
fn a_merge_that_would_wrap_a_count_is_refused() {
    let model = load("scenarios/base.toml", &["run.paths=100"]);
    let mut left = runner::run(&model, QUIET).expect("run").tally;
    let mut right = left.clone();
    right.posture[0] = u64::MAX;
    assert_eq!(left.merge(&right), Err(TallyError::Overflow));
}

#[test]
fn every_tally_a_run_makes_passes_the_shape_and_count_checks() {
    let model = load("scenarios/base.toml", &["run.paths=5000"]);
    let tally = runner::run(&model, QUIET).expect("run").tally;
    assert_eq!(tally.check_shape(&Dims::of(&model)), Ok(()));
    let mut edited = tally.clone();
    edited.first_departure[3] += 1;
    assert!(matches!(
        edited.check_shape(&Dims::of(&model)),
        Err(TallyError::Counts { .. })
    ));
    let mut squared = tally;
    squared.weight_squared /= 2;
    assert_eq!(
        squared.check_shape(&Dims::of(&model)),
        Err(TallyError::WeightSquared)
    );
}

#[test]
fn thread_count_does_not_change_the_tally() {
    let model = load("scenarios/base.toml", &["run.paths=12000"]);
    let one = runner::run(
        &model,
        RunOptions {
            threads: 1,
            progress: Progress::Off,
        },
    );
    let three = runner::run(
        &model,
        RunOptions {
            threads: 3,
            progress: Progress::Off,
        },
    );
    assert_eq!(
        one.expect("1 thread").tally,
        three.expect("3 threads").tally
    );
}

#[test]
fn a_utility_term_moves_the_choice_the_way_its_sign_says() {
    // Posture `two` gains utility in chain state b: more time in b means more of `two`.
    let rarely_b = estimate(&load_text(&two_state_model(0.02, 0.5, 24, 8_192), &[]));
    let often_b = estimate(&load_text(&two_state_model(0.5, 0.02, 24, 8_192), &[]));
    let two_rarely = rarely_b.posture_at(24, PostureId(1)).probability;
    let two_often = often_b.posture_at(24, PostureId(1)).probability;
    assert!(
        two_often > two_rarely + 0.1,
        "P(two) {two_often:.3} with the chain mostly in b, {two_rarely:.3} mostly in a"
    );
}

#[test]
fn a_series_that_has_not_moved_reads_as_one_number() {
    let model = load("scenarios/base.toml", &["run.paths=3000"]);
    let estimates = estimate(&model);
    let trade = model
        .series_named("trade_usd_bn")
        .expect("the base model has trade");
    let start = estimates
        .series
        .iter()
        .find(|row| row.month == 0 && row.series == trade && row.subset == 0)
        .expect("month 0 is summarised");
    for quantile in start.quantiles {
        // Trajectories hold single precision: 146.9 is stored to within 1e-5.
        assert!((quantile - 146.9).abs() < 1e-4, "{:?}", start.quantiles);
    }
    assert!((start.mean - 146.9).abs() < 1e-4);
}

/// Every lane of the lane engine follows its path exactly as the one-path engine does.
fn lanes_match_single_paths(relative: &str) {
    let model = common::load(relative, &["run.paths=1000"]);
    let sampler = ParameterSampler::new(&model);
    let mut sample = BlockSample::default();
    sampler.sample_block(0, &mut sample);
    let mut single = PathSimulator::new(&model);
    // Each version of the vector code this processor can run.
    for isa in Isa::available() {
        let mut lanes = LaneSimulator::with_isa(&model, isa);
        lanes_match_single_paths_with(relative, &sample, &mut single, &mut lanes, isa.name());
    }
}

fn lanes_match_single_paths_with(
    relative: &str,
    sample: &BlockSample,
    single: &mut PathSimulator,
    lanes: &mut LaneSimulator,
    isa: &str,
) {
    // 1,000 paths: full chunks of lanes, and a last chunk of fewer paths than lanes.
    let rows: Vec<usize> = (0..sample.rows).collect();
    for chunk in rows.chunks(LANES).chain(std::iter::once(&rows[..3])) {
        let paths: Vec<u64> = chunk.iter().map(|&row| row as u64).collect();
        let parameters: Vec<&[f64]> = chunk.iter().map(|&row| sample.row(row)).collect();
        lanes.simulate(&paths, &parameters);
        for (lane, &row) in chunk.iter().enumerate() {
            single.simulate(row as u64, sample.row(row));
            let mut many = lanes.blank_trajectory();
            lanes.history.trajectory_into(lane, &mut many);
            let one = &single.trajectory;
            assert_eq!(
                one.postures, many.postures,
                "{relative} ({isa}): path {row}"
            );
            let same = one
                .values
                .iter()
                .zip(&many.values)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{relative} ({isa}): path {row} values differ");
        }
    }
}

#[test]
fn the_lane_engine_reproduces_every_single_path_bit_for_bit() {
    for file in [
        "scenarios/base.toml",
        "scenarios/what_if/breakthrough.toml",
        "scenarios/what_if/early_secondary_sanctions.toml",
        "scenarios/overt_support.toml",
    ] {
        lanes_match_single_paths(file);
    }
}

/// Recording a lane group's history at once gives the tally that recording each of its paths
/// gives, across the flushes of the compact counts (more than 65,535 paths), and through the
/// one-by-one fallback for series too wide to count compactly.
fn lane_recording_equals_path_by_path(relative: &str, sets: &[&str], at_least_paths: u64) {
    let model = load(relative, sets);
    for isa in Isa::available() {
        lane_recording_equals_path_by_path_with(&model, isa, relative, at_least_paths);
    }
}

fn lane_recording_equals_path_by_path_with(
    model: &Model,
    isa: Isa,
    relative: &str,
    at_least_paths: u64,
) {
    let sampler = ParameterSampler::new(model);
    let mut sample = BlockSample::default();
    let mut simulator = LaneSimulator::new(model);
    let mut trajectory = simulator.blank_trajectory();
    let mut recorder = Recorder::with_isa(Dims::of(model), isa);
    let mut tally = Tally::new(Dims::of(model));
    for block in 0..foresight::sampling::block_count(model.run.paths) {
        sampler.sample_block(block, &mut sample);
        let rows: Vec<usize> = (0..sample.rows).collect();
        // Full groups, and one of fewer paths than lanes.
        for group in rows.chunks(LANES).chain(std::iter::once(&rows[..5])) {
            let paths: Vec<u64> = group.iter().map(|&row| row as u64).collect();
            let parameters: Vec<&[f64]> = group.iter().map(|&row| sample.row(row)).collect();
            simulator.simulate(&paths, &parameters);
            recorder.record_lanes(&simulator.history, group.len());
            for lane in 0..group.len() {
                simulator.history.trajectory_into(lane, &mut trajectory);
                tally.record(&trajectory, WEIGHT_ONE);
            }
        }
    }
    let recorded = recorder.finish();
    assert!(
        recorded.paths >= at_least_paths,
        "{relative}: too few paths"
    );
    let fullest = recorded.histogram.iter().max().copied().unwrap_or(0);
    let flushed = fullest > u64::from(u16::MAX) * WEIGHT_ONE;
    assert!(
        flushed || at_least_paths < 65_536,
        "{relative}: no count outgrew a u16"
    );
    let ends = (0..model.postures.len()).filter(|&posture| recorded.subset_weight[1 + posture] > 0);
    assert!(
        ends.count() > 1,
        "{relative}: every path ends in one posture"
    );
    assert!(
        recorded == tally,
        "{relative} ({}): the tallies differ",
        isa.name()
    );
}

#[test]
fn recording_a_lane_group_equals_recording_its_paths_one_by_one() {
    // Enough paths for the compact counts to flush once on the way.
    lane_recording_equals_path_by_path("scenarios/base.toml", &["run.paths=131072"], 65_536);
    lane_recording_equals_path_by_path(
        "scenarios/overt_support.toml",
        &[
            "run.paths=8192",
            "indicators.sanctioned_chinese_entities.max=5e9",
        ],
        8192,
    );
}

/// A lane group recorded at once with its own weight on each lane (zeros, ones and fractions,
/// and groups of unit weight only, which go to the compact counts) gives the tally that
/// recording each path at its weight gives, on every instruction set.
#[test]
fn recording_weighted_lanes_equals_recording_its_paths_one_by_one() {
    let model = load("scenarios/base.toml", &["run.paths=8192"]);
    let sampler = ParameterSampler::new(&model);
    let mut sample = BlockSample::default();
    sampler.sample_block(0, &mut sample);
    let mut simulator = LaneSimulator::new(&model);
    let mut trajectory = simulator.blank_trajectory();
    for isa in Isa::available() {
        let mut recorder = Recorder::with_isa(Dims::of(&model), isa);
        let mut tally = Tally::new(Dims::of(&model));
        let rows: Vec<usize> = (0..sample.rows).collect();
        for (index, group) in rows.chunks(LANES).chain([&rows[..5]]).enumerate() {
            let paths: Vec<u64> = group.iter().map(|&row| row as u64).collect();
            let parameters: Vec<&[f64]> = group.iter().map(|&row| sample.row(row)).collect();
            simulator.simulate(&paths, &parameters);
            let weights: [u64; LANES] = std::array::from_fn(|lane| match (index % 4, lane % 5) {
                (0, _) | (_, 0) => WEIGHT_ONE,
                (_, 1) => 0,
                _ => Tally::fixed_weight((lane * 7 % 64) as f64 / 64.0),
            });
            recorder.record_weighted_lanes(&simulator.history, &weights, group.len());
            for (lane, &weight) in weights.iter().enumerate().take(group.len()) {
                simulator.history.trajectory_into(lane, &mut trajectory);
                tally.record(&trajectory, weight);
            }
        }
        let recorded = recorder.finish();
        assert!(
            recorded.weight < recorded.paths * WEIGHT_ONE,
            "no lane weighed less than one"
        );
        assert!(recorded == tally, "{}: the tallies differ", isa.name());
    }
}
