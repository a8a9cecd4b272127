//! A test on one path's state at one month, written as an analyst would: `posture=arms_length`,
//! `war=settlement`, `sanctions_pressure>0.6`, `cost_sensitivity<=1.2`. Names compile to indices
//! once, so testing a path is a comparison, never a lookup.

use crate::engine::PathView;
use crate::model::{Model, ParameterId, SeriesId, SeriesKind};
use crate::problem::Problem;

/// What a test reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subject {
    Posture,
    Series(SeriesId),
    Parameter(ParameterId),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Comparison {
    /// A posture or regime state index, or an event's 0/1.
    Is(f64),
    Above(f64),
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
}

/// A compiled test. Invariant: indices are valid for the model it was parsed against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateTest {
    subject: Subject,
    comparison: Comparison,
}

const OPERATORS: [&str; 5] = [">=", "<=", ">", "<", "="];

impl StateTest {
    pub fn parse(text: &str, model: &Model) -> Result<Self, Problem> {
        let Some((name, operator, value)) = split_operator(text) else {
            return Err(Problem::new(format!("`{text}` is not a test"))
                .valid("NAME=STATE, NAME>NUMBER, NAME<NUMBER, NAME>=NUMBER or NAME<=NUMBER"));
        };
        let subject = subject(name, model)?;
        let comparison = comparison(subject, operator, value, model)?;
        Ok(StateTest {
            subject,
            comparison,
        })
    }

    /// Whether the path passes the test at `month`.
    pub fn holds(&self, path: &impl PathView, parameters: &[f64], month: usize) -> bool {
        let value = match self.subject {
            Subject::Posture => f64::from(path.posture(month)),
            Subject::Series(series) => path.value(month, series),
            Subject::Parameter(id) => parameters[id],
        };
        match self.comparison {
            Comparison::Is(target) => (value - target).abs() < 0.5,
            Comparison::Above(level) => value > level,
            Comparison::AtLeast(level) => value >= level,
            Comparison::Below(level) => value < level,
            Comparison::AtMost(level) => value <= level,
        }
    }
}

fn split_operator(text: &str) -> Option<(&str, &str, &str)> {
    OPERATORS.iter().find_map(|operator| {
        let (name, value) = text.split_once(operator)?;
        let (name, value) = (name.trim(), value.trim());
        (!name.is_empty() && !value.is_empty()).then_some((name, *operator, value))
    })
}

fn subject(name: &str, model: &Model) -> Result<Subject, Problem> {
    if name == "posture" {
        return Ok(Subject::Posture);
    }
    if let Some(id) = model.series_named(name) {
        return Ok(Subject::Series(id));
    }
    if let Some(index) = model.parameters.iter().position(|p| p.name == name) {
        return Ok(Subject::Parameter(ParameterId(index as u32)));
    }
    let mut names = vec!["posture".to_string()];
    names.extend(model.series.iter().map(|s| s.name.clone()));
    names.extend(model.parameters.iter().map(|p| p.name.clone()));
    Err(Problem::new(format!("`{name}` is not a name of the model")).valid(names.join(", ")))
}

fn comparison(
    subject: Subject,
    operator: &str,
    value: &str,
    model: &Model,
) -> Result<Comparison, Problem> {
    let named_states = match subject {
        Subject::Posture => Some(model.postures.iter().map(|p| p.name.clone()).collect()),
        Subject::Series(index) => match &model.series[index].kind {
            SeriesKind::Regime(regime) => Some(regime.states.clone()),
            _ => None,
        },
        Subject::Parameter(_) => None,
    };
    match named_states {
        Some(states) => state_comparison(operator, value, &states),
        None => level_comparison(subject, operator, value, model),
    }
}

fn state_comparison(operator: &str, value: &str, states: &[String]) -> Result<Comparison, Problem> {
    let valid = || format!("=, then one of {}", states.join(", "));
    if operator != "=" {
        return Err(
            Problem::new(format!("a state is compared with `=`, not `{operator}`")).valid(valid()),
        );
    }
    match states.iter().position(|state| state == value) {
        Some(index) => Ok(Comparison::Is(index as f64)),
        None => Err(Problem::new(format!("`{value}` is not one of its states")).valid(valid())),
    }
}

fn level_comparison(
    subject: Subject,
    operator: &str,
    value: &str,
    model: &Model,
) -> Result<Comparison, Problem> {
    let Ok(level) = value.parse::<f64>() else {
        return Err(
            Problem::new(format!("`{value}` is not a number")).valid("a number, such as 0.5")
        );
    };
    if !level.is_finite() {
        return Err(
            Problem::new(format!("`{value}` is not a finite number")).valid("a finite number")
        );
    }
    let is_event = matches!(subject, Subject::Series(index)
        if matches!(model.series[index].kind, SeriesKind::Event(_)));
    Ok(match operator {
        ">" => Comparison::Above(level),
        ">=" => Comparison::AtLeast(level),
        "<" => Comparison::Below(level),
        "<=" => Comparison::AtMost(level),
        _ if is_event => Comparison::Is(level),
        _ => {
            return Err(
                Problem::new("a continuous value is compared with >, <, >= or <=, not =")
                    .valid(format!("for instance NAME>{value} or NAME<={value}")),
            )
        }
    })
}
