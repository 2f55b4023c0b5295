//! `loss_distribution`: how the loss spreads, as a histogram on a log money axis, with the
//! mean, p50, p95 and p99 marked. Annual mode shows the portfolio's annual loss over the
//! years that have one; breach mode the cost of one breach, for the exposures with the
//! largest means overlaid.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::{Chart, RunLabel};
use crate::error::Result;
use crate::report::format::{self, money};
use crate::run::{ExposureResult, RunResults};
use crate::stats::{LogHistogram, LossDistribution, Summary};

/// Breach mode overlays at most this many exposures (the largest means).
const MAX_SERIES: usize = 5;
/// The x axis leaves out this share of the nonzero losses at each end (bars too small to see).
const TRIM: f64 = 0.002;
/// Quantiles that stand for the portfolio's distribution when binning it finely.
const QUANTILES: usize = 4000;
/// Bars wanted across the central 99.6% of a finely binned distribution.
const BARS: f64 = 30.0;
const ROW: i32 = 20;
const Y_LABEL_AREA: i32 = 75;
const X_LABEL_AREA: i32 = 55;
const RIGHT_MARGIN: i32 = 30;
const TOP_MARGIN: i32 = 5;

/// A histogram over log10 dollars: bin `i` spans `(first + i) / per_decade` to
/// `(first + i + 1) / per_decade`.
struct Series {
    label: String,
    colour: RGBColor,
    per_decade: f64,
    first: i64,
    /// The share of the nonzero losses in each bin.
    shares: Vec<f64>,
}

impl Series {
    fn from_histogram(label: String, colour: RGBColor, h: &LogHistogram) -> Series {
        let nonzero: u64 = h.counts.iter().sum();
        let shares = h.counts.iter().map(|c| if nonzero > 0 { *c as f64 / nonzero as f64 } else { 0.0 }).collect();
        Series { label, colour, per_decade: LogHistogram::BINS_PER_DECADE as f64, first: 0, shares }
    }

    /// Bins as fine as the spread of the losses calls for (a narrow portfolio distribution
    /// would fill only a few bars of a tenth of a decade), from evenly spaced quantiles of
    /// the nonzero part: each stands for 1/[`QUANTILES`] of it.
    fn from_distribution(label: String, colour: RGBColor, d: &LossDistribution) -> Series {
        let nonzero = d.prob_nonzero();
        let levels: Vec<f64> =
            (0..QUANTILES).map(|k| 1.0 - nonzero + nonzero * (k as f64 + 0.5) / QUANTILES as f64).collect();
        let values: Vec<f64> = d.quantiles(&levels).into_iter().filter(|v| *v > 0.0 && v.is_finite()).collect();
        if nonzero <= 0.0 || values.is_empty() {
            return Series { label, colour, per_decade: 10.0, first: 0, shares: Vec::new() };
        }
        let at = |share: f64| values[((values.len() - 1) as f64 * share) as usize].log10();
        let span = (at(1.0 - TRIM) - at(TRIM)).max(1e-9);
        let per_decade = [10.0, 20.0, 25.0, 40.0, 50.0, 100.0].into_iter().find(|b| span * b >= BARS).unwrap_or(100.0);
        let bin = |v: f64| (v.log10() * per_decade).floor() as i64;
        let first = bin(values[0]);
        let mut shares = vec![0.0; (bin(values[values.len() - 1]) - first + 1) as usize];
        for v in &values {
            shares[(bin(*v) - first) as usize] += 1.0 / values.len() as f64;
        }
        Series { label, colour, per_decade, first, shares }
    }

    fn bin(&self, i: usize) -> (f64, f64) {
        let start = (self.first + i as i64) as f64;
        (start / self.per_decade, (start + 1.0) / self.per_decade)
    }

    /// The bins within `lo..hi` (log10 dollars) that hold something: (start, end, share).
    fn visible(&self, lo: f64, hi: f64) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.shares.iter().enumerate().filter_map(move |(i, share)| {
            let (x0, x1) = self.bin(i);
            (*share > 0.0 && x0 >= lo - 1e-9 && x1 <= hi + 1e-9).then_some((x0, x1, *share))
        })
    }

    /// The central losses (log10 dollars): from the bin where the cumulative share passes
    /// [`TRIM`] to the one where it passes 1 − TRIM.
    fn central_range(&self) -> Option<(f64, f64)> {
        let mut cumulative = 0.0;
        let mut range: Option<(f64, f64)> = None;
        for (i, share) in self.shares.iter().enumerate() {
            let before = cumulative;
            cumulative += share;
            if *share > 0.0 && cumulative > TRIM && before < 1.0 - TRIM {
                let (x0, x1) = self.bin(i);
                range = Some(range.map_or((x0, x1), |(a, _)| (a, x1)));
            }
        }
        range
    }
}

struct Marker {
    name: &'static str,
    value: f64,
    colour: RGBColor,
    dashed: bool,
}

fn markers(s: &Summary) -> Vec<Marker> {
    let quantile = |name, value| Marker { name, value, colour: style::INK, dashed: true };
    vec![
        Marker { name: "mean", value: s.mean, colour: okabe_ito::VERMILLION, dashed: false },
        quantile("p50", s.p50),
        quantile("p95", s.p95),
        quantile("p99", s.p99),
    ]
}

/// " p50, p95 = $0, not drawn on the log axis." where quantiles are zero.
fn zero_quantiles(s: &Summary) -> String {
    let zero: Vec<&str> =
        [("p50", s.p50), ("p95", s.p95), ("p99", s.p99)].iter().filter(|(_, v)| *v <= 0.0).map(|(n, _)| *n).collect();
    if zero.is_empty() {
        String::new()
    } else {
        format!(" {} = $0, not drawn on the log axis.", zero.join(", "))
    }
}

pub struct LossDistributionChart {
    title: String,
    subtitle: String,
    note: String,
    x_desc: &'static str,
    y_desc: &'static str,
    series: Vec<Series>,
    markers: Vec<Marker>,
}

impl LossDistributionChart {
    pub fn from_run(results: &RunResults, label: &RunLabel) -> Self {
        let portfolio = results.portfolio_gross.as_ref().zip(results.portfolio.as_ref());
        if let (true, Some((losses, measures))) = (label.annual, portfolio) {
            let s = &measures.gross.summary;
            let series = Series::from_distribution("portfolio".into(), style::series_colour(0), losses);
            let note = if s.prob_nonzero <= 0.0 {
                String::new()
            } else {
                format!(
                    "{} of simulated years have a loss; the bars show how those losses spread (each bar 1/{} of a decade).{}",
                    format::percent(s.prob_nonzero),
                    series.per_decade,
                    zero_quantiles(s)
                )
            };
            let whose = if results.exposures.len() == 1 { "Loss per year" } else { "Portfolio loss per year" };
            return LossDistributionChart {
                title: format!("{whose}: how much, how often"),
                subtitle: label.subtitle.clone(),
                note,
                x_desc: "Loss per year (USD, log scale)",
                y_desc: "Share of years with a loss (%)",
                series: vec![series],
                markers: markers(s),
            };
        }
        let mut ranked: Vec<&ExposureResult> = results.exposures.iter().collect();
        ranked.sort_by(|a, b| b.measures.gross.summary.mean.total_cmp(&a.measures.gross.summary.mean));
        ranked.truncate(MAX_SERIES);
        let series: Vec<Series> = ranked
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let histogram = e.gross_histogram.as_ref()?;
                Some(Series::from_histogram(crate::text::truncate(&e.id, 30), style::series_colour(i), histogram))
            })
            .collect();
        // Over several coloured series the mean line is black, not a series colour.
        let mean_colour = if series.len() > 1 { style::INK } else { okabe_ito::VERMILLION };
        let (what, x_desc, y_desc) = if label.annual {
            ("loss per year", "Loss per year (USD, log scale)", "Share of years with a loss (%)")
        } else {
            ("cost of one breach", "Cost of one breach (USD, log scale)", "Share of breaches (%)")
        };
        let (markers, note) = match ranked.first() {
            Some(top) => {
                let s = &top.measures.gross.summary;
                let whose = if results.exposures.len() > 1 {
                    format!(
                        "Markers: {}, the largest mean; {} of {} exposures shown. ",
                        crate::text::truncate(&top.id, 30),
                        series.len(),
                        format::thousands(results.exposures.len() as u64)
                    )
                } else {
                    String::new()
                };
                let nonzero = if s.prob_nonzero < 1.0 {
                    format!("{} of iterations cost more than $0; bars show those. ", format::percent(s.prob_nonzero))
                } else {
                    String::new()
                };
                let mut markers = markers(s);
                markers[0].colour = mean_colour;
                (markers, format!("{whose}{nonzero}Each bar spans 1/10 of a decade.{}", zero_quantiles(s)))
            }
            None => (Vec::new(), String::new()),
        };
        let title = match results.exposures.as_slice() {
            [only] => format!("Distribution of the {what}: {}", crate::text::truncate(&only.id, 40)),
            _ => format!("Distribution of the {what}"),
        };
        LossDistributionChart { title, subtitle: label.subtitle.clone(), note, x_desc, y_desc, series, markers }
    }

    /// The x axis (log10 dollars): the central losses of every series and the markers,
    /// out to the nearest 1, 2 or 5 × 10^k.
    fn x_range(&self) -> Option<(f64, f64)> {
        let (mut lo, mut hi) = self
            .series
            .iter()
            .filter_map(Series::central_range)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x0, x1)| (a.min(x0), b.max(x1)));
        if !lo.is_finite() {
            return None;
        }
        for m in self.markers.iter().filter(|m| m.value > 0.0 && m.value.is_finite()) {
            lo = lo.min(m.value.log10());
            hi = hi.max(m.value.log10() + 0.01);
        }
        Some(style::nice_log_range(10f64.powf(lo), 10f64.powf(hi), 0.5))
    }
}

/// Where the marker labels go: one row, shifted sideways (with leader lines) as needed, or
/// stacked rows when they do not fit side by side. Centre x and row of each label.
fn place_labels(wanted: &[(i32, i32)], left: i32, right: i32) -> Vec<(i32, usize)> {
    match style::spread(wanted, left, right, 6) {
        Some(centres) => centres.into_iter().map(|c| (c, 0)).collect(),
        None => wanted.iter().map(|w| w.0).zip(style::stagger(wanted, 6)).collect(),
    }
}

impl Chart for LossDistributionChart {
    fn name(&self) -> &'static str {
        "loss_distribution"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(root, &self.title, &[&self.subtitle, &self.note])?;
        let Some((lo, hi)) = self.x_range() else {
            return style::draw_empty(&area.margin(10, 60, 40, 30), "No iteration had a loss above $0");
        };
        let (area_w, area_h) = area.dim_in_pixel();
        let plot_w = area_w as i32 - Y_LABEL_AREA - RIGHT_MARGIN;
        let plot_h = area_h as i32 - X_LABEL_AREA - TOP_MARGIN;

        // Marker labels sit above the bars; their layout fixes the headroom the bars leave.
        let shown: Vec<&Marker> = self.markers.iter().filter(|m| m.value > 0.0 && m.value.is_finite()).collect();
        let texts: Vec<String> = shown.iter().map(|m| format!("{} {}", m.name, money(m.value))).collect();
        let label_style = style::text(style::NOTE_SIZE, style::INK);
        let mut wanted = Vec::with_capacity(shown.len());
        for (m, t) in shown.iter().zip(&texts) {
            let (w, _) = area.estimate_text_size(t, &label_style).map_err(fail)?;
            let x = (m.value.log10() - lo) / (hi - lo) * plot_w as f64;
            wanted.push((x as i32, w as i32 + 8));
        }
        let placed = place_labels(&wanted, 0, plot_w);
        let rows = placed.iter().map(|p| p.1 + 1).max().unwrap_or(0) as i32;
        // Label rows, then room for the leader lines.
        let band = if rows > 0 { rows * ROW + 16 } else { 0 };

        let max_share = self.series.iter().flat_map(|s| s.visible(lo, hi)).fold(0.0f64, |a, b| a.max(b.2));
        let free = (plot_h - band).max(plot_h / 2) as f64 / plot_h as f64;
        let y_max = (max_share * 100.0 * 1.04 / free).max(1e-9);
        let mut chart = ChartBuilder::on(&area)
            .margin_top(TOP_MARGIN)
            .margin_right(RIGHT_MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(style::Ticked::log(lo, hi), 0.0..y_max)
            .map_err(fail)?;
        style::house_mesh(&mut chart.configure_mesh())
            .x_label_formatter(&format::money_tick)
            .y_label_formatter(&format::percent_axis_tick)
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .y_max_light_lines(1)
            .draw()
            .map_err(fail)?;

        let single = self.series.len() == 1;
        for s in &self.series {
            let fill = if single { s.colour.mix(0.8).filled() } else { s.colour.mix(0.18).filled() };
            chart
                .draw_series(s.visible(lo, hi).map(|(x0, x1, v)| Rectangle::new([(x0, 0.0), (x1, v * 100.0)], fill)))
                .map_err(fail)?;
            if single {
                // Thin white gaps between the bars keep them countable.
                chart
                    .draw_series(
                        s.visible(lo, hi)
                            .map(|(x0, x1, v)| Rectangle::new([(x0, 0.0), (x1, v * 100.0)], WHITE.stroke_width(1))),
                    )
                    .map_err(fail)?;
            } else {
                chart
                    .draw_series(std::iter::once(PathElement::new(step_outline(s, lo, hi), s.colour.stroke_width(2))))
                    .map_err(fail)?;
            }
        }

        let (plot_left, plot_top) = chart.backend_coord(&(lo, y_max));
        let (plot_right, plot_bottom) = chart.backend_coord(&(hi, 0.0));
        // Placed again on the exact pixel positions the chart gives.
        for (w, m) in wanted.iter_mut().zip(&shown) {
            w.0 = chart.backend_coord(&(m.value.log10(), 0.0)).0 - plot_left;
        }
        let placed = match style::spread(&wanted, 0, plot_right - plot_left, 6) {
            Some(centres) if rows == 1 => centres.into_iter().map(|c| (c, 0)).collect(),
            _ => placed,
        };
        for ((m, text), (centre, row)) in shown.iter().zip(&texts).zip(&placed) {
            let (x, _) = chart.backend_coord(&(m.value.log10(), 0.0));
            let label_x = plot_left + centre;
            let label_top = plot_top + 4 + *row as i32 * ROW;
            let elbow = plot_top + band - 4;
            let line = vec![(label_x, label_top + ROW - 2), (x, elbow), (x, plot_bottom)];
            if m.dashed {
                root.draw(&DashedPathElement::new(line, 6, 4, m.colour.stroke_width(2))).map_err(fail)?;
            } else {
                root.draw(&PathElement::new(line, m.colour.stroke_width(2))).map_err(fail)?;
            }
            let (w, h) = root.estimate_text_size(text, &label_style).map_err(fail)?;
            let corners =
                [(label_x - w as i32 / 2 - 4, label_top - 1), (label_x + w as i32 / 2 + 4, label_top + h as i32 + 3)];
            root.draw(&Rectangle::new(corners, WHITE.filled())).map_err(fail)?;
            root.draw(&Rectangle::new(corners, m.colour.stroke_width(1))).map_err(fail)?;
            root.draw(&Text::new(
                text.clone(),
                (label_x, label_top + 1),
                style::anchored(style::NOTE_SIZE, m.colour, HPos::Center, VPos::Top),
            ))
            .map_err(fail)?;
        }

        if !single {
            let entries: Vec<LegendEntry> =
                self.series.iter().map(|s| LegendEntry::new(s.label.clone(), Swatch::Fill(s.colour, 0.3))).collect();
            let outlines: Vec<Vec<(i32, i32)>> = self
                .series
                .iter()
                .map(|s| step_outline(s, lo, hi).iter().map(|p| chart.backend_coord(p)).collect())
                .collect();
            style::place_legend(
                root,
                &entries,
                (plot_left, plot_top + band, plot_right, plot_bottom),
                &outlines,
                &[Corner::TopRight, Corner::TopLeft],
            )?;
        }
        Ok(())
    }
}

/// The outline of a histogram as a step path in (log10 dollars, %) coordinates, within
/// `lo..hi` (log10 dollars).
fn step_outline(s: &Series, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let bins: Vec<(f64, f64, f64)> = s.visible(lo, hi).collect();
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return Vec::new();
    };
    let mut points = vec![(first.0, 0.0)];
    let mut previous_end = first.0;
    for (x0, x1, share) in &bins {
        if *x0 > previous_end + 1e-9 {
            points.push((previous_end, 0.0));
            points.push((*x0, 0.0));
        }
        points.push((*x0, share * 100.0));
        points.push((*x1, share * 100.0));
        previous_end = *x1;
    }
    points.push((last.1, 0.0));
    points
}
