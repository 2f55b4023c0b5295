//! The comparison's files: `compare.csv` (every statistic's paired difference, per
//! alternative, for the target and each exposure), `alternatives.csv` (one row per
//! configuration at the target: premium, expected losses, cost of risk, savings and the return
//! on the change's cost) and `run.json`.

use serde_json::json;

use super::csv::Csv;
use super::format::{num, num_or_blank};
use super::run_json::InputSource;
use crate::analysis::compare::{Comparison, Outcome};
use crate::analysis::paired::MEASURES;

pub const HEADER: [&str; 11] = [
    "alternative",
    "id",
    "measure",
    "statistic",
    "baseline",
    "alternative_value",
    "difference",
    "difference_se",
    "difference_ci95_low",
    "difference_ci95_high",
    "unpaired_se",
];

pub const ALTERNATIVES_HEADER: [&str; 21] = [
    "alternative",
    "changes",
    "annual_cost",
    "premium",
    "premium_source",
    "gross_mean",
    "retained_mean",
    "insured_mean",
    "gross_tvar99",
    "retained_p99",
    "retained_tvar99",
    "cost_of_risk",
    "premium_change",
    "gross_saving",
    "gross_saving_ci95_low",
    "gross_saving_ci95_high",
    "retained_saving",
    "retained_tvar99_saving",
    "cost_of_risk_change",
    "return_on_cost",
    "tail_return_on_cost",
];

/// `compare.csv`.
pub fn render(c: &Comparison) -> Vec<u8> {
    let rows: usize =
        c.alternatives.iter().map(|a| a.rows.len() * a.rows.first().map_or(0, |r| r.differences.len())).sum();
    let mut csv = Csv::with_capacity(&HEADER, Csv::room(rows, rows * 32, HEADER.len() - 4));
    for a in &c.alternatives {
        for row in &a.rows {
            for d in &row.differences {
                csv.row([
                    a.outcome.name.clone(),
                    row.id.clone(),
                    MEASURES[row.measure].to_string(),
                    d.statistic.name().to_string(),
                    num(d.baseline),
                    num(d.alternative),
                    num(d.difference),
                    num_or_blank(d.se),
                    num_or_blank(d.ci.map(|ci| ci.0)),
                    num_or_blank(d.ci.map(|ci| ci.1)),
                    num_or_blank(d.unpaired_se),
                ]);
            }
        }
    }
    csv.into_bytes()
}

/// `alternatives.csv`: the baseline, then each alternative, at the target.
pub fn render_alternatives(c: &Comparison) -> Vec<u8> {
    let mut csv = Csv::new(&ALTERNATIVES_HEADER);
    let base = &c.baseline;
    let base_cost_of_risk = c.cost_of_risk(base, c.baseline_retained_mean().unwrap_or(0.0));
    if let Some(first) = c.alternatives.first() {
        let stat = |m: usize, s: usize| first.target(m).differences[s].baseline;
        let mut cells = head(base, "baseline");
        cells.extend([stat(0, 0), stat(1, 0), stat(2, 0), stat(0, 3), stat(1, 2), stat(1, 3)].map(num));
        cells.push(num_or_blank(base_cost_of_risk));
        cells.resize(ALTERNATIVES_HEADER.len(), String::new());
        csv.row(cells);
    }
    for a in &c.alternatives {
        let stat = |m: usize, s: usize| a.target(m).differences[s].alternative;
        let mut cells = head(&a.outcome, &a.outcome.changes);
        cells.extend([stat(0, 0), stat(1, 0), stat(2, 0), stat(0, 3), stat(1, 2), stat(1, 3)].map(num));
        let cost_of_risk = c.cost_of_risk(&a.outcome, stat(1, 0));
        cells.push(num_or_blank(cost_of_risk));
        cells.push(num_or_blank(a.premium_change(base)));
        let (gross, interval) = a.saving(0, 0);
        cells.extend([num(gross), num_or_blank(interval.map(|i| i.0)), num_or_blank(interval.map(|i| i.1))]);
        cells.push(num(a.saving(1, 0).0));
        cells.push(num(a.saving(1, 3).0));
        cells.push(num_or_blank(a.cost_of_risk_change(c).map(|change| change.0)));
        cells.push(num_or_blank(a.return_on_cost(c.mode)));
        cells.push(num_or_blank(a.tail_return_on_cost(c.mode)));
        csv.row(cells);
    }
    csv.into_bytes()
}

/// A configuration's name, changes, cost and premium cells.
fn head(o: &Outcome, changes: &str) -> Vec<String> {
    vec![
        o.name.clone(),
        changes.to_string(),
        num_or_blank(o.cost),
        num_or_blank(o.premium.map(|p| p.0)),
        o.premium.map(|p| p.1.as_str().to_string()).unwrap_or_default(),
    ]
}

/// One configuration's inputs, for `run.json`.
pub struct ConfigurationInputs<'a> {
    pub exposures: &'a InputSource,
    pub assumptions: &'a InputSource,
}

/// `run.json`: the settings, the baseline's inputs, and each alternative's changes and inputs.
pub fn render_run_json(
    c: &Comparison,
    threads: usize,
    baseline: ConfigurationInputs,
    alternatives: &[ConfigurationInputs],
) -> Vec<u8> {
    let source = |s: &InputSource| json!({ "path": s.path, "sha256": s.sha256 });
    let alts: Vec<serde_json::Value> = c
        .alternatives
        .iter()
        .zip(alternatives)
        .map(|(a, inputs)| {
            json!({
                "name": a.outcome.name,
                "changes": a.outcome.changes,
                "annual_cost": a.outcome.cost,
                "premium": a.outcome.premium.map(|p| p.0),
                "inputs": { "exposures": source(inputs.exposures), "assumptions": source(inputs.assumptions) },
            })
        })
        .collect();
    let document = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "command": "compare",
        "target": c.target,
        "mode": c.mode.as_str(),
        "iterations": c.iterations,
        "seed": c.seed,
        "threads": threads,
        "exposures_count": c.exposures,
        "sections": crate::analysis::paired::SECTIONS,
        "baseline": {
            "name": c.baseline.name,
            "premium": c.baseline.premium.map(|p| p.0),
            "inputs": { "exposures": source(baseline.exposures), "assumptions": source(baseline.assumptions) },
        },
        "alternatives": alts,
        "wall_seconds": c.wall_seconds,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text.into_bytes()
}
