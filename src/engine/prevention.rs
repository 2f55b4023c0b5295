//! Incidents a security control prevents. A control that makes incidents of a type rarer
//! (a frequency multiplier m below 1) does not lower the rate they are drawn at: they are
//! drawn at the rate without it, and each one happens with probability m, from a draw of its
//! own. Thinning a (mixed) Poisson count keeps it the same law as scaling its rate by m, and
//! it keeps every other draw where it was: the incidents that still happen are the very ones
//! of a run without the control, with the same costs, so a comparison of the two
//! (`breachcost compare`) sees the control's effect and not the noise of different years.
//! A prevented incident costs nothing; its year may then store a zero loss (which the
//! statistics treat as no loss).

use super::model::{ExposureModel, Model};
use super::rng::{mix, stream, ColumnDraws, HAPPENS_STREAM};
use crate::input::Mode;
use crate::sampler::open_unit;

/// The share of drawn incidents of type `incident` (0: the data breach) that happen: the
/// controls' frequency multiplier where it is between 0 and 1 in annual mode, else 1 (a
/// multiplier of 0 or above 1 scales the rate itself; breach mode is given an incident).
pub(super) fn kept_share(model: &Model, exposure: &ExposureModel, incident: usize) -> f64 {
    let m = exposure.controls.frequency.get(incident).copied().unwrap_or(1.0);
    if model.settings.mode == Mode::Annual && m > 0.0 && m < 1.0 {
        m
    } else {
        1.0
    }
}

/// The rate incidents of type `incident` are drawn at, `rate` being the type's rate with the
/// controls' effect.
pub(super) fn drawn_rate(model: &Model, exposure: &ExposureModel, incident: usize, rate: f64) -> f64 {
    rate / kept_share(model, exposure, incident)
}

/// Each incident type's drawn rate ([`drawn_rate`]), the data breach first.
pub(super) fn drawn_rates<'a>(model: &'a Model, exposure: &'a ExposureModel) -> impl Iterator<Item = f64> + 'a {
    exposure.type_rates().enumerate().map(|(t, rate)| drawn_rate(model, exposure, t, rate))
}

/// Whether own breach number `number` of the block with `happens_key` (the block's key mixed
/// with [`HAPPENS_STREAM`]) happens, of those drawn of which a share `kept` happens.
#[inline]
pub(super) fn own_breach_happens(happens_key: u64, number: u64, kept: f64) -> bool {
    open_unit(&mut ColumnDraws::new(happens_key, number)) < kept
}

/// Whether the incident of another type keyed `key` happens, of which a share `kept` happens.
#[inline]
pub(super) fn incident_happens(key: u64, kept: f64) -> bool {
    kept >= 1.0 || open_unit(&mut stream(mix(key, HAPPENS_STREAM))) < kept
}
