//! One simulation run, from the resolved model to results: the engine simulates exposures
//! in batches, each batch is summarised and folded into the portfolio, then dropped, so
//! memory holds one batch of outcomes plus the portfolio's per-iteration totals.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::ops::Range;
use std::time::Instant;

use rayon::prelude::*;

use crate::engine::outcomes::stored_bytes;
use crate::engine::{
    simulate_exposures, simulate_iterations, ExposureOutcomes, LayerFigures, Model, OutcomeColumns, SystemicSchedule,
};
use crate::input::Mode;

pub mod allocation;
pub mod figures;
pub mod premium;
pub mod reinsurance;
mod years;

use crate::stats::{select_statistics, LogHistogram, LossDistribution, Segment, Summary, RETURN_PERIODS};
pub use allocation::Contribution;
pub use premium::{maximum_payout, premium, Book, Premium};

/// Statistics of one measure (gross, retained or insured) of one exposure or the portfolio.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MeasureResult {
    pub summary: Summary,
    /// Loss at each of [`RETURN_PERIODS`]: on the annual total (AEP) in annual mode, on the
    /// breach in breach mode.
    pub aggregate_ep: Vec<f64>,
    /// Loss at each return period on the year's largest breach (OEP); annual mode only.
    pub occurrence_ep: Option<Vec<f64>>,
    /// Mean loss at or beyond each return period's loss (TVaR at probability 1 − 1/T).
    pub aggregate_ep_tvar: Vec<f64>,
    pub occurrence_ep_tvar: Option<Vec<f64>>,
}

/// Gross, retained and insured.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Measures {
    pub gross: MeasureResult,
    pub retained: MeasureResult,
    pub insured: MeasureResult,
}

impl Measures {
    pub fn iter(&self) -> [(&'static str, &MeasureResult); 3] {
        [("gross", &self.gross), ("retained", &self.retained), ("insured", &self.insured)]
    }
}

/// Gross statistics of one component for one exposure.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ComponentResult {
    pub name: String,
    pub mean: f64,
    pub sd: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// This component's mean over the exposure's gross mean (a section's: over its insured mean).
    pub share_of_mean: f64,
    pub prob_nonzero: f64,
}

impl ComponentResult {
    /// The levels of its quantiles: p50, p95, p99.
    const LEVELS: [f64; 3] = [0.50, 0.95, 0.99];

    /// The figures of `name` from its mean, sd, probability of arising and quantiles at
    /// [`ComponentResult::LEVELS`], its share taken of `gross_mean`.
    fn new(name: &str, (mean, sd, prob_nonzero, q): (f64, f64, f64, Vec<f64>), gross_mean: f64) -> Self {
        ComponentResult {
            name: name.to_string(),
            mean,
            sd,
            p50: q[0],
            p95: q[1],
            p99: q[2],
            share_of_mean: if gross_mean > 0.0 { mean / gross_mean } else { 0.0 },
            prob_nonzero,
        }
    }

    /// The figures of `name` from its values above zero over `iterations`.
    pub(crate) fn of(name: &str, positive: Vec<f64>, iterations: u64, gross_mean: f64) -> Self {
        ComponentResult::new(name, select_statistics(positive, iterations, &Self::LEVELS), gross_mean)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExposureResult {
    pub id: String,
    pub measures: Measures,
    pub components: Vec<ComponentResult>,
    /// Where the assumptions have incident types beside the data breach: each type's expected
    /// incidents a year and the statistics of its annual cost (the data breach first; `name`
    /// is the type's). Empty otherwise.
    pub incidents: Vec<(f64, ComponentResult)>,
    /// With `incidents`: each type's expected annual insured loss (its incidents' shares of
    /// their years' insured loss, pro rata to what the policy pays of each before the year's
    /// terms), in the same order. Empty otherwise.
    pub insured_by_type: Vec<f64>,
    /// Where the assumptions have coverage sections: the statistics of the annual insured loss
    /// under each (`share_of_mean`: of the insured mean). Empty otherwise.
    pub sections: Vec<ComponentResult>,
    /// The gross loss (annual, or per breach in breach mode) in log bins, for charts (`None`
    /// where the run draws none: [`Model::histograms`]).
    pub gross_histogram: Option<LogHistogram>,
    /// Mean and sd of the insured loss with the per-breach limit set to each of
    /// [`crate::engine::ILF_LIMITS`].
    pub layers: LayerFigures,
    pub simulated_breaches: u64,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub exposures: Vec<ExposureResult>,
    /// The sum over exposures, iteration by iteration (annual mode only).
    pub portfolio: Option<Measures>,
    /// The portfolio's gross annual loss per iteration, for charts (annual mode).
    pub portfolio_gross: Option<LossDistribution>,
    /// The portfolio's largest single breach per iteration, for charts (annual mode).
    pub portfolio_largest_gross: Option<LossDistribution>,
    /// The portfolio leaving out systemic events (annual mode, when the assumptions have any).
    pub portfolio_independent: Option<Measures>,
    /// Each exposure's part of the portfolio mean and TVaR99 (annual mode), in exposure order.
    pub contributions: Vec<Contribution>,
    /// The policies' and the book's premiums (annual mode).
    pub book: Option<Book>,
    pub simulated_breaches: u64,
    /// Seconds of the whole run (simulation and statistics, not writing the reports).
    pub wall_seconds: f64,
    /// Seconds spent simulating breaches (the engine alone).
    pub simulation_seconds: f64,
    /// The portfolio's annual cost by incident type (annual mode, with types beside the data
    /// breach; the data breach first), from the year-by-year sums over exposures.
    pub portfolio_incidents: Vec<ComponentResult>,
    /// The portfolio's annual insured loss by coverage section (annual mode, with sections),
    /// from the year-by-year sums over exposures.
    pub portfolio_sections: Vec<ComponentResult>,
    /// The portfolio's reinsurance (annual mode, with `[[treaty]]` tables).
    pub reinsurance: Option<reinsurance::Reinsurance>,
}

/// Bytes of outcome storage a batch of exposures may use before it is summarised.
pub const BATCH_BYTES: f64 = 128.0 * 1024.0 * 1024.0;

/// Where a run's outcomes come from: the engine ([`LiveEngine`]), or anything that gives the
/// same outcomes for the same exposures and iterations (a seam for tests and other sources).
pub trait OutcomeSource: Sync {
    type Error;
    /// The outcomes of the exposures `batch` over all the run's iterations, in batch order.
    fn batch(
        &self,
        model: &Model,
        batch: Range<usize>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<ExposureOutcomes>, Self::Error>;
    /// The outcomes of the exposures `batch` in the listed iterations (ascending) only.
    fn iterations(
        &self,
        model: &Model,
        batch: Range<usize>,
        iterations: &[u64],
    ) -> Result<Vec<ExposureOutcomes>, Self::Error>;
}

/// Outcomes simulated live by the engine, as they are needed (which cannot fail; `E` is the
/// error type of the caller's batch hook).
pub struct LiveEngine<E = Infallible>(PhantomData<fn() -> E>);

impl<E> Default for LiveEngine<E> {
    fn default() -> Self {
        LiveEngine(PhantomData)
    }
}

impl<E> OutcomeSource for LiveEngine<E> {
    type Error = E;
    fn batch(
        &self,
        model: &Model,
        batch: Range<usize>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<ExposureOutcomes>, E> {
        Ok(simulate_exposures(model, batch, 0..model.settings.iterations, progress))
    }
    fn iterations(&self, model: &Model, batch: Range<usize>, iterations: &[u64]) -> Result<Vec<ExposureOutcomes>, E> {
        Ok(simulate_iterations(model, batch, iterations))
    }
}

/// Runs the simulation and computes every statistic the reports need.
pub fn run(model: &Model, progress: &(dyn Fn(u64) + Sync)) -> RunResults {
    match run_from(model, &LiveEngine::<Infallible>::default(), progress, &mut |_| Ok(())) {
        Ok(results) => results,
        Err(never) => match never {},
    }
}

/// Called with each batch's outcomes as they arrive.
pub type BatchHook<'a, E> = dyn FnMut(&[ExposureOutcomes]) -> Result<(), E> + 'a;

/// Computes every statistic the reports need from the outcomes `source` gives, batch of
/// exposures by batch; `on_batch` sees each batch's outcomes (e.g. to write the year loss table).
pub fn run_from<S: OutcomeSource>(
    model: &Model,
    source: &S,
    progress: &(dyn Fn(u64) + Sync),
    on_batch: &mut BatchHook<'_, S::Error>,
) -> Result<RunResults, S::Error> {
    let started = Instant::now();
    let annual = model.settings.mode == Mode::Annual;
    // With one exposure the portfolio is that exposure, year by year: its statistics are
    // reused rather than summed into per-iteration arrays and computed again; with treaties
    // the portfolio's years are summed even for one exposure: they apply to them.
    let with_sums = annual && (model.exposures.len() > 1 || !model.assumptions.treaties.is_empty());
    let summarised = summarise(model, source, &batches(model), with_sums, progress, on_batch)?;
    finish(model, summarised, source, started)
}

/// What summarising exposures gives, before the portfolio's figures: each exposure's results
/// and the portfolio's sums over them (so shards of exposures can be put together exactly).
pub struct Summarised {
    pub exposures: Vec<ExposureResult>,
    /// The portfolio's exact sums over the exposures, year by year (annual mode, where asked).
    pub sums: Option<years::PortfolioSums>,
    /// With one exposure in the model (annual mode): its gross and largest-gross distributions
    /// and its measures without systemic events (where there are any), the portfolio's.
    pub single: Option<SingleYears>,
    pub simulated_breaches: u64,
    pub simulation_seconds: f64,
}

/// A lone exposure's gross and largest-gross distributions and measures without systemic events.
pub type SingleYears = (LossDistribution, LossDistribution, Option<Measures>);

pub use years::{PortfolioSums, SumsShape};

/// Each exposure's statistics for the exposures of `batches` (in order), with the portfolio's
/// sums over them where `with_sums` (annual mode).
pub fn summarise<S: OutcomeSource>(
    model: &Model,
    source: &S,
    batches: &[Range<usize>],
    with_sums: bool,
    progress: &(dyn Fn(u64) + Sync),
    on_batch: &mut BatchHook<'_, S::Error>,
) -> Result<Summarised, S::Error> {
    let iterations = model.settings.iterations;
    let annual = model.settings.mode == Mode::Annual;
    let single = model.exposures.len() == 1;
    let systemic = !SystemicSchedule::is_inactive(model);
    let mut sums = (annual && with_sums).then(|| PortfolioSums::new(&SumsShape::of(model)));
    let mut single_years = None;
    let mut exposures = Vec::with_capacity(batches.iter().map(|b| b.len()).sum());
    let mut simulated_breaches = 0;
    let mut simulation_seconds = 0.0;
    for batch in batches {
        let simulating = Instant::now();
        let mut outcomes = source.batch(model, batch.clone(), progress)?;
        simulation_seconds += simulating.elapsed().as_secs_f64();
        on_batch(&outcomes)?;
        let summarised: Vec<(ExposureResult, LossDistribution, Option<LossDistribution>)> = match sums.as_mut() {
            // The portfolio sums run beside the exposures' statistics.
            Some(p) => {
                rayon::join(
                    || p.add_batch(&outcomes, model),
                    || outcomes.par_iter().map(|o| summarise_exposure(model, o, None)).collect(),
                )
                .1
            }
            // No one reads the outcomes after their statistics (but a single exposure's
            // figures without systemic events): they hand over their gross columns.
            None => outcomes
                .par_iter_mut()
                .map(|o| {
                    let last_reader = !(annual && single && systemic) && o.insured_is_gross();
                    let taken = last_reader.then(|| o.take_gross_columns());
                    summarise_exposure(model, o, taken)
                })
                .collect(),
        };
        for (result, gross, largest) in summarised {
            simulated_breaches += result.simulated_breaches;
            if annual && single {
                let independent = systemic.then(|| independent_measures(&outcomes[0], iterations));
                let largest = largest.unwrap_or_else(|| LossDistribution::new(Vec::new(), iterations));
                single_years = Some((gross, largest, independent));
            }
            exposures.push(result);
        }
    }
    Ok(Summarised { exposures, sums, single: single_years, simulated_breaches, simulation_seconds })
}

/// The portfolio's figures, contributions, book and reinsurance from the exposures'
/// statistics and the portfolio's sums; `source` gives the outcomes of the tail years the
/// contributions need; `started`, when the run began (for its wall time).
pub fn finish<S: OutcomeSource>(
    model: &Model,
    summarised: Summarised,
    source: &S,
    started: Instant,
) -> Result<RunResults, S::Error> {
    let Summarised { exposures, sums, single, simulated_breaches, simulation_seconds } = summarised;
    let annual = model.settings.mode == Mode::Annual;
    let mut portfolio = sums.map(PortfolioSums::finish);
    let single_portfolio = match (&portfolio, single) {
        (None, Some((gross, largest, independent))) => {
            exposures.first().map(|e| (e.measures.clone(), gross, largest, independent))
        }
        _ => None,
    };
    let (portfolio_incidents, portfolio_sections) = match &portfolio {
        Some(p) => p.type_and_section_statistics(model),
        // A lone exposure's figures by type and section are the portfolio's (none in breach mode).
        None if single_portfolio.is_some() => (
            exposures.iter().flat_map(|e| e.incidents.iter().map(|(_, c)| c.clone())).collect(),
            exposures.iter().flat_map(|e| e.sections.iter().cloned()).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    // The treaties apply once the book is priced (a loss-ratio stop loss attaches at a ratio of its premium).
    let treaties = !model.assumptions.treaties.is_empty();
    let treaty_years = portfolio.as_mut().filter(|_| treaties).map(|p| (p.years(), p.ceded.take()));
    let (portfolio, contributions) = match (portfolio, single_portfolio) {
        (Some(p), _) => {
            let summarised = p.summarise();
            let totals = allocation::PortfolioTotals { gross: &p.gross, insured: p.insured() };
            let contributions = allocation::contributions(model, source, totals, &summarised.0, &exposures)?;
            (Some(summarised), contributions)
        }
        (None, Some(summarised)) => {
            let measures = &summarised.0;
            let measure = model.assumptions.pricing.capital_measure;
            let capital = premium::standalone_capital(&measures.insured.summary, measure);
            let contributions = exposures.iter().map(|e| allocation::own_contribution(e, measures, capital)).collect();
            (Some(summarised), contributions)
        }
        (None, None) => (None, Vec::new()),
    };
    let (portfolio, portfolio_gross, portfolio_largest_gross, portfolio_independent) = match portfolio {
        Some((measures, gross, largest, independent)) => (Some(measures), Some(gross), Some(largest), independent),
        None => (None, None, None, None),
    };
    let book = annual.then(|| premium::book(model, &exposures, &contributions, portfolio.as_ref()));
    let book_premium = book.as_ref().and_then(|b| b.total.as_ref()).map_or(0.0, |p| p.technical_premium);
    let events: Vec<&str> = model.assumptions.systemic.iter().map(|e| e.name.as_str()).collect();
    let reinsurance = treaty_years.zip(portfolio.as_ref()).map(|((years, ceded), p)| {
        let capital = (&p.insured.summary, model.assumptions.pricing.capital_measure);
        reinsurance::apply(&model.assumptions.treaties, (years, ceded.as_ref()), (book_premium, &events), capital)
    });
    Ok(RunResults {
        book,
        exposures,
        portfolio,
        portfolio_gross,
        portfolio_largest_gross,
        portfolio_independent,
        portfolio_incidents,
        portfolio_sections,
        reinsurance,
        contributions,
        simulated_breaches,
        wall_seconds: started.elapsed().as_secs_f64(),
        simulation_seconds,
    })
}

/// Consecutive ranges of exposures whose stored outcomes fit in [`BATCH_BYTES`]
/// (the same for a whole run and its shards: it depends on the model and the run's iterations).
pub fn batches(model: &Model) -> Vec<std::ops::Range<usize>> {
    batches_for(model, model.settings.iterations)
}

/// Each exposure's expected work in a run of `iterations`: the bytes of outcomes it is
/// expected to store.
pub fn exposure_work(model: &Model, iterations: u64) -> Vec<f64> {
    model.exposures.iter().map(|e| stored_bytes(model, e, iterations).expected).collect()
}

/// [`batches`] for a run of `iterations` (for estimates of other runs).
pub fn batches_for(model: &Model, iterations: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0.0;
    for (i, e) in model.exposures.iter().enumerate() {
        let estimate = stored_bytes(model, e, iterations).expected;
        if i > start && bytes + estimate > BATCH_BYTES {
            out.push(start..i);
            start = i;
            bytes = 0.0;
        }
        bytes += estimate;
    }
    if start < model.exposures.len() {
        out.push(start..model.exposures.len());
    }
    out
}

/// Per-iteration values of one measure (only those above zero need be given) and, in annual
/// mode, of the year's largest breach.
type Years = (Segments, Option<Segments>);

/// Values in the segments they came in (see [`LossDistribution::from_pieces`]).
type Segments = Vec<Segment>;

/// Gross, retained and insured from their per-iteration values (and largest breaches).
/// `insured` is `None` where it equals the gross (no policy terms): its statistics are then
/// copied rather than computed again.
fn measures(
    gross: Years,
    retained: Years,
    insured: Option<Years>,
    iterations: u64,
) -> (Measures, LossDistribution, Option<LossDistribution>) {
    let ((gross, gross_losses, largest_losses), (retained, insured)) = rayon::join(
        || measure(gross.0, gross.1, iterations),
        || {
            rayon::join(
                || measure(retained.0, retained.1, iterations).0,
                || insured.map(|(values, largest)| measure(values, largest, iterations).0),
            )
        },
    );
    let measures = Measures { insured: insured.unwrap_or_else(|| gross.clone()), retained, gross };
    (measures, gross_losses, largest_losses)
}

/// Statistics of one measure from its per-iteration values (and the year's largest breach),
/// with the distributions themselves for whoever needs more than the statistics.
pub(crate) fn measure(
    values: Segments,
    largest: Option<Segments>,
    iterations: u64,
) -> (MeasureResult, LossDistribution, Option<LossDistribution>) {
    let levels: Vec<f64> = RETURN_PERIODS.iter().map(|t| 1.0 - 1.0 / f64::from(*t)).collect();
    // Everything the statistics below read is sorted in one pass per distribution.
    let prepared = |values: Segments| {
        let losses = LossDistribution::from_pieces(values, iterations);
        Summary::prepare(&losses, &levels);
        losses
    };
    let (losses, largest) = rayon::join(|| prepared(values), || largest.map(prepared));
    let ep = |d: &LossDistribution| RETURN_PERIODS.iter().map(|t| d.return_period_loss(f64::from(*t))).collect();
    let ep_tvar = |d: &LossDistribution| d.tvars(&levels);
    let result = MeasureResult {
        summary: Summary::of(&losses),
        aggregate_ep: ep(&losses),
        occurrence_ep: largest.as_ref().map(ep),
        aggregate_ep_tvar: ep_tvar(&losses),
        occurrence_ep_tvar: largest.as_ref().map(ep_tvar),
    };
    (result, losses, largest)
}

/// Gross, retained and insured of an exposure's own breaches, leaving out systemic events.
fn independent_measures(o: &ExposureOutcomes, iterations: u64) -> Measures {
    let gross: Vec<f64> = o.independent().map(|x| x.gross).collect();
    let insured: Vec<f64> = o.independent().map(|x| x.insured).collect();
    let largest: Vec<f64> = o.independent().map(|x| x.largest_gross).collect();
    independent_from_years(gross, insured, largest, iterations)
}

/// The "without systemic events" measures from per-iteration gross, insured and largest gross.
fn independent_from_years(gross: Vec<f64>, insured: Vec<f64>, largest: Vec<f64>, iterations: u64) -> Measures {
    let retained: Vec<f64> = gross.iter().zip(&insured).map(|(g, i)| (g - i).max(0.0)).collect();
    Measures {
        gross: measure(vec![gross.into()], Some(vec![largest.into()]), iterations).0,
        retained: measure(vec![retained.into()], None, iterations).0,
        insured: measure(vec![insured.into()], None, iterations).0,
    }
}

/// The statistics of one exposure, with its gross loss distribution and (annual mode) the
/// distribution of its largest breach per year; `taken`, its gross and largest-breach
/// columns already taken out of its outcomes ([`ExposureOutcomes::take_gross_columns`],
/// only where no policy term bites).
fn summarise_exposure(
    model: &Model,
    o: &ExposureOutcomes,
    taken: Option<(Segments, Segments)>,
) -> (ExposureResult, LossDistribution, Option<LossDistribution>) {
    let iterations = model.settings.iterations;
    let annual = model.settings.mode == Mode::Annual;
    // Only losses above zero are kept (zeros are implicit), and the insured columns are not
    // gathered at all where they equal the gross ones (no policy terms).
    let insured_is_gross = taken.is_some() || o.insured_is_gross();
    let stored = match &taken {
        Some((gross, _)) => gross.iter().map(|s| s.values.len()).sum(),
        None => o.len(),
    };
    // Every column in one pass over the outcomes (capacity that stays unused costs nothing:
    // the memory is never touched).
    let mut columns: [Vec<f64>; 6] =
        std::array::from_fn(|_| Vec::with_capacity(if taken.is_some() { 0 } else { stored }));
    if taken.is_some() {
        // Handed over: nothing to gather.
    } else if insured_is_gross {
        // Nothing retained, and the insured columns are the gross ones: only those are read,
        // each by a thread of its own.
        let [gross, largest_gross, ..] = &mut columns;
        let gather = |column: &mut Vec<f64>, values: fn(&OutcomeColumns) -> &[f64]| {
            for part in &o.parts {
                column.extend(values(part).iter().filter(|v| **v > 0.0));
            }
        };
        rayon::join(|| gather(gross, OutcomeColumns::gross), || gather(largest_gross, OutcomeColumns::largest_gross));
    } else {
        for x in o.outcomes() {
            let values = [x.gross, x.largest_gross, x.retained(), x.largest_retained, x.insured, x.largest_insured];
            for (column, value) in columns.iter_mut().zip(values) {
                if value > 0.0 {
                    column.push(value);
                }
            }
        }
    }
    let [gross, largest_gross, retained, largest_retained, insured, largest_insured] =
        columns.map(|c| vec![Segment::from(c)]);
    let (gross, largest_gross) = taken.unwrap_or((gross, largest_gross));
    let occurrence = |values: Segments| annual.then_some(values);
    let (measures, gross_losses, largest_losses) = measures(
        (gross, occurrence(largest_gross)),
        (retained, occurrence(largest_retained)),
        (!insured_is_gross).then(|| (insured, occurrence(largest_insured))),
        iterations,
    );
    let exposure = &model.exposures[o.exposure];
    let width = exposure.width();
    let gross_mean = measures.gross.summary.mean;
    // One pass over the stored rows gathers every cost column's values above zero, each
    // column growing as it fills: most columns hold a few of the rows, and room for all of them
    // in every column would be memory held (the allocator's huge pages) for nothing.
    // (With one column its costs are the gross: its statistics are the gross's.)
    let mut columns: Vec<Vec<f64>> = (0..width).map(|_| Vec::new()).collect();
    if width > 1 {
        for part in &o.parts {
            // Zero costs (the component did not arise) are implicit, as in the measures.
            part.costs.for_each_from(0..part.costs.len(), 0, |_, c, cost| {
                if cost > 0.0 {
                    columns[c].push(cost);
                }
            });
        }
    }
    let statistics = |name: &str, values: Vec<f64>| {
        if width == 1 {
            let g = &gross_losses;
            let figures = (g.mean(), g.sd(), g.prob_nonzero(), g.quantiles(&ComponentResult::LEVELS));
            ComponentResult::new(name, figures, gross_mean)
        } else {
            ComponentResult::of(name, values, iterations, gross_mean)
        }
    };
    let mut columns = columns.into_iter();
    let components = exposure
        .components
        .iter()
        .zip(columns.by_ref())
        .map(|(&c, values)| statistics(&model.assumptions.components[c].name, values))
        .collect();
    let types = crate::input::incidents::names(&model.assumptions.incidents).zip(exposure.type_rates());
    let incidents = if exposure.incident_rates.is_empty() {
        Vec::new()
    } else {
        types.zip(columns.by_ref()).map(|((name, rate), values)| (rate, statistics(name, values))).collect()
    };
    let insured_by_type = expected_by_type(&o.type_insured, incidents.len(), iterations);
    let insured_mean = measures.insured.summary.mean;
    let sections = model
        .assumptions
        .sections
        .iter()
        .zip(columns)
        .map(|(section, values)| ComponentResult::of(&section.name, values, iterations, insured_mean))
        .collect();
    let result = ExposureResult {
        id: exposure.id.clone(),
        measures,
        components,
        incidents,
        insured_by_type,
        sections,
        gross_histogram: model.histograms.then(|| LogHistogram::of(&gross_losses)),
        layers: LayerFigures::of(&o.layer_sums, iterations),
        simulated_breaches: o.simulated_breaches,
    };
    (result, gross_losses, largest_losses)
}

/// The expected annual amounts of `types` incident types from their sums per block (`types`
/// a block, in block order: [`ExposureOutcomes::type_insured`]) over `iterations`.
fn expected_by_type(per_block: &[f64], types: usize, iterations: u64) -> Vec<f64> {
    let mut sums = vec![0.0; types];
    if types > 0 {
        for block in per_block.chunks_exact(types) {
            for (sum, amount) in sums.iter_mut().zip(block) {
                *sum += amount;
            }
        }
    }
    sums.into_iter().map(|s| s / iterations.max(1) as f64).collect()
}

impl RunResults {
    /// Checks that every number the reports would write from these results is finite (the
    /// summary statistics, return-period losses and TVaRs, component statistics, increased-limit
    /// means and factors, contributions, and the pricing figures), for the exposures in file
    /// order and then the portfolio. Validation keeps each breach's cost finite
    /// ([`crate::engine::model::BREACH_COST_BOUND`]), but a year's or a run's sum of them can
    /// overflow, and losses above ~1e154 (a heavy tail's rare draw) make their squares, and so
    /// the sd, overflow: that is found here, after the run, and refused with an input error
    /// naming the first such figure.
    pub fn check_finite(&self, model: &Model) -> Result<(), crate::error::Error> {
        let annual = model.settings.mode == Mode::Annual;
        let book = self.book.as_ref();
        for (i, e) in self.exposures.iter().enumerate() {
            let premium = book.and_then(|b| b.policies.get(i).copied());
            exposure_finite(model, e, premium.zip(model.exposures.get(i)), self.contributions.get(i))?;
        }
        let pricing = annual.then_some(&model.assumptions.pricing);
        for (id, measures, book_total) in [
            (crate::input::exposures::PORTFOLIO_ID, &self.portfolio, book.and_then(|b| b.total)),
            (crate::input::exposures::PORTFOLIO_EXCL_SYSTEMIC_ID, &self.portfolio_independent, None),
        ] {
            if let Some(m) = measures {
                let premium = book_total.or_else(|| pricing.map(|p| premium(&m.insured.summary, p, None)));
                if let Some((what, value)) = measures_non_finite(m, premium) {
                    return Err(non_finite(model, &format!("the portfolio ({id})"), &what, value, m.gross.summary.max));
                }
            }
        }
        Ok(())
    }
}

/// [`RunResults::check_finite`] for exposures' statistics alone (a shard's, before it writes them).
pub fn check_exposures_finite(model: &Model, exposures: &[ExposureResult]) -> Result<(), crate::error::Error> {
    exposures.iter().try_for_each(|e| exposure_finite(model, e, None, None))
}

/// Refuses the first figure of an exposure's statistics (with its premium, on its model's
/// terms, and its contribution, where given) that is not finite.
fn exposure_finite(
    model: &Model,
    e: &ExposureResult,
    premium: Option<(Premium, &crate::engine::ExposureModel)>,
    contribution: Option<&Contribution>,
) -> Result<(), crate::error::Error> {
    let fail = |what: String, value: f64| {
        Err(non_finite(model, &format!("exposure \"{}\"", e.id), &what, value, e.measures.gross.summary.max))
    };
    if let Some((what, value)) = measures_non_finite(&e.measures, premium.map(|p| p.0)) {
        return fail(what, value);
    }
    if let Some((premium, exposure)) = premium {
        let payout = maximum_payout(&exposure.terms);
        if payout.is_finite() && payout > 0.0 && !(premium.technical_premium / payout).is_finite() {
            return fail("insured rate_on_line".into(), premium.technical_premium / payout);
        }
    }
    if let Some((what, value)) = e.column_figures().find(|(_, v)| !v.is_finite()) {
        return fail(what.to_string(), value);
    }
    if let Some((what, value)) = e.layers.first_non_finite() {
        return fail(what, value);
    }
    if let Some(c) = contribution {
        let values =
            [c.gross_mean, c.gross_co_tvar_99, c.insured_mean, c.insured_co_tvar_99, c.insured_allocated_capital];
        let names = [
            "gross contribution mean",
            "gross co_tvar_99",
            "insured contribution mean",
            "insured co_tvar_99",
            "insured allocated capital",
        ];
        if let Some((value, what)) = values.into_iter().zip(names).find(|(v, _)| !v.is_finite()) {
            return fail(what.into(), value);
        }
    }
    Ok(())
}

/// The first figure of `measures` (and of the premium built on its insured loss, if given)
/// that is not finite: its name and value.
fn measures_non_finite(measures: &Measures, premium: Option<Premium>) -> Option<(String, f64)> {
    if let Some((what, value)) = figures::measure_figures(measures).find(|(_, v)| !v.is_finite()) {
        return Some((what.to_string(), value));
    }
    let premium = premium?;
    let figures = [
        ("standalone capital", premium.standalone_capital),
        ("capital", premium.capital),
        ("risk_load", premium.risk_load),
        ("expense_load", premium.expense_load),
        ("technical_premium", premium.technical_premium),
    ];
    figures.into_iter().find(|(_, v)| !v.is_finite()).map(|(what, value)| (format!("insured {what}"), value))
}

/// The error for a figure of `whose` (an exposure, the portfolio) that is not finite, whose
/// losses reach `largest`: what it is, and what to change.
pub(crate) fn non_finite(model: &Model, whose: &str, what: &str, value: f64, largest: f64) -> crate::error::Error {
    crate::error::Error::input(format!(
        "{}: {whose}: the {what} is {value}, not a finite number: its simulated losses reach {largest:.3e}, and their squares (for the sd) or sums pass the largest number a run can hold (1.8e308); lower the components' costs (fixed, per_unit, unit_share; a heavy tail's scale, or a larger shape), or the exposure's records or revenue, so that losses stay below about 1e150",
        model.assumptions.label
    ))
}
