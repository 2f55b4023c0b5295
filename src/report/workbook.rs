//! `pricing.xlsx` (`--xlsx`): the policy tables as one workbook for underwriters and CFOs.
//!
//! One sheet per table: Summary (`summary.csv`), Pricing (`pricing.csv`, annual mode), ILF
//! (`ilf.csv`), Exceedance (`exceedance.csv`), Contributions (`contribution.csv`, annual
//! mode), Reinsurance (`reinsurance.csv`, with treaties), then Assumptions: the run's settings,
//! its inputs with their SHA-256, the pricing parameters and every named assumption's source.
//!
//! The sheets are read back from the CSV files as rendered, not worked out again, so the
//! workbook and the CSVs cannot disagree: each numeric cell holds the number its CSV text
//! reads back to. The Pricing sheet's loads, premiums, ratios and market checks are live
//! formulas over a Parameters block (expense ratio, cost of capital), and the ILF sheet's
//! factors over one of its own (cost of capital, sd multiple), each written with the CSV's
//! figure as its cached result (`workbook/pricing.rs`, `workbook/ilf.rs`). The bytes depend on nothing but
//! the inputs (a fixed creation date), so a run gives the same file on any number of threads.

mod assumptions;
mod ilf;
mod live;
mod pricing;
mod table;

use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use super::run_json::InputSource;
use super::ReportFile;
use crate::engine::Model;
use crate::error::{Error, Result};

/// The file's name in the report folder.
pub const FILE: &str = "pricing.xlsx";

/// The sheets made from CSV reports, in workbook order: (sheet, CSV file). Pricing and ILF
/// have their own writers; a CSV the run did not write has no sheet.
pub const SHEETS: [(&str, &str); 6] = [
    ("Summary", "summary.csv"),
    ("Pricing", "pricing.csv"),
    ("ILF", "ilf.csv"),
    ("Exceedance", "exceedance.csv"),
    ("Contributions", "contribution.csv"),
    ("Reinsurance", "reinsurance.csv"),
];

/// The sheet of the run's settings and assumptions, after the tables.
pub const ASSUMPTIONS_SHEET: &str = "Assumptions";

/// How a column's numbers are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, never read as a number (ids, measures, verdicts).
    Text,
    /// An amount in the report currency, in whole units.
    Money,
    /// A share or ratio as a percentage with one decimal (loss ratio, share of TVaR).
    Share,
    /// A probability or rate as a percentage with two decimals (rate on line, 1-in-10,000).
    Probability,
    /// A factor with three decimals (increased-limit factors).
    Factor,
    /// A whole count with thousands separators (return periods, iterations).
    Count,
    /// Anything else: as the number is.
    Number,
}

/// How the column called `name` (in any of the report CSVs) is shown.
pub fn kind_of(name: &str) -> Kind {
    match name {
        "id" | "measure" | "ep_type" | "basis" | "treaty" | "kind" | "market_check" => Kind::Text,
        "loss_ratio" | "share_of_mean" | "share_of_tvar_99" | "share_of_insured" => Kind::Share,
        "rate_on_line" | "prob_nonzero" | "exceedance_probability" | "prob_recovery" => Kind::Probability,
        "ilf" | "ilf_with_risk_load" => Kind::Factor,
        "return_period" => Kind::Count,
        "expected_loss"
        | "sd"
        | "risk_load"
        | "expense_load"
        | "technical_premium"
        | "se_expected_loss"
        | "capital"
        | "standalone_capital"
        | "allocated_capital"
        | "standalone_premium"
        | "diversification_benefit"
        | "maximum_payout"
        | "revenue"
        | "premium_per_million"
        | "market_low"
        | "market_high"
        | "mean"
        | "se_mean"
        | "p50"
        | "p75"
        | "p90"
        | "p95"
        | "p99"
        | "p99_5"
        | "p99_9"
        | "tvar_95"
        | "tvar_99"
        | "max"
        | "mean_ci_low"
        | "mean_ci_high"
        | "p99_ci_low"
        | "p99_ci_high"
        | "retention"
        | "limit"
        | "aggregate_limit"
        | "expected_insured_loss"
        | "loss"
        | "co_tvar_99"
        | "expected_recovery"
        | "premium"
        | "reinstatement_premium"
        | "cost_over_recovery"
        | "capital_relief"
        | "relief_value"
        | "net_cost" => Kind::Money,
        _ => Kind::Number,
    }
}

/// The Excel number format of amounts in `currency` (an ISO 4217 code): its symbol in front
/// for the common ones (`$#,##0`), else the code after (`#,##0 "CHF"`).
pub fn money_format(currency: &str) -> String {
    let symbol = match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    };
    match symbol {
        Some(s) => format!("{s}#,##0"),
        // The code is three capital letters ([meta] currency); quotes keep it literal.
        None => format!("#,##0 \"{}\"", currency.replace('"', "")),
    }
}

/// The cell formats of a workbook.
pub struct Formats {
    pub money: Format,
    pub share: Format,
    pub probability: Format,
    pub factor: Format,
    pub count: Format,
    pub number: Format,
    pub text: Format,
    /// A table's header row.
    pub header: Format,
    /// A value the reader may change (the Pricing sheet's parameters).
    pub input: Format,
    /// A note in italics.
    pub note: Format,
    /// The money format's text, for widths: the symbol's and code's characters.
    currency_chars: usize,
}

impl Formats {
    pub fn new(currency: &str) -> Formats {
        let money = money_format(currency);
        let currency_chars = money.chars().filter(|c| !matches!(c, '#' | ',' | '0' | '"')).count();
        Formats {
            money: Format::new().set_num_format(money),
            share: Format::new().set_num_format("0.0%"),
            probability: Format::new().set_num_format("0.00%"),
            factor: Format::new().set_num_format("0.000"),
            count: Format::new().set_num_format("#,##0"),
            number: Format::new(),
            text: Format::new(),
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin)
                .set_background_color(Color::Theme(0, 1)),
            input: Format::new()
                .set_num_format("0.0%")
                .set_bold()
                .set_font_color(Color::RGB(0x0000FF))
                .set_background_color(Color::RGB(0xFFF2CC))
                .set_border(FormatBorder::Thin),
            note: Format::new().set_italic(),
            currency_chars,
        }
    }

    /// The format of a number of `kind`.
    pub fn of(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Money => &self.money,
            Kind::Share => &self.share,
            Kind::Probability => &self.probability,
            Kind::Factor => &self.factor,
            Kind::Count => &self.count,
            Kind::Number => &self.number,
            Kind::Text => &self.text,
        }
    }

    /// About how many characters `x` takes shown as `kind` (for column widths).
    pub fn shown_chars(&self, kind: Kind, x: f64) -> usize {
        let grouped = |whole: f64| {
            let digits = format!("{:.0}", whole.abs()).len();
            digits + (digits - 1) / 3 + usize::from(whole < 0.0)
        };
        match kind {
            Kind::Money => grouped(x.round()) + self.currency_chars,
            Kind::Count => grouped(x.round()),
            Kind::Share => format!("{:.1}%", x * 100.0).len(),
            Kind::Probability => format!("{:.2}%", x * 100.0).len(),
            Kind::Factor => format!("{x:.3}").len(),
            // Excel's General format shows at most 11 characters.
            Kind::Number | Kind::Text => format!("{x}").len().min(11),
        }
    }
}

/// Maps a writer's error to the run's.
pub fn failed(e: XlsxError) -> Error {
    Error::failure(format!("cannot write {FILE}: {e}"))
}

/// The creation date written into the file: fixed, so that the same inputs give the same
/// bytes (the writer would otherwise stamp the current time).
fn creation_date() -> std::result::Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(2000, 1, 1)
}

/// Renders `pricing.xlsx` from the run's CSV reports `files` (as [`super::csv_reports`]
/// rendered them), with the run's settings and `[exposures, assumptions]` sources.
pub fn render(model: &Model, files: &[ReportFile], inputs: [&InputSource; 2]) -> Result<Vec<u8>> {
    let formats = Formats::new(&model.assumptions.currencies.report);
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title("breachcost pricing workbook")
        .set_author("breachcost")
        .set_comment(format!("breachcost {}", env!("CARGO_PKG_VERSION")))
        .set_creation_datetime(&creation_date().map_err(failed)?);
    workbook.set_properties(&properties);
    for (sheet, csv) in SHEETS {
        let Some(file) = files.iter().find(|f| f.path == csv) else { continue };
        let parsed = table::Table::parse(&file.bytes).map_err(|e| e.context(csv))?;
        let mut worksheet = match sheet {
            "Pricing" => pricing::sheet(&parsed, &model.assumptions.pricing, &formats, csv)?,
            "ILF" => ilf::sheet(&parsed, &model.assumptions.pricing, &formats, csv)?,
            _ => table::sheet(&parsed, &formats, csv, table::ROW_LIMIT)?,
        };
        worksheet.set_name(sheet).map_err(failed)?;
        // The Pricing sheet is the one an underwriter opens the file for.
        worksheet.set_active(sheet == "Pricing");
        workbook.push_worksheet(worksheet);
    }
    let mut settings = assumptions::sheet(model, inputs, &formats)?;
    settings.set_name(ASSUMPTIONS_SHEET).map_err(failed)?;
    workbook.push_worksheet(settings);
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_of_the_tables_has_a_kind_and_ids_stay_text() {
        let headers: Vec<&str> = [
            super::super::pricing::HEADER.as_slice(),
            super::super::ilf::HEADER.as_slice(),
            super::super::exceedance::HEADER.as_slice(),
            super::super::contribution::HEADER.as_slice(),
            super::super::reinsurance::HEADER.as_slice(),
        ]
        .concat();
        let headers: Vec<&str> = headers.into_iter().chain(super::super::summary::header()).collect();
        for name in headers {
            assert_ne!(kind_of(name), Kind::Number, "{name} has no display kind");
        }
        assert_eq!(kind_of("id"), Kind::Text);
        assert_eq!(kind_of("technical_premium"), Kind::Money);
        assert_eq!(kind_of("loss_ratio"), Kind::Share);
    }

    #[test]
    fn money_is_shown_in_the_report_currency() {
        assert_eq!(money_format("USD"), "$#,##0");
        assert_eq!(money_format("EUR"), "€#,##0");
        assert_eq!(money_format("CHF"), "#,##0 \"CHF\"");
        let formats = Formats::new("USD");
        assert_eq!(formats.shown_chars(Kind::Money, 1_234_567.4), "$1,234,567".len());
        assert_eq!(formats.shown_chars(Kind::Money, -999.0), "-$999".len());
        assert_eq!(formats.shown_chars(Kind::Share, 0.5312), "53.1%".len());
        assert_eq!(Formats::new("CHF").shown_chars(Kind::Money, 1000.0), "1,000 CHF".len());
    }
}
