//! The sensitivity report's files: `sensitivity.csv` (the tornado's numbers),
//! `variance_shares.csv`, `baseline.csv` (the target with nothing held, in `summary.csv`'s
//! columns) and `run.json`.

use serde_json::{json, Value};

use super::csv::Csv;
use super::format::{money, num, percent, Money};
use super::run_json::InputSource;
use crate::analysis::sensitivity::{Input, Sensitivity, HIGH, LOW};
use crate::engine::Model;

/// An input's value for people: money for amounts, a percentage for shares, off/on for an
/// occurrence, a number of breaches for the count.
pub fn input_value(kind: Input, value: f64) -> String {
    match kind {
        Input::Fixed(_) => money(value),
        Input::PerUnit(_) => Money::Cents.format(value),
        Input::UnitShare(_) | Input::AffectedShare | Input::SystemicFootprint(_) | Input::SystemicAffectedShare(_) => {
            percent(value)
        }
        Input::Occurrence(_) => (if value >= 0.5 { "on" } else { "off" }).to_string(),
        Input::RecordsMultiplier => format!("{value:.2}×"),
        Input::Count => {
            let n = value.round() as u64;
            format!("{n} breach{}", if n == 1 { "" } else { "es" })
        }
    }
}

pub const HEADER: [&str; 8] =
    ["input", "low_value", "high_value", "mean_at_low", "mean_at_high", "p99_at_low", "p99_at_high", "swing"];

/// `sensitivity.csv`: one row per input, largest swing first.
pub fn render(s: &Sensitivity) -> Vec<u8> {
    let mut csv = Csv::new(&HEADER);
    for r in &s.rows {
        let mut cells = vec![r.input.clone()];
        cells.extend(
            [r.low_value, r.high_value, r.mean_at_low, r.mean_at_high, r.p99_at_low, r.p99_at_high, r.swing]
                .into_iter()
                .map(num),
        );
        csv.row(cells);
    }
    csv.into_bytes()
}

pub const VARIANCE_HEADER: [&str; 5] = ["component", "mean", "sd", "share_of_mean", "variance_share"];

/// `variance_shares.csv`: each component's share of the variance of the gross loss.
pub fn render_variance_shares(s: &Sensitivity) -> Vec<u8> {
    let mut csv = Csv::new(&VARIANCE_HEADER);
    for v in &s.variance_shares {
        let mut cells = vec![v.component.clone()];
        cells.extend([v.mean, v.sd, v.share_of_mean, v.variance_share].into_iter().map(num));
        csv.row(cells);
    }
    csv.into_bytes()
}

/// `baseline.csv`: the target's gross with nothing held, in `summary.csv`'s columns.
pub fn render_baseline(s: &Sensitivity) -> Vec<u8> {
    let mut csv = Csv::new(&super::summary::header());
    let b = &s.baseline;
    let mut cells = vec![s.target.clone(), "gross".to_string()];
    cells.extend(
        [
            b.mean,
            b.sd,
            b.se_mean,
            b.p50,
            b.p75,
            b.p90,
            b.p95,
            b.p99,
            b.p99_5,
            b.p99_9,
            b.tvar_95,
            b.tvar_99,
            b.max,
            b.prob_nonzero,
            b.mean_ci_low,
            b.mean_ci_high,
            b.p99_ci_low,
            b.p99_ci_high,
        ]
        .into_iter()
        .map(num),
    );
    csv.row(cells);
    csv.into_bytes()
}

/// `run.json` of a sensitivity analysis.
pub fn render_run_json(
    model: &Model,
    s: &Sensitivity,
    threads: usize,
    exposures: &InputSource,
    assumptions: &InputSource,
) -> Vec<u8> {
    let document = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "command": "sensitivity",
        "target": s.target,
        "mode": model.settings.mode.as_str(),
        "iterations": model.settings.iterations,
        "seed": model.settings.seed,
        "threads": threads,
        "exposures_count": model.exposures.len(),
        "percentiles": [LOW, HIGH],
        "inputs": {
            "exposures": { "path": exposures.path, "sha256": exposures.sha256 },
            "assumptions": { "path": assumptions.path, "sha256": assumptions.sha256 },
        },
        "assumptions": serde_json::to_value(&model.assumptions.document).unwrap_or(Value::Null),
        "runs": s.runs,
        "wall_seconds": s.wall_seconds,
        "simulated_breaches": s.simulated_breaches,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text.into_bytes()
}
