//! Costing incidents: each applicable component's occurrence and cost, summed into the
//! incident's gross and covered cost. What costing an exposure's incidents needs is resolved
//! once ([`Costing`]); an incident is costed alone ([`Costing::breach`]), where an exposure's
//! own data breaches of a block are costed a round at a time, column by column, from the
//! same resolved steps (`own_breaches`).

use super::minmax::smaller;
use super::model::{ExposureModel, Model};
use super::prevention::kept_share;
use super::rng::{
    mix, mix_prepared, prepare_child, stream, AFFECTED_STREAM, CORRELATION_STREAM, NOTICE_STREAM, RECORDS_STREAM,
};
use super::sample::NormalDraws;
use super::terms::{BreachCost, Cover};
use crate::input::breach::ShareByHolding;
use crate::input::dist::Var;
use crate::input::Component;
use crate::sampler::open_unit;

/// One applicable component of an exposure, with what costing it needs looked up once.
pub(super) struct Step<'m> {
    pub(super) component: &'m Component,
    /// Its stream key prepared as a child ([`prepare_child`]).
    pub(super) child: u64,
    /// Its units are the affected records themselves (a unit share that is always 1) raised to
    /// an exponent other than 1 and ½, so that the power can be taken as
    /// `exp(exponent × ln affected)` with the logarithm shared by the breach's components.
    pub(super) power_of_affected: bool,
    /// If it is correlated: its position in the `[correlation]` matrix, and which of its
    /// variables the copula's uniform drives (its leading random one: [`LEADING`] order).
    pub(super) leading: Option<(usize, usize)>,
    /// What the policy covers of one breach's cost of it: its sublimit; `None` if not covered.
    pub(super) covered_up_to: Option<f64>,
    /// The most one breach's cost of it can be (`max_share_of_revenue` × revenue; ∞ if none).
    pub(super) ceiling: f64,
    /// It arises only in notified breaches, and the exposure's breaches are not all notified.
    pub(super) needs_notice: bool,
    /// What its cost is multiplied by for the size of the firm (`revenue_exponent`) and the
    /// exposure's controls.
    pub(super) size_factor: f64,
    /// What the exposure's controls multiply its probability of arising by.
    pub(super) probability_factor: f64,
    /// The incident types it arises in, as bits (bit 0: the data breach).
    pub(super) incidents: u64,
    /// Its units are the revenue of the outage's hours ([`crate::input::Basis::Outage`]).
    pub(super) outage: bool,
}

impl Step<'_> {
    /// Whether it always arises by chance (a probability of 1, not lowered by a control).
    #[inline]
    pub(super) fn certain(&self) -> bool {
        self.component.probability.is_certain() && self.probability_factor >= 1.0
    }
}

/// What kind of incident is costed: its type, whether the data-breach components arise in
/// it, its outage's hours with the share of them the policy covers, and whether the outage is
/// a provider's (contingent business interruption).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct IncidentKind {
    pub(super) incident: usize,
    pub(super) data_breach: bool,
    pub(super) hours: f64,
    pub(super) covered_hours_share: f64,
    pub(super) contingent: bool,
}

impl IncidentKind {
    /// A data breach.
    pub(super) const DATA_BREACH: IncidentKind =
        IncidentKind { incident: 0, data_breach: true, hours: 0.0, covered_hours_share: 1.0, contingent: false };

    /// Its place among the kinds [`Costing`] resolves terms for: `2t` for type `t` without
    /// data exposed, `2t + 1` with.
    #[inline]
    fn slot(&self) -> usize {
        2 * self.incident + usize::from(self.data_breach)
    }

    /// Whether a component arising in the incident types `incidents` (bits) arises in this
    /// kind of incident.
    #[inline]
    fn brings(&self, incidents: u64) -> bool {
        incidents & (1 << self.incident) != 0 || (self.data_breach && incidents & 1 != 0)
    }
}

/// A component's variables by index: fixed, per unit, unit share (the order of its columns).
pub(super) const FIXED: usize = 0;
const PER_UNIT: usize = 1;
const UNIT_SHARE: usize = 2;
/// Which variable the copula drives: per unit if it is random, else fixed, else unit share.
const LEADING: [usize; 3] = [PER_UNIT, FIXED, UNIT_SHARE];

/// What costing one exposure's breaches needs, resolved once.
pub(super) struct Costing<'m> {
    pub(super) model: &'m Model,
    pub(super) exposure: &'m ExposureModel,
    /// Whether any applicable component's probability is a curve of the affected records.
    pub(super) any_curve: bool,
    /// The applicable components, in order, resolved for the breach loop.
    pub(super) steps: Vec<Step<'m>>,
    /// Whether a breach's notice is drawn: some component needs it and not every breach is notified.
    pub(super) draws_notice: bool,
    /// The exposure's policy terms, resolved for its breaches and years.
    pub(super) cover: Cover,
    /// The same for each incident type without and with data exposed ([`IncidentKind::slot`],
    /// [`Cover::narrowed`] to the components that arise in it; entry 1: the data breach's,
    /// [`Costing::breach_cover`]), for the kinds that can happen ([`Costing::cover_of`]).
    covers: Vec<Option<Cover>>,
    /// The positions of the components that arise in each such kind of incident (indexed
    /// alike), in order.
    arising: Vec<Vec<usize>>,
    /// Per incident type (0: the data breach): whether its own components need the affected
    /// records (a records basis with a unit cost, a probability curve, or a copula).
    records_used_by: Vec<bool>,
    /// The share of drawn own breaches that happen ([`super::prevention`]).
    pub(super) kept: f64,
    /// The share-by-holding factor of the records held, where they are given (where they are
    /// estimated, each breach's drawn holding has its own: [`Costing::holding_factor`]).
    held_factor: f64,
}

impl<'m> Costing<'m> {
    pub(super) fn new(model: &'m Model, exposure: &'m ExposureModel) -> Self {
        let any_curve = exposure
            .components
            .iter()
            .any(|c| matches!(model.assumptions.components[*c].probability, crate::input::Probability::Curve(_)));
        let steps = exposure
            .components
            .iter()
            .map(|&c| {
                let component = &model.assumptions.components[c];
                let exponent = component.exponent;
                let outage = component.basis == crate::input::Basis::Outage;
                Step {
                    incidents: component.incidents,
                    outage,
                    component,
                    child: prepare_child(model.component_keys[c]),
                    power_of_affected: !outage
                        && component.unit_share.fixed_value() == Some(1.0)
                        && exponent != 1.0
                        && exponent != 0.5
                        && exponent.is_finite(),
                    leading: model.correlated_position[c].map(|position| {
                        let vars = [&component.per_unit, &component.fixed, &component.unit_share];
                        let first_random = vars.iter().position(|v| !v.is_constant()).unwrap_or(2);
                        (position, LEADING[first_random])
                    }),
                    covered_up_to: component.covered.then(|| exposure.terms.sublimits[c]),
                    ceiling: match (component.max_share_of_revenue, exposure.revenue) {
                        (Some(share), Some(revenue)) => share * revenue,
                        _ => f64::INFINITY,
                    },
                    needs_notice: component.needs_notice && exposure.notice < 1.0,
                    size_factor: model.assumptions.breach.size_factor(component.revenue_exponent, exposure.revenue)
                        * exposure.controls.cost[c]
                        * exposure.severity_factor,
                    probability_factor: exposure.controls.probability[c],
                }
            })
            .collect::<Vec<_>>();
        let draws_notice = steps.iter().any(|step| step.needs_notice);
        let records_used_by = (0..=model.assumptions.incidents.len())
            .map(|t| {
                steps.iter().filter(|step| step.incidents & (1 << t) != 0).any(|step| {
                    let c = step.component;
                    let units = !step.outage && c.per_unit.fixed_value() != Some(0.0);
                    units || step.leading.is_some() || matches!(c.probability, crate::input::Probability::Curve(_))
                })
            })
            .collect();
        let cover = Cover::new(model, exposure);
        // Every kind of incident, in the order of [`IncidentKind::slot`].
        let kinds: Vec<IncidentKind> = (0..=model.assumptions.incidents.len())
            .flat_map(|t| {
                [false, true].map(|data_breach| IncidentKind { incident: t, data_breach, ..IncidentKind::DATA_BREACH })
            })
            .collect();
        let arising: Vec<Vec<usize>> =
            kinds.iter().map(|kind| (0..steps.len()).filter(|&p| kind.brings(steps[p].incidents)).collect()).collect();
        // Only the kinds that can happen: a data breach always exposes data; another type,
        // as its `data_breach_probability` allows.
        let happens = |kind: &IncidentKind| match kind.incident {
            0 => kind.data_breach,
            t => {
                let p = model.assumptions.incidents.get(t - 1).map_or(0.0, |i| i.data_breach_probability);
                if kind.data_breach {
                    p > 0.0
                } else {
                    p < 1.0
                }
            }
        };
        let covers = kinds
            .iter()
            .zip(&arising)
            .map(|(kind, positions)| happens(kind).then(|| cover.narrowed(|p| positions.contains(&p))))
            .collect();
        let kept = kept_share(model, exposure, 0);
        let held_factor = model.assumptions.breach.share_by_holding.factor(exposure.records_held);
        Costing {
            model,
            exposure,
            any_curve,
            steps,
            draws_notice,
            cover,
            covers,
            arising,
            records_used_by,
            kept,
            held_factor,
        }
    }

    /// Each applicable component's stream key, prepared as a child ([`prepare_child`]), in order.
    pub(super) fn component_children(&self) -> impl Iterator<Item = u64> + '_ {
        self.steps.iter().map(|step| step.child)
    }

    /// The terms of its own data breaches, costed a round at a time: a sublimit only of another
    /// incident type's components cannot bite in them.
    #[inline]
    pub(super) fn breach_cover(&self) -> &Cover {
        self.cover_of(IncidentKind::DATA_BREACH)
    }

    /// The terms of an incident of `kind` ([`Cover::narrowed`] to the components that arise in it;
    /// the exposure's own terms, which pay the same, for a kind that cannot happen).
    #[inline]
    pub(super) fn cover_of(&self, kind: IncidentKind) -> &Cover {
        self.covers.get(kind.slot()).and_then(Option::as_ref).unwrap_or(&self.cover)
    }
}

impl Costing<'_> {
    /// What a breach's records are multiplied by: 1 for records given, else a draw of
    /// `[records_estimate] multiplier` (drawn per breach, from its own stream).
    #[inline]
    fn records_multiplier(&self, breach_key: u64) -> f64 {
        if self.exposure.records_estimated {
            let multiplier = &self.model.assumptions.sectors.records_estimate.multiplier;
            multiplier.sample(&mut stream(mix(breach_key, RECORDS_STREAM)))
        } else {
            1.0
        }
    }

    /// What the drawn share is multiplied by for a breach whose records multiplier is
    /// `multiplier` ([`Costing::records_multiplier`]; `[breach] affected_share_exponent`): of the
    /// holding it draws where the records are estimated, else resolved once.
    #[inline]
    pub(super) fn holding_factor(&self, multiplier: f64) -> f64 {
        if self.exposure.records_estimated {
            self.model.assumptions.breach.share_by_holding.factor(self.exposure.records_held * multiplier)
        } else {
            self.held_factor
        }
    }

    /// The cost of one incident of `kind` (a data breach: [`IncidentKind::DATA_BREACH`]);
    /// component costs go into `costs` and what the policy may cover of each into `covered_costs`
    /// (one per applicable component; the same but for the uncovered hours of an outage).
    #[inline]
    pub(super) fn breach(
        &self,
        breach_key: u64,
        affected_share: &Var,
        kind: IncidentKind,
        (costs, covered_costs): (&mut [f64], &mut [f64]),
        copula: &mut [f64],
    ) -> BreachCost {
        let assumptions = &self.model.assumptions;
        // Another type's incident that exposes no data draws neither records, notice nor
        // copula where none of its components needs them (each from a stream of its own).
        let with_records = kind.data_breach || self.records_used_by.get(kind.incident).copied().unwrap_or(true);
        let affected = match self.exposure.affected {
            _ if !with_records => 0.0,
            Some(a) => a,
            None => {
                // A share that is always the same draws nothing: its stream (its own) need not be set up.
                let share = match affected_share.fixed_value() {
                    Some(share) => share,
                    None => affected_share.sample(&mut stream(mix(breach_key, AFFECTED_STREAM))),
                };
                let multiplier = self.records_multiplier(breach_key);
                ShareByHolding::affected(self.exposure.records, share, multiplier, self.holding_factor(multiplier))
            }
        };
        if let Some(correlation) = assumptions.correlation.as_ref().filter(|_| with_records) {
            correlated_uniforms(&correlation.factor, &mut stream(mix(breach_key, CORRELATION_STREAM)), copula);
        }
        let log10_affected = if self.any_curve && with_records { not_speculated(f64::log10, affected) } else { 0.0 };
        let notified = !self.draws_notice
            || !kind.data_breach
            || open_unit(&mut stream(mix(breach_key, NOTICE_STREAM))) < self.exposure.notice;
        // ln(affected), taken by the first component that needs it and shared with the others.
        let mut ln_affected = None;
        let mut gross = 0.0;
        let (mut covered, mut capped) = (0.0, 0.0);
        // The components that do not arise cost nothing.
        costs.fill(0.0);
        covered_costs.fill(0.0);
        for &p in &self.arising[kind.slot()] {
            let step = &self.steps[p];
            let component = step.component;
            let mut rng = stream(mix_prepared(breach_key, step.child));
            // The occurrence draw comes first and is always made, so a component's other
            // draws sit at the same place in its stream whatever its probability.
            let occurs_by_chance = if step.certain() {
                // A uniform below 1 is always below a probability of 1: only its place is needed.
                rng.skip();
                true
            } else {
                open_unit(&mut rng) < component.probability.at(log10_affected) * step.probability_factor
            };
            let occurs = component.held_occurrence.unwrap_or(occurs_by_chance && (notified || !step.needs_notice));
            let cost = if occurs {
                let mut fixed = component.fixed.sample(&mut rng);
                let mut per_unit = component.per_unit.sample(&mut rng);
                let mut unit_share = component.unit_share.sample(&mut rng);
                if let Some((position, lead)) = step.leading {
                    // The copula's uniform drives the component's leading random draw; the
                    // independent draws above were still made, so the stream stays aligned.
                    let u = copula[position];
                    let (var, value) = match lead {
                        FIXED => (&component.fixed, &mut fixed),
                        PER_UNIT => (&component.per_unit, &mut per_unit),
                        _ => (&component.unit_share, &mut unit_share),
                    };
                    *value = var.value_at(u);
                }
                let size = if step.outage { self.exposure.revenue_per_hour * kind.hours } else { affected };
                let units = size * unit_share;
                let exponent = component.exponent;
                let scaled = if exponent == 1.0 {
                    units
                } else if exponent == 0.5 {
                    units.sqrt()
                } else if step.power_of_affected && affected > 0.0 && units == affected {
                    // affected^exponent (to a few ulps of powf, at a fraction of its cost).
                    (exponent * *ln_affected.get_or_insert_with(|| not_speculated(f64::ln, affected))).exp()
                } else {
                    units.powf(exponent)
                };
                smaller((fixed + per_unit * scaled) * step.size_factor, step.ceiling)
            } else {
                0.0
            };
            costs[p] = cost;
            gross += cost;
            let covered_cost = if step.outage { cost * kind.covered_hours_share } else { cost };
            covered_costs[p] = covered_cost;
            if let Some(sublimit) = step.covered_up_to {
                covered += covered_cost;
                capped += covered_cost.min(sublimit);
            }
        }
        self.cover_of(kind).breach(gross, (covered, capped), |p| covered_costs[p], kind.contingent)
    }
}

/// The number of positions of the `[correlation]` matrix (0 without one).
pub(super) fn positions_of(model: &Model) -> usize {
    model.assumptions.correlation.as_ref().map_or(0, |c| c.components.len())
}

/// `f(x)`, in a call the optimiser cannot hoist out of the branch that guards it: it would
/// otherwise compute a logarithm for every breach, needed or not, as the intrinsics have no
/// side effects.
#[inline(never)]
fn not_speculated(f: fn(f64) -> f64, x: f64) -> f64 {
    f(x)
}

/// Fills `uniforms` with correlated uniforms: `Φ(L e)` for independent standard normals `e`
/// drawn from `rng` (in place: row i of the lower-triangular `L` needs `e_0..=e_i`, so the
/// rows are formed from the last up).
pub(super) fn correlated_uniforms<R: NormalDraws>(factor: &[Vec<f64>], rng: &mut R, uniforms: &mut [f64]) {
    for e in uniforms.iter_mut() {
        *e = rng.standard_normal();
    }
    for i in (0..uniforms.len()).rev() {
        let z: f64 = factor[i].iter().zip(&uniforms[..=i]).map(|(l, e)| l * e).sum();
        uniforms[i] = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{test_model, RunSettings};
    use crate::engine::simulate_exposures;
    use crate::input::Mode;

    /// A component's costs are the same whether it is costed alone (a column of costs summed
    /// at once) or beside one that never costs anything (breach by breach): fixed costs only,
    /// and fixed plus per-unit costs, capped at a share of revenue or not, with and without
    /// policy terms (a retention alone, or with a per-breach and an aggregate sublimit).
    #[test]
    fn a_lone_component_costs_what_it_costs_beside_others() {
        let costed = [
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n",
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
             per_unit = { dist = \"uniform\", min = 0.5, max = 2 }\nunit_share = { dist = \"uniform\", min = 0.1, max = 1 }\n",
            // Capped at a share of revenue (binding on the rows with a revenue).
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\nmax_share_of_revenue = 0.1\n",
        ];
        let nothing = "[[component]]\nname = \"z\"\nfixed = 0\n";
        for csv in [
            "id,records,annual_rate\nx,5000,0.4\n",
            "id,records,annual_rate,retention\nx,5000,0.4,2e5\n",
            // The retention shared across the components before a sublimit, and an aggregate one.
            "id,records,annual_rate,retention,sublimit_a,aggregate_sublimit_a\nx,5000,0.4,2e5,3e5,6e5\n",
            "id,records,annual_rate,revenue\nx,5000,0.4,3e6\n",
            "id,records,annual_rate,revenue,retention\nx,5000,0.4,3e6,2e5\n",
            // Records estimated from revenue: a multiplier drawn per breach.
            "id,annual_rate,revenue\nx,0.4,3e6\n",
        ] {
            for alone in costed {
                let settings = RunSettings { mode: Mode::Annual, iterations: 30_000, seed: 5 };
                let beside = format!("{alone}{nothing}");
                let [a, b] = [alone, beside.as_str()].map(|toml| {
                    let estimate = "[records_estimate]\nrecords_per_million_revenue = 2000\n\
                                    multiplier = { dist = \"lognormal\", low = 0.2, high = 5 }\n";
                    let model = test_model(csv, &format!("{estimate}{toml}"), settings);
                    let outcomes = simulate_exposures(&model, 0..1, 0..30_000, &|_| {});
                    outcomes[0]
                        .outcomes()
                        .map(|o| (o.iteration, o.gross.to_bits(), o.insured.to_bits()))
                        .collect::<Vec<_>>()
                });
                assert!(a.len() > 1000);
                assert_eq!(a, b, "{csv} {alone}");
            }
        }
    }
}
