//! Coverage sections (`[[section]]`): the insuring agreements of a cyber policy (incident
//! response, business interruption, contingent business interruption, extortion, data
//! restoration, funds-transfer fraud, liability, regulatory), each holding covered components,
//! with its own sublimit, aggregate sublimit and retention where the policy gives them
//! (`[policy] section_sublimits`, `section_aggregate_sublimits`, `section_retentions`, or the
//! exposure's `section_sublimit_<name>`, `section_aggregate_sublimit_<name>` and
//! `section_retention_<name>` columns). The insured loss is reported by section.
//!
//! Every covered component belongs to one section; a `contingent` section takes the outage
//! components' cost in a provider's outage (a systemic event with `duration_hours`), which
//! their own section takes otherwise. An assumptions file without sections has none, and
//! its terms work as before.

use super::toml_section::{nearest, numbers_by_name, table_name, tables, unique_names, Section};
use crate::error::{Error, Result};

/// One coverage section.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageSection {
    pub name: String,
    /// Its code in Oasis' Open Exposure Data (`PolCoverage`: `INRE`, `NPBI`, `CBI`, ...), if given.
    pub code: Option<String>,
    /// The components it covers (indices into [`super::Assumptions::components`]).
    pub components: Vec<usize>,
    /// It takes its (outage) components' cost in a provider's outage: contingent business
    /// interruption.
    pub contingent: bool,
}

/// A section's terms for one policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionTerms {
    /// The most the policy pays under the section for one incident (∞: no sublimit).
    pub sublimit: f64,
    /// The most it pays under the section over a policy year (∞: none).
    pub aggregate_sublimit: f64,
    /// The section's own retention (`None`: the policy's). Where an incident touches several
    /// sections, the highest of their retentions applies to it once.
    pub retention: Option<f64>,
}

impl SectionTerms {
    pub const NONE: SectionTerms =
        SectionTerms { sublimit: f64::INFINITY, aggregate_sublimit: f64::INFINITY, retention: None };
}

/// Which of a section's terms an exposure column or a `[policy]` table sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SectionTerm {
    Sublimit,
    AggregateSublimit,
    Retention,
}

impl SectionTerm {
    pub const ALL: [SectionTerm; 3] = [SectionTerm::AggregateSublimit, SectionTerm::Sublimit, SectionTerm::Retention];

    /// The exposure column's prefix (`section_sublimit_<section>`, ...).
    pub fn column_prefix(self) -> &'static str {
        match self {
            SectionTerm::Sublimit => "section_sublimit_",
            SectionTerm::AggregateSublimit => "section_aggregate_sublimit_",
            SectionTerm::Retention => "section_retention_",
        }
    }

    /// The `[policy]` key.
    pub fn policy_key(self) -> &'static str {
        match self {
            SectionTerm::Sublimit => "section_sublimits",
            SectionTerm::AggregateSublimit => "section_aggregate_sublimits",
            SectionTerm::Retention => "section_retentions",
        }
    }

    /// Whether an amount is allowed: ≥ 0, and finite for a retention.
    pub fn allows(self, amount: f64) -> bool {
        amount >= 0.0 && (amount.is_finite() || self != SectionTerm::Retention)
    }

    /// Sets this term of `terms` to `amount`.
    pub fn set(self, terms: &mut SectionTerms, amount: f64) {
        match self {
            SectionTerm::Sublimit => terms.sublimit = amount,
            SectionTerm::AggregateSublimit => terms.aggregate_sublimit = amount,
            SectionTerm::Retention => terms.retention = Some(amount),
        }
    }
}

/// What a section needs to know of a component: its name, whether it is covered, and whether
/// it is costed by the hour of an outage (`basis = "outage"`).
pub struct ComponentFacts<'a> {
    pub name: &'a str,
    pub covered: bool,
    pub outage: bool,
}

/// Reads the `[[section]]` tables (none: no sections), checking that each covered component
/// is in exactly one section that is not contingent, and at most one contingent one.
pub fn parse(file: &str, value: Option<&toml::Value>, components: &[ComponentFacts]) -> Result<Vec<CoverageSection>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let names: Vec<&str> = components.iter().map(|c| c.name).collect();
    let sections = tables(file, "section", value, |mut s: Section| {
        let name = table_name(&mut s, "section")?;
        let code = match s.str_opt("code")? {
            Some(code) if !code.trim().is_empty() && code.trim().chars().all(|c| c.is_ascii_alphanumeric()) => {
                Some(code.trim().to_string())
            }
            Some(code) => {
                let code = crate::text::printable(code);
                return Err(
                    s.error("code", format!("\"{code}\" is not a coverage code (letters and digits, e.g. \"BI\")"))
                );
            }
            None => None,
        };
        let contingent = s.bool_opt("contingent")?.unwrap_or(false);
        let listed = s.str_list_opt("components")?.unwrap_or_default();
        if listed.is_empty() {
            return Err(s.error("components", "missing or empty; list the covered components the section pays for"));
        }
        let mut members = Vec::with_capacity(listed.len());
        for listed in &listed {
            let listed = listed.trim();
            let index = names.iter().position(|n| *n == listed).ok_or_else(|| {
                let hint = nearest(listed, &names).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
                s.error("components", format!("no component is called \"{}\"{hint}", crate::text::printable(listed)))
            })?;
            let component = &components[index];
            if !component.covered {
                return Err(s.error(
                    "components",
                    format!("\"{listed}\" is not covered (covered = false); a section holds covered components"),
                ));
            }
            if contingent && !component.outage {
                return Err(s.error(
                    "components",
                    format!("\"{listed}\" is not costed by the hour of an outage (basis = \"outage\"); a contingent section holds business interruption"),
                ));
            }
            if members.contains(&index) {
                return Err(s.error("components", format!("\"{listed}\" is listed twice")));
            }
            members.push(index);
        }
        s.finish()?;
        Ok(CoverageSection { name, code, components: members, contingent })
    })?;
    unique_names(file, "section", sections.iter().map(|s| s.name.as_str()))?;
    for (c, component) in components.iter().enumerate().filter(|(_, c)| c.covered) {
        for contingent in [false, true] {
            let holding: Vec<&str> = sections
                .iter()
                .filter(|s| s.contingent == contingent && s.components.contains(&c))
                .map(|s| s.name.as_str())
                .collect();
            let kind = if contingent { "contingent " } else { "" };
            if holding.len() > 1 {
                return Err(Error::input(format!(
                    "{file}: section: component \"{}\" is in the {kind}sections \"{}\"; a covered component is in one",
                    component.name,
                    holding.join("\" and \"")
                )));
            }
            if holding.is_empty() && !contingent && !sections.is_empty() {
                return Err(Error::input(format!(
                    "{file}: section: covered component \"{}\" is in no section; add it to one's components",
                    component.name
                )));
            }
        }
    }
    Ok(sections)
}

/// Reads the `[policy]` section terms (`section_sublimits`, ...): one [`SectionTerms`] per
/// section.
pub fn policy_terms(s: &mut Section, sections: &[CoverageSection]) -> Result<Vec<SectionTerms>> {
    let mut terms = vec![SectionTerms::NONE; sections.len()];
    let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
    for term in SectionTerm::ALL {
        let given = numbers_by_name(s, term.policy_key(), &names, "section", (|v| term.allows(v), "an amount ≥ 0"))?;
        for (index, v) in given {
            term.set(&mut terms[index], v);
        }
    }
    Ok(terms)
}
