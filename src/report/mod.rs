//! Reports: render only, one module per file written, each turning the results it is given
//! into bytes; [`output_dir`] puts them into the output folder atomically.
//!
//! - CSV tables: `<name>.rs` writes `<name>.csv` ([`summary`], [`components`], [`exceedance`],
//!   [`ilf`], [`pricing`], [`contribution`], [`convergence`], [`incidents`],
//!   [`sections`]); [`ord`] the Oasis ORD files,
//!   [`ylt`] `ylt.parquet`, [`run_json`] `run.json`, [`sensitivity_table`] the tables and
//!   `run.json` of a sensitivity analysis, [`compare_table`] those of a comparison. [`csv`] is
//!   the writer they share.
//! - [`chart`]: `chart/<name>.rs` writes `charts/<name>.png` and `charts/<name>.svg`.
//! - [`page`]: the `report.html` of a run ([`page::report`]), of a sensitivity analysis
//!   ([`page::sensitivity`]) or of a comparison ([`page::compare`]), showing the charts inline.
//! - [`workbook`]: `pricing.xlsx` (`--xlsx`), the policy tables read back from the CSVs into
//!   one workbook, with live premium formulas on its Pricing sheet.
//! - [`format`]: how every one of them writes numbers, money and percentages.

pub mod backtest;
pub mod chart;
pub mod compare_table;
pub mod components;
pub mod contribution;
pub mod convergence;
pub mod csv;
pub mod exceedance;
pub mod format;
pub mod ilf;
pub mod incidents;
mod interrupt;
pub mod ord;
pub mod output_dir;
pub mod page;
pub mod pricing;
pub mod reinsurance;
pub mod run_json;
pub mod sections;
pub mod sensitivity_table;
pub mod summary;
pub mod workbook;
pub mod ylt;

use rayon::prelude::*;

use crate::engine::Model;
use crate::input::Mode;
use crate::run::RunResults;

pub use crate::input::exposures::{PORTFOLIO_EXCL_SYSTEMIC_ID, PORTFOLIO_ID};

/// A file of the report folder: its path relative to the folder, and its bytes.
pub struct ReportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A report file's name and what renders its bytes, if the run has it.
type Render<'a> = (&'static str, Box<dyn Fn() -> Option<Vec<u8>> + Send + Sync + 'a>);

/// Renders the CSV reports (and the ORD files when `ord`).
/// The files are rendered side by side (a portfolio of thousands of exposures has sizeable ones).
pub fn csv_reports(model: &Model, results: &RunResults, ord: bool) -> Vec<ReportFile> {
    let annual = model.settings.mode == Mode::Annual;
    let mut renders: Vec<Render> = vec![
        ("summary.csv", Box::new(|| Some(summary::render(results)))),
        ("components.csv", Box::new(|| Some(components::render(results)))),
        ("exceedance.csv", Box::new(|| Some(exceedance::render(results, annual)))),
        ("ilf.csv", Box::new(|| Some(ilf::render(model, results)))),
    ];
    if annual {
        renders.push(("pricing.csv", Box::new(|| Some(pricing::render(model, results)))));
        renders.push(("contribution.csv", Box::new(|| Some(contribution::render(results)))));
    }
    renders.push(("incidents.csv", Box::new(|| incidents::render(results))));
    renders.push(("reinsurance.csv", Box::new(|| reinsurance::render(model, results))));
    renders.push(("sections.csv", Box::new(|| sections::render(model, results))));
    let mut files: Vec<ReportFile> = renders
        .par_iter()
        .filter_map(|(path, render)| render().map(|bytes| ReportFile { path: (*path).into(), bytes }))
        .collect();
    if ord {
        files.extend(ord::render(results));
    }
    files
}
