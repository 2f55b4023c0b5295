//! What a shard writes: its rows of the year loss table batch by batch (hashed as they are
//! written), then its exposures' statistics and the portfolio's sums over them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::layout::{hex, ylt_file, TableFile};
use crate::error::{Error, Result};
use crate::run::{ExposureResult, Measures};

/// `results.json`: the shard's exposures' statistics, in order, and (in a one-exposure annual
/// run) that exposure's measures without systemic events, the portfolio's.
#[derive(Serialize, Deserialize)]
pub(super) struct ShardResults {
    pub exposures: Vec<ExposureResult>,
    pub independent: Option<Measures>,
}

/// The bytes of `results.json`.
pub fn results_json(exposures: Vec<ExposureResult>, independent: Option<Measures>) -> Result<Vec<u8>> {
    serde_json::to_vec(&ShardResults { exposures, independent })
        .map_err(|e| Error::failure(format!("shard results cannot be written: {e}")))
}

pub(super) fn polars_error(file: &Path, e: impl std::fmt::Display) -> Error {
    Error::failure(format!("{}: {e}", file.display()))
}

/// Writes `frame`, the shard's rows of the year loss table in batch `batch` of the run, into
/// `dir`; returns its size and hash.
pub fn write_ylt(mut frame: DataFrame, batch: usize, dir: &Path) -> Result<TableFile> {
    let path = dir.join(ylt_file(batch));
    frame.rechunk_mut();
    let file = File::create(&path).map_err(|e| polars_error(&path, e))?;
    let mut out = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };
    ParquetWriter::new(&mut out).finish(&mut frame).map_err(|e| polars_error(&path, e))?;
    out.flush().map_err(|e| polars_error(&path, e))?;
    Ok(TableFile { bytes: out.bytes, sha256: hex(out.hasher) })
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
