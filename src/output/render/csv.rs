//! Numbers as the tables write them, and a table's bytes.

use crate::error::{Context, Result};

use crate::stats::Estimate;

/// The columns of an estimate, in the order [`estimate_fields`] gives them.
pub const ESTIMATE_COLUMNS: [&str; 4] = ["probability", "ci_low", "ci_high", "std_error"];

/// A probability-like number with six decimals; empty when undefined.
pub fn fixed6(value: f64) -> String {
    fixed(value, 6)
}

/// A value in its own units with four decimals; empty when undefined.
pub fn fixed4(value: f64) -> String {
    fixed(value, 4)
}

/// A cell that is empty where the value does not apply (NaN), else the value as `format` writes it.
pub fn blank_if_nan(value: f64, format: fn(f64) -> String) -> String {
    if value.is_nan() {
        String::new()
    } else {
        format(value)
    }
}

/// `format!("{value:.decimals$}")` (`decimals` at most 6), empty when undefined. The standard
/// library settles a value that lies exactly halfway between two outputs (as many quantiles
/// read from histogram bins do) by its slowest algorithm; a finite double times `10^decimals`
/// is an exact integer sum in 128 bits, rounded here half to even as it rounds.
fn fixed(value: f64, decimals: u32) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let scale = 10u64.pow(decimals);
    match scaled_half_even(value.abs(), scale) {
        Some(units) => {
            let sign = if value.is_sign_negative() { "-" } else { "" };
            let (whole, fraction) = (units / scale, units % scale);
            format!(
                "{sign}{whole}.{fraction:0width$}",
                width = decimals as usize
            )
        }
        None => format!("{value:.prec$}", prec = decimals as usize),
    }
}

/// `magnitude * scale` rounded to the nearest integer, ties to even; `None` past `u64`.
fn scaled_half_even(magnitude: f64, scale: u64) -> Option<u64> {
    let bits = magnitude.to_bits();
    let (biased, fraction) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    // magnitude = mantissa * 2^exponent, exactly.
    let (mantissa, exponent) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased - 1075),
    };
    let product = u128::from(mantissa) * u128::from(scale);
    if exponent >= 0 {
        let shifted = product.checked_shl(exponent as u32)?;
        return u64::try_from(shifted)
            .ok()
            .filter(|_| shifted >> exponent == product);
    }
    let shift = exponent.unsigned_abs();
    if shift >= 127 {
        // The product is below 2^73, far under half a unit: zero.
        return Some(0);
    }
    let whole = product >> shift;
    let remainder = product - (whole << shift);
    let half = 1u128 << (shift - 1);
    let up = remainder > half || (remainder == half && whole & 1 == 1);
    u64::try_from(whole + u128::from(up)).ok()
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

#[cfg(test)]
mod tests {
    use super::{fixed4, fixed6};
    use crate::sampling::rng::StreamRng;
    use rand::{Rng, SeedableRng};

    fn check(value: f64) {
        if !value.is_finite() {
            return;
        }
        assert_eq!(
            fixed4(value),
            format!("{value:.4}"),
            "{value:e} at 4 decimals"
        );
        assert_eq!(
            fixed6(value),
            format!("{value:.6}"),
            "{value:e} at 6 decimals"
        );
    }

    #[test]
    fn fixed_decimals_are_the_standard_librarys() {
        let mut rng = StreamRng::seed_from_u64(7);
        for _ in 0..200_000 {
            // Every exponent, and the ones tables print most densely.
            check(f64::from_bits(rng.next_u64()));
            let (unit, power) = (rng.next_u64() >> 11, (rng.next_u64() % 25) as i32 - 9);
            check(unit as f64 / (1u64 << 53) as f64 * 10f64.powi(power));
        }
        // Exact ties between two outputs at either precision, and their neighbours.
        for denominator_bits in 1..=24 {
            let denominator = (1u64 << denominator_bits) as f64;
            for numerator in 0..600u32 {
                let value = (f64::from(numerator) + 0.5) / denominator;
                for nudged in [value, value.next_up(), value.next_down(), 1234.0 + value] {
                    check(nudged);
                    check(-nudged);
                }
            }
        }
        for edge in [
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            0.00005,
            0.0000005,
            1.8e15,
            1.9e15,
            f64::MAX,
            f64::MIN,
        ] {
            check(edge);
        }
        assert_eq!(fixed4(f64::NAN), "");
        assert_eq!(fixed6(f64::INFINITY), "");
    }
}
