//! An exposure's cost columns year by year ([`super::ExposureModel::width`]: its components',
//! then its incident types', then its sections'), kept sparse. Most of a year's columns are
//! zero (its incidents are mostly of one type, which brings a few of the components and
//! sections), so a row holds a bit per column saying which are not, and only those values:
//! what reads them (each column's statistics, the portfolio's sums by type and section) walks
//! the values there are, not every column of every row.

use std::ops::Range;

use super::model::{ExposureModel, Model};
use super::prevention::drawn_rates;
use crate::input::{Mode, Probability};

/// The cost rows of one part of an exposure's outcomes.
#[derive(Debug, Clone, Default)]
pub struct CostRows {
    /// Mask words a row: ⌈width / 64⌉.
    words: usize,
    /// Each row's words: bit `c % 64` of word `c / 64` set where column `c` is not zero.
    masks: Vec<u64>,
    /// Where each row's values begin in `values`.
    starts: Vec<usize>,
    /// The values that are not zero, row by row, columns ascending.
    values: Vec<f64>,
}

impl CostRows {
    /// Room for `rows` rows of `width` columns, `per_row` of them not zero ([`CostRows::reserve`]).
    pub(super) fn with_capacity(rows: usize, width: usize, per_row: usize) -> Self {
        let mut costs = CostRows::default();
        costs.reserve(rows, width, per_row);
        costs
    }

    /// Room for `rows` more rows of `width` columns, with `per_row` values not zero a row: the
    /// number expected ([`row_values`]), not `width`. Room is memory: the kernel backs it in
    /// huge pages, whole, once any of it is written, so room for every column of every row
    /// would cost memory and the time to clear it; rows with more values than expected grow
    /// the values as a vector grows.
    pub(super) fn reserve(&mut self, rows: usize, width: usize, per_row: usize) {
        self.masks.reserve(rows * width.div_ceil(64));
        self.starts.reserve(rows);
        self.values.reserve(rows * per_row.min(width));
    }

    /// Appends a row: its columns, of which those not zero are kept.
    #[inline]
    pub(super) fn push(&mut self, row: &[f64]) {
        self.words = row.len().div_ceil(64);
        self.starts.push(self.values.len());
        for chunk in row.chunks(64) {
            let mask = chunk.iter().enumerate().fold(0u64, |mask, (c, v)| mask | (u64::from(*v != 0.0) << c));
            self.masks.push(mask);
            // The values not zero, by their bits (a few of a row's columns, mostly).
            let mut left = mask;
            while left != 0 {
                self.values.push(chunk[left.trailing_zeros() as usize]);
                left &= left - 1;
            }
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Calls `f(row, column, value)` for each value not zero of the rows `rows` from column
    /// `first` on, row by row, columns ascending.
    #[inline]
    pub fn for_each_from(&self, rows: Range<usize>, first: usize, mut f: impl FnMut(usize, usize, f64)) {
        let Some(&start) = self.starts.get(rows.start) else { return };
        let mut at = start;
        let words = self.words;
        for r in rows {
            for (w, &mask) in self.masks[r * words..(r + 1) * words].iter().enumerate() {
                let base = w * 64;
                // The columns before `first` in this word: passed over, their values counted.
                let below = first.saturating_sub(base).min(64);
                let skipped = if below == 64 { mask } else { mask & ((1u64 << below) - 1) };
                at += skipped.count_ones() as usize;
                let mut left = mask & !skipped;
                while left != 0 {
                    f(r, base + left.trailing_zeros() as usize, self.values[at]);
                    at += 1;
                    left &= left - 1;
                }
            }
        }
    }

    /// Row `i`'s first `out.len()` columns into `out` (zero where none was kept).
    pub fn row_into(&self, i: usize, out: &mut [f64]) {
        out.fill(0.0);
        self.for_each_from(i..i + 1, 0, |_, c, v| {
            if let Some(column) = out.get_mut(c) {
                *column = v;
            }
        });
    }
}

/// The expected number of cost columns not zero in a year that `e` stores (of its
/// [`ExposureModel::width`]), to size its rows in memory: each component weighted by the chance
/// that the year has an incident of a type that brings it, times the most its probability can
/// be; each type's column by the chance of the type; each section by the sum of its components'
/// weights (at most 1). An estimate from above: a component's probability is often lower for
/// the records a breach exposes, and years hit only by a systemic event are left out.
pub(super) fn expected_columns(model: &Model, e: &ExposureModel) -> f64 {
    let assumptions = &model.assumptions;
    let types = 1 + assumptions.incidents.len();
    // The chance that a stored year has an incident of each type (0: the data breach).
    let chance: Vec<f64> = match model.settings.mode {
        Mode::Breach => (0..types).map(|t| if t == model.focus { 1.0 } else { 0.0 }).collect(),
        Mode::Annual => {
            let hit: Vec<f64> = drawn_rates(model, e).map(|rate| -(-rate).exp_m1()).collect();
            let any = 1.0 - hit.iter().map(|p| 1.0 - p).product::<f64>();
            hit.iter().map(|p| if any > 0.0 { p / any } else { 0.0 }).collect()
        }
    };
    // The chance that it has an incident exposing data: a data breach, or another type's that does.
    let others = assumptions.incidents.iter().zip(&chance[1..]);
    let exposing = chance[0] + others.map(|(t, chance)| chance * t.data_breach_probability).sum::<f64>();
    let weight = |c: usize| {
        let component = &assumptions.components[c];
        let brought: f64 = (1..types).filter(|t| component.incidents & (1 << t) != 0).map(|t| chance[t]).sum();
        let brought = brought + if component.incidents & 1 != 0 { exposing } else { 0.0 };
        let most = match &component.probability {
            Probability::Constant(p) => *p,
            Probability::Curve(points) => points.iter().map(|(_, p)| *p).fold(0.0, f64::max),
        };
        brought.min(1.0) * most.clamp(0.0, 1.0)
    };
    let weights: Vec<f64> = e.components.iter().map(|&c| weight(c)).collect();
    let components: f64 = weights.iter().sum();
    let by_type: f64 = if e.type_columns() > 0 { chance.iter().map(|c| c.min(1.0)).sum() } else { 0.0 };
    // (The exposure's components are in ascending order.)
    let weight_of = |c: &usize| e.components.binary_search(c).ok().map_or(0.0, |p| weights[p]);
    let sections: f64 = assumptions
        .sections
        .iter()
        .take(e.terms.sections.len())
        .map(|s| s.components.iter().map(weight_of).sum::<f64>().min(1.0))
        .sum();
    (components + by_type + sections).min(e.width() as f64)
}

/// The room to make for each stored row's values not zero: [`expected_columns`] rounded up (0
/// for a single column, which is not stored).
pub(super) fn row_values(model: &Model, e: &ExposureModel) -> usize {
    if e.width() > 1 {
        expected_columns(model, e).ceil() as usize
    } else {
        0
    }
}

/// Bytes a stored row of `width` columns takes besides its values: where its values begin,
/// and its mask words.
pub(super) fn row_overhead(width: usize) -> usize {
    std::mem::size_of::<usize>() + 8 * width.div_ceil(64)
}

#[cfg(test)]
mod tests {
    use super::CostRows;

    /// Rows come back as they went in, zeros and all, over one mask word and several; values
    /// from a column on are those of the rows' columns from there, in order.
    #[test]
    fn rows_come_back_as_pushed() {
        for width in [1, 3, 63, 64, 65, 130] {
            let rows: Vec<Vec<f64>> = (0..40)
                .map(|r| {
                    (0..width)
                        .map(|c| match (r * 7 + c * 3) % 5 {
                            0 | 1 => 0.0,
                            2 => -((r + c) as f64),
                            _ => (r * 1000 + c) as f64 + 0.5,
                        })
                        .collect()
                })
                .collect();
            let mut costs = CostRows::with_capacity(2, width, width / 3);
            for row in &rows {
                costs.push(row);
            }
            assert_eq!(costs.len(), rows.len());
            let mut out = vec![f64::NAN; width];
            for (i, row) in rows.iter().enumerate() {
                costs.row_into(i, &mut out);
                assert_eq!(&out, row, "width {width}, row {i}");
            }
            for first in [0, 1, width / 2, width - 1, width, width + 5] {
                for span in [0..rows.len(), 5..6, 7..31, 40..40] {
                    let mut seen = Vec::new();
                    costs.for_each_from(span.clone(), first, |r, c, v| seen.push((r, c, v)));
                    let expected: Vec<(usize, usize, f64)> = span
                        .flat_map(|r| {
                            let row = &rows[r];
                            (first.min(width)..width).filter(|&c| row[c] != 0.0).map(move |c| (r, c, row[c]))
                        })
                        .collect();
                    assert_eq!(seen, expected, "width {width}, from column {first}");
                }
            }
        }
    }
}
