//! `breachcost compare`: the baseline against one or more alternatives (other controls,
//! policy terms, exposures or assumptions), run with common random numbers. See
//! [`crate::analysis::compare`] and [`crate::analysis::paired`] for the method and
//! [`crate::input::alternatives`] for how an alternative is written.

use std::path::PathBuf;

use clap::Args;

use super::common::{
    check_compare_memory, choose_exposure, progress_bar, resolve_settings, thread_pool, ConsoleFlags, RunFlags,
};
use super::flags;
use super::inputs;
use super::output::outln;
use crate::analysis::compare::{self, Comparison, Configuration};
use crate::analysis::paired::MEASURES;
use crate::engine::{Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::alternatives::Alternative;
use crate::input::{Assumptions, Exposures, Mode};
use crate::report::compare_table::{self, ConfigurationInputs};
use crate::report::format::{money, percent_one_decimal, signed_money};
use crate::report::output_dir::{self, Guarded};
use crate::report::run_json::InputSource;
use crate::report::{self, ReportFile};

/// Options of `compare`; the run flags override the baseline assumptions' `[simulation]`
/// table, and every alternative runs with the baseline's settings (the same draws).
#[derive(Args, Debug, Clone)]
#[command(
    mut_arg("seed", |a| a.help("Random seed, shared by every configuration (common random numbers)")),
)]
pub struct CompareArgs {
    #[command(flatten)]
    pub inputs: inputs::InputFiles,
    /// An alternative to the baseline: comma-separated key=value settings, e.g. "name=MFA,controls=+mfa,cost=50K" or "limit=10M" (keys: name, controls, limit, retention, aggregate_limit, share, ids, exposures, assumptions, cost, premium); repeat for more
    #[arg(long = "alt", value_name = "SETTINGS", required = true)]
    pub alternatives: Vec<String>,
    /// The baseline's name in the reports
    #[arg(long, value_name = "NAME", default_value = "baseline")]
    pub baseline_name: String,
    /// The baseline's quoted premium (default: the technical premium from [pricing])
    #[arg(long, value_name = "AMOUNT", value_parser = flags::amount, allow_negative_numbers = true)]
    pub baseline_premium: Option<f64>,
    /// Folder for the reports; replaced atomically when the comparison completes
    #[arg(long, value_name = "DIR", default_value = "reports/compare")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunFlags,
    /// Compare this exposure alone instead of the portfolio
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    #[command(flatten)]
    pub console: ConsoleFlags,
}

pub fn run(args: &CompareArgs) -> Result<()> {
    let (pool, threads) = thread_pool(args.console.threads)?;
    let alternatives: Vec<Alternative> =
        args.alternatives.iter().enumerate().map(|(i, text)| Alternative::parse(text, i + 1)).collect::<Result<_>>()?;
    check_names(&args.baseline_name, &alternatives)?;
    let mut guarded = args.inputs.guarded();
    for alt in &alternatives {
        let files =
            [("an alternative's exposures", &alt.exposures), ("an alternative's assumptions", &alt.assumptions)];
        guarded.extend(files.into_iter().filter_map(|(what, p)| p.as_deref().map(|path| Guarded { what, path })));
    }
    let target = output_dir::check(&args.out, &guarded)?;
    let mut base = args.inputs.load()?;
    let settings = resolve_settings(args.run.overrides(), &base.assumptions)?;
    choose_exposure(&mut base.exposures, args.id.as_deref(), settings.mode, "a comparison")?;
    let baseline = Configuration {
        name: args.baseline_name.clone(),
        changes: String::new(),
        model: Model::build(&base.exposures, base.assumptions.clone(), settings)?,
        cost: None,
        premium: args.baseline_premium,
    };
    let mut configurations = Vec::with_capacity(alternatives.len());
    let mut sources = Vec::with_capacity(alternatives.len());
    for alt in &alternatives {
        let (configuration, exposures, assumptions) = alternative(alt, &base, args.id.as_deref(), settings)?;
        configurations.push(configuration);
        sources.push((exposures, assumptions));
    }
    let source = format!("--iterations {}", settings.iterations);
    let models = std::iter::once(&baseline.model).chain(configurations.iter().map(|c| &c.model));
    for model in models {
        check_compare_memory(model, settings.iterations, &source)?;
    }

    let staging = target.stage(output_dir::Kind::Report)?;
    let runs = 1 + configurations.len() as u64;
    let total = runs.saturating_mul(settings.iterations.saturating_mul(baseline.model.exposures.len() as u64));
    let bar = progress_bar(total, "compare", args.console.quiet);
    let progress = |done: u64| bar.inc(done);
    let comparison = pool.install(|| compare::compare(&baseline, &configurations, &progress));
    bar.finish_and_clear();
    check_finite(&comparison)?;

    let mut files = vec![
        ReportFile { path: "compare.csv".into(), bytes: compare_table::render(&comparison) },
        ReportFile { path: "alternatives.csv".into(), bytes: compare_table::render_alternatives(&comparison) },
    ];
    if !args.console.no_charts {
        files.extend(report::page::compare::render(&comparison)?);
    }
    let inputs: Vec<ConfigurationInputs> =
        sources.iter().map(|(e, a)| ConfigurationInputs { exposures: e, assumptions: a }).collect();
    let base_inputs = ConfigurationInputs { exposures: &base.exposures_source, assumptions: &base.assumptions_source };
    files.push(ReportFile {
        path: "run.json".into(),
        bytes: compare_table::render_run_json(&comparison, threads, base_inputs, &inputs),
    });
    staging.commit(&files)?;
    if !args.console.quiet {
        print_summary(&comparison, &args.out)?;
    }
    Ok(())
}

/// Names must tell the configurations apart.
fn check_names(baseline: &str, alternatives: &[Alternative]) -> Result<()> {
    if baseline.trim().is_empty() {
        return Err(Error::input("--baseline-name: is empty; the baseline needs a name for its rows"));
    }
    for (i, alt) in alternatives.iter().enumerate() {
        let earlier = std::iter::once(baseline).chain(alternatives[..i].iter().map(|a| a.name.as_str()));
        if earlier.clone().any(|name| name == alt.name) {
            return Err(Error::input(format!(
                "{}: the name \"{}\" is taken by another configuration; give each a name of its own with name=",
                alt.label, alt.name
            )));
        }
    }
    Ok(())
}

/// The alternative `alt` to `base`, ready to run with the baseline's `settings`, and where
/// its exposures and assumptions came from.
fn alternative(
    alt: &Alternative,
    base: &inputs::Inputs,
    id: Option<&str>,
    settings: RunSettings,
) -> Result<(Configuration, InputSource, InputSource)> {
    let (mut exposures, exposures_source) = match &alt.exposures {
        Some(path) => {
            let (mut exposures, source, _, _) = inputs::load_exposures(Some(path))?;
            if let Some(id) = id {
                exposures.rows.retain(|r| r.id == id);
            }
            (exposures, source)
        }
        None => (base.exposures.clone(), base.exposures_source.clone()),
    };
    let (assumptions, assumptions_source): (Assumptions, InputSource) = match &alt.assumptions {
        Some(path) => inputs::load_assumptions(Some(path))?,
        None => (base.assumptions.clone(), base.assumptions_source.clone()),
    };
    same_exposures(alt, &base.exposures, &exposures)?;
    let controls: Vec<&str> = assumptions.controls.iter().map(|c| c.name.as_str()).collect();
    alt.apply(&mut exposures, &controls)?;
    if exposures.rows == base.exposures.rows && assumptions_source.sha256 == base.assumptions_source.sha256 {
        return Err(Error::input(format!(
            "{}: changes nothing: its exposures and assumptions are the baseline's ({})",
            alt.label,
            alt.changes()
        )));
    }
    let model = Model::build(&exposures, assumptions, settings)
        .map_err(|e| Error::input(format!("{}: {}", alt.label, e.to_string().trim_end())))?;
    let configuration =
        Configuration { name: alt.name.clone(), changes: alt.changes(), model, cost: alt.cost, premium: alt.premium };
    Ok((configuration, exposures_source, assumptions_source))
}

/// An alternative's exposures must be the baseline's (by id, in any order): the pairs of
/// years are pairs of the same exposures.
fn same_exposures(alt: &Alternative, base: &Exposures, other: &Exposures) -> Result<()> {
    let missing = base.rows.iter().find(|r| !other.rows.iter().any(|o| o.id == r.id));
    let extra = other.rows.iter().find(|o| !base.rows.iter().any(|r| r.id == o.id));
    let why = match (missing, extra) {
        (Some(r), _) => format!("{} has no exposure \"{}\", which {} has", other.label, r.id, base.label),
        (None, Some(o)) => format!("{} has exposure \"{}\", which {} has not", other.label, o.id, base.label),
        (None, None) => return Ok(()),
    };
    Err(Error::input(format!(
        "{}: mismatched exposures: {why}; an alternative compares the same exposures (change their rows, not which there are)",
        alt.label
    )))
}

/// Refuses to write a comparison with a figure that is not a number.
fn check_finite(c: &Comparison) -> Result<()> {
    for a in &c.alternatives {
        // What the change costs against what it saves (a cost of 1e-320 a year returns "inf").
        let returns = [
            ("cost of risk change", a.cost_of_risk_change(c).map(|(change, _)| change)),
            ("return on cost", a.return_on_cost(c.mode)),
            ("tail return on cost", a.tail_return_on_cost(c.mode)),
        ];
        if let Some((what, value)) =
            returns.iter().find_map(|(what, v)| v.filter(|v| !v.is_finite()).map(|v| (what, v)))
        {
            return Err(Error::input(format!(
                "--alt {}: its {what} is {value}: its cost ({}) and premium are out of scale with its losses; give a cost a year in dollars",
                a.outcome.name,
                crate::text::figure(a.outcome.cost.unwrap_or(0.0))
            )));
        }
        for row in &a.rows {
            for d in &row.differences {
                if !(d.baseline.is_finite() && d.alternative.is_finite()) {
                    return Err(Error::failure(format!(
                        "{} {} {} {} of {} is not finite: check the cost assumptions' ranges",
                        row.id,
                        MEASURES[row.measure],
                        d.statistic.name(),
                        if d.baseline.is_finite() { "with the alternative" } else { "in the baseline" },
                        a.outcome.name
                    )));
                }
            }
        }
    }
    Ok(())
}

fn print_summary(c: &Comparison, out: &std::path::Path) -> Result<()> {
    let plural = if c.exposures == 1 { "" } else { "s" };
    outln!(
        "breachcost {} compare: {} ({} exposure{plural}), {} mode, {} iterations, seed {}, the same draws in every configuration",
        env!("CARGO_PKG_VERSION"),
        c.target,
        c.exposures,
        c.mode.as_str(),
        c.iterations,
        c.seed
    )?;
    let row = |cells: [String; 7]| {
        let [name, premium, gross, retained, p99, risk, change] = cells;
        outln!("{name:<24} {premium:>10} {gross:>11} {retained:>11} {p99:>12} {risk:>12}  {change}")
    };
    let cost_of_risk_head = if c.mode == Mode::Annual { "cost of risk" } else { "" };
    row([
        "configuration".into(),
        "premium".into(),
        "gross mean".into(),
        "retained".into(),
        "retained p99".into(),
        cost_of_risk_head.into(),
        if c.mode == Mode::Annual { "change (95% CI)".into() } else { String::new() },
    ])?;
    let premium = |o: &compare::Outcome| o.premium.map_or_else(|| "-".into(), |p| money(p.0));
    let optional = |x: Option<f64>| x.map_or_else(String::new, money);
    if let Some(first) = c.alternatives.first() {
        let stat = |m: usize, s: usize| first.target(m).differences[s].baseline;
        let risk = c.cost_of_risk(&c.baseline, stat(1, 0));
        let figures = [stat(0, 0), stat(1, 0), stat(1, 2)].map(money);
        let [gross, retained, p99] = figures;
        row([clip(&c.baseline.name), premium(&c.baseline), gross, retained, p99, optional(risk), String::new()])?;
    }
    for a in &c.alternatives {
        let stat = |m: usize, s: usize| a.target(m).differences[s].alternative;
        let risk = c.cost_of_risk(&a.outcome, stat(1, 0));
        let change = a.cost_of_risk_change(c).map_or_else(String::new, |(change, ci)| {
            let interval = ci.map_or_else(String::new, |(lo, hi)| format!(" ({} to {})", money(lo), money(hi)));
            format!("{}{interval}", signed_money(change))
        });
        let [gross, retained, p99] = [stat(0, 0), stat(1, 0), stat(1, 2)].map(money);
        row([clip(&a.outcome.name), premium(&a.outcome), gross, retained, p99, optional(risk), change])?;
    }
    for a in &c.alternatives {
        let (saving, ci) = a.saving(0, 0);
        // Below half a unit of money either way is rounding, not a change.
        let nothing = |x: f64| x.abs() < 0.5;
        if nothing(saving) && ci.is_none_or(|(lo, hi)| nothing(lo) && nothing(hi)) {
            continue;
        }
        let interval = ci.map_or_else(String::new, |(lo, hi)| format!(" (95% CI {} to {})", money(lo), money(hi)));
        let per = if c.mode == Mode::Annual { "year" } else { "breach" };
        let what = if saving >= 0.0 { "saves" } else { "adds" };
        let mut line =
            format!("{}: {what} {} of gross loss a {per}{interval}", printable(&a.outcome.name), money(saving.abs()));
        if let (Some(cost), Some(ret)) = (a.outcome.cost, a.return_on_cost(c.mode)) {
            line.push_str(&format!("; for {} a year, {ret:.2} per $1", money(cost)));
            if let Some(tail) = a.tail_return_on_cost(c.mode) {
                line.push_str(&format!(" ({tail:.2} per $1 off the mean of the worst 1% of years)"));
            }
        }
        outln!("{line}")?;
    }
    if let Some(a) = c.alternatives.first() {
        let d = &a.target(0).differences[0];
        if let (Some(se), Some(unpaired)) = (d.se, d.unpaired_se) {
            if unpaired > 0.0 {
                outln!(
                    "pairing the {}: the gross mean difference of {} has standard error {} against {} for independent runs ({})",
                    if c.mode == Mode::Annual { "years" } else { "breaches" },
                    printable(&a.outcome.name),
                    money(se),
                    money(unpaired),
                    percent_one_decimal(se / unpaired)
                )?;
            }
        }
    }
    outln!("reports in {}", out.display())
}

/// A name as the terminal shows it (control characters escaped).
fn printable(name: &str) -> String {
    crate::text::printable(name).into_owned()
}

/// A name cut to the terminal table's column.
fn clip(name: &str) -> String {
    crate::text::truncate(&crate::text::printable(name), 24)
}
