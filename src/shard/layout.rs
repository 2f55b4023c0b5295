//! What a shard folder holds: `manifest.json` (the run, the inputs' copies and every table's
//! size and SHA-256) and, per exposure batch, an outcomes table and a per-block table.

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
    /// Iterations of the whole run (not of this shard).
    pub iterations: u64,
    pub seed: u64,
    pub first_iteration: u64,
    pub end_iteration: u64,
    pub exposures_count: usize,
    /// Number of exposure batches, one pair of tables each.
    pub batches: usize,
    pub exposures: ManifestInput,
    pub assumptions: ManifestInput,
    /// Per batch, in order: the size and hash of its two tables as written.
    pub tables: Vec<BatchTables>,
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

/// The tables of one exposure batch ([`outcomes_file`] and [`chunks_file`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BatchTables {
    pub outcomes: TableFile,
    pub chunks: TableFile,
}

/// A file's size in bytes and lower-case hexadecimal SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableFile {
    pub bytes: u64,
    pub sha256: String,
}

pub const FORMAT: u32 = 6;

pub const MANIFEST: &str = "manifest.json";

/// A manifest is a few kB whatever the study (its tables list grows by ~200 bytes a batch).
pub const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// The table of batch `b`'s outcomes (one row per exposure and iteration with a breach).
pub fn outcomes_file(batch: usize) -> String {
    format!("outcomes-{batch:05}.parquet")
}

/// The table of batch `b`'s per-block sums (one row per exposure and block: its breaches and
/// layer sums, `layer_0` … in [`crate::engine::ilf::layer_index`] order). The file name says
/// "chunks", the format's older word for a block.
pub fn chunks_file(batch: usize) -> String {
    format!("chunks-{batch:05}.parquet")
}

pub(super) const OUTCOME_COLUMNS: [&str; 8] = [
    "gross",
    "insured",
    "largest_gross",
    "largest_insured",
    "largest_retained",
    "independent_gross",
    "independent_insured",
    "independent_largest_gross",
];

/// The outcome columns from this index on are written empty where they equal what they are
/// worked out from ([`fallback`]): most years have one incident and no systemic event, and
/// those columns were a third of a shard's bytes.
pub(super) const FALLBACK_FROM: usize = 2;

/// What outcome column `c` (from [`FALLBACK_FROM`] on) is where its cell is empty, from the
/// row's `values` (the columns before it already filled in): the largest incident's and the
/// year without systemic events' figures are the year's own.
pub(super) fn fallback(c: usize, values: &[f64; 8]) -> f64 {
    match c {
        // largest_gross and independent_gross: the gross.
        2 | 5 => values[0],
        // largest_insured and independent_insured: the insured.
        3 | 6 => values[1],
        // independent_largest_gross: the largest gross.
        7 => values[2],
        // largest_retained: the retained.
        _ => {
            let (gross, insured) = (values[0], values[1]);
            crate::engine::Outcome { iteration: 0, gross, insured, ..Default::default() }.retained()
        }
    }
}

/// The bytes of one row of an outcomes table before compression, for an exposure of `width`
/// cost columns (its exposure and iteration, [`OUTCOME_COLUMNS`], the costs).
pub fn outcome_row_bytes(width: usize) -> usize {
    4 + 8 + 8 * OUTCOME_COLUMNS.len() + 8 * width
}

/// Lower-case hexadecimal SHA-256 of what `hasher` has seen.
pub(super) fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
