//! The alternatives `breachcost compare` weighs against the baseline, as given with `--alt`:
//! comma-separated `key=value` settings, e.g.
//! `name=MFA and backups,controls=+mfa;+offline_backups,cost=150K` or `limit=10M,premium=95K`.
//!
//! - `name`: its label in the reports (default: the settings as given).
//! - `exposures`, `assumptions`: another file in place of the baseline's.
//! - `controls`: `+name` adds a control to every row (or to `ids`), `-name` removes it, and a
//!   plain list (`mfa;edr`) sets the rows' controls to exactly that; `controls=` removes all.
//! - `limit`, `retention`, `aggregate_limit`, `share`: the policy term on every row (or `ids`).
//! - `ids`: `;`-separated exposure ids the control and term changes apply to (default: all).
//! - `cost`: what the change costs a year (for the return on it), `premium`: the premium of
//!   the alternative's cover where it is quoted rather than priced.
//!
//! Amounts take an optional K, M or B suffix (`250K`, `1.5M`).

use std::path::PathBuf;

use super::exposures::{Exposure, Exposures};
use super::toml_section::nearest;
use crate::error::{Error, Result};

/// Settings an alternative may give.
const KEYS: [&str; 11] = [
    "name",
    "exposures",
    "assumptions",
    "controls",
    "limit",
    "retention",
    "aggregate_limit",
    "share",
    "ids",
    "cost",
    "premium",
];

/// A change of the rows' controls.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlChange {
    /// Exactly these controls.
    Set(Vec<String>),
    /// These added, those removed.
    Edit { add: Vec<String>, remove: Vec<String> },
}

/// A policy term set on the rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Term {
    Limit,
    Retention,
    AggregateLimit,
    Share,
}

impl Term {
    fn name(self) -> &'static str {
        match self {
            Term::Limit => "limit",
            Term::Retention => "retention",
            Term::AggregateLimit => "aggregate_limit",
            Term::Share => "share",
        }
    }
}

/// One `--alt`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// How messages name it: `--alt 2 ("limit=10M")`.
    pub label: String,
    pub name: String,
    pub exposures: Option<PathBuf>,
    pub assumptions: Option<PathBuf>,
    pub controls: Option<ControlChange>,
    pub terms: Vec<(Term, f64)>,
    pub ids: Option<Vec<String>>,
    pub cost: Option<f64>,
    pub premium: Option<f64>,
}

impl Alternative {
    /// Parses alternative number `number` (from 1) of the command line.
    pub fn parse(text: &str, number: usize) -> Result<Alternative> {
        let label = format!("--alt {number} (\"{}\")", crate::text::printable(text));
        let fail = |why: String| Error::input(format!("{label}: {why}"));
        let mut alt = Alternative {
            label: label.clone(),
            name: text.trim().to_string(),
            exposures: None,
            assumptions: None,
            controls: None,
            terms: Vec::new(),
            ids: None,
            cost: None,
            premium: None,
        };
        let mut seen: Vec<&str> = Vec::new();
        for setting in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = setting.split_once('=') else {
                return Err(fail(format!("\"{setting}\" is not key=value (keys: {})", KEYS.join(", "))));
            };
            let (key, value) = (key.trim(), value.trim());
            let Some(&key) = KEYS.iter().find(|k| **k == key) else {
                let hint = nearest(key, &KEYS).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
                return Err(fail(format!("unknown setting \"{key}\"{hint}; known: {}", KEYS.join(", "))));
            };
            if seen.contains(&key) {
                return Err(fail(format!("{key} is given twice")));
            }
            seen.push(key);
            let amount = |at_most: f64| {
                amount(value).filter(|a| *a <= at_most).ok_or_else(|| {
                    let range = match at_most {
                        1.0 => "a share from 0 to 1",
                        f64::INFINITY => "an amount ≥ 0 (e.g. 250K, 5M, inf)",
                        _ => "an amount from 0 to 1e15 a year (e.g. 250K, 5M)",
                    };
                    fail(format!("{key}={value} is not {range}"))
                })
            };
            match key {
                "name" if value.is_empty() => return Err(fail("name= is empty".into())),
                "name" => alt.name = value.to_string(),
                "exposures" => alt.exposures = Some(PathBuf::from(value)),
                "assumptions" => alt.assumptions = Some(PathBuf::from(value)),
                "controls" => alt.controls = Some(control_change(value).map_err(fail)?),
                "ids" => alt.ids = Some(list(value)),
                // (A year's amounts: at most a thousand trillion, as a revenue.)
                "cost" => alt.cost = Some(amount(super::MAX_REVENUE)?),
                "premium" => alt.premium = Some(amount(super::MAX_REVENUE)?),
                "limit" => alt.terms.push((Term::Limit, amount(f64::INFINITY)?)),
                "retention" => alt.terms.push((Term::Retention, amount(f64::INFINITY)?)),
                "aggregate_limit" => alt.terms.push((Term::AggregateLimit, amount(f64::INFINITY)?)),
                _ => alt.terms.push((Term::Share, amount(1.0)?)),
            }
        }
        if alt.exposures.is_none() && alt.assumptions.is_none() && alt.controls.is_none() && alt.terms.is_empty() {
            return Err(fail(
                "changes nothing: give controls, a policy term (limit, retention, aggregate_limit, share), exposures or assumptions".into(),
            ));
        }
        if alt.ids.is_some() && alt.controls.is_none() && alt.terms.is_empty() {
            return Err(fail("ids= says which rows the controls or terms change, and none are given".into()));
        }
        Ok(alt)
    }

    /// What it changes, in words: `controls +mfa +offline_backups; limit 10,000,000`.
    pub fn changes(&self) -> String {
        let mut parts = Vec::new();
        if let Some(path) = &self.exposures {
            parts.push(format!("exposures {}", path.display()));
        }
        if let Some(path) = &self.assumptions {
            parts.push(format!("assumptions {}", path.display()));
        }
        match &self.controls {
            Some(ControlChange::Set(names)) if names.is_empty() => parts.push("no controls".into()),
            Some(ControlChange::Set(names)) => parts.push(format!("controls {}", names.join(" "))),
            Some(ControlChange::Edit { add, remove }) => {
                let signed = add.iter().map(|c| format!("+{c}")).chain(remove.iter().map(|c| format!("-{c}")));
                parts.push(format!("controls {}", signed.collect::<Vec<_>>().join(" ")));
            }
            None => {}
        }
        for (term, value) in &self.terms {
            parts.push(format!("{} {}", term.name(), compact(*value)));
        }
        if let Some(ids) = &self.ids {
            parts.push(format!("on {}", ids.join(" ")));
        }
        parts.join("; ")
    }

    /// Makes its control and term changes to `exposures`' rows (those of `ids`, or all),
    /// `controls` being the control names the assumptions know.
    pub fn apply(&self, exposures: &mut Exposures, controls: &[&str]) -> Result<()> {
        let fail = |why: String| Error::input(format!("{}: {why}", self.label));
        let named = match &self.controls {
            Some(ControlChange::Set(names)) => names.iter().collect::<Vec<_>>(),
            Some(ControlChange::Edit { add, remove }) => add.iter().chain(remove).collect(),
            None => Vec::new(),
        };
        for name in named {
            if !controls.contains(&name.as_str()) {
                let hint = match nearest(name, controls) {
                    Some(k) => format!(" (did you mean \"{k}\"?)"),
                    None if controls.is_empty() => ": the assumptions have no [[control]]".into(),
                    None => format!("; the assumptions have {}", controls.join(", ")),
                };
                return Err(fail(format!("no control is called \"{name}\"{hint}")));
            }
        }
        if let Some(ids) = &self.ids {
            for id in ids {
                if !exposures.rows.iter().any(|r| &r.id == id) {
                    let known: Vec<&str> = exposures.rows.iter().map(|r| r.id.as_str()).collect();
                    let hint = nearest(id, &known).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
                    return Err(fail(format!("ids: {} has no exposure \"{id}\"{hint}", exposures.label)));
                }
            }
        }
        let chosen = |row: &Exposure| self.ids.as_ref().is_none_or(|ids| ids.contains(&row.id));
        for row in exposures.rows.iter_mut().filter(|r| chosen(r)) {
            match &self.controls {
                Some(ControlChange::Set(names)) => row.controls = names.clone(),
                Some(ControlChange::Edit { add, remove }) => {
                    row.controls.retain(|c| !remove.contains(c));
                    for c in add {
                        if !row.controls.contains(c) {
                            row.controls.push(c.clone());
                        }
                    }
                }
                None => {}
            }
            for &(term, value) in &self.terms {
                let slot = match term {
                    Term::Limit => &mut row.limit,
                    Term::Retention => &mut row.retention,
                    Term::AggregateLimit => &mut row.aggregate_limit,
                    Term::Share => &mut row.share,
                };
                *slot = Some(value);
            }
        }
        Ok(())
    }
}

/// An amount as it would be written: `10M`, `2.5M`, `250K`, `1234`, `inf`.
fn compact(x: f64) -> String {
    for (scale, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "K")] {
        let scaled = x / scale;
        if x >= scale && scaled.is_finite() && (scaled * 1000.0).fract() == 0.0 {
            return format!("{scaled}{suffix}");
        }
    }
    if x.is_infinite() {
        "inf".into()
    } else {
        format!("{x}")
    }
}

/// `+a;-b` (an edit) or `a;b` (a set), lower case.
fn control_change(value: &str) -> std::result::Result<ControlChange, String> {
    let names = list(&value.to_lowercase());
    let signed = names.iter().filter(|n| n.starts_with(['+', '-'])).count();
    if signed == 0 {
        return Ok(ControlChange::Set(names));
    }
    if signed != names.len() {
        return Err(format!(
            "controls={value} mixes +/- changes with plain names: write +name to add, -name to remove, or a plain list to set"
        ));
    }
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for n in names {
        let (sign, name) = n.split_at(1);
        if name.is_empty() {
            return Err(format!("controls={value}: \"{sign}\" names no control"));
        }
        if sign == "+" { &mut add } else { &mut remove }.push(name.to_string());
    }
    if let Some(both) = add.iter().find(|name| remove.contains(name)) {
        return Err(format!("controls={value} both adds and removes \"{both}\"; keep one"));
    }
    Ok(ControlChange::Edit { add, remove })
}

/// `;`-separated names, trimmed, empty ones dropped.
fn list(value: &str) -> Vec<String> {
    value.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// A finite amount ≥ 0, with an optional K, M or B suffix; `inf` for no limit.
pub fn amount(text: &str) -> Option<f64> {
    let text = text.trim().replace('_', "");
    if text.eq_ignore_ascii_case("inf") || text.eq_ignore_ascii_case("unlimited") {
        return Some(f64::INFINITY);
    }
    let (digits, scale) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1e3),
        Some((i, 'm' | 'M')) => (&text[..i], 1e6),
        Some((i, 'b' | 'B')) => (&text[..i], 1e9),
        _ => (text.as_str(), 1.0),
    };
    let value = digits.trim().parse::<f64>().ok()? * scale;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_take_suffixes() {
        assert_eq!(amount("250K"), Some(250_000.0));
        assert_eq!(amount("1.5M"), Some(1_500_000.0));
        assert_eq!(amount("2b"), Some(2e9));
        assert_eq!(amount("5_000_000"), Some(5e6));
        assert_eq!(amount("inf"), Some(f64::INFINITY));
        assert_eq!(amount("-1"), None);
        assert_eq!(amount("NaN"), None);
        assert_eq!(amount("M"), None);
    }

    #[test]
    fn settings_parse_and_say_what_they_change() {
        let a = Alternative::parse("name=Both, controls=+MFA;+offline_backups, cost=150K", 1).expect("parses");
        assert_eq!(a.name, "Both");
        assert_eq!(a.cost, Some(150_000.0));
        assert_eq!(a.changes(), "controls +mfa +offline_backups");
        let b = Alternative::parse("limit=10M,retention=50K", 2).expect("parses");
        assert_eq!(b.name, "limit=10M,retention=50K");
        assert_eq!(b.changes(), "limit 10M; retention 50K");
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(compact(1234.5), "1234.5");
        assert_eq!(compact(f64::INFINITY), "inf");
        assert_eq!(compact(12.5), "12.5");
    }

    #[test]
    fn bad_settings_are_one_line_errors() {
        for (text, says) in [
            ("limt=5M", "did you mean \"limit\""),
            ("limit", "is not key=value"),
            ("name=x,cost=5K", "changes nothing"),
            ("limit=-5", "limit=-5 is not an amount"),
            ("share=1.5", "not a share"),
            ("controls=+mfa;edr", "mixes"),
            ("limit=1M,limit=2M", "given twice"),
            ("ids=a,exposures=b.csv", "ids= says"),
        ] {
            let e = Alternative::parse(text, 3).expect_err(text).to_string();
            assert!(e.starts_with("--alt 3 (") && e.contains(says) && !e.contains('\n'), "{text}: {e}");
        }
    }
}
