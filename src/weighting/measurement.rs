//! A measured value and how likely it is on a path: what the model reads (a series at a month,
//! its mean or sum over a calendar window, or its growth from one window to another) and the
//! measurement's error (normal, relative, or a bound: "at least 50", "between 10 and 20").
//!
//! Likelihoods are relative: the most consistent path's is 1 (for a bound, a path that meets it
//! comfortably), so only ratios between paths carry meaning, as the weighting needs.

use std::ops::RangeInclusive;

use crate::engine::PathView;
use crate::model::distribution::normal_cdf;
use crate::model::{Model, SeriesId, SeriesKind, YearMonth};
use crate::problem::Problem;

/// What the model is read at: a series' value at one month, or over a window of months.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Month(usize),
    Mean(RangeInclusive<usize>),
    Sum(RangeInclusive<usize>),
    /// Percent change of the mean over `window` from the mean over `base`.
    Growth {
        window: RangeInclusive<usize>,
        base: RangeInclusive<usize>,
    },
}

impl Reading {
    /// The last month it reads: a measurement cannot be known before it.
    pub fn last_month(&self) -> usize {
        match self {
            Reading::Month(month) => *month,
            Reading::Mean(window) | Reading::Sum(window) => *window.end(),
            Reading::Growth { window, base } => *window.end().max(base.end()),
        }
    }

    /// The value it reads of `series` on a path.
    pub fn of(&self, path: &impl PathView, series: SeriesId) -> f64 {
        let sum = |window: &RangeInclusive<usize>| -> f64 {
            window.clone().map(|month| path.value(month, series)).sum()
        };
        let mean = |window: &RangeInclusive<usize>| sum(window) / window.clone().count() as f64;
        match self {
            Reading::Month(month) => path.value(*month, series),
            Reading::Mean(window) => mean(window),
            Reading::Sum(window) => sum(window),
            Reading::Growth { window, base } => {
                // Over a base of zero a path has no growth to show: NaN, which no measurement
                // fits, rather than an infinity some bound would.
                let growth = 100.0 * (mean(window) / mean(base) - 1.0);
                if growth.is_finite() {
                    growth
                } else {
                    f64::NAN
                }
            }
        }
    }
}

/// How a measured value relates to the model's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorModel {
    /// value = model + e, e ~ N(0, sd).
    Normal {
        value: f64,
        sd: f64,
    },
    /// ln value = ln model + e, e ~ N(0, sd): errors in proportion.
    Relative {
        value: f64,
        sd: f64,
    },
    /// The model's value, measured with error `sd` (0: exactly), is at least `bound`.
    AtLeast {
        bound: f64,
        sd: f64,
    },
    AtMost {
        bound: f64,
        sd: f64,
    },
    Between {
        low: f64,
        high: f64,
        sd: f64,
    },
}

impl ErrorModel {
    /// The names a file may give, as the help lists them.
    pub const NAMES: &'static str = "normal, relative, at_least, at_most, between";

    /// The chance of the measurement on a path whose model value is `x`, relative to the
    /// largest; a point value's density kernel, a bound's probability.
    pub fn likelihood(&self, x: f64) -> f64 {
        if x.is_nan() {
            // A path with no value to show (a growth over a base of zero) shows no measurement.
            return 0.0;
        }
        match *self {
            ErrorModel::Normal { value, sd } => kernel((x - value) / sd),
            ErrorModel::Relative { value, sd } if x > 0.0 => kernel((x / value).ln() / sd),
            ErrorModel::Relative { .. } => 0.0,
            ErrorModel::AtLeast { bound, sd } => above(x - bound, sd),
            ErrorModel::AtMost { bound, sd } => above(bound - x, sd),
            ErrorModel::Between { low, high, sd } => {
                (above(x - low, sd) + above(high - x, sd) - 1.0).max(0.0)
            }
        }
    }

    /// For a point value, the chance that a measurement of a path with model value `x` falls
    /// below the one measured (its predictive distribution function there); `None` for a bound,
    /// whose surprise is its likelihood.
    pub fn share_below(&self, x: f64) -> Option<f64> {
        match *self {
            ErrorModel::Normal { value, sd } => Some(normal_cdf((value - x) / sd)),
            ErrorModel::Relative { value, sd } if x > 0.0 => {
                Some(normal_cdf((value / x).ln() / sd))
            }
            ErrorModel::Relative { .. } => Some(1.0),
            _ => None,
        }
    }

    /// The value as a reader says it: `190`, `at least 50`, `10 to 20`.
    pub fn describe(&self) -> String {
        match *self {
            ErrorModel::Normal { value, .. } | ErrorModel::Relative { value, .. } => {
                format!("{value}")
            }
            ErrorModel::AtLeast { bound, .. } => format!("at least {bound}"),
            ErrorModel::AtMost { bound, .. } => format!("at most {bound}"),
            ErrorModel::Between { low, high, .. } => format!("{low} to {high}"),
        }
    }

    /// Its name in an evidence file.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorModel::Normal { .. } => "normal",
            ErrorModel::Relative { .. } => "relative",
            ErrorModel::AtLeast { .. } => "at_least",
            ErrorModel::AtMost { .. } => "at_most",
            ErrorModel::Between { .. } => "between",
        }
    }

    /// The value a file gives (a point's value or a bound), and an interval's ends.
    pub fn value_low_high(&self) -> [Option<f64>; 3] {
        match *self {
            ErrorModel::Normal { value, .. } | ErrorModel::Relative { value, .. } => {
                [Some(value), None, None]
            }
            ErrorModel::AtLeast { bound, .. } | ErrorModel::AtMost { bound, .. } => {
                [Some(bound), None, None]
            }
            ErrorModel::Between { low, high, .. } => [None, Some(low), Some(high)],
        }
    }

    /// The measured value, or a bound's edge (the middle of an interval), for tables.
    pub fn central(&self) -> f64 {
        match *self {
            ErrorModel::Normal { value, .. } | ErrorModel::Relative { value, .. } => value,
            ErrorModel::AtLeast { bound, .. } | ErrorModel::AtMost { bound, .. } => bound,
            ErrorModel::Between { low, high, .. } => 0.5 * (low + high),
        }
    }

    pub fn sd(&self) -> f64 {
        match *self {
            ErrorModel::Normal { sd, .. }
            | ErrorModel::Relative { sd, .. }
            | ErrorModel::AtLeast { sd, .. }
            | ErrorModel::AtMost { sd, .. }
            | ErrorModel::Between { sd, .. } => sd,
        }
    }

    /// Builds one from its name and numbers, checking them; `field` prefixes the fields blamed.
    pub fn new(
        name: &str,
        value: Option<f64>,
        (low, high): (Option<f64>, Option<f64>),
        sd: Option<f64>,
    ) -> Result<Self, Problem> {
        let point = name == "normal" || name == "relative";
        let sd = match sd {
            Some(sd) if sd.is_finite() && (sd > 0.0 || (!point && sd == 0.0)) => sd,
            None if !point => 0.0,
            Some(sd) => {
                let valid = if point {
                    "a finite number above 0"
                } else {
                    "a finite number, 0 (exact) or above"
                };
                return Err(Problem::new(format!("the sd is {sd}"))
                    .valid(valid)
                    .in_field("sd"));
            }
            None => {
                return Err(Problem::new(format!("a {name} error needs its sd"))
                    .valid("sd = a number above 0 (for relative, the sd of the log)")
                    .in_field("sd"))
            }
        };
        let number = |value: Option<f64>, field: &str| -> Result<f64, Problem> {
            match value {
                Some(value) if value.is_finite() => Ok(value),
                Some(value) => Err(Problem::new(format!("the {field} is {value}"))
                    .valid("a finite number in the series' units")
                    .in_field(field)),
                None => Err(
                    Problem::new(format!("a {name} measurement needs a {field}"))
                        .valid(format!("{field} = a number in the series' units"))
                        .in_field(field),
                ),
            }
        };
        Ok(match name {
            "normal" => ErrorModel::Normal {
                value: number(value, "value")?,
                sd,
            },
            "relative" => {
                let value = number(value, "value")?;
                if value <= 0.0 {
                    return Err(
                        Problem::new(format!("a relative error on the value {value}"))
                            .valid("a value above 0 (a relative error works on logarithms)")
                            .in_field("value"),
                    );
                }
                ErrorModel::Relative { value, sd }
            }
            "at_least" => ErrorModel::AtLeast {
                bound: number(value, "value")?,
                sd,
            },
            "at_most" => ErrorModel::AtMost {
                bound: number(value, "value")?,
                sd,
            },
            "between" => {
                let (low, high) = (number(low, "low")?, number(high, "high")?);
                if low > high {
                    return Err(Problem::new(format!("low {low} is above high {high}"))
                        .valid("low <= high")
                        .in_field("low"));
                }
                ErrorModel::Between { low, high, sd }
            }
            other => {
                return Err(Problem::new(format!("`{other}` is not an error model"))
                    .valid(ErrorModel::NAMES)
                    .in_field("error"))
            }
        })
    }
}

/// exp(-z^2 / 2): a normal density relative to its peak.
fn kernel(z: f64) -> f64 {
    (-0.5 * z * z).exp()
}

/// The chance that `margin` plus a normal error of `sd` is at least 0 (a step when `sd` is 0).
fn above(margin: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        f64::from(u8::from(margin >= 0.0))
    } else {
        normal_cdf(margin / sd)
    }
}

/// A series measured: what the model reads and how the measurement relates to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub series: SeriesId,
    pub reading: Reading,
    pub error: ErrorModel,
}

impl Measurement {
    /// The model's value on a path.
    pub fn model_value(&self, path: &impl PathView) -> f64 {
        self.reading.of(path, self.series)
    }

    pub fn likelihood(&self, path: &impl PathView) -> f64 {
        self.error.likelihood(self.model_value(path))
    }
}

/// The series called `name` that can be measured (any but a regime chain, whose state is a
/// `when` test's business).
pub fn measurable_series(name: &str, model: &Model) -> Result<SeriesId, Problem> {
    model
        .series_with_ids()
        .find(|(_, s)| s.name == name && !matches!(s.kind, SeriesKind::Regime(_)))
        .map(|(id, _)| id)
        .ok_or_else(|| {
            let names: Vec<&str> = model
                .series
                .iter()
                .filter(|s| !matches!(s.kind, SeriesKind::Regime(_)))
                .map(|s| s.name.as_str())
                .collect();
            Problem::new(format!("`{name}` is not a measurable series"))
                .valid(names.join(", "))
                .in_field("series")
        })
}

/// The help for a window, as files write one.
pub const WINDOW_HELP: &str = "a year (2022), a quarter (2022-Q3), a month (2022-07) or a range \
                               of months (2022-03..2022-12), within the run";

/// Reads a calendar window (`2022`, `2022-Q3`, `2022-07`, `2022-03..2022-12`) as months of the
/// run; refused if any of its months lies outside the run.
pub fn window_months(text: &str, model: &Model) -> Result<RangeInclusive<usize>, Problem> {
    let (first, last) = calendar_window(text.trim())
        .ok_or_else(|| Problem::new(format!("`{text}` is not a window")).valid(WINDOW_HELP))?;
    let (start, horizon) = (model.meta.start, model.horizon() as i64);
    let (first_month, last_month) = (first.months_since(start), last.months_since(start));
    if first_month < 0 || last_month > horizon {
        let end = start.offset(horizon);
        let covered = (first_month.max(0)..=last_month.min(horizon)).count();
        let total = (first_month..=last_month).count();
        let simulated = match covered {
            0 => "none of its months is simulated".to_string(),
            1 => format!("1 of its {total} months is simulated"),
            _ => format!("{covered} of its {total} months are simulated"),
        };
        let message = format!(
            "the window {first}..{last} reaches outside the run ({start} to {end}): {simulated}",
        );
        return Err(Problem::new(message).valid(WINDOW_HELP));
    }
    Ok(first_month as usize..=last_month as usize)
}

/// The first and last month of a window as written; `None` if it is not one.
fn calendar_window(text: &str) -> Option<(YearMonth, YearMonth)> {
    if let Some((first, last)) = text.split_once("..") {
        let (first, last) = (
            YearMonth::parse_date(first.trim())?,
            YearMonth::parse_date(last.trim())?,
        );
        return (first <= last).then_some((first, last));
    }
    if let Some((year, quarter)) = text.split_once("-Q") {
        let quarter: i64 = quarter.parse().ok().filter(|q| (1..=4).contains(q))?;
        let first = YearMonth::parse(&format!("{year}-01"))?.offset(3 * (quarter - 1));
        return Some((first, first.offset(2)));
    }
    if text.len() == 4 {
        let january = YearMonth::parse(&format!("{text}-01"))?;
        return Some((january, january.offset(11)));
    }
    let month = YearMonth::parse_date(text)?;
    Some((month, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_read_as_calendar_months() {
        let month = |text: &str| YearMonth::parse(text).unwrap();
        let window = |text| calendar_window(text).unwrap();
        assert_eq!(window("2022"), (month("2022-01"), month("2022-12")));
        assert_eq!(window("2022-Q3"), (month("2022-07"), month("2022-09")));
        assert_eq!(window("2022-07-15"), (month("2022-07"), month("2022-07")));
        assert_eq!(
            window("2022-03..2022-12"),
            (month("2022-03"), month("2022-12"))
        );
        for bad in ["2022-Q5", "22", "2022-12..2022-03", "2022-13", "x"] {
            assert!(calendar_window(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn error_models_weigh_as_their_definitions_say() {
        let normal = ErrorModel::Normal {
            value: 10.0,
            sd: 2.0,
        };
        assert_eq!(normal.likelihood(10.0), 1.0);
        assert!((normal.likelihood(12.0) - (-0.5f64).exp()).abs() < 1e-15);
        assert!((normal.share_below(10.0).unwrap() - 0.5).abs() < 1e-15);
        let relative = ErrorModel::Relative {
            value: 100.0,
            sd: 0.1,
        };
        let z = (110.0f64 / 100.0).ln() / 0.1;
        assert!((relative.likelihood(110.0) - (-0.5 * z * z).exp()).abs() < 1e-15);
        assert_eq!(relative.likelihood(-1.0), 0.0);
        let at_least = ErrorModel::AtLeast {
            bound: 50.0,
            sd: 0.0,
        };
        assert_eq!(
            (at_least.likelihood(49.9), at_least.likelihood(50.0)),
            (0.0, 1.0)
        );
        let soft = ErrorModel::AtLeast {
            bound: 50.0,
            sd: 5.0,
        };
        assert!((soft.likelihood(50.0) - 0.5).abs() < 1e-12);
        let between = ErrorModel::Between {
            low: 10.0,
            high: 20.0,
            sd: 0.0,
        };
        assert_eq!(
            [9.0, 10.0, 15.0, 20.0, 21.0].map(|x| between.likelihood(x)),
            [0.0, 1.0, 1.0, 1.0, 0.0]
        );
    }

    #[test]
    fn bad_numbers_name_their_field() {
        let problem = ErrorModel::new("normal", Some(1.0), (None, None), Some(0.0)).unwrap_err();
        assert_eq!(problem.field, "sd");
        let problem = ErrorModel::new("relative", Some(-1.0), (None, None), Some(0.1)).unwrap_err();
        assert_eq!(problem.field, "value");
        let problem = ErrorModel::new("between", None, (Some(3.0), Some(1.0)), None).unwrap_err();
        assert_eq!(problem.field, "low");
        let problem = ErrorModel::new("lognormal", Some(1.0), (None, None), None).unwrap_err();
        assert!(problem.help.unwrap().contains("relative"));
    }
}
