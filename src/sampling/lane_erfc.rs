//! The complementary error function of a lane group, equal to the `libm` crate's `erfc` to the
//! bit on every lane.
//!
//! `libm::erfc` (FreeBSD's algorithm) picks one of four rational approximations by the size of
//! its argument, and the largest calls `libm::exp` twice. With random arguments those branches
//! are unpredictable and the lanes cannot share instructions. Here every lane works out each
//! approximation with the same operations in the same order (Rust never fuses a multiply and an
//! add), and a select keeps the one `libm` would take: vector instructions do several lanes at
//! once and every result is `libm`'s. The exponential is `libm::exp`'s argument reduction and
//! polynomial, written for arguments whose result is a normal number; lanes beyond
//! |x| = 25 (and NaN) are left to `libm` itself.

// The constants are FreeBSD's, as `libm` writes them.
#![allow(clippy::excessive_precision)]

const ERX: f64 = 8.45062911510467529297e-01;
const PP: [f64; 5] = [
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
];
const QQ: [f64; 5] = [
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
];
const PA: [f64; 7] = [
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
];
const QA: [f64; 6] = [
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
];
/// `libm`'s `ra` and `rb`, the latter with a last coefficient of 0: its innermost `rb6 + s * 0`
/// is `rb6` exactly, so one evaluation serves both with the coefficients picked per lane.
const RA: [f64; 8] = [
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e+01,
    -6.23753324503260060396e+01,
    -1.62396669462573470355e+02,
    -1.84605092906711035994e+02,
    -8.12874355063065934246e+01,
    -9.81432934416914548592e+00,
];
const RB: [f64; 8] = [
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e+01,
    -1.60636384855821916062e+02,
    -6.37566443368389627722e+02,
    -1.02509513161107724954e+03,
    -4.83519191608651397019e+02,
    0.0,
];
/// `libm`'s `sa` and `sb`, the latter padded with a 0 as `RB` is.
const SA: [f64; 8] = [
    1.96512716674392571292e+01,
    1.37657754143519042600e+02,
    4.34565877475229228821e+02,
    6.45387271733267880336e+02,
    4.29008140027567833386e+02,
    1.08635005541779435134e+02,
    6.57024977031928170135e+00,
    -6.04244152148580987438e-02,
];
const SB: [f64; 8] = [
    3.03380607434824582924e+01,
    3.25792512996573918826e+02,
    1.53672958608443695994e+03,
    3.19985821950859553908e+03,
    2.55305040643316442583e+03,
    4.74528541206955367215e+02,
    -2.24409524465858183362e+01,
    0.0,
];

const LN2HI: f64 = 6.93147180369123816490e-01;
const LN2LO: f64 = 1.90821492927058770002e-10;
/// `libm`'s `INVLN2` (0x3ff71547_652b82fe).
const INVLN2: f64 = std::f64::consts::LOG2_E;
const EXP_P: [f64; 5] = [
    1.66666666666666019037e-01,
    -2.77777777770155933842e-03,
    6.61375632143793436117e-05,
    -1.65339022054652515390e-06,
    4.13813679705723846039e-08,
];

/// The high word of `|x|` below which the lanes compute `erfc(x)` themselves (|x| < 25):
/// beyond it `exp`'s argument nears the range where its result is no longer a normal number.
const LANE_LIMIT: u32 = 0x4039_0000;

/// `libm::erfc` of every lane of `x`, to the bit.
#[inline(always)]
pub fn erfc_lanes<const L: usize>(x: &[f64; L], erfc: &mut [f64; L]) {
    let mut beyond = false;
    for lane in 0..L {
        let value = x[lane];
        let high = high_word(value);
        beyond |= high >= LANE_LIMIT;
        let negative = value.is_sign_negative();
        let near = erfc_near(value, high, negative);
        let middle = erfc_middle(value, negative);
        let far = erfc_far(value, high, negative);
        let result = if high < 0x3ff4_0000 { middle } else { far };
        erfc[lane] = if high < 0x3feb_0000 { near } else { result };
    }
    if beyond {
        for lane in 0..L {
            if high_word(x[lane]) >= LANE_LIMIT {
                erfc[lane] = libm::erfc(x[lane]);
            }
        }
    }
}

/// The high word of `|x|`, which `libm` branches on.
#[inline(always)]
fn high_word(x: f64) -> u32 {
    (x.to_bits() >> 32) as u32 & 0x7fff_ffff
}

/// `|x| < 0.84375`.
#[inline(always)]
fn erfc_near(x: f64, high: u32, negative: bool) -> f64 {
    let z = x * x;
    let r = PP[0] + z * (PP[1] + z * (PP[2] + z * (PP[3] + z * PP[4])));
    let s = 1.0 + z * (QQ[0] + z * (QQ[1] + z * (QQ[2] + z * (QQ[3] + z * QQ[4]))));
    let y = r / s;
    let below_quarter = 1.0 - (x + x * y);
    let above_quarter = 0.5 - (x - 0.5 + x * y);
    let result = if negative || high < 0x3fd0_0000 {
        below_quarter
    } else {
        above_quarter
    };
    if high < 0x3c70_0000 {
        1.0 - x
    } else {
        result
    }
}

/// `0.84375 <= |x| < 1.25`: `libm`'s `erfc1`, reflected for negative `x`.
#[inline(always)]
fn erfc_middle(x: f64, negative: bool) -> f64 {
    let s = x.abs() - 1.0;
    let p = PA[0] + s * (PA[1] + s * (PA[2] + s * (PA[3] + s * (PA[4] + s * (PA[5] + s * PA[6])))));
    let q = 1.0 + s * (QA[0] + s * (QA[1] + s * (QA[2] + s * (QA[3] + s * (QA[4] + s * QA[5])))));
    let erfc = 1.0 - ERX - p / q;
    if negative {
        2.0 - erfc
    } else {
        erfc
    }
}

/// `1.25 <= |x|`: `libm`'s `erfc2` past its first branch, reflected for negative `x`.
#[inline(always)]
fn erfc_far(x: f64, high: u32, negative: bool) -> f64 {
    let x = x.abs();
    let s = 1.0 / (x * x);
    let closer = high < 0x4006_db6d;
    let ra = |i: usize| if closer { RA[i] } else { RB[i] };
    let sa = |i: usize| if closer { SA[i] } else { SB[i] };
    let r = ra(0)
        + s * (ra(1)
            + s * (ra(2) + s * (ra(3) + s * (ra(4) + s * (ra(5) + s * (ra(6) + s * ra(7)))))));
    let big_s = 1.0
        + s * (sa(0)
            + s * (sa(1)
                + s * (sa(2) + s * (sa(3) + s * (sa(4) + s * (sa(5) + s * (sa(6) + s * sa(7))))))));
    let z = f64::from_bits(x.to_bits() & 0xffff_ffff_0000_0000);
    let erfc = exp_normal(-z * z - 0.5625) * exp_normal((z - x) * (z + x) + r / big_s) / x;
    if negative {
        2.0 - erfc
    } else {
        erfc
    }
}

/// `libm::exp(x)` for `|x| < 700`, where its result is a normal number: its argument
/// reduction and polynomial, with its three reductions as selects, and its final `scalbn` as
/// the one multiply by a power of two that `scalbn` makes in that range.
#[inline(always)]
fn exp_normal(x: f64) -> f64 {
    let high = high_word(x);
    let negative = x.is_sign_negative();
    let far = INVLN2 * x + if negative { -0.5 } else { 0.5 };
    // `libm` truncates with `as i32`; that saturating cast would be worked out lane by lane, so
    // bound it first (NaN goes to the lower bound), which changes nothing for |x| < 700.
    let far = if far > -2048.0 { far } else { -2048.0 };
    let far = if far < 2048.0 { far } else { 2048.0 };
    // SAFETY: `far` lies in [-2048, 2048], well inside i32's range.
    let far = unsafe { far.to_int_unchecked::<i32>() };
    let k = if high >= 0x3ff0_a2b2 {
        far
    } else if high > 0x3fd6_2e42 {
        if negative {
            -1
        } else {
            1
        }
    } else {
        0
    };
    // With k = 0 these are `libm`'s `hi = x`, `lo = 0`: `x - 0 * LN2HI` is `x` exactly.
    let hi = x - k as f64 * LN2HI;
    let lo = k as f64 * LN2LO;
    let reduced = hi - lo;
    let xx = reduced * reduced;
    let p = EXP_P;
    let c = reduced - xx * (p[0] + xx * (p[1] + xx * (p[2] + xx * (p[3] + xx * p[4]))));
    let y = 1.0 + (reduced * c / (2.0 - c) - lo + hi);
    let scale = f64::from_bits(u64::from(k.wrapping_add(0x3ff) as u32) << 52);
    if high > 0x3e30_0000 {
        y * scale
    } else {
        1.0 + x
    }
}

#[cfg(test)]
mod tests {
    use super::{erfc_lanes, exp_normal, LANE_LIMIT};
    use crate::sampling::rng::{standard_normal, stream, unit, Stream};
    use crate::simd::Isa;

    const LANES: usize = 8;

    /// Every value's erfc through the lanes, on every instruction set, against `libm`.
    fn check(values: &[f64]) {
        for isa in Isa::available() {
            for group in values.chunks(LANES) {
                let mut x = [0.0; LANES];
                x[..group.len()].copy_from_slice(group);
                let mut erfc = [0.0; LANES];
                crate::simd::dispatch(
                    isa,
                    #[inline(always)]
                    || erfc_lanes(&x, &mut erfc),
                );
                for (value, lane) in x.iter().zip(erfc) {
                    let expected = libm::erfc(*value);
                    assert!(
                        lane.to_bits() == expected.to_bits(),
                        "{}: erfc({value:e}) = {lane:e}, libm gives {expected:e}",
                        isa.name()
                    );
                }
            }
        }
    }

    /// Values a few units in the last place either side of every high word `libm` branches on
    /// (`erfc`'s, and those of `exp`'s arguments), both signs, and the specials.
    #[test]
    fn erfc_is_libms_at_every_branch() {
        let words: [u32; 8] = [
            0x3c70_0000,
            0x3fd0_0000,
            0x3feb_0000,
            0x3ff4_0000,
            0x4006_db6d,
            LANE_LIMIT,
            0x403c_0000,
            0x3e30_0000,
        ];
        let mut values = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-310,
        ];
        for word in words {
            let edge = f64::from_bits(u64::from(word) << 32);
            for ulps in -3i64..=3 {
                let value = f64::from_bits((edge.to_bits() as i64 + ulps) as u64);
                values.extend([value, -value]);
            }
        }
        check(&values);
    }

    /// Two million arguments: normals at several scales (the kept noise's Φ takes `-z / √2`)
    /// and uniforms across the whole range the lanes compute.
    #[test]
    fn erfc_is_libms_on_random_arguments() {
        let mut rng = stream(11, Stream::Bootstrap, 0);
        let values: Vec<f64> = (0..2_000_000)
            .map(|draw| match draw % 4 {
                0 => standard_normal(&mut rng) * std::f64::consts::FRAC_1_SQRT_2,
                1 => standard_normal(&mut rng) * 3.0,
                2 => (unit(&mut rng) - 0.5) * 60.0,
                _ => (unit(&mut rng) - 0.5) * 3e-8,
            })
            .collect();
        check(&values);
    }

    #[test]
    fn exp_is_libms_where_its_result_is_normal() {
        let mut rng = stream(12, Stream::Bootstrap, 0);
        for draw in 0..1_000_000 {
            let scale = [1400.0, 4.0, 1e-7][draw % 3];
            let x = (unit(&mut rng) - 0.5) * scale;
            assert_eq!(
                exp_normal(x).to_bits(),
                libm::exp(x).to_bits(),
                "exp({x:e})"
            );
        }
    }
}
