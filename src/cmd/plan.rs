//! `breachcost plan --shards N`: sizes a sharded study of the given inputs before it is
//! launched (docs/cluster.md, "6. Sizing", worked out for them): the exposures each shard gets,
//! the incidents it simulates and the time that takes on one core, its memory (the shard memory
//! check's estimate) and its disk (its exposures' statistics and the portfolio's year sums;
//! the year loss table's rows with `--ylt`), and the merge's memory and time. It simulates
//! nothing.

use clap::Args;

use super::common::{iterations_source, planned_memory_gib, resolve_settings, RunFlags};
use super::inputs;
use super::output::outln;
use crate::engine::outcomes::stored_bytes;
use crate::engine::Model;
use crate::error::Result;
use crate::input::Mode;

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
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000), allow_negative_numbers = true)]
    pub shards: u64,
    #[command(flatten)]
    pub run: RunFlags,
}

/// One shard's share of the study.
#[derive(Default)]
struct ShardSize {
    exposures: usize,
    incidents: f64,
    /// Rows of the year loss table (`--ylt`).
    rows: f64,
    /// Its exposures' statistics and the portfolio's year sums.
    disk_bytes: f64,
}

/// Bytes of a row of the year loss table before compression: iteration, id, three amounts.
const YLT_ROW_BYTES: f64 = 8.0 + 16.0 + 3.0 * 8.0;

/// Bytes of one number in `results.json`, its field's name included: measured at about 16 on
/// P2's shards (9.8 KB an exposure).
const RESULT_NUMBER_BYTES: f64 = 16.0;

fn shard_size(model: &Model, exposures: std::ops::Range<usize>) -> ShardSize {
    let n = model.settings.iterations as f64;
    let mut size = ShardSize { exposures: exposures.len(), ..Default::default() };
    for e in &model.exposures[exposures] {
        size.incidents += match model.settings.mode {
            Mode::Breach => n,
            Mode::Annual => n * incidents_a_year(model, e),
        };
        size.rows += stored_bytes(model, e, model.settings.iterations).outcomes;
        // Three measures of 62 figures, nine a cost column, a histogram and increased limits.
        let numbers = 3.0 * 62.0 + 9.0 * e.width() as f64 + 131.0 + 40.0;
        size.disk_bytes += numbers * RESULT_NUMBER_BYTES;
    }
    size
}

/// The bytes of a shard's portfolio sums (annual mode), compressed: its columns of year totals
/// and largest breaches (two without systemic events where there are any), each about 6 bytes
/// a year in the years it is not zero (measured: 5–7; zeros compress to nearly
/// nothing). A year has some incident with probability 1 − e^−Λ, Λ the study's incidents a
/// year; an incident type's column, 1 − e^−Λ_type.
fn sums_bytes(model: &Model) -> f64 {
    if model.settings.mode != Mode::Annual {
        return 0.0;
    }
    let nonzero = |rate: f64| 1.0 - (-rate).exp();
    let all: f64 = model.exposures.iter().map(|e| incidents_a_year(model, e)).sum();
    let types = crate::input::incidents::type_columns(model.assumptions.incidents.len());
    let by_type: f64 = (0..types)
        .map(|t| {
            let rate: f64 = model
                .exposures
                .iter()
                .map(|e| if t == 0 { e.rate } else { e.incident_rates.get(t - 1).copied().unwrap_or(0.0) })
                .sum();
            nonzero(rate)
        })
        .sum();
    let systemic = !crate::engine::SystemicSchedule::is_inactive(model);
    let whole_columns = 6.0 + if systemic { 3.0 } else { 0.0 } + model.assumptions.sections.len() as f64;
    model.settings.iterations as f64 * 6.0 * (whole_columns * nonzero(all) + by_type)
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
    let work = crate::run::exposure_work(&model, iterations);
    let cuts = crate::shard::exposure_cuts(args.shards, &work);
    let shares: Vec<ShardSize> = cuts.iter().map(|exposures| shard_size(&model, exposures.clone())).collect();
    let (fewest, most) =
        (shares.iter().map(|s| s.exposures).min().unwrap_or(0), shares.iter().map(|s| s.exposures).max().unwrap_or(0));
    // The shard with the most incidents (0-based; N ≥ 1, so there is one).
    let k = (0..shares.len()).max_by(|a, b| shares[*a].incidents.total_cmp(&shares[*b].incidents)).unwrap_or(0);
    let (largest, busiest) = (&shares[k], k + 1);
    let (shard_gib, merge_gib) = planned_memory_gib(&model, cuts[k].clone());
    let whole = shard_size(&model, 0..model.exposures.len());
    let sums = sums_bytes(&model);
    let unit = if settings.mode == Mode::Annual { "years" } else { "breaches" };
    let core_seconds = largest.incidents / INCIDENTS_PER_CORE_SECOND;
    outln!(
        "plan: {} exposures, {iterations} {unit} ({} mode, {source}), {} shards",
        model.exposures.len(),
        settings.mode.as_str(),
        args.shards
    )?;
    outln!("  exposures per shard: {fewest}–{most} (dealt out in runs of about equal expected work; every shard simulates all {iterations} {unit})")?;
    if (model.exposures.len() as u64) < args.shards {
        outln!(
            "  note: {} shards have no exposure (fewer exposures than shards); they finish at once",
            args.shards - model.exposures.len() as u64
        )?;
    }
    outln!(
        "  incidents: about {:.3e} in the study, {:.3e} in the largest shard ({busiest}/{})",
        whole.incidents,
        largest.incidents,
        args.shards
    )?;
    outln!(
        "  time per shard: about {} on one core, {} on 4 (at {:.1} million incidents a second per core; time one shard before launching many)",
        duration(core_seconds),
        duration(core_seconds / 4.0),
        INCIDENTS_PER_CORE_SECOND / 1e6
    )?;
    outln!("  memory per shard: about {:.2} GiB (the shard's memory check counts the same)", shard_gib)?;
    outln!(
        "  disk per shard: about {} (its exposures' statistics and the portfolio's year sums), {} for the study; --ylt adds about {} ({:.3e} rows before compression)",
        bytes(largest.disk_bytes + sums),
        bytes(whole.disk_bytes + sums * args.shards as f64),
        bytes(whole.rows * YLT_ROW_BYTES),
        whole.rows
    )?;
    // The merge re-simulates the 1% of years in the portfolio's tail for the co-TVaR allocation.
    let tail = if settings.mode == Mode::Annual && model.exposures.len() > 1 { 0.01 } else { 0.0 };
    outln!(
        "  merge: about {:.2} GiB of memory (a single run's statistics), reading {}; about {} on one core re-simulating the tail years",
        merge_gib,
        bytes(whole.disk_bytes + sums * args.shards as f64),
        duration(whole.incidents * tail / INCIDENTS_PER_CORE_SECOND)
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
