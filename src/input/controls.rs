//! Security controls (`[[control]]`): what a control in place (the exposures' `controls` column,
//! e.g. `mfa;offline_backups`) does to an exposure's incidents, as multipliers: on the frequency
//! of each incident type, on the probability that named components arise, on their cost, on
//! the share of records a breach exposes, and on the probability that a breach must be
//! notified. Controls together multiply. An assumptions file without `[[control]]` tables has
//! none, and a row naming one is an error.

use super::toml_section::{nearest, numbers_by_name, tables, unique_names, Section};
use crate::error::Result;

/// One control's effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub name: String,
    /// Per incident type (0: the data breach, then [`super::Assumptions::incidents`]).
    pub frequency: Vec<f64>,
    /// Per component: its probability of arising, and its cost.
    pub probability: Vec<f64>,
    pub cost: Vec<f64>,
    /// The affected share of a breach's records, and the probability that it must be notified.
    pub affected_share: f64,
    pub notice: f64,
    pub source: String,
}

/// Reads the `[[control]]` tables (none: no controls). `types`: the incident types' names (the
/// data breach first); `components`: the components' names.
pub fn parse(file: &str, value: Option<&toml::Value>, types: &[&str], components: &[&str]) -> Result<Vec<Control>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let controls = tables(file, "control", value, |mut s: Section| {
        let name = match s.str_opt("name")? {
            Some(n) if !n.trim().is_empty() => n.trim().to_lowercase(),
            _ => return Err(s.error("name", "missing or empty; every control needs a name")),
        };
        if let Some(problem) = crate::text::id_problem(&name).or_else(|| name.contains(';').then(|| "holds a ;".into()))
        {
            return Err(s.error("name", format!("\"{}\" {problem}", crate::text::excerpt(&name, 60))));
        }
        let frequency = multipliers(&mut s, "frequency", types, "incident type")?;
        let probability = multipliers(&mut s, "probability", components, "component")?;
        let cost = multipliers(&mut s, "cost", components, "component")?;
        let one = |s: &mut Section, key: &'static str| -> Result<f64> {
            match s.f64_opt(key)? {
                None => Ok(1.0),
                Some(m) if m.is_finite() && m >= 0.0 => Ok(m),
                Some(m) => Err(s.error(key, format!("{m} is not a multiplier ≥ 0"))),
            }
        };
        let affected_share = one(&mut s, "affected_share")?;
        let notice = one(&mut s, "notice")?;
        let source = s.str_opt("source")?.unwrap_or("").to_string();
        s.finish()?;
        Ok(Control { name, frequency, probability, cost, affected_share, notice, source })
    })?;
    unique_names(file, "control", controls.iter().map(|c| c.name.as_str()))?;
    Ok(controls)
}

/// A table of multipliers ≥ 0 by name (`frequency`, `probability`, `cost`), one per name in
/// order; 1 where none is given.
fn multipliers(s: &mut Section, key: &'static str, names: &[&str], what: &str) -> Result<Vec<f64>> {
    let mut out = vec![1.0; names.len()];
    let multiplier = |m: f64| m.is_finite() && m >= 0.0;
    for (index, m) in numbers_by_name(s, key, names, what, (multiplier, "a multiplier ≥ 0"))? {
        out[index] = m;
    }
    Ok(out)
}

/// The combined effect of the controls of one exposure (all multipliers 1 without any).
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    pub frequency: Vec<f64>,
    pub probability: Vec<f64>,
    pub cost: Vec<f64>,
    pub affected_share: f64,
    pub notice: f64,
}

/// The effects of the controls named `names` (lower case), or the first name no control has,
/// with the nearest one.
pub fn effects(
    controls: &[Control],
    names: &[String],
    types: usize,
    components: usize,
) -> std::result::Result<Effects, String> {
    let mut effects = Effects {
        frequency: vec![1.0; types],
        probability: vec![1.0; components],
        cost: vec![1.0; components],
        affected_share: 1.0,
        notice: 1.0,
    };
    for name in names {
        let control = controls.iter().find(|c| &c.name == name).ok_or_else(|| {
            let known: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
            match nearest(name, &known) {
                Some(k) => format!("no control is called \"{name}\" (did you mean \"{k}\"?)"),
                None if known.is_empty() => {
                    format!("no control is called \"{name}\": the assumptions have no [[control]]")
                }
                None => format!("no control is called \"{name}\"; the assumptions have {}", known.join(", ")),
            }
        })?;
        let times = |into: &mut [f64], by: &[f64]| into.iter_mut().zip(by).for_each(|(a, b)| *a *= b);
        times(&mut effects.frequency, &control.frequency);
        times(&mut effects.probability, &control.probability);
        times(&mut effects.cost, &control.cost);
        effects.affected_share *= control.affected_share;
        effects.notice *= control.notice;
    }
    Ok(effects)
}
