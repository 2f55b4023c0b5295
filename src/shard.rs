//! Runs split across machines: `simulate --shard K/N` simulates a contiguous share of the
//! iterations and writes its outcomes as Parquet tables; `merge` reads the shards back,
//! batch of exposures by batch, and computes the same statistics a single run would.
//!
//! Exactness: every draw depends only on (seed, exposure, iteration, ...), shards cut the
//! iterations at multiples of [`BLOCK_ITERATIONS`] (so per-block sums are the same blocks),
//! the exposure batches are those of the whole run, and the merged outcomes are in
//! iteration order, so every sum is taken in the same order as in an unsharded run.
//!
//! Trust: a shard folder sits on shared storage and may have been edited, swapped or damaged,
//! so `merge` reads nothing it has not checked. The manifest records each table's and input
//! copy's size and SHA-256 (checked before parsing); paths in it must stay inside the folder
//! and name regular files, read with a size limit; each shard must hold exactly shard K's
//! iterations of N; and every value read must be one the engine can write.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{ExposureOutcomes, Independent, Model, Outcome, OutcomeColumns, BLOCK_ITERATIONS, ILF_LIMITS};
use crate::error::{Error, Result};
use crate::run::OutcomeSource;

/// Which shard of how many: `K/N`, K from 1 to N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl FromStr for ShardSpec {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let (k, n) = text.split_once('/').ok_or_else(|| format!("{text}: expected K/N, e.g. 3/8"))?;
        let number = |part: &str, what: &str| {
            part.trim().parse::<u64>().map_err(|_| format!("{text}: {what} \"{part}\" is not a whole number"))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(format!("{text}: N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!("{text}: K must be between 1 and N ({count})"));
        }
        Ok(ShardSpec { index, count })
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The iterations of this shard: blocks of [`BLOCK_ITERATIONS`] dealt out in contiguous
    /// runs, shard K getting blocks ⌊(K−1)·C/N⌋ to ⌊K·C/N⌋ of C. Fixed by N and the
    /// iteration count alone; shards beyond C get no iterations.
    pub fn iterations(&self, iterations: u64) -> Range<u64> {
        let chunks = u128::from(iterations.div_ceil(BLOCK_ITERATIONS));
        let boundary = |k: u64| {
            let chunk = (u128::from(k) * chunks / u128::from(self.count)) as u64;
            chunk.saturating_mul(BLOCK_ITERATIONS).min(iterations)
        };
        boundary(self.index - 1)..boundary(self.index)
    }
}

/// What a shard folder holds, in `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The layout of the folder (this module's), to refuse folders of another layout.
    pub format: u32,
    /// The breachcost version that wrote it: merging needs the same draws and statistics.
    pub version: String,
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

pub const FORMAT: u32 = 2;
pub const MANIFEST: &str = "manifest.json";
/// A manifest is a few kB whatever the study (its tables list grows by ~200 bytes a batch).
pub const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// The table of batch `b`'s outcomes (one row per exposure and iteration with a breach).
pub fn outcomes_file(batch: usize) -> String {
    format!("outcomes-{batch:05}.parquet")
}

/// The table of batch `b`'s per-block sums (one row per exposure and block: its breaches and
/// layer sums). The file name says "chunks", the format's older word for a block: shards
/// written before keep being read.
pub fn chunks_file(batch: usize) -> String {
    format!("chunks-{batch:05}.parquet")
}

const OUTCOME_COLUMNS: [&str; 8] = [
    "gross",
    "insured",
    "largest_gross",
    "largest_insured",
    "largest_retained",
    "independent_gross",
    "independent_insured",
    "independent_largest_gross",
];

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

fn polars_error(file: &Path, e: impl std::fmt::Display) -> Error {
    Error::failure(format!("{}: {e}", file.display()))
}

/// Lower-case hexadecimal SHA-256 of what `hasher` has seen.
fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes one batch's outcomes as its two tables into `dir`; returns their sizes and hashes.
pub fn write_batch(model: &Model, batch: usize, outcomes: &[ExposureOutcomes], dir: &Path) -> Result<BatchTables> {
    let width = outcomes.iter().map(|o| model.exposures[o.exposure].components.len()).max().unwrap_or(0);
    let rows: usize = outcomes.iter().map(ExposureOutcomes::len).sum();
    let mut exposure = Vec::with_capacity(rows);
    let mut iteration = Vec::with_capacity(rows);
    let mut values: Vec<Vec<f64>> = (0..OUTCOME_COLUMNS.len()).map(|_| Vec::with_capacity(rows)).collect();
    let mut components: Vec<Vec<f64>> = (0..width).map(|_| Vec::with_capacity(rows)).collect();
    for o in outcomes {
        let k = model.exposures[o.exposure].components.len();
        for ((x, costs), own) in o.rows(k).zip(o.independent()) {
            exposure.push(o.exposure as u32);
            iteration.push(x.iteration);
            for (column, v) in values.iter_mut().zip(outcome_values(&x, &own)) {
                column.push(v);
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
    let mut layers: Vec<Vec<f64>> = (0..ILF_LIMITS.len()).map(|_| Vec::with_capacity(chunk_rows)).collect();
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

/// `relative` as a path that stays inside the folder it is joined to: only plain names (no
/// root, drive prefix, `.` or `..`). Manifests are read from folders anyone may have edited.
fn plain_relative(relative: &str) -> Option<&Path> {
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(path)
}

/// What a file that is not a regular one is, for messages.
fn kind(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Reads the file `relative` of the shard folder `dir`: at most `limit` bytes and one more,
/// so that a caller sees a file longer than allowed without reading all of it. The path must
/// be relative and plain, resolve (links followed) inside the folder, and be a regular file:
/// a device or FIFO is refused before it is opened, and the file is opened without following
/// a link and without blocking, then checked again, in case it was swapped in between.
fn read_in_folder(dir: &Path, relative: &str, limit: u64) -> Result<Vec<u8>> {
    let path = plain_relative(relative).ok_or_else(|| {
        Error::input(format!(
            "{}: {relative:?} is not a plain relative path; expected a file inside the shard folder",
            dir.display()
        ))
    })?;
    let shown = dir.join(path);
    let label = shown.display();
    let root = dir.canonicalize().map_err(|e| Error::input(format!("{}: cannot be read: {e}", dir.display())))?;
    let real = root.join(path).canonicalize().map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !real.starts_with(&root) {
        return Err(Error::input(format!(
            "{label}: leads to {} outside the shard folder {}; expected a file of the folder",
            real.display(),
            root.display()
        )));
    }
    let not_regular = |file_type| {
        Error::input(format!("{label}: is {}; expected a regular file written by `simulate --shard`", kind(file_type)))
    };
    let metadata = std::fs::metadata(&real).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(&real).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    let metadata = file.metadata().map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    let most = limit.saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(most)).unwrap_or(0));
    file.take(most).read_to_end(&mut bytes).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    Ok(bytes)
}

/// The most bytes a Parquet table of `rows` rows of `columns` columns of at most 8 bytes can
/// take: twice the raw values (page headers, statistics and an incompressible worst case stay
/// far below that) and 1 MiB of footer. A bound on what merge reads of a table whatever its
/// manifest says (a sparse file of a terabyte, say, declared at its size).
fn most_table_bytes(rows: u64, columns: usize) -> u64 {
    rows.saturating_mul(columns as u64).saturating_mul(16).saturating_add(1 << 20)
}

/// The most bytes merge reads of an input copy whatever its manifest says: far above the
/// exposures and assumptions files a run holds in memory.
pub const INPUT_COPY_MAX_BYTES: u64 = 4 << 30;

/// Reads the file `relative` of `dir` that the manifest says is `expected.bytes` long with
/// SHA-256 `expected.sha256`, and checks both before anything parses it. A declared size above
/// `most` is refused before anything is read.
fn read_verified(dir: &Path, relative: &str, expected: &TableFile, most: u64) -> Result<Vec<u8>> {
    let path = dir.join(relative);
    if expected.bytes > most {
        return Err(Error::input(format!(
            "{}: {MANIFEST} says it is {} bytes, more than the {most} such a file can be; the shard folder was altered",
            path.display(),
            expected.bytes
        )));
    }
    let bytes = read_in_folder(dir, relative, expected.bytes)?;
    let size = bytes.len() as u64;
    if size > expected.bytes {
        return Err(Error::input(format!(
            "{}: is more than the {} bytes {MANIFEST} says (sha256 {:?}); the shard folder was altered",
            path.display(),
            expected.bytes,
            expected.sha256
        )));
    }
    let mut hasher = Sha256::new();
    hasher.update(&bytes);
    let actual = hex(hasher);
    if actual != expected.sha256 || size != expected.bytes {
        return Err(Error::input(format!(
            "{}: sha256 is {actual} ({size} bytes), but {MANIFEST} says {:?} ({} bytes); the shard folder was altered",
            path.display(),
            expected.sha256,
            expected.bytes
        )));
    }
    Ok(bytes)
}

/// The bytes of a shard's copy of one of the run's inputs, checked against its manifest.
pub fn read_input_copy(dir: &Path, input: &ManifestInput) -> Result<Vec<u8>> {
    read_verified(
        dir,
        &input.copy,
        &TableFile { bytes: input.bytes, sha256: input.sha256.clone() },
        INPUT_COPY_MAX_BYTES,
    )
}

/// Parses a shard table's bytes (checked by [`read_verified`]); any error names the file.
fn parse_table(path: &Path, bytes: Vec<u8>) -> Result<DataFrame> {
    let read = std::panic::catch_unwind(move || ParquetReader::new(std::io::Cursor::new(bytes)).finish());
    match read {
        Ok(Ok(frame)) => Ok(frame),
        Ok(Err(e)) => Err(Error::input(format!("{}: is not a readable shard table: {e}", path.display()))),
        Err(_) => Err(Error::input(format!("{}: is not a readable shard table (corrupt Parquet)", path.display()))),
    }
}

/// A column of amounts: every cell a finite number ≥ 0, as the engine writes them (a NaN,
/// negative or infinite cell would pass through the statistics into the reports).
fn amount_column(frame: &DataFrame, name: &str, path: &Path) -> Result<Vec<f64>> {
    let bad = |what: String| Error::input(format!("{}: column {name}: {what}", path.display()));
    let column = frame.column(name).map_err(|_| bad("missing".into()))?;
    let values = column.f64().map_err(|e| bad(e.to_string()))?;
    if values.null_count() > 0 {
        return Err(bad("has empty cells".into()));
    }
    let values: Vec<f64> = values.into_no_null_iter().collect();
    if let Some(row) = values.iter().position(|v| !(*v >= 0.0 && *v <= f64::MAX)) {
        return Err(Error::input(format!(
            "{} row {}, column {name}: {} is not an amount; expected a finite number ≥ 0",
            path.display(),
            row + 1,
            values[row]
        )));
    }
    Ok(values)
}

fn u64_column(frame: &DataFrame, name: &str, path: &Path) -> Result<Vec<u64>> {
    let bad = |what: String| Error::input(format!("{}: column {name}: {what}", path.display()));
    let column = frame.column(name).map_err(|_| bad("missing".into()))?;
    let column = column.cast(&DataType::UInt64).map_err(|e| bad(e.to_string()))?;
    let values = column.u64().map_err(|e| bad(e.to_string()))?;
    if values.null_count() > 0 {
        return Err(bad("has empty cells (or negative counts)".into()));
    }
    Ok(values.into_no_null_iter().collect())
}

/// One shard folder, checked.
#[derive(Debug, Clone)]
pub struct Shard {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Shard {
    /// The iterations the shard holds.
    pub fn range(&self) -> Range<u64> {
        self.manifest.first_iteration..self.manifest.end_iteration
    }

    /// How many iterations the shard holds.
    pub fn iterations(&self) -> u64 {
        self.manifest.end_iteration.saturating_sub(self.manifest.first_iteration)
    }
}

/// Just the layout of a manifest, read before the rest: a manifest of another layout may lack
/// this one's fields, and then the layout is what to report.
#[derive(Deserialize)]
struct Layout {
    format: u32,
}

/// Reads one shard folder's manifest (a regular file of at most [`MANIFEST_MAX_BYTES`]).
fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    if !dir.is_dir() {
        return Err(Error::input(format!("{}: is not a folder; expected a shard folder", dir.display())));
    }
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(Error::input(format!(
            "{}: has no readable {MANIFEST}; not a folder written by `simulate --shard`",
            dir.display()
        )));
    }
    let bytes = read_in_folder(dir, MANIFEST, MANIFEST_MAX_BYTES)?;
    if bytes.len() as u64 > MANIFEST_MAX_BYTES {
        return Err(Error::input(format!(
            "{}: is larger than {MANIFEST_MAX_BYTES} bytes; a shard manifest is a few kB",
            path.display()
        )));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::input(format!("{}: is not UTF-8 text (byte {})", path.display(), e.valid_up_to())))?;
    let not_manifest = |e: serde_json::Error| Error::input(format!("{}: is not a shard manifest: {e}", path.display()));
    let layout: Layout = serde_json::from_str(text).map_err(not_manifest)?;
    if layout.format != FORMAT {
        return Err(Error::input(format!(
            "{}: shard layout {} is not the layout {FORMAT} this breachcost reads",
            path.display(),
            layout.format
        )));
    }
    let manifest: Manifest = serde_json::from_str(text).map_err(not_manifest)?;
    if manifest.version != env!("CARGO_PKG_VERSION") {
        return Err(Error::input(format!(
            "{}: written by breachcost {:?}, this is {}; merge with the version that simulated",
            path.display(),
            manifest.version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    for (what, input) in [("exposures", &manifest.exposures), ("assumptions", &manifest.assumptions)] {
        if plain_relative(&input.copy).is_none() {
            return Err(Error::input(format!(
                "{}: {what}.copy {:?} is not a plain relative path; expected a file inside the shard folder such as \"inputs/{what}.{}\"",
                path.display(),
                input.copy,
                if what == "exposures" { "csv" } else { "toml" }
            )));
        }
    }
    if manifest.tables.len() != manifest.batches {
        return Err(Error::input(format!(
            "{}: tables lists {} batches, but batches is {}; expected one entry per batch",
            path.display(),
            manifest.tables.len(),
            manifest.batches
        )));
    }
    Ok(manifest)
}

/// Reads and checks the manifests of `dirs`: one layout and version, the same inputs and
/// settings, every shard 1..N exactly once, and each holding exactly shard K's iterations
/// (so together they cover the run's iterations once). Returns the shards in order of K.
pub fn open_shards(dirs: &[PathBuf]) -> Result<Vec<Shard>> {
    if dirs.is_empty() {
        return Err(Error::input("merge: no shard folders given"));
    }
    let mut shards = Vec::with_capacity(dirs.len());
    for dir in dirs {
        shards.push(Shard { dir: dir.clone(), manifest: read_manifest(dir)? });
    }
    let first = &shards[0];
    for other in &shards[1..] {
        let (a, b) = (&first.manifest, &other.manifest);
        let differences = [
            ("exposures (sha256)", a.exposures.sha256 != b.exposures.sha256, &a.exposures.sha256, &b.exposures.sha256),
            (
                "assumptions (sha256)",
                a.assumptions.sha256 != b.assumptions.sha256,
                &a.assumptions.sha256,
                &b.assumptions.sha256,
            ),
            ("seed", a.seed != b.seed, &a.seed.to_string(), &b.seed.to_string()),
            ("iterations", a.iterations != b.iterations, &a.iterations.to_string(), &b.iterations.to_string()),
            ("mode", a.mode != b.mode, &a.mode, &b.mode),
            ("shard count N", a.shards != b.shards, &a.shards.to_string(), &b.shards.to_string()),
            (
                "exposures_count",
                a.exposures_count != b.exposures_count,
                &a.exposures_count.to_string(),
                &b.exposures_count.to_string(),
            ),
            ("batches", a.batches != b.batches, &a.batches.to_string(), &b.batches.to_string()),
        ];
        if let Some((what, _, x, y)) = differences.iter().find(|d| d.1) {
            return Err(Error::input(format!(
                "{}: {what} is {y}, but {} has {x}; all shards must come from the same inputs and settings",
                other.dir.display(),
                first.dir.display()
            )));
        }
    }
    let n = first.manifest.shards;
    shards.sort_by_key(|s| s.manifest.shard);
    for pair in shards.windows(2) {
        if pair[0].manifest.shard == pair[1].manifest.shard {
            return Err(Error::input(format!(
                "shard {}/{n} given twice: {} and {}",
                pair[0].manifest.shard,
                pair[0].dir.display(),
                pair[1].dir.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| shards.binary_search_by_key(k, |s| s.manifest.shard).is_err())
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let have: Vec<String> = shards.iter().map(|s| s.manifest.shard.to_string()).collect();
        return Err(Error::input(format!(
            "shard{} {} of {n} missing (given: {}); merge needs every shard once",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            have.join(", ")
        )));
    }
    if let Some(s) = shards.iter().find(|s| s.manifest.shard > n || s.manifest.shard == 0) {
        return Err(Error::input(format!("{}: shard number {} is not in 1..{n}", s.dir.display(), s.manifest.shard)));
    }
    // K and N are now 1 ≤ K ≤ N: each shard's range is fixed by them and the iterations,
    // which makes the ranges disjoint and complete, and a relabelled N visible.
    for s in &shards {
        let m = &s.manifest;
        let spec = ShardSpec { index: m.shard, count: m.shards };
        let expected = spec.iterations(m.iterations);
        if s.range() != expected {
            return Err(Error::input(format!(
                "{}: first_iteration..end_iteration is {}..{}, but shard {spec} of {} iterations is {}..{}; the manifest was altered",
                s.dir.join(MANIFEST).display(),
                m.first_iteration,
                m.end_iteration,
                m.iterations,
                expected.start,
                expected.end
            )));
        }
    }
    Ok(shards)
}

/// Outcomes read back from shard tables, for [`crate::run::run_from`].
pub struct ShardTables {
    shards: Vec<Shard>,
    /// The run's exposure batches, as the shards cut them.
    batches: Vec<Range<usize>>,
    /// The breaches of the batches read so far, to refuse counts whose total a `u64` cannot hold.
    breaches: AtomicU64,
}

/// The most breaches one exposure can have in one year: the engine draws its own count and
/// each systemic event's occurrences (each hitting it at most once) as `u32`.
fn max_breaches_per_year(model: &Model) -> u64 {
    u64::from(u32::MAX).saturating_mul(1 + model.assumptions.systemic.len() as u64)
}

impl ShardTables {
    pub fn new(shards: Vec<Shard>, batches: Vec<Range<usize>>) -> Self {
        ShardTables { shards, batches, breaches: AtomicU64::new(0) }
    }

    /// The outcomes of `batch` from every shard, checked as they are read: each table's
    /// size and hash against the manifest, every amount finite and ≥ 0, every row of an
    /// exposure of the batch and an iteration of the shard (ascending per exposure), one
    /// chunk row per block of the shard's iterations, and breach counts within what the
    /// years allow. `count` adds the breaches to the run's total (once per batch); `wanted`
    /// (ascending), when given, keeps the outcomes of those iterations only.
    fn read_batch(
        &self,
        model: &Model,
        batch: Range<usize>,
        count: bool,
        wanted: Option<&[u64]>,
    ) -> Result<Vec<ExposureOutcomes>> {
        let b = self.batches.iter().position(|r| *r == batch).ok_or_else(|| {
            Error::failure(format!(
                "merge: exposures {}..{} are not one of the shards' batches",
                batch.start, batch.end
            ))
        })?;
        let mut results: Vec<ExposureOutcomes> =
            batch.clone().map(|e| ExposureOutcomes { exposure: e, ..Default::default() }).collect();
        let context = BatchContext {
            model,
            b,
            width: batch.clone().map(|e| model.exposures[e].components.len()).max().unwrap_or(0),
            batch,
            per_year: max_breaches_per_year(model),
            breach_mode: model.settings.mode == crate::input::Mode::Breach,
        };
        // The run's total so far (batches are read one after another), or this batch's alone
        // when it is read again for some iterations.
        let mut total = if count { self.breaches.load(Ordering::Relaxed) } else { 0 };
        let read = |shard: &Shard| -> Result<[Vec<u8>; 2]> {
            let tables = shard.manifest.tables.get(b).ok_or_else(|| {
                Error::input(format!("{}: has no tables for batch {b}", shard.dir.join(MANIFEST).display()))
            })?;
            // The most rows each table can have: one per exposure and year (outcomes) or block
            // of years (chunks) of the shard.
            let exposures = context.batch.len() as u64;
            let outcome_rows = exposures.saturating_mul(shard.iterations());
            let chunk_rows = exposures.saturating_mul(shard.iterations().div_ceil(BLOCK_ITERATIONS));
            let outcome_columns = 2 + OUTCOME_COLUMNS.len() + context.width;
            let chunk_columns = 2 + ILF_LIMITS.len();
            Ok([
                read_verified(
                    &shard.dir,
                    &outcomes_file(b),
                    &tables.outcomes,
                    most_table_bytes(outcome_rows, outcome_columns),
                )?,
                read_verified(
                    &shard.dir,
                    &chunks_file(b),
                    &tables.chunks,
                    most_table_bytes(chunk_rows, chunk_columns),
                )?,
            ])
        };
        // The next shard's tables are read and hashed while this one's are parsed and checked
        // (errors still come in shard order).
        let mut next = self.shards.first().map(read);
        for (i, shard) in self.shards.iter().enumerate() {
            let Some(bytes) = next.take() else { break };
            let bytes = bytes?;
            let (done, following) = rayon::join(
                || context.add_shard(shard, bytes, wanted, &mut results, &mut total),
                || self.shards.get(i + 1).map(read),
            );
            done?;
            next = following;
        }
        if count {
            self.breaches.store(total, Ordering::Relaxed);
        }
        Ok(results)
    }
}

/// What reading one batch's tables needs to know.
struct BatchContext<'m> {
    model: &'m Model,
    /// The batch's number and its exposures.
    b: usize,
    batch: Range<usize>,
    /// The most components of an exposure of the batch (the outcomes' component columns).
    width: usize,
    per_year: u64,
    breach_mode: bool,
}

impl BatchContext<'_> {
    /// Adds one shard's outcomes of the batch (its two tables' verified bytes) to `results`,
    /// and its breaches to `total`.
    fn add_shard(
        &self,
        shard: &Shard,
        [outcomes_bytes, chunks_bytes]: [Vec<u8>; 2],
        wanted: Option<&[u64]>,
        results: &mut [ExposureOutcomes],
        total: &mut u64,
    ) -> Result<()> {
        let (model, b, batch, width, per_year) = (self.model, self.b, &self.batch, self.width, self.per_year);
        let range = shard.range();
        let blocks = shard.iterations().div_ceil(BLOCK_ITERATIONS);
        let outcomes_name = outcomes_file(b);
        let path = shard.dir.join(&outcomes_name);
        let frame = parse_table(&path, outcomes_bytes)?;
        let exposure = u64_column(&frame, "exposure", &path)?;
        let iteration = u64_column(&frame, "iteration", &path)?;
        let values: Vec<Vec<f64>> =
            OUTCOME_COLUMNS.iter().map(|name| amount_column(&frame, name, &path)).collect::<Result<_>>()?;
        let components: Vec<Vec<f64>> =
            (0..width).map(|j| amount_column(&frame, &format!("component_{j}"), &path)).collect::<Result<_>>()?;
        drop(frame);
        // Which of the shard's iterations to keep (all without a list); every row is checked.
        let keep: Option<Vec<bool>> = wanted.map(|list| {
            let mut keep = vec![false; usize::try_from(shard.iterations()).unwrap_or(0)];
            let from = list.partition_point(|i| *i < range.start);
            for i in list[from..].iter().take_while(|i| **i < range.end) {
                keep[(i - range.start) as usize] = true;
            }
            keep
        });
        let mut chunks: Vec<OutcomeColumns> = batch.clone().map(|_| OutcomeColumns::default()).collect();
        let mut last: Vec<Option<u64>> = vec![None; chunks.len()];
        let mut years = vec![0u64; chunks.len()];
        for row in 0..exposure.len() {
            let e = exposure[row] as usize;
            let it = iteration[row];
            let slot = e.checked_sub(batch.start).filter(|i| *i < chunks.len()).ok_or_else(|| {
                Error::input(format!(
                    "{} row {}, column exposure: {e} is not in this batch; expected {}..{}",
                    path.display(),
                    row + 1,
                    batch.start,
                    batch.end
                ))
            })?;
            if !range.contains(&it) || last[slot].is_some_and(|l| l >= it) {
                return Err(Error::input(format!(
                    "{} row {}, column iteration: {it} is out of order or outside the shard's {}..{}",
                    path.display(),
                    row + 1,
                    range.start,
                    range.end
                )));
            }
            last[slot] = Some(it);
            years[slot] += 1;
            if keep.as_ref().is_some_and(|keep| !keep[(it - range.start) as usize]) {
                continue;
            }
            let v = |c: usize| values[c][row];
            chunks[slot].push(Outcome {
                iteration: it,
                gross: v(0),
                insured: v(1),
                largest_gross: v(2),
                largest_insured: v(3),
                largest_retained: v(4),
            });
            chunks[slot].independent.push(Independent { gross: v(5), insured: v(6), largest_gross: v(7) });
            let k = model.exposures[e].components.len();
            // One component's costs are the gross, as in the engine's outcomes.
            if k > 1 {
                chunks[slot].component_costs.extend(components.iter().take(k).map(|c| c[row]));
            }
        }
        for (target, chunk) in results.iter_mut().zip(chunks) {
            target.parts.push(chunk);
        }

        let chunks_path = shard.dir.join(chunks_file(b));
        let frame = parse_table(&chunks_path, chunks_bytes)?;
        let exposure = u64_column(&frame, "exposure", &chunks_path)?;
        let breaches = u64_column(&frame, "breaches", &chunks_path)?;
        let layers: Vec<Vec<f64>> = (0..ILF_LIMITS.len())
            .map(|j| amount_column(&frame, &format!("layer_{j}"), &chunks_path))
            .collect::<Result<_>>()?;
        drop(frame);
        let mut chunk_rows = vec![0u64; results.len()];
        let mut counts = vec![0u64; results.len()];
        for row in 0..exposure.len() {
            let e = exposure[row] as usize;
            let slot = e.checked_sub(batch.start).filter(|i| *i < results.len()).ok_or_else(|| {
                Error::input(format!(
                    "{} row {}, column exposure: {e} is not in this batch; expected {}..{}",
                    chunks_path.display(),
                    row + 1,
                    batch.start,
                    batch.end
                ))
            })?;
            let mut sums = [0.0; ILF_LIMITS.len()];
            for (sum, column) in sums.iter_mut().zip(&layers) {
                *sum = column[row];
            }
            results[slot].layer_sums.push(sums);
            chunk_rows[slot] += 1;
            counts[slot] = counts[slot].checked_add(breaches[row]).ok_or_else(|| {
                Error::input(format!(
                    "{} row {}, column breaches: {} takes exposure {e}'s count past the largest a run can hold",
                    chunks_path.display(),
                    row + 1,
                    breaches[row]
                ))
            })?;
        }
        for (slot, target) in results.iter_mut().enumerate() {
            let e = target.exposure;
            let (rows, count, had) = (chunk_rows[slot], counts[slot], years[slot]);
            let id = &model.exposures[e].id;
            if rows != blocks {
                return Err(Error::input(format!(
                    "{}: exposure {e} ({id:?}) has {rows} row{}, but the shard's iterations {}..{} are {blocks} blocks of {BLOCK_ITERATIONS}; expected one row per block",
                    chunks_path.display(),
                    if rows == 1 { "" } else { "s" },
                    range.start,
                    range.end
                )));
            }
            // Each outcome row is a year with at least one breach; in breach mode every
            // iteration is exactly one breach.
            let (least, most) = if self.breach_mode {
                let n = shard.iterations();
                if had != n {
                    return Err(Error::input(format!(
                        "{}: exposure {e} ({id:?}) has {had} rows, but in breach mode each of the shard's {n} iterations is one; expected {n}",
                        path.display()
                    )));
                }
                (n, n)
            } else {
                (had, had.saturating_mul(per_year))
            };
            if count < least || count > most {
                return Err(Error::input(format!(
                    "{}: column breaches: exposure {e} ({id:?}) has {count} breaches in iterations {}..{}, but {outcomes_name} has {had} {}; expected {least} to {most}",
                    chunks_path.display(),
                    range.start,
                    range.end,
                    if self.breach_mode { "breaches" } else { "years with a breach" }
                )));
            }
            *total = total.checked_add(count).ok_or_else(|| {
                Error::input(format!(
                    "{}: column breaches: exposure {e} ({id:?}) has {count} breaches, which takes the run's total past the largest a run can hold",
                    chunks_path.display()
                ))
            })?;
            // (Within the total just checked, so it cannot overflow.)
            target.simulated_breaches += count;
        }
        Ok(())
    }
}

impl OutcomeSource for ShardTables {
    type Error = Error;
    fn batch(
        &self,
        model: &Model,
        batch: Range<usize>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<ExposureOutcomes>> {
        let outcomes = self.read_batch(model, batch.clone(), true, None)?;
        progress(model.settings.iterations.saturating_mul(batch.len() as u64));
        Ok(outcomes)
    }
    fn iterations(&self, model: &Model, batch: Range<usize>, iterations: &[u64]) -> Result<Vec<ExposureOutcomes>> {
        // The tables are read (and checked) whole again, but only these iterations are kept.
        self.read_batch(model, batch, false, Some(iterations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_iterations_once_at_chunk_boundaries() {
        for iterations in [1u64, 4095, 4096, 4097, 100_000, 1_000_003] {
            for n in [1u64, 2, 3, 4, 7, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let r = ShardSpec { index: k, count: n }.iterations(iterations);
                    assert_eq!(r.start, next, "{k}/{n} of {iterations}");
                    assert!(r.start.is_multiple_of(BLOCK_ITERATIONS) || r.start == iterations);
                    next = r.end;
                }
                assert_eq!(next, iterations);
            }
        }
    }

    #[test]
    fn only_plain_relative_paths_stay_inside_a_shard_folder() {
        for good in ["inputs/exposures.csv", "manifest.json", "inputs/a b.toml"] {
            assert!(plain_relative(good).is_some(), "{good}");
        }
        for bad in ["", "/proc/self/environ", "../x", "inputs/../../x", "./x", "inputs/..", "/"] {
            assert!(plain_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn shard_specs_parse_or_explain() {
        assert_eq!("3/8".parse::<ShardSpec>(), Ok(ShardSpec { index: 3, count: 8 }));
        for bad in ["5/4", "0/4", "1/0", "3", "a/4", "1/-2", ""] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        assert!("5/4".parse::<ShardSpec>().unwrap_err().contains("between 1 and N"));
    }
}
