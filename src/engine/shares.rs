//! A year's insured loss shared among its incidents, pro rata to what the policy pays of each
//! before the year's terms (the aggregate limit, aggregate sublimits and the share): a year of
//! one incident gives it the whole year's, exactly, and so does a year whose incidents are all
//! of one type to that type. The simulation has no order of incidents within a year, so the
//! year's aggregate erosion is shared rather than charged to its last incidents. The treaties'
//! per-risk and catastrophe layers read each incident's share ([`super::ceding`]); the expected
//! insured loss by incident type adds them up by type.

/// Marks an exposure's own incident (not a systemic occurrence's).
const OWN: u32 = u32::MAX;

/// One incident of the year: what the policy pays of it before the year's terms, the number
/// among the year's systemic occurrences of the one it came from ([`OWN`] for none), its type.
#[derive(Debug, Clone, Copy)]
struct Incident {
    paid: f64,
    occurrence: u32,
    incident: usize,
}

/// The year's incidents.
#[derive(Debug, Default)]
pub(super) struct YearIncidents {
    incidents: Vec<Incident>,
    /// A year's insured loss by type, for [`YearIncidents::add_by_type`].
    year: Vec<f64>,
}

impl YearIncidents {
    pub(super) fn reset(&mut self) {
        self.incidents.clear();
    }

    /// Adds an incident of type `incident` of which the policy pays `paid` before the year's
    /// terms; from the year's systemic occurrence number `occurrence`, if any.
    #[inline]
    pub(super) fn add(&mut self, paid: f64, occurrence: Option<u32>, incident: usize) {
        self.incidents.push(Incident { paid, occurrence: occurrence.unwrap_or(OWN), incident });
    }

    /// Each incident's share of the year's insured loss `insured`, with the systemic
    /// occurrence it came from (if any).
    pub(super) fn shares(&self, insured: f64) -> impl Iterator<Item = (f64, Option<u32>)> + '_ {
        let total: f64 = self.incidents.iter().map(|i| i.paid).sum();
        let lone = self.incidents.len() == 1;
        self.incidents.iter().map(move |i| {
            let loss = if lone {
                insured
            } else if total > 0.0 {
                insured * (i.paid / total)
            } else {
                0.0
            };
            (loss, (i.occurrence != OWN).then_some(i.occurrence))
        })
    }

    /// Adds the year's insured loss `insured` to `by_type` (one per incident type), each type
    /// its incidents' shares.
    pub(super) fn add_by_type(&mut self, insured: f64, by_type: &mut [f64]) {
        let Some(first) = self.incidents.first() else { return };
        if self.incidents.iter().all(|i| i.incident == first.incident) {
            if let Some(total) = by_type.get_mut(first.incident) {
                *total += insured;
            }
            return;
        }
        // The year's figures by type first, then into the totals (one addition a type a year).
        let mut year = std::mem::take(&mut self.year);
        year.clear();
        year.resize(by_type.len(), 0.0);
        for ((loss, _), i) in self.shares(insured).zip(&self.incidents) {
            if let Some(total) = year.get_mut(i.incident) {
                *total += loss;
            }
        }
        for (total, amount) in by_type.iter_mut().zip(&year) {
            *total += amount;
        }
        self.year = year;
    }
}
