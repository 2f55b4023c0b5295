//! Oasis Open Exposure Data (OED 4) cyber account files as exposures: a table with the
//! columns `AccNumber` and `PolNumber` (and no `id`) is read as an OED account file, one row
//! per policy, and its fields are translated to breachcost's columns before the rows are
//! parsed as usual. Field names are matched without regard to case, as OED allows.
//!
//! | OED field | breachcost |
//! |---|---|
//! | `AccNumber`, `PolNumber` | `id` = `AccNumber/PolNumber` |
//! | `InsuredName` (else `AccName`) | `name` |
//! | `IndustrySchemeN` = `NAICS` with `IndustryCodeN` | `industry` (the NAICS code selects the `[[sector]]`) |
//! | `NumberOfRecords` (0: not known) | `records` (else estimated from revenue) |
//! | `AnnualRevenue` (0: not known) | `revenue` |
//! | `AccCurrency` (`AnnualRevenueCurrency`, `LimitCurrency`, `DedCurrency` must match) | `currency` |
//! | `LayerAttachment` if above 0, else `PolDed` + `PolSIR` | `retention` (an attachment includes the deductible) |
//! | `LayerLimit` (0: none given) | `limit` |
//! | `LayerAggLimit` (0: none given) | `aggregate_limit` |
//! | `LayerParticipation` × `AccParticipation` | `share` |
//! | `PolLimit<cov>`, `PolDed<cov>` (0: none given) | the sublimit and retention of the `[[section]]` whose `code` is `<cov>` |
//! | `PolCoverage` (default `CYB`, all) | sections whose code it does not list get a sublimit of 0 |
//! | `BIWaitingPeriod`, `BIPOI` (days) | `waiting_period_hours`, `period_of_restoration_hours` (× 24) |
//!
//! Coverage codes (OED `CoverageValues`): `NPBI` (also written `BI`), `CBI`, `DIAS`, `EXT`,
//! `FIN`, `INRE`, `LIAB` (fields `PolLimitLIA`/`PolDedLIA`), `REG`, `ENO`, and `CYB` for all.
//! Every other field is kept as an extra column (systemic events may match on e.g.
//! `CloudVendor`). `LayerAggAttachment` above 0 (an annual aggregate deductible) is refused:
//! breachcost does not model it. An account's rows (one per policy) must agree on the
//! account's own fields.

use std::collections::HashMap;

use super::text_table::TextTable;
use crate::error::{Error, Result};

/// The prefix of a section name that is an OED coverage code (`section_sublimit_oed:NPBI`):
/// resolved against the `[[section]]` codes, and ignored where no section has the code.
pub const CODE_PREFIX: &str = "oed:";

/// The fields the OED cyber schema marks required.
const REQUIRED: [&str; 16] = [
    "PortNumber",
    "AccNumber",
    "AccCurrency",
    "PolNumber",
    "PolInceptionDate",
    "PolExpiryDate",
    "PolPerilsCovered",
    "LayerParticipation",
    "LayerLimit",
    "LayerAttachment",
    "IndustryScheme1",
    "IndustryCode1",
    "AnnualRevenue",
    "AnnualRevenueCurrency",
    "PolDed",
    "InsuredName",
];

/// The cyber coverage codes: (code, the field suffixes of its sublimit and sub-deductible).
const COVERAGES: [(&str, &[&str]); 9] = [
    ("NPBI", &["NPBI", "BI"]),
    ("CBI", &["CBI"]),
    ("DIAS", &["DIAS"]),
    ("EXT", &["EXT"]),
    ("FIN", &["FIN"]),
    ("INRE", &["INRE"]),
    ("LIAB", &["LIA", "LIAB"]),
    ("REG", &["REG"]),
    ("ENO", &["ENO"]),
];

/// The cyber coverage codes, in [`COVERAGES`]' order.
pub const COVERAGE_CODES: [&str; 9] = ["NPBI", "CBI", "DIAS", "EXT", "FIN", "INRE", "LIAB", "REG", "ENO"];

/// Fields whose value must be the same on every row of an account.
const ACCOUNT_FIELDS: [&str; 6] =
    ["AccCurrency", "AnnualRevenue", "NumberOfRecords", "IndustryCode1", "InsuredName", "AccName"];

/// What the import made of the file's fields, for `validate`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OedReport {
    /// Fields translated, in file order.
    pub used: Vec<String>,
    /// Fields with values that were kept as extra columns only.
    pub ignored: Vec<String>,
    /// Required fields (OED cyber) the file does not have.
    pub missing: Vec<String>,
}

/// Whether a header is an OED account file's.
pub fn is_oed(names: &[String]) -> bool {
    let has = |field: &str| names.iter().any(|n| n.eq_ignore_ascii_case(field));
    has("AccNumber") && has("PolNumber") && !names.iter().any(|n| n == "id")
}

/// breachcost's table for the OED account table `table` (see the module's notes).
pub(super) fn translate(mut table: TextTable, label: &str) -> Result<(TextTable, OedReport)> {
    // Each field is looked up once (matched without regard to case), then found by its name.
    let found: std::cell::RefCell<HashMap<String, Option<usize>>> = Default::default();
    let names = table.names.clone();
    let field = |name: &str| {
        if let Some(&at) = found.borrow().get(name) {
            return at;
        }
        let at = names.iter().position(|n| n.eq_ignore_ascii_case(name));
        found.borrow_mut().insert(name.to_string(), at);
        at
    };
    let mut used = vec![false; table.names.len()];
    let mut rows: Vec<Vec<Option<String>>> = Vec::with_capacity(table.height);
    let columns = output_columns();
    let coverages = coverage_fields();
    let industries = industry_fields();
    let mut accounts: HashMap<String, usize> = HashMap::new();
    let mut ids = HashMap::new();
    for r in 0..table.height {
        let row = Row { table: &table, label, r, field: &field, industries: &industries };
        let account = row.required_text("AccNumber", &mut used)?;
        let policy = row.required_text("PolNumber", &mut used)?;
        let id = format!("{account}/{policy}");
        if let Some(problem) = crate::text::id_problem(&id) {
            return Err(row.error("AccNumber/PolNumber", &id, &problem));
        }
        if let Some(first) = ids.insert(id.clone(), r + 1) {
            return Err(row.error(
                "AccNumber/PolNumber",
                &id,
                &format!("repeats row {first} (another layer of the tower?): breachcost models one policy row per AccNumber and PolNumber"),
            ));
        }
        match accounts.get(&account) {
            Some(&first) => {
                for name in ACCOUNT_FIELDS {
                    let [a, b] = [first, r].map(|at| field(name).and_then(|c| table.columns[c][at].as_deref()));
                    if a.map(str::trim) != b.map(str::trim) {
                        return Err(row.error(
                            name,
                            b.unwrap_or(""),
                            &format!("differs from row {} of the same account ({}): an account's rows must agree on its own fields", first + 1, a.unwrap_or("blank")),
                        ));
                    }
                }
            }
            None => {
                accounts.insert(account.clone(), r);
            }
        }
        let mut cells = vec![None; columns.len()];
        let mut set = |column: &str, value: String| {
            if let Some(c) = columns.iter().position(|n| n == column) {
                cells[c] = Some(value);
            }
        };
        set("id", id);
        if let Some(name) = row.text("InsuredName", &mut used).or_else(|| row.text("AccName", &mut used)) {
            set("name", name);
        }
        if let Some(code) = row.naics(&mut used) {
            set("industry", code);
        }
        let records = row.amount("NumberOfRecords", &mut used)?.filter(|r| *r > 0.0);
        let revenue = row.amount("AnnualRevenue", &mut used)?.filter(|r| *r > 0.0);
        if records.is_none() && revenue.is_none() {
            return Err(row.error(
                "NumberOfRecords/AnnualRevenue",
                "",
                "neither is given (or both are 0): breachcost needs the records held or the revenue to estimate them from",
            ));
        }
        if let Some(records) = records {
            if records.fract() != 0.0 {
                return Err(row.error("NumberOfRecords", &records.to_string(), "expected a whole number of records"));
            }
            if records > u64::MAX as f64 {
                let why = format!("is above the largest number of records, {}", u64::MAX);
                return Err(row.error("NumberOfRecords", &crate::text::figure(records), &why));
            }
            set("records", format!("{records}"));
        }
        if let Some(revenue) = revenue {
            if revenue > super::MAX_REVENUE {
                let why = format!(
                    "is above {:e} (a thousand trillion); expected the firm's annual revenue",
                    super::MAX_REVENUE
                );
                return Err(row.error("AnnualRevenue", &crate::text::figure(revenue), &why));
            }
            set("revenue", revenue.to_string());
        }
        let currency = row.required_text("AccCurrency", &mut used)?.to_uppercase();
        for other in ["AnnualRevenueCurrency", "LimitCurrency", "DedCurrency"] {
            if let Some(code) = row.text(other, &mut used) {
                if !code.eq_ignore_ascii_case(&currency) {
                    return Err(row.error(
                        other,
                        &code,
                        &format!("differs from AccCurrency {currency}: convert the account's amounts to one currency"),
                    ));
                }
            }
        }
        set("currency", currency);
        let attachment = row.amount("LayerAttachment", &mut used)?.unwrap_or(0.0);
        let deductible =
            row.amount("PolDed", &mut used)?.unwrap_or(0.0) + row.amount("PolSIR", &mut used)?.unwrap_or(0.0);
        let retention = if attachment > 0.0 { attachment } else { deductible };
        if !retention.is_finite() {
            let why = "the deductible and the self-insured retention add up to more than any amount";
            return Err(row.error("PolDed + PolSIR", &crate::text::figure(retention), why));
        }
        set("retention", retention.to_string());
        if let Some(limit) = row.amount("LayerLimit", &mut used)?.filter(|l| *l > 0.0) {
            set("limit", limit.to_string());
        }
        if let Some(limit) = row.amount("LayerAggLimit", &mut used)?.filter(|l| *l > 0.0) {
            set("aggregate_limit", limit.to_string());
        }
        if let Some(a) = row.amount("LayerAggAttachment", &mut used)?.filter(|a| *a > 0.0) {
            return Err(row.error(
                "LayerAggAttachment",
                &a.to_string(),
                "an annual aggregate attachment is not modelled by breachcost; set it to 0 or leave it blank",
            ));
        }
        let share = row.share("LayerParticipation", &mut used)?.unwrap_or(1.0)
            * row.share("AccParticipation", &mut used)?.unwrap_or(1.0);
        set("share", share.to_string());
        let covered = row.coverages(&mut used)?;
        for coverage in &coverages {
            for (field, column) in &coverage.terms {
                if let Some(amount) = row.amount(field, &mut used)?.filter(|a| *a > 0.0) {
                    set(column, amount.to_string());
                }
            }
            if !covered.contains(&coverage.code) {
                set(&coverage.sublimit, "0".into());
            }
        }
        for (hours, days) in [("waiting_period_hours", "BIWaitingPeriod"), ("period_of_restoration_hours", "BIPOI")] {
            if let Some(d) = row.amount(days, &mut used)? {
                if !(d * 24.0).is_finite() {
                    return Err(row.error(
                        days,
                        &crate::text::figure(d),
                        "is too many days: in hours it passes the largest number (1.8e308)",
                    ));
                }
                set(hours, (d * 24.0).to_string());
            }
        }
        rows.push(cells);
    }
    // Every other field rides along as an extra column (moved, not copied).
    let missing = REQUIRED.iter().filter(|f| field(f).is_none()).map(|f| f.to_string()).collect();
    let mut names = columns;
    let mut out_columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(table.height); names.len()];
    for cells in rows {
        for (column, cell) in out_columns.iter_mut().zip(cells) {
            column.push(cell);
        }
    }
    let mut ignored = Vec::new();
    for (c, name) in table.names.iter().enumerate() {
        if used[c] || names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        let column = std::mem::take(&mut table.columns[c]);
        if column.iter().any(Option::is_some) {
            ignored.push(name.clone());
        }
        names.push(name.clone());
        out_columns.push(column);
    }
    let used = table.names.iter().zip(&used).filter(|(_, u)| **u).map(|(n, _)| n.clone()).collect();
    Ok((TextTable { names, columns: out_columns, height: table.height }, OedReport { used, ignored, missing }))
}

/// breachcost's columns the translation may fill.
fn output_columns() -> Vec<String> {
    let mut names: Vec<String> = [
        "id",
        "name",
        "industry",
        "records",
        "revenue",
        "currency",
        "retention",
        "limit",
        "aggregate_limit",
        "share",
        "waiting_period_hours",
        "period_of_restoration_hours",
    ]
    .map(String::from)
    .to_vec();
    for (code, _) in COVERAGES {
        for column in ["section_sublimit_", "section_retention_"] {
            names.push(format!("{column}{CODE_PREFIX}{code}"));
        }
    }
    names
}

/// One coverage's fields and the columns they fill.
struct CoverageFields {
    code: &'static str,
    /// (OED field, breachcost column): its sublimits, then its sub-deductibles.
    terms: Vec<(String, String)>,
    /// The column of its sublimit, 0 where `PolCoverage` leaves it out.
    sublimit: String,
}

/// Every coverage's fields, named once for all rows.
fn coverage_fields() -> Vec<CoverageFields> {
    COVERAGES
        .iter()
        .map(|&(code, suffixes)| {
            let mut terms = Vec::new();
            for (kind, column) in [("PolLimit", "section_sublimit_"), ("PolDed", "section_retention_")] {
                for suffix in suffixes {
                    terms.push((format!("{kind}{suffix}"), format!("{column}{CODE_PREFIX}{code}")));
                }
            }
            CoverageFields { code, terms, sublimit: format!("section_sublimit_{CODE_PREFIX}{code}") }
        })
        .collect()
}

/// The (`IndustrySchemeN`, `IndustryCodeN`) pairs looked for: without N, then N from 1 to 9.
fn industry_fields() -> Vec<(String, String)> {
    let suffixes = std::iter::once(String::new()).chain((1..=9).map(|n| n.to_string()));
    suffixes.map(|n| (format!("IndustryScheme{n}"), format!("IndustryCode{n}"))).collect()
}

/// One row of the OED table being read.
struct Row<'a, F: Fn(&str) -> Option<usize>> {
    table: &'a TextTable,
    label: &'a str,
    r: usize,
    field: &'a F,
    /// The industry scheme and code fields ([`industry_fields`]).
    industries: &'a [(String, String)],
}

impl<F: Fn(&str) -> Option<usize>> Row<'_, F> {
    fn error(&self, field: &str, value: &str, expected: &str) -> Error {
        let value = crate::text::printable(value);
        Error::input(format!("{} row {}, field {field}: \"{value}\": {expected}", self.label, self.r + 1))
    }

    /// The trimmed text of `name`, if the file has the field and the cell is not blank.
    fn text(&self, name: &str, used: &mut [bool]) -> Option<String> {
        let c = (self.field)(name)?;
        used[c] = true;
        self.table.columns[c][self.r].as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from)
    }

    fn required_text(&self, name: &str, used: &mut [bool]) -> Result<String> {
        self.text(name, used).ok_or_else(|| self.error(name, "", "is blank; the OED cyber schema requires it"))
    }

    /// A number ≥ 0 (OED amounts), if given.
    fn amount(&self, name: &str, used: &mut [bool]) -> Result<Option<f64>> {
        let Some(text) = self.text(name, used) else { return Ok(None) };
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            _ => Err(self.error(name, &text, "expected a number ≥ 0 (plain digits, e.g. 5000000)")),
        }
    }

    /// A share from 0 to 1, if given.
    fn share(&self, name: &str, used: &mut [bool]) -> Result<Option<f64>> {
        match self.amount(name, used)? {
            Some(x) if x > 1.0 => Err(self.error(name, &x.to_string(), "expected a share from 0 to 1 (12% as 0.12)")),
            other => Ok(other),
        }
    }

    /// The NAICS code among `IndustrySchemeN`/`IndustryCodeN` (N from 1; or without N).
    fn naics(&self, used: &mut [bool]) -> Option<String> {
        for (scheme, code) in self.industries {
            if let (Some(scheme), Some(code)) = (self.text(scheme, used), self.text(code, used)) {
                if scheme.eq_ignore_ascii_case("NAICS") {
                    return Some(code);
                }
            }
        }
        None
    }

    /// The coverage codes `PolCoverage` lists (all without one, or with `CYB`).
    fn coverages(&self, used: &mut [bool]) -> Result<Vec<&'static str>> {
        let all: Vec<&'static str> = COVERAGES.iter().map(|(code, _)| *code).collect();
        let Some(text) = self.text("PolCoverage", used) else { return Ok(all) };
        let mut out = Vec::new();
        for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let upper = item.to_uppercase();
            if upper == "CYB" {
                return Ok(all);
            }
            let found = COVERAGES.iter().find(|(code, suffixes)| *code == upper || suffixes.contains(&upper.as_str()));
            match found {
                Some((code, _)) => out.push(*code),
                None => {
                    let known: Vec<&str> = all.iter().copied().chain(["BI", "CYB"]).collect();
                    let hint = super::toml_section::nearest(&upper, &known)
                        .map(|k| format!(" (did you mean {k}?)"))
                        .unwrap_or_default();
                    return Err(self.error(
                        "PolCoverage",
                        &text,
                        &format!("{item} is not an OED cyber coverage code{hint}; known: {}", known.join(", ")),
                    ));
                }
            }
        }
        Ok(out)
    }
}
