//! A minimal CSV writer with exact number formatting.
//!
//! Numbers are written as plain decimals that read back to the same f64 (Rust's shortest
//! round-trip formatting, never scientific notation), so that files are byte-identical
//! across machines and thread counts. polars reads the inputs; the reports are small and
//! their exact text matters, so they are written here.

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

    /// Appends a row of already-formatted cells (quoted if needed).
    pub fn row<I: IntoIterator<Item = String>>(&mut self, cells: I) {
        let mut first = true;
        for cell in cells {
            if !first {
                self.text.push(',');
            }
            first = false;
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

/// A number as a plain decimal that parses back to the same value (`-0` written as `0`;
/// infinities as `inf`, which never occur in reports of finite inputs).
pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if x.is_finite() {
        format!("{x}")
    } else if x.is_nan() {
        "nan".to_string()
    } else if x > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals_that_round_trip() {
        for x in [0.1, 1e21, 123456789.125, 1e-7, 2.5e15, 7.0] {
            let text = num(x);
            assert!(!text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().ok(), Some(x));
        }
        assert_eq!(num(-0.0), "0");
    }

    #[test]
    fn cells_with_commas_or_quotes_are_quoted() {
        let mut csv = Csv::new(&["id", "name"]);
        csv.row(["a".to_string(), "Smith, \"J\"".to_string()]);
        assert_eq!(String::from_utf8(csv.into_bytes()).ok().as_deref(), Some("id,name\na,\"Smith, \"\"J\"\"\"\n"));
    }
}
