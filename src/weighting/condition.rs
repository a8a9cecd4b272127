//! `--given`: keep only the paths whose history meets a condition, such as
//! `war=settlement@6` (in a settlement at month 6), `sanctions_pressure>0.6@1..12` (above 0.6
//! every month from 1 to 12) or `war=breakthrough@any 1..6` (at some month up to 6). A month is
//! a number counted from the scenario's start or a date (`war=settlement@2022-09`,
//! `@any 2022-04..2022-09`; a day, `2022-09-15`, stands for its month). Clauses are joined with
//! `and`.

use super::state_test::StateTest;
use crate::engine::PathView;
use crate::model::{Model, YearMonth};
use crate::problem::Problem;

/// One clause: a test over a range of months, at every month or at any of them.
#[derive(Debug, Clone, PartialEq)]
struct Clause {
    test: StateTest,
    first_month: usize,
    last_month: usize,
    at_any: bool,
}

/// A compiled condition. Invariant: months lie within the model's horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    clauses: Vec<Clause>,
    /// As the user wrote it, for reports.
    pub text: String,
}

const HELP: &str = "TEST@MONTH, TEST@FIRST..LAST (every month) or TEST@any FIRST..LAST, joined \
                    with `and`, a month being a number from the start or a date (YYYY-MM); for \
                    instance war=settlement@6 and sanctions_pressure>0.5@2022-04..2022-09";

impl Condition {
    /// Parses `text` against `model`; the error says what is wrong and what would be valid.
    pub fn parse(text: &str, model: &Model) -> Result<Self, Problem> {
        let clauses = text
            .split(" and ")
            .flat_map(|part| part.split("&&"))
            .map(|clause| parse_clause(clause.trim(), model))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition {
            clauses,
            text: text.to_string(),
        })
    }

    /// The last month any clause reads.
    pub fn last_month(&self) -> usize {
        self.clauses
            .iter()
            .map(|clause| clause.last_month)
            .max()
            .unwrap_or(0)
    }

    /// Whether the path meets every clause.
    pub fn holds(&self, path: &impl PathView, parameters: &[f64]) -> bool {
        self.clauses.iter().all(|clause| {
            let mut months = clause.first_month..=clause.last_month;
            let passes = |month| clause.test.holds(path, parameters, month);
            if clause.at_any {
                months.any(passes)
            } else {
                months.all(passes)
            }
        })
    }
}

fn parse_clause(clause: &str, model: &Model) -> Result<Clause, Problem> {
    let Some((test, months)) = clause.rsplit_once('@') else {
        return Err(Problem::new(format!("`{clause}` says no month")).valid(HELP));
    };
    let test = StateTest::parse(test.trim(), model)
        .map_err(|problem| problem.within(&format!("in `{clause}`")))?;
    let months = months.trim();
    let (at_any, range) = match months.strip_prefix("any") {
        Some(rest) => (true, rest.trim()),
        None => (false, months),
    };
    let (first_month, last_month) = month_range(range, model)
        .map_err(|message| Problem::new(format!("in `{clause}`: {message}")).valid(HELP))?;
    Ok(Clause {
        test,
        first_month,
        last_month,
        at_any,
    })
}

fn month_range(text: &str, model: &Model) -> Result<(usize, usize), String> {
    let (horizon, start) = (model.horizon(), model.meta.start);
    let (first, last) = text.split_once("..").unwrap_or((text, text));
    let month = |part: &str| {
        YearMonth::month_number(part, start)
            .ok_or_else(|| format!("`{}` is not a month or a date", part.trim()))
    };
    let (first, last) = (month(first)?, month(last)?);
    let within = 0..=horizon as i64;
    if first > last || !within.contains(&first) || !within.contains(&last) {
        let (from, to) = (start, start.offset(horizon as i64));
        return Err(format!(
            "`{}` is not a range within the run: months 0..{horizon}, {from} to {to}",
            text.trim()
        ));
    }
    Ok((first as usize, last as usize))
}
