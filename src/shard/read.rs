//! Reading the shards' tables back for `merge`, batch by batch, every value checked to be one
//! the engine can write.

use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use super::folder::{most_table_bytes, read_verified};
use super::layout::{chunks_file, fallback, outcomes_file, FALLBACK_FROM, MANIFEST, OUTCOME_COLUMNS};
use super::open::Shard;
use crate::engine::ilf::LAYER_SUMS;
use crate::engine::{ExposureOutcomes, Independent, Model, Outcome, OutcomeColumns, BLOCK_ITERATIONS};
use crate::error::{Error, Result};
use crate::run::OutcomeSource;

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
    let values = optional_amount_column(frame, name, path)?;
    if values.iter().any(Option::is_none) {
        return Err(Error::input(format!("{}: column {name}: has empty cells", path.display())));
    }
    Ok(values.into_iter().flatten().collect())
}

/// An amount column whose empty cells stand for a value worked out from others ([`fallback`]).
fn optional_amount_column(frame: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<f64>>> {
    let bad = |what: String| Error::input(format!("{}: column {name}: {what}", path.display()));
    let column = frame.column(name).map_err(|_| bad("missing".into()))?;
    let values: Vec<Option<f64>> = column.f64().map_err(|e| bad(e.to_string()))?.iter().collect();
    if let Some(row) = values.iter().position(|v| v.is_some_and(|v| !(0.0..=f64::MAX).contains(&v))) {
        return Err(Error::input(format!(
            "{} row {}, column {name}: {} is not an amount; expected a finite number ≥ 0",
            path.display(),
            row + 1,
            values[row].unwrap_or_default()
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
            width: batch.clone().map(|e| model.exposures[e].width()).max().unwrap_or(0),
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
            let chunk_columns = 2 + LAYER_SUMS;
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
        let values: Vec<Vec<Option<f64>>> = OUTCOME_COLUMNS
            .iter()
            .enumerate()
            .map(|(c, name)| match c {
                c if c < FALLBACK_FROM => amount_column(&frame, name, &path).map(|v| v.into_iter().map(Some).collect()),
                _ => optional_amount_column(&frame, name, &path),
            })
            .collect::<Result<_>>()?;
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
            let mut row_values = [0.0; 8];
            for (c, column) in values.iter().enumerate() {
                row_values[c] = column[row].unwrap_or_else(|| fallback(c, &row_values));
            }
            let v = |c: usize| row_values[c];
            chunks[slot].push(Outcome {
                iteration: it,
                gross: v(0),
                insured: v(1),
                largest_gross: v(2),
                largest_insured: v(3),
                largest_retained: v(4),
            });
            chunks[slot].independent.push(Independent { gross: v(5), insured: v(6), largest_gross: v(7) });
            let k = model.exposures[e].width();
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
        let layers: Vec<Vec<f64>> = (0..LAYER_SUMS)
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
            let mut sums = [0.0; LAYER_SUMS];
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
