//! A CSV report read back into cells and written as a sheet: numbers as numbers in their
//! column's format ([`super::kind_of`]), text as text, the header row frozen and filtered,
//! columns as wide as what they show.

use rust_xlsxwriter::{Format, Worksheet};

use super::{failed, kind_of, Formats, Kind};
use crate::error::{Error, Result};

/// The rows of a sheet (Excel's limit).
pub const ROW_LIMIT: u32 = 1_048_576;

/// The most characters a cell holds (Excel's limit); longer text is cut.
const CELL_CHARS: usize = 32_767;

/// Column widths, in characters, bounded.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

/// A CSV report: its header and rows of cells, as written.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a CSV report's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Table> {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let bad = |e: csv::Error| Error::failure(format!("cannot read the table back: {e}"));
        let header = reader.headers().map_err(bad)?.iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.map(|record| record.iter().map(String::from).collect::<Vec<String>>()))
            .collect::<std::result::Result<_, _>>()
            .map_err(bad)?;
        Ok(Table { header, rows })
    }

    /// The position of the column called `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The display kind of each column.
    pub fn kinds(&self) -> Vec<Kind> {
        self.header.iter().map(|h| kind_of(h)).collect()
    }
}

/// The number a cell of `kind` holds: its text read back (the exact f64 the CSV wrote), or
/// `None` for text, blanks and anything not a finite number.
pub fn number(text: &str, kind: Kind) -> Option<f64> {
    if kind == Kind::Text {
        return None;
    }
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The widest text seen in each column, in characters.
pub struct Widths(Vec<usize>);

impl Widths {
    pub fn new(columns: usize) -> Widths {
        Widths(vec![0; columns])
    }

    pub fn see(&mut self, col: usize, chars: usize) {
        if let Some(w) = self.0.get_mut(col) {
            *w = (*w).max(chars);
        }
    }

    /// Sets each column's width: what it shows, with a margin, within bounds.
    pub fn apply(&self, sheet: &mut Worksheet) -> Result<()> {
        for (col, chars) in self.0.iter().enumerate() {
            let width = (chars + 2).clamp(MIN_WIDTH, MAX_WIDTH);
            sheet.set_column_width(col as u16, width as f64).map_err(failed)?;
        }
        Ok(())
    }
}

/// Whether row `i` of `n` is measured for the widths: all of a small table, the head and
/// the tail (the `PORTFOLIO` rows, with the largest figures) of a large one.
pub fn measured(i: usize, n: usize) -> bool {
    i < 2_000 || i + 200 >= n
}

/// `text` cut to what a cell holds.
fn cell_text(text: &str) -> &str {
    match text.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Writes text into a cell.
pub fn write_text(sheet: &mut Worksheet, row: u32, col: u16, text: &str, format: &Format) -> Result<()> {
    sheet.write_string_with_format(row, col, cell_text(text), format).map_err(failed)?;
    Ok(())
}

/// Writes a header row at `row`, bold, measuring it (with room for a filter button).
pub fn write_header(
    sheet: &mut Worksheet,
    row: u32,
    header: &[String],
    formats: &Formats,
    widths: &mut Widths,
) -> Result<()> {
    for (col, name) in header.iter().enumerate() {
        write_text(sheet, row, col as u16, name, &formats.header)?;
        widths.see(col, name.chars().count() + 3);
    }
    Ok(())
}

/// Writes a CSV cell: a number of its column's kind in that format, else text; blanks stay
/// empty. Measures it when `measure`.
#[allow(clippy::too_many_arguments)]
pub fn write_cell(
    sheet: &mut Worksheet,
    (row, col): (u32, usize),
    text: &str,
    kind: Kind,
    formats: &Formats,
    widths: &mut Widths,
    measure: bool,
) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    match number(text, kind) {
        Some(x) => {
            sheet.write_number_with_format(row, col as u16, x, formats.of(kind)).map_err(failed)?;
        }
        None => write_text(sheet, row, col as u16, text, &formats.text)?,
    }
    if measure {
        widths.see(col, shown_chars(text, kind, formats));
    }
    Ok(())
}

/// About how many characters the CSV cell `text` takes shown in a column of `kind`.
pub fn shown_chars(text: &str, kind: Kind, formats: &Formats) -> usize {
    match number(text, kind) {
        Some(x) => formats.shown_chars(kind, x),
        None => text.chars().count(),
    }
}

/// Freezes the rows down to the header at `header_row` and the id column, and filters the
/// table below it (`rows` data rows).
pub fn finish(sheet: &mut Worksheet, header_row: u32, rows: u32, columns: usize) -> Result<()> {
    sheet.set_freeze_panes(header_row + 1, 1).map_err(failed)?;
    if columns > 0 {
        let last_col = (columns - 1) as u16;
        sheet.autofilter(header_row, 0, header_row + rows, last_col).map_err(failed)?;
    }
    Ok(())
}

/// How many of `rows` data rows fit below a header at `header_row` in a sheet of
/// `row_limit` rows, keeping one row for a note when they do not all fit.
pub fn rows_that_fit(rows: usize, header_row: u32, row_limit: u32) -> usize {
    let room = row_limit.saturating_sub(header_row + 1) as usize;
    if rows <= room {
        rows
    } else {
        room.saturating_sub(1)
    }
}

/// The note below a table cut at `shown` of `rows` rows.
pub fn cut_note(rows: usize, shown: usize, csv: &str) -> String {
    format!("… {} more rows do not fit in a sheet: the whole table is in {csv}", rows - shown)
}

/// The sheet of the CSV report `csv` (`table`), in a sheet of at most `row_limit` rows.
pub fn sheet(table: &Table, formats: &Formats, csv: &str, row_limit: u32) -> Result<Worksheet> {
    let mut sheet = Worksheet::new();
    let kinds = table.kinds();
    let mut widths = Widths::new(table.header.len());
    write_header(&mut sheet, 0, &table.header, formats, &mut widths)?;
    let shown = rows_that_fit(table.rows.len(), 0, row_limit);
    for (i, cells) in table.rows.iter().take(shown).enumerate() {
        let measure = measured(i, shown);
        for (col, (text, kind)) in cells.iter().zip(&kinds).enumerate() {
            write_cell(&mut sheet, (i as u32 + 1, col), text, *kind, formats, &mut widths, measure)?;
        }
    }
    if shown < table.rows.len() {
        write_text(&mut sheet, shown as u32 + 1, 0, &cut_note(table.rows.len(), shown, csv), &formats.note)?;
    }
    finish(&mut sheet, 0, shown as u32, table.header.len())?;
    widths.apply(&mut sheet)?;
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_back_as_the_csv_wrote_them() {
        let table = Table::parse(b"id,mean,loss_ratio\n\"a,b\",0.1,\n123,1e-7,0.5\n").expect("parses");
        assert_eq!(table.header, ["id", "mean", "loss_ratio"]);
        assert_eq!(table.rows, [vec!["a,b", "0.1", ""], vec!["123", "1e-7", "0.5"]]);
        assert_eq!(table.kinds(), [Kind::Text, Kind::Money, Kind::Share]);
        // An id that looks like a number stays text; infinities are not numbers.
        assert_eq!(number("123", Kind::Text), None);
        assert_eq!(number("0.1", Kind::Money), Some(0.1));
        assert_eq!(number("inf", Kind::Money), None);
        assert_eq!(number("", Kind::Money), None);
    }

    #[test]
    fn a_table_longer_than_a_sheet_is_cut_with_a_note() {
        assert_eq!(rows_that_fit(10, 0, 100), 10);
        assert_eq!(rows_that_fit(99, 0, 100), 99);
        assert_eq!(rows_that_fit(100, 0, 100), 98);
        assert_eq!(rows_that_fit(10, 6, 10), 2);
        let table = Table::parse(b"id,mean\na,1\nb,2\nc,3\nd,4\n").expect("parses");
        let formats = Formats::new("USD");
        assert!(sheet(&table, &formats, "x.csv", 4).is_ok());
        assert_eq!(cut_note(4, 2, "x.csv"), "… 2 more rows do not fit in a sheet: the whole table is in x.csv");
        let long = "x".repeat(CELL_CHARS + 5);
        assert_eq!(cell_text(&long).len(), CELL_CHARS);
    }
}
