//! Numbers as the tables write them, and a table's bytes.

use anyhow::Result;

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
        .map_err(|error| anyhow::anyhow!("cannot finish a table: {error}"))
}
