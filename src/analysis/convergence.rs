//! How precise the Monte Carlo estimate is, and running until it is precise enough.
//!
//! `simulate --target-rel-error E` simulates fixed-size batches of iterations (0..B, B..2B,
//! ...) of the target: the portfolio's gross annual loss (the sum over exposures, year by
//! year) in annual mode, the first exposure's gross cost of a breach in breach mode. After
//! each batch it checks the estimate: the standard error of the mean must be at most
//! E × mean, and with `--target-quantile` the half-width of the p99's 95% confidence interval
//! at most E × p99. It stops at the first batch that meets the target (or at
//! `--max-iterations`). Draws depend only on (seed, exposure, iteration), and batch
//! boundaries only on the batch size, so the stopping point is the same on every machine
//! and with any number of threads.
//!
//! The statistics after each batch are computed incrementally: the mean and standard
//! deviation from batch moments merged in batch order (Chan, Golub & LeVeque), equal to
//! those of `summary.csv` up to the last digit or two; p99 and its confidence interval
//! from the exact order statistics (kept for the upper tail only), equal to `summary.csv`'s.

use std::ops::Range;
use std::time::Instant;

use crate::engine::{simulate_exposures, Model};
use crate::error::{Error, Result};
use crate::input::exposures::PORTFOLIO_ID;
use crate::input::Mode;
use crate::stats::{Neumaier, YearTotals, Z95};

/// Iterations per batch unless `--batch` says otherwise.
pub const DEFAULT_BATCH: u64 = 10_000;
/// Iterations at most unless `--max-iterations` says otherwise.
pub const DEFAULT_MAX_ITERATIONS: u64 = 10_000_000;
/// The quantile whose confidence interval `--target-quantile` checks.
pub const QUANTILE: f64 = 0.99;

/// Bytes of engine outcomes one call to the engine may hold (exposures are simulated in
/// groups that fit).
const CALL_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// The exposures whose gross makes up the target: all of them in annual mode (the
/// portfolio), the first in breach mode (a breach belongs to one exposure).
pub fn target_exposures(model: &Model) -> Range<usize> {
    match model.settings.mode {
        Mode::Annual => 0..model.exposures.len(),
        Mode::Breach => 0..model.exposures.len().min(1),
    }
}

/// How the target is named in reports: `PORTFOLIO`, or the exposure's id when there is one.
pub fn target_label(model: &Model) -> String {
    match (model.settings.mode, model.exposures.as_slice()) {
        (_, [only]) | (Mode::Breach, [only, ..]) => only.id.clone(),
        _ => PORTFOLIO_ID.to_string(),
    }
}

/// The target's outcomes, iteration by iteration, over a range of iterations.
#[derive(Debug, Clone)]
pub struct TargetIterations {
    /// The gross loss of each iteration of the range (zeros included).
    pub gross: Vec<f64>,
    /// With `with_components`: the gross cost of each of the assumptions' components in
    /// each iteration, summed over the target's exposures; row-major, one row per iteration
    /// and one column per component (zero where a component does not apply).
    pub components: Option<Vec<f64>>,
    pub simulated_breaches: u64,
}

/// Simulates `iterations` of the target's exposures and adds them up year by year, in
/// exposure order (as the portfolio of a full run does, so the sums are the same).
pub fn simulate_target(
    model: &Model,
    iterations: Range<u64>,
    with_components: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> TargetIterations {
    let n = (iterations.end - iterations.start) as usize;
    let k = model.assumptions.components.len();
    let mut gross = YearTotals::new(n);
    let mut components = with_components.then(|| vec![0.0; n * k]);
    let mut simulated_breaches = 0;
    for group in exposure_groups(model, target_exposures(model), n) {
        for o in simulate_exposures(model, group, iterations.clone(), progress) {
            let applicable = &model.exposures[o.exposure].components;
            for (x, costs) in o.rows(model.exposures[o.exposure].width()) {
                let i = (x.iteration - iterations.start) as usize;
                gross.add(i, x.gross);
                if let Some(totals) = components.as_mut() {
                    for (&j, cost) in applicable.iter().zip(&costs) {
                        totals[i * k + j] += cost;
                    }
                }
            }
            simulated_breaches += o.simulated_breaches;
        }
    }
    TargetIterations { gross: gross.amounts(), components, simulated_breaches }
}

/// Consecutive groups of `exposures` whose outcomes over `iterations` iterations fit in
/// [`CALL_BYTES`] (counting every iteration as stored, which over-estimates annual mode).
fn exposure_groups(model: &Model, exposures: Range<usize>, iterations: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = exposures.start;
    let mut bytes = 0.0;
    for e in exposures.clone() {
        let width = model.exposures[e].width();
        let estimate = iterations as f64 * (std::mem::size_of::<crate::engine::Outcome>() + 8 * width) as f64;
        if e > start && bytes + estimate > CALL_BYTES {
            out.push(start..e);
            start = e;
            bytes = 0.0;
        }
        bytes += estimate;
    }
    if start < exposures.end {
        out.push(start..exposures.end);
    }
    out
}

/// What `--target-rel-error` and its companions ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// E: the largest acceptable standard error of the mean, as a share of the mean.
    pub rel_error: f64,
    /// Also require the p99's 95% CI half-width to be at most E × p99.
    pub quantile: bool,
    /// Iterations per batch.
    pub batch: u64,
    /// Stop here even if the target is not met.
    pub max_iterations: u64,
}

impl Target {
    /// Checks the numbers (flag names in messages).
    pub fn check(&self) -> Result<()> {
        if !(self.rel_error.is_finite() && self.rel_error > 0.0) {
            return Err(Error::input(format!(
                "--target-rel-error {}: expected a number above 0, e.g. 0.01 for 1%",
                self.rel_error
            )));
        }
        if self.batch == 0 {
            return Err(Error::input("--batch 0: expected at least 1 iteration per batch"));
        }
        if self.max_iterations == 0 {
            return Err(Error::input("--max-iterations 0: expected at least 1"));
        }
        Ok(())
    }
}

/// The estimate after some iterations: one row of `convergence.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub iterations: u64,
    pub mean: f64,
    pub se_mean: f64,
    /// 95% CI of the mean: mean ± 1.96 se (the low end at least 0), as in `summary.csv`.
    pub mean_ci_low: f64,
    pub mean_ci_high: f64,
    pub p99: f64,
    /// 95% CI of p99 from order statistics, as in `summary.csv`.
    pub p99_ci_low: f64,
    pub p99_ci_high: f64,
    /// se_mean / mean.
    pub rel_error_mean: f64,
    /// Half the width of p99's CI / p99.
    pub rel_error_p99: f64,
    pub meets_target: bool,
}

/// The record of a run to a target.
#[derive(Debug, Clone)]
pub struct Convergence {
    pub target: Target,
    /// What was tracked: `PORTFOLIO`, or an exposure id.
    pub label: String,
    pub annual: bool,
    /// One row per batch, in order; the last is where the run stopped.
    pub rows: Vec<Row>,
    /// Whether the last row meets the target (false: stopped at `max_iterations`).
    pub converged: bool,
    pub simulated_breaches: u64,
    pub wall_seconds: f64,
}

impl Convergence {
    /// Iterations at the stop.
    pub fn iterations(&self) -> u64 {
        self.rows.last().map_or(0, |r| r.iterations)
    }
}

/// Simulates batches until the target is met; `on_batch` sees each row as it is computed.
pub fn converge(model: &Model, target: &Target, on_batch: &dyn Fn(&Row)) -> Result<Convergence> {
    target.check()?;
    let started = Instant::now();
    let mut sample = GrowingSample::default();
    let mut rows = Vec::new();
    let mut simulated_breaches = 0;
    let mut done = 0u64;
    loop {
        let end = done.saturating_add(target.batch).min(target.max_iterations);
        let batch = simulate_target(model, done..end, false, &|_| {});
        simulated_breaches += batch.simulated_breaches;
        sample.add(&batch.gross);
        done = end;
        let row = sample.row(target);
        // The estimate's figures must be numbers (losses whose squares overflow are refused);
        // a relative error is infinite by design where p99 is 0 but its interval is not.
        let figures =
            [("mean", row.mean), ("se_mean", row.se_mean), ("p99", row.p99), ("p99_ci_high", row.p99_ci_high)];
        if let Some((what, value)) = figures.into_iter().find(|(_, v)| !v.is_finite()) {
            let largest = sample.tail.last().copied().unwrap_or(0.0);
            let what = format!("gross {what} after {} iterations", row.iterations);
            return Err(crate::run::non_finite(model, &format!("\"{}\"", target_label(model)), &what, value, largest));
        }
        on_batch(&row);
        let stop = row.meets_target || done >= target.max_iterations;
        rows.push(row);
        if stop {
            break;
        }
    }
    let converged = rows.last().is_some_and(|r| r.meets_target);
    Ok(Convergence {
        target: *target,
        label: target_label(model),
        annual: model.settings.mode == Mode::Annual,
        rows,
        converged,
        simulated_breaches,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}

/// A sample that grows batch by batch, with its mean, standard deviation and the exact
/// order statistics of its upper tail.
#[derive(Debug, Default)]
struct GrowingSample {
    n: u64,
    mean: f64,
    /// Sum of squared deviations from the mean.
    m2: f64,
    /// Every value above zero (the rest are zeros), in the order added.
    positives: Vec<f64>,
    /// Ascending: every positive value at or above `threshold` (all positives when the
    /// threshold is 0). These are the largest `tail.len()` values of the sample.
    tail: Vec<f64>,
    threshold: f64,
}

impl GrowingSample {
    fn add(&mut self, values: &[f64]) {
        if values.is_empty() {
            return;
        }
        let m = values.len() as u64;
        let mut total = Neumaier::default();
        for v in values {
            total.add(*v);
        }
        let batch_mean = total.value() / m as f64;
        let mut squares = Neumaier::default();
        for v in values {
            squares.add((v - batch_mean) * (v - batch_mean));
        }
        // Merging two samples' moments (Chan, Golub & LeVeque 1979).
        let n = self.n + m;
        let delta = batch_mean - self.mean;
        self.mean += delta * m as f64 / n as f64;
        self.m2 += squares.value() + delta * delta * (self.n as f64) * (m as f64) / n as f64;
        self.n = n;

        let mut added: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
        self.positives.extend_from_slice(&added);
        added.retain(|v| *v >= self.threshold);
        added.sort_unstable_by(f64::total_cmp);
        self.tail = merge(&self.tail, &added);
    }

    /// The i-th smallest value (0-based), if the tail holds it.
    fn order_statistic(&self, i: u64) -> Option<f64> {
        let outside = self.n - self.tail.len() as u64;
        if i >= outside {
            Some(self.tail[(i - outside) as usize])
        } else if self.threshold <= 0.0 {
            // The tail holds every positive value: the rest are zeros.
            Some(0.0)
        } else {
            None
        }
    }

    /// Keeps the largest `keep` values in the tail (at least; ties at the threshold stay).
    fn resize_tail(&mut self, keep: usize) {
        if keep >= self.positives.len() {
            self.threshold = 0.0;
            self.tail = self.positives.clone();
            self.tail.sort_unstable_by(f64::total_cmp);
            return;
        }
        if self.tail.len() >= keep {
            // Raise the threshold: drop the smallest tail values.
            let threshold = self.tail[self.tail.len() - keep];
            let first = self.tail.partition_point(|v| *v < threshold);
            self.tail.drain(..first);
            self.threshold = threshold;
            return;
        }
        // Lower the threshold: choose it among all positive values.
        let mut values = self.positives.clone();
        let index = values.len() - keep;
        let threshold = *values.select_nth_unstable_by(index, f64::total_cmp).1;
        let mut tail: Vec<f64> = values.into_iter().filter(|v| *v >= threshold).collect();
        tail.sort_unstable_by(f64::total_cmp);
        self.tail = tail;
        self.threshold = threshold;
    }

    /// The order statistics a row needs: the ranks around the p-quantile and its CI.
    fn needed_ranks(&self, p: f64) -> (u64, u64, u64, u64) {
        let n = self.n as f64;
        let last = self.n - 1;
        let h = (n - 1.0) * p;
        let lo = h.floor() as u64;
        let hi = (lo + 1).min(last);
        let half_width = Z95 * (n * p * (1.0 - p)).sqrt();
        // As LossDistribution::quantile_ci: 1-based ranks rounded outwards, then 0-based.
        let lower = ((n * p - half_width).floor().max(1.0) as u64 - 1).min(last);
        let upper = ((n * p + half_width).ceil().max(1.0) as u64 - 1).min(last);
        (lo, hi, lower, upper)
    }

    /// The estimate now, checked against `target`.
    fn row(&mut self, target: &Target) -> Row {
        let n = self.n;
        let (lo, hi, lower, upper) = self.needed_ranks(QUANTILE);
        let lowest = lo.min(lower);
        // Keep the tail between what is needed and a few times that (plus a margin).
        let needed = (n - lowest) as usize;
        let margin = needed + 1024 + (n / 100) as usize;
        if self.order_statistic(lowest).is_none() || self.tail.len() > 4 * margin {
            self.resize_tail(needed + margin);
        }
        let at = |i: u64| self.order_statistic(i).unwrap_or(f64::NAN);
        let h = (n as f64 - 1.0) * QUANTILE;
        let (below, above) = (at(lo), at(hi));
        let p99 = below + (h - lo as f64) * (above - below);
        let (p99_ci_low, p99_ci_high) = (at(lower), at(upper));
        let sd = if n < 2 { 0.0 } else { (self.m2 / (n - 1) as f64).max(0.0).sqrt() };
        let se_mean = sd / (n as f64).sqrt();
        let mean = self.mean;
        let relative = |error: f64, of: f64| {
            if of > 0.0 {
                error / of
            } else if error > 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        };
        let rel_error_mean = relative(se_mean, mean);
        let rel_error_p99 = relative((p99_ci_high - p99_ci_low) / 2.0, p99);
        let meets_target =
            rel_error_mean <= target.rel_error && (!target.quantile || rel_error_p99 <= target.rel_error);
        Row {
            iterations: n,
            mean,
            se_mean,
            mean_ci_low: (mean - Z95 * se_mean).max(0.0),
            mean_ci_high: mean + Z95 * se_mean,
            p99,
            p99_ci_low,
            p99_ci_high,
            rel_error_mean,
            rel_error_p99,
            meets_target,
        }
    }
}

/// Two ascending slices merged into one ascending vector.
fn merge(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].total_cmp(&b[j]).is_le() {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{LossDistribution, Summary};

    fn target() -> Target {
        Target { rel_error: 1e-9, quantile: true, batch: 1, max_iterations: u64::MAX }
    }

    /// A deterministic, skewed sample with many zeros and ties.
    fn values(count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = crate::engine::rng::fmix64(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                if u < 0.3 {
                    0.0
                } else if u < 0.35 {
                    1000.0
                } else {
                    (1.0 / (1.0 - u)).powf(1.5).floor() * 10.0
                }
            })
            .collect()
    }

    #[test]
    fn the_incremental_statistics_match_the_full_sample_batch_after_batch() {
        let all = values(60_000, 7);
        let mut sample = GrowingSample::default();
        let mut seen = 0;
        for size in [1usize, 2, 5, 97, 1000, 3, 20_000, 7, 15_000, 23_885] {
            let batch = &all[seen..seen + size];
            sample.add(batch);
            seen += size;
            let row = sample.row(&target());
            let full = Summary::of(&LossDistribution::new(all[..seen].to_vec(), seen as u64));
            assert_eq!(row.iterations, seen as u64);
            assert_eq!(row.p99, full.p99, "p99 after {seen}");
            assert_eq!(row.p99_ci_low, full.p99_ci_low, "p99 CI low after {seen}");
            assert_eq!(row.p99_ci_high, full.p99_ci_high, "p99 CI high after {seen}");
            assert!((row.mean - full.mean).abs() <= 1e-12 * full.mean, "mean after {seen}");
            assert!((row.se_mean - full.se_mean).abs() <= 1e-9 * full.se_mean.max(1e-300), "se after {seen}");
        }
        assert_eq!(seen, all.len());
    }

    #[test]
    fn an_all_zero_sample_meets_any_target() {
        let mut sample = GrowingSample::default();
        sample.add(&[0.0; 100]);
        let row = sample.row(&target());
        assert_eq!((row.mean, row.p99, row.rel_error_mean, row.rel_error_p99), (0.0, 0.0, 0.0, 0.0));
        assert!(row.meets_target);
    }

    #[test]
    fn merged_vectors_stay_sorted() {
        assert_eq!(merge(&[1.0, 3.0, 5.0], &[2.0, 3.0, 6.0]), vec![1.0, 2.0, 3.0, 3.0, 5.0, 6.0]);
        assert_eq!(merge(&[], &[1.0]), vec![1.0]);
    }
}
