//! An evidence case's `when`: tests joined with `and` and `or` (`and` binds tighter, as in
//! `war=settlement and sanctions_pressure<0.4 or posture=arms_length`), each optionally negated
//! with `not` (`not war=settlement@any 1..6`). A test is read at the
//! observation's month, unless it names its own months as `--given` does
//! (`war=settlement@any 1..12`, `sanctions_pressure>0.5@2022-04..2022-09`): a window.

use super::condition::Condition;
use super::state_test::StateTest;
use crate::engine::PathView;
use crate::model::Model;
use crate::problem::Problem;

/// One test of a `when`.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    /// Read at the observation's month.
    AtMonth(StateTest),
    /// Over its own months.
    Window(Condition),
    /// Holds when the test does not.
    Not(Box<Term>),
}

impl Term {
    fn holds(&self, path: &impl PathView, parameters: &[f64], month: usize) -> bool {
        match self {
            Term::AtMonth(test) => test.holds(path, parameters, month),
            Term::Window(condition) => condition.holds(path, parameters),
            Term::Not(term) => !term.holds(path, parameters, month),
        }
    }

    fn last_month(&self, month: usize) -> usize {
        match self {
            Term::AtMonth(_) => month,
            Term::Window(condition) => condition.last_month(),
            Term::Not(term) => term.last_month(month),
        }
    }
}

/// Alternatives (`or`), each a conjunction (`and`) of terms.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    alternatives: Vec<Vec<Term>>,
}

impl When {
    pub fn parse(text: &str, model: &Model) -> Result<When, Problem> {
        let alternatives = text
            .split(" or ")
            .map(|alternative| {
                alternative
                    .split(" and ")
                    .map(|term| parse_term(term.trim(), model))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(When { alternatives })
    }

    /// The last month it reads when tested at `month`.
    pub fn last_month(&self, month: usize) -> usize {
        self.alternatives
            .iter()
            .flatten()
            .map(|term| term.last_month(month))
            .max()
            .unwrap_or(month)
    }

    /// Whether some alternative has every one of its tests hold.
    pub fn holds(&self, path: &impl PathView, parameters: &[f64], month: usize) -> bool {
        self.alternatives
            .iter()
            .any(|terms| terms.iter().all(|term| term.holds(path, parameters, month)))
    }
}

fn parse_term(term: &str, model: &Model) -> Result<Term, Problem> {
    if let Some(negated) = term.strip_prefix("not ") {
        return parse_term(negated.trim(), model).map(|term| Term::Not(Box::new(term)));
    }
    if term.contains('@') {
        Condition::parse(term, model).map(Term::Window)
    } else {
        StateTest::parse(term, model).map(Term::AtMonth)
    }
}
