//! Probability distributions of the assumptions file: parsed and validated once, with their
//! samplers pre-built; the engine samples them ([`crate::engine::sample`]) without
//! re-checking anything.

use statrs::distribution::{ContinuousCDF, Normal as StatrsNormal};

use super::toml_section::{number, show, Section};
use crate::error::Result;
use crate::sampler::{BetaSampler, GammaSampler, NORMAL_DRAW_MAX};

/// What a drawn value stands for, which bounds it: costs are never negative, shares lie in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A cost, count or multiplier: at least 0.
    NonNegative,
    /// A share or probability: between 0 and 1.
    Share,
}

impl Role {
    fn bounds(self) -> (f64, f64) {
        match self {
            Role::NonNegative => (0.0, f64::INFINITY),
            Role::Share => (0.0, 1.0),
        }
    }
}

/// A distribution with validated parameters and pre-built samplers.
#[derive(Debug, Clone)]
pub enum Dist {
    Constant(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// PERT as a scaled beta: `min + (max - min) × Beta(alpha, beta)`.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        shape: f64,
        beta: BetaSampler,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
        sampler: GammaSampler,
    },
    Beta(BetaSampler),
    Pareto {
        scale: f64,
        shape: f64,
    },
    /// Discrete: `values` with cumulative `weights` normalised to end at 1.
    Empirical {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// The standard normal quantile function.
pub fn normal_quantile(p: f64) -> f64 {
    match StatrsNormal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

impl Dist {
    /// The p-quantile (inverse CDF), for sensitivity analysis and copulas. For the
    /// distributions unbounded above, p is capped at 1 − 2⁻⁵³ (the largest uniform below 1),
    /// so that a copula's uniform that rounds to 1 gives a large but finite value, never
    /// infinity (below [`Dist::largest_draw`]).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        let p_unbounded = p.min(1.0 - f64::EPSILON / 2.0);
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { min, max } => min + (max - min) * p,
            Dist::Triangular { min, mode, max } => triangular_quantile(*min, *mode, *max, p),
            Dist::Pert { min, max, beta, .. } => min + (max - min) * beta_quantile(beta, p),
            Dist::Normal { mean, sd } => mean + sd * normal_quantile(p_unbounded),
            Dist::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(p_unbounded)).exp(),
            Dist::Gamma { shape, scale, .. } => statrs::distribution::Gamma::new(*shape, 1.0 / scale)
                .map(|d| d.inverse_cdf(p_unbounded))
                .unwrap_or(f64::NAN),
            Dist::Beta(b) => beta_quantile(b, p),
            Dist::Pareto { scale, shape } => scale * (1.0 - p_unbounded).powf(-1.0 / shape),
            Dist::Empirical { values, cumulative } => {
                let index = cumulative.partition_point(|c| *c < p).min(values.len() - 1);
                values[index]
            }
        }
    }

    /// The mean of the distribution before any clamping (infinite for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Pert { min, mode, max, shape, .. } => (min + shape * mode + max) / (shape + 2.0),
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale, .. } => shape * scale,
            Dist::Beta(b) => b.alpha / (b.alpha + b.beta),
            Dist::Pareto { scale, shape } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale / (shape - 1.0)
                }
            }
            Dist::Empirical { values, cumulative } => {
                let mut previous = 0.0;
                let mut mean = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    mean += v * (c - previous);
                    previous = *c;
                }
                mean
            }
        }
    }

    /// An upper bound on the draws of [`Dist::sample`], computed with the sampler's own
    /// arithmetic at its extremes, so that a draw that can overflow to infinity shows here as
    /// infinity. The uniforms are at least 2⁻⁵⁴ ([`open_unit`]) and rand_distr's ziggurat
    /// normals at most [`NORMAL_DRAW_MAX`] in absolute value.
    pub fn largest_draw(&self) -> f64 {
        let z = NORMAL_DRAW_MAX;
        match self {
            Dist::Constant(v) => *v,
            // `min + (max − min) × u` (PERT: × a beta draw in [0, 1]).
            Dist::Uniform { min, max } | Dist::Pert { min, max, .. } => min + (max - min),
            Dist::Triangular { min, mode, max } => {
                let range = max - min;
                // triangular_quantile's products, whose square roots are at most the range.
                if (range * (mode - min)).is_finite() && (range * (max - mode)).is_finite() {
                    *max
                } else {
                    f64::INFINITY
                }
            }
            Dist::Normal { mean, sd } => mean + sd * z,
            Dist::LogNormal { mu, sigma } => (mu + sigma * z).exp(),
            Dist::Gamma { sampler, .. } => sampler.largest_draw(),
            Dist::Beta(_) => 1.0,
            Dist::Pareto { scale, shape } => scale * 2f64.powf(54.0 / shape),
            Dist::Empirical { values, .. } => values.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v)),
        }
    }

    /// The coefficient of variation (sd / mean) of the distribution unclamped; infinite for a
    /// Pareto with shape ≤ 2, NaN where the mean is 0 or undefined.
    pub fn coefficient_of_variation(&self) -> f64 {
        match self {
            Dist::LogNormal { sigma, .. } => (sigma * sigma).exp_m1().sqrt(),
            Dist::Gamma { shape, .. } => 1.0 / shape.sqrt(),
            Dist::Pareto { shape, .. } if *shape <= 2.0 => f64::INFINITY,
            Dist::Pareto { shape, .. } => 1.0 / (shape * (shape - 2.0)).sqrt(),
            // The others are bounded or light-tailed; their sampling noise is never extreme
            // relative to their spread.
            _ => f64::NAN,
        }
    }

    /// The smallest and largest values the distribution can produce.
    fn support(&self) -> (f64, f64) {
        match self {
            Dist::Constant(v) => (*v, *v),
            Dist::Uniform { min, max } | Dist::Triangular { min, max, .. } | Dist::Pert { min, max, .. } => {
                (*min, *max)
            }
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal { .. } | Dist::Gamma { .. } => (0.0, f64::INFINITY),
            Dist::Beta(_) => (0.0, 1.0),
            Dist::Pareto { scale, .. } => (*scale, f64::INFINITY),
            Dist::Empirical { values, .. } => {
                values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
            }
        }
    }

    /// A short human description, e.g. `lognormal(mu=7.68, sigma=0.523)`.
    pub fn describe(&self) -> String {
        match self {
            Dist::Constant(v) => format!("{v}"),
            Dist::Uniform { min, max } => format!("uniform(min={min}, max={max})"),
            Dist::Triangular { min, mode, max } => format!("triangular(min={min}, mode={mode}, max={max})"),
            Dist::Pert { min, mode, max, shape, .. } => {
                format!("pert(min={min}, mode={mode}, max={max}, shape={shape})")
            }
            Dist::Normal { mean, sd } => format!("normal(mean={mean}, sd={sd})"),
            Dist::LogNormal { mu, sigma } => format!("lognormal(mu={mu:.6}, sigma={sigma:.6})"),
            Dist::Gamma { shape, scale, .. } => format!("gamma(shape={shape:.6}, scale={scale:.6})"),
            Dist::Beta(b) => format!("beta(alpha={:.6}, beta={:.6})", b.alpha, b.beta),
            Dist::Pareto { scale, shape } => format!("pareto(scale={scale}, shape={shape})"),
            Dist::Empirical { values, .. } => format!("empirical({} values)", values.len()),
        }
    }
}

/// The p-quantile of a beta distribution.
fn beta_quantile(b: &BetaSampler, p: f64) -> f64 {
    statrs::distribution::Beta::new(b.alpha, b.beta).map(|d| d.inverse_cdf(p)).unwrap_or(f64::NAN)
}

/// The p-quantile of a triangular distribution (also its sampler, by inversion).
pub(crate) fn triangular_quantile(min: f64, mode: f64, max: f64, u: f64) -> f64 {
    let range = max - min;
    let split = (mode - min) / range;
    if u < split {
        min + (u * range * (mode - min)).sqrt()
    } else {
        max - ((1.0 - u) * range * (max - mode)).sqrt()
    }
}

/// Above this coefficient of variation a million draws leave the mean with a standard error
/// above 10% of it ([`Var::instability`]).
const UNSTABLE_CV: f64 = 100.0;

/// A distribution together with the bounds of its role: draws are clamped into them
/// (a normal cost below zero counts as zero; a lognormal share above one as one).
#[derive(Debug, Clone)]
pub struct Var {
    pub dist: Dist,
    lo: f64,
    hi: f64,
    /// For sensitivity analysis: the value this variable is held at. Every other variable's
    /// draws stay where they were (common random numbers): an own breach's variables each have
    /// a stream of their own, and where variables share a stream (a systemic breach's
    /// component) the held one's draw is still made and discarded.
    held: Option<f64>,
}

impl Var {
    pub fn constant(value: f64) -> Self {
        Var { dist: Dist::Constant(value), lo: f64::NEG_INFINITY, hi: f64::INFINITY, held: None }
    }

    /// The bounds of its role, into which draws are clamped.
    #[inline(always)]
    pub fn bounds(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The value it is held at (sensitivity analysis), if it is.
    #[inline(always)]
    pub fn held(&self) -> Option<f64> {
        self.held
    }

    /// The value at probability `u` (the quantile, or the held value): for copulas.
    pub fn value_at(&self, u: f64) -> f64 {
        self.held.unwrap_or_else(|| self.quantile(u))
    }

    /// The same variable held at `value` (clamped to its role's range).
    pub fn held_at(&self, value: f64) -> Var {
        Var { held: Some(value.clamp(self.lo, self.hi)), ..self.clone() }
    }

    pub fn quantile(&self, p: f64) -> f64 {
        self.dist.quantile(p).clamp(self.lo, self.hi)
    }

    /// The largest value a draw can take (see [`Dist::largest_draw`]), within the role's range.
    pub fn largest(&self) -> f64 {
        self.held.unwrap_or_else(|| self.dist.largest_draw().clamp(self.lo, self.hi))
    }

    /// Why statistics of this variable's draws are unstable, if they are: an infinite mean
    /// or variance, or a coefficient of variation so large that the mean of a million draws
    /// has a standard error above 10% of it. Only for variables unbounded above (costs);
    /// shares are clamped to 1 and always stable.
    pub fn instability(&self) -> Option<String> {
        if self.hi.is_finite() || self.held.is_some() {
            return None;
        }
        let described = self.dist.describe();
        if let Dist::Pareto { shape, .. } = self.dist {
            if shape <= 1.0 {
                return Some(format!(
                    "{described} has an infinite mean: the simulated mean, sd, TVaR, increased-limit factors and premiums of the gross loss never settle however many iterations are run; only its quantiles (p50 to p99.9) are meaningful"
                ));
            }
            if shape <= 2.0 {
                return Some(format!(
                    "{described} has an infinite variance: the sd, se_mean and the mean's confidence interval of the gross loss are meaningless and its mean converges slowly"
                ));
            }
        }
        let cv = self.dist.coefficient_of_variation();
        if cv > UNSTABLE_CV {
            return Some(format!(
                "{described} has a coefficient of variation of {cv:.3e}: the standard error of the mean of n draws is {cv:.3e}/sqrt(n) times the mean ({:.3} times at a million iterations), so the simulated mean, sd, TVaR and premiums of the gross loss are unstable; its quantiles are fine",
                cv / 1e3
            ));
        }
        None
    }

    /// What every draw gives, if it is always the same (a constant, or a held value).
    #[inline]
    pub fn fixed_value(&self) -> Option<f64> {
        match (self.held, &self.dist) {
            (Some(held), _) => Some(held),
            (None, Dist::Constant(v)) => Some(v.clamp(self.lo, self.hi)),
            _ => None,
        }
    }

    pub fn is_constant(&self) -> bool {
        matches!(self.dist, Dist::Constant(_))
    }

    /// The constant value, if this variable is constant.
    pub fn as_constant(&self) -> Option<f64> {
        match self.dist {
            Dist::Constant(v) => Some(v.clamp(self.lo, self.hi)),
            _ => None,
        }
    }
}

/// Reads `key` of `section` as a distribution for `role`; `default` when absent.
pub fn parse_var(section: &mut Section, key: &'static str, role: Role, default: f64) -> Result<Var> {
    let (lo, hi) = role.bounds();
    let dist = match section.get(key) {
        None => Dist::Constant(default),
        Some(value) => parse_dist(section, key, value)?,
    };
    let (support_lo, support_hi) = dist.support();
    // Bounded distributions must lie within the role's range; unbounded ones are clamped.
    let bounded_below = support_lo.is_finite();
    let bounded_above = support_hi.is_finite();
    let what = match role {
        Role::NonNegative => "a value that is never negative (0 or more)",
        Role::Share => "a share between 0 and 1",
    };
    if (bounded_below && support_lo < lo) || (bounded_above && support_hi > hi) || (!bounded_below && lo > 0.0) {
        return Err(section.error(key, format!("{} can fall outside [{lo}, {hi}]; expected {what}", dist.describe())));
    }
    if matches!(dist, Dist::Pareto { .. }) && role == Role::Share && support_lo > hi {
        return Err(section.error(key, format!("{} lies above 1; expected {what}", dist.describe())));
    }
    // A cost must be a number: a draw that overflows to infinity would turn every statistic
    // into inf or NaN (shares are clamped to 1 and cannot overflow).
    if !hi.is_finite() && !dist.largest_draw().is_finite() {
        let hint = match dist {
            Dist::Pareto { scale, .. } => format!(
                "; with scale = {scale} the shape must be at least {}",
                // Rounded up, so that the shape named is large enough.
                (1e4 * 54.0 * std::f64::consts::LN_2 / (f64::MAX.ln() - scale.ln()).max(f64::MIN_POSITIVE)).ceil()
                    / 1e4
            ),
            _ => String::new(),
        };
        return Err(section.error(
            key,
            format!(
                "{} can draw values too large to represent (above {:e}){hint}; expected a distribution whose draws stay finite",
                dist.describe(),
                f64::MAX
            ),
        ));
    }
    Ok(Var { dist, lo, hi, held: None })
}

fn parse_dist(section: &Section, key: &str, value: &toml::Value) -> Result<Dist> {
    let table = match value {
        toml::Value::Table(t) => t,
        other => {
            return match number(other) {
                Some(v) if v.is_finite() => Ok(Dist::Constant(v)),
                Some(v) => Err(section.error(key, format!("{v} is not a finite number"))),
                None => Err(section.error(
                    key,
                    format!(
                    "{} is not a number or a distribution table like {{ dist = \"pert\", min = 1, mode = 2, max = 5 }}",
                    show(other)
                ),
                )),
            }
        }
    };
    let mut s = Section::new(section.file(), section.key_path(key), table);
    let name = s
        .str_opt("dist")?
        .ok_or_else(|| s.error("dist", "missing; a distribution table needs dist = \"...\""))?
        .to_string();
    // Every numeric parameter must be finite.
    let param = |s: &mut Section, k: &'static str| -> Result<Option<f64>> {
        match s.f64_opt(k)? {
            Some(v) if !v.is_finite() => Err(s.error(k, format!("{v} is not a finite number"))),
            other => Ok(other),
        }
    };
    let need = |s: &Section, v: Option<f64>, k: &str| -> Result<f64> {
        v.ok_or_else(|| s.error(k, format!("missing; {name} needs {k}")))
    };
    let here = section.key_path(key);
    let invalid = |message: &str| crate::error::Error::input(format!("{}: {here}: {message}", section.file()));
    let dist = match name.as_str() {
        "constant" => {
            let v = param(&mut s, "value")?;
            Dist::Constant(need(&s, v, "value")?)
        }
        "uniform" => {
            let (min, max) = (param(&mut s, "min")?, param(&mut s, "max")?);
            let (min, max) = (need(&s, min, "min")?, need(&s, max, "max")?);
            if min >= max {
                return Err(invalid(&format!("uniform needs min < max (min = {min}, max = {max})")));
            }
            Dist::Uniform { min, max }
        }
        "triangular" | "pert" => {
            let (min, mode, max) = (param(&mut s, "min")?, param(&mut s, "mode")?, param(&mut s, "max")?);
            let (min, mode, max) = (need(&s, min, "min")?, need(&s, mode, "mode")?, need(&s, max, "max")?);
            if !(min <= mode && mode <= max && min < max) {
                return Err(invalid(&format!(
                    "{name} needs min <= mode <= max and min < max (min = {min}, mode = {mode}, max = {max})"
                )));
            }
            if name == "triangular" {
                Dist::Triangular { min, mode, max }
            } else {
                let shape = param(&mut s, "shape")?.unwrap_or(4.0);
                if shape <= 0.0 {
                    return Err(invalid(&format!("pert needs shape > 0 (shape = {shape})")));
                }
                let alpha = 1.0 + shape * (mode - min) / (max - min);
                let beta = 1.0 + shape * (max - mode) / (max - min);
                let beta = BetaSampler::new(alpha, beta)
                    .ok_or_else(|| invalid(&format!("pert parameters give an invalid beta({alpha}, {beta})")))?;
                Dist::Pert { min, mode, max, shape, beta }
            }
        }
        "normal" => {
            let (mean, sd) = (param(&mut s, "mean")?, param(&mut s, "sd")?);
            let (mean, sd) = (need(&s, mean, "mean")?, need(&s, sd, "sd")?);
            if sd <= 0.0 {
                return Err(invalid(&format!("normal needs sd > 0 (sd = {sd})")));
            }
            Dist::Normal { mean, sd }
        }
        "lognormal" => {
            let mu = param(&mut s, "mu")?;
            let sigma = param(&mut s, "sigma")?;
            let mean = param(&mut s, "mean")?;
            let sd = param(&mut s, "sd")?;
            let low = param(&mut s, "low")?;
            let high = param(&mut s, "high")?;
            let confidence = param(&mut s, "confidence")?;
            let forms =
                [mu.is_some() || sigma.is_some(), mean.is_some() || sd.is_some(), low.is_some() || high.is_some()];
            if forms.iter().filter(|f| **f).count() != 1 {
                return Err(invalid(
                    "lognormal needs exactly one of (mu, sigma), (mean, sd) or (low, high[, confidence])",
                ));
            }
            if confidence.is_some() && low.is_none() && high.is_none() {
                return Err(s.error("confidence", "only goes with low and high"));
            }
            let (mu, sigma) = if forms[0] {
                let (mu, sigma) = (need(&s, mu, "mu")?, need(&s, sigma, "sigma")?);
                if sigma <= 0.0 {
                    return Err(invalid(&format!("lognormal needs sigma > 0 (sigma = {sigma})")));
                }
                (mu, sigma)
            } else if forms[1] {
                let (mean, sd) = (need(&s, mean, "mean")?, need(&s, sd, "sd")?);
                if mean <= 0.0 || sd <= 0.0 {
                    return Err(invalid(&format!("lognormal needs mean > 0 and sd > 0 (mean = {mean}, sd = {sd})")));
                }
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
            } else {
                let (low, high) = (need(&s, low, "low")?, need(&s, high, "high")?);
                let confidence = confidence.unwrap_or(0.90);
                if !(low > 0.0 && low < high) {
                    return Err(invalid(&format!("lognormal needs 0 < low < high (low = {low}, high = {high})")));
                }
                if !(confidence > 0.0 && confidence < 1.0) {
                    return Err(invalid(&format!("lognormal needs 0 < confidence < 1 (confidence = {confidence})")));
                }
                let z = normal_quantile((1.0 + confidence) / 2.0);
                ((low.ln() + high.ln()) / 2.0, (high.ln() - low.ln()) / (2.0 * z))
            };
            Dist::LogNormal { mu, sigma }
        }
        "gamma" => {
            let shape = param(&mut s, "shape")?;
            let scale = param(&mut s, "scale")?;
            let mean = param(&mut s, "mean")?;
            let sd = param(&mut s, "sd")?;
            let by_shape = shape.is_some() || scale.is_some();
            let by_moments = mean.is_some() || sd.is_some();
            if by_shape == by_moments {
                return Err(invalid("gamma needs exactly one of (shape, scale) or (mean, sd)"));
            }
            let (shape, scale) = if by_shape {
                (need(&s, shape, "shape")?, need(&s, scale, "scale")?)
            } else {
                let (mean, sd) = (need(&s, mean, "mean")?, need(&s, sd, "sd")?);
                if mean <= 0.0 || sd <= 0.0 {
                    return Err(invalid(&format!("gamma needs mean > 0 and sd > 0 (mean = {mean}, sd = {sd})")));
                }
                ((mean / sd).powi(2), sd * sd / mean)
            };
            if shape <= 0.0 || scale <= 0.0 {
                return Err(invalid(&format!(
                    "gamma needs shape > 0 and scale > 0 (shape = {shape}, scale = {scale})"
                )));
            }
            let sampler = GammaSampler::new(shape, scale)
                .ok_or_else(|| invalid(&format!("gamma(shape = {shape}, scale = {scale}) is invalid")))?;
            Dist::Gamma { shape, scale, sampler }
        }
        "beta" => {
            let alpha = param(&mut s, "alpha")?;
            let beta = param(&mut s, "beta")?;
            let mean = param(&mut s, "mean")?;
            let sd = param(&mut s, "sd")?;
            let by_shape = alpha.is_some() || beta.is_some();
            let by_moments = mean.is_some() || sd.is_some();
            if by_shape == by_moments {
                return Err(invalid("beta needs exactly one of (alpha, beta) or (mean, sd)"));
            }
            let (alpha, beta) = if by_shape {
                (need(&s, alpha, "alpha")?, need(&s, beta, "beta")?)
            } else {
                let (mean, sd) = (need(&s, mean, "mean")?, need(&s, sd, "sd")?);
                if !(mean > 0.0 && mean < 1.0) || sd <= 0.0 || sd * sd >= mean * (1.0 - mean) {
                    return Err(invalid(&format!(
                        "beta needs 0 < mean < 1 and 0 < sd < sqrt(mean × (1 − mean)) (mean = {mean}, sd = {sd})"
                    )));
                }
                let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                (mean * k, (1.0 - mean) * k)
            };
            if alpha <= 0.0 || beta <= 0.0 {
                return Err(invalid(&format!("beta needs alpha > 0 and beta > 0 (alpha = {alpha}, beta = {beta})")));
            }
            Dist::Beta(
                BetaSampler::new(alpha, beta)
                    .ok_or_else(|| invalid(&format!("beta(alpha = {alpha}, beta = {beta}) is invalid")))?,
            )
        }
        "pareto" => {
            let (scale, shape) = (param(&mut s, "scale")?, param(&mut s, "shape")?);
            let (scale, shape) = (need(&s, scale, "scale")?, need(&s, shape, "shape")?);
            if scale <= 0.0 || shape <= 0.0 {
                return Err(invalid(&format!(
                    "pareto needs scale > 0 and shape > 0 (scale = {scale}, shape = {shape})"
                )));
            }
            Dist::Pareto { scale, shape }
        }
        "empirical" => {
            let values = number_list(&mut s, "values")?
                .ok_or_else(|| s.error("values", "missing; empirical needs a list of values"))?;
            if values.is_empty() {
                return Err(s.error("values", "is empty; empirical needs at least one value"));
            }
            let weights = number_list(&mut s, "weights")?.unwrap_or_else(|| vec![1.0; values.len()]);
            if weights.len() != values.len() {
                return Err(
                    s.error("weights", format!("has {} entries but values has {}", weights.len(), values.len()))
                );
            }
            if let Some(w) = weights.iter().find(|w| **w < 0.0) {
                return Err(s.error("weights", format!("{w} is negative")));
            }
            let total: f64 = weights.iter().sum();
            if total <= 0.0 {
                return Err(s.error("weights", "sum to 0; at least one weight must be positive"));
            }
            if !total.is_finite() {
                return Err(s.error("weights", "sum to more than the largest number; scale them down"));
            }
            let mut cumulative = Vec::with_capacity(weights.len());
            let mut running = 0.0;
            for w in &weights {
                running += w;
                cumulative.push(running / total);
            }
            if let Some(last) = cumulative.last_mut() {
                *last = 1.0;
            }
            Dist::Empirical { values, cumulative }
        }
        other => {
            const KNOWN: [&str; 10] = [
                "constant",
                "uniform",
                "triangular",
                "pert",
                "normal",
                "lognormal",
                "gamma",
                "beta",
                "pareto",
                "empirical",
            ];
            let hint = super::toml_section::nearest(other, &KNOWN)
                .map(|k| format!(" (did you mean \"{k}\"?)"))
                .unwrap_or_default();
            return Err(s.error(
                "dist",
                format!("unknown distribution \"{other}\"{hint}; expected one of {}", KNOWN.join(", ")),
            ));
        }
    };
    s.finish()?;
    Ok(dist)
}

fn number_list(s: &mut Section, key: &'static str) -> Result<Option<Vec<f64>>> {
    match s.get(key) {
        None => Ok(None),
        Some(toml::Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match number(item) {
                    Some(v) if v.is_finite() => out.push(v),
                    _ => return Err(s.error(key, format!("{} is not a finite number", show(item)))),
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(s.error(key, format!("{} is not a list of numbers", show(other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_unbounded_distributions_stay_finite_at_probability_one() {
        let gamma = Dist::Gamma { shape: 0.5, scale: 2.0, sampler: GammaSampler::new(0.5, 2.0).expect("valid") };
        for dist in [
            Dist::Pareto { scale: 10.0, shape: 0.5 },
            Dist::LogNormal { mu: 1.0, sigma: 6.0 },
            Dist::Normal { mean: 0.0, sd: 1.0 },
            gamma,
        ] {
            let top = dist.quantile(1.0);
            assert!(top.is_finite() && top <= dist.largest_draw(), "{}: {top}", dist.describe());
            assert!(top > dist.quantile(0.999_999), "{}", dist.describe());
        }
    }

    #[test]
    fn the_largest_draw_is_infinite_exactly_when_a_draw_can_overflow() {
        // scale × 2^(54/shape) passes f64::MAX (2^1024) between shapes 54/1024 and 54/1023.
        assert!(Dist::Pareto { scale: 1.0, shape: 54.0 / 1023.0 }.largest_draw().is_finite());
        assert!(Dist::Pareto { scale: 1.0, shape: 54.0 / 1025.0 }.largest_draw().is_infinite());
        assert!(Dist::LogNormal { mu: 0.0, sigma: 50.0 }.largest_draw().is_finite());
        assert!(Dist::LogNormal { mu: 10.0, sigma: 50.0 }.largest_draw().is_infinite());
        assert!(Dist::Triangular { min: 0.0, mode: 1e300, max: 1.5e308 }.largest_draw().is_infinite());
        assert_eq!(Dist::Triangular { min: 0.0, mode: 1.0, max: 5.0 }.largest_draw(), 5.0);
    }
}
