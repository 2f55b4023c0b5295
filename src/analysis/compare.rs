//! `breachcost compare`: the baseline and each alternative run with the same seed (common
//! random numbers), and per exposure and for the portfolio the paired differences of their
//! gross, retained and insured losses ([`super::paired`]), with each configuration's premium
//! and exceedance curve.

use std::convert::Infallible;

use rayon::prelude::*;
use std::time::Instant;

use super::paired::{differences, Difference, Years, MEASURES};
use crate::engine::Model;
use crate::input::exposures::PORTFOLIO_ID;
use crate::input::Mode;
use crate::run::{run_from, LiveEngine, RunResults};
use crate::stats::RETURN_PERIODS;

/// One way of running the business, ready to simulate.
pub struct Configuration {
    pub name: String,
    /// What it changes from the baseline, in words (empty for the baseline).
    pub changes: String,
    pub model: Model,
    /// What the change costs a year.
    pub cost: Option<f64>,
    /// The premium of its cover where one is quoted.
    pub premium: Option<f64>,
}

/// Where a configuration's premium comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PremiumSource {
    /// Quoted (`premium=`, `--baseline-premium`).
    Given,
    /// The technical premium of the book (`[pricing]`).
    Technical,
}

impl PremiumSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PremiumSource::Given => "given",
            PremiumSource::Technical => "technical",
        }
    }
}

/// What one configuration gave at the comparison's target.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: String,
    pub changes: String,
    pub cost: Option<f64>,
    /// Its premium (annual mode), and where it comes from.
    pub premium: Option<(f64, PremiumSource)>,
    /// The target's loss exceeded once in each of [`RETURN_PERIODS`], per measure.
    pub exceedance: [Vec<f64>; 3],
}

/// The differences of one measure ([`MEASURES`]) of one exposure or the portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub measure: usize,
    pub differences: Vec<Difference>,
}

/// One alternative against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub outcome: Outcome,
    /// The target's rows first (one per measure), then each exposure's.
    pub rows: Vec<Row>,
}

impl Alternative {
    /// The target's row of measure `m`.
    pub fn target(&self, m: usize) -> &Row {
        &self.rows[m]
    }
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `PORTFOLIO` (annual mode), or the one exposure's id (breach mode).
    pub target: String,
    pub mode: Mode,
    pub iterations: u64,
    pub seed: u64,
    pub exposures: usize,
    pub baseline: Outcome,
    pub alternatives: Vec<Alternative>,
    pub wall_seconds: f64,
}

/// Runs `baseline` and each of `alternatives` (whose exposures have the baseline's ids, in any
/// order) and pairs their years. In breach mode the baseline has one exposure.
pub fn compare(
    baseline: &Configuration,
    alternatives: &[Configuration],
    progress: &(dyn Fn(u64) + Sync),
) -> Comparison {
    let started = Instant::now();
    let settings = baseline.model.settings;
    let n = settings.iterations;
    let annual = settings.mode == Mode::Annual;
    let (base_years, base_results) = simulate(&baseline.model, progress);
    let base_target = target_years(&base_years, annual, n);
    let ids: Vec<&str> = baseline.model.exposures.iter().map(|e| e.id.as_str()).collect();
    let target =
        if annual { PORTFOLIO_ID.to_string() } else { ids.first().map_or_else(String::new, |s| s.to_string()) };
    let mut out = Vec::with_capacity(alternatives.len());
    for alt in alternatives {
        let (years, results) = simulate(&alt.model, progress);
        // In the baseline's order (its ids, whatever the alternative file's order).
        let mut by_id: Vec<Option<Years>> = years.into_iter().map(Some).collect();
        let position = |id: &str| alt.model.exposures.iter().position(|e| e.id == id);
        let years: Vec<Years> =
            ids.iter().map(|id| position(id).and_then(|p| by_id[p].take()).unwrap_or_default()).collect();
        let alt_target = target_years(&years, annual, n);
        let mut rows = Vec::new();
        for m in 0..MEASURES.len() {
            rows.push(Row {
                id: target.clone(),
                measure: m,
                differences: differences(&base_target, &alt_target, m, n),
            });
        }
        if annual {
            // Exposure by exposure side by side, collected in their order.
            let each: Vec<Vec<Row>> = (0..ids.len())
                .into_par_iter()
                .map(|i| {
                    let row = |m| Row {
                        id: ids[i].to_string(),
                        measure: m,
                        differences: differences(&base_years[i], &years[i], m, n),
                    };
                    (0..MEASURES.len()).map(row).collect()
                })
                .collect();
            rows.extend(each.into_iter().flatten());
        }
        out.push(Alternative { outcome: outcome(alt, &results, &alt_target, n), rows });
    }
    Comparison {
        target,
        mode: settings.mode,
        iterations: n,
        seed: settings.seed,
        exposures: ids.len(),
        baseline: outcome(baseline, &base_results, &base_target, n),
        alternatives: out,
        wall_seconds: started.elapsed().as_secs_f64(),
    }
}

/// Every exposure's stored years (in the model's order), and the run's results.
fn simulate(model: &Model, progress: &(dyn Fn(u64) + Sync)) -> (Vec<Years>, RunResults) {
    let mut years = Vec::with_capacity(model.exposures.len());
    let mut keep = |batch: &[crate::engine::outcomes::ExposureOutcomes]| {
        years.extend(batch.iter().map(Years::of));
        Ok::<(), Infallible>(())
    };
    let results = match run_from(model, &LiveEngine::<Infallible>::default(), progress, &mut keep) {
        Ok(results) => results,
        Err(never) => match never {},
    };
    (years, results)
}

/// The target's years: the portfolio's sums (annual mode), else the one exposure's.
fn target_years(exposures: &[Years], annual: bool, iterations: u64) -> Years {
    match (annual, exposures.first()) {
        (false, Some(one)) => one.clone(),
        _ => Years::sum(exposures, iterations),
    }
}

/// A configuration's premium and the target's exceedance curve.
fn outcome(c: &Configuration, results: &RunResults, target: &Years, iterations: u64) -> Outcome {
    let technical = results.book.as_ref().and_then(|b| b.total.as_ref()).map(|p| p.technical_premium);
    let premium = match (c.premium, technical) {
        (Some(p), _) => Some((p, PremiumSource::Given)),
        (None, Some(p)) => Some((p, PremiumSource::Technical)),
        (None, None) => None,
    };
    let exceedance = [0, 1, 2].map(|m| {
        let losses = target.distribution(m, 0..iterations);
        RETURN_PERIODS.iter().map(|&t| losses.quantile(1.0 - 1.0 / f64::from(t))).collect()
    });
    Outcome { name: c.name.clone(), changes: c.changes.clone(), cost: c.cost, premium, exceedance }
}

impl Comparison {
    /// A configuration's expected annual cost of risk at the target: its premium, its
    /// expected retained loss and what the change costs a year (`None` in breach mode, where
    /// there is no year).
    pub fn cost_of_risk(&self, outcome: &Outcome, retained_mean: f64) -> Option<f64> {
        (self.mode == Mode::Annual)
            .then(|| outcome.premium.map_or(0.0, |(p, _)| p) + retained_mean + outcome.cost.unwrap_or(0.0))
    }

    /// The baseline's expected retained loss at the target.
    pub fn baseline_retained_mean(&self) -> Option<f64> {
        self.alternatives.first().map(|a| a.target(1).differences[0].baseline)
    }
}

impl Alternative {
    /// Its premium less the baseline's, where both have one.
    pub fn premium_change(&self, baseline: &Outcome) -> Option<f64> {
        Some(self.outcome.premium?.0 - baseline.premium?.0)
    }

    /// The saving (baseline − alternative, positive when it is cheaper) of statistic number
    /// `s` ([`super::paired::STATISTICS`]) of measure `m` at the target, with its 95% interval.
    pub fn saving(&self, m: usize, s: usize) -> (f64, Option<(f64, f64)>) {
        let d = &self.target(m).differences[s];
        (-d.difference, d.ci.map(|(low, high)| (-high, -low)))
    }

    /// The expected gross saving a year per unit of what the change costs a year (with a
    /// cost above zero; in annual mode: a breach mode saving is a breach's, not a year's).
    pub fn return_on_cost(&self, mode: Mode) -> Option<f64> {
        let cost = self.outcome.cost.filter(|c| *c > 0.0 && mode == Mode::Annual)?;
        Some(self.saving(0, 0).0 / cost)
    }

    /// Its cost of risk less the baseline's ([`Comparison::cost_of_risk`]), with the 95%
    /// interval of its loss part (the premiums and the cost are taken as given).
    pub fn cost_of_risk_change(&self, c: &Comparison) -> Option<(f64, Option<(f64, f64)>)> {
        let retained = &self.target(1).differences[0];
        let alt = c.cost_of_risk(&self.outcome, retained.alternative)?;
        let base = c.cost_of_risk(&c.baseline, retained.baseline)?;
        let fixed = alt - base - retained.difference;
        Some((alt - base, retained.ci.map(|(low, high)| (fixed + low, fixed + high))))
    }

    /// The saving in gross TVaR99 (the mean of the worst 1% of years) per unit of the cost
    /// (annual mode).
    pub fn tail_return_on_cost(&self, mode: Mode) -> Option<f64> {
        let cost = self.outcome.cost.filter(|c| *c > 0.0 && mode == Mode::Annual)?;
        Some(self.saving(0, 3).0 / cost)
    }
}
