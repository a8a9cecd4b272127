//! Compiled expressions: weighted sums of products of parameters and state slots.
//!
//! A scenario writes `target = { constant = 0.2, civilian_harm = 0.4, "war=settlement" = -0.3 }`.
//! Loading compiles each term to a coefficient and at most [`MAX_FACTORS`] factors. The engine
//! binds them to a path's parameters (`engine::bound_exprs`), so its monthly loop only multiplies
//! slots of a flat `f64` array: no names, no hashing, no branches on factor kinds.

use super::ParameterId;

/// The most factors one term may multiply.
pub const MAX_FACTORS: usize = 3;

/// Index of a compiled expression in [`ExprTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// What a factor multiplies by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// An uncertain or fixed parameter: constant along a path.
    Parameter(ParameterId),
    /// A slot of the path's state (see [`crate::model::SlotLayout`]).
    Slot(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub coefficient: f64,
    pub factors: Vec<Factor>,
}

/// All expressions of a model, flattened.
#[derive(Debug, Clone, Default)]
pub struct ExprTable {
    pub terms: Vec<Term>,
    /// Each expression's range in `terms`.
    pub ranges: Vec<(u32, u32)>,
}

impl ExprTable {
    pub fn push(&mut self, terms: Vec<Term>) -> ExprId {
        let start = self.terms.len() as u32;
        self.terms.extend(terms);
        self.ranges.push((start, self.terms.len() as u32));
        ExprId(self.ranges.len() as u32 - 1)
    }

    pub fn constant(&mut self, value: f64) -> ExprId {
        self.push(vec![Term {
            coefficient: value,
            factors: Vec::new(),
        }])
    }

    pub fn terms_of(&self, id: ExprId) -> &[Term] {
        let (start, end) = self.ranges[id.0 as usize];
        &self.terms[start as usize..end as usize]
    }

    /// Evaluates an expression that reads only parameters (initial values, say).
    pub fn evaluate_static(&self, id: ExprId, parameters: &[f64]) -> f64 {
        self.terms_of(id)
            .iter()
            .map(|term| {
                term.factors
                    .iter()
                    .fold(term.coefficient, |product, factor| match factor {
                        Factor::Parameter(id) => product * parameters[*id],
                        Factor::Slot(_) => f64::NAN,
                    })
            })
            .sum()
    }
}
