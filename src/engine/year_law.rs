//! Which years of a block have breaches of an exposure's own, and how many: the yearly count
//! law (Poisson or negative binomial) and its tables.

use rand_distr::Distribution;

use super::model::Model;
use super::rng::{mix, stream, Stream, COUNT_STREAM, YEAR_SKIP_STREAM};
use super::ziggurat::standard_exponential;
use super::BLOCK_ITERATIONS;
use crate::input::{CountModel, Mode};
use crate::sampler::{open_unit, GammaSampler};

/// How an exposure's own breach counts are drawn.
#[derive(Debug, Clone)]
pub(super) enum YearLaw {
    /// No year has a breach of its own (rate 0, or a held count of 0).
    Never,
    /// Every year has exactly this many (breach mode: 1; a held count).
    Every(u32),
    /// Years with at least one breach are found by geometric skips over blocks of
    /// [`BLOCK_ITERATIONS`] years, `ln_p0` being the log-probability of a year without
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
pub(super) const INVERSION_MAX_RATE: f64 = 30.0;

/// An exposure's [`YearLaw`] with the samplers its counts may need.
pub(super) struct YearCounts {
    pub(super) law: YearLaw,
    rate: f64,
    poisson: Option<rand_distr::Poisson<f64>>,
    /// Negative binomial: the gamma law of the year's breach rate.
    year_rate: Option<GammaSampler>,
}

impl YearCounts {
    /// The data breaches' counts at `rate` a year.
    pub(super) fn new(model: &Model, rate: f64) -> Self {
        YearCounts::of_type(model, rate, 0)
    }

    /// The counts of incident type `incident` (0: the data breach) at `rate` a year. In breach
    /// mode every iteration is one incident of the model's focus type, none of the others; a
    /// held count (sensitivity's) holds the data breaches'.
    pub(super) fn of_type(model: &Model, rate: f64, incident: usize) -> Self {
        let law = match model.settings.mode {
            Mode::Breach if model.focus != incident => YearLaw::Never,
            Mode::Annual if incident != 0 => YearLaw::of_rate(model, rate),
            _ => YearLaw::of(model, rate),
        };
        YearCounts {
            law,
            rate,
            poisson: if rate > INVERSION_MAX_RATE { rand_distr::Poisson::new(rate).ok() } else { None },
            year_rate: match model.assumptions.frequency.model {
                CountModel::NegativeBinomial { dispersion } => GammaSampler::new(1.0 / dispersion, dispersion * rate),
                CountModel::Poisson => None,
            },
        }
    }

    /// Whether the counts are random (Poisson or negative binomial), not fixed by the mode or
    /// held: only random counts take the common shock.
    pub(super) fn is_random(&self) -> bool {
        matches!(self.law, YearLaw::Skip { .. } | YearLaw::Arrivals { .. })
    }

    /// The share of years with at least one breach of the exposure's own.
    pub(super) fn share_breached(&self) -> f64 {
        match &self.law {
            YearLaw::Never => 0.0,
            YearLaw::Every(_) => 1.0,
            YearLaw::Skip { p0, .. } => 1.0 - p0,
            YearLaw::Arrivals { rate } => -(-rate).exp_m1(),
        }
    }

    /// The exposure's own breaches in a year known to have at least one (see [`YearLaw`]),
    /// drawn from `rng`, the block's count stream, taken by its years in order.
    fn positive_count(&self, rng: &mut Stream) -> u32 {
        let YearLaw::Skip { p0, cdf, .. } = &self.law else {
            return match self.law {
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
            let n = match (&self.year_rate, &self.poisson) {
                (Some(gamma), _) => {
                    let year_rate = gamma.sample(rng);
                    rand_distr::Poisson::new(year_rate).map_or(0.0, |p| p.sample(rng))
                }
                (None, Some(sampler)) => sampler.sample(rng),
                (None, None) => rand_distr::Poisson::new(self.rate).map_or(0.0, |p| p.sample(rng)),
            };
            if n >= 1.0 {
                return n.min(f64::from(u32::MAX)) as u32;
            }
        }
        1
    }

    /// Appends to `years` the years of block `block` (iterations `block·BLOCK_ITERATIONS` on)
    /// that have at least one breach of the exposure's own, ascending, with their counts. They
    /// depend only on the seed, the exposure and the block (`block_key`), whatever part of the
    /// block a call simulates.
    // Out of line: inlined into the year loop it compiles to more instructions (callgrind, W1).
    #[inline(never)]
    pub(super) fn count_years(&self, block: u64, block_key: u64, years: &mut Vec<(u64, u32)>) {
        let start = block * BLOCK_ITERATIONS;
        let end = start + BLOCK_ITERATIONS;
        match &self.law {
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
                let span = BLOCK_ITERATIONS as f64;
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
}

/// The count k with `table[k−1] < u ≤ table[k]` (the last entry if none): inversion of a
/// cumulative table such as [`poisson_cdf`]'s.
#[inline]
pub(super) fn invert(table: &[f64], u: f64) -> u32 {
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
pub(super) fn poisson_cdf(rate: f64, exp_neg_rate: f64) -> Vec<f64> {
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
        YearLaw::of_rate(model, rate)
    }

    /// The law of random counts at `rate` a year.
    fn of_rate(model: &Model, rate: f64) -> YearLaw {
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
        // Past the mean, once the terms no longer move the sum (rounding can leave it short of
        // 1 − 1e-15 for good), the table is complete to the last bit.
        if k > rate && cumulative + term == cumulative {
            break;
        }
        cumulative += term;
        cdf.push(cumulative);
    }
    cdf.push(f64::INFINITY);
    (p0, cdf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};
    use crate::engine::simulate_exposures;

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

    /// Negative binomial counts keep their mean λ and variance λ + αλ² (within 5 standard errors,
    /// estimated from the sample) above the rate where Poisson counts change sampler: by a
    /// table whose sum rounding leaves short of 1 (α 0.5, λ 40), and by rejection from the
    /// gamma-mixed Poisson where the table would be too long (α 100).
    #[test]
    fn negative_binomial_counts_keep_their_variance_at_high_rates() {
        let years = 200_000u64;
        for (dispersion, rate) in [(0.5, 40.0), (100.0, 40.0)] {
            let csv = format!("id,records,annual_rate\nx,100,{rate}\n");
            let toml = format!(
                "[frequency]\nmodel = \"negative_binomial\"\ndispersion = {dispersion}\n[[component]]\nname = \"one\"\nfixed = 1\n"
            );
            let model = test_model(&csv, &toml, RunSettings { mode: Mode::Annual, iterations: years, seed: 12 });
            let outcomes = simulate_exposures(&model, 0..1, 0..years, &|_| {});
            let mut counts = vec![0.0; years as usize];
            for o in outcomes[0].outcomes() {
                counts[o.iteration as usize] = o.gross;
            }
            let n = years as f64;
            let mean = counts.iter().sum::<f64>() / n;
            let squares: Vec<f64> = counts.iter().map(|c| (c - mean).powi(2)).collect();
            let variance = squares.iter().sum::<f64>() / (n - 1.0);
            let variance_se = (squares.iter().map(|s| (s - variance).powi(2)).sum::<f64>() / n).sqrt() / n.sqrt();
            let expected = rate + dispersion * rate * rate;
            assert!((mean - rate).abs() <= 5.0 * (variance / n).sqrt(), "α {dispersion}: mean {mean}");
            assert!(
                (variance - expected).abs() <= 5.0 * variance_se,
                "α {dispersion}: variance {variance} vs {expected}"
            );
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
