//! A table sheet under a Parameters block (the Pricing and ILF sheets): the parameters an
//! underwriter may change at the top, the CSV's table below with its computed columns as live
//! formulas over them, each cached with the CSV's figure; a table too long for the sheet is
//! cut, with a note, and written as values.

use rust_xlsxwriter::{Format, Formula, Worksheet};

use super::table::{self, Table, Widths};
use super::{failed, Formats, Kind};
use crate::error::Result;

/// A parameter's value: a number the reader may change (in its format), or the run's text.
pub enum Value<'f> {
    Number(f64, &'f Format),
    Text(String),
}

/// A sheet being written: the table under a Parameters block.
pub struct LiveSheet<'t> {
    pub sheet: Worksheet,
    widths: Widths,
    table: &'t Table,
    header_row: u32,
    /// The sheet row of the table's first row.
    pub first: u32,
    /// How many of the table's rows the sheet shows, and whether they are live (all shown).
    pub shown: usize,
    pub live: bool,
}

impl<'t> LiveSheet<'t> {
    /// A sheet for `table` with its header at `header_row`, in at most `row_limit` rows.
    pub fn new(table: &'t Table, header_row: u32, row_limit: u32) -> Self {
        let shown = table::rows_that_fit(table.rows.len(), header_row, row_limit);
        LiveSheet {
            sheet: Worksheet::new(),
            widths: Widths::new(table.header.len().max(3)),
            table,
            header_row,
            first: header_row + 1,
            shown,
            live: shown == table.rows.len(),
        }
    }

    /// Writes the Parameters block from row 1: (name, value, what it does), then the table's
    /// header.
    pub fn parameters(&mut self, rows: &[(&str, Value, String)], formats: &Formats) -> Result<()> {
        let header = ["parameter", "value", "what it does"].map(String::from);
        let (sheet, widths) = (&mut self.sheet, &mut self.widths);
        table::write_header(sheet, 0, &header[..2], formats, widths)?;
        table::write_text(sheet, 0, 2, &header[2], &formats.header)?;
        for (i, (name, value, meaning)) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            table::write_text(sheet, row, 0, name, &formats.text)?;
            widths.see(0, name.len());
            match value {
                Value::Number(x, format) => {
                    sheet.write_number_with_format(row, 1, *x, format).map_err(failed)?;
                    widths.see(1, formats.shown_chars(Kind::Share, *x));
                }
                Value::Text(text) => {
                    table::write_text(sheet, row, 1, text, &formats.text)?;
                    widths.see(1, text.chars().count());
                }
            }
            // Not measured: it runs on over the empty cells to its right.
            table::write_text(sheet, row, 2, meaning, &formats.note)?;
        }
        table::write_header(sheet, self.header_row, &self.table.header, formats, widths)
    }

    /// Writes the table's row `i` (shown as `kinds`): the columns named in `formulas` as those
    /// formulas, with the CSV's figure as cached result (for viewers that do not recalculate),
    /// the others as [`table::write_cell`] does.
    pub fn row(&mut self, i: usize, kinds: &[Kind], formulas: &[(&str, String)], formats: &Formats) -> Result<()> {
        let (row, measure) = (self.first + i as u32, table::measured(i, self.shown));
        let cells = &self.table.rows[i];
        for (col, ((name, text), kind)) in self.table.header.iter().zip(cells).zip(kinds).enumerate() {
            match formulas.iter().find(|(column, _)| column == name) {
                Some((_, formula)) => {
                    let formula = Formula::new(formula).set_result(text);
                    let format = formats.of(*kind);
                    self.sheet.write_formula_with_format(row, col as u16, formula, format).map_err(failed)?;
                    if measure {
                        self.widths.see(col, table::shown_chars(text, *kind, formats));
                    }
                }
                None => {
                    table::write_cell(&mut self.sheet, (row, col), text, *kind, formats, &mut self.widths, measure)?
                }
            }
        }
        Ok(())
    }

    /// The finished sheet: a note below a cut table, the header frozen and filtered, widths set.
    pub fn finish(mut self, csv: &str, formats: &Formats) -> Result<Worksheet> {
        let n = self.table.rows.len();
        if !self.live {
            let note = table::cut_note(n, self.shown, csv);
            table::write_text(&mut self.sheet, self.first + self.shown as u32, 0, &note, &formats.note)?;
        }
        table::finish(&mut self.sheet, self.header_row, self.shown as u32, self.table.header.len())?;
        self.widths.apply(&mut self.sheet)?;
        Ok(self.sheet)
    }
}
