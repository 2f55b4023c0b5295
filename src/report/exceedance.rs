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
    let mut rows = |id: &str, measures: &Measures| {
        for (name, m) in measures.iter() {
            let mut curves: Vec<(&str, &Vec<f64>)> = Vec::new();
            if annual {
                curves.push(("AEP", &m.aggregate_ep));
                if let Some(oep) = &m.occurrence_ep {
                    curves.push(("OEP", oep));
                }
            } else {
                curves.push(("BREACH", &m.aggregate_ep));
            }
            for (ep_type, losses) in curves {
                for (t, loss) in RETURN_PERIODS.iter().zip(losses) {
                    csv.row([
                        id.to_string(),
                        name.to_string(),
                        ep_type.to_string(),
                        t.to_string(),
                        num(1.0 / f64::from(*t)),
                        num(*loss),
                    ]);
                }
            }
        }
    };
    for e in &results.exposures {
        rows(&e.id, &e.measures);
    }
    if let Some(p) = &results.portfolio {
        rows(super::PORTFOLIO_ID, p);
    }
    if let Some(p) = &results.portfolio_independent {
        rows(super::PORTFOLIO_EXCL_SYSTEMIC_ID, p);
    }
    csv.into_bytes()
}
