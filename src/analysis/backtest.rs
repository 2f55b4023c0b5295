//! Backtesting assumptions against real breaches: for each case (a breach whose number of
//! affected records and actual cost are public), simulate one breach of exactly that size
//! in breach mode and see where the actual cost falls in the simulated distribution.
//!
//! Calibrated assumptions put the actual costs inside the 90% intervals about 90% of the
//! time, with percentile ranks spread evenly over (0, 1); the Kolmogorov–Smirnov test of
//! the ranks against Uniform(0, 1) says how far from even they are.

use crate::engine::{simulate_exposures, Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::{csv_rows, Assumptions, Exposure, Exposures, Mode};
use crate::stats::LossDistribution;

/// The most iterations per case: breach mode keeps every simulated breach in memory.
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// The columns a cases file must have.
pub const REQUIRED_COLUMNS: [&str; 3] = ["id", "affected", "actual_cost"];

/// One real breach from the cases file.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: String,
    pub affected: u64,
    pub data_types: Option<Vec<String>>,
    pub industry: Option<String>,
    pub actual_cost: f64,
    /// Lower-cased; empty when not given (read as `total`).
    pub cost_scope: String,
    pub year: Option<String>,
    pub source: Option<String>,
}

impl Case {
    /// Whether the actual cost is the breach's total cost, so comparable with the model's.
    pub fn is_total(&self) -> bool {
        self.cost_scope.is_empty() || self.cost_scope == "total"
    }
}

/// Where one case's actual cost falls in its simulated distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub id: String,
    pub affected: u64,
    pub actual_cost: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub percentile_rank: f64,
    pub inside_90: bool,
}

/// The backtest's summary figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cases_used: usize,
    pub cases_skipped: usize,
    /// Share of used cases with p5 ≤ actual ≤ p95.
    pub coverage_90: f64,
    /// The chance that so few cases (or fewer) fall inside their 90% intervals if the model
    /// is calibrated: P(X ≤ inside) for X ~ Binomial(cases, 0.9).
    pub coverage_p_value: f64,
    /// Median over the used cases of actual / p50.
    pub median_actual_over_p50: f64,
    pub ks_statistic: f64,
    pub ks_p_value: f64,
    pub below_p5: usize,
    pub above_p95: usize,
}

/// Splits CSV text into records of fields, with each record's line.
fn split_csv(text: &str, label: &str) -> Result<Vec<(usize, Vec<String>)>> {
    if let Some(open) = csv_rows::unclosed_quote(text.as_bytes()) {
        return Err(Error::input(format!("{label} line {}: a quoted field is never closed", open.record_line)));
    }
    let mut records = Vec::new();
    let mut reader = csv_rows::Records::new(text, label);
    while let Some((line, record)) = reader.next_record()? {
        records.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(records)
}

/// Reads a cases file's text: the header names the columns, one row per breach.
pub fn parse_cases(text: &str, label: &str) -> Result<Vec<Case>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = split_csv(text, label)?;
    let Some((_, header)) = records.first() else {
        return Err(Error::input(format!(
            "{label}: is empty; expected a header line with at least id,affected,actual_cost"
        )));
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    if let Some(name) = crate::input::csv_rows::repeated_name(&names) {
        return Err(Error::input(format!("{label}: column {name}: appears twice in the header")));
    }
    for required in REQUIRED_COLUMNS {
        if !names.iter().any(|n| n == required) {
            return Err(Error::input(format!(
                "{label} line 1: column {required} is missing; a cases file needs the columns id, affected, actual_cost (optional: data_types, industry, cost_scope, year, source)"
            )));
        }
    }
    let mut cases: Vec<Case> = Vec::new();
    for (index, (line, fields)) in records.iter().enumerate().skip(1) {
        if fields.len() != names.len() {
            return Err(Error::input(format!(
                "{label} row {index} (line {line}): has {} fields but the header has {}; quote fields that contain commas",
                fields.len(),
                names.len()
            )));
        }
        let row = Row { label, row: index, names: &names, fields };
        let case = row.parse()?;
        if let Some(first) = cases.iter().position(|c| c.id == case.id) {
            return Err(row.error(
                "id",
                &case.id,
                &format!("duplicates the id of row {}; ids must be unique", first + 1),
            ));
        }
        cases.push(case);
    }
    if cases.is_empty() {
        return Err(Error::input(format!("{label}: has a header but no rows; expected one row per breach")));
    }
    Ok(cases)
}

struct Row<'a> {
    label: &'a str,
    row: usize,
    names: &'a [String],
    fields: &'a [String],
}

impl Row<'_> {
    fn error(&self, column: &str, value: &str, expected: &str) -> Error {
        Error::input(format!(
            "{} row {}, column {column}: \"{}\" {expected}",
            self.label,
            self.row,
            crate::text::excerpt(value, 60)
        ))
    }

    fn cell(&self, column: &str) -> Option<&str> {
        let index = self.names.iter().position(|n| n == column)?;
        self.fields.get(index).map(|c| c.trim()).filter(|c| !c.is_empty())
    }

    fn parse(&self) -> Result<Case> {
        let id = self.cell("id").ok_or_else(|| self.error("id", "", "is empty; every row needs an id"))?.to_string();
        // Ids are written into the reports and printed: identifiers, as in the exposures.
        if let Some(problem) = crate::text::id_problem(&id) {
            return Err(self.error("id", &id, &problem));
        }
        for column in ["data_types", "industry", "cost_scope", "year", "source"] {
            let value = self.cell(column).unwrap_or_default();
            if let Some(problem) = crate::text::text_problem(value, crate::text::MAX_TEXT_BYTES) {
                return Err(self.error(column, value, &problem));
            }
        }
        let affected_text =
            self.cell("affected").ok_or_else(|| self.error("affected", "", "is empty; expected a whole number ≥ 1"))?;
        let digits = affected_text.strip_prefix('+').unwrap_or(affected_text);
        let affected = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse::<u64>().ok().filter(|a| *a >= 1)
        } else {
            None
        };
        let Some(affected) = affected else {
            let hint = if affected_text.contains([',', '_', ' ']) {
                "is not a whole number ≥ 1 (write it without thousands separators, e.g. 14690000)"
            } else {
                "is not a whole number ≥ 1 (write it in plain digits, e.g. 14690000)"
            };
            return Err(self.error("affected", affected_text, hint));
        };
        let cost_text = self.cell("actual_cost").ok_or_else(|| {
            self.error("actual_cost", "", "is empty; expected the breach's cost in USD, a number ≥ 0")
        })?;
        let actual_cost = match cost_text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            Ok(v) if v < 0.0 => return Err(self.error("actual_cost", cost_text, "is negative; a cost is ≥ 0")),
            _ => {
                let hint = if cost_text.contains([',', '$', ' ']) {
                    "is not a finite number ≥ 0 (write it in plain digits, without $ or thousands separators)"
                } else {
                    "is not a finite number ≥ 0"
                };
                return Err(self.error("actual_cost", cost_text, hint));
            }
        };
        let data_types = self
            .cell("data_types")
            .map(|cell| cell.split(';').map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).collect::<Vec<_>>());
        Ok(Case {
            id,
            affected,
            data_types,
            industry: self.cell("industry").map(str::to_string),
            actual_cost,
            cost_scope: self.cell("cost_scope").unwrap_or("").to_lowercase(),
            year: self.cell("year").map(str::to_string),
            source: self.cell("source").map(str::to_string),
        })
    }
}

/// Share of `values` at or below `actual`, ties counted half: (#below + #equal / 2) / n.
pub fn percentile_rank(values: &[f64], actual: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let below = values.iter().filter(|v| **v < actual).count();
    let equal = values.iter().filter(|v| **v == actual).count();
    (below as f64 + equal as f64 / 2.0) / values.len() as f64
}

/// Simulates each case in breach mode with its affected records given exactly.
pub fn run_cases(cases: &[Case], assumptions: Assumptions, iterations: u64, seed: u64) -> Result<Vec<CaseResult>> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let model = cases_model(cases, assumptions, iterations, seed)?;
    run_model(cases, &model)
}

/// The model a backtest simulates: one exposure per case, holding exactly the affected
/// records, in breach mode (for the memory its outcomes will take, before they are simulated).
pub fn cases_model(cases: &[Case], assumptions: Assumptions, iterations: u64, seed: u64) -> Result<Model> {
    let rows = cases
        .iter()
        .map(|c| Exposure {
            id: c.id.clone(),
            name: None,
            industry: None,
            records: Some(c.affected),
            data_types: c.data_types.clone().filter(|d| !d.is_empty()),
            affected: Some(c.affected),
            annual_rate: None,
            revenue: None,
            retention: None,
            limit: None,
            aggregate_limit: None,
            share: None,
            sublimits: Vec::new(),
            aggregate_sublimits: Vec::new(),
            section_terms: Vec::new(),
            controls: Vec::new(),
            currency: None,
            waiting_period_hours: None,
            restoration_hours: None,
            incident_rates: Vec::new(),
            extra: Vec::new(),
        })
        .collect();
    let exposures = Exposures::from_rows("cases", rows)?;
    let settings = RunSettings { mode: Mode::Breach, iterations, seed };
    Model::build(&exposures, assumptions, settings)
}

/// Simulates the cases' model ([`cases_model`]) and compares each case's cost with its
/// simulated distribution.
pub fn run_model(cases: &[Case], model: &Model) -> Result<Vec<CaseResult>> {
    let iterations = model.settings.iterations;
    let outcomes = simulate_exposures(model, 0..model.exposures.len(), 0..iterations, &|_| {});
    let mut results = Vec::with_capacity(cases.len());
    for o in outcomes {
        let case = cases
            .get(o.exposure)
            .ok_or_else(|| Error::failure(format!("backtest: no case for simulated exposure {}", o.exposure)))?;
        let values: Vec<f64> = o.outcomes().map(|x| x.gross).collect();
        let rank = percentile_rank(&values, case.actual_cost);
        let losses = LossDistribution::new(values, iterations);
        let q = losses.quantiles(&[0.05, 0.5, 0.95]);
        let (p5, p50, p95) = (q[0], q[1], q[2]);
        results.push(CaseResult {
            id: case.id.clone(),
            affected: case.affected,
            actual_cost: case.actual_cost,
            p5,
            p50,
            p95,
            percentile_rank: rank,
            inside_90: p5 <= case.actual_cost && case.actual_cost <= p95,
        });
    }
    Ok(results)
}

/// P(K > λ) for the Kolmogorov distribution: 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²), or for small
/// λ (where that series converges slowly) its equivalent 1 − √(2π)/λ Σ exp(−(2k−1)²π²/(8λ²)).
pub fn kolmogorov_survival(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    let p = if lambda < 1.18 {
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let sum: f64 = (1..=20)
            .map(|k| {
                let odd = f64::from(2 * k - 1);
                (-odd * odd * pi2 / (8.0 * lambda * lambda)).exp()
            })
            .sum();
        1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * sum
    } else {
        let mut sum = 0.0;
        let mut sign = 1.0;
        for k in 1..=100 {
            let kf = f64::from(k);
            let term = (-2.0 * kf * kf * lambda * lambda).exp();
            sum += sign * term;
            if term < 1e-16 {
                break;
            }
            sign = -sign;
        }
        2.0 * sum
    };
    p.clamp(0.0, 1.0)
}

/// The one-sample Kolmogorov–Smirnov test of `ranks` against Uniform(0, 1): the statistic D
/// and the asymptotic p-value with Stephens' correction, λ = (√n + 0.12 + 0.11/√n)·D.
pub fn ks_uniform(ranks: &[f64]) -> (f64, f64) {
    if ranks.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut sorted: Vec<f64> = ranks.iter().map(|r| r.clamp(0.0, 1.0)).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let i = i as f64;
            ((i + 1.0) / n - x).max(x - i / n)
        })
        .fold(0.0, f64::max);
    let sqrt_n = n.sqrt();
    let lambda = (sqrt_n + 0.12 + 0.11 / sqrt_n) * d;
    (d, kolmogorov_survival(lambda))
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    }
}

/// The summary figures of a backtest.
pub fn summarise(results: &[CaseResult], skipped: usize) -> Summary {
    let n = results.len();
    let inside = results.iter().filter(|r| r.inside_90).count();
    let mut ratios: Vec<f64> = results.iter().map(|r| r.actual_cost / r.p50).collect();
    let ranks: Vec<f64> = results.iter().map(|r| r.percentile_rank).collect();
    let (ks_statistic, ks_p_value) = ks_uniform(&ranks);
    Summary {
        cases_used: n,
        cases_skipped: skipped,
        coverage_90: if n == 0 { f64::NAN } else { inside as f64 / n as f64 },
        coverage_p_value: binomial_cdf(inside, n, 0.9),
        median_actual_over_p50: median(&mut ratios),
        ks_statistic,
        ks_p_value,
        below_p5: results.iter().filter(|r| r.actual_cost < r.p5).count(),
        above_p95: results.iter().filter(|r| r.actual_cost > r.p95).count(),
    }
}

/// P(X ≤ k) for X ~ Binomial(n, p) (1 with no trials).
fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    Binomial::new(p, n as u64).map_or(f64::NAN, |b| b.cdf(k as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coverage_p_value_is_the_binomial_tail() {
        // 4 of 6 inside at 90%: 1 − P(5) − P(6) = 1 − 6·0.9⁵·0.1 − 0.9⁶.
        let exact = 1.0 - 6.0 * 0.9f64.powi(5) * 0.1 - 0.9f64.powi(6);
        assert!((binomial_cdf(4, 6, 0.9) - exact).abs() < 1e-12);
        assert_eq!(binomial_cdf(6, 6, 0.9), 1.0);
    }

    #[test]
    fn kolmogorov_series_agree_where_they_meet() {
        let a = kolmogorov_survival(1.18 - 1e-12);
        let b = kolmogorov_survival(1.18);
        assert!((a - b).abs() < 1e-9, "{a} {b}");
        // Known values: Q(0.5) ≈ 0.9639, Q(1) ≈ 0.2700, Q(1.36) ≈ 0.0494.
        assert!((kolmogorov_survival(0.5) - 0.9639).abs() < 1e-3);
        assert!((kolmogorov_survival(1.0) - 0.2700).abs() < 1e-3);
        assert!((kolmogorov_survival(1.36) - 0.0494).abs() < 1e-3);
    }

    #[test]
    fn quoted_fields_and_blank_lines() {
        let text = "id,affected,actual_cost,source\n\"a, b\",10,5,\"x \"\"y\"\"\"\n\nc,3,1,\n";
        let cases = parse_cases(text, "t").ok().unwrap_or_default();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].id, "a, b");
        assert_eq!(cases[0].source.as_deref(), Some("x \"y\""));
    }

    #[test]
    fn ranks_count_ties_half() {
        assert_eq!(percentile_rank(&[1.0, 2.0, 2.0, 3.0], 2.0), 0.5);
        assert_eq!(percentile_rank(&[5.0; 10], 5.0), 0.5);
        assert_eq!(percentile_rank(&[1.0, 2.0], 9.0), 1.0);
    }
}
