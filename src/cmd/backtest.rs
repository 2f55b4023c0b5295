//! `breachcost backtest`: where real breaches' actual costs fall in the distributions the
//! assumptions predict for breaches of their size (see [`crate::analysis::backtest`]).

use std::path::{Path, PathBuf};

use clap::Args;

use super::common::{check_compare_memory, thread_pool, ConsoleFlags, DEFAULT_SEED};
use super::flags;
use crate::analysis::backtest::{self, Case, CaseResult, Summary};
use crate::error::{Error, Result};
use crate::report::format::Money;
use crate::report::{self, chart, output_dir, ReportFile};

/// Breaches simulated per case unless `--iterations` says otherwise.
pub const DEFAULT_ITERATIONS: u64 = 20_000;

#[derive(Args, Debug, Clone)]
pub struct BacktestArgs {
    /// Real breaches, CSV: id, affected, actual_cost; optional data_types (';'-separated), industry, cost_scope, year, source
    #[arg(long, value_name = "FILE")]
    pub cases: PathBuf,
    /// Assumptions file, TOML (default: the built-in default assumptions)
    #[arg(long, value_name = "FILE")]
    pub assumptions: Option<PathBuf>,
    /// Folder for backtest.csv, backtest_summary.csv and charts/; replaced atomically
    #[arg(long, value_name = "DIR", default_value = "reports/backtest")]
    pub out: PathBuf,
    /// Breaches simulated per case
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ITERATIONS, value_parser = flags::backtest_iterations, allow_negative_numbers = true)]
    pub iterations: u64,
    /// Random seed (default: the assumptions' simulation.seed, else 20231031)
    #[arg(long, value_name = "S", value_parser = flags::seed, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub console: ConsoleFlags,
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    let label = path.display().to_string();
    if path.is_dir() {
        return Err(Error::input(format!("{label}: is a directory; expected {what}")));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::input(format!("{label}: is not UTF-8 text (byte {})", e.utf8_error().valid_up_to())))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

pub fn run(args: &BacktestArgs) -> Result<()> {
    if args.iterations == 0 || args.iterations > backtest::MAX_ITERATIONS {
        return Err(Error::input(format!(
            "--iterations {}: expected between 1 and {}",
            args.iterations,
            backtest::MAX_ITERATIONS
        )));
    }
    let (pool, _) = thread_pool(args.console.threads)?;
    let mut guarded = vec![output_dir::Guarded { what: "the cases", path: &args.cases }];
    if let Some(path) = &args.assumptions {
        guarded.push(output_dir::Guarded { what: "the assumptions", path });
    }
    let target = output_dir::check(&args.out, &guarded)?;
    let label = args.cases.display().to_string();
    let cases = backtest::parse_cases(&read_text(&args.cases, "a cases CSV file")?, &label)?;
    let (assumptions, _) = super::inputs::load_assumptions(args.assumptions.as_deref())?;
    let seed = args.seed.or(assumptions.simulation.seed).unwrap_or(DEFAULT_SEED);
    let (used, skipped): (Vec<Case>, Vec<Case>) = cases.into_iter().partition(Case::is_total);
    if used.is_empty() {
        return Err(Error::input(format!(
            "{label}: no row has cost_scope total (or empty); {} rows are settlements or partial costs, which a backtest cannot compare with a breach's total cost",
            skipped.len()
        )));
    }
    // Every case's outcomes are kept to the end: refused up front where they would not fit.
    let model = backtest::cases_model(&used, assumptions, args.iterations, seed)?;
    check_compare_memory(&model, args.iterations, &format!("--iterations {}", args.iterations))?;
    let staging = target.stage(output_dir::Kind::Report)?;
    let results = pool.install(|| backtest::run_model(&used, &model))?;
    let summary = backtest::summarise(&results, skipped.len());
    let mut files = vec![
        ReportFile { path: "backtest.csv".into(), bytes: report::backtest::render_results(&results) },
        ReportFile {
            path: "backtest_summary.csv".into(),
            bytes: report::backtest::render_summary(&summary, args.iterations, seed),
        },
    ];
    if !args.console.no_charts {
        files.extend(pool.install(|| chart::render_backtest(&results, &summary, args.iterations, seed))?);
    }
    staging.commit(&files)?;
    if !args.console.quiet {
        super::output::print(&describe(&label, &results, &skipped, &summary, args.iterations, seed, &args.out))?;
    }
    Ok(())
}

/// The printed summary.
fn describe(
    label: &str,
    results: &[CaseResult],
    skipped: &[Case],
    summary: &Summary,
    iterations: u64,
    seed: u64,
    out: &Path,
) -> String {
    let mut s = format!(
        "Backtest of {label}: {} cases used (cost_scope total), {} skipped; {iterations} simulated breaches per case, seed {seed}\n\n",
        summary.cases_used, summary.cases_skipped
    );
    let width = results.iter().map(|r| r.id.chars().count()).max().unwrap_or(2).max(2);
    s.push_str(&format!(
        "  {:<width$}  {:>13}  {:>9}  {:>9}  {:>9}  {:>9}  {:>6}  inside 90%\n",
        "id", "affected", "actual", "p5", "p50", "p95", "rank"
    ));
    for r in results {
        s.push_str(&format!(
            "  {:<width$}  {:>13}  {:>9}  {:>9}  {:>9}  {:>9}  {:>6.3}  {}\n",
            r.id,
            r.affected,
            Money::Fixed.format(r.actual_cost),
            Money::Fixed.format(r.p5),
            Money::Fixed.format(r.p50),
            Money::Fixed.format(r.p95),
            r.percentile_rank,
            if r.inside_90 { "yes" } else { "no" }
        ));
    }
    if !skipped.is_empty() {
        s.push_str("\nSkipped (cost is not the breach's total):\n");
        for c in skipped {
            s.push_str(&format!("  {} (cost_scope {})\n", c.id, c.cost_scope));
        }
    }
    s.push_str(&format!(
        "\nCoverage of the 90% intervals: {}/{} = {:.0}% (expected ≈ 90%; chance of so few if calibrated: {:.3}); {} below p5, {} above p95\n",
        results.iter().filter(|r| r.inside_90).count(),
        summary.cases_used,
        summary.coverage_90 * 100.0,
        summary.coverage_p_value,
        summary.below_p5,
        summary.above_p95
    ));
    s.push_str(&format!("Median of actual / p50: {:.3} (1 = no bias)\n", summary.median_actual_over_p50));
    s.push_str(&format!(
        "Kolmogorov–Smirnov test of the percentile ranks against Uniform(0,1): D = {:.4}, p-value = {}{}\n",
        summary.ks_statistic,
        if summary.ks_p_value < 1e-3 {
            format!("{:.1e}", summary.ks_p_value)
        } else {
            format!("{:.3}", summary.ks_p_value)
        },
        if summary.ks_p_value < 0.05 { " (ranks not uniform at the 5% level)" } else { "" }
    ));
    s.push_str(&format!("Reports written to {}\n", out.display()));
    s
}
