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

use super::data_file::DataFile;
use super::measurement::{
    measurable_series, window_months, ErrorModel, Measurement, Reading, WINDOW_HELP,
};
use super::when::When;
use crate::engine::PathView;
use crate::model::{Model, YearMonth};
use crate::problem::{Location, Problem, Problems};
use crate::scenario::facts::FactsFile;
use crate::scenario::source::SourceFile;
use crate::scenario::validate::cited_facts;
use crate::scenario::{deserialize_file, FieldPath};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    evidence: RawHeader,
    #[serde(default)]
    observation: Vec<RawObservation>,
    #[serde(default)]
    data: Vec<RawData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    title: String,
    about: Option<String>,
    sources: Option<String>,
    /// The date the evidence speaks as of; by default its latest observation's month.
    as_of: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObservation {
    name: String,
    /// Counted from the scenario's start; or `date`.
    month: Option<i64>,
    /// `YYYY-MM` or `YYYY-MM-DD` (placed in its month); or `month`. A measurement over a window
    /// may leave both out: it is known at the window's end.
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
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    sd: Option<f64>,
    /// normal (the default), relative, at_least, at_most, between.
    error: Option<String>,
    /// month (the default: the observation's month), mean, sum or growth.
    aggregate: Option<String>,
    /// For mean, sum and growth: the months read (`2022`, `2022-Q3`, `2022-03..2022-12`).
    window: Option<String>,
    /// For growth: the months the window's mean is compared with.
    base: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    name: String,
    series: String,
    /// A CSV file, from the evidence file's folder.
    file: String,
    error: Option<String>,
    /// For rows without an `sd` column.
    sd: Option<f64>,
    /// month (the default), mean or sum: what each row's date reads.
    aggregate: Option<String>,
    about: Option<String>,
    source: Option<String>,
    reasoning: Option<String>,
}

/// How likely an observation is, given a path.
#[derive(Debug, Clone, PartialEq)]
enum Likelihood {
    Cases {
        cases: Vec<(When, f64)>,
        otherwise: f64,
    },
    Measured(Measurement),
}

impl Likelihood {
    fn of(&self, path: &impl PathView, parameters: &[f64], month: usize) -> f64 {
        match self {
            Likelihood::Cases { cases, otherwise } => cases
                .iter()
                .find(|(test, _)| test.holds(path, parameters, month))
                .map_or(*otherwise, |(_, probability)| *probability),
            Likelihood::Measured(measurement) => measurement.likelihood(path),
        }
    }

    fn largest(&self) -> f64 {
        match self {
            Likelihood::Cases { cases, otherwise } => cases
                .iter()
                .map(|(_, probability)| *probability)
                .fold(*otherwise, f64::max),
            Likelihood::Measured(_) => 1.0,
        }
    }
}

/// One observation, compiled against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub name: String,
    /// The month it is known in: the order it is assimilated in.
    pub month: usize,
    pub about: String,
    pub source: String,
    pub reasoning: String,
    likelihood: Likelihood,
}

impl Observation {
    /// The measurement, if it is one.
    pub fn measurement(&self) -> Option<&Measurement> {
        match &self.likelihood {
            Likelihood::Measured(measurement) => Some(measurement),
            Likelihood::Cases { .. } => None,
        }
    }

    /// Its likelihood on a path, relative to the largest any path could have (in [0, 1]).
    pub fn relative_likelihood(&self, path: &impl PathView, parameters: &[f64]) -> f64 {
        self.likelihood.of(path, parameters, self.month) / self.likelihood.largest()
    }
}

/// A compiled evidence file. Invariant: every observation's largest likelihood is above 0, and
/// observations stand in the order they are assimilated (by month, then as written).
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub title: String,
    pub about: String,
    /// The facts file its `seed:` citations point into, as written.
    pub sources: Option<String>,
    pub file: String,
    pub observations: Vec<Observation>,
    /// The month the evidence speaks as of: "today" for a forecast from it.
    pub as_of: usize,
}

impl Evidence {
    /// SHA-256 of what the evidence says, as compiled against its model: every observation,
    /// with the values its data files gave, and the as-of month. A run that is made again must
    /// weigh its paths by the same evidence, whichever of its files changed.
    pub fn content_sha256(&self) -> String {
        let said = format!("{:?} {:?}", self.observations, self.as_of);
        crate::input::sha256_hex(said.as_bytes())
    }

    /// The month the evidence speaks as of: where "today" stands for a forecast from it.
    pub fn last_month(&self) -> Option<usize> {
        Some(self.as_of)
    }

    /// Reads and compiles an evidence file against `model`; every problem names its line.
    pub fn load(path: &Path, model: &Model) -> Result<Self, Problems> {
        let file = SourceFile::read(path)?;
        let raw: RawEvidence = deserialize_file(&file)?;
        let mut problems = Vec::new();
        let mut observations: Vec<Observation> = Vec::new();
        for (index, observation) in raw.observation.iter().enumerate() {
            match compile(observation, model) {
                Ok(compiled) => observations.push(compiled),
                Err(problem) => {
                    let at = FieldPath::root()
                        .key("observation")
                        .index(index)
                        .key(&problem.field);
                    problems.push(file.diagnostic(&at, problem.message, problem.help));
                }
            }
        }
        for (index, data) in raw.data.iter().enumerate() {
            match data_observations(&file, data, model) {
                Ok(compiled) => observations.extend(compiled),
                Err(Located::Here(problem)) => {
                    let at = FieldPath::root()
                        .key("data")
                        .index(index)
                        .key(&problem.field);
                    problems.push(file.diagnostic(&at, problem.message, problem.help));
                }
                Err(Located::Elsewhere(found)) => problems.extend(found.0),
            }
        }
        if raw.observation.is_empty() && raw.data.is_empty() {
            let at = FieldPath::root().key("observation");
            let help = "one [[observation]] table per thing seen, or [[data]] files".to_string();
            problems.push(file.diagnostic(&at, "no observations".into(), Some(help)));
        }
        problems.extend(check_citations(&file, &raw));
        problems.extend(check_names(&file, &raw));
        observations.sort_by_key(|observation| observation.month);
        let last = observations.iter().map(|o| o.month).max().unwrap_or(0);
        let as_of = match as_of(&raw.evidence, model, last) {
            Ok(month) => month,
            Err(problem) => {
                let at = FieldPath::root().key("evidence").key("as_of");
                problems.push(file.diagnostic(&at, problem.message, problem.help));
                last
            }
        };
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        Ok(Evidence {
            title: raw.evidence.title,
            about: raw.evidence.about.unwrap_or_default(),
            sources: raw.evidence.sources,
            file: file.display_name.clone(),
            observations,
            as_of,
        })
    }

    /// The evidence as it stood at `month`: only the observations known by then, and `as_of`
    /// that month (a backtest's forecast must not see later evidence).
    pub fn up_to(&self, month: usize) -> Evidence {
        let observations: Vec<Observation> = self
            .observations
            .iter()
            .filter(|o| o.month <= month)
            .cloned()
            .collect();
        Evidence {
            observations,
            as_of: month,
            ..self.clone()
        }
    }

    /// The path's weight in [0, 1]: its likelihood relative to the most consistent path's.
    /// Each observation is taken relative to its own largest before they multiply, so hundreds
    /// of them do not underflow to 0 / 0.
    pub fn weight(&self, path: &impl PathView, parameters: &[f64]) -> f64 {
        self.observations
            .iter()
            .map(|o| o.relative_likelihood(path, parameters))
            .product()
    }
}

/// The declared `as_of` month, which must not come before the latest observation.
fn as_of(header: &RawHeader, model: &Model, last: usize) -> Result<usize, Problem> {
    let Some(text) = &header.as_of else {
        return Ok(last);
    };
    let start = model.meta.start;
    let end = start.offset(model.horizon() as i64);
    let month = YearMonth::parse_date(text)
        .map(|date| date.months_since(start))
        .filter(|month| (0..=model.horizon() as i64).contains(month))
        .ok_or_else(|| {
            Problem::new(format!("`{text}` is not a date of the run")).valid(format!(
                "a date from {start} to {end} (YYYY-MM or YYYY-MM-DD)"
            ))
        })?;
    if (month as usize) < last {
        let latest = start.offset(last as i64);
        return Err(Problem::new(format!(
            "as_of {text} comes before the latest observation ({latest})"
        ))
        .valid(format!("a date from {latest} to {end}")));
    }
    Ok(month as usize)
}

/// Every observation and data series has a name of its own: tables and charts tell them apart
/// by it.
fn check_names(file: &SourceFile, raw: &RawEvidence) -> Vec<Problem> {
    let observations = raw.observation.iter().enumerate();
    let data = raw.data.iter().enumerate();
    let tables = (observations.map(|(index, o)| ("observation", index, o.name.as_str())))
        .chain(data.map(|(index, d)| ("data", index, d.name.as_str())));
    let mut first = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for (table, index, name) in tables {
        let Some((earlier, at)) = first.get(name) else {
            first.insert(name, (table, index));
            continue;
        };
        problems.push(file.diagnostic(
            &FieldPath::root().key(table).index(index).key("name"),
            format!("`{name}` names {earlier}[{at}] too"),
            Some("a name of its own for each observation and data series".into()),
        ));
    }
    problems
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

/// A date as written, told apart from one outside the run: `2022-09-45` is no date at all.
fn parsed_date(text: &str, model: &Model) -> Result<YearMonth, Problem> {
    YearMonth::parse_date(text).ok_or_else(|| {
        let (start, horizon) = (model.meta.start, model.horizon() as i64);
        Problem::new(format!("`{text}` is not a date"))
            .valid(format!(
                "YYYY-MM or YYYY-MM-DD (a day the month has), from {start} to {}",
                start.offset(horizon)
            ))
            .in_field("date")
    })
}

/// The observation's month: its `month`, or its `date` counted from the scenario's start.
fn observation_month(raw: &RawObservation, model: &Model) -> Result<usize, Problem> {
    let (horizon, start) = (model.horizon(), model.meta.start);
    let last = start.offset(horizon as i64);
    let (month, field, written) = match (raw.month, &raw.date) {
        (Some(month), None) => (Some(month), "month", format!("month {month}")),
        (None, Some(date)) => (
            Some(parsed_date(date, model)?.months_since(start)),
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
    let measurement = raw
        .measured
        .as_ref()
        .map(|measured| measurement(measured, raw, model))
        .transpose()?;
    let month = match (&measurement, raw.month, &raw.date) {
        (Some(measurement), None, None) => measurement.reading.last_month(),
        _ => observation_month(raw, model)?,
    };
    let likelihood = match (&raw.likelihood, measurement) {
        (Some(cases), None) => cases_likelihood(cases, raw.otherwise, model)?,
        (None, Some(measurement)) => Likelihood::Measured(measurement),
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
    check_known_by(&likelihood, month, model)?;
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

/// An observation is assimilated at its month, so it cannot read a later one.
fn check_known_by(likelihood: &Likelihood, month: usize, model: &Model) -> Result<(), Problem> {
    let (read, field) = match likelihood {
        Likelihood::Measured(measurement) => (measurement.reading.last_month(), "measured.window"),
        Likelihood::Cases { cases, .. } => (
            cases
                .iter()
                .map(|(when, _)| when.last_month(month))
                .max()
                .unwrap_or(month),
            "likelihood",
        ),
    };
    if read <= month {
        return Ok(());
    }
    let start = model.meta.start;
    Err(Problem::new(format!(
        "the observation, dated {}, reads {}, a later month",
        start.offset(month as i64),
        start.offset(read as i64)
    ))
    .valid("months up to the observation's date: it is assimilated then")
    .in_field(field))
}

/// A `measured` table: the series, what is read of it, and the error model.
fn measurement(
    measured: &RawMeasured,
    raw: &RawObservation,
    model: &Model,
) -> Result<Measurement, Problem> {
    let in_measured = |problem: Problem| {
        let field = problem.field.clone();
        problem.in_field(format!("measured.{field}"))
    };
    let series = measurable_series(&measured.series, model).map_err(in_measured)?;
    let window = |field: &str, text: &Option<String>| -> Result<_, Problem> {
        let Some(text) = text else {
            return Err(Problem::new(format!(
                "a {} needs its `{field}`",
                aggregate_name(measured)
            ))
            .valid(WINDOW_HELP)
            .in_field(format!("measured.{field}")));
        };
        window_months(text, model).map_err(|problem| problem.in_field(format!("measured.{field}")))
    };
    let aggregate = measured.aggregate.as_deref().unwrap_or("month");
    if measured.base.is_some() && aggregate != "growth" {
        return Err(
            Problem::new(format!("a base window with aggregate `{aggregate}`"))
                .valid("aggregate = \"growth\" to compare the window with its base, or no base")
                .in_field("measured.base"),
        );
    }
    let reading = match aggregate {
        "month" => {
            if measured.window.is_some() {
                return Err(Problem::new("a window needs an aggregate")
                    .valid("aggregate = \"mean\", \"sum\" or \"growth\"")
                    .in_field("measured.aggregate"));
            }
            Reading::Month(observation_month(raw, model)?)
        }
        "mean" => Reading::Mean(window("window", &measured.window)?),
        "sum" => Reading::Sum(window("window", &measured.window)?),
        "growth" => Reading::Growth {
            window: window("window", &measured.window)?,
            base: window("base", &measured.base)?,
        },
        other => {
            return Err(Problem::new(format!("`{other}` is not an aggregate"))
                .valid("month, mean, sum or growth")
                .in_field("measured.aggregate"))
        }
    };
    let error = ErrorModel::new(
        measured.error.as_deref().unwrap_or("normal"),
        measured.value,
        (measured.low, measured.high),
        measured.sd,
    )
    .map_err(in_measured)?;
    Ok(Measurement {
        series,
        reading,
        error,
    })
}

fn aggregate_name(measured: &RawMeasured) -> &str {
    measured.aggregate.as_deref().unwrap_or("month")
}

/// Where a data file's problem stands: in the evidence file's `[[data]]` table, or in the CSV.
enum Located {
    Here(Problem),
    Elsewhere(Problems),
}

/// A `[[data]]` table's rows, each an observation named `NAME@DATE`.
fn data_observations(
    file: &SourceFile,
    data: &RawData,
    model: &Model,
) -> Result<Vec<Observation>, Located> {
    let series = measurable_series(&data.series, model).map_err(Located::Here)?;
    let aggregate = data.aggregate.as_deref().unwrap_or("month");
    if !["month", "mean", "sum"].contains(&aggregate) {
        return Err(Located::Here(
            Problem::new(format!("`{aggregate}` is not an aggregate of a data file"))
                .valid("month, mean or sum (a growth is an [[observation]])")
                .in_field("aggregate"),
        ));
    }
    let folder = file.path.parent().unwrap_or(Path::new("."));
    let shown = Path::new(&file.display_name)
        .parent()
        .unwrap_or(Path::new(""))
        .join(&data.file);
    let rows = DataFile::read(&folder.join(&data.file), shown.display().to_string()).map_err(
        |problems| match problems.0.first() {
            // The file itself could not be read (missing, a folder, too large): the fault is
            // the `file` field's, at its line of the evidence file.
            Some(problem) if matches!(problem.location, Some(Location::FileOnly { .. })) => {
                let message = format!("{}: {}", shown.display(), problem.message);
                Located::Here(
                    Problem::new(message)
                        .valid("a CSV file, from the evidence file's folder")
                        .in_field("file"),
                )
            }
            _ => Located::Elsewhere(problems),
        },
    )?;
    let error_name = data.error.as_deref().unwrap_or("normal");
    let mut observations = Vec::new();
    let mut problems = Vec::new();
    for row in &rows.rows {
        let at = |problem: Problem| {
            let location = Location::File {
                file: rows.display_name.clone(),
                line: row.line,
                column: 1,
            };
            let field = if problem.field.is_empty() {
                "date".to_string()
            } else {
                problem.field.clone()
            };
            Problem::at(location, field, problem.message, problem.help)
        };
        let reading = match aggregate {
            "month" => parsed_date(&row.date, model).and_then(|date| {
                let month = date.months_since(model.meta.start);
                if (0..=model.horizon() as i64).contains(&month) {
                    return Ok(Reading::Month(month as usize));
                }
                let start = model.meta.start;
                let end = start.offset(model.horizon() as i64);
                Err(
                    Problem::new(format!("`{}` is not a month of the run", row.date)).valid(
                        format!("a date from {start} to {end} (YYYY-MM or YYYY-MM-DD)"),
                    ),
                )
            }),
            "mean" => window_months(&row.date, model).map(Reading::Mean),
            _ => window_months(&row.date, model).map(Reading::Sum),
        };
        let error = ErrorModel::new(
            error_name,
            row.value,
            (row.low, row.high),
            row.sd.or(data.sd),
        )
        .map_err(|problem| match problem.field.as_str() {
            "error" => problem,
            _ => problem,
        });
        let known = reading.and_then(|reading| {
            let month = published_month(row.published.as_deref(), &reading, model)?;
            Ok((reading, month))
        });
        match (known, error) {
            (Ok((reading, month)), Ok(error)) => observations.push(Observation {
                name: format!("{}@{}", data.name, row.date),
                month,
                about: data.about.clone().unwrap_or_default(),
                source: data.source.clone().unwrap_or_default(),
                reasoning: data.reasoning.clone().unwrap_or_default(),
                likelihood: Likelihood::Measured(Measurement {
                    series,
                    reading,
                    error,
                }),
            }),
            (Err(problem), _) => problems.push(at(problem)),
            (_, Err(problem)) if problem.field == "error" => {
                return Err(Located::Here(problem));
            }
            (_, Err(problem)) if problem.field == "sd" && row.sd.is_none() => {
                return Err(Located::Here(problem));
            }
            (_, Err(problem)) => problems.push(at(problem)),
        }
    }
    if !problems.is_empty() {
        return Err(Located::Elsewhere(Problems(problems)));
    }
    Ok(observations)
}

/// The month a data row is known in: its `published` date's, which cannot come before the
/// months it reads nor after the run; without one, the last month it reads.
fn published_month(
    published: Option<&str>,
    reading: &Reading,
    model: &Model,
) -> Result<usize, Problem> {
    let last = reading.last_month();
    let Some(text) = published else {
        return Ok(last);
    };
    let start = model.meta.start;
    let (from, end) = (
        start.offset(last as i64),
        start.offset(model.horizon() as i64),
    );
    YearMonth::parse_date(text)
        .map(|date| date.months_since(start))
        .filter(|&month| (last as i64..=model.horizon() as i64).contains(&month))
        .map(|month| month as usize)
        .ok_or_else(|| {
            Problem::new(format!("`{text}` is not a release date for this row"))
                .valid(format!(
                    "a date from {from} (the last month the row reads) to {end} (YYYY-MM or \
                     YYYY-MM-DD)"
                ))
                .in_field("published")
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
