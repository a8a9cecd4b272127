//! Expressions bound to paths: the engine's evaluators of a model's [`ExprTable`].
//!
//! Per path, [`BoundExprs`] folds the parameter factors into the coefficients, so the monthly loop
//! only multiplies slots of a flat `f64` array: no names, no hashing, no branches on factor kinds.
//! [`LaneExprs`] does the same for a group of paths, one lane each, with the same arithmetic.

use crate::model::expr::{ExprId, ExprTable, Factor, MAX_FACTORS};
use crate::simd::AlignedVec;

/// A term after its parameters are folded in: `coefficient * slots[a] * slots[b] * slots[c]`.
/// Unused factors point at the slot that always holds 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct BoundTerm {
    pub coefficient: f64,
    pub slots: [u32; MAX_FACTORS],
}

/// Every expression of a model bound to one path's parameter values. Its shape (which terms
/// read which slots) is fixed by the model and laid out once per worker; binding a path only
/// recomputes the coefficients and constants, without allocating.
#[derive(Debug, Clone, Default)]
pub struct BoundExprs {
    /// Each expression: its part that is constant along the path, and its terms' range.
    exprs: Vec<BoundExpr>,
    /// The terms that read slots, grouped by expression.
    terms: Vec<BoundTerm>,
    /// For each entry of `terms`, how its coefficient is made from the parameters.
    term_recipes: Vec<Recipe>,
    /// The terms that read no slot: (expression, recipe), summed into its constant.
    constant_recipes: Vec<(u32, Recipe)>,
    /// The slot that always holds 1, which unused factors point at.
    one_slot: u32,
}

/// One bound expression: `constant` plus the sum of `terms[start..end]`.
#[derive(Debug, Clone, Copy, Default)]
struct BoundExpr {
    constant: f64,
    start: u32,
    end: u32,
}

/// A coefficient times up to [`MAX_FACTORS`] parameters.
#[derive(Debug, Clone, Copy, Default)]
struct Recipe {
    coefficient: f64,
    parameters: [u32; MAX_FACTORS],
    count: u8,
}

impl Recipe {
    #[inline]
    fn value(&self, parameters: &[f64]) -> f64 {
        self.parameters[..self.count as usize]
            .iter()
            .fold(self.coefficient, |product, &index| {
                product * parameters[index as usize]
            })
    }

    /// [`Recipe::value`] on every lane, from parameters laid out lane by lane.
    #[inline(always)]
    fn lanes<const L: usize>(&self, parameters: &[[f64; L]]) -> [f64; L] {
        let mut product = [self.coefficient; L];
        for &index in &self.parameters[..self.count as usize] {
            let values = &parameters[index as usize];
            for lane in 0..L {
                product[lane] *= values[lane];
            }
        }
        product
    }
}

impl BoundExprs {
    /// Lays out the model's expressions. `one_slot` always holds 1.0.
    pub fn new(table: &ExprTable, one_slot: u32) -> Self {
        let mut bound = BoundExprs {
            one_slot,
            ..BoundExprs::default()
        };
        for (expr, &(start, end)) in table.ranges.iter().enumerate() {
            let first = bound.terms.len() as u32;
            for term in &table.terms[start as usize..end as usize] {
                let mut recipe = Recipe {
                    coefficient: term.coefficient,
                    ..Recipe::default()
                };
                let mut slots = [one_slot; MAX_FACTORS];
                let mut used = 0;
                for factor in &term.factors {
                    match *factor {
                        Factor::Parameter(index) => {
                            recipe.parameters[recipe.count as usize] = index.0;
                            recipe.count += 1;
                        }
                        Factor::Slot(slot) => {
                            slots[used] = slot;
                            used += 1;
                        }
                    }
                }
                if used == 0 {
                    bound.constant_recipes.push((expr as u32, recipe));
                } else {
                    bound.terms.push(BoundTerm {
                        coefficient: 0.0,
                        slots,
                    });
                    bound.term_recipes.push(recipe);
                }
            }
            bound.exprs.push(BoundExpr {
                constant: 0.0,
                start: first,
                end: bound.terms.len() as u32,
            });
        }
        bound
    }

    /// Folds one path's `parameters` into every expression.
    pub fn bind(&mut self, parameters: &[f64]) {
        for (term, recipe) in self.terms.iter_mut().zip(&self.term_recipes) {
            term.coefficient = recipe.value(parameters);
        }
        for expr in &mut self.exprs {
            expr.constant = 0.0;
        }
        for (expr, recipe) in &self.constant_recipes {
            self.exprs[*expr as usize].constant += recipe.value(parameters);
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

/// The expressions of a model bound to the parameters of several paths at once, one lane per
/// path: the same terms, with a coefficient per lane. Evaluating gives every lane's value with
/// the same arithmetic, in the same order, as [`BoundExprs::evaluate`] gives each alone.
#[derive(Debug, Clone)]
pub struct LaneExprs<const L: usize> {
    shape: BoundExprs,
    coefficients: AlignedVec<[f64; L]>,
    /// Each term's coefficient where it folds in no parameter, and so is the same on every lane.
    shared: Vec<Option<f64>>,
    constants: AlignedVec<[f64; L]>,
    /// The paths' parameter values lane by lane, `parameters[p][lane]`, so a coefficient is
    /// made for every lane at once (laid out by the first bind).
    parameters: AlignedVec<[f64; L]>,
}

impl<const L: usize> LaneExprs<L> {
    /// Lays out the model's expressions. `one_slot` always holds 1.0.
    pub fn new(table: &ExprTable, one_slot: u32) -> Self {
        let shape = BoundExprs::new(table, one_slot);
        LaneExprs {
            coefficients: AlignedVec::from_elem([0.0; L], shape.terms.len()),
            shared: shape
                .term_recipes
                .iter()
                .map(|recipe| (recipe.count == 0).then_some(recipe.coefficient))
                .collect(),
            constants: AlignedVec::from_elem([0.0; L], shape.exprs.len()),
            parameters: AlignedVec::from_elem([0.0; L], 0),
            shape,
        }
    }

    /// Folds each lane's path parameters (`rows[lane]`) into every expression, each term's
    /// coefficient for all lanes at once, with the multiplications in the order
    /// [`BoundExprs::bind`] makes them for one path.
    #[inline(always)]
    pub fn bind(&mut self, rows: &[&[f64]; L]) {
        self.transpose(rows);
        let parameters = &self.parameters;
        let recipes = &self.shape.term_recipes;
        for (coefficient, recipe) in self.coefficients.iter_mut().zip(recipes) {
            *coefficient = recipe.lanes(parameters);
        }
        for constant in &mut self.constants {
            *constant = [0.0; L];
        }
        for (expr, recipe) in &self.shape.constant_recipes {
            let constant = &mut self.constants[*expr as usize];
            let value = recipe.lanes(parameters);
            for lane in 0..L {
                constant[lane] += value[lane];
            }
        }
    }

    /// Lays the rows' parameter values out lane by lane.
    #[inline(always)]
    fn transpose(&mut self, rows: &[&[f64]; L]) {
        let count = rows[0].len();
        if self.parameters.len() != count {
            self.parameters = AlignedVec::from_elem([0.0; L], count);
        }
        for (lane, row) in rows.iter().enumerate() {
            for (lanes, &value) in self.parameters.iter_mut().zip(row.iter()) {
                lanes[lane] = value;
            }
        }
    }

    /// Every lane's value of the expression for the current slots: the expression's constants
    /// where it reads no slot, else its value written to `value`.
    #[inline(always)]
    pub fn evaluate<'a>(
        &'a self,
        id: ExprId,
        slots: &[[f64; L]],
        value: &'a mut [f64; L],
    ) -> &'a [f64; L] {
        let index = id.0 as usize;
        let expr = self.shape.exprs[index];
        let constant = &self.constants[index];
        let terms = expr.start as usize..expr.end as usize;
        if terms.is_empty() {
            return constant;
        }
        // Every lane at once through every term: the running sums stay in registers (eight
        // of them with the widest vectors), and each term's kind is looked at once, not once
        // per few lanes (measured: about a sixth off the lane engine against sixteen lanes at a
        // time, on every instruction set).
        let mut sum = *constant;
        for position in terms {
            let term = &self.shape.terms[position];
            let coefficient = &self.coefficients[position];
            let a = &slots[term.slots[0] as usize];
            // A factor that is the slot holding 1 multiplies exactly by 1, so skipping it
            // keeps every lane's value the same to the bit.
            let one_slot = term.slots[1] == self.shape.one_slot;
            if let (true, Some(shared)) = (one_slot, self.shared[position]) {
                // A coefficient without parameters is every lane's: one register, no loads.
                for lane in 0..L {
                    sum[lane] += shared * a[lane];
                }
            } else if one_slot {
                for lane in 0..L {
                    sum[lane] += coefficient[lane] * a[lane];
                }
            } else {
                let b = &slots[term.slots[1] as usize];
                let c = &slots[term.slots[2] as usize];
                for lane in 0..L {
                    sum[lane] += coefficient[lane] * a[lane] * b[lane] * c[lane];
                }
            }
        }
        *value = sum;
        value
    }

    /// Every lane's value of the expression for the current slots, always written to `value`.
    #[inline(always)]
    pub fn evaluate_into(&self, id: ExprId, slots: &[[f64; L]], value: &mut [f64; L]) {
        let index = id.0 as usize;
        let expr = self.shape.exprs[index];
        if expr.start == expr.end {
            *value = self.constants[index];
        } else {
            self.evaluate(id, slots, value);
        }
    }
}
