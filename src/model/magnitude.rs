//! How large an expression can get, and where it can lie. Its size bound is the sum over its
//! terms of |coefficient| times the largest size of each factor (a parameter's largest draw, a
//! series' range, 1 for a one-hot slot, the horizon for `month`); validation refuses one past
//! [`MAX_MAGNITUDE`], so no month of any path can compute an infinity, or a NaN from one. Its
//! range is each term's extremes added, which validation uses to refuse a probability, rate or
//! sd that can never come within its own range.

use super::expr::{ExprId, Factor};
use super::{Model, ParameterValue, SeriesKind};

/// The largest size an expression may reach. Updates multiply two expressions (a reversion rate
/// by a gap) and add a few, so 1e100 keeps every intermediate far inside what an `f64` holds
/// (about 1.8e308), and it is far beyond any quantity a scenario measures.
pub const MAX_MAGNITUDE: f64 = 1e100;

impl Model {
    /// The largest size expression `id` can reach on any path in any month.
    pub fn largest_magnitude(&self, id: ExprId) -> f64 {
        self.exprs
            .terms_of(id)
            .iter()
            .map(|term| {
                term.factors
                    .iter()
                    .fold(term.coefficient.abs(), |bound, factor| {
                        let (low, high) = self.factor_range(*factor);
                        bound * low.abs().max(high.abs())
                    })
            })
            .sum()
    }

    /// The least and greatest values expression `id` can take on any path in any month, as far
    /// as its terms' ranges tell (each term's own extremes, added): a range that holds every
    /// value, and may hold more.
    pub fn value_range(&self, id: ExprId) -> (f64, f64) {
        self.exprs
            .terms_of(id)
            .iter()
            .map(|term| {
                let constant = (term.coefficient, term.coefficient);
                term.factors.iter().fold(constant, |range, factor| {
                    times(range, self.factor_range(*factor))
                })
            })
            .fold((0.0, 0.0), |(low, high), term| {
                (low + term.0, high + term.1)
            })
    }

    fn factor_range(&self, factor: Factor) -> (f64, f64) {
        match factor {
            Factor::Parameter(id) => match &self.parameters[id].value {
                ParameterValue::Fixed(value) => (*value, *value),
                ParameterValue::Uncertain(distribution) => distribution.draw_range(),
            },
            Factor::Slot(slot) => self.slot_range(slot as usize),
        }
    }

    fn slot_range(&self, slot: usize) -> (f64, f64) {
        let layout = self.slots;
        if slot == layout.one() as usize {
            return (1.0, 1.0);
        }
        if slot == layout.month() as usize {
            return (0.0, self.horizon() as f64);
        }
        let position = slot % layout.block();
        let Some(series) = self.series.get(position) else {
            // A posture's or a regime state's one-hot slot.
            return (0.0, 1.0);
        };
        match &series.kind {
            SeriesKind::Process(process) => (process.min, process.max),
            SeriesKind::Formula { min, max, .. } => (*min, *max),
            SeriesKind::Regime(regime) => (0.0, regime.states.len().saturating_sub(1) as f64),
            SeriesKind::Event(_) => (0.0, 1.0),
        }
    }
}

/// The range of a product of two ranges; an infinity times zero counts as any value.
fn times((a, b): (f64, f64), (c, d): (f64, f64)) -> (f64, f64) {
    let products = [a * c, a * d, b * c, b * d];
    if products.iter().any(|p| p.is_nan()) {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    products
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), p| {
            (low.min(*p), high.max(*p))
        })
}
