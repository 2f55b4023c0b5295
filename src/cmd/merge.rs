//! `breachcost merge`: the reports of a run simulated in shards (`simulate --shard K/N`),
//! byte-identical (CSV) to the same run on one machine.

use std::path::PathBuf;

use clap::Args;

use super::inputs;
use super::simulate::{check_run_memory, run_with_progress, thread_pool, write_reports, OutputFlags};
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::Mode;
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
    output_dir::check_target(&args.out)?;
    let loaded =
        inputs::load(Some(&first.join(&manifest.exposures.copy)), Some(&first.join(&manifest.assumptions.copy)))?;
    for (what, copy, expected) in [
        ("exposures", &loaded.exposures_source, &manifest.exposures.sha256),
        ("assumptions", &loaded.assumptions_source, &manifest.assumptions.sha256),
    ] {
        if &copy.sha256 != expected {
            return Err(Error::input(format!(
                "{}: the copy of the {what} does not match the manifest's sha256 {expected}; the shard folder was altered",
                copy.path
            )));
        }
    }
    let mode = Mode::parse(&manifest.mode).ok_or_else(|| {
        Error::input(format!("{}: mode \"{}\" is not annual or breach", first.display(), manifest.mode))
    })?;
    if args.output.ord && mode != Mode::Annual {
        return Err(Error::input("--ord: Open Results Data are annual (AEP/OEP); the shards ran in breach mode"));
    }
    let settings = RunSettings { mode, iterations: manifest.iterations, seed: manifest.seed };
    let mut model = Model::build(&loaded.exposures, loaded.assumptions, settings)?;
    // The model holds all the merge needs of the rows.
    drop((loaded.exposures, loaded.exposures_bytes));
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
    let staging = output_dir::stage(&args.out)?;
    let source = ShardTables { shards, batches };
    let results = run_with_progress(&pool, &model, &source, "merging", args.output.quiet, args.output.ylt, &staging)?;
    // run.json names the inputs the shards read, not the copies.
    let exposures = InputSource { path: manifest.exposures.path.clone(), sha256: manifest.exposures.sha256.clone() };
    let assumptions =
        InputSource { path: manifest.assumptions.path.clone(), sha256: manifest.assumptions.sha256.clone() };
    let options = args.output.report_options(threads);
    write_reports(&pool, &model, &results, None, &options, [&exposures, &assumptions], staging)?;
    if !args.output.quiet {
        println!(
            "breachcost {}: merged {} shards ({} exposures, {} mode, {} iterations, seed {}); reports in {}",
            env!("CARGO_PKG_VERSION"),
            manifest.shards,
            model.exposures.len(),
            mode.as_str(),
            manifest.iterations,
            manifest.seed,
            args.out.display()
        );
    }
    Ok(())
}
