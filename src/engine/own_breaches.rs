//! An exposure's own data breaches of one block, costed a round of [`ROUND_BREACHES`] at a
//! time column by column (`cost_round`, from the steps [`Costing`] resolved), and taken
//! breach by breach or year by year.

use std::ops::Range;

use super::costing::{correlated_uniforms, positions_of, Costing, Step, FIXED};
use super::ilf::Layers;
use super::minmax::{larger, smaller};
use super::prevention::own_breach_happens;
use super::rng::{
    mix, mix_prepared, prepare_child, ColumnDraws, AFFECTED_STREAM, CORRELATION_STREAM, HAPPENS_STREAM, NOTICE_STREAM,
    RECORDS_STREAM,
};
use super::sample::exp_column;
use super::terms::{BreachCost, Cover};
use crate::input::breach::ShareByHolding;
use crate::sampler::open_unit;

/// How many of a block's own breaches are costed at once.
pub(super) const ROUND_BREACHES: usize = 256;

/// The exposure's own breaches of one block, in order, costed [`ROUND_BREACHES`] at a time column by
/// column. Each column (the affected share, the copula's normals, and each component's
/// occurrence, fixed, per-unit and unit-share draws) has its own draws for each breach number
/// ([`ColumnDraws`]): the i-th own breach of a block has draws that depend only on (seed,
/// exposure, block, i), a held or changed variable leaves every other column as it was, and
/// a column of lognormal draws is exponentiated in one vectorised pass.
pub(super) struct OwnBreaches {
    /// Keys of the block's affected-share, happens ([`super::prevention`]), copula and
    /// notice columns.
    pub(super) affected_key: u64,
    pub(super) happens_key: u64,
    pub(super) copula_key: u64,
    pub(super) notice_key: u64,
    /// Whether each breach is notified (where [`Costing`] draws it).
    pub(super) notified: Vec<bool>,
    /// Per applicable component: the keys of its occurrence, fixed, per-unit and unit-share columns.
    pub(super) keys: Vec<[u64; 4]>,
    pub(super) affected: Vec<f64>,
    pub(super) log10_affected: Vec<f64>,
    /// `round × positions` copula uniforms, breach by breach.
    pub(super) copula: Vec<f64>,
    /// The fixed, per-unit and unit-share draws of the component being costed, in the
    /// breaches where it arises.
    pub(super) columns: [Vec<f64>; 3],
    /// `round × components` costs, breach by breach (only with more than one component).
    pub(super) costs: Vec<f64>,
    pub(super) gross: Vec<f64>,
    /// The covered components' cost (only with a finite sublimit: it is `capped` otherwise),
    /// and after their sublimits.
    pub(super) covered: Vec<f64>,
    pub(super) capped: Vec<f64>,
    /// What the policy pays before the per-breach limit, at its retention and at the base
    /// retention, and after the limit ([`BreachCost`]).
    pub(super) payable: Vec<f64>,
    pub(super) payable_base: Vec<f64>,
    pub(super) insured: Vec<f64>,
    /// The breaches (of the round) in which the component being costed arises.
    pub(super) occurring: Vec<u32>,
    /// Its scaled units (units^exponent) in those breaches.
    pub(super) scaled: Vec<f64>,
    /// ln(affected), for components whose units are the affected records raised to a power.
    pub(super) ln_affected: Vec<f64>,
    /// Whether only the gross costs are worked out (not what the policy covers).
    pub(super) gross_only: bool,
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
        for child in costing.component_children() {
            let key = mix_prepared(block_key, child);
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
        cost_round(costing, self, self.position, n);
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

    /// Passes over `count` own breaches (of years not wanted): nothing is drawn for them.
    pub(super) fn skip(&mut self, count: u64) {
        self.position += count;
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

/// Costs the next [`ROUND_BREACHES`] own breaches of `own`'s block, column by column (see
/// [`OwnBreaches`]).
fn cost_round(costing: &Costing, own: &mut OwnBreaches, first: u64, n: usize) {
    let assumptions = &costing.model.assumptions;
    let k = costing.steps.len();
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
    let whole = costing.breach_cover().any_sublimit;
    let positions = positions_of(costing.model);
    let copula = &mut copula[..n * positions];
    // Every draw of breach number i of the block comes from each column's draws for i
    // ([`ColumnDraws`]): whatever else is drawn, and none for breaches passed over.
    let number = |i: usize| first + i as u64;
    match costing.exposure.affected {
        Some(a) => affected.fill(a),
        None => {
            let key = *affected_key;
            assumptions.breach.affected_share.fill_each(affected, |i| ColumnDraws::new(key, number(i)));
            let records = costing.exposure.records;
            if costing.exposure.records_estimated {
                // Breach i's multiplier is output i of its own column, keyed under the share's.
                let key = mix(key, RECORDS_STREAM);
                let multiplier = &assumptions.sectors.records_estimate.multiplier;
                for (i, a) in affected.iter_mut().enumerate() {
                    let m = multiplier.sample(&mut ColumnDraws::new(key, number(i)));
                    *a = ShareByHolding::affected(records, *a, m, costing.holding_factor(m));
                }
            } else {
                let factor = costing.holding_factor(1.0);
                for a in affected.iter_mut() {
                    *a = ShareByHolding::affected(records, *a, 1.0, factor);
                }
            }
        }
    }
    if let Some(correlation) = &assumptions.correlation {
        for (i, uniforms) in copula.chunks_exact_mut(positions).enumerate() {
            correlated_uniforms(&correlation.factor, &mut ColumnDraws::new(*copula_key, number(i)), uniforms);
        }
    }
    if costing.draws_notice {
        for (i, n) in notified[..n].iter_mut().enumerate() {
            *n = open_unit(&mut ColumnDraws::new(*notice_key, number(i))) < costing.exposure.notice;
        }
    }
    if costing.any_curve {
        for (l, a) in log10_affected.iter_mut().zip(affected.iter()) {
            *l = a.log10();
        }
    }
    if costing.steps.iter().any(|step| step.power_of_affected) {
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
    for (s, (step, [occurrence_key, var_keys @ ..])) in costing.steps.iter().zip(keys.iter()).enumerate() {
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
    if costing.kept < 1.0 {
        // A breach a control prevented costs nothing ([`super::prevention`]).
        for j in (0..n).filter(|&j| !own_breach_happens(*happens_key, number(j), costing.kept)) {
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
        let covered_steps = costing.steps.iter().enumerate();
        for (s, _) in covered_steps.filter(|(_, step)| step.covered_up_to.is_some() && step.incidents & 1 != 0) {
            for j in 0..n {
                covered[j] += if k > 1 { costs[j * k + s] } else { gross[j] };
            }
        }
    }
    let covered: &[f64] = if whole { covered } else { capped };
    for j in 0..n {
        let cost = |p: usize| if k > 1 { costs[j * k + p] } else { gross[j] };
        let breach = costing.breach_cover().breach(gross[j], (covered[j], capped[j]), cost, false);
        (payable[j], payable_base[j], insured[j]) = (breach.payable, breach.payable_base, breach.insured_before_share);
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
