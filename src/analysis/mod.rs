//! The statistics of analysis, on samples of paths: which inputs drive an output (one-at-a-time
//! swings, first-order Sobol indices, partial rank correlations), where in the inputs' space an
//! outcome happens (PRIM boxes), and how strongly an observation tells outcomes apart
//! (likelihood ratios). Everything here is plain arithmetic on columns of numbers: it knows
//! nothing of models or runs, so each method is tested on functions with known answers.

pub mod first_order;
pub mod likelihood_ratio;
pub mod prcc;
pub mod prim;
pub mod ranks;
pub mod swing;

/// An estimated index or correlation with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Interval {
    /// An estimate nothing could be said about (the output never varied, say).
    pub const UNDEFINED: Interval = Interval {
        value: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
    };
}
