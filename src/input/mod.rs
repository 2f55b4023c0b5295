//! Inputs: the exposures table and the assumptions file, parsed into typed, validated values.

pub mod alternatives;
pub mod assumptions;
pub mod breach;
pub mod controls;
pub mod csv_rows;
pub mod dist;
pub mod exposures;
pub mod firmographics;
pub mod incidents;
pub mod market;
pub mod notice;
pub mod oed;
mod parquet_footer;
pub mod policy_period;
pub mod portfolio_risk;
pub mod revenue_bands;
pub mod sections;
pub mod sectors;
mod text_table;
pub mod toml_section;
pub mod treaties;

pub use assumptions::{
    Assumptions, Basis, CapitalAllocation, CapitalMeasure, Component, CountModel, IlfAggregate, IlfSettings, Mode,
    PolicyTerms, Pricing, Probability,
};
pub use exposures::{Exposure, Exposures};

/// The largest expected number of breaches (or systemic events) per exposure-year accepted
/// in a rate: every breach of a year is simulated and held in memory, so an absurd rate
/// (a typo like 1e10) would exhaust memory instead of failing with a message.
pub const MAX_ANNUAL_RATE: f64 = 10_000.0;

/// The largest revenue accepted (in any currency): a thousand trillion, above any firm's (and
/// the world's output), so that a typo like 1e308 is refused rather than overflowing the costs
/// that scale with revenue.
pub const MAX_REVENUE: f64 = 1e15;

/// The largest number of records per $1M of revenue a sector may hold: ten million, a
/// thousand times a telecom's (about 1e4), so that an estimate of records from revenue stays
/// within the records a row may give.
pub const MAX_RECORDS_PER_MILLION: f64 = 1e7;

/// The default assumptions shipped with the tool (`assumptions/default.toml`).
pub const DEFAULT_ASSUMPTIONS: &str = include_str!("../../assumptions/default.toml");
/// The sample portfolio shipped with the tool (`assumptions/sample-portfolio.csv`).
pub const SAMPLE_PORTFOLIO: &str = include_str!("../../assumptions/sample-portfolio.csv");
