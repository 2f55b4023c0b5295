//! Reports: one module per output file, each rendering bytes from the run results; this
//! module writes them all into the output folder atomically.

pub mod components;
pub mod contribution;
pub mod convergence;
pub mod csv;
pub mod exceedance;
pub mod human;
pub mod ilf;
pub mod ord;
pub mod output_dir;
pub mod pricing;
pub mod run_json;
pub mod sensitivity;
pub mod summary;
pub mod visual;
pub mod ylt;

use crate::engine::Model;
use crate::input::Mode;
use crate::run::RunResults;

pub use crate::input::exposures::{PORTFOLIO_EXCL_SYSTEMIC_ID, PORTFOLIO_ID};

/// A file of the report folder: its path relative to the folder, and its bytes.
pub struct ReportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Renders the CSV reports (and the ORD files when `ord`).
pub fn csv_reports(model: &Model, results: &RunResults, ord: bool) -> Vec<ReportFile> {
    let annual = model.settings.mode == Mode::Annual;
    let mut files = vec![
        ReportFile { path: "summary.csv".into(), bytes: summary::render(results) },
        ReportFile { path: "components.csv".into(), bytes: components::render(results) },
        ReportFile { path: "exceedance.csv".into(), bytes: exceedance::render(results, annual) },
        ReportFile { path: "ilf.csv".into(), bytes: ilf::render(model, results) },
    ];
    if annual {
        files.push(ReportFile { path: "pricing.csv".into(), bytes: pricing::render(model, results) });
        files.push(ReportFile { path: "contribution.csv".into(), bytes: contribution::render(results) });
    }
    if ord {
        files.extend(ord::render(results));
    }
    files
}
