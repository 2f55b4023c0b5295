//! `backtest`: each real breach's actual cost (a point) against the cost the assumptions
//! predict for a breach of its size: the p5–p95 interval (a vertical bar) and the median
//! (a tick), on log axes by records affected.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{render_chart, Chart};
use crate::analysis::backtest::{CaseResult, Summary};
use crate::error::Result;
use crate::report::format;
use crate::report::ReportFile;

/// Renders `charts/backtest.png` and `charts/backtest.svg`.
pub fn render_backtest(
    results: &[CaseResult],
    summary: &Summary,
    iterations: u64,
    seed: u64,
) -> Result<Vec<ReportFile>> {
    style::register_font()?;
    let chart = BacktestChart::new(results, summary, iterations, seed);
    let r = render_chart(&chart)?;
    Ok(vec![
        ReportFile { path: format!("charts/{}.png", r.name), bytes: r.png },
        ReportFile { path: format!("charts/{}.svg", r.name), bytes: r.svg.into_bytes() },
    ])
}

struct Point {
    records: f64,
    actual: f64,
    p5: f64,
    p50: f64,
    p95: f64,
    inside: bool,
}

pub struct BacktestChart {
    subtitles: [String; 2],
    points: Vec<Point>,
}

impl BacktestChart {
    fn new(results: &[CaseResult], summary: &Summary, iterations: u64, seed: u64) -> Self {
        let points = results
            .iter()
            .map(|r| Point {
                records: r.affected as f64,
                actual: r.actual_cost,
                p5: r.p5,
                p50: r.p50,
                p95: r.p95,
                inside: r.inside_90,
            })
            .collect();
        BacktestChart {
            subtitles: [
                format!(
                    "breachcost {} · {} cases · {} simulated breaches per case · seed {}",
                    env!("CARGO_PKG_VERSION"),
                    summary.cases_used,
                    format::thousands(iterations),
                    seed
                ),
                format!(
                    "90% interval coverage {} · median actual/p50 {:.2} · KS D = {:.3}, p = {:.3}",
                    format::percent(summary.coverage_90),
                    summary.median_actual_over_p50,
                    summary.ks_statistic,
                    summary.ks_p_value
                ),
            ],
            points,
        }
    }
}

impl Chart for BacktestChart {
    fn name(&self) -> &'static str {
        "backtest"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(
            root,
            "Backtest: actual breach costs vs the model's p5–p95 interval",
            &[&self.subtitles[0], &self.subtitles[1]],
        )?;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let ys = || self.points.iter().flat_map(|p| [p.actual, p.p5, p.p50, p.p95]).filter(|v| positive(*v));
        let y_min = ys().fold(f64::INFINITY, f64::min);
        let y_max = ys().fold(0.0, f64::max);
        let (y_lo, y_hi) = if y_max > 0.0 { style::decades(y_min, y_max, 2) } else { (4, 9) };
        // One decade of headroom keeps the legend clear of the data.
        let y_hi = y_hi + 1;
        let x_min = self.points.iter().map(|p| p.records).fold(f64::INFINITY, f64::min);
        let x_max = self.points.iter().map(|p| p.records).fold(0.0, f64::max);
        let (x_lo, x_hi) = if x_max > 0.0 { style::decades(x_min, x_max, 2) } else { (3, 9) };
        let mut chart =
            style::records_cost_chart(&area, (x_lo, x_hi), (y_lo, y_hi), "Cost of the breach (USD, log scale)")?;
        let floor = 10f64.powi(y_lo);
        let log = |x: f64, y: f64| (x.log10(), y.max(floor).log10());

        // Predicted intervals: a bar from p5 to p95 with caps, the median as a diamond.
        let band = okabe_ito::BLUE;
        for p in self.points.iter().filter(|p| positive(p.p95)) {
            let (x, lo) = log(p.records, p.p5);
            let (_, hi) = log(p.records, p.p95);
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x, lo), (x, hi)], band.mix(0.45).stroke_width(9))))
                .map_err(fail)?;
            for y in [lo, hi] {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((x, y)) + PathElement::new(vec![(-8, 0), (8, 0)], band.stroke_width(2)),
                    ))
                    .map_err(fail)?;
            }
        }
        chart
            .draw_series(self.points.iter().filter(|p| positive(p.p50)).map(|p| {
                EmptyElement::at(log(p.records, p.p50))
                    + Polygon::new(vec![(0, -7), (7, 0), (0, 7), (-7, 0)], band.filled())
                    + PathElement::new(vec![(0, -7), (7, 0), (0, 7), (-7, 0), (0, -7)], WHITE.stroke_width(1))
            }))
            .map_err(fail)?;

        // Actual costs: filled inside the interval, vermillion outside it.
        chart
            .draw_series(self.points.iter().filter(|p| positive(p.actual)).map(|p| {
                let colour = if p.inside { okabe_ito::BLACK } else { okabe_ito::VERMILLION };
                EmptyElement::at(log(p.records, p.actual))
                    + Circle::new((0, 0), 6, colour.filled())
                    + Circle::new((0, 0), 6, WHITE.stroke_width(1))
            }))
            .map_err(fail)?;

        let entries = vec![
            LegendEntry::new("model p5–p95 interval for a breach of this size", Swatch::Fill(band, 0.45)),
            LegendEntry::new("model median (p50)", Swatch::Point(band)),
            LegendEntry::new("actual cost, inside the interval", Swatch::Point(okabe_ito::BLACK)),
            LegendEntry::new("actual cost, outside the interval", Swatch::Point(okabe_ito::VERMILLION)),
        ];
        let (left, top) = chart.backend_coord(&(f64::from(x_lo), f64::from(y_hi)));
        let (right, bottom) = chart.backend_coord(&(f64::from(x_hi), f64::from(y_lo)));
        let mut lines: Vec<Vec<(i32, i32)>> = Vec::new();
        for p in &self.points {
            let column: Vec<(i32, i32)> = [p.p5, p.p50, p.p95, p.actual]
                .iter()
                .filter(|v| positive(**v))
                .map(|v| chart.backend_coord(&log(p.records, *v)))
                .collect();
            lines.push(column);
        }
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::TopLeft, Corner::BottomRight, Corner::TopRight, Corner::BottomLeft],
        )?;
        Ok(())
    }
}
