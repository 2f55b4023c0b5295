//! Costing breaches: each applicable component's occurrence and cost, summed into the
//! breach's gross and covered cost. An exposure's own breaches of a block are costed a round
//! of [`ROUND_BREACHES`] at a time, column by column ([`OwnBreaches`]); a systemic breach alone
//! ([`Costing::breach`]).

use std::ops::Range;

use super::ilf::Layers;
use super::minmax::{larger, smaller};
use super::model::{ExposureModel, Model};
use super::prevention::{kept_share, own_breach_happens};
use super::rng::{
    mix, mix_prepared, prepare_child, stream, ColumnDraws, AFFECTED_STREAM, CORRELATION_STREAM, HAPPENS_STREAM,
    NOTICE_STREAM, RECORDS_STREAM,
};
use super::sample::{exp_column, NormalDraws};
use super::terms::{BreachCost, Cover};
use crate::input::dist::Var;
use crate::input::Component;
use crate::sampler::open_unit;

/// One applicable component of an exposure, with what costing it needs looked up once.
struct Step<'m> {
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
    fn certain(&self) -> bool {
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

    /// Whether a component arising in the incident types `incidents` (bits) arises in this
    /// kind of incident.
    #[inline]
    fn brings(&self, incidents: u64) -> bool {
        incidents & (1 << self.incident) != 0 || (self.data_breach && incidents & 1 != 0)
    }
}

/// A component's variables by index: fixed, per unit, unit share (the order of its columns).
const FIXED: usize = 0;
const PER_UNIT: usize = 1;
const UNIT_SHARE: usize = 2;
/// Which variable the copula drives: per unit if it is random, else fixed, else unit share.
const LEADING: [usize; 3] = [PER_UNIT, FIXED, UNIT_SHARE];

/// What costing one exposure's breaches needs, resolved once.
pub(super) struct Costing<'m> {
    model: &'m Model,
    exposure: &'m ExposureModel,
    /// Whether any applicable component's probability is a curve of the affected records.
    any_curve: bool,
    /// The applicable components, in order, resolved for the breach loop.
    steps: Vec<Step<'m>>,
    /// Whether a breach's notice is drawn: some component needs it and not every breach is notified.
    draws_notice: bool,
    /// The exposure's policy terms, resolved for its breaches and years.
    pub(super) cover: Cover,
    /// The same for each incident type without and with data exposed (entry `2t` and `2t + 1`,
    /// [`Cover::narrowed`] to the components that arise in it; entry 1: the data breach's,
    /// [`Costing::breach_cover`]).
    covers: Vec<Cover>,
    /// The positions of the components that arise in each such kind of incident (indexed
    /// alike), in order.
    arising: Vec<Vec<usize>>,
    /// Per incident type (0: the data breach): whether its own components need the affected
    /// records (a records basis with a unit cost, a probability curve, or a copula).
    records_used_by: Vec<bool>,
    /// The share of drawn own breaches that happen ([`super::prevention`]).
    kept: f64,
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
        let kinds = (0..=model.assumptions.incidents.len()).flat_map(|t| {
            [false, true].map(|data_breach| IncidentKind { incident: t, data_breach, ..IncidentKind::DATA_BREACH })
        });
        let arising: Vec<Vec<usize>> =
            kinds.map(|kind| (0..steps.len()).filter(|&p| kind.brings(steps[p].incidents)).collect()).collect();
        let covers: Vec<Cover> = arising.iter().map(|positions| cover.narrowed(|p| positions.contains(&p))).collect();
        let kept = kept_share(model, exposure, 0);
        Costing { model, exposure, any_curve, steps, draws_notice, cover, covers, arising, records_used_by, kept }
    }

    /// The terms of its own data breaches, costed a round at a time: a sublimit only of another
    /// incident type's components cannot bite in them.
    #[inline]
    pub(super) fn breach_cover(&self) -> &Cover {
        &self.covers[1]
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
                self.exposure.records * share * self.records_multiplier(breach_key)
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
        let which = 2 * kind.incident + usize::from(kind.data_breach);
        for &p in &self.arising[which] {
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
        self.covers[which].breach(gross, (covered, capped), |p| covered_costs[p], kind.contingent)
    }

    /// Costs the next [`ROUND_BREACHES`] own breaches of `own`'s block, column by column (see
    /// [`OwnBreaches`]).
    fn cost_round(&self, own: &mut OwnBreaches, first: u64, n: usize) {
        let assumptions = &self.model.assumptions;
        let k = self.steps.len();
        let OwnBreaches {
            affected_key,
            happens_key,
            copula_key,
            notice_key,
            notified,
            keys,
            affected,
            log10_affected,
            copula,
            columns,
            costs,
            gross,
            covered,
            capped,
            payable,
            payable_base,
            insured,
            occurring,
            scaled,
            ln_affected,
            gross_only: own_gross_only,
            ..
        } = own;
        let own_gross_only = *own_gross_only;
        let (affected, log10_affected, gross, covered, capped) =
            (&mut affected[..n], &mut log10_affected[..n], &mut gross[..n], &mut covered[..n], &mut capped[..n]);
        // Without a finite sublimit the covered cost is the capped one: it is summed once.
        let whole = self.breach_cover().any_sublimit;
        let positions = positions_of(self.model);
        let copula = &mut copula[..n * positions];
        // Every draw of breach number i of the block comes from each column's draws for i
        // ([`ColumnDraws`]): whatever else is drawn, and none for breaches passed over.
        let number = |i: usize| first + i as u64;
        match self.exposure.affected {
            Some(a) => affected.fill(a),
            None => {
                let key = *affected_key;
                assumptions.breach.affected_share.fill_each(affected, |i| ColumnDraws::new(key, number(i)));
                for a in affected.iter_mut() {
                    *a *= self.exposure.records;
                }
                if self.exposure.records_estimated {
                    // Breach i's multiplier is output i of its own column, keyed under the share's.
                    let key = mix(key, RECORDS_STREAM);
                    let multiplier = &assumptions.sectors.records_estimate.multiplier;
                    for (i, a) in affected.iter_mut().enumerate() {
                        *a *= multiplier.sample(&mut ColumnDraws::new(key, number(i)));
                    }
                }
            }
        }
        if let Some(correlation) = &assumptions.correlation {
            for (i, uniforms) in copula.chunks_exact_mut(positions).enumerate() {
                correlated_uniforms(&correlation.factor, &mut ColumnDraws::new(*copula_key, number(i)), uniforms);
            }
        }
        if self.draws_notice {
            for (i, n) in notified[..n].iter_mut().enumerate() {
                *n = open_unit(&mut ColumnDraws::new(*notice_key, number(i))) < self.exposure.notice;
            }
        }
        if self.any_curve {
            for (l, a) in log10_affected.iter_mut().zip(affected.iter()) {
                *l = a.log10();
            }
        }
        if self.steps.iter().any(|step| step.power_of_affected) {
            for (l, a) in ln_affected[..n].iter_mut().zip(affected.iter()) {
                // (Where nothing is affected the power is taken otherwise: any number will do.)
                *l = if *a > 0.0 { a.ln() } else { 0.0 };
            }
        }
        gross.fill(0.0);
        if !own_gross_only {
            capped.fill(0.0);
            if whole {
                covered.fill(0.0);
            }
        }
        for (s, (step, [occurrence_key, var_keys @ ..])) in self.steps.iter().zip(keys.iter()).enumerate() {
            if step.incidents & 1 == 0 {
                // Another incident type's component: it does not arise in a data breach (its
                // column of `costs` is never written: it holds the zeros it was made with).
                continue;
            }
            let component = step.component;
            let certain = step.certain();
            let always = match component.held_occurrence {
                Some(held) => Some(held),
                None if certain && !step.needs_notice => Some(true),
                None => None,
            };
            // The breaches in which the component arises; only they draw its variables (each
            // variable's stream is taken by them in order). A component that always arises
            // is costed densely: its i-th draw is breach i's.
            occurring.clear();
            let dense = always == Some(true);
            if always.is_none() {
                for (j, l) in log10_affected.iter().enumerate() {
                    if step.needs_notice && !notified[j] {
                        continue;
                    }
                    if certain
                        || open_unit(&mut ColumnDraws::new(*occurrence_key, number(j)))
                            < component.probability.at(*l) * step.probability_factor
                    {
                        occurring.push(j as u32);
                    }
                }
            }
            let m = if dense { n } else { occurring.len() };
            // The breach of the component's i-th draw.
            let breach = |i: usize| if dense { i } else { occurring[i] as usize };
            // A per-unit cost that is always zero adds `0 × units`, which is +0 (units are
            // finite): its units are not worked out.
            let no_units = component.per_unit.fixed_value() == Some(0.0);
            let vars = [&component.fixed, &component.per_unit, &component.unit_share];
            for (v, ((var, key), column)) in vars.iter().zip(var_keys).zip(columns.iter_mut()).enumerate() {
                if no_units && v != FIXED {
                    continue;
                }
                let column = &mut column[..m];
                // The copula's uniform drives the leading random variable in place of its draws.
                match step.leading {
                    Some((position, lead)) if lead == v => {
                        for (i, x) in column.iter_mut().enumerate() {
                            *x = var.value_at(copula[breach(i) * positions + position]);
                        }
                    }
                    _ if dense => var.fill_each(column, |i| ColumnDraws::new(*key, number(i))),
                    _ => var.fill_each(column, |i| ColumnDraws::new(*key, number(occurring[i] as usize))),
                }
            }
            let [fixed, per_unit, unit_share] = &*columns;
            let scaled = &mut scaled[..m];
            if !no_units {
                if dense {
                    scale_units(step, affected, ln_affected, &unit_share[..m], scaled, |i| i);
                } else {
                    scale_units(step, affected, ln_affected, &unit_share[..m], scaled, |i| occurring[i] as usize);
                }
            }
            if k > 1 {
                for j in 0..n {
                    costs[j * k + s] = 0.0;
                }
            }
            let sublimit = if own_gross_only { None } else { step.covered_up_to };
            let (ceiling, size_factor) = (step.ceiling, step.size_factor);
            let mut add = |i: usize, j: usize| {
                let raw = if no_units { fixed[i] + 0.0 } else { fixed[i] + per_unit[i] * scaled[i] };
                let cost = smaller(raw * size_factor, ceiling);
                if k > 1 {
                    costs[j * k + s] = cost;
                }
                gross[j] += cost;
                if let Some(sublimit) = sublimit {
                    capped[j] += smaller(cost, sublimit);
                }
            };
            if dense && k == 1 && sublimit.is_none() && ceiling == f64::INFINITY && size_factor == 1.0 {
                // The common case: a column of costs added to a column of sums, which the
                // compiler vectorises (the same sums as `add`).
                let gross = gross.iter_mut().zip(&fixed[..n]);
                if no_units {
                    for (sum, fixed) in gross {
                        *sum += fixed + 0.0;
                    }
                } else {
                    for ((sum, fixed), (per_unit, scaled)) in gross.zip(per_unit[..n].iter().zip(&scaled[..n])) {
                        *sum += fixed + per_unit * scaled;
                    }
                }
            } else if dense {
                for i in 0..n {
                    add(i, i);
                }
            } else {
                for (i, &j) in occurring.iter().enumerate() {
                    add(i, j as usize);
                }
            }
        }
        if self.kept < 1.0 {
            // A breach a control prevented costs nothing ([`super::prevention`]).
            for j in (0..n).filter(|&j| !own_breach_happens(*happens_key, number(j), self.kept)) {
                (gross[j], capped[j]) = (0.0, 0.0);
                if k > 1 {
                    costs[j * k..(j + 1) * k].fill(0.0);
                }
            }
        }
        if own_gross_only {
            // (Read only where terms apply.)
            return;
        }
        if whole {
            // The covered cost before the sublimits, added in the components' order as
            // [`Costing::breach`] adds it.
            let covered_steps = self.steps.iter().enumerate();
            for (s, _) in covered_steps.filter(|(_, step)| step.covered_up_to.is_some() && step.incidents & 1 != 0) {
                for j in 0..n {
                    covered[j] += if k > 1 { costs[j * k + s] } else { gross[j] };
                }
            }
        }
        let covered: &[f64] = if whole { covered } else { capped };
        for j in 0..n {
            let cost = |p: usize| if k > 1 { costs[j * k + p] } else { gross[j] };
            let breach = self.breach_cover().breach(gross[j], (covered[j], capped[j]), cost, false);
            (payable[j], payable_base[j], insured[j]) =
                (breach.payable, breach.payable_base, breach.insured_before_share);
        }
    }
}

/// A component's scaled units, `(affected × unit share)^exponent`, in the breaches where it
/// arises (`breach(i)`: the breach of its i-th draw), into `scaled`.
#[inline(always)]
fn scale_units(
    step: &Step,
    affected: &[f64],
    ln_affected: &[f64],
    unit_share: &[f64],
    scaled: &mut [f64],
    breach: impl Fn(usize) -> usize,
) {
    let exponent = step.component.exponent;
    let units = |i: usize| affected[breach(i)] * unit_share[i];
    if exponent == 1.0 {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i);
        }
    } else if exponent == 0.5 {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i).sqrt();
        }
    } else if step.power_of_affected {
        // affected^exponent as exp(exponent × ln affected), the logarithm shared by the
        // breach's components, the exponentials taken a column at a time (to a few ulps of
        // powf, at a fraction of its cost); powf where nothing is affected.
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = exponent * ln_affected[breach(i)];
        }
        exp_column(scaled);
        for (i, x) in scaled.iter_mut().enumerate() {
            if affected[breach(i)] <= 0.0 {
                *x = units(i).powf(exponent);
            }
        }
    } else {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i).powf(exponent);
        }
    }
}

/// The number of positions of the `[correlation]` matrix (0 without one).
pub(super) fn positions_of(model: &Model) -> usize {
    model.assumptions.correlation.as_ref().map_or(0, |c| c.components.len())
}

/// How many of a block's own breaches are costed at once.
const ROUND_BREACHES: usize = 256;

/// The exposure's own breaches of one block, in order, costed [`ROUND_BREACHES`] at a time column by
/// column. Each column (the affected share, the copula's normals, and each component's
/// occurrence, fixed, per-unit and unit-share draws) has its own draws for each breach number
/// ([`ColumnDraws`]): the i-th own breach of a block has draws that depend only on (seed,
/// exposure, block, i), a held or changed variable leaves every other column as it was, and
/// a column of lognormal draws is exponentiated in one vectorised pass.
pub(super) struct OwnBreaches {
    /// Keys of the block's affected-share, happens ([`super::prevention`]), copula and
    /// notice columns.
    affected_key: u64,
    happens_key: u64,
    copula_key: u64,
    notice_key: u64,
    /// Whether each breach is notified (where [`Costing`] draws it).
    notified: Vec<bool>,
    /// Per applicable component: the keys of its occurrence, fixed, per-unit and unit-share columns.
    keys: Vec<[u64; 4]>,
    affected: Vec<f64>,
    log10_affected: Vec<f64>,
    /// `round × positions` copula uniforms, breach by breach.
    copula: Vec<f64>,
    /// The fixed, per-unit and unit-share draws of the component being costed, in the
    /// breaches where it arises.
    columns: [Vec<f64>; 3],
    /// `round × components` costs, breach by breach (only with more than one component).
    costs: Vec<f64>,
    pub(super) gross: Vec<f64>,
    /// The covered components' cost (only with a finite sublimit: it is `capped` otherwise),
    /// and after their sublimits.
    covered: Vec<f64>,
    capped: Vec<f64>,
    /// What the policy pays before the per-breach limit, at its retention and at the base
    /// retention, and after the limit ([`BreachCost`]).
    payable: Vec<f64>,
    payable_base: Vec<f64>,
    insured: Vec<f64>,
    /// The breaches (of the round) in which the component being costed arises.
    occurring: Vec<u32>,
    /// Its scaled units (units^exponent) in those breaches.
    scaled: Vec<f64>,
    /// ln(affected), for components whose units are the affected records raised to a power.
    ln_affected: Vec<f64>,
    /// Whether only the gross costs are worked out (not what the policy covers).
    gross_only: bool,
    /// The block's next own breach, the first breach of the costed round, and its length.
    pub(super) position: u64,
    first: u64,
    costed: usize,
    /// The exposure's applicable components, and the copula's positions.
    components: usize,
    positions: usize,
}

/// The children of a component's key for its four columns.
const COLUMN_CHILDREN: [u64; 4] = [prepare_child(0), prepare_child(1), prepare_child(2), prepare_child(3)];

impl OwnBreaches {
    /// Empty: the columns grow to the largest round asked for (a rarely breached exposure's
    /// task holds a few breaches' worth, not [`ROUND_BREACHES`]).
    pub(super) fn new(components: usize, positions: usize) -> Self {
        OwnBreaches {
            affected_key: 0,
            happens_key: 0,
            copula_key: 0,
            notice_key: 0,
            notified: Vec::new(),
            keys: Vec::with_capacity(components),
            affected: Vec::new(),
            log10_affected: Vec::new(),
            copula: Vec::new(),
            columns: [Vec::new(), Vec::new(), Vec::new()],
            costs: Vec::new(),
            gross: Vec::new(),
            covered: Vec::new(),
            capped: Vec::new(),
            payable: Vec::new(),
            payable_base: Vec::new(),
            insured: Vec::new(),
            occurring: Vec::new(),
            scaled: Vec::new(),
            ln_affected: Vec::new(),
            gross_only: false,
            position: 0,
            first: 0,
            costed: 0,
            components,
            positions,
        }
    }

    /// Makes every column hold at least `n` breaches.
    fn grow(&mut self, n: usize) {
        if self.gross.len() >= n {
            return;
        }
        for column in [
            &mut self.affected,
            &mut self.log10_affected,
            &mut self.gross,
            &mut self.covered,
            &mut self.capped,
            &mut self.payable,
            &mut self.payable_base,
            &mut self.insured,
            &mut self.scaled,
            &mut self.ln_affected,
        ]
        .into_iter()
        .chain(self.columns.iter_mut())
        {
            column.resize(n, 0.0);
        }
        self.copula.resize(n * self.positions, 0.0);
        self.notified.resize(n, true);
        if self.components > 1 {
            self.costs.resize(n * self.components, 0.0);
        }
    }

    /// Starts the block whose key is `block_key`; `gross_only` where only the breaches' gross
    /// costs are read (the short way, where no term can bite).
    pub(super) fn start(&mut self, costing: &Costing, block_key: u64, gross_only: bool) {
        self.gross_only = gross_only;
        self.affected_key = mix(block_key, AFFECTED_STREAM);
        self.happens_key = mix(block_key, HAPPENS_STREAM);
        self.copula_key = mix(block_key, CORRELATION_STREAM);
        self.notice_key = mix(block_key, NOTICE_STREAM);
        self.keys.clear();
        for step in &costing.steps {
            let key = mix_prepared(block_key, step.child);
            self.keys.push(COLUMN_CHILDREN.map(|child| mix_prepared(key, child)));
        }
        self.position = 0;
        self.first = 0;
        self.costed = 0;
    }

    /// The index (in the round's columns) of the block's next own breach, costing a round of
    /// breaches from it up to (at most [`ROUND_BREACHES`], at least one) breach number `end` when it
    /// is not costed yet.
    #[inline(always)]
    pub(super) fn take(&mut self, costing: &Costing, end: u64) -> usize {
        if self.position < self.first || self.position >= self.first + self.costed as u64 {
            self.cost_from_position(costing, end);
        }
        self.position += 1;
        (self.position - 1 - self.first) as usize
    }

    /// Costs the round starting at the block's next own breach (see [`OwnBreaches::take`]):
    /// out of line, so that taking an already costed breach is a few instructions.
    #[inline(never)]
    fn cost_from_position(&mut self, costing: &Costing, end: u64) {
        let n = end.saturating_sub(self.position).clamp(1, ROUND_BREACHES as u64) as usize;
        self.grow(n);
        costing.cost_round(self, self.position, n);
        self.first = self.position;
        self.costed = n;
    }

    /// Costs the next round of the block's own breaches (see [`OwnBreaches::take`]) and takes
    /// every one of them: their number, the round's length in the columns.
    fn take_round(&mut self, costing: &Costing, end: u64) -> usize {
        self.cost_from_position(costing, end);
        self.position += self.costed as u64;
        self.costed
    }

    /// `totals` (a year's gross and largest breach so far) with breaches `breaches` of the
    /// costed round added, and their component costs added to `year_costs` (with several
    /// components).
    #[inline(always)]
    pub(super) fn add_to_year(&self, totals: (f64, f64), breaches: Range<usize>, year_costs: &mut [f64]) -> (f64, f64) {
        let k = self.components;
        if k > 1 {
            for j in breaches.clone() {
                for (total, cost) in year_costs.iter_mut().zip(self.component_costs(j, k)) {
                    *total += cost;
                }
            }
        }
        self.gross[breaches].iter().fold(totals, |(gross, largest), &g| (gross + g, larger(largest, g)))
    }

    /// A year's totals (see [`OwnBreaches::add_to_year`]) of `count` breaches that run past
    /// the costed round's breaches not yet taken (`round`): those, then the next round's (and
    /// on, for a year of more than a round), each round's breaches handed to `layers` as it
    /// is costed. Out of line: most years' breaches lie in one round.
    #[inline(never)]
    pub(super) fn take_year_across(
        &mut self,
        costing: &Costing,
        end: u64,
        count: u32,
        round: &mut Range<usize>,
        layers: &mut Layers,
        year_costs: &mut [f64],
    ) -> (f64, f64) {
        if count > 1 {
            // (Where the costed round is all taken, its end: the next round's start.)
            layers.several(round.start, count);
        }
        let mut left = count as usize;
        let mut totals = (0.0, 0.0);
        while left > 0 {
            if round.start == round.end {
                let n = self.take_round(costing, end);
                layers.take_round(&self.gross[..n]);
                *round = 0..n;
            }
            let taken = left.min(round.len());
            totals = self.add_to_year(totals, round.start..round.start + taken, year_costs);
            round.start += taken;
            left -= taken;
        }
        totals
    }

    /// Passes over `count` own breaches (of a year not wanted): nothing is drawn for them.
    pub(super) fn skip(&mut self, count: u32) {
        self.position += u64::from(count);
    }

    #[inline]
    pub(super) fn cost(&self, j: usize, cover: &Cover) -> BreachCost {
        BreachCost {
            gross: self.gross[j],
            covered: if cover.any_sublimit { self.covered[j] } else { self.capped[j] },
            payable: self.payable[j],
            payable_base: self.payable_base[j],
            insured_before_share: self.insured[j],
            contingent: false,
            by_section: cover.sectioned,
        }
    }

    /// The cost of each applicable component of breach `j` (its gross, with one).
    #[inline]
    pub(super) fn breach_costs(&self, j: usize) -> &[f64] {
        if self.components > 1 {
            self.component_costs(j, self.components)
        } else {
            &self.gross[j..=j]
        }
    }

    /// The component costs of breach `j` (empty with one component: its cost is the gross).
    #[inline]
    pub(super) fn component_costs(&self, j: usize, components: usize) -> &[f64] {
        self.costs.get(j * components..(j + 1) * components).unwrap_or_default()
    }
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
fn correlated_uniforms<R: NormalDraws>(factor: &[Vec<f64>], rng: &mut R, uniforms: &mut [f64]) {
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
