//! `breachcost sensitivity`: which input drives the number (a tornado), and each
//! component's share of the variance. See [`crate::analysis::sensitivity`] for the method.

use std::path::PathBuf;

use clap::Args;

use super::common::{
    check_analysis_memory, choose_exposure, progress_bar, resolve_settings, thread_pool, ConsoleFlags, Overrides,
    RunFlags,
};
use super::inputs;
use super::output::outln;
use crate::analysis::convergence::target_exposures;
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::report::format::{money, percent_one_decimal as share};
use crate::report::sensitivity_table::input_value;
use crate::report::{self, output_dir, ReportFile};

/// Options of `sensitivity`; flags override the assumptions' `[simulation]` table, except
/// the iterations, which default to 20,000 per run (the analysis makes about two runs per input).
#[derive(Args, Debug, Clone)]
#[command(
    mut_arg("mode", |a| a.help("`annual`: the portfolio's annual loss; `breach`: one exposure's cost of a breach (needs --id with several exposures)")),
    mut_arg("iterations", |a| a.help("Iterations per run (default 20,000; not the assumptions' [simulation] iterations)")),
    mut_arg("seed", |a| a.help("Random seed, shared by every run (common random numbers)")),
)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub inputs: inputs::InputFiles,
    /// Folder for the reports; replaced atomically when the analysis completes
    #[arg(long, value_name = "DIR", default_value = "reports/sensitivity")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunFlags,
    /// Analyse this exposure alone instead of the portfolio
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    #[command(flatten)]
    pub console: ConsoleFlags,
}

pub fn run(args: &SensitivityArgs) -> Result<()> {
    let (pool, threads) = thread_pool(args.console.threads)?;
    let target = output_dir::check(&args.out, &args.inputs.guarded())?;
    let mut inputs = args.inputs.load()?;
    let given = args.run.overrides();
    let overrides =
        Overrides { iterations: Some(given.iterations.unwrap_or(sensitivity::DEFAULT_ITERATIONS)), ..given };
    let settings = resolve_settings(overrides, &inputs.assumptions)?;
    choose_exposure(&mut inputs.exposures, args.id.as_deref(), settings.mode, "a sensitivity analysis")?;
    let model = Model::build(&inputs.exposures, inputs.assumptions, settings)?;
    let source = format!("--iterations {}", settings.iterations);
    check_analysis_memory(&model, settings.iterations, &source)?;
    // The baseline keeps every iteration's cost per component, for the variance shares.
    let bytes = settings.iterations as f64 * (model.assumptions.components.len() + 3) as f64 * 8.0;
    if bytes > MEMORY_BUDGET_BYTES {
        let most = (MEMORY_BUDGET_BYTES / ((model.assumptions.components.len() + 3) as f64 * 8.0)) as u64;
        return Err(Error::input(format!(
            "--iterations {}: the analysis keeps every iteration's cost per component, about {:.1} GiB, more than the {:.0} GiB budget; use at most {most} iterations",
            settings.iterations,
            bytes / GIB,
            MEMORY_BUDGET_BYTES / GIB
        )));
    }

    let staging = target.stage(output_dir::Kind::Report)?;
    let per_run = settings.iterations.saturating_mul(target_exposures(&model).len() as u64);
    let total = sensitivity::planned_runs(&model).saturating_mul(per_run);
    let bar = progress_bar(total, "sensitivity", args.console.quiet);
    let progress = |done: u64| bar.inc(done);
    let analysis = pool.install(|| sensitivity::analyse(&model, &progress));
    bar.finish_and_clear();
    let analysis = analysis?;

    let mut files = vec![
        ReportFile { path: "sensitivity.csv".into(), bytes: report::sensitivity_table::render(&analysis) },
        ReportFile {
            path: "variance_shares.csv".into(),
            bytes: report::sensitivity_table::render_variance_shares(&analysis),
        },
        ReportFile { path: "baseline.csv".into(), bytes: report::sensitivity_table::render_baseline(&analysis) },
    ];
    if !args.console.no_charts {
        files.extend(report::page::sensitivity::render(&model, &analysis)?);
    }
    files.push(ReportFile {
        path: "run.json".into(),
        bytes: report::sensitivity_table::render_run_json(
            &model,
            &analysis,
            threads,
            &inputs.exposures_source,
            &inputs.assumptions_source,
        ),
    });
    staging.commit(&files)?;
    if !args.console.quiet {
        print_summary(&model, &analysis, &args.out)?;
    }
    Ok(())
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Memory the analysis may plan to use for per-iteration component costs.
const MEMORY_BUDGET_BYTES: f64 = 8.0 * GIB;

/// Inputs listed on the terminal at most; the CSV holds all.
const SHOWN: usize = 15;

fn print_summary(model: &Model, s: &Sensitivity, out: &std::path::Path) -> Result<()> {
    let settings = model.settings;
    let target = if s.annual && s.exposures > 1 {
        format!("{} ({} exposures)", s.target, s.exposures)
    } else {
        s.target.clone()
    };
    outln!(
        "breachcost {} sensitivity: {target}, {} mode, {} iterations per run, {} runs, seed {}",
        env!("CARGO_PKG_VERSION"),
        settings.mode.as_str(),
        settings.iterations,
        s.runs,
        settings.seed
    )?;
    let what = if s.annual { "annual loss" } else { "breach cost" };
    outln!(
        "{:<36} {:>12} {:>12} {:>13} {:>13} {:>12} {:>6}",
        "input",
        "10th pct",
        "90th pct",
        "mean at 10th",
        "mean at 90th",
        "swing",
        "share"
    )?;
    let moving: Vec<&sensitivity::Row> = s.rows.iter().filter(|r| r.swing > 0.0).collect();
    for r in moving.iter().take(SHOWN) {
        outln!(
            "{:<36} {:>12} {:>12} {:>13} {:>13} {:>12} {:>6}",
            r.input,
            input_value(r.kind, r.low_value),
            input_value(r.kind, r.high_value),
            money(r.mean_at_low),
            money(r.mean_at_high),
            money(r.swing),
            share(s.share_of_swing(r))
        )?;
    }
    if moving.len() > SHOWN {
        outln!("... {} more in sensitivity.csv", moving.len() - SHOWN)?;
    }
    let still = s.rows.len() - moving.len();
    if still > 0 {
        outln!("{still} inputs do not move the mean (constants, or not used by {})", s.target)?;
    }
    let b = &s.baseline;
    let precision = format!(
        "p99 = {} (95% CI {}–{}); mean = {} (95% CI {}–{})",
        money(b.p99),
        money(b.p99_ci_low),
        money(b.p99_ci_high),
        money(b.mean),
        money(b.mean_ci_low),
        money(b.mean_ci_high)
    );
    match moving.first() {
        Some(top) => outln!(
            "{} drives {} of the total swing of the mean {what}; {precision}",
            top.input,
            share(s.share_of_swing(top))
        )?,
        None => outln!("no input moves the mean {what}; {precision}")?,
    }
    let shares: Vec<String> = s
        .variance_shares
        .iter()
        .filter(|v| v.variance_share != 0.0)
        .map(|v| format!("{} {}", v.component, share(v.variance_share)))
        .collect();
    if !shares.is_empty() {
        outln!("share of the variance of the gross {what}: {}", shares.join(", "))?;
    }
    outln!("reports in {}", out.display())
}
