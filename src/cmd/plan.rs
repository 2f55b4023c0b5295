//! `breachcost plan --shards N`: sizes a sharded study of the given inputs before it is
//! launched (docs/cluster.md, "6. Sizing", worked out for them): the years each shard gets, the
//! incidents it simulates and the time that takes on one core, its memory (the shard memory
//! check's estimate) and its disk (the rows of its outcome tables), and the merge's memory.
//! It simulates nothing.

use clap::Args;

use super::common::{iterations_source, planned_memory_gib, resolve_settings, RunFlags};
use super::inputs;
use super::output::outln;
use crate::engine::outcomes::stored_bytes;
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::input::Mode;
use crate::shard::{outcome_row_bytes, ShardSpec};

/// Incidents a core simulates a second, for planning: P2 (annual, policy terms, systemic
/// events, every incident type) runs 105.5 million incidents in about 44 s on 2 cores, 1.2
/// million a core-second (docs/performance.md); the sample portfolio's shards, with more
/// components an incident and their tables to write, about 0.8 million. Counted at 1 million.
pub const INCIDENTS_PER_CORE_SECOND: f64 = 1.0e6;

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub inputs: inputs::InputFiles,
    /// Number of shards N the study is split into
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub shards: u64,
    #[command(flatten)]
    pub run: RunFlags,
}

/// One shard's share of the study.
struct ShardSize {
    incidents: f64,
    rows: f64,
    disk_bytes: f64,
}

fn shard_size(model: &Model, years: u64) -> ShardSize {
    let n = years as f64;
    let mut size = ShardSize { incidents: 0.0, rows: 0.0, disk_bytes: 0.0 };
    for e in &model.exposures {
        size.incidents += match model.settings.mode {
            Mode::Breach => n,
            Mode::Annual => n * incidents_a_year(model, e),
        };
        let rows = stored_bytes(model, e, years).outcomes;
        size.rows += rows;
        size.disk_bytes += rows * outcome_row_bytes(e.width()) as f64;
    }
    size
}

/// An exposure's expected incidents a year: its own of every type and the systemic events' hits.
fn incidents_a_year(model: &Model, e: &crate::engine::ExposureModel) -> f64 {
    let systemic: f64 = e
        .systemic
        .iter()
        .map(|&s| &model.assumptions.systemic[s])
        .map(|event| {
            event.annual_rate * event.footprint.held().unwrap_or_else(|| event.footprint.dist.mean()).clamp(0.0, 1.0)
        })
        .sum();
    e.rate + e.incident_rates.iter().sum::<f64>() + systemic
}

pub fn run(args: &PlanArgs) -> Result<()> {
    let inputs = args.inputs.load()?;
    let settings = resolve_settings(args.run.overrides(), &inputs.assumptions)?;
    let source = iterations_source(args.run.iterations, &inputs.assumptions);
    let model = Model::build(&inputs.exposures, inputs.assumptions, settings)?;
    let iterations = settings.iterations;
    let blocks = iterations.div_ceil(crate::engine::BLOCK_ITERATIONS);
    if args.shards > blocks {
        return Err(Error::input(format!(
            "--shards {}: {iterations} iterations ({source}) are {blocks} blocks of {} years; use at most {blocks} shards",
            args.shards,
            crate::engine::BLOCK_ITERATIONS
        )));
    }
    let spans: Vec<u64> = (1..=args.shards)
        .map(|index| ShardSpec { index, count: args.shards }.iterations(iterations))
        .map(|range| range.end - range.start)
        .collect();
    let (fewest, most) = (spans.iter().min().copied().unwrap_or(0), spans.iter().max().copied().unwrap_or(0));
    let largest = shard_size(&model, most);
    let (shard_gib, merge_gib) = planned_memory_gib(&model, most, iterations);
    let whole = shard_size(&model, iterations);
    let unit = if settings.mode == Mode::Annual { "years" } else { "breaches" };
    let core_seconds = largest.incidents / INCIDENTS_PER_CORE_SECOND;
    outln!(
        "plan: {} exposures, {iterations} iterations ({} mode, {source}), {} shards",
        model.exposures.len(),
        settings.mode.as_str(),
        args.shards
    )?;
    outln!(
        "  iterations per shard: {fewest}–{most} {unit} (the {blocks} blocks of {} split as evenly as they go)",
        crate::engine::BLOCK_ITERATIONS
    )?;
    outln!("  incidents: about {:.3e} in the study, {:.3e} in the largest shard", whole.incidents, largest.incidents)?;
    outln!(
        "  time per shard: about {} on one core, {} on 4 (at {:.1} million incidents a second per core; time one shard before launching many)",
        duration(core_seconds),
        duration(core_seconds / 4.0),
        INCIDENTS_PER_CORE_SECOND / 1e6
    )?;
    outln!("  memory per shard: about {:.2} GiB (the shard's memory check counts the same)", shard_gib)?;
    outln!(
        "  disk per shard: about {} ({:.3e} outcome rows before compression; Parquet stores less), {} for the study",
        bytes(largest.disk_bytes),
        largest.rows,
        bytes(whole.disk_bytes)
    )?;
    outln!(
        "  merge: about {:.2} GiB of memory (a single run's, one batch at a time), reading {} of tables",
        merge_gib,
        bytes(whole.disk_bytes)
    )?;
    Ok(())
}

/// Seconds as s, min or h, for reading.
fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.1} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

/// Bytes in MB, GB or TB (powers of 1,000), for reading.
fn bytes(b: f64) -> String {
    match b {
        b if b < 1e9 => format!("{:.0} MB", b / 1e6),
        b if b < 1e12 => format!("{:.1} GB", b / 1e9),
        b => format!("{:.2} TB", b / 1e12),
    }
}
