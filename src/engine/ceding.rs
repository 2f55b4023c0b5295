//! What the portfolio's per-risk and catastrophe layers need of an exposure's years
//! (`[[treaty]]`, annual mode): each incident's insured loss (its share of the year's:
//! [`super::shares`]), its recovery under each per-risk layer, and each systemic occurrence's
//! insured loss with the per-risk recoveries on it. The layers' yearly limits apply over the
//! portfolio ([`crate::run::reinsurance`]).

use super::model::Model;
use super::outcomes::OutcomeColumns;
use super::shares::YearIncidents;
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

/// Appends the year `iteration`'s per-risk recoveries (one per layer, from each incident's
/// share of its insured loss `insured`) and its systemic occurrences' figures to `part`.
pub(super) fn close_year(
    incidents: &YearIncidents,
    (iteration, insured): (u64, f64),
    plan: &CedingPlan,
    recoveries: &mut Vec<f64>,
    part: &mut OutcomeColumns,
) {
    let first = part.ceded.len();
    part.ceded.resize(first + plan.per_risk.len(), 0.0);
    for (loss, occurrence) in incidents.shares(insured) {
        recoveries.clear();
        for (t, layer) in plan.per_risk.iter().enumerate() {
            let recovered = layer.recovers(plan.scale * loss);
            part.ceded[first + t] += recovered;
            recoveries.push(recovered);
        }
        if let (true, Some(occurrence)) = (plan.events, occurrence) {
            part.event_hits.push((iteration, occurrence));
            part.event_values.push(loss);
            part.event_values.extend_from_slice(recoveries);
        }
    }
}
