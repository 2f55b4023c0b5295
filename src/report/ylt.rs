//! `ylt.parquet`: the year loss table, one row per exposure and iteration with at least one
//! breach (`iteration, id, gross, retained, insured`), for analysis in polars, DuckDB or
//! Spark. Iterations without a breach have no row: their losses are zero. Rows come in
//! exposure order (as in the exposures file), then iteration order.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::engine::{ExposureOutcomes, Model};
use crate::error::{Error, Result};

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
        let mut frame = frame(model, outcomes).map_err(|e| failure(&self.path, e))?;
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

    /// Completes the file (an empty table if no batch was written).
    pub fn finish(mut self, model: &Model) -> Result<()> {
        if self.writer.is_none() {
            self.write(model, &[])?;
        }
        if let Some(writer) = self.writer.as_ref() {
            writer.finish().map_err(|e| failure(&self.path, e))?;
        }
        Ok(())
    }
}

fn frame(model: &Model, outcomes: &[ExposureOutcomes]) -> PolarsResult<DataFrame> {
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
    DataFrame::new(
        rows,
        vec![
            Column::new("iteration".into(), iteration),
            Column::new("id".into(), id),
            Column::new("gross".into(), gross),
            Column::new("retained".into(), retained),
            Column::new("insured".into(), insured),
        ],
    )
}
