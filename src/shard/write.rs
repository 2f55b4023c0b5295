//! Writing one exposure batch's outcomes as the shard's two Parquet tables, hashed as they
//! are written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::layout::{
    chunks_file, fallback, hex, outcomes_file, BatchTables, TableFile, FALLBACK_FROM, OUTCOME_COLUMNS,
};
use crate::engine::ilf::LAYER_SUMS;
use crate::engine::{ExposureOutcomes, Independent, Model, Outcome};
use crate::error::{Error, Result};

fn outcome_values(x: &Outcome, own: &Independent) -> [f64; 8] {
    [
        x.gross,
        x.insured,
        x.largest_gross,
        x.largest_insured,
        x.largest_retained,
        own.gross,
        own.insured,
        own.largest_gross,
    ]
}

pub(super) fn polars_error(file: &Path, e: impl std::fmt::Display) -> Error {
    Error::failure(format!("{}: {e}", file.display()))
}

/// Writes one batch's outcomes as its two tables into `dir`; returns their sizes and hashes.
pub fn write_batch(model: &Model, batch: usize, outcomes: &[ExposureOutcomes], dir: &Path) -> Result<BatchTables> {
    let width = outcomes.iter().map(|o| model.exposures[o.exposure].width()).max().unwrap_or(0);
    let rows: usize = outcomes.iter().map(ExposureOutcomes::len).sum();
    let mut exposure = Vec::with_capacity(rows);
    let mut iteration = Vec::with_capacity(rows);
    let mut values: Vec<Vec<Option<f64>>> = (0..OUTCOME_COLUMNS.len()).map(|_| Vec::with_capacity(rows)).collect();
    let mut components: Vec<Vec<f64>> = (0..width).map(|_| Vec::with_capacity(rows)).collect();
    for o in outcomes {
        let k = model.exposures[o.exposure].width();
        for ((x, costs), own) in o.rows(k).zip(o.independent()) {
            exposure.push(o.exposure as u32);
            iteration.push(x.iteration);
            let row = outcome_values(&x, &own);
            for (c, (column, v)) in values.iter_mut().zip(row).enumerate() {
                // Empty where it is what the merge works it out to be anyway (bit for bit).
                let same = c >= FALLBACK_FROM && fallback(c, &row).to_bits() == v.to_bits();
                column.push((!same).then_some(v));
            }
            for (j, column) in components.iter_mut().enumerate() {
                column.push(costs.get(j).copied().unwrap_or(0.0));
            }
        }
    }
    let mut columns = vec![Column::new("exposure".into(), exposure), Column::new("iteration".into(), iteration)];
    for (name, column) in OUTCOME_COLUMNS.iter().zip(values) {
        columns.push(Column::new((*name).into(), column));
    }
    for (j, column) in components.into_iter().enumerate() {
        columns.push(Column::new(format!("component_{j}").into(), column));
    }
    let outcomes_table = write_table(&dir.join(outcomes_file(batch)), rows, columns)?;

    let chunk_rows: usize = outcomes.iter().map(|o| o.layer_sums.len()).sum();
    let mut exposure = Vec::with_capacity(chunk_rows);
    let mut layers: Vec<Vec<f64>> = (0..LAYER_SUMS).map(|_| Vec::with_capacity(chunk_rows)).collect();
    // An exposure's breach count goes on its first chunk row (the others hold 0).
    let mut breaches = Vec::with_capacity(chunk_rows);
    for o in outcomes {
        for (chunk, sums) in o.layer_sums.iter().enumerate() {
            exposure.push(o.exposure as u32);
            for (column, v) in layers.iter_mut().zip(sums) {
                column.push(*v);
            }
            breaches.push(if chunk == 0 { o.simulated_breaches } else { 0 });
        }
    }
    let mut columns = vec![Column::new("exposure".into(), exposure)];
    for (j, column) in layers.into_iter().enumerate() {
        columns.push(Column::new(format!("layer_{j}").into(), column));
    }
    columns.push(Column::new("breaches".into(), breaches));
    let chunks_table = write_table(&dir.join(chunks_file(batch)), chunk_rows, columns)?;
    Ok(BatchTables { outcomes: outcomes_table, chunks: chunks_table })
}

/// A writer that hashes and counts the bytes it passes on: the manifest records exactly the
/// bytes written, without reading the file back.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_table(path: &Path, height: usize, columns: Vec<Column>) -> Result<TableFile> {
    let mut frame = DataFrame::new(height, columns).map_err(|e| polars_error(path, e))?;
    let file = File::create(path).map_err(|e| polars_error(path, e))?;
    let mut out = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };
    ParquetWriter::new(&mut out).finish(&mut frame).map_err(|e| polars_error(path, e))?;
    out.flush().map_err(|e| polars_error(path, e))?;
    Ok(TableFile { bytes: out.bytes, sha256: hex(out.hasher) })
}
