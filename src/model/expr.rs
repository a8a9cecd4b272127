//! Compiled expressions: weighted sums of products of parameters and state slots.
//!
//! A scenario writes `target = { constant = 0.2, civilian_harm = 0.4, "war=settlement" = -0.3 }`.
//! Loading compiles each term to a coefficient and at most [`MAX_FACTORS`] factors. Per path,
//! [`BoundExprs`] folds the parameter factors into the coefficients, so the monthly loop only
//! multiplies slots of a flat `f64` array: no names, no hashing, no branches on factor kinds.

/// The most factors one term may multiply.
pub const MAX_FACTORS: usize = 3;

/// Index of a compiled expression in [`ExprTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// What a factor multiplies by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// An uncertain or fixed parameter: constant along a path.
    Parameter(u32),
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
                        Factor::Parameter(index) => product * parameters[*index as usize],
                        Factor::Slot(_) => f64::NAN,
                    })
            })
            .sum()
    }
}

/// A term after its parameters are folded in: `coefficient * slots[a] * slots[b] * slots[c]`.
/// Unused factors point at the slot that always holds 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoundTerm {
    pub coefficient: f64,
    pub slots: [u32; MAX_FACTORS],
}

/// Every expression of a model bound to one path's parameter values. Built once per worker and
/// rebound per path without allocating.
#[derive(Debug, Clone, Default)]
pub struct BoundExprs {
    /// Each expression: its part that is constant along the path, and its terms' range.
    exprs: Vec<BoundExpr>,
    /// The terms that read slots, grouped by expression.
    terms: Vec<BoundTerm>,
}

/// One bound expression: `constant` plus the sum of `terms[start..end]`.
#[derive(Debug, Clone, Copy, Default)]
struct BoundExpr {
    constant: f64,
    start: u32,
    end: u32,
}

impl BoundExprs {
    pub fn with_capacity(table: &ExprTable) -> Self {
        BoundExprs {
            exprs: Vec::with_capacity(table.ranges.len()),
            terms: Vec::with_capacity(table.terms.len()),
        }
    }

    /// Folds `parameters` into every expression. `one_slot` always holds 1.0.
    pub fn bind(&mut self, table: &ExprTable, parameters: &[f64], one_slot: u32) {
        self.exprs.clear();
        self.terms.clear();
        for &(start, end) in &table.ranges {
            let first = self.terms.len() as u32;
            let mut constant = 0.0;
            for term in &table.terms[start as usize..end as usize] {
                let mut bound = BoundTerm {
                    coefficient: term.coefficient,
                    slots: [one_slot; MAX_FACTORS],
                };
                let mut used = 0;
                for factor in &term.factors {
                    match *factor {
                        Factor::Parameter(index) => bound.coefficient *= parameters[index as usize],
                        Factor::Slot(slot) => {
                            bound.slots[used] = slot;
                            used += 1;
                        }
                    }
                }
                if used == 0 {
                    constant += bound.coefficient;
                } else {
                    self.terms.push(bound);
                }
            }
            self.exprs.push(BoundExpr {
                constant,
                start: first,
                end: self.terms.len() as u32,
            });
        }
    }

    /// The expression's value for the current slots.
    #[inline(always)]
    pub fn evaluate(&self, id: ExprId, slots: &[f64]) -> f64 {
        let expr = self.exprs[id.0 as usize];
        if expr.start == expr.end {
            return expr.constant;
        }
        let mut value = expr.constant;
        for term in &self.terms[expr.start as usize..expr.end as usize] {
            value += term.coefficient
                * slots[term.slots[0] as usize]
                * slots[term.slots[1] as usize]
                * slots[term.slots[2] as usize];
        }
        value
    }
}
