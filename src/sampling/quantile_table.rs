//! Fast quantile functions for drawing parameters: a smooth distribution's quantile function,
//! costly to compute exactly (the beta's inverts an incomplete beta function by iteration), is
//! tabulated once per design and read by cubic Hermite interpolation. The body is tabulated
//! evenly in `u`; each tail, where the function curves sharply, evenly in `ln u` (or
//! `ln(1 - u)`), where it is smooth; only draws closer than `TAIL_LOW` to 0 or 1, one in ten
//! million, are computed exactly. The interpolation error is below 1e-8 of the distribution's
//! spread (its 1st to 99th percentile) for the shapes tested, far inside the Monte Carlo noise
//! of any output.

use crate::model::distribution::{normal_cdf, Distribution};

/// Cells of the table across its body.
const CELLS: usize = 2048;
/// Shares read together by [`Quantile::at_each`]: one AVX-512 register of doubles.
pub const READ_LANES: usize = 8;
/// The body: draws of `u` in [BODY_LOW, 1 - BODY_LOW] are read from the body's table.
const BODY_LOW: f64 = 1.0 / 64.0;
/// Cells of each tail's table.
const TAIL_CELLS: usize = 512;
/// The tails' tables reach down to this distance from 0 or 1; draws beyond are exact.
const TAIL_LOW: f64 = 1.0 / (1u64 << 24) as f64;

/// A distribution's quantile function, as the sampler reads it.
#[derive(Debug, Clone)]
pub enum Quantile {
    /// Cheap to compute exactly: uniform, log-uniform, triangular, categorical.
    Exact(Distribution),
    Table(QuantileTable),
}

/// The quantile function read from three tables: the lower tail, the body, the upper tail.
#[derive(Debug, Clone)]
pub struct QuantileTable {
    exact: Distribution,
    /// Over `u` in [BODY_LOW, 1 - BODY_LOW].
    body: HermiteTable,
    /// Over `ln u` in [ln TAIL_LOW, ln BODY_LOW].
    lower: HermiteTable,
    /// Over `ln(1 - u)` in [ln TAIL_LOW, ln BODY_LOW].
    upper: HermiteTable,
}

impl Quantile {
    pub fn of(distribution: &Distribution) -> Self {
        match distribution {
            Distribution::Beta { .. }
            | Distribution::Normal { .. }
            | Distribution::LogNormal { .. } => Quantile::Table(QuantileTable::new(distribution)),
            Distribution::Triangular { .. }
            | Distribution::Uniform { .. }
            | Distribution::LogUniform { .. }
            | Distribution::Categorical { .. } => Quantile::Exact(distribution.clone()),
        }
    }

    /// [`Quantile::at`] of every share in `units`, in place: the same values, with a table's
    /// body read [`READ_LANES`] shares at a time (vector work, where the processor has it).
    #[inline(always)]
    pub fn at_each(&self, units: &mut [f64]) {
        match self {
            Quantile::Exact(distribution) => {
                for u in units {
                    *u = distribution.quantile(*u);
                }
            }
            Quantile::Table(table) => table.at_each(units),
        }
    }

    /// The value below which a share `u` of the distribution lies; `u` in (0, 1).
    #[inline]
    pub fn at(&self, u: f64) -> f64 {
        match self {
            Quantile::Exact(distribution) => distribution.quantile(u),
            Quantile::Table(table) => table.at(u),
        }
    }
}

impl QuantileTable {
    fn new(distribution: &Distribution) -> Self {
        // The quantile function's slope in `u` is the reciprocal of the density where it lands.
        let slope = |value: f64| 1.0 / density(distribution, value);
        let body = HermiteTable::new(BODY_LOW, 1.0 - BODY_LOW, CELLS, |u| {
            let value = distribution.quantile(u);
            (value, slope(value))
        });
        let (tail_start, tail_end) = (TAIL_LOW.ln(), BODY_LOW.ln());
        let lower = HermiteTable::new(tail_start, tail_end, TAIL_CELLS, |log_u| {
            let u = log_u.exp();
            let value = distribution.quantile(u);
            (value, u * slope(value))
        });
        let upper = HermiteTable::new(tail_start, tail_end, TAIL_CELLS, |log_v| {
            let v = log_v.exp();
            let value = distribution.quantile(1.0 - v);
            (value, -v * slope(value))
        });
        QuantileTable {
            exact: distribution.clone(),
            body,
            lower,
            upper,
        }
    }

    /// [`QuantileTable::at`] of every share in `units`, in place: a register of shares that
    /// all fall in the body is read at once, any other one share at a time.
    #[inline(always)]
    fn at_each(&self, units: &mut [f64]) {
        let mut registers = units.chunks_exact_mut(READ_LANES);
        for register in &mut registers {
            let Ok(lanes) = <&mut [f64; READ_LANES]>::try_from(register) else {
                continue;
            };
            let in_body = lanes
                .iter()
                .all(|&u| (BODY_LOW..=1.0 - BODY_LOW).contains(&u));
            if !(in_body && self.body.at_lanes(lanes)) {
                for u in lanes {
                    *u = self.at(*u);
                }
            }
        }
        for u in registers.into_remainder() {
            *u = self.at(*u);
        }
    }

    #[inline]
    fn at(&self, u: f64) -> f64 {
        let read = if u < BODY_LOW {
            self.lower.at(u.ln())
        } else if u <= 1.0 - BODY_LOW {
            self.body.at(u)
        } else {
            // Exact: `u` lies within a factor of two of 1.
            self.upper.at((1.0 - u).ln())
        };
        read.unwrap_or_else(|| self.exact.quantile(u))
    }
}

/// A smooth function's values and slopes at evenly spaced points, read by cubic Hermite
/// interpolation.
#[derive(Debug, Clone)]
struct HermiteTable {
    start: f64,
    step: f64,
    /// Each point's value and slope times `step` (as the interpolation uses it), side by side:
    /// a read takes two neighbouring points, most often from one cache line.
    points: Vec<[f64; 2]>,
}

impl HermiteTable {
    /// `cells` cells over [start, end] of a function giving (value, slope) at a point.
    fn new(start: f64, end: f64, cells: usize, function: impl Fn(f64) -> (f64, f64)) -> Self {
        let step = (end - start) / cells as f64;
        let points = (0..=cells)
            .map(|k| {
                let (value, slope) = function(start + step * k as f64);
                [value, slope * step]
            })
            .collect();
        HermiteTable {
            start,
            step,
            points,
        }
    }

    /// The function at `x`, or `None` outside the table (NaN included).
    #[inline]
    fn at(&self, x: f64) -> Option<f64> {
        let position = (x - self.start) / self.step;
        let cells = (self.points.len() - 1) as f64;
        if !(0.0..cells).contains(&position) {
            return None;
        }
        let cell = position as usize;
        let ([y0, m0], [y1, m1]) = (self.points[cell], self.points[cell + 1]);
        Some(hermite(position - cell as f64, [y0, m0, y1, m1]))
    }

    /// [`HermiteTable::at`] of every lane of `x`, in place, if every lane lies in the table;
    /// `false`, leaving `x` as it was, if one does not. The same operations on every lane in
    /// the same order, so each value is the one-at-a-time read's to the bit.
    #[inline(always)]
    fn at_lanes<const L: usize>(&self, x: &mut [f64; L]) -> bool {
        let cells = (self.points.len() - 1) as f64;
        let position: [f64; L] = std::array::from_fn(|lane| (x[lane] - self.start) / self.step);
        if !position
            .iter()
            .all(|position| (0.0..cells).contains(position))
        {
            return false;
        }
        let cell: [usize; L] = std::array::from_fn(|lane| position[lane] as usize);
        let mut points = [[0.0; 4]; L];
        for (points, &cell) in points.iter_mut().zip(&cell) {
            let ([y0, m0], [y1, m1]) = (self.points[cell], self.points[cell + 1]);
            *points = [y0, m0, y1, m1];
        }
        for lane in 0..L {
            x[lane] = hermite(position[lane] - cell[lane] as f64, points[lane]);
        }
        true
    }
}

/// The cubic Hermite interpolation at `t` in [0, 1) of a cell from its ends' values and slopes
/// (times the cell's width), `[y0, m0, y1, m1]`.
#[inline(always)]
fn hermite(t: f64, [y0, m0, y1, m1]: [f64; 4]) -> f64 {
    let (t2, t3) = (t * t, t * t * t);
    (2.0 * t3 - 3.0 * t2 + 1.0) * y0
        + (t3 - 2.0 * t2 + t) * m0
        + (-2.0 * t3 + 3.0 * t2) * y1
        + (t3 - t2) * m1
}

/// The probability density at `x` of the distributions that are tabulated.
fn density(distribution: &Distribution, x: f64) -> f64 {
    use statrs::function::beta::ln_beta;
    let standard_normal = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    match *distribution {
        Distribution::Beta {
            alpha,
            beta,
            min,
            max,
        } => {
            let range = max - min;
            let y = (x - min) / range;
            let log = (alpha - 1.0) * y.ln() + (beta - 1.0) * (1.0 - y).ln() - ln_beta(alpha, beta);
            log.exp() / range
        }
        Distribution::Normal { mean, sd, min, max } => {
            let mass = normal_cdf((max - mean) / sd) - normal_cdf((min - mean) / sd);
            standard_normal((x - mean) / sd) / (sd * mass)
        }
        Distribution::LogNormal { mu, sigma } => {
            standard_normal((x.ln() - mu) / sigma) / (x * sigma)
        }
        // Computed exactly, never tabulated (see `Quantile::of`).
        Distribution::Triangular { .. }
        | Distribution::Uniform { .. }
        | Distribution::LogUniform { .. }
        | Distribution::Categorical { .. } => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::distribution::IntervalShape;

    /// The largest gap between table and exact quantiles, evenly across the body and evenly
    /// in log scale across both tails (down to 1e-10 of the edges, past the tables' reach).
    fn worst_error(distribution: &Distribution) -> f64 {
        let table = Quantile::of(distribution);
        let body = (1..100_000).map(|i| i as f64 / 100_000.0);
        let tail = (0..20_000).map(|i| 10f64.powf(-10.0 + 8.0 * i as f64 / 20_000.0));
        let tails = tail.flat_map(|v| [v, 1.0 - v]);
        body.chain(tails)
            .map(|u| (table.at(u) - distribution.quantile(u)).abs())
            .fold(0.0, f64::max)
    }

    /// Shares read a register at a time give each share's one-at-a-time value to the bit, on
    /// every instruction set: registers inside the body, reaching into a tail, or onto the
    /// body's edges, in random and in sorted order (as the design hands them over), and a
    /// remainder shorter than a register.
    #[test]
    fn reading_shares_together_is_reading_each_alone() {
        use crate::sampling::rng::{open_unit, stream, Stream};
        use crate::simd::{dispatch, Isa};
        let distributions = [
            Distribution::beta(2.0, 5.0, 0.0, 1.0),
            Distribution::pert(0.2, 0.6, 1.0, 4.0),
            Distribution::interval90(0.4, 1.6, IntervalShape::LogNormal),
            Distribution::normal(1.0, 2.0, 0.0, 3.0),
            Distribution::uniform(1.0, 2.0),
        ]
        .map(|distribution| distribution.expect("valid parameters"));
        let mut rng = stream(5, Stream::Bootstrap, 0);
        let mut shares: Vec<f64> = (0..40_000).map(|_| open_unit(&mut rng)).collect();
        let mut sorted = shares.clone();
        sorted.sort_by(f64::total_cmp);
        shares.extend(sorted);
        for edge in [BODY_LOW, 1.0 - BODY_LOW, TAIL_LOW, 1.0 - TAIL_LOW] {
            shares.extend([edge.next_down(), edge, edge.next_up()].repeat(3));
        }
        shares.extend([0.5; 5]);
        for isa in Isa::available() {
            for distribution in &distributions {
                let quantile = Quantile::of(distribution);
                let mut read = shares.clone();
                dispatch(isa, || quantile.at_each(&mut read));
                for (value, &u) in read.iter().zip(&shares) {
                    let alone = quantile.at(u);
                    assert_eq!(
                        value.to_bits(),
                        alone.to_bits(),
                        "{isa:?} {distribution:?} at {u}"
                    );
                }
            }
        }
    }

    #[test]
    fn tables_follow_the_exact_quantiles() {
        let cases = [
            Distribution::beta(2.0, 5.0, 0.0, 1.0),
            Distribution::beta(2.0, 38.0, 0.0, 1.0),
            Distribution::beta(0.5, 0.5, 0.0, 1.0),
            Distribution::pert(0.2, 0.6, 1.0, 4.0),
            Distribution::interval90(0.4, 1.6, IntervalShape::LogNormal),
            Distribution::normal(1.0, 2.0, 0.0, 3.0),
        ]
        .map(|distribution| distribution.expect("valid parameters"));
        for distribution in cases {
            let spread = distribution.quantile(0.99) - distribution.quantile(0.01);
            let error = worst_error(&distribution) / spread;
            assert!(error < 1e-8, "{distribution:?}: {error}");
        }
    }
}
