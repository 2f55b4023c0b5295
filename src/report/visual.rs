//! Charts (PNG and SVG, in `charts/`) and the one-page `report.html`.

use super::ReportFile;
use crate::engine::Model;
use crate::error::Result;
use crate::run::RunResults;

/// Renders the charts and the HTML report of a run.
pub fn render(_model: &Model, _results: &RunResults) -> Result<Vec<ReportFile>> {
    Ok(Vec::new())
}
