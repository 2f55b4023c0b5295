//! Policy terms applied to breaches and years: retention, limits, sublimits, share and
//! aggregate limit, and the increased-limit layers summed beside them.

use super::minmax::{larger, smaller};
use super::outcomes::{Outcome, ILF_LIMITS};
use crate::input::{Mode, PolicyTerms};

/// Per-breach results that the year needs.
pub(super) struct BreachCost {
    pub(super) gross: f64,
    /// Covered cost after sublimits, before retention and limits.
    pub(super) covered: f64,
    /// After sublimits, retention and per-breach limit; before share and aggregate.
    pub(super) insured_before_share: f64,
}

/// What a year's breaches add up to, before the year's aggregate limit and share.
#[derive(Debug, Default)]
pub(super) struct YearTotals {
    pub(super) gross: f64,
    /// Sum of the breaches' insured parts before share and aggregate limit.
    pub(super) insured_sum: f64,
    pub(super) largest_gross: f64,
    largest_insured: f64,
    largest_retained: f64,
}

impl YearTotals {
    #[inline]
    pub(super) fn add(&mut self, breach: &BreachCost, terms: &PolicyTerms, mode: Mode, layers: &mut Layers) {
        self.gross += breach.gross;
        self.insured_sum += breach.insured_before_share;
        layers.add(larger(breach.covered - terms.retention, 0.0));
        let insured_alone = year_terms(terms, mode, breach.insured_before_share);
        self.largest_gross = larger(self.largest_gross, breach.gross);
        self.largest_insured = larger(self.largest_insured, insured_alone);
        self.largest_retained = larger(self.largest_retained, larger(breach.gross - insured_alone, 0.0));
    }

    /// The year's outcome (its layers are closed too).
    #[inline]
    pub(super) fn close(&self, iteration: u64, terms: &PolicyTerms, mode: Mode, layers: &mut Layers) -> Outcome {
        layers.close_year(terms, mode);
        Outcome {
            iteration,
            gross: self.gross,
            insured: year_terms(terms, mode, self.insured_sum),
            largest_gross: self.largest_gross,
            largest_insured: self.largest_insured,
            largest_retained: self.largest_retained,
        }
    }
}

/// A chunk's increased-limit layers: per [`ILF_LIMITS`] entry, the sum over its years of the
/// insured loss had the per-breach limit been that entry. Where the year's terms are linear
/// (no aggregate limit, or breach mode: the share times the sum) the breaches' layers are
/// summed straight into the chunk's and the share applied once at the end; otherwise each
/// year's sum goes through the year's terms.
pub(super) struct Layers {
    linear: bool,
    year: [f64; ILF_LIMITS.len()],
    total: [f64; ILF_LIMITS.len()],
}

impl Layers {
    pub(super) fn new(terms: &PolicyTerms, mode: Mode) -> Self {
        Layers { linear: Self::linear_for(terms, mode), year: [0.0; ILF_LIMITS.len()], total: [0.0; ILF_LIMITS.len()] }
    }

    /// Whether the year's terms are linear (see [`Layers`]).
    pub(super) fn linear_for(terms: &PolicyTerms, mode: Mode) -> bool {
        mode == Mode::Breach || terms.aggregate_limit == f64::INFINITY
    }

    /// Adds a breach whose covered cost exceeds the retention by `above_retention`.
    #[inline]
    fn add(&mut self, above_retention: f64) {
        let sums = if self.linear { &mut self.total } else { &mut self.year };
        for (sum, limit) in sums.iter_mut().zip(ILF_LIMITS) {
            *sum += smaller(above_retention, limit);
        }
    }

    /// [`Layers::add`] for each of `above_retention` in turn, where the layers are linear
    /// (the same sums, bit for bit: each layer's additions come in the same order), the
    /// layers side by side in vector registers.
    #[inline(never)]
    pub(super) fn add_each(&mut self, above_retention: &[f64]) {
        debug_assert!(self.linear);
        const LIMITS: [f64; 8] = {
            let mut limits = [f64::INFINITY; 8];
            let mut l = 0;
            while l < ILF_LIMITS.len() {
                limits[l] = ILF_LIMITS[l];
                l += 1;
            }
            limits
        };
        let mut sums = [0.0; 8];
        sums[..ILF_LIMITS.len()].copy_from_slice(&self.total);
        /// Each layer's sum with each breach added, in order.
        #[inline(always)]
        fn add_on(sums: &mut [f64; 8], above_retention: &[f64]) {
            for a in above_retention {
                for (sum, limit) in sums.iter_mut().zip(LIMITS) {
                    *sum += smaller(*a, limit);
                }
            }
        }
        fn add(sums: &mut [f64; 8], above_retention: &[f64]) {
            crate::simd::wide!(add_on(sums, above_retention); sums: &mut [f64; 8], above_retention: &[f64])
        }
        add(&mut sums, above_retention);
        self.total.copy_from_slice(&sums[..ILF_LIMITS.len()]);
    }

    #[inline]
    fn close_year(&mut self, terms: &PolicyTerms, mode: Mode) {
        if !self.linear {
            for (total, year) in self.total.iter_mut().zip(&mut self.year) {
                *total += year_terms(terms, mode, *year);
                *year = 0.0;
            }
        }
    }

    /// The chunk's layer sums.
    pub(super) fn finish(&self, terms: &PolicyTerms, mode: Mode) -> [f64; ILF_LIMITS.len()] {
        if self.linear {
            self.total.map(|sum| year_terms(terms, mode, sum))
        } else {
            self.total
        }
    }
}

/// The insured part of one breach whose covered cost (after sublimits) is `covered`, after
/// the retention and the per-breach limit, before the share and the aggregate limit.
#[inline]
pub(super) fn insured_before_share(terms: &PolicyTerms, covered: f64) -> f64 {
    smaller(larger(covered - terms.retention, 0.0), terms.limit)
}

/// The insured part of `sum` (breaches' insured parts before share and aggregate): the
/// contract's terms of the year. In breach mode the retention, limit and share apply to the
/// one breach; in annual mode the aggregate limit caps the year, then the share applies.
#[inline]
pub(super) fn year_terms(terms: &PolicyTerms, mode: Mode, sum: f64) -> f64 {
    match mode {
        Mode::Breach => terms.share * sum,
        Mode::Annual => terms.share * smaller(sum, terms.aggregate_limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::open_unit;

    /// The layers summed a round at a time (in vector registers, wider where the processor
    /// has them) are the layers summed breach by breach, bit for bit.
    #[test]
    fn layers_summed_by_batch_are_layers_summed_by_breach() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let above: Vec<f64> = (0..5000).map(|_| (open_unit(&mut rng) * 20.0).exp() * 10.0).collect();
        let terms = PolicyTerms {
            retention: 0.0,
            limit: f64::INFINITY,
            aggregate_limit: f64::INFINITY,
            share: 1.0,
            sublimits: Vec::new(),
        };
        let (mut batched, mut one_by_one) = (Layers::new(&terms, Mode::Annual), Layers::new(&terms, Mode::Annual));
        assert!(batched.linear);
        for batch in above.chunks(256) {
            batched.add_each(batch);
            for a in batch {
                one_by_one.add(*a);
            }
        }
        assert_eq!(batched.total.map(f64::to_bits), one_by_one.total.map(f64::to_bits));
        assert!(batched.total[0] > 0.0 && batched.total[6] > batched.total[0]);
    }
}
