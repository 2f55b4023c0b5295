//! The charts of `breachcost compare`:
//!
//! - `compare_exceedance`: the target's loss at each reported return period for the baseline
//!   and each alternative, both on log axes: gross loss solid, retained loss dashed, one
//!   colour per configuration.
//! - `compare_savings`: what each alternative saves against the baseline (baseline −
//!   alternative, positive when it costs less), with the 95% intervals of the paired
//!   differences: the mean gross and retained loss on the left, the gross TVaR 99% on the
//!   right (on its own scale: tail savings are often many times the mean's).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{render_chart, Chart, Rendered};
use crate::analysis::compare::{Alternative, Comparison, Outcome};
use crate::analysis::paired::Difference;
use crate::error::Result;
use crate::input::Mode;
use crate::report::format::{self, money, thousands};
use crate::report::ReportFile;
use crate::stats::RETURN_PERIODS;

/// The statistics' places in [`crate::analysis::paired::STATISTICS`].
const MEAN: usize = 0;
const TVAR99: usize = 3;
/// The measures' places in [`crate::analysis::paired::MEASURES`].
const GROSS: usize = 0;
const RETAINED: usize = 1;

const BASELINE_COLOUR: RGBColor = style::INK;
const GROSS_COLOUR: RGBColor = okabe_ito::BLUE;
const RETAINED_COLOUR: RGBColor = okabe_ito::ORANGE;
const X_LABEL_AREA: u32 = 55;
/// Characters of a configuration's name shown in a chart.
const NAME_CHARS: usize = 28;

/// `charts/compare_exceedance.{png,svg}` and `charts/compare_savings.{png,svg}`.
pub fn render(comparison: &Comparison) -> Result<Vec<ReportFile>> {
    Ok(charts(comparison)?.into_iter().flat_map(Rendered::into_files).collect())
}

/// The two charts, rendered both ways (the page shows their SVG text).
pub(in crate::report) fn charts(comparison: &Comparison) -> Result<Vec<Rendered>> {
    style::register_font()?;
    let subtitle = subtitle(comparison);
    Ok(vec![
        render_chart(&ExceedanceChart::from_comparison(comparison, &subtitle))?,
        render_chart(&SavingsChart::from_comparison(comparison, &subtitle))?,
    ])
}

/// One line of run metadata for the charts' subtitles.
fn subtitle(c: &Comparison) -> String {
    let unit = if c.mode == Mode::Annual { "simulated years" } else { "simulated breaches" };
    format!(
        "breachcost {} · compare · {} · {} mode · {} {unit} · seed {}",
        env!("CARGO_PKG_VERSION"),
        crate::text::truncate(&c.target, 40),
        c.mode.as_str(),
        thousands(c.iterations),
        c.seed
    )
}

/// Tick label of a linear money axis that may be negative: `-$500K`, `$0`, `$1M`.
fn signed_money_tick(value: &f64) -> String {
    if *value < 0.0 {
        format!("-{}", format::money_axis_tick(&-value))
    } else {
        format::money_axis_tick(value)
    }
}

/// One configuration's curves, as (log10 return period, log10 loss) where the loss is above 0.
struct Curves {
    name: String,
    colour: RGBColor,
    /// Per measure: gross, retained.
    points: [Vec<(f64, f64)>; 2],
}

impl Curves {
    fn of(outcome: &Outcome, colour: RGBColor) -> Self {
        let points = [GROSS, RETAINED].map(|m| {
            RETURN_PERIODS
                .iter()
                .zip(&outcome.exceedance[m])
                .filter(|(_, loss)| **loss > 0.0 && loss.is_finite())
                .map(|(t, loss)| (f64::from(*t).log10(), loss.log10()))
                .collect()
        });
        Curves { name: crate::text::truncate(&outcome.name, NAME_CHARS), colour, points }
    }
}

pub struct ExceedanceChart {
    title: String,
    subtitle: String,
    note: String,
    x_desc: &'static str,
    y_desc: &'static str,
    /// The baseline first.
    configurations: Vec<Curves>,
}

impl ExceedanceChart {
    fn from_comparison(c: &Comparison, subtitle: &str) -> Self {
        let mut configurations = vec![Curves::of(&c.baseline, BASELINE_COLOUR)];
        for (i, alt) in c.alternatives.iter().enumerate() {
            configurations.push(Curves::of(&alt.outcome, style::series_colour(i)));
        }
        let annual = c.mode == Mode::Annual;
        let (title, x_desc, y_desc, what) = if annual {
            (
                format!("How bad a year can get, per configuration: {}", crate::text::truncate(&c.target, 30)),
                "Return period: once in this many years (log scale)",
                "Annual loss (USD, log scale)",
                "years",
            )
        } else {
            (
                format!("How bad a breach can get, per configuration: {}", crate::text::truncate(&c.target, 30)),
                "Return period: once in this many breaches (log scale)",
                "Cost of one breach (USD, log scale)",
                "breaches",
            )
        };
        let note = format!(
            "The loss exceeded once in so many {what}: gross solid, retained (what the insured keeps) dashed. \
             Losses of $0 are not drawn."
        );
        ExceedanceChart { title, subtitle: subtitle.to_string(), note, x_desc, y_desc, configurations }
    }
}

/// Tick label of the log10 return-period axis: `2`, `100`, `1,000`.
fn period_tick(log10: &f64) -> String {
    thousands(10f64.powf(*log10).round() as u64)
}

impl Chart for ExceedanceChart {
    fn name(&self) -> &'static str {
        "compare_exceedance"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        let losses = || self.configurations.iter().flat_map(|c| c.points.iter().flatten()).map(|p| p.1);
        let lo = losses().fold(f64::INFINITY, f64::min);
        let hi = losses().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No configuration has a loss above $0");
        }
        let (y_lo, y_hi) = style::nice_log_range(10f64.powf(lo), 10f64.powf(hi), 1.0);
        let periods = |list: &[u32]| list.iter().map(|t| f64::from(*t).log10()).collect::<Vec<f64>>();
        let x_range = style::Ticked::new(
            2f64.log10() - 0.06..3.0 + 0.06,
            periods(&[2, 5, 10, 20, 50, 100, 200, 500, 1000]),
            periods(&[25, 250]),
        );
        let mut chart = ChartBuilder::on(&area)
            .margin_top(5)
            .margin_right(30)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range, style::Ticked::log(y_lo, y_hi))
            .map_err(fail)?;
        style::house_mesh(&mut chart.configure_mesh())
            .x_label_formatter(&period_tick)
            .y_label_formatter(&format::money_tick)
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .draw()
            .map_err(fail)?;

        // The baseline thickest and first, so that alternatives on top of it stay visible.
        for (i, c) in self.configurations.iter().enumerate() {
            let (width, radius) = if i == 0 { (4, 5) } else { (2, 3) };
            let [gross, retained] = &c.points;
            chart
                .draw_series(DashedLineSeries::new(retained.iter().copied(), 9, 6, c.colour.stroke_width(width)))
                .map_err(fail)?;
            chart.draw_series(LineSeries::new(gross.iter().copied(), c.colour.stroke_width(width))).map_err(fail)?;
            chart.draw_series(gross.iter().map(|p| Circle::new(*p, radius, c.colour.filled()))).map_err(fail)?;
        }

        let mut entries: Vec<LegendEntry> = self
            .configurations
            .iter()
            .map(|c| LegendEntry::new(c.name.clone(), Swatch::LineWithPoints(c.colour)))
            .collect();
        entries.push(LegendEntry::new("gross loss", Swatch::Line(style::MUTED)));
        entries.push(LegendEntry::new("retained loss", Swatch::Dashed(style::MUTED)));
        let (x_lo, x_hi) = (2f64.log10() - 0.06, 3.06);
        let (left, top) = chart.backend_coord(&(x_lo, y_hi));
        let (right, bottom) = chart.backend_coord(&(x_hi, y_lo));
        let lines: Vec<Vec<(i32, i32)>> = self
            .configurations
            .iter()
            .flat_map(|c| c.points.iter())
            .map(|points| points.iter().map(|p| chart.backend_coord(p)).collect())
            .collect();
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::TopLeft, Corner::BottomRight, Corner::TopRight, Corner::BottomLeft],
        )
    }
}

/// What an alternative saves on one statistic, and the 95% interval of the saving.
#[derive(Debug, Clone, Copy)]
struct Saving {
    value: f64,
    ci: Option<(f64, f64)>,
}

impl Saving {
    fn of(d: &Difference) -> Self {
        Saving {
            value: -d.difference,
            ci: d.ci.filter(|(lo, hi)| lo.is_finite() && hi.is_finite()).map(|(lo, hi)| (-hi, -lo)),
        }
    }

    /// The smallest and largest of the value, 0 and the interval.
    fn extent(&self) -> (f64, f64) {
        let (lo, hi) = self.ci.unwrap_or((self.value, self.value));
        (lo.min(self.value).min(0.0), hi.max(self.value).max(0.0))
    }
}

/// One alternative's bars.
struct Group {
    label: String,
    mean_gross: Option<Saving>,
    mean_retained: Option<Saving>,
    tvar_gross: Option<Saving>,
}

fn saving(alt: &Alternative, measure: usize, statistic: usize) -> Option<Saving> {
    let row = alt.rows.iter().take(3).find(|r| r.measure == measure)?;
    row.differences.get(statistic).filter(|d| d.difference.is_finite()).map(Saving::of)
}

pub struct SavingsChart {
    title: String,
    subtitle: String,
    notes: [String; 2],
    headings: [String; 2],
    x_desc: &'static str,
    /// The first alternative first (on top).
    groups: Vec<Group>,
}

impl SavingsChart {
    fn from_comparison(c: &Comparison, subtitle: &str) -> Self {
        let groups = c
            .alternatives
            .iter()
            .map(|alt| Group {
                label: crate::text::truncate(&alt.outcome.name, NAME_CHARS),
                mean_gross: saving(alt, GROSS, MEAN),
                mean_retained: saving(alt, RETAINED, MEAN),
                tvar_gross: saving(alt, GROSS, TVAR99),
            })
            .collect();
        let annual = c.mode == Mode::Annual;
        let (what, units) = if annual { ("annual loss", "years") } else { ("cost of a breach", "breaches") };
        SavingsChart {
            title: format!("What each alternative saves against {}", crate::text::truncate(&c.baseline.name, 30)),
            subtitle: subtitle.to_string(),
            notes: [
                "Saving = baseline − alternative (positive: the alternative costs less), with the 95% interval of \
                 the paired difference."
                    .to_string(),
                format!(
                    "All runs use the same random draws. TVaR 99%: the mean of the worst 1% of {units} (no interval \
                     when too few)."
                ),
            ],
            headings: [format!("Mean {what}"), format!("TVaR 99% of the gross {what}")],
            x_desc: "Saving (USD)",
            groups,
        }
    }
}

/// A plot's rectangle in pixels of the root: left, top, right, bottom.
type PlotRect = (i32, i32, i32, i32);
/// Pixels along a line, for a legend to avoid.
type Polyline = Vec<(i32, i32)>;

/// A bar to draw in a panel: its centre (y), colour and saving.
struct PanelBar {
    centre: f64,
    colour: RGBColor,
    saving: Saving,
}

/// Bar thickness in y units (a group is one unit tall).
const HALF_BAR: f64 = 0.17;
/// A group is never taller than this many pixels (one alternative would give fat bars).
const MAX_GROUP: f64 = 130.0;
/// Pixels between a bar's (or whisker's) end and its label.
const LABEL_GAP: i32 = 6;

impl SavingsChart {
    /// The group centres (y), top first, and the y range with room for at most
    /// [`MAX_GROUP`] pixels a group.
    fn layout(&self, plot_h: f64) -> (Vec<f64>, std::ops::Range<f64>) {
        let n = self.groups.len() as f64;
        let slots = n.max(plot_h / MAX_GROUP);
        let extra = (slots - n) / 2.0;
        let centres = (0..self.groups.len()).map(|g| n - 1.0 - g as f64 + 0.5).collect();
        (centres, -extra..n + extra)
    }

    /// Draws one panel of bars with value labels; returns its plot rectangle (root pixels) and
    /// the pixels its bars and labels cover, as lines for the legend to avoid.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        heading: &str,
        bars: &[PanelBar],
        y_range: std::ops::Range<f64>,
        centres: &[f64],
        y_label_area: u32,
    ) -> Result<(PlotRect, Vec<Polyline>)> {
        let value_style = style::text(style::NOTE_SIZE, style::INK);
        let mut value_width = 0;
        for b in bars {
            value_width =
                value_width.max(area.estimate_text_size(&money(b.saving.value), &value_style).map_err(fail)?.0);
        }
        let lo = bars.iter().map(|b| b.saving.extent().0).fold(0.0, f64::min);
        let hi = bars.iter().map(|b| b.saving.extent().1).fold(0.0, f64::max);
        let span = (hi - lo).max(hi.abs().max(lo.abs()) * 0.01).max(1.0);
        // Room beside the bars for their labels, on the sides they point to.
        let (w, _) = area.dim_in_pixel();
        let plot_w = (f64::from(w) - f64::from(y_label_area) - 20.0).max(120.0);
        let room = f64::from(value_width) + f64::from(LABEL_GAP) + 6.0;
        let left_room = if bars.iter().any(|b| b.saving.value < 0.0) { room } else { 12.0 };
        let right_room = if bars.iter().any(|b| b.saving.value >= 0.0) { room } else { 12.0 };
        let per_pixel = span / (plot_w - left_room - right_room).max(40.0);
        let (x_lo, x_hi) = (lo - left_room * per_pixel, hi + right_room * per_pixel);

        let labels: Vec<(f64, String)> = centres.iter().zip(&self.groups).map(|(c, g)| (*c, g.label.clone())).collect();
        let y_tick =
            |v: &f64| labels.iter().find(|(c, _)| (c - v).abs() < 1e-6).map(|(_, l)| l.clone()).unwrap_or_default();
        let mut chart = ChartBuilder::on(area)
            .margin_right(20)
            .margin_top(4)
            .caption(heading, style::text(style::AXIS_TITLE_SIZE, style::INK))
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(x_lo..x_hi, style::Ticked::new(y_range.clone(), centres.to_vec(), Vec::new()))
            .map_err(fail)?;
        style::house_mesh(&mut chart.configure_mesh())
            .disable_y_mesh()
            .x_label_formatter(&signed_money_tick)
            .y_label_formatter(&y_tick)
            .x_desc(self.x_desc)
            .x_max_light_lines(1)
            .x_labels(6)
            .draw()
            .map_err(fail)?;

        // Zero: no saving.
        chart
            .draw_series([PathElement::new(vec![(0.0, y_range.start), (0.0, y_range.end)], style::INK.stroke_width(1))])
            .map_err(fail)?;
        let (bx, by) = area.get_base_pixel();
        let (zero, top) = chart.backend_coord(&(0.0, y_range.end));
        let (_, bottom) = chart.backend_coord(&(0.0, y_range.start));
        let mut lines = vec![vec![(zero, top), (zero, bottom)]];
        for b in bars {
            let (y0, y1) = (b.centre - HALF_BAR, b.centre + HALF_BAR);
            let s = b.saving;
            chart.draw_series([Rectangle::new([(0.0, y0), (s.value, y1)], b.colour.filled())]).map_err(fail)?;
            if let Some((lo, hi)) = s.ci {
                let cap = HALF_BAR * 0.45;
                let whisker = style::INK.stroke_width(2);
                chart
                    .draw_series([
                        PathElement::new(vec![(lo, b.centre), (hi, b.centre)], whisker),
                        PathElement::new(vec![(lo, b.centre - cap), (lo, b.centre + cap)], whisker),
                        PathElement::new(vec![(hi, b.centre - cap), (hi, b.centre + cap)], whisker),
                    ])
                    .map_err(fail)?;
            }
            // The label beyond the bar's outer end, on the side it points to.
            let (outer_lo, outer_hi) = s.extent();
            let (text_x, anchor) = if s.value >= 0.0 {
                (chart.backend_coord(&(outer_hi, b.centre)).0 + LABEL_GAP, HPos::Left)
            } else {
                (chart.backend_coord(&(outer_lo, b.centre)).0 - LABEL_GAP, HPos::Right)
            };
            let (_, y) = chart.backend_coord(&(0.0, b.centre));
            area.draw(&Text::new(
                money(s.value),
                (text_x - bx, y - by),
                style::anchored(style::NOTE_SIZE, style::INK, anchor, VPos::Center),
            ))
            .map_err(fail)?;
            let (from, _) = chart.backend_coord(&(outer_lo, b.centre));
            let (to, _) = chart.backend_coord(&(outer_hi, b.centre));
            let (from, to) = if s.value >= 0.0 {
                (from, to + LABEL_GAP + value_width as i32)
            } else {
                (from - LABEL_GAP - value_width as i32, to)
            };
            for edge in [y0, b.centre, y1] {
                let (_, y) = chart.backend_coord(&(0.0, edge));
                lines.push(vec![(from, y), (to, y)]);
            }
        }
        let (left, top) = chart.backend_coord(&(x_lo, y_range.end));
        let (right, bottom) = chart.backend_coord(&(x_hi, y_range.start));
        Ok(((left, top, right, bottom), lines))
    }
}

impl Chart for SavingsChart {
    fn name(&self) -> &'static str {
        "compare_savings"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.notes[0], &self.notes[1]])?;
        if self.groups.is_empty() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No alternative to compare");
        }
        let tick_style = style::text(style::TICK_SIZE, style::INK);
        let mut y_label_area = 0;
        for g in &self.groups {
            y_label_area = y_label_area.max(area.estimate_text_size(&g.label, &tick_style).map_err(fail)?.0);
        }
        let y_label_area = y_label_area + 14;
        let (w, h) = area.dim_in_pixel();
        let plot_h = (f64::from(h) - f64::from(X_LABEL_AREA) - 40.0).max(1.0);
        let (centres, y_range) = self.layout(plot_h);
        // The mean panel (with the names) takes three fifths of the plotting width.
        let split = y_label_area + (f64::from(w.saturating_sub(y_label_area)) * 0.6) as u32;
        let (left, right) = area.split_horizontally(split);

        let two = centres
            .iter()
            .zip(&self.groups)
            .flat_map(|(c, g)| [(c + 0.2, GROSS_COLOUR, g.mean_gross), (c - 0.2, RETAINED_COLOUR, g.mean_retained)]);
        let mean_bars: Vec<PanelBar> =
            two.filter_map(|(centre, colour, s)| s.map(|saving| PanelBar { centre, colour, saving })).collect();
        let tvar_bars: Vec<PanelBar> = centres
            .iter()
            .zip(&self.groups)
            .filter_map(|(c, g)| g.tvar_gross.map(|saving| PanelBar { centre: *c, colour: GROSS_COLOUR, saving }))
            .collect();
        let (plot, lines) =
            self.panel(&left, &self.headings[0], &mean_bars, y_range.clone(), &centres, y_label_area)?;
        self.panel(&right.margin(0, 0, 16, 0), &self.headings[1], &tvar_bars, y_range, &centres, 0)?;

        let entries = vec![
            LegendEntry::new("gross loss", Swatch::Fill(GROSS_COLOUR, 1.0)),
            LegendEntry::new("retained loss", Swatch::Fill(RETAINED_COLOUR, 1.0)),
            LegendEntry::new("95% interval", Swatch::Line(style::INK)),
        ];
        // Inside the mean panel, where it covers the fewest bars and labels.
        style::place_legend(
            root,
            &entries,
            plot,
            &lines,
            &[Corner::BottomRight, Corner::TopRight, Corner::BottomLeft, Corner::TopLeft],
        )?;
        Ok(())
    }
}
