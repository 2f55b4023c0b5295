//! What a shard folder holds: `manifest.json` (the run, the inputs' copies, and every table's
//! size and SHA-256), `results.json` (each of its exposures' statistics), `sums.bin` (the
//! portfolio's exact year sums over them, annual mode) and, with `--ylt`, one year loss table
//! per exposure batch.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a shard folder holds, in `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The layout of the folder (this module's), to refuse folders of another layout.
    pub format: u32,
    /// The breachcost version that wrote it: merging needs the same draws and statistics.
    pub version: String,
    /// The build that wrote it ([`super::build::identity`]): merge refuses another build's.
    pub build: String,
    /// The incident type each iteration is one of in breach mode (`--incident`; `data_breach`).
    pub incident: String,
    pub shard: u64,
    pub shards: u64,
    pub mode: String,
    pub iterations: u64,
    pub seed: u64,
    pub exposures_count: usize,
    /// The run's exposure batches, and the exposures this shard simulated (`first..end`).
    pub batches: usize,
    pub first_exposure: usize,
    pub end_exposure: usize,
    pub exposures: ManifestInput,
    pub assumptions: ManifestInput,
    /// Its exposures' statistics ([`RESULTS`]).
    pub results: TableFile,
    /// The portfolio's year sums over its exposures ([`SUMS`]; annual mode).
    pub sums: Option<TableFile>,
    /// With `--ylt`: per batch of the run that holds some of its exposures, in order, their
    /// rows of the year loss table ([`ylt_file`]).
    pub ylt: Option<Vec<TableFile>>,
}

/// One input of the run: where it was read from, its hash, and the copy in `inputs/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestInput {
    pub path: String,
    pub sha256: String,
    /// Path of the copy, relative to the shard folder.
    pub copy: String,
    /// Size of the copy in bytes.
    pub bytes: u64,
}

/// A file's size in bytes and lower-case hexadecimal SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableFile {
    pub bytes: u64,
    pub sha256: String,
}

pub const FORMAT: u32 = 8;

pub const MANIFEST: &str = "manifest.json";
pub const RESULTS: &str = "results.json";
pub const SUMS: &str = "sums.bin";

/// A manifest is a few kB whatever the study (its year loss tables add ~100 bytes a batch).
pub const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// The year loss table of a shard's exposures in batch `b` of the run.
pub fn ylt_file(batch: usize) -> String {
    format!("ylt-{batch:05}.parquet")
}

/// SHA-256 of `bytes`, in lower-case hexadecimal, with their size.
pub fn table_file(bytes: &[u8]) -> TableFile {
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    TableFile { bytes: bytes.len() as u64, sha256: hex(hasher) }
}

/// Lower-case hexadecimal SHA-256 of what `hasher` has seen.
pub(super) fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
