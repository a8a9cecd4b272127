//! Calendar months: the month a model starts in, and the months counted from it. A scenario's
//! `start` is checked and parsed once, when it is loaded; every label after that is arithmetic.

use std::fmt;

use serde::{Serialize, Serializer};

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar month, written `YYYY-MM` (years 0000 to 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Months since January of year 0.
    index: i64,
}

impl YearMonth {
    /// Reads `YYYY-MM`, such as `2022-03`; `None` for anything else.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (year, month) = text.split_once('-')?;
        let digits = |part: &str, length: usize| {
            part.len() == length && part.bytes().all(|byte| byte.is_ascii_digit())
        };
        if !digits(year, 4) || !digits(month, 2) {
            return None;
        }
        let (year, month): (i64, i64) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12).contains(&month).then_some(YearMonth {
            index: year * 12 + month - 1,
        })
    }

    /// Reads a date as analysts write it: `YYYY-MM`, or `YYYY-MM-DD`, which is placed in its
    /// month (a model steps month by month); `None` for anything else, or a day the month lacks.
    pub fn parse_date(text: &str) -> Option<YearMonth> {
        if text.len() == 7 {
            return YearMonth::parse(text);
        }
        let (month, day) = (text.get(..7)?, text.get(7..)?);
        let day = day.strip_prefix('-')?;
        if day.len() != 2 || !day.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        let month = YearMonth::parse(month)?;
        let day: u32 = day.parse().ok()?;
        (1..=month.days()).contains(&day).then_some(month)
    }

    /// The days in this month.
    pub fn days(self) -> u32 {
        let year = self.year();
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        match self.month() {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// How many months after `start` this month is (negative before it).
    pub fn months_since(self, start: YearMonth) -> i64 {
        self.index - start.index
    }

    /// A month as a scenario counts it from `start`: a month number (`16`) or a date
    /// (`2023-07`, `2023-07-15`); `None` when it is neither.
    pub fn month_number(text: &str, start: YearMonth) -> Option<i64> {
        let text = text.trim();
        if let Ok(month) = text.parse::<i64>() {
            return Some(month);
        }
        YearMonth::parse_date(text).map(|date| date.months_since(start))
    }

    /// The month `months` later (earlier when negative).
    pub fn offset(self, months: i64) -> YearMonth {
        YearMonth {
            index: self.index + months,
        }
    }

    pub fn year(self) -> i64 {
        self.index.div_euclid(12)
    }

    /// 1 for January to 12 for December.
    pub fn month(self) -> u32 {
        self.index.rem_euclid(12) as u32 + 1
    }

    /// The month as a reader says it: `Sep 2022`.
    pub fn label(self) -> String {
        format!("{} {}", MONTH_NAMES[self.month() as usize - 1], self.year())
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::YearMonth;

    #[test]
    fn dates_fall_in_their_month_and_count_from_the_start() {
        let start = YearMonth::parse("2022-03").unwrap();
        assert_eq!(YearMonth::month_number("2022-09", start), Some(6));
        assert_eq!(YearMonth::month_number("2022-09-30", start), Some(6));
        assert_eq!(YearMonth::month_number("2024-03-01", start), Some(24));
        assert_eq!(YearMonth::month_number("2022-02", start), Some(-1));
        assert_eq!(YearMonth::month_number("16", start), Some(16));
        assert_eq!(YearMonth::month_number("2024-02-29", start), Some(23));
        for bad in [
            "2023-02-29",
            "2022-09-31",
            "2022-9-1",
            "2022-09-1",
            "Sep 2022",
            "",
        ] {
            assert_eq!(YearMonth::month_number(bad, start), None, "{bad}");
        }
    }

    #[test]
    fn parses_only_year_dash_month() {
        let march = YearMonth::parse("2022-03").expect("a month");
        assert_eq!((march.year(), march.month()), (2022, 3));
        assert_eq!(march.to_string(), "2022-03");
        for bad in [
            "2022-13",
            "2022-00",
            "2022-3",
            "22-03",
            "2022/03",
            "2022-03-01",
            "+022-03",
            "",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_months_across_years_both_ways() {
        let march = YearMonth::parse("2022-03").unwrap();
        assert_eq!(march.offset(6).label(), "Sep 2022");
        assert_eq!(march.offset(10).label(), "Jan 2023");
        assert_eq!(march.offset(36).to_string(), "2025-03");
        assert_eq!(march.offset(-3).label(), "Dec 2021");
        assert_eq!(serde_json::to_string(&march).unwrap(), "\"2022-03\"");
    }
}
