//! One simulation run, from the resolved model to results: the engine simulates exposures
//! in batches, each batch is summarised and folded into the portfolio, then dropped, so
//! memory holds one batch of outcomes plus the portfolio's per-iteration totals.

use std::time::Instant;

use rayon::prelude::*;

use crate::engine::simulate::ILF_LIMITS;
use crate::engine::simulate::{simulate_iterations, SystemicSchedule};
use crate::engine::{simulate_exposures, ExposureOutcomes, Model};
use crate::input::Mode;
use crate::stats::{select_statistics, LogHistogram, LossDistribution, Neumaier, Summary, RETURN_PERIODS};

/// Statistics of one measure (gross, retained or insured) of one exposure or the portfolio.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct ComponentResult {
    pub name: String,
    pub mean: f64,
    pub sd: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// This component's mean over the exposure's gross mean.
    pub share_of_mean: f64,
    pub prob_nonzero: f64,
}

#[derive(Debug, Clone)]
pub struct ExposureResult {
    pub id: String,
    pub measures: Measures,
    pub components: Vec<ComponentResult>,
    /// The gross loss (annual, or per breach in breach mode) in log bins, for charts.
    pub gross_histogram: LogHistogram,
    /// Expected insured loss with the per-breach limit set to each of [`ILF_LIMITS`].
    pub layer_means: Vec<f64>,
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
    pub simulated_breaches: u64,
    /// Seconds of the whole run (simulation and statistics, not writing the reports).
    pub wall_seconds: f64,
    /// Seconds spent simulating breaches (the engine alone).
    pub simulation_seconds: f64,
}

/// One exposure's contribution to the portfolio: its mean, and its mean loss in the years
/// where the portfolio loss is at or above its 99th percentile (co-TVaR), which sum over
/// exposures to the portfolio mean and TVaR99.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub gross_mean: f64,
    pub gross_co_tvar_99: f64,
    pub insured_mean: f64,
    pub insured_co_tvar_99: f64,
}

/// Bytes of outcome storage a batch of exposures may use before it is summarised.
const BATCH_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// Runs the simulation and computes every statistic the reports need.
pub fn run(model: &Model, progress: &(dyn Fn(u64) + Sync)) -> RunResults {
    let started = Instant::now();
    let iterations = model.settings.iterations;
    let mode = model.settings.mode;
    let mut portfolio = match mode {
        Mode::Annual => Some(PortfolioYears::new(iterations, !SystemicSchedule::is_inactive(model))),
        Mode::Breach => None,
    };
    let mut exposures = Vec::with_capacity(model.exposures.len());
    let mut simulated_breaches = 0;
    let mut simulation_seconds = 0.0;
    for batch in batches(model) {
        let simulating = Instant::now();
        let outcomes = simulate_exposures(model, batch, 0..iterations, progress);
        simulation_seconds += simulating.elapsed().as_secs_f64();
        if let Some(p) = portfolio.as_mut() {
            for o in &outcomes {
                p.add(o);
            }
        }
        let summarised: Vec<ExposureResult> = outcomes.par_iter().map(|o| summarise_exposure(model, o)).collect();
        simulated_breaches += summarised.iter().map(|r| r.simulated_breaches).sum::<u64>();
        exposures.extend(summarised);
    }
    let contributions = match &portfolio {
        Some(p) => contributions(model, p, &exposures),
        None => Vec::new(),
    };
    let (portfolio, portfolio_gross, portfolio_largest_gross, portfolio_independent) = match portfolio {
        Some(p) => {
            let (measures, gross, largest, independent) = p.summarise();
            (Some(measures), Some(gross), Some(largest), independent)
        }
        None => (None, None, None, None),
    };
    RunResults {
        exposures,
        portfolio,
        portfolio_gross,
        portfolio_largest_gross,
        portfolio_independent,
        contributions,
        simulated_breaches,
        wall_seconds: started.elapsed().as_secs_f64(),
        simulation_seconds,
    }
}

/// Consecutive ranges of exposures whose outcomes fit in [`BATCH_BYTES`].
fn batches(model: &Model) -> Vec<std::ops::Range<usize>> {
    let iterations = model.settings.iterations as f64;
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0.0;
    for (i, e) in model.exposures.iter().enumerate() {
        let stored_share = match model.settings.mode {
            Mode::Breach => 1.0,
            Mode::Annual => 1.0 - (-e.rate).exp(),
        };
        let per_outcome = (std::mem::size_of::<crate::engine::Outcome>() + 8 * e.components.len()) as f64;
        let estimate = iterations * stored_share * per_outcome;
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

/// Gross, retained and insured from their per-iteration values (and largest breaches).
/// Where the insured loss is the gross loss (no policy terms), its statistics are copied
/// rather than computed again.
fn measures(
    [gross, retained, insured]: [Vec<f64>; 3],
    [largest_gross, largest_retained, largest_insured]: [Option<Vec<f64>>; 3],
    iterations: u64,
) -> (Measures, LossDistribution, Option<LossDistribution>) {
    let insured_is_gross = insured == gross && largest_insured == largest_gross;
    let insured = if insured_is_gross { None } else { Some(measure(insured, largest_insured, iterations).0) };
    let (gross, gross_losses, largest_losses) = measure(gross, largest_gross, iterations);
    let measures = Measures {
        insured: insured.unwrap_or_else(|| gross.clone()),
        retained: measure(retained, largest_retained, iterations).0,
        gross,
    };
    (measures, gross_losses, largest_losses)
}

/// Statistics of one measure from its per-iteration values (and the year's largest breach),
/// with the distributions themselves for whoever needs more than the statistics.
fn measure(
    values: Vec<f64>,
    largest: Option<Vec<f64>>,
    iterations: u64,
) -> (MeasureResult, LossDistribution, Option<LossDistribution>) {
    let losses = LossDistribution::new(values, iterations);
    let largest = largest.map(|v| LossDistribution::new(v, iterations));
    let ep = |d: &LossDistribution| RETURN_PERIODS.iter().map(|t| d.return_period_loss(f64::from(*t))).collect();
    let levels: Vec<f64> = RETURN_PERIODS.iter().map(|t| 1.0 - 1.0 / f64::from(*t)).collect();
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

fn summarise_exposure(model: &Model, o: &ExposureOutcomes) -> ExposureResult {
    let iterations = model.settings.iterations;
    let annual = model.settings.mode == Mode::Annual;
    let column = |f: fn(&crate::engine::Outcome) -> f64| o.outcomes.iter().map(f).collect::<Vec<f64>>();
    let occurrence = |f: fn(&crate::engine::Outcome) -> f64| if annual { Some(column(f)) } else { None };
    let (measures, gross_losses, _) = measures(
        [column(|x| x.gross), column(|x| x.retained()), column(|x| x.insured)],
        [occurrence(|x| x.largest_gross), occurrence(|x| x.largest_retained), occurrence(|x| x.largest_insured)],
        iterations,
    );
    let exposure = &model.exposures[o.exposure];
    let k = exposure.components.len();
    let gross_mean = measures.gross.summary.mean;
    let components = exposure
        .components
        .iter()
        .enumerate()
        .map(|(j, &c)| {
            let values: Vec<f64> = o.component_costs.iter().skip(j).step_by(k.max(1)).copied().collect();
            let (mean, sd, prob_nonzero, q) = select_statistics(values, iterations, &[0.50, 0.95, 0.99]);
            ComponentResult {
                name: model.assumptions.components[c].name.clone(),
                mean,
                sd,
                p50: q[0],
                p95: q[1],
                p99: q[2],
                share_of_mean: if gross_mean > 0.0 { mean / gross_mean } else { 0.0 },
                prob_nonzero,
            }
        })
        .collect();
    ExposureResult {
        id: exposure.id.clone(),
        measures,
        components,
        gross_histogram: LogHistogram::of(&gross_losses),
        layer_means: (0..ILF_LIMITS.len())
            .map(|j| {
                let mut total = Neumaier::default();
                for x in &o.outcomes {
                    total.add(x.layers[j]);
                }
                total.value() / iterations as f64
            })
            .collect(),
        simulated_breaches: o.simulated_breaches,
    }
}

/// The portfolio's per-iteration totals (sum over exposures) and largest breaches.
struct PortfolioYears {
    gross: Vec<f64>,
    insured: Vec<f64>,
    retained: Vec<f64>,
    largest_gross: Vec<f64>,
    largest_insured: Vec<f64>,
    largest_retained: Vec<f64>,
    /// Gross, insured and largest gross without systemic events, if there are any.
    independent: Option<[Vec<f64>; 3]>,
}

impl PortfolioYears {
    fn new(iterations: u64, with_independent: bool) -> Self {
        let zeros = || vec![0.0; iterations as usize];
        PortfolioYears {
            independent: if with_independent { Some([zeros(), zeros(), zeros()]) } else { None },
            gross: zeros(),
            insured: zeros(),
            retained: zeros(),
            largest_gross: zeros(),
            largest_insured: zeros(),
            largest_retained: zeros(),
        }
    }

    /// Adds one exposure's outcomes (exposures are added in file order, so sums are deterministic).
    fn add(&mut self, o: &ExposureOutcomes) {
        for x in &o.outcomes {
            let i = x.iteration as usize;
            self.gross[i] += x.gross;
            self.insured[i] += x.insured;
            self.retained[i] += x.retained();
            self.largest_gross[i] = self.largest_gross[i].max(x.largest_gross);
            self.largest_insured[i] = self.largest_insured[i].max(x.largest_insured);
            self.largest_retained[i] = self.largest_retained[i].max(x.largest_retained);
            if let Some([gross, insured, largest]) = self.independent.as_mut() {
                gross[i] += x.independent_gross;
                insured[i] += x.independent_insured;
                largest[i] = largest[i].max(x.independent_largest_gross);
            }
        }
    }

    fn summarise(self) -> (Measures, LossDistribution, LossDistribution, Option<Measures>) {
        let iterations = self.gross.len() as u64;
        let (measures, gross_losses, largest_gross) = measures(
            [self.gross, self.retained, self.insured],
            [Some(self.largest_gross), Some(self.largest_retained), Some(self.largest_insured)],
            iterations,
        );
        let largest_gross = largest_gross.unwrap_or_else(|| LossDistribution::new(Vec::new(), iterations));
        let independent = self.independent.map(|[gross, insured, largest]| {
            let retained: Vec<f64> = gross.iter().zip(&insured).map(|(g, i)| (g - i).max(0.0)).collect();
            Measures {
                gross: measure(gross, Some(largest), iterations).0,
                retained: measure(retained, None, iterations).0,
                insured: measure(insured, None, iterations).0,
            }
        });
        (measures, gross_losses, largest_gross, independent)
    }
}

/// The iterations at or above the 99th percentile of `totals` (the years TVaR99 averages).
fn tail_iterations(totals: &[f64]) -> Vec<u64> {
    let threshold = LossDistribution::new(totals.to_vec(), totals.len() as u64).quantile(0.99);
    totals.iter().enumerate().filter(|(_, t)| **t >= threshold).map(|(i, _)| i as u64).collect()
}

/// Co-TVaR allocation: the tail years are simulated again for every exposure (draws depend
/// only on seed, exposure and iteration, so this reproduces the run's losses exactly).
fn contributions(model: &Model, portfolio: &PortfolioYears, exposures: &[ExposureResult]) -> Vec<Contribution> {
    let gross_tail = tail_iterations(&portfolio.gross);
    let insured_tail = tail_iterations(&portfolio.insured);
    let mut union: Vec<u64> = gross_tail.iter().chain(&insured_tail).copied().collect();
    union.sort_unstable();
    union.dedup();
    let mut out = Vec::with_capacity(exposures.len());
    for batch in batches(model) {
        for o in simulate_iterations(model, batch, &union) {
            let tail_mean = |tail: &[u64], value: fn(&crate::engine::Outcome) -> f64| {
                let mut total = Neumaier::default();
                for x in o.outcomes.iter().filter(|x| tail.binary_search(&x.iteration).is_ok()) {
                    total.add(value(x));
                }
                if tail.is_empty() {
                    0.0
                } else {
                    total.value() / tail.len() as f64
                }
            };
            let result = &exposures[o.exposure];
            out.push(Contribution {
                gross_mean: result.measures.gross.summary.mean,
                gross_co_tvar_99: tail_mean(&gross_tail, |x| x.gross),
                insured_mean: result.measures.insured.summary.mean,
                insured_co_tvar_99: tail_mean(&insured_tail, |x| x.insured),
            });
        }
    }
    out
}
