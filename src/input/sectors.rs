//! Who the insured is by trade: the `[[sector]]` tables (each selected by an exposure's
//! `industry`, as a NAICS 2-digit code or a name) give a sector's breach-frequency multiplier,
//! the records it typically holds per $1M of revenue, and the data types it typically holds;
//! `[records_estimate]` says how records are estimated for rows that give a revenue but no
//! `records`: `revenue / 1e6 × records_per_million_revenue` (the sector's, else the table's
//! default), times a `multiplier` drawn per breach for the uncertainty of that estimate.

use super::dist::{parse_var, Role, Var};
use super::toml_section::{tables, Section};
use crate::error::{Error, Result};

/// One sector and what it implies for an exposure in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    pub name: String,
    /// NAICS 2-digit sector codes (e.g. "52"; "31-33" style ranges are listed code by code).
    pub naics: Vec<String>,
    /// Lower-case names (and synonyms) an `industry` cell may use, its own name included.
    pub names: Vec<String>,
    /// Multiplies the revenue band's breach rate (1 if not given).
    pub frequency_multiplier: f64,
    /// The median records held per $1M of annual revenue, for rows without `records`.
    pub records_per_million_revenue: Option<f64>,
    /// Data types held, for rows without `data_types`.
    pub data_types: Option<Vec<String>>,
}

/// How records held are estimated from revenue (`[records_estimate]`).
#[derive(Debug, Clone)]
pub struct RecordsEstimate {
    /// Records per $1M of revenue for industries no sector gives a figure for (none: such
    /// rows must give `records`).
    pub records_per_million_revenue: Option<f64>,
    /// Drawn once per breach and multiplying the estimated records (median 1 in the shipped
    /// defaults): how far a firm's records may lie from its sector's typical figure.
    pub multiplier: Var,
}

impl Default for RecordsEstimate {
    fn default() -> Self {
        RecordsEstimate { records_per_million_revenue: None, multiplier: Var::constant(1.0) }
    }
}

/// The sector tables and the records estimate.
#[derive(Debug, Clone, Default)]
pub struct Sectors {
    pub sectors: Vec<Sector>,
    pub records_estimate: RecordsEstimate,
}

impl Sectors {
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

    /// The sector of an optional `industry` cell.
    pub fn of(&self, industry: Option<&str>) -> Option<&Sector> {
        industry.and_then(|i| self.sector(i))
    }

    /// The median records held per $1M of revenue in `industry`: its sector's figure, else
    /// the default of `[records_estimate]`, else none.
    pub fn records_per_million_revenue(&self, industry: Option<&str>) -> Option<f64> {
        self.of(industry)
            .and_then(|s| s.records_per_million_revenue)
            .or(self.records_estimate.records_per_million_revenue)
    }
}

/// A list of names under `key`, trimmed and lower-cased (empty entries refused).
fn names(s: &mut Section, key: &'static str) -> Result<Option<Vec<String>>> {
    let Some(list) = s.str_list_opt(key)? else { return Ok(None) };
    let list: Vec<String> = list.into_iter().map(|v| v.trim().to_lowercase()).collect();
    if list.iter().any(String::is_empty) {
        return Err(s.error(key, "contains an empty name"));
    }
    Ok(Some(list))
}

/// A density of records per $1M of revenue under `key`: a finite number ≥ 0.
fn density(s: &mut Section, key: &'static str) -> Result<Option<f64>> {
    let value = s.f64_opt(key)?;
    let max = super::MAX_RECORDS_PER_MILLION;
    if let Some(v) = value.filter(|v| !(v.is_finite() && (0.0..=max).contains(v))) {
        let shown = crate::text::figure(v);
        return Err(s.error(key, format!("{shown} is not a number of records from 0 to {max:e} per $1M of revenue")));
    }
    Ok(value)
}

/// Reads `[[sector]]` and `[records_estimate]` from the root of the assumptions file.
pub fn parse(root: &mut Section) -> Result<Sectors> {
    let file = root.file();
    let mut sectors: Vec<Sector> = Vec::new();
    if let Some(value) = root.get("sector") {
        let path = root.key_path("sector");
        sectors = tables(file, &path, value, |mut t| {
            let name = t.str_opt("name")?.ok_or_else(|| t.error("name", "missing"))?.to_string();
            let naics = names(&mut t, "naics")?.unwrap_or_default();
            if let Some(bad) = naics.iter().find(|c| c.len() != 2 || !c.chars().all(|d| d.is_ascii_digit())) {
                return Err(t.error("naics", format!("\"{bad}\" is not a NAICS 2-digit sector code")));
            }
            let mut selected_by = names(&mut t, "names")?.unwrap_or_default();
            selected_by.push(name.trim().to_lowercase());
            let frequency_multiplier = t.f64_opt("frequency_multiplier")?.unwrap_or(1.0);
            if !(frequency_multiplier.is_finite() && frequency_multiplier >= 0.0) {
                return Err(
                    t.error("frequency_multiplier", format!("{frequency_multiplier} is not a finite number ≥ 0"))
                );
            }
            let records_per_million_revenue = density(&mut t, "records_per_million_revenue")?;
            let data_types = names(&mut t, "data_types")?;
            t.str_opt("source")?;
            t.finish()?;
            Ok(Sector {
                name,
                naics,
                names: selected_by,
                frequency_multiplier,
                records_per_million_revenue,
                data_types,
            })
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
    let records_estimate = match root.table_opt("records_estimate")? {
        None => RecordsEstimate::default(),
        Some(mut s) => {
            let records_per_million_revenue = density(&mut s, "records_per_million_revenue")?;
            let multiplier = parse_var(&mut s, "multiplier", Role::NonNegative, 1.0)?;
            s.str_opt("source")?;
            s.finish()?;
            RecordsEstimate { records_per_million_revenue, multiplier }
        }
    };
    Ok(Sectors { sectors, records_estimate })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sectors(text: &str) -> Result<Sectors> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::input(e.to_string()))?;
        let mut root = Section::new("a.toml", "", &table);
        parse(&mut root)
    }

    const TABLE: &str = "[[sector]]\nname = \"Finance and insurance\"\nnaics = [\"52\"]\nnames = [\"financial\", \"bank\"]\n\
                         frequency_multiplier = 1.5\nrecords_per_million_revenue = 2000\ndata_types = [\"SSN\", \"bank_account\"]\n\
                         [[sector]]\nname = \"Manufacturing\"\nnaics = [\"31\", \"32\", \"33\"]\n\
                         [records_estimate]\nrecords_per_million_revenue = 100\n\
                         multiplier = { dist = \"lognormal\", low = 0.2, high = 5 }\n";

    #[test]
    fn an_industry_selects_its_sector_by_code_or_name() {
        let s = sectors(TABLE).unwrap();
        assert_eq!(s.sector("5221").map(|s| s.name.as_str()), Some("Finance and insurance"));
        assert_eq!(s.sector(" Bank ").map(|s| s.name.as_str()), Some("Finance and insurance"));
        assert_eq!(s.sector("32").map(|s| s.name.as_str()), Some("Manufacturing"));
        assert!(s.sector("knitting").is_none());
        assert_eq!(s.sector("manufacturing").map(|s| s.frequency_multiplier), Some(1.0), "1x unless given");
        assert_eq!(s.sector("52").and_then(|s| s.data_types.clone()), Some(vec!["ssn".into(), "bank_account".into()]));
    }

    #[test]
    fn records_per_revenue_falls_back_to_the_default_for_sectors_without_one() {
        let s = sectors(TABLE).unwrap();
        assert_eq!(s.records_per_million_revenue(Some("financial")), Some(2000.0));
        assert_eq!(s.records_per_million_revenue(Some("33")), Some(100.0));
        assert_eq!(s.records_per_million_revenue(Some("knitting")), Some(100.0));
        assert_eq!(s.records_per_million_revenue(None), Some(100.0));
        assert_eq!(sectors("").unwrap().records_per_million_revenue(Some("bank")), None);
    }

    #[test]
    fn bad_tables_name_their_key() {
        let e = sectors("[[sector]]\nname = \"x\"\nnaics = [\"5\"]\n").unwrap_err();
        assert!(e.to_string().contains("sector[1].naics") && e.to_string().contains("NAICS"), "{e}");
        let e = sectors("[[sector]]\nname = \"x\"\n[[sector]]\nname = \"y\"\nnames = [\"x\"]\n").unwrap_err();
        assert!(e.to_string().contains("already selects"), "{e}");
        let e = sectors("[[sector]]\nname = \"x\"\nrecords_per_million_revenue = -3\n").unwrap_err();
        assert!(e.to_string().contains("sector[1].records_per_million_revenue: -3"), "{e}");
        let e = sectors("[records_estimate]\nrecords_per_million_revenue = -1\n").unwrap_err();
        assert!(e.to_string().contains("records_estimate.records_per_million_revenue: -1"), "{e}");
        let e = sectors("[records_estimate]\nmultiplier = { dist = \"uniform\", min = -1, max = 2 }\n").unwrap_err();
        assert!(e.to_string().contains("records_estimate.multiplier"), "{e}");
        let e = sectors("[[sector]]\nname = \"x\"\nmultiplier = 1\n").unwrap_err();
        assert!(e.to_string().contains("unknown key"), "{e}");
    }
}
