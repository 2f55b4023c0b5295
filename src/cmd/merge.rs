//! `breachcost merge`: the reports of a run simulated in shards (`simulate --shard K/N`),
//! byte-identical (CSV) to the same run on one machine.

use std::path::PathBuf;

use clap::Args;

use super::common::{check_run_memory, run_with_progress, thread_pool, write_reports, OutputFlags};
use super::inputs;
use super::output::outln;
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::{Exposures, Mode};
use crate::report::output_dir;
use crate::report::run_json::InputSource;
use crate::shard::{self, ShardTables};

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
    let (pool, threads) = thread_pool(args.output.threads)?;
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
    model.histograms = !args.output.no_charts;

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
    let staging = target.stage(output_dir::Kind::Report)?;
    let source = ShardTables::new(shards, batches);
    let results = run_with_progress(&pool, &model, &source, "merging", args.output.quiet, args.output.ylt, &staging)?;
    // run.json names the inputs the shards read, not the copies.
    let exposures = InputSource { path: manifest.exposures.path.clone(), sha256: manifest.exposures.sha256.clone() };
    let assumptions =
        InputSource { path: manifest.assumptions.path.clone(), sha256: manifest.assumptions.sha256.clone() };
    let options = args.output.report_options(threads);
    write_reports(&pool, &model, &results, None, &options, [&exposures, &assumptions], staging)?;
    if !args.output.quiet {
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
