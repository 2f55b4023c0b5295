//! The summary of one measure (the row of `summary.csv`): mean, standard deviation,
//! quantiles, TVaR, confidence intervals; and the return periods of the exceedance tables.

use super::index::LossDistribution;

/// Return periods (years, or breaches in breach mode) reported in the exceedance table.
pub const RETURN_PERIODS: [u32; 11] = [2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/// Mean, standard deviation, share above zero and a few quantiles of stored values (with
/// implicit zeros up to `iterations`; NaN and negative values count as zeros).
pub fn select_statistics(values: Vec<f64>, iterations: u64, probabilities: &[f64]) -> (f64, f64, f64, Vec<f64>) {
    if let Some(figures) = LossDistribution::moments_if_quantiles_are_zero(&values, iterations, probabilities) {
        return figures;
    }
    let losses = LossDistribution::new(values, iterations);
    let quantiles = losses.quantiles(probabilities);
    (losses.mean(), losses.sd(), losses.prob_nonzero(), quantiles)
}

/// The summary row of one measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub se_mean: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p99_5: f64,
    pub p99_9: f64,
    pub tvar_95: f64,
    pub tvar_99: f64,
    pub max: f64,
    pub prob_nonzero: f64,
    /// 95% confidence interval of the mean (normal, mean ± 1.96 se).
    pub mean_ci_low: f64,
    pub mean_ci_high: f64,
    /// 95% confidence interval of p99 (order statistics, see [`LossDistribution::quantile_ci`]).
    pub p99_ci_low: f64,
    pub p99_ci_high: f64,
}

/// The two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The quantile levels of a [`Summary`].
const SUMMARY_LEVELS: [f64; 7] = [0.50, 0.75, 0.90, 0.95, 0.99, 0.995, 0.999];

impl Summary {
    /// Sorts in one pass what [`Summary::of`] and the quantiles at `levels` will read.
    pub fn prepare(losses: &LossDistribution, levels: &[f64]) {
        if losses.iterations() == 0 {
            return;
        }
        let (low, high) = losses.ci_ranks(0.99, Z95);
        let all: Vec<f64> = SUMMARY_LEVELS.iter().chain(levels).copied().collect();
        losses.prepare(&all, &[low, high]);
    }

    /// The names of [`Summary::columns`], in order (`summary.csv`'s columns after `id` and
    /// `measure`).
    pub const COLUMNS: [&'static str; 18] = [
        "mean",
        "sd",
        "se_mean",
        "p50",
        "p75",
        "p90",
        "p95",
        "p99",
        "p99_5",
        "p99_9",
        "tvar_95",
        "tvar_99",
        "max",
        "prob_nonzero",
        "mean_ci_low",
        "mean_ci_high",
        "p99_ci_low",
        "p99_ci_high",
    ];

    /// The first statistic (in [`Summary::COLUMNS`]' order) that is not finite: its name and value.
    pub fn first_non_finite(&self) -> Option<(&'static str, f64)> {
        Summary::COLUMNS.into_iter().zip(self.columns()).find(|(_, v)| !v.is_finite())
    }

    /// Every statistic, in the order of `summary.csv`'s columns after `id` and `measure`.
    pub fn columns(&self) -> [f64; 18] {
        [
            self.mean,
            self.sd,
            self.se_mean,
            self.p50,
            self.p75,
            self.p90,
            self.p95,
            self.p99,
            self.p99_5,
            self.p99_9,
            self.tvar_95,
            self.tvar_99,
            self.max,
            self.prob_nonzero,
            self.mean_ci_low,
            self.mean_ci_high,
            self.p99_ci_low,
            self.p99_ci_high,
        ]
    }

    pub fn of(losses: &LossDistribution) -> Summary {
        Summary::prepare(losses, &[]);
        let mean = losses.mean();
        let se_mean = losses.se_mean();
        let (p99_ci_low, p99_ci_high) = losses.quantile_ci(0.99, Z95);
        let tvars = losses.tvars(&[0.95, 0.99]);
        Summary {
            mean,
            sd: losses.sd(),
            se_mean,
            p50: losses.quantile(0.50),
            p75: losses.quantile(0.75),
            p90: losses.quantile(0.90),
            p95: losses.quantile(0.95),
            p99: losses.quantile(0.99),
            p99_5: losses.quantile(0.995),
            p99_9: losses.quantile(0.999),
            tvar_95: tvars[0],
            tvar_99: tvars[1],
            max: losses.max(),
            prob_nonzero: losses.prob_nonzero(),
            mean_ci_low: (mean - Z95 * se_mean).max(0.0),
            mean_ci_high: mean + Z95 * se_mean,
            p99_ci_low,
            p99_ci_high,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_agrees_with_sorting() {
        let values: Vec<f64> = (0..1000u32).map(|i| f64::from((i * 7919) % 1009) * 1.5).collect();
        for iterations in [1000u64, 1500, 4000] {
            let sorted = LossDistribution::new(values.clone(), iterations);
            let ps = [0.0, 0.5, 0.75, 0.95, 0.99, 0.999, 1.0];
            let (mean, sd, nonzero, quantiles) = select_statistics(values.clone(), iterations, &ps);
            for (p, q) in ps.iter().zip(&quantiles) {
                assert_eq!(*q, sorted.quantile(*p), "p = {p}, iterations = {iterations}");
            }
            assert!((mean - sorted.mean()).abs() <= 1e-12 * mean);
            assert!((sd - sorted.sd()).abs() <= 1e-12 * sd);
            assert_eq!(nonzero, sorted.prob_nonzero());
        }
    }
}
