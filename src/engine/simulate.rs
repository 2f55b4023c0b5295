//! The Monte Carlo loop: breaches, component costs and policy terms, iteration by iteration.
//!
//! Work is cut into (exposure, iteration range) chunks run in parallel with rayon, and chunks
//! are reassembled in order, so results do not depend on the number of threads. Iterations
//! fall in fixed blocks of [`CHUNK_ITERATIONS`]; an exposure's own breaches in a block (their
//! years and counts) come from streams keyed by (seed, exposure, block), and breach number i
//! of the block draws each of its variables (affected share, copula normals, each component's
//! occurrence, fixed, per-unit and unit-share) from that variable's column: output i of a
//! stream keyed by (seed, exposure, block, variable), then (for a draw needing more) a stream
//! keyed by (seed, exposure, block, variable, i) ([`ColumnDraws`]). Breaches are costed a batch
//! at a time, column by column. A systemic event's
//! breach draws from streams keyed by (seed, event, iteration, occurrence, exposure).

use std::ops::Range;

use rand_distr::Distribution;
use rayon::prelude::*;

use super::model::{ExposureModel, Model};
use super::rng::{
    mix, mix_prepared, name_key, prepare_child, stream, ColumnDraws, Stream, AFFECTED_STREAM, CORRELATION_STREAM,
    COUNT_STREAM, FOOTPRINT_STREAM, SYSTEMIC_BREACH_STREAM, SYSTEMIC_EVENT_STREAM, YEAR_SKIP_STREAM,
};
use super::ziggurat::standard_exponential;
use crate::input::dist::{exp_column, open_unit, GammaSampler, NormalDraws, Var};
use crate::input::portfolio_risk::EventCount;
use crate::input::{Component, CountModel, Mode, PolicyTerms};
use crate::stats::{LossRange, Segment};

/// Iterations per block: an exposure's draws are keyed by block, and its increased-limit
/// layer sums kept per block (see [`ExposureOutcomes::layer_sums`]).
pub const CHUNK_ITERATIONS: u64 = 4096;

/// Blocks per task of work (one [`OutcomeChunk`]): few enough tasks to balance threads, each
/// large enough that what a task costs besides its years (setting up, its chunk's buffers,
/// scheduling, and a segment for the statistics to read) costs little. A sixteenth as large,
/// W1 (one exposure, ten million years) took 13% longer.
pub const TASK_BLOCKS: u64 = 16;

/// What one iteration (a policy year, or one breach in breach mode) produced for one
/// exposure. Only iterations with at least one breach are stored: the others are zero.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// Per-breach limits at which increased-limit factors are reported.
pub const ILF_LIMITS: [f64; 7] = [1e6, 2e6, 5e6, 10e6, 25e6, 50e6, 100e6];

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
/// chunks they were simulated in (gathering them into one buffer would copy every outcome).
#[derive(Debug, Clone, Default)]
pub struct ExposureOutcomes {
    /// Index into [`Model::exposures`].
    pub exposure: usize,
    pub chunks: Vec<OutcomeChunk>,
    pub simulated_breaches: u64,
    /// Per block of [`CHUNK_ITERATIONS`] (in order), the sum over its iterations of the insured
    /// loss had the per-breach limit been each of [`ILF_LIMITS`] (same retention, sublimits,
    /// share and aggregate limit): the same breaches with the terms re-applied. Summing per
    /// fixed block keeps the totals independent of threads and of how a run is split.
    pub layer_sums: Vec<[f64; ILF_LIMITS.len()]>,
}

/// The outcomes of one chunk of iterations, column by column.
#[derive(Debug, Clone, Default)]
pub struct OutcomeChunk {
    iterations: Iterations,
    gross: Vec<f64>,
    largest_gross: Vec<f64>,
    /// Insured, largest insured and largest retained per outcome; empty while every outcome
    /// of the chunk has insured = gross, largest insured = largest gross and nothing retained
    /// (no policy terms bite, the common case that then stores 24 bytes an outcome, not 48).
    insured: Vec<[f64; 3]>,
    /// One per outcome for exposures that systemic events can hit; empty otherwise (all
    /// their breaches are their own, so the independent figures are the outcome's).
    pub independent: Vec<Independent>,
    /// Cost per applicable component, `len() × components` values, row-major: the component
    /// costs of outcome `i` are `component_costs[i*k..(i+1)*k]`. Empty for an exposure with
    /// a single component, whose cost in each iteration is the gross.
    /// (See [`ExposureOutcomes::rows`], which reads both layouts.)
    pub component_costs: Vec<f64>,
    /// The range of the outcomes' gross and largest-breach losses where they came the short
    /// way (worked out as they were written), handed to the statistics with the columns.
    ranges: Ranges,
}

/// What a chunk knows of the range of its outcomes' losses (see [`OutcomeChunk`]).
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

/// The iterations of a chunk's outcomes, ascending: offsets of 16 bits from the first while
/// they all fit (2 bytes an outcome where 8 would do for any: a chunk of a run covers at most
/// [`TASK_BLOCKS`] × [`CHUNK_ITERATIONS`] = 65,536 iterations), the iterations themselves once
/// one does not.
#[derive(Debug, Clone)]
enum Iterations {
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
    fn extend(&mut self, iterations: impl DoubleEndedIterator<Item = u64> + Clone) {
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

impl OutcomeChunk {
    /// An empty chunk with room for `outcomes` outcomes of `components` component costs.
    pub fn with_capacity(outcomes: usize, components: usize) -> Self {
        OutcomeChunk {
            iterations: Iterations::with_capacity(outcomes),
            gross: Vec::with_capacity(outcomes),
            largest_gross: Vec::with_capacity(outcomes),
            component_costs: Vec::with_capacity(if components > 1 { outcomes * components } else { 0 }),
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
    fn note_ranges(&mut self, added: [Option<LossRange>; 2]) {
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
}

impl ExposureOutcomes {
    /// The stored outcomes in iteration order.
    pub fn outcomes(&self) -> impl Iterator<Item = Outcome> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.outcomes())
    }

    /// Each stored outcome's independent figures (see [`Independent`]), in iteration order.
    pub fn independent(&self) -> impl Iterator<Item = Independent> + '_ {
        self.chunks.iter().flat_map(|c| {
            c.outcomes().enumerate().map(move |(i, x)| match c.independent.get(i) {
                Some(own) => *own,
                None => Independent { gross: x.gross, insured: x.insured, largest_gross: x.largest_gross },
            })
        })
    }

    /// Each stored outcome with its component costs (one per applicable component).
    pub fn rows(&self, components: usize) -> impl Iterator<Item = (Outcome, &[f64])> {
        self.chunks.iter().flat_map(move |c| {
            let width = components.max(1);
            (0..c.len()).map(move |i| {
                let costs = c.component_costs.get(i * width..(i + 1) * width).unwrap_or_default();
                // One component: its cost is the gross (not stored twice).
                if components == 1 && costs.is_empty() {
                    (c.get(i), &c.gross[i..=i])
                } else {
                    (c.get(i), costs)
                }
            })
        })
    }

    /// All component costs, row-major (see [`OutcomeChunk::component_costs`]; with one
    /// component, nothing: its costs are the gross).
    pub fn component_costs(&self) -> impl Iterator<Item = &f64> {
        self.chunks.iter().flat_map(|c| c.component_costs.iter())
    }

    /// The number of stored outcomes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(OutcomeChunk::len).sum()
    }

    /// Takes every chunk's gross and largest-breach columns (in iteration order), for a last
    /// reader that would otherwise copy them: the outcomes are gone afterwards (only the
    /// component costs, the layer sums and the breach count stay).
    pub fn take_gross_columns(&mut self) -> (Vec<Segment>, Vec<Segment>) {
        self.chunks
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
        self.chunks.iter().all(OutcomeChunk::insured_is_gross)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The outcomes to make room for in a chunk of `iterations` of which a share `share` is
/// expected to store one: the mean plus five standard deviations, and a few; none where
/// fewer than [`RESERVE_FROM`] are expected (the buffers then grow as outcomes come, and a
/// chunk of a rarely breached exposure holds a few bytes, not a reservation).
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

/// The room a chunk of `iterations` takes for its outcomes, as a multiple of the expected
/// number stored: its reservation, or (below [`RESERVE_FROM`]) at most twice what is
/// stored as the buffers double.
pub fn outcome_room(share: f64, iterations: usize) -> f64 {
    match outcome_capacity(share, iterations) {
        0 => 2.0,
        capacity => (capacity as f64 / (iterations as f64 * share)).max(1.0),
    }
}

/// Per-breach results that the year needs.
struct BreachCost {
    gross: f64,
    /// Covered cost after sublimits, before retention and limits.
    covered: f64,
    /// After sublimits, retention and per-breach limit; before share and aggregate.
    insured_before_share: f64,
}

/// What a year's breaches add up to, before the year's aggregate limit and share.
#[derive(Debug, Default)]
struct YearTotals {
    gross: f64,
    /// Sum of the breaches' insured parts before share and aggregate limit.
    insured_sum: f64,
    largest_gross: f64,
    largest_insured: f64,
    largest_retained: f64,
}

impl YearTotals {
    #[inline]
    fn add(&mut self, breach: &BreachCost, terms: &PolicyTerms, mode: Mode, layers: &mut Layers) {
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
    fn close(&self, iteration: u64, terms: &PolicyTerms, mode: Mode, layers: &mut Layers) -> Outcome {
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
struct Layers {
    linear: bool,
    year: [f64; ILF_LIMITS.len()],
    total: [f64; ILF_LIMITS.len()],
}

impl Layers {
    fn new(terms: &PolicyTerms, mode: Mode) -> Self {
        Layers { linear: Self::linear_for(terms, mode), year: [0.0; ILF_LIMITS.len()], total: [0.0; ILF_LIMITS.len()] }
    }

    /// Whether the year's terms are linear (see [`Layers`]).
    fn linear_for(terms: &PolicyTerms, mode: Mode) -> bool {
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
    fn add_each(&mut self, above_retention: &[f64]) {
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
    fn finish(&self, terms: &PolicyTerms, mode: Mode) -> [f64; ILF_LIMITS.len()] {
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
fn insured_before_share(terms: &PolicyTerms, covered: f64) -> f64 {
    smaller(larger(covered - terms.retention, 0.0), terms.limit)
}

/// `a.max(b)` for numbers that are never NaN (costs are finite: the model refuses parameters
/// that could overflow): one instruction, where `f64::max` must also handle NaN.
#[inline(always)]
fn larger(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// `a.min(b)` for numbers that are never NaN (see [`larger`]).
#[inline(always)]
fn smaller(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// The insured part of `sum` (breaches' insured parts before share and aggregate): the
/// contract's terms of the year. In breach mode the retention, limit and share apply to the
/// one breach; in annual mode the aggregate limit caps the year, then the share applies.
#[inline]
fn year_terms(terms: &PolicyTerms, mode: Mode, sum: f64) -> f64 {
    match mode {
        Mode::Breach => terms.share * sum,
        Mode::Annual => terms.share * smaller(sum, terms.aggregate_limit),
    }
}

/// The simulator of one exposure: resolved references into the model.
struct ExposureSimulator<'m> {
    model: &'m Model,
    exposure: &'m ExposureModel,
    exposure_key: u64,
    poisson: Option<rand_distr::Poisson<f64>>,
    /// Negative binomial: the gamma law of the year's breach rate.
    year_rate: Option<GammaSampler>,
    any_curve: bool,
    /// The applicable components, in order, resolved for the breach loop.
    steps: Vec<Step<'m>>,
    /// Which years have breaches of the exposure's own, and how many.
    years: YearLaw,
    /// Whether years that no term or event can touch take the short way (always, but for the
    /// test that the short way gives the same outcomes as the general one).
    shortcut: bool,
}

/// One applicable component of an exposure, with what costing it needs looked up once.
struct Step<'m> {
    component: &'m Component,
    /// Its stream key prepared as a child ([`prepare_child`]).
    child: u64,
    /// Its units are the affected records themselves (a unit share that is always 1) raised to
    /// an exponent other than 1 and ½, so that the power can be taken as
    /// `exp(exponent × ln affected)` with the logarithm shared by the breach's components.
    power_of_affected: bool,
    /// If it is correlated: its position in the `[correlation]` matrix, and which of its
    /// variables the copula's uniform drives (its leading random one: [`LEADING`] order).
    leading: Option<(usize, usize)>,
    /// What the policy covers of one breach's cost of it: its sublimit; `None` if not covered.
    covered_up_to: Option<f64>,
}

/// A component's variables by index: fixed, per unit, unit share (the order of its columns).
const FIXED: usize = 0;
const PER_UNIT: usize = 1;
const UNIT_SHARE: usize = 2;
/// Which variable the copula drives: per unit if it is random, else fixed, else unit share.
const LEADING: [usize; 3] = [PER_UNIT, FIXED, UNIT_SHARE];

/// How an exposure's own breach counts are drawn.
#[derive(Debug, Clone)]
enum YearLaw {
    /// No year has a breach of its own (rate 0, or a held count of 0).
    Never,
    /// Every year has exactly this many (breach mode: 1; a held count).
    Every(u32),
    /// Years with at least one breach are found by geometric skips over blocks of
    /// [`CHUNK_ITERATIONS`] years, `ln_p0` being the log-probability of a year without
    /// one; the count in such a year is drawn from the count law given N ≥ 1, by inversion
    /// of `cdf` (P(N ≤ k), ending at +∞) when there is one, else by rejection.
    Skip { ln_p0: f64, p0: f64, cdf: Vec<f64> },
    /// Poisson breaches at a modest rate: the breaches of a block are the points of a Poisson
    /// process of this rate per year, found by exponential gaps between breaches (one draw a
    /// breach, counting and placing them at once); a year's count is how many fall in it.
    Arrivals { rate: f64 },
}

/// Up to this rate (breaches a year) Poisson counts come from arrivals ([`YearLaw::Arrivals`]);
/// above, from a count drawn per year, so that a block's list of breaches stays short.
const ARRIVALS_MAX_RATE: f64 = 4.0;

/// Above this rate, counts are drawn with rand_distr's Poisson sampler; below, by inversion.
const INVERSION_MAX_RATE: f64 = 30.0;

impl<'m> ExposureSimulator<'m> {
    fn new(model: &'m Model, index: usize) -> Self {
        let exposure = &model.exposures[index];
        let rate = exposure.rate;
        let any_curve = exposure
            .components
            .iter()
            .any(|c| matches!(model.assumptions.components[*c].probability, crate::input::Probability::Curve(_)));
        ExposureSimulator {
            model,
            exposure,
            exposure_key: mix(model.settings.seed, exposure.key),
            poisson: if rate > INVERSION_MAX_RATE { rand_distr::Poisson::new(rate).ok() } else { None },
            year_rate: match model.assumptions.frequency.model {
                CountModel::NegativeBinomial { dispersion } => GammaSampler::new(1.0 / dispersion, dispersion * rate),
                CountModel::Poisson => None,
            },
            any_curve,
            steps: exposure
                .components
                .iter()
                .map(|&c| {
                    let component = &model.assumptions.components[c];
                    let exponent = component.exponent;
                    Step {
                        component,
                        child: prepare_child(model.component_keys[c]),
                        power_of_affected: component.unit_share.fixed_value() == Some(1.0)
                            && exponent != 1.0
                            && exponent != 0.5
                            && exponent.is_finite(),
                        leading: model.correlated_position[c].map(|position| {
                            let vars = [&component.per_unit, &component.fixed, &component.unit_share];
                            let first_random = vars.iter().position(|v| !v.is_constant()).unwrap_or(2);
                            (position, LEADING[first_random])
                        }),
                        covered_up_to: component.covered.then(|| exposure.terms.sublimits[c]),
                    }
                })
                .collect(),
            years: YearLaw::of(model, rate),
            shortcut: true,
        }
    }

    /// Whether no policy term can change the exposure's outcomes (insured = gross, nothing
    /// retained, increased-limit layers summed straight): its years may take the short way.
    fn passes_through(&self) -> bool {
        self.shortcut
            && self.exposure.insured_is_gross(&self.model.assumptions)
            && Layers::linear_for(&self.exposure.terms, self.model.settings.mode)
    }

    /// How many of `iterations` to make room for ([`outcome_capacity`]) from the share of years
    /// with a breach of the exposure's own, to size the outcome buffers once. Years hit only by a
    /// systemic event are rare enough to be left to the buffers' growth: over-sized buffers
    /// would cost more (memory the kernel must clear) than the odd reallocation.
    fn expected_stored(&self, iterations: usize) -> usize {
        let share = match &self.years {
            YearLaw::Never => 0.0,
            YearLaw::Every(_) => 1.0,
            YearLaw::Skip { p0, .. } => 1.0 - p0,
            YearLaw::Arrivals { rate } => -(-rate).exp_m1(),
        };
        outcome_capacity(share, iterations)
    }

    /// The exposure's own breaches in a year known to have at least one (see [`YearLaw`]),
    /// drawn from `rng`, the block's count stream, taken by its years in order.
    fn positive_count(&self, rng: &mut Stream) -> u32 {
        let YearLaw::Skip { p0, cdf, .. } = &self.years else {
            return match self.years {
                YearLaw::Every(n) => n,
                _ => 0,
            };
        };
        if !cdf.is_empty() {
            // Inversion of the law given N ≥ 1: a uniform on (P(0), 1).
            let target = p0 + open_unit(rng) * (1.0 - p0);
            return invert(cdf, target).max(1);
        }
        // Large rates: P(0) is negligible, so rejection almost never repeats.
        for _ in 0..1000 {
            let n = match (&self.poisson, &self.year_rate) {
                (Some(sampler), _) => sampler.sample(rng),
                (None, Some(gamma)) => {
                    let year_rate = gamma.sample(rng);
                    rand_distr::Poisson::new(year_rate).map_or(0.0, |p| p.sample(rng))
                }
                (None, None) => rand_distr::Poisson::new(self.exposure.rate).map_or(0.0, |p| p.sample(rng)),
            };
            if n >= 1.0 {
                return n.min(f64::from(u32::MAX)) as u32;
            }
        }
        1
    }

    /// Appends to `years` the years of block `block` (iterations `block·CHUNK_ITERATIONS` on)
    /// that have at least one breach of the exposure's own, ascending, with their counts. They
    /// depend only on the seed, the exposure and the block (`block_key`), whatever part of the
    /// block a call simulates.
    fn count_years(&self, block: u64, block_key: u64, years: &mut Vec<(u64, u32)>) {
        let start = block * CHUNK_ITERATIONS;
        let end = start + CHUNK_ITERATIONS;
        match &self.years {
            YearLaw::Never => {}
            YearLaw::Every(n) => years.extend((start..end).map(|year| (year, *n))),
            YearLaw::Skip { ln_p0, .. } => {
                let mut rng = stream(mix(block_key, YEAR_SKIP_STREAM));
                let mut counts = stream(mix(block_key, COUNT_STREAM));
                let mut year = start;
                while year < end {
                    // Years without a breach before the next one: geometric, P(0)^g (1 − P(0)),
                    // the floor of an exponential of mean −1/ln P(0).
                    let e = standard_exponential(&mut rng);
                    let gap = e / -ln_p0;
                    if gap.is_nan() || gap >= (end - year) as f64 {
                        break;
                    }
                    year += gap as u64;
                    years.push((year, self.positive_count(&mut counts)));
                    year += 1;
                }
            }
            YearLaw::Arrivals { rate } => {
                let mut rng = stream(mix(block_key, YEAR_SKIP_STREAM));
                // Time since the block's start, in years; the arrivals' gaps are exponential.
                let mut t = 0.0;
                let span = CHUNK_ITERATIONS as f64;
                let mean_gap = 1.0 / rate;
                loop {
                    let e = standard_exponential(&mut rng);
                    t += e * mean_gap;
                    // (NaN: 0 × ∞ from a rate so small that its reciprocal overflows.)
                    if t.is_nan() || t >= span {
                        break;
                    }
                    // (t < 4096: a 32-bit conversion, one instruction.)
                    let year = start + u64::from(t as u32);
                    match years.last_mut() {
                        Some((last, count)) if *last == year => *count += 1,
                        _ => years.push((year, 1)),
                    }
                }
            }
        }
    }

    /// The cost of one breach; component costs go into `costs` (one per applicable component).
    #[inline]
    fn breach(&self, breach_key: u64, affected_share: &Var, costs: &mut [f64], copula: &mut [f64]) -> BreachCost {
        let assumptions = &self.model.assumptions;
        let affected = match self.exposure.affected {
            Some(a) => a,
            None => {
                // A share that is always the same draws nothing: its stream (its own) need not be set up.
                let share = match affected_share.fixed_value() {
                    Some(share) => share,
                    None => affected_share.sample(&mut stream(mix(breach_key, AFFECTED_STREAM))),
                };
                self.exposure.records * share
            }
        };
        if let Some(correlation) = &assumptions.correlation {
            correlated_uniforms(&correlation.factor, &mut stream(mix(breach_key, CORRELATION_STREAM)), copula);
        }
        let log10_affected = if self.any_curve { not_speculated(f64::log10, affected) } else { 0.0 };
        // ln(affected), taken by the first component that needs it and shared with the others.
        let mut ln_affected = None;
        let terms = &self.exposure.terms;
        let mut gross = 0.0;
        let mut covered = 0.0;
        for (slot, step) in costs.iter_mut().zip(&self.steps) {
            let component = step.component;
            let mut rng = stream(mix_prepared(breach_key, step.child));
            // The occurrence draw comes first and is always made, so a component's other
            // draws sit at the same place in its stream whatever its probability.
            let occurs_by_chance = if component.probability.is_certain() {
                // A uniform below 1 is always below a probability of 1: only its place is needed.
                rng.skip();
                true
            } else {
                open_unit(&mut rng) < component.probability.at(log10_affected)
            };
            let occurs = component.held_occurrence.unwrap_or(occurs_by_chance);
            let cost = if occurs {
                let mut fixed = component.fixed.sample(&mut rng);
                let mut per_unit = component.per_unit.sample(&mut rng);
                let mut unit_share = component.unit_share.sample(&mut rng);
                if let Some((position, lead)) = step.leading {
                    // The copula's uniform drives the component's leading random draw; the
                    // independent draws above were still made, so the stream stays aligned.
                    let u = copula[position];
                    let (var, value) = match lead {
                        FIXED => (&component.fixed, &mut fixed),
                        PER_UNIT => (&component.per_unit, &mut per_unit),
                        _ => (&component.unit_share, &mut unit_share),
                    };
                    *value = var.value_at(u);
                }
                let units = affected * unit_share;
                let exponent = component.exponent;
                let scaled = if exponent == 1.0 {
                    units
                } else if exponent == 0.5 {
                    units.sqrt()
                } else if step.power_of_affected && affected > 0.0 && units == affected {
                    // affected^exponent (to a few ulps of powf, at a fraction of its cost).
                    (exponent * *ln_affected.get_or_insert_with(|| not_speculated(f64::ln, affected))).exp()
                } else {
                    units.powf(exponent)
                };
                fixed + per_unit * scaled
            } else {
                0.0
            };
            *slot = cost;
            gross += cost;
            if let Some(sublimit) = step.covered_up_to {
                covered += cost.min(sublimit);
            }
        }
        BreachCost { gross, covered, insured_before_share: insured_before_share(terms, covered) }
    }

    /// Costs the next [`BATCH`] own breaches of `own`'s block, column by column (see
    /// [`OwnBreaches`]).
    fn cost_batch(&self, own: &mut OwnBreaches, first: u64, n: usize) {
        let assumptions = &self.model.assumptions;
        let k = self.steps.len();
        let OwnBreaches {
            affected_key,
            copula_key,
            keys,
            affected,
            log10_affected,
            copula,
            columns,
            costs,
            gross,
            covered,
            insured,
            occurring,
            scaled,
            ln_affected,
            gross_only: own_gross_only,
            ..
        } = own;
        let own_gross_only = *own_gross_only;
        let (affected, log10_affected, gross, covered, insured) =
            (&mut affected[..n], &mut log10_affected[..n], &mut gross[..n], &mut covered[..n], &mut insured[..n]);
        let positions = positions_of(self.model);
        let copula = &mut copula[..n * positions];
        // Every draw of breach number i of the block comes from each column's draws for i
        // ([`ColumnDraws`]): whatever else is drawn, and none for breaches passed over.
        let number = |i: usize| first + i as u64;
        match self.exposure.affected {
            Some(a) => affected.fill(a),
            None => {
                let key = *affected_key;
                assumptions.breach.affected_share.fill_each(affected, |i| ColumnDraws::new(key, number(i)));
                for a in affected.iter_mut() {
                    *a *= self.exposure.records;
                }
            }
        }
        if let Some(correlation) = &assumptions.correlation {
            for (i, uniforms) in copula.chunks_exact_mut(positions).enumerate() {
                correlated_uniforms(&correlation.factor, &mut ColumnDraws::new(*copula_key, number(i)), uniforms);
            }
        }
        if self.any_curve {
            for (l, a) in log10_affected.iter_mut().zip(affected.iter()) {
                *l = a.log10();
            }
        }
        if self.steps.iter().any(|step| step.power_of_affected) {
            for (l, a) in ln_affected[..n].iter_mut().zip(affected.iter()) {
                // (Where nothing is affected the power is taken otherwise: any number will do.)
                *l = if *a > 0.0 { a.ln() } else { 0.0 };
            }
        }
        gross.fill(0.0);
        if !own_gross_only {
            covered.fill(0.0);
        }
        for (s, (step, [occurrence_key, var_keys @ ..])) in self.steps.iter().zip(keys.iter()).enumerate() {
            let component = step.component;
            let always = match component.held_occurrence {
                Some(held) => Some(held),
                None if component.probability.is_certain() => Some(true),
                None => None,
            };
            // The breaches in which the component arises; only they draw its variables (each
            // variable's stream is taken by them in order). A component that always arises
            // is costed densely: its i-th draw is breach i's.
            occurring.clear();
            let dense = always == Some(true);
            if always.is_none() {
                for (j, l) in log10_affected.iter().enumerate() {
                    let u = open_unit(&mut ColumnDraws::new(*occurrence_key, number(j)));
                    if u < component.probability.at(*l) {
                        occurring.push(j as u32);
                    }
                }
            }
            let m = if dense { n } else { occurring.len() };
            // The breach of the component's i-th draw.
            let breach = |i: usize| if dense { i } else { occurring[i] as usize };
            // A per-unit cost that is always zero adds `0 × units`, which is +0 (units are
            // finite): its units are not worked out.
            let no_units = component.per_unit.fixed_value() == Some(0.0);
            let vars = [&component.fixed, &component.per_unit, &component.unit_share];
            for (v, ((var, key), column)) in vars.iter().zip(var_keys).zip(columns.iter_mut()).enumerate() {
                if no_units && v != FIXED {
                    continue;
                }
                let column = &mut column[..m];
                // The copula's uniform drives the leading random variable in place of its draws.
                match step.leading {
                    Some((position, lead)) if lead == v => {
                        for (i, x) in column.iter_mut().enumerate() {
                            *x = var.value_at(copula[breach(i) * positions + position]);
                        }
                    }
                    _ if dense => var.fill_each(column, |i| ColumnDraws::new(*key, number(i))),
                    _ => var.fill_each(column, |i| ColumnDraws::new(*key, number(occurring[i] as usize))),
                }
            }
            let [fixed, per_unit, unit_share] = &*columns;
            let scaled = &mut scaled[..m];
            if !no_units {
                if dense {
                    scale_units(step, affected, ln_affected, &unit_share[..m], scaled, |i| i);
                } else {
                    scale_units(step, affected, ln_affected, &unit_share[..m], scaled, |i| occurring[i] as usize);
                }
            }
            if k > 1 {
                for j in 0..n {
                    costs[j * k + s] = 0.0;
                }
            }
            let sublimit = if own_gross_only { None } else { step.covered_up_to };
            let mut add = |i: usize, j: usize| {
                let cost = if no_units { fixed[i] + 0.0 } else { fixed[i] + per_unit[i] * scaled[i] };
                if k > 1 {
                    costs[j * k + s] = cost;
                }
                gross[j] += cost;
                if let Some(sublimit) = sublimit {
                    covered[j] += smaller(cost, sublimit);
                }
            };
            if dense && k == 1 && sublimit.is_none() {
                // The common case: a column of costs added to a column of sums, which the
                // compiler vectorises (the same sums as `add`).
                let gross = gross.iter_mut().zip(&fixed[..n]);
                if no_units {
                    for (sum, fixed) in gross {
                        *sum += fixed + 0.0;
                    }
                } else {
                    for ((sum, fixed), (per_unit, scaled)) in gross.zip(per_unit[..n].iter().zip(&scaled[..n])) {
                        *sum += fixed + per_unit * scaled;
                    }
                }
            } else if dense {
                for i in 0..n {
                    add(i, i);
                }
            } else {
                for (i, &j) in occurring.iter().enumerate() {
                    add(i, j as usize);
                }
            }
        }
        if own_gross_only {
            // (Read only where terms apply.)
            return;
        }
        let terms = &self.exposure.terms;
        for (insured, covered) in insured.iter_mut().zip(covered.iter()) {
            *insured = insured_before_share(terms, *covered);
        }
    }

    /// Simulates `wanted`, storing the iterations with at least one breach.
    fn run(&self, wanted: &Wanted, schedule: &SystemicSchedule, out: &mut ExposureOutcomes) {
        let k = self.exposure.components.len();
        let positions = positions_of(self.model);
        let mut costs = vec![0.0; k];
        let mut year_costs = vec![0.0; k];
        let mut copula = vec![0.0; positions];
        let mut own = OwnBreaches::new(k, positions);
        // (breach key, affected share law) of the year's systemic breaches.
        let mut shared: Vec<(u64, &Var)> = Vec::new();
        let mut layers = Layers::new(&self.exposure.terms, self.model.settings.mode);
        if out.chunks.is_empty() {
            out.chunks.push(OutcomeChunk::default());
        }
        let ExposureOutcomes { chunks, simulated_breaches, layer_sums: chunk_layer_sums, .. } = out;
        let Some(chunk) = chunks.last_mut() else { return };
        let terms = &self.exposure.terms;
        let mode = self.model.settings.mode;
        let assumptions = &self.model.assumptions;
        let occurrences = if self.exposure.systemic.is_empty() { &[][..] } else { schedule.occurrences() };
        let pass_through = self.passes_through();
        // The candidate years: those with breaches of the exposure's own, and those with a
        // systemic event that may hit it; each year once, ascending, up to the last wanted one.
        let expected = self.expected_stored(CHUNK_ITERATIONS as usize);
        let mut own_years: Vec<(u64, u32)> = Vec::with_capacity(expected);
        // Batches are costed up to the last wanted year's breaches (a range of years), or
        // year by year (a list of years: a few years each needing their own breaches only).
        let contiguous = matches!(wanted, Wanted::Range(..));
        for (b, block) in wanted.blocks().into_iter().enumerate() {
            let (start, end) = (block * CHUNK_ITERATIONS, (block + 1) * CHUNK_ITERATIONS);
            let Some(last_wanted) = wanted.last_in(start..end) else { continue };
            if b > 0 {
                // The layer sums are kept per block: the previous one's are done.
                chunk_layer_sums.push(layers.finish(terms, mode));
                layers = Layers::new(terms, mode);
            }
            let block_key = mix(self.exposure_key, block);
            own_years.clear();
            self.count_years(block, block_key, &mut own_years);
            let first_event = occurrences.partition_point(|o| o.iteration < start);
            let block_events = &occurrences[first_event..];
            let block_events = &block_events[..block_events.partition_point(|o| o.iteration < end)];
            let hits_this = |o: &SystemicOccurrence| self.exposure.systemic.contains(&o.event);
            let short_way = contiguous && pass_through && !block_events.iter().any(hits_this);
            own.start(self, block_key, short_way);
            let wanted_breaches: Option<u64> = contiguous.then(|| {
                own_years.iter().take_while(|(year, _)| *year <= last_wanted).map(|(_, c)| u64::from(*c)).sum()
            });
            let batch_end = |position: u64, count: u32| wanted_breaches.unwrap_or_else(|| position + u64::from(count));
            if short_way {
                // No term can bite and no event hits: the same outcomes as below, bit for bit
                // (insured = gross, nothing retained, layers of the gross), without the terms,
                // for the years of the range (those before its start pass their breaches over).
                let upto = own_years.partition_point(|(year, _)| *year <= last_wanted);
                let from = own_years[..upto].partition_point(|(year, _)| !wanted.contains(*year));
                for &(_, count) in &own_years[..from] {
                    own.skip(count);
                }
                let years = &own_years[from..upto];
                // (Always known for a range; were it not, batches of one breach would do.)
                let end = wanted_breaches.unwrap_or(own.position);
                let first = chunk.len();
                if k > 1 {
                    chunk.component_costs.reserve_exact(years.len() * k);
                }
                chunk.iterations.extend(years.iter().map(|(year, _)| *year));
                let taken_from = own.position;
                let OutcomeChunk { gross: gross_column, largest_gross: largest_column, component_costs, .. } =
                    &mut *chunk;
                // The costed batch's breaches not yet taken (indices into `own`'s columns).
                let mut batch = 0..0;
                // Each year's gross written straight into its column's room (the task's
                // reservation; past it, room for exactly these years: no more memory for the
                // kernel to clear).
                gross_column.reserve_exact(years.len());
                largest_column.reserve_exact(years.len());
                gross_column.extend(years.iter().map(|&(_, count)| {
                    if k > 1 {
                        year_costs.fill(0.0);
                    }
                    let breaches = batch.start..batch.start + count as usize;
                    // Most years' breaches all lie in the costed batch; most years have one,
                    // whose cost is the year's (`add_to_year`'s sums from zero, spelled out).
                    let (gross, largest) = if breaches.end <= batch.end {
                        batch.start = breaches.end;
                        if k == 1 && count == 1 {
                            let g = own.gross[breaches.start];
                            (0.0 + g, larger(0.0, g))
                        } else {
                            own.add_to_year((0.0, 0.0), breaches, &mut year_costs)
                        }
                    } else {
                        own.take_year_across(self, end, count, &mut batch, &mut layers, &mut year_costs)
                    };
                    largest_column.push(largest);
                    if k > 1 {
                        component_costs.extend_from_slice(&year_costs);
                    }
                    gross
                }));
                // (Every breach of every batch was taken, as the layers were summed by batch.)
                debug_assert!(batch.is_empty() && own.position == end);
                if !years.is_empty() {
                    // The range of the years' gross and largest breach, for the statistics.
                    chunk.note_ranges([&chunk.gross[first..], &chunk.largest_gross[first..]].map(LossRange::of));
                }
                let year_columns = chunk.gross[first..].iter().zip(&chunk.largest_gross[first..]);
                if !chunk.insured.is_empty() {
                    chunk.insured.extend(year_columns.clone().map(|(&g, &l)| [g, l, 0.0]));
                }
                if !self.exposure.systemic.is_empty() {
                    chunk.independent.extend(year_columns.map(|(&gross, &largest)| Independent {
                        gross,
                        insured: gross,
                        largest_gross: largest,
                    }));
                }
                *simulated_breaches += own.position - taken_from;
                continue;
            }
            let mut own_iter = own_years.iter().copied().peekable();
            let mut next_event = 0;
            loop {
                while block_events.get(next_event).is_some_and(|o| !hits_this(o)) {
                    next_event += 1;
                }
                let year = match (own_iter.peek(), block_events.get(next_event).map(|o| o.iteration)) {
                    (None, None) => break,
                    (Some(&(a, _)), Some(b)) => a.min(b),
                    (Some(&(a, _)), None) => a,
                    (None, Some(b)) => b,
                };
                if year > last_wanted {
                    break;
                }
                let count = own_iter.next_if(|(own, _)| *own == year).map_or(0, |(_, count)| count);
                let first = next_event;
                while block_events.get(next_event).is_some_and(|o| o.iteration == year) {
                    next_event += 1;
                }
                let (iteration, events) = (year, first..next_event);
                if !wanted.contains(year) {
                    // Its own breaches still take their places in the block's columns.
                    own.skip(count);
                    continue;
                }
                shared.clear();
                for occurrence in block_events[events].iter().filter(|o| hits_this(o)) {
                    let hit_key = mix(occurrence.key, self.exposure.key);
                    if open_unit(&mut stream(hit_key)) < occurrence.footprint {
                        let event = &assumptions.systemic[occurrence.event];
                        let share = event.affected_share.as_ref().unwrap_or(&assumptions.breach.affected_share);
                        shared.push((mix(hit_key, SYSTEMIC_BREACH_STREAM), share));
                    }
                }
                if count == 0 && shared.is_empty() {
                    continue;
                }
                if k > 1 {
                    year_costs.fill(0.0);
                }
                // The year's own breaches first, then the systemic ones. The own ones come a
                // batch at a time, so a year of a very over-dispersed count costs time, never
                // memory.
                let mut totals = YearTotals::default();
                let end = batch_end(own.position, count);
                for _ in 0..count {
                    let j = own.take(self, end);
                    let breach = own.cost(j);
                    if k > 1 {
                        for (total, cost) in year_costs.iter_mut().zip(own.component_costs(j, k)) {
                            *total += cost;
                        }
                    }
                    totals.add(&breach, terms, mode, &mut layers);
                }
                let independent = (!self.exposure.systemic.is_empty()).then(|| Independent {
                    gross: totals.gross,
                    insured: year_terms(terms, mode, totals.insured_sum),
                    largest_gross: totals.largest_gross,
                });
                for &(breach_key, affected_share) in &shared {
                    let breach = self.breach(breach_key, affected_share, &mut costs, &mut copula);
                    if k > 1 {
                        for (total, cost) in year_costs.iter_mut().zip(&costs) {
                            *total += cost;
                        }
                    }
                    totals.add(&breach, terms, mode, &mut layers);
                }
                chunk.push(totals.close(iteration, terms, mode, &mut layers));
                if let Some(independent) = independent {
                    chunk.independent.push(independent);
                }
                if k > 1 {
                    chunk.component_costs.extend_from_slice(&year_costs);
                }
                *simulated_breaches += u64::from(count) + shared.len() as u64;
            }
        }
        chunk_layer_sums.push(layers.finish(terms, mode));
    }
}

/// A component's scaled units, `(affected × unit share)^exponent`, in the breaches where it
/// arises (`breach(i)`: the breach of its i-th draw), into `scaled`.
#[inline(always)]
fn scale_units(
    step: &Step,
    affected: &[f64],
    ln_affected: &[f64],
    unit_share: &[f64],
    scaled: &mut [f64],
    breach: impl Fn(usize) -> usize,
) {
    let exponent = step.component.exponent;
    let units = |i: usize| affected[breach(i)] * unit_share[i];
    if exponent == 1.0 {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i);
        }
    } else if exponent == 0.5 {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i).sqrt();
        }
    } else if step.power_of_affected {
        // affected^exponent as exp(exponent × ln affected), the logarithm shared by the
        // breach's components, the exponentials taken a column at a time (to a few ulps of
        // powf, at a fraction of its cost); powf where nothing is affected.
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = exponent * ln_affected[breach(i)];
        }
        exp_column(scaled);
        for (i, x) in scaled.iter_mut().enumerate() {
            if affected[breach(i)] <= 0.0 {
                *x = units(i).powf(exponent);
            }
        }
    } else {
        for (i, x) in scaled.iter_mut().enumerate() {
            *x = units(i).powf(exponent);
        }
    }
}

/// The number of positions of the `[correlation]` matrix (0 without one).
fn positions_of(model: &Model) -> usize {
    model.assumptions.correlation.as_ref().map_or(0, |c| c.components.len())
}

/// How many of a block's own breaches are costed at once.
const BATCH: usize = 256;

/// The exposure's own breaches of one block, in order, costed [`BATCH`] at a time column by
/// column. Each column (the affected share, the copula's normals, and each component's
/// occurrence, fixed, per-unit and unit-share draws) has its own draws for each breach number
/// ([`ColumnDraws`]): the i-th own breach of a block has draws that depend only on (seed,
/// exposure, block, i), a held or changed variable leaves every other column as it was, and
/// a column of lognormal draws is exponentiated in one vectorised pass.
struct OwnBreaches {
    /// Keys of the block's affected-share and copula columns.
    affected_key: u64,
    copula_key: u64,
    /// Per applicable component: the keys of its occurrence, fixed, per-unit and unit-share columns.
    keys: Vec<[u64; 4]>,
    affected: Vec<f64>,
    log10_affected: Vec<f64>,
    /// `batch × positions` copula uniforms, breach by breach.
    copula: Vec<f64>,
    /// The fixed, per-unit and unit-share draws of the component being costed, in the
    /// breaches where it arises.
    columns: [Vec<f64>; 3],
    /// `batch × components` costs, breach by breach (only with more than one component).
    costs: Vec<f64>,
    gross: Vec<f64>,
    covered: Vec<f64>,
    insured: Vec<f64>,
    /// The breaches (of the batch) in which the component being costed arises.
    occurring: Vec<u32>,
    /// Its scaled units (units^exponent) in those breaches.
    scaled: Vec<f64>,
    /// ln(affected), for components whose units are the affected records raised to a power.
    ln_affected: Vec<f64>,
    /// Whether only the gross costs are worked out (not what the policy covers).
    gross_only: bool,
    /// The block's next own breach, the first breach of the costed batch, and its length.
    position: u64,
    first: u64,
    costed: usize,
    /// The exposure's applicable components, and the copula's positions.
    components: usize,
    positions: usize,
}

/// The children of a component's key for its four columns.
const COLUMN_CHILDREN: [u64; 4] = [prepare_child(0), prepare_child(1), prepare_child(2), prepare_child(3)];

impl OwnBreaches {
    /// Empty: the columns grow to the largest batch asked for (a rarely breached exposure's
    /// chunk holds a few breaches' worth, not [`BATCH`]).
    fn new(components: usize, positions: usize) -> Self {
        OwnBreaches {
            affected_key: 0,
            copula_key: 0,
            keys: Vec::with_capacity(components),
            affected: Vec::new(),
            log10_affected: Vec::new(),
            copula: Vec::new(),
            columns: [Vec::new(), Vec::new(), Vec::new()],
            costs: Vec::new(),
            gross: Vec::new(),
            covered: Vec::new(),
            insured: Vec::new(),
            occurring: Vec::new(),
            scaled: Vec::new(),
            ln_affected: Vec::new(),
            gross_only: false,
            position: 0,
            first: 0,
            costed: 0,
            components,
            positions,
        }
    }

    /// Makes every column hold at least `n` breaches.
    fn grow(&mut self, n: usize) {
        if self.gross.len() >= n {
            return;
        }
        for column in [
            &mut self.affected,
            &mut self.log10_affected,
            &mut self.gross,
            &mut self.covered,
            &mut self.insured,
            &mut self.scaled,
            &mut self.ln_affected,
        ]
        .into_iter()
        .chain(self.columns.iter_mut())
        {
            column.resize(n, 0.0);
        }
        self.copula.resize(n * self.positions, 0.0);
        if self.components > 1 {
            self.costs.resize(n * self.components, 0.0);
        }
    }

    /// Starts the block whose key is `block_key`; `gross_only` where only the breaches' gross
    /// costs are read (the short way, where no term can bite).
    fn start(&mut self, simulator: &ExposureSimulator, block_key: u64, gross_only: bool) {
        self.gross_only = gross_only;
        self.affected_key = mix(block_key, AFFECTED_STREAM);
        self.copula_key = mix(block_key, CORRELATION_STREAM);
        self.keys.clear();
        for step in &simulator.steps {
            let key = mix_prepared(block_key, step.child);
            self.keys.push(COLUMN_CHILDREN.map(|child| mix_prepared(key, child)));
        }
        self.position = 0;
        self.first = 0;
        self.costed = 0;
    }

    /// The index (in the batch's columns) of the block's next own breach, costing a batch of
    /// breaches from it up to (at most [`BATCH`], at least one) breach number `end` when it
    /// is not costed yet.
    #[inline(always)]
    fn take(&mut self, simulator: &ExposureSimulator, end: u64) -> usize {
        if self.position < self.first || self.position >= self.first + self.costed as u64 {
            self.cost_from_position(simulator, end);
        }
        self.position += 1;
        (self.position - 1 - self.first) as usize
    }

    /// Costs the batch starting at the block's next own breach (see [`OwnBreaches::take`]):
    /// out of line, so that taking an already costed breach is a few instructions.
    #[inline(never)]
    fn cost_from_position(&mut self, simulator: &ExposureSimulator, end: u64) {
        let n = end.saturating_sub(self.position).clamp(1, BATCH as u64) as usize;
        self.grow(n);
        simulator.cost_batch(self, self.position, n);
        self.first = self.position;
        self.costed = n;
    }

    /// Costs the next batch of the block's own breaches (see [`OwnBreaches::take`]) and takes
    /// every one of them: their number, the batch's length in the columns.
    fn take_batch(&mut self, simulator: &ExposureSimulator, end: u64) -> usize {
        self.cost_from_position(simulator, end);
        self.position += self.costed as u64;
        self.costed
    }

    /// `totals` (a year's gross and largest breach so far) with breaches `breaches` of the
    /// costed batch added, and their component costs added to `year_costs` (with several
    /// components).
    #[inline(always)]
    fn add_to_year(&self, totals: (f64, f64), breaches: Range<usize>, year_costs: &mut [f64]) -> (f64, f64) {
        let k = self.components;
        if k > 1 {
            for j in breaches.clone() {
                for (total, cost) in year_costs.iter_mut().zip(self.component_costs(j, k)) {
                    *total += cost;
                }
            }
        }
        self.gross[breaches].iter().fold(totals, |(gross, largest), &g| (gross + g, larger(largest, g)))
    }

    /// A year's totals (see [`OwnBreaches::add_to_year`]) of `count` breaches that run past
    /// the costed batch's breaches not yet taken (`batch`): those, then the next batch's (and
    /// on, for a year of more than a batch), each batch's breaches summed into `layers` as it
    /// is costed. Out of line: most years' breaches lie in one batch.
    #[inline(never)]
    fn take_year_across(
        &mut self,
        simulator: &ExposureSimulator,
        end: u64,
        count: u32,
        batch: &mut Range<usize>,
        layers: &mut Layers,
        year_costs: &mut [f64],
    ) -> (f64, f64) {
        let mut left = count as usize;
        let mut totals = (0.0, 0.0);
        while left > 0 {
            if batch.start == batch.end {
                let n = self.take_batch(simulator, end);
                layers.add_each(&self.gross[..n]);
                *batch = 0..n;
            }
            let taken = left.min(batch.len());
            totals = self.add_to_year(totals, batch.start..batch.start + taken, year_costs);
            batch.start += taken;
            left -= taken;
        }
        totals
    }

    /// Passes over `count` own breaches (of a year not wanted): nothing is drawn for them.
    fn skip(&mut self, count: u32) {
        self.position += u64::from(count);
    }

    #[inline]
    fn cost(&self, j: usize) -> BreachCost {
        BreachCost { gross: self.gross[j], covered: self.covered[j], insured_before_share: self.insured[j] }
    }

    /// The component costs of breach `j` (empty with one component: its cost is the gross).
    #[inline]
    fn component_costs(&self, j: usize, components: usize) -> &[f64] {
        self.costs.get(j * components..(j + 1) * components).unwrap_or_default()
    }
}

/// `f(x)`, in a call the optimiser cannot hoist out of the branch that guards it: it would
/// otherwise compute a logarithm for every breach, needed or not, as the intrinsics have no
/// side effects.
#[inline(never)]
fn not_speculated(f: fn(f64) -> f64, x: f64) -> f64 {
    f(x)
}

/// Fills `uniforms` with correlated uniforms: `Φ(L e)` for independent standard normals `e`
/// drawn from `rng` (in place: row i of the lower-triangular `L` needs `e_0..=e_i`, so the
/// rows are formed from the last up).
fn correlated_uniforms<R: NormalDraws>(factor: &[Vec<f64>], rng: &mut R, uniforms: &mut [f64]) {
    for e in uniforms.iter_mut() {
        *e = rng.standard_normal();
    }
    for i in (0..uniforms.len()).rev() {
        let z: f64 = factor[i].iter().zip(&uniforms[..=i]).map(|(l, e)| l * e).sum();
        uniforms[i] = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
    }
}

/// One occurrence of a systemic event in an iteration.
#[derive(Debug, Clone, Copy)]
pub struct SystemicOccurrence {
    pub iteration: u64,
    pub event: usize,
    /// Stream key of this occurrence; each exposure's hit and breach derive from it.
    pub key: u64,
    /// The share of matching exposures this occurrence hits.
    pub footprint: f64,
}

/// The systemic event occurrences of a set of iterations, drawn once per run (they are
/// shared by every exposure), sorted by iteration.
#[derive(Debug, Clone, Default)]
pub struct SystemicSchedule {
    occurrences: Vec<SystemicOccurrence>,
}

impl SystemicSchedule {
    /// Draws the occurrences in `iterations` (none in breach mode, where there are no years).
    pub fn new(model: &Model, iterations: impl Iterator<Item = u64>) -> Self {
        let events = &model.assumptions.systemic;
        if SystemicSchedule::is_inactive(model) {
            return SystemicSchedule::default();
        }
        let event_keys: Vec<u64> =
            events.iter().map(|e| mix(model.settings.seed, mix(name_key(&e.name), SYSTEMIC_EVENT_STREAM))).collect();
        // Poisson counts by inversion of a table built once per event.
        let tables: Vec<Vec<f64>> = events
            .iter()
            .map(|e| match e.count {
                EventCount::Poisson if e.annual_rate > 0.0 && e.annual_rate <= INVERSION_MAX_RATE => {
                    poisson_cdf(e.annual_rate, (-e.annual_rate).exp())
                }
                _ => Vec::new(),
            })
            .collect();
        let mut occurrences = Vec::new();
        for iteration in iterations {
            for (index, ((event, event_key), table)) in events.iter().zip(&event_keys).zip(&tables).enumerate() {
                if event.annual_rate <= 0.0 {
                    continue;
                }
                let year_key = mix(*event_key, iteration);
                let mut rng = stream(mix(year_key, COUNT_STREAM));
                let count = match event.count {
                    EventCount::Bernoulli => u32::from(open_unit(&mut rng) < event.annual_rate),
                    EventCount::Poisson if event.annual_rate > INVERSION_MAX_RATE => {
                        rand_distr::Poisson::new(event.annual_rate)
                            .map_or(0, |p| p.sample(&mut rng).min(10_000.0) as u32)
                    }
                    EventCount::Poisson => invert(table, open_unit(&mut rng)),
                };
                for j in 0..count {
                    let key = mix(year_key, u64::from(j));
                    let footprint = event.footprint.sample(&mut stream(mix(key, FOOTPRINT_STREAM)));
                    occurrences.push(SystemicOccurrence { iteration, event: index, key, footprint });
                }
            }
        }
        occurrences.sort_by_key(|o| o.iteration);
        SystemicSchedule { occurrences }
    }

    /// True when the model has no systemic event that can ever happen (in annual mode).
    pub fn is_inactive(model: &Model) -> bool {
        model.settings.mode == Mode::Breach || model.assumptions.systemic.iter().all(|e| e.annual_rate <= 0.0)
    }

    pub fn occurrences(&self) -> &[SystemicOccurrence] {
        &self.occurrences
    }
}

/// The count k with `table[k−1] < u ≤ table[k]` (the last entry if none): inversion of a
/// cumulative table such as [`poisson_cdf`]'s.
#[inline]
fn invert(table: &[f64], u: f64) -> u32 {
    let last = table.len().saturating_sub(1);
    // Counts are mostly small: a scan of the first entries beats a binary search, whose every
    // step waits on the previous load; the rest of a long table is searched in halves.
    const SCAN: usize = 8;
    let head = table.len().min(SCAN);
    let k = match table[..head].iter().position(|c| *c >= u) {
        Some(k) => k,
        None => head + table[head..].partition_point(|c| *c < u),
    };
    k.min(last) as u32
}

/// The cumulative probabilities of sequential Poisson inversion, entry k being P(N ≤ k), summed
/// term by term; ends at +∞ where the terms underflow (inversion would stop there whatever the
/// draw).
fn poisson_cdf(rate: f64, exp_neg_rate: f64) -> Vec<f64> {
    let mut k: u32 = 0;
    let mut term = exp_neg_rate;
    let mut cumulative = term;
    let mut out = vec![cumulative];
    while cumulative < 1.0 && k < 10_000 {
        k += 1;
        term *= rate / f64::from(k);
        if term == 0.0 && f64::from(k) > rate {
            // Inversion stops here with k whatever the draw.
            out.push(f64::INFINITY);
            break;
        }
        cumulative += term;
        out.push(cumulative);
    }
    out
}

impl YearLaw {
    fn of(model: &Model, rate: f64) -> YearLaw {
        if model.settings.mode == Mode::Breach {
            return YearLaw::Every(1);
        }
        if let Some(n) = model.assumptions.frequency.held_count {
            return if n == 0 { YearLaw::Never } else { YearLaw::Every(n) };
        }
        if rate <= 0.0 || !rate.is_finite() {
            return YearLaw::Never;
        }
        let (p0, cdf) = match model.assumptions.frequency.model {
            CountModel::Poisson if rate <= ARRIVALS_MAX_RATE => return YearLaw::Arrivals { rate },
            CountModel::Poisson => {
                let p0 = (-rate).exp();
                (p0, if rate <= INVERSION_MAX_RATE { poisson_cdf(rate, p0) } else { Vec::new() })
            }
            CountModel::NegativeBinomial { dispersion } => negative_binomial_cdf(rate, dispersion),
        };
        let ln_p0 = p0.ln();
        if ln_p0 == 0.0 {
            // So rare that no year in f64 arithmetic has a breach.
            return YearLaw::Never;
        }
        YearLaw::Skip { ln_p0, p0, cdf }
    }
}

/// The negative binomial law with mean `rate` and variance `rate·(1 + α·rate)` (a gamma-mixed
/// Poisson, shape 1/α): P(0) and the cumulative table P(N ≤ k) ending at +∞, built by the
/// recursion P(k+1) = P(k)·(r+k)/(k+1)·q with r = 1/α, q = α·rate/(1 + α·rate). Empty when
/// the table would be too long (a huge mean): counts are then drawn by rejection.
fn negative_binomial_cdf(rate: f64, dispersion: f64) -> (f64, Vec<f64>) {
    let r = 1.0 / dispersion;
    let q = dispersion * rate / (1.0 + dispersion * rate);
    let p0 = (-r * (dispersion * rate).ln_1p()).exp();
    let mut cdf = vec![p0];
    let mut term = p0;
    let mut cumulative = p0;
    let mut k = 0.0;
    while cumulative < 1.0 - 1e-15 {
        if cdf.len() >= 100_000 || !term.is_finite() {
            return (p0, Vec::new());
        }
        term *= (r + k) / (k + 1.0) * q;
        k += 1.0;
        cumulative += term;
        cdf.push(cumulative);
        if term == 0.0 && k > rate {
            break;
        }
    }
    cdf.push(f64::INFINITY);
    (p0, cdf)
}

/// Which iterations a call simulates: a range, or a sorted list (of tail years, say).
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    Range(u64, u64),
    List(&'a [u64]),
}

impl Wanted<'_> {
    fn contains(&self, iteration: u64) -> bool {
        match self {
            Wanted::Range(start, end) => (*start..*end).contains(&iteration),
            Wanted::List(list) => list.binary_search(&iteration).is_ok(),
        }
    }

    /// The last wanted iteration in `range`, if any.
    fn last_in(&self, range: Range<u64>) -> Option<u64> {
        match self {
            Wanted::Range(start, end) => {
                let last = (*end).min(range.end).checked_sub(1)?;
                (last >= range.start && last >= *start).then_some(last)
            }
            Wanted::List(list) => {
                let after = list.partition_point(|i| *i < range.end);
                list[..after].last().copied().filter(|i| *i >= range.start)
            }
        }
    }

    /// The blocks of [`CHUNK_ITERATIONS`] iterations holding wanted iterations, ascending.
    fn blocks(&self) -> Vec<u64> {
        match self {
            Wanted::Range(start, end) if start < end => {
                (start / CHUNK_ITERATIONS..=(end - 1) / CHUNK_ITERATIONS).collect()
            }
            Wanted::Range(..) => Vec::new(),
            Wanted::List(list) => {
                let mut blocks: Vec<u64> = list.iter().map(|i| i / CHUNK_ITERATIONS).collect();
                blocks.dedup();
                blocks
            }
        }
    }

    fn len(&self) -> u64 {
        match self {
            Wanted::Range(start, end) => end.saturating_sub(*start),
            Wanted::List(list) => list.len() as u64,
        }
    }
}

/// Simulates `iterations` of the exposures `batch` in parallel; results in batch order.
/// `progress` is called with the number of iterations finished by each chunk.
pub fn simulate_exposures(
    model: &Model,
    batch: Range<usize>,
    iterations: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.clone());
    // Tasks of TASK_BLOCKS blocks (the first and last may hold fewer: they end where blocks do).
    let task = TASK_BLOCKS * CHUNK_ITERATIONS;
    let mut ranges: Vec<Range<u64>> = Vec::new();
    let mut start = iterations.start;
    while start < iterations.end {
        let end = ((start / task + 1) * task).min(iterations.end);
        ranges.push(start..end);
        start = end;
    }
    simulate_chunks(model, batch, &ranges, &schedule, progress, |range| Wanted::Range(range.start, range.end))
}

/// Simulates the listed iterations (ascending) of the exposures `batch`; results in batch
/// order. The outcomes of an iteration are the same as in a run over a range containing it.
pub fn simulate_iterations(model: &Model, batch: Range<usize>, iterations: &[u64]) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.iter().copied());
    let chunks: Vec<&[u64]> = iterations.chunks(CHUNK_ITERATIONS as usize).collect();
    simulate_chunks(model, batch, &chunks, &schedule, &|_| {}, |chunk| Wanted::List(chunk))
}

fn simulate_chunks<'c, C>(
    model: &Model,
    batch: Range<usize>,
    chunks: &'c [C],
    schedule: &SystemicSchedule,
    progress: &(dyn Fn(u64) + Sync),
    iterate: impl Fn(&'c C) -> Wanted<'c> + Sync,
) -> Vec<ExposureOutcomes>
where
    C: Sync,
{
    let tasks: Vec<(usize, &C)> = batch.clone().flat_map(|e| chunks.iter().map(move |c| (e, c))).collect();
    let done: Vec<(usize, ExposureOutcomes)> = tasks
        .into_par_iter()
        .map(|(e, chunk)| {
            let simulator = ExposureSimulator::new(model, e);
            let wanted = iterate(chunk);
            // Room for the outcomes expected and a margin (five standard deviations): the
            // task's blocks add theirs without moving what earlier ones wrote.
            let capacity = simulator.expected_stored(wanted.len() as usize);
            let mut out = ExposureOutcomes {
                exposure: e,
                chunks: vec![OutcomeChunk::with_capacity(capacity, simulator.exposure.components.len())],
                ..Default::default()
            };
            simulator.run(&wanted, schedule, &mut out);
            progress(wanted.len());
            (e, out)
        })
        .collect();
    let mut results: Vec<ExposureOutcomes> =
        batch.map(|e| ExposureOutcomes { exposure: e, ..Default::default() }).collect();
    let first = results.first().map(|r| r.exposure).unwrap_or(0);
    for (e, chunk) in done {
        let target = &mut results[e - first];
        target.chunks.extend(chunk.chunks);
        target.layer_sums.extend_from_slice(&chunk.layer_sums);
        target.simulated_breaches += chunk.simulated_breaches;
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};

    /// Poisson draw by sequential inversion, the textbook algorithm the table reproduces.
    fn poisson_by_inversion(u: f64, rate: f64) -> u32 {
        let mut k: u32 = 0;
        let mut term = (-rate).exp();
        let mut cumulative = term;
        while u > cumulative && k < 10_000 {
            k += 1;
            term *= rate / f64::from(k);
            if term == 0.0 && f64::from(k) > rate {
                break;
            }
            cumulative += term;
        }
        k
    }

    /// Yearly breach counts follow the Poisson law both where they come from arrivals (rate up
    /// to [`ARRIVALS_MAX_RATE`]) and where they are drawn per year: each breach costs exactly 1,
    /// so a year's gross is its count; each frequency is within 5 standard errors of the pmf.
    #[test]
    fn yearly_counts_are_poisson_by_arrivals_and_by_years() {
        let years = 400_000u64;
        // (The smallest rate, whose reciprocal overflows: no breach, and none at a block's start.)
        for rate in [0.05, 0.7, ARRIVALS_MAX_RATE, 6.0, 5e-324] {
            let csv = format!("id,records,annual_rate\nx,100,{rate}\n");
            let toml = "[[component]]\nname = \"one\"\nfixed = 1\n";
            let model = test_model(&csv, toml, RunSettings { mode: Mode::Annual, iterations: years, seed: 11 });
            let outcomes = simulate_exposures(&model, 0..1, 0..years, &|_| {});
            let mut frequency = vec![0u64; 64];
            frequency[0] = years - outcomes[0].len() as u64;
            for o in outcomes[0].outcomes() {
                assert_eq!(o.gross.fract(), 0.0);
                frequency[(o.gross as usize).min(63)] += 1;
            }
            let mut pmf = (-rate).exp();
            for (k, observed) in frequency.iter().enumerate().take(16) {
                let share = *observed as f64 / years as f64;
                let se = (pmf * (1.0 - pmf) / years as f64).sqrt();
                assert!((share - pmf).abs() <= 5.0 * se + 1e-12, "rate {rate}: P(N = {k}) {share} vs {pmf}");
                pmf *= rate / (k + 1) as f64;
            }
        }
    }

    /// The layers summed a batch at a time (in vector registers, wider where the processor
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

    /// A run's outcomes and per-block layer sums are the same however its years are split
    /// into runs at block boundaries (tasks of several blocks, or runs of a few), with or
    /// without policy terms that bite.
    #[test]
    fn outcomes_do_not_depend_on_how_the_years_are_split() {
        let toml = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n";
        let years = 3 * TASK_BLOCKS * CHUNK_ITERATIONS + 5000;
        for csv in ["id,records,annual_rate\nx,5000,0.4\n", "id,records,annual_rate,retention\nx,5000,0.4,2e5\n"] {
            let model = test_model(csv, toml, RunSettings { mode: Mode::Annual, iterations: years, seed: 2 });
            let whole = &simulate_exposures(&model, 0..1, 0..years, &|_| {})[0];
            assert_eq!(whole.layer_sums.len() as u64, years.div_ceil(CHUNK_ITERATIONS));
            let cuts = [0, 3 * CHUNK_ITERATIONS, (TASK_BLOCKS + 5) * CHUNK_ITERATIONS, years];
            let (mut outcomes, mut layer_sums) = (Vec::new(), Vec::new());
            for range in cuts.windows(2) {
                let part = &simulate_exposures(&model, 0..1, range[0]..range[1], &|_| {})[0];
                outcomes.extend(part.outcomes());
                layer_sums.extend(part.layer_sums.iter().copied());
            }
            assert!(outcomes.len() > 10_000);
            assert_eq!(outcomes, whole.outcomes().collect::<Vec<_>>());
            assert_eq!(layer_sums, whole.layer_sums);
        }
    }

    /// A component's costs are the same whether it is costed alone (a column of costs summed
    /// at once) or beside one that never costs anything (breach by breach): fixed costs only,
    /// and fixed plus per-unit costs, with and without policy terms.
    #[test]
    fn a_lone_component_costs_what_it_costs_beside_others() {
        let costed = [
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n",
            "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
             per_unit = { dist = \"uniform\", min = 0.5, max = 2 }\nunit_share = { dist = \"uniform\", min = 0.1, max = 1 }\n",
        ];
        let nothing = "[[component]]\nname = \"z\"\nfixed = 0\n";
        for csv in ["id,records,annual_rate\nx,5000,0.4\n", "id,records,annual_rate,retention\nx,5000,0.4,2e5\n"] {
            for alone in costed {
                let settings = RunSettings { mode: Mode::Annual, iterations: 30_000, seed: 5 };
                let beside = format!("{alone}{nothing}");
                let [a, b] = [alone, beside.as_str()].map(|toml| {
                    let model = test_model(csv, toml, settings);
                    let outcomes = simulate_exposures(&model, 0..1, 0..30_000, &|_| {});
                    outcomes[0]
                        .outcomes()
                        .map(|o| (o.iteration, o.gross.to_bits(), o.insured.to_bits()))
                        .collect::<Vec<_>>()
                });
                assert!(a.len() > 1000);
                assert_eq!(a, b, "{csv} {alone}");
            }
        }
    }

    /// The short way for exposures whose terms cannot bite gives the general loop's outcomes
    /// and layers bit for bit: one and three components, annual and breach mode, a partial
    /// range of blocks, and an exposure matched by a systemic event that never hits it.
    #[test]
    fn the_pass_through_shortcut_is_the_general_loop() {
        let one = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n";
        let three = format!(
            "{one}[[component]]\nname = \"b\"\nper_unit = {{ dist = \"uniform\", min = 1, max = 3 }}\n\
             [[component]]\nname = \"c\"\nfixed = 500\nprobability = 0.3\n\
             [[systemic]]\nname = \"cloud\"\nannual_rate = 1e-9\nfootprint = 1\n"
        );
        for toml in [one.to_string(), three] {
            for mode in [Mode::Annual, Mode::Breach] {
                let csv = "id,records,annual_rate\nx,5000,1.3\ny,100,0.02\n";
                let model = test_model(csv, &toml, RunSettings { mode, iterations: 30_000, seed: 3 });
                let schedule = SystemicSchedule::new(&model, 0..30_000);
                for index in 0..2 {
                    let wanted = Wanted::Range(1_000, 30_000);
                    let run = |shortcut: bool| {
                        let mut simulator = ExposureSimulator::new(&model, index);
                        simulator.shortcut = shortcut;
                        let mut out = ExposureOutcomes::default();
                        simulator.run(&wanted, &schedule, &mut out);
                        out
                    };
                    let (short, general) = (run(true), run(false));
                    assert!(short.len() > 100, "too few outcomes to compare");
                    assert_eq!(short.outcomes().collect::<Vec<_>>(), general.outcomes().collect::<Vec<_>>());
                    assert_eq!(short.independent().collect::<Vec<_>>(), general.independent().collect::<Vec<_>>());
                    assert_eq!(
                        short.component_costs().collect::<Vec<_>>(),
                        general.component_costs().collect::<Vec<_>>()
                    );
                    assert_eq!(short.layer_sums, general.layer_sums);
                    assert_eq!(short.simulated_breaches, general.simulated_breaches);
                }
            }
        }
    }

    /// A list of years (as the co-TVaR allocation re-simulates) gives exactly those years'
    /// outcomes of the full run: a breach's draws are keyed by its number in the block, and
    /// the breaches of the years passed over are not drawn at all.
    #[test]
    fn a_list_of_years_gives_the_full_runs_outcomes_for_them() {
        let toml = "[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
                    [[component]]\nname = \"b\"\nper_unit = { dist = \"pert\", min = 1, mode = 2, max = 9 }\nprobability = 0.4\n\
                    [[component]]\nname = \"c\"\nfixed = 500\nper_unit = 0.5\nexponent = 0.7\n\
                    [correlation]\ncomponents = [\"a\", \"b\"]\nmatrix = [[1, 0.6], [0.6, 1]]\n\
                    [[systemic]]\nname = \"cloud\"\nannual_rate = 0.05\nfootprint = 0.5\n";
        let csv = "id,records,annual_rate,retention,limit\nx,5000,1.3,1000,200000\ny,100,0.02,,\nz,800,9,,\n";
        let model = test_model(csv, toml, RunSettings { mode: Mode::Annual, iterations: 20_000, seed: 5 });
        let full = simulate_exposures(&model, 0..3, 0..20_000, &|_| {});
        let list: Vec<u64> = (0..20_000).filter(|i| i % 7 == 3 || (8_000..8_040).contains(i)).collect();
        let some = simulate_iterations(&model, 0..3, &list);
        for (f, s) in full.iter().zip(&some) {
            let expected: Vec<Outcome> = f.outcomes().filter(|o| list.binary_search(&o.iteration).is_ok()).collect();
            assert!(expected.len() > 20, "too few outcomes to compare");
            assert_eq!(s.outcomes().collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn a_chunk_gives_back_the_outcomes_pushed_whatever_columns_it_keeps() {
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
            let mut chunk = OutcomeChunk::with_capacity(1, 1);
            for x in &pushed {
                chunk.push(*x);
            }
            assert_eq!(chunk.outcomes().collect::<Vec<_>>(), pushed);
            assert_eq!(chunk.insured_is_gross(), !pushed.contains(&bitten));
            assert_eq!(chunk.gross(), pushed.iter().map(|x| x.gross).collect::<Vec<_>>());
            assert_eq!(chunk.largest_gross(), pushed.iter().map(|x| x.largest_gross).collect::<Vec<_>>());
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
    fn a_chunk_keeps_its_iterations_near_or_far() {
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

    #[test]
    fn poisson_table_gives_the_counts_of_inversion() {
        for rate in [1e-9, 0.05, 0.3, 2.5, 12.0, 29.9] {
            let table = poisson_cdf(rate, (-rate).exp());
            for seed in 0..20_000u64 {
                let u = open_unit(&mut stream(seed));
                assert_eq!(invert(&table, u), poisson_by_inversion(u, rate), "rate {rate}, seed {seed}");
            }
        }
    }
}
