//! The `[breach]` table: the share of records a breach exposes (and how it falls with the
//! records held), default data types, and the reference firm components are sized against.

use super::dist::{parse_var, Role, Var};
use super::toml_section::Section;
use crate::error::Result;

/// The `[breach]` table.
#[derive(Debug, Clone)]
pub struct BreachSettings {
    pub affected_share: Var,
    pub data_types: Vec<String>,
    /// The revenue at which components cost what their parameters say (rows without a
    /// revenue are costed as firms of this size), for components with a `revenue_exponent`.
    pub reference_revenue: f64,
    /// Revenues below this count as this much: a firm still pays a minimum bill.
    pub min_revenue: f64,
    /// How the share affected falls with the records held: above `pivot` records, a breach
    /// exposes `(held / pivot)^exponent` times the drawn share (`exponent` ≤ 0; 0: not at all).
    pub share_by_holding: ShareByHolding,
}

/// The `[breach]` table's `affected_share_exponent` and `affected_share_pivot`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareByHolding {
    pub exponent: f64,
    pub pivot: f64,
}

impl ShareByHolding {
    /// None: the share does not depend on the records held.
    pub const NONE: ShareByHolding = ShareByHolding { exponent: 0.0, pivot: 1.0 };

    /// What the drawn share is multiplied by for a firm holding `held` records (1 at or below
    /// the pivot, and without an exponent).
    #[inline]
    pub fn factor(&self, held: f64) -> f64 {
        if self.exponent == 0.0 || held <= self.pivot {
            1.0
        } else {
            (held / self.pivot).powf(self.exponent)
        }
    }

    /// The records a breach affects: the `records` held times the drawn `share`, times the
    /// holding's `multiplier` (1 for records given; an estimate's draw) and the `factor` for
    /// the holding so drawn ([`ShareByHolding::factor`]). One product, in one order, wherever
    /// it is taken.
    #[inline]
    pub fn affected(records: f64, share: f64, multiplier: f64, factor: f64) -> f64 {
        records * share * (multiplier * factor)
    }
}

impl BreachSettings {
    /// The revenue an hour of a firm with `revenue` (`None`: unknown), as outage components
    /// count it: a year's revenue (at least `min_revenue`; the reference firm's when unknown)
    /// over the 8,760 hours of a year.
    pub fn revenue_per_hour(&self, revenue: Option<f64>) -> f64 {
        revenue.map_or(self.reference_revenue, |r| r.max(self.min_revenue)) / HOURS_PER_YEAR
    }

    /// How much a component with `exponent` costs at `revenue` (`None`: unknown) against
    /// the reference firm.
    pub fn size_factor(&self, exponent: f64, revenue: Option<f64>) -> f64 {
        match revenue {
            // (A negative exponent, a cost per unit that falls with size, takes at least $1 of
            // revenue: a firm without revenue would otherwise cost infinitely much.)
            Some(r) if exponent < 0.0 => (r.max(self.min_revenue).max(1.0) / self.reference_revenue).powf(exponent),
            Some(r) if exponent != 0.0 => (r.max(self.min_revenue) / self.reference_revenue).powf(exponent),
            _ => 1.0,
        }
    }
}

/// Hours in a year, for revenue an hour.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// `[breach] reference_revenue` when not given.
pub const DEFAULT_REFERENCE_REVENUE: f64 = 1e9;

/// Reads the `[breach]` table (`None`: the file has none).
pub(super) fn parse(section: Option<Section>) -> Result<BreachSettings> {
    Ok(match section {
        None => BreachSettings {
            affected_share: Var::constant(1.0),
            data_types: Vec::new(),
            reference_revenue: DEFAULT_REFERENCE_REVENUE,
            min_revenue: 0.0,
            share_by_holding: ShareByHolding::NONE,
        },
        Some(mut s) => {
            let affected_share = parse_var(&mut s, "affected_share", Role::Share, 1.0)?;
            let data_types = super::toml_section::data_type_list(&mut s, "data_types")?;
            let reference_revenue = s.f64_opt("reference_revenue")?.unwrap_or(DEFAULT_REFERENCE_REVENUE);
            let max = super::MAX_REVENUE;
            if !(reference_revenue.is_finite() && (1.0..=max).contains(&reference_revenue)) {
                let why = format!("{} is not a revenue from 1 to {max:e}", crate::text::figure(reference_revenue));
                return Err(s.error("reference_revenue", why));
            }
            let min_revenue = s.f64_opt("min_revenue")?.unwrap_or(0.0);
            if !(min_revenue.is_finite() && (0.0..=max).contains(&min_revenue)) {
                let why = format!("{} is not a revenue from 0 to {max:e}", crate::text::figure(min_revenue));
                return Err(s.error("min_revenue", why));
            }
            let exponent = s.f64_opt("affected_share_exponent")?.unwrap_or(0.0);
            if !(exponent.is_finite() && (-1.0..=0.0).contains(&exponent)) {
                return Err(s.error("affected_share_exponent", format!("{exponent} is not a number from -1 to 0")));
            }
            let pivot = s.f64_opt("affected_share_pivot")?.unwrap_or(1.0);
            if !(pivot.is_finite() && pivot >= 1.0) {
                return Err(s.error("affected_share_pivot", format!("{pivot} is not a finite number of records ≥ 1")));
            }
            s.str_opt("source")?;
            s.finish()?;
            let share_by_holding = ShareByHolding { exponent, pivot };
            BreachSettings { affected_share, data_types, reference_revenue, min_revenue, share_by_holding }
        }
    })
}
