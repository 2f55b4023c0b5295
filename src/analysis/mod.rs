//! Analyses: everything that runs the engine for a purpose other than the main run.
//!
//! Each one asks the engine its own question and hands plain numbers back for `report` to
//! render: [`convergence`] runs batches until the estimate is precise enough,
//! [`sensitivity`] holds one input at a time at its 10th and 90th percentiles,
//! [`backtest`] simulates breaches the size of real ones and ranks their actual costs,
//! [`compare`] runs alternatives on the same draws and pairs their years ([`paired`]), and
//! [`records_curve`] prices one breach as the affected records grow (the `cost_vs_records`
//! chart). An analysis never reads or writes a report file: it sits between `run` and
//! `report`, and imports neither `report` nor `cmd`.

pub mod backtest;
pub mod compare;
pub mod convergence;
pub mod paired;
pub mod records_curve;
pub mod sensitivity;
