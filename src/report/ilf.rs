//! `ilf.csv`: expected insured loss of each exposure at standard per-breach limits over its
//! retention, and the increased-limit factor relative to the $1M limit. The limits are
//! re-applied to the same simulated breaches, so the factors carry no sampling noise
//! between limits and always increase with the limit.

use super::csv::Csv;
use super::format::num;
use crate::engine::{Model, ILF_LIMITS};
use crate::run::RunResults;

pub const HEADER: [&str; 5] = ["id", "retention", "limit", "expected_insured_loss", "ilf"];

pub fn render(model: &Model, results: &RunResults) -> Vec<u8> {
    let ids: usize = results.exposures.iter().map(|e| e.id.len()).sum();
    let rows = ILF_LIMITS.len() * results.exposures.len();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, ILF_LIMITS.len() * ids, HEADER.len() - 1));
    for (e, model_exposure) in results.exposures.iter().zip(&model.exposures) {
        let base = e.layer_means.first().copied().unwrap_or(0.0);
        for (limit, mean) in ILF_LIMITS.iter().zip(&e.layer_means) {
            let factor = if base > 0.0 { num(mean / base) } else { String::new() };
            csv.row([e.id.clone(), num(model_exposure.terms.retention), num(*limit), num(*mean), factor]);
        }
    }
    csv.into_bytes()
}
