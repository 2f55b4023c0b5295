//! `breachcost validate`: reads and checks the inputs, prints what it understood, and
//! simulates nothing.

use clap::Args;

use super::common::{check_run_memory, iterations_source, resolve_settings, Overrides};
use super::inputs;
use super::output::{self, outln};
use crate::engine::Model;
use crate::error::Result;
use crate::input::incidents::IncidentRate;
use crate::input::{Mode, Probability};
use crate::report::format::{money, rate};

#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub inputs: inputs::InputFiles,
}

pub fn run(args: &ValidateArgs) -> Result<()> {
    let inputs = args.inputs.load()?;
    for warning in inputs.assumptions.warnings() {
        output::warn(&warning);
    }
    let settings = resolve_settings(Overrides::default(), &inputs.assumptions)?;
    let source = iterations_source(None, &inputs.assumptions);
    let model = Model::build(&inputs.exposures, inputs.assumptions, settings)?;
    // A run of these inputs would be refused for its memory: so is their validation.
    check_run_memory(&model, settings.iterations, &source)?;
    if let Some(warning) = crate::run::premium::unlimited_warning(&model) {
        output::warn(&warning);
    }
    let a = &model.assumptions;
    outln!("assumptions: {} (sha256 {})", inputs.assumptions_source.path, inputs.assumptions_source.sha256)?;
    outln!(
        "  simulation: mode {}, {} iterations, seed {}",
        settings.mode.as_str(),
        settings.iterations,
        settings.seed
    )?;
    outln!("  frequency: {:?}, default rate {} breaches per exposure-year", a.frequency.model, a.frequency.rate)?;
    if a.frequency.common_shock_sd > 0.0 {
        let applies = if settings.mode == Mode::Breach { " (not applied in breach mode)" } else { "" };
        outln!(
            "  common frequency shock: every exposure's rate times one gamma multiplier a year, mean 1, sd {}{applies}",
            a.frequency.common_shock_sd
        )?;
    }
    let firmographic = &a.frequency.firmographic;
    if !firmographic.bands.is_empty() {
        use crate::input::firmographics::RateSource;
        let count = |source: RateSource| model.exposures.iter().filter(|e| e.rate_source == source).count();
        outln!(
            "  rates by revenue ({} bands) and sector ({} sectors): {} rows rated from revenue and industry, {} from annual_rate, {} at the default rate (no revenue)",
            firmographic.bands.len(),
            a.sectors.sectors.len(),
            count(RateSource::Firmographic),
            count(RateSource::Row),
            count(RateSource::Flat)
        )?;
    }
    outln!("  affected share of records: {}", a.breach.affected_share.dist.describe())?;
    let estimated: Vec<&str> = model.exposures.iter().filter(|e| e.records_estimated).map(|e| e.id.as_str()).collect();
    if !estimated.is_empty() {
        outln!(
            "  records estimated from revenue and sector for {} rows (no records given): {}; each breach multiplies the estimate by {}",
            estimated.len(),
            brief_list(&estimated),
            a.sectors.records_estimate.multiplier.dist.describe()
        )?;
    }
    outln!("  default data types: {}", list_or(&a.breach.data_types, "(none)"))?;
    if a.notice.data_types.is_empty() {
        outln!("  notice: every breach is notified (no [notice] table)")?;
    } else {
        let notified = model.exposures.iter().filter(|e| e.notice >= 1.0).count();
        outln!(
            "  notice: triggered by {}; other breaches notified with probability {}: {} rows hold data that trigger notice, {} do not",
            a.notice.data_types.join(";"),
            a.notice.otherwise,
            notified,
            model.exposures.len() - notified
        )?;
    }
    if a.components.iter().any(|c| c.revenue_exponent != 0.0) {
        let without = model.exposures.iter().filter(|e| e.revenue.is_none()).count();
        outln!(
            "  firm size: costs scale from a reference revenue of {} (revenues under {} count as {}); {} rows without revenue are costed at the reference",
            money(a.breach.reference_revenue),
            money(a.breach.min_revenue),
            money(a.breach.min_revenue),
            without
        )?;
    }
    let by_sector = inputs.exposures.rows.iter().filter(|r| {
        r.data_types.is_none() && a.sectors.of(r.industry.as_deref()).is_some_and(|s| s.data_types.is_some())
    });
    let by_sector = by_sector.count();
    if by_sector > 0 {
        outln!("  data types from the row's sector for {by_sector} rows without data_types")?;
    }
    for t in &a.incidents {
        let rate = match t.rate {
            IncidentRate::Relative(r) => format!("{r} × the data-breach rate"),
            IncidentRate::Flat(r) => format!("{r} a year"),
        };
        let outage = t.duration_hours.as_ref().map(|d| format!("; down for {} hours", d.dist.describe()));
        outln!(
            "  incident type {}: {rate}{}; exposes data with probability {}",
            t.name,
            outage.unwrap_or_default(),
            t.data_breach_probability
        )?;
    }
    outln!("  components ({}):", a.components.len())?;
    for c in &a.components {
        let probability = match &c.probability {
            Probability::Constant(p) => format!("{p}"),
            Probability::Curve(points) => {
                points.iter().map(|(x, p)| format!("{:.0} records: {p}", 10f64.powf(*x))).collect::<Vec<_>>().join(", ")
            }
        };
        outln!(
            "    {}{}: probability {}; fixed {}; per_unit {}; unit_share {}; exponent {}; data types {}{}{}",
            c.name,
            if c.covered { "" } else { " (not covered)" },
            probability,
            c.fixed.dist.describe(),
            c.per_unit.dist.describe(),
            c.unit_share.dist.describe(),
            c.exponent,
            list_or(&c.data_types, "any"),
            if c.exclude_data_types.is_empty() {
                String::new()
            } else {
                format!(" except {}", c.exclude_data_types.join(";"))
            },
            c.max_share_of_revenue
                .map(|share| format!("; at most {share} × revenue per breach (rows with a revenue)"))
                .unwrap_or_default()
        )?;
        if c.needs_notice || c.revenue_exponent != 0.0 || c.incidents != 1 {
            let mut notes = Vec::new();
            if c.incidents != 1 {
                notes.push(format!("in {}", incident_names(c.incidents, &a.incidents)));
            }
            if c.basis == crate::input::Basis::Outage {
                notes.push("units: revenue of the outage's hours".to_string());
            }
            if c.needs_notice {
                notes.push("only in notified breaches".to_string());
            }
            if c.revenue_exponent != 0.0 {
                notes.push(format!("× (revenue / reference)^{}", c.revenue_exponent));
            }
            outln!("      {}", notes.join("; "))?;
        }
        if !c.source.is_empty() {
            outln!("      source: {}", c.source)?;
        }
    }
    let events = a
        .systemic
        .iter()
        .map(|e| (e, ""))
        .chain(a.disabled_systemic.iter().map(|e| (e, " (enabled = false: not simulated)")));
    for (e, off) in events {
        let incident = crate::input::incidents::name(e.incident, &a.incidents);
        let takes_down = e.incident > 0 && a.incidents.get(e.incident - 1).is_some_and(|t| t.duration_hours.is_some());
        let hours = match &e.duration_hours {
            Some(d) => format!(" (a provider's outage) for {} hours", d.dist.describe()),
            None if takes_down => " on each firm's own systems, for its own hours".to_string(),
            None => String::new(),
        };
        outln!(
            "  systemic event {}{off}: {} a year; {incident}{hours} at a share {} of the exposures it matches",
            e.name,
            e.annual_rate,
            e.footprint.dist.describe()
        )?;
    }
    let p = &a.policy;
    outln!(
        "  policy defaults: retention {}, limit {}, aggregate {}, share {}",
        money(p.retention),
        money(p.limit),
        money(p.aggregate_limit),
        p.share
    )?;
    if !a.incidents.is_empty() {
        outln!(
            "  business interruption: waiting period {} hours, period of restoration {} hours",
            p.waiting_period_hours,
            p.restoration_hours
        )?;
    }
    for (what, amounts) in [("sublimits", &p.sublimits), ("aggregate sublimits", &p.aggregate_sublimits)] {
        let finite: Vec<String> = a
            .components
            .iter()
            .zip(amounts)
            .filter(|(_, s)| s.is_finite())
            .map(|(c, s)| format!("{} {}", c.name, money(*s)))
            .collect();
        if !finite.is_empty() {
            outln!("  policy {what}: {}", finite.join(", "))?;
        }
    }
    if !a.sections.is_empty() {
        let names: Vec<&str> = a.sections.iter().map(|s| s.name.as_str()).collect();
        outln!("  coverage sections ({}): {}", names.len(), names.join(", "))?;
    }
    if !a.treaties.is_empty() {
        let terms = crate::report::page::reinsurance::terms;
        let names: Vec<String> =
            a.treaties.iter().map(|t| format!("{} ({}: {})", t.name, t.kind.name(), terms(&t.kind))).collect();
        let applies = if settings.mode == Mode::Annual { "" } else { " (annual mode only: not applied here)" };
        outln!("  reinsurance, applied in order to the portfolio's insured years: {}{applies}", names.join(", "))?;
    }
    if !a.controls.is_empty() {
        let names: Vec<&str> = a.controls.iter().map(|c| c.name.as_str()).collect();
        let rows = rows_with_controls(&model);
        outln!(
            "  controls ({}): {}; in place at {rows} of {} rows",
            names.len(),
            names.join(", "),
            model.exposures.len()
        )?;
    }
    let pricing = &a.pricing;
    let measure = match pricing.capital_measure {
        crate::input::CapitalMeasure::Tvar99 => "TVaR99 − mean".to_string(),
        crate::input::CapitalMeasure::Var995 => "VaR99.5 − mean".to_string(),
        crate::input::CapitalMeasure::SdMultiple(k) => format!("{k} × sd"),
    };
    let basis = match pricing.capital_allocation {
        crate::input::CapitalAllocation::Portfolio => "allocated from the portfolio (Euler)",
        crate::input::CapitalAllocation::Standalone => "standalone, per policy",
    };
    outln!(
        "  pricing: expenses {}, cost of capital {} on {measure}, {basis}",
        pricing.expense_ratio,
        pricing.cost_of_capital
    )?;
    let market = &a.market;
    match market.loss_ratio {
        Some(b) => outln!(
            "  market check: loss ratio {}–{}, {} revenue bands of premium per $1M of limit",
            b.low,
            b.high,
            market.rates.len()
        )?,
        None if market.rates.is_empty() => outln!("  market check: none ([market] not given)")?,
        None => outln!("  market check: {} revenue bands of premium per $1M of limit", market.rates.len())?,
    }
    let ilf = &a.pricing.ilf;
    outln!(
        "  increased-limit factors: aggregate {} with the limit, base retention {} ({}), risk load {} × {} sd",
        if ilf.aggregate == crate::input::IlfAggregate::Moves { "moves" } else { "fixed" },
        money(model.ilf_base_retention),
        if ilf.base_retention.is_some() { "given" } else { "the most common retention" },
        a.pricing.cost_of_capital,
        ilf.sd_multiple
    )?;
    outln!(
        "exposures: {} (sha256 {}), {} rows",
        inputs.exposures_source.path,
        inputs.exposures_source.sha256,
        model.exposures.len()
    )?;
    if let Some(oed) = &inputs.exposures.oed {
        print_oed(oed, &model)?;
    }
    outln!(
        "  {:<24} {:>14} {:>12} {:>8} {:>10} {:>10} {:>6}  components",
        "id",
        "records",
        "affected",
        "rate",
        "retention",
        "limit",
        "share"
    )?;
    for e in &model.exposures {
        let names: Vec<&str> = e.components.iter().map(|c| a.components[*c].name.as_str()).collect();
        let records = if e.records_estimated { format!("~{:.0} (est.)", e.records) } else { format!("{}", e.records) };
        outln!(
            "  {:<24} {:>14} {:>12} {:>8} {:>10} {:>10} {:>6}  {}",
            e.id,
            records,
            e.affected.map(|x| x.to_string()).unwrap_or_else(|| "-".into()),
            rate(e.rate),
            money(e.terms.retention),
            money(e.terms.limit),
            e.terms.share,
            names.join(", ")
        )?;
    }
    outln!("ok: inputs are valid")
}

/// Up to ten ids, then how many more.
fn brief_list(ids: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = ids.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(";")
    }
}

/// How many exposures have a control in place (some multiplier other than 1).
fn rows_with_controls(model: &Model) -> usize {
    let none = |m: &f64| *m == 1.0;
    model
        .exposures
        .iter()
        .filter(|e| {
            let c = &e.controls;
            !(c.frequency.iter().all(none) && c.probability.iter().all(none) && c.cost.iter().all(none))
                || c.affected_share != 1.0
                || c.notice != 1.0
        })
        .count()
}

/// The names of the incident types whose bits are set in `bits` (bit 0: the data breach).
fn incident_names(bits: u64, types: &[crate::input::incidents::IncidentType]) -> String {
    let names = crate::input::incidents::names(types);
    names.enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, n)| n).collect::<Vec<_>>().join(", ")
}

/// What an OED account file's import used, ignored and misses, and which coverage codes no
/// section takes.
fn print_oed(oed: &crate::input::oed::OedReport, model: &Model) -> Result<()> {
    let list = |fields: &[String]| if fields.is_empty() { "none".to_string() } else { fields.join(", ") };
    outln!("  read as an OED account file (one row per policy, id = AccNumber/PolNumber)")?;
    outln!("  OED fields used: {}", list(&oed.used))?;
    outln!("  OED fields ignored (kept as extra columns): {}", list(&oed.ignored))?;
    outln!("  OED cyber fields required but missing: {}", list(&oed.missing))?;
    let codes: Vec<&str> = model.assumptions.sections.iter().filter_map(|s| s.code.as_deref()).collect();
    let unmatched: Vec<&str> = crate::input::oed::COVERAGE_CODES
        .iter()
        .copied()
        .filter(|c| !codes.iter().any(|k| k.eq_ignore_ascii_case(c)))
        .collect();
    if !unmatched.is_empty() {
        outln!(
            "  coverage codes no [[section]] has (their sublimits and deductibles are ignored): {}",
            unmatched.join(", ")
        )?;
    }
    Ok(())
}
