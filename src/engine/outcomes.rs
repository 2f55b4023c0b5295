//! What the engine keeps of each iteration: an exposure's [`Outcome`]s, stored column by
//! column in one [`OutcomeColumns`] a task, and what they take in memory.

use super::cost_rows::{expected_columns, row_overhead, CostRows};
use super::minmax::{larger, smaller};
use super::model::{ExposureModel, Model};
use super::prevention::drawn_rates;
use super::{BLOCK_ITERATIONS, TASK_BLOCKS};
use crate::input::Mode;
use crate::stats::{LossRange, Segment};

/// Per-breach limits at which increased-limit factors are reported.
pub const ILF_LIMITS: [f64; 7] = [1e6, 2e6, 5e6, 10e6, 25e6, 50e6, 100e6];

/// The retentions the layers are summed over: the policy's own, then the book's base.
pub const BASES: [&str; 2] = ["own", "base"];

/// Figures a block sums per exposure: per basis, the sums then the sums of squares, each per
/// limit ([`layer_index`]).
pub const LAYER_SUMS: usize = BASES.len() * 2 * ILF_LIMITS.len();

/// One block's layer sums (see [`LAYER_SUMS`]).
pub type LayerSums = [f64; LAYER_SUMS];

/// Where the sum (or, `square`, the sum of squares) of basis `basis` at limit number `limit`
/// sits in a [`LayerSums`].
pub const fn layer_index(basis: usize, square: bool, limit: usize) -> usize {
    (basis * 2 + square as usize) * ILF_LIMITS.len() + limit
}

/// What one iteration (a policy year, or one breach in breach mode) produced for one
/// exposure. Only iterations with at least one breach are stored: the others are zero.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Outcome {
    pub iteration: u64,
    /// Total cost of the iteration's breaches.
    pub gross: f64,
    /// The insurer's part after all policy terms.
    pub insured: f64,
    /// The largest single breach of the iteration (for occurrence exceedance, OEP).
    pub largest_gross: f64,
    /// The insured part of the largest insured breach (after share and aggregate limit).
    pub largest_insured: f64,
    /// The largest retained part of a single breach.
    pub largest_retained: f64,
}

/// Gross, insured and largest gross of an iteration counting only the exposure's own
/// (independent) breaches, leaving out systemic events: for the "without systemic" curves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Independent {
    pub gross: f64,
    pub insured: f64,
    pub largest_gross: f64,
}

impl Outcome {
    /// Gross minus insured (never negative; zero where it is only rounding).
    #[inline]
    pub fn retained(&self) -> f64 {
        let retained = self.gross - self.insured;
        // Where the policy pays everything, gross − insured is rounding noise, not a loss.
        if retained <= 1e-12 * self.gross {
            0.0
        } else {
            retained
        }
    }
}

/// The stored outcomes of one exposure over all iterations, in iteration order, kept in the
/// parts they were simulated in (one a task) or read in (one a shard table): gathering them
/// into one buffer would copy every outcome.
#[derive(Debug, Clone, Default)]
pub struct ExposureOutcomes {
    /// Index into [`Model::exposures`].
    pub exposure: usize,
    pub parts: Vec<OutcomeColumns>,
    pub simulated_breaches: u64,
    /// Per block of [`BLOCK_ITERATIONS`] (in order), the sums and sums of squares over its
    /// iterations of the insured loss had the per-breach limit been each of [`ILF_LIMITS`]
    /// (the aggregate limit moved with it), over the policy's retention and the book's base
    /// ([`super::ilf`]): the same breaches with the terms re-applied. Summing per fixed block
    /// keeps the totals independent of threads and of how a run is split.
    pub layer_sums: Vec<LayerSums>,
    /// With incident types beside the data breach: per block (in order), the insured loss of
    /// each type summed over its years ([`super::shares`]), one value per type a block.
    pub type_insured: Vec<f64>,
}

/// The outcomes of one task (or one shard table) of one exposure, column by column.
#[derive(Debug, Clone, Default)]
pub struct OutcomeColumns {
    pub(super) iterations: Iterations,
    pub(super) gross: Vec<f64>,
    pub(super) largest_gross: Vec<f64>,
    /// Insured, largest insured and largest retained per outcome; empty while every outcome
    /// of the part has insured = gross, largest insured = largest gross and nothing retained
    /// (no policy terms bite, the common case that then stores 24 bytes an outcome, not 48).
    pub(super) insured: Vec<[f64; 3]>,
    /// One per outcome for exposures that systemic events can hit; empty otherwise (all
    /// their breaches are their own, so the independent figures are the outcome's).
    pub independent: Vec<Independent>,
    /// Each outcome's cost columns ([`ExposureModel::width`], kept sparse). Empty for an
    /// exposure with a single column, whose cost in each iteration is the gross. (See
    /// [`ExposureOutcomes::rows`], which reads both.)
    pub costs: CostRows,
    /// With per-risk treaty layers ([`super::ceding`]): each outcome's recoveries under each,
    /// before their yearly limits, row-major.
    pub ceded: Vec<f64>,
    /// With systemic events' losses wanted: each systemic occurrence that hit the exposure,
    /// as (its year, its number among the year's occurrences), and its figures (the insured
    /// loss it caused, then the per-risk recoveries on it: [`super::ceding::CedingPlan::event_width`]
    /// values each), in `event_values`.
    pub event_hits: Vec<(u64, u32)>,
    pub event_values: Vec<f64>,
    /// The range of the outcomes' gross and largest-breach losses where they came the short
    /// way (worked out as they were written), handed to the statistics with the columns.
    ranges: Ranges,
}

/// What a part knows of the range of its outcomes' losses (see [`OutcomeColumns`]).
#[derive(Debug, Clone, Copy, Default)]
enum Ranges {
    /// No outcome yet.
    #[default]
    NoneYet,
    /// Every outcome is a loss, within these gross and largest-breach ranges.
    Known([LossRange; 2]),
    /// Some outcome came another way, or was not a loss.
    Unknown,
}

/// The iterations of a part's outcomes, ascending: offsets of 16 bits from the first while
/// they all fit (2 bytes an outcome where 8 would do for any: a task covers at most
/// [`TASK_BLOCKS`] × [`BLOCK_ITERATIONS`] = 65,536 iterations), the iterations themselves once
/// one does not.
#[derive(Debug, Clone)]
pub(super) enum Iterations {
    Near { first: u64, offsets: Vec<u16> },
    Far(Vec<u64>),
}

impl Default for Iterations {
    fn default() -> Self {
        Iterations::Near { first: 0, offsets: Vec::new() }
    }
}

impl Iterations {
    fn with_capacity(n: usize) -> Self {
        Iterations::Near { first: 0, offsets: Vec::with_capacity(n) }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Iterations::Near { offsets, .. } => offsets.len(),
            Iterations::Far(iterations) => iterations.len(),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> u64 {
        match self {
            Iterations::Near { first, offsets } => first + u64::from(offsets[i]),
            Iterations::Far(iterations) => iterations[i],
        }
    }

    /// Appends iterations (ascending, after those already held).
    #[inline]
    pub(super) fn extend(&mut self, iterations: impl DoubleEndedIterator<Item = u64> + Clone) {
        if let Iterations::Near { first, offsets } = self {
            let mut peek = iterations.clone();
            if let Some(head) = peek.next() {
                if offsets.is_empty() {
                    *first = head;
                }
                let last = peek.next_back().unwrap_or(head);
                // (Ascending: if the first and the last fit, all do.)
                let fits = |i: u64| i.checked_sub(*first).is_some_and(|o| o <= u64::from(u16::MAX));
                if fits(head) && fits(last) {
                    let base = *first;
                    offsets.extend(iterations.map(|i| (i - base) as u16));
                    return;
                }
            }
        }
        for iteration in iterations {
            self.push(iteration);
        }
    }

    #[inline]
    fn push(&mut self, iteration: u64) {
        match self {
            Iterations::Near { first, offsets } => {
                if offsets.is_empty() {
                    *first = iteration;
                }
                match iteration.checked_sub(*first).and_then(|o| u16::try_from(o).ok()) {
                    Some(offset) => offsets.push(offset),
                    None => {
                        let base = *first;
                        let mut all: Vec<u64> = Vec::with_capacity(offsets.capacity().max(offsets.len() + 1));
                        all.extend(offsets.iter().map(|o| base + u64::from(*o)));
                        all.push(iteration);
                        *self = Iterations::Far(all);
                    }
                }
            }
            Iterations::Far(iterations) => iterations.push(iteration),
        }
    }
}

impl OutcomeColumns {
    /// An empty part with room for `outcomes` outcomes of `width` cost columns, `per_row` of
    /// them not zero ([`CostRows::reserve`]).
    pub fn with_capacity(outcomes: usize, (width, per_row): (usize, usize)) -> Self {
        OutcomeColumns {
            iterations: Iterations::with_capacity(outcomes),
            gross: Vec::with_capacity(outcomes),
            largest_gross: Vec::with_capacity(outcomes),
            costs: CostRows::with_capacity(if width > 1 { outcomes } else { 0 }, width, per_row),
            ..Default::default()
        }
    }

    /// Appends an outcome (iterations ascending).
    #[inline]
    pub fn push(&mut self, x: Outcome) {
        self.ranges = Ranges::Unknown;
        let passes_through = x.insured == x.gross && x.largest_insured == x.largest_gross && x.largest_retained == 0.0;
        if !passes_through && self.insured.is_empty() {
            // The first outcome that the terms change: the earlier ones get their columns.
            self.insured.reserve(self.gross.capacity());
            self.insured.extend(self.gross.iter().zip(&self.largest_gross).map(|(&g, &l)| [g, l, 0.0]));
        }
        if !passes_through || !self.insured.is_empty() {
            self.insured.push([x.insured, x.largest_insured, x.largest_retained]);
        }
        self.iterations.push(x.iteration);
        self.gross.push(x.gross);
        self.largest_gross.push(x.largest_gross);
    }

    /// Takes in the ranges of the gross and largest-breach losses of outcomes just added (the
    /// short way), `None` where one was not a loss.
    pub(super) fn note_ranges(&mut self, added: [Option<LossRange>; 2]) {
        self.ranges = match (self.ranges, added) {
            (Ranges::NoneYet, [Some(gross), Some(largest)]) => Ranges::Known([gross, largest]),
            (Ranges::Known(held), [Some(gross), Some(largest)]) => {
                let added = [gross, largest];
                Ranges::Known([0, 1].map(|i| LossRange {
                    lowest: smaller(held[i].lowest, added[i].lowest),
                    highest: larger(held[i].highest, added[i].highest),
                }))
            }
            _ => Ranges::Unknown,
        };
    }

    /// The number of outcomes.
    pub fn len(&self) -> usize {
        self.iterations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.iterations.len() == 0
    }

    /// True when every outcome's insured figures equal its gross ones (nothing retained).
    pub fn insured_is_gross(&self) -> bool {
        self.insured.is_empty()
    }

    /// The gross loss of each outcome.
    pub fn gross(&self) -> &[f64] {
        &self.gross
    }

    /// The largest single breach of each outcome.
    pub fn largest_gross(&self) -> &[f64] {
        &self.largest_gross
    }

    /// The outcome at `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Outcome {
        let (gross, largest_gross) = (self.gross[i], self.largest_gross[i]);
        let [insured, largest_insured, largest_retained] =
            self.insured.get(i).copied().unwrap_or([gross, largest_gross, 0.0]);
        Outcome { iteration: self.iterations.get(i), gross, insured, largest_gross, largest_insured, largest_retained }
    }

    /// The outcomes in iteration order.
    pub fn outcomes(&self) -> impl Iterator<Item = Outcome> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The iteration of the outcome at `i`.
    #[inline]
    pub fn iteration(&self, i: usize) -> u64 {
        self.iterations.get(i)
    }

    /// The first outcome from `from` on whose iteration is `end` or later (the length if none).
    pub fn first_from(&self, from: usize, end: u64) -> usize {
        let from = from.min(self.len());
        from + match &self.iterations {
            Iterations::Near { first, offsets } => match end.checked_sub(*first) {
                Some(offset) => offsets[from..].partition_point(|o| u64::from(*o) < offset),
                None => 0,
            },
            Iterations::Far(iterations) => iterations[from..].partition_point(|i| *i < end),
        }
    }

    /// The figures without systemic events of the outcome at `i` (see [`Independent`]).
    #[inline]
    pub fn independent_at(&self, i: usize) -> Independent {
        match self.independent.get(i) {
            Some(own) => *own,
            None => {
                let x = self.get(i);
                Independent { gross: x.gross, insured: x.insured, largest_gross: x.largest_gross }
            }
        }
    }
}

impl ExposureOutcomes {
    /// The stored outcomes in iteration order.
    pub fn outcomes(&self) -> impl Iterator<Item = Outcome> + Clone + '_ {
        self.parts.iter().flat_map(|c| c.outcomes())
    }

    /// Each stored outcome's independent figures (see [`Independent`]), in iteration order.
    pub fn independent(&self) -> impl Iterator<Item = Independent> + '_ {
        self.parts.iter().flat_map(|c| (0..c.len()).map(|i| c.independent_at(i)))
    }

    /// Each stored outcome with its `width` cost columns ([`ExposureModel::width`]).
    pub fn rows(&self, width: usize) -> impl Iterator<Item = (Outcome, Vec<f64>)> + '_ {
        self.parts.iter().flat_map(move |c| {
            (0..c.len()).map(move |i| {
                // One column: its cost is the gross (not stored twice).
                if width <= 1 && c.costs.is_empty() {
                    return (c.get(i), vec![c.gross[i]]);
                }
                let mut costs = vec![0.0; width];
                c.costs.row_into(i, &mut costs);
                (c.get(i), costs)
            })
        })
    }

    /// Each stored outcome's iteration with its recoveries under the treaties' `layers` (> 0)
    /// per-risk layers ([`OutcomeColumns::ceded`]).
    pub fn ceded_rows(&self, layers: usize) -> impl Iterator<Item = (u64, &[f64])> {
        self.parts.iter().flat_map(move |c| {
            let rows = c.ceded.chunks_exact(layers.max(1));
            rows.enumerate().map(|(i, recoveries)| (c.iterations.get(i), recoveries))
        })
    }

    /// Each systemic occurrence that hit the exposure, as (year, its number among the year's),
    /// with its `width` figures ([`OutcomeColumns::event_hits`]).
    pub fn event_rows(&self, width: usize) -> impl Iterator<Item = ((u64, u32), &[f64])> {
        self.parts.iter().flat_map(move |c| c.event_hits.iter().copied().zip(c.event_values.chunks_exact(width)))
    }

    /// The number of stored outcomes.
    pub fn len(&self) -> usize {
        self.parts.iter().map(OutcomeColumns::len).sum()
    }

    /// Takes every part's gross and largest-breach columns (in iteration order), for a last
    /// reader that would otherwise copy them: the outcomes are gone afterwards (only the
    /// component costs, the layer sums and the breach count stay).
    pub fn take_gross_columns(&mut self) -> (Vec<Segment>, Vec<Segment>) {
        self.parts
            .iter_mut()
            .map(|c| {
                c.iterations = Iterations::default();
                c.insured = Vec::new();
                c.independent = Vec::new();
                let [gross, largest] = match c.ranges {
                    Ranges::Known(ranges) => ranges.map(Some),
                    Ranges::NoneYet | Ranges::Unknown => [None, None],
                };
                (
                    Segment { values: std::mem::take(&mut c.gross), range: gross },
                    Segment { values: std::mem::take(&mut c.largest_gross), range: largest },
                )
            })
            .unzip()
    }

    /// True when every outcome's insured figures equal its gross ones (nothing retained).
    pub fn insured_is_gross(&self) -> bool {
        self.parts.iter().all(OutcomeColumns::insured_is_gross)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The outcomes to make room for in a task of `iterations` of which a share `share` is
/// expected to store one: the mean plus five standard deviations, and a few; none where
/// fewer than [`RESERVE_FROM`] are expected (the buffers then grow as outcomes come, and a
/// task of a rarely breached exposure holds a few bytes, not a reservation).
pub fn outcome_capacity(share: f64, iterations: usize) -> usize {
    let n = iterations as f64;
    let mean = n * share;
    if mean < RESERVE_FROM {
        return 0;
    }
    (mean + 5.0 * mean.sqrt() + 4.0).min(n) as usize
}

/// See [`outcome_capacity`].
const RESERVE_FROM: f64 = 32.0;

/// What an exposure's stored outcomes take in memory over a run (see [`stored_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredBytes {
    /// The outcomes expected to be stored (iterations with a breach, or a systemic event that
    /// may hit the exposure).
    pub outcomes: f64,
    /// Their bytes as stored, with what each block holds besides them.
    pub expected: f64,
    /// Their bytes with the room each task reserves for them ahead, and what each block holds
    /// besides them.
    pub reserved: f64,
}

/// What exposure `e`'s stored outcomes (outcome columns and component costs) take over a run
/// of `iterations`: the estimate that sizes batches of exposures and a run's memory.
pub fn stored_bytes(model: &Model, e: &ExposureModel, iterations: u64) -> StoredBytes {
    // Every exposure holds a block's overhead for each started block of iterations, however
    // few iterations the run has (a million exposures of one iteration hold a million).
    let blocks = (iterations.div_ceil(BLOCK_ITERATIONS) * BLOCK_ITERATIONS) as f64 * BLOCK_BYTES_PER_ITERATION;
    let task = (TASK_BLOCKS * BLOCK_ITERATIONS).min(iterations.max(1)) as usize;
    let n = iterations as f64;
    let share = stored_share(model, e);
    let per_iteration = outcome_bytes_per_iteration(model, e);
    StoredBytes {
        outcomes: n * share,
        expected: n * per_iteration + blocks,
        reserved: n * per_iteration * outcome_room(share, task) + blocks,
    }
}

/// Bytes each block of one exposure holds besides its outcomes (its layer sums, the buffers of
/// at most one [`OutcomeColumns`], its task), per iteration.
const BLOCK_BYTES_PER_ITERATION: f64 =
    (std::mem::size_of::<OutcomeColumns>() + std::mem::size_of::<LayerSums>() + 64) as f64 / BLOCK_ITERATIONS as f64;

/// The share of iterations in which `e` stores an outcome: all in breach mode; in annual mode
/// those with a breach of its own or with a systemic event that may hit it (an upper bound:
/// an event's footprint may spare it).
fn stored_share(model: &Model, e: &ExposureModel) -> f64 {
    match model.settings.mode {
        Mode::Breach => 1.0,
        Mode::Annual => {
            let events: f64 = e.systemic.iter().map(|&s| model.assumptions.systemic[s].annual_rate).sum();
            // Years with incidents a control then prevented are stored too.
            let drawn: f64 = drawn_rates(model, e).sum();
            1.0 - (-(drawn + events)).exp()
        }
    }
}

/// Expected bytes of `e`'s stored outcomes (outcome and component costs) per iteration: its
/// iteration (a 16-bit offset in its part), gross and largest gross, and where policy terms
/// can change them the insured, largest insured and largest retained too.
fn outcome_bytes_per_iteration(model: &Model, e: &ExposureModel) -> f64 {
    let outcome = if e.insured_is_gross(&model.assumptions) { 2 + 2 * 8 } else { 2 + 5 * 8 };
    // (And a recovery per per-risk treaty layer: [`OutcomeColumns::ceded`].)
    let per_risk = match model.settings.mode {
        Mode::Annual => model.assumptions.treaties.iter().filter(|t| t.kind.is_per_risk()).count(),
        Mode::Breach => 0,
    };
    // (And, with more than one cost column, the columns not zero: [`CostRows`].)
    let width = e.width();
    let costs = if width > 1 { row_overhead(width) as f64 + 8.0 * expected_columns(model, e) } else { 0.0 };
    stored_share(model, e) * ((outcome + 8 * per_risk) as f64 + costs)
}

/// The room a task of `iterations` takes for its outcomes, as a multiple of the expected
/// number stored: its reservation, or (below [`RESERVE_FROM`]) at most twice what is
/// stored as the buffers double.
fn outcome_room(share: f64, iterations: usize) -> f64 {
    match outcome_capacity(share, iterations) {
        0 => 2.0,
        capacity => (capacity as f64 / (iterations as f64 * share)).max(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};
    use crate::engine::simulate_exposures;

    /// The first outcome at or past an iteration, from a row on, is what a scan finds: with
    /// iterations held as offsets from the first and as they are (past 65,535 of it).
    #[test]
    fn first_from_finds_the_first_outcome_at_or_past_an_iteration() {
        for iterations in [vec![3u64, 4, 9, 10, 10_000], vec![7, 70_000, 70_001, 200_000]] {
            let mut part = OutcomeColumns::with_capacity(1, (1, 0));
            for &i in &iterations {
                part.push(Outcome { iteration: i, gross: 1.0, insured: 1.0, largest_gross: 1.0, ..Default::default() });
            }
            let far = matches!(part.iterations, Iterations::Far(_));
            assert_eq!(far, iterations[iterations.len() - 1] - iterations[0] > u64::from(u16::MAX));
            for from in 0..=iterations.len() + 1 {
                for end in [0, 2, 3, 4, 5, 9, 10, 11, 10_000, 70_001, 70_002, 500_000] {
                    let scan = (from..iterations.len()).find(|&r| iterations[r] >= end).unwrap_or(iterations.len());
                    assert_eq!(part.first_from(from, end), scan.max(from.min(iterations.len())), "{from} {end}");
                }
            }
        }
    }

    #[test]
    fn a_part_gives_back_the_outcomes_pushed_whatever_columns_it_keeps() {
        let passes = |i: u64, g: f64| Outcome {
            iteration: i,
            gross: g,
            insured: g,
            largest_gross: g / 2.0,
            largest_insured: g / 2.0,
            largest_retained: 0.0,
        };
        let bitten = Outcome { insured: 3.0, largest_insured: 2.0, largest_retained: 1.0, ..passes(5, 10.0) };
        for pushed in [
            vec![passes(0, 1.0), passes(3, 2.0)],
            vec![passes(0, 1.0), passes(3, 2.0), bitten, passes(9, 4.0)],
            vec![bitten, passes(9, 4.0)],
            vec![],
        ] {
            let mut part = OutcomeColumns::with_capacity(1, (1, 0));
            for x in &pushed {
                part.push(*x);
            }
            assert_eq!(part.outcomes().collect::<Vec<_>>(), pushed);
            assert_eq!(part.insured_is_gross(), !pushed.contains(&bitten));
            assert_eq!(part.gross(), pushed.iter().map(|x| x.gross).collect::<Vec<_>>());
            assert_eq!(part.largest_gross(), pushed.iter().map(|x| x.largest_gross).collect::<Vec<_>>());
        }
    }

    /// The ranges handed over with the gross and largest-breach columns are exactly those of
    /// the columns' values, and given only where every value is a loss (here: years whose only
    /// component did not arise cost nothing).
    #[test]
    fn gross_columns_come_with_their_ranges() {
        let sure = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n";
        let maybe =
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\nprobability = 0.5\n";
        for (toml, expect_unranged) in [(sure, false), (maybe, true)] {
            let csv = "id,records,annual_rate\nx,5000,0.3\ny,100,3\n";
            let model = test_model(csv, toml, RunSettings { mode: Mode::Annual, iterations: 20_000, seed: 9 });
            let (mut ranged, mut unranged) = (0, 0);
            for mut o in simulate_exposures(&model, 0..2, 0..20_000, &|_| {}) {
                let (gross, largest) = o.take_gross_columns();
                for segment in gross.iter().chain(&largest).filter(|s| !s.values.is_empty()) {
                    assert_eq!(segment.range, crate::stats::range_by_folds(&segment.values));
                    if segment.range.is_some() {
                        ranged += 1;
                    } else {
                        unranged += 1;
                    }
                }
            }
            // (Half the breaches of `maybe` cost nothing: every block has a year without a loss.)
            assert_eq!((ranged > 0, unranged > 0), (!expect_unranged, expect_unranged));
        }
    }

    /// Iterations are kept as 16-bit offsets while they fit, as themselves once one does not
    /// (a list of tail years, a shard), pushed or extended, whatever the first one.
    #[test]
    fn a_part_keeps_its_iterations_near_or_far() {
        let far = u64::from(u16::MAX) + 1;
        for iterations in [
            vec![7, 9, 7 + u64::from(u16::MAX)],
            vec![7, 9, 7 + far],
            vec![far * 3, far * 3 + 1, u64::MAX - 1, u64::MAX],
            vec![u64::MAX],
            vec![0, 1 << 40],
        ] {
            let mut pushed = Iterations::default();
            let mut extended = Iterations::with_capacity(2);
            for i in &iterations {
                pushed.push(*i);
            }
            let (head, tail) = iterations.split_at(1);
            extended.extend(head.iter().copied());
            extended.extend(tail.iter().copied());
            for held in [&pushed, &extended] {
                assert_eq!((0..held.len()).map(|i| held.get(i)).collect::<Vec<_>>(), iterations);
            }
            let near = iterations.last().zip(iterations.first()).is_some_and(|(l, f)| l - f < far);
            assert_eq!(matches!(pushed, Iterations::Near { .. }), near, "{iterations:?}");
        }
    }
}
