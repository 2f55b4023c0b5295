//! The common frequency shock (`[frequency] common_shock_sd`): one multiplier S of the breach
//! rate per year, shared by every exposure (a ransomware wave lifts everyone's frequency at
//! once), gamma with mean 1 and the given sd. An exposure's own count in year y is then its
//! count law at rate × S_y: Poisson(rate × S_y), or for the negative binomial the gamma-mixed
//! rate times S_y. Systemic events are not shocked.
//!
//! S_y depends only on the seed and the year. A block's counts are drawn at the block's
//! largest multiplier (its bound, computed once per call for every exposure) with the usual
//! year law, then each breach is kept with probability S_y / bound: thinning a Poisson count,
//! or a gamma-mixed one, by a probability gives the count at the thinned rate exactly.

use rand_distr::Distribution;
use rayon::prelude::*;

use super::model::Model;
use super::rng::{mix, stream, COMMON_SHOCK_STREAM, SHOCK_THINNING_STREAM};
use super::BLOCK_ITERATIONS;
use crate::input::Mode;
use crate::sampler::{open_unit, GammaSampler};

/// Up to this many breaches, a year's count is thinned breach by breach (one uniform each);
/// above, by one binomial draw.
const THIN_ONE_BY_ONE: u32 = 16;

/// The multipliers of the blocks a call simulates (none when the model has no shock).
#[derive(Debug, Clone, Default)]
pub struct CommonShocks {
    law: Option<ShockLaw>,
    /// (block, its largest multiplier), ascending by block.
    bounds: Vec<(u64, f64)>,
}

#[derive(Debug, Clone)]
struct ShockLaw {
    key: u64,
    multiplier: GammaSampler,
}

impl ShockLaw {
    /// The multiplier of year `year`, from a stream of its own.
    fn at(&self, year: u64) -> f64 {
        self.multiplier.sample(&mut stream(mix(self.key, year)))
    }
}

impl CommonShocks {
    /// The bounds of `blocks` (ascending, distinct); none in breach mode, where there are no
    /// years, or without a shock.
    pub fn new(model: &Model, blocks: impl Iterator<Item = u64>) -> Self {
        let sd = model.assumptions.frequency.common_shock_sd;
        if model.settings.mode == Mode::Breach || sd <= 0.0 {
            return CommonShocks::default();
        }
        let variance = sd * sd;
        let Some(multiplier) = GammaSampler::new(1.0 / variance, variance) else {
            return CommonShocks::default();
        };
        let law = ShockLaw { key: mix(model.settings.seed, COMMON_SHOCK_STREAM), multiplier };
        let blocks: Vec<u64> = blocks.collect();
        let bounds = blocks
            .into_par_iter()
            .map(|block| {
                let years = block * BLOCK_ITERATIONS..(block + 1) * BLOCK_ITERATIONS;
                (block, years.map(|year| law.at(year)).fold(0.0, f64::max))
            })
            .collect();
        CommonShocks { law: Some(law), bounds }
    }

    /// The largest multiplier of block `block`'s years, if there is a shock.
    #[inline]
    pub(super) fn bound(&self, block: u64) -> Option<f64> {
        self.law.as_ref()?;
        let i = self.bounds.binary_search_by_key(&block, |(b, _)| *b).ok()?;
        Some(self.bounds[i].1)
    }

    /// Keeps each breach of `years` (a block's counts drawn at rate × `bound`) with probability
    /// S_y / `bound`, drawing from the block's thinning stream (`block_key`) in year order;
    /// years left without a breach are dropped.
    pub(super) fn thin(&self, bound: f64, block_key: u64, years: &mut Vec<(u64, u32)>) {
        let Some(law) = &self.law else { return };
        let mut rng = stream(mix(block_key, SHOCK_THINNING_STREAM));
        years.retain_mut(|(year, count)| {
            let keep = law.at(*year) / bound;
            *count = if *count <= THIN_ONE_BY_ONE {
                (0..*count).map(|_| u32::from(open_unit(&mut rng) < keep)).sum()
            } else {
                rand_distr::Binomial::new(u64::from(*count), keep.min(1.0))
                    .map_or(*count, |b| b.sample(&mut rng).min(u64::from(u32::MAX)) as u32)
            };
            *count > 0
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{test_model, RunSettings};

    fn model(frequency: &str, mode: Mode) -> Model {
        let toml = format!("{frequency}[[component]]\nname = \"one\"\nfixed = 1\n");
        test_model("id,records,annual_rate\nx,100,0.5\n", &toml, RunSettings { mode, iterations: 10_000, seed: 4 })
    }

    /// The multipliers have mean 1 and the given sd (within 5 standard errors over 3 blocks of
    /// years), and each block's bound is its largest.
    #[test]
    fn the_multipliers_have_mean_one_and_the_given_sd() {
        let shocks = CommonShocks::new(&model("[frequency]\ncommon_shock_sd = 0.4\n", Mode::Annual), 0..3);
        let law = shocks.law.as_ref().expect("a shock");
        let draws: Vec<f64> = (0..3 * BLOCK_ITERATIONS).map(|y| law.at(y)).collect();
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let variance = draws.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((mean - 1.0).abs() < 5.0 * 0.4 / n.sqrt(), "mean {mean}");
        // The sample variance's standard error, from the gamma's kurtosis (3 + 6/shape).
        let shape = 1.0 / 0.16;
        let se = 0.16 * ((2.0 + 6.0 / shape) / n).sqrt();
        assert!((variance - 0.16).abs() < 5.0 * se, "variance {variance}");
        for block in 0..3 {
            let years = &draws[(block * BLOCK_ITERATIONS) as usize..((block + 1) * BLOCK_ITERATIONS) as usize];
            assert_eq!(shocks.bound(block), Some(years.iter().copied().fold(0.0, f64::max)));
        }
        assert_eq!(shocks.bound(3), None);
    }

    #[test]
    fn there_is_no_shock_without_the_key_or_in_breach_mode() {
        assert!(CommonShocks::new(&model("", Mode::Annual), 0..2).bound(0).is_none());
        let toml = "[frequency]\ncommon_shock_sd = 0.4\n";
        assert!(CommonShocks::new(&model(toml, Mode::Breach), 0..2).bound(0).is_none());
    }
}
