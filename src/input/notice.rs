//! The `[notice]` table: which breached data oblige the firm to notify the people affected.
//! Components marked `needs_notice` (notification, the call centre, regulators' fines) arise
//! only in breaches that are notified: always when the exposure holds a data type that
//! triggers notice, otherwise (contact data alone: names, addresses, emails) with the small
//! probability `otherwise` (notice given anyway: voluntarily, under a broader state law, or
//! because the data turn out to hold more than was thought).

use super::toml_section::{data_type_list, Section};
use crate::error::Result;

/// When a breach is notified.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Data types whose breach triggers notice.
    pub data_types: Vec<String>,
    /// The probability that a breach of other data is notified all the same.
    pub otherwise: f64,
}

impl Default for Notice {
    /// Without a `[notice]` table every breach is notified.
    fn default() -> Self {
        Notice { data_types: Vec::new(), otherwise: 1.0 }
    }
}

impl Notice {
    /// The probability that a breach of an exposure holding `held` is notified.
    pub fn probability(&self, held: &[String]) -> f64 {
        if self.data_types.iter().any(|d| held.contains(d)) {
            1.0
        } else {
            self.otherwise
        }
    }
}

/// Reads the `[notice]` table.
pub fn parse(mut s: Section) -> Result<Notice> {
    let data_types = data_type_list(&mut s, "data_types")?;
    if data_types.is_empty() {
        return Err(s.error(
            "data_types",
            "missing or empty; list the data types that trigger notice, e.g. [\"ssn\", \"health\"]",
        ));
    }
    let otherwise = s.f64_opt("otherwise")?.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&otherwise) {
        return Err(s.error("otherwise", format!("{otherwise} is not a probability between 0 and 1")));
    }
    s.str_opt("source")?;
    s.finish()?;
    Ok(Notice { data_types, otherwise })
}
