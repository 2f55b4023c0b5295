//! The portfolio's reinsurance: its `[[treaty]]` tables applied in order to each year's insured
//! loss (annual mode), giving each treaty's recoveries, the ceded and the net loss of each year.
//!
//! A year is walked treaty by treaty with what the insurer keeps of it, and of each of its
//! systemic occurrences: a quota share cedes its share of both (at most its event limit of
//! each occurrence); a per-risk layer recovers the portfolio's sum of its recoveries on each
//! incident, at most its yearly limit (an occurrence keeps its incidents' recoveries less, in
//! the same proportion); a catastrophe layer recovers its layer of each occurrence of the
//! events it covers, in the order they were drawn, up to its yearly limit; a stop loss its layer
//! of the year's kept loss.

use super::premium::standalone_capital;
use super::years::CededYears;
use super::{measure, ComponentResult, MeasureResult};
use crate::input::treaties::{Treaty, TreatyKind};
use crate::input::CapitalMeasure;
use crate::stats::Segment;
use crate::stats::Summary;

/// What the portfolio cedes and keeps.
#[derive(Debug, Clone)]
pub struct Reinsurance {
    pub ceded: MeasureResult,
    pub net: MeasureResult,
    /// Per treaty, in order: the statistics of its annual recoveries (`share_of_mean`: of the
    /// insured mean), and its premium if given.
    pub treaties: Vec<(ComponentResult, Option<f64>)>,
    /// Per treaty, in order: the reinstatement premium it is expected to cost a year (0 but
    /// for layers with paid reinstatements and a premium).
    pub reinstatement_premiums: Vec<f64>,
    /// The portfolio's years, for the year loss table.
    pub years: PortfolioYearLosses,
    /// The portfolio's capital ([pricing] capital_measure) on its insured loss, and on its
    /// net loss: what the treaties spare of it is their capital relief.
    pub gross_capital: f64,
    pub net_capital: f64,
}

impl Reinsurance {
    /// What treaty `t` costs a year, where its premium is given: the premium and the
    /// reinstatements it is expected to pay for.
    pub fn cost(&self, t: usize) -> Option<f64> {
        let premium = self.treaties.get(t).and_then(|(_, premium)| *premium)?;
        Some(premium + self.reinstatement_premiums.get(t).copied().unwrap_or(0.0))
    }
}

/// The portfolio's losses year by year (one value per iteration each).
#[derive(Debug, Clone, Default)]
pub struct PortfolioYearLosses {
    pub gross: Vec<f64>,
    pub retained: Vec<f64>,
    pub insured: Vec<f64>,
    pub ceded: Vec<f64>,
    pub net: Vec<f64>,
}

/// Applies `treaties` to the years' insured losses (one per iteration, with their gross and
/// retained beside), with what their per-risk and catastrophe layers need (`ceded`, with such
/// layers) and the names of the model's systemic events (`events`, by index); `book_premium`
/// is the subject premium of a loss-ratio stop loss that gives none; `insured_summary` is the
/// portfolio's insured loss, whose capital by `measure` the net capital is set against.
pub fn apply(
    treaties: &[Treaty],
    ([gross, retained, insured], ceded_years): ([Vec<f64>; 3], Option<&CededYears>),
    (book_premium, events): (f64, &[&str]),
    (insured_summary, capital_measure): (&Summary, CapitalMeasure),
) -> Reinsurance {
    let iterations = insured.len() as u64;
    let empty = CededYears::default();
    let ceded_years = ceded_years.unwrap_or(&empty);
    let layers = treaties.iter().filter(|t| t.kind.is_per_risk()).count();
    let width = 1 + layers;
    // Per treaty: which events' occurrences it covers (a catastrophe layer's).
    let covers: Vec<Vec<bool>> = treaties
        .iter()
        .map(|t| match &t.kind {
            TreatyKind::CatXol { events: Some(named), .. } => {
                events.iter().map(|e| named.iter().any(|n| n == e)).collect()
            }
            _ => vec![true; events.len()],
        })
        .collect();
    let mut net = insured.to_vec();
    let mut ceded = vec![0.0; insured.len()];
    let mut recoveries: Vec<Vec<f64>> = vec![Vec::new(); treaties.len()];
    let mut reinstatement_premiums = vec![0.0; treaties.len()];
    let mut kept_events: Vec<f64> = Vec::new();
    for (y, (kept, ceded)) in net.iter_mut().zip(ceded.iter_mut()).enumerate() {
        let occurrences = ceded_years.occurrences.as_ref().map_or(0..0, |o| o.year_start[y]..o.year_start[y + 1]);
        kept_events.clear();
        kept_events.extend(occurrences.clone().map(|o| ceded_years.events[o * width]));
        let mut per_risk = 0;
        for (t, treaty) in treaties.iter().enumerate() {
            let recovered = match &treaty.kind {
                TreatyKind::QuotaShare { cession, event_limit } => {
                    let (mut on_events, mut from_events) = (0.0, 0.0);
                    for k in kept_events.iter_mut() {
                        let part = (cession * *k).min(*event_limit);
                        (on_events, from_events) = (on_events + *k, from_events + part);
                        *k -= part;
                    }
                    // (Without occurrences, exactly `cession × kept`: less 0, plus 0.)
                    cession * (*kept - on_events).max(0.0) + from_events
                }
                TreatyKind::PerRiskXol(layer) => {
                    let p = per_risk;
                    per_risk += 1;
                    let sum = ceded_years.per_risk.get(y * layers + p).copied().unwrap_or(0.0);
                    let recovered = sum.min(layer.annual_limit());
                    let paid = if sum > 0.0 { recovered / sum } else { 0.0 };
                    for (k, o) in kept_events.iter_mut().zip(occurrences.clone()) {
                        *k = (*k - paid * ceded_years.events[o * width + 1 + p]).max(0.0);
                    }
                    recovered
                }
                TreatyKind::CatXol { layer, .. } => {
                    let mut room = layer.annual_limit();
                    let mut sum = 0.0;
                    for (k, o) in kept_events.iter_mut().zip(occurrences.clone()) {
                        let event = ceded_years.occurrences.as_ref().map_or(0, |x| x.event[o]);
                        if covers[t].get(event).copied().unwrap_or(false) {
                            let r = layer.recovers(*k).min(room);
                            (room, sum) = (room - r, sum + r);
                            *k -= r;
                        }
                    }
                    sum
                }
                TreatyKind::AggregateStopLoss { .. } | TreatyKind::LossRatioStopLoss { .. } => {
                    let (attachment, limit) = treaty.kind.stop_loss(book_premium).unwrap_or((f64::INFINITY, 0.0));
                    (*kept - attachment).clamp(0.0, limit)
                }
            };
            // (Never more than is kept: what rounding might leave over.)
            let recovered = recovered.clamp(0.0, *kept);
            if recovered > 0.0 {
                *kept -= recovered;
                *ceded += recovered;
                recoveries[t].push(recovered);
                if let (Some(layer), Some(premium)) = (treaty.kind.layer(), treaty.premium) {
                    reinstatement_premiums[t] += layer.reinstatement_premium(recovered, premium);
                }
            }
        }
    }
    let years = iterations.max(1) as f64;
    for premium in reinstatement_premiums.iter_mut() {
        *premium /= years;
    }
    let insured_mean = insured.iter().sum::<f64>() / years;
    let treaties = treaties
        .iter()
        .zip(recoveries)
        .map(|(t, r)| (ComponentResult::of(&t.name, r, iterations, insured_mean), t.premium))
        .collect();
    let positive =
        |values: &[f64]| vec![Segment::from(values.iter().copied().filter(|v| *v > 0.0).collect::<Vec<f64>>())];
    let net_result = measure(positive(&net), None, iterations).0;
    Reinsurance {
        ceded: measure(positive(&ceded), None, iterations).0,
        gross_capital: standalone_capital(insured_summary, capital_measure),
        net_capital: standalone_capital(&net_result.summary, capital_measure),
        net: net_result,
        treaties,
        reinstatement_premiums,
        years: PortfolioYearLosses { gross, retained, insured, ceded, net },
    }
}
