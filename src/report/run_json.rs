//! `run.json`: what was run, on what, how fast.

use serde_json::{json, Value};

use crate::engine::Model;
use crate::run::RunResults;

/// Where an input came from: its path (or "built-in ...") and the SHA-256 of its bytes.
#[derive(Debug, Clone)]
pub struct InputSource {
    pub path: String,
    pub sha256: String,
}

pub fn render(
    model: &Model,
    results: &RunResults,
    threads: usize,
    exposures: &InputSource,
    assumptions: &InputSource,
) -> Vec<u8> {
    // The assumptions as parsed, with [simulation] as resolved (flags over file over defaults).
    let mut resolved = serde_json::to_value(&model.assumptions.document).unwrap_or(Value::Null);
    if let Value::Object(table) = &mut resolved {
        table.insert(
            "simulation".into(),
            json!({
                "mode": model.settings.mode.as_str(),
                "iterations": model.settings.iterations,
                "seed": model.settings.seed,
            }),
        );
    }
    let breaches_per_second = if results.simulation_seconds > 0.0 {
        results.simulated_breaches as f64 / results.simulation_seconds
    } else {
        0.0
    };
    let mut document = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "mode": model.settings.mode.as_str(),
        "iterations": model.settings.iterations,
        "seed": model.settings.seed,
        "threads": threads,
        "exposures_count": model.exposures.len(),
        "inputs": {
            "exposures": { "path": exposures.path, "sha256": exposures.sha256 },
            "assumptions": { "path": assumptions.path, "sha256": assumptions.sha256 },
        },
        "assumptions": resolved,
        // Rows that gave no records: what was estimated from their revenue and sector (the
        // median; each breach multiplies it by a draw of [records_estimate] multiplier).
        "records_estimated": model
            .exposures
            .iter()
            .filter(|e| e.records_estimated)
            .map(|e| json!({ "id": e.id, "records_median": e.records, "revenue": e.revenue }))
            .collect::<Vec<_>>(),
        "wall_seconds": results.wall_seconds,
        "simulation_seconds": results.simulation_seconds,
        "run_breaches_per_second": if results.wall_seconds > 0.0 { results.simulated_breaches as f64 / results.wall_seconds } else { 0.0 },
        "simulated_breaches": results.simulated_breaches,
        "breaches_per_second": breaches_per_second,
    });
    let a = &model.assumptions;
    // The currency of every amount in the reports, and the trend that carried the figures to
    // the policy period.
    document["currency"] = json!(a.currencies.report);
    if let Some(t) = &a.trend {
        document["trend"] = json!({
            "as_of": t.from.show(),
            "policy_start": t.policy_start.show(),
            "policy_years": t.policy_years,
            "years": t.years(),
            "frequency": t.frequency,
            "severity": t.severity,
            "frequency_factor": t.frequency_factor(),
            "severity_factor": t.severity_factor(),
        });
    }
    if model.settings.mode == crate::input::Mode::Breach && !model.assumptions.incidents.is_empty() {
        // Which incident type each iteration is one of (`--incident`).
        document["incident"] = json!(crate::input::incidents::name(model.focus, &model.assumptions.incidents));
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text.into_bytes()
}
