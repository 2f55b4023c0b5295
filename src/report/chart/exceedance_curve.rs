//! `exceedance_curve`: the chance that the loss exceeds an amount, both on log axes, with
//! return periods on the right. Annual mode: the portfolio's AEP (the year's total) and OEP
//! (the year's largest breach), and the same for the exposure with the largest mean at the
//! reported return periods, and where systemic events are simulated the portfolio's AEP
//! without them. Breach mode: the chance that one breach costs more, per exposure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{Chart, RunLabel};
use crate::engine::Model;
use crate::error::Result;
use crate::report::format;
use crate::run::{ExposureResult, RunResults};
use crate::stats::{LogHistogram, RETURN_PERIODS};

/// Breach mode draws at most this many exposures (the largest means).
const MAX_EXPOSURES: usize = 5;

#[derive(Clone, Copy, PartialEq)]
enum Line {
    Solid,
    WithPoints,
}

struct Curve {
    label: String,
    colour: RGBColor,
    line: Line,
    /// (loss, exceedance probability), both > 0, loss ascending.
    points: Vec<(f64, f64)>,
}

pub struct ExceedanceChart {
    title: String,
    subtitle: String,
    note: String,
    y_desc: &'static str,
    y2_desc: &'static str,
    x_desc: &'static str,
    curves: Vec<Curve>,
    /// The smallest probability the run can resolve: 1 / iterations.
    min_probability: f64,
}

impl ExceedanceChart {
    pub fn from_run(model: &Model, results: &RunResults, label: &RunLabel) -> Self {
        let iterations = model.settings.iterations.max(1);
        let mut ranked: Vec<&ExposureResult> = results.exposures.iter().collect();
        ranked.sort_by(|a, b| b.measures.gross.summary.mean.total_cmp(&a.measures.gross.summary.mean));
        let mut curves = Vec::new();
        let note;
        if let (true, Some(aep), Some(oep)) =
            (label.annual, results.portfolio_gross.as_ref(), results.portfolio_largest_gross.as_ref())
        {
            let subject = if results.exposures.len() == 1 { "" } else { "Portfolio " };
            curves.push(Curve {
                label: format!("{subject}AEP: total loss in a year"),
                colour: okabe_ito::BLUE,
                line: Line::Solid,
                points: histogram_curve(&LogHistogram::of(aep)),
            });
            curves.push(Curve {
                label: format!("{subject}OEP: largest single breach in a year"),
                colour: okabe_ito::VERMILLION,
                line: Line::Solid,
                points: histogram_curve(&LogHistogram::of(oep)),
            });
            if let Some(independent) = &results.portfolio_independent {
                // What the accumulation (systemic) events add to the tail: the gap between the
                // two aggregate curves.
                curves.push(Curve {
                    label: format!("{subject}AEP without systemic events, at return periods 2–1,000"),
                    colour: okabe_ito::BLUISH_GREEN,
                    line: Line::WithPoints,
                    points: return_period_curve(&independent.gross.aggregate_ep),
                });
            }
            if let (Some(r), Some(p)) = (&results.reinsurance, &results.portfolio) {
                // What the insurer pays, and keeps after its treaties.
                curves.push(Curve {
                    label: format!("{subject}insured AEP, at return periods 2–1,000"),
                    colour: okabe_ito::REDDISH_PURPLE,
                    line: Line::WithPoints,
                    points: return_period_curve(&p.insured.aggregate_ep),
                });
                curves.push(Curve {
                    label: format!("{subject}net AEP after reinsurance"),
                    colour: okabe_ito::BLACK,
                    line: Line::WithPoints,
                    points: return_period_curve(&r.net.aggregate_ep),
                });
            }
            if let (true, Some(top)) = (results.exposures.len() > 1, ranked.first()) {
                let id = crate::text::truncate(&top.id, 24);
                let gross = &top.measures.gross;
                curves.push(Curve {
                    label: format!("Exposure {id} AEP (largest mean), at return periods 2–1,000"),
                    colour: okabe_ito::SKY_BLUE,
                    line: Line::WithPoints,
                    points: return_period_curve(&gross.aggregate_ep),
                });
                if let Some(occurrence) = &gross.occurrence_ep {
                    curves.push(Curve {
                        label: format!("Exposure {id} OEP"),
                        colour: okabe_ito::ORANGE,
                        line: Line::WithPoints,
                        points: return_period_curve(occurrence),
                    });
                }
            }
            let nonzero = results.portfolio.as_ref().map_or(0.0, |p| p.gross.summary.prob_nonzero);
            note = format!(
                "Read across: the chance in any one year that the loss exceeds the amount below. {} of years have a loss, so the curves start there.",
                format::percent(nonzero)
            );
        } else {
            for (i, e) in ranked.iter().take(MAX_EXPOSURES).enumerate() {
                curves.push(Curve {
                    label: crate::text::truncate(&e.id, 30),
                    colour: style::series_colour(i),
                    line: Line::Solid,
                    points: e.gross_histogram.as_ref().map(histogram_curve).unwrap_or_default(),
                });
            }
            let shown = if results.exposures.len() > MAX_EXPOSURES {
                format!(
                    " The {MAX_EXPOSURES} exposures with the largest mean of {}.",
                    format::thousands(results.exposures.len() as u64)
                )
            } else {
                String::new()
            };
            note = format!("Read across: the chance that one breach costs more than the amount below.{shown}");
        }
        let (title, x_desc, y_desc, y2_desc) = if label.annual {
            (
                "Loss exceedance curve: how likely is a year this bad?".to_string(),
                "Loss (USD, log scale)",
                "Annual exceedance probability",
                "Return period (years)",
            )
        } else {
            (
                match results.exposures.as_slice() {
                    [only] => format!("Breach cost exceedance curve: {}", crate::text::truncate(&only.id, 40)),
                    _ => "Breach cost exceedance curve".to_string(),
                },
                "Cost of one breach (USD, log scale)",
                "Probability that a breach costs more",
                "Return period (breaches)",
            )
        };
        ExceedanceChart {
            title,
            subtitle: label.subtitle.clone(),
            note,
            x_desc,
            y_desc,
            y2_desc,
            curves,
            min_probability: 1.0 / iterations as f64,
        }
    }
}

impl ExceedanceChart {
    /// Where the solid curves stop being flat: the smallest loss at which one of them has
    /// fallen to 90% of its starting probability. Smaller losses are left off the x axis
    /// (they only repeat the chance of any loss at all).
    fn flat_start(&self) -> f64 {
        self.curves
            .iter()
            .filter(|c| c.line == Line::Solid)
            .filter_map(|c| {
                let first = c.points.first()?.1;
                c.points.iter().find(|p| p.1 <= 0.9 * first).map(|p| p.0)
            })
            .fold(f64::INFINITY, f64::min)
    }
}

/// The points at or above `start`, led by a point at `start` carrying the probability there.
fn clip_left(points: &[(f64, f64)], start: f64) -> Vec<(f64, f64)> {
    if !start.is_finite() {
        return points.to_vec();
    }
    let floor = 10f64.powf(start.log10().floor());
    let kept = points.partition_point(|p| p.0 < floor);
    let mut out = Vec::with_capacity(points.len() - kept + 1);
    if kept > 0 {
        out.push((floor, points[kept - 1].1));
    }
    out.extend_from_slice(&points[kept..]);
    out
}

/// P(loss ≥ bin start) at each bin start from the smallest to the largest nonzero loss.
fn histogram_curve(h: &LogHistogram) -> Vec<(f64, f64)> {
    let iterations = h.iterations.max(1) as f64;
    let mut above: u64 = h.counts.iter().sum();
    let mut points = Vec::new();
    for (i, count) in h.counts.iter().enumerate() {
        if above == 0 {
            break;
        }
        if !points.is_empty() || *count > 0 {
            points.push((LogHistogram::bin_start(i), above as f64 / iterations));
        }
        above -= count;
    }
    points
}

/// (loss, 1/T) at the reported return periods T where the loss is above zero.
fn return_period_curve(losses: &[f64]) -> Vec<(f64, f64)> {
    RETURN_PERIODS
        .iter()
        .zip(losses)
        .filter(|(_, loss)| **loss > 0.0 && loss.is_finite())
        .map(|(t, loss)| (*loss, 1.0 / f64::from(*t)))
        .collect()
}

impl Chart for ExceedanceChart {
    fn name(&self) -> &'static str {
        "exceedance_curve"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        let start = self.flat_start();
        let curves: Vec<Vec<(f64, f64)>> = self.curves.iter().map(|c| clip_left(&c.points, start)).collect();
        let points = || curves.iter().flat_map(|c| c.iter());
        let lo = points().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = points().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No iteration had a loss above $0");
        }
        let (x_lo, x_hi) = style::decades(lo, hi * 1.01, 2);
        let y_lo = self.min_probability.log10().floor().min(-1.0) as i32;
        let x_range = || style::Ticked::decades(x_lo, x_hi);
        let y_range = || style::Ticked::decades(y_lo, 0);
        let mut chart = ChartBuilder::on(&area)
            .margin_top(5)
            .margin_right(10)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .right_y_label_area_size(95)
            .build_cartesian_2d(x_range(), y_range())
            .map_err(fail)?
            .set_secondary_coord(x_range(), y_range());
        style::house_mesh(&mut chart.configure_mesh())
            .x_label_formatter(&format::money_tick)
            .y_label_formatter(&format::probability_tick)
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .draw()
            .map_err(fail)?;
        chart
            .configure_secondary_axes()
            .y_label_formatter(&format::return_period_tick)
            .y_desc(self.y2_desc)
            .axis_desc_style(style::text(style::AXIS_TITLE_SIZE, style::INK))
            .label_style(style::text(style::TICK_SIZE, style::INK))
            .draw()
            .map_err(fail)?;

        // Curves often coincide (AEP and OEP when years rarely have two breaches): each is
        // drawn thinner than the one before, so that all stay visible.
        for (i, (c, points)) in self.curves.iter().zip(&curves).enumerate() {
            let logged: Vec<(f64, f64)> = points.iter().map(|(x, p)| (x.log10(), p.log10())).collect();
            let width = if i % 2 == 0 { 4 } else { 2 };
            chart.draw_series(LineSeries::new(logged.iter().copied(), c.colour.stroke_width(width))).map_err(fail)?;
            if c.line == Line::WithPoints {
                let radius = if i % 2 == 0 { 6 } else { 3 };
                chart.draw_series(logged.iter().map(|p| Circle::new(*p, radius, c.colour.filled()))).map_err(fail)?;
            }
        }

        if self.curves.len() == 1 {
            // The title names the only exposure.
            return Ok(());
        }
        let entries: Vec<LegendEntry> = self
            .curves
            .iter()
            .map(|c| {
                let swatch = match c.line {
                    Line::Solid => Swatch::Line(c.colour),
                    Line::WithPoints => Swatch::LineWithPoints(c.colour),
                };
                LegendEntry::new(c.label.clone(), swatch)
            })
            .collect();
        let (right, top) = chart.backend_coord(&(f64::from(x_hi), 0.0));
        let (left, bottom) = chart.backend_coord(&(f64::from(x_lo), f64::from(y_lo)));
        let lines: Vec<Vec<(i32, i32)>> = curves
            .iter()
            .map(|points| points.iter().map(|(x, p)| chart.backend_coord(&(x.log10(), p.log10()))).collect())
            .collect();
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::TopRight, Corner::BottomLeft, Corner::BottomRight, Corner::TopLeft],
        )?;
        Ok(())
    }
}
