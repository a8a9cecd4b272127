//! How large an expression can get: the sum over its terms of |coefficient| times the largest
//! size of each factor (a parameter's largest draw, a series' range, 1 for a one-hot slot, the
//! horizon for `month`). Validation refuses an expression whose bound is past
//! [`MAX_MAGNITUDE`], so no month of any path can compute an infinity, or a NaN from one.

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
                        bound * self.factor_magnitude(*factor)
                    })
            })
            .sum()
    }

    fn factor_magnitude(&self, factor: Factor) -> f64 {
        match factor {
            Factor::Parameter(id) => match &self.parameters[id].value {
                ParameterValue::Fixed(value) => value.abs(),
                ParameterValue::Uncertain(distribution) => distribution.largest_magnitude(),
            },
            Factor::Slot(slot) => self.slot_magnitude(slot as usize),
        }
    }

    fn slot_magnitude(&self, slot: usize) -> f64 {
        let layout = self.slots;
        if slot == layout.one() as usize {
            return 1.0;
        }
        if slot == layout.month() as usize {
            return self.horizon() as f64;
        }
        let position = slot % layout.block();
        let Some(series) = self.series.get(position) else {
            // A posture's or a regime state's one-hot slot.
            return 1.0;
        };
        match &series.kind {
            SeriesKind::Process(process) => process.min.abs().max(process.max.abs()),
            SeriesKind::Formula { min, max, .. } => min.abs().max(max.abs()),
            SeriesKind::Regime(regime) => regime.states.len().saturating_sub(1) as f64,
            SeriesKind::Event(_) => 1.0,
        }
    }
}
