//! Each exposure's part of the portfolio's tail and capital (Euler allocation): co-TVaR over
//! exactly the years the portfolio's TVaR averages, and the capital of the `[pricing]`
//! measure allocated by the same principle, so that the parts add up to the whole.
//!
//! ```text
//! co-TVaR_q(i)  = Σ_t w_t · x_i(t) / ((1 − q)·n)     over the portfolio's worst (1 − q)·n years
//! tvar_99       : capital_i = co-TVaR_99(i) − E[x_i]
//! var_99_5      : capital_i = (VaR − E[S]) · (Ē_w[x_i] − E[x_i]) / (Ē_w[S] − E[S])
//!                 over the years ranked within ±0.1% of n of the VaR's rank
//! sd_multiple k : capital_i = k · Cov(x_i, S) / sd(S)
//! ```
//!
//! The worst years are the portfolio's years ordered by loss, largest first, ties by
//! iteration (the earlier first); the boundary year carries the fractional weight of
//! [`tail_weights`]. Years are simulated again only where they are needed (draws depend on
//! seed, exposure and iteration alone, so this reproduces the run's losses exactly).

use std::cmp::Ordering;

use super::{batches, ExposureResult, Measures, OutcomeSource};
use crate::engine::{Model, Outcome};
use crate::input::CapitalMeasure;
use crate::stats::{tail_weights, Neumaier};

/// Weighted years of the portfolio: iterations (ascending) and their weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeightedYears {
    pub iterations: Vec<u64>,
    pub weights: Vec<f64>,
    /// What the weighted sum is divided by.
    pub size: f64,
}

impl WeightedYears {
    /// The weight of `iteration` (0 if it is not among the years).
    fn weight(&self, iteration: u64) -> f64 {
        self.iterations.binary_search(&iteration).map_or(0.0, |at| self.weights[at])
    }

    /// The weighted mean of `value` over these years of one exposure's outcomes.
    fn mean_of(&self, outcomes: impl Iterator<Item = Outcome>, value: impl Fn(&Outcome) -> f64) -> f64 {
        if self.size <= 0.0 {
            return 0.0;
        }
        let mut total = Neumaier::default();
        for x in outcomes {
            let w = self.weight(x.iteration);
            if w > 0.0 {
                total.add(w * value(&x));
            }
        }
        total.value() / self.size
    }
}

/// Iterations ordered worst first: larger total first, then the earlier iteration.
fn worse(totals: &[f64], a: usize, b: usize) -> Ordering {
    totals[b].total_cmp(&totals[a]).then(a.cmp(&b))
}

/// The iterations of the `count` worst years, worst first.
fn worst_first(totals: &[f64], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..totals.len()).collect();
    if count == 0 {
        return Vec::new();
    }
    if count < order.len() {
        order.select_nth_unstable_by(count - 1, |a, b| worse(totals, *a, *b));
        order.truncate(count);
    }
    order.sort_unstable_by(|a, b| worse(totals, *a, *b));
    order
}

/// The years a TVaR at level `q` of the portfolio averages (see the module docs).
pub fn tail_years(totals: &[f64], q: f64) -> WeightedYears {
    let tail = tail_weights(q, totals.len() as u64);
    let boundary = tail.fraction > 0.0;
    let ranked = worst_first(totals, tail.whole as usize + usize::from(boundary));
    let mut years: Vec<(u64, f64)> = ranked
        .iter()
        .enumerate()
        .map(|(rank, i)| (*i as u64, if boundary && rank == ranked.len() - 1 { tail.fraction } else { 1.0 }))
        .collect();
    years.sort_unstable_by_key(|(i, _)| *i);
    WeightedYears {
        iterations: years.iter().map(|(i, _)| *i).collect(),
        weights: years.iter().map(|(_, w)| *w).collect(),
        size: tail.size,
    }
}

/// Half the width of the band of years around the VaR's rank that its Euler allocation
/// averages, as a share of the years (at least one year each side).
const VAR_BAND: f64 = 0.001;

/// The years ranked within ±[`VAR_BAND`] of the q-quantile's rank, equally weighted.
fn var_band_years(totals: &[f64], q: f64) -> WeightedYears {
    let n = totals.len();
    if n == 0 {
        return WeightedYears::default();
    }
    let rank = (((1.0 - q) * n as f64).round() as usize).min(n - 1);
    let half = ((VAR_BAND * n as f64).ceil() as usize).max(1);
    let (first, last) = (rank.saturating_sub(half), (rank + half).min(n - 1));
    let ranked = worst_first(totals, last + 1);
    let mut iterations: Vec<u64> = ranked[first..].iter().map(|i| *i as u64).collect();
    iterations.sort_unstable();
    let weights = vec![1.0; iterations.len()];
    WeightedYears { size: iterations.len() as f64, iterations, weights }
}

/// One exposure's contribution to the portfolio: its mean, its co-TVaR99 (its weighted mean
/// loss over the portfolio's worst 1% of years), which sum over exposures to the portfolio
/// mean and TVaR99, and the insured capital allocated to it by the `[pricing]` measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub gross_mean: f64,
    pub gross_co_tvar_99: f64,
    pub insured_mean: f64,
    pub insured_co_tvar_99: f64,
    pub insured_allocated_capital: f64,
}

/// The portfolio's per-year totals the contributions are taken against.
pub struct PortfolioTotals<'a> {
    pub gross: &'a [f64],
    pub insured: &'a [f64],
}

/// Contributions of every exposure (in exposure order) to a portfolio of several.
pub fn contributions<S: OutcomeSource>(
    model: &Model,
    source: &S,
    totals: PortfolioTotals<'_>,
    measures: &Measures,
    exposures: &[ExposureResult],
) -> Result<Vec<Contribution>, S::Error> {
    let gross_tail = tail_years(totals.gross, 0.99);
    let insured_tail = tail_years(totals.insured, 0.99);
    let measure = model.assumptions.pricing.capital_measure;
    let band = match measure {
        CapitalMeasure::Var995 => Some(var_band_years(totals.insured, 0.995)),
        _ => None,
    };
    let mut wanted: Vec<u64> = gross_tail.iterations.iter().chain(&insured_tail.iterations).copied().collect();
    if let Some(band) = &band {
        wanted.extend(&band.iterations);
    }
    wanted.sort_unstable();
    wanted.dedup();
    let portfolio = &measures.insured.summary;
    let band_total = band.as_ref().map(|b| {
        let mut total = Neumaier::default();
        for i in &b.iterations {
            total.add(totals.insured[*i as usize]);
        }
        total.value() / b.size
    });
    // sd_multiple's allocation needs every year: Σ_t x_i(t)·S(t), from a second pass.
    let covariances = match measure {
        CapitalMeasure::SdMultiple(_) => Some(covariances(model, source, totals.insured, portfolio.mean)?),
        _ => None,
    };
    let mut out = Vec::with_capacity(exposures.len());
    for batch in batches(model) {
        for o in source.iterations(model, batch, &wanted)? {
            let result = &exposures[o.exposure];
            let insured_mean = result.measures.insured.summary.mean;
            let insured_co_tvar_99 = insured_tail.mean_of(o.outcomes(), |x| x.insured);
            let insured_allocated_capital = match measure {
                CapitalMeasure::Tvar99 => insured_co_tvar_99 - insured_mean,
                CapitalMeasure::Var995 => {
                    let (band, band_total) = (band.as_ref(), band_total.unwrap_or(0.0));
                    let own = band.map_or(0.0, |b| b.mean_of(o.outcomes(), |x| x.insured));
                    let spread = band_total - portfolio.mean;
                    if spread > 0.0 {
                        (portfolio.p99_5 - portfolio.mean) * (own - insured_mean) / spread
                    } else {
                        0.0
                    }
                }
                CapitalMeasure::SdMultiple(k) => {
                    let covariance = covariances.as_ref().map_or(0.0, |c| c[o.exposure]);
                    if portfolio.sd > 0.0 {
                        k * covariance / portfolio.sd
                    } else {
                        0.0
                    }
                }
            };
            out.push(Contribution {
                gross_mean: result.measures.gross.summary.mean,
                gross_co_tvar_99: gross_tail.mean_of(o.outcomes(), |x| x.gross),
                insured_mean,
                insured_co_tvar_99,
                insured_allocated_capital,
            });
        }
    }
    Ok(out)
}

/// Each exposure's sample covariance (n − 1) of its insured loss with the portfolio's,
/// in exposure order: `Σ_t x_i(t)·(S(t) − mean_S) / (n − 1)` (years without a loss add 0).
fn covariances<S: OutcomeSource>(model: &Model, source: &S, insured: &[f64], mean: f64) -> Result<Vec<f64>, S::Error> {
    let n = insured.len();
    let mut out = vec![0.0; model.exposures.len()];
    for batch in batches(model) {
        for o in source.batch(model, batch, &|_| {})? {
            let mut total = Neumaier::default();
            for x in o.outcomes() {
                total.add(x.insured * (insured[x.iteration as usize] - mean));
            }
            out[o.exposure] = if n > 1 { total.value() / (n - 1) as f64 } else { 0.0 };
        }
    }
    Ok(out)
}

/// The contributions of a portfolio of one exposure: its own figures.
pub fn own_contribution(exposure: &ExposureResult, portfolio: &Measures, capital: f64) -> Contribution {
    Contribution {
        gross_mean: exposure.measures.gross.summary.mean,
        gross_co_tvar_99: portfolio.gross.summary.tvar_99,
        insured_mean: exposure.measures.insured.summary.mean,
        insured_co_tvar_99: portfolio.insured.summary.tvar_99,
        insured_allocated_capital: capital,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_years_are_the_worst_with_ties_taken_by_iteration() {
        // 10 years, TVaR90 averages the single worst; TVaR75 the worst 2.5.
        let totals = [0.0, 5.0, 0.0, 9.0, 5.0, 5.0, 0.0, 1.0, 0.0, 0.0];
        assert_eq!(tail_years(&totals, 0.9), WeightedYears { iterations: vec![3], weights: vec![1.0], size: 1.0 });
        let t = tail_years(&totals, 0.75);
        // Worst first: 3 (9), then the 5s in iteration order 1, 4, 5: 1 whole, 4 by half.
        assert_eq!(t.iterations, vec![1, 3, 4]);
        assert_eq!(t.weights, vec![1.0, 1.0, 0.5]);
        assert_eq!(t.size, 2.5);
        // A mass of zeros: the tail runs into zero years, taken by iteration.
        let t = tail_years(&totals, 0.3);
        assert_eq!(t.iterations, vec![0, 1, 2, 3, 4, 5, 7]);
        assert_eq!(t.size, 7.0);
    }

    #[test]
    fn var_band_takes_the_years_around_the_quantiles_rank() {
        let totals: Vec<f64> = (0..2000).map(f64::from).collect();
        // Rank 10 from the top (1999 down): ±2 ranks → 1987..=1991.
        let band = var_band_years(&totals, 0.995);
        assert_eq!(band.iterations, (1987..=1991).collect::<Vec<u64>>());
    }
}
