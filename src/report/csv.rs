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
        let mut csv = Csv { text: String::new() };
        csv.row(header.iter().map(|h| h.to_string()));
        csv
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
