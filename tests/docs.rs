//! docs/MODEL.md's worked example of the choice rule, reproduced from the shipped base model: the
//! numbers the page prints are read from it and compared with what the model computes, each to
//! the precision it is printed with. Editing the model or the page alone fails this test.

mod common;

use std::fs;

use common::repo_path;
use foresight::engine::bound_exprs::BoundExprs;
use foresight::model::{Model, ParameterValue, SeriesKind};

/// A number printed in the page, with the number of decimals it was printed with.
#[derive(Debug, Clone, Copy)]
struct Printed {
    value: f64,
    decimals: i32,
}

impl Printed {
    fn agrees(&self, computed: f64) -> bool {
        (computed - self.value).abs() <= 0.5 * 10f64.powi(-self.decimals) + 1e-12
    }
}

/// The numbers with a decimal point or a percent sign in the worked example's paragraph, in
/// order (percentages as shares).
fn worked_example_numbers() -> Vec<Printed> {
    let page = fs::read_to_string(repo_path("docs/MODEL.md")).expect("docs/MODEL.md");
    let start = page
        .find("**Worked example.**")
        .expect("the worked example");
    let paragraph = &page[start..start + page[start..].find("\n\n").expect("its end")];
    let mut numbers = Vec::new();
    let chars: Vec<char> = paragraph.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let negative = chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !(negative || starts) {
            i += 1;
            continue;
        }
        let begin = i;
        i += 1;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let text: String = chars[begin..i].iter().collect();
        let text = text.trim_end_matches('.');
        let percent = chars.get(i) == Some(&'%');
        if text.contains('.') || percent {
            let decimals = text.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
            let value: f64 = text.parse().expect("a number");
            numbers.push(match percent {
                true => Printed {
                    value: value / 100.0,
                    decimals: decimals + 2,
                },
                false => Printed { value, decimals },
            });
        }
    }
    numbers
}

/// Every parameter at its median (fixed ones at their value).
fn medians(model: &Model) -> Vec<f64> {
    model
        .parameters
        .iter()
        .map(|parameter| match &parameter.value {
            ParameterValue::Fixed(value) => *value,
            ParameterValue::Uncertain(distribution) => distribution.quantile(0.5),
        })
        .collect()
}

/// A path's slots at month 0, as the engine starts it: each series at its initial value, the
/// initial posture held, last month's block equal to this month's, then the formulas.
fn month_zero_slots(model: &Model, parameters: &[f64], bound: &BoundExprs) -> Vec<f64> {
    let layout = model.slots;
    let mut slots = vec![0.0; layout.len()];
    slots[layout.one() as usize] = 1.0;
    let set_series = |slots: &mut Vec<f64>, index: usize, value: f64| {
        slots[layout.current_series(index) as usize] = value;
        slots[layout.previous_series(index) as usize] = value;
    };
    for (index, series) in model.series.iter().enumerate() {
        match &series.kind {
            SeriesKind::Regime(regime) => {
                let state = regime.first_state + regime.initial;
                slots[layout.current_regime(state) as usize] = 1.0;
                slots[layout.previous_regime(state) as usize] = 1.0;
                set_series(&mut slots, index, regime.initial as f64);
            }
            SeriesKind::Process(process) => {
                let value = model.exprs.evaluate_static(process.initial, parameters);
                set_series(&mut slots, index, value.clamp(process.min, process.max));
            }
            SeriesKind::Event(event) => {
                let on = matches!(event.onset, foresight::model::Onset::Month(0));
                set_series(&mut slots, index, if on { 1.0 } else { 0.0 });
            }
            SeriesKind::Formula { .. } => {}
        }
    }
    let initial = model.choice.initial.index();
    slots[layout.current_posture(initial) as usize] = 1.0;
    slots[layout.previous_posture(initial) as usize] = 1.0;
    for (index, series) in model.series.iter().enumerate() {
        if let SeriesKind::Formula { min, max, value } = series.kind {
            let computed = bound.evaluate(value, &slots).clamp(min, max);
            slots[layout.current_series(index) as usize] = computed;
        }
    }
    slots
}

/// The shares of a logit over `utilities`, the held posture given `inertia` more.
fn review(utilities: &[f64], held: usize, inertia: f64) -> Vec<f64> {
    let weights: Vec<f64> = utilities
        .iter()
        .enumerate()
        .map(|(index, u)| (u + if index == held { inertia } else { 0.0 }).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

#[test]
fn the_choice_rules_worked_example_reproduces_from_the_base_model() {
    let model = common::load("scenarios/base.toml", &[]);
    let parameters = medians(&model);
    let mut bound = BoundExprs::new(&model.exprs, model.slots.one());
    bound.bind(&parameters);
    let mut slots = month_zero_slots(&model, &parameters, &bound);
    let utilities: Vec<f64> = model
        .postures
        .iter()
        .map(|posture| bound.evaluate(posture.utility, &slots))
        .collect();
    let index = |name: &str| model.posture_index(name).expect(name).index();
    let (fence, overt, arms) = (
        index("fence_straddling"),
        index("overt_support"),
        index("arms_length"),
    );
    let value = |name: &str, slots: &[f64]| {
        let series = model
            .series
            .iter()
            .position(|s| s.name == name)
            .expect(name);
        slots[model.slots.current_series(series) as usize]
    };
    let parameter = |name: &str| {
        parameters[model
            .parameters
            .iter()
            .position(|p| p.name == name)
            .expect(name)]
    };
    let cost = parameter("cost_sensitivity");
    let sanctions_term = -0.4 * cost * value("sanctions_pressure", &slots);
    let threat_term = -cost * value("secondary_threat", &slots);

    let inertia_before = bound.evaluate(model.choice.inertia, &slots);
    let congress = model
        .series
        .iter()
        .position(|s| s.name == "congress_run_up")
        .unwrap();
    slots[model.slots.current_series(congress) as usize] = 0.0;
    let inertia_after = bound.evaluate(model.choice.inertia, &slots);
    let before = review(&utilities, fence, inertia_before);
    let after = review(&utilities, fence, inertia_after);
    let abrupt = review(&utilities, fence, f64::NEG_INFINITY);

    let computed = [
        ("U(fence)", utilities[fence]),
        ("U(overt)", utilities[overt]),
        ("U(arm's length)", utilities[arms]),
        ("fence's sanctions term", sanctions_term),
        ("fence's threat term", threat_term),
        ("inertia in the run-up", inertia_before),
        ("keeps fence, run-up", before[fence]),
        ("arm's length, run-up", before[arms]),
        ("overt, run-up", before[overt]),
        ("inertia after", inertia_after),
        ("keeps fence, after", after[fence]),
        ("arm's length, after", after[arms]),
        ("overt, after", after[overt]),
        ("abrupt move to arm's length", abrupt[arms]),
    ];
    let printed = worked_example_numbers();
    assert_eq!(printed.len(), computed.len(), "the page prints {printed:?}");
    for ((what, value), printed) in computed.iter().zip(&printed) {
        assert!(
            printed.agrees(*value),
            "{what}: the page says {}, the model gives {value:.4}",
            printed.value
        );
    }
}
