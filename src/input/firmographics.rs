//! Breach frequency from who the insured is: `[[frequency.by_revenue]]` gives a base annual
//! rate per revenue band, which the exposure's sector (`[[sector]]`, [`super::sectors`])
//! multiplies by its `frequency_multiplier`. An exposure's default rate is
//! `band rate × sector multiplier`; `annual_rate` on the row still overrides it, and a row
//! without revenue keeps `[frequency] rate`.

use super::revenue_bands;
use super::toml_section::Section;
use crate::error::Result;

/// The base rate for revenue below `revenue_below` (and at or above the band before's).
#[derive(Debug, Clone, PartialEq)]
pub struct RevenueBand {
    pub revenue_below: f64,
    pub rate: f64,
}

/// The firmographic frequency table (empty: every exposure keeps the flat rate).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirmographicRates {
    /// Ascending by `revenue_below`.
    pub bands: Vec<RevenueBand>,
}

/// Where an exposure's annual rate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// The row's `annual_rate`.
    Row,
    /// The revenue band (and sector, where the industry names one).
    Firmographic,
    /// `[frequency] rate`: no revenue, or no table.
    Flat,
}

impl FirmographicRates {
    /// The default annual rate of an exposure with `revenue` whose sector multiplies the
    /// band's rate by `sector_multiplier`, if the table gives one (a revenue is needed).
    pub fn rate(&self, revenue: Option<f64>, sector_multiplier: f64) -> Option<f64> {
        let revenue = revenue?;
        let band = self.bands.iter().find(|b| revenue < b.revenue_below)?;
        Some(band.rate * sector_multiplier)
    }
}

/// Reads `by_revenue` from the `[frequency]` table `s`, rates at most `max_rate`.
pub fn parse(s: &mut Section, max_rate: f64) -> Result<FirmographicRates> {
    if s.get("sector").is_some() {
        return Err(s.error(
            "sector",
            "sectors are top-level [[sector]] tables now (their multiplier is frequency_multiplier); rename [[frequency.sector]] to [[sector]] and multiplier to frequency_multiplier",
        ));
    }
    let bands = revenue_bands::parse(s, "by_revenue", |b| {
        let rate = b.f64_opt("rate")?.ok_or_else(|| b.error("rate", "missing"))?;
        if !(rate.is_finite() && (0.0..=max_rate).contains(&rate)) {
            return Err(b.error("rate", format!("{rate} is not a rate in [0, {max_rate}]")));
        }
        Ok(rate)
    })?
    .into_iter()
    .map(|(revenue_below, rate)| RevenueBand { revenue_below, rate })
    .collect();
    Ok(FirmographicRates { bands })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn rates(text: &str) -> Result<FirmographicRates> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::input(e.to_string()))?;
        let mut s = Section::new("a.toml", "frequency", &table);
        parse(&mut s, 10_000.0)
    }

    const TABLE: &str = "[[by_revenue]]\nrevenue_below = 1e7\nrate = 0.01\n\
                         [[by_revenue]]\nrevenue_below = inf\nrate = 0.1\n";

    #[test]
    fn the_rate_is_the_bands_times_the_sectors_multiplier() {
        let r = rates(TABLE).unwrap();
        assert_eq!(r.rate(Some(5e6), 1.0), Some(0.01));
        assert_eq!(r.rate(Some(5e6), 1.5), Some(0.015));
        assert_eq!(r.rate(Some(5e9), 1.5), Some(0.1 * 1.5));
        assert_eq!(r.rate(None, 1.5), None, "no revenue, no band");
    }

    #[test]
    fn bad_tables_name_their_key() {
        let e = rates("[[by_revenue]]\nrevenue_below = 1e7\nrate = -1\n").unwrap_err();
        assert!(e.to_string().contains("frequency.by_revenue[1].rate"), "{e}");
        let e = rates("[[sector]]\nname = \"x\"\nmultiplier = 1\n").unwrap_err();
        assert!(e.to_string().contains("frequency.sector") && e.to_string().contains("[[sector]]"), "{e}");
        assert!(rates("[[by_revenue]]\nrevenue_below = 1e7\nrate = 0.1\nbogus = 1\n").is_err());
    }
}
