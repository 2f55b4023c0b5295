//! `breachcost simulate`: the main job. Monte Carlo over the exposures, then the reports.

use std::io::IsTerminal;
use std::path::PathBuf;

use std::ops::Range;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::common::{
    check_run_memory, check_shard_memory, iterations_source, progress_bar, resolve_settings, run_with_progress,
    thread_pool, write_reports, OutputFlags, RunFlags,
};
use super::flags;
use super::inputs;
use super::output::{self, outln};
use crate::analysis::convergence::{self, Target};
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::Mode;
use crate::report::run_json::InputSource;
use crate::report::{self, output_dir, ReportFile};
use crate::run::LiveEngine;
use crate::shard::{self, ShardSpec};

/// Options of `simulate`; flags override the assumptions' `[simulation]` table.
#[derive(Args, Debug, Clone)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub inputs: inputs::InputFiles,
    /// Folder for the reports; replaced atomically when the run completes
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunFlags,
    #[command(flatten)]
    pub output: OutputFlags,
    /// Simulate only shard K of N (a contiguous share of the exposures, all the years) into a shard folder for `merge`
    #[arg(long, value_name = "K/N")]
    pub shard: Option<ShardSpec>,
    /// Breach mode for another incident type: each iteration is one incident of TYPE (an `[[incident]]` name, or data_breach)
    #[arg(long, value_name = "TYPE")]
    pub incident: Option<String>,
}

/// `simulate`'s command line: the run's options and the convergence options.
#[derive(Args, Debug, Clone)]
pub struct SimulateCommand {
    #[command(flatten)]
    pub args: SimulateArgs,
    #[command(flatten)]
    pub convergence: ConvergenceArgs,
}

/// Running until the estimate is precise enough (see [`crate::analysis::convergence`]).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Convergence")]
pub struct ConvergenceArgs {
    /// Add batches of iterations until the mean's standard error is at most E × mean (e.g. 0.01); replaces --iterations
    #[arg(long, value_name = "E", conflicts_with = "iterations", value_parser = flags::rel_error, allow_negative_numbers = true)]
    pub target_rel_error: Option<f64>,
    /// Also require the p99's 95% confidence interval half-width to be at most E × p99
    #[arg(long, requires = "target_rel_error")]
    pub target_quantile: bool,
    /// Stop here even if the target is not met [default: 10000000]
    #[arg(long, value_name = "N", requires = "target_rel_error", value_parser = flags::batch_iterations, allow_negative_numbers = true)]
    pub max_iterations: Option<u64>,
    /// Iterations per batch [default: 10000]
    #[arg(long, value_name = "N", requires = "target_rel_error", value_parser = flags::batch_iterations, allow_negative_numbers = true)]
    pub batch: Option<u64>,
}

impl ConvergenceArgs {
    /// The target, if one was asked for.
    pub fn target(&self) -> Option<Target> {
        self.target_rel_error.map(|rel_error| Target {
            rel_error,
            quantile: self.target_quantile,
            batch: self.batch.unwrap_or(convergence::DEFAULT_BATCH),
            max_iterations: self.max_iterations.unwrap_or(convergence::DEFAULT_MAX_ITERATIONS),
        })
    }
}

/// Resolves run settings: flags over the `[simulation]` table over the built-in defaults.
pub fn settings(args: &SimulateArgs, assumptions: &crate::input::Assumptions) -> Result<RunSettings> {
    resolve_settings(args.run.overrides(), assumptions)
}

/// The index of the incident type `--incident` names (0: the data breach).
fn incident_index(name: &str, assumptions: &crate::input::Assumptions) -> Result<usize> {
    crate::input::incidents::find(name.trim(), &assumptions.incidents)
        .map_err(|why| Error::input(format!("--incident {}: {why}", crate::text::printable(name))))
}

pub fn run(args: &SimulateArgs) -> Result<()> {
    run_with(args, &ConvergenceArgs::default())
}

/// Runs `simulate`; with a convergence target, first runs batches until the target is met,
/// then the full run at that many iterations (the same as `--iterations` that many).
pub fn run_with(args: &SimulateArgs, convergence_args: &ConvergenceArgs) -> Result<()> {
    let (pool, threads) = thread_pool(args.output.console.threads)?;
    let shard = args.shard;
    let target = convergence_args.target();
    if shard.is_some() {
        if target.is_some() {
            return Err(Error::input(
                "--shard: cannot be combined with --target-rel-error (shards need a fixed --iterations)",
            ));
        }
        if args.output.ord || args.output.xlsx {
            return Err(Error::input(
                "--shard: --ord and --xlsx are written by `breachcost merge`; give them to merge (--ylt goes to both)",
            ));
        }
    }
    let out = output_dir::check(&args.out, &args.inputs.guarded())?;
    let inputs = args.inputs.load()?;
    let mut settings = settings(args, &inputs.assumptions)?;
    let focus = match &args.incident {
        None => 0,
        Some(name) => {
            if args.run.mode == Some(crate::cmd::flags::ModeFlag::Annual) {
                return Err(Error::input(format!(
                    "--incident {name}: an incident type is costed one incident an iteration, in breach mode; leave out --mode annual"
                )));
            }
            settings.mode = Mode::Breach;
            incident_index(name, &inputs.assumptions)?
        }
    };
    if !args.output.console.quiet {
        for warning in inputs.assumptions.warnings() {
            output::warn(&warning);
        }
    }
    if args.output.ord && settings.mode != Mode::Annual {
        return Err(Error::input("--ord: Open Results Data are annual (AEP/OEP); run with --mode annual"));
    }
    if let Some(t) = &target {
        t.check()?;
    }
    let iterations_source = match &target {
        Some(t) => format!("--max-iterations {}", t.max_iterations),
        None => iterations_source(args.run.iterations, &inputs.assumptions),
    };
    let inputs::Inputs {
        exposures,
        assumptions,
        exposures_source,
        assumptions_source,
        exposures_bytes,
        exposures_format,
        assumptions_bytes,
    } = inputs;
    let mut model = Model::build(&exposures, assumptions, settings)?;
    model.focus = focus;
    // The model holds all the run needs of the rows (whose parsed text is ~0.5 KB each).
    drop(exposures);
    // A shard keeps its exposures' histograms whatever it is told: merge draws the charts.
    model.histograms = shard.is_some() || !args.output.console.no_charts;
    let planned = target.as_ref().map_or(model.settings.iterations, |t| t.max_iterations);
    match shard {
        // A shard keeps only its exposures' batches of outcomes and statistics, and the year sums.
        Some(spec) => check_shard_memory(&model, spec, planned, &iterations_source)?,
        None => check_run_memory(&model, planned, &iterations_source)?,
    }
    // The inputs are good: only now is anything created beside --out.
    let kind = if shard.is_some() { output_dir::Kind::Shard } else { output_dir::Kind::Report };
    let staging = out.stage(kind)?;
    if let Some(spec) = shard {
        let copies = ShardInputs {
            exposures: (&exposures_source, exposures_bytes, exposures_format),
            assumptions: (&assumptions_source, assumptions_bytes),
        };
        return run_shard(&pool, &model, spec, copies, staging, args);
    }
    // Only a shard keeps a copy of the file.
    drop((exposures_bytes, assumptions_bytes));

    let convergence = match &target {
        Some(t) => {
            let c = converge_with_progress(&pool, &model, t, args.output.console.quiet)?;
            model.settings.iterations = c.iterations();
            Some(c)
        }
        None => None,
    };
    let results = run_with_progress(
        &pool,
        &model,
        &LiveEngine::default(),
        "simulating",
        args.output.console.quiet,
        args.output.ylt,
        &staging,
    )?;
    let options = args.output.report_options(threads);
    write_reports(
        &pool,
        &model,
        &results,
        convergence.as_ref(),
        &options,
        [&exposures_source, &assumptions_source],
        staging,
    )?;

    if !args.output.console.quiet {
        if let Some(warning) = crate::run::premium::unlimited_warning(&model) {
            output::warn(&warning);
        }
        print_headline(&model, &results, &args.out)?;
    }
    if let Some(c) = &convergence {
        report_convergence(c, args.output.console.quiet)?;
    }
    Ok(())
}

/// A shard's copies of its inputs: (source, bytes, format) of the exposures, and the assumptions.
struct ShardInputs<'a> {
    exposures: (&'a InputSource, Vec<u8>, &'static str),
    assumptions: (&'a InputSource, Vec<u8>),
}

/// `simulate --shard K/N`: simulates the shard's batches of exposures over all the years,
/// batch by batch (with `--ylt`, writing their rows of the year loss table), and writes their
/// statistics, the portfolio's sums over them, a manifest and copies of the inputs (so `merge`
/// needs nothing else).
fn run_shard(
    pool: &rayon::ThreadPool,
    model: &Model,
    spec: ShardSpec,
    inputs: ShardInputs,
    staging: output_dir::Staging<'_>,
    args: &SimulateArgs,
) -> Result<()> {
    let started = std::time::Instant::now();
    crate::shard::build::prepare();
    let batches = crate::run::batches(model);
    let exposures = spec.exposures(&crate::run::exposure_work(model, model.settings.iterations));
    // The run's batches cut to the shard's exposures, and which batch of the run each is.
    let (numbers, own): (Vec<usize>, Vec<Range<usize>>) = shard::own_batches(&batches, &exposures).into_iter().unzip();
    let total = model.settings.iterations.saturating_mul(exposures.len() as u64);
    let bar = progress_bar(total, &format!("shard {spec}"), args.output.console.quiet);
    let progress = |done: u64| bar.inc(done);
    // With --ylt, each batch's table's size and hash, for the manifest (merge checks them).
    let mut ylt = args.output.ylt.then(Vec::new);
    let mut next = numbers.iter();
    let annual = model.settings.mode == crate::input::Mode::Annual;
    let summarised = pool.install(|| {
        let engine = LiveEngine::<Error>::default();
        crate::run::summarise(model, &engine, &own, annual, &progress, &mut |outcomes| {
            let b = next.next().copied().unwrap_or_default();
            if let Some(tables) = ylt.as_mut() {
                let frame = report::ylt::frame(model, outcomes)
                    .map_err(|e| Error::failure(format!("shard year loss table: {e}")))?;
                tables.push(shard::write_ylt(frame, b, staging.path())?);
            }
            Ok(())
        })
    })?;
    bar.finish_and_clear();
    let breaches = summarised.simulated_breaches;
    let independent = summarised.single.and_then(|(_, _, independent)| independent);
    crate::run::check_exposures_finite(model, &summarised.exposures)?;
    let sums = summarised.sums.map(|s| s.to_bytes()).transpose();
    let sums = sums.map_err(|e| Error::failure(format!("shard sums cannot be written: {e}")))?;
    let results = shard::results_json(summarised.exposures, independent)?;
    let (exposures_source, exposures_bytes, exposures_format) = inputs.exposures;
    let (assumptions_source, assumptions_bytes) = inputs.assumptions;
    let exposures_copy = format!("inputs/exposures.{exposures_format}");
    let assumptions_copy = "inputs/assumptions.toml".to_string();
    let manifest = shard::Manifest {
        format: shard::FORMAT,
        version: env!("CARGO_PKG_VERSION").into(),
        build: crate::shard::build::identity().into(),
        incident: crate::input::incidents::name(model.focus, &model.assumptions.incidents).into(),
        shard: spec.index,
        shards: spec.count,
        mode: model.settings.mode.as_str().into(),
        iterations: model.settings.iterations,
        seed: model.settings.seed,
        exposures_count: model.exposures.len(),
        batches: batches.len(),
        first_exposure: exposures.start,
        end_exposure: exposures.end,
        exposures: shard::ManifestInput {
            path: exposures_source.path.clone(),
            sha256: exposures_source.sha256.clone(),
            copy: exposures_copy.clone(),
            bytes: exposures_bytes.len() as u64,
        },
        assumptions: shard::ManifestInput {
            path: assumptions_source.path.clone(),
            sha256: assumptions_source.sha256.clone(),
            copy: assumptions_copy.clone(),
            bytes: assumptions_bytes.len() as u64,
        },
        results: shard::table_file(&results),
        sums: sums.as_deref().map(shard::table_file),
        ylt,
    };
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::failure(format!("shard manifest cannot be written: {e}")))?;
    let mut files = vec![
        ReportFile { path: shard::MANIFEST.into(), bytes: manifest },
        ReportFile { path: shard::RESULTS.into(), bytes: results },
        ReportFile { path: exposures_copy, bytes: exposures_bytes },
        ReportFile { path: assumptions_copy, bytes: assumptions_bytes },
    ];
    if let Some(sums) = sums {
        files.push(ReportFile { path: shard::SUMS.into(), bytes: sums });
    }
    staging.commit(&files)?;
    if !args.output.console.quiet {
        outln!(
            "breachcost {}: shard {spec}, exposures {}..{} of {}, {} iterations, seed {}: {breaches} {} in {:.2} s; shard folder {}",
            env!("CARGO_PKG_VERSION"),
            exposures.start,
            exposures.end,
            model.exposures.len(),
            model.settings.iterations,
            model.settings.seed,
            model.simulated_noun(),
            started.elapsed().as_secs_f64(),
            args.out.display()
        )?;
    }
    Ok(())
}

/// Runs batches to the target, with a spinner on a terminal.
fn converge_with_progress(
    pool: &rayon::ThreadPool,
    model: &Model,
    target: &Target,
    quiet: bool,
) -> Result<convergence::Convergence> {
    let spinner = if !quiet && std::io::stderr().is_terminal() {
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} converging: {msg}") {
            spinner.set_style(style);
        }
        spinner
    } else {
        ProgressBar::hidden()
    };
    let on_batch = |row: &convergence::Row| {
        spinner.set_message(format!(
            "{} iterations, standard error {:.3}% of the mean (target {}%)",
            row.iterations,
            row.rel_error_mean * 100.0,
            target.rel_error * 100.0
        ));
        spinner.tick();
    };
    let result = pool.install(|| convergence::converge(model, target, &on_batch));
    spinner.finish_and_clear();
    result
}

/// One line on how the run to the target ended: on stdout, or a warning on stderr when the
/// target was not met (neither with `--quiet`; `convergence.csv` says it too).
fn report_convergence(c: &convergence::Convergence, quiet: bool) -> Result<()> {
    let Some(last) = c.rows.last() else { return Ok(()) };
    let t = &c.target;
    let quantile = if t.quantile {
        format!(", p99's CI half-width {:.3}% of p99", last.rel_error_p99 * 100.0)
    } else {
        String::new()
    };
    if c.converged {
        if !quiet {
            outln!(
                "converged after {} iterations ({} batches of {}): standard error {:.3}% of the mean{quantile} (target {}%); convergence.csv",
                last.iterations,
                c.rows.len(),
                t.batch,
                last.rel_error_mean * 100.0,
                t.rel_error * 100.0
            )?;
        }
    } else if !quiet {
        output::warn(&format!(
            "--target-rel-error {} not met within --max-iterations {}: standard error {:.3}% of the mean{quantile}; the reports are of {} iterations",
            t.rel_error,
            t.max_iterations,
            last.rel_error_mean * 100.0,
            last.iterations
        ));
    }
    Ok(())
}

fn print_headline(model: &Model, results: &crate::run::RunResults, out: &std::path::Path) -> Result<()> {
    use crate::report::format::money;
    let s = model.settings;
    outln!(
        "breachcost {}: {} exposures, {} mode, {} iterations, seed {}",
        env!("CARGO_PKG_VERSION"),
        model.exposures.len(),
        s.mode.as_str(),
        s.iterations,
        s.seed
    )?;
    let noun = model.simulated_noun();
    let per = match s.mode {
        Mode::Annual => "annual loss",
        Mode::Breach if model.focus == 0 => "breach cost",
        Mode::Breach => "incident cost",
    };
    outln!("{:<24} {:>12} {:>12} {:>12} {:>12} {:>12}", "id", "mean", "p50", "p95", "p99", "tvar_99")?;
    let line = |id: &str, m: &crate::run::MeasureResult| {
        let x = &m.summary;
        outln!(
            "{:<24} {:>12} {:>12} {:>12} {:>12} {:>12}",
            id,
            money(x.mean),
            money(x.p50),
            money(x.p95),
            money(x.p99),
            money(x.tvar_99)
        )
    };
    const SHOWN: usize = 30;
    for e in results.exposures.iter().take(SHOWN) {
        line(&e.id, &e.measures.gross)?;
    }
    if results.exposures.len() > SHOWN {
        outln!("... {} more in summary.csv", results.exposures.len() - SHOWN)?;
    }
    if let Some(p) = &results.portfolio {
        line(report::PORTFOLIO_ID, &p.gross)?;
        if let Some(r) = &results.reinsurance {
            // The book's insured loss, and what the treaties leave the insurer.
            line("PORTFOLIO insured", &p.insured)?;
            line("PORTFOLIO ceded", &r.ceded)?;
            line("PORTFOLIO net", &r.net)?;
        }
    }
    outln!(
        "gross {per}; {} {noun} in {:.2} s (engine {:.2} million {noun}/s); reports in {}",
        results.simulated_breaches,
        results.wall_seconds,
        results.simulated_breaches as f64 / results.simulation_seconds.max(1e-9) / 1e6,
        out.display()
    )
}
