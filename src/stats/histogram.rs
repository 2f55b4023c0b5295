//! The loss histogram of the charts: counts in logarithmic bins, read from the index.

use std::sync::OnceLock;

use super::index::LossDistribution;

/// Counts of losses in logarithmic bins (for charts): `BINS_PER_DECADE` bins per power of ten
/// from $1 to $10^13, plus the count of zero losses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
        let edges = Self::edges();
        // Each bin's count is the distance between the positions of its edges.
        let mut counts = Vec::with_capacity(edges.len() + 1);
        let mut start = 0;
        for end in losses.counts_below(edges) {
            counts.push((end - start) as u64);
            start = end;
        }
        counts.push((losses.stored() - start) as u64);
        LogHistogram { zeros: losses.zeros(), counts, iterations: losses.iterations() }
    }

    /// The inner bin edges: edge `i − 1` is the smallest number whose `log10 × BINS_PER_DECADE`
    /// is at least `i`, so that a loss falls in bin `floor(log10(loss) × BINS_PER_DECADE)`
    /// exactly as computing its logarithm would put it.
    pub(super) fn edges() -> &'static [f64] {
        static EDGES: OnceLock<Vec<f64>> = OnceLock::new();
        EDGES.get_or_init(|| {
            let bins = Self::BINS_PER_DECADE * Self::DECADES;
            (1..bins)
                .map(|i| {
                    let reaches = |bits: u64| f64::from_bits(bits).log10() * Self::BINS_PER_DECADE as f64 >= i as f64;
                    // The bit patterns of positive floats order like the numbers: bisect them.
                    let (mut lo, mut hi) = (1.0f64.to_bits(), f64::INFINITY.to_bits());
                    while lo < hi {
                        let mid = lo + (hi - lo) / 2;
                        if reaches(mid) {
                            hi = mid;
                        } else {
                            lo = mid + 1;
                        }
                    }
                    f64::from_bits(lo)
                })
                .collect()
        })
    }

    /// The lower edge of bin `i`, in dollars.
    pub fn bin_start(i: usize) -> f64 {
        10f64.powf(i as f64 / Self::BINS_PER_DECADE as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_each_value_by_its_decimal_logarithm() {
        let bins = LogHistogram::BINS_PER_DECADE * LogHistogram::DECADES;
        let by_logarithm = |values: &[f64]| {
            let mut expected = vec![0u64; bins];
            for v in values {
                let position = (v.log10() * LogHistogram::BINS_PER_DECADE as f64).floor();
                expected[if position < 0.0 { 0 } else { (position as usize).min(bins - 1) }] += 1;
            }
            expected
        };
        let values: Vec<f64> =
            vec![0.5, 1.0, 9.99, 10.0, 1.2589254117941673, 1.2589254117941662, 3e7, 1e13, 1e20, 123_456.0];
        let histogram = LogHistogram::of(&LossDistribution::new(values.clone(), 12));
        assert_eq!(histogram.counts, by_logarithm(&values));
        assert_eq!(histogram.zeros, 2);
        // Many values (a bucketed index), among them every bin edge and its neighbours.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values: Vec<f64> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                10f64.powf((state >> 11) as f64 / (1u64 << 53) as f64 * 14.0 - 0.5)
            })
            .collect();
        for edge in LogHistogram::edges() {
            values.extend([*edge, f64::from_bits(edge.to_bits() - 1), f64::from_bits(edge.to_bits() + 1)]);
        }
        let histogram = LogHistogram::of(&LossDistribution::new(values.clone(), values.len() as u64 + 5));
        assert_eq!(histogram.counts, by_logarithm(&values));
        assert_eq!(histogram.zeros, 5);
    }
}
