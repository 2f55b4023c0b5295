//! The subcommands, one module each, and [`common`]: the run plumbing they share.

pub mod backtest;
pub mod common;
pub mod compare;
pub mod completions;
pub mod flags;
pub mod init;
pub mod inputs;
pub mod merge;
pub mod output;
pub mod plan;
pub mod sensitivity;
pub mod simulate;
pub mod validate;
