//! Paired differences between two runs with common random numbers (`breachcost compare`):
//! differences of the mean, p95, p99 and TVaR99 of the gross, retained and insured loss, with
//! confidence intervals from the paired years.
//!
//! Both configurations are simulated with the same seed. Every draw depends only on (seed,
//! exposure id, block of years, variable, the incident's number), so what the change does
//! not touch is drawn the very same in both runs, and a control that prevents incidents
//! thins the very incidents of the run without it ([`crate::engine`]'s prevention). Year i of
//! one run is therefore year i of the other with the change made, and the difference of a
//! statistic is estimated from pairs of years:
//!
//! - **mean**: the mean of the paired differences d_i = alternative_i − baseline_i, with
//!   standard error sd(d)/√n and the normal 95% interval (n is in the thousands). Its
//!   unpaired standard error, √(var(baseline)/n + var(alternative)/n), is what two runs with
//!   different seeds would give; the ratio of the two is what pairing buys.
//! - **p95, p99, TVaR99** (quantiles and expected shortfall, as `summary.csv` computes them):
//!   the difference of the whole runs' statistics, with a standard error by sectioning: the
//!   years are cut into [`SECTIONS`] consecutive sections, the statistic's difference is
//!   computed in each (same years in both runs), and se = sd(section differences)/√SECTIONS,
//!   the interval ± Student's t with SECTIONS − 1 degrees of freedom (Nakayama 2014,
//!   "Confidence intervals for quantiles using sectioning when applying variance-reduction
//!   techniques", ACM TOMACS 24(4)). A section needs enough years beyond the level
//!   ([`MIN_TAIL_YEARS`]); with fewer iterations the interval is left out, not guessed.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::engine::outcomes::ExposureOutcomes;
use crate::stats::{LossDistribution, YearTotals, Z95};

/// The measures compared, in report order.
pub const MEASURES: [&str; 3] = ["gross", "retained", "insured"];

/// A statistic of a loss distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Mean,
    /// The quantiles (values at risk) at 95% and 99%.
    P95,
    P99,
    /// The expected shortfall beyond the 99% quantile.
    Tvar99,
}

impl Statistic {
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
            Statistic::Tvar99 => "tvar99",
        }
    }

    fn of(self, losses: &LossDistribution) -> f64 {
        match self {
            Statistic::Mean => losses.mean(),
            Statistic::P95 => losses.quantile(0.95),
            Statistic::P99 => losses.quantile(0.99),
            Statistic::Tvar99 => losses.tvar(0.99),
        }
    }

    /// The share of years beyond the statistic's level (1 for the mean).
    fn tail(self) -> f64 {
        match self {
            Statistic::Mean => 1.0,
            Statistic::P95 => 0.05,
            Statistic::P99 | Statistic::Tvar99 => 0.01,
        }
    }
}

/// The statistics compared, in report order.
pub const STATISTICS: [Statistic; 4] = [Statistic::Mean, Statistic::P95, Statistic::P99, Statistic::Tvar99];

/// Sections of consecutive years for the tail statistics' standard errors.
pub const SECTIONS: usize = 20;
/// Years beyond a tail statistic's level that each section must expect for an interval.
pub const MIN_TAIL_YEARS: f64 = 10.0;

/// One exposure's (or the portfolio's) losses in the years it has any: the years ascending,
/// and per measure ([`MEASURES`]) the loss of each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Years {
    pub iterations: Vec<u64>,
    pub losses: [Vec<f64>; 3],
}

impl Years {
    /// The stored years of one exposure's outcomes.
    pub fn of(outcomes: &ExposureOutcomes) -> Years {
        let mut years = Years::default();
        for x in outcomes.outcomes() {
            years.iterations.push(x.iteration);
            for (column, value) in years.losses.iter_mut().zip([x.gross, x.retained(), x.insured]) {
                column.push(value);
            }
        }
        years
    }

    /// Every one of `iterations` years of a book, summed over `exposures` in their order (the
    /// same sums, to the bit, as the run's portfolio figures).
    pub fn sum(exposures: &[Years], iterations: u64) -> Years {
        let mut totals = [(); 3].map(|_| YearTotals::new(iterations as usize));
        for e in exposures {
            for (m, column) in totals.iter_mut().enumerate() {
                for (&i, value) in e.iterations.iter().zip(&e.losses[m]) {
                    column.add(i as usize, *value);
                }
            }
        }
        Years { iterations: (0..iterations).collect(), losses: totals.map(|t| t.amounts()) }
    }

    /// The distribution of measure `m` over years `range` (of a run of `iterations` years
    /// when `range` is all of them).
    pub fn distribution(&self, m: usize, range: std::ops::Range<u64>) -> LossDistribution {
        let from = self.iterations.partition_point(|&i| i < range.start);
        let to = self.iterations.partition_point(|&i| i < range.end);
        LossDistribution::new(self.losses[m][from..to].to_vec(), range.end - range.start)
    }
}

/// The difference of one statistic between the alternative and the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub statistic: Statistic,
    pub baseline: f64,
    pub alternative: f64,
    /// alternative − baseline (a saving is negative).
    pub difference: f64,
    /// Its standard error from the paired years, and 95% interval (`None`: too few years).
    pub se: Option<f64>,
    pub ci: Option<(f64, f64)>,
    /// The standard error two independent runs would give (the mean only).
    pub unpaired_se: Option<f64>,
}

/// Every statistic's difference for one measure of one exposure (or the portfolio).
pub fn differences(baseline: &Years, alternative: &Years, m: usize, iterations: u64) -> Vec<Difference> {
    let whole = [baseline.distribution(m, 0..iterations), alternative.distribution(m, 0..iterations)];
    let sections = sections(iterations);
    let t = StudentsT::new(0.0, 1.0, (SECTIONS - 1) as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975));
    STATISTICS
        .iter()
        .map(|&statistic| {
            let [b, a] = [statistic.of(&whole[0]), statistic.of(&whole[1])];
            let difference = a - b;
            let (se, unpaired_se) = match statistic {
                Statistic::Mean => {
                    let unpaired = ((whole[0].sd().powi(2) + whole[1].sd().powi(2)) / iterations as f64).sqrt();
                    (Some(paired_mean_se(baseline, alternative, m, iterations)), Some(unpaired))
                }
                _ if sections.is_empty()
                    || (iterations / SECTIONS as u64) as f64 * statistic.tail() < MIN_TAIL_YEARS =>
                {
                    (None, None)
                }
                _ => {
                    let of = |years: &Years, r: &std::ops::Range<u64>| statistic.of(&years.distribution(m, r.clone()));
                    let d: Vec<f64> = sections.iter().map(|r| of(alternative, r) - of(baseline, r)).collect();
                    (Some(sd(&d) / (SECTIONS as f64).sqrt()), None)
                }
            };
            let z = if statistic == Statistic::Mean { Z95 } else { t };
            let ci = se.map(|se| (difference - z * se, difference + z * se));
            Difference { statistic, baseline: b, alternative: a, difference, se, ci, unpaired_se }
        })
        .collect()
}

/// [`SECTIONS`] consecutive ranges of years covering `iterations` (none with fewer years
/// than sections).
fn sections(iterations: u64) -> Vec<std::ops::Range<u64>> {
    let k = SECTIONS as u64;
    if iterations < k {
        return Vec::new();
    }
    (0..k).map(|s| s * iterations / k..(s + 1) * iterations / k).collect()
}

/// The sample standard deviation.
fn sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// The standard error of the mean paired difference of measure `m` over `iterations` years,
/// the years neither run stores being differences of zero.
fn paired_mean_se(baseline: &Years, alternative: &Years, m: usize, iterations: u64) -> f64 {
    let d = paired_differences(baseline, alternative, m);
    let n = iterations as f64;
    if iterations < 2 {
        return 0.0;
    }
    let mean = d.iter().sum::<f64>() / n;
    let zeros = (iterations - d.len() as u64) as f64;
    let squares = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() + zeros * mean * mean;
    (squares / (n - 1.0) / n).sqrt()
}

/// alternative − baseline of measure `m` in every year either stores.
fn paired_differences(baseline: &Years, alternative: &Years, m: usize) -> Vec<f64> {
    let (b, a) = (&baseline.iterations, &alternative.iterations);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(b.len().max(a.len()));
    while i < b.len() || j < a.len() {
        match (b.get(i), a.get(j)) {
            (Some(x), Some(y)) if x == y => {
                out.push(alternative.losses[m][j] - baseline.losses[m][i]);
                (i, j) = (i + 1, j + 1);
            }
            (Some(x), y) if y.is_none_or(|y| x < y) => {
                out.push(-baseline.losses[m][i]);
                i += 1;
            }
            _ => {
                out.push(alternative.losses[m][j]);
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn years(pairs: &[(u64, f64)]) -> Years {
        let column: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        Years { iterations: pairs.iter().map(|p| p.0).collect(), losses: [column.clone(), column.clone(), column] }
    }

    #[test]
    fn paired_differences_merge_the_years_either_run_stores() {
        let b = years(&[(1, 10.0), (3, 5.0)]);
        let a = years(&[(0, 2.0), (3, 4.0), (7, 1.0)]);
        assert_eq!(paired_differences(&b, &a, 0), vec![2.0, -10.0, -1.0, 1.0]);
    }

    /// The paired standard error of the mean is sd(d)/√n with the unstored years' zeros.
    #[test]
    fn the_paired_se_counts_the_years_without_losses() {
        let b = years(&[(0, 4.0), (1, 2.0)]);
        let a = years(&[(0, 2.0)]);
        // d = (-2, -2, 0, 0): mean -1, sample variance 4/3.
        let se = paired_mean_se(&b, &a, 0, 4);
        assert!((se - (4.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-15, "{se}");
    }

    #[test]
    fn a_configuration_against_itself_differs_by_exactly_zero() {
        let pairs: Vec<(u64, f64)> = (0..4000).filter(|i| i % 3 == 0).map(|i| (i, (i % 17) as f64 * 10.0)).collect();
        let y = years(&pairs);
        for d in differences(&y, &y, 0, 4000) {
            assert_eq!(d.difference, 0.0);
            assert!(d.se.is_none_or(|se| se == 0.0), "{d:?}");
        }
    }

    #[test]
    fn sections_cover_every_year_once() {
        let s = sections(1003);
        assert_eq!(s.len(), SECTIONS);
        assert_eq!(s[0].start, 0);
        assert_eq!(s[SECTIONS - 1].end, 1003);
        assert!(s.windows(2).all(|w| w[0].end == w[1].start));
        assert!(sections(5).is_empty());
    }
}
