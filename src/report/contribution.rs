//! `contribution.csv` (annual mode): each exposure's share of the portfolio mean and of the
//! portfolio TVaR99 (co-TVaR: its loss averaged over exactly the portfolio's worst 1% of
//! years, the years the portfolio's TVaR99 averages; see `run::allocation`). Both columns
//! sum over exposures to the portfolio figures.

use super::csv::Csv;
use super::format::num;
use crate::run::RunResults;

pub const HEADER: [&str; 6] = ["id", "measure", "mean", "share_of_mean", "co_tvar_99", "share_of_tvar_99"];

pub fn render(results: &RunResults) -> Vec<u8> {
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let rows = 2 * (results.exposures.len() + 1);
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, 2 * ids, HEADER.len() - 2));
    let Some(portfolio) = &results.portfolio else { return csv.into_bytes() };
    let share = |part: f64, whole: f64| if whole > 0.0 { num(part / whole) } else { String::new() };
    for (measure, whole_mean, whole_tvar) in [
        ("gross", portfolio.gross.summary.mean, portfolio.gross.summary.tvar_99),
        ("insured", portfolio.insured.summary.mean, portfolio.insured.summary.tvar_99),
    ] {
        for (e, c) in results.exposures.iter().zip(&results.contributions) {
            let (mean, co_tvar) = if measure == "gross" {
                (c.gross_mean, c.gross_co_tvar_99)
            } else {
                (c.insured_mean, c.insured_co_tvar_99)
            };
            csv.row([
                e.id.clone(),
                measure.to_string(),
                num(mean),
                share(mean, whole_mean),
                num(co_tvar),
                share(co_tvar, whole_tvar),
            ]);
        }
        csv.row([
            super::PORTFOLIO_ID.to_string(),
            measure.to_string(),
            num(whole_mean),
            share(whole_mean, whole_mean),
            num(whole_tvar),
            share(whole_tvar, whole_tvar),
        ]);
    }
    csv.into_bytes()
}
