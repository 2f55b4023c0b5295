//! `exceedance.csv`: loss at each return period, per exposure, measure and EP type
//! (`AEP` and `OEP` in annual mode, `BREACH` in breach mode).

use super::csv::Csv;
use super::format::num;
use crate::run::{Measures, RunResults};
use crate::stats::RETURN_PERIODS;

pub const HEADER: [&str; 6] = ["id", "measure", "ep_type", "return_period", "exceedance_probability", "loss"];

pub fn render(results: &RunResults, annual: bool) -> Vec<u8> {
    // Three measures, of one or two curves, at each return period.
    let rows_each = 3 * if annual { 2 } else { 1 } * RETURN_PERIODS.len();
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let lines = rows_each * (results.exposures.len() + 2);
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(lines, rows_each * ids, 3));
    for e in &results.exposures {
        measure_rows(&mut csv, &e.id, &e.measures, annual);
    }
    if let Some(p) = &results.portfolio {
        measure_rows(&mut csv, super::PORTFOLIO_ID, p, annual);
    }
    if let Some(p) = &results.portfolio_independent {
        measure_rows(&mut csv, super::PORTFOLIO_EXCL_SYSTEMIC_ID, p, annual);
    }
    if let Some(r) = &results.reinsurance {
        // The portfolio's ceded and net annual losses (their AEP: treaties apply to years).
        curve_rows(&mut csv, super::PORTFOLIO_ID, "ceded", "AEP", &r.ceded.aggregate_ep);
        curve_rows(&mut csv, super::PORTFOLIO_ID, "net", "AEP", &r.net.aggregate_ep);
    }
    csv.into_bytes()
}

/// An id's rows for each of its measures: AEP and OEP in annual mode, BREACH in breach mode.
fn measure_rows(csv: &mut Csv, id: &str, measures: &Measures, annual: bool) {
    for (name, m) in measures.iter() {
        if annual {
            curve_rows(csv, id, name, "AEP", &m.aggregate_ep);
            if let Some(oep) = &m.occurrence_ep {
                curve_rows(csv, id, name, "OEP", oep);
            }
        } else {
            curve_rows(csv, id, name, "BREACH", &m.aggregate_ep);
        }
    }
}

/// One curve's rows: the loss at each return period.
fn curve_rows(csv: &mut Csv, id: &str, measure: &str, ep_type: &str, losses: &[f64]) {
    for (t, loss) in RETURN_PERIODS.iter().zip(losses) {
        csv.row([
            id.to_string(),
            measure.to_string(),
            ep_type.to_string(),
            t.to_string(),
            num(1.0 / f64::from(*t)),
            num(*loss),
        ]);
    }
}
