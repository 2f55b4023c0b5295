//! What drives the number: one-at-a-time sensitivity (a tornado) and each component's share
//! of the variance.
//!
//! Every uncertain input is held at its 10th and then at its 90th percentile while all else
//! stays random, and the target's mean and p99 are recorded (the target: the portfolio's
//! gross annual loss in annual mode, the one exposure's gross in breach mode or with `--id`).
//! Every run uses the same seed, and every input of a breach draws from a stream of its own
//! (keyed by the breach's number in its block of years), so holding one input leaves all
//! other draws the very same numbers (common random numbers): a difference between two runs
//! is the input's effect, not noise, and an input the target does not use moves nothing at
//! all. Holding the breach count changes which breaches there are; breach number i of a
//! block still costs what it costs in the baseline.
//!
//! The inputs and their low and high values:
//! - `<component>.fixed`, `.per_unit`, `.unit_share`, `breach.affected_share`: the 10th and
//!   90th percentiles of the distribution (a constant is held at itself: zero swing).
//! - `<component>.occurrence`: the indicator "the cost arises", a Bernoulli variable whose
//!   probability π is the component's probability (for a curve over affected records, its
//!   mean over the breaches the target has: over the affected-share distribution, weighted
//!   by the exposures' rates). Its 10th percentile is 1 if π > 0.9, else 0; its 90th is 1 if
//!   π > 0.1, else 0. So a component arising in 10–90% of breaches is held off, then on.
//! - `records_estimate.multiplier`: the 10th and 90th percentiles of the multiplier of
//!   estimated records, where a target exposure's records are estimated from its revenue.
//! - `frequency.count` (annual mode): the number of (independent) breaches of the target in a
//!   year, at its 10th and 90th percentiles under the count model (Poisson, or negative
//!   binomial, summed over the exposures; under a common frequency shock, mixed over it). For
//!   one exposure the count is held exactly. A
//!   portfolio's count is a sum over exposures, which one number cannot hold, so every
//!   exposure's rate is scaled so that the portfolio expects exactly that many breaches a
//!   year: the mean is then exactly the mean given that count (k × the mean breach), and the
//!   p99 that of years with k breaches on average. Systemic events are not scaled.
//! - `systemic.<event>.footprint` and `.affected_share` (annual mode): the 10th and 90th
//!   percentiles of the event's distributions. How often an event happens cannot be held
//!   (the engine has no hook for it), so it is not in the tornado.
//!
//! The swing of an input is |mean at high − mean at low|.

use std::time::Instant;

use statrs::distribution::{Discrete, NegativeBinomial, Poisson};

use super::convergence::{simulate_target, target_exposures, target_label};
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::input::breach::ShareByHolding;
use crate::input::{CountModel, Mode, Probability};
use crate::stats::{LossDistribution, Neumaier, Summary};

/// Iterations per run unless `--iterations` says otherwise: a sensitivity analysis runs the
/// model about twice per input.
pub const DEFAULT_ITERATIONS: u64 = 20_000;
/// The percentiles an input is held at.
pub const LOW: f64 = 0.10;
pub const HIGH: f64 = 0.90;

/// Points of the affected-share distribution averaged over for a probability curve.
const SHARE_POINTS: usize = 400;
/// Points of the estimated-records multiplier's distribution averaged over likewise.
const MULTIPLIER_POINTS: usize = 20;

/// One uncertain input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Of the component with this index in the assumptions.
    Fixed(usize),
    PerUnit(usize),
    UnitShare(usize),
    Occurrence(usize),
    AffectedShare,
    /// The multiplier of records estimated from revenue (`[records_estimate] multiplier`).
    RecordsMultiplier,
    Count,
    /// Of the systemic event with this index in the assumptions (annual mode).
    SystemicFootprint(usize),
    SystemicAffectedShare(usize),
}

impl Input {
    /// The input's name in reports: `credit_monitoring.per_unit`, `frequency.count`.
    pub fn name(self, model: &Model) -> String {
        let component = |c: usize| model.assumptions.components[c].name.as_str();
        match self {
            Input::Fixed(c) => format!("{}.fixed", component(c)),
            Input::PerUnit(c) => format!("{}.per_unit", component(c)),
            Input::UnitShare(c) => format!("{}.unit_share", component(c)),
            Input::Occurrence(c) => format!("{}.occurrence", component(c)),
            Input::AffectedShare => "breach.affected_share".into(),
            Input::RecordsMultiplier => "records_estimate.multiplier".into(),
            Input::Count => "frequency.count".into(),
            Input::SystemicFootprint(e) => format!("systemic.{}.footprint", model.assumptions.systemic[e].name),
            Input::SystemicAffectedShare(e) => {
                format!("systemic.{}.affected_share", model.assumptions.systemic[e].name)
            }
        }
    }
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub input: String,
    pub kind: Input,
    pub low_value: f64,
    pub high_value: f64,
    pub mean_at_low: f64,
    pub mean_at_high: f64,
    pub p99_at_low: f64,
    pub p99_at_high: f64,
    /// |mean_at_high − mean_at_low|.
    pub swing: f64,
}

/// One component's part of the target's gross loss.
#[derive(Debug, Clone, PartialEq)]
pub struct VarianceShare {
    pub component: String,
    pub mean: f64,
    pub sd: f64,
    /// mean / the gross mean.
    pub share_of_mean: f64,
    /// cov(component, gross) / var(gross) (Euler allocation): the shares sum to 1.
    pub variance_share: f64,
}

/// The whole analysis.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// `PORTFOLIO`, or the one exposure's id.
    pub target: String,
    pub annual: bool,
    pub exposures: usize,
    /// The target's statistics with nothing held.
    pub baseline: Summary,
    /// Sorted by swing, largest first (ties in input order).
    pub rows: Vec<Row>,
    /// Largest variance share first.
    pub variance_shares: Vec<VarianceShare>,
    /// Simulation runs made, the baseline included (runs that could only repeat the
    /// baseline, such as a constant held at itself, are not made).
    pub runs: u64,
    pub simulated_breaches: u64,
    pub wall_seconds: f64,
}

impl Sensitivity {
    /// The sum of all swings.
    pub fn total_swing(&self) -> f64 {
        self.rows.iter().map(|r| r.swing).sum()
    }

    /// A row's swing as a share of the total (0 when nothing swings).
    pub fn share_of_swing(&self, row: &Row) -> f64 {
        let total = self.total_swing();
        if total > 0.0 {
            row.swing / total
        } else {
            0.0
        }
    }
}

/// One input with its low and high values.
#[derive(Debug, Clone, Copy)]
struct Planned {
    input: Input,
    low: f64,
    high: f64,
}

/// The inputs in report order (components in assumptions order, then the breach, then the count).
fn plan(model: &Model) -> Vec<Planned> {
    let a = &model.assumptions;
    let mut out = Vec::new();
    for (c, component) in a.components.iter().enumerate() {
        for (input, var) in [
            (Input::Fixed(c), &component.fixed),
            (Input::PerUnit(c), &component.per_unit),
            (Input::UnitShare(c), &component.unit_share),
        ] {
            out.push(Planned { input, low: var.quantile(LOW), high: var.quantile(HIGH) });
        }
        let pi = occurrence_probability(model, c);
        // The q-quantile of a Bernoulli(π) indicator: 0 while P(0) = 1 − π reaches q.
        let indicator = |q: f64| if 1.0 - pi >= q - 1e-12 { 0.0 } else { 1.0 };
        out.push(Planned { input: Input::Occurrence(c), low: indicator(LOW), high: indicator(HIGH) });
    }
    let share = &a.breach.affected_share;
    out.push(Planned { input: Input::AffectedShare, low: share.quantile(LOW), high: share.quantile(HIGH) });
    if model.exposures[target_exposures(model)].iter().any(|e| e.records_estimated) {
        let multiplier = &a.sectors.records_estimate.multiplier;
        out.push(Planned {
            input: Input::RecordsMultiplier,
            low: multiplier.quantile(LOW),
            high: multiplier.quantile(HIGH),
        });
    }
    if model.settings.mode == Mode::Annual {
        let (low, high) = count_percentiles(model);
        out.push(Planned { input: Input::Count, low: f64::from(low), high: f64::from(high) });
        for (e, event) in a.systemic.iter().enumerate() {
            let footprint = &event.footprint;
            out.push(Planned {
                input: Input::SystemicFootprint(e),
                low: footprint.quantile(LOW),
                high: footprint.quantile(HIGH),
            });
            if let Some(share) = &event.affected_share {
                out.push(Planned {
                    input: Input::SystemicAffectedShare(e),
                    low: share.quantile(LOW),
                    high: share.quantile(HIGH),
                });
            }
        }
    }
    out
}

/// Whether holding `input` at `value` can only reproduce the baseline (so need not be run).
fn repeats_baseline(model: &Model, input: Input, value: f64) -> bool {
    let a = &model.assumptions;
    match input {
        Input::Fixed(c) => a.components[c].fixed.is_constant(),
        Input::PerUnit(c) => a.components[c].per_unit.is_constant(),
        Input::UnitShare(c) => a.components[c].unit_share.is_constant(),
        Input::AffectedShare => a.breach.affected_share.is_constant(),
        Input::RecordsMultiplier => a.sectors.records_estimate.multiplier.is_constant(),
        Input::Occurrence(c) => match a.components[c].probability {
            Probability::Constant(p) => (p >= 1.0 && value == 1.0) || (p <= 0.0 && value == 0.0),
            Probability::Curve(_) => false,
        },
        Input::Count => expected_count(model) <= 0.0,
        Input::SystemicFootprint(e) => a.systemic[e].footprint.is_constant(),
        Input::SystemicAffectedShare(e) => a.systemic[e].affected_share.as_ref().is_none_or(|v| v.is_constant()),
    }
}

/// The model with `input` held at `value`.
fn held(model: &Model, input: Input, value: f64) -> Model {
    let mut m = model.clone();
    let a = &mut m.assumptions;
    match input {
        Input::Fixed(c) => a.components[c].fixed = a.components[c].fixed.held_at(value),
        Input::PerUnit(c) => a.components[c].per_unit = a.components[c].per_unit.held_at(value),
        Input::UnitShare(c) => a.components[c].unit_share = a.components[c].unit_share.held_at(value),
        Input::Occurrence(c) => a.components[c].held_occurrence = Some(value >= 0.5),
        Input::AffectedShare => a.breach.affected_share = a.breach.affected_share.held_at(value),
        Input::RecordsMultiplier => {
            let multiplier = &mut a.sectors.records_estimate.multiplier;
            *multiplier = multiplier.held_at(value);
        }
        Input::SystemicFootprint(e) => a.systemic[e].footprint = a.systemic[e].footprint.held_at(value),
        Input::SystemicAffectedShare(e) => {
            if let Some(share) = a.systemic[e].affected_share.as_mut() {
                *share = share.held_at(value);
            }
        }
        Input::Count => {
            if m.exposures.len() == 1 {
                a.frequency.held_count = Some(value.max(0.0) as u32);
            } else {
                let expected = expected_count(model);
                let scale = if expected > 0.0 { value / expected } else { 0.0 };
                for e in &mut m.exposures {
                    e.rate *= scale;
                }
            }
        }
    }
    m
}

/// Simulation runs the analysis of `model` makes, the baseline included (for progress bars:
/// each run simulates `iterations × target exposures`).
pub fn planned_runs(model: &Model) -> u64 {
    let mut runs = 1;
    for p in plan(model) {
        for value in distinct(p.low, p.high) {
            if !repeats_baseline(model, p.input, value) {
                runs += 1;
            }
        }
    }
    runs
}

fn distinct(low: f64, high: f64) -> Vec<f64> {
    if low == high {
        vec![low]
    } else {
        vec![low, high]
    }
}

/// Runs the analysis. In breach mode the model must hold exactly one exposure.
pub fn analyse(model: &Model, progress: &(dyn Fn(u64) + Sync)) -> Result<Sensitivity> {
    if model.exposures.is_empty() {
        return Err(Error::input("the exposures file has no rows; nothing to analyse"));
    }
    if model.settings.mode == Mode::Breach && model.exposures.len() != 1 {
        return Err(Error::input(format!(
            "--mode breach: a sensitivity analysis is of one exposure's breach, and there are {}; choose one with --id",
            model.exposures.len()
        )));
    }
    let started = Instant::now();
    let n = model.settings.iterations;
    let summary_of = |gross: Vec<f64>| Summary::of(&LossDistribution::new(gross, n));

    let base = simulate_target(model, 0..n, true, progress);
    let mut simulated_breaches = base.simulated_breaches;
    let variance_shares = variance_shares(model, &base.gross, base.components.as_deref().unwrap_or(&[]));
    let baseline = summary_of(base.gross);
    check_finite(model, &baseline, &variance_shares)?;

    let mut runs = 1;
    let mut rows = Vec::new();
    for p in plan(model) {
        let mut at = |value: f64| -> (f64, f64) {
            if repeats_baseline(model, p.input, value) {
                return (baseline.mean, baseline.p99);
            }
            let run = simulate_target(&held(model, p.input, value), 0..n, false, progress);
            simulated_breaches += run.simulated_breaches;
            runs += 1;
            let s = summary_of(run.gross);
            (s.mean, s.p99)
        };
        let (mean_at_low, p99_at_low) = at(p.low);
        let (mean_at_high, p99_at_high) = if p.high == p.low { (mean_at_low, p99_at_low) } else { at(p.high) };
        rows.push(Row {
            input: p.input.name(model),
            kind: p.input,
            low_value: p.low,
            high_value: p.high,
            mean_at_low,
            mean_at_high,
            p99_at_low,
            p99_at_high,
            swing: (mean_at_high - mean_at_low).abs(),
        });
    }
    // Stable: equal swings keep the input order.
    rows.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    if let Some(r) = rows
        .iter()
        .find(|r| ![r.mean_at_low, r.mean_at_high, r.p99_at_low, r.p99_at_high].iter().all(|v| v.is_finite()))
    {
        let value = [r.mean_at_low, r.mean_at_high, r.p99_at_low, r.p99_at_high].into_iter().find(|v| !v.is_finite());
        let what = format!("mean or p99 with {} held", r.input);
        return Err(crate::run::non_finite(
            model,
            &format!("\"{}\"", target_label(model)),
            &what,
            value.unwrap_or(f64::NAN),
            baseline.max,
        ));
    }
    Ok(Sensitivity {
        target: target_label(model),
        annual: model.settings.mode == Mode::Annual,
        exposures: model.exposures.len(),
        baseline,
        rows,
        variance_shares,
        runs,
        simulated_breaches,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Refuses a baseline whose statistics or variance shares are not finite (losses so large that
/// their squares overflow): what `sensitivity.csv` and its companions would write.
fn check_finite(model: &Model, baseline: &Summary, shares: &[VarianceShare]) -> Result<()> {
    let whose = format!("\"{}\"", target_label(model));
    if let Some((stat, value)) = baseline.first_non_finite() {
        return Err(crate::run::non_finite(model, &whose, &format!("gross {stat}"), value, baseline.max));
    }
    for s in shares {
        let values =
            [("mean", s.mean), ("sd", s.sd), ("share_of_mean", s.share_of_mean), ("variance_share", s.variance_share)];
        if let Some((what, value)) = values.into_iter().find(|(_, v)| !v.is_finite()) {
            let what = format!("component \"{}\" {what}", s.component);
            return Err(crate::run::non_finite(model, &whose, &what, value, baseline.max));
        }
    }
    Ok(())
}

/// Each component's mean, sd and Euler share of the variance of the gross, from the
/// per-iteration component totals (row-major, iterations × components).
fn variance_shares(model: &Model, gross: &[f64], components: &[f64]) -> Vec<VarianceShare> {
    let names = model.assumptions.component_names();
    let k = names.len();
    let n = gross.len();
    if n == 0 || k == 0 || components.len() != n * k {
        return Vec::new();
    }
    // The gross as the sum of its components, so that the shares sum to exactly 1 in theory.
    let totals: Vec<f64> = components.chunks(k).map(|row| row.iter().sum()).collect();
    let mean_of = |values: &mut dyn Iterator<Item = f64>| {
        let mut total = Neumaier::default();
        values.for_each(|v| total.add(v));
        total.value() / n as f64
    };
    let total_mean = mean_of(&mut totals.iter().copied());
    let denominator = (n.max(2) - 1) as f64;
    let mut variance = Neumaier::default();
    for t in &totals {
        variance.add((t - total_mean) * (t - total_mean));
    }
    let variance = variance.value() / denominator;
    let mut out: Vec<VarianceShare> = (0..k)
        .map(|j| {
            let column = || components.iter().skip(j).step_by(k).copied();
            let mean = mean_of(&mut column());
            let mut covariance = Neumaier::default();
            let mut own = Neumaier::default();
            for (c, t) in column().zip(&totals) {
                covariance.add((c - mean) * (t - total_mean));
                own.add((c - mean) * (c - mean));
            }
            VarianceShare {
                component: names[j].to_string(),
                mean,
                sd: (own.value() / denominator).max(0.0).sqrt(),
                share_of_mean: if total_mean > 0.0 { mean / total_mean } else { 0.0 },
                variance_share: if variance > 0.0 { covariance.value() / denominator / variance } else { 0.0 },
            }
        })
        .collect();
    out.sort_by(|a, b| b.variance_share.total_cmp(&a.variance_share));
    out
}

/// The mean probability that component `c` arises in one of the target's breaches: its
/// probability, or for a curve its mean over the affected-share distribution, weighted over
/// the exposures it applies to by their rates (annual mode).
fn occurrence_probability(model: &Model, c: usize) -> f64 {
    let component = &model.assumptions.components[c];
    let points = match &component.probability {
        Probability::Constant(p) => return *p,
        Probability::Curve(points) => points,
    };
    let share = &model.assumptions.breach.affected_share;
    let shares: Vec<f64> = (0..SHARE_POINTS).map(|i| share.quantile((i as f64 + 0.5) / SHARE_POINTS as f64)).collect();
    let annual = model.settings.mode == Mode::Annual;
    let (mut weighted, mut weights, mut plain, mut count) = (0.0, 0.0, 0.0, 0.0);
    for e in &model.exposures[target_exposures(model)] {
        if !e.components.contains(&c) {
            continue;
        }
        // Estimated records vary by their multiplier too: averaged over its quantiles.
        let multipliers: Vec<f64> = if e.records_estimated {
            let multiplier = &model.assumptions.sectors.records_estimate.multiplier;
            (0..MULTIPLIER_POINTS).map(|i| multiplier.quantile((i as f64 + 0.5) / MULTIPLIER_POINTS as f64)).collect()
        } else {
            vec![1.0]
        };
        let p = match e.affected {
            Some(affected) => component.probability.at(affected.log10()),
            None => {
                let mut sum = 0.0;
                let by_holding = &model.assumptions.breach.share_by_holding;
                for m in &multipliers {
                    let factor = by_holding.factor(e.records_held * m);
                    let affected = |s: &f64| ShareByHolding::affected(e.records, *s, *m, factor);
                    let at = |s: &f64| component.probability.at(affected(s).log10());
                    sum += shares.iter().map(at).sum::<f64>();
                }
                sum / (SHARE_POINTS * multipliers.len()) as f64
            }
        };
        let w = if annual { e.rate } else { 1.0 };
        weighted += w * p;
        weights += w;
        plain += p;
        count += 1.0;
    }
    if weights > 0.0 {
        weighted / weights
    } else if count > 0.0 {
        plain / count
    } else {
        // The target never uses the component; any value gives it zero swing.
        points.iter().map(|(_, p)| p).sum::<f64>() / points.len().max(1) as f64
    }
}

/// The target's expected number of (independent) breaches a year.
fn expected_count(model: &Model) -> f64 {
    model.exposures[target_exposures(model)].iter().map(|e| e.rate).sum()
}

/// The 10th and 90th percentiles of the target's yearly breach count: the sum over its
/// exposures of independent Poisson (or negative binomial) counts, computed exactly.
fn count_percentiles(model: &Model) -> (u32, u32) {
    let rates: Vec<f64> = model.exposures[target_exposures(model)].iter().map(|e| e.rate).collect();
    let shock = model.assumptions.frequency.common_shock_sd;
    let summed = |scale: f64, dispersion: f64| {
        rates
            .iter()
            .filter(|r| **r > 0.0)
            .fold(vec![1.0], |total, rate| convolve(&total, &count_pmf(rate * scale, Some(dispersion))))
    };
    let pmf = match model.assumptions.frequency.model {
        // A sum of Poisson counts is Poisson with the summed rate; under a common gamma shock
        // of sd σ it is negative binomial with dispersion σ² (the Poisson–gamma mixture).
        CountModel::Poisson if shock > 0.0 => count_pmf(rates.iter().sum(), Some(shock * shock)),
        CountModel::Poisson => count_pmf(rates.iter().sum(), None),
        CountModel::NegativeBinomial { dispersion } if shock > 0.0 => shock_mixture(shock, |s| summed(s, dispersion)),
        CountModel::NegativeBinomial { dispersion } => summed(1.0, dispersion),
    };
    let percentile = |q: f64| {
        let mut cumulative = 0.0;
        for (k, p) in pmf.iter().enumerate() {
            cumulative += p;
            if cumulative >= q - 1e-12 {
                return k as u32;
            }
        }
        pmf.len().saturating_sub(1) as u32
    };
    (percentile(LOW), percentile(HIGH))
}

/// The probabilities of 0, 1, 2, ... breaches in a year at `rate` (Poisson, or negative
/// binomial with variance rate + dispersion × rate²), up to where the rest is negligible.
fn count_pmf(rate: f64, dispersion: Option<f64>) -> Vec<f64> {
    if !(rate > 0.0 && rate.is_finite()) {
        return vec![1.0];
    }
    let variance = rate + dispersion.unwrap_or(0.0) * rate * rate;
    let last = (rate + 40.0 * variance.sqrt() + 50.0).min(1e7) as u64;
    let ln_pmf: Box<dyn Fn(u64) -> f64> = match dispersion {
        None => match Poisson::new(rate) {
            Ok(d) => Box::new(move |k| d.ln_pmf(k)),
            Err(_) => return vec![1.0],
        },
        Some(alpha) => {
            let r = 1.0 / alpha;
            match NegativeBinomial::new(r, r / (r + rate)) {
                Ok(d) => Box::new(move |k| d.ln_pmf(k)),
                Err(_) => return vec![1.0],
            }
        }
    };
    let mut out = Vec::new();
    let mut cumulative = 0.0;
    for k in 0..=last {
        let p = ln_pmf(k).exp();
        out.push(p);
        cumulative += p;
        if k as f64 > rate && 1.0 - cumulative < 1e-15 {
            break;
        }
    }
    out
}

/// The count law averaged over the common shock: `pmf_at(s)` (the law given a multiplier s)
/// at the mid-quantiles of [`SHOCK_POINTS`] equal-probability slices of the gamma multiplier
/// (mean 1, sd `sd`).
fn shock_mixture(sd: f64, pmf_at: impl Fn(f64) -> Vec<f64>) -> Vec<f64> {
    use statrs::distribution::{ContinuousCDF, Gamma};
    let Ok(gamma) = Gamma::new(1.0 / (sd * sd), 1.0 / (sd * sd)) else { return pmf_at(1.0) };
    let mut mixture: Vec<f64> = Vec::new();
    for i in 0..SHOCK_POINTS {
        let s = gamma.inverse_cdf((i as f64 + 0.5) / SHOCK_POINTS as f64);
        let pmf = pmf_at(s);
        if mixture.len() < pmf.len() {
            mixture.resize(pmf.len(), 0.0);
        }
        for (m, p) in mixture.iter_mut().zip(pmf) {
            *m += p / SHOCK_POINTS as f64;
        }
    }
    mixture
}

/// Slices of the common shock's law averaged over (for negative binomial counts).
const SHOCK_POINTS: usize = 64;

fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        if *x == 0.0 {
            continue;
        }
        for (j, y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    // Drop the negligible tail so repeated convolutions stay short.
    while out.len() > 1 && out.last().is_some_and(|p| *p < 1e-18) {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_percentiles_follow_the_count_distribution() {
        // Poisson(1.86): F(0) = 0.156, F(3) = 0.882, F(4) = 0.959.
        let pmf = count_pmf(1.86, None);
        let cdf: Vec<f64> = pmf
            .iter()
            .scan(0.0, |c, p| {
                *c += p;
                Some(*c)
            })
            .collect();
        assert!((cdf[0] - (-1.86f64).exp()).abs() < 1e-12);
        assert!(cdf[3] < 0.9 && cdf[4] > 0.9, "{cdf:?}");
        // A negative binomial with mean 2 and dispersion 0.5 has variance 4.
        let nb = count_pmf(2.0, Some(0.5));
        let mean: f64 = nb.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        let second: f64 = nb.iter().enumerate().map(|(k, p)| (k * k) as f64 * p).sum();
        assert!(
            (mean - 2.0).abs() < 1e-9 && (second - mean * mean - 4.0).abs() < 1e-9,
            "mean {mean}, variance {}",
            second - mean * mean
        );
        // The shock mixture of negative binomials keeps the mean and adds σ² (mean² + d Σλ²)
        // to the variance (here one exposure, rate 2, d 0.5, σ 0.4: 4 + 0.16 × (4 + 2) = 4.96),
        // to the quadrature's accuracy.
        let mixed = shock_mixture(0.4, |s| count_pmf(2.0 * s, Some(0.5)));
        let mean: f64 = mixed.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        let second: f64 = mixed.iter().enumerate().map(|(k, p)| (k * k) as f64 * p).sum();
        assert!(
            (mean - 2.0).abs() < 0.01 && (second - mean * mean - 4.96).abs() < 0.1,
            "{mean} {}",
            second - mean * mean
        );
        // Convolving two Poisson(1) gives Poisson(2).
        let two = convolve(&count_pmf(1.0, None), &count_pmf(1.0, None));
        for (a, b) in two.iter().zip(count_pmf(2.0, None)) {
            assert!((a - b).abs() < 1e-15);
        }
    }
}
