//! The Monte Carlo engine: plain Rust over arrays, parallel with rayon, deterministic.
//!
//! Its words, each for one thing:
//!
//! - **iteration**: one policy year (annual mode) or one breach (breach mode). A run is a
//!   number of iterations, numbered from 0.
//! - **block**: [`BLOCK_ITERATIONS`] consecutive iterations, starting at a multiple of it: the
//!   unit of randomness. Every draw depends only on (seed, exposure, block, variable) and the
//!   breach's number in the block, never on threads, tasks or how a run is split; an
//!   exposure's increased-limit layer sums are kept per block too.
//! - **task**: the work a thread takes at once, one exposure over up to [`TASK_BLOCKS`] blocks
//!   (or, for a list of iterations, up to [`BLOCK_ITERATIONS`] of them); its outcomes are kept
//!   in one [`OutcomeColumns`].
//! - **round**: up to 256 of an exposure's own breaches of a block, costed together column by
//!   column ([`own_breaches`]). Not to be confused with a **batch**, the run's consecutive
//!   exposures whose outcomes fit in memory together ([`crate::run::batches`]): the engine is
//!   handed a batch of exposures and simulates each in tasks.
//! - **step**: one applicable component of an exposure, with what costing it needs looked up
//!   once.
//! - **own** and **systemic** breaches: an exposure's own breaches come from its yearly count
//!   law; systemic ones from an event shared by many exposures ([`systemic`]).
//! - **independent**: the figures of an iteration counting only its own breaches (for the
//!   "without systemic" curves; [`Independent`]).
//! - **wanted**: the iterations a call simulates, a range or a list ([`Wanted`]).
//! - **the short way**: for a block that no policy term can bite and no systemic event hits,
//!   each year's gross written straight from its round, with no terms applied; it gives the
//!   general loop's outcomes bit for bit ([`year_loop`]).
//!
//! Files, in the order data flows: [`model`] (the model resolved for the loop), [`rng`],
//! [`ziggurat`] and [`sample`] (streams and draws), [`year_law`] (which years have breaches),
//! [`common_shock`] (the yearly multiplier of every rate), [`systemic`], [`prevention`]
//! (incidents a control prevents), [`costing`] (breaches and their components), [`terms`] (policy terms),
//! [`ilf`] (increased-limit layers), [`shares`] (a year's insured loss by incident), [`ceding`] (what per-risk and catastrophe treaties need), [`year_loop`] (one exposure, block by block), [`outcomes`]
//! (what is stored), and [`simulate`] (the entry points).

pub mod ceding;
mod common_shock;
mod cost_rows;
mod costing;
pub mod ilf;
mod incidents;
mod minmax;
pub mod model;
pub mod outcomes;
mod own_breaches;
mod prevention;
pub mod rng;
pub mod sample;
mod shares;
pub mod simulate;
pub mod systemic;
pub mod terms;
mod wanted;
mod year_law;
mod year_loop;
pub mod ziggurat;

pub use cost_rows::CostRows;
pub use ilf::{LayerFigures, LayerSums};
pub use model::{ExposureModel, Model, RunSettings};
pub use outcomes::{ExposureOutcomes, Independent, Outcome, OutcomeColumns, ILF_LIMITS};
pub use simulate::{simulate_exposures, simulate_iterations};
pub use systemic::SystemicSchedule;
pub use wanted::Wanted;

/// Iterations per block, the unit of randomness (see the module's vocabulary).
pub const BLOCK_ITERATIONS: u64 = 4096;

/// Blocks per task: few enough tasks to balance threads, each large enough that what a task
/// costs besides its years (setting up, its buffers, scheduling, and a segment for the
/// statistics to read) costs little. A sixteenth as large, W1 (one exposure, ten million
/// years) took 13% longer.
pub const TASK_BLOCKS: u64 = 16;
