//! The resolved model: exposures joined with the assumptions into what the hot loop needs
//! (applicable components by index, effective rates and policy terms), nothing looked up
//! by name once the simulation starts.

use crate::error::{Error, Result};
use crate::input::dist::Var;
use crate::input::firmographics::RateSource;
use crate::input::toml_section::nearest;
use crate::input::{Assumptions, Exposure, Exposures, Mode, PolicyTerms};

use super::rng::name_key;

/// Run settings after the CLI flags have overridden the `[simulation]` table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSettings {
    pub mode: Mode,
    pub iterations: u64,
    pub seed: u64,
}

/// One exposure, ready for simulation.
#[derive(Debug, Clone)]
pub struct ExposureModel {
    pub id: String,
    /// Stream key of this exposure (a hash of its id).
    pub key: u64,
    /// Records held: the row's `records`, or (where `records_estimated`) the median estimate
    /// from its revenue and sector, which each breach multiplies by a draw of
    /// `[records_estimate] multiplier`.
    pub records: f64,
    /// Whether `records` was estimated from revenue (the row gave none).
    pub records_estimated: bool,
    /// The records held before any control's `affected_share` scaled them into `records`: the
    /// holding the share by holding looks at (`[breach] affected_share_exponent`).
    pub records_held: f64,
    /// A known number of affected records, replacing `records × affected_share`.
    pub affected: Option<f64>,
    /// Expected breaches per year.
    pub rate: f64,
    /// Where `rate` came from (the row, the firmographic table, or the flat default).
    pub rate_source: crate::input::firmographics::RateSource,
    /// Annual revenue, where the row gives it (for the market check of its premium).
    pub revenue: Option<f64>,
    /// Indices (into [`Model::assumptions`]' components) of the components that apply.
    pub components: Vec<usize>,
    /// The probability that one of its breaches is notified (1 where the data it holds
    /// trigger notice), for the components that need notice.
    pub notice: f64,
    pub terms: PolicyTerms,
    /// Indices (into the assumptions' `systemic`) of the systemic events that can hit it.
    pub systemic: Vec<usize>,
    /// Expected incidents a year of each type beside the data breach (one per
    /// [`Assumptions::incidents`]): the row's `annual_rate_<type>`, else the type's rate.
    pub incident_rates: Vec<f64>,
    /// What its costs are multiplied by to carry them to the policy period (`[trend]`; 1 without).
    pub severity_factor: f64,
    /// What its security controls multiply (all 1 without any): the rates and the notice
    /// probability above already include theirs, the records exposed too.
    pub controls: crate::input::controls::Effects,
    /// Its revenue an hour as outage components count it ([`crate::input::assumptions::BreachSettings::revenue_per_hour`]).
    pub revenue_per_hour: f64,
}

impl ExposureModel {
    /// True when its policy terms pass every cost through (no retention, limits, sublimits or
    /// co-insurance, every applicable component covered): its insured loss is its gross loss,
    /// bit for bit, and nothing is retained, so its outcomes keep no insured columns.
    pub fn insured_is_gross(&self, assumptions: &Assumptions) -> bool {
        let t = &self.terms;
        let hours_bite =
            t.waiting_period_hours > 0.0 || t.restoration_hours < f64::INFINITY || !t.contingent_business_interruption;
        let outage = self.components.iter().any(|&c| assumptions.components[c].basis == crate::input::Basis::Outage);
        !(outage && hours_bite)
            && t.retention == 0.0
            && t.limit == f64::INFINITY
            && t.aggregate_limit == f64::INFINITY
            && t.share == 1.0
            && self.components.iter().all(|&c| {
                let unlimited = |amounts: &[f64]| amounts.get(c).is_none_or(|s| *s == f64::INFINITY);
                assumptions.components[c].covered && unlimited(&t.sublimits) && unlimited(&t.aggregate_sublimits)
            })
            && t.sections.iter().all(|s| {
                s.sublimit == f64::INFINITY
                    && s.aggregate_sublimit == f64::INFINITY
                    && s.retention.unwrap_or(0.0) == 0.0
            })
    }

    /// The number of cost columns kept per stored year: one per applicable component, then,
    /// where the assumptions have incident types beside the data breach, one per type
    /// (the data breach first) with the year's cost of that type's incidents, then one per
    /// coverage section with the year's insured loss under it.
    pub fn width(&self) -> usize {
        self.components.len() + self.type_columns() + self.terms.sections.len()
    }

    /// Each incident type's expected incidents a year: the data breach's, then the others' in
    /// the assumptions' order.
    pub fn type_rates(&self) -> impl Iterator<Item = f64> + '_ {
        std::iter::once(self.rate).chain(self.incident_rates.iter().copied())
    }

    /// The number of cost columns by incident type ([`ExposureModel::width`]).
    pub fn type_columns(&self) -> usize {
        crate::input::incidents::type_columns(self.incident_rates.len())
    }
}

/// Everything the engine needs.
#[derive(Debug, Clone)]
pub struct Model {
    pub settings: RunSettings,
    pub assumptions: Assumptions,
    pub exposures: Vec<ExposureModel>,
    /// Stream key of each component (a hash of its name).
    pub component_keys: Vec<u64>,
    /// For each component, its position in the `[correlation]` matrix, if it is correlated.
    pub correlated_position: Vec<Option<usize>>,
    /// Whether each exposure's loss histogram is computed (only the charts draw it; true
    /// unless a command writes none).
    pub histograms: bool,
    /// The retention of the book's common basis for increased-limit factors: `[pricing]
    /// ilf_base_retention`, or the exposures' most common retention (the smaller of equals).
    pub ilf_base_retention: f64,
    /// In breach mode, the incident type each iteration is one of (0: the data breach;
    /// `i + 1`: [`Assumptions::incidents`]`[i]`; `--incident`).
    pub focus: usize,
}

impl Model {
    /// Joins exposures and assumptions, checking what only the two together can check
    /// (e.g. `sublimit_<component>` columns name real components).
    pub fn build(exposures: &Exposures, assumptions: Assumptions, settings: RunSettings) -> Result<Model> {
        let names = assumptions.component_names();
        check_match_columns(exposures, &assumptions)?;
        let mut models = Vec::with_capacity(exposures.rows.len());
        let (frequency_trend, severity_trend) =
            assumptions.trend.as_ref().map_or((1.0, 1.0), |t| (t.frequency_factor(), t.severity_factor()));
        for (row, exposure) in exposures.rows.iter().enumerate() {
            let converted = in_report_currency(exposures, &assumptions, row, exposure)?;
            let exposure = converted.as_ref().unwrap_or(exposure);
            let sector = assumptions.sectors.of(exposure.industry.as_deref());
            // The row's data types, else its sector's, else the assumptions' default.
            let held = exposure
                .data_types
                .as_ref()
                .or(sector.and_then(|s| s.data_types.as_ref()))
                .unwrap_or(&assumptions.breach.data_types);
            let components: Vec<usize> =
                assumptions.components.iter().enumerate().filter(|(_, c)| c.applies_to(held)).map(|(i, _)| i).collect();
            let defaults = &assumptions.policy;
            let mut terms = PolicyTerms {
                retention: exposure.retention.unwrap_or(defaults.retention),
                limit: exposure.limit.unwrap_or(defaults.limit),
                aggregate_limit: exposure.aggregate_limit.unwrap_or(defaults.aggregate_limit),
                share: exposure.share.unwrap_or(defaults.share),
                sublimits: defaults.sublimits.clone(),
                aggregate_sublimits: defaults.aggregate_sublimits.clone(),
                waiting_period_hours: exposure.waiting_period_hours.unwrap_or(defaults.waiting_period_hours),
                restoration_hours: exposure.restoration_hours.unwrap_or(defaults.restoration_hours),
                contingent_business_interruption: defaults.contingent_business_interruption,
                sections: defaults.sections.clone(),
            };
            let columns = [
                ("sublimit_", &exposure.sublimits, &mut terms.sublimits),
                ("aggregate_sublimit_", &exposure.aggregate_sublimits, &mut terms.aggregate_sublimits),
            ];
            for (prefix, given, amounts) in columns {
                for (component, amount) in given {
                    let index = assumptions.component_index(component).ok_or_else(|| {
                        let hint = nearest(component, &names)
                            .map(|k| format!(" (did you mean \"{prefix}{k}\"?)"))
                            .unwrap_or_default();
                        Error::input(format!(
                            "{} row {}, column {prefix}{component}: no component is called \"{component}\"{hint}",
                            exposures.label,
                            row + 1
                        ))
                    })?;
                    amounts[index] = *amount;
                }
            }
            section_terms(exposures, &assumptions, row, exposure, &mut terms.sections)?;
            let types = assumptions.incidents.len() + 1;
            let controls = crate::input::controls::effects(
                &assumptions.controls,
                &exposure.controls,
                types,
                assumptions.components.len(),
            )
            .map_err(|why| Error::input(format!("{} row {}, column controls: {why}", exposures.label, row + 1)))?;
            let (records, records_estimated) = records_held(exposures, &assumptions, row, exposure)?;
            // A control that exposes fewer records scales what a breach exposes, not the holding.
            let records_held = records;
            let records = records * controls.affected_share;
            let affected = exposure.affected.map(|a| a as f64 * controls.affected_share);
            let most_affected = match affected {
                Some(affected) => affected,
                None if records_estimated => records * assumptions.sectors.records_estimate.multiplier.largest(),
                None => records,
            };
            check_largest_breach(exposures, &assumptions, row, exposure, most_affected, &components)?;
            let (rate, rate_source) = exposure_rate(&assumptions, exposure);
            let mut incident_rates = incident_rates(exposures, &assumptions, row, exposure, rate)?;
            // Each type's controls scale its rate (a relative type's from the data breach's before them).
            for (r, m) in incident_rates.iter_mut().zip(&controls.frequency[1..]) {
                *r *= m;
            }
            let rate = rate * controls.frequency[0] * frequency_trend;
            for r in incident_rates.iter_mut() {
                *r *= frequency_trend;
            }
            let factors = (&controls.frequency[..], frequency_trend);
            check_rates(exposures, &assumptions, row, (rate, rate_source), &incident_rates, factors)?;
            let revenue_per_hour = assumptions.breach.revenue_per_hour(exposure.revenue);
            models.push(ExposureModel {
                incident_rates,
                revenue_per_hour,
                id: exposure.id.clone(),
                key: name_key(&exposure.id),
                records,
                records_estimated,
                records_held,
                affected,
                rate,
                rate_source,
                revenue: exposure.revenue,
                components,
                notice: (assumptions.notice.probability(held) * controls.notice).min(1.0),
                controls,
                severity_factor: severity_trend,
                terms,
                systemic: assumptions
                    .systemic
                    .iter()
                    .enumerate()
                    .filter(|(_, event)| matches_event(exposure, held, &event.matches))
                    .map(|(i, _)| i)
                    .collect(),
            });
        }
        let component_keys = assumptions.components.iter().map(|c| name_key(&c.name)).collect();
        let mut correlated_position = vec![None; assumptions.components.len()];
        if let Some(correlation) = &assumptions.correlation {
            for (position, &c) in correlation.components.iter().enumerate() {
                correlated_position[c] = Some(position);
            }
        }
        let ilf_base_retention =
            assumptions.pricing.ilf.base_retention.unwrap_or_else(|| most_common_retention(&models));
        Ok(Model {
            settings,
            assumptions,
            exposures: models,
            component_keys,
            correlated_position,
            histograms: true,
            ilf_base_retention,
            focus: 0,
        })
    }

    /// What a run counts as it simulates: "breaches" where every incident is a data breach,
    /// "incidents" where other types are simulated too (or instead, in breach mode).
    pub fn simulated_noun(&self) -> &'static str {
        let only_breaches = match self.settings.mode {
            crate::input::Mode::Breach => self.focus == 0,
            crate::input::Mode::Annual => self.assumptions.incidents.is_empty(),
        };
        if only_breaches {
            "breaches"
        } else {
            "incidents"
        }
    }
}

/// The retention most of the exposures have (the smaller of equally common ones; 0 for none).
pub fn most_common_retention(exposures: &[ExposureModel]) -> f64 {
    let mut retentions: Vec<f64> = exposures.iter().map(|e| e.terms.retention).collect();
    retentions.sort_by(f64::total_cmp);
    let mut best = (0, 0.0);
    for run in retentions.chunk_by(|a, b| a == b) {
        if run.len() > best.0 {
            best = (run.len(), run[0]);
        }
    }
    best.1
}

/// An exposure's expected breaches per year and where the figure came from: its
/// `annual_rate`, else the firmographic table for its revenue and industry, else the flat rate.
pub fn exposure_rate(assumptions: &Assumptions, exposure: &crate::input::Exposure) -> (f64, RateSource) {
    let frequency = &assumptions.frequency;
    // An industry no sector knows counts as 1×.
    let sector_multiplier =
        assumptions.sectors.of(exposure.industry.as_deref()).map_or(1.0, |s| s.frequency_multiplier);
    match exposure.annual_rate {
        Some(rate) => (rate, RateSource::Row),
        None => match frequency.firmographic.rate(exposure.revenue, sector_multiplier) {
            Some(rate) => (rate, RateSource::Firmographic),
            None => (frequency.rate, RateSource::Flat),
        },
    }
}

/// Refuses an exposure whose rate of some incident type, after its controls, its sector's
/// multiplier and the trend, comes above [`MAX_ANNUAL_RATE`](crate::input::MAX_ANNUAL_RATE)
/// (each input may be within its own bounds and their product not).
fn check_rates(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    (rate, source): (f64, RateSource),
    incident_rates: &[f64],
    (controls, trend): (&[f64], f64),
) -> Result<()> {
    use crate::input::incidents::names;
    let max = crate::input::MAX_ANNUAL_RATE;
    let rates = std::iter::once(rate).chain(incident_rates.iter().copied());
    let too_high = names(&assumptions.incidents).zip(rates).zip(controls).find(|((_, r), _)| r.is_nan() || *r > max);
    let Some(((name, rate), control)) = too_high else { return Ok(()) };
    let from = match source {
        RateSource::Row => "its annual_rate",
        RateSource::Firmographic => "its revenue band's rate times its sector's frequency_multiplier",
        RateSource::Flat => "[frequency] rate",
    };
    Err(Error::input(format!(
        "{} row {}: its {} rate comes to {rate:.3e} incidents a year ({from}, times its controls' frequency factor {control:.3e} and the trend's {trend:.3e}); expected at most {max}",
        exposures.label,
        row + 1,
        crate::text::excerpt(name, 40)
    )))
}

/// An exposure's expected incidents a year of each type beside the data breach: its
/// `annual_rate_<type>` column, else the type's flat rate or its relative rate × the
/// exposure's data-breach rate (`data_breach_rate`).
fn incident_rates(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    exposure: &Exposure,
    data_breach_rate: f64,
) -> Result<Vec<f64>> {
    use crate::input::incidents::{names, IncidentRate, DATA_BREACH};
    for (name, _) in &exposure.incident_rates {
        if name != DATA_BREACH && !assumptions.incidents.iter().any(|t| &t.name == name) {
            let known: Vec<&str> = names(&assumptions.incidents).collect();
            let hint =
                nearest(name, &known).map(|k| format!(" (did you mean \"annual_rate_{k}\"?)")).unwrap_or_default();
            return Err(Error::input(format!(
                "{} row {}, column annual_rate_{name}: {} has no incident type \"{name}\"{hint}",
                exposures.label,
                row + 1,
                assumptions.label
            )));
        }
        if name == DATA_BREACH {
            return Err(Error::input(format!(
                "{} row {}, column annual_rate_{DATA_BREACH}: the data-breach rate is the annual_rate column; use that",
                exposures.label,
                row + 1
            )));
        }
    }
    Ok(assumptions
        .incidents
        .iter()
        .map(|t| match exposure.incident_rates.iter().find(|(name, _)| name == &t.name) {
            Some((_, rate)) => *rate,
            None => match t.rate {
                IncidentRate::Flat(rate) => rate,
                IncidentRate::Relative(multiple) => multiple * data_breach_rate,
            },
        })
        .collect())
}

/// The row with its amounts (revenue and policy terms) in the report currency, where its
/// `currency` is another (`None` where they already are).
fn in_report_currency(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    exposure: &Exposure,
) -> Result<Option<Exposure>> {
    let Some(code) = exposure.currency.as_deref() else { return Ok(None) };
    let rate = assumptions.currencies.rate(code).map_err(|why| {
        let shown = crate::text::printable(code).chars().take(40).collect::<String>();
        let why = why.replacen(&format!("\"{code}\""), &format!("\"{shown}\""), 1);
        Error::input(format!("{} row {}, column currency: {why}", exposures.label, row + 1))
    })?;
    if rate == 1.0 {
        return Ok(None);
    }
    let mut e = exposure.clone();
    // A finite amount stays finite (an unlimited one stays unlimited).
    let scale = |column: &str, amount: &mut f64| {
        let converted = *amount * rate;
        if amount.is_finite() && !converted.is_finite() {
            return Err(Error::input(format!(
                "{} row {}, column {column}: {} {} at fx.{} = {} comes to {converted} {}; expected a finite amount",
                exposures.label,
                row + 1,
                crate::text::figure(*amount),
                crate::text::printable(code),
                crate::text::printable(code),
                crate::text::figure(rate),
                assumptions.currencies.report
            )));
        }
        *amount = converted;
        Ok(())
    };
    let amounts = [
        ("revenue", &mut e.revenue),
        ("retention", &mut e.retention),
        ("limit", &mut e.limit),
        ("aggregate_limit", &mut e.aggregate_limit),
    ];
    for (column, amount) in amounts {
        if let Some(amount) = amount.as_mut() {
            scale(column, amount)?;
        }
    }
    for (prefix, terms) in [("sublimit_", &mut e.sublimits), ("aggregate_sublimit_", &mut e.aggregate_sublimits)] {
        for (component, amount) in terms.iter_mut() {
            scale(&format!("{prefix}{component}"), amount)?;
        }
    }
    for (term, section, amount) in e.section_terms.iter_mut() {
        scale(&format!("{}{section}", term.column_prefix()), amount)?;
    }
    Ok(Some(e))
}

/// Sets an exposure's `section_<term>_<section>` columns into its section terms.
fn section_terms(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    exposure: &Exposure,
    terms: &mut [crate::input::sections::SectionTerms],
) -> Result<()> {
    let names: Vec<&str> = assumptions.sections.iter().map(|s| s.name.as_str()).collect();
    for (term, section, amount) in &exposure.section_terms {
        if let Some(code) = section.strip_prefix(crate::input::oed::CODE_PREFIX) {
            // From an OED account file: the section with that coverage code, if any.
            let with_code = |s: &crate::input::sections::CoverageSection| {
                s.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code))
            };
            if let Some(index) = assumptions.sections.iter().position(with_code) {
                term.set(&mut terms[index], *amount);
            }
            continue;
        }
        let prefix = term.column_prefix();
        let index = names.iter().position(|n| n == section).ok_or_else(|| {
            let hint = match nearest(section, &names) {
                Some(k) => format!(" (did you mean \"{prefix}{k}\"?)"),
                None if names.is_empty() => " (the assumptions have no [[section]])".to_string(),
                None => String::new(),
            };
            Error::input(format!(
                "{} row {}, column {prefix}{section}: no section is called \"{section}\"{hint}",
                exposures.label,
                row + 1
            ))
        })?;
        term.set(&mut terms[index], *amount);
    }
    Ok(())
}

/// An exposure's records held and whether they were estimated: the row's `records`; else,
/// where `affected` is known, those (no more are needed); else its revenue (in $M) times the
/// records per $1M of revenue of its sector (or the `[records_estimate]` default).
fn records_held(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    exposure: &Exposure,
) -> Result<(f64, bool)> {
    if let Some(records) = exposure.records {
        return Ok((records as f64, false));
    }
    if let Some(affected) = exposure.affected {
        return Ok((affected as f64, false));
    }
    let industry = exposure.industry.as_deref();
    let density = assumptions.sectors.records_per_million_revenue(industry);
    match (exposure.revenue, density) {
        (Some(revenue), Some(density)) => Ok((revenue / 1e6 * density, true)),
        (revenue, _) => {
            let why = match (revenue, industry) {
                (None, _) => "and the row has no revenue to estimate them from".to_string(),
                (Some(_), Some(industry)) => format!(
                    "and {} gives no records_per_million_revenue for industry \"{}\" (no [[sector]] figure, no [records_estimate] default)",
                    assumptions.label,
                    crate::text::printable(industry)
                ),
                (Some(_), None) => format!(
                    "and {} gives no [records_estimate] records_per_million_revenue for rows without an industry",
                    assumptions.label
                ),
            };
            Err(Error::input(format!(
                "{} row {}, column records: \"\" is empty {why}; expected a non-negative integer",
                exposures.label,
                row + 1
            )))
        }
    }
}

/// The most one breach may cost: the largest number, f64::MAX ≈ 1.8e308. A breach whose
/// components can add up to more would be infinite, whatever the draws. What a year or a run
/// adds up over many breaches depends on how many are drawn, which validation cannot know:
/// a bound that kept every sum finite (f64::MAX / 2⁵³ ≈ 2.0e292, for runs of fewer than 2⁵³
/// breaches) would refuse inputs that run fine for their counts (one `fixed` of up to 1e308,
/// tests/fuzz_regressions). Sums and squares (the sd, above ~1e154) that overflow are found on
/// the results instead ([`crate::run::RunResults::check_finite`]), before any report is written.
pub const BREACH_COST_BOUND: f64 = f64::MAX;

/// Refuses an exposure whose breach could cost more than [`BREACH_COST_BOUND`]: the sum over
/// the components that apply to it of each one's largest cost (fixed + per_unit × units^exponent
/// at their largest draws, with `most_affected` records affected).
fn check_largest_breach(
    exposures: &Exposures,
    assumptions: &Assumptions,
    row: usize,
    exposure: &Exposure,
    most_affected: f64,
    components: &[usize],
) -> Result<()> {
    let revenue_per_hour = assumptions.breach.revenue_per_hour(exposure.revenue);
    let cost = |c: usize| {
        let component = &assumptions.components[c];
        let size = match component.basis {
            crate::input::Basis::Records => most_affected,
            crate::input::Basis::Outage => {
                // The longest outage of the types it arises in.
                let types = assumptions.incidents.iter().enumerate();
                let arising = types.filter(|(i, _)| component.incidents & (1 << (i + 1)) != 0);
                let hours =
                    arising.filter_map(|(_, t)| t.duration_hours.as_ref()).map(Var::largest).fold(0.0, f64::max);
                revenue_per_hour * hours
            }
        };
        let units = size * component.unit_share.largest();
        component.fixed.largest() + component.per_unit.largest() * units.powf(component.exponent)
    };
    let total: f64 = components.iter().map(|&c| cost(c)).sum();
    // (A NaN, 0 × an infinite power, is refused too.)
    if total <= BREACH_COST_BOUND {
        return Ok(());
    }
    // Name the component that costs the most (the first of equals), with its parts.
    let Some(&worst) = components.iter().max_by(|&&a, &&b| cost(a).total_cmp(&cost(b)).then(b.cmp(&a))) else {
        return Ok(());
    };
    let c = &assumptions.components[worst];
    let units = most_affected * c.unit_share.largest();
    let per_unit = match c.per_unit.largest() {
        0.0 => String::new(),
        p => format!(" + per_unit up to {} × units^{} up to {}", big(p), c.exponent, big(units.powf(c.exponent))),
    };
    Err(Error::input(format!(
        "{}: component \"{}\" costs up to {} (fixed up to {}{per_unit}): one breach of exposure \"{}\" ({} row {}, {} records) can cost up to {} over its {} components, more than the largest number a run can hold ({:.1e}); expected smaller fixed, per_unit or unit_share",
        assumptions.label,
        c.name,
        big(cost(worst)),
        big(c.fixed.largest()),
        exposure.id,
        exposures.label,
        row + 1,
        big(most_affected),
        big(total),
        components.len(),
        BREACH_COST_BOUND
    )))
}

/// A number for a message: plain below 10^15 when whole, else in scientific notation.
fn big(x: f64) -> String {
    if x.abs() < 1e15 && x == x.trunc() {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// The value of `column` for an exposure, lower-cased, for matching systemic events.
fn column_value(exposure: &Exposure, column: &str) -> Option<String> {
    let value = match column {
        "id" => Some(exposure.id.clone()),
        "name" => exposure.name.clone(),
        "industry" => exposure.industry.clone(),
        _ => exposure.extra.iter().find(|(c, _)| c == column).map(|(_, v)| v.clone()),
    };
    value.map(|v| v.trim().to_lowercase())
}

fn matches_event(exposure: &Exposure, held: &[String], matches: &[(String, Vec<String>)]) -> bool {
    matches.iter().all(|(column, accepted)| {
        if column == "data_types" {
            accepted.iter().any(|a| held.contains(a))
        } else {
            column_value(exposure, column).is_some_and(|v| accepted.contains(&v))
        }
    })
}

/// Every `match` column of every systemic event must be a column of the exposures file.
fn check_match_columns(exposures: &Exposures, assumptions: &Assumptions) -> Result<()> {
    const BUILT_IN: [&str; 4] = ["id", "name", "industry", "data_types"];
    let mut extra: Vec<&str> = exposures.rows.iter().flat_map(|r| r.extra.iter().map(|(c, _)| c.as_str())).collect();
    extra.sort_unstable();
    extra.dedup();
    for event in &assumptions.systemic {
        for (column, _) in &event.matches {
            if !BUILT_IN.contains(&column.as_str()) && !extra.contains(&column.as_str()) {
                let mut known: Vec<&str> = BUILT_IN.to_vec();
                known.extend(&extra);
                let hint = nearest(column, &known).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
                return Err(Error::input(format!(
                    "{}: systemic \"{}\".match.{column}: the exposures file {} has no column \"{column}\" with values{hint}",
                    assumptions.label, event.name, exposures.label
                )));
            }
        }
    }
    Ok(())
}

/// For tests: the model of exposures (CSV text) and assumptions (TOML text) under `settings`.
#[cfg(test)]
pub(crate) fn test_model(csv: &str, toml: &str, settings: RunSettings) -> Model {
    let exposures = Exposures::from_csv_bytes(csv.as_bytes(), "book.csv").expect("exposures parse");
    let assumptions = Assumptions::parse(toml, "a.toml").expect("assumptions parse");
    Model::build(&exposures, assumptions, settings).expect("model builds")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simulate_exposures;

    fn model(csv: &str, toml: &str) -> Model {
        test_model(csv, toml, RunSettings { mode: Mode::Annual, iterations: 20_000, seed: 7 })
    }

    /// The static test agrees with what the engine stores: exposures it calls pass-through keep
    /// no insured columns, and those whose terms bite do (at rate 2 some year always bites).
    #[test]
    fn insured_is_gross_exactly_when_no_term_can_bite() {
        let covered = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
                       [[component]]\nname = \"b\"\nper_unit = 2\n";
        let csv = "id,records,annual_rate,retention,limit,aggregate_limit,share,sublimit_b\n\
                   plain,1000,2,,,,,\nretention,1000,2,1000,,,,\nlimit,1000,2,,50000,,,\n\
                   aggregate,1000,2,,,100000,,\nshare,1000,2,,,,0.5,\nsublimit,1000,2,,,,,100\n";
        let m = model(csv, covered);
        let expected = [true, false, false, false, false, false];
        let outcomes = simulate_exposures(&m, 0..m.exposures.len(), 0..20_000, &|_| {});
        for ((e, o), want) in m.exposures.iter().zip(&outcomes).zip(expected) {
            assert_eq!(e.insured_is_gross(&m.assumptions), want, "{}", e.id);
            assert!(!o.is_empty(), "{}: no breach stored", e.id);
            assert_eq!(o.insured_is_gross(), want, "{}: stored columns", e.id);
        }
        let uncovered = format!("{covered}[[component]]\nname = \"c\"\nfixed = 10\ncovered = false\n");
        let m = model("id,records,annual_rate\nplain,1000,2\n", &uncovered);
        assert!(!m.exposures[0].insured_is_gross(&m.assumptions));
    }

    /// Runs count breaches where every incident is a data breach, incidents where other types
    /// are simulated (in annual mode beside the breaches, in breach mode given one of them).
    #[test]
    fn a_run_counts_what_it_simulates() {
        let breach = "[[component]]\nname = \"a\"\nfixed = 10\n";
        let types = format!("{breach}[[incident]]\nname = \"ransomware\"\nrelative_rate = 0.5\n");
        let csv = "id,records,annual_rate\nx,1000,0.1\n";
        let settings = |mode| RunSettings { mode, iterations: 10, seed: 7 };
        assert_eq!(test_model(csv, breach, settings(Mode::Annual)).simulated_noun(), "breaches");
        assert_eq!(test_model(csv, &types, settings(Mode::Annual)).simulated_noun(), "incidents");
        let mut given = test_model(csv, &types, settings(Mode::Breach));
        assert_eq!(given.simulated_noun(), "breaches");
        given.focus = 1;
        assert_eq!(given.simulated_noun(), "incidents");
    }
}
