//! Increased-limit layers: per block, at each of [`ILF_LIMITS`] and over two retentions (the
//! policy's own and the book's base, [`Model::ilf_base_retention`]), the sum and the sum of
//! squares of the iterations' insured loss had the per-breach limit been that limit, with the
//! aggregate limit moved with it ([`aggregate_at`]). The same breaches with the terms
//! re-applied (common random numbers): the factors carry no sampling noise between limits.

use super::minmax::{larger, smaller};
use super::model::Model;
pub use super::outcomes::{layer_index, LayerSums, BASES, ILF_LIMITS, LAYER_SUMS};
use super::terms::{BreachCost, Cover};
use crate::input::{IlfAggregate, Mode, PolicyTerms};
use crate::stats::Neumaier;

/// The aggregate limit at the per-breach limit `limit` ("moves": in proportion, so a policy
/// whose aggregate equals its limit keeps that relation; the limit itself where the policy
/// has an aggregate but no per-breach limit; unlimited stays unlimited). Breach mode has none.
pub fn aggregate_at(terms: &PolicyTerms, mode: Mode, how: IlfAggregate, limit: f64) -> f64 {
    let aggregate = terms.aggregate_limit;
    match (mode, how) {
        (Mode::Breach, _) => f64::INFINITY,
        (Mode::Annual, IlfAggregate::Fixed) => aggregate,
        (Mode::Annual, IlfAggregate::Moves) if aggregate == f64::INFINITY => aggregate,
        (Mode::Annual, IlfAggregate::Moves) if terms.limit == f64::INFINITY => limit,
        (Mode::Annual, IlfAggregate::Moves) if terms.limit > 0.0 => aggregate * (limit / terms.limit),
        (Mode::Annual, IlfAggregate::Moves) => aggregate,
    }
}

/// Lanes a basis takes: the limits, then one idle lane, so that a basis fills vector registers.
const LANES: usize = 8;

const LIMITS: [f64; LANES] = {
    let mut limits = [f64::INFINITY; LANES];
    let mut l = 0;
    while l < ILF_LIMITS.len() {
        limits[l] = ILF_LIMITS[l];
        l += 1;
    }
    limits
};

/// A block's increased-limit layers of one exposure, summed as its iterations close.
///
/// Where the year's terms are linear in its breaches (no aggregate limit nor aggregate
/// sublimit, or breach mode: the share times the sum), an iteration's insured loss at a limit
/// is a sum over its breaches, `y = Σ m` with `m = min(payable, limit)`, and its square is
/// `Σ m² + 2 Σ_{b<c} m_b m_c`: the block's breaches are kept, and summed when the block is
/// done, flat (side by side in vector registers), the cross products only in iterations of
/// several breaches; both ways hand over the same breaches and iterations, so their sums are
/// the same bits. Otherwise each iteration is closed through the year's terms as it comes.
pub(super) struct Layers {
    linear: bool,
    /// The bases summed (1 where the base retention is the policy's own: the second is a copy).
    bases: usize,
    /// Per basis: its retention.
    retention: [f64; 2],
    /// Per lane: the aggregate limit at its limit.
    aggregate: [f64; LANES],
    share: f64,
    /// Linear: per basis, the block's breaches' payments before the limit.
    payable: [Vec<f64>; 2],
    /// Linear: the block's iterations of several breaches, as (first, breaches) in `payable`.
    several: Vec<(u32, u32)>,
    /// Linear: where in `payable` the iteration (the general way) or the round (the short
    /// way) being taken starts.
    start: usize,
    /// Otherwise: per basis and lane, the iteration's payments so far.
    year: [[f64; LANES]; 2],
    /// With aggregate sublimits: per basis, lane and aggregate-sublimited component, what the
    /// iteration has paid for it so far.
    parts: Vec<f64>,
    /// Otherwise: per basis and lane, the block's sums and sums of squares.
    sums: [[f64; LANES]; 2],
    squares: [[f64; LANES]; 2],
}

impl Layers {
    pub(super) fn new(model: &Model, terms: &PolicyTerms, cover: &Cover) -> Self {
        let how = model.assumptions.pricing.ilf.aggregate;
        let aggregate = LIMITS.map(|l| aggregate_at(terms, model.settings.mode, how, l));
        Layers {
            linear: aggregate.iter().all(|a| *a == f64::INFINITY) && cover.aggregate_sublimits.is_empty(),
            bases: if cover.two_bases() { 2 } else { 1 },
            retention: [cover.retention, cover.base_retention],
            aggregate,
            share: cover.share,
            payable: [Vec::new(), Vec::new()],
            several: Vec::new(),
            start: 0,
            year: [[0.0; LANES]; 2],
            parts: vec![0.0; 2 * LANES * cover.aggregate_sublimits.len()],
            sums: [[0.0; LANES]; 2],
            squares: [[0.0; LANES]; 2],
        }
    }

    /// Adds a breach of the iteration (the general way) whose applicable components cost
    /// `costs`.
    #[inline(always)]
    pub(super) fn add(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) {
        if self.linear {
            self.payable[0].push(breach.payable);
            if self.bases == 2 {
                self.payable[1].push(breach.payable_base);
            }
        } else {
            self.add_to_year(breach, costs, cover);
        }
    }

    /// [`Layers::add`] where the year's terms are not linear. Out of line: it weighs.
    #[inline(never)]
    fn add_to_year(&mut self, breach: &BreachCost, costs: &[f64], cover: &Cover) {
        let payables = [breach.payable, breach.payable_base];
        let m = cover.aggregate_sublimits.len();
        for (basis, &payable) in payables.iter().enumerate().take(self.bases) {
            for (lane, (year, limit)) in self.year[basis].iter_mut().zip(LIMITS).enumerate() {
                let paid = smaller(payable, limit);
                *year += paid;
                if m > 0 {
                    let parts = &mut self.parts[(basis * LANES + lane) * m..][..m];
                    let retention = self.retention[basis];
                    cover.aggregate_parts(
                        (retention, breach.covered, breach.contingent),
                        payable,
                        paid,
                        |p| costs[p],
                        |i, part| parts[i] += part,
                    );
                }
            }
        }
    }

    /// Closes the iteration (the general way): its payments at each limit go through the
    /// year's terms (but the share, applied to the block's sums) into the sums.
    #[inline(always)]
    pub(super) fn close_year(&mut self, cover: &Cover) {
        if self.linear {
            let end = self.payable[0].len();
            if end - self.start > 1 {
                self.several.push((self.start as u32, (end - self.start) as u32));
            }
            self.start = end;
        } else {
            self.close_through_terms(cover);
        }
    }

    /// [`Layers::close_year`] where the year's terms are not linear.
    #[inline(never)]
    fn close_through_terms(&mut self, cover: &Cover) {
        let m = cover.aggregate_sublimits.len();
        for basis in 0..self.bases {
            for lane in 0..LANES {
                let mut excess = 0.0;
                if m > 0 {
                    let parts = &mut self.parts[(basis * LANES + lane) * m..][..m];
                    for (paid, (_, cap)) in parts.iter_mut().zip(&cover.aggregate_sublimits) {
                        excess += larger(*paid - cap, 0.0);
                        *paid = 0.0;
                    }
                }
                let year = std::mem::take(&mut self.year[basis][lane]);
                let y = smaller(larger(year - excess, 0.0), self.aggregate[lane]);
                self.sums[basis][lane] += y;
                self.squares[basis][lane] += y * y;
            }
        }
    }

    /// Takes the gross costs of a round of the short way's breaches (which no term bites, so
    /// that each pays its gross cost above the basis's retention: the layers are linear).
    #[inline]
    pub(super) fn take_round(&mut self, gross: &[f64]) {
        debug_assert!(self.linear && self.retention[0] == 0.0);
        self.start = self.payable[0].len();
        self.payable[0].extend_from_slice(gross);
        if self.bases == 2 {
            let retention = self.retention[1];
            self.payable[1].extend(gross.iter().map(|g| larger(g - retention, 0.0)));
        }
    }

    /// Notes an iteration of the short way of `count` breaches, the first at `first` in the
    /// round last taken.
    #[inline]
    pub(super) fn several(&mut self, first: usize, count: u32) {
        self.several.push(((self.start + first) as u32, count));
    }

    /// The block's layer sums (the share applied); the layers start over for the next block.
    pub(super) fn finish(&mut self) -> LayerSums {
        if self.linear {
            for basis in 0..self.bases {
                let (sums, squares) = (&mut self.sums[basis], &mut self.squares[basis]);
                linear_sums(&self.payable[basis], &self.several, sums, squares);
                self.payable[basis].clear();
            }
            self.several.clear();
            self.start = 0;
        }
        let mut out = [0.0; LAYER_SUMS];
        for basis in 0..BASES.len() {
            let summed = if basis < self.bases { basis } else { 0 };
            for limit in 0..ILF_LIMITS.len() {
                out[layer_index(basis, false, limit)] = self.share * self.sums[summed][limit];
                out[layer_index(basis, true, limit)] = self.share * self.share * self.squares[summed][limit];
            }
        }
        self.sums = [[0.0; LANES]; 2];
        self.squares = [[0.0; LANES]; 2];
        out
    }
}

/// The sums over `payable` (a block's breaches) of `min(payable, limit)` at each limit, and
/// the sums of the squares of the iterations' `Σ min(payable, limit)`, into `sums` and
/// `squares`: `Σ m²` over the breaches plus `2 Σ_{b<c} m_b m_c` in the iterations of `several`
/// breaches (see [`Layers`]). The limits side by side in vector registers (wider where the
/// processor has them, with the same results).
fn linear_sums(payable: &[f64], several: &[(u32, u32)], sums: &mut [f64; LANES], squares: &mut [f64; LANES]) {
    #[inline(always)]
    fn on(payable: &[f64], several: &[(u32, u32)], sums: &mut [f64; LANES], squares: &mut [f64; LANES]) {
        let (mut s, mut q) = ([0.0; LANES], [0.0; LANES]);
        for &x in payable {
            for ((s, q), limit) in s.iter_mut().zip(q.iter_mut()).zip(LIMITS) {
                let m = smaller(x, limit);
                *s += m;
                *q += m * m;
            }
        }
        let mut cross = [0.0; LANES];
        for &(first, count) in several {
            let breaches = &payable[first as usize..][..count as usize];
            if let [a, b] = breaches {
                // Most such iterations: the loop below, spelled out (the same products).
                for (c, limit) in cross.iter_mut().zip(LIMITS) {
                    *c += smaller(*b, limit) * smaller(*a, limit);
                }
                continue;
            }
            // Each lane's iteration so far, and the products of its breaches' parts.
            let mut year = LIMITS.map(|l| smaller(breaches[0], l));
            let mut products = [0.0; LANES];
            for &x in &breaches[1..] {
                for ((p, y), limit) in products.iter_mut().zip(year.iter_mut()).zip(LIMITS) {
                    let m = smaller(x, limit);
                    *p += m * *y;
                    *y += m;
                }
            }
            for (c, p) in cross.iter_mut().zip(products) {
                *c += p;
            }
        }
        for (q, c) in q.iter_mut().zip(cross) {
            *q += 2.0 * c;
        }
        (*sums, *squares) = (s, q);
    }
    crate::simd::wide!(on(payable, several, sums, squares);
        payable: &[f64], several: &[(u32, u32)], sums: &mut [f64; LANES], squares: &mut [f64; LANES])
}

/// What an exposure's layer sums give: per basis and limit, the mean and the standard
/// deviation (n − 1) of the iterations' insured loss.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerFigures {
    pub mean: [[f64; ILF_LIMITS.len()]; BASES.len()],
    pub sd: [[f64; ILF_LIMITS.len()]; BASES.len()],
}

impl LayerFigures {
    /// From the blocks' sums of a run of `iterations` (compensated across blocks).
    pub fn of(layer_sums: &[LayerSums], iterations: u64) -> Self {
        let n = iterations as f64;
        let total = |i: usize| {
            let mut total = Neumaier::default();
            for block in layer_sums {
                total.add(block[i]);
            }
            total.value()
        };
        let mut figures = LayerFigures { mean: [[0.0; ILF_LIMITS.len()]; 2], sd: [[0.0; ILF_LIMITS.len()]; 2] };
        for basis in 0..BASES.len() {
            for limit in 0..ILF_LIMITS.len() {
                let mean = if iterations == 0 { 0.0 } else { total(layer_index(basis, false, limit)) / n };
                let squares = total(layer_index(basis, true, limit));
                figures.mean[basis][limit] = mean;
                figures.sd[basis][limit] =
                    if iterations < 2 { 0.0 } else { ((squares - n * mean * mean) / (n - 1.0)).max(0.0).sqrt() };
            }
        }
        figures
    }

    /// The first figure that is not a finite number, as (what, value), if any.
    pub fn first_non_finite(&self) -> Option<(String, f64)> {
        for (basis, name) in BASES.iter().enumerate() {
            for (limit, l) in ILF_LIMITS.iter().enumerate() {
                let (mean, base) = (self.mean[basis][limit], self.mean[basis][0]);
                let factor = if base > 0.0 { mean / base } else { 0.0 };
                for (what, value) in [("expected insured loss", mean), ("sd", self.sd[basis][limit]), ("ilf", factor)] {
                    if !value.is_finite() {
                        return Some((format!("{what} at the limit {l} over the {name} retention"), value));
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Assumptions, Exposures};

    /// The short way's layers (rounds taken whole, cross products of iterations of several
    /// breaches apart) are the general way's (breach by breach, iteration by iteration), bit
    /// for bit, over both bases.
    #[test]
    fn years_summed_side_by_side_are_years_summed_breach_by_breach() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let gross: Vec<f64> = (0..5000).map(|_| (crate::sampler::open_unit(&mut rng) * 20.0).exp() * 10.0).collect();
        let years: Vec<(u64, u32)> = gross.chunks(3).flat_map(|c| [(0, 1), (0, c.len() as u32 - 1)]).collect();
        let toml = "[[component]]\nname = \"a\"\nfixed = 1\n[pricing]\nilf_base_retention = 25000\n";
        let exposures = Exposures::from_csv_bytes(b"id,records\nx,1\n", "x.csv").expect("exposures");
        let assumptions = Assumptions::parse(toml, "a.toml").expect("assumptions");
        let settings = crate::engine::RunSettings { mode: Mode::Annual, iterations: 1, seed: 1 };
        let model = Model::build(&exposures, assumptions, settings).expect("model");
        let cover = Cover::new(&model, &model.exposures[0]);
        let terms = &model.exposures[0].terms;
        let (mut batched, mut one_by_one) = (Layers::new(&model, terms, &cover), Layers::new(&model, terms, &cover));
        assert_eq!(batched.bases, 2);
        // Two rounds, split where an iteration starts (3 × 333).
        batched.take_round(&gross[..999]);
        let mut at = 0;
        for &(_, count) in &years {
            if at == 999 {
                batched.take_round(&gross[999..]);
            }
            if count > 1 {
                batched.several(if at < 999 { at } else { at - 999 }, count);
            }
            at += count as usize;
        }
        let mut at = 0;
        for &(_, count) in &years {
            for &g in &gross[at..at + count as usize] {
                one_by_one.add(&cover.breach(g, (g, g), |_| g, false), &[g], &cover);
            }
            at += count as usize;
            one_by_one.close_year(&cover);
        }
        let (a, b) = (batched.finish(), one_by_one.finish());
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        assert!(a[layer_index(1, false, 0)] < a[layer_index(0, false, 0)]);
        assert!(a[layer_index(0, true, 0)] > 0.0 && a[layer_index(0, false, 6)] > a[layer_index(0, false, 0)]);
    }
}
