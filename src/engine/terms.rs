//! Policy terms applied to breaches and years, in the market's order (docs/model.md): per
//! breach the retention on the covered cost (shared across the covered components by cost),
//! each component's sublimit, the per-breach limit; per year each component's aggregate
//! sublimit, the aggregate limit, the share.

use super::minmax::{larger, smaller};
use super::model::{ExposureModel, Model};
use super::outcomes::Outcome;
use crate::input::Mode;

/// Per-breach results that the year needs.
pub(super) struct BreachCost {
    pub(super) gross: f64,
    /// The covered components' cost, before any term.
    pub(super) covered: f64,
    /// What the policy pays of it before the per-breach limit: after the retention and each
    /// component's sublimit.
    pub(super) payable: f64,
    /// The same at the increased-limit factors' base retention (`payable` where it is the
    /// policy's own).
    pub(super) payable_base: f64,
    /// `min(payable, limit)`: before the year's terms and the share.
    pub(super) insured_before_share: f64,
}

/// An exposure's policy terms as its breaches and years need them, resolved once.
#[derive(Clone)]
pub(super) struct Cover {
    pub(super) mode: Mode,
    pub(super) retention: f64,
    pub(super) limit: f64,
    pub(super) aggregate_limit: f64,
    pub(super) share: f64,
    /// Per applicable component (in order): its per-breach sublimit if it is covered.
    pub(super) up_to: Vec<Option<f64>>,
    /// The applicable covered components with a finite aggregate sublimit (annual mode):
    /// (position among the applicable ones, aggregate sublimit).
    pub(super) aggregate_sublimits: Vec<(usize, f64)>,
    /// Whether a covered component has a finite per-breach sublimit: the covered cost after
    /// the sublimits is then not the covered cost.
    pub(super) any_sublimit: bool,
    /// The increased-limit factors' base retention ([`Model::ilf_base_retention`]).
    pub(super) base_retention: f64,
}

impl Cover {
    pub(super) fn new(model: &Model, exposure: &ExposureModel) -> Self {
        let terms = &exposure.terms;
        let components = &model.assumptions.components;
        let up_to: Vec<Option<f64>> =
            exposure.components.iter().map(|&c| components[c].covered.then(|| terms.sublimits[c])).collect();
        let aggregate_sublimits = match model.settings.mode {
            Mode::Breach => Vec::new(),
            Mode::Annual => exposure
                .components
                .iter()
                .enumerate()
                .filter(|(_, &c)| components[c].covered && terms.aggregate_sublimits[c] < f64::INFINITY)
                .map(|(position, &c)| (position, terms.aggregate_sublimits[c]))
                .collect(),
        };
        Cover {
            mode: model.settings.mode,
            retention: terms.retention,
            limit: terms.limit,
            aggregate_limit: terms.aggregate_limit,
            share: terms.share,
            any_sublimit: up_to.iter().flatten().any(|s| *s < f64::INFINITY),
            up_to,
            aggregate_sublimits,
            base_retention: model.ilf_base_retention,
        }
    }

    /// Whether the increased-limit factors' base retention is not the policy's own.
    pub(super) fn two_bases(&self) -> bool {
        self.base_retention != self.retention
    }

    /// One breach's terms, from its gross and covered cost, its covered cost after the
    /// sublimits (`capped`: Σ min(cost, sublimit) over the covered components) and the cost
    /// of each applicable component (`cost(position)`).
    #[inline]
    pub(super) fn breach(
        &self,
        gross: f64,
        covered: f64,
        capped: f64,
        cost: impl Fn(usize) -> f64 + Copy,
    ) -> BreachCost {
        let payable = self.payable(self.retention, covered, capped, cost);
        let payable_base =
            if self.two_bases() { self.payable(self.base_retention, covered, capped, cost) } else { payable };
        BreachCost { gross, covered, payable, payable_base, insured_before_share: smaller(payable, self.limit) }
    }

    /// What the policy pays of a breach before the per-breach limit at `retention` (see
    /// [`Cover::breach`]). Without a finite sublimit, or without a retention, that is
    /// `max(capped − retention, 0)`; with both, each covered component keeps its part of the
    /// covered cost above the retention, capped at its sublimit.
    #[inline]
    pub(super) fn payable(&self, retention: f64, covered: f64, capped: f64, cost: impl Fn(usize) -> f64) -> f64 {
        if !(self.any_sublimit && retention > 0.0) {
            return larger(capped - retention, 0.0);
        }
        let kept = kept(retention, covered);
        let mut sum = 0.0;
        for (position, up_to) in self.up_to.iter().enumerate() {
            if let Some(sublimit) = up_to {
                sum += part_paid(cost(position), kept, *sublimit);
            }
        }
        sum
    }

    /// Calls `part(i, amount)` with what the insurer pays for each aggregate-sublimited
    /// component (entry `i` of [`Cover::aggregate_sublimits`]) of a breach whose payment before
    /// the limit at `retention` is `payable`, of which `paid` is paid: the payment shared
    /// pro rata to the components' parts, `p_k × paid / payable`.
    #[inline]
    pub(super) fn aggregate_parts(
        &self,
        retention: f64,
        covered: f64,
        payable: f64,
        paid: f64,
        cost: impl Fn(usize) -> f64,
        mut part: impl FnMut(usize, f64),
    ) {
        if payable <= 0.0 {
            return;
        }
        let (kept, scale) = (kept(retention, covered), paid / payable);
        for (i, &(position, _)) in self.aggregate_sublimits.iter().enumerate() {
            let sublimit = self.up_to[position].unwrap_or(f64::INFINITY);
            part(i, part_paid(cost(position), kept, sublimit) * scale);
        }
    }

    /// The insured part of a year (or a breach, in breach mode) whose breaches' insured parts
    /// before the year's terms add up to `sum`, of which `excess` is over the components'
    /// aggregate sublimits: the aggregate limit caps the rest, then the share applies. In
    /// breach mode the share alone (an iteration is one breach).
    #[inline]
    pub(super) fn year(&self, sum: f64, excess: f64) -> f64 {
        match self.mode {
            Mode::Breach => self.share * sum,
            Mode::Annual => self.share * smaller(larger(sum - excess, 0.0), self.aggregate_limit),
        }
    }
}

/// What the policy pays for one covered component costing `cost` in a breach: its `kept`
/// share above the retention, capped at its per-breach sublimit.
#[inline]
fn part_paid(cost: f64, kept: f64, sublimit: f64) -> f64 {
    smaller(cost * kept, sublimit)
}

/// The share of a breach's covered cost that is above `retention`, the same for each covered
/// component (the retention is shared in proportion to their cost).
#[inline]
fn kept(retention: f64, covered: f64) -> f64 {
    if retention == 0.0 {
        1.0
    } else if covered > retention {
        (covered - retention) / covered
    } else {
        0.0
    }
}

/// What a year's breaches add up to, before the year's terms.
#[derive(Debug, Default)]
pub(super) struct YearTotals {
    pub(super) gross: f64,
    /// Sum of the breaches' insured parts before the year's terms.
    pub(super) insured_sum: f64,
    pub(super) largest_gross: f64,
    largest_insured: f64,
    largest_retained: f64,
    /// Per aggregate-sublimited component ([`Cover::aggregate_sublimits`]): what the year's
    /// breaches have paid for it so far.
    parts: Vec<f64>,
}

impl YearTotals {
    pub(super) fn new(cover: &Cover) -> Self {
        YearTotals { parts: vec![0.0; cover.aggregate_sublimits.len()], ..Default::default() }
    }

    /// Starts a new year.
    #[inline(always)]
    pub(super) fn reset(&mut self) {
        (self.gross, self.insured_sum) = (0.0, 0.0);
        (self.largest_gross, self.largest_insured, self.largest_retained) = (0.0, 0.0, 0.0);
        if !self.parts.is_empty() {
            self.parts.fill(0.0);
        }
    }

    /// Adds a breach whose applicable components cost `costs` (its gross, with one).
    #[inline(always)]
    pub(super) fn add(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) {
        self.gross += breach.gross;
        self.insured_sum += breach.insured_before_share;
        let excess_alone =
            if cover.aggregate_sublimits.is_empty() { 0.0 } else { self.add_parts(breach, costs, cover) };
        let insured_alone = cover.year(breach.insured_before_share, excess_alone);
        self.largest_gross = larger(self.largest_gross, breach.gross);
        self.largest_insured = larger(self.largest_insured, insured_alone);
        self.largest_retained = larger(self.largest_retained, larger(breach.gross - insured_alone, 0.0));
    }

    /// Adds a breach's payments for the aggregate-sublimited components; returns by how much
    /// they exceed their aggregate sublimits on their own. Out of line: few policies have any.
    #[inline(never)]
    fn add_parts(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) -> f64 {
        let mut excess_alone = 0.0;
        let (parts, caps) = (&mut self.parts, &cover.aggregate_sublimits);
        let (payable, paid) = (breach.payable, breach.insured_before_share);
        let mut add = |i: usize, part: f64| {
            parts[i] += part;
            excess_alone += larger(part - caps[i].1, 0.0);
        };
        cover.aggregate_parts(cover.retention, breach.covered, payable, paid, |p| costs[p], &mut add);
        excess_alone
    }

    /// The insured part of the year so far (after its terms).
    #[inline(always)]
    pub(super) fn insured(&self, cover: &Cover) -> f64 {
        if self.parts.is_empty() {
            return cover.year(self.insured_sum, 0.0);
        }
        let excess: f64 =
            self.parts.iter().zip(&cover.aggregate_sublimits).map(|(paid, (_, cap))| larger(paid - cap, 0.0)).sum();
        cover.year(self.insured_sum, excess)
    }

    /// The year's outcome.
    #[inline(always)]
    pub(super) fn close(&self, iteration: u64, cover: &Cover) -> Outcome {
        Outcome {
            iteration,
            gross: self.gross,
            insured: self.insured(cover),
            largest_gross: self.largest_gross,
            largest_insured: self.largest_insured,
            largest_retained: self.largest_retained,
        }
    }
}
