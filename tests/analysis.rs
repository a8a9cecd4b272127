//! The analysis methods on functions whose answers are known in closed form.

use std::f64::consts::PI;

use foresight::analysis::first_order::FirstOrder;
use foresight::analysis::prcc::partial_rank_correlations;
use foresight::analysis::prim::{find_boxes, PrimData, PrimSettings};
use foresight::sampling::rng::{open_unit, standard_normal, stream, Stream};

/// `rows` rows of `inputs` independent uniforms on (low, high), as columns.
fn uniform_columns(inputs: usize, rows: usize, low: f64, high: f64, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = stream(seed, Stream::Parameter, 0);
    let mut columns = vec![Vec::with_capacity(rows); inputs];
    for _ in 0..rows {
        for column in columns.iter_mut() {
            column.push(low + (high - low) * open_unit(&mut rng));
        }
    }
    columns
}

#[test]
fn first_order_indices_recover_the_ishigami_function() {
    // Y = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1 on (-π, π)³. Closed form (a = 7, b = 0.1):
    // V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0.
    let (a, b) = (7.0, 0.1);
    let pi4 = PI.powi(4);
    let variance = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi4 * pi4 / 18.0 + 0.5;
    let expected = [
        (1.0 + b * pi4 / 5.0).powi(2) / 2.0 / variance,
        a * a / 8.0 / variance,
        0.0,
    ];
    let inputs = uniform_columns(3, 30_000, -PI, PI, 11);
    let output: Vec<f64> = (0..30_000)
        .map(|i| {
            let (x1, x2, x3) = (inputs[0][i], inputs[1][i], inputs[2][i]);
            x1.sin() + a * x2.sin().powi(2) + b * x3.powi(4) * x1.sin()
        })
        .collect();
    let indices = &FirstOrder::new(&inputs).indices(&[output], 5)[0];
    for (input, (index, truth)) in indices.iter().zip(expected).enumerate() {
        // The bootstrap interval, widened by the binning's small smoothing bias.
        let slack = 0.01;
        assert!(
            index.ci_low - slack <= truth && truth <= index.ci_high + slack,
            "x{}: {index:?} against {truth:.4}",
            input + 1
        );
        assert!(
            index.ci_high - index.ci_low < 0.05,
            "x{}: {index:?}",
            input + 1
        );
    }
}

#[test]
fn first_order_indices_of_an_additive_model_are_its_variance_shares() {
    // Y = x1 + 2 x2 + 3 x3 on uniforms: shares 1/14, 4/14, 9/14, and 0 for x4.
    let inputs = uniform_columns(4, 20_000, 0.0, 1.0, 12);
    let output: Vec<f64> = (0..20_000)
        .map(|i| inputs[0][i] + 2.0 * inputs[1][i] + 3.0 * inputs[2][i])
        .collect();
    let indices = &FirstOrder::new(&inputs).indices(&[output], 6)[0];
    for (index, truth) in indices
        .iter()
        .zip([1.0 / 14.0, 4.0 / 14.0, 9.0 / 14.0, 0.0])
    {
        assert!(
            index.ci_low - 0.01 <= truth && truth <= index.ci_high + 0.01,
            "{index:?} against {truth:.4}"
        );
    }
}

#[test]
fn first_order_intervals_are_reproducible_from_the_seed() {
    let inputs = uniform_columns(2, 2_000, 0.0, 1.0, 13);
    let output: Vec<f64> = (0..2_000).map(|i| inputs[0][i] * inputs[1][i]).collect();
    let first = FirstOrder::new(&inputs).indices(std::slice::from_ref(&output), 9);
    let again = FirstOrder::new(&inputs).indices(&[output], 9);
    assert_eq!(first, again);
}

#[test]
fn partial_rank_correlations_rank_and_sign_a_noisy_linear_model() {
    // Y = x1 - 2 x2 + 3 x3 + noise: |PRCC| ordered x3 > x2 > x1, x2 negative, x4 null.
    let inputs = uniform_columns(4, 10_000, 0.0, 1.0, 14);
    let mut rng = stream(14, Stream::Path, 0);
    let output: Vec<f64> = (0..10_000)
        .map(|i| {
            inputs[0][i] - 2.0 * inputs[1][i] + 3.0 * inputs[2][i] + 0.5 * standard_normal(&mut rng)
        })
        .collect();
    let prcc = partial_rank_correlations(&inputs, &output);
    assert!(prcc[1].value < 0.0 && prcc[0].value > 0.0 && prcc[2].value > 0.0);
    assert!(prcc[2].value.abs() > prcc[1].value.abs());
    assert!(prcc[1].value.abs() > prcc[0].value.abs());
    assert!(
        prcc[3].ci_low < 0.0 && 0.0 < prcc[3].ci_high,
        "{:?}",
        prcc[3]
    );
    for estimate in &prcc[..3] {
        assert!(
            estimate.ci_high > 0.3 || estimate.ci_low < -0.3,
            "{estimate:?}"
        );
    }
}

#[test]
fn prim_recovers_a_planted_box() {
    // Target rows: 0.2 <= x1 <= 0.6 and x3 >= 0.5; x2 and x4 are noise.
    let inputs = uniform_columns(4, 8_000, 0.0, 1.0, 15);
    let target: Vec<bool> = (0..8_000)
        .map(|i| (0.2..=0.6).contains(&inputs[0][i]) && inputs[2][i] >= 0.5)
        .collect();
    let data = PrimData {
        inputs: &inputs,
        target: &target,
    };
    let settings = PrimSettings {
        min_coverage: 0.9,
        ..PrimSettings::default()
    };
    let peeling = &find_boxes(&data, &settings, 1)[0];
    let found = peeling.chosen_box();
    assert_eq!(
        found.restricted,
        vec![true, false, true, false],
        "{found:?}"
    );
    assert!((found.lower[0] - 0.2).abs() < 0.02, "{found:?}");
    assert!((found.upper[0] - 0.6).abs() < 0.02, "{found:?}");
    assert!((found.lower[2] - 0.5).abs() < 0.02, "{found:?}");
    assert!(found.density > 0.97 && found.coverage > 0.9, "{found:?}");
    // Lifting either real restriction dilutes the box.
    let without = &peeling.density_without;
    assert!(
        without[0].unwrap() < 0.6 && without[2].unwrap() < 0.6,
        "{without:?}"
    );
    // The trade-off: density never falls and coverage never rises as the box is peeled.
    for pair in peeling.steps.windows(2) {
        assert!(pair[1].coverage <= pair[0].coverage);
    }
}

#[test]
fn a_second_prim_box_finds_a_second_planted_region() {
    // Two disjoint regions: x1 < 0.2, or x2 > 0.85.
    let inputs = uniform_columns(3, 10_000, 0.0, 1.0, 16);
    let target: Vec<bool> = (0..10_000)
        .map(|i| inputs[0][i] < 0.2 || inputs[1][i] > 0.85)
        .collect();
    let data = PrimData {
        inputs: &inputs,
        target: &target,
    };
    let boxes = find_boxes(&data, &PrimSettings::default(), 2);
    assert_eq!(boxes.len(), 2);
    let restricted: Vec<Vec<bool>> = boxes
        .iter()
        .map(|peeling| peeling.chosen_box().restricted.clone())
        .collect();
    assert!(
        restricted.contains(&vec![true, false, false]),
        "{restricted:?}"
    );
    assert!(
        restricted.contains(&vec![false, true, false]),
        "{restricted:?}"
    );
}
