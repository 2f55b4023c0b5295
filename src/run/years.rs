//! The portfolio's years: each exposure's outcomes added year by year into exact totals
//! ([`YearTotals`]: the same bits however the exposures are ordered or grouped, in batches,
//! threads or shards), then turned into amounts and summarised.

use super::{independent_from_years, measures, ComponentResult, Measures};
use crate::engine::{ExposureModel, ExposureOutcomes, Model};
use crate::stats::{LossDistribution, Segment, YearTotals};

/// The portfolio's per-iteration sums over exposures and largest breaches, being added up.
pub(super) struct PortfolioSums {
    gross: YearTotals,
    largest_gross: Vec<f64>,
    /// Insured, retained, largest insured and largest retained: `None` while every exposure
    /// added so far had insured = gross and nothing retained (no policy terms bit), when
    /// they would repeat the gross totals and zeros.
    insured: Option<(YearTotals, YearTotals, Vec<f64>, Vec<f64>)>,
    /// Gross, insured and largest gross without systemic events, if there are any.
    independent: Option<(YearTotals, YearTotals, Vec<f64>)>,
    /// Year by year, the gross cost of each incident type (with types beside the data breach),
    /// then the insured loss under each coverage section (with sections): `types + sections`
    /// of them a year, side by side.
    by_column: YearTotals,
    /// (Types, sections.)
    columns: (usize, usize),
}

impl PortfolioSums {
    pub(super) fn new(iterations: u64, with_independent: bool, (types, sections): (usize, usize)) -> Self {
        let n = iterations as usize;
        PortfolioSums {
            by_column: YearTotals::new(n * (types + sections)),
            columns: (types, sections),
            independent: with_independent.then(|| (YearTotals::new(n), YearTotals::new(n), vec![0.0; n])),
            gross: YearTotals::new(n),
            largest_gross: vec![0.0; n],
            insured: None,
        }
    }

    /// Adds one exposure's outcomes (in any order of exposures: the totals are exact).
    pub(super) fn add(&mut self, o: &ExposureOutcomes, exposure: &ExposureModel) {
        let m = self.columns.0 + self.columns.1;
        if m > 0 {
            // Its cost columns by type, then by section, follow its components' ([`ExposureModel::width`]).
            let k = exposure.components.len();
            for (iteration, costs) in o.cost_rows(exposure.width()) {
                let first = iteration as usize * m;
                for (c, cost) in costs[k..].iter().enumerate() {
                    self.by_column.add(first + c, *cost);
                }
            }
        }
        if !o.insured_is_gross() && self.insured.is_none() {
            // The first exposure whose terms bite: the totals so far are the gross ones (each
            // earlier insured loss equalled its gross bit for bit), and nothing was retained.
            let n = self.largest_gross.len();
            let zeros = vec![0.0; n];
            self.insured = Some((self.gross.clone(), YearTotals::new(n), self.largest_gross.clone(), zeros));
        }
        match self.insured.as_mut() {
            Some((insured, retained, largest_insured, largest_retained)) => {
                for x in o.outcomes() {
                    let i = x.iteration as usize;
                    self.gross.add(i, x.gross);
                    insured.add(i, x.insured);
                    retained.add(i, x.retained());
                    self.largest_gross[i] = self.largest_gross[i].max(x.largest_gross);
                    largest_insured[i] = largest_insured[i].max(x.largest_insured);
                    largest_retained[i] = largest_retained[i].max(x.largest_retained);
                }
            }
            None => {
                for x in o.outcomes() {
                    let i = x.iteration as usize;
                    self.gross.add(i, x.gross);
                    self.largest_gross[i] = self.largest_gross[i].max(x.largest_gross);
                }
            }
        }
        if let Some((gross, insured, largest)) = self.independent.as_mut() {
            for (x, own) in o.outcomes().zip(o.independent()) {
                let i = x.iteration as usize;
                gross.add(i, own.gross);
                insured.add(i, own.insured);
                largest[i] = largest[i].max(own.largest_gross);
            }
        }
    }

    /// The totals as amounts (each rounded once), the sums dropped as they are converted.
    pub(super) fn finish(self) -> PortfolioYears {
        let PortfolioSums { gross, largest_gross, insured, independent, by_column, columns } = self;
        let amounts = |totals: YearTotals| totals.amounts();
        PortfolioYears {
            gross: amounts(gross),
            largest_gross,
            insured: insured.map(|(insured, retained, largest_insured, largest_retained)| {
                [amounts(insured), amounts(retained), largest_insured, largest_retained]
            }),
            independent: independent.map(|(gross, insured, largest)| [amounts(gross), amounts(insured), largest]),
            by_column: amounts(by_column),
            columns,
        }
    }
}

/// The portfolio's per-iteration totals (sums over exposures) and largest breaches.
pub(super) struct PortfolioYears {
    pub(super) gross: Vec<f64>,
    largest_gross: Vec<f64>,
    /// Insured, retained, largest insured and largest retained (`None`: insured = gross and
    /// nothing retained in any year).
    insured: Option<[Vec<f64>; 4]>,
    /// Gross, insured and largest gross without systemic events, if there are any.
    independent: Option<[Vec<f64>; 3]>,
    /// Year by year, each incident type's gross cost, then each section's insured loss.
    by_column: Vec<f64>,
    /// (Types, sections.)
    columns: (usize, usize),
}

impl PortfolioYears {
    /// The statistics of the portfolio's annual cost of each incident type and insured loss
    /// under each coverage section (empty without types, or sections).
    pub(super) fn type_and_section_statistics(&self, model: &Model) -> (Vec<ComponentResult>, Vec<ComponentResult>) {
        let iterations = self.gross.len() as u64;
        let mean = |years: &[f64]| years.iter().sum::<f64>() / iterations.max(1) as f64;
        let (gross_mean, insured_mean) = (mean(&self.gross), mean(self.insured()));
        let (types, sections) = self.columns;
        let statistics = |name: &str, column: usize, of_mean: f64| {
            let years = self.by_column.iter().skip(column).step_by(types + sections);
            let positive: Vec<f64> = years.copied().filter(|v| *v > 0.0).collect();
            ComponentResult::of(name, positive, iterations, of_mean)
        };
        let type_names = crate::input::incidents::names(&model.assumptions.incidents).take(types);
        let section_names = model.assumptions.sections.iter().map(|s| s.name.as_str());
        (
            type_names.enumerate().map(|(c, name)| statistics(name, c, gross_mean)).collect(),
            section_names.enumerate().map(|(c, name)| statistics(name, types + c, insured_mean)).collect(),
        )
    }

    /// Copies of the gross, retained and insured loss of each iteration.
    pub(super) fn years(&self) -> [Vec<f64>; 3] {
        let retained = self.insured.as_ref().map_or_else(|| vec![0.0; self.gross.len()], |[_, r, ..]| r.clone());
        [self.gross.clone(), retained, self.insured().to_vec()]
    }

    /// The insured loss of each iteration.
    pub(super) fn insured(&self) -> &[f64] {
        self.insured.as_ref().map_or(&self.gross, |[insured, ..]| insured)
    }

    /// The portfolio's measures, gross and largest-gross distributions, and the measures
    /// without systemic events (the per-iteration arrays stay for the contributions).
    pub(super) fn summarise(&self) -> PortfolioSummary {
        let iterations = self.gross.len() as u64;
        let positive = |values: &[f64]| values.iter().copied().filter(|v| *v > 0.0).collect::<Vec<f64>>();
        let (retained, insured) = match &self.insured {
            Some([insured, retained, largest_insured, largest_retained]) => {
                let insured_is_gross = *insured == self.gross && *largest_insured == self.largest_gross;
                (
                    (positive(retained), Some(positive(largest_retained))),
                    (!insured_is_gross).then(|| (positive(insured), Some(positive(largest_insured)))),
                )
            }
            // Nothing retained in any year, and the insured statistics are the gross ones.
            None => ((Vec::new(), Some(Vec::new())), None),
        };
        let one = |(values, largest): (Vec<f64>, Option<Vec<f64>>)| {
            (vec![Segment::from(values)], largest.map(|l| vec![Segment::from(l)]))
        };
        let (measures, gross_losses, largest_gross) = measures(
            one((positive(&self.gross), Some(positive(&self.largest_gross)))),
            one(retained),
            insured.map(one),
            iterations,
        );
        let largest_gross = largest_gross.unwrap_or_else(|| LossDistribution::new(Vec::new(), iterations));
        let independent = self.independent.as_ref().map(|[gross, insured, largest]| {
            independent_from_years(gross.clone(), insured.clone(), largest.clone(), iterations)
        });
        (measures, gross_losses, largest_gross, independent)
    }
}

/// The portfolio's measures, gross and largest-gross distributions, and its measures
/// without systemic events (when there are any).
pub(super) type PortfolioSummary = (Measures, LossDistribution, LossDistribution, Option<Measures>);
