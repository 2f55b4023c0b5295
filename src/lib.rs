//! breachcost: Monte Carlo estimates of what a data breach costs, component by component
//! (investigation, legal, notification, credit monitoring, ...), with insurance terms.
//!
//! The data flow is one-way:
//! [`input`] (exposures, assumptions → typed, validated values) → [`engine`] (breaches,
//! component costs, policy terms, per iteration) → [`stats`] (moments, quantiles, TVaR,
//! exceedance) via [`run`] → [`report`] (CSV files, charts, run metadata). [`analysis`] runs
//! the engine for other questions (convergence, sensitivity, backtest, the cost curve) and
//! hands its numbers to [`report`]; [`cmd`] holds the subcommands.
// Unsafe code only in `simd`: a call, on processors that have AVX2, of a function compiled for it.
#![deny(unsafe_code)]

pub mod analysis;
pub mod cmd;
pub mod engine;
pub mod error;
pub mod input;
pub mod memory;
pub mod report;
pub mod run;
pub mod sampler;
pub mod shard;
mod simd;
pub mod stats;
pub mod text;

pub use error::{Error, Result};
