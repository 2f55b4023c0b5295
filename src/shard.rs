//! Runs split across machines: `simulate --shard K/N` simulates a contiguous share of the
//! iterations and writes its outcomes as Parquet tables; `merge` reads the shards back,
//! batch of exposures by batch, and computes the same statistics a single run would.
//!
//! Exactness: every draw depends only on (seed, exposure, iteration, ...), shards cut the
//! iterations at multiples of [`CHUNK_ITERATIONS`] (so per-chunk sums are the same chunks),
//! the exposure batches are those of the whole run, and the merged outcomes are in
//! iteration order, so every sum is taken in the same order as in an unsharded run.

use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::simulate::{OutcomeChunk, CHUNK_ITERATIONS, ILF_LIMITS};
use crate::engine::{ExposureOutcomes, Independent, Model, Outcome};
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
    /// The iterations of this shard: chunks of [`CHUNK_ITERATIONS`] dealt out in contiguous
    /// runs, shard K getting chunks ⌊(K−1)·C/N⌋ to ⌊K·C/N⌋ of C. Fixed by N and the
    /// iteration count alone; shards beyond C get no iterations.
    pub fn iterations(&self, iterations: u64) -> Range<u64> {
        let chunks = u128::from(iterations.div_ceil(CHUNK_ITERATIONS));
        let boundary = |k: u64| {
            let chunk = (u128::from(k) * chunks / u128::from(self.count)) as u64;
            chunk.saturating_mul(CHUNK_ITERATIONS).min(iterations)
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
}

/// One input of the run: where it was read from, its hash, and the copy in `inputs/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestInput {
    pub path: String,
    pub sha256: String,
    pub copy: String,
}

pub const FORMAT: u32 = 1;
pub const MANIFEST: &str = "manifest.json";

/// The table of batch `b`'s outcomes (one row per exposure and iteration with a breach).
pub fn outcomes_file(batch: usize) -> String {
    format!("outcomes-{batch:05}.parquet")
}

/// The table of batch `b`'s per-chunk sums (one row per exposure and chunk).
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

/// Writes one batch's outcomes as its two tables into `dir`.
pub fn write_batch(model: &Model, batch: usize, outcomes: &[ExposureOutcomes], dir: &Path) -> Result<()> {
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
    write_table(&dir.join(outcomes_file(batch)), rows, columns)?;

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
    write_table(&dir.join(chunks_file(batch)), chunk_rows, columns)
}

fn write_table(path: &Path, height: usize, columns: Vec<Column>) -> Result<()> {
    let mut frame = DataFrame::new(height, columns).map_err(|e| polars_error(path, e))?;
    let file = File::create(path).map_err(|e| polars_error(path, e))?;
    ParquetWriter::new(file).finish(&mut frame).map_err(|e| polars_error(path, e))?;
    Ok(())
}

/// Reads a shard table, naming the file in any error.
fn read_table(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::input(format!("{}: cannot be read: {e}", path.display())))?;
    let read = std::panic::catch_unwind(move || ParquetReader::new(BufReader::new(file)).finish());
    match read {
        Ok(Ok(frame)) => Ok(frame),
        Ok(Err(e)) => Err(Error::input(format!("{}: is not a readable shard table: {e}", path.display()))),
        Err(_) => Err(Error::input(format!("{}: is not a readable shard table (corrupt Parquet)", path.display()))),
    }
}

fn f64_column(frame: &DataFrame, name: &str, path: &Path) -> Result<Vec<f64>> {
    let bad = |what: String| Error::input(format!("{}: column {name}: {what}", path.display()));
    let column = frame.column(name).map_err(|_| bad("missing".into()))?;
    let values = column.f64().map_err(|e| bad(e.to_string()))?;
    if values.null_count() > 0 {
        return Err(bad("has empty cells".into()));
    }
    Ok(values.into_no_null_iter().collect())
}

fn u64_column(frame: &DataFrame, name: &str, path: &Path) -> Result<Vec<u64>> {
    let bad = |what: String| Error::input(format!("{}: column {name}: {what}", path.display()));
    let column = frame.column(name).map_err(|_| bad("missing".into()))?;
    let column = column.cast(&DataType::UInt64).map_err(|e| bad(e.to_string()))?;
    let values = column.u64().map_err(|e| bad(e.to_string()))?;
    if values.null_count() > 0 {
        return Err(bad("has empty cells".into()));
    }
    Ok(values.into_no_null_iter().collect())
}

/// One shard folder, checked.
#[derive(Debug, Clone)]
pub struct Shard {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Reads and checks the manifests of `dirs`: one layout and version, the same inputs and
/// settings, and every shard 1..N exactly once. Returns the shards in order of K.
pub fn open_shards(dirs: &[PathBuf]) -> Result<Vec<Shard>> {
    if dirs.is_empty() {
        return Err(Error::input("merge: no shard folders given"));
    }
    let mut shards = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let path = dir.join(MANIFEST);
        if !dir.is_dir() {
            return Err(Error::input(format!("{}: is not a folder; expected a shard folder", dir.display())));
        }
        let text = std::fs::read_to_string(&path).map_err(|_| {
            Error::input(format!(
                "{}: has no readable {MANIFEST}; not a folder written by `simulate --shard`",
                dir.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| Error::input(format!("{}: is not a shard manifest: {e}", path.display())))?;
        if manifest.format != FORMAT {
            return Err(Error::input(format!(
                "{}: shard layout {} is not the layout {FORMAT} this breachcost reads",
                path.display(),
                manifest.format
            )));
        }
        if manifest.version != env!("CARGO_PKG_VERSION") {
            return Err(Error::input(format!(
                "{}: written by breachcost {}, this is {}; merge with the version that simulated",
                path.display(),
                manifest.version,
                env!("CARGO_PKG_VERSION")
            )));
        }
        shards.push(Shard { dir: dir.clone(), manifest });
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
    Ok(shards)
}

/// Outcomes read back from shard tables, for [`crate::run::run_from`].
pub struct ShardTables {
    pub shards: Vec<Shard>,
    /// The run's exposure batches, as the shards cut them.
    pub batches: Vec<Range<usize>>,
}

impl ShardTables {
    fn read_batch(&self, model: &Model, batch: Range<usize>) -> Result<Vec<ExposureOutcomes>> {
        let b = self.batches.iter().position(|r| *r == batch).ok_or_else(|| {
            Error::failure(format!(
                "merge: exposures {}..{} are not one of the shards' batches",
                batch.start, batch.end
            ))
        })?;
        let mut results: Vec<ExposureOutcomes> =
            batch.clone().map(|e| ExposureOutcomes { exposure: e, ..Default::default() }).collect();
        let width = batch.clone().map(|e| model.exposures[e].components.len()).max().unwrap_or(0);
        for shard in &self.shards {
            let range = shard.manifest.first_iteration..shard.manifest.end_iteration;
            let path = shard.dir.join(outcomes_file(b));
            let frame = read_table(&path)?;
            let exposure = u64_column(&frame, "exposure", &path)?;
            let iteration = u64_column(&frame, "iteration", &path)?;
            let values: Vec<Vec<f64>> =
                OUTCOME_COLUMNS.iter().map(|name| f64_column(&frame, name, &path)).collect::<Result<_>>()?;
            let components: Vec<Vec<f64>> =
                (0..width).map(|j| f64_column(&frame, &format!("component_{j}"), &path)).collect::<Result<_>>()?;
            let mut chunks: Vec<OutcomeChunk> = batch.clone().map(|_| OutcomeChunk::default()).collect();
            let mut last: Vec<Option<u64>> = vec![None; chunks.len()];
            for row in 0..exposure.len() {
                let e = exposure[row] as usize;
                let it = iteration[row];
                let slot = e.checked_sub(batch.start).filter(|i| *i < chunks.len()).ok_or_else(|| {
                    Error::input(format!("{}: row {row}: exposure {e} is not in this batch", path.display()))
                })?;
                if !range.contains(&it) || last[slot].is_some_and(|l| l >= it) {
                    return Err(Error::input(format!(
                        "{}: row {row}: iteration {it} is out of order or outside the shard's {}..{}",
                        path.display(),
                        range.start,
                        range.end
                    )));
                }
                last[slot] = Some(it);
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
                target.chunks.push(chunk);
            }

            let path = shard.dir.join(chunks_file(b));
            let frame = read_table(&path)?;
            let exposure = u64_column(&frame, "exposure", &path)?;
            let breaches = u64_column(&frame, "breaches", &path)?;
            let layers: Vec<Vec<f64>> = (0..ILF_LIMITS.len())
                .map(|j| f64_column(&frame, &format!("layer_{j}"), &path))
                .collect::<Result<_>>()?;
            for row in 0..exposure.len() {
                let e = exposure[row] as usize;
                let target = e.checked_sub(batch.start).and_then(|i| results.get_mut(i)).ok_or_else(|| {
                    Error::input(format!("{}: row {row}: exposure {e} is not in this batch", path.display()))
                })?;
                let mut sums = [0.0; ILF_LIMITS.len()];
                for (sum, column) in sums.iter_mut().zip(&layers) {
                    *sum = column[row];
                }
                target.layer_sums.push(sums);
                target.simulated_breaches += breaches[row];
            }
        }
        Ok(results)
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
        let outcomes = self.read_batch(model, batch.clone())?;
        progress(model.settings.iterations.saturating_mul(batch.len() as u64));
        Ok(outcomes)
    }
    fn iterations(&self, model: &Model, batch: Range<usize>, _iterations: &[u64]) -> Result<Vec<ExposureOutcomes>> {
        // All of the batch's outcomes: the caller picks the iterations it needs.
        self.read_batch(model, batch)
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
                    assert!(r.start.is_multiple_of(CHUNK_ITERATIONS) || r.start == iterations);
                    next = r.end;
                }
                assert_eq!(next, iterations);
            }
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
