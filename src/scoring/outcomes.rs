//! An outcomes file: what happened, by date, to score forecasts against. CSV with a header,
//! `date,series,value[,aggregate]`, one outcome a row:
//!
//! - `posture` and a posture's name: the posture Beijing held that month;
//! - a regime chain and a state's name: the chain's state that month;
//! - a series and a number: its value that month, or with `aggregate = mean` or `sum` its mean
//!   or sum over the row's window (`2023`, `2023-Q2`, `2023-01..2023-06`).
//!
//! Every problem names the file, the line and the column, and says what would be valid.

use std::path::Path;

use crate::engine::Trajectory;
use crate::input::read_bounded;
use crate::model::{Model, SeriesId, SeriesKind, YearMonth};
use crate::problem::{Location, Problem, Problems};
use crate::weighting::measurement::{measurable_series, window_months, Reading, WINDOW_HELP};

/// Outcomes files larger than this are refused: years of monthly outcomes take kilobytes.
const MAX_OUTCOME_BYTES: u64 = 16 * 1024 * 1024;
const HELP: &str = "a CSV header of date,series,value[,aggregate]";

/// What an outcome observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// The posture held at a month (its index).
    Posture { month: usize, state: usize },
    /// A regime chain's state at a month.
    Regime {
        series: SeriesId,
        month: usize,
        state: usize,
    },
    /// A series' value, at a month or over a window.
    Value {
        series: SeriesId,
        reading: Reading,
        value: f64,
    },
}

/// One outcome, compiled against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `SERIES@DATE`, as the file wrote them.
    pub name: String,
    /// The last month it reads: when it is known.
    pub month: usize,
    pub observed: Observed,
}

impl Outcome {
    /// Its categories' names, for a posture or a state; empty for a value.
    pub fn categories<'m>(&self, model: &'m Model) -> Vec<&'m str> {
        match &self.observed {
            Observed::Posture { .. } => model.postures.iter().map(|p| p.name.as_str()).collect(),
            Observed::Regime { series, .. } => match &model.series[*series].kind {
                SeriesKind::Regime(regime) => regime.states.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            },
            Observed::Value { .. } => Vec::new(),
        }
    }

    /// What it reads, apart from what was observed: two outcomes with one key contradict or
    /// repeat each other.
    fn key(&self) -> String {
        match &self.observed {
            Observed::Posture { month, .. } => format!("posture@{month}"),
            Observed::Regime { series, month, .. } => format!("{series:?}@{month}"),
            Observed::Value {
                series, reading, ..
            } => format!("{series:?}:{reading:?}"),
        }
    }

    /// What a path shows of it: a category's index, or the value.
    pub fn on(&self, trajectory: &Trajectory) -> f64 {
        match &self.observed {
            Observed::Posture { month, .. } => f64::from(trajectory.postures[*month]),
            Observed::Regime { series, month, .. } => trajectory.value(*month, *series),
            Observed::Value {
                series, reading, ..
            } => reading.of(trajectory, *series),
        }
    }

    /// The observed value or category, as the file says it.
    pub fn observed_text(&self, model: &Model) -> String {
        match &self.observed {
            Observed::Posture { state, .. } | Observed::Regime { state, .. } => {
                self.categories(model)[*state].to_string()
            }
            Observed::Value { value, .. } => format!("{value}"),
        }
    }
}

/// A compiled outcomes file.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    pub file: String,
    pub outcomes: Vec<Outcome>,
}

impl Outcomes {
    /// Reads and compiles an outcomes file against `model`.
    pub fn load(path: &Path, model: &Model) -> Result<Self, Problems> {
        let file = path.display().to_string();
        let at = |line: usize, column: &str, problem: Problem| {
            let location = Location::File {
                file: file.clone(),
                line,
                column: 1,
            };
            Problem::at(location, column, problem.message, problem.help)
        };
        let bytes = read_bounded(path, MAX_OUTCOME_BYTES).map_err(|error| {
            let location = Location::FileOnly { file: file.clone() };
            Problems::single(
                Problem::new(error.to_string())
                    .located(location)
                    .valid(HELP),
            )
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .flexible(true)
            .from_reader(bytes.as_slice());
        let headers = reader
            .headers()
            .map_err(|e| Problems::single(at(1, "", Problem::new(e.to_string()).valid(HELP))))?
            .clone();
        let columns = Columns::of(&headers).map_err(|p| Problems::single(at(1, "", p)))?;
        let mut outcomes = Vec::new();
        let mut problems = Vec::new();
        // Each outcome's line, by what it reads: one reading given twice is a contradiction
        // or a double count.
        let mut lines_of = std::collections::HashMap::new();
        for record in reader.records() {
            match record {
                Ok(record) if record.len() > headers.len() => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    let problem = Problem::new(format!(
                        "the row has {} fields, the header {}",
                        record.len(),
                        headers.len()
                    ))
                    .valid(format!(
                        "the columns the header names: {}",
                        headers.iter().collect::<Vec<_>>().join(",")
                    ));
                    problems.push(at(line, "", problem));
                }
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    match compile(&record, &columns, model) {
                        Ok(outcome) => match lines_of.insert(outcome.key(), line) {
                            Some(first) => {
                                let problem = Problem::new(format!(
                                    "`{}` is already an outcome, on line {first}",
                                    outcome.name
                                ))
                                .valid("each posture, state or reading once");
                                problems.push(at(line, "", problem));
                            }
                            None => outcomes.push(outcome),
                        },
                        Err(problem) => {
                            let field = problem.field.clone();
                            problems.push(at(line, &field, problem));
                        }
                    }
                }
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line() as usize);
                    problems.push(at(line, "", Problem::new(error.to_string()).valid(HELP)));
                }
            }
        }
        if outcomes.is_empty() && problems.is_empty() {
            problems.push(at(
                1,
                "",
                Problem::new("the file has no outcomes").valid(HELP),
            ));
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        Ok(Outcomes { file, outcomes })
    }
}

struct Columns {
    date: usize,
    series: usize,
    value: usize,
    aggregate: Option<usize>,
}

impl Columns {
    fn of(headers: &csv::StringRecord) -> Result<Columns, Problem> {
        let find = |name: &str| headers.iter().position(|h| h == name);
        if let Some(unknown) = headers
            .iter()
            .find(|h| !["date", "series", "value", "aggregate"].contains(h))
        {
            return Err(
                Problem::new(format!("`{unknown}` is not a column of an outcomes file"))
                    .valid(HELP),
            );
        }
        match (find("date"), find("series"), find("value")) {
            (Some(date), Some(series), Some(value)) => Ok(Columns {
                date,
                series,
                value,
                aggregate: find("aggregate"),
            }),
            _ => Err(Problem::new("the header lacks date, series or value").valid(HELP)),
        }
    }
}

fn compile(
    record: &csv::StringRecord,
    columns: &Columns,
    model: &Model,
) -> Result<Outcome, Problem> {
    let cell = |at: usize| record.get(at).unwrap_or_default();
    let (date, series, value) = (
        cell(columns.date),
        cell(columns.series),
        cell(columns.value),
    );
    let aggregate = columns.aggregate.map(cell).filter(|a| !a.is_empty());
    for (column, text) in [("date", date), ("series", series), ("value", value)] {
        if text.is_empty() {
            let problem = Problem::new(format!("the row has no {column}"))
                .valid("a date, a series and a value on every row (date,series,value[,aggregate])");
            return Err(problem.in_field(column));
        }
    }
    let name = format!("{series}@{date}");
    let month = || month_of(date, model).map_err(|p| p.in_field("date"));
    let observed = if series == "posture" {
        let month = month()?;
        let state = model
            .posture_index(value)
            .ok_or_else(|| {
                not_a_state(
                    value,
                    "a posture",
                    model.postures.iter().map(|p| p.name.as_str()),
                )
                .in_field("value")
            })?
            .index();
        Observed::Posture { month, state }
    } else if let Some((id, regime)) = model
        .regimes()
        .find(|(id, _)| model.series[*id].name == series)
    {
        let month = month()?;
        let state = regime
            .states
            .iter()
            .position(|s| s == value)
            .ok_or_else(|| {
                not_a_state(value, "a state", regime.states.iter().map(String::as_str))
                    .in_field("value")
            })?;
        Observed::Regime {
            series: id,
            month,
            state,
        }
    } else {
        let id = measurable_series(series, model).map_err(|p| {
            let names = format!(
                "posture, a regime chain or {}",
                p.help.clone().unwrap_or_default()
            );
            Problem::new(p.message).valid(names).in_field("series")
        })?;
        let value = value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                let problem = Problem::new(format!("`{value}` is not a number"))
                    .valid(format!("a number in the units of {series}"));
                problem.in_field("value")
            })?;
        let reading = match aggregate {
            None | Some("month") => Reading::Month(month()?),
            Some("mean") => {
                Reading::Mean(window_months(date, model).map_err(|p| p.in_field("date"))?)
            }
            Some("sum") => {
                Reading::Sum(window_months(date, model).map_err(|p| p.in_field("date"))?)
            }
            Some(other) => {
                let problem = Problem::new(format!("`{other}` is not an aggregate"))
                    .valid("month (the default), mean or sum");
                return Err(problem.in_field("aggregate"));
            }
        };
        Observed::Value {
            series: id,
            reading,
            value,
        }
    };
    let month = match &observed {
        Observed::Posture { month, .. } | Observed::Regime { month, .. } => *month,
        Observed::Value { reading, .. } => reading.last_month(),
    };
    Ok(Outcome {
        name,
        month,
        observed,
    })
}

fn not_a_state<'a>(value: &str, what: &str, names: impl Iterator<Item = &'a str>) -> Problem {
    Problem::new(format!("`{value}` is not {what}")).valid(names.collect::<Vec<_>>().join(", "))
}

fn month_of(date: &str, model: &Model) -> Result<usize, Problem> {
    let (start, horizon) = (model.meta.start, model.horizon() as i64);
    YearMonth::parse_date(date)
        .map(|d| d.months_since(start))
        .filter(|m| (0..=horizon).contains(m))
        .map(|m| m as usize)
        .ok_or_else(|| {
            let end = start.offset(horizon);
            Problem::new(format!("`{date}` is not a month of the run"))
                .valid(format!("a date from {start} to {end} (YYYY-MM), or with aggregate mean or sum {WINDOW_HELP}"))
        })
}
