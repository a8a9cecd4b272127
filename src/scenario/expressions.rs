//! Compiling the expressions of a scenario file: names resolved to parameters and slots.
//!
//! An expression is a number, a name, or a table of terms whose keys are products of names
//! (`"partnership_weight*russian_distress" = 0.8`) and `constant`. A name is a parameter, a
//! driver or indicator, `month`, `posture=<name>` or `<regime>=<state>`. Which month's value a
//! name reads depends on where the expression stands (its [`Phase`]): drivers read last month's
//! state, the choice reads this month's drivers, indicators read this month's drivers and posture.

use std::collections::HashMap;

use crate::model::expr::{Factor, Term, MAX_FACTORS};
use crate::model::{ParameterId, Role, SlotLayout};
use crate::problem::Problem;

/// Where an expression is evaluated, which fixes which month each name reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before month 0: parameters and constants only.
    Initial,
    /// A driver's update: all series and the posture as they were last month.
    Driver,
    /// The actor's choice: this month's drivers, last month's indicators and posture.
    Choice,
    /// An indicator's update: this month's drivers and posture, last month's indicators.
    Indicator,
}

/// What a name in an expression can refer to.
#[derive(Debug, Clone)]
pub enum Symbol {
    Parameter(ParameterId),
    Series {
        index: usize,
        role: Role,
    },
    Regime {
        index: usize,
        role: Role,
        first_state: usize,
        states: Vec<String>,
    },
}

/// The names of a scenario, for resolving expressions.
pub struct SymbolTable {
    pub symbols: HashMap<String, Symbol>,
    pub postures: Vec<String>,
    pub layout: SlotLayout,
}

const RESERVED: [&str; 3] = ["constant", "month", "posture"];

pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

impl SymbolTable {
    /// Compiles one expression; the error is (message, what would be valid).
    pub fn compile(&self, value: &toml::Value, phase: Phase) -> Result<Vec<Term>, Problem> {
        match value {
            toml::Value::Integer(number) => Ok(vec![constant(*number as f64)]),
            toml::Value::Float(number) => finite(*number).map(|number| vec![constant(number)]),
            toml::Value::String(product) => Ok(vec![self.term(product, 1.0, phase)?]),
            toml::Value::Table(terms) => terms
                .iter()
                .map(|(key, coefficient)| {
                    let coefficient = number(coefficient)
                        .map_err(|problem| problem.within(&format!("term `{key}`")))?;
                    if key == "constant" {
                        Ok(constant(coefficient))
                    } else {
                        self.term(key, coefficient, phase)
                    }
                })
                .collect(),
            other => {
                let kind = other.type_str();
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                Err(
                    Problem::new(format!("an expression cannot be {article} {kind}"))
                        .valid(expression_help()),
                )
            }
        }
    }

    fn term(&self, product: &str, coefficient: f64, phase: Phase) -> Result<Term, Problem> {
        let names: Vec<&str> = product.split('*').map(str::trim).collect();
        if names.len() > MAX_FACTORS {
            return Err(
                Problem::new(format!("`{product}` multiplies {} names", names.len()))
                    .valid(format!("at most {MAX_FACTORS} names in one term")),
            );
        }
        let factors = names
            .iter()
            .map(|name| self.factor(name, phase))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Term {
            coefficient,
            factors,
        })
    }

    fn factor(&self, name: &str, phase: Phase) -> Result<Factor, Problem> {
        if let Some((left, right)) = name.split_once('=') {
            return self.indicator_factor(left.trim(), right.trim(), phase);
        }
        if name == "month" {
            return self
                .dynamic(phase, name)
                .map(|_| Factor::Slot(self.layout.month()));
        }
        match self.symbols.get(name) {
            Some(Symbol::Parameter(id)) => Ok(Factor::Parameter(*id)),
            Some(Symbol::Series { index, role }) => {
                self.dynamic(phase, name)?;
                Ok(Factor::Slot(self.series_slot(*index, *role, phase)))
            }
            Some(Symbol::Regime { states, .. }) => Err(Problem::new(format!(
                "`{name}` is a regime chain; name one of its states"
            ))
            .valid(
                states
                    .iter()
                    .map(|state| format!("{name}={state}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
            None => {
                Err(Problem::new(format!("unknown name `{name}`")).valid(self.valid_names(phase)))
            }
        }
    }

    /// `posture=<name>` or `<regime>=<state>`: 1 when true, else 0.
    fn indicator_factor(&self, left: &str, right: &str, phase: Phase) -> Result<Factor, Problem> {
        self.dynamic(phase, &format!("{left}={right}"))?;
        if left == "posture" {
            let index = self
                .postures
                .iter()
                .position(|posture| posture == right)
                .ok_or_else(|| {
                    Problem::new(format!("unknown posture `{right}`"))
                        .valid(self.postures.join(", "))
                })?;
            let slot = match phase {
                Phase::Indicator => self.layout.current_posture(index),
                _ => self.layout.previous_posture(index),
            };
            return Ok(Factor::Slot(slot));
        }
        match self.symbols.get(left) {
            Some(Symbol::Regime {
                role,
                first_state,
                states,
                ..
            }) => {
                let state = states
                    .iter()
                    .position(|state| state == right)
                    .ok_or_else(|| {
                        Problem::new(format!("`{left}` has no state `{right}`"))
                            .valid(states.join(", "))
                    })?;
                let current = reads_current(*role, phase);
                let slot = if current {
                    self.layout.current_regime(first_state + state)
                } else {
                    self.layout.previous_regime(first_state + state)
                };
                Ok(Factor::Slot(slot))
            }
            _ => Err(Problem::new(format!(
                "`{left}={right}`: `{left}` is neither `posture` nor a regime chain"
            ))
            .valid("posture=<posture name> or <regime>=<state>")),
        }
    }

    fn series_slot(&self, index: usize, role: Role, phase: Phase) -> u32 {
        if reads_current(role, phase) {
            self.layout.current_series(index)
        } else {
            self.layout.previous_series(index)
        }
    }

    fn dynamic(&self, phase: Phase, name: &str) -> Result<(), Problem> {
        if phase == Phase::Initial {
            return Err(Problem::new(format!(
                "`{name}` changes over time, but an initial value is fixed before month 0"
            ))
            .valid("numbers, parameters and products of them"));
        }
        Ok(())
    }

    fn valid_names(&self, phase: Phase) -> String {
        let mut names: Vec<&str> = self
            .symbols
            .iter()
            .filter(|(_, symbol)| phase != Phase::Initial || matches!(symbol, Symbol::Parameter(_)))
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        let mut help = format!("constant, {}", names.join(", "));
        if phase != Phase::Initial {
            help.push_str(", month, posture=<name>, <regime>=<state>");
        }
        help
    }
}

/// Drivers read this month's values of drivers outside the driver phase; indicators always read
/// last month's values of indicators.
fn reads_current(role: Role, phase: Phase) -> bool {
    match role {
        Role::Driver => matches!(phase, Phase::Choice | Phase::Indicator),
        Role::Indicator => false,
    }
}

fn constant(value: f64) -> Term {
    Term {
        coefficient: value,
        factors: Vec::new(),
    }
}

fn finite(value: f64) -> Result<f64, Problem> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Problem::new(format!("{value} is not a finite number")).valid("a finite number"))
    }
}

fn number(value: &toml::Value) -> Result<f64, Problem> {
    match value {
        toml::Value::Integer(number) => Ok(*number as f64),
        toml::Value::Float(number) => finite(*number),
        other => Err(Problem::new(format!(
            "the coefficient is {}, not a number",
            crate::problem::with_article(other.type_str())
        ))
        .valid("a finite number")),
    }
}

fn expression_help() -> String {
    "a number, a name, or a table of terms such as { constant = 0.2, civilian_harm = 0.5, \"war=settlement\" = -0.3 }".into()
}
