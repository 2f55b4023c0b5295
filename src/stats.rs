//! Statistics of simulated losses: moments, quantiles (numpy's default "type 7" linear
//! interpolation), tail value at risk and exceedance.
//!
//! Losses are stored sparsely: the iterations with a loss (or at least one breach) are kept,
//! the others are zeros that are counted but never materialised. Every statistic is computed
//! from the values sorted ascending, so the result does not depend on the order in which
//! iterations were simulated.

/// Return periods (years, or breaches in breach mode) reported in the exceedance table.
pub const RETURN_PERIODS: [u32; 11] = [2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/// The losses of one measure over all iterations, sorted, with implicit zeros.
#[derive(Debug, Clone)]
pub struct LossDistribution {
    /// The stored values, ascending (all ≥ 0).
    sorted: Vec<f64>,
    /// Iterations in all; `iterations - sorted.len()` of them are implicit zeros.
    iterations: u64,
}

impl LossDistribution {
    /// From the stored values of `iterations` iterations (the rest are zeros).
    /// Negative values (which policy arithmetic never produces) are treated as zero.
    pub fn new(mut values: Vec<f64>, iterations: u64) -> Self {
        for v in values.iter_mut() {
            if v.is_nan() || *v < 0.0 {
                *v = 0.0;
            }
        }
        values.sort_unstable_by(f64::total_cmp);
        let iterations = iterations.max(values.len() as u64);
        LossDistribution {
            sorted: values,
            iterations,
        }
    }

    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    fn zeros(&self) -> u64 {
        self.iterations - self.sorted.len() as u64
    }

    /// The i-th smallest of all iterations' values (0-based).
    #[inline]
    fn order_statistic(&self, i: u64) -> f64 {
        let zeros = self.zeros();
        if i < zeros {
            0.0
        } else {
            self.sorted[(i - zeros) as usize]
        }
    }

    /// The p-quantile by linear interpolation between order statistics (numpy "linear").
    pub fn quantile(&self, p: f64) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        let h = (self.iterations - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = h.floor() as u64;
        let hi = (lo + 1).min(self.iterations - 1);
        let below = self.order_statistic(lo);
        let above = self.order_statistic(hi);
        below + (h - lo as f64) * (above - below)
    }

    /// The mean over all iterations (compensated summation in ascending order).
    pub fn mean(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        sum(&self.sorted) / self.iterations as f64
    }

    /// The sample standard deviation (n − 1 denominator).
    pub fn sd(&self) -> f64 {
        if self.iterations < 2 {
            return 0.0;
        }
        let mean = self.mean();
        let mut total = Neumaier::default();
        for v in &self.sorted {
            total.add((v - mean) * (v - mean));
        }
        total.add(self.zeros() as f64 * mean * mean);
        (total.value() / (self.iterations - 1) as f64).max(0.0).sqrt()
    }

    /// The standard error of the mean, `sd / sqrt(iterations)`.
    pub fn se_mean(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        self.sd() / (self.iterations as f64).sqrt()
    }

    /// Tail value at risk: the mean of the values at or above the q-quantile.
    pub fn tvar(&self, q: f64) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        let threshold = self.quantile(q);
        if threshold <= 0.0 {
            return self.mean();
        }
        let start = self.sorted.partition_point(|v| *v < threshold);
        let tail = &self.sorted[start..];
        if tail.is_empty() {
            return threshold;
        }
        sum(tail) / tail.len() as f64
    }

    pub fn max(&self) -> f64 {
        self.sorted.last().copied().unwrap_or(0.0)
    }

    /// The share of iterations with a loss above zero.
    pub fn prob_nonzero(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        let nonzero = self.sorted.len() - self.sorted.partition_point(|v| *v <= 0.0);
        nonzero as f64 / self.iterations as f64
    }

    /// The loss exceeded with probability `1 / return_period`.
    pub fn return_period_loss(&self, return_period: f64) -> f64 {
        self.quantile(1.0 - 1.0 / return_period)
    }
}

/// A compensated (Neumaier) sum, accurate to about one rounding whatever the count.
#[derive(Debug, Default, Clone, Copy)]
pub struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    #[inline]
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Compensated sum of `values`.
pub fn sum(values: &[f64]) -> f64 {
    let mut total = Neumaier::default();
    for v in values {
        total.add(*v);
    }
    total.value()
}

/// The summary row of one measure.
#[derive(Debug, Clone, PartialEq)]
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
}

impl Summary {
    pub fn of(losses: &LossDistribution) -> Summary {
        Summary {
            mean: losses.mean(),
            sd: losses.sd(),
            se_mean: losses.se_mean(),
            p50: losses.quantile(0.50),
            p75: losses.quantile(0.75),
            p90: losses.quantile(0.90),
            p95: losses.quantile(0.95),
            p99: losses.quantile(0.99),
            p99_5: losses.quantile(0.995),
            p99_9: losses.quantile(0.999),
            tvar_95: losses.tvar(0.95),
            tvar_99: losses.tvar(0.99),
            max: losses.max(),
            prob_nonzero: losses.prob_nonzero(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear_interpolation_with_implicit_zeros() {
        // numpy.percentile([0, 0, 1, 2, 3, 10], [50, 90, 100]) = [1.5, 6.5, 10]
        let d = LossDistribution::new(vec![3.0, 1.0, 10.0, 2.0], 6);
        assert_eq!(d.quantile(0.5), 1.5);
        assert_eq!(d.quantile(0.9), 6.5);
        assert_eq!(d.quantile(1.0), 10.0);
        assert_eq!(d.quantile(0.0), 0.0);
        assert_eq!(d.mean(), 16.0 / 6.0);
        assert_eq!(d.prob_nonzero(), 4.0 / 6.0);
    }

    #[test]
    fn tvar_is_the_mean_at_or_above_the_quantile() {
        let d = LossDistribution::new((1..=100).map(f64::from).collect(), 100);
        // 0.95-quantile = 95.05; values ≥ it: 96..=100, mean 98.
        assert_eq!(d.tvar(0.95), 98.0);
    }

    #[test]
    fn sd_counts_the_implicit_zeros() {
        let d = LossDistribution::new(vec![2.0, 4.0], 4);
        // values 0, 0, 2, 4: mean 1.5, sample variance (2.25+2.25+0.25+6.25)/3 = 11/3
        assert!((d.sd() - (11.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
