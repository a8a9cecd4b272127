//! A data file of an evidence file's `[[data]]`: a series' observed values, one row per date, in
//! CSV with a header: `date,value[,sd]`, or `date,low,high[,sd]` for intervals. A row's date is a
//! month (`2022-07`, `2022-07-15`) or, for a mean or a sum, any window (`2022`, `2022-Q3`,
//! `2022-03..2022-12`). An optional `published` column dates each row's release: a figure is
//! known, and assimilated, only from then. Every problem names the file, the line and the column.

use std::collections::HashMap;
use std::path::Path;

use crate::input::read_bounded;
use crate::problem::{Location, Problem, Problems};

/// Data files larger than this are refused: years of monthly data take a few kilobytes.
const MAX_DATA_BYTES: u64 = 16 * 1024 * 1024;

/// One row as written, with where it stands.
#[derive(Debug, Clone)]
pub struct DataRow {
    pub line: usize,
    pub date: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub sd: Option<f64>,
    /// When the figure was released, as written; empty or absent: at its date's last month.
    pub published: Option<String>,
}

/// A data file's rows.
#[derive(Debug)]
pub struct DataFile {
    pub display_name: String,
    pub rows: Vec<DataRow>,
}

const COLUMNS: [&str; 6] = ["date", "value", "low", "high", "sd", "published"];
const HELP: &str = "a CSV header of date,value[,sd][,published] or date,low,high[,sd][,published]";

impl DataFile {
    /// Reads `path`, shown as `display_name` in messages.
    pub fn read(path: &Path, display_name: String) -> Result<Self, Problems> {
        let at = |line: usize, column: &str, message: String, help: &str| {
            let location = Location::File {
                file: display_name.clone(),
                line,
                column: 1,
            };
            Problem::at(location, column, message, Some(help.to_string()))
        };
        let bytes = read_bounded(path, MAX_DATA_BYTES).map_err(|error| {
            let location = Location::FileOnly {
                file: display_name.clone(),
            };
            Problems::single(
                Problem::new(error.to_string())
                    .located(location)
                    .valid(HELP),
            )
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(bytes.as_slice());
        let headers = reader
            .headers()
            .map_err(|error| Problems::single(at(1, "", error.to_string(), HELP)))?
            .clone();
        let columns = column_positions(&headers)
            .map_err(|message| Problems::single(at(1, "", message, HELP)))?;
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    match row(&record, &columns, line) {
                        Ok(row) => rows.push(row),
                        Err((column, message, help)) => {
                            problems.push(at(line, column, message, help))
                        }
                    }
                }
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line() as usize);
                    problems.push(at(line, "", error.to_string(), HELP));
                }
            }
        }
        if rows.is_empty() && problems.is_empty() {
            problems.push(at(1, "", "the file has no rows".into(), HELP));
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        Ok(DataFile { display_name, rows })
    }
}

fn column_positions(headers: &csv::StringRecord) -> Result<HashMap<&'static str, usize>, String> {
    let mut positions = HashMap::new();
    for (position, header) in headers.iter().enumerate() {
        let Some(name) = COLUMNS.iter().find(|name| **name == header) else {
            return Err(format!("`{header}` is not a column of a data file"));
        };
        if positions.insert(*name, position).is_some() {
            return Err(format!("the column `{header}` is given twice"));
        }
    }
    if !positions.contains_key("date") {
        return Err("the file has no `date` column".into());
    }
    let has = |column| positions.contains_key(column);
    match (has("value"), has("low"), has("high")) {
        (true, false, false) | (false, true, true) => Ok(positions),
        _ => Err("a file has either a `value` column or both `low` and `high`".into()),
    }
}

type RowProblem = (&'static str, String, &'static str);

fn row(
    record: &csv::StringRecord,
    columns: &HashMap<&'static str, usize>,
    line: usize,
) -> Result<DataRow, RowProblem> {
    let text = |column: &'static str| columns.get(column).and_then(|&at| record.get(at));
    let number = |column: &'static str| -> Result<Option<f64>, RowProblem> {
        match text(column) {
            None | Some("") if column == "sd" => Ok(None),
            None => Ok(None),
            Some(text) => match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(Some(value)),
                _ => Err((
                    column,
                    format!("`{text}` is not a number"),
                    "a finite number in the series' units",
                )),
            },
        }
    };
    let date = text("date").unwrap_or_default();
    if date.is_empty() {
        return Err((
            "date",
            "the date is empty".into(),
            "a month (2022-07) or a window",
        ));
    }
    Ok(DataRow {
        line,
        date: date.to_string(),
        value: number("value")?,
        low: number("low")?,
        high: number("high")?,
        sd: number("sd")?,
        published: text("published")
            .filter(|text| !text.is_empty())
            .map(str::to_string),
    })
}
