//! A minimal CSV writer with exact number formatting.
//!
//! Numbers are written as plain decimals that read back to the same f64 (Rust's shortest
//! round-trip formatting, never scientific notation, [`num`]), so that files are
//! byte-identical across machines and thread counts. polars reads the inputs; the reports
//! are small and their exact text matters, so they are written here.

/// CSV cells write numbers with [`num`] (see [`super::format`]).
pub use super::format::num;

/// A CSV table being built.
pub struct Csv {
    text: String,
}

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        Csv::with_capacity(header, 0)
    }

    /// A table with room for `bytes` of text: a large report (hundreds of MB for a million
    /// exposures) written into room reserved up front is not reallocated, which would leave
    /// the smaller copies it outgrew to the allocator besides it. Room never written to takes
    /// address space but no memory.
    pub fn with_capacity(header: &[&str], bytes: usize) -> Self {
        let mut csv = Csv { text: String::with_capacity(bytes) };
        csv.row(header.iter().map(|h| h.to_string()));
        csv
    }

    /// Room for `rows` rows of `numbers` numbers, an id and short words, with `id_bytes` the
    /// ids' total length over the rows: a cost or a share written as a plain decimal takes at
    /// most ~20 characters (13–16 on average); a table that outgrows it is reallocated.
    pub fn room(rows: usize, id_bytes: usize, numbers: usize) -> usize {
        id_bytes + rows * (32 + 21 * numbers)
    }

    /// Appends a row of already-formatted cells (quoted if needed; text that a spreadsheet
    /// would run as a formula prefixed with `'`, see [`neutralise`]).
    pub fn row<I: IntoIterator<Item = String>>(&mut self, cells: I) {
        let mut first = true;
        for cell in cells {
            if !first {
                self.text.push(',');
            }
            first = false;
            let cell = neutralise(cell);
            if cell.contains([',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&cell.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&cell);
            }
        }
        self.text.push('\n');
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.text.into_bytes()
    }
}

/// `cell` with a `'` in front when a spreadsheet opening the file would read it as a formula
/// (OWASP's advice on CSV injection, e.g. `=cmd|' /C calc'!A0` in an id or a component name):
/// a cell beginning with `=`, `+`, `-`, `@`, tab, carriage return or NUL that is not a
/// number. Numbers (`-0.5`, `+3`, `-1e-7`, and `-inf` as [`num`] writes it) stay numbers;
/// nothing else the reports write begins with those characters.
pub fn neutralise(cell: String) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']);
    if formula && !is_number(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Whether `cell` is a decimal number: a sign, digits with at most one `.` among them, an
/// optional exponent (`e` or `E`, a sign, digits); or `inf`, `-inf`, `nan` ([`num`]'s
/// non-finite values).
fn is_number(cell: &str) -> bool {
    if matches!(cell, "inf" | "-inf" | "+inf" | "nan") {
        return true;
    }
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (digits(whole) || digits(fraction))
                && (whole.is_empty() || digits(whole))
                && (fraction.is_empty() || digits(fraction))
        }
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_as_a_formula_is_prefixed_and_numbers_are_not() {
        for formula in ["=cmd|' /C calc'!A0", "+A1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx", "-", "+", "-1e", "-.", "--1"]
        {
            assert_eq!(neutralise(formula.to_string()), format!("'{formula}"), "{formula:?}");
        }
        for number in ["-0.5", "+3", "-1e-7", "-12.", "-.5", "-inf", "1", "0", "-10000000000000000000000"] {
            assert_eq!(neutralise(number.to_string()), number, "{number:?}");
        }
        for text in ["gross", "a=b", "legal_defense", "'quoted", "", " =x"] {
            assert_eq!(neutralise(text.to_string()), text, "{text:?}");
        }
        let mut csv = Csv::new(&["id", "value"]);
        csv.row(["=1+1,2".to_string(), num(-0.25)]);
        assert_eq!(String::from_utf8(csv.into_bytes()).ok().as_deref(), Some("id,value\n\"'=1+1,2\",-0.25\n"));
    }

    #[test]
    fn cells_with_commas_or_quotes_are_quoted() {
        let mut csv = Csv::new(&["id", "name"]);
        csv.row(["a".to_string(), "Smith, \"J\"".to_string()]);
        assert_eq!(String::from_utf8(csv.into_bytes()).ok().as_deref(), Some("id,name\na,\"Smith, \"\"J\"\"\"\n"));
    }
}
