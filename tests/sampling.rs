//! Sampling: distribution moments, Latin hypercube strata, rank correlations, pinned draws.

use foresight::model::distribution::{normal_cdf, Distribution, IntervalShape};
use foresight::model::{Correlation, CorrelationTarget};
use foresight::sampling::correlation::RankCorrelation;
use foresight::sampling::rng::{open_unit, standard_normal, stream, Stream};
use rand::Rng;

mod common;

const DRAWS: usize = 200_000;

/// Sample mean and variance, and their standard errors from the sample's own moments.
fn moments(values: &[f64]) -> (f64, f64, f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let fourth = values.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
    let mean_se = (variance / n).sqrt();
    let variance_se = ((fourth - variance * variance) / n).sqrt();
    (mean, variance, mean_se, variance_se)
}

fn check(name: &str, distribution: Distribution) {
    let mut rng = stream(99, Stream::Parameter, name.len() as u64);
    let values: Vec<f64> = (0..DRAWS)
        .map(|_| distribution.quantile(open_unit(&mut rng)))
        .collect();
    let (mean, variance, mean_se, variance_se) = moments(&values);
    let (true_mean, true_variance) = (distribution.mean(), distribution.variance());
    assert!(
        (mean - true_mean).abs() < 4.0 * mean_se,
        "{name}: mean {mean} vs {true_mean} (se {mean_se})"
    );
    assert!(
        (variance - true_variance).abs() < 4.0 * variance_se,
        "{name}: variance {variance} vs {true_variance} (se {variance_se})"
    );
}

#[test]
fn beta_moments() {
    check("beta", Distribution::beta(2.0, 5.0, 0.0, 1.0).unwrap());
    check(
        "scaled beta",
        Distribution::beta(0.7, 1.3, -2.0, 3.0).unwrap(),
    );
}

#[test]
fn normal_moments() {
    check(
        "normal",
        Distribution::normal(3.0, 2.0, f64::NEG_INFINITY, f64::INFINITY).unwrap(),
    );
    check(
        "truncated normal",
        Distribution::normal(0.0, 1.0, -0.5, 2.0).unwrap(),
    );
}

#[test]
fn log_normal_moments() {
    check(
        "log-normal",
        Distribution::log_normal(0.2_f64.exp(), 0.4).unwrap(),
    );
}

#[test]
fn triangular_and_pert_moments() {
    check(
        "triangular",
        Distribution::triangular(1.0, 2.0, 6.0).unwrap(),
    );
    check("pert", Distribution::pert(0.2, 0.6, 1.0, 4.0).unwrap());
}

#[test]
fn uniform_and_categorical_moments() {
    check("uniform", Distribution::uniform(-1.0, 4.0).unwrap());
    check(
        "categorical",
        Distribution::categorical(&[1.0, 2.0, 5.0], &[2.0, 5.0, 3.0]).unwrap(),
    );
}

#[test]
fn log_uniform_moments_and_orders_of_magnitude() {
    let distribution = Distribution::log_uniform(0.1, 10.0).unwrap();
    check("log-uniform", distribution.clone());
    // Each order of magnitude holds the same share: the median is the geometric midpoint.
    assert!((distribution.quantile(0.5) - 1.0).abs() < 1e-12);
    assert!((distribution.quantile(0.25) - 10f64.powf(-0.5)).abs() < 1e-12);
    for (min, max, field) in [(0.0, 1.0, "min"), (2.0, 1.0, "max"), (-1.0, 1.0, "min")] {
        let problem = Distribution::log_uniform(min, max).unwrap_err();
        assert_eq!(problem.field, field, "log_uniform({min}, {max}): {problem}");
    }
}

#[test]
fn interval90_puts_the_percentiles_where_the_analyst_said() {
    for distribution in [
        Distribution::interval90(2.0, 8.0, IntervalShape::Normal).unwrap(),
        Distribution::interval90(0.5, 2.0, IntervalShape::LogNormal).unwrap(),
    ] {
        let (p5, p95) = match distribution {
            Distribution::Normal { .. } => (2.0, 8.0),
            _ => (0.5, 2.0),
        };
        assert!(
            (distribution.quantile(0.05) - p5).abs() < 1e-9,
            "{distribution:?}"
        );
        assert!(
            (distribution.quantile(0.95) - p95).abs() < 1e-9,
            "{distribution:?}"
        );
    }
}

#[test]
fn latin_hypercube_fills_each_stratum_exactly_once() {
    let model = common::load_text(
        &common::two_state_model(0.1, 0.3, 3, 5000),
        &["run.sampling=\"latin_hypercube\""],
    );
    let sampler = foresight::sampling::ParameterSampler::new(&model);
    let mut sample = foresight::sampling::BlockSample::default();
    for block in 0..2 {
        sampler.sample_block(block, &mut sample);
        let rows = sample.rows;
        assert_eq!(rows, if block == 0 { 4096 } else { 5000 - 4096 });
        let mut filled = vec![0u32; rows];
        for row in 0..rows {
            // `lean` is uniform on [0, 1], so its value is its own quantile.
            filled[(sample.row(row)[0] * rows as f64) as usize] += 1;
        }
        assert!(
            filled.iter().all(|&count| count == 1),
            "block {block}: strata not filled exactly once"
        );
    }
}

/// A block too small for Iman-Conover keeps its shuffled strata: its columns are not all
/// handed over in the same (sorted) order.
#[test]
fn a_block_too_small_to_correlate_is_still_shuffled() {
    let model = common::load("scenarios/base.toml", &["run.paths=8"]);
    assert!(model.uncertain.len() + 2 > 8, "the block must be too small");
    let sampler = foresight::sampling::ParameterSampler::new(&model);
    let mut sample = foresight::sampling::BlockSample::default();
    sampler.sample_block(0, &mut sample);
    let sorted = model.uncertain.iter().filter(|&&parameter| {
        let column: Vec<f64> = (0..sample.rows)
            .map(|row| sample.row(row)[parameter])
            .collect();
        column.windows(2).all(|pair| pair[0] <= pair[1])
    });
    assert!(sorted.count() < 2, "columns left in stratum order");
}

fn spearman(first: &[f64], second: &[f64]) -> f64 {
    let ranks = |values: &[f64]| {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        let mut ranks = vec![0.0; values.len()];
        for (rank, index) in order.into_iter().enumerate() {
            ranks[index] = rank as f64;
        }
        ranks
    };
    let (a, b) = (ranks(first), ranks(second));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let covariance: f64 = a.iter().zip(&b).map(|(x, y)| (x - mean) * (y - mean)).sum();
    let variance: f64 = a.iter().map(|x| (x - mean).powi(2)).sum();
    covariance / variance
}

#[test]
fn iman_conover_induces_the_rank_correlation_and_keeps_the_marginals() {
    let rows = 4096;
    let correlation = RankCorrelation::new(&target(2, &[(0, 1, 0.6)]));
    let mut rng = stream(5, Stream::Parameter, 0);
    let mut sample: Vec<f64> = (0..rows * 2).map(|_| open_unit(&mut rng)).collect();
    let mut before: Vec<f64> = sample.iter().skip(1).step_by(2).copied().collect();
    correlation.apply(
        &mut sample,
        2,
        rows,
        &[0, 1],
        false,
        &mut stream(5, Stream::Correlation, 0),
    );
    let first: Vec<f64> = sample.iter().step_by(2).copied().collect();
    let second: Vec<f64> = sample.iter().skip(1).step_by(2).copied().collect();
    let rho = spearman(&first, &second);
    // Standard error of Spearman's rho near 0.6 with 4096 rows is about 0.01.
    assert!((rho - 0.6).abs() < 0.04, "rank correlation {rho}");
    let mut after = second.clone();
    before.sort_by(f64::total_cmp);
    after.sort_by(f64::total_cmp);
    assert_eq!(before, after, "the column's values must only be reordered");
}

#[test]
fn impossible_correlations_are_refused() {
    let pairs = [(0, 1, -0.9), (0, 2, -0.9), (1, 2, -0.9)];
    let correlations = pairs.map(|(first, second, rank)| Correlation {
        first,
        second,
        rank,
    });
    assert!(CorrelationTarget::new(3, correlations.to_vec()).is_err());
}

/// A checked target from (column, column, rank) pairs that hold together.
fn target(size: usize, pairs: &[(usize, usize, f64)]) -> CorrelationTarget {
    let correlations = pairs
        .iter()
        .map(|&(first, second, rank)| Correlation {
            first,
            second,
            rank,
        })
        .collect();
    CorrelationTarget::new(size, correlations).expect("positive definite")
}

#[test]
fn normal_cdf_inverts_the_quantile() {
    for u in [0.01, 0.2, 0.5, 0.77, 0.99] {
        let z = Distribution::normal(0.0, 1.0, f64::NEG_INFINITY, f64::INFINITY)
            .unwrap()
            .quantile(u);
        assert!((normal_cdf(z) - u).abs() < 1e-9, "{u}: {}", normal_cdf(z));
    }
}

/// The first draws of named streams are pinned: a change of generator, seeding or of a library's
/// sampling algorithm would change every published figure, and must be deliberate.
#[test]
fn value_stability_of_seeded_streams() {
    let mut rng = stream(20220314, Stream::Path, 0);
    assert_eq!(
        [rng.next_u64(), rng.next_u64(), rng.next_u64()],
        [
            9904351330612763701,
            7251995116021463274,
            8018785779585788618
        ]
    );
    let mut rng = stream(20220314, Stream::Path, 7);
    assert_eq!(standard_normal(&mut rng), -0.3709154094696632);
    let mut rng = stream(1, Stream::Parameter, 3);
    let u = open_unit(&mut rng);
    assert_eq!(u, 0.9426321356722345);
    let beta = Distribution::beta(2.0, 5.0, 0.0, 1.0).unwrap();
    assert_eq!(beta.quantile(u), 0.568690042626631);
}

/// Columns handed over in ascending order (a Latin hypercube drawn stratum by stratum) skip the
/// sort, and land in the same rows as when they are sorted first.
#[test]
fn iman_conover_needs_no_sort_for_ascending_columns() {
    let rows = 4096;
    let correlation = RankCorrelation::new(&target(3, &[(0, 2, 0.5)]));
    let mut rng = stream(13, Stream::Parameter, 0);
    let mut columns: Vec<Vec<f64>> = (0..3)
        .map(|_| {
            (0..rows)
                .map(|_| (open_unit(&mut rng) * 50.0).floor())
                .collect()
        })
        .collect();
    for column in &mut columns {
        column.sort_by(f64::total_cmp);
    }
    let ascending: Vec<f64> = (0..rows * 3).map(|i| columns[i % 3][i / 3]).collect();
    let mut unsorted = ascending.clone();
    for column in 0..3 {
        let mut values: Vec<f64> = (0..rows).map(|row| ascending[row * 3 + column]).collect();
        let mut rng = stream(13, Stream::Bootstrap, column as u64);
        foresight::sampling::rng::shuffle(&mut values, &mut rng);
        for (row, value) in values.into_iter().enumerate() {
            unsorted[row * 3 + column] = value;
        }
    }
    let reorder = |sample: &mut Vec<f64>, ascending: bool| {
        let mut rng = stream(13, Stream::Correlation, 0);
        correlation.apply(sample, 3, rows, &[0, 1, 2], ascending, &mut rng);
    };
    let mut sorted_first = ascending.clone();
    reorder(&mut sorted_first, true);
    reorder(&mut unsorted, false);
    assert_eq!(sorted_first, unsorted);
    assert_ne!(sorted_first, ascending, "the rows were reordered");
}

/// The rows Iman-Conover gives each value are pinned for a seed, so that a faster sort (or any
/// other change) that moved a single value would be caught. The first column holds many equal
/// values, whose order among themselves must not matter.
#[test]
fn iman_conover_reorders_a_block_the_same_way_for_a_seed() {
    let rows = 4096;
    let correlation = RankCorrelation::new(&target(2, &[(0, 1, -0.3)]));
    let mut rng = stream(11, Stream::Parameter, 0);
    let mut sample: Vec<f64> = (0..rows * 2)
        .map(|i| match i % 2 {
            0 => (open_unit(&mut rng) * 8.0).floor(),
            _ => open_unit(&mut rng),
        })
        .collect();
    let mut correlation_rng = stream(11, Stream::Correlation, 0);
    correlation.apply(&mut sample, 2, rows, &[0, 1], false, &mut correlation_rng);
    let first_rows: Vec<u64> = sample[..8].iter().map(|value| value.to_bits()).collect();
    // 7, 0.3335735141624641, 3, 0.09421911974586533, 3, 0.9296681946083891, 4, 0.7358899931469929
    let pinned: [u64; 8] = [
        4619567317775286272,
        4599680746134236881,
        4613937818241073152,
        4591453623744423412,
        4613937818241073152,
        4606548926214909502,
        4616189618054758400,
        4604803527343121364,
    ];
    assert_eq!(first_rows, pinned, "{:?}", sample[..8].to_vec());
    // Every row, folded FNV-1a style, so a value moved anywhere in the block is caught.
    let folded = sample.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, value| {
        (hash ^ value.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    });
    assert_eq!(folded, 7_124_422_442_291_245_739, "folded rows");
}
