//! Random variates the assumptions' distributions are built on: exact, fast gamma and beta
//! samplers, the open-unit uniform, and the bound on the normal draws. Plain numerics that
//! need nothing of the crate: `input` pre-builds them when it validates a distribution (and
//! bounds its draws with them), the engine draws from them.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Gamma(shape, scale) by Marsaglia & Tsang (2000), "A simple method for generating gamma
/// variables", with its squeeze (most draws need no logarithm); shapes below 1 use the
/// boost `Gamma(a) = Gamma(a + 1) × U^(1/a)`. Exact, and several times faster than
/// rand_distr's version, which takes two logarithms per draw.
#[derive(Debug, Clone)]
pub struct GammaSampler {
    d: f64,
    c: f64,
    /// `1 / shape` when shape < 1 (the boost exponent).
    boost: Option<f64>,
    scale: f64,
}

impl GammaSampler {
    pub fn new(shape: f64, scale: f64) -> Option<Self> {
        if !(shape.is_finite() && shape > 0.0 && scale.is_finite() && scale > 0.0) {
            return None;
        }
        let (base, boost) = if shape < 1.0 { (shape + 1.0, Some(1.0 / shape)) } else { (shape, None) };
        let d = base - 1.0 / 3.0;
        Some(GammaSampler { d, c: 1.0 / (9.0 * d).sqrt(), boost, scale })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let g = loop {
            let x: f64 = StandardNormal.sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = open_unit(rng);
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                break self.d * v;
            }
        };
        match self.boost {
            Some(inverse_shape) => g * open_unit(rng).powf(inverse_shape) * self.scale,
            None => g * self.scale,
        }
    }

    /// An upper bound on the draws, with the sampler's own arithmetic at its extreme:
    /// d × (1 + c·x)³ for a normal x of at most [`NORMAL_DRAW_MAX`], times the scale (the
    /// boost for shapes below 1 multiplies by a uniform power, at most 1).
    pub fn largest_draw(&self) -> f64 {
        self.d * (1.0 + self.c * NORMAL_DRAW_MAX).powi(3) * self.scale
    }
}

/// A beta distribution, sampled as `X / (X + Y)` with X, Y independent gammas.
#[derive(Debug, Clone)]
pub struct BetaSampler {
    pub alpha: f64,
    pub beta: f64,
    x: GammaSampler,
    y: GammaSampler,
}

impl BetaSampler {
    pub fn new(alpha: f64, beta: f64) -> Option<Self> {
        Some(BetaSampler { alpha, beta, x: GammaSampler::new(alpha, 1.0)?, y: GammaSampler::new(beta, 1.0)? })
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.x.sample(rng);
        let y = self.y.sample(rng);
        let total = x + y;
        if total > 0.0 {
            x / total
        } else {
            // Both underflowed (tiny shapes): the draw sits at an end, 1 with probability a/(a+b).
            f64::from(u8::from(open_unit(rng) < self.alpha / (self.alpha + self.beta)))
        }
    }
}

/// A uniform draw in the open interval (0, 1), 53 bits.
#[inline]
pub fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A bound on the absolute value of rand_distr's ziggurat standard normals: its tail draws
/// are `R − ln(U)/R` with `R = 3.654` and `U ≥ 2⁻⁵³`, at most 13.71.
pub const NORMAL_DRAW_MAX: f64 = 14.0;
