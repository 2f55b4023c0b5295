//! Incident types (`[[incident]]`): kinds of cyber incident beside the data breach, each with
//! its own frequency and its own components (`component.incident`). The data breach is the
//! implicit first type, `data_breach`, with the `[frequency]` rates and the `[breach]` table;
//! an assumptions file without `[[incident]]` tables models data breaches alone, as before.
//!
//! An incident of another type may also expose data (ransomware that exfiltrates before it
//! encrypts): with `data_breach_probability` it brings the data-breach components on the
//! exposure's records, costed as one incident with its own. An incident with `duration_hours`
//! takes the firm's systems down: components with `basis = "outage"` cost by the hour of
//! revenue lost (business interruption), of which the policy covers the hours past its waiting
//! period up to its period of restoration.

use super::dist::{parse_var, Role, Var};
use super::toml_section::{nearest, table_name, tables, unique_names, Section};
use crate::error::{Error, Result};

/// The name of the implicit first incident type.
pub const DATA_BREACH: &str = "data_breach";

/// The most incident types beside the data breach (a component's types are bits of a `u64`).
pub const MAX_TYPES: usize = 63;

/// How often an incident type happens to an exposure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IncidentRate {
    /// This many times the exposure's data-breach rate (its row's `annual_rate`, the
    /// firmographic table or the flat `[frequency] rate`): the firm-size and industry
    /// gradient of the data breach, scaled.
    Relative(f64),
    /// This many a year, whatever the exposure.
    Flat(f64),
}

/// One incident type other than the data breach.
#[derive(Debug, Clone)]
pub struct IncidentType {
    pub name: String,
    pub rate: IncidentRate,
    /// How long the firm's systems are down, in hours (`None`: the incident takes nothing down).
    pub duration_hours: Option<Var>,
    /// The probability that the incident also exposes data: the data-breach components then
    /// arise in it, on the exposure's records.
    pub data_breach_probability: f64,
    pub source: String,
}

/// Reads the `[[incident]]` tables (none: data breaches alone).
pub fn parse(file: &str, value: Option<&toml::Value>, max_rate: f64) -> Result<Vec<IncidentType>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let types = tables(file, "incident", value, |mut s: Section| {
        let name = table_name(&mut s, "incident type")?;
        if name == DATA_BREACH {
            return Err(s.error(
                "name",
                "\"data_breach\" is the built-in type ([frequency] and [breach] describe it); name another type",
            ));
        }
        let relative = s.f64_opt("relative_rate")?;
        let flat = s.f64_opt("rate")?;
        let rate = match (relative, flat) {
            (Some(_), Some(_)) => {
                return Err(s.error("rate", "give rate (a year) or relative_rate (× the data-breach rate), not both"))
            }
            (Some(r), None) => IncidentRate::Relative(r),
            (None, Some(r)) => IncidentRate::Flat(r),
            (None, None) => {
                return Err(s.error(
                    "relative_rate",
                    "missing; give relative_rate (× the data-breach rate) or rate (incidents a year)",
                ))
            }
        };
        let (IncidentRate::Relative(r) | IncidentRate::Flat(r)) = rate;
        if !(r.is_finite() && (0.0..=max_rate).contains(&r)) {
            let key = if matches!(rate, IncidentRate::Relative(_)) { "relative_rate" } else { "rate" };
            return Err(s.error(key, format!("{r} is not a number from 0 to {max_rate}")));
        }
        let duration_hours = match s.table().get("duration_hours") {
            None => None,
            Some(_) => Some(duration(&mut s)?),
        };
        let data_breach_probability = s.f64_opt("data_breach_probability")?.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&data_breach_probability) {
            return Err(s.error(
                "data_breach_probability",
                format!("{data_breach_probability} is not a probability between 0 and 1"),
            ));
        }
        let source = s.str_opt("source")?.unwrap_or("").to_string();
        s.finish()?;
        Ok(IncidentType { name, rate, duration_hours, data_breach_probability, source })
    })?;
    if types.len() > MAX_TYPES {
        return Err(Error::input(format!(
            "{file}: incident: {} types; at most {MAX_TYPES} beside the data breach",
            types.len()
        )));
    }
    unique_names(file, "incident", types.iter().map(|t| t.name.as_str()))?;
    Ok(types)
}

/// The longest outage a `duration_hours` may reach: a year (business interruption is a share
/// of the revenue of the hours down; a year's is the most a year can lose).
const MAX_OUTAGE_HOURS: f64 = 8_760.0;

/// A section's `duration_hours`: hours an outage lasts, bounded (the largest cost of a breach
/// is checked before the run).
pub fn duration(s: &mut Section) -> Result<Var> {
    let hours = parse_var(s, "duration_hours", Role::NonNegative, 0.0)?;
    if !hours.largest().is_finite() {
        return Err(s.error(
            "duration_hours",
            "is unbounded above; an outage needs a finite longest duration (use a pert, uniform, triangular or empirical law)",
        ));
    }
    if hours.largest() > MAX_OUTAGE_HOURS {
        return Err(s.error(
            "duration_hours",
            format!(
                "reaches {} hours; expected outages of at most a year ({MAX_OUTAGE_HOURS} hours)",
                crate::text::figure(hours.largest())
            ),
        ));
    }
    Ok(hours)
}

/// The names of the incident types, the data breach first: index `i` names type `i`.
pub fn names(types: &[IncidentType]) -> impl Iterator<Item = &str> {
    std::iter::once(DATA_BREACH).chain(types.iter().map(|t| t.name.as_str()))
}

/// The name of incident type `index` (0: the data breach; `i + 1`: `types[i]`).
pub fn name(index: usize, types: &[IncidentType]) -> &str {
    names(types).nth(index).unwrap_or(DATA_BREACH)
}

/// How many cost columns by incident type a stored year keeps, with `others` types beside
/// the data breach: one per type, the data breach first, or none where it is alone.
pub fn type_columns(others: usize) -> usize {
    if others == 0 {
        0
    } else {
        others + 1
    }
}

/// The index of the incident type called `name` (0: the data breach; `i + 1`: `types[i]`), or
/// what is wrong with the name, with a nearest-name hint.
pub fn find(name: &str, types: &[IncidentType]) -> std::result::Result<usize, String> {
    if let Some(index) = names(types).position(|known| known == name) {
        return Ok(index);
    }
    let known: Vec<&str> = names(types).collect();
    let hint = nearest(name, &known).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
    Err(format!(
        "no incident type is called \"{}\"{hint}; expected one of {}",
        crate::text::printable(name),
        known.join(", ")
    ))
}

/// The index of the incident type called `name` ([`find`]), or an input error naming
/// `key_path` of `file`.
pub fn index_of(file: &str, key_path: &str, name: &str, types: &[IncidentType]) -> Result<usize> {
    find(name, types).map_err(|why| Error::input(format!("{file}: {key_path}: {why}")))
}
