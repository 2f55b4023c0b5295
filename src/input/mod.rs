//! Inputs: the exposures table and the assumptions file, parsed into typed, validated values.

pub mod assumptions;
pub mod csv_rows;
pub mod dist;
pub mod exposures;
mod parquet_footer;
pub mod portfolio_risk;
pub mod toml_section;

pub use assumptions::{Assumptions, CapitalMeasure, Component, CountModel, Mode, PolicyTerms, Pricing, Probability};
pub use exposures::{Exposure, Exposures};

/// The default assumptions shipped with the tool (`assumptions/default.toml`).
pub const DEFAULT_ASSUMPTIONS: &str = include_str!("../../assumptions/default.toml");
/// The sample portfolio shipped with the tool (`assumptions/sample-portfolio.csv`).
pub const SAMPLE_PORTFOLIO: &str = include_str!("../../assumptions/sample-portfolio.csv");
