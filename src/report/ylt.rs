//! `ylt.parquet`: the year loss table, one row per exposure and iteration with at least one
//! breach (`iteration, id, gross, retained, insured`), for analysis in polars, DuckDB or
//! Spark. Iterations without a breach have no row: their losses are zero. Rows come in
//! exposure order (as in the exposures file), then iteration order. With `[[treaty]]` tables
//! (annual mode) two columns more, `ceded` and `net`, hold the portfolio's reinsurance: empty
//! on the exposures' rows, given on the `PORTFOLIO` rows that end the table (one per year
//! with a loss: the year's sums and what the treaties cede of it).

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::engine::{ExposureOutcomes, Model};
use crate::error::{Error, Result};
use crate::input::exposures::PORTFOLIO_ID;
use crate::input::Mode;
use crate::run::reinsurance::PortfolioYearLosses;
use crate::run::RunResults;

pub const FILE: &str = "ylt.parquet";

/// Writes the table batch by batch, so it never needs to fit in memory whole.
pub struct YltWriter {
    path: PathBuf,
    writer: Option<polars::io::parquet::write::BatchedWriter<File>>,
}

fn failure(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::failure(format!("{}: writing the year loss table failed: {e}", path.display()))
}

impl YltWriter {
    /// A writer of `dir/ylt.parquet`.
    pub fn new(dir: &Path) -> YltWriter {
        YltWriter { path: dir.join(FILE), writer: None }
    }

    /// Appends the rows of one batch of exposures.
    pub fn write(&mut self, model: &Model, outcomes: &[ExposureOutcomes]) -> Result<()> {
        let frame = frame(model, outcomes).map_err(|e| failure(&self.path, e))?;
        self.write_frame(frame)
    }

    pub fn write_frame(&mut self, mut frame: DataFrame) -> Result<()> {
        frame.rechunk_mut();
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|e| failure(&self.path, e))?;
            let writer = ParquetWriter::new(file).batched(frame.schema()).map_err(|e| failure(&self.path, e))?;
            self.writer = Some(writer);
        }
        if let Some(writer) = self.writer.as_mut() {
            writer.write_batch(&frame).map_err(|e| failure(&self.path, e))?;
        }
        Ok(())
    }

    /// Completes the file (an empty table if no batch was written), with the portfolio's rows
    /// where `results` has reinsurance.
    pub fn finish(mut self, model: &Model, results: &RunResults) -> Result<()> {
        if self.writer.is_none() {
            self.write(model, &[])?;
        }
        if let Some(r) = &results.reinsurance {
            let frame = portfolio_frame(&r.years).map_err(|e| failure(&self.path, e))?;
            self.write_frame(frame)?;
        }
        if let Some(writer) = self.writer.as_ref() {
            writer.finish().map_err(|e| failure(&self.path, e))?;
        }
        Ok(())
    }
}

pub fn frame(model: &Model, outcomes: &[ExposureOutcomes]) -> PolarsResult<DataFrame> {
    let rows: usize = outcomes.iter().map(ExposureOutcomes::len).sum();
    let mut iteration = Vec::with_capacity(rows);
    let mut id: Vec<&str> = Vec::with_capacity(rows);
    let mut gross = Vec::with_capacity(rows);
    let mut retained = Vec::with_capacity(rows);
    let mut insured = Vec::with_capacity(rows);
    for o in outcomes {
        let name = model.exposures[o.exposure].id.as_str();
        for x in o.outcomes() {
            iteration.push(x.iteration);
            id.push(name);
            gross.push(x.gross);
            retained.push(x.retained());
            insured.push(x.insured);
        }
    }
    let mut columns = vec![
        Column::new("iteration".into(), iteration),
        Column::new("id".into(), id),
        Column::new("gross".into(), gross),
        Column::new("retained".into(), retained),
        Column::new("insured".into(), insured),
    ];
    if with_reinsurance(model) {
        for name in ["ceded", "net"] {
            columns.push(Column::new(name.into(), vec![None::<f64>; rows]));
        }
    }
    DataFrame::new(rows, columns)
}

/// Whether the table carries the portfolio's reinsurance.
fn with_reinsurance(model: &Model) -> bool {
    model.settings.mode == Mode::Annual && !model.assumptions.treaties.is_empty()
}

/// The `PORTFOLIO` rows: every year with a gross or insured loss.
fn portfolio_frame(years: &PortfolioYearLosses) -> PolarsResult<DataFrame> {
    let kept: Vec<usize> = (0..years.gross.len()).filter(|&i| years.gross[i] > 0.0 || years.insured[i] > 0.0).collect();
    let pick = |values: &[f64]| kept.iter().map(|&i| Some(values[i])).collect::<Vec<Option<f64>>>();
    let rows = kept.len();
    DataFrame::new(
        rows,
        vec![
            Column::new("iteration".into(), kept.iter().map(|&i| i as u64).collect::<Vec<u64>>()),
            Column::new("id".into(), vec![PORTFOLIO_ID; rows]),
            Column::new("gross".into(), kept.iter().map(|&i| years.gross[i]).collect::<Vec<f64>>()),
            Column::new("retained".into(), kept.iter().map(|&i| years.retained[i]).collect::<Vec<f64>>()),
            Column::new("insured".into(), kept.iter().map(|&i| years.insured[i]).collect::<Vec<f64>>()),
            Column::new("ceded".into(), pick(&years.ceded)),
            Column::new("net".into(), pick(&years.net)),
        ],
    )
}
