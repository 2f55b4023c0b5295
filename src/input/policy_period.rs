//! The currency of the reports and the policy period: `[meta] currency` (the report currency,
//! USD by default) with `[fx]` (units of it per unit of another currency, for the exposures'
//! `currency` column), and `[meta] as_of` (the date the assumptions' figures stand for) with
//! `[trend]` (annual frequency and severity trends, and the policy period they are carried to).

use super::toml_section::{nearest, number, show, Section};
use crate::error::{Error, Result};

/// The report currency and the exchange rates into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Currencies {
    /// ISO 4217 code of the amounts of the assumptions and the reports.
    pub report: String,
    /// (code, units of the report currency per unit of it).
    pub rates: Vec<(String, f64)>,
}

impl Currencies {
    /// Units of the report currency per unit of `code` (1 for the report currency), or why not.
    pub fn rate(&self, code: &str) -> std::result::Result<f64, String> {
        if code == self.report {
            return Ok(1.0);
        }
        self.rates.iter().find(|(c, _)| c == code).map(|(_, r)| *r).ok_or_else(|| {
            let known: Vec<&str> = self.rates.iter().map(|(c, _)| c.as_str()).collect();
            let hint = nearest(code, &known).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
            format!("\"{code}\" has no exchange rate into {} in [fx]{hint}", self.report)
        })
    }
}

/// A date as a year with its fraction (2026-07-02 is 2026.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Date {
    pub text: (i32, u32, u32),
}

impl Date {
    /// `YYYY-MM-DD` or `YYYY-MM` (the first of the month).
    pub fn parse(text: &str) -> Option<Date> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let number = |s: &str, digits: usize| (s.len() == digits).then(|| s.parse::<u32>().ok()).flatten();
        let (year, month, day) = match parts.as_slice() {
            [y, m] => (number(y, 4)?, number(m, 2)?, 1),
            [y, m, d] => (number(y, 4)?, number(m, 2)?, number(d, 2)?),
            _ => return None,
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days[(month - 1) as usize];
        valid.then_some(Date { text: (year as i32, month, day) })
    }

    /// The date as a year and the share of it gone by (days / days in the year).
    pub fn years(&self) -> f64 {
        let (year, month, day) = self.text;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let before: u32 = days[..(month - 1) as usize].iter().sum::<u32>() + day - 1;
        f64::from(year) + f64::from(before) / if leap { 366.0 } else { 365.0 }
    }

    pub fn show(&self) -> String {
        let (y, m, d) = self.text;
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Frequency and severity carried from the assumptions' date to the policy period.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The date the figures stand for (`[meta] as_of`).
    pub from: Date,
    /// The policy period's start and its length in years.
    pub policy_start: Date,
    pub policy_years: f64,
    /// Annual trends: rates × (1 + frequency)^t, costs × (1 + severity)^t.
    pub frequency: f64,
    pub severity: f64,
    pub source: String,
}

impl Trend {
    /// Years from the figures' date to the middle of the policy period.
    pub fn years(&self) -> f64 {
        self.policy_start.years() + self.policy_years / 2.0 - self.from.years()
    }

    pub fn frequency_factor(&self) -> f64 {
        (1.0 + self.frequency).powf(self.years())
    }

    pub fn severity_factor(&self) -> f64 {
        (1.0 + self.severity).powf(self.years())
    }
}

/// Reads `[meta] currency`, `[fx]`, `[meta] as_of` and `[trend]` (none: no trend).
pub fn parse(root: &mut Section) -> Result<(Currencies, Option<Date>, Option<Trend>)> {
    let file = root.file();
    let meta = root.table().get("meta").and_then(|m| m.as_table());
    let text = |key: &str| meta.and_then(|m| m.get(key));
    let report = match text("currency") {
        None => "USD".to_string(),
        Some(toml::Value::String(code)) if is_code(code) => code.clone(),
        Some(other) => {
            return Err(Error::input(format!(
                "{file}: meta.currency: {} is not a currency code such as \"USD\"",
                show(other)
            )))
        }
    };
    let as_of = match text("as_of") {
        None => None,
        Some(toml::Value::String(date)) => Some(Date::parse(date).ok_or_else(|| {
            Error::input(format!(
                "{file}: meta.as_of: \"{}\" is not a date (YYYY-MM or YYYY-MM-DD)",
                crate::text::printable(date)
            ))
        })?),
        Some(other) => return Err(Error::input(format!("{file}: meta.as_of: {} is not a date string", show(other)))),
    };
    let mut rates = Vec::new();
    if let Some(fx) = root.table_opt("fx")? {
        for (code, value) in fx.table() {
            if !is_code(code) || code == &report {
                return Err(fx.error(code, format!("is not a currency code other than the report's ({report})")));
            }
            match number(value) {
                Some(rate) if rate.is_finite() && rate > 0.0 => rates.push((code.clone(), rate)),
                _ => {
                    return Err(
                        fx.error(code, format!("{} is not an exchange rate > 0 ({report} per {code})", show(value)))
                    )
                }
            }
        }
    }
    let trend = match root.table_opt("trend")? {
        None => None,
        Some(mut s) => {
            let from =
                as_of.ok_or_else(|| s.error("policy_start", "needs [meta] as_of, the date the figures stand for"))?;
            let policy_start = match s.str_opt("policy_start")? {
                Some(date) => Date::parse(date).ok_or_else(|| {
                    s.error("policy_start", format!("\"{}\" is not a date (YYYY-MM-DD)", crate::text::printable(date)))
                })?,
                None => {
                    return Err(s.error("policy_start", "missing; the policy period's first day, e.g. \"2027-01-01\""))
                }
            };
            let policy_years = s.f64_opt("policy_months")?.map_or(Ok(1.0), |m| {
                if m.is_finite() && m > 0.0 && m <= 120.0 {
                    Ok(m / 12.0)
                } else {
                    Err(s.error("policy_months", format!("{m} is not a number of months from 1 to 120")))
                }
            })?;
            let mut rate = |key: &'static str| -> Result<f64> {
                match s.f64_opt(key)? {
                    None => Ok(0.0),
                    Some(r) if r.is_finite() && r > -1.0 && r < 1.0 => Ok(r),
                    Some(r) => {
                        Err(s.error(key, format!("{r} is not an annual trend between -1 and 1 (0.05 = 5% a year)")))
                    }
                }
            };
            let (frequency, severity) = (rate("frequency")?, rate("severity")?);
            let source = s.str_opt("source")?.unwrap_or("").to_string();
            let trend = Trend { from, policy_start, policy_years, frequency, severity, source };
            // A trend carries figures a few years on; compounded over centuries (a policy_start
            // far from meta.as_of) it would overflow the rates and costs.
            for (key, r, factor) in
                [("frequency", frequency, trend.frequency_factor()), ("severity", severity, trend.severity_factor())]
            {
                if !(1.0 / MAX_TREND_FACTOR..=MAX_TREND_FACTOR).contains(&factor) {
                    return Err(s.error(
                        key,
                        format!(
                            "{r} a year over the {:.1} years from meta.as_of to the policy period multiplies by {factor:.3e}; expected a factor from {} to {MAX_TREND_FACTOR} (check policy_start)",
                            trend.years(),
                            1.0 / MAX_TREND_FACTOR
                        ),
                    ));
                }
            }
            s.finish()?;
            Some(trend)
        }
    };
    Ok((Currencies { report, rates }, as_of, trend))
}

/// The largest factor a trend may multiply rates or costs by (and the inverse the smallest).
const MAX_TREND_FACTOR: f64 = 1_000.0;

/// A currency code: three capital letters.
fn is_code(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_read_as_years_and_bad_ones_are_refused() {
        assert_eq!(Date::parse("2026-01").map(|d| d.years()), Some(2026.0));
        assert_eq!(Date::parse("2024-07-02").map(|d| d.years()), Some(2024.0 + 183.0 / 366.0));
        for bad in ["2026", "2026-13", "2026-02-29", "26-01-01", "2026-1-1", "2026-01-01-01", ""] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }
}
