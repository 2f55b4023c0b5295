//! `convergence`: how the estimate settled as batches were added. Two panels over the
//! iterations simulated: the mean (top) and p99 (bottom), each with its 95% confidence
//! interval as a band, and the final estimate as a dashed line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{Chart, RunLabel};
use crate::analysis::convergence::Convergence;
use crate::error::Result;
use crate::report::format;

/// Error bars are drawn up to this many batches (beyond, the band alone reads better).
const MAX_ERROR_BARS: usize = 40;

/// One panel's series: (iterations, estimate, CI low, CI high).
struct Panel {
    name: &'static str,
    colour: RGBColor,
    points: Vec<(f64, f64, f64, f64)>,
}

pub struct ConvergenceChart {
    title: String,
    subtitle: String,
    note: String,
    panels: [Panel; 2],
    max_iterations: f64,
}

/// A percentage with two significant figures (0.97%, 1.2%, 12%).
fn share(x: f64) -> String {
    if x.is_finite() {
        format::percent(x)
    } else {
        "unbounded".into()
    }
}

impl ConvergenceChart {
    pub fn from_convergence(c: &Convergence, label: &RunLabel) -> Self {
        let pick = |f: fn(&crate::analysis::convergence::Row) -> (f64, f64, f64)| {
            c.rows
                .iter()
                .map(|r| {
                    let (a, b, d) = f(r);
                    (r.iterations as f64, a, b, d)
                })
                .collect::<Vec<_>>()
        };
        let last = c.rows.last();
        let target = c.target;
        let batches = c.rows.len();
        let iterations = format::thousands(c.iterations());
        let mean_error = last.map_or(0.0, |r| r.rel_error_mean);
        let p99_error = last.map_or(0.0, |r| r.rel_error_p99);
        let errors = if target.quantile {
            format!(
                "the mean's standard error is {} of the mean and p99's CI half-width {} of p99 (target {})",
                share(mean_error),
                share(p99_error),
                share(target.rel_error)
            )
        } else {
            format!(
                "the mean's standard error is {} of the mean (target {})",
                share(mean_error),
                share(target.rel_error)
            )
        };
        let note = if c.converged {
            format!(
                "Stopped after {iterations} iterations ({batches} batch{} of {}): {errors}.",
                if batches == 1 { "" } else { "es" },
                format::thousands(target.batch),
            )
        } else {
            format!("Not converged at the limit of {iterations} iterations: {errors}.")
        };
        let what = if c.annual { "annual loss" } else { "breach cost" };
        ConvergenceChart {
            title: format!("Convergence of the {what}: {}", crate::text::truncate(&c.label, 40)),
            subtitle: label.subtitle.clone(),
            note,
            panels: [
                Panel {
                    name: "Mean",
                    colour: okabe_ito::BLUE,
                    points: pick(|r| (r.mean, r.mean_ci_low, r.mean_ci_high)),
                },
                Panel {
                    name: "p99",
                    colour: okabe_ito::VERMILLION,
                    points: pick(|r| (r.p99, r.p99_ci_low, r.p99_ci_high)),
                },
            ],
            max_iterations: c.iterations() as f64,
        }
    }
}

impl ConvergenceChart {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x_desc: &str,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<()> {
        let lo = panel.points.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
        let hi = panel.points.iter().map(|p| p.3).fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1.0);
        let (y_lo, y_hi) = ((lo - pad).max(0.0), hi + pad);
        let x_hi = self.max_iterations * 1.04;
        let mut chart = ChartBuilder::on(area)
            .margin_right(25)
            .margin_top(6)
            .x_label_area_size(if x_desc.is_empty() { 30 } else { 55 })
            .y_label_area_size(85)
            .build_cartesian_2d(0.0..x_hi.max(1.0), y_lo..y_hi)
            .map_err(fail)?;
        style::house_mesh(&mut chart.configure_mesh())
            .x_label_formatter(&format::count_axis_tick)
            .y_label_formatter(&format::money_axis_tick)
            .x_desc(x_desc)
            .y_desc(format!("{} (USD)", panel.name))
            .x_max_light_lines(1)
            .y_max_light_lines(1)
            .x_labels(10)
            .y_labels(5)
            .draw()
            .map_err(fail)?;
        let colour = panel.colour;
        if panel.points.len() >= 2 {
            let mut band: Vec<(f64, f64)> = panel.points.iter().map(|p| (p.0, p.2)).collect();
            band.extend(panel.points.iter().rev().map(|p| (p.0, p.3)));
            chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.18).filled()))).map_err(fail)?;
        }
        if panel.points.len() <= MAX_ERROR_BARS {
            chart
                .draw_series(
                    panel.points.iter().map(|p| PathElement::new(vec![(p.0, p.2), (p.0, p.3)], colour.stroke_width(2))),
                )
                .map_err(fail)?;
        }
        if let Some(last) = panel.points.last() {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, last.1), (x_hi, last.1)],
                    8,
                    6,
                    style::MUTED.stroke_width(1),
                ))
                .map_err(fail)?;
        }
        chart
            .draw_series(LineSeries::new(panel.points.iter().map(|p| (p.0, p.1)), colour.stroke_width(3)))
            .map_err(fail)?;
        if panel.points.len() <= MAX_ERROR_BARS {
            chart
                .draw_series(panel.points.iter().map(|p| Circle::new((p.0, p.1), 4, colour.filled())))
                .map_err(fail)?;
        }
        let entries = vec![
            LegendEntry::new(format!("{} and its 95% confidence interval", panel.name), Swatch::Band(colour, 0.18)),
            LegendEntry::new("final estimate", Swatch::Dashed(style::MUTED)),
        ];
        let (left, top) = chart.backend_coord(&(0.0, y_hi));
        let (right, bottom) = chart.backend_coord(&(x_hi, y_lo));
        let lines: Vec<Vec<(i32, i32)>> = [|p: &(f64, f64, f64, f64)| p.2, |p: &(f64, f64, f64, f64)| p.3]
            .iter()
            .map(|pick| panel.points.iter().map(|p| chart.backend_coord(&(p.0, pick(p)))).collect())
            .collect();
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::TopRight, Corner::BottomRight, Corner::TopLeft, Corner::BottomLeft],
        )
    }
}

impl Chart for ConvergenceChart {
    fn name(&self) -> &'static str {
        "convergence"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        if self.panels[0].points.is_empty() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No batches were simulated");
        }
        let (_, h) = area.dim_in_pixel();
        let (top, bottom) = area.split_vertically((h as i32 - 25) / 2);
        self.draw_panel(&top, &self.panels[0], "", root)?;
        self.draw_panel(&bottom, &self.panels[1], "Iterations simulated", root)?;
        Ok(())
    }
}
