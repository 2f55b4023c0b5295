//! `breachcost merge`: the reports of a run simulated in shards (`simulate --shard K/N`),
//! byte-identical to the same run on one machine: the shards' exposures' statistics in order,
//! the portfolio's sums added, the tail years of the co-TVaR allocation re-simulated.

use std::path::PathBuf;

use clap::Args;

use super::common::{check_run_memory, progress_bar, thread_pool, write_reports, OutputFlags};
use super::inputs;
use super::output::outln;
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::{Exposures, Mode};
use crate::report::output_dir;
use crate::report::run_json::InputSource;
use crate::run::{LiveEngine, PortfolioSums, Summarised, SumsShape};
use crate::shard::{self, Shard};

#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// Shard folders written by `simulate --shard K/N`, every K from 1 to N once, in any order
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// Folder for the reports; replaced atomically when the merge completes
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub output: OutputFlags,
}

pub fn run(args: &MergeArgs) -> Result<()> {
    let (pool, threads) = thread_pool(args.output.console.threads)?;
    let shards = shard::open_shards(&args.shards)?;
    let manifest = shards[0].manifest.clone();
    let first = shards[0].dir.clone();
    let guarded: Vec<output_dir::Guarded> =
        args.shards.iter().map(|dir| output_dir::Guarded { what: "the shard folder", path: dir }).collect();
    let target = output_dir::check(&args.out, &guarded)?;
    // The first shard's copies of the inputs, checked against its manifest (size, sha256)
    // before they are parsed; errors in them name the copy.
    let exposures_copy = first.join(&manifest.exposures.copy);
    let assumptions_copy = first.join(&manifest.assumptions.copy);
    let assumptions_bytes = shard::read_input_copy(&first, &manifest.assumptions)?;
    let exposures_bytes = shard::read_input_copy(&first, &manifest.exposures)?;
    // Every other shard's copies too (their manifests name the same inputs): a shard folder
    // whose copy was altered is refused whichever shard it is.
    for other in &shards[1..] {
        shard::read_input_copy(&other.dir, &other.manifest.assumptions)?;
        shard::read_input_copy(&other.dir, &other.manifest.exposures)?;
    }
    let assumptions = inputs::assumptions_from_bytes(&assumptions_bytes, &assumptions_copy.display().to_string())?;
    let exposures = Exposures::from_file_bytes(&exposures_copy, exposures_bytes)?;
    let mode = Mode::parse(&manifest.mode).ok_or_else(|| {
        Error::input(format!("{}: mode \"{}\" is not annual or breach", first.display(), manifest.mode))
    })?;
    if args.output.ord && mode != Mode::Annual {
        return Err(Error::input("--ord: Open Results Data are annual (AEP/OEP); the shards ran in breach mode"));
    }
    let settings = RunSettings { mode, iterations: manifest.iterations, seed: manifest.seed };
    let mut model = Model::build(&exposures, assumptions, settings)?;
    // The incident type the shards' iterations are one of (`simulate --incident`).
    model.focus = crate::input::incidents::find(&manifest.incident, &model.assumptions.incidents)
        .map_err(|why| Error::input(format!("{}: incident: {why}", first.join(shard::MANIFEST).display())))?;
    // The model holds all the merge needs of the rows.
    drop((exposures, assumptions_bytes));
    // The reports name the inputs the shards read (as run.json does), not the copies.
    model.assumptions.label = manifest.assumptions.path.clone();
    model.histograms = !args.output.console.no_charts;

    check_run_memory(&model, manifest.iterations, &format!("{}: iterations {}", first.display(), manifest.iterations))?;
    let batches = crate::run::batches(&model);
    if batches.len() != manifest.batches || model.exposures.len() != manifest.exposures_count {
        return Err(Error::input(format!(
            "{}: {} exposures in {} batches, but this breachcost cuts them into {}",
            first.display(),
            manifest.exposures_count,
            manifest.batches,
            batches.len()
        )));
    }
    let work = crate::run::exposure_work(&model, model.settings.iterations);
    // (open_shards has put the shards in order of K, each once.)
    for (s, expected) in shards.iter().zip(shard::exposure_cuts(manifest.shards, &work)) {
        if s.exposures() != expected {
            return Err(Error::input(format!(
                "{}: first_exposure..end_exposure is {}..{}, but shard {}/{} of this run is {}..{}; the manifest was altered",
                s.dir.join(shard::MANIFEST).display(),
                s.manifest.first_exposure,
                s.manifest.end_exposure,
                s.manifest.shard,
                s.manifest.shards,
                expected.start,
                expected.end
            )));
        }
    }
    let staging = target.stage(output_dir::Kind::Report)?;
    let started = std::time::Instant::now();
    let bar = progress_bar(shards.len() as u64, "merging shards", args.output.console.quiet);
    let summarised = read_shards(&pool, &model, &shards, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let results = pool.install(|| crate::run::finish(&model, summarised, &LiveEngine::<Error>::default(), started))?;
    if args.output.ylt {
        merge_ylt(&model, &shards, &batches, &results, staging.path())?;
    }
    // run.json names the inputs the shards read, not the copies.
    let exposures = InputSource { path: manifest.exposures.path.clone(), sha256: manifest.exposures.sha256.clone() };
    let assumptions =
        InputSource { path: manifest.assumptions.path.clone(), sha256: manifest.assumptions.sha256.clone() };
    let options = args.output.report_options(threads);
    write_reports(&pool, &model, &results, None, &options, [&exposures, &assumptions], staging)?;
    if !args.output.console.quiet {
        if let Some(warning) = crate::run::premium::unlimited_warning(&model) {
            super::output::warn(&warning);
        }
        outln!(
            "breachcost {}: merged {} shards ({} exposures, {} mode, {} iterations, seed {}); reports in {}",
            env!("CARGO_PKG_VERSION"),
            manifest.shards,
            model.exposures.len(),
            mode.as_str(),
            manifest.iterations,
            manifest.seed,
            args.out.display()
        )?;
    }
    Ok(())
}

/// The shards' exposures' statistics in order and the portfolio's sums added up: what a
/// single run summarises; `done` is called as each shard is read.
fn read_shards(pool: &rayon::ThreadPool, model: &Model, shards: &[Shard], done: &dyn Fn()) -> Result<Summarised> {
    let annual = model.settings.mode == Mode::Annual;
    let mut exposures = Vec::with_capacity(model.exposures.len());
    let mut sums: Option<PortfolioSums> = None;
    let mut independent = None;
    // (The shape draws the run's systemic schedule where treaties need it: once, for every shard.)
    let shape = annual.then(|| SumsShape::of(model));
    for s in shards {
        // The results are parsed while the sums are read.
        let (results, part) = pool.install(|| {
            rayon::join(
                || shard::read_results(s, model, s.exposures()),
                || shape.as_ref().map(|shape| shard::read_sums(s, shape)).transpose(),
            )
        });
        let (results, own) = results?;
        exposures.extend(results);
        independent = independent.or(own);
        if let Some(part) = part? {
            match sums.as_mut() {
                Some(total) => total.add_sums(part),
                None => sums = Some(part),
            }
        }
        done();
    }
    if !model.histograms {
        for e in &mut exposures {
            e.gross_histogram = None;
        }
    }
    // Each count is within what its years allow (checked as read); their total must fit too.
    let simulated_breaches = exposures.iter().try_fold(0u64, |total, e| total.checked_add(e.simulated_breaches));
    let simulated_breaches = simulated_breaches.ok_or_else(|| {
        Error::input(
            "merge: the shards' breach counts add up past the largest a run can hold; a results.json was altered",
        )
    })?;
    // A lone exposure without treaties is its own portfolio, as in a single run.
    let lone = annual && model.exposures.len() == 1 && model.assumptions.treaties.is_empty();
    let (sums, single) = match sums {
        Some(years) if lone => (None, Some(years.single_years(independent))),
        other => (other, None),
    };
    Ok(Summarised { exposures, sums, single, simulated_breaches, simulation_seconds: 0.0 })
}

/// `ylt.parquet` from the shards' tables: each batch of the run's rows, from the shards that
/// hold its exposures in order, written as a single run writes that batch.
fn merge_ylt(
    model: &Model,
    shards: &[Shard],
    batches: &[std::ops::Range<usize>],
    results: &crate::run::RunResults,
    dir: &std::path::Path,
) -> Result<()> {
    let mut writer = crate::report::ylt::YltWriter::new(dir);
    // Per shard, the run's batches it holds exposures of, in order.
    let owned: Vec<Vec<(usize, std::ops::Range<usize>)>> =
        shards.iter().map(|s| shard::own_batches(batches, &s.exposures())).collect();
    let want = crate::report::ylt::frame(model, &[]).map_err(|e| Error::failure(format!("year loss table: {e}")))?;
    let want = want.schema();
    for b in 0..batches.len() {
        let mut frame: Option<polars::prelude::DataFrame> = None;
        for (s, own) in shards.iter().zip(&owned) {
            if let Some(k) = own.iter().position(|(n, _)| *n == b) {
                let part = shard::read_ylt(s, model, (own[k].1.clone(), b, k), want)?;
                frame = Some(match frame {
                    None => part,
                    Some(mut f) => {
                        f.vstack_mut(&part).map_err(|e| Error::failure(format!("merging the year loss table: {e}")))?;
                        f
                    }
                });
            }
        }
        if let Some(frame) = frame {
            writer.write_frame(frame)?;
        }
    }
    writer.finish(model, results)
}
