//! Studies on models built to have known answers: the tornado ranks the parameter made to
//! matter most first, discovery bounds the parameter that drives the target and leaves the inert
//! one alone, and signposts find the indicator that echoes the posture, not the noise. The
//! signposts' observations are conditions that select exactly the paths they counted.

mod common;

use common::load_text;
use foresight::analysis::prim::PrimSettings;
use foresight::model::{Model, ParameterId};
use foresight::runner::{self, Progress, RunOptions};
use foresight::studies::sensitivity::SensitivitySettings;
use foresight::studies::signposts::SignpostSettings;
use foresight::studies::{discovery, sensitivity, signposts};
use foresight::weighting::{Condition, PathWeighting};

const OPTIONS: RunOptions = RunOptions {
    threads: 2,
    progress: Progress::Off,
};

/// Posture `two` gains utility from `strong` (weight 4) and `weak` (weight 0.6); `inert` only
/// moves an indicator; `echo` follows the posture held and `noise` follows nothing.
fn planted_model(paths: usize) -> String {
    format!(
        r#"
[scenario]
name = "planted"
question = "test"
start = "2022-03"
horizon_months = 12

[run]
paths = {paths}
seed = 11

[parameters.strong]
about = "matters most"
dist.uniform = {{ min = 0.0, max = 1.0 }}

[parameters.weak]
about = "matters a little"
dist.uniform = {{ min = 0.0, max = 1.0 }}

[parameters.inert]
about = "moves no posture"
dist.uniform = {{ min = 0.0, max = 1.0 }}

[drivers.calm]
kind = "process"
min = 0.0
max = 1.0
initial = 0.5
reversion = 0.5
target = {{ constant = 0.5 }}
shock_sd = 0.05

[postures.one]
utility = 2.0

[postures.two]
utility = {{ strong = 4.0, weak = 0.6 }}

[choice]
initial = "one"
review_probability = 0.5
inertia = 0.5

[indicators.echo]
kind = "process"
min = 0.0
max = 10.0
initial = 5.0
reversion = 0.6
target = {{ constant = 3.0, "posture=two" = 4.0 }}
shock_sd = 0.3

[indicators.noise]
kind = "process"
min = 0.0
max = 10.0
initial = 5.0
reversion = 0.3
target = {{ constant = 5.0, inert = 0.5 }}
shock_sd = 0.5
"#
    )
}

fn name(model: &Model, parameter: ParameterId) -> &str {
    &model.parameters[parameter].name
}

#[test]
fn the_tornado_ranks_first_the_parameter_built_to_matter_most() {
    let model = load_text(&planted_model(20_000), &[]);
    let settings = SensitivitySettings {
        outcome_month: 12,
        swing_paths: 10_000,
    };
    let study = sensitivity::study(&model, settings, OPTIONS).expect("study");
    let order: Vec<&str> = study
        .effects
        .iter()
        .map(|effect| name(&model, effect.parameter))
        .collect();
    assert_eq!(order, ["strong", "weak", "inert"]);
    let two = 1;
    let strong = &study.effects[0].swings[two];
    assert!(strong.change.ci_low > 0.2, "{:?}", strong.change);
    // Common random numbers: the inert parameter's two arms are the same paths, so the same
    // postures, and its swing is exactly zero.
    let inert = &study.effects[2].swings[two];
    assert_eq!(inert.change.value, 0.0, "{inert:?}");
    let weak = &study.effects[1].swings[two];
    assert!(weak.change.ci_low > 0.0, "{:?}", weak.change);
    // The global measures agree: `strong` carries the largest share and correlation.
    assert!(study.effects[0].first_order[two].value > study.effects[1].first_order[two].value);
    assert!(study.effects[0].prcc[two].value > study.effects[1].prcc[two].value);
    assert!(study.effects[2].prcc[two].ci_low < 0.0 && study.effects[2].prcc[two].ci_high > 0.0);
}

#[test]
fn studies_are_identical_across_thread_counts() {
    let model = load_text(&planted_model(6_000), &[]);
    let settings = SensitivitySettings {
        outcome_month: 12,
        swing_paths: 3_000,
    };
    let with = |threads: usize| {
        let options = RunOptions {
            threads,
            progress: Progress::Off,
        };
        let study = sensitivity::study(&model, settings, options).expect("study");
        format!("{:?}{:?}", study.baseline, study.effects)
    };
    assert_eq!(with(1), with(3));
}

#[test]
fn discovery_bounds_the_driving_parameter_and_leaves_the_inert_one() {
    let model = load_text(&planted_model(20_000), &[]);
    let target = Condition::parse("posture=two@12", &model).expect("target");
    let study =
        discovery::study(&model, &target, PrimSettings::default(), 1, OPTIONS).expect("study");
    let restrictions = study.restrictions(0);
    let strong = restrictions
        .iter()
        .find(|r| name(&model, r.parameter) == "strong")
        .expect("strong is restricted");
    let lower = strong.lower.expect("bounded from below");
    assert!(lower > 0.2 && strong.upper.is_none(), "{strong:?}");
    assert!(
        restrictions
            .iter()
            .all(|r| name(&model, r.parameter) != "inert"),
        "{restrictions:?}"
    );
    let chosen = study.boxes[0].chosen_box();
    assert!(chosen.density > 1.3 * study.target_share);
    assert!(chosen.coverage >= 0.5);
}

#[test]
fn discovery_refuses_a_target_no_path_meets() {
    let model = load_text(&planted_model(2_000), &[]);
    let target = Condition::parse("echo>9.9@1..12", &model).expect("target");
    let error = discovery::study(&model, &target, PrimSettings::default(), 1, OPTIONS)
        .expect_err("no path meets it");
    assert!(
        error.to_string().contains("no path meets the target"),
        "{error}"
    );
}

#[test]
fn signposts_find_the_echo_and_not_the_noise() {
    let model = load_text(&planted_model(20_000), &[]);
    let settings = SignpostSettings {
        outcome_month: 12,
        watch_months: vec![9],
    };
    let study = signposts::study(&model, settings, OPTIONS).expect("study");
    let series = |index: usize| model.series[study.signposts[index].series].name.as_str();
    assert_eq!(series(0), "echo");
    let noise = study
        .signposts
        .iter()
        .find(|s| model.series[s.series].name == "noise")
        .expect("noise is tabulated");
    // Mutual information's small-sample bias is about (rows-1)(cols-1)/(2 N ln 2) = 7e-5 bits.
    assert!(noise.information_bits < 1e-3, "{}", noise.information_bits);
    let echo = &study.signposts[0];
    let high_third = echo.categories.len() - 1;
    let ratio = echo.table.signal(high_third, 1).likelihood_ratio;
    assert!(ratio.ci_low > 2.0, "{ratio:?}");
}

#[test]
fn a_signpost_observation_selects_exactly_the_paths_it_counted() {
    let model = load_text(&planted_model(5_000), &[]);
    let settings = SignpostSettings {
        outcome_month: 12,
        watch_months: vec![6],
    };
    let study = signposts::study(&model, settings, OPTIONS).expect("study");
    let echo = study
        .signposts
        .iter()
        .find(|s| model.series[s.series].name == "echo")
        .expect("echo is tabulated");
    for (category_index, category) in echo.categories.iter().enumerate() {
        let text = category.as_condition("echo", echo.month);
        let condition = Condition::parse(&text, &model).expect("the observation parses");
        let outcome =
            runner::run_weighted(&model, &PathWeighting::Given(condition), OPTIONS).expect("run");
        let kept = outcome.tally.weight as f64 / foresight::stats::tally::WEIGHT_ONE as f64;
        let counted = echo.table.signal(category_index, 0).seen_share * 5_000.0;
        assert!((kept - counted).abs() < 0.5, "{text}: {kept} vs {counted}");
    }
}
