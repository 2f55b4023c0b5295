//! `incidents`: what each incident type (the data breach, ransomware, funds-transfer fraud,
//! ...) contributes to the portfolio's expected annual gross loss. One horizontal bar per
//! type, largest first, labelled with its expected loss, its share of the total and the
//! expected incidents a year. Drawn for annual runs whose assumptions have types beside the
//! data breach.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, fail};
use super::{Chart, RunLabel};
use crate::error::Result;
use crate::report::format::{self, expected_count, money, percent};
use crate::report::incidents::{portfolio_by_type, TypeTotal};
use crate::run::RunResults;

const X_LABEL_AREA: i32 = 55;
const MARGIN_RIGHT: i32 = 20;
/// A bar slot is never taller than this (a handful of types would give fat bars).
const MAX_SLOT: f64 = 64.0;
/// Pixels between a bar's end and its label.
const LABEL_GAP: i32 = 8;

struct Bar {
    label: String,
    /// Expected annual gross loss.
    mean: f64,
    /// What the bar's text says: the loss, its share and the expected incidents.
    text: String,
    /// The type's place in the assumptions (the data breach 0), so its colour is the same
    /// in every run of the same assumptions, whatever the ranking.
    colour: RGBColor,
}

pub struct IncidentsChart {
    subtitle: String,
    note: String,
    /// Largest expected loss first.
    bars: Vec<Bar>,
}

impl IncidentsChart {
    pub fn from_run(results: &RunResults, label: &RunLabel) -> Self {
        Self::from_totals(&portfolio_by_type(results), results.exposures.len(), label)
    }

    fn from_totals(totals: &[TypeTotal], exposures: usize, label: &RunLabel) -> Self {
        let mut bars: Vec<Bar> = totals
            .iter()
            .enumerate()
            .filter(|(_, t)| t.mean > 0.0)
            .map(|(i, t)| Bar {
                label: crate::text::truncate(&t.name, 28),
                mean: t.mean,
                text: format!("{} · {} · {} a year", money(t.mean), percent(t.share), incidents_text(t.rate)),
                colour: style::series_colour(i),
            })
            .collect();
        bars.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        let rate: f64 = totals.iter().map(|t| t.rate).sum();
        let mean: f64 = totals.iter().map(|t| t.mean).sum();
        let whose = if exposures == 1 {
            "This exposure".to_string()
        } else {
            format!("The {} exposures", format::thousands(exposures as u64))
        };
        let note = format!(
            "{whose}: {} a year, {} expected annual loss. Each bar: expected loss · share · incidents a year.",
            incidents_text(rate),
            money(mean)
        );
        IncidentsChart { subtitle: label.subtitle.clone(), note, bars }
    }
}

/// "1.9 incidents", "1 incident".
fn incidents_text(rate: f64) -> String {
    let count = expected_count(rate);
    if count == "1" {
        "1 incident".into()
    } else {
        format!("{count} incidents")
    }
}

impl Chart for IncidentsChart {
    fn name(&self) -> &'static str {
        "incidents"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, "Expected annual loss by incident type", &[&self.subtitle, &self.note])?;
        if self.bars.is_empty() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No incident type has a cost above $0");
        }
        let tick_style = style::text(style::TICK_SIZE, style::INK);
        let label_style = style::text(style::NOTE_SIZE, style::INK);
        let mut y_label_area = 0;
        let mut text_w = 0;
        for b in &self.bars {
            y_label_area = y_label_area.max(area.estimate_text_size(&b.label, &tick_style).map_err(fail)?.0 as i32);
            text_w = text_w.max(area.estimate_text_size(&b.text, &label_style).map_err(fail)?.0 as i32);
        }
        let y_label_area = y_label_area + 16;
        // The axis reaches far enough that the longest label fits beside the longest bar.
        let (w, h) = area.dim_in_pixel();
        let plot_w = (w as i32 - y_label_area - MARGIN_RIGHT).max(1);
        let bar_w = (plot_w - text_w - LABEL_GAP - 10).max(plot_w / 3);
        let largest = self.bars.iter().map(|b| b.mean).fold(0.0, f64::max);
        let x_max = largest * f64::from(plot_w) / f64::from(bar_w);

        let plot_h = (h as i32 - X_LABEL_AREA).max(1) as f64;
        let n = self.bars.len() as f64;
        let slots = n.max(plot_h / MAX_SLOT);
        let pad = (slots - n) / 2.0;
        let centres: Vec<f64> = (0..self.bars.len()).map(|rank| n - 1.0 - rank as f64 + 0.5).collect();
        let labels: Vec<(f64, String)> = centres.iter().zip(&self.bars).map(|(c, b)| (*c, b.label.clone())).collect();
        let y_tick =
            |v: &f64| labels.iter().find(|(c, _)| (c - v).abs() < 1e-6).map(|(_, l)| l.clone()).unwrap_or_default();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(0.0..x_max, style::Ticked::new(-pad..n + pad, centres.clone(), Vec::new()))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_label_formatter(&format::money_axis_tick)
            .y_label_formatter(&y_tick)
            .x_desc("Expected annual loss (USD)")
            .axis_desc_style(style::text(style::AXIS_TITLE_SIZE, style::INK))
            .label_style(tick_style)
            .bold_line_style(style::GRID)
            .x_max_light_lines(1)
            .light_line_style(style::GRID_LIGHT)
            .x_labels(8)
            .draw()
            .map_err(fail)?;
        let (bx, by) = area.get_base_pixel();
        for (bar, centre) in self.bars.iter().zip(&centres) {
            let (y0, y1) = (centre - 0.34, centre + 0.34);
            chart.draw_series([Rectangle::new([(0.0, y0), (bar.mean, y1)], bar.colour.filled())]).map_err(fail)?;
            let (x, y) = chart.backend_coord(&(bar.mean, *centre));
            area.draw(&Text::new(
                bar.text.clone(),
                (x + LABEL_GAP - bx, y - by),
                style::anchored(style::NOTE_SIZE, style::INK, HPos::Left, VPos::Center),
            ))
            .map_err(fail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> RunLabel {
        RunLabel { annual: true, name: "book".into(), subtitle: String::new() }
    }

    fn total(name: &str, rate: f64, mean: f64, share: f64) -> TypeTotal {
        TypeTotal { name: name.into(), rate, mean, share, insured: 0.0, insured_share: 0.0 }
    }

    #[test]
    fn bars_rank_by_loss_keep_their_colour_and_skip_types_without_cost() {
        let totals = [
            total("data_breach", 1.852, 2.8e8, 0.79),
            total("ransomware", 0.74, 7.3e7, 0.21),
            total("never", 0.0, 0.0, 0.0),
            total("funds_transfer_fraud", 1.0, 9.2e5, 0.0026),
        ];
        let chart = IncidentsChart::from_totals(&totals, 3, &label());
        let names: Vec<&str> = chart.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(names, ["data_breach", "ransomware", "funds_transfer_fraud"]);
        assert_eq!(chart.bars[2].colour, style::series_colour(3), "colour follows the assumptions' order");
        assert_eq!(chart.bars[0].text, "$280M · 79% · 1.9 incidents a year");
        assert_eq!(chart.bars[2].text, "$920K · 0.26% · 1 incident a year");
        assert!(chart.note.starts_with("The 3 exposures: 3.6 incidents a year, $354M"), "{}", chart.note);
    }
}
