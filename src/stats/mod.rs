//! Statistics of simulated losses: moments, quantiles (numpy's default "type 7" linear
//! interpolation), tail value at risk and exceedance.
//!
//! Losses are stored sparsely: the iterations with a loss (or at least one breach) are kept,
//! the others are zeros that are counted but never materialised. Every statistic is computed
//! from the values sorted ascending, so the result does not depend on the order in which
//! iterations were simulated.
//!
//! - [`index`]: [`LossDistribution`], the values and the bucket index that order statistics
//!   are read from;
//! - [`sum`]: compensated sums; [`exact`]: exact, order-free sums of amounts;
//! - [`histogram`]: [`LogHistogram`], counts in logarithmic bins for the charts;
//! - [`summary`]: [`Summary`], the statistics a report row shows.

pub mod exact;
pub mod histogram;
pub mod index;
pub mod sum;
pub mod summary;

pub use exact::YearTotals;
pub use histogram::LogHistogram;
#[cfg(test)]
pub(crate) use index::range_by_folds;
pub use index::{tail_weights, LossDistribution, LossRange, Segment, TailWeights};
pub use sum::{order_free_sum, sum, Neumaier};
pub use summary::{select_statistics, Summary, RETURN_PERIODS, Z95};
