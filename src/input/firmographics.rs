//! Breach frequency from who the insured is: `[[frequency.by_revenue]]` gives a base annual
//! rate per revenue band, `[[frequency.sector]]` a multiplier per sector (matched on the
//! exposure's `industry` by NAICS 2-digit code or by name). An exposure's default rate is
//! `band rate × sector multiplier`; `annual_rate` on the row still overrides it, and a row
//! without revenue keeps `[frequency] rate`.

use super::revenue_bands;
use super::toml_section::{tables, Section};
use crate::error::{Error, Result};

/// The base rate for revenue below `revenue_below` (and at or above the band before's).
#[derive(Debug, Clone, PartialEq)]
pub struct RevenueBand {
    pub revenue_below: f64,
    pub rate: f64,
}

/// A sector's frequency multiplier, and the NAICS codes and names that select it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    pub name: String,
    /// NAICS 2-digit sector codes (e.g. "52"; "31-33" style ranges are listed code by code).
    pub naics: Vec<String>,
    /// Lower-case names (and synonyms) an `industry` cell may use.
    pub names: Vec<String>,
    pub multiplier: f64,
}

/// The firmographic frequency table (empty: every exposure keeps the flat rate).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirmographicRates {
    /// Ascending by `revenue_below`.
    pub bands: Vec<RevenueBand>,
    pub sectors: Vec<Sector>,
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
    /// The sector an `industry` cell names: a NAICS code (its first two digits) or a name.
    pub fn sector(&self, industry: &str) -> Option<&Sector> {
        let cell = industry.trim().to_lowercase();
        let code: String = cell.chars().take_while(char::is_ascii_digit).collect();
        if code.len() >= 2 {
            let two = &code[..2];
            return self.sectors.iter().find(|s| s.naics.iter().any(|n| n == two));
        }
        self.sectors.iter().find(|s| s.names.contains(&cell))
    }

    /// The default annual rate of an exposure with `revenue` in `industry`, if the table
    /// gives one (a revenue is needed; an industry the table does not know counts as 1×).
    pub fn rate(&self, revenue: Option<f64>, industry: Option<&str>) -> Option<f64> {
        let revenue = revenue?;
        let band = self.bands.iter().find(|b| revenue < b.revenue_below)?;
        let multiplier = industry.and_then(|i| self.sector(i)).map_or(1.0, |s| s.multiplier);
        Some(band.rate * multiplier)
    }
}

/// A list of strings under `key` (lower-cased), or none.
fn strings(s: &mut Section, key: &'static str) -> Result<Vec<String>> {
    Ok(s.str_list_opt(key)?.unwrap_or_default().into_iter().map(|v| v.trim().to_lowercase()).collect())
}

/// Reads `by_revenue` and `sector` from the `[frequency]` table `s`, rates at most `max_rate`.
pub fn parse(s: &mut Section, max_rate: f64) -> Result<FirmographicRates> {
    let file = s.file();
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
    let mut sectors: Vec<Sector> = Vec::new();
    if let Some(value) = s.get("sector") {
        let path = s.key_path("sector");
        sectors = tables(file, &path, value, |mut t| {
            let name = t.str_opt("name")?.ok_or_else(|| t.error("name", "missing"))?.to_string();
            let naics = strings(&mut t, "naics")?;
            if let Some(bad) = naics.iter().find(|c| c.len() != 2 || !c.chars().all(|d| d.is_ascii_digit())) {
                return Err(t.error("naics", format!("\"{bad}\" is not a NAICS 2-digit sector code")));
            }
            let mut names = strings(&mut t, "names")?;
            names.push(name.trim().to_lowercase());
            let multiplier = t.f64_opt("multiplier")?.ok_or_else(|| t.error("multiplier", "missing"))?;
            if !(multiplier.is_finite() && multiplier >= 0.0) {
                return Err(t.error("multiplier", format!("{multiplier} is not a finite number ≥ 0")));
            }
            t.str_opt("source")?;
            t.finish()?;
            Ok(Sector { name, naics, names, multiplier })
        })?;
        for (i, sector) in sectors.iter().enumerate() {
            let taken =
                sector.naics.iter().chain(&sector.names).find(|key| {
                    sectors[..i].iter().any(|other| other.naics.contains(key) || other.names.contains(key))
                });
            if let Some(key) = taken {
                return Err(Error::input(format!(
                    "{file}: {path}[{}]: \"{key}\" already selects an earlier sector; each code or name selects one",
                    i + 1
                )));
            }
        }
    }
    Ok(FirmographicRates { bands, sectors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(text: &str) -> Result<FirmographicRates> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::input(e.to_string()))?;
        let mut s = Section::new("a.toml", "frequency", &table);
        parse(&mut s, 10_000.0)
    }

    const TABLE: &str = "[[by_revenue]]\nrevenue_below = 1e7\nrate = 0.01\n\
                         [[by_revenue]]\nrevenue_below = inf\nrate = 0.1\n\
                         [[sector]]\nname = \"Finance and insurance\"\nnaics = [\"52\"]\nnames = [\"financial\", \"bank\"]\nmultiplier = 1.5\n\
                         [[sector]]\nname = \"Manufacturing\"\nnaics = [\"31\", \"32\", \"33\"]\nmultiplier = 0.5\n";

    #[test]
    fn the_rate_is_the_bands_times_the_sectors_multiplier() {
        let r = rates(TABLE).unwrap();
        assert_eq!(r.rate(Some(5e6), None), Some(0.01));
        assert_eq!(r.rate(Some(5e6), Some("Financial")), Some(0.015));
        assert_eq!(r.rate(Some(5e9), Some("5221")), Some(0.1 * 1.5));
        assert_eq!(r.rate(Some(5e9), Some("32")), Some(0.05));
        assert_eq!(r.rate(Some(5e9), Some(" finance and insurance ")), Some(0.1 * 1.5));
        assert_eq!(r.rate(Some(5e9), Some("knitting")), Some(0.1), "an unknown industry counts as 1x");
        assert_eq!(r.rate(None, Some("financial")), None, "no revenue, no band");
    }

    #[test]
    fn bad_tables_name_their_key() {
        let e = rates("[[by_revenue]]\nrevenue_below = 1e7\nrate = -1\n").unwrap_err();
        assert!(e.to_string().contains("frequency.by_revenue[1].rate"), "{e}");
        let e = rates("[[sector]]\nname = \"x\"\nnaics = [\"5\"]\nmultiplier = 1\n").unwrap_err();
        assert!(e.to_string().contains("NAICS"), "{e}");
        let e = rates(
            "[[sector]]\nname = \"x\"\nmultiplier = 1\n[[sector]]\nname = \"y\"\nnames = [\"x\"]\nmultiplier = 1\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("already selects"), "{e}");
        assert!(rates("[[by_revenue]]\nrevenue_below = 1e7\nrate = 0.1\nbogus = 1\n").is_err());
    }
}
