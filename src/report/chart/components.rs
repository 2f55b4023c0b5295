//! `components`: what the money is spent on. One stacked horizontal bar per exposure (the
//! largest means, largest first) split into the mean cost of each component, and in annual
//! mode a bar for the whole portfolio in a panel of its own (its scale would flatten the
//! others). Each component keeps its colour across bars.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, fail, Corner, LegendEntry, Swatch};
use super::{Chart, RunLabel};
use crate::engine::Model;
use crate::error::Result;
use crate::report::format::{self, money};
use crate::run::RunResults;

/// Exposures shown at most (the largest means).
const MAX_BARS: usize = 15;
const X_LABEL_AREA: i32 = 55;
/// The portfolio total shares the exposures' scale when at most this many times the largest.
const SHARED_SCALE: f64 = 4.0;
/// A bar slot is never taller than this (few exposures would give fat bars).
const MAX_SLOT: f64 = 56.0;

struct Bar {
    label: String,
    /// Mean per component, in the order of [`ComponentsChart::components`].
    parts: Vec<f64>,
    /// What the segment percentages are shares of: the bar's total unless given.
    of_total: Option<f64>,
}

impl Bar {
    fn total(&self) -> f64 {
        self.parts.iter().sum()
    }
}

struct ComponentKey {
    name: String,
    covered: bool,
}

pub struct ComponentsChart {
    title: String,
    subtitle: String,
    note: String,
    x_desc: &'static str,
    /// Components with a nonzero mean somewhere, largest portfolio-wide first.
    components: Vec<ComponentKey>,
    portfolio: Option<Bar>,
    bars: Vec<Bar>,
}

impl ComponentsChart {
    pub fn from_run(model: &Model, results: &RunResults, label: &RunLabel) -> Self {
        let all = &model.assumptions.components;
        let means = |e: &crate::run::ExposureResult| {
            let mut parts = vec![0.0; all.len()];
            for c in &e.components {
                if let Some(i) = model.assumptions.component_index(&c.name) {
                    parts[i] += c.mean;
                }
            }
            parts
        };
        let mut totals = vec![0.0; all.len()];
        for e in &results.exposures {
            for (t, m) in totals.iter_mut().zip(means(e)) {
                *t += m;
            }
        }
        let mut order: Vec<usize> = (0..all.len()).filter(|i| totals[*i] > 0.0).collect();
        order.sort_by(|a, b| totals[*b].total_cmp(&totals[*a]));
        let pick = |parts: &[f64]| order.iter().map(|i| parts[*i]).collect::<Vec<f64>>();

        let mut ranked: Vec<&crate::run::ExposureResult> = results.exposures.iter().collect();
        ranked.sort_by(|a, b| b.measures.gross.summary.mean.total_cmp(&a.measures.gross.summary.mean));
        let bars: Vec<Bar> = ranked
            .iter()
            .take(MAX_BARS)
            .map(|e| Bar { label: crate::text::truncate(&e.id, 24), parts: pick(&means(e)), of_total: None })
            .collect();
        let portfolio = (label.annual && results.exposures.len() > 1).then(|| Bar {
            label: "Portfolio total".into(),
            parts: pick(&totals),
            of_total: None,
        });
        let n = results.exposures.len();
        let note = if n > MAX_BARS {
            format!(
                "The {MAX_BARS} exposures with the largest mean of {}; the portfolio total covers all of them.",
                format::thousands(n as u64)
            )
        } else if portfolio.is_some() {
            "Each exposure, largest first, and the portfolio total: their sum.".to_string()
        } else if let [only] = bars.as_slice() {
            format!("{}: {} in all, by component, largest first.", only.label, money(only.total()))
        } else {
            String::new()
        };
        let (title, x_desc) = if label.annual {
            ("Expected annual loss by cost component", "Expected annual loss (USD)")
        } else {
            ("Mean cost of one breach by cost component", "Mean cost per breach (USD)")
        };
        ComponentsChart {
            title: title.into(),
            subtitle: label.subtitle.clone(),
            note,
            x_desc,
            components: order
                .iter()
                .map(|i| ComponentKey { name: all[*i].name.clone(), covered: all[*i].covered })
                .collect(),
            portfolio,
            bars,
        }
    }

    fn colour(&self, i: usize) -> RGBColor {
        style::series_colour(i)
    }

    /// Draws `bars` (largest first, top down) as stacked horizontal bars in `area`.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        bars: &[&Bar],
        y_label_area: i32,
        x_desc: &str,
    ) -> Result<()> {
        let (_, h) = area.dim_in_pixel();
        let plot_h = (h as i32 - X_LABEL_AREA).max(1) as f64;
        let n = bars.len() as f64;
        let slots = n.max(plot_h / MAX_SLOT);
        let pad = (slots - n) / 2.0;
        let x_max = bars.iter().map(|b| b.total()).fold(0.0, f64::max).max(1.0) * 1.2;
        let centres: Vec<f64> = (0..bars.len()).map(|rank| n - 1.0 - rank as f64 + 0.5).collect();
        let labels: Vec<(f64, String)> = centres.iter().zip(bars).map(|(c, b)| (*c, b.label.clone())).collect();
        let y_tick =
            |v: &f64| labels.iter().find(|(c, _)| (c - v).abs() < 1e-6).map(|(_, l)| l.clone()).unwrap_or_default();
        let mut chart = ChartBuilder::on(area)
            .margin_right(20)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(0.0..x_max, style::Ticked::new(-pad..n + pad, centres.clone(), Vec::new()))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_label_formatter(&format::money_axis_tick)
            .y_label_formatter(&y_tick)
            .x_desc(x_desc)
            .axis_desc_style(style::text(style::AXIS_TITLE_SIZE, style::INK))
            .label_style(style::text(style::TICK_SIZE, style::INK))
            .bold_line_style(style::GRID)
            .x_max_light_lines(1)
            .light_line_style(style::GRID_LIGHT)
            .x_labels(8)
            .draw()
            .map_err(fail)?;
        let label_style = style::text(style::NOTE_SIZE, style::INK);
        for (bar, centre) in bars.iter().zip(&centres) {
            let (y0, y1) = (centre - 0.34, centre + 0.34);
            let mut start = 0.0;
            for (i, part) in bar.parts.iter().enumerate() {
                if *part <= 0.0 {
                    continue;
                }
                let end = start + part;
                chart
                    .draw_series([
                        Rectangle::new([(start, y0), (end, y1)], self.colour(i).filled()),
                        Rectangle::new([(start, y0), (end, y1)], WHITE.stroke_width(1)),
                    ])
                    .map_err(fail)?;
                // The share of the bar, inside the segment where it fits.
                let share = format!("{:.0}%", part / bar.of_total.unwrap_or(bar.total()) * 100.0);
                let (left, y) = chart.backend_coord(&(start, *centre));
                let (right, _) = chart.backend_coord(&(end, *centre));
                let (w, _) = area.estimate_text_size(&share, &label_style).map_err(fail)?;
                if right - left >= w as i32 + 8 {
                    let (bx, by) = area.get_base_pixel();
                    area.draw(&Text::new(
                        share,
                        ((left + right) / 2 - bx, y - by),
                        style::anchored(style::NOTE_SIZE, style::ink_on(self.colour(i)), HPos::Center, VPos::Center),
                    ))
                    .map_err(fail)?;
                }
                start = end;
            }
            let (x, y) = chart.backend_coord(&(start, *centre));
            area.draw(&Text::new(
                money(bar.total()),
                (x + 6 - area.get_base_pixel().0, y - area.get_base_pixel().1),
                style::anchored(style::NOTE_SIZE, style::INK, HPos::Left, VPos::Center),
            ))
            .map_err(fail)?;
        }
        Ok(())
    }
}

impl ComponentsChart {
    /// One exposure: a bar per component, largest first, labelled with its name.
    fn draw_one<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, bar: &Bar) -> Result<()> {
        let total = bar.total();
        let mut rows: Vec<Bar> = self
            .components
            .iter()
            .zip(&bar.parts)
            .enumerate()
            .filter(|(_, (_, part))| **part > 0.0)
            .map(|(i, (c, part))| {
                let mut parts = vec![0.0; self.components.len()];
                parts[i] = *part;
                let name = if c.covered { c.name.clone() } else { format!("{} (not insured)", c.name) };
                Bar { label: crate::text::truncate(&name, 32), parts, of_total: Some(total) }
            })
            .collect();
        rows.sort_by(|a, b| b.total().total_cmp(&a.total()));
        let tick_style = style::text(style::TICK_SIZE, style::INK);
        let mut y_label_area = 0;
        for r in &rows {
            y_label_area = y_label_area.max(area.estimate_text_size(&r.label, &tick_style).map_err(fail)?.0 as i32);
        }
        let rows: Vec<&Bar> = rows.iter().collect();
        let (w, _) = area.dim_in_pixel();
        let (plot, _) = area.split_horizontally(w as i32 - 60);
        self.draw_panel(&plot, &rows, y_label_area + 16, self.x_desc)
    }
}

impl Chart for ComponentsChart {
    fn name(&self) -> &'static str {
        "components"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        if self.bars.is_empty() || self.components.is_empty() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No component has a cost above $0");
        }
        if let ([only], None) = (self.bars.as_slice(), &self.portfolio) {
            return self.draw_one(&area, only);
        }
        let tick_style = style::text(style::TICK_SIZE, style::INK);
        let entries: Vec<LegendEntry> = self
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = if c.covered { c.name.clone() } else { format!("{} (not insured)", c.name) };
                LegendEntry::new(crate::text::truncate(&name, 32), Swatch::Fill(self.colour(i), 1.0))
            })
            .collect();
        let mut legend_w = 0;
        for e in &entries {
            legend_w = legend_w.max(area.estimate_text_size(&e.label, &tick_style).map_err(fail)?.0 as i32);
        }
        let mut y_label_area = 0;
        for b in self.bars.iter().chain(self.portfolio.as_ref()) {
            y_label_area = y_label_area.max(area.estimate_text_size(&b.label, &tick_style).map_err(fail)?.0 as i32);
        }
        let y_label_area = y_label_area + 16;
        let (w, _) = area.dim_in_pixel();
        let (plots, legend) = area.split_horizontally(w as i32 - legend_w - 70);
        style::draw_legend(&legend, &entries, (10, 10), Corner::TopLeft)?;
        let mut bars: Vec<&Bar> = self.bars.iter().collect();
        let largest = self.bars.iter().map(Bar::total).fold(0.0, f64::max);
        match &self.portfolio {
            // A total within a few times the largest exposure shares its scale.
            Some(total) if total.total() <= SHARED_SCALE * largest => {
                bars.insert(0, total);
                self.draw_panel(&plots, &bars, y_label_area, self.x_desc)?;
            }
            Some(total) => {
                let (top, bottom) = plots.split_vertically(125);
                self.draw_panel(&top, &[total], y_label_area, "")?;
                self.draw_panel(&bottom.margin(15, 0, 0, 0), &bars, y_label_area, self.x_desc)?;
            }
            None => self.draw_panel(&plots, &bars, y_label_area, self.x_desc)?,
        }
        Ok(())
    }
}
