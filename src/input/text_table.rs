//! A table of text cells as read from an exposures file (CSV or Parquet), before its rows are
//! parsed: what the readers produce and the OED import translates.

/// A table of text cells, column-major, as read from the file.
pub(super) struct TextTable {
    pub(super) names: Vec<String>,
    pub(super) columns: Vec<Vec<Option<String>>>,
    pub(super) height: usize,
}
