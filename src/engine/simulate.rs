//! The Monte Carlo loop: breaches, component costs and policy terms, iteration by iteration.
//!
//! Work is cut into (exposure, iteration range) chunks run in parallel with rayon; every
//! draw comes from a stream keyed by (seed, exposure, iteration, breach, component), and
//! chunks are reassembled in order, so results do not depend on the number of threads.

use std::ops::Range;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::model::{ExposureModel, Model};
use super::rng::{
    mix, name_key, stream, AFFECTED_STREAM, CORRELATION_STREAM, COUNT_STREAM, FOOTPRINT_STREAM, SYSTEMIC_BREACH_STREAM,
    SYSTEMIC_EVENT_STREAM,
};
use crate::input::dist::{open_unit, GammaSampler, Var};
use crate::input::portfolio_risk::EventCount;
use crate::input::{CountModel, Mode};

/// Iterations per chunk of work: small enough to balance threads, large enough that
/// scheduling costs nothing next to the simulation.
pub const CHUNK_ITERATIONS: u64 = 4096;

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
    /// Gross, insured and largest gross counting only the exposure's own (independent)
    /// breaches, leaving out systemic events: for the portfolio "without systemic" curves.
    pub independent_gross: f64,
    pub independent_insured: f64,
    pub independent_largest_gross: f64,
}

/// Per-breach limits at which increased-limit factors are reported.
pub const ILF_LIMITS: [f64; 7] = [1e6, 2e6, 5e6, 10e6, 25e6, 50e6, 100e6];

impl Outcome {
    /// Gross minus insured (never negative).
    #[inline]
    pub fn retained(&self) -> f64 {
        (self.gross - self.insured).max(0.0)
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
    /// Per chunk of [`CHUNK_ITERATIONS`] (in order), the sum over its iterations of the insured
    /// loss had the per-breach limit been each of [`ILF_LIMITS`] (same retention, sublimits,
    /// share and aggregate limit): the same breaches with the terms re-applied. Summing per
    /// fixed chunk keeps the totals independent of threads and of how a run is split.
    pub layer_sums: Vec<[f64; ILF_LIMITS.len()]>,
}

/// The outcomes of one chunk of iterations.
#[derive(Debug, Clone, Default)]
pub struct OutcomeChunk {
    pub outcomes: Vec<Outcome>,
    /// Cost per applicable component, `outcomes.len() × components` values, row-major:
    /// the component costs of `outcomes[i]` are `component_costs[i*k..(i+1)*k]`.
    pub component_costs: Vec<f64>,
}

impl ExposureOutcomes {
    /// The stored outcomes in iteration order.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> + Clone {
        self.chunks.iter().flat_map(|c| c.outcomes.iter())
    }

    /// Each stored outcome with its component costs (one per applicable component).
    pub fn rows(&self, components: usize) -> impl Iterator<Item = (&Outcome, &[f64])> {
        self.chunks.iter().flat_map(move |c| {
            let width = components.max(1);
            let costs = c.component_costs.chunks(width).chain(std::iter::repeat(&[][..]));
            c.outcomes.iter().zip(costs)
        })
    }

    /// All component costs, row-major (see [`OutcomeChunk::component_costs`]).
    pub fn component_costs(&self) -> impl Iterator<Item = &f64> {
        self.chunks.iter().flat_map(|c| c.component_costs.iter())
    }

    /// The number of stored outcomes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.outcomes.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// The simulator of one exposure: resolved references into the model.
struct ExposureSimulator<'m> {
    model: &'m Model,
    exposure: &'m ExposureModel,
    exposure_key: u64,
    exp_neg_rate: f64,
    poisson: Option<rand_distr::Poisson<f64>>,
    /// Negative binomial: the gamma law of the year's breach rate.
    year_rate: Option<GammaSampler>,
    any_curve: bool,
    /// Poisson counts by inversion: the cumulative probabilities of 0, 1, 2, … breaches,
    /// computed once exactly as [`poisson_by_inversion`] would.
    poisson_cdf: Vec<f64>,
}

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
            exp_neg_rate: (-rate).exp(),
            poisson: if rate > INVERSION_MAX_RATE { rand_distr::Poisson::new(rate).ok() } else { None },
            year_rate: match model.assumptions.frequency.model {
                CountModel::NegativeBinomial { dispersion } => GammaSampler::new(1.0 / dispersion, dispersion * rate),
                CountModel::Poisson => None,
            },
            any_curve,
            poisson_cdf: match model.assumptions.frequency.model {
                CountModel::Poisson if rate > 0.0 && rate <= INVERSION_MAX_RATE => poisson_cdf(rate, (-rate).exp()),
                _ => Vec::new(),
            },
        }
    }

    /// A generous guess (mean plus five standard deviations) of how many of `iterations`
    /// will have a breach, to size the outcome buffers once.
    fn expected_stored(&self, iterations: usize) -> usize {
        let share = match self.model.settings.mode {
            Mode::Breach => 1.0,
            Mode::Annual if !self.exposure.systemic.is_empty() => 1.0,
            Mode::Annual => 1.0 - self.exp_neg_rate,
        };
        let n = iterations as f64;
        let mean = n * share;
        (mean + 5.0 * mean.sqrt() + 16.0).min(n) as usize
    }

    /// Breaches in one year (or the held count, drawn all the same).
    fn breach_count(&self, year_key: u64) -> u32 {
        let drawn = self.draw_breach_count(year_key);
        self.model.assumptions.frequency.held_count.unwrap_or(drawn)
    }

    fn draw_breach_count(&self, year_key: u64) -> u32 {
        let rate = self.exposure.rate;
        if rate <= 0.0 {
            return 0;
        }
        let mut rng = stream(mix(year_key, COUNT_STREAM));
        match self.model.assumptions.frequency.model {
            CountModel::Poisson => match &self.poisson {
                Some(sampler) => sampler.sample(&mut rng).min(u32::MAX as f64) as u32,
                None if !self.poisson_cdf.is_empty() => {
                    let u = open_unit(&mut rng);
                    let last = self.poisson_cdf.len() - 1;
                    self.poisson_cdf.iter().position(|c| u <= *c).unwrap_or(last) as u32
                }
                None => poisson_by_inversion(&mut rng, rate, self.exp_neg_rate),
            },
            CountModel::NegativeBinomial { .. } => {
                // Gamma-mixed Poisson: the year's rate is Gamma(1/α, α·rate), mean rate.
                let year_rate = match &self.year_rate {
                    Some(g) => g.sample(&mut rng),
                    None => rate,
                };
                if year_rate <= INVERSION_MAX_RATE {
                    poisson_by_inversion(&mut rng, year_rate, (-year_rate).exp())
                } else {
                    match rand_distr::Poisson::new(year_rate) {
                        Ok(p) => p.sample(&mut rng).min(u32::MAX as f64) as u32,
                        Err(_) => 0,
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
                let mut rng = stream(mix(breach_key, AFFECTED_STREAM));
                self.exposure.records * affected_share.sample(&mut rng)
            }
        };
        if let Some(correlation) = &assumptions.correlation {
            correlated_uniforms(&correlation.factor, mix(breach_key, CORRELATION_STREAM), copula);
        }
        let log10_affected = if self.any_curve { affected.log10() } else { 0.0 };
        let terms = &self.exposure.terms;
        let mut gross = 0.0;
        let mut covered = 0.0;
        for (slot, &c) in costs.iter_mut().zip(&self.exposure.components) {
            let component = &assumptions.components[c];
            let mut rng = stream(mix(breach_key, self.model.component_keys[c]));
            // The occurrence draw comes first and is always made, so a component's other
            // draws sit at the same place in its stream whatever its probability.
            let occurs_by_chance = open_unit(&mut rng) < component.probability.at(log10_affected);
            let occurs = component.held_occurrence.unwrap_or(occurs_by_chance);
            let cost = if occurs {
                let mut fixed = component.fixed.sample(&mut rng);
                let mut per_unit = component.per_unit.sample(&mut rng);
                let mut unit_share = component.unit_share.sample(&mut rng);
                if let Some(position) = self.model.correlated_position[c] {
                    // The copula's uniform drives the component's leading random draw
                    // (per_unit, else fixed, else unit_share); the independent draws above
                    // were still made, so the stream stays aligned.
                    let u = copula[position];
                    if !component.per_unit.is_constant() {
                        per_unit = component.per_unit.value_at(u);
                    } else if !component.fixed.is_constant() {
                        fixed = component.fixed.value_at(u);
                    } else {
                        unit_share = component.unit_share.value_at(u);
                    }
                }
                let units = affected * unit_share;
                let scaled = if component.exponent == 1.0 { units } else { units.powf(component.exponent) };
                fixed + per_unit * scaled
            } else {
                0.0
            };
            *slot = cost;
            gross += cost;
            if component.covered {
                covered += cost.min(terms.sublimits[c]);
            }
        }
        let insured_before_share = (covered - terms.retention).max(0.0).min(terms.limit);
        BreachCost { gross, covered, insured_before_share }
    }

    /// Simulates `iterations`, storing the iterations with at least one breach.
    fn run(&self, iterations: impl Iterator<Item = u64>, schedule: &SystemicSchedule, out: &mut ExposureOutcomes) {
        let k = self.exposure.components.len();
        let mut costs = vec![0.0; k];
        let mut year_costs = vec![0.0; k];
        let mut copula = vec![0.0; self.model.assumptions.correlation.as_ref().map_or(0, |c| c.components.len())];
        let mut breaches: Vec<(u64, bool, &Var)> = Vec::new();
        let mut layer_sums = [0.0; ILF_LIMITS.len()];
        if out.chunks.is_empty() {
            out.chunks.push(OutcomeChunk::default());
        }
        let ExposureOutcomes { chunks, simulated_breaches, layer_sums: chunk_layer_sums, .. } = out;
        let Some(chunk) = chunks.last_mut() else { return };
        let terms = &self.exposure.terms;
        let mode = self.model.settings.mode;
        let assumptions = &self.model.assumptions;
        for iteration in iterations {
            let year_key = mix(self.exposure_key, iteration);
            let count = match mode {
                Mode::Breach => 1,
                Mode::Annual => self.breach_count(year_key),
            };
            // (breach key, systemic?, affected share law) of the year's breaches.
            breaches.clear();
            breaches
                .extend((0..count).map(|b| (mix(year_key, u64::from(b)), false, &assumptions.breach.affected_share)));
            if !self.exposure.systemic.is_empty() {
                for occurrence in schedule.at(iteration) {
                    if !self.exposure.systemic.contains(&occurrence.event) {
                        continue;
                    }
                    let hit_key = mix(occurrence.key, self.exposure.key);
                    if open_unit(&mut stream(hit_key)) < occurrence.footprint {
                        let event = &assumptions.systemic[occurrence.event];
                        let share = event.affected_share.as_ref().unwrap_or(&assumptions.breach.affected_share);
                        breaches.push((mix(hit_key, SYSTEMIC_BREACH_STREAM), true, share));
                    }
                }
            }
            if breaches.is_empty() {
                continue;
            }
            year_costs.iter_mut().for_each(|c| *c = 0.0);
            let mut gross = 0.0;
            let mut insured_sum = 0.0;
            let mut largest_gross: f64 = 0.0;
            let mut largest_insured: f64 = 0.0;
            let mut largest_retained: f64 = 0.0;
            let mut layers = [0.0; ILF_LIMITS.len()];
            let mut independent_gross = 0.0;
            let mut independent_insured_sum = 0.0;
            let mut independent_largest_gross: f64 = 0.0;
            for &(breach_key, systemic, affected_share) in &breaches {
                let breach = self.breach(breach_key, affected_share, &mut costs, &mut copula);
                for (total, cost) in year_costs.iter_mut().zip(&costs) {
                    *total += cost;
                }
                gross += breach.gross;
                insured_sum += breach.insured_before_share;
                if !systemic {
                    independent_gross += breach.gross;
                    independent_insured_sum += breach.insured_before_share;
                    independent_largest_gross = independent_largest_gross.max(breach.gross);
                }
                let above_retention = (breach.covered - terms.retention).max(0.0);
                for (layer, limit) in layers.iter_mut().zip(ILF_LIMITS) {
                    *layer += above_retention.min(limit);
                }
                let insured_alone = match mode {
                    Mode::Breach => terms.share * breach.insured_before_share,
                    Mode::Annual => terms.share * breach.insured_before_share.min(terms.aggregate_limit),
                };
                largest_gross = largest_gross.max(breach.gross);
                largest_insured = largest_insured.max(insured_alone);
                largest_retained = largest_retained.max((breach.gross - insured_alone).max(0.0));
            }
            // Contract: in breach mode the retention, limit and share apply to the one breach;
            // in annual mode the aggregate limit caps the year, then the share applies.
            let annual_terms = |sum: f64| match mode {
                Mode::Breach => terms.share * sum,
                Mode::Annual => terms.share * sum.min(terms.aggregate_limit),
            };
            chunk.outcomes.push(Outcome {
                iteration,
                gross,
                insured: annual_terms(insured_sum),
                largest_gross,
                largest_insured,
                largest_retained,
                independent_gross,
                independent_insured: annual_terms(independent_insured_sum),
                independent_largest_gross,
            });
            for (total, layer) in layer_sums.iter_mut().zip(layers) {
                *total += annual_terms(layer);
            }
            chunk.component_costs.extend_from_slice(&year_costs);
            *simulated_breaches += breaches.len() as u64;
        }
        chunk_layer_sums.push(layer_sums);
    }
}

/// Fills `uniforms` with correlated uniforms: `Φ(L e)` for independent standard normals `e`.
fn correlated_uniforms(factor: &[Vec<f64>], key: u64, uniforms: &mut [f64]) {
    let mut rng = stream(key);
    let normals: Vec<f64> = (0..uniforms.len()).map(|_| StandardNormal.sample(&mut rng)).collect();
    for (i, (u, row)) in uniforms.iter_mut().zip(factor).enumerate() {
        let z: f64 = row.iter().zip(&normals).take(i + 1).map(|(l, e)| l * e).sum();
        *u = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
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
        let mut occurrences = Vec::new();
        for iteration in iterations {
            for (index, (event, event_key)) in events.iter().zip(&event_keys).enumerate() {
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
                    EventCount::Poisson => {
                        poisson_by_inversion(&mut rng, event.annual_rate, (-event.annual_rate).exp())
                    }
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

    /// The occurrences in `iteration`.
    pub fn at(&self, iteration: u64) -> &[SystemicOccurrence] {
        let start = self.occurrences.partition_point(|o| o.iteration < iteration);
        let end = start + self.occurrences[start..].partition_point(|o| o.iteration == iteration);
        &self.occurrences[start..end]
    }

    /// True when the model has no systemic event that can ever happen (in annual mode).
    pub fn is_inactive(model: &Model) -> bool {
        model.settings.mode == Mode::Breach || model.assumptions.systemic.iter().all(|e| e.annual_rate <= 0.0)
    }

    pub fn occurrences(&self) -> &[SystemicOccurrence] {
        &self.occurrences
    }
}

/// Poisson draw by sequential inversion (exact; fast for small rates).
#[inline]
fn poisson_by_inversion<R: Rng + ?Sized>(rng: &mut R, rate: f64, exp_neg_rate: f64) -> u32 {
    let u = open_unit(rng);
    let mut k: u32 = 0;
    let mut term = exp_neg_rate;
    let mut cumulative = term;
    // Stop when the remaining tail is below floating-point resolution.
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

/// The cumulative probabilities [`poisson_by_inversion`] walks through, in the same order
/// and arithmetic (so a table lookup gives the same count): entry k is P(N ≤ k).
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

/// Simulates `iterations` of the exposures `batch` in parallel; results in batch order.
/// `progress` is called with the number of iterations finished by each chunk.
pub fn simulate_exposures(
    model: &Model,
    batch: Range<usize>,
    iterations: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.clone());
    let chunks = (iterations.end - iterations.start).div_ceil(CHUNK_ITERATIONS);
    let ranges: Vec<Range<u64>> = (0..chunks)
        .map(|c| {
            let start = iterations.start + c * CHUNK_ITERATIONS;
            start..(start + CHUNK_ITERATIONS).min(iterations.end)
        })
        .collect();
    simulate_chunks(model, batch, &ranges, &schedule, progress, |range| range.clone())
}

/// Simulates the listed iterations (ascending) of the exposures `batch`; results in batch
/// order. The outcomes of an iteration are the same as in a run over a range containing it.
pub fn simulate_iterations(model: &Model, batch: Range<usize>, iterations: &[u64]) -> Vec<ExposureOutcomes> {
    let schedule = SystemicSchedule::new(model, iterations.iter().copied());
    let chunks: Vec<&[u64]> = iterations.chunks(CHUNK_ITERATIONS as usize).collect();
    simulate_chunks(model, batch, &chunks, &schedule, &|_| {}, |chunk| chunk.iter().copied())
}

fn simulate_chunks<C, I>(
    model: &Model,
    batch: Range<usize>,
    chunks: &[C],
    schedule: &SystemicSchedule,
    progress: &(dyn Fn(u64) + Sync),
    iterate: impl Fn(&C) -> I + Sync,
) -> Vec<ExposureOutcomes>
where
    C: Sync,
    I: Iterator<Item = u64>,
{
    let tasks: Vec<(usize, &C)> = batch.clone().flat_map(|e| chunks.iter().map(move |c| (e, c))).collect();
    let done: Vec<(usize, ExposureOutcomes)> = tasks
        .into_par_iter()
        .map(|(e, chunk)| {
            let simulator = ExposureSimulator::new(model, e);
            let iterations = iterate(chunk);
            let capacity = simulator.expected_stored(iterations.size_hint().0);
            let mut out = ExposureOutcomes {
                exposure: e,
                chunks: vec![OutcomeChunk {
                    outcomes: Vec::with_capacity(capacity),
                    component_costs: Vec::with_capacity(capacity * simulator.exposure.components.len()),
                }],
                ..Default::default()
            };
            let mut count = 0;
            simulator.run(iterations.inspect(|_| count += 1), schedule, &mut out);
            progress(count);
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

    #[test]
    fn poisson_table_gives_the_counts_of_inversion() {
        for rate in [1e-9, 0.05, 0.3, 2.5, 12.0, 29.9] {
            let table = poisson_cdf(rate, (-rate).exp());
            for seed in 0..20_000u64 {
                let expected = poisson_by_inversion(&mut stream(seed), rate, (-rate).exp());
                let u = open_unit(&mut stream(seed));
                let got = table.iter().position(|c| u <= *c).unwrap_or(table.len() - 1) as u32;
                assert_eq!(got, expected, "rate {rate}, seed {seed}");
            }
        }
    }
}
