//! The portfolio's reinsurance: its `[[treaty]]` tables applied in order to each year's insured
//! loss (annual mode), giving each treaty's recoveries, the ceded and the net loss of each year.

use super::premium::standalone_capital;
use super::{measure, ComponentResult, MeasureResult};
use crate::input::treaties::Treaty;
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
    /// The portfolio's years, for the year loss table.
    pub years: PortfolioYearLosses,
    /// The portfolio's capital ([pricing] capital_measure) on its insured loss, and on its
    /// net loss: what the treaties spare of it is their capital relief.
    pub gross_capital: f64,
    pub net_capital: f64,
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
/// retained beside); `book_premium` is the subject premium of a loss-ratio stop loss that
/// gives none; `insured_summary` is the portfolio's insured loss, whose capital by `measure`
/// the net capital is set against.
pub fn apply(
    treaties: &[Treaty],
    [gross, retained, insured]: [Vec<f64>; 3],
    book_premium: f64,
    (insured_summary, capital_measure): (&Summary, CapitalMeasure),
) -> Reinsurance {
    let iterations = insured.len() as u64;
    let mut net = insured.to_vec();
    let mut ceded = vec![0.0; insured.len()];
    let mut recoveries = Vec::with_capacity(treaties.len());
    for treaty in treaties {
        let mut recovered = Vec::new();
        let terms = treaty.kind.in_amounts(book_premium);
        for (kept, ceded) in net.iter_mut().zip(ceded.iter_mut()) {
            let r = terms.recovers(*kept);
            if r > 0.0 {
                *kept -= r;
                *ceded += r;
                recovered.push(r);
            }
        }
        recoveries.push(recovered);
    }
    let insured_mean = insured.iter().sum::<f64>() / iterations.max(1) as f64;
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
        years: PortfolioYearLosses { gross, retained, insured, ceded, net },
    }
}
