//! An exposure's incidents of the types beside the data breach (`[[incident]]`): which years
//! of a block have them and how many (each type its own count law at its own rate, under a key
//! of its own, with the common shock as the data breaches take it), and what kind each one is
//! (its outage's hours and whether it also exposes data, drawn from its own streams).

use super::common_shock::CommonShocks;
use super::costing::IncidentKind;
use super::model::{ExposureModel, Model};
use super::prevention::{drawn_rate, incident_happens, kept_share};
use super::rng::{mix, name_key, stream, DATA_BREACH_STREAM, DURATION_STREAM, INCIDENT_STREAM};
use super::year_law::YearCounts;
use crate::input::dist::Var;
use crate::input::PolicyTerms;
use crate::sampler::open_unit;

/// One incident type's counts for one exposure.
struct TypeCounts<'m> {
    /// Its index (1 and up; 0 is the data breach).
    incident: usize,
    /// The rate its incidents are drawn at, and the share of them that happen ([`super::prevention`]).
    rate: f64,
    kept: f64,
    years: YearCounts,
    /// Its stream key under the exposure's.
    key: u64,
    duration_hours: Option<&'m Var>,
    data_breach_probability: f64,
}

/// An exposure's incident types beside the data breach.
pub(super) struct OtherIncidents<'m> {
    model: &'m Model,
    types: Vec<TypeCounts<'m>>,
    waiting_period_hours: f64,
    restoration_hours: f64,
    /// Whether a provider's outage (a systemic event's) is covered: 1 or 0.
    contingent_cover: f64,
}

/// One year's incidents of one type: (year, how many, the type's index).
pub(super) type TypeYear = (u64, u32, usize);

impl<'m> OtherIncidents<'m> {
    /// `exposure_key`: the exposure's key mixed with the seed.
    pub(super) fn new(model: &'m Model, exposure: &'m ExposureModel, exposure_key: u64) -> Self {
        let types = model
            .assumptions
            .incidents
            .iter()
            .zip(&exposure.incident_rates)
            .enumerate()
            .map(|(i, (t, &rate))| TypeCounts {
                incident: i + 1,
                rate: drawn_rate(model, exposure, i + 1, rate),
                kept: kept_share(model, exposure, i + 1),
                years: YearCounts::of_type(model, drawn_rate(model, exposure, i + 1, rate), i + 1),
                key: mix(exposure_key, mix(INCIDENT_STREAM, name_key(&t.name))),
                duration_hours: t.duration_hours.as_ref(),
                data_breach_probability: t.data_breach_probability,
            })
            .collect();
        let PolicyTerms { waiting_period_hours, restoration_hours, contingent_business_interruption, .. } =
            exposure.terms;
        let contingent_cover = if contingent_business_interruption { 1.0 } else { 0.0 };
        OtherIncidents { model, types, waiting_period_hours, restoration_hours, contingent_cover }
    }

    /// Whether the assumptions have no type beside the data breach.
    pub(super) fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The share of years with an incident of some other type (for sizing the outcome buffers).
    pub(super) fn share_hit(&self) -> f64 {
        1.0 - self.types.iter().map(|t| 1.0 - t.years.share_breached()).product::<f64>()
    }

    /// The block's years with incidents of each type, into `years` sorted by year then type
    /// (`scratch`: each type's years, ascending, merged into `years`).
    pub(super) fn count_years(
        &self,
        block: u64,
        shocks: &CommonShocks,
        years: &mut Vec<TypeYear>,
        scratch: &mut Vec<Vec<(u64, u32)>>,
    ) {
        scratch.resize_with(self.types.len(), Vec::new);
        for (counts, own) in self.types.iter().zip(scratch.iter_mut()) {
            let block_key = mix(counts.key, block);
            own.clear();
            match shocks.bound(block) {
                Some(bound) if counts.years.is_random() => {
                    let shocked = YearCounts::of_type(self.model, counts.rate * bound, counts.incident);
                    shocked.count_years(block, block_key, own);
                    shocks.thin(bound, block_key, own);
                }
                _ => counts.years.count_years(block, block_key, own),
            }
        }
        merge_by_year(scratch, years);
    }

    /// The stream key of incident `j` of type `t` (an index of [`OtherIncidents::count_years`]'s)
    /// in `year`.
    pub(super) fn incident_key(&self, t: usize, year: u64, j: u32) -> u64 {
        mix(mix(self.types[t].key, year), u64::from(j))
    }

    /// Whether the incident of type `t` keyed `key` happens (a control may prevent it).
    #[inline]
    pub(super) fn happens(&self, t: usize, key: u64) -> bool {
        incident_happens(key, self.types[t].kept)
    }

    /// What kind of incident the one of type `t` keyed `key` is: its outage's hours (0 without
    /// one), the share of them business-interruption cover pays for (those past the waiting
    /// period, up to the period of restoration), and whether it also exposes data.
    pub(super) fn kind(&self, t: usize, key: u64) -> IncidentKind {
        self.kind_with(t, key, None)
    }

    /// The kind of incident a systemic event of type `t` (an index of the types beside the
    /// data breach) causes at the exposure, keyed `key`: with the event's `hours` (its
    /// `duration_hours`), a provider's outage, business interruption from which is contingent;
    /// without, an incident of the type's own (a wave of attacks on the firms' own systems).
    pub(super) fn systemic_kind(&self, t: usize, key: u64, hours: Option<f64>) -> IncidentKind {
        let mut kind = self.kind_with(t, key, hours);
        if hours.is_some() {
            kind.contingent = true;
            kind.covered_hours_share *= self.contingent_cover;
        }
        kind
    }

    fn kind_with(&self, t: usize, key: u64, hours: Option<f64>) -> IncidentKind {
        let counts = &self.types[t];
        let drawn = || counts.duration_hours.map_or(0.0, |d| d.sample(&mut stream(mix(key, DURATION_STREAM))));
        let hours = hours.unwrap_or_else(drawn);
        let data_breach = counts.data_breach_probability > 0.0
            && open_unit(&mut stream(mix(key, DATA_BREACH_STREAM))) < counts.data_breach_probability;
        IncidentKind {
            incident: counts.incident,
            data_breach,
            hours,
            covered_hours_share: covered_hours_share(hours, self.waiting_period_hours, self.restoration_hours),
            contingent: false,
        }
    }
}

/// Merges each type's years (ascending) into `years`, by year, the types of a year in order.
fn merge_by_year(types: &[Vec<(u64, u32)>], years: &mut Vec<TypeYear>) {
    years.clear();
    let mut next = vec![0; types.len()];
    loop {
        // The type whose next year comes first (the first such type on a tie).
        let mut first: Option<(usize, u64)> = None;
        for (t, own) in types.iter().enumerate() {
            if let Some(&(year, _)) = own.get(next[t]) {
                if first.is_none_or(|(_, least)| year < least) {
                    first = Some((t, year));
                }
            }
        }
        let Some((t, year)) = first else { return };
        years.push((year, types[t][next[t]].1, t));
        next[t] += 1;
    }
}

/// The share of an outage of `hours` that business-interruption cover pays for: the hours past
/// the waiting period, at most the period of restoration, over all the hours (0 for none).
pub fn covered_hours_share(hours: f64, waiting_period_hours: f64, restoration_hours: f64) -> f64 {
    if hours <= 0.0 {
        return 0.0;
    }
    (hours - waiting_period_hours).clamp(0.0, restoration_hours) / hours
}

#[cfg(test)]
mod tests {
    use super::merge_by_year;

    /// Each type's years merge by year, the types of a shared year in type order, as a
    /// stable sort of them one type after another would put them.
    #[test]
    fn types_years_merge_by_year_then_type() {
        let types = vec![vec![(3, 1), (9, 2), (12, 1)], vec![], vec![(1, 4), (3, 2), (12, 7), (40, 1)], vec![(9, 5)]];
        let mut merged = Vec::new();
        merge_by_year(&types, &mut merged);
        let mut sorted: Vec<(u64, u32, usize)> =
            types.iter().enumerate().flat_map(|(t, own)| own.iter().map(move |&(y, n)| (y, n, t))).collect();
        sorted.sort_by_key(|&(year, _, _)| year);
        assert_eq!(merged, sorted);
        assert_eq!(merged[1], (3, 1, 0));
        assert_eq!(merged[2], (3, 2, 2));
    }
}
