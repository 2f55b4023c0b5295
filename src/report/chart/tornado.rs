//! `tornado`: what drives the mean. One horizontal bar per input, largest swing on top,
//! from the mean with the input at its 10th percentile to the mean with it at its 90th,
//! around a line at the baseline mean. The ends are labelled with the input's values; the
//! labels on the left name the input and its share of the total swing.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{Chart, RunLabel};
use crate::analysis::sensitivity::{Row, Sensitivity};
use crate::error::Result;
use crate::report::format::{self, money};
use crate::report::sensitivity_table::input_value;

/// Inputs shown at most (the largest swings); the CSV holds all.
const MAX_BARS: usize = 14;
const LOW_COLOUR: RGBColor = okabe_ito::BLUE;
const HIGH_COLOUR: RGBColor = okabe_ito::ORANGE;
const X_LABEL_AREA: u32 = 55;
/// A bar slot is never taller than this (few inputs would give fat bars).
const MAX_SLOT: f64 = 48.0;

struct Bar {
    label: String,
    low_mean: f64,
    high_mean: f64,
    low_text: String,
    high_text: String,
}

pub struct TornadoChart {
    title: String,
    subtitle: String,
    note: String,
    x_desc: &'static str,
    baseline: f64,
    bars: Vec<Bar>,
}

impl TornadoChart {
    pub fn from_sensitivity(s: &Sensitivity, label: &RunLabel) -> Self {
        let moving: Vec<&Row> = s.rows.iter().filter(|r| r.swing > 0.0).collect();
        let still = s.rows.len() - moving.len();
        let bars = moving
            .iter()
            .take(MAX_BARS)
            .map(|r| Bar {
                label: format!("{} ({})", crate::text::truncate(&r.input, 34), format::percent(s.share_of_swing(r))),
                low_mean: r.mean_at_low,
                high_mean: r.mean_at_high,
                low_text: input_value(r.kind, r.low_value),
                high_text: input_value(r.kind, r.high_value),
            })
            .collect();
        let what = if s.annual { "annual loss" } else { "breach cost" };
        let mut note = format!(
            "Each bar: the mean {what} with one input at its 10th (blue) and 90th (orange) percentile, all else random (same draws). Baseline {}.",
            money(s.baseline.mean)
        );
        if moving.len() > MAX_BARS {
            note.push_str(&format!(" {} more inputs in sensitivity.csv.", moving.len() - MAX_BARS));
        }
        if still > 0 {
            note.push_str(&format!(" {still} inputs do not move it."));
        }
        let (title, x_desc) = if s.annual {
            (
                format!("What drives the expected annual loss: {}", crate::text::truncate(&s.target, 30)),
                "Mean annual loss (USD)",
            )
        } else {
            (
                format!("What drives the mean cost of a breach: {}", crate::text::truncate(&s.target, 30)),
                "Mean cost of one breach (USD)",
            )
        };
        TornadoChart { title, subtitle: label.subtitle.clone(), note, x_desc, baseline: s.baseline.mean, bars }
    }
}

/// Tick label of the money axis; the padding left of $0 has no ticks.
fn money_or_blank(value: &f64) -> String {
    if *value < 0.0 {
        String::new()
    } else {
        format::money_axis_tick(value)
    }
}

impl Chart for TornadoChart {
    fn name(&self) -> &'static str {
        "tornado"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        if self.bars.is_empty() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No input moves the mean");
        }
        let tick_style = style::text(style::TICK_SIZE, style::INK);
        let value_style = style::text(style::NOTE_SIZE, style::INK);
        let mut y_label_area = 0;
        for b in &self.bars {
            y_label_area = y_label_area.max(area.estimate_text_size(&b.label, &tick_style).map_err(fail)?.0);
        }
        let mut value_width = 0;
        for b in &self.bars {
            for t in [&b.low_text, &b.high_text] {
                value_width = value_width.max(area.estimate_text_size(t, &value_style).map_err(fail)?.0);
            }
        }

        let lo = self.bars.iter().map(|b| b.low_mean.min(b.high_mean)).fold(self.baseline, f64::min);
        let hi = self.bars.iter().map(|b| b.low_mean.max(b.high_mean)).fold(self.baseline, f64::max);
        let span = (hi - lo).max(hi.abs() * 0.01).max(1.0);
        // Room for the value labels beside the bars: the share of the plot they take.
        let (w, h) = area.dim_in_pixel();
        let plot_w = (w as f64 - f64::from(y_label_area) - 40.0).max(200.0);
        let pad = span * (f64::from(value_width) + 14.0) / (plot_w - 2.0 * (f64::from(value_width) + 14.0)).max(50.0);
        let (x_lo, x_hi) = (lo - pad, hi + pad);

        let n = self.bars.len() as f64;
        let plot_h = (f64::from(h) - f64::from(X_LABEL_AREA) - 30.0).max(1.0);
        let slots = n.max(plot_h / MAX_SLOT);
        let extra = (slots - n) / 2.0;
        let centres: Vec<f64> = (0..self.bars.len()).map(|rank| n - 1.0 - rank as f64 + 0.5).collect();
        let labels: Vec<(f64, String)> = centres.iter().zip(&self.bars).map(|(c, b)| (*c, b.label.clone())).collect();
        let y_tick =
            |v: &f64| labels.iter().find(|(c, _)| (c - v).abs() < 1e-6).map(|(_, l)| l.clone()).unwrap_or_default();
        // The top slot keeps room for the baseline's label.
        let mut chart = ChartBuilder::on(&area)
            .margin_right(20)
            .margin_top(4)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area + 16)
            .build_cartesian_2d(x_lo..x_hi, style::Ticked::new(-extra..n + extra + 0.6, centres.clone(), Vec::new()))
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_label_formatter(&money_or_blank)
            .y_label_formatter(&y_tick)
            .x_desc(self.x_desc)
            .axis_desc_style(style::text(style::AXIS_TITLE_SIZE, style::INK))
            .label_style(tick_style.clone())
            .bold_line_style(style::GRID)
            .light_line_style(style::GRID_LIGHT)
            .x_max_light_lines(1)
            .x_labels(8)
            .draw()
            .map_err(fail)?;

        let (bx, by) = area.get_base_pixel();
        for (bar, centre) in self.bars.iter().zip(&centres) {
            let (y0, y1) = (centre - 0.32, centre + 0.32);
            // The longer side first, so that one inside the other stays visible.
            let mut sides = [(bar.low_mean, LOW_COLOUR), (bar.high_mean, HIGH_COLOUR)];
            sides.sort_by(|a, b| (b.0 - self.baseline).abs().total_cmp(&(a.0 - self.baseline).abs()));
            for (end, colour) in sides {
                if end == self.baseline {
                    continue;
                }
                chart
                    .draw_series([
                        Rectangle::new([(self.baseline, y0), (end, y1)], colour.filled()),
                        Rectangle::new([(self.baseline, y0), (end, y1)], WHITE.stroke_width(1)),
                    ])
                    .map_err(fail)?;
            }
            // The input's values beside the ends they produce.
            let (left, right) = if bar.low_mean <= bar.high_mean {
                ((bar.low_mean, &bar.low_text), (bar.high_mean, &bar.high_text))
            } else {
                ((bar.high_mean, &bar.high_text), (bar.low_mean, &bar.low_text))
            };
            let (lx, y) = chart.backend_coord(&(left.0.min(self.baseline), *centre));
            let (rx, _) = chart.backend_coord(&(right.0.max(self.baseline), *centre));
            area.draw(&Text::new(
                left.1.clone(),
                (lx - 6 - bx, y - by),
                style::anchored(style::NOTE_SIZE, style::INK, HPos::Right, VPos::Center),
            ))
            .map_err(fail)?;
            area.draw(&Text::new(
                right.1.clone(),
                (rx + 6 - bx, y - by),
                style::anchored(style::NOTE_SIZE, style::INK, HPos::Left, VPos::Center),
            ))
            .map_err(fail)?;
        }

        // The baseline.
        let (x, top) = chart.backend_coord(&(self.baseline, n + extra + 0.6));
        let (_, bottom) = chart.backend_coord(&(self.baseline, -extra));
        area.draw(&PathElement::new(vec![(x - bx, top + 14 - by), (x - bx, bottom - by)], style::INK.stroke_width(2)))
            .map_err(fail)?;
        area.draw(&Text::new(
            format!("baseline {}", money(self.baseline)),
            (x - bx, top + 2 - by),
            style::anchored(style::NOTE_SIZE, style::INK, HPos::Center, VPos::Top),
        ))
        .map_err(fail)?;

        let entries = vec![
            LegendEntry::new("input at its 10th percentile", Swatch::Fill(LOW_COLOUR, 1.0)),
            LegendEntry::new("input at its 90th percentile", Swatch::Fill(HIGH_COLOUR, 1.0)),
        ];
        let (left, top) = chart.backend_coord(&(x_lo, n + extra + 0.6));
        let (right, bottom) = chart.backend_coord(&(x_hi, -extra));
        // The bars with their value labels, and the baseline: what the legend should not cover.
        let mut lines: Vec<Vec<(i32, i32)>> = Vec::new();
        for (bar, centre) in self.bars.iter().zip(&centres) {
            let (a, y) = chart.backend_coord(&(bar.low_mean.min(bar.high_mean).min(self.baseline), *centre));
            let (b, _) = chart.backend_coord(&(bar.low_mean.max(bar.high_mean).max(self.baseline), *centre));
            let (from, to) = (a - value_width as i32 - 8, b + value_width as i32 + 8);
            lines.push((0..=8).map(|k| (from + (to - from) * k / 8, y)).collect());
        }
        lines.push(vec![(x, top), (x, bottom)]);
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::BottomRight, Corner::BottomLeft, Corner::TopRight, Corner::TopLeft],
        )?;
        Ok(())
    }
}
