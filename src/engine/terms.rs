//! Policy terms applied to breaches and years, in the market's order (docs/model.md): per
//! breach the retention on the covered cost (shared across the covered components by cost;
//! with coverage sections, the highest retention of the sections it touches), each
//! component's sublimit, each section's, the per-breach limit; per year each component's and
//! section's aggregate sublimit, the aggregate limit, the share.

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
    /// It is a provider's outage: its outage components' cost goes to the contingent section.
    pub(super) contingent: bool,
    /// Its payment was worked out section by section ([`Cover::sectioned`]).
    pub(super) by_section: bool,
}

/// What an aggregate sublimit caps: an applicable component (its position) or a section.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Capped {
    Component(usize),
    Section(usize),
}

/// One coverage section of an exposure's policy.
#[derive(Clone, Debug)]
pub(super) struct SectionCover {
    sublimit: f64,
    retention: Option<f64>,
    /// The positions of the applicable components it holds: in any incident but a provider's
    /// outage, and in one.
    members: [Vec<usize>; 2],
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
    /// The applicable covered components and the sections with a finite aggregate sublimit
    /// (annual mode), with it.
    pub(super) aggregate_sublimits: Vec<(Capped, f64)>,
    /// The coverage sections (none without `[[section]]`).
    pub(super) sections: Vec<SectionCover>,
    /// A section has a finite sublimit or a retention of its own: payments are worked out
    /// section by section ([`Cover::by_section`]).
    pub(super) sectioned: bool,
    /// A section has a retention of its own.
    section_retentions: bool,
    /// Per applicable component: the section holding it, in any incident but a provider's
    /// outage, and in one.
    section_of: [Vec<Option<usize>>; 2],
    /// The covered applicable components in a section, with the section holding each and
    /// their sublimit ([`Cover::section_of`], as a list for the breach loop).
    sectioned_components: [Vec<(usize, usize, f64)>; 2],
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
        let sections: Vec<SectionCover> = model
            .assumptions
            .sections
            .iter()
            .zip(&terms.sections)
            .map(|(section, terms)| {
                let holds = |position: usize| section.components.contains(&exposure.components[position]);
                // In a provider's outage a contingent section takes its components from theirs.
                let taken = |position: usize| {
                    let c = exposure.components[position];
                    model.assumptions.sections.iter().any(|s| s.contingent && s.components.contains(&c))
                };
                let positions = 0..exposure.components.len();
                let members = [
                    positions.clone().filter(|&p| !section.contingent && holds(p)).collect(),
                    positions.filter(|&p| holds(p) && (section.contingent || !taken(p))).collect(),
                ];
                SectionCover { sublimit: terms.sublimit, retention: terms.retention, members }
            })
            .collect();
        let aggregate_sublimits = match model.settings.mode {
            Mode::Breach => Vec::new(),
            Mode::Annual => {
                let capped_components = exposure
                    .components
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| components[c].covered && terms.aggregate_sublimits[c] < f64::INFINITY)
                    .map(|(position, &c)| (Capped::Component(position), terms.aggregate_sublimits[c]));
                let capped_sections = terms
                    .sections
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.aggregate_sublimit < f64::INFINITY)
                    .map(|(s, t)| (Capped::Section(s), t.aggregate_sublimit));
                capped_components.chain(capped_sections).collect()
            }
        };
        let section_retentions = terms.sections.iter().any(|t| t.retention.is_some());
        let section_of: [Vec<Option<usize>>; 2] = [0, 1].map(|kind| {
            let holding = |p: usize| sections.iter().position(|s: &SectionCover| s.members[kind].contains(&p));
            (0..exposure.components.len()).map(holding).collect()
        });
        let sectioned_components = [0, 1].map(|kind| {
            let covered = up_to.iter().enumerate().filter_map(|(p, s)| s.map(|s| (p, s)));
            covered.filter_map(|(p, sublimit)| section_of[kind][p].map(|s| (p, s, sublimit))).collect()
        });
        Cover {
            mode: model.settings.mode,
            retention: terms.retention,
            limit: terms.limit,
            aggregate_limit: terms.aggregate_limit,
            share: terms.share,
            any_sublimit: up_to.iter().flatten().any(|s| *s < f64::INFINITY),
            up_to,
            aggregate_sublimits,
            sectioned: section_retentions || terms.sections.iter().any(|t| t.sublimit < f64::INFINITY),
            section_retentions,
            section_of,
            sectioned_components,
            sections,
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
    /// `contingent`: it is a provider's outage.
    #[inline]
    pub(super) fn breach(
        &self,
        gross: f64,
        (covered, capped): (f64, f64),
        cost: impl Fn(usize) -> f64 + Copy,
        contingent: bool,
    ) -> BreachCost {
        let payable = self.payable(self.retention, covered, capped, cost, contingent);
        let payable_base = if self.two_bases() {
            self.payable(self.base_retention, covered, capped, cost, contingent)
        } else {
            payable
        };
        let insured_before_share = smaller(payable, self.limit);
        let by_section = self.sectioned;
        BreachCost { gross, covered, payable, payable_base, insured_before_share, contingent, by_section }
    }

    /// The same terms for incidents in which only the components at the positions `arises`
    /// says may cost something: a sublimit, or a section's sublimit or retention, of none of
    /// theirs cannot bite, and their payments may be worked out the short way. The sections
    /// list only those components (the others' parts are zeros, which add nothing).
    pub(super) fn narrowed(&self, arises: impl Fn(usize) -> bool) -> Cover {
        let touched = |s: &SectionCover| s.members.iter().flatten().any(|&p| arises(p));
        let mut cover = self.clone();
        for members in cover.sections.iter_mut().flat_map(|s| s.members.iter_mut()) {
            members.retain(|&p| arises(p));
        }
        for listed in &mut cover.sectioned_components {
            listed.retain(|&(p, _, _)| arises(p));
        }
        cover.any_sublimit =
            self.up_to.iter().enumerate().any(|(p, s)| arises(p) && s.is_some_and(|s| s < f64::INFINITY));
        cover.section_retentions = self.sections.iter().any(|s| s.retention.is_some() && touched(s));
        cover.sectioned =
            cover.section_retentions || self.sections.iter().any(|s| s.sublimit < f64::INFINITY && touched(s));
        cover
    }

    /// What the policy pays of a breach before the per-breach limit at `retention` (see
    /// [`Cover::breach`]). Without a finite sublimit, or without a retention, that is
    /// `max(capped − retention, 0)`; with both, each covered component keeps its part of the
    /// covered cost above the retention, capped at its sublimit.
    /// With a section's sublimit or retention, section by section ([`Cover::sectioned`]).
    #[inline]
    pub(super) fn payable(
        &self,
        retention: f64,
        covered: f64,
        capped: f64,
        cost: impl Fn(usize) -> f64 + Copy,
        contingent: bool,
    ) -> f64 {
        if self.sectioned {
            return self.by_section(retention, covered, cost, contingent, |_, _| {});
        }
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

    /// What the policy pays of a breach before the per-breach limit, section by section:
    /// the highest retention of the sections it touches, shared across the covered components
    /// by cost, each component's part capped at its sublimit, each section's sum at the
    /// section's; `section(s, amount)` is called with each section's payment.
    pub(super) fn by_section(
        &self,
        retention: f64,
        covered: f64,
        cost: impl Fn(usize) -> f64 + Copy,
        contingent: bool,
        mut section: impl FnMut(usize, f64),
    ) -> f64 {
        let kept = kept(self.retention_of(retention, cost, contingent), covered);
        let mut total = 0.0;
        for (s, cover) in self.sections.iter().enumerate() {
            let paid = smaller(self.section_sum(cover, kept, cost, contingent), cover.sublimit);
            section(s, paid);
            total += paid;
        }
        total
    }

    /// The sum of a section's components' parts of a breach (each capped at its sublimit).
    #[inline]
    fn section_sum(&self, section: &SectionCover, kept: f64, cost: impl Fn(usize) -> f64, contingent: bool) -> f64 {
        let members = &section.members[usize::from(contingent)];
        members.iter().map(|&p| part_paid(cost(p), kept, self.up_to[p].unwrap_or(f64::INFINITY))).sum()
    }

    /// The retention of a breach: `retention` (the policy's, or the increased-limit factors'
    /// base), or with sections of their own retention, the highest retention of the
    /// sections whose components cost something in it (the policy's for one without).
    #[inline]
    fn retention_of(&self, retention: f64, cost: impl Fn(usize) -> f64, contingent: bool) -> f64 {
        if !self.section_retentions {
            return retention;
        }
        let touched = |s: &&SectionCover| s.members[usize::from(contingent)].iter().any(|&p| cost(p) > 0.0);
        self.sections.iter().filter(touched).map(|s| s.retention.unwrap_or(retention)).fold(0.0, larger)
    }

    /// Calls `part(i, amount)` with what the insurer pays for each aggregate-sublimited
    /// component or section (entry `i` of [`Cover::aggregate_sublimits`]) of a breach whose
    /// payment before the limit at `retention` is `payable`, of which `paid` is paid: the
    /// payment shared pro rata to the components' parts, `p_k × paid / payable` (a part within
    /// a section whose sublimit bites, in proportion to the section's payment).
    #[inline]
    pub(super) fn aggregate_parts(
        &self,
        (retention, covered, contingent): (f64, f64, bool),
        payable: f64,
        paid: f64,
        cost: impl Fn(usize) -> f64 + Copy,
        mut part: impl FnMut(usize, f64),
    ) {
        if payable <= 0.0 {
            return;
        }
        let (kept, scale) = (kept(self.retention_of(retention, cost, contingent), covered), paid / payable);
        // A section's payment over its components' parts (1 where its sublimit does not bite).
        let factor = |section: &SectionCover| {
            let sum = self.section_sum(section, kept, cost, contingent);
            if sum > section.sublimit {
                section.sublimit / sum
            } else {
                1.0
            }
        };
        for (i, &(capped, _)) in self.aggregate_sublimits.iter().enumerate() {
            let amount = match capped {
                Capped::Component(position) => {
                    let sublimit = self.up_to[position].unwrap_or(f64::INFINITY);
                    let holding = self.section_of[usize::from(contingent)][position].map(|s| &self.sections[s]);
                    part_paid(cost(position), kept, sublimit) * holding.map_or(1.0, factor)
                }
                Capped::Section(s) => {
                    let section = &self.sections[s];
                    smaller(self.section_sum(section, kept, cost, contingent), section.sublimit)
                }
            };
            part(i, amount * scale);
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
    /// Per coverage section: what the year's breaches have paid under it so far, before the
    /// year's terms.
    sections: Vec<f64>,
}

impl YearTotals {
    pub(super) fn new(cover: &Cover) -> Self {
        YearTotals {
            parts: vec![0.0; cover.aggregate_sublimits.len()],
            sections: vec![0.0; cover.sections.len()],
            ..Default::default()
        }
    }

    /// Starts a new year.
    #[inline(always)]
    pub(super) fn reset(&mut self) {
        (self.gross, self.insured_sum) = (0.0, 0.0);
        (self.largest_gross, self.largest_insured, self.largest_retained) = (0.0, 0.0, 0.0);
        if !self.parts.is_empty() {
            self.parts.fill(0.0);
        }
        if !self.sections.is_empty() {
            self.sections.fill(0.0);
        }
    }

    /// Adds a breach whose applicable components cost `costs` (its gross, with one), under
    /// the exposure's terms or those [`Cover::narrowed`] to the components that arise in it.
    #[inline(always)]
    pub(super) fn add(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) {
        self.gross += breach.gross;
        self.insured_sum += breach.insured_before_share;
        let excess_alone =
            if cover.aggregate_sublimits.is_empty() { 0.0 } else { self.add_parts(breach, costs, cover) };
        if !self.sections.is_empty() {
            self.add_sections(breach, costs, cover);
        }
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
        let terms = (cover.retention, breach.covered, breach.contingent);
        cover.aggregate_parts(terms, payable, paid, |p| costs[p], &mut add);
        excess_alone
    }

    /// Adds a breach's payments under each section (before the year's terms: its payment
    /// before the per-breach limit, section by section, scaled to what the limit leaves).
    #[inline]
    fn add_sections(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) {
        if breach.payable <= 0.0 {
            return;
        }
        let scale = breach.insured_before_share / breach.payable;
        let sections = &mut self.sections;
        if breach.by_section {
            let add = |s: usize, paid: f64| sections[s] += paid * scale;
            cover.by_section(cover.retention, breach.covered, |p| costs[p], breach.contingent, add);
        } else {
            // No section's term bit: each component's part goes to its section as it is.
            let kept = kept(cover.retention, breach.covered);
            for &(p, s, sublimit) in &cover.sectioned_components[usize::from(breach.contingent)] {
                sections[s] += part_paid(costs[p], kept, sublimit) * scale;
            }
        }
    }

    /// The year's insured loss by section, into `out`: what was paid under each, less what
    /// its aggregate sublimit (or that of a component it holds) took off, then scaled to the
    /// year's insured loss (the aggregate limit and the share), so that they add up to it.
    pub(super) fn insured_by_section(&self, cover: &Cover, out: &mut [f64]) {
        out.copy_from_slice(&self.sections);
        for (&(capped, cap), paid) in cover.aggregate_sublimits.iter().zip(&self.parts) {
            let section = match capped {
                Capped::Section(s) => Some(s),
                // (A component's excess is its ordinary section's.)
                Capped::Component(p) => cover.section_of[0][p],
            };
            if let Some(s) = section {
                out[s] = larger(out[s] - larger(paid - cap, 0.0), 0.0);
            }
        }
        let paid: f64 = out.iter().sum();
        let insured = self.insured(cover);
        let scale = if paid > 0.0 { insured / paid } else { 0.0 };
        for out in out.iter_mut() {
            *out *= scale;
        }
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
