//! The `[market]` table: published market figures a run's premiums are checked against
//! (the book's loss ratio, and the premium per $1M of limit by the insured's revenue), so an
//! actuary sees at once when the assumptions price outside the market.

use super::revenue_bands;
use super::toml_section::{show, Section};
use crate::error::Result;

/// A range of published values, low to high.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub low: f64,
    pub high: f64,
}

impl Band {
    /// Where `value` falls: "below", "within" or "above" the band.
    pub fn check(&self, value: f64) -> &'static str {
        if value < self.low {
            "below"
        } else if value > self.high {
            "above"
        } else {
            "within"
        }
    }
}

/// Premiums per $1M of limit published for insureds with revenue below `revenue_below`
/// (and at or above the previous band's).
#[derive(Debug, Clone, PartialEq)]
pub struct RateBand {
    pub revenue_below: f64,
    pub premium_per_million: Band,
}

/// The `[market]` table (empty where the assumptions give none: nothing is checked).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Market {
    /// The loss ratio (expected loss / premium) the market's books run at.
    pub loss_ratio: Option<Band>,
    /// Ascending by `revenue_below`.
    pub rates: Vec<RateBand>,
}

impl Market {
    /// The band of premiums per $1M of limit for an insured with `revenue`.
    pub fn rate_for(&self, revenue: f64) -> Option<&RateBand> {
        self.rates.iter().find(|b| revenue < b.revenue_below)
    }
}

/// A `{ low, high }` table with 0 ≤ low ≤ high, finite.
fn band(s: &mut Section, key: &'static str, ratio: bool) -> Result<Option<Band>> {
    let Some(value) = s.get(key) else { return Ok(None) };
    let bad = |why: &str| s.error(key, format!("{} {why}", show(value)));
    let table = value.as_table().ok_or_else(|| bad("is not a table { low = .., high = .. }"))?;
    let mut inner = Section::new(s.file(), s.key_path(key), table);
    let mut bound = |name: &'static str| -> Result<f64> {
        let v = inner.f64_opt(name)?.ok_or_else(|| inner.error(name, "missing"))?;
        if !(v.is_finite() && v >= 0.0) || (ratio && v > 10.0) {
            return Err(inner.error(name, format!("{v} is not a finite number ≥ 0")));
        }
        Ok(v)
    };
    let (low, high) = (bound("low")?, bound("high")?);
    if low > high {
        return Err(inner.error("high", format!("{high} is below low = {low}")));
    }
    inner.finish()?;
    Ok(Some(Band { low, high }))
}

/// Reads the `[market]` table.
pub fn parse(mut s: Section) -> Result<Market> {
    let loss_ratio = band(&mut s, "loss_ratio", true)?;
    s.str_opt("source")?;
    let rates = revenue_bands::parse(&mut s, "premium_per_million", |b| {
        band(b, "premium", false)?
            .ok_or_else(|| b.error("premium", "missing; e.g. premium = { low = 1000, high = 7500 }"))
    })?
    .into_iter()
    .map(|(revenue_below, premium_per_million)| RateBand { revenue_below, premium_per_million })
    .collect();
    s.finish()?;
    Ok(Market { loss_ratio, rates })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(text: &str) -> Result<Market> {
        let table: toml::Table = toml::from_str(text).map_err(|e| crate::error::Error::input(e.to_string()))?;
        parse(Section::new("a.toml", "market", &table))
    }

    #[test]
    fn bands_are_found_by_revenue_and_checked() {
        let m = market(
            "loss_ratio = { low = 0.4, high = 0.65 }\n\
             [[premium_per_million]]\nrevenue_below = 1e7\npremium = { low = 1000, high = 7500 }\n\
             [[premium_per_million]]\nrevenue_below = inf\npremium = { low = 5000, high = 60000 }\n",
        )
        .unwrap();
        assert_eq!(m.rate_for(5e6).map(|b| b.premium_per_million.low), Some(1000.0));
        assert_eq!(m.rate_for(5e9).map(|b| b.premium_per_million.high), Some(60000.0));
        assert_eq!(m.loss_ratio.map(|b| b.check(0.3)), Some("below"));
        assert_eq!(m.loss_ratio.map(|b| b.check(0.5)), Some("within"));
        assert_eq!(m.loss_ratio.map(|b| b.check(0.7)), Some("above"));
    }

    #[test]
    fn bad_bands_name_their_key() {
        let e = market("[[premium_per_million]]\nrevenue_below = 1e7\npremium = { low = 9, high = 1 }\n").unwrap_err();
        assert!(e.to_string().contains("market.premium_per_million[1].premium.high"), "{e}");
        let e = market(
            "[[premium_per_million]]\nrevenue_below = 1e7\npremium = { low = 1, high = 2 }\n\
                        [[premium_per_million]]\nrevenue_below = 1e6\npremium = { low = 1, high = 2 }\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("does not rise"), "{e}");
        assert!(market("loss_ratio = { low = 0.4 }").is_err());
        assert!(market("lossratio = 1").is_err());
    }
}
