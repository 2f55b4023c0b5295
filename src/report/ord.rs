//! Open Results Data (the Oasis LMF output standard) for the insured loss, in `ord/`:
//! `ept.csv` (exceedance probability table), `alt.csv` (average loss table) and
//! `summary_map.csv` (SummaryId → exposure id; the portfolio is the last SummaryId).

use super::csv::Csv;
use super::format::num;
use super::{ReportFile, PORTFOLIO_ID};
use crate::run::{MeasureResult, RunResults};
use crate::stats::RETURN_PERIODS;

/// ORD's EPCalc code for "full uncertainty" (the whole simulated distribution).
const FULL_UNCERTAINTY: u32 = 2;
/// ORD's SampleType code for statistics computed from the samples.
const SAMPLE_STATISTICS: u32 = 2;

pub fn render(results: &RunResults) -> Vec<ReportFile> {
    let mut ids: Vec<(&str, &MeasureResult)> =
        results.exposures.iter().map(|e| (e.id.as_str(), &e.measures.insured)).collect();
    if let Some(p) = &results.portfolio {
        ids.push((PORTFOLIO_ID, &p.insured));
    }
    let rows = 4 * RETURN_PERIODS.len() * ids.len();
    let mut ept = Csv::with_capacity(&["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"], Csv::room(rows, 0, 2));
    let mut alt = Csv::new(&["SummaryId", "SampleType", "MeanLoss", "SDLoss"]);
    let mut map = Csv::new(&["SummaryId", "id"]);
    for (index, (id, insured)) in ids.iter().enumerate() {
        let summary_id = (index + 1).to_string();
        let none = Vec::new();
        // EPType 1 OEP, 2 OEP TVaR, 3 AEP, 4 AEP TVaR; return periods from the longest.
        let curves: [(u32, &Vec<f64>); 4] = [
            (1, insured.occurrence_ep.as_ref().unwrap_or(&none)),
            (2, insured.occurrence_ep_tvar.as_ref().unwrap_or(&none)),
            (3, &insured.aggregate_ep),
            (4, &insured.aggregate_ep_tvar),
        ];
        for (ep_type, losses) in curves {
            for (t, loss) in RETURN_PERIODS.iter().zip(losses).rev() {
                ept.row([
                    summary_id.clone(),
                    FULL_UNCERTAINTY.to_string(),
                    ep_type.to_string(),
                    t.to_string(),
                    num(*loss),
                ]);
            }
        }
        alt.row([
            summary_id.clone(),
            SAMPLE_STATISTICS.to_string(),
            num(insured.summary.mean),
            num(insured.summary.sd),
        ]);
        map.row([summary_id, id.to_string()]);
    }
    vec![
        ReportFile { path: "ord/ept.csv".into(), bytes: ept.into_bytes() },
        ReportFile { path: "ord/alt.csv".into(), bytes: alt.into_bytes() },
        ReportFile { path: "ord/summary_map.csv".into(), bytes: map.into_bytes() },
    ]
}
