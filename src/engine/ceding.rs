//! What the portfolio's per-risk and catastrophe layers need of an exposure's years
//! (`[[treaty]]`, annual mode): each incident's insured loss, its recovery under each per-risk
//! layer, and each systemic occurrence's insured loss with the per-risk recoveries on it.
//!
//! An incident's insured loss is its share of the year's: the year's insured loss (after the
//! aggregate limit, aggregate sublimits and the share) shared among the year's incidents pro
//! rata to what the policy pays of each before the year's terms. A year of one incident gives
//! it the whole year's, exactly. The layers' yearly limits apply over the portfolio
//! ([`crate::run::reinsurance`]).

use super::model::Model;
use super::outcomes::OutcomeColumns;
use super::systemic::SystemicSchedule;
use crate::input::treaties::{Layer, TreatyKind};
use crate::input::Mode;

/// What the treaties ask of the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct CedingPlan {
    /// What the quota shares before the per-risk layers leave of each incident's loss.
    pub scale: f64,
    /// The per-risk layers, in order.
    pub per_risk: Vec<Layer>,
    /// Whether each systemic occurrence's loss is wanted (for a catastrophe layer, or a
    /// quota share's event limit).
    pub events: bool,
}

impl CedingPlan {
    /// The plan of the model's treaties; `None` where they ask nothing of the engine.
    pub fn of(model: &Model) -> Option<CedingPlan> {
        let treaties = &model.assumptions.treaties;
        if model.settings.mode != Mode::Annual {
            return None;
        }
        let per_risk: Vec<Layer> = treaties
            .iter()
            .filter_map(|t| match &t.kind {
                TreatyKind::PerRiskXol(layer) => Some(*layer),
                _ => None,
            })
            .collect();
        // (Per-risk layers come after quota shares only: those before the first.)
        let first = treaties.iter().position(|t| t.kind.is_per_risk());
        let scale = treaties[..first.unwrap_or(0)]
            .iter()
            .map(|t| match t.kind {
                TreatyKind::QuotaShare { cession, .. } => 1.0 - cession,
                _ => 1.0,
            })
            .product();
        let wants_events = treaties.iter().any(|t| match t.kind {
            TreatyKind::CatXol { .. } => true,
            TreatyKind::QuotaShare { event_limit, .. } => event_limit.is_finite(),
            _ => false,
        });
        let events = wants_events && !SystemicSchedule::is_inactive(model);
        (events || !per_risk.is_empty()).then_some(CedingPlan { scale, per_risk, events })
    }

    /// Values an event hit carries: its insured loss, then its per-risk recoveries.
    pub fn event_width(&self) -> usize {
        1 + self.per_risk.len()
    }
}

/// Marks an exposure's own incident (not a systemic occurrence's) in [`YearIncidents`].
const OWN: u32 = u32::MAX;

/// A year's incidents as the layers see them: what the policy pays of each before the year's
/// terms, and the number among the year's systemic occurrences of the one it came from.
#[derive(Debug, Default)]
pub(super) struct YearIncidents {
    paid: Vec<(f64, u32)>,
    recoveries: Vec<f64>,
}

impl YearIncidents {
    pub(super) fn reset(&mut self) {
        self.paid.clear();
    }

    /// Adds an incident of which the policy pays `paid` before the year's terms; from the
    /// year's systemic occurrence number `occurrence`, if any.
    #[inline]
    pub(super) fn add(&mut self, paid: f64, occurrence: Option<u32>) {
        self.paid.push((paid, occurrence.unwrap_or(OWN)));
    }

    /// Closes the year `iteration`, whose insured loss is `insured`: appends its per-risk
    /// recoveries (one per layer) and its systemic occurrences' figures to `part`.
    pub(super) fn close(&mut self, iteration: u64, insured: f64, plan: &CedingPlan, part: &mut OutcomeColumns) {
        let layers = plan.per_risk.len();
        let first = part.ceded.len();
        part.ceded.resize(first + layers, 0.0);
        let total: f64 = self.paid.iter().map(|(paid, _)| paid).sum();
        let lone = self.paid.len() == 1;
        for &(paid, occurrence) in &self.paid {
            // Its share of the year's insured loss (a lone incident's is the year's, exactly).
            let loss = if lone {
                insured
            } else if total > 0.0 {
                insured * (paid / total)
            } else {
                0.0
            };
            self.recoveries.clear();
            for (t, layer) in plan.per_risk.iter().enumerate() {
                let recovered = layer.recovers(plan.scale * loss);
                part.ceded[first + t] += recovered;
                self.recoveries.push(recovered);
            }
            if plan.events && occurrence != OWN {
                part.event_hits.push((iteration, occurrence));
                part.event_values.push(loss);
                part.event_values.extend_from_slice(&self.recoveries);
            }
        }
    }
}
