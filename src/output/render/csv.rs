//! Numbers as the tables write them, and a table's bytes.

use crate::error::{Context, Result};

use crate::stats::Estimate;

/// The columns of an estimate, in the order [`estimate_fields`] gives them.
pub const ESTIMATE_COLUMNS: [&str; 4] = ["probability", "ci_low", "ci_high", "std_error"];

/// A probability-like number with six decimals; empty when undefined.
pub fn fixed6(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.6}")
    } else {
        String::new()
    }
}

/// A value in its own units with four decimals; empty when undefined.
pub fn fixed4(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.4}")
    } else {
        String::new()
    }
}

/// The bytes of a table written into memory.
pub fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|error| error.into_error())
        .context("cannot finish a table")
}

/// An estimate's probability, 95% interval and standard error, six decimals each.
pub fn estimate_fields(estimate: &Estimate) -> [String; 4] {
    [
        estimate.probability,
        estimate.ci_low,
        estimate.ci_high,
        estimate.std_error,
    ]
    .map(fixed6)
}
