//! The run plumbing the subcommands share: the worker pool, progress on the terminal, the
//! run settings, the memory check before a run, and writing a run's reports. A subcommand
//! imports this module (and `flags`, `inputs`, `output`), never another subcommand.

use std::io::IsTerminal;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::flags;
use crate::analysis::convergence::Convergence;
use crate::analysis::records_curve::records_curve;
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::{Assumptions, Exposures, Mode};
use crate::memory;
use crate::report::run_json::{self, InputSource};
use crate::report::ylt::YltWriter;
use crate::report::{self, output_dir, ReportFile};
use crate::run::{OutcomeSource, RunResults};
use crate::shard::ShardSpec;

/// The options every command that simulates shares: its worker threads, whether it prints,
/// whether it draws.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct ConsoleFlags {
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long, value_name = "T", value_parser = flags::threads, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Print nothing but errors
    #[arg(long)]
    pub quiet: bool,
    /// Skip the charts and report.html (for batch runs)
    #[arg(long)]
    pub no_charts: bool,
}

/// The options `simulate` and `merge` share: the console's, and which reports to write.
#[derive(Args, Debug, Clone)]
pub struct OutputFlags {
    #[command(flatten)]
    pub console: ConsoleFlags,
    /// Also write Open Results Data (Oasis ORD) files of the insured loss into DIR/ord/
    #[arg(long)]
    pub ord: bool,
    /// Also write the year loss table DIR/ylt.parquet (iteration, id, gross, retained, insured)
    #[arg(long)]
    pub ylt: bool,
    /// Also write pricing.xlsx, a workbook of the pricing tables with live premium formulas
    #[arg(long)]
    pub xlsx: bool,
}

impl OutputFlags {
    /// What goes into the report folder, for a run on `threads` threads.
    pub fn report_options(&self, threads: usize) -> ReportOptions {
        ReportOptions { ord: self.ord, charts: !self.console.no_charts, xlsx: self.xlsx, threads }
    }
}

/// Defaults when neither the flags nor the assumptions set them.
pub const DEFAULT_ITERATIONS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 20231031;

/// The `[simulation]` flags `simulate` and `sensitivity` share (`sensitivity` words their
/// help for its analysis).
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct RunFlags {
    /// `annual`: one iteration = one policy year; `breach`: one iteration = one breach
    #[arg(long, value_enum)]
    pub mode: Option<flags::ModeFlag>,
    /// Number of iterations (years, or breaches in breach mode)
    #[arg(long, value_name = "N", value_parser = flags::iterations, allow_negative_numbers = true)]
    pub iterations: Option<u64>,
    /// Random seed; the same seed and inputs give byte-identical CSV reports
    #[arg(long, value_name = "S", value_parser = flags::seed, allow_negative_numbers = true)]
    pub seed: Option<u64>,
}

impl RunFlags {
    /// The settings given, to lay over the assumptions' `[simulation]` table.
    pub fn overrides(&self) -> Overrides {
        Overrides { mode: self.mode.map(Mode::from), iterations: self.iterations, seed: self.seed }
    }
}

/// The `[simulation]` values given on a command line (`None`: not given).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    pub mode: Option<Mode>,
    pub iterations: Option<u64>,
    pub seed: Option<u64>,
}

/// Resolves run settings: command-line overrides over the `[simulation]` table over the defaults.
pub fn resolve_settings(args: Overrides, assumptions: &Assumptions) -> Result<RunSettings> {
    let mode = args.mode.or(assumptions.simulation.mode).unwrap_or(Mode::Annual);
    let iterations = args.iterations.or(assumptions.simulation.iterations).unwrap_or(DEFAULT_ITERATIONS);
    let source = iterations_source(args.iterations, assumptions);
    if iterations == 0 {
        return Err(Error::input(format!("{source}: expected at least 1")));
    }
    let seed = args.seed.or(assumptions.simulation.seed).unwrap_or(DEFAULT_SEED);
    Ok(RunSettings { mode, iterations, seed })
}

/// Where the number of iterations in force comes from, for error messages: the flag, the
/// assumptions file's key, or the default.
pub fn iterations_source(flag: Option<u64>, assumptions: &Assumptions) -> String {
    match (flag, assumptions.simulation.iterations) {
        (Some(n), _) => format!("--iterations {n}"),
        (None, Some(n)) => format!("{}: simulation.iterations: {n}", assumptions.label),
        (None, None) => format!("{DEFAULT_ITERATIONS} iterations (the default)"),
    }
}

/// Keeps only the exposure `id` (`--id`) of `exposures`; without one, refuses breach mode
/// with several exposures, `what` (e.g. "a sensitivity analysis") being of one exposure's breach.
pub fn choose_exposure(exposures: &mut Exposures, id: Option<&str>, mode: Mode, what: &str) -> Result<()> {
    let rows = &mut exposures.rows;
    match id {
        Some(id) => {
            if !rows.iter().any(|r| r.id == id) {
                let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                let hint = crate::input::toml_section::nearest(id, &ids)
                    .map(|k| format!(" (did you mean \"{k}\"?)"))
                    .unwrap_or_default();
                return Err(Error::input(format!("--id {id}: {} has no exposure with this id{hint}", exposures.label)));
            }
            rows.retain(|r| r.id == id);
        }
        None if mode == Mode::Breach && rows.len() > 1 => {
            let shown: Vec<&str> = rows.iter().take(5).map(|r| r.id.as_str()).collect();
            return Err(Error::input(format!(
                "--mode breach: {what} in breach mode is of one exposure's breach, and {} has {}; choose one with --id (e.g. {}{})",
                exposures.label,
                rows.len(),
                shown.join(", "),
                if rows.len() > shown.len() { ", ..." } else { "" }
            )));
        }
        None => {}
    }
    Ok(())
}

/// The worker pool for `--threads` (default: all cores, at most [`flags::MAX_THREADS`]), and
/// its size.
pub fn thread_pool(threads: Option<usize>) -> Result<(rayon::ThreadPool, usize)> {
    let threads = match threads {
        Some(t) if t == 0 || t > flags::MAX_THREADS => {
            return Err(Error::input(format!("--threads {t}: expected from 1 to {}", flags::MAX_THREADS)))
        }
        Some(t) => t,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(flags::MAX_THREADS),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::failure(format!("cannot start {threads} threads: {e}")))?;
    Ok((pool, threads))
}

/// What goes into a report folder besides the CSV reports.
pub struct ReportOptions {
    pub ord: bool,
    pub charts: bool,
    /// `pricing.xlsx`, the workbook of the tables.
    pub xlsx: bool,
    pub threads: usize,
}

/// Renders the reports (CSV, charts, run.json, and pricing.xlsx when asked) into `staging`
/// and moves it into place.
pub fn write_reports(
    pool: &rayon::ThreadPool,
    model: &Model,
    results: &RunResults,
    convergence: Option<&Convergence>,
    options: &ReportOptions,
    [exposures, assumptions]: [&InputSource; 2],
    staging: output_dir::Staging<'_>,
) -> Result<()> {
    results.check_finite(model)?;
    // The tables and the charts are rendered side by side, on the run's threads; the
    // workbook is read from the tables as rendered, so that the two cannot disagree.
    let ((mut files, workbook), charts) = pool.install(|| {
        rayon::join(
            || {
                let files = report::csv_reports(model, results, options.ord);
                let workbook = options.xlsx.then(|| report::workbook::render(model, &files, [exposures, assumptions]));
                (files, workbook)
            },
            || match options.charts {
                true => {
                    let records_curve = records_curve(model)?;
                    report::page::report::render(model, results, &records_curve, convergence)
                }
                false => Ok(Vec::new()),
            },
        )
    });
    if let Some(c) = convergence {
        files.push(ReportFile { path: "convergence.csv".into(), bytes: report::convergence::render(c) });
    }
    if let Some(bytes) = workbook.transpose()? {
        files.push(ReportFile { path: report::workbook::FILE.into(), bytes });
    }
    files.extend(charts?);
    files.push(ReportFile {
        path: "run.json".into(),
        bytes: run_json::render(model, results, options.threads, exposures, assumptions),
    });
    staging.commit(&files)
}

/// Runs the model over `source`'s outcomes with a progress bar, writing the year loss table
/// into `staging` as batches arrive when `ylt` is asked for.
pub fn run_with_progress<S: OutcomeSource<Error = Error>>(
    pool: &rayon::ThreadPool,
    model: &Model,
    source: &S,
    what: &str,
    quiet: bool,
    ylt: bool,
    staging: &output_dir::Staging,
) -> Result<RunResults> {
    let total = model.settings.iterations.saturating_mul(model.exposures.len() as u64);
    let bar = progress_bar(total, what, quiet);
    let progress = |done: u64| bar.inc(done);
    let mut ylt = ylt.then(|| YltWriter::new(staging.path()));
    let results = pool.install(|| {
        crate::run::run_from(model, source, &progress, &mut |outcomes| match ylt.as_mut() {
            Some(writer) => writer.write(model, outcomes),
            None => Ok(()),
        })
    })?;
    bar.finish_and_clear();
    if let Some(writer) = ylt {
        writer.finish(model, &results)?;
    }
    Ok(results)
}

/// A progress bar on a terminal (hidden otherwise, or with `quiet`).
pub fn progress_bar(total: u64, what: &str, quiet: bool) -> ProgressBar {
    if !quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template(&format!("{{spinner}} {what} {{bar:40}} {{percent:>3}}% eta {{eta}}"))
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// Refuses, with an estimate and what would fit, a run whose inputs, outcomes, statistics and
/// reports would not fit in memory ([`crate::memory`]); `source` says where the number of
/// iterations came from.
pub fn check_run_memory(model: &Model, iterations: u64, source: &str) -> Result<()> {
    memory::check(&|n| memory::estimate(model, n), model.exposures.len(), iterations, source)
}

/// [`check_run_memory`] for shard `spec` of a run of `iterations`: a shard simulates only its
/// batches of exposures, and keeps their statistics and the portfolio's sums.
pub fn check_shard_memory(model: &Model, spec: ShardSpec, iterations: u64, source: &str) -> Result<()> {
    let estimate = |n: u64| memory::shard_estimate(model, n, spec.exposures(&crate::run::exposure_work(model, n)));
    memory::check(&estimate, model.exposures.len(), iterations, source)
}

/// [`check_run_memory`] for an analysis's runs (sensitivity) of `iterations` each.
pub fn check_analysis_memory(model: &Model, iterations: u64, source: &str) -> Result<()> {
    memory::check(&|n| memory::analysis_estimate(model, n), model.exposures.len(), iterations, source)
}

/// [`check_run_memory`] for a comparison's runs (`compare`), each keeping its years.
pub fn check_compare_memory(model: &Model, iterations: u64, source: &str) -> Result<()> {
    memory::check(&|n| memory::compare_estimate(model, n), model.exposures.len(), iterations, source)
}

/// The memory, in GiB, that the shard of exposures `exposures` and the merge of the study
/// (a single run's) are estimated to use: what their memory checks count.
pub fn planned_memory_gib(model: &Model, exposures: std::ops::Range<usize>) -> (f64, f64) {
    let iterations = model.settings.iterations;
    let shard = memory::shard_estimate(model, iterations, exposures).total;
    (memory::gib(shard), memory::gib(memory::estimate(model, iterations).total))
}
