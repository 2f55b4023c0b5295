//! Reading a shard's files back for `merge`: each checked against the size and SHA-256 its
//! manifest records before it is parsed, and every figure in it checked to be one a run can
//! write (a number ≥ 0, in the shape the model gives).

use std::ops::Range;
use std::path::Path;

use polars::prelude::*;

use super::folder::{most_table_bytes, read_verified};
use super::layout::{ylt_file, MANIFEST, RESULTS, SUMS};
use super::open::Shard;
use super::write::ShardResults;
use crate::engine::{Model, SystemicSchedule};
use crate::error::{Error, Result};
use crate::input::Mode;
use crate::run::figures::{measure_figures, FigureName};
use crate::run::{ExposureResult, MeasureResult, Measures, PortfolioSums, SumsShape};
use crate::stats::{LogHistogram, Summary, RETURN_PERIODS};

/// The most bytes one exposure's statistics take in `results.json` (~10 kB with the default
/// components; a model with hundreds of components or sections stays far below).
const RESULT_MAX_BYTES: u64 = 4 << 20;

/// The statistics of the shard's exposures (`exposures` of the model, in order), and the
/// measures without systemic events of a lone exposure where the shard has them.
pub fn read_results(
    shard: &Shard,
    model: &Model,
    exposures: Range<usize>,
) -> Result<(Vec<ExposureResult>, Option<Measures>)> {
    let path = shard.dir.join(RESULTS);
    let most = (exposures.len() as u64 + 1).saturating_mul(RESULT_MAX_BYTES);
    let bytes = read_verified(&shard.dir, RESULTS, &shard.manifest.results, most)?;
    let bad = |what: String| Error::input(format!("{}: {what}", path.display()));
    let results: ShardResults =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("is not a shard's results: {e}")))?;
    drop(bytes);
    let whose = results.exposures.iter().map(|e| (e.id.as_str(), Figures::Exposure(e)));
    let independent = results.independent.iter().map(|m| ("independent", Figures::Measures(m)));
    for (whose, figures) in whose.chain(independent) {
        if let Some((what, v)) = figures.first_bad() {
            let whose = crate::text::printable(whose);
            return Err(bad(format!("{whose:?}: {what} is {v}, not a figure a run writes; expected a number ≥ 0")));
        }
    }
    if results.exposures.len() != exposures.len() {
        return Err(bad(format!(
            "holds {} exposures, but the shard's exposures are {}..{} ({})",
            results.exposures.len(),
            exposures.start,
            exposures.end,
            exposures.len()
        )));
    }
    for (e, result) in exposures.clone().zip(&results.exposures) {
        let checked = check_shape(model, e, result).and_then(|()| check_breaches(model, result));
        checked.map_err(|what| bad(format!("exposure {e} ({:?}): {what}", model.exposures[e].id)))?;
    }
    let lone = model.exposures.len() == 1 && model.settings.mode == Mode::Annual;
    // (Only the shard that holds the lone exposure has them.)
    let expected = lone && !exposures.is_empty() && !SystemicSchedule::is_inactive(model);
    match &results.independent {
        // Without systemic events only the gross has a largest breach's curve.
        Some(m) if expected => {
            check_measures(m, [true, false, false]).map_err(|what| bad(format!("independent: {what}")))?
        }
        None if !expected => {}
        _ => {
            return Err(bad(format!(
                "independent: {} but the run {} them",
                if expected { "missing," } else { "given," },
                if expected { "needs" } else { "has no use for" }
            )))
        }
    }
    Ok((results.exposures, results.independent))
}

/// The statistics whose figures are checked.
enum Figures<'a> {
    Exposure(&'a ExposureResult),
    Measures(&'a Measures),
}

impl Figures<'_> {
    /// The first figure that no run writes (NaN or below zero), with its name.
    fn first_bad(&self) -> Option<(String, f64)> {
        let bad = |(_, v): &(FigureName, f64)| v.is_nan() || *v < 0.0;
        let found = match self {
            Figures::Exposure(e) => e.figures().find(bad),
            Figures::Measures(m) => measure_figures(m).find(bad),
        };
        found.map(|(what, v)| (what.to_string(), v))
    }
}

/// An exposure's statistics are those of exposure `e` of the model, in the shape the run writes.
fn check_shape(model: &Model, e: usize, result: &ExposureResult) -> std::result::Result<(), String> {
    let exposure = &model.exposures[e];
    if result.id != exposure.id {
        return Err(format!("the results are of {:?}", crate::text::printable(&result.id)));
    }
    check_measures(&result.measures, [model.settings.mode == Mode::Annual; 3])?;
    let types = if exposure.incident_rates.is_empty() { 0 } else { exposure.incident_rates.len() + 1 };
    let counts = [
        ("components", result.components.len(), exposure.components.len()),
        ("incident types", result.incidents.len(), types),
        ("insured losses by incident type", result.insured_by_type.len(), types),
        ("sections", result.sections.len(), model.assumptions.sections.len()),
    ];
    if let Some((what, n, expected)) = counts.iter().find(|(_, n, expected)| n != expected) {
        return Err(format!("{n} {what}, but its model has {expected}"));
    }
    if let Some(h) = &result.gross_histogram {
        let bins = LogHistogram::BINS_PER_DECADE * LogHistogram::DECADES;
        if h.counts.len() != bins || h.iterations != model.settings.iterations {
            return Err(format!(
                "a histogram of {} bins over {} iterations; expected {bins} over {}",
                h.counts.len(),
                h.iterations,
                model.settings.iterations
            ));
        }
    }
    Ok(())
}

/// An exposure's breach count is one the years allow: in breach mode one an iteration; in
/// annual mode at least one a year with a loss and at most what the engine draws a year (its
/// own count and each systemic event's occurrences, each a `u32`).
fn check_breaches(model: &Model, result: &ExposureResult) -> std::result::Result<(), String> {
    let iterations = model.settings.iterations;
    let count = result.simulated_breaches;
    let (least, most) = match model.settings.mode {
        Mode::Breach => (iterations, iterations),
        Mode::Annual => {
            let years = (result.measures.gross.summary.prob_nonzero * iterations as f64).round() as u64;
            let per_year = u64::from(u32::MAX).saturating_mul(1 + model.assumptions.systemic.len() as u64);
            (years, iterations.saturating_mul(per_year))
        }
    };
    if count < least || count > most {
        return Err(format!("simulated_breaches is {count}, but its {iterations} iterations allow {least} to {most}"));
    }
    Ok(())
}

/// Each measure has a figure per return period, and its largest breach's where `occurrence`
/// says (per measure: gross, retained, insured).
fn check_measures(measures: &Measures, occurrence: [bool; 3]) -> std::result::Result<(), String> {
    let n = RETURN_PERIODS.len();
    let fits = |m: &MeasureResult, largest: bool| {
        let occurrence = [&m.occurrence_ep, &m.occurrence_ep_tvar].map(|c| c.as_ref().map(Vec::len));
        m.aggregate_ep.len() == n
            && m.aggregate_ep_tvar.len() == n
            && occurrence.iter().all(|c| *c == largest.then_some(n))
    };
    match measures.iter().into_iter().zip(occurrence).find(|((_, m), largest)| !fits(m, *largest)) {
        Some(((name, _), _)) => {
            Err(format!("{name}: return-period figures not in the run's shape ({n} return periods)"))
        }
        None => measures.iter().into_iter().try_for_each(|(name, m)| in_order(name, &m.summary)),
    }
}

/// A summary's figures in the order any distribution's are: the quantiles ascending up to the
/// largest loss, the mean and the tail means no larger (to a rounding), a probability in [0, 1].
fn in_order(name: &str, s: &Summary) -> std::result::Result<(), String> {
    let quantiles = [s.p50, s.p75, s.p90, s.p95, s.p99, s.p99_5, s.p99_9, s.max];
    if let Some(w) = quantiles.windows(2).find(|w| w[0] > w[1]) {
        return Err(format!("{name}: its quantiles are not in order ({} above {})", w[0], w[1]));
    }
    let at_most_max = |x: f64| x <= s.max * (1.0 + 1e-9);
    if !(at_most_max(s.mean) && at_most_max(s.tvar_95) && at_most_max(s.tvar_99)) {
        return Err(format!("{name}: a mean above its largest loss {}", s.max));
    }
    if !(0.0..=1.0).contains(&s.prob_nonzero) {
        return Err(format!("{name}: prob_nonzero {} is not a probability", s.prob_nonzero));
    }
    Ok(())
}

/// The portfolio's year sums over the shard's exposures (annual mode).
pub fn read_sums(shard: &Shard, shape: &SumsShape) -> Result<PortfolioSums> {
    let path = shard.dir.join(SUMS);
    let expected = shard.manifest.sums.as_ref().ok_or_else(|| {
        Error::input(format!(
            "{}: lists no {SUMS}, which an annual run's shard writes",
            shard.dir.join(MANIFEST).display()
        ))
    })?;
    let (types, sections) = shape.columns;
    // Totals of 16 bytes and largest breaches of 8 a year (and the treaties' layers' sums),
    // and at most one large amount a year per exposure and total (compressed, it is less).
    let (per_risk, events) = shape.ceded_values();
    let ceded = 16u64.saturating_mul((events as u64).saturating_add(per_risk as u64));
    let years = shape.iterations.saturating_mul(16 * (10 + types + sections) as u64).saturating_add(ceded);
    let exposures = (shard.exposures().len() as u64).saturating_mul(years);
    let most = years.saturating_add(exposures).saturating_add(1 << 20);
    let bytes = read_verified(&shard.dir, SUMS, expected, most)?;
    PortfolioSums::from_bytes(&bytes, shape, most).map_err(|why| Error::input(format!("{}: {why}", path.display())))
}

/// The shard's rows of the year loss table for its exposures `batch` of the run's batch `b`,
/// its `k`-th table, in the columns of `want`.
pub fn read_ylt(
    shard: &Shard,
    model: &Model,
    (batch, b, k): (Range<usize>, usize, usize),
    want: &Schema,
) -> Result<DataFrame> {
    let name = ylt_file(b);
    let path = shard.dir.join(&name);
    let expected = shard.manifest.ylt.as_ref().and_then(|list| list.get(k)).ok_or_else(|| {
        Error::input(format!(
            "{}: lists no year loss table for batch {b}; simulate the shards with --ylt to merge one",
            shard.dir.join(MANIFEST).display()
        ))
    })?;
    let rows = (batch.len() as u64).saturating_mul(model.settings.iterations);
    let bytes = read_verified(&shard.dir, &name, expected, most_table_bytes(rows, 7))?;
    let frame = parse_table(&path, bytes)?;
    if frame.schema().as_ref() != want {
        return Err(Error::input(format!(
            "{}: its columns are not the year loss table's ({})",
            path.display(),
            want.iter_names().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    // Its rows are of the shard's exposures of this batch, in the run's years.
    let ids: std::collections::HashSet<&str> = model.exposures[batch].iter().map(|e| e.id.as_str()).collect();
    let rows = |e: PolarsError| Error::input(format!("{}: is not a year loss table: {e}", path.display()));
    let stray = frame
        .column("id")
        .and_then(|c| c.str())
        .map_err(rows)?
        .iter()
        .find(|id| !id.is_some_and(|id| ids.contains(id)));
    if let Some(id) = stray {
        let id = crate::text::excerpt(id.unwrap_or(""), 40);
        return Err(Error::input(format!(
            "{}: holds rows of \"{id}\", not an exposure of this shard's batch",
            path.display()
        )));
    }
    let years = model.settings.iterations;
    let late =
        frame.column("iteration").and_then(|c| c.u64()).map_err(rows)?.iter().find(|i| !i.is_some_and(|i| i < years));
    if let Some(iteration) = late {
        let shown = iteration.map_or("none".to_string(), |i| i.to_string());
        return Err(Error::input(format!("{}: holds iteration {shown} of a run of {years}", path.display())));
    }
    Ok(frame)
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
