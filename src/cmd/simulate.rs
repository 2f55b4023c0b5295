//! `breachcost simulate`: the main job. Monte Carlo over the exposures, then the reports.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::inputs;
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::Mode;
use crate::report::{self, output_dir, run_json, ReportFile};

/// Options of `simulate`; flags override the assumptions' `[simulation]` table.
#[derive(Args, Debug, Clone)]
pub struct SimulateArgs {
    /// Exposures table, CSV or Parquet (default: the built-in sample portfolio)
    #[arg(long, value_name = "FILE")]
    pub exposures: Option<PathBuf>,
    /// Assumptions file, TOML (default: the built-in default assumptions)
    #[arg(long, value_name = "FILE")]
    pub assumptions: Option<PathBuf>,
    /// Folder for the reports; replaced atomically when the run completes
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    pub out: PathBuf,
    /// `annual`: one iteration = one policy year; `breach`: one iteration = one breach
    #[arg(long, value_parser = ["annual", "breach"])]
    pub mode: Option<String>,
    /// Number of iterations (years, or breaches in breach mode)
    #[arg(long, value_name = "N")]
    pub iterations: Option<u64>,
    /// Random seed; the same seed and inputs give byte-identical CSV reports
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Print nothing but errors
    #[arg(long)]
    pub quiet: bool,
    /// Skip the charts and report.html (for batch runs)
    #[arg(long)]
    pub no_charts: bool,
    /// Also write Open Results Data (Oasis ORD) files of the insured loss into DIR/ord/
    #[arg(long)]
    pub ord: bool,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Memory a run may plan to use.
const MEMORY_BUDGET_BYTES: f64 = 16.0 * GIB;

/// Defaults when neither the flags nor the assumptions set them.
pub const DEFAULT_ITERATIONS: u64 = 100_000;
pub const DEFAULT_SEED: u64 = 20231031;

/// Resolves run settings: flags over the `[simulation]` table over the built-in defaults.
pub fn settings(args: &SimulateArgs, assumptions: &crate::input::Assumptions) -> Result<RunSettings> {
    let mode = match args.mode.as_deref() {
        Some(m) => Mode::parse(m).ok_or_else(|| Error::input(format!("--mode {m}: expected annual or breach")))?,
        None => assumptions.simulation.mode.unwrap_or(Mode::Annual),
    };
    let iterations = args.iterations.or(assumptions.simulation.iterations).unwrap_or(DEFAULT_ITERATIONS);
    let source = if args.iterations.is_some() {
        format!("--iterations {iterations}")
    } else {
        format!("{}: simulation.iterations: {iterations}", assumptions.label)
    };
    if iterations == 0 {
        return Err(Error::input(format!("{source}: expected at least 1")));
    }
    // The portfolio keeps six numbers per iteration (and sorts copies); refuse what cannot fit.
    let portfolio_bytes = iterations as f64 * 6.0 * 8.0 * 2.0;
    if mode == Mode::Annual && portfolio_bytes > MEMORY_BUDGET_BYTES {
        return Err(Error::input(format!(
            "{source}: needs about {:.1} GiB of memory for the portfolio's per-year totals, more than the {:.0} GiB budget; use at most {} iterations",
            portfolio_bytes / GIB,
            MEMORY_BUDGET_BYTES / GIB,
            (MEMORY_BUDGET_BYTES / (6.0 * 8.0 * 2.0)) as u64
        )));
    }
    let seed = args.seed.or(assumptions.simulation.seed).unwrap_or(DEFAULT_SEED);
    Ok(RunSettings { mode, iterations, seed })
}

pub fn run(args: &SimulateArgs) -> Result<()> {
    let threads = match args.threads {
        Some(0) => return Err(Error::input("--threads 0: expected at least 1")),
        Some(t) => t,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    output_dir::check_target(&args.out)?;
    let inputs = inputs::load(args.exposures.as_deref(), args.assumptions.as_deref())?;
    let settings = settings(args, &inputs.assumptions)?;
    if args.ord && settings.mode != Mode::Annual {
        return Err(Error::input("--ord: Open Results Data are annual (AEP/OEP); run with --mode annual"));
    }
    let model = Model::build(&inputs.exposures, inputs.assumptions, settings)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::failure(format!("cannot start {threads} threads: {e}")))?;
    let total = settings.iterations.saturating_mul(model.exposures.len() as u64);
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} simulating {bar:40} {percent:>3}% eta {eta}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = |done: u64| bar.inc(done);
    let results = pool.install(|| crate::run::run(&model, &progress));
    bar.finish_and_clear();

    let mut files: Vec<ReportFile> = report::csv_reports(&model, &results, args.ord);
    if !args.no_charts {
        files.extend(report::visual::render(&model, &results)?);
    }
    files.push(ReportFile {
        path: "run.json".into(),
        bytes: run_json::render(&model, &results, threads, &inputs.exposures_source, &inputs.assumptions_source),
    });
    output_dir::write_atomically(&args.out, &files)?;

    if !args.quiet {
        print_headline(&model, &results, &args.out);
    }
    Ok(())
}

fn print_headline(model: &Model, results: &crate::run::RunResults, out: &std::path::Path) {
    use crate::report::human::money;
    let s = model.settings;
    println!(
        "breachcost {}: {} exposures, {} mode, {} iterations, seed {}",
        env!("CARGO_PKG_VERSION"),
        model.exposures.len(),
        s.mode.as_str(),
        s.iterations,
        s.seed
    );
    let per = if s.mode == Mode::Annual { "annual loss" } else { "breach cost" };
    println!("{:<24} {:>12} {:>12} {:>12} {:>12} {:>12}", "id", "mean", "p50", "p95", "p99", "tvar_99");
    let line = |id: &str, m: &crate::run::MeasureResult| {
        let x = &m.summary;
        println!(
            "{:<24} {:>12} {:>12} {:>12} {:>12} {:>12}",
            id,
            money(x.mean),
            money(x.p50),
            money(x.p95),
            money(x.p99),
            money(x.tvar_99)
        );
    };
    const SHOWN: usize = 30;
    for e in results.exposures.iter().take(SHOWN) {
        line(&e.id, &e.measures.gross);
    }
    if results.exposures.len() > SHOWN {
        println!("... {} more in summary.csv", results.exposures.len() - SHOWN);
    }
    if let Some(p) = &results.portfolio {
        line(report::PORTFOLIO_ID, &p.gross);
    }
    println!(
        "gross {per}; {} breaches simulated in {:.2} s ({:.2} million/s); reports in {}",
        results.simulated_breaches,
        results.wall_seconds,
        results.simulated_breaches as f64 / results.wall_seconds.max(1e-9) / 1e6,
        out.display()
    );
}
