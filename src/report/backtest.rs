//! `backtest.csv` and `backtest_summary.csv`: a backtest's cases and its summary figures
//! (computed in [`crate::analysis::backtest`]).

use super::csv::{num, Csv};
use crate::analysis::backtest::{CaseResult, Summary};

/// `backtest.csv`: one row per case used.
pub fn render_results(results: &[CaseResult]) -> Vec<u8> {
    let mut csv = Csv::new(&["id", "affected", "actual_cost", "p5", "p50", "p95", "percentile_rank", "inside_90"]);
    for r in results {
        csv.row([
            r.id.clone(),
            r.affected.to_string(),
            num(r.actual_cost),
            num(r.p5),
            num(r.p50),
            num(r.p95),
            num(r.percentile_rank),
            r.inside_90.to_string(),
        ]);
    }
    csv.into_bytes()
}

/// `backtest_summary.csv`: metric,value.
pub fn render_summary(summary: &Summary, iterations: u64, seed: u64) -> Vec<u8> {
    let mut csv = Csv::new(&["metric", "value"]);
    let rows: [(&str, String); 11] = [
        ("cases_used", summary.cases_used.to_string()),
        ("cases_skipped", summary.cases_skipped.to_string()),
        ("coverage_90", num(summary.coverage_90)),
        ("coverage_p_value", num(summary.coverage_p_value)),
        ("below_p5", summary.below_p5.to_string()),
        ("above_p95", summary.above_p95.to_string()),
        ("median_actual_over_p50", num(summary.median_actual_over_p50)),
        ("ks_statistic", num(summary.ks_statistic)),
        ("ks_p_value", num(summary.ks_p_value)),
        ("iterations", iterations.to_string()),
        ("seed", seed.to_string()),
    ];
    for (metric, value) in rows {
        csv.row([metric.to_string(), value]);
    }
    csv.into_bytes()
}
