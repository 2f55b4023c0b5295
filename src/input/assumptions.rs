//! The assumptions file (TOML): parsed into typed, validated values with every rule checked
//! once, errors naming the key path.

use super::dist::{parse_var, Role, Var};
use super::portfolio_risk::{parse_correlation, parse_systemic, Correlation, SystemicEvent};
use super::toml_section::{number, numbers_by_name, show, Section};
use crate::error::{Error, Result};

// Lives in `input`, beside the modules that check it (here, `portfolio_risk`, `exposures`).
pub use super::breach::{BreachSettings, ShareByHolding, DEFAULT_REFERENCE_REVENUE, HOURS_PER_YEAR};
pub use super::MAX_ANNUAL_RATE;

/// What one iteration of the simulation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One iteration = one breach of the exposure.
    Breach,
    /// One iteration = one policy year with a random number of breaches.
    Annual,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "breach" => Some(Mode::Breach),
            "annual" => Some(Mode::Annual),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Breach => "breach",
            Mode::Annual => "annual",
        }
    }
}

/// The `[simulation]` table: defaults that CLI flags override.
#[derive(Debug, Clone, Default)]
pub struct SimulationSettings {
    pub mode: Option<Mode>,
    pub iterations: Option<u64>,
    pub seed: Option<u64>,
}

/// Breach counts per exposure-year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CountModel {
    Poisson,
    /// Gamma-mixed Poisson with variance `rate + dispersion × rate²` (the "NB2" form).
    NegativeBinomial {
        dispersion: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Frequency {
    pub model: CountModel,
    /// Expected breaches per exposure-year, where the exposure row gives no `annual_rate`.
    pub rate: f64,
    /// Default rates by revenue band (`[[frequency.by_revenue]]`), times the sector's multiplier.
    pub firmographic: super::firmographics::FirmographicRates,
    /// For sensitivity analysis: every year's breach count held at this number (the count
    /// is still drawn, so the other draws stay where they were).
    pub held_count: Option<u32>,
    /// The sd of the common frequency shock (`common_shock_sd`): each year, one gamma
    /// multiplier of mean 1 and this sd scales every exposure's rate. 0: none.
    pub common_shock_sd: f64,
}

/// The largest `common_shock_sd` accepted: a multiplier of sd 10 (gamma shape 0.01) already
/// leaves almost every year without breaches and a rare year with hundreds of times the rate,
/// far beyond any observed swing in breach counts; larger values only lose precision.
pub const MAX_COMMON_SHOCK_SD: f64 = 10.0;

/// The chance that a component's cost arises in a breach.
#[derive(Debug, Clone, PartialEq)]
pub enum Probability {
    Constant(f64),
    /// Points `(log10 affected records, probability)`, strictly increasing in records,
    /// interpolated linearly in log10 records and flat beyond the ends.
    Curve(Vec<(f64, f64)>),
}

impl Probability {
    /// The probability at `log10_affected` (log10 of the affected records).
    #[inline]
    pub fn at(&self, log10_affected: f64) -> f64 {
        match self {
            Probability::Constant(p) => *p,
            Probability::Curve(points) => {
                let (first_x, first_p) = points[0];
                if log10_affected.is_nan() || log10_affected <= first_x {
                    return first_p;
                }
                for pair in points.windows(2) {
                    let (x0, p0) = pair[0];
                    let (x1, p1) = pair[1];
                    if log10_affected <= x1 {
                        return p0 + (p1 - p0) * (log10_affected - x0) / (x1 - x0);
                    }
                }
                points[points.len() - 1].1
            }
        }
    }

    pub fn is_certain(&self) -> bool {
        matches!(self, Probability::Constant(p) if *p >= 1.0)
    }
}

/// One cost component: `[U < probability(n)] × (fixed + per_unit × (n × unit_share)^exponent)`.
#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub probability: Probability,
    pub fixed: Var,
    pub per_unit: Var,
    pub unit_share: Var,
    pub exponent: f64,
    /// Applies if the exposure holds one of these; empty = always ("any").
    pub data_types: Vec<String>,
    /// Does not apply if the exposure holds any of these.
    pub exclude_data_types: Vec<String>,
    /// Arises only in breaches that are notified (see [`super::notice::Notice`]).
    pub needs_notice: bool,
    /// Counts toward the insured loss.
    pub covered: bool,
    /// The most one breach's cost of it can be, as a share of the exposure's revenue (where
    /// the row gives a revenue): no firm loses more business than it has.
    pub max_share_of_revenue: Option<f64>,
    /// Its cost grows with the size of the firm as `(revenue / reference_revenue)^this`
    /// (`[breach]`; 0: not at all).
    pub revenue_exponent: f64,
    /// The incident types it arises in, as bits: bit 0 the data breach, bit `i + 1`
    /// [`Assumptions::incidents`]`[i]` (`incident = "ransomware"` or a list of names).
    pub incidents: u64,
    /// What its units are counted in.
    pub basis: Basis,
    pub source: String,
    /// For sensitivity analysis: whether the cost arises, held (the occurrence draw is still made).
    pub held_occurrence: Option<bool>,
}

impl Component {
    /// Whether this component applies to an exposure holding `held` data types.
    pub fn applies_to(&self, held: &[String]) -> bool {
        let included = self.data_types.is_empty() || self.data_types.iter().any(|d| held.contains(d));
        let excluded = self.exclude_data_types.iter().any(|d| held.contains(d));
        included && !excluded
    }
}

/// What a component's units are: `units = size × unit_share`, the size being the incident's
/// affected records, or the revenue its outage loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The affected records.
    Records,
    /// The revenue of the outage's hours (`revenue / 8,760` an hour, at least `[breach]
    /// min_revenue`, the reference firm's without a revenue): business interruption, of which
    /// the policy covers the hours past its waiting period up to its period of restoration.
    Outage,
}

/// Policy terms: the `[policy]` defaults, or one exposure's terms after its overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyTerms {
    pub retention: f64,
    pub limit: f64,
    pub aggregate_limit: f64,
    pub share: f64,
    /// Per component (same order as [`Assumptions::components`]); infinity = no sublimit.
    pub sublimits: Vec<f64>,
    /// Per component, what the insurer pays for it over a policy year; infinity = none.
    pub aggregate_sublimits: Vec<f64>,
    /// Hours of an outage before business-interruption cover starts.
    pub waiting_period_hours: f64,
    /// The most hours of an outage the policy pays business interruption for.
    pub restoration_hours: f64,
    /// Whether business interruption from a provider's outage (a systemic event's) is covered.
    pub contingent_business_interruption: bool,
    /// Per coverage section (same order as [`Assumptions::sections`]).
    pub sections: Vec<super::sections::SectionTerms>,
}

/// How much capital a policy ties up, for the risk load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CapitalMeasure {
    /// TVaR at 99% minus the mean.
    Tvar99,
    /// VaR at 99.5% (Solvency II's measure) minus the mean.
    Var995,
    /// A multiple of the standard deviation.
    SdMultiple(f64),
}

/// The `[pricing]` table: technical premium = (expected loss + risk load) / (1 − expense ratio),
/// risk load = cost of capital × capital.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pricing {
    pub expense_ratio: f64,
    pub cost_of_capital: f64,
    pub capital_measure: CapitalMeasure,
    pub capital_allocation: CapitalAllocation,
    pub ilf: IlfSettings,
}

/// Which capital a policy's risk load is charged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapitalAllocation {
    /// Its Euler allocation of the portfolio's capital (co-TVaR for `tvar_99`).
    Portfolio,
    /// The capital it would need as the insurer's only policy.
    Standalone,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            expense_ratio: 0.30,
            cost_of_capital: 0.10,
            capital_measure: CapitalMeasure::Tvar99,
            capital_allocation: CapitalAllocation::Portfolio,
            ilf: IlfSettings::default(),
        }
    }
}

/// What the aggregate limit is at each increased limit (`[pricing] ilf_aggregate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IlfAggregate {
    /// In proportion to the limit: `limit × aggregate / policy limit` (the limit itself where
    /// the policy has no per-breach limit); unlimited stays unlimited.
    Moves,
    /// The policy's own aggregate at every limit.
    Fixed,
}

/// How `ilf.csv` is worked out (the `ilf_*` keys of `[pricing]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IlfSettings {
    pub aggregate: IlfAggregate,
    /// The retention of the book's common basis; `None`: the portfolio's most common one.
    pub base_retention: Option<f64>,
    /// The risk load of an increased limit is cost of capital × this × sd of its insured loss.
    pub sd_multiple: f64,
}

impl Default for IlfSettings {
    fn default() -> Self {
        // 2.665: TVaR99 of a normal distribution is its mean + 2.665 sd (a judgement, see
        // assumptions/README.md).
        IlfSettings { aggregate: IlfAggregate::Moves, base_retention: None, sd_multiple: 2.665 }
    }
}

/// Reads the `ilf_*` keys of `[pricing]`.
fn parse_ilf_settings(s: &mut Section) -> Result<IlfSettings> {
    let defaults = IlfSettings::default();
    let aggregate = match s.str_opt("ilf_aggregate")? {
        None | Some("moves") => IlfAggregate::Moves,
        Some("fixed") => IlfAggregate::Fixed,
        Some(other) => {
            return Err(
                s.error("ilf_aggregate", format!("\"{other}\" is not a choice; expected \"moves\" or \"fixed\""))
            )
        }
    };
    let base_retention = s.f64_opt("ilf_base_retention")?;
    if let Some(r) = base_retention.filter(|r| !(r.is_finite() && *r >= 0.0)) {
        return Err(s.error("ilf_base_retention", format!("{r} is not a finite amount ≥ 0")));
    }
    let sd_multiple = s.f64_opt("ilf_sd_multiple")?.unwrap_or(defaults.sd_multiple);
    if !(sd_multiple.is_finite() && sd_multiple >= 0.0) {
        return Err(s.error("ilf_sd_multiple", format!("{sd_multiple} is not a finite number ≥ 0")));
    }
    Ok(IlfSettings { aggregate, base_retention, sd_multiple })
}

/// The whole assumptions file, validated.
#[derive(Debug, Clone)]
pub struct Assumptions {
    /// How the file is named in messages (its path, or "built-in default assumptions").
    pub label: String,
    pub simulation: SimulationSettings,
    pub frequency: Frequency,
    pub breach: BreachSettings,
    pub components: Vec<Component>,
    pub policy: PolicyTerms,
    pub pricing: Pricing,
    /// Published market figures the premiums are checked against.
    pub market: super::market::Market,
    /// Which breached data oblige notice (every breach is notified without a `[notice]` table).
    pub notice: super::notice::Notice,
    pub systemic: Vec<SystemicEvent>,
    /// Systemic events given with `enabled = false`: checked, shown by `validate`, not simulated.
    pub disabled_systemic: Vec<SystemicEvent>,
    /// Incident types beside the data breach (`[[incident]]`; empty: data breaches alone).
    pub incidents: Vec<super::incidents::IncidentType>,
    /// Coverage sections (`[[section]]`; empty: none).
    pub sections: Vec<super::sections::CoverageSection>,
    /// Security controls (`[[control]]`; empty: none).
    pub controls: Vec<super::controls::Control>,
    /// The report currency and exchange rates (`[meta] currency`, `[fx]`), the date the figures
    /// stand for (`[meta] as_of`), and their trend to the policy period (`[trend]`).
    pub currencies: super::policy_period::Currencies,
    pub as_of: Option<super::policy_period::Date>,
    pub trend: Option<super::policy_period::Trend>,
    /// Reinsurance on the portfolio (`[[treaty]]`; empty: none).
    pub treaties: Vec<super::treaties::Treaty>,
    pub correlation: Option<Correlation>,
    /// Sectors (`[[sector]]`) and how records are estimated from revenue (`[records_estimate]`).
    pub sectors: super::sectors::Sectors,
    /// The parsed document, echoed into run.json.
    pub document: toml::Table,
}

impl Assumptions {
    /// The index of the component called `name`.
    pub fn component_index(&self, name: &str) -> Option<usize> {
        self.components.iter().position(|c| c.name == name)
    }

    pub fn component_names(&self) -> Vec<&str> {
        self.components.iter().map(|c| c.name.as_str()).collect()
    }

    /// Warnings about inputs that are valid but make some statistics unstable (one line each,
    /// naming the file and key): a cost distribution with an infinite mean or variance, or
    /// one so dispersed that the simulated mean is dominated by a few draws. The binary
    /// prints them on stderr before simulating.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.components {
            for (key, var) in [("fixed", &c.fixed), ("per_unit", &c.per_unit)] {
                if let Some(note) = var.instability() {
                    out.push(format!("{}: component \"{}\".{key}: {note}", self.label, c.name));
                }
            }
        }
        out
    }

    /// Parses and validates the assumptions text; `label` names the file in errors.
    pub fn parse(text: &str, label: &str) -> Result<Assumptions> {
        let document: toml::Table = toml::from_str(text).map_err(|e| toml_syntax_error(text, label, &e))?;
        let mut root = Section::new(label, "", &document);

        if let Some(meta) = root.get("meta") {
            if !meta.is_table() {
                return Err(root.error("meta", format!("{} is not a table", show(meta))));
            }
        }
        let (currencies, as_of, trend) = super::policy_period::parse(&mut root)?;
        let treaties = super::treaties::parse(label, root.get("treaty"))?;
        let simulation = match root.table_opt("simulation")? {
            None => SimulationSettings::default(),
            Some(mut s) => {
                let mode = match s.str_opt("mode")? {
                    None => None,
                    Some(m) => Some(Mode::parse(m).ok_or_else(|| {
                        s.error("mode", format!("\"{m}\" is not a mode; expected \"annual\" or \"breach\""))
                    })?),
                };
                let iterations = s.u64_opt("iterations")?;
                if iterations == Some(0) {
                    return Err(s.error("iterations", "0 is not allowed; expected at least 1"));
                }
                let seed = s.u64_opt("seed")?;
                s.finish()?;
                SimulationSettings { mode, iterations, seed }
            }
        };

        let frequency = match root.table_opt("frequency")? {
            None => Frequency {
                model: CountModel::Poisson,
                rate: 0.05,
                firmographic: Default::default(),
                held_count: None,
                common_shock_sd: 0.0,
            },
            Some(mut s) => {
                let rate = s.f64_opt("rate")?.unwrap_or(0.05);
                if !(rate.is_finite() && rate >= 0.0) {
                    return Err(s.error("rate", format!("{rate} is not a finite number ≥ 0")));
                }
                if rate > MAX_ANNUAL_RATE {
                    return Err(s.error(
                        "rate",
                        format!("{rate} is above {MAX_ANNUAL_RATE} breaches per exposure-year; expected a rate ≤ {MAX_ANNUAL_RATE}"),
                    ));
                }
                let model_name = s.str_opt("model")?.unwrap_or("poisson");
                let dispersion = s.f64_opt("dispersion")?;
                let model = match model_name {
                    "poisson" => {
                        if dispersion.is_some() {
                            return Err(s.error("dispersion", "only goes with model = \"negative_binomial\""));
                        }
                        CountModel::Poisson
                    }
                    "negative_binomial" => {
                        let dispersion = dispersion
                            .ok_or_else(|| s.error("dispersion", "missing; negative_binomial needs dispersion > 0"))?;
                        if !(dispersion.is_finite() && dispersion > 0.0) {
                            return Err(s.error("dispersion", format!("{dispersion} is not a finite number > 0")));
                        }
                        CountModel::NegativeBinomial { dispersion }
                    }
                    other => {
                        return Err(s.error(
                            "model",
                            format!("\"{other}\" is not a count model; expected \"poisson\" or \"negative_binomial\""),
                        ))
                    }
                };
                let common_shock_sd = s.f64_opt("common_shock_sd")?.unwrap_or(0.0);
                if !(0.0..=MAX_COMMON_SHOCK_SD).contains(&common_shock_sd) {
                    return Err(s.error(
                        "common_shock_sd",
                        format!("{common_shock_sd} is not a number from 0 (no shock) to {MAX_COMMON_SHOCK_SD}"),
                    ));
                }
                let firmographic = super::firmographics::parse(&mut s, MAX_ANNUAL_RATE)?;
                s.str_opt("source")?;
                s.finish()?;
                Frequency { model, rate, firmographic, held_count: None, common_shock_sd }
            }
        };

        let breach = super::breach::parse(root.table_opt("breach")?)?;

        let incidents = super::incidents::parse(label, root.get("incident"), MAX_ANNUAL_RATE)?;
        let components = match root.get("component") {
            None => {
                return Err(Error::input(format!("{label}: component: missing; at least one [[component]] is needed")))
            }
            Some(toml::Value::Array(items)) => {
                let mut components: Vec<Component> = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let table = item.as_table().ok_or_else(|| {
                        Error::input(format!("{label}: component[{}]: {} is not a table", index + 1, show(item)))
                    })?;
                    let component = parse_component(label, index, table, &incidents)?;
                    if components.iter().any(|c| c.name == component.name) {
                        return Err(Error::input(format!(
                            "{label}: component \"{}\": the name is used twice; component names must be unique",
                            component.name
                        )));
                    }
                    components.push(component);
                }
                if components.is_empty() {
                    return Err(Error::input(format!(
                        "{label}: component: empty; at least one [[component]] is needed"
                    )));
                }
                components
            }
            Some(other) => {
                return Err(Error::input(format!(
                    "{label}: component: {} is not a list of tables; write [[component]] sections",
                    show(other)
                )))
            }
        };

        let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
        let facts: Vec<super::sections::ComponentFacts> = components
            .iter()
            .map(|c| super::sections::ComponentFacts {
                name: &c.name,
                covered: c.covered,
                outage: c.basis == Basis::Outage,
            })
            .collect();
        let sections = super::sections::parse(label, root.get("section"), &facts)?;
        let type_names: Vec<&str> = super::incidents::names(&incidents).collect();
        let controls = super::controls::parse(label, root.get("control"), &type_names, &names)?;
        let policy = match root.table_opt("policy")? {
            None => PolicyTerms {
                retention: 0.0,
                limit: f64::INFINITY,
                aggregate_limit: f64::INFINITY,
                share: 1.0,
                sublimits: vec![f64::INFINITY; components.len()],
                aggregate_sublimits: vec![f64::INFINITY; components.len()],
                waiting_period_hours: 0.0,
                restoration_hours: f64::INFINITY,
                contingent_business_interruption: true,
                sections: vec![super::sections::SectionTerms::NONE; sections.len()],
            },
            Some(mut s) => {
                let retention = policy_amount(&mut s, "retention", 0.0, false)?;
                let limit = policy_amount(&mut s, "limit", f64::INFINITY, true)?;
                let aggregate_limit = policy_amount(&mut s, "aggregate_limit", f64::INFINITY, true)?;
                let share = s.f64_opt("share")?.unwrap_or(1.0);
                if !(0.0..=1.0).contains(&share) {
                    return Err(s.error("share", format!("{share} is not a share between 0 and 1")));
                }
                let sublimits = component_amounts(&mut s, "sublimits", &names)?;
                let aggregate_sublimits = component_amounts(&mut s, "aggregate_sublimits", &names)?;
                let waiting_period_hours = policy_amount(&mut s, "waiting_period_hours", 0.0, false)?;
                let restoration_hours = policy_amount(&mut s, "period_of_restoration_hours", f64::INFINITY, true)?;
                let contingent_business_interruption = s.bool_opt("contingent_business_interruption")?.unwrap_or(true);
                let section_terms = super::sections::policy_terms(&mut s, &sections)?;
                s.finish()?;
                PolicyTerms {
                    retention,
                    limit,
                    aggregate_limit,
                    share,
                    sublimits,
                    aggregate_sublimits,
                    waiting_period_hours,
                    restoration_hours,
                    contingent_business_interruption,
                    sections: section_terms,
                }
            }
        };
        let (systemic, disabled_systemic) = match root.get("systemic") {
            None => (Vec::new(), Vec::new()),
            Some(value) => parse_systemic(label, value, &incidents)?.into_iter().partition(|e| e.enabled),
        };
        let event_names = systemic.iter().chain(&disabled_systemic).map(|e: &SystemicEvent| e.name.as_str());
        super::treaties::check_events(label, &treaties, event_names)?;
        let correlation = match root.table_opt("correlation")? {
            None => None,
            Some(section) => Some(parse_correlation(section, &names)?),
        };
        let pricing = match root.table_opt("pricing")? {
            None => Pricing::default(),
            Some(mut s) => {
                let defaults = Pricing::default();
                let expense_ratio = s.f64_opt("expense_ratio")?.unwrap_or(defaults.expense_ratio);
                if !(0.0..1.0).contains(&expense_ratio) {
                    return Err(s.error("expense_ratio", format!("{expense_ratio} is not a ratio in [0, 1)")));
                }
                let cost_of_capital = s.f64_opt("cost_of_capital")?.unwrap_or(defaults.cost_of_capital);
                if !(cost_of_capital.is_finite() && cost_of_capital >= 0.0) {
                    return Err(s.error("cost_of_capital", format!("{cost_of_capital} is not a finite rate ≥ 0")));
                }
                let multiple = s.f64_opt("sd_multiple")?;
                let capital_measure = match s.str_opt("capital_measure")?.unwrap_or("tvar_99") {
                    "tvar_99" => CapitalMeasure::Tvar99,
                    "var_99_5" => CapitalMeasure::Var995,
                    "sd_multiple" => {
                        let k = multiple.ok_or_else(|| {
                            s.error("sd_multiple", "missing; capital_measure = \"sd_multiple\" needs sd_multiple = k")
                        })?;
                        if !(k.is_finite() && k > 0.0) {
                            return Err(s.error("sd_multiple", format!("{k} is not a finite number > 0")));
                        }
                        CapitalMeasure::SdMultiple(k)
                    }
                    other => {
                        return Err(s.error(
                            "capital_measure",
                            format!("\"{other}\" is not a capital measure; expected \"tvar_99\", \"var_99_5\" or \"sd_multiple\""),
                        ))
                    }
                };
                if multiple.is_some() && !matches!(capital_measure, CapitalMeasure::SdMultiple(_)) {
                    return Err(s.error("sd_multiple", "only goes with capital_measure = \"sd_multiple\""));
                }
                let capital_allocation = match s.str_opt("capital_allocation")?.unwrap_or("portfolio") {
                    "portfolio" => CapitalAllocation::Portfolio,
                    "standalone" => CapitalAllocation::Standalone,
                    other => {
                        return Err(s.error(
                            "capital_allocation",
                            format!(
                                "\"{other}\" is not a capital allocation; expected \"portfolio\" or \"standalone\""
                            ),
                        ))
                    }
                };
                let ilf = parse_ilf_settings(&mut s)?;
                s.str_opt("source")?;
                s.finish()?;
                Pricing { expense_ratio, cost_of_capital, capital_measure, capital_allocation, ilf }
            }
        };
        let market = match root.table_opt("market")? {
            None => super::market::Market::default(),
            Some(section) => super::market::parse(section)?,
        };
        let notice = match root.table_opt("notice")? {
            None => super::notice::Notice::default(),
            Some(section) => super::notice::parse(section)?,
        };
        let sectors = super::sectors::parse(&mut root)?;
        root.finish()?;

        Ok(Assumptions {
            pricing,
            market,
            notice,
            systemic,
            disabled_systemic,
            incidents,
            sections,
            controls,
            currencies,
            as_of,
            trend,
            treaties,
            correlation,
            sectors,
            label: label.to_string(),
            simulation,
            frequency,
            breach,
            components,
            policy,
            document,
        })
    }
}

/// A table of amounts ≥ 0 (or inf) by component name (`sublimits`, `aggregate_sublimits`),
/// per component in order; infinity where none is given.
fn component_amounts(s: &mut Section, key: &'static str, names: &[&str]) -> Result<Vec<f64>> {
    let mut amounts = vec![f64::INFINITY; names.len()];
    for (index, v) in numbers_by_name(s, key, names, "component", (|v| v >= 0.0, "an amount ≥ 0"))? {
        amounts[index] = v;
    }
    Ok(amounts)
}

/// A policy amount ≥ 0; infinity allowed for limits.
fn policy_amount(s: &mut Section, key: &'static str, default: f64, infinite_ok: bool) -> Result<f64> {
    let value = s.f64_opt(key)?.unwrap_or(default);
    if value < 0.0 || (!infinite_ok && !value.is_finite()) {
        let expected = if infinite_ok { "an amount ≥ 0 (or inf)" } else { "a finite amount ≥ 0" };
        return Err(s.error(key, format!("{value} is not {expected}")));
    }
    Ok(value)
}

fn parse_component(
    label: &str,
    index: usize,
    table: &toml::Table,
    incidents: &[super::incidents::IncidentType],
) -> Result<Component> {
    let name = match table.get("name") {
        Some(toml::Value::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
        Some(other) => {
            return Err(Error::input(format!(
                "{label}: component[{}].name: {} is not a non-empty string",
                index + 1,
                show(other)
            )))
        }
        None => {
            return Err(Error::input(format!(
                "{label}: component[{}].name: missing; every component needs a name",
                index + 1
            )))
        }
    };
    // Names are written into the reports and printed: short, and free of control characters.
    if let Some(problem) = crate::text::text_problem(&name, crate::text::MAX_ID_BYTES) {
        let shown = crate::text::excerpt(&name, 60);
        return Err(Error::input(format!("{label}: component[{}].name: \"{shown}\" {problem}", index + 1)));
    }
    let mut s = Section::new(label, format!("component \"{name}\""), table);
    s.get("name");
    let probability = match s.get("probability") {
        None => Probability::Constant(1.0),
        Some(value) => parse_probability(&s, value)?,
    };
    let fixed = parse_var(&mut s, "fixed", Role::NonNegative, 0.0)?;
    let per_unit = parse_var(&mut s, "per_unit", Role::NonNegative, 0.0)?;
    let unit_share = parse_var(&mut s, "unit_share", Role::Share, 1.0)?;
    let exponent = s.f64_opt("exponent")?.unwrap_or(1.0);
    if !(exponent.is_finite() && exponent >= 0.0) {
        return Err(s.error("exponent", format!("{exponent} is not a finite number ≥ 0")));
    }
    let mut data_types = super::toml_section::data_type_list(&mut s, "data_types")?;
    if data_types.iter().any(|d| d == "any") {
        data_types.clear();
    }
    let exclude_data_types = super::toml_section::data_type_list(&mut s, "exclude_data_types")?;
    let covered = s.bool_opt("covered")?.unwrap_or(true);
    let needs_notice = s.bool_opt("needs_notice")?.unwrap_or(false);
    let max_share_of_revenue = s.f64_opt("max_share_of_revenue")?;
    if let Some(share) = max_share_of_revenue {
        if !(share.is_finite() && share >= 0.0) {
            return Err(s.error("max_share_of_revenue", format!("{share} is not a finite share of revenue ≥ 0")));
        }
    }
    let revenue_exponent = s.f64_opt("revenue_exponent")?.unwrap_or(0.0);
    if !(revenue_exponent.is_finite() && (-1.0..=2.0).contains(&revenue_exponent)) {
        return Err(s.error("revenue_exponent", format!("{revenue_exponent} is not a number between -1 and 2")));
    }
    let component_incidents = match s.str_list_opt("incident")? {
        None => 1,
        Some(names) if names.is_empty() => {
            return Err(s.error("incident", "is an empty list; name at least one incident type"))
        }
        Some(names) => {
            let mut bits = 0u64;
            for name in &names {
                bits |= 1 << super::incidents::index_of(label, &s.key_path("incident"), name.trim(), incidents)?;
            }
            bits
        }
    };
    let basis = match s.str_opt("basis")?.unwrap_or("records") {
        "records" => Basis::Records,
        "outage" => {
            // Every type it arises in must take systems down for some hours.
            let takes_nothing_down = |t: usize| t == 0 || incidents[t - 1].duration_hours.is_none();
            if let Some(t) =
                (0..=incidents.len()).find(|&t| component_incidents & (1 << t) != 0 && takes_nothing_down(t))
            {
                let name = super::incidents::name(t, incidents);
                return Err(s.error(
                    "basis",
                    format!("\"outage\" needs incident types with duration_hours; \"{name}\" takes nothing down"),
                ));
            }
            Basis::Outage
        }
        other => {
            return Err(s.error(
                "basis",
                format!("\"{}\" is not a basis; expected \"records\" or \"outage\"", crate::text::printable(other)),
            ))
        }
    };
    let source = s.str_opt("source")?.unwrap_or("").to_string();
    s.finish()?;
    Ok(Component {
        incidents: component_incidents,
        basis,
        max_share_of_revenue,
        revenue_exponent,
        name,
        probability,
        fixed,
        per_unit,
        unit_share,
        exponent,
        data_types,
        exclude_data_types,
        needs_notice,
        covered,
        source,
        held_occurrence: None,
    })
}

fn parse_probability(s: &Section, value: &toml::Value) -> Result<Probability> {
    if let Some(p) = number(value) {
        if !(0.0..=1.0).contains(&p) {
            return Err(s.error("probability", format!("{p} is not a probability between 0 and 1")));
        }
        return Ok(Probability::Constant(p));
    }
    let shape_error = || {
        s.error(
            "probability",
            format!("{} is not a probability or a curve like [[1e3, 0.01], [1e6, 0.2]]", show(value)),
        )
    };
    let items = value.as_array().ok_or_else(shape_error)?;
    if items.is_empty() {
        return Err(s.error("probability", "the curve is empty; give at least one [records, probability] point"));
    }
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let pair = item.as_array().filter(|a| a.len() == 2).ok_or_else(shape_error)?;
        let (records, p) = match (number(&pair[0]), number(&pair[1])) {
            (Some(r), Some(p)) => (r, p),
            _ => return Err(shape_error()),
        };
        if !(records.is_finite() && records > 0.0) {
            return Err(s.error("probability", format!("point {}: records {records} is not a number > 0", i + 1)));
        }
        if !(0.0..=1.0).contains(&p) {
            return Err(s.error("probability", format!("point {}: {p} is not a probability between 0 and 1", i + 1)));
        }
        let x = records.log10();
        if let Some((previous, _)) = points.last() {
            if x <= *previous {
                return Err(s.error(
                    "probability",
                    format!("point {}: records {records} is not above the previous point's; the curve must increase in records", i + 1),
                ));
            }
        }
        points.push((x, p));
    }
    Ok(Probability::Curve(points))
}

/// One line: `file line L, column C: message`.
fn toml_syntax_error(text: &str, label: &str, error: &toml::de::Error) -> Error {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let start = (0..=span.start.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
            Error::input(format!("{label} line {line}, column {column}: {message}"))
        }
        None => Error::input(format!("{label}: {message}")),
    }
}
