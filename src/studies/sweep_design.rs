//! Sweeps: one or two parameters varied over a range, each point a run of the model with the
//! parameters fixed there (as `--set` would), all on the same seed, so the points share their
//! random numbers and differences between them are the parameters' doing. Points lie on a grid
//! or, for a cheaper look at two parameters, on a Latin hypercube.

use std::str::FromStr;

use crate::problem::Problem;
use crate::sampling::rng::{open_unit, shuffle, stream, Stream};

/// `name=from:to:steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub name: String,
    pub from: f64,
    pub to: f64,
    pub steps: usize,
}

const VARY_HELP: &str =
    "NAME=FROM:TO:STEPS with FROM < TO and 2 to 1000 steps, e.g. xi_risk_appetite=0:1:11";

impl FromStr for Vary {
    type Err = Problem;

    fn from_str(text: &str) -> Result<Self, Problem> {
        let invalid = |why: &str| Problem::new(format!("`{text}`: {why}")).valid(VARY_HELP);
        let (name, range) = text.split_once('=').ok_or_else(|| invalid("no `=`"))?;
        let parts: Vec<&str> = range.split(':').collect();
        let [from, to, steps] = parts[..] else {
            return Err(invalid("the range needs FROM:TO:STEPS"));
        };
        let number = |part: &str| {
            part.trim()
                .parse::<f64>()
                .ok()
                .filter(|value| value.is_finite())
                .ok_or_else(|| invalid(&format!("`{part}` is not a finite number")))
        };
        let (from, to) = (number(from)?, number(to)?);
        let steps: usize = steps
            .trim()
            .parse()
            .map_err(|_| invalid(&format!("`{steps}` is not a whole number of steps")))?;
        if from >= to {
            return Err(invalid("FROM must be below TO"));
        }
        if !(2..=1000).contains(&steps) {
            return Err(invalid("the steps must number 2 to 1000"));
        }
        Ok(Vary {
            name: name.trim().to_string(),
            from,
            to,
            steps,
        })
    }
}

impl Vary {
    /// The grid's values, ends included, evenly spaced.
    pub fn grid(&self) -> Vec<f64> {
        let last = (self.steps - 1) as f64;
        (0..self.steps)
            .map(|step| self.from + (self.to - self.from) * step as f64 / last)
            .collect()
    }
}

/// How the points are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepDesign {
    /// Every combination of the values (steps, or steps1 x steps2 points).
    Grid,
    /// As many points as the first parameter's steps, each parameter's range cut into that many
    /// strata, each stratum used once.
    LatinHypercube,
}

/// The sweep's points: one value per varied parameter each, in run order.
pub fn points(varied: &[Vary], design: SweepDesign, seed: u64) -> Vec<Vec<f64>> {
    match design {
        SweepDesign::Grid => varied.iter().fold(vec![Vec::new()], |points, vary| {
            points
                .iter()
                .flat_map(|point| {
                    vary.grid().into_iter().map(move |value| {
                        let mut longer = point.clone();
                        longer.push(value);
                        longer
                    })
                })
                .collect()
        }),
        SweepDesign::LatinHypercube => latin_points(varied, seed),
    }
}

fn latin_points(varied: &[Vary], seed: u64) -> Vec<Vec<f64>> {
    let count = varied.first().map_or(0, |vary| vary.steps);
    let columns: Vec<Vec<f64>> = varied
        .iter()
        .enumerate()
        .map(|(position, vary)| {
            let mut rng = stream(seed, Stream::Sweep, position as u64);
            let mut strata: Vec<u32> = (0..count as u32).collect();
            shuffle(&mut strata, &mut rng);
            strata
                .iter()
                .map(|&stratum| {
                    let u = (f64::from(stratum) + open_unit(&mut rng)) / count as f64;
                    vary.from + (vary.to - vary.from) * u
                })
                .collect()
        })
        .collect();
    let mut points: Vec<Vec<f64>> = (0..count)
        .map(|row| columns.iter().map(|column| column[row]).collect())
        .collect();
    // Run and report in order of the first parameter, so tables and lines read left to right.
    points.sort_by(|a, b| a[0].total_cmp(&b[0]));
    points
}

/// A crossing of two postures' curves between two neighbouring points of a one-parameter sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossover {
    /// The posture that leads after the crossing, and the one it overtakes.
    pub rising: usize,
    pub falling: usize,
    /// Where the two lines meet, interpolated linearly between the points.
    pub value: f64,
    pub probability: f64,
}

/// Where, along `values`, one posture's probability overtakes another's. `probabilities[k][i]`
/// is posture k's probability at point i.
pub fn crossovers(values: &[f64], probabilities: &[Vec<f64>]) -> Vec<Crossover> {
    let mut found = Vec::new();
    for first in 0..probabilities.len() {
        for second in first + 1..probabilities.len() {
            let gap = |i: usize| probabilities[first][i] - probabilities[second][i];
            for i in 1..values.len() {
                let (before, after) = (gap(i - 1), gap(i));
                if before * after >= 0.0 {
                    continue;
                }
                let share = before / (before - after);
                let value = values[i - 1] + share * (values[i] - values[i - 1]);
                let at = |k: usize| {
                    probabilities[k][i - 1]
                        + share * (probabilities[k][i] - probabilities[k][i - 1])
                };
                let (rising, falling) = if after > 0.0 {
                    (first, second)
                } else {
                    (second, first)
                };
                found.push(Crossover {
                    rising,
                    falling,
                    value,
                    probability: at(first),
                });
            }
        }
    }
    found.sort_by(|a, b| a.value.total_cmp(&b.value));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varies_parse_and_refuse() {
        let vary: Vary = "xi=0:1:11".parse().expect("valid");
        assert_eq!(vary.grid().len(), 11);
        assert_eq!(vary.grid()[10], 1.0);
        for bad in [
            "xi",
            "xi=1:0:5",
            "xi=0:1:1",
            "xi=0:1",
            "xi=a:1:3",
            "xi=0:1:2.5",
            "xi=0:inf:3",
        ] {
            assert!(bad.parse::<Vary>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_grid_of_two_is_every_combination() {
        let a: Vary = "a=0:1:3".parse().unwrap();
        let b: Vary = "b=10:20:2".parse().unwrap();
        let points = points(&[a, b], SweepDesign::Grid, 1);
        assert_eq!(points.len(), 6);
        assert_eq!(points[0], vec![0.0, 10.0]);
        assert_eq!(points[5], vec![1.0, 20.0]);
    }

    #[test]
    fn a_latin_hypercube_fills_every_stratum_once() {
        let a: Vary = "a=0:1:10".parse().unwrap();
        let b: Vary = "b=0:100:10".parse().unwrap();
        let points = points(&[a, b], SweepDesign::LatinHypercube, 7);
        assert_eq!(points.len(), 10);
        for (column, width) in [(0, 0.1), (1, 10.0)] {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|p| (p[column] / width) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn crossings_are_found_where_the_lines_meet() {
        let values = [0.0, 1.0, 2.0];
        // Posture 1 rises through posture 0 at 1.5.
        let probabilities = vec![vec![0.6, 0.5, 0.3], vec![0.2, 0.3, 0.5]];
        let found = crossovers(&values, &probabilities);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].rising, found[0].falling), (1, 0));
        assert!((found[0].value - 1.5).abs() < 1e-12);
        assert!((found[0].probability - 0.4).abs() < 1e-12);
    }
}
