//! The sampling design: every path's parameter values, drawn block by block.
//!
//! Paths are grouped in blocks of [`BLOCK_PATHS`] (the last may be shorter). Each block is its own
//! design: a Latin hypercube (every one of its strata filled exactly once per parameter) or plain
//! Monte Carlo, then reordered for the declared rank correlations. A block depends only on the
//! seed and its index, so any thread or shard that runs it draws the same values, and memory does
//! not grow with the number of paths.

use super::blocks::BLOCK_PATHS;
use super::correlation::RankCorrelation;
use super::quantile_table::Quantile;
use super::rng::{open_unit, shuffle, stream, Stream};
use crate::model::{Model, ParameterId, ParameterValue, Sampling};
use crate::simd::Isa;

/// Draws the parameter values of whole blocks.
#[derive(Debug, Clone)]
pub struct ParameterSampler {
    seed: u64,
    paths: u64,
    sampling: Sampling,
    /// Every parameter's fixed value (uncertain ones overwritten per path).
    fixed: Vec<f64>,
    /// (parameter index, quantile function) of the uncertain ones.
    uncertain: Vec<(usize, Quantile)>,
    correlation: Option<RankCorrelation>,
    /// Parameters held at one value on every path, after the design is drawn.
    pins: Vec<(usize, f64)>,
    /// The vector instructions quantile tables are read with (the same values on any).
    isa: Isa,
}

/// One block's values: row-major, one row of all parameters per path.
#[derive(Debug, Clone, Default)]
pub struct BlockSample {
    pub first_path: u64,
    pub rows: usize,
    pub stride: usize,
    pub values: Vec<f64>,
    strata: Vec<u32>,
    /// One column's shares, then its values, before they go to their rows.
    units: Vec<f64>,
}

impl BlockSample {
    pub fn row(&self, row: usize) -> &[f64] {
        &self.values[row * self.stride..(row + 1) * self.stride]
    }
}

/// Every parameter's value with the uncertain ones at their means, and the uncertain ones'
/// indices with their quantile functions: what a design fills in per path.
pub fn parameter_columns(model: &Model) -> (Vec<f64>, Vec<(usize, Quantile)>) {
    let fixed = model
        .parameters
        .iter()
        .map(|parameter| match &parameter.value {
            ParameterValue::Fixed(value) => *value,
            ParameterValue::Uncertain(distribution) => distribution.mean(),
        })
        .collect();
    let uncertain = model
        .uncertain
        .iter()
        .filter_map(|&id| match &model.parameters[id].value {
            ParameterValue::Uncertain(distribution) => {
                Some((id.index(), Quantile::of(distribution)))
            }
            ParameterValue::Fixed(_) => None,
        })
        .collect();
    (fixed, uncertain)
}

impl ParameterSampler {
    pub fn new(model: &Model) -> Self {
        let (fixed, uncertain) = parameter_columns(model);
        let correlation = model.correlations.as_ref().map(RankCorrelation::new);
        ParameterSampler {
            seed: model.run.seed,
            paths: model.run.paths,
            sampling: model.run.sampling,
            fixed,
            uncertain,
            correlation,
            pins: Vec::new(),
            isa: Isa::detect(),
        }
    }

    /// The number of paths the design draws.
    pub fn paths(&self) -> u64 {
        self.paths
    }

    /// The same design drawing only its first `paths` paths (all of the same blocks but the
    /// last, which may be cut short).
    pub fn first_paths(&self, paths: u64) -> Self {
        let mut shorter = self.clone();
        shorter.paths = paths.min(self.paths);
        shorter
    }

    /// The same design with `parameter` held at `value` on every path. The other parameters keep
    /// exactly the values they draw without the pin, so two pinned designs differ only in it:
    /// common random numbers for a one-at-a-time swing.
    pub fn pinned(&self, parameter: ParameterId, value: f64) -> Self {
        let mut pinned = self.clone();
        pinned.pins.push((parameter.index(), value));
        pinned
    }

    /// Fills `out` with block `block`'s values.
    pub fn sample_block(&self, block: u64, out: &mut BlockSample) {
        let first_path = block * BLOCK_PATHS;
        let rows = (self.paths - first_path).min(BLOCK_PATHS) as usize;
        let stride = self.fixed.len();
        out.first_path = first_path;
        out.rows = rows;
        out.stride = stride;
        out.values.clear();
        for _ in 0..rows {
            out.values.extend_from_slice(&self.fixed);
        }
        for (position, (parameter, distribution)) in self.uncertain.iter().enumerate() {
            let index = (block << 16) | position as u64;
            let mut rng = stream(self.seed, Stream::Parameter, index);
            self.fill_column(distribution, *parameter, &mut rng, out);
        }
        if let Some(correlation) = &self.correlation {
            let columns: Vec<usize> = self.uncertain.iter().map(|(index, _)| *index).collect();
            let mut rng = stream(self.seed, Stream::Correlation, block);
            let ascending = self.sampling == Sampling::LatinHypercube;
            correlation.apply(&mut out.values, stride, rows, &columns, ascending, &mut rng);
        }
        for &(parameter, value) in &self.pins {
            for row in 0..rows {
                out.values[row * stride + parameter] = value;
            }
        }
    }

    /// Whether rank correlations set the order of a block's rows themselves. Then a Latin
    /// hypercube leaves its strata in order, handing each column over sorted (Iman-Conover
    /// deals the values out from their sorted order), with no shuffle and no sort.
    fn reordered(&self, rows: usize) -> bool {
        self.correlation
            .as_ref()
            .is_some_and(|correlation| correlation.reorders(rows))
    }

    fn fill_column(
        &self,
        distribution: &Quantile,
        column: usize,
        rng: &mut super::rng::StreamRng,
        out: &mut BlockSample,
    ) {
        let rows = out.rows;
        out.units.clear();
        match self.sampling {
            Sampling::MonteCarlo => out.units.extend((0..rows).map(|_| open_unit(rng))),
            Sampling::LatinHypercube => {
                out.strata.clear();
                out.strata.extend(0..rows as u32);
                if !self.reordered(rows) {
                    shuffle(&mut out.strata, rng);
                }
                let shares = out
                    .strata
                    .iter()
                    .map(|&stratum| (stratum as f64 + open_unit(rng)) / rows as f64);
                out.units.extend(shares);
            }
        }
        crate::simd::dispatch(
            self.isa,
            #[inline(always)]
            || distribution.at_each(&mut out.units),
        );
        for (row, &value) in out.units.iter().enumerate() {
            out.values[row * out.stride + column] = value;
        }
    }
}
