//! The Pricing sheet: `pricing.csv` under a Parameters block, its loads, premiums, ratios and
//! market checks as live formulas over the block, so that an underwriter who changes the
//! expense ratio or the cost of capital sees every premium move.
//!
//! ```text
//!      A                    B            C
//!   1  parameter            value        what it does
//!   2  expense_ratio        30.0%        (editable)
//!   3  cost_of_capital      10.0%        (editable)
//!   4  capital_measure      tvar_99      (the run's: the capital column)
//!   5  capital_allocation   portfolio    (the run's)
//!   7  id  expected_loss  …  (pricing.csv's header; its rows below, PORTFOLIO last)
//! ```
//!
//! Per policy row n (columns by their pricing.csv names):
//!
//! ```text
//! risk_load               = $B$3 * capital
//! technical_premium       = (expected_loss + risk_load) / (1 - $B$2)
//! expense_load            = $B$2 * technical_premium
//! loss_ratio              = IF(technical_premium>0, expected_loss / technical_premium, "")
//! rate_on_line            = IF(maximum_payout>0, technical_premium / maximum_payout, "")
//! standalone_premium      = (expected_loss + $B$3 * standalone_capital) / (1 - $B$2)
//! diversification_benefit = standalone_premium - technical_premium
//! premium_per_million     = IF(maximum_payout>0, technical_premium / (maximum_payout / 1000000), "")
//! market_check            = IF(OR(premium_per_million="", market_low=""), "",
//!                              IF(premium_per_million<market_low, "below",
//!                              IF(premium_per_million>market_high, "above", "within")))
//! ```
//!
//! The `PORTFOLIO` row sums the policies' risk and expense loads, premiums and standalone
//! premiums (`SUM`), with the same loss ratio and rate on line, its diversification benefit
//! `standalone_premium - (expected_loss + $B$3 * standalone_capital) / (1 - $B$2)` (the
//! book priced as one policy) and its loss ratio checked against the market's. These are
//! the operations `run::premium` does, in its order, so the formulas give pricing.csv's
//! figures to the last bit; each is written with that figure as its cached result.

use rust_xlsxwriter::{utility::row_col_to_cell, Worksheet};

use super::live::{LiveSheet, Value};
use super::table::{self, Table};
use super::{Formats, Kind};
use crate::error::{Error, Result};
use crate::input::{CapitalAllocation, CapitalMeasure, Pricing};
use crate::report::PORTFOLIO_ID;

/// The parameters' cells, absolute, as the formulas name them.
pub const EXPENSE_RATIO: &str = "$B$2";
pub const COST_OF_CAPITAL: &str = "$B$3";

/// The table's header row (0-based): below the Parameters block and a blank row.
pub const HEADER_ROW: u32 = 6;

/// `(sheet row, table column name)` → its cell's A1 reference, for the formulas.
struct Refs<'a> {
    table: &'a Table,
}

impl Refs<'_> {
    /// The cell of column `name` in sheet row `row` (0-based), e.g. `F8`.
    fn at(&self, name: &str, row: u32) -> Result<String> {
        let col = self.table.column(name).ok_or_else(|| Error::failure(format!("pricing.csv has no {name} column")))?;
        Ok(row_col_to_cell(row, col as u16))
    }

    /// `SUM` of column `name` over sheet rows `first..=last`.
    fn sum(&self, name: &str, first: u32, last: u32) -> Result<String> {
        Ok(format!("SUM({}:{})", self.at(name, first)?, self.at(name, last)?))
    }
}

/// Where `value` falls against the band `low`–`high`, as `Band::check` says; blank without
/// a value or a band.
fn check(value: &str, low: &str, high: &str) -> String {
    format!("IF(OR({value}=\"\",{low}=\"\"),\"\",IF({value}<{low},\"below\",IF({value}>{high},\"above\",\"within\")))")
}

/// The formulas of a policy's row (sheet row `row`): (column name, formula).
fn policy_formulas(r: &Refs, row: u32) -> Result<Vec<(&'static str, String)>> {
    let (er, coc) = (EXPENSE_RATIO, COST_OF_CAPITAL);
    let el = r.at("expected_loss", row)?;
    let rl = r.at("risk_load", row)?;
    let tp = r.at("technical_premium", row)?;
    let payout = r.at("maximum_payout", row)?;
    let sp = r.at("standalone_premium", row)?;
    let per_million = r.at("premium_per_million", row)?;
    Ok(vec![
        ("risk_load", format!("{coc}*{}", r.at("capital", row)?)),
        ("technical_premium", format!("({el}+{rl})/(1-{er})")),
        ("expense_load", format!("{er}*{tp}")),
        ("loss_ratio", format!("IF({tp}>0,{el}/{tp},\"\")")),
        ("rate_on_line", format!("IF({payout}>0,{tp}/{payout},\"\")")),
        ("standalone_premium", format!("({el}+{coc}*{})/(1-{er})", r.at("standalone_capital", row)?)),
        ("diversification_benefit", format!("{sp}-{tp}")),
        ("premium_per_million", format!("IF({payout}>0,{tp}/({payout}/1000000),\"\")")),
        ("market_check", check(&per_million, &r.at("market_low", row)?, &r.at("market_high", row)?)),
    ])
}

/// The formulas of the `PORTFOLIO` row (sheet row `row`), over the policies' rows
/// `first..=last`.
fn portfolio_formulas(r: &Refs, row: u32, first: u32, last: u32) -> Result<Vec<(&'static str, String)>> {
    let (er, coc) = (EXPENSE_RATIO, COST_OF_CAPITAL);
    let el = r.at("expected_loss", row)?;
    let tp = r.at("technical_premium", row)?;
    let payout = r.at("maximum_payout", row)?;
    let standalone = r.at("standalone_capital", row)?;
    Ok(vec![
        ("risk_load", r.sum("risk_load", first, last)?),
        ("expense_load", r.sum("expense_load", first, last)?),
        ("technical_premium", r.sum("technical_premium", first, last)?),
        ("standalone_premium", r.sum("standalone_premium", first, last)?),
        ("loss_ratio", format!("IF({tp}>0,{el}/{tp},\"\")")),
        ("rate_on_line", format!("IF({payout}>0,{tp}/{payout},\"\")")),
        ("diversification_benefit", format!("{}-({el}+{coc}*{standalone})/(1-{er})", r.at("standalone_premium", row)?)),
        ("market_check", check(&r.at("loss_ratio", row)?, &r.at("market_low", row)?, &r.at("market_high", row)?)),
    ])
}

/// How a pricing.csv column is shown: the `PORTFOLIO` row's market band is a loss ratio band.
fn kind(name: &str, portfolio: bool) -> Kind {
    match name {
        "market_low" | "market_high" if portfolio => Kind::Share,
        _ => super::kind_of(name),
    }
}

/// The capital measure as `[pricing] capital_measure` names it.
pub fn measure_name(measure: CapitalMeasure) -> String {
    match measure {
        CapitalMeasure::Tvar99 => "tvar_99".into(),
        CapitalMeasure::Var995 => "var_99_5".into(),
        CapitalMeasure::SdMultiple(k) => format!("sd_multiple (k = {k})"),
    }
}

/// The capital allocation as `[pricing] capital_allocation` names it.
pub fn allocation_name(allocation: CapitalAllocation) -> &'static str {
    match allocation {
        CapitalAllocation::Portfolio => "portfolio",
        CapitalAllocation::Standalone => "standalone",
    }
}

/// The Parameters block (rows 2–5); `live`: whether the table below follows it.
fn parameters<'f>(pricing: &Pricing, formats: &'f Formats, live: bool) -> [(&'static str, Value<'f>, String); 4] {
    let follow = if live {
        "change it: the loads, premiums, loss ratios, rates and market checks below follow"
    } else {
        "too many policies for one sheet: the table below holds values, not formulas"
    };
    [
        (
            "expense_ratio",
            Value::Number(pricing.expense_ratio, &formats.input),
            format!("technical_premium = (expected_loss + risk_load) / (1 − expense_ratio); {follow}"),
        ),
        (
            "cost_of_capital",
            Value::Number(pricing.cost_of_capital, &formats.input),
            format!("risk_load = cost_of_capital × capital; {follow}"),
        ),
        (
            "capital_measure",
            Value::Text(measure_name(pricing.capital_measure)),
            "what the capital column measures (the run's: the capital comes from the simulation)".into(),
        ),
        (
            "capital_allocation",
            Value::Text(allocation_name(pricing.capital_allocation).into()),
            "capital = the policy's share of the book's capital (portfolio) or its own (standalone); the run's".into(),
        ),
    ]
}

/// The Pricing sheet of `pricing.csv` (`table`), priced with `pricing`.
pub fn sheet(table: &Table, pricing: &Pricing, formats: &Formats, csv: &str) -> Result<Worksheet> {
    sheet_within(table, pricing, formats, csv, table::ROW_LIMIT)
}

/// [`sheet`] in a sheet of at most `row_limit` rows: a book too large for it is cut, with a
/// note, and written as values (a cut book's sums would not be the book's).
fn sheet_within(table: &Table, pricing: &Pricing, formats: &Formats, csv: &str, row_limit: u32) -> Result<Worksheet> {
    let mut out = LiveSheet::new(table, HEADER_ROW, row_limit);
    out.parameters(&parameters(pricing, formats, out.live), formats)?;
    let (first, n, live) = (out.first, table.rows.len(), out.live);
    let id = table.column("id").unwrap_or(0);
    let refs = Refs { table };
    // The PORTFOLIO row, last, sums the policies above it.
    let policies = match table.rows.last() {
        Some(last) if last.get(id).map(String::as_str) == Some(PORTFOLIO_ID) => n - 1,
        _ => n,
    };
    for i in 0..out.shown {
        let row = first + i as u32;
        let portfolio = i >= policies;
        let formulas = match (live, portfolio) {
            (false, _) => Vec::new(),
            (true, false) => policy_formulas(&refs, row)?,
            (true, true) if policies > 0 => portfolio_formulas(&refs, row, first, first + policies as u32 - 1)?,
            (true, true) => Vec::new(),
        };
        let kinds: Vec<Kind> = table.header.iter().map(|name| kind(name, portfolio)).collect();
        out.row(i, &kinds, &formulas, formats)?;
    }
    out.finish(csv, formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pricing_table(rows: &[&[&str]]) -> Table {
        let header: Vec<String> = crate::report::pricing::HEADER.iter().map(|h| h.to_string()).collect();
        let rows = rows
            .iter()
            .map(|r| {
                let mut cells: Vec<String> = r.iter().map(|c| c.to_string()).collect();
                cells.resize(header.len(), String::new());
                cells
            })
            .collect();
        Table { header, rows }
    }

    #[test]
    fn each_policy_row_prices_on_the_parameters_block() {
        let table = pricing_table(&[&["a"], &["b"], &[PORTFOLIO_ID]]);
        let refs = Refs { table: &table };
        let formulas = policy_formulas(&refs, 7).expect("every column is there");
        let get = |name: &str| formulas.iter().find(|(c, _)| *c == name).map(|(_, f)| f.as_str());
        assert_eq!(get("risk_load"), Some("$B$3*I8"));
        assert_eq!(get("technical_premium"), Some("(B8+D8)/(1-$B$2)"));
        assert_eq!(get("expense_load"), Some("$B$2*F8"));
        assert_eq!(get("loss_ratio"), Some("IF(F8>0,B8/F8,\"\")"));
        assert_eq!(get("rate_on_line"), Some("IF(O8>0,F8/O8,\"\")"));
        assert_eq!(get("diversification_benefit"), Some("M8-F8"));
        let book = portfolio_formulas(&refs, 9, 7, 8).expect("every column is there");
        let get = |name: &str| book.iter().find(|(c, _)| *c == name).map(|(_, f)| f.as_str());
        assert_eq!(get("technical_premium"), Some("SUM(F8:F9)"));
        assert_eq!(get("diversification_benefit"), Some("M10-(B10+$B$3*J10)/(1-$B$2)"));
        assert_eq!(
            get("market_check"),
            Some("IF(OR(L10=\"\",R10=\"\"),\"\",IF(L10<R10,\"below\",IF(L10>S10,\"above\",\"within\")))")
        );
    }

    #[test]
    fn the_portfolio_band_is_a_loss_ratio_and_a_policy_band_is_money() {
        assert_eq!(kind("market_low", true), Kind::Share);
        assert_eq!(kind("market_low", false), Kind::Money);
        assert_eq!(kind("technical_premium", true), Kind::Money);
    }

    #[test]
    fn a_book_too_large_for_a_sheet_is_written_as_values() {
        let table = pricing_table(&[&["a", "1"], &["b", "2"], &[PORTFOLIO_ID, "3"]]);
        let formats = Formats::new("USD");
        let pricing = Pricing::default();
        assert!(sheet_within(&table, &pricing, &formats, "pricing.csv", 9).is_ok());
        assert!(sheet_within(&table, &pricing, &formats, "pricing.csv", 10).is_ok());
        assert!(sheet(&pricing_table(&[]), &pricing, &formats, "pricing.csv").is_ok());
        assert_eq!(measure_name(CapitalMeasure::SdMultiple(2.5)), "sd_multiple (k = 2.5)");
    }
}
