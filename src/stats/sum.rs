//! Compensated sums: [`Neumaier`] for a running total, [`BlockSum`] for many values at
//! speed with the same bits whatever slices they come in.

/// Values summed plainly before their sum joins a compensated total: the error of a block's
/// sum is at most `SUM_BLOCK` roundings of it (relative 3e-14 here), far below the Monte Carlo
/// error, and the compensated total keeps it from growing with the number of blocks.
const SUM_BLOCK: usize = 128;
/// A block is summed in this many interleaved partial sums (the value at position i of the
/// block into partial sum i mod `LANES`), added together in a fixed order at the block's end:
/// independent additions a processor runs side by side, where one running sum would wait for
/// each addition before the next.
const LANES: usize = 8;

/// A sum of values taken in blocks of [`SUM_BLOCK`] ([`LANES`] partial sums each), the blocks'
/// sums compensated: the same bits whatever slices the values are given in.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct BlockSum {
    lanes: [f64; LANES],
    /// How many values the block in progress holds.
    filled: usize,
    total: Neumaier,
}

impl BlockSum {
    /// Adds `term(v)` for each of `values`, in order.
    #[inline]
    pub(super) fn extend(&mut self, values: &[f64], term: impl Fn(f64) -> f64) {
        let mut rest = values;
        // The block in progress is finished a value at a time, whole blocks in lanes.
        while self.filled != 0 && !rest.is_empty() {
            self.push(term(rest[0]));
            rest = &rest[1..];
        }
        let mut blocks = rest.chunks_exact(SUM_BLOCK);
        for block in &mut blocks {
            let mut lanes = [0.0; LANES];
            for group in block.chunks_exact(LANES) {
                for (lane, v) in lanes.iter_mut().zip(group) {
                    *lane += term(*v);
                }
            }
            self.total.add(combine(lanes));
        }
        for v in blocks.remainder() {
            self.push(term(*v));
        }
    }

    #[inline]
    fn push(&mut self, x: f64) {
        self.lanes[self.filled % LANES] += x;
        self.filled += 1;
        if self.filled == SUM_BLOCK {
            self.total.add(combine(self.lanes));
            self.lanes = [0.0; LANES];
            self.filled = 0;
        }
    }

    /// The compensated total so far, the block in progress included.
    #[inline]
    pub(super) fn total(&self) -> Neumaier {
        let mut total = self.total;
        total.add(combine(self.lanes));
        total
    }

    #[inline]
    pub(super) fn value(&self) -> f64 {
        self.total().value()
    }
}

/// A block's partial sums added pairwise in a fixed order.
#[inline]
fn combine(l: [f64; LANES]) -> f64 {
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
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

    #[inline]
    pub fn value(&self) -> f64 {
        // Once the sum is infinite the compensation is meaningless (∞ − ∞).
        if self.sum.is_finite() {
            self.sum + self.compensation
        } else {
            self.sum
        }
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

/// Compensated sum of `values` taken in ascending order: the same bits whatever order they
/// come in (the exposures' figures summed for the portfolio, whatever the rows' order).
pub fn order_free_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.into_iter().collect();
    sorted.sort_unstable_by(f64::total_cmp);
    sum(&sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_free_sum_has_the_same_bits_in_any_order() {
        let values: Vec<f64> = (1..500).map(|i| (i as f64).sqrt() * if i % 7 == 0 { -1.0 } else { 1.0 }).collect();
        let mut reversed = values.clone();
        reversed.reverse();
        let total = order_free_sum(values.iter().copied());
        assert_eq!(total.to_bits(), order_free_sum(reversed).to_bits());
        assert!((total - sum(&values)).abs() <= 1e-12 * total.abs());
    }

    #[test]
    fn a_compensated_sum_keeps_what_a_plain_sum_loses() {
        // 1 + 1e100 − 1e100 is 0 summed plainly.
        assert_eq!(sum(&[1.0, 1e100, 1.0, -1e100]), 2.0);
        assert_eq!(sum(&[0.1; 10]), 1.0);
        assert_eq!(sum(&[f64::INFINITY, 1.0]), f64::INFINITY);
    }

    #[test]
    fn a_block_sum_has_the_same_bits_whatever_slices_the_values_come_in() {
        let values: Vec<f64> =
            (0..1_000u32).map(|i| f64::from(i.wrapping_mul(2_654_435_761) % 10_007) * 0.37).collect();
        let mut whole = BlockSum::default();
        whole.extend(&values, |v| v * v);
        for cut in [1usize, 7, 128, 129, 999] {
            let mut parts = BlockSum::default();
            for slice in values.chunks(cut) {
                parts.extend(slice, |v| v * v);
            }
            assert_eq!(parts.value().to_bits(), whole.value().to_bits(), "cut {cut}");
        }
        let exact: f64 = values.iter().map(|v| v * v).sum();
        assert!((whole.value() - exact).abs() <= 1e-12 * exact);
    }
}
