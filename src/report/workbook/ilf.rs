//! The ILF sheet: `ilf.csv` under a Parameters block, its increased-limit factors as live
//! formulas, so that an underwriter who changes the risk load (cost of capital, or the sd
//! multiple the layers are loaded with) sees the loaded factors move.
//!
//! ```text
//!      A                  B        C
//!   1  parameter          value    what it does
//!   2  cost_of_capital    10.0%    (editable)
//!   3  ilf_sd_multiple    1.00     (editable)
//!   5  id  basis  …  (ilf.csv's header; its rows below)
//! ```
//!
//! Per row n, with row b the first row of its exposure and basis (the $1M limit, the base):
//!
//! ```text
//! ilf                = IF(Eb>0, En / Eb, "")
//! ilf_with_risk_load = IF(Eb+($B$2*$B$3)*SDb>0, (En+($B$2*$B$3)*SDn) / (Eb+($B$2*$B$3)*SDb), "")
//! ```
//!
//! with E the expected insured loss and SD its sd: the operations `report::ilf` does, in its
//! order, so the formulas give ilf.csv's factors to the last bit; each is written with that
//! figure as its cached result.

use rust_xlsxwriter::{utility::row_col_to_cell, Worksheet};

use super::live::{LiveSheet, Value};
use super::table::{self, Table};
use super::Formats;
use crate::error::{Error, Result};
use crate::input::Pricing;

/// The parameters' cells, absolute, as the formulas name them.
pub const COST_OF_CAPITAL: &str = "$B$2";
pub const SD_MULTIPLE: &str = "$B$3";

/// The table's header row (0-based): below the Parameters block and a blank row.
pub const HEADER_ROW: u32 = 4;

/// The cell of column `name` of `table` in sheet row `row` (0-based).
fn at(table: &Table, name: &str, row: u32) -> Result<String> {
    let col = table.column(name).ok_or_else(|| Error::failure(format!("ilf.csv has no {name} column")))?;
    Ok(row_col_to_cell(row, col as u16))
}

/// The formulas of sheet row `row` whose base (the first limit of its exposure and basis) is
/// sheet row `base`: (column name, formula).
fn formulas(table: &Table, row: u32, base: u32) -> Result<[(&'static str, String); 2]> {
    let (e, eb) = (at(table, "expected_insured_loss", row)?, at(table, "expected_insured_loss", base)?);
    let (sd, sdb) = (at(table, "sd", row)?, at(table, "sd", base)?);
    let load = format!("({COST_OF_CAPITAL}*{SD_MULTIPLE})");
    let (loaded, loaded_base) = (format!("{e}+{load}*{sd}"), format!("{eb}+{load}*{sdb}"));
    Ok([
        ("ilf", format!("IF({eb}>0,{e}/{eb},\"\")")),
        ("ilf_with_risk_load", format!("IF({loaded_base}>0,({loaded})/({loaded_base}),\"\")")),
    ])
}

/// The ILF sheet of `ilf.csv` (`table`), loaded with `pricing`'s cost of capital and sd multiple.
pub fn sheet(table: &Table, pricing: &Pricing, formats: &Formats, csv: &str) -> Result<Worksheet> {
    sheet_within(table, pricing, formats, csv, table::ROW_LIMIT)
}

/// [`sheet`] in a sheet of at most `row_limit` rows: a table too large for it is cut, with a
/// note, and written as values.
fn sheet_within(table: &Table, pricing: &Pricing, formats: &Formats, csv: &str, row_limit: u32) -> Result<Worksheet> {
    let mut out = LiveSheet::new(table, HEADER_ROW, row_limit);
    let follow = if out.live {
        "change it: ilf_with_risk_load below follows"
    } else {
        "too many rows for one sheet: the table below holds values, not formulas"
    };
    let multiple = formats.input.clone().set_num_format("0.00");
    let parameters = [
        (
            "cost_of_capital",
            Value::Number(pricing.cost_of_capital, &formats.input),
            format!("a layer's loaded premium is E[loss] + cost_of_capital × ilf_sd_multiple × sd(loss) (the run's; the Pricing sheet has its own); {follow}"),
        ),
        ("ilf_sd_multiple", Value::Number(pricing.ilf.sd_multiple, &multiple), format!("[pricing] ilf_sd_multiple; {follow}")),
    ];
    out.parameters(&parameters, formats)?;
    let kinds = table.kinds();
    let group = [table.column("id"), table.column("basis")];
    let key = |cells: &[String]| group.map(|c| c.and_then(|c| cells.get(c)).cloned());
    let mut base = (out.first, None);
    for (i, cells) in table.rows.iter().take(out.shown).enumerate() {
        let row = out.first + i as u32;
        // The first row of each exposure and basis is its base limit.
        if base.1.as_ref() != Some(&key(cells)) {
            base = (row, Some(key(cells)));
        }
        let formulas = if out.live { formulas(table, row, base.0)?.to_vec() } else { Vec::new() };
        out.row(i, &kinds, &formulas, formats)?;
    }
    out.finish(csv, formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ilf_table(rows: &[[&str; 2]]) -> Table {
        let header: Vec<String> = crate::report::ilf::HEADER.iter().map(|h| h.to_string()).collect();
        let rows = rows
            .iter()
            .map(|[id, basis]| {
                let mut cells = vec![id.to_string(), basis.to_string()];
                cells.resize(header.len(), "1".into());
                cells
            })
            .collect();
        Table { header, rows }
    }

    #[test]
    fn each_row_is_a_factor_over_its_exposures_first_limit() {
        let table = ilf_table(&[["a", "own"], ["a", "own"], ["a", "base"], ["b", "own"]]);
        let [ilf, loaded] = formulas(&table, 6, 5).expect("every column is there");
        assert_eq!(ilf.1, "IF(F6>0,F7/F6,\"\")");
        assert_eq!(loaded.1, "IF(F6+($B$2*$B$3)*G6>0,(F7+($B$2*$B$3)*G7)/(F6+($B$2*$B$3)*G6),\"\")");
        let formats = Formats::new("USD");
        let pricing = Pricing::default();
        assert!(sheet(&table, &pricing, &formats, "ilf.csv").is_ok());
        // Too many rows for the sheet: values, with a note.
        assert!(sheet_within(&table, &pricing, &formats, "ilf.csv", 8).is_ok());
    }
}
