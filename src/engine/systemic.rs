//! Systemic events: occurrences drawn once per run and shared by every exposure they may hit.

use rand_distr::Distribution;

use super::model::Model;
use super::rng::{mix, name_key, stream, COUNT_STREAM, DURATION_STREAM, FOOTPRINT_STREAM, SYSTEMIC_EVENT_STREAM};
use super::year_law::{invert, poisson_cdf, INVERSION_MAX_RATE};
use crate::input::portfolio_risk::EventCount;
use crate::input::Mode;
use crate::sampler::open_unit;

/// One occurrence of a systemic event in an iteration.
#[derive(Debug, Clone, Copy)]
pub struct SystemicOccurrence {
    pub iteration: u64,
    pub event: usize,
    /// Stream key of this occurrence; each exposure's hit and breach derive from it.
    pub key: u64,
    /// The share of matching exposures this occurrence hits.
    pub footprint: f64,
    /// How long its outage lasts at every exposure it hits (where the event gives a
    /// `duration_hours`).
    pub hours: Option<f64>,
}

/// The systemic event occurrences of a set of iterations, drawn once per run (they are
/// shared by every exposure), sorted by iteration.
#[derive(Debug, Clone, Default)]
pub struct SystemicSchedule {
    occurrences: Vec<SystemicOccurrence>,
}

impl SystemicSchedule {
    /// Draws the occurrences in `iterations` (none in breach mode, where there are no years).
    pub fn new(model: &Model, iterations: impl Iterator<Item = u64>) -> Self {
        let events = &model.assumptions.systemic;
        if SystemicSchedule::is_inactive(model) {
            return SystemicSchedule::default();
        }
        let event_keys: Vec<u64> =
            events.iter().map(|e| mix(model.settings.seed, mix(name_key(&e.name), SYSTEMIC_EVENT_STREAM))).collect();
        // Poisson counts by inversion of a table built once per event.
        let tables: Vec<Vec<f64>> = events
            .iter()
            .map(|e| match e.count {
                EventCount::Poisson if e.annual_rate > 0.0 && e.annual_rate <= INVERSION_MAX_RATE => {
                    poisson_cdf(e.annual_rate, (-e.annual_rate).exp())
                }
                _ => Vec::new(),
            })
            .collect();
        let mut occurrences = Vec::new();
        for iteration in iterations {
            for (index, ((event, event_key), table)) in events.iter().zip(&event_keys).zip(&tables).enumerate() {
                if event.annual_rate <= 0.0 {
                    continue;
                }
                let year_key = mix(*event_key, iteration);
                let mut rng = stream(mix(year_key, COUNT_STREAM));
                let count = match event.count {
                    EventCount::Bernoulli => u32::from(open_unit(&mut rng) < event.annual_rate),
                    EventCount::Poisson if event.annual_rate > INVERSION_MAX_RATE => {
                        rand_distr::Poisson::new(event.annual_rate)
                            .map_or(0, |p| p.sample(&mut rng).min(10_000.0) as u32)
                    }
                    EventCount::Poisson => invert(table, open_unit(&mut rng)),
                };
                for j in 0..count {
                    let key = mix(year_key, u64::from(j));
                    let footprint = event.footprint.sample(&mut stream(mix(key, FOOTPRINT_STREAM)));
                    let hours = event.duration_hours.as_ref().map(|d| d.sample(&mut stream(mix(key, DURATION_STREAM))));
                    occurrences.push(SystemicOccurrence { iteration, event: index, key, footprint, hours });
                }
            }
        }
        occurrences.sort_by_key(|o| o.iteration);
        SystemicSchedule { occurrences }
    }

    /// True when the model has no systemic event that can ever happen (in annual mode).
    pub fn is_inactive(model: &Model) -> bool {
        model.settings.mode == Mode::Breach || model.assumptions.systemic.iter().all(|e| e.annual_rate <= 0.0)
    }

    pub fn occurrences(&self) -> &[SystemicOccurrence] {
        &self.occurrences
    }
}
