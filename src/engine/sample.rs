//! Drawing from the assumptions' distributions: the samplers the engine's hot loop calls. The
//! distributions themselves ([`Dist`], [`Var`]) are parsed and validated in
//! [`crate::input::dist`]; here they are sampled, one draw or a column at a time, without
//! re-checking anything.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::input::dist::{triangular_quantile, Dist, Var};
use crate::sampler::open_unit;

impl Dist {
    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { min, max } => min + (max - min) * open_unit(rng),
            Dist::Triangular { min, mode, max } => triangular_quantile(*min, *mode, *max, open_unit(rng)),
            Dist::Pert { min, max, beta, .. } => min + (max - min) * beta.sample(rng),
            Dist::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Gamma { sampler, .. } => sampler.sample(rng),
            Dist::Beta(b) => b.sample(rng),
            Dist::Pareto { scale, shape } => scale * open_unit(rng).powf(-1.0 / shape),
            Dist::Empirical { values, cumulative } => {
                let u = open_unit(rng);
                let index = cumulative.partition_point(|c| *c < u).min(values.len() - 1);
                values[index]
            }
        }
    }
}

impl Var {
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // A constant draws nothing from the stream: answered here, inlined where it is asked,
        // without a call or the distribution's dispatch (the hot loop samples many constants).
        if let Dist::Constant(v) = self.dist {
            let (lo, hi) = self.bounds();
            return self.held().unwrap_or(v.clamp(lo, hi));
        }
        self.sample_drawn(rng)
    }

    /// [`Var::sample`] of a variable that is not a constant.
    #[inline(never)]
    fn sample_drawn<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let (lo, hi) = self.bounds();
        let drawn = self.dist.sample(rng).clamp(lo, hi);
        self.held().unwrap_or(drawn)
    }

    /// Fills `out` with one draw each, element `i` drawn from the generator `rng_of(i)` gives:
    /// what [`Var::sample`] gives, but a column at a time. A constant or held variable draws
    /// nothing; a lognormal draws all its normals, then exponentiates the column in one pass
    /// the compiler vectorises ([`exp_column`]).
    pub fn fill_each<R: NormalDraws>(&self, out: &mut [f64], mut rng_of: impl FnMut(usize) -> R) {
        if let Some(value) = self.fixed_value() {
            out.fill(value);
            return;
        }
        match self.dist {
            Dist::LogNormal { mu, sigma } => {
                for (i, x) in out.iter_mut().enumerate() {
                    *x = mu + sigma * rng_of(i).only_standard_normal();
                }
                exp_column(out);
                let (lo, hi) = self.bounds();
                for x in out.iter_mut() {
                    *x = x.clamp(lo, hi);
                }
            }
            _ => {
                for (i, x) in out.iter_mut().enumerate() {
                    *x = self.sample_drawn(&mut rng_of(i));
                }
            }
        }
    }
}

/// A generator that draws standard normals: rand_distr's `StandardNormal`, or (for the
/// engine's column draws) the same values with its common case worked out inline.
pub trait NormalDraws: Rng + Sized {
    #[inline]
    fn standard_normal(&mut self) -> f64 {
        StandardNormal.sample(self)
    }

    /// The one standard normal drawn from a generator used for nothing else (the same value
    /// as [`NormalDraws::standard_normal`]; a generator given up may be cheaper to draw from).
    #[inline(always)]
    fn only_standard_normal(mut self) -> f64 {
        self.standard_normal()
    }
}

/// `exp(x)` of every value, in place, to within 2 ulp of the C library's: `2^k × p(r)` with
/// `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, and `p` the degree-13 Taylor polynomial (its truncation
/// error is below 10⁻¹⁷ relative). Straight-line arithmetic with no call and no branch, so the
/// loop is vectorised; values outside (−708, 709) (overflow, subnormal results) and NaN are
/// left to the C library in a second pass. Being our own code, its results do not depend on
/// the platform's math library.
pub fn exp_column(values: &mut [f64]) {
    crate::simd::wide!(exp_column_on(values); values: &mut [f64])
}

/// [`exp_column`], inlined into whatever code its caller is compiled as.
#[inline(always)]
fn exp_column_on(values: &mut [f64]) {
    // ln 2 split as fdlibm does: the high part has trailing zero bits, so k × LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding then subtracting 1.5 × 2⁵² rounds to the nearest integer without a call.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    const INVERSE_FACTORIALS: [f64; 14] = {
        let mut table = [1.0; 14];
        let mut i = 1;
        while i < 14 {
            table[i] = table[i - 1] / i as f64;
            i += 1;
        }
        table
    };
    // Inside (−708, 709) the result is a normal number and 2^k's exponent bits are valid.
    let in_range = |x: f64| x > -708.0 && x < 709.0;
    let fast = |x: f64| {
        let shifted = x * std::f64::consts::LOG2_E + ROUND;
        let k = shifted - ROUND;
        let r = (x - k * LN2_HI) - k * LN2_LO;
        let mut p = INVERSE_FACTORIALS[13];
        for c in INVERSE_FACTORIALS[..13].iter().rev() {
            p = p * r + c;
        }
        // k, an integer in [−1022, 1023], sits in the low bits of `shifted`: 2^k is built
        // from it with integer operations (no float-to-integer conversion, which would not
        // vectorise).
        let k_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
        p * f64::from_bits(k_bits.wrapping_add(1023) << 52)
    };
    if values.iter().fold(true, |all, &x| all & in_range(x)) {
        for x in values.iter_mut() {
            *x = fast(*x);
        }
    } else {
        for x in values.iter_mut() {
            *x = if in_range(*x) { fast(*x) } else { x.exp() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectorised exponential agrees with the C library's to 2 ulp over the whole range
    /// where it is used, and hands every other input (overflow, subnormal results, infinities,
    /// NaN) to the C library.
    #[test]
    fn exp_column_is_within_two_ulp_of_libm() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut xs: Vec<f64> = (0..200_000).map(|_| (open_unit(&mut rng) - 0.5) * 1416.0).collect();
        xs.extend([0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 0.5 * std::f64::consts::LN_2, 707.9, -707.9]);
        let mut ys = xs.clone();
        exp_column(&mut ys);
        // The same bits whichever vector registers the processor has (see `simd`).
        let mut baseline = xs.clone();
        exp_column_on(&mut baseline);
        assert!(ys.iter().zip(&baseline).all(|(a, b)| a.to_bits() == b.to_bits()));
        for (x, y) in xs.iter().zip(&ys) {
            let want = x.exp();
            let ulps = (y.to_bits() as i64 - want.to_bits() as i64).abs();
            assert!(ulps <= 2, "exp({x:e}) = {y:e}, libm {want:e} ({ulps} ulp)");
        }
        let specials = [710.0, 1e6, f64::INFINITY, -709.0, -745.0, -746.0, f64::NEG_INFINITY, f64::NAN];
        // With an in-range value among them (the mixed pass).
        let mut ys = [specials.as_slice(), &[5.0]].concat();
        exp_column(&mut ys);
        for (x, y) in specials.iter().zip(&ys) {
            assert_eq!(y.to_bits(), x.exp().to_bits(), "exp({x})");
        }
        assert!((ys[8] - 5f64.exp()).abs() <= 2.0 * f64::EPSILON * 5f64.exp());
    }
}
