//! Accumulation inputs: `[[systemic]]` events that breach many exposures in the same year,
//! and the `[correlation]` of component costs within a breach (a Gaussian copula).

use super::dist::{parse_var, Role, Var};
use super::toml_section::{nearest, number, show, Section};
use super::MAX_ANNUAL_RATE;
use crate::error::{Error, Result};

/// How many times a systemic event happens in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCount {
    /// Poisson with mean `annual_rate`.
    Poisson,
    /// At most once, with probability `annual_rate`.
    Bernoulli,
}

/// A vendor, cloud or platform compromise that breaches a share of the matching exposures.
#[derive(Debug, Clone)]
pub struct SystemicEvent {
    pub name: String,
    pub annual_rate: f64,
    pub count: EventCount,
    /// Share of the matching exposures hit by one occurrence (each is hit independently
    /// with this probability, drawn once per occurrence).
    pub footprint: Var,
    /// `(column, accepted values)`: an exposure matches if, for every column, its value is
    /// one of the accepted values (case-insensitive; for `data_types`, if it holds one of
    /// them). Empty = every exposure.
    pub matches: Vec<(String, Vec<String>)>,
    /// The share of records affected in this event's breaches (default: `[breach]`'s).
    pub affected_share: Option<Var>,
    /// The incident type it causes at each exposure it hits (0: a data breach; `i + 1`:
    /// the assumptions' `incidents[i]`): a provider's outage (contingent business
    /// interruption), a mass-exploited vulnerability (data breaches), a ransomware wave.
    pub incident: usize,
    /// How long the outage lasts, the same for every exposure it hits (drawn once per
    /// occurrence); `None`: each hit draws its own from the incident type.
    pub duration_hours: Option<Var>,
    /// `enabled = false`: a scenario checked and shown, but not simulated (the shipped
    /// accumulation scenarios, until a user turns them on).
    pub enabled: bool,
    pub source: String,
}

/// The `[correlation]` table: a correlation matrix over some components, with its
/// (semi-definite) Cholesky factor.
#[derive(Debug, Clone)]
pub struct Correlation {
    /// Indices of the correlated components, in matrix order.
    pub components: Vec<usize>,
    pub matrix: Vec<Vec<f64>>,
    /// Lower-triangular factor `L` with `L Lᵀ = matrix`, row-major.
    pub factor: Vec<Vec<f64>>,
}

pub fn parse_systemic(
    label: &str,
    value: &toml::Value,
    incidents: &[super::incidents::IncidentType],
) -> Result<Vec<SystemicEvent>> {
    let items = value.as_array().ok_or_else(|| {
        Error::input(format!("{label}: systemic: {} is not a list; write [[systemic]] sections", show(value)))
    })?;
    let mut events: Vec<SystemicEvent> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let table = item
            .as_table()
            .ok_or_else(|| Error::input(format!("{label}: systemic[{}]: {} is not a table", index + 1, show(item))))?;
        let name = match table.get("name") {
            Some(toml::Value::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
            _ => {
                return Err(Error::input(format!(
                    "{label}: systemic[{}].name: missing or empty; every systemic event needs a name",
                    index + 1
                )))
            }
        };
        // Names are written into the reports and printed: short, and free of control characters.
        if let Some(problem) = crate::text::text_problem(&name, crate::text::MAX_ID_BYTES) {
            let shown = crate::text::excerpt(&name, 60);
            return Err(Error::input(format!("{label}: systemic[{}].name: \"{shown}\" {problem}", index + 1)));
        }
        if events.iter().any(|e| e.name == name) {
            return Err(Error::input(format!("{label}: systemic \"{name}\": the name is used twice")));
        }
        let mut s = Section::new(label, format!("systemic \"{name}\""), table);
        s.get("name");
        let annual_rate =
            s.f64_opt("annual_rate")?.ok_or_else(|| s.error("annual_rate", "missing; expected events per year ≥ 0"))?;
        if !(annual_rate.is_finite() && annual_rate >= 0.0) {
            return Err(s.error("annual_rate", format!("{annual_rate} is not a finite number ≥ 0")));
        }
        if annual_rate > MAX_ANNUAL_RATE {
            return Err(s.error(
                "annual_rate",
                format!(
                    "{annual_rate} is above {MAX_ANNUAL_RATE} events per year; expected a rate ≤ {MAX_ANNUAL_RATE}"
                ),
            ));
        }
        let count = match s.str_opt("model")?.unwrap_or("poisson") {
            "poisson" => EventCount::Poisson,
            "bernoulli" => {
                if annual_rate > 1.0 {
                    return Err(s.error(
                        "annual_rate",
                        format!("{annual_rate} is above 1; with model = \"bernoulli\" it is the probability of the event in a year"),
                    ));
                }
                EventCount::Bernoulli
            }
            other => {
                return Err(s.error(
                    "model",
                    format!("\"{other}\" is not an event count model; expected \"poisson\" or \"bernoulli\""),
                ))
            }
        };
        if s.table().get("footprint").is_none() {
            return Err(s.error("footprint", "missing; expected the share of matching exposures hit, e.g. { dist = \"beta\", mean = 0.1, sd = 0.05 }"));
        }
        let footprint = parse_var(&mut s, "footprint", Role::Share, 1.0)?;
        let affected_share = match s.table().get("affected_share") {
            Some(_) => Some(parse_var(&mut s, "affected_share", Role::Share, 1.0)?),
            None => {
                s.get("affected_share");
                None
            }
        };
        let mut matches = Vec::new();
        if let Some(m) = s.table_opt("match")? {
            for (column, accepted) in m.table() {
                let values: Vec<String> = match accepted {
                    toml::Value::String(v) => vec![v.trim().to_lowercase()],
                    toml::Value::Array(items) if !items.is_empty() => {
                        let mut values = Vec::with_capacity(items.len());
                        for item in items {
                            match item {
                                toml::Value::String(v) => values.push(v.trim().to_lowercase()),
                                other => return Err(m.error(column, format!("{} is not a string", show(other)))),
                            }
                        }
                        values
                    }
                    other => {
                        return Err(m.error(column, format!("{} is not a string or a list of strings", show(other))))
                    }
                };
                matches.push((column.trim().to_string(), values));
            }
        }
        let incident = match s.str_opt("incident")? {
            None => 0,
            Some(name) => super::incidents::index_of(label, &s.key_path("incident"), name.trim(), incidents)?,
        };
        let duration_hours = match s.table().get("duration_hours") {
            None => {
                s.get("duration_hours");
                None
            }
            Some(_) if incident == 0 || incidents[incident - 1].duration_hours.is_none() => {
                return Err(s.error(
                    "duration_hours",
                    "only goes with an incident type that takes systems down (one with duration_hours)",
                ))
            }
            Some(_) => Some(super::incidents::duration(&mut s)?),
        };
        let enabled = s.bool_opt("enabled")?.unwrap_or(true);
        let source = s.str_opt("source")?.unwrap_or("").to_string();
        s.finish()?;
        events.push(SystemicEvent {
            name,
            annual_rate,
            count,
            footprint,
            matches,
            affected_share,
            incident,
            duration_hours,
            enabled,
            source,
        });
    }
    Ok(events)
}

pub fn parse_correlation(mut s: Section, component_names: &[&str]) -> Result<Correlation> {
    let names = s
        .str_list_opt("components")?
        .ok_or_else(|| s.error("components", "missing; list the correlated components"))?;
    let mut components = Vec::with_capacity(names.len());
    for name in &names {
        let index = component_names.iter().position(|n| n == name).ok_or_else(|| {
            let hint = nearest(name, component_names).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
            s.error("components", format!("no component is called \"{name}\"{hint}"))
        })?;
        if components.contains(&index) {
            return Err(s.error("components", format!("\"{name}\" is listed twice")));
        }
        components.push(index);
    }
    let n = components.len();
    if n < 2 {
        return Err(s.error("components", "needs at least two components"));
    }
    let rows = match s.get("matrix") {
        Some(toml::Value::Array(rows)) => rows,
        Some(other) => return Err(s.error("matrix", format!("{} is not a list of rows", show(other)))),
        None => return Err(s.error("matrix", format!("missing; expected a {n}×{n} correlation matrix"))),
    };
    if rows.len() != n {
        return Err(s.error("matrix", format!("has {} rows; expected {n} (one per component)", rows.len())));
    }
    let mut matrix = vec![vec![0.0; n]; n];
    for (i, row) in rows.iter().enumerate() {
        let cells = row
            .as_array()
            .filter(|r| r.len() == n)
            .ok_or_else(|| s.error("matrix", format!("row {} is {}; expected {n} numbers", i + 1, show(row))))?;
        for (j, cell) in cells.iter().enumerate() {
            match number(cell) {
                Some(v) if (-1.0..=1.0).contains(&v) => matrix[i][j] = v,
                _ => {
                    return Err(s.error(
                        "matrix",
                        format!("row {}, column {}: {} is not a correlation in [-1, 1]", i + 1, j + 1, show(cell)),
                    ))
                }
            }
        }
    }
    for (i, row) in matrix.iter().enumerate() {
        if row[i] != 1.0 {
            return Err(s.error(
                "matrix",
                format!("diagonal entry {} is {}; a correlation matrix has 1 on its diagonal", i + 1, row[i]),
            ));
        }
        for (j, other_row) in matrix.iter().enumerate().take(i) {
            if (row[j] - other_row[i]).abs() > 1e-12 {
                return Err(s.error(
                    "matrix",
                    format!(
                        "is not symmetric: row {}, column {} is {} but row {}, column {} is {}",
                        i + 1,
                        j + 1,
                        row[j],
                        j + 1,
                        i + 1,
                        other_row[i]
                    ),
                ));
            }
        }
    }
    let factor = semidefinite_cholesky(&matrix).ok_or_else(|| {
        s.error("matrix", "is not positive semi-definite (no set of random variables can have these correlations)")
    })?;
    s.str_opt("source")?;
    s.finish()?;
    Ok(Correlation { components, matrix, factor })
}

/// Cholesky factor of a symmetric positive semi-definite matrix (zero columns where the
/// matrix is singular); `None` if it is not positive semi-definite.
pub fn semidefinite_cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    const TOLERANCE: f64 = 1e-10;
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let pivot = a[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if pivot < -TOLERANCE {
            return None;
        }
        if pivot <= TOLERANCE {
            // A singular direction: every later entry of this column must vanish too.
            for i in j + 1..n {
                let rest = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
                if rest.abs() > 1e-8 {
                    return None;
                }
            }
            continue;
        }
        let d = pivot.sqrt();
        l[j][j] = d;
        for i in j + 1..n {
            l[i][j] = (a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>()) / d;
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_accepts_semidefinite_and_rejects_indefinite_matrices() {
        let perfect = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        assert!(semidefinite_cholesky(&perfect).is_some());
        let indefinite = vec![vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]];
        assert!(semidefinite_cholesky(&indefinite).is_none());
        let l = semidefinite_cholesky(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap_or_default();
        assert!((l[1][0] - 0.5).abs() < 1e-15 && (l[1][1] - 0.75f64.sqrt()).abs() < 1e-15);
    }
}
