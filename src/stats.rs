//! Statistics of simulated losses: moments, quantiles (numpy's default "type 7" linear
//! interpolation), tail value at risk and exceedance.
//!
//! Losses are stored sparsely: the iterations with a loss (or at least one breach) are kept,
//! the others are zeros that are counted but never materialised. Every statistic is computed
//! from the values sorted ascending, so the result does not depend on the order in which
//! iterations were simulated.

/// Below this many values, a comparison sort beats the radix sort's fixed costs.
const RADIX_SORT_MIN: usize = 1 << 12;

/// Return periods (years, or breaches in breach mode) reported in the exceedance table.
pub const RETURN_PERIODS: [u32; 11] = [2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/// The losses of one measure over all iterations, sorted, with implicit zeros.
#[derive(Debug, Clone)]
pub struct LossDistribution {
    /// The stored values, ascending (all ≥ 0).
    sorted: Vec<f64>,
    /// Iterations in all; `iterations - sorted.len()` of them are implicit zeros.
    iterations: u64,
    /// The mean and sample standard deviation, computed once (every statistic asks for them).
    mean: f64,
    sd: f64,
}

impl LossDistribution {
    /// From the stored values of `iterations` iterations (the rest are zeros).
    /// Negative values (which policy arithmetic never produces) are treated as zero.
    pub fn new(mut values: Vec<f64>, iterations: u64) -> Self {
        let iterations = iterations.max(values.len() as u64);
        // Zeros (and anything not above zero) are implicit: only losses are sorted.
        values.retain(|v| *v > 0.0);
        sort_positive(&mut values);
        let mut losses = LossDistribution { sorted: values, iterations, mean: 0.0, sd: 0.0 };
        losses.mean = losses.compute_mean();
        losses.sd = losses.compute_sd();
        losses
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
        self.mean
    }

    fn compute_mean(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        sum(&self.sorted) / self.iterations as f64
    }

    /// The sample standard deviation (n − 1 denominator).
    pub fn sd(&self) -> f64 {
        self.sd
    }

    fn compute_sd(&self) -> f64 {
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
        self.tvars(&[q])[0]
    }

    /// [`LossDistribution::tvar`] at several levels, in one pass over the tail (largest first).
    pub fn tvars(&self, levels: &[f64]) -> Vec<f64> {
        if self.iterations == 0 {
            return vec![0.0; levels.len()];
        }
        let mut out = vec![0.0; levels.len()];
        // (index where the tail starts, level index) for the levels with a positive threshold.
        let mut starts: Vec<(usize, usize)> = Vec::with_capacity(levels.len());
        for (i, q) in levels.iter().enumerate() {
            let threshold = self.quantile(*q);
            if threshold <= 0.0 {
                out[i] = self.mean();
            } else {
                starts.push((self.sorted.partition_point(|v| *v < threshold), i));
            }
        }
        starts.sort_unstable_by(|a, b| b.cmp(a));
        let mut total = Neumaier::default();
        let mut position = self.sorted.len();
        for (start, i) in starts {
            while position > start {
                position -= 1;
                total.add(self.sorted[position]);
            }
            let count = self.sorted.len() - start;
            // An empty tail only happens when the threshold is interpolated above the maximum.
            out[i] = if count == 0 { self.max() } else { total.value() / count as f64 };
        }
        out
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

    /// A distribution-free confidence interval for the p-quantile from order statistics:
    /// the ranks `n·p ∓ z·sqrt(n·p·(1 − p))` (the normal approximation of the binomial
    /// count of draws below the quantile), rounded outwards.
    pub fn quantile_ci(&self, p: f64, z: f64) -> (f64, f64) {
        if self.iterations == 0 {
            return (0.0, 0.0);
        }
        let n = self.iterations as f64;
        let half_width = z * (n * p * (1.0 - p)).sqrt();
        let last = self.iterations - 1;
        // 1-based ranks r and s become 0-based indices r − 1 and s − 1.
        let lower = ((n * p - half_width).floor().max(1.0) as u64 - 1).min(last);
        let upper = ((n * p + half_width).ceil().max(1.0) as u64 - 1).min(last);
        (self.order_statistic(lower), self.order_statistic(upper))
    }

    /// The loss exceeded with probability `1 / return_period`.
    pub fn return_period_loss(&self, return_period: f64) -> f64 {
        self.quantile(1.0 - 1.0 / return_period)
    }
}

/// Sorts positive numbers ascending. The bit patterns of positive floats (infinity included)
/// order like the numbers, so a least-significant-digit radix sort on them (eight passes of
/// one byte, skipping the bytes all values share) sorts in linear time.
fn sort_positive(values: &mut [f64]) {
    let n = values.len();
    if n < RADIX_SORT_MIN {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let digit_of = |value: f64, digit: usize| ((value.to_bits() >> (8 * digit)) & 0xff) as usize;
    let mut counts = [[0usize; 256]; 8];
    for value in values.iter() {
        for (digit, count) in counts.iter_mut().enumerate() {
            count[digit_of(*value, digit)] += 1;
        }
    }
    let mut buffer = vec![0.0f64; n];
    // Passes alternate between `values` and `buffer`; `in_buffer` tells where the data is.
    let mut in_buffer = false;
    for (digit, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut total = 0;
        for (slot, c) in next.iter_mut().zip(count) {
            *slot = total;
            total += c;
        }
        let (from, to) = if in_buffer { (&buffer[..], &mut values[..]) } else { (&values[..], &mut buffer[..]) };
        for value in from {
            let bucket = digit_of(*value, digit);
            to[next[bucket]] = *value;
            next[bucket] += 1;
        }
        in_buffer = !in_buffer;
    }
    if in_buffer {
        values.copy_from_slice(&buffer);
    }
}

/// Counts of losses in logarithmic bins (for charts): `BINS_PER_DECADE` bins per power of ten
/// from $1 to $10^13, plus the count of zero losses.
#[derive(Debug, Clone, PartialEq)]
pub struct LogHistogram {
    pub zeros: u64,
    /// `counts[i]` counts losses in [10^(i/b), 10^((i+1)/b)), b = bins per decade; losses
    /// below $1 fall in the first bin, above the range in the last.
    pub counts: Vec<u64>,
    pub iterations: u64,
}

impl LogHistogram {
    pub const BINS_PER_DECADE: usize = 10;
    pub const DECADES: usize = 13;

    pub fn of(losses: &LossDistribution) -> LogHistogram {
        let bins = Self::BINS_PER_DECADE * Self::DECADES;
        // The values are sorted: each bin's count is the distance between its edges' positions.
        let sorted = &losses.sorted;
        let position = |i: usize| sorted.partition_point(|v| v.log10() * (Self::BINS_PER_DECADE as f64) < i as f64);
        let mut counts = Vec::with_capacity(bins);
        let mut start = 0;
        for i in 1..=bins {
            let end = if i == bins { sorted.len() } else { position(i) };
            counts.push((end - start) as u64);
            start = end;
        }
        LogHistogram { zeros: losses.zeros(), counts, iterations: losses.iterations }
    }

    /// The lower edge of bin `i`, in dollars.
    pub fn bin_start(i: usize) -> f64 {
        10f64.powf(i as f64 / Self::BINS_PER_DECADE as f64)
    }
}

/// Mean, standard deviation, share above zero and a few quantiles of stored values (with
/// implicit zeros up to `iterations`), by selection rather than sorting: O(n) per quantile.
/// Agrees exactly with [`LossDistribution`] (same order statistics, same interpolation).
pub fn select_statistics(mut values: Vec<f64>, iterations: u64, probabilities: &[f64]) -> (f64, f64, f64, Vec<f64>) {
    for v in values.iter_mut() {
        if v.is_nan() || *v < 0.0 {
            *v = 0.0;
        }
    }
    let iterations = iterations.max(values.len() as u64);
    if iterations == 0 {
        return (0.0, 0.0, 0.0, vec![0.0; probabilities.len()]);
    }
    let zeros = iterations - values.len() as u64;
    let nonzero = values.iter().filter(|v| **v > 0.0).count();
    let mut total = Neumaier::default();
    for v in &values {
        total.add(*v);
    }
    let mean = total.value() / iterations as f64;
    let sd = if iterations < 2 {
        0.0
    } else {
        let mut squares = Neumaier::default();
        for v in &values {
            squares.add((v - mean) * (v - mean));
        }
        squares.add(zeros as f64 * mean * mean);
        (squares.value() / (iterations - 1) as f64).max(0.0).sqrt()
    };
    let quantiles = probabilities
        .iter()
        .map(|p| {
            let h = (iterations - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as u64;
            let (below, above) = adjacent_order_statistics(&mut values, zeros, lo, iterations);
            below + (h - lo as f64) * (above - below)
        })
        .collect();
    (mean, sd, nonzero as f64 / iterations as f64, quantiles)
}

/// The order statistics `i` and `i + 1` (capped at the last) of the stored values plus `zeros` zeros.
fn adjacent_order_statistics(values: &mut [f64], zeros: u64, i: u64, iterations: u64) -> (f64, f64) {
    let next = (i + 1).min(iterations - 1);
    let at = |values: &mut [f64], j: u64| -> f64 {
        if j < zeros {
            0.0
        } else {
            let index = (j - zeros) as usize;
            *values.select_nth_unstable_by(index, f64::total_cmp).1
        }
    };
    let below = at(values, i);
    if next == i {
        return (below, below);
    }
    if next < zeros {
        return (below, 0.0);
    }
    if i < zeros {
        // `next` is the smallest stored value.
        let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
        return (below, smallest);
    }
    // After selecting index i−zeros, the next order statistic is the minimum to its right.
    let index = (i - zeros) as usize;
    let above = values[index + 1..].iter().copied().fold(f64::INFINITY, f64::min);
    (below, above)
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
    /// 95% confidence interval of the mean (normal, mean ± 1.96 se).
    pub mean_ci_low: f64,
    pub mean_ci_high: f64,
    /// 95% confidence interval of p99 (order statistics, see [`LossDistribution::quantile_ci`]).
    pub p99_ci_low: f64,
    pub p99_ci_high: f64,
}

/// The two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

impl Summary {
    pub fn of(losses: &LossDistribution) -> Summary {
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

    #[test]
    fn radix_sort_agrees_with_a_comparison_sort() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [0usize, 1, 5, RADIX_SORT_MIN - 1, RADIX_SORT_MIN, 100_000] {
            let mut values: Vec<f64> = (0..n)
                .map(|i| match i % 5 {
                    0 => f64::from_bits(next() >> 2).abs().max(f64::MIN_POSITIVE),
                    1 => (next() % 1000) as f64 + 1.0,
                    2 => f64::INFINITY,
                    3 => 5e-324,
                    _ => (next() >> 11) as f64 * 1e-3 + 0.5,
                })
                .collect();
            let mut expected = values.clone();
            expected.sort_unstable_by(f64::total_cmp);
            sort_positive(&mut values);
            assert!(values.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()), "n = {n}");
        }
    }

    #[test]
    fn histogram_bins_each_value_by_its_decimal_logarithm() {
        let values: Vec<f64> =
            vec![0.5, 1.0, 9.99, 10.0, 1.2589254117941673, 1.2589254117941662, 3e7, 1e13, 1e20, 123_456.0];
        let histogram = LogHistogram::of(&LossDistribution::new(values.clone(), 12));
        let bins = LogHistogram::BINS_PER_DECADE * LogHistogram::DECADES;
        let mut expected = vec![0u64; bins];
        for v in values {
            let position = (v.log10() * LogHistogram::BINS_PER_DECADE as f64).floor();
            expected[if position < 0.0 { 0 } else { (position as usize).min(bins - 1) }] += 1;
        }
        assert_eq!(histogram.counts, expected);
        assert_eq!(histogram.zeros, 2);
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
