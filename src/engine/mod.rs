//! The Monte Carlo engine: plain Rust over arrays, parallel with rayon, deterministic.

pub mod model;
pub mod rng;
pub mod simulate;
pub mod ziggurat;

pub use model::{ExposureModel, Model, RunSettings};
pub use simulate::{simulate_exposures, ExposureOutcomes, Independent, Outcome};
