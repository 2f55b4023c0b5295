//! The Assumptions sheet: what was run (version, mode, iterations, seed, currency), on what
//! (each input's path and SHA-256), priced how (`[pricing]`), and where each named
//! assumption comes from (its `source`). One table: section, name, value, source. Nothing
//! that differs between runs of the same inputs (threads, timings) is in it.

use rust_xlsxwriter::Worksheet;

use super::pricing::{allocation_name, measure_name, COST_OF_CAPITAL, EXPENSE_RATIO};
use super::table::{self, Widths};
use super::{failed, Formats, Kind};
use crate::engine::Model;
use crate::error::Result;
use crate::input::IlfAggregate;
use crate::report::run_json::InputSource;

pub const HEADER: [&str; 4] = ["section", "name", "value", "source"];

/// A setting's value.
enum Value {
    Text(String),
    Number(f64, Kind),
}

/// A count as a number while a spreadsheet holds it exactly (below 2^53), else as text.
fn whole(n: u64, kind: Kind) -> Value {
    if n <= 1 << 53 {
        Value::Number(n as f64, kind)
    } else {
        Value::Text(n.to_string())
    }
}

/// One row: (section, name, value, source).
type Row = (&'static str, String, Value, String);

/// The rows of the sheet.
fn rows(model: &Model, [exposures, assumptions]: [&InputSource; 2]) -> Vec<Row> {
    let a = &model.assumptions;
    let s = &model.settings;
    let text = |t: &str| Value::Text(t.to_string());
    let mut rows: Vec<Row> = vec![
        ("run", "version".into(), text(env!("CARGO_PKG_VERSION")), "breachcost".into()),
        ("run", "mode".into(), text(s.mode.as_str()), "[simulation] mode or --mode".into()),
        (
            "run",
            "iterations".into(),
            whole(s.iterations, Kind::Count),
            "[simulation] iterations or --iterations".into(),
        ),
        // A seed is an identifier: as text, whole, whatever its size.
        ("run", "seed".into(), text(&s.seed.to_string()), "[simulation] seed or --seed".into()),
        ("run", "currency".into(), text(&a.currencies.report), "[meta] currency (every amount is in it)".into()),
        (
            "run",
            "exposures".into(),
            whole(model.exposures.len() as u64, Kind::Count),
            "rows of the exposures table run".into(),
        ),
        ("input", "exposures".into(), text(&exposures.path), format!("sha256 {}", exposures.sha256)),
        ("input", "assumptions".into(), text(&assumptions.path), format!("sha256 {}", assumptions.sha256)),
    ];
    let p = &a.pricing;
    let ilf_aggregate = match p.ilf.aggregate {
        IlfAggregate::Moves => "moves",
        IlfAggregate::Fixed => "fixed",
    };
    let base_source = match p.ilf.base_retention {
        Some(_) => "[pricing] ilf_base_retention",
        None => "[pricing] ilf_base_retention (unset: the portfolio's most common retention)",
    };
    rows.extend([
        (
            "pricing",
            "expense_ratio".into(),
            Value::Number(p.expense_ratio, Kind::Share),
            format!("[pricing] expense_ratio (the run's; Pricing!{EXPENSE_RATIO} drives that sheet's formulas)"),
        ),
        (
            "pricing",
            "cost_of_capital".into(),
            Value::Number(p.cost_of_capital, Kind::Share),
            format!("[pricing] cost_of_capital (the run's; Pricing!{COST_OF_CAPITAL} drives that sheet's formulas)"),
        ),
        (
            "pricing",
            "capital_measure".into(),
            Value::Text(measure_name(p.capital_measure)),
            "[pricing] capital_measure".into(),
        ),
        (
            "pricing",
            "capital_allocation".into(),
            text(allocation_name(p.capital_allocation)),
            "[pricing] capital_allocation".into(),
        ),
        ("pricing", "ilf_aggregate".into(), text(ilf_aggregate), "[pricing] ilf_aggregate".into()),
        (
            "pricing",
            "ilf_base_retention".into(),
            Value::Number(model.ilf_base_retention, Kind::Money),
            base_source.into(),
        ),
        (
            "pricing",
            "ilf_sd_multiple".into(),
            Value::Number(p.ilf.sd_multiple, Kind::Number),
            "[pricing] ilf_sd_multiple".into(),
        ),
    ]);
    if let Some(t) = &a.trend {
        rows.extend([
            ("trend", "as_of".into(), text(&t.from.show()), "[meta] as_of".into()),
            ("trend", "policy_start".into(), text(&t.policy_start.show()), t.source.clone()),
            ("trend", "frequency".into(), Value::Number(t.frequency, Kind::Share), t.source.clone()),
            ("trend", "severity".into(), Value::Number(t.severity, Kind::Share), t.source.clone()),
        ]);
    }
    for c in &a.components {
        let covered = if c.covered { "covered" } else { "not covered" };
        rows.push(("component", c.name.clone(), text(covered), c.source.clone()));
    }
    let named = a
        .incidents
        .iter()
        .map(|i| ("incident", &i.name, &i.source))
        .chain(a.controls.iter().map(|c| ("control", &c.name, &c.source)))
        .chain(a.systemic.iter().map(|e| ("systemic", &e.name, &e.source)))
        .chain(a.treaties.iter().map(|t| ("treaty", &t.name, &t.source)));
    rows.extend(named.map(|(section, name, source)| (section, name.clone(), text(""), source.clone())));
    rows
}

/// The Assumptions sheet of the run of `model` on `inputs` ([exposures, assumptions]).
pub fn sheet(model: &Model, inputs: [&InputSource; 2], formats: &Formats) -> Result<Worksheet> {
    let mut sheet = Worksheet::new();
    let header = HEADER.map(String::from);
    let mut widths = Widths::new(HEADER.len());
    table::write_header(&mut sheet, 0, &header, formats, &mut widths)?;
    let rows = rows(model, inputs);
    for (i, (section, name, value, source)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        table::write_text(&mut sheet, row, 0, section, &formats.text)?;
        table::write_text(&mut sheet, row, 1, name, &formats.text)?;
        match value {
            Value::Text(t) if t.is_empty() => {}
            Value::Text(t) => {
                table::write_text(&mut sheet, row, 2, t, &formats.text)?;
                widths.see(2, t.chars().count());
            }
            Value::Number(x, kind) => {
                sheet.write_number_with_format(row, 2, *x, formats.of(*kind)).map_err(failed)?;
                widths.see(2, formats.shown_chars(*kind, *x));
            }
        }
        table::write_text(&mut sheet, row, 3, source, &formats.text)?;
        widths.see(0, section.len());
        widths.see(1, name.chars().count());
        widths.see(3, source.chars().count());
    }
    table::finish(&mut sheet, 0, rows.len() as u32, HEADER.len())?;
    widths.apply(&mut sheet)?;
    Ok(sheet)
}
