//! The cost-versus-records curve: what one breach costs under a run's assumptions as the
//! number of affected records grows (mean and p5–p95), for the `cost_vs_records` chart.
//!
//! It is its own small simulation: synthetic exposures with a known number of affected
//! records, in breach mode, with the run's seed.

use crate::engine::{simulate_exposures, Model, RunSettings};
use crate::error::{Error, Result};
use crate::input::{Exposure, Exposures, Mode};
use crate::stats::LossDistribution;

/// Breaches simulated per point: enough for a smooth p5–p95 band, fast (well under a second).
pub const ITERATIONS: u64 = 4000;
/// Affected records at each point: 10^3 to 10^9 in half decades.
const LOG10_RECORDS: std::ops::RangeInclusive<u32> = 6..=18;
/// A mix with sensitive identifiers, drawn when its components differ from the default mix.
pub const SENSITIVE_MIX: [&str; 3] = ["name", "ssn", "bank_account"];

/// One point of a curve: the cost of one breach of `records` affected records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub records: f64,
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

/// The curves of a run: the default data types, and the sensitive mix when it costs
/// differently (`None` when its components are the default's).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordsCurve {
    /// The assumptions' default data types.
    pub default_mix: Vec<String>,
    pub default: Vec<Point>,
    pub sensitive: Option<Vec<Point>>,
    pub iterations: u64,
    pub seed: u64,
}

/// One synthetic exposure: `records` records, all of them affected, holding `mix`
/// (`None`: the assumptions' default data types).
fn synthetic(name: &str, records: u64, mix: Option<Vec<String>>) -> Exposure {
    Exposure {
        id: format!("{name}_{records}"),
        name: None,
        industry: None,
        records: Some(records),
        data_types: mix,
        affected: Some(records),
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
    }
}

/// Simulates the curve under `model`'s assumptions and seed. Points with an infinite cost (a
/// heavy-tailed assumption) cannot be drawn and are left out.
pub fn records_curve(model: &Model) -> Result<RecordsCurve> {
    let records: Vec<u64> = LOG10_RECORDS.map(|h| 10f64.powf(f64::from(h) / 2.0).round() as u64).collect();
    let sensitive: Vec<String> = SENSITIVE_MIX.iter().map(|d| d.to_string()).collect();
    let mut rows = Vec::with_capacity(2 * records.len());
    for (name, mix) in [("default", None), ("sensitive", Some(sensitive))] {
        rows.extend(records.iter().map(|r| synthetic(name, *r, mix.clone())));
    }
    let failed = |e: Error| Error::failure(format!("cost_vs_records: {e}"));
    let exposures = Exposures::from_rows("cost_vs_records", rows).map_err(failed)?;
    let settings = RunSettings { mode: Mode::Breach, iterations: ITERATIONS, seed: model.settings.seed };
    let synthetic = Model::build(&exposures, model.assumptions.clone(), settings).map_err(failed)?;
    let outcomes = simulate_exposures(&synthetic, 0..synthetic.exposures.len(), 0..ITERATIONS, &|_| {});
    // Exposures 0..n hold the default mix, n..2n the sensitive one.
    let (default_points, sensitive_points): (Vec<_>, Vec<_>) = outcomes
        .iter()
        .map(|o| {
            let losses = LossDistribution::new(o.outcomes().map(|x| x.gross).collect(), ITERATIONS);
            let band = losses.quantiles(&[0.05, 0.95]);
            let point = Point {
                records: synthetic.exposures[o.exposure].records,
                mean: losses.mean(),
                p5: band[0],
                p95: band[1],
            };
            (o.exposure, point)
        })
        .filter(|(_, p)| p.mean.is_finite() && p.p95.is_finite())
        .partition(|(e, _)| *e < records.len());
    let points = |tagged: Vec<(usize, Point)>| tagged.into_iter().map(|(_, p)| p).collect();
    let same_components = synthetic.exposures[0].components == synthetic.exposures[records.len()].components;
    Ok(RecordsCurve {
        default_mix: model.assumptions.breach.data_types.clone(),
        default: points(default_points),
        sensitive: (!same_components).then(|| points(sensitive_points)),
        iterations: ITERATIONS,
        seed: model.settings.seed,
    })
}
