//! The distribution index: the losses of one measure with their implicit zeros, and exact
//! order statistics (quantiles, TVaR) read from buckets sorted only where asked.

use std::sync::OnceLock;

use super::sum::{BlockSum, Neumaier};

/// Up to this many stored values, one bucket holds them all (sorted on first use).
const ONE_BUCKET_MAX: usize = 64;
/// Stored values per bucket that the index aims at, on average.
const BUCKET_TARGET: usize = 16;
/// The most buckets an index has.
const MAX_BUCKETS: usize = 1 << 14;

/// The losses of one measure over all iterations, with implicit zeros.
///
/// Order statistics come from an index rather than a full sort: the stored values are
/// counted into buckets by their bit patterns (which order positive floats like the numbers,
/// so bucket `b` holds only values below those of bucket `b + 1`), and a bucket's values are
/// gathered and sorted only when an order statistic falls in it. A quantile is exact, like
/// one read from the sorted values, and costs a pass over the data for the buckets it needs
/// (batched by [`LossDistribution::prepare`]), not a sort of everything.
#[derive(Debug, Clone)]
pub struct LossDistribution {
    /// The values above zero, in the order given, in the segments they came in (a caller's
    /// columns are taken over as they are rather than copied into one buffer).
    segments: Vec<Vec<f64>>,
    /// How many values the segments hold.
    stored: usize,
    /// Iterations in all; `iterations - stored` of them are implicit zeros.
    iterations: u64,
    /// The mean, computed once (every statistic asks for it).
    mean: f64,
    /// The sample standard deviation: worked out in the first pass that gathers buckets (or
    /// on its own if asked for first), as it needs the mean and a pass over the values.
    sd: OnceLock<f64>,
    max: f64,
    buckets: Buckets,
}

/// The smallest and largest of a segment's values, where its producer knows them and every
/// value is a loss (above zero, finite or not): the distribution then need not look for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossRange {
    pub lowest: f64,
    pub highest: f64,
}

/// Values in one piece, with their range where the producer knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segment {
    pub values: Vec<f64>,
    pub range: Option<LossRange>,
}

impl LossRange {
    /// The range of `values` if there are any and every one is a loss: in four lanes (lane
    /// `i mod 4` sees value `i`), one pass the compiler vectorises into minimum, maximum and
    /// add instructions (with more lanes it runs out of registers), where one running
    /// minimum would wait on each comparison. Comparisons pass NaN over, so the lanes also sum
    /// the values: a NaN makes its lane's sum NaN (and anything else not a loss makes the
    /// minimum not above zero; with every value above zero no sum meets ∞ − ∞).
    pub fn of(values: &[f64]) -> Option<LossRange> {
        const LANES: usize = 4;
        let (mut low, mut high, mut sum) = ([f64::INFINITY; LANES], [0.0f64; LANES], [0.0f64; LANES]);
        let (groups, rest) = values.as_chunks::<LANES>();
        let mut add = |lane: usize, v: f64| {
            low[lane] = if v < low[lane] { v } else { low[lane] };
            high[lane] = if v > high[lane] { v } else { high[lane] };
            sum[lane] += v;
        };
        for group in groups {
            for (lane, &v) in group.iter().enumerate() {
                add(lane, v);
            }
        }
        // (The rest after the groups: before them, lanes left in different states would keep
        // the compiler from vectorising the groups.)
        for (lane, &v) in rest.iter().enumerate() {
            add(lane, v);
        }
        let lowest = low.iter().fold(f64::INFINITY, |a, b| a.min(*b));
        let no_nan = sum.iter().all(|s| !s.is_nan());
        (!values.is_empty() && lowest > 0.0 && no_nan)
            .then(|| LossRange { lowest, highest: high.iter().fold(0.0f64, |a, b| a.max(*b)) })
    }
}

impl From<Vec<f64>> for Segment {
    fn from(values: Vec<f64>) -> Self {
        Segment { values, range: None }
    }
}

/// A bucket's count and sum while a [`LossDistribution`] is built.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    count: usize,
    sum: f64,
}

/// The bucket index of a [`LossDistribution`].
#[derive(Debug, Clone)]
struct Buckets {
    /// Bit pattern of the smallest value: value `v` is in bucket `(bits(v) − base) >> shift`.
    base: u64,
    shift: u32,
    /// `starts[b]` is the number of values in the buckets below `b` (one entry more than buckets).
    starts: Vec<usize>,
    /// `above[b]` is the compensated sum of the values in buckets `b` and up (one more, 0 at the end).
    above: Vec<f64>,
    /// Each bucket's values, ascending, once something has asked for them.
    sorted: Vec<OnceLock<Box<[f64]>>>,
}

impl Buckets {
    #[inline]
    fn of(&self, value: f64) -> usize {
        self.offset(value.to_bits())
    }

    /// The bucket of a bit pattern at or above `base`.
    #[inline]
    fn offset(&self, bits: u64) -> usize {
        (bits.wrapping_sub(self.base) >> self.shift) as usize
    }

    fn count(&self) -> usize {
        self.starts.len() - 1
    }

    /// The bucket holding sorted position `j` (0-based among the stored values).
    fn holding(&self, j: usize) -> usize {
        self.starts.partition_point(|s| *s <= j) - 1
    }
}

impl LossDistribution {
    /// From the stored values of `iterations` iterations (the rest are zeros).
    /// Zeros, negative values (which policy arithmetic never produces) and NaN count as zero.
    pub fn new(values: Vec<f64>, iterations: u64) -> Self {
        Self::from_segments(vec![values], iterations)
    }

    /// From the stored values of `iterations` iterations given in segments (in order; the
    /// same distribution, to the last bit, as their concatenation given to [`LossDistribution::new`]).
    pub fn from_segments(segments: Vec<Vec<f64>>, iterations: u64) -> Self {
        Self::from_pieces(segments.into_iter().map(Segment::from).collect(), iterations)
    }

    /// [`LossDistribution::from_segments`] of segments some of which come with their range
    /// (the same distribution, to the last bit, as without: the ranges only spare a pass).
    pub fn from_pieces(mut pieces: Vec<Segment>, iterations: u64) -> Self {
        let given: usize = pieces.iter().map(|p| p.values.len()).sum();
        let iterations = iterations.max(given as u64);
        // Zeros (and anything not above zero) are implicit: only losses are indexed. One pass
        // finds the range of a segment's values (positive floats order like their bit
        // patterns) where it is not known, keeping only its losses where it has anything else
        // (rare: most columns hold only losses).
        for piece in &mut pieces {
            if piece.range.is_some() || piece.values.is_empty() {
                continue;
            }
            piece.range = LossRange::of(&piece.values);
            if piece.range.is_none() {
                piece.values.retain(|v| is_loss(*v));
                piece.range = LossRange::of(&piece.values);
            }
        }
        pieces.retain(|p| !p.values.is_empty());
        let n: usize = pieces.iter().map(|p| p.values.len()).sum();
        let ranges = pieces.iter().filter_map(|p| p.range);
        let lowest = ranges.clone().fold(f64::INFINITY, |a, r| a.min(r.lowest)).to_bits();
        let highest = ranges.fold(0.0f64, |a, r| a.max(r.highest)).to_bits();
        let segments: Vec<Vec<f64>> = pieces.into_iter().map(|p| p.values).collect();
        let wanted = if n <= ONE_BUCKET_MAX { 1 } else { (n / BUCKET_TARGET).clamp(1, MAX_BUCKETS) as u64 };
        let span = highest.saturating_sub(lowest);
        // (At most 63: the bit patterns of positive floats are below 2^63.)
        let mut shift = 0;
        while span >> shift >= wanted {
            shift += 1;
        }
        let mut buckets = Buckets {
            base: if n == 0 { 0 } else { lowest },
            shift,
            starts: Vec::new(),
            above: Vec::new(),
            sorted: Vec::new(),
        };
        let count = if n == 0 { 0 } else { buckets.offset(highest) + 1 };
        // Per bucket: its count and the plain sum of its values, side by side so that a value
        // touches one place in memory; the buckets' sums are compensated across buckets below.
        // (A bucket's values are close together: at most 2^shift bit patterns apart, about
        // n / 2^14 of them for a large n. The plain sum of m positive values is within
        // (m − 1) roundings of the exact one, relative: 4e-14 for the 160 a bucket holds at
        // 2.6 million values, and at worst 1e-9 for ten million equal values, far below the
        // Monte Carlo error of any tail figure summed from it.)
        let mut tally = vec![Tally::default(); count];
        let mut total = BlockSum::default();
        for values in &segments {
            for v in values {
                let Tally { count, sum } = &mut tally[buckets.of(*v)];
                *count += 1;
                *sum += v;
            }
            total.extend(values, |v| v);
        }
        let mean = if iterations == 0 { 0.0 } else { total.value() / iterations as f64 };
        // Counts become starts (an exclusive prefix sum), sums the totals from each bucket up.
        let mut counts = Vec::with_capacity(count + 1);
        let mut position = 0;
        for t in &tally {
            counts.push(position);
            position += t.count;
        }
        counts.push(position);
        let mut above = vec![0.0; count + 1];
        let mut running = Neumaier::default();
        for b in (0..count).rev() {
            running.add(tally[b].sum);
            above[b] = running.value();
        }
        buckets.starts = counts;
        buckets.above = above;
        buckets.sorted = (0..count).map(|_| OnceLock::new()).collect();
        let max = if n == 0 { 0.0 } else { f64::from_bits(highest) };
        LossDistribution { segments, stored: n, iterations, mean, sd: OnceLock::new(), max, buckets }
    }

    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// How many iterations have a loss (the values stored).
    pub(super) fn stored(&self) -> usize {
        self.stored
    }

    /// How many iterations have no loss (implicit zeros).
    pub(super) fn zeros(&self) -> u64 {
        self.iterations - self.stored as u64
    }

    /// Bucket `b`'s values, ascending (gathered and sorted now if no one has asked before).
    fn bucket(&self, b: usize) -> &[f64] {
        self.load(&[b]);
        self.buckets.sorted[b].get().map_or(&[], |values| &values[..])
    }

    /// Gathers and sorts the listed buckets not already sorted, in one pass over the values.
    fn load(&self, wanted: &[usize]) {
        let buckets = &self.buckets;
        let mut missing: Vec<usize> =
            wanted.iter().copied().filter(|b| *b < buckets.count() && buckets.sorted[*b].get().is_none()).collect();
        if missing.is_empty() {
            return;
        }
        missing.sort_unstable();
        missing.dedup();
        let mut gathered: Vec<Vec<f64>> =
            missing.iter().map(|b| Vec::with_capacity(buckets.starts[b + 1] - buckets.starts[*b])).collect();
        // The first such pass works out the standard deviation too (the values are read anyway).
        let mut squares = self.sd.get().is_none().then(BlockSum::default);
        let mut add_squares = |values: &[f64]| {
            if let Some(squares) = squares.as_mut() {
                self.add_squares(squares, values);
            }
        };
        if missing.len() == buckets.count() {
            for values in &self.segments {
                for v in values {
                    gathered[buckets.of(*v)].push(*v);
                }
                add_squares(values);
            }
        } else {
            let mut slot = vec![u32::MAX; buckets.count()];
            for (i, b) in missing.iter().enumerate() {
                slot[*b] = i as u32;
            }
            for values in &self.segments {
                for v in values {
                    let s = slot[buckets.of(*v)];
                    if s != u32::MAX {
                        gathered[s as usize].push(*v);
                    }
                }
                add_squares(values);
            }
        }
        if let Some(squares) = squares {
            // (Another thread may have set it meanwhile: the same bits either way.)
            let _ = self.sd.set(self.sd_from(squares));
        }
        for (b, mut values) in missing.into_iter().zip(gathered) {
            values.sort_unstable_by(f64::total_cmp);
            // Another thread may have sorted it meanwhile: the same values either way.
            let _ = buckets.sorted[b].set(values.into_boxed_slice());
        }
    }

    /// The 0-based ranks (among all iterations) that the p-quantile interpolates between.
    fn ranks(&self, p: f64) -> (u64, u64, f64) {
        let h = (self.iterations - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = h.floor() as u64;
        (lo, (lo + 1).min(self.iterations - 1), h - lo as f64)
    }

    /// Sorts, in one pass over the data, what the quantiles and TVaRs at `levels` and the
    /// listed 0-based `ranks` will read: call it before asking for many.
    pub fn prepare(&self, levels: &[f64], ranks: &[u64]) {
        if self.iterations == 0 {
            return;
        }
        let zeros = self.zeros();
        let mut wanted = Vec::with_capacity(2 * levels.len() + ranks.len());
        let mut want = |rank: u64| {
            if rank >= zeros && rank < self.iterations {
                wanted.push(self.buckets.holding((rank - zeros) as usize));
            }
        };
        for p in levels {
            let (lo, hi, _) = self.ranks(*p);
            want(lo);
            want(hi);
            // The TVaR at the level reads its boundary value and the first of its whole tail.
            let whole = tail_weights(*p, self.iterations).whole;
            if whole < self.iterations {
                want(self.iterations - whole - 1);
            }
            want(self.iterations - whole);
        }
        for rank in ranks {
            want(*rank);
        }
        self.load(&wanted);
    }

    /// The i-th smallest of all iterations' values (0-based).
    #[inline]
    fn order_statistic(&self, i: u64) -> f64 {
        let zeros = self.zeros();
        if i < zeros {
            return 0.0;
        }
        let j = (i - zeros) as usize;
        let b = self.buckets.holding(j);
        self.bucket(b)[j - self.buckets.starts[b]]
    }

    /// The p-quantile by linear interpolation between order statistics (numpy "linear").
    pub fn quantile(&self, p: f64) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        let (lo, hi, fraction) = self.ranks(p);
        let below = self.order_statistic(lo);
        let above = self.order_statistic(hi);
        below + fraction * (above - below)
    }

    /// [`LossDistribution::quantile`] at each of `levels`, preparing them together.
    pub fn quantiles(&self, levels: &[f64]) -> Vec<f64> {
        self.prepare(levels, &[]);
        levels.iter().map(|p| self.quantile(*p)).collect()
    }

    /// The mean over all iterations (compensated summation).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample standard deviation (n − 1 denominator).
    pub fn sd(&self) -> f64 {
        *self.sd.get_or_init(|| {
            let mut squares = BlockSum::default();
            for values in &self.segments {
                self.add_squares(&mut squares, values);
            }
            self.sd_from(squares)
        })
    }

    /// Adds the squared deviations of `values` from the mean to `squares`.
    fn add_squares(&self, squares: &mut BlockSum, values: &[f64]) {
        squares.extend(values, |v| (v - self.mean) * (v - self.mean));
    }

    /// The standard deviation from the blocked sum of the stored values' squared deviations
    /// (the implicit zeros' are added here).
    fn sd_from(&self, squares: BlockSum) -> f64 {
        sd_of(squares, self.zeros(), self.mean, self.iterations)
    }

    /// The mean, sd and probability of a loss of `values` (the losses of `iterations`
    /// iterations), with the quantiles at `levels`, all zero, without building the index:
    /// where every quantile asked for falls among the implicit zeros (a column with a loss in
    /// fewer years than the highest level leaves). The same figures, bit for bit, as the
    /// distribution's; `None` where a quantile needs the values, or one is not a loss.
    pub fn moments_if_quantiles_are_zero(
        values: &[f64],
        iterations: u64,
        levels: &[f64],
    ) -> Option<(f64, f64, f64, Vec<f64>)> {
        let stored = values.len() as u64;
        if iterations == 0 || stored > iterations {
            return None;
        }
        let zeros = iterations - stored;
        let among_zeros = |p: &f64| {
            // (The upper of the two ranks the quantile interpolates between: [`Self::ranks`].)
            let lo = ((iterations - 1) as f64 * p.clamp(0.0, 1.0)).floor() as u64;
            (lo + 1).min(iterations - 1) < zeros
        };
        if !levels.iter().all(among_zeros) || !values.iter().all(|v| is_loss(*v)) {
            return None;
        }
        let mut total = BlockSum::default();
        total.extend(values, |v| v);
        let mean = total.value() / iterations as f64;
        let mut squares = BlockSum::default();
        squares.extend(values, |v| (v - mean) * (v - mean));
        let sd = sd_of(squares, zeros, mean, iterations);
        Some((mean, sd, stored as f64 / iterations as f64, vec![0.0; levels.len()]))
    }

    /// The standard error of the mean, `sd / sqrt(iterations)`.
    pub fn se_mean(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        self.sd() / (self.iterations as f64).sqrt()
    }

    /// Tail value at risk as expected shortfall: the mean of the worst `(1 − q)·n` of the n
    /// values, the boundary value weighted by the fraction where `(1 − q)·n` is not whole
    /// (see [`tail_weights`]). With a mass of zeros it is `E[L·1{worst}] / (1 − q)`, never
    /// the plain mean; it is never below the q-quantile.
    pub fn tvar(&self, q: f64) -> f64 {
        self.tvars(&[q])[0]
    }

    /// The number of stored values below `x` (x above zero).
    fn count_below(&self, x: f64) -> usize {
        let n = self.stored;
        if n == 0 || x.to_bits() <= self.buckets.base {
            return 0;
        }
        let b = self.buckets.offset(x.to_bits());
        if b >= self.buckets.count() {
            return n;
        }
        self.buckets.starts[b] + self.bucket(b).partition_point(|v| *v < x)
    }

    /// The number of stored values below each of `thresholds` (ascending, above zero), the
    /// buckets they fall in sorted together in one pass.
    pub(super) fn counts_below(&self, thresholds: &[f64]) -> Vec<usize> {
        let buckets: Vec<usize> = thresholds
            .iter()
            .filter(|t| t.to_bits() > self.buckets.base)
            .map(|t| self.buckets.offset(t.to_bits()))
            .filter(|b| *b < self.buckets.count())
            .collect();
        self.load(&buckets);
        thresholds.iter().map(|t| self.count_below(*t)).collect()
    }

    /// The compensated sum of the stored values at sorted positions `start..`.
    fn sum_from(&self, start: usize) -> f64 {
        if start >= self.stored {
            return 0.0;
        }
        let b = self.buckets.holding(start);
        if start == self.buckets.starts[b] {
            // Whole buckets from b up: their sum is known without sorting any of them.
            return self.buckets.above[b];
        }
        let mut total = Neumaier::default();
        total.add(self.buckets.above[b + 1]);
        for v in self.bucket(b)[start - self.buckets.starts[b]..].iter().rev() {
            total.add(*v);
        }
        total.value()
    }

    /// [`LossDistribution::tvar`] at several levels.
    pub fn tvars(&self, levels: &[f64]) -> Vec<f64> {
        if self.iterations == 0 {
            return vec![0.0; levels.len()];
        }
        let n = self.iterations;
        let tails: Vec<TailWeights> = levels.iter().map(|q| tail_weights(*q, n)).collect();
        // The quantiles (the floor under each TVaR) and the tails' bounds, sorted in one pass.
        self.prepare(levels, &[]);
        levels
            .iter()
            .zip(&tails)
            .map(|(q, tail)| {
                if tail.whole >= n {
                    return self.mean();
                }
                if tail.size <= 0.0 {
                    return self.max();
                }
                let whole = tail.whole.min(self.stored as u64) as usize;
                let top = self.sum_from(self.stored - whole);
                let boundary = self.order_statistic(n - tail.whole - 1);
                let shortfall = (top + tail.fraction * boundary) / tail.size;
                // (Rounding alone could put a tail of equal values an ulp below its quantile.)
                shortfall.max(self.quantile(*q))
            })
            .collect()
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// The share of iterations with a loss above zero.
    pub fn prob_nonzero(&self) -> f64 {
        if self.iterations == 0 {
            return 0.0;
        }
        self.stored as f64 / self.iterations as f64
    }

    /// The 0-based ranks of [`LossDistribution::quantile_ci`]'s bounds.
    pub(super) fn ci_ranks(&self, p: f64, z: f64) -> (u64, u64) {
        let n = self.iterations as f64;
        let half_width = z * (n * p * (1.0 - p)).sqrt();
        let last = self.iterations - 1;
        // 1-based ranks r and s become 0-based indices r − 1 and s − 1.
        let lower = ((n * p - half_width).floor().max(1.0) as u64 - 1).min(last);
        let upper = ((n * p + half_width).ceil().max(1.0) as u64 - 1).min(last);
        (lower, upper)
    }

    /// A distribution-free confidence interval for the p-quantile from order statistics:
    /// the ranks `n·p ∓ z·sqrt(n·p·(1 − p))` (the normal approximation of the binomial
    /// count of draws below the quantile), rounded outwards.
    pub fn quantile_ci(&self, p: f64, z: f64) -> (f64, f64) {
        if self.iterations == 0 {
            return (0.0, 0.0);
        }
        let (lower, upper) = self.ci_ranks(p, z);
        self.prepare(&[], &[lower, upper]);
        (self.order_statistic(lower), self.order_statistic(upper))
    }

    /// The loss exceeded with probability `1 / return_period`.
    pub fn return_period_loss(&self, return_period: f64) -> f64 {
        self.quantile(1.0 - 1.0 / return_period)
    }
}

/// The worst `(1 − q)·n` of n values that a TVaR at level q averages: `whole` values with
/// weight 1 and the next one with weight `fraction`, `size` in all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TailWeights {
    pub size: f64,
    pub whole: u64,
    pub fraction: f64,
}

/// The tail of a TVaR at level `q` over `n` values. `(1 − q)·n` is taken as whole when it
/// is within a billionth of a whole number, so that `q = 0.99` over 100,000 years averages
/// exactly the worst 1,000 (`1 − 0.99` is not exactly 0.01 in binary).
pub fn tail_weights(q: f64, n: u64) -> TailWeights {
    let exact = ((1.0 - q.clamp(0.0, 1.0)) * n as f64).clamp(0.0, n as f64);
    let rounded = exact.round();
    let size = if (exact - rounded).abs() <= 1e-9 * rounded.max(1.0) { rounded } else { exact };
    let whole = size.floor();
    TailWeights { size, whole: whole as u64, fraction: size - whole }
}

/// Whether `v` is a loss (above zero; not NaN).
#[inline(always)]
/// The standard deviation over `iterations` of values whose squared deviations from `mean` sum
/// to `squares`, with `zeros` implicit zeros beside them.
fn sd_of(squares: BlockSum, zeros: u64, mean: f64, iterations: u64) -> f64 {
    let mut squares = squares.total();
    squares.add(zeros as f64 * mean * mean);
    if iterations < 2 {
        0.0
    } else {
        (squares.value() / (iterations - 1) as f64).max(0.0).sqrt()
    }
}

fn is_loss(v: f64) -> bool {
    v > 0.0
}

/// For tests: the range [`LossRange::of`] gives, by plain folds over the values.
#[cfg(test)]
pub(crate) fn range_by_folds(values: &[f64]) -> Option<LossRange> {
    (!values.is_empty() && values.iter().all(|v| is_loss(*v))).then(|| LossRange {
        lowest: values.iter().fold(f64::INFINITY, |a, b| a.min(*b)),
        highest: values.iter().fold(0.0, |a: f64, b| a.max(*b)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures without the index are the distribution's, bit for bit, wherever every
    /// quantile falls among the zeros; and none are given where one does not.
    #[test]
    fn moments_without_the_index_are_the_distributions() {
        let levels = [0.5, 0.95, 0.99];
        let mut state = 7u64;
        for (stored, iterations) in [(0, 10), (1, 1000), (9, 1000), (99, 10_000), (5_000, 600_000), (10, 1000)] {
            let values: Vec<f64> = (0..stored)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((state >> 11) as f64 / (1u64 << 53) as f64 + 1e-9) * 1e6
                })
                .collect();
            let light = LossDistribution::moments_if_quantiles_are_zero(&values, iterations, &levels);
            let full = LossDistribution::new(values.clone(), iterations);
            let figures = (full.mean(), full.sd(), full.prob_nonzero(), full.quantiles(&levels));
            // The 99th percentile of 1,000 years reads rank 990, a loss where 10 are stored.
            if stored as u64 * 100 >= iterations {
                assert_eq!(light, None, "{stored} of {iterations}");
            } else {
                assert_eq!(light, Some(figures), "{stored} of {iterations}");
            }
        }
        assert_eq!(LossDistribution::moments_if_quantiles_are_zero(&[1.0, -2.0], 1000, &levels), None);
    }

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

    /// Quantile, TVaR and histogram of sorted values, the plain way, as a reference.
    fn reference(values: &[f64], iterations: u64, p: f64) -> (f64, f64) {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let zeros = iterations - sorted.len() as u64;
        let at = |i: u64| if i < zeros { 0.0 } else { sorted[(i - zeros) as usize] };
        let h = (iterations - 1) as f64 * p;
        let lo = h.floor() as u64;
        let hi = (lo + 1).min(iterations - 1);
        let q = at(lo) + (h - lo as f64) * (at(hi) - at(lo));
        // Expected shortfall the plain way: the worst m values, the boundary one by its fraction.
        let m = (1.0 - p) * iterations as f64;
        let m = if (m - m.round()).abs() <= 1e-9 * m.round().max(1.0) { m.round() } else { m };
        let tvar = if m <= 0.0 {
            at(iterations - 1)
        } else {
            let whole = m.floor() as u64;
            let mut sum: f64 = (iterations - whole..iterations).map(at).sum();
            if whole < iterations {
                sum += (m - whole as f64) * at(iterations - whole - 1);
            }
            (sum / m).max(q)
        };
        (q, tvar)
    }

    #[test]
    fn bucketed_order_statistics_agree_with_sorting() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let levels = [0.0, 0.001, 0.1, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0];
        for n in [0usize, 1, 5, ONE_BUCKET_MAX - 1, ONE_BUCKET_MAX + 1, 100_000, 300_000] {
            for spread in 0..3 {
                let values: Vec<f64> = (0..n)
                    .map(|i| match (spread, i % 7) {
                        // A wide spread of magnitudes, with infinities, subnormals and duplicates.
                        (0, 0) => f64::from_bits(next() >> 2).abs().max(5e-324),
                        (0, 1) => f64::INFINITY,
                        (0, 2) => 5e-324,
                        (_, 3) => 0.0,
                        (_, 4) => 12345.0,
                        // Losses like the model's: log-uniform over ten decades.
                        (1, _) => 10f64.powf((next() >> 11) as f64 / (1u64 << 53) as f64 * 10.0),
                        // A narrow band: every value in a few buckets' worth of bit patterns.
                        _ => 1e6 + (next() % 1000) as f64,
                    })
                    .collect();
                for iterations in [n as u64, 2 * n as u64 + 3] {
                    if iterations == 0 {
                        continue;
                    }
                    let d = LossDistribution::new(values.clone(), iterations);
                    let tvars = d.tvars(&levels);
                    for (p, tvar) in levels.iter().zip(tvars) {
                        let (q, expected_tvar) = reference(&values, iterations, *p);
                        let got = d.quantile(*p);
                        assert!(
                            got.to_bits() == q.to_bits() || (got.is_nan() && q.is_nan()),
                            "n {n}, spread {spread}, p {p}: {got} vs {q}"
                        );
                        let close = (tvar - expected_tvar).abs() <= 1e-12 * expected_tvar.abs()
                            || tvar == expected_tvar
                            || (tvar.is_nan() && expected_tvar.is_nan());
                        assert!(close, "n {n}, spread {spread}, p {p}: TVaR {tvar} vs {expected_tvar}");
                    }
                    let expected_max = values.iter().copied().fold(0.0, f64::max);
                    assert_eq!(d.max(), expected_max);
                    let stored = values.iter().filter(|v| **v > 0.0).count();
                    assert_eq!(d.prob_nonzero(), stored as f64 / iterations as f64);
                }
            }
        }
    }

    /// A range is given exactly where every value is a loss, and only there: anything else
    /// (zero, negative, NaN, −∞) anywhere spoils it.
    #[test]
    fn a_range_is_given_exactly_and_only_where_every_value_is_a_loss() {
        let naive = range_by_folds;
        assert_eq!(LossRange::of(&[]), None);
        for n in 1..23 {
            let values: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7919) % 13) as f64 * 0.5).collect();
            assert_eq!(LossRange::of(&values), naive(&values), "{n} values");
            // Anything not a loss, anywhere (in the groups of lanes or in the rest after them).
            for spoiler in [0.0, -0.0, -1.0, f64::NAN, f64::NEG_INFINITY, f64::INFINITY, f64::MIN_POSITIVE] {
                for at in 0..n {
                    let mut spoiled = values.clone();
                    spoiled[at] = spoiler;
                    let (ours, reference) = (LossRange::of(&spoiled), naive(&spoiled));
                    assert_eq!(ours, reference, "{n} values, {spoiler} at {at}");
                    assert_eq!(ours.is_some(), spoiler > 0.0);
                }
            }
        }
    }

    /// Segments (with zeros and empty segments among them) give the distribution of their
    /// concatenation, bit for bit, whatever the cut, with or without their ranges.
    #[test]
    fn segments_give_the_distribution_of_their_concatenation() {
        let values: Vec<f64> = (0..5_000u32)
            .map(|i| if i % 7 == 0 { 0.0 } else { f64::from(i.wrapping_mul(2_654_435_761) % 100_003) * 1.37 })
            .collect();
        let whole = LossDistribution::new(values.clone(), 9_000);
        let levels = [0.5, 0.9, 0.99, 0.999];
        let summary = |d: &LossDistribution| {
            let mut row = vec![d.mean(), d.sd(), d.max(), d.prob_nonzero()];
            row.extend(d.quantiles(&levels));
            row.extend(d.tvars(&levels));
            row.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        for cut in [1usize, 127, 128, 129, 1_000, 4_999] {
            let segments: Vec<Vec<f64>> =
                values.chunks(cut).map(<[f64]>::to_vec).chain(std::iter::once(Vec::new())).collect();
            let parts = LossDistribution::from_segments(segments.clone(), 9_000);
            assert_eq!(summary(&parts), summary(&whole), "cut {cut}");
            // With their ranges where they hold only losses (as the engine gives them).
            let pieces =
                segments.into_iter().map(|values| Segment { range: range_by_folds(&values), values }).collect();
            let ranged = LossDistribution::from_pieces(pieces, 9_000);
            assert_eq!(summary(&ranged), summary(&whole), "cut {cut}, with ranges");
        }
    }

    #[test]
    fn tvar_is_the_mean_of_the_worst_share_of_values() {
        let d = LossDistribution::new((1..=100).map(f64::from).collect(), 100);
        // The worst 5 of 100: 96..=100, mean 98.
        assert_eq!(d.tvar(0.95), 98.0);
        // The worst 2.5: 99 and 100, and half of 98.
        assert_eq!(d.tvar(0.975), (99.0 + 100.0 + 0.5 * 98.0) / 2.5);
        assert_eq!(d.tvar(1.0), 100.0);
        assert_eq!(d.tvar(0.0), d.mean());
    }

    /// A mass of zeros: 3 losses in 1,000 years. TVaR95 averages the worst 50 years (47 of
    /// them zeros), not every year; TVaR99.9 is the worst year alone.
    #[test]
    fn tvar_at_a_mass_of_zeros_is_the_expected_shortfall_not_the_mean() {
        let d = LossDistribution::new(vec![1000.0, 4000.0, 10_000.0], 1000);
        assert_eq!(d.quantile(0.95), 0.0);
        assert_eq!(d.tvar(0.95), 15_000.0 / 50.0);
        assert_eq!(d.tvar(0.99), 15_000.0 / 10.0);
        assert_eq!(d.tvar(0.999), 10_000.0);
        assert!(d.tvar(0.95) > d.mean());
    }

    #[test]
    fn tail_weights_take_near_whole_sizes_as_whole() {
        assert_eq!(tail_weights(0.99, 100_000), TailWeights { size: 1000.0, whole: 1000, fraction: 0.0 });
        let t = tail_weights(0.99, 150);
        assert_eq!((t.whole, (t.fraction * 1e9).round() / 1e9), (1, 0.5));
        assert_eq!(tail_weights(1.0, 10).size, 0.0);
        assert_eq!(tail_weights(0.0, 10).whole, 10);
    }

    #[test]
    fn sd_counts_the_implicit_zeros() {
        let d = LossDistribution::new(vec![2.0, 4.0], 4);
        // values 0, 0, 2, 4: mean 1.5, sample variance (2.25+2.25+0.25+6.25)/3 = 11/3
        assert!((d.sd() - (11.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }
}
