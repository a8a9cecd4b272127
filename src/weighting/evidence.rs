//! `--evidence FILE`: what was observed, and how likely each observation is in a given world.
//!
//! Each observation has a month and a likelihood: either cases (`when` a test holds, the
//! observation has this probability; the first case that holds counts, else `otherwise`; tests
//! join with `and` and `or` and may name a window of months, see [`super::when`]), or a
//! measurement of a series with a normal error. A path's weight is the product of its
//! observations' likelihoods, divided by the largest product any path could reach, so the most
//! consistent path weighs 1 and fixed-point weights keep their precision.

use std::path::Path;

use serde::Deserialize;

use super::when::When;
use crate::engine::Trajectory;
use crate::model::{Model, SeriesId, SeriesKind, YearMonth};
use crate::problem::{Problem, Problems};
use crate::scenario::facts::FactsFile;
use crate::scenario::source::SourceFile;
use crate::scenario::validate::cited_facts;
use crate::scenario::{deserialize_file, FieldPath};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    evidence: RawHeader,
    observation: Vec<RawObservation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    title: String,
    about: Option<String>,
    sources: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObservation {
    name: String,
    /// Counted from the scenario's start; or `date`.
    month: Option<i64>,
    /// `YYYY-MM` or `YYYY-MM-DD` (placed in its month); or `month`.
    date: Option<String>,
    about: Option<String>,
    source: Option<String>,
    reasoning: Option<String>,
    likelihood: Option<Vec<RawCase>>,
    otherwise: Option<f64>,
    measured: Option<RawMeasured>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    when: String,
    is: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasured {
    series: String,
    value: f64,
    sd: f64,
}

/// How likely an observation is, given a path.
#[derive(Debug, Clone, PartialEq)]
enum Likelihood {
    Cases {
        cases: Vec<(When, f64)>,
        otherwise: f64,
    },
    /// A normal measurement error, as the unnormalised kernel exp(-z^2 / 2).
    Measured {
        series: SeriesId,
        value: f64,
        sd: f64,
    },
}

impl Likelihood {
    fn of(&self, trajectory: &Trajectory, parameters: &[f64], month: usize) -> f64 {
        match self {
            Likelihood::Cases { cases, otherwise } => cases
                .iter()
                .find(|(test, _)| test.holds(trajectory, parameters, month))
                .map_or(*otherwise, |(_, probability)| *probability),
            Likelihood::Measured { series, value, sd } => {
                let z = (trajectory.value(month, *series) - value) / sd;
                (-0.5 * z * z).exp()
            }
        }
    }

    fn largest(&self) -> f64 {
        match self {
            Likelihood::Cases { cases, otherwise } => cases
                .iter()
                .map(|(_, probability)| *probability)
                .fold(*otherwise, f64::max),
            Likelihood::Measured { .. } => 1.0,
        }
    }
}

/// One observation, compiled against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub name: String,
    pub month: usize,
    pub about: String,
    pub source: String,
    pub reasoning: String,
    likelihood: Likelihood,
}

impl Observation {
    /// For a measurement: the series, the value measured and its error's sd.
    pub fn measured(&self) -> Option<(SeriesId, f64, f64)> {
        match self.likelihood {
            Likelihood::Measured { series, value, sd } => Some((series, value, sd)),
            Likelihood::Cases { .. } => None,
        }
    }
}

/// A compiled evidence file. Invariant: every observation's largest likelihood is above 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub title: String,
    pub about: String,
    /// The facts file its `seed:` citations point into, as written.
    pub sources: Option<String>,
    pub file: String,
    pub observations: Vec<Observation>,
    /// The largest product of likelihoods a path could reach.
    scale: f64,
}

impl Evidence {
    /// The month of the latest observation: where "today" stands for a forecast from it.
    pub fn last_month(&self) -> Option<usize> {
        self.observations.iter().map(|o| o.month).max()
    }

    /// Reads and compiles an evidence file against `model`; every problem names its line.
    pub fn load(path: &Path, model: &Model) -> Result<Self, Problems> {
        let file = SourceFile::read(path)?;
        let raw: RawEvidence = deserialize_file(&file)?;
        let mut problems = Vec::new();
        let observations: Vec<Observation> = raw
            .observation
            .iter()
            .enumerate()
            .filter_map(|(index, observation)| {
                compile(observation, model)
                    .map_err(|problem| {
                        let at = FieldPath::root()
                            .key("observation")
                            .index(index)
                            .key(&problem.field);
                        problems.push(file.diagnostic(&at, problem.message, problem.help));
                    })
                    .ok()
            })
            .collect();
        if raw.observation.is_empty() {
            let at = FieldPath::root().key("observation");
            let help = "one [[observation]] table per thing seen".to_string();
            problems.push(file.diagnostic(&at, "no observations".into(), Some(help)));
        }
        problems.extend(check_citations(&file, &raw));
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        let scale = observations
            .iter()
            .map(|o| o.likelihood.largest())
            .product();
        Ok(Evidence {
            title: raw.evidence.title,
            about: raw.evidence.about.unwrap_or_default(),
            sources: raw.evidence.sources,
            file: file.display_name.clone(),
            observations,
            scale,
        })
    }

    /// The path's weight in (0, 1]: its likelihood relative to the most consistent path's.
    pub fn weight(&self, trajectory: &Trajectory, parameters: &[f64]) -> f64 {
        let likelihood: f64 = self
            .observations
            .iter()
            .map(|o| o.likelihood.of(trajectory, parameters, o.month))
            .product();
        likelihood / self.scale
    }
}

/// Every `seed:<id>` in an observation's source must name a fact of the file's `sources`.
fn check_citations(file: &SourceFile, raw: &RawEvidence) -> Vec<Problem> {
    let Some(sources) = &raw.evidence.sources else {
        return Vec::new();
    };
    let facts_file = file.path.parent().unwrap_or(Path::new(".")).join(sources);
    let facts = match FactsFile::read(&facts_file) {
        Ok(facts) => facts.fact_documents(),
        Err(problem) => {
            let at = FieldPath::root().key("evidence").key("sources");
            let help = "a TOML file of [[fact]] tables".to_string();
            return vec![file.diagnostic(&at, problem.message, Some(help))];
        }
    };
    let mut problems = Vec::new();
    for (index, observation) in raw.observation.iter().enumerate() {
        let source = observation.source.as_deref().unwrap_or_default();
        for id in cited_facts(source).filter(|id| !facts.contains_key(*id)) {
            let at = FieldPath::root()
                .key("observation")
                .index(index)
                .key("source");
            let message = format!("`seed:{id}` is not a fact of {}", facts_file.display());
            let help = "seed:<id> for an id in that file".to_string();
            problems.push(file.diagnostic(&at, message, Some(help)));
        }
    }
    problems
}

/// The observation's month: its `month`, or its `date` counted from the scenario's start.
fn observation_month(raw: &RawObservation, model: &Model) -> Result<usize, Problem> {
    let (horizon, start) = (model.horizon(), model.meta.start);
    let last = start.offset(horizon as i64);
    let (month, field, written) = match (raw.month, &raw.date) {
        (Some(month), None) => (Some(month), "month", format!("month {month}")),
        (None, Some(date)) => (
            YearMonth::parse_date(date).map(|date| date.months_since(start)),
            "date",
            format!("`{date}`"),
        ),
        _ => {
            return Err(
                Problem::new("an observation needs exactly one of `month` and `date`")
                    .valid(format!(
                        "month = 0 to {horizon}, or date = \"{start}\" to \"{last}\""
                    ))
                    .in_field("month"),
            )
        }
    };
    month
        .and_then(|month| usize::try_from(month).ok())
        .filter(|&month| month <= horizon)
        .ok_or_else(|| {
            let message = format!("{written} is not a month of the run");
            let valid = match field {
                "month" => format!("a month from 0 to {horizon}"),
                _ => format!("a date from {start} to {last} (YYYY-MM or YYYY-MM-DD)"),
            };
            Problem::new(message).valid(valid).in_field(field)
        })
}

fn compile(raw: &RawObservation, model: &Model) -> Result<Observation, Problem> {
    let month = observation_month(raw, model)?;
    let likelihood = match (&raw.likelihood, &raw.measured) {
        (Some(cases), None) => cases_likelihood(cases, raw.otherwise, model)?,
        (None, Some(measured)) => measured_likelihood(measured, model)?,
        _ => {
            return Err(Problem::new(
                "an observation needs exactly one of `likelihood` and `measured`",
            )
            .valid(
                "likelihood = [{ when = \"TEST\", is = P }, ...] with otherwise = P, or \
                 measured = { series = NAME, value = X, sd = S }",
            )
            .in_field("likelihood"))
        }
    };
    if likelihood.largest() <= 0.0 {
        let message = "no world could show this observation: every likelihood is 0".to_string();
        return Err(Problem::new(message)
            .valid("at least one likelihood above 0")
            .in_field("likelihood"));
    }
    Ok(Observation {
        name: raw.name.clone(),
        month,
        about: raw.about.clone().unwrap_or_default(),
        source: raw.source.clone().unwrap_or_default(),
        reasoning: raw.reasoning.clone().unwrap_or_default(),
        likelihood,
    })
}

fn probability(field: String, value: f64) -> Result<f64, Problem> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        let message = format!("a likelihood of {value}");
        Err(Problem::new(message)
            .valid("a probability from 0 to 1")
            .in_field(field))
    }
}

fn cases_likelihood(
    raw: &[RawCase],
    otherwise: Option<f64>,
    model: &Model,
) -> Result<Likelihood, Problem> {
    let mut cases = Vec::with_capacity(raw.len());
    for (index, case) in raw.iter().enumerate() {
        let test = When::parse(&case.when, model)
            .map_err(|problem| problem.in_field(format!("likelihood.{index}.when")))?;
        cases.push((
            test,
            probability(format!("likelihood.{index}.is"), case.is)?,
        ));
    }
    let Some(otherwise) = otherwise else {
        return Err(Problem::new("the likelihood when no case holds is missing")
            .valid("otherwise = a probability from 0 to 1")
            .in_field("otherwise"));
    };
    let otherwise = probability("otherwise".into(), otherwise)?;
    Ok(Likelihood::Cases { cases, otherwise })
}

fn measured_likelihood(raw: &RawMeasured, model: &Model) -> Result<Likelihood, Problem> {
    let series = model
        .series_with_ids()
        .find(|(_, s)| s.name == raw.series && !matches!(s.kind, SeriesKind::Regime(_)))
        .map(|(id, _)| id)
        .ok_or_else(|| {
            let names: Vec<&str> = model
                .series
                .iter()
                .filter(|s| !matches!(s.kind, SeriesKind::Regime(_)))
                .map(|s| s.name.as_str())
                .collect();
            let message = format!("`{}` is not a measurable series", raw.series);
            Problem::new(message)
                .valid(names.join(", "))
                .in_field("measured.series")
        })?;
    if !raw.value.is_finite() {
        let message = format!("the value is {}", raw.value);
        let help = "a finite number in the series' units";
        return Err(Problem::new(message).valid(help).in_field("measured.value"));
    }
    if !(raw.sd.is_finite() && raw.sd > 0.0) {
        let message = format!("the sd is {}", raw.sd);
        let help = "a finite number above 0, in the series' units";
        return Err(Problem::new(message).valid(help).in_field("measured.sd"));
    }
    Ok(Likelihood::Measured {
        series,
        value: raw.value,
        sd: raw.sd,
    })
}
