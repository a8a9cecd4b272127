//! The actor's logit choice among postures, for one path or a lane group at once, and the
//! exponential it weighs postures with.
//!
//! The exponential is computed here, not by the platform's `libm`: a range reduction and a
//! polynomial in plain IEEE operations, with no fused multiply-add, round the same on every
//! machine and at every vector width. So the one-path engine and the lane engine (whatever
//! vector instructions it runs with) weigh every posture to the same bit, and the lane engine
//! can weigh all its lanes at once instead of calling a library one lane at a time.

/// `e^x`, within 2 ulp of the exact value (tested against the platform's `exp`). Every
/// value rounds the same on every machine: only additions, multiplications and bit moves.
/// Infinities and NaN behave as `f64::exp`'s.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 in two parts (fdlibm's): the first has 32 significant bits, so k times it is exact.
    const LN2_HIGH: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LOW: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // 1.5 * 2^52: adding it rounds to an integer, which lands in the low bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    // Beyond these, e^x is 0 or infinite anyway; within, 2^k splits into two normal factors.
    const LIMIT: f64 = 1400.0;
    let x = if x < -LIMIT { -LIMIT } else { x };
    let x = if x > LIMIT { LIMIT } else { x };
    let shifted = x * LOG2_E + SHIFTER;
    let k_float = shifted - SHIFTER;
    let k = shifted.to_bits().wrapping_sub(SHIFTER.to_bits()) as i64;
    // x = k ln 2 + r, with |r| <= ln 2 / 2.
    let r = (x - k_float * LN2_HIGH) - k_float * LN2_LOW;
    let half_k = k >> 1;
    power_of_two(k - half_k) * (exp_reduced(r) * power_of_two(half_k))
}

/// `e^r` for |r| <= ln 2 / 2: its Taylor series to the 13th power, whose remainder is below
/// 1e-17, as `1 + r q(r)` with `q` summed in Estrin's scheme: pairs of terms, then pairs of
/// pairs, so a lone call waits on a few multiplications instead of a chain of thirteen.
#[inline(always)]
fn exp_reduced(r: f64) -> f64 {
    // 1 / (k + 1)!: the coefficients of q.
    const C: [f64; 13] = [
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pairs = [
        C[0] + C[1] * r,
        C[2] + C[3] * r,
        C[4] + C[5] * r,
        C[6] + C[7] * r,
        C[8] + C[9] * r,
        C[10] + C[11] * r,
    ];
    let low = (pairs[0] + pairs[1] * r2) + (pairs[2] + pairs[3] * r2) * r4;
    let high = (pairs[4] + pairs[5] * r2) + C[12] * r4;
    1.0 + r * (low + high * r8)
}

/// `2^k` for |k| <= 1022, built from its bits.
#[inline(always)]
fn power_of_two(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Draws an index with probability proportional to `exp(utility)`, using the uniform `draw`.
/// Overwrites `utilities` with the unnormalised weights.
#[inline(always)]
pub fn logit_draw(utilities: &mut [f64], draw: f64) -> usize {
    let highest = utilities.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !highest.is_finite() {
        return 0;
    }
    let mut total = 0.0;
    for utility in utilities.iter_mut() {
        *utility = weight(*utility, highest);
        total += *utility;
    }
    let mut threshold = draw * total;
    for (index, weight) in utilities.iter().enumerate() {
        if threshold < *weight {
            return index;
        }
        threshold -= weight;
    }
    utilities
        .iter()
        .rposition(|weight| *weight > 0.0)
        .unwrap_or(0)
}

/// [`logit_draw`] on every lane: `utilities[index][lane]` is lane's utility of `index`, and
/// becomes its weight; `chosen[lane]` gets the index lane draws (as a number). Written as
/// selects over all lanes, so each lane's index and weights are [`logit_draw`]'s, to the bit.
#[inline(always)]
pub fn logit_draw_lanes<const L: usize>(
    utilities: &mut [[f64; L]],
    draws: &[f64; L],
    chosen: &mut [f64; L],
) {
    const NONE: f64 = -1.0;
    let mut highest = [f64::NEG_INFINITY; L];
    for lanes in utilities.iter() {
        for lane in 0..L {
            highest[lane] = highest[lane].max(lanes[lane]);
        }
    }
    let mut total = [0.0; L];
    for lanes in utilities.iter_mut() {
        for lane in 0..L {
            lanes[lane] = weight(lanes[lane], highest[lane]);
            total[lane] += lanes[lane];
        }
    }
    let mut threshold: [f64; L] = std::array::from_fn(|lane| draws[lane] * total[lane]);
    // The last index of positive weight, where the draw runs past every weight.
    let mut last_positive = [0.0; L];
    *chosen = [NONE; L];
    for (index, weights) in utilities.iter().enumerate() {
        let index = index as f64;
        for lane in 0..L {
            let open = chosen[lane] == NONE;
            chosen[lane] = if open && threshold[lane] < weights[lane] {
                index
            } else {
                chosen[lane]
            };
            threshold[lane] -= weights[lane];
            last_positive[lane] = if weights[lane] > 0.0 {
                index
            } else {
                last_positive[lane]
            };
        }
    }
    for lane in 0..L {
        let drawn = if chosen[lane] == NONE {
            last_positive[lane]
        } else {
            chosen[lane]
        };
        chosen[lane] = if highest[lane].is_finite() {
            drawn
        } else {
            0.0
        };
    }
}

/// The unnormalised weight of `utility` when the highest is `highest`: exactly 1 for the
/// highest and 0 for an excluded one (-inf), as `exp` gives.
#[inline(always)]
fn weight(utility: f64, highest: f64) -> f64 {
    let weight = exp(utility - highest);
    let weight = if utility == f64::NEG_INFINITY {
        0.0
    } else {
        weight
    };
    if utility == highest {
        1.0
    } else {
        weight
    }
}

#[cfg(test)]
mod tests {
    use super::{exp, logit_draw, logit_draw_lanes};
    use crate::sampling::rng::{stream, unit, Stream};

    /// How many representable doubles lie between `a` and `b`.
    fn ulps_apart(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_platforms() {
        let mut rng = stream(3, Stream::Bootstrap, 0);
        let mut worst = 0;
        for _ in 0..1_000_000 {
            let x = -745.0 + 1454.0 * unit(&mut rng);
            let (ours, platform) = (exp(x), x.exp());
            // Subnormal results keep fewer bits: compare those absolutely.
            if platform < f64::MIN_POSITIVE {
                assert!((ours - platform).abs() <= 2.0 * f64::from_bits(1), "{x}");
                continue;
            }
            worst = worst.max(ulps_apart(ours, platform));
        }
        assert!(worst <= 2, "{worst} ulp");
    }

    #[test]
    fn exp_keeps_the_special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert!(ulps_apart(exp(1.0), std::f64::consts::E) <= 1);
    }

    /// Pins the bits of a few values: a change to the reduction or the polynomial changes every
    /// run's results, and should be deliberate.
    #[test]
    fn exp_values_are_stable() {
        let bits: Vec<u64> = [-700.5, -3.25, -0.1, 0.3, 12.0]
            .iter()
            .map(|&x| exp(x).to_bits())
            .collect();
        assert_eq!(
            bits,
            [
                0x00c4_ff47_5c68_ca02,
                0x3fa3_da36_8521_902d,
                0x3fec_f46d_99d5_2b3a,
                0x3ff5_9905_8c8c_1a95,
                0x4103_de16_54d3_7c9a
            ]
        );
    }

    #[test]
    fn logit_draw_follows_the_weights() {
        let mut utilities = [0.0, 3.0f64.ln()];
        // weights 1 and 3: draws below 0.25 pick the first.
        assert_eq!(logit_draw(&mut utilities.clone(), 0.2), 0);
        assert_eq!(logit_draw(&mut utilities, 0.3), 1);
    }

    #[test]
    fn logit_draw_never_picks_an_excluded_posture() {
        for step in 0..100 {
            let mut utilities = [1.0, f64::NEG_INFINITY, -2.0];
            assert_ne!(logit_draw(&mut utilities, step as f64 / 100.0), 1);
        }
    }

    /// Every lane draws what one draw at a time gives, with ties, exclusions, NaN and lanes
    /// with nothing to choose among.
    #[test]
    fn lanes_draw_as_one_at_a_time() {
        const L: usize = 64;
        let specials = [f64::NEG_INFINITY, f64::NAN, 0.0, 2.0, -40.0, 1e300];
        let mut rng = stream(5, Stream::Bootstrap, 1);
        for _ in 0..200 {
            let mut utilities = [[0.0; L]; 3];
            for lanes in &mut utilities {
                for utility in lanes.iter_mut() {
                    *utility = if unit(&mut rng) < 0.2 {
                        specials[(unit(&mut rng) * specials.len() as f64) as usize]
                    } else {
                        8.0 * unit(&mut rng) - 4.0
                    };
                }
            }
            let draws: [f64; L] = std::array::from_fn(|_| unit(&mut rng));
            let mut lanes = utilities;
            let mut chosen = [0.0; L];
            logit_draw_lanes(&mut lanes, &draws, &mut chosen);
            for lane in 0..L {
                let mut one = utilities.map(|lanes| lanes[lane]);
                let index = logit_draw(&mut one, draws[lane]);
                assert_eq!(
                    chosen[lane],
                    index as f64,
                    "{:?}",
                    utilities.map(|l| l[lane])
                );
                // With nothing to choose among, one draw at a time leaves the weights unset.
                if one.iter().all(|utility| !utility.is_finite()) {
                    continue;
                }
                for (weights, weight) in lanes.iter().zip(one) {
                    assert_eq!(weights[lane].to_bits(), weight.to_bits());
                }
            }
        }
    }
}
