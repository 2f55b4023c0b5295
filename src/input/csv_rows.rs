//! The one CSV reader for the tables breachcost reads as text (exposures, backtest cases):
//! comma-separated, `"`-quoted fields (RFC 4180), LF or CRLF line ends. Each record comes
//! with the line it starts on, so that the callers' messages can name it.

use crate::error::{Error, Result};

/// Where a quoted field that is never closed starts, counting a `"` anywhere outside quotes
/// as an opening quote (so the count of `"` in the text is odd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnclosedQuote {
    /// The line (1-based) of the opening quote.
    pub quote_line: usize,
    /// The line (1-based) the record holding that quote starts on.
    pub record_line: usize,
}

/// The quoted field left open at the end of `text`, if any. The CSV parser ends such a field
/// quietly at the end of the file; the callers refuse it instead, naming the line.
pub fn unclosed_quote(text: &[u8]) -> Option<UnclosedQuote> {
    let mut in_quotes = false;
    let mut line = 1;
    let mut open = UnclosedQuote { quote_line: 1, record_line: 1 };
    for &byte in text {
        match byte {
            b'"' => {
                in_quotes = !in_quotes;
                if in_quotes {
                    open.quote_line = line;
                }
            }
            b'\n' => {
                line += 1;
                if !in_quotes {
                    open.record_line = line;
                }
            }
            _ => {}
        }
    }
    in_quotes.then_some(open)
}

/// The records of a CSV text, header included, blank lines left out; the fields are as
/// written (unquoted, not trimmed), so rows of different lengths are the callers' to judge.
pub struct Records<'a> {
    text: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    label: &'a str,
    /// A byte offset and the line (1-based) it is on, to count lines on from.
    counted: (usize, usize),
}

impl<'a> Records<'a> {
    /// Reads `text`; `label` names the file in messages.
    pub fn new(text: &'a str, label: &'a str) -> Records<'a> {
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        Records { text: text.as_bytes(), reader, record: csv::StringRecord::new(), label, counted: (0, 1) }
    }

    /// The next record and the line it starts on; `None` at the end of the text.
    pub fn next_record(&mut self) -> Result<Option<(usize, &csv::StringRecord)>> {
        let more = self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| Error::input(format!("{}: cannot be read as CSV: {e}", self.label)))?;
        let start = self.record.position().map_or(0, |p| p.byte() as usize);
        let line = self.line_of(start);
        Ok(more.then_some((line, &self.record)))
    }

    /// The line a record starting at byte `start` begins on. The parser's own line count
    /// lags on CRLF and blank lines, and its record start can sit on the line end before
    /// the record: skip line ends, then count the `\n`s before.
    fn line_of(&mut self, start: usize) -> usize {
        let (from, mut line) = self.counted;
        let mut start = start.max(from).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        line += self.text[from..start].iter().filter(|&&b| b == b'\n').count();
        self.counted = (start, line);
        line
    }
}

/// The first of `names` (a header's, a cell's list) that repeats an earlier one (empty names
/// left out), found in one pass: a header of many thousand columns is checked as fast as a
/// short one.
pub fn repeated_name<S: AsRef<str>>(names: &[S]) -> Option<&str> {
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    names.iter().map(AsRef::as_ref).find(|name| !name.is_empty() && !seen.insert(*name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut records = Records::new(text, "t");
        let mut out = Vec::new();
        while let Ok(Some((line, record))) = records.next_record() {
            out.push((line, record.iter().map(str::to_string).collect()));
        }
        out
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_ends() {
        let rows = all("a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\r\n\nc,d\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], (2, vec!["x, \"y\"".to_string(), "two\nlines".to_string()]));
        assert_eq!(rows[2], (5, vec!["c".to_string(), "d".to_string()]));
    }

    #[test]
    fn records_are_numbered_by_the_line_they_start_on() {
        let lines = |text: &str| all(text).into_iter().map(|(line, _)| line).collect::<Vec<_>>();
        assert_eq!(lines("a,b\nc,d\ne,f\n"), [1, 2, 3]);
        assert_eq!(lines("a,b\r\nc,d\r\ne,f\r\n"), [1, 2, 3]);
        assert_eq!(lines("a,b\n\"x\ny\",d\ne,f\n"), [1, 2, 4]);
        assert_eq!(lines("a,b\n\n\r\nc,d\n"), [1, 4]);
        assert_eq!(lines("\na,b\nc,d"), [2, 3]);
    }

    #[test]
    fn an_odd_quote_is_found_on_its_line() {
        assert_eq!(unclosed_quote(b"a,b\n\"x\",1\n2,\"y\n"), Some(UnclosedQuote { quote_line: 3, record_line: 3 }));
        assert_eq!(unclosed_quote(b"a,\"b\nc\",\"d\n"), Some(UnclosedQuote { quote_line: 2, record_line: 1 }));
        assert_eq!(unclosed_quote(b"a,\"b\"\"c\"\n"), None);
    }

    /// The first repeat of a header's names, empty names aside; none in a header of distinct
    /// names however long.
    #[test]
    fn the_first_repeated_name_is_found() {
        assert_eq!(repeated_name(&["a", "b", "a", "b"]), Some("a"));
        assert_eq!(repeated_name(&["", "x", "", "y"]), None);
        let many: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        assert_eq!(repeated_name(&many), None);
        assert_eq!(repeated_name(&[many.clone(), vec!["c99999".into()]].concat()), Some("c99999"));
    }
}
