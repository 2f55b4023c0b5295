//! The exposures table (CSV, or Parquet by extension): one row per organisation, policy or
//! scenario. The CSV reader ([`csv_rows`]) or polars (Parquet) reads the file; every cell is
//! then parsed here, so that each error names the file, row, column and value.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::assumptions::MAX_ANNUAL_RATE;
use super::csv_rows;
use super::sections::SectionTerm;
use super::text_table::TextTable;
use super::toml_section::nearest;
use crate::error::{Error, Result};
use crate::text;

/// The `id` of the portfolio rows of the reports; no exposure may use it.
pub const PORTFOLIO_ID: &str = "PORTFOLIO";
/// The `id` of the portfolio rows that leave out systemic events.
pub const PORTFOLIO_EXCL_SYSTEMIC_ID: &str = "PORTFOLIO_EXCL_SYSTEMIC";

/// One exposure row.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub id: String,
    pub name: Option<String>,
    pub industry: Option<String>,
    /// Records (people) held that a breach could expose; `None`: not given, estimated from
    /// `revenue` and `industry` (or, with `affected` given, not needed).
    pub records: Option<u64>,
    /// Kinds of data held; `None` = the assumptions' default.
    pub data_types: Option<Vec<String>>,
    /// Security controls in place (`controls`: `;`-separated `[[control]]` names); none if empty.
    pub controls: Vec<String>,
    /// The currency of the row's amounts (revenue and policy terms); `None`: the report's.
    pub currency: Option<String>,
    /// A known number of affected records, replacing `records × affected_share`.
    pub affected: Option<u64>,
    pub annual_rate: Option<f64>,
    pub revenue: Option<f64>,
    pub retention: Option<f64>,
    pub limit: Option<f64>,
    pub aggregate_limit: Option<f64>,
    pub share: Option<f64>,
    /// `sublimit_<component>` columns: (component name, amount).
    pub sublimits: Vec<(String, f64)>,
    /// `aggregate_sublimit_<component>` columns: (component name, amount a policy year).
    pub aggregate_sublimits: Vec<(String, f64)>,
    /// `section_sublimit_<section>`, `section_aggregate_sublimit_<section>` and
    /// `section_retention_<section>` columns: (which term, section name, amount).
    pub section_terms: Vec<(SectionTerm, String, f64)>,
    /// `waiting_period_hours` and `period_of_restoration_hours`: the business-interruption terms.
    pub waiting_period_hours: Option<f64>,
    pub restoration_hours: Option<f64>,
    /// `annual_rate_<incident type>` columns: (type name, incidents a year).
    pub incident_rates: Vec<(String, f64)>,
    /// Other columns, kept as text (e.g. for matching systemic events).
    pub extra: Vec<(String, String)>,
}

/// The exposures file, parsed.
#[derive(Debug, Clone)]
pub struct Exposures {
    /// How the file is named in messages.
    pub label: String,
    pub rows: Vec<Exposure>,
    /// Where the file is an OED account file, what its import used and ignored.
    pub oed: Option<super::oed::OedReport>,
}

const KNOWN_COLUMNS: [&str; 22] = [
    "id",
    "records",
    "name",
    "industry",
    "data_types",
    "controls",
    "currency",
    "affected",
    "annual_rate",
    "revenue",
    "retention",
    "limit",
    "aggregate_limit",
    "share",
    "sublimit_<component>",
    "aggregate_sublimit_<component>",
    "section_sublimit_<section>",
    "section_aggregate_sublimit_<section>",
    "section_retention_<section>",
    "waiting_period_hours",
    "period_of_restoration_hours",
    "annual_rate_<incident type>",
];

/// The columns of free text, checked by [`text_cell_problem`].
const TEXT_COLUMNS: [&str; 5] = ["id", "name", "industry", "data_types", "controls"];

/// What is wrong with a free-text cell (trimmed), if anything: ids are identifiers (see
/// [`text::id_problem`]); names, industries and data types are at most
/// [`text::MAX_TEXT_BYTES`] without control or bidirectional-formatting characters. An empty
/// cell is left to the row's parser.
fn text_cell_problem(column: &str, value: &str) -> Option<String> {
    match column {
        _ if value.is_empty() => None,
        "id" => text::id_problem(value),
        "name" | "industry" | "data_types" | "controls" => text::text_problem(value, text::MAX_TEXT_BYTES),
        _ => None,
    }
}

/// The error for the cell of `column` in `row` (1-based) holding `value`.
fn cell_error(label: &str, row: usize, column: &str, value: &str, expected: &str) -> Error {
    Error::input(format!("{label} row {row}, column {column}: \"{}\" {expected}", text::printable(&truncate(value))))
}

impl Exposures {
    /// Reads a CSV or Parquet (by extension `.parquet`/`.pq`) exposures file.
    pub fn read(path: &Path) -> Result<Exposures> {
        Exposures::from_file_bytes(path, Exposures::read_file_bytes(path)?)
    }

    /// The bytes of an exposures file (a directory or unreadable file is an input error).
    pub fn read_file_bytes(path: &Path) -> Result<Vec<u8>> {
        let label = path.display();
        if path.is_dir() {
            return Err(Error::input(format!("{label}: is a directory; expected an exposures CSV or Parquet file")));
        }
        std::fs::read(path).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))
    }

    /// True for a `.parquet` or `.pq` file name.
    pub fn is_parquet_path(path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
    }

    /// Parses the bytes read from `path`: Parquet by extension (`.parquet`/`.pq`), else CSV.
    pub fn from_file_bytes(path: &Path, bytes: Vec<u8>) -> Result<Exposures> {
        let label = path.display().to_string();
        if Exposures::is_parquet_path(path) {
            Exposures::from_parquet_bytes(bytes, &label)
        } else {
            Exposures::from_csv_bytes(&bytes, &label)
        }
    }

    /// Parses CSV text (UTF-8, optional BOM, LF or CRLF line ends, `"`-quoted fields).
    pub fn from_csv_bytes(bytes: &[u8], label: &str) -> Result<Exposures> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::input(format!("{label}: is not UTF-8 text (byte {}); save it as UTF-8 CSV", e.valid_up_to()))
        })?;
        if text.trim().is_empty() {
            return Err(Error::input(format!("{label}: is empty; expected a header line with at least id,records")));
        }
        let header = text.lines().next().unwrap_or("");
        if !header.contains(',') && header.contains(';') {
            return Err(Error::input(format!(
                "{label} line 1: the header \"{}\" has no commas but has semicolons; exposures files are comma-separated (use ';' only inside data_types)",
                truncate(header)
            )));
        }
        if !header.contains(',') && header.contains('\t') {
            return Err(Error::input(format!(
                "{label} line 1: the header has no commas but has tabs; exposures files are comma-separated"
            )));
        }
        if let Some(open) = csv_rows::unclosed_quote(text.as_bytes()) {
            return Err(Error::input(format!(
                "{label} line {}: a quoted field is never closed; check the \" characters on that line",
                open.quote_line
            )));
        }
        let mut records = csv_rows::Records::new(text, label);
        let mut names: Vec<String> = Vec::new();
        let mut columns: Vec<Vec<Option<String>>> = Vec::new();
        let mut text_columns: Vec<(usize, &str)> = Vec::new();
        let mut row = 0;
        while let Some((line, record)) = records.next_record()? {
            // Blank lines are skipped, as pandas does; so is a line of spaces or `""`.
            if record.len() == 1 && record[0].trim().is_empty() {
                continue;
            }
            if row == 0 {
                names = record.iter().map(|name| name.trim().trim_start_matches('\u{feff}').to_string()).collect();
                if let Some(name) = super::csv_rows::repeated_name(&names) {
                    return Err(Error::input(format!("{label}: column {name}: appears twice in the header")));
                }
                text_columns = TEXT_COLUMNS
                    .iter()
                    .filter_map(|&column| names.iter().position(|n| n == column).map(|i| (i, column)))
                    .collect();
                text_columns.sort_unstable();
                columns = vec![Vec::new(); names.len()];
                row = 1;
                continue;
            }
            if record.len() != names.len() {
                return Err(Error::input(format!(
                    "{label} row {row} (line {line}): has {} fields but the header has {}; quote fields that contain commas",
                    record.len(),
                    names.len()
                )));
            }
            // Checked before the row is kept: a 200 MB id is refused here, not in the reports.
            for &(i, column) in &text_columns {
                let value = record[i].trim();
                if let Some(problem) = text_cell_problem(column, value) {
                    return Err(cell_error(label, row, column, value, &problem));
                }
            }
            for (cells, value) in columns.iter_mut().zip(record.iter()) {
                cells.push((!value.is_empty()).then(|| value.to_string()));
            }
            row += 1;
        }
        if row == 0 {
            return Err(Error::input(format!("{label}: is empty; expected a header line with at least id,records")));
        }
        Exposures::from_table(TextTable { names, columns, height: row - 1 }, label)
    }

    /// Parses a Parquet file's bytes.
    pub fn from_parquet_bytes(bytes: Vec<u8>, label: &str) -> Result<Exposures> {
        if bytes.is_empty() {
            return Err(Error::input(format!("{label}: is empty; expected a Parquet file")));
        }
        if bytes.len() < 12 || !bytes.starts_with(b"PAR1") || !bytes.ends_with(b"PAR1") {
            return Err(Error::input(format!(
                "{label}: is not a complete Parquet file (missing PAR1 magic bytes; truncated?)"
            )));
        }
        // A corrupt footer can make the Parquet decoder allocate without bound (an abort, not
        // a panic): check its structure first.
        super::parquet_footer::check(&bytes)
            .map_err(|problem| Error::input(format!("{label}: is not a valid Parquet file: {problem}")))?;
        // A corrupt file can make the Parquet decoder panic; turn that into an input error.
        let read = std::panic::catch_unwind(move || ParquetReader::new(Cursor::new(bytes)).finish());
        let frame = match read {
            Ok(Ok(frame)) => frame,
            Ok(Err(e)) => return Err(Error::input(format!("{label}: cannot be read as Parquet: {e}"))),
            Err(_) => return Err(Error::input(format!("{label}: cannot be read as Parquet: the file is corrupt"))),
        };
        for column in frame.columns() {
            let name = column.name().as_str();
            let integer_column = matches!(name, "records" | "affected");
            let dtype = column.dtype();
            let ok = if integer_column {
                dtype.is_integer() || dtype == &DataType::String || dtype == &DataType::Null
            } else {
                dtype.is_primitive_numeric()
                    || dtype == &DataType::String
                    || dtype == &DataType::Null
                    || dtype.is_bool()
            };
            if !ok || (name == "id" && !(dtype == &DataType::String || dtype.is_integer())) {
                let expected = if integer_column { "an integer or string column" } else { "a number or string column" };
                return Err(Error::input(format!("{label}: column {name}: has type {dtype}; expected {expected}")));
            }
        }
        let table = text_table(&frame, label)?;
        drop(frame);
        Exposures::from_table(table, label)
    }

    fn from_table(table: TextTable, label: &str) -> Result<Exposures> {
        let (table, oed) = match super::oed::is_oed(&table.names) && table.height > 0 {
            true => {
                let (translated, report) = super::oed::translate(table, label)?;
                (translated, Some(report))
            }
            false => (table, None),
        };
        let column_of = |name: &str| table.names.iter().position(|n| n == name);
        // Records may be estimated from revenue, or not needed where `affected` is known.
        let records_or_estimate = ["records", "revenue", "affected"].iter().any(|c| column_of(c).is_some());
        for required in ["id", "records"] {
            if column_of(required).is_none() && (required == "id" || !records_or_estimate) {
                let found: Vec<&str> = table.names.iter().map(String::as_str).collect();
                let hint = nearest(required, &found).map(|k| format!(" (is \"{k}\" meant?)")).unwrap_or_default();
                let or = if required == "records" { " (or revenue, to estimate records)" } else { "" };
                let mut shown: Vec<String> = found.iter().take(20).map(|name| crate::text::excerpt(name, 40)).collect();
                if found.len() > 20 {
                    shown.push(format!("and {} more", found.len() - 20));
                }
                return Err(Error::input(format!(
                    "{label}: column {required}: missing{hint}{or}; the columns found are {}",
                    shown.join(", ")
                )));
            }
        }
        if let Some(i) = table.names.iter().position(String::is_empty) {
            return Err(Error::input(format!("{label}: column {}: has an empty name in the header", i + 1)));
        }
        if let Some(name) = super::csv_rows::repeated_name(&table.names) {
            return Err(Error::input(format!("{label}: column {name}: appears twice in the header")));
        }
        if table.height == 0 {
            return Err(Error::input(format!("{label}: has a header but no rows; expected at least one exposure")));
        }
        let mut rows = Vec::with_capacity(table.height);
        let mut seen_ids = std::collections::HashMap::with_capacity(table.height);
        // Each column's index by name, once: a row looks up its cells by name.
        let columns: std::collections::HashMap<&str, usize> =
            table.names.iter().enumerate().map(|(i, name)| (name.as_str(), i)).collect();
        for r in 0..table.height {
            let row = RowReader { label, table: &table, columns: &columns, row: r };
            let exposure = row.parse()?;
            if let Some(first) = seen_ids.insert(exposure.id.clone(), r + 1) {
                return Err(row.error(
                    "id",
                    &exposure.id,
                    &format!("duplicates the id of row {first}; ids must be unique"),
                ));
            }
            rows.push(exposure);
        }
        Ok(Exposures { label: label.to_string(), rows, oed })
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text.to_string()
    }
}

fn text_table(frame: &DataFrame, label: &str) -> Result<TextTable> {
    let mut names = Vec::with_capacity(frame.width());
    let mut columns = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        names.push(column.name().trim().trim_start_matches('\u{feff}').to_string());
        let text = column
            .cast(&DataType::String)
            .map_err(|e| Error::input(format!("{label}: column {}: cannot be read as text: {e}", column.name())))?;
        let cells = text
            .str()
            .map_err(|e| Error::input(format!("{label}: column {}: cannot be read as text: {e}", column.name())))?
            .iter()
            .map(|cell| cell.map(str::to_string))
            .collect::<Vec<_>>();
        // A corrupt Parquet file can decode to columns shorter than the table.
        if cells.len() != frame.height() {
            return Err(Error::input(format!(
                "{label}: column {}: has {} values but the table has {} rows (a corrupt file?)",
                column.name(),
                cells.len(),
                frame.height()
            )));
        }
        columns.push(cells);
    }
    Ok(TextTable { names, columns, height: frame.height() })
}

struct RowReader<'a> {
    label: &'a str,
    table: &'a TextTable,
    columns: &'a std::collections::HashMap<&'a str, usize>,
    row: usize,
}

impl RowReader<'_> {
    fn error(&self, column: &str, value: &str, expected: &str) -> Error {
        cell_error(self.label, self.row + 1, column, value, expected)
    }

    /// The trimmed cell, `None` when empty.
    fn cell(&self, column: &str) -> Option<&str> {
        let index = *self.columns.get(column)?;
        self.table.columns.get(index)?.get(self.row)?.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }

    fn integer(&self, column: &str, value: &str) -> Result<u64> {
        let digits = value.strip_prefix('+').unwrap_or(value);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return digits.parse::<u64>().map_err(|_| {
                self.error(column, value, "is too large; expected an integer up to 18446744073709551615")
            });
        }
        let hint = if value.contains(',') || value.contains('_') || value.contains(' ') {
            "is not a non-negative integer (write it without thousands separators, e.g. 1000000)"
        } else if value.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
            "is not a non-negative integer (write it in plain digits, e.g. 1000000 rather than 1e6)"
        } else {
            "is not a non-negative integer"
        };
        Err(self.error(column, value, hint))
    }

    /// A number ≥ 0; `inf` only where `infinite_ok`.
    fn amount(&self, column: &str, infinite_ok: bool) -> Result<Option<f64>> {
        let Some(value) = self.cell(column) else {
            return Ok(None);
        };
        let parsed = value.parse::<f64>().ok().filter(|v| !v.is_nan());
        match parsed {
            Some(v) if v >= 0.0 && (v.is_finite() || infinite_ok) => Ok(Some(v)),
            _ => {
                let expected = if value.contains(',') {
                    "is not a number ≥ 0 (write it without thousands separators)"
                } else if infinite_ok {
                    "is not a number ≥ 0 (or inf)"
                } else {
                    "is not a finite number ≥ 0"
                };
                Err(self.error(column, value, expected))
            }
        }
    }

    /// A finite number from 0 to `max`; `above` says what is wrong with a larger one.
    fn amount_at_most(&self, column: &str, max: f64, above: impl FnOnce() -> String) -> Result<Option<f64>> {
        let amount = self.amount(column, false)?;
        if let (Some(v), Some(text)) = (amount, self.cell(column)) {
            if v > max {
                return Err(self.error(column, text, &above()));
            }
        }
        Ok(amount)
    }

    fn parse(&self) -> Result<Exposure> {
        let id = self.cell("id").ok_or_else(|| self.error("id", "", "is empty; every row needs an id"))?;
        for column in TEXT_COLUMNS {
            let value = self.cell(column).unwrap_or_default();
            if let Some(problem) = text_cell_problem(column, value) {
                return Err(self.error(column, value, &problem));
            }
        }
        let id = id.to_string();
        if id == PORTFOLIO_ID || id == PORTFOLIO_EXCL_SYSTEMIC_ID {
            return Err(self.error(
                "id",
                &id,
                "is reserved for the portfolio rows of the reports; rename this exposure",
            ));
        }
        let records = self.cell("records").map(|text| self.integer("records", text)).transpose()?;
        let revenue = self.amount_at_most("revenue", super::MAX_REVENUE, || {
            format!("is above {:e} (a thousand trillion); expected the firm's annual revenue", super::MAX_REVENUE)
        })?;
        let affected = match self.cell("affected") {
            None => None,
            Some(value) => {
                let affected = self.integer("affected", value)?;
                if let Some(records) = records.filter(|r| affected > *r) {
                    return Err(self.error(
                        "affected",
                        value,
                        &format!("exceeds records ({records}); affected records cannot exceed the records held"),
                    ));
                }
                Some(affected)
            }
        };
        if records.is_none() && revenue.is_none() && affected.is_none() {
            return Err(self.error(
                "records",
                "",
                "is empty; expected a non-negative integer, or a revenue (with an industry) to estimate the records from",
            ));
        }
        let data_types = self
            .cell("data_types")
            .map(|cell| cell.split(';').map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).collect::<Vec<_>>());
        let controls: Vec<String> = self
            .cell("controls")
            .map(|cell| cell.split(';').map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect())
            .unwrap_or_default();
        if let Some(twice) = super::csv_rows::repeated_name(&controls) {
            let cell = self.cell("controls").unwrap_or_default();
            let why =
                format!("lists the control \"{}\" twice; list each control once", crate::text::excerpt(twice, 40));
            return Err(self.error("controls", cell, &why));
        }
        let share = self.amount_at_most("share", 1.0, || "is not a share between 0 and 1".to_string())?;
        let mut sublimits = Vec::new();
        let mut aggregate_sublimits = Vec::new();
        let mut extra = Vec::new();
        let mut incident_rates = Vec::new();
        let mut section_terms = Vec::new();
        for (index, name) in self.table.names.iter().enumerate() {
            let section_term =
                SectionTerm::ALL.into_iter().find_map(|t| name.strip_prefix(t.column_prefix()).map(|s| (t, s)));
            if let Some((term, section)) = section_term {
                if let Some(amount) = self.amount(name, term != SectionTerm::Retention)? {
                    section_terms.push((term, section.to_string(), amount));
                }
            } else if let Some(incident) = name.strip_prefix("annual_rate_") {
                let above =
                    || format!("is above {MAX_ANNUAL_RATE} incidents a year; expected a rate ≤ {MAX_ANNUAL_RATE}");
                if let Some(rate) = self.amount_at_most(name, MAX_ANNUAL_RATE, above)? {
                    incident_rates.push((incident.to_string(), rate));
                }
            } else if let Some(component) = name.strip_prefix("aggregate_sublimit_") {
                if let Some(amount) = self.amount(name, true)? {
                    aggregate_sublimits.push((component.to_string(), amount));
                }
            } else if let Some(component) = name.strip_prefix("sublimit_") {
                if let Some(amount) = self.amount(name, true)? {
                    sublimits.push((component.to_string(), amount));
                }
            } else if !KNOWN_COLUMNS.contains(&name.as_str()) {
                if let Some(Some(value)) = self.table.columns.get(index).and_then(|c| c.get(self.row)) {
                    extra.push((name.clone(), value.trim().to_string()));
                }
            }
        }
        Ok(Exposure {
            id,
            name: self.cell("name").map(str::to_string),
            industry: self.cell("industry").map(str::to_string),
            records,
            data_types,
            controls,
            currency: self.cell("currency").map(|c| c.trim().to_uppercase()),
            affected,
            annual_rate: self.amount_at_most("annual_rate", MAX_ANNUAL_RATE, || {
                format!("is above {MAX_ANNUAL_RATE} breaches a year; expected a rate ≤ {MAX_ANNUAL_RATE}")
            })?,
            revenue,
            retention: self.amount("retention", false)?,
            limit: self.amount("limit", true)?,
            aggregate_limit: self.amount("aggregate_limit", true)?,
            share,
            sublimits,
            aggregate_sublimits,
            section_terms,
            waiting_period_hours: self.amount("waiting_period_hours", false)?,
            restoration_hours: self.amount("period_of_restoration_hours", true)?,
            incident_rates,
            extra,
        })
    }
}

impl Exposures {
    /// Exposures built in memory (e.g. an analysis's synthetic ones), checked by the rules a
    /// file's rows are held to, so that the model can trust them alike.
    pub fn from_rows(label: &str, rows: Vec<Exposure>) -> Result<Exposures> {
        if rows.is_empty() {
            return Err(Error::input(format!("{label}: has no rows; expected at least one exposure")));
        }
        let mut seen_ids = std::collections::HashMap::with_capacity(rows.len());
        for (index, exposure) in rows.iter().enumerate() {
            check_row(label, index + 1, exposure)?;
            if let Some(first) = seen_ids.insert(exposure.id.as_str(), index + 1) {
                let expected = format!("duplicates the id of row {first}; ids must be unique");
                return Err(cell_error(label, index + 1, "id", &exposure.id, &expected));
            }
        }
        Ok(Exposures { label: label.to_string(), rows, oed: None })
    }
}

/// What [`RowReader::parse`] checks of a row, for a row built in memory (`row`: 1-based).
fn check_row(label: &str, row: usize, e: &Exposure) -> Result<()> {
    let error = |column: &str, value: &str, expected: &str| Err(cell_error(label, row, column, value, expected));
    if e.id.trim().is_empty() {
        return error("id", &e.id, "is empty; every row needs an id");
    }
    let data_types = e.data_types.as_ref().map(|d| d.join(";"));
    let controls = Some(e.controls.join(";"));
    let texts = [Some(&e.id), e.name.as_ref(), e.industry.as_ref(), data_types.as_ref(), controls.as_ref()];
    for (column, value) in TEXT_COLUMNS.into_iter().zip(texts) {
        let value = value.map_or("", |v| v.trim());
        if let Some(problem) = text_cell_problem(column, value) {
            return error(column, value, &problem);
        }
    }
    if e.id == PORTFOLIO_ID || e.id == PORTFOLIO_EXCL_SYSTEMIC_ID {
        return error("id", &e.id, "is reserved for the portfolio rows of the reports; rename this exposure");
    }
    if let (Some(affected), Some(records)) = (e.affected, e.records) {
        if affected > records {
            let expected = format!("exceeds records ({records}); affected records cannot exceed the records held");
            return error("affected", &affected.to_string(), &expected);
        }
    }
    if e.records.is_none() && e.revenue.is_none() && e.affected.is_none() {
        return error("records", "", "is empty; expected a non-negative integer, or a revenue to estimate it from");
    }
    let at_least_zero = |v: f64, infinite_ok: bool| v >= 0.0 && (v.is_finite() || infinite_ok);
    let amounts = [
        ("annual_rate", e.annual_rate.map(|v| at_least_zero(v, false) && v <= MAX_ANNUAL_RATE), e.annual_rate),
        ("revenue", e.revenue.map(|v| at_least_zero(v, false)), e.revenue),
        ("retention", e.retention.map(|v| at_least_zero(v, false)), e.retention),
        ("limit", e.limit.map(|v| at_least_zero(v, true)), e.limit),
        ("aggregate_limit", e.aggregate_limit.map(|v| at_least_zero(v, true)), e.aggregate_limit),
        ("share", e.share.map(|v| at_least_zero(v, false) && v <= 1.0), e.share),
        ("waiting_period_hours", e.waiting_period_hours.map(|v| at_least_zero(v, false)), e.waiting_period_hours),
        ("period_of_restoration_hours", e.restoration_hours.map(|v| at_least_zero(v, true)), e.restoration_hours),
    ];
    for (column, ok, value) in amounts {
        if let (Some(false), Some(v)) = (ok, value) {
            return error(column, &v.to_string(), "is out of range for this column");
        }
    }
    let sublimits = e.sublimits.iter().map(|(c, a)| ("sublimit_", c, a));
    for (prefix, component, amount) in
        sublimits.chain(e.aggregate_sublimits.iter().map(|(c, a)| ("aggregate_sublimit_", c, a)))
    {
        if !at_least_zero(*amount, true) {
            return error(&format!("{prefix}{component}"), &amount.to_string(), "is not a number ≥ 0 (or inf)");
        }
    }
    for (term, section, amount) in &e.section_terms {
        if !term.allows(*amount) {
            return error(
                &format!("{}{section}", term.column_prefix()),
                &amount.to_string(),
                "is out of range for this column",
            );
        }
    }
    Ok(())
}
