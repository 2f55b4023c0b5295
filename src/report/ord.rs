//! Open Results Data (the Oasis LMF output standard) for the insured loss, in `ord/`, laid out
//! as an Oasis analysis lays out its insured-loss ("il") perspective: one summary set per level
//! of detail, each with its own files `il_S<set>_<table>.csv`. Set 1 is the portfolio (one
//! SummaryId), set 2 the exposures (one SummaryId each), so summing a table's MeanLoss counts
//! each loss once. Per set: `ept` (exceedance probability table), `palt` (period average loss
//! table) and `summary-info` (what each SummaryId stands for). With `[[treaty]]` tables the
//! portfolio's loss net of reinsurance is its reinsurance ("ri") perspective, `ri_S1_*`
//! (aggregate curves only: a treaty acts on the year, so there is no net loss per event).

use super::csv::Csv;
use super::format::num;
use super::ReportFile;
use crate::run::{MeasureResult, RunResults};
use crate::stats::RETURN_PERIODS;

/// ORD's EPCalc code for "full uncertainty" (the whole simulated distribution).
const FULL_UNCERTAINTY: u32 = 2;
/// ORD's SampleType code for statistics computed from the samples.
const SAMPLE_STATISTICS: u32 = 2;

pub fn render(results: &RunResults) -> Vec<ReportFile> {
    let mut files = Vec::new();
    // Oasis describes a summary set grouped by no field (the whole portfolio) this way.
    if let Some(p) = &results.portfolio {
        files.extend(summary_set("il", 1, "_not_set_", vec![("All-Risks", &p.insured)]));
    }
    let exposures = results.exposures.iter().map(|e| (e.id.as_str(), &e.measures.insured)).collect();
    files.extend(summary_set("il", 2, "id", exposures));
    if let Some(r) = &results.reinsurance {
        files.extend(summary_set("ri", 1, "_not_set_", vec![("All-Risks", &r.net)]));
    }
    files
}

/// The files of summary set `set` of perspective `perspective` (`il`, `ri`): SummaryId k
/// (from 1) is `members[k - 1]`, whose summary-info names it by `field`.
fn summary_set(perspective: &str, set: u32, field: &str, members: Vec<(&str, &MeasureResult)>) -> [ReportFile; 3] {
    let rows = 4 * RETURN_PERIODS.len() * members.len();
    let mut ept = Csv::with_capacity(&["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"], Csv::room(rows, 0, 2));
    let mut palt = Csv::new(&["SummaryId", "SampleType", "MeanLoss", "SDLoss"]);
    // Oasis' summary-info also carries `tiv`, the total insured value: cyber cover has none.
    let mut info = Csv::new(&["summary_id", field]);
    let none = Vec::new();
    for (index, (name, insured)) in members.iter().enumerate() {
        let summary_id = (index + 1).to_string();
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
        palt.row([
            summary_id.clone(),
            SAMPLE_STATISTICS.to_string(),
            num(insured.summary.mean),
            num(insured.summary.sd),
        ]);
        info.row([summary_id, name.to_string()]);
    }
    let file = |table: &str, csv: Csv| ReportFile {
        path: format!("ord/{perspective}_S{set}_{table}.csv"),
        bytes: csv.into_bytes(),
    };
    [file("ept", ept), file("palt", palt), file("summary-info", info)]
}
