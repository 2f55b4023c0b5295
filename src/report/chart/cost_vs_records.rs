//! `cost_vs_records`: what one breach costs under the run's assumptions as the number of
//! affected records grows (mean and p5–p95), next to published figures
//! (sources in assumptions/README.md): the IBM average, the Jacobs (2014) regression, IBM's
//! mega-breach figures and the per-record cost of large real breaches.
//!
//! The curve's points come from [`crate::analysis::records_curve`]; this module draws them.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, fail, okabe_ito, Corner, LegendEntry, Swatch};
use super::Chart;
use crate::analysis::records_curve::{Point, RecordsCurve, SENSITIVE_MIX};
use crate::error::Result;
use crate::report::format;

/// IBM/Ponemon Cost of a Data Breach 2024: average total cost, over breaches of about 2,100
/// to 113,000 records.
const IBM_2024_AVERAGE: f64 = 4.88e6;
const IBM_SAMPLE_RECORDS: (f64, f64) = (2_100.0, 113_000.0);
/// Jacobs (2014): ln(cost) = 7.68 + 0.7584 ln(records), fitted below ~100k records.
const JACOBS: (f64, f64) = (7.68, 0.7584);
const JACOBS_RECORDS: (f64, f64) = (1e3, 1e5);
/// IBM 2018 mega breaches: (records, cost).
const IBM_MEGA_2018: [(f64, f64); 2] = [(1e6, 40e6), (50e6, 350e6)];
/// Large real breaches (10M–190M records): $1–$16 per record in total.
const LARGE_BREACH_RECORDS: (f64, f64) = (10e6, 190e6);
const LARGE_BREACH_PER_RECORD: (f64, f64) = (1.0, 16.0);

struct ModelCurve {
    label: String,
    colour: RGBColor,
    /// (records, mean, p5, p95)
    points: Vec<(f64, f64, f64, f64)>,
}

pub struct CostVsRecordsChart {
    subtitle: String,
    curves: Vec<ModelCurve>,
}

impl CostVsRecordsChart {
    pub fn from_curve(curve: &RecordsCurve) -> Self {
        let tuples = |points: &[Point]| points.iter().map(|p| (p.records, p.mean, p.p5, p.p95)).collect();
        let mut curves = vec![ModelCurve {
            label: format!("default data types ({})", curve.default_mix.join(";").replace(';', ", ")),
            colour: okabe_ito::BLUE,
            points: tuples(&curve.default),
        }];
        if let Some(sensitive) = &curve.sensitive {
            curves.push(ModelCurve {
                label: SENSITIVE_MIX.join(", "),
                colour: okabe_ito::REDDISH_PURPLE,
                points: tuples(sensitive),
            });
        }
        CostVsRecordsChart {
            subtitle: format!(
                "breachcost {} · this run's assumptions · {} simulated breaches per point · seed {}",
                env!("CARGO_PKG_VERSION"),
                format::thousands(curve.iterations),
                curve.seed
            ),
            curves,
        }
    }
}

fn jacobs(records: f64) -> f64 {
    (JACOBS.0 + JACOBS.1 * records.ln()).exp()
}

impl Chart for CostVsRecordsChart {
    fn name(&self) -> &'static str {
        "cost_vs_records"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let area = style::titled(
            root,
            "Cost of one breach vs records affected: model and published figures",
            &[&self.subtitle],
        )?;
        let model_values = || self.curves.iter().flat_map(|c| c.points.iter());
        let lo = model_values().map(|p| p.2).filter(|v| *v > 0.0).fold(jacobs(JACOBS_RECORDS.0), f64::min);
        let hi = model_values()
            .map(|p| p.3)
            .filter(|v| v.is_finite())
            .fold(LARGE_BREACH_RECORDS.1 * LARGE_BREACH_PER_RECORD.1, f64::max);
        let (y_lo, y_hi) = style::decades(lo, hi, 2);
        // One decade of headroom keeps the legend (top left) clear of the data.
        let y_hi = y_hi + 1;
        let (x_lo, x_hi) = (3, 9);
        let mut chart =
            style::records_cost_chart(&area, (x_lo, x_hi), (y_lo, y_hi), "Cost of one breach (USD, log scale)")?;
        let log = |x: f64, y: f64| (x.log10(), y.max(f64::MIN_POSITIVE).log10());

        // Large real breaches: a band between $1 and $16 per record.
        let (r0, r1) = LARGE_BREACH_RECORDS;
        let (c0, c1) = LARGE_BREACH_PER_RECORD;
        let mut band = vec![log(r0, r0 * c0), log(r1, r1 * c0), log(r1, r1 * c1), log(r0, r0 * c1)];
        chart
            .draw_series(std::iter::once(Polygon::new(band.clone(), okabe_ito::ORANGE.mix(0.3).filled())))
            .map_err(fail)?;
        band.push(band[0]);
        chart.draw_series(std::iter::once(PathElement::new(band, okabe_ito::ORANGE.stroke_width(1)))).map_err(fail)?;

        // The model: p5–p95 bands, then the means on top.
        for c in &self.curves {
            let positive: Vec<&(f64, f64, f64, f64)> = c.points.iter().filter(|p| p.2 > 0.0).collect();
            let mut band: Vec<(f64, f64)> = positive.iter().map(|p| log(p.0, p.2)).collect();
            band.extend(positive.iter().rev().map(|p| log(p.0, p.3)));
            chart.draw_series(std::iter::once(Polygon::new(band, c.colour.mix(0.18).filled()))).map_err(fail)?;
        }
        for c in &self.curves {
            let means: Vec<(f64, f64)> = c.points.iter().filter(|p| p.1 > 0.0).map(|p| log(p.0, p.1)).collect();
            chart.draw_series(LineSeries::new(means.iter().copied(), c.colour.stroke_width(3))).map_err(fail)?;
            chart.draw_series(means.iter().map(|p| Circle::new(*p, 4, c.colour.filled()))).map_err(fail)?;
        }

        // Published figures.
        let (a, b) = IBM_SAMPLE_RECORDS;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![log(a, IBM_2024_AVERAGE), log(b, IBM_2024_AVERAGE)],
                okabe_ito::BLACK.stroke_width(4),
            )))
            .map_err(fail)?;
        let jacobs_line: Vec<(f64, f64)> = (0..=20)
            .map(|i| {
                let r = JACOBS_RECORDS.0 * (JACOBS_RECORDS.1 / JACOBS_RECORDS.0).powf(f64::from(i) / 20.0);
                log(r, jacobs(r))
            })
            .collect();
        chart
            .draw_series(DashedLineSeries::new(jacobs_line, 10, 6, okabe_ito::BLUISH_GREEN.stroke_width(3)))
            .map_err(fail)?;
        chart
            .draw_series(IBM_MEGA_2018.iter().map(|(r, c)| {
                EmptyElement::at(log(*r, *c))
                    + Circle::new((0, 0), 7, okabe_ito::VERMILLION.filled())
                    + Circle::new((0, 0), 7, WHITE.stroke_width(1))
            }))
            .map_err(fail)?;

        let mut entries = Vec::new();
        for c in &self.curves {
            entries.push(LegendEntry::new(
                format!("breachcost mean and p5–p95: {}", c.label),
                Swatch::Band(c.colour, 0.18),
            ));
        }
        entries.push(LegendEntry::new(
            "IBM 2024 average, $4.88M (breaches of 2.1K–113K records)",
            Swatch::Line(okabe_ito::BLACK),
        ));
        entries.push(LegendEntry::new(
            "Jacobs (2014): ln cost = 7.68 + 0.7584 ln records",
            Swatch::Dashed(okabe_ito::BLUISH_GREEN),
        ));
        entries.push(LegendEntry::new(
            "IBM 2018 mega breaches: $40M at 1M, $350M at 50M",
            Swatch::Point(okabe_ito::VERMILLION),
        ));
        entries.push(LegendEntry::new(
            "Large real breaches: $1–$16 per record (10M–190M)",
            Swatch::Fill(okabe_ito::ORANGE, 0.3),
        ));
        let (left, top) = chart.backend_coord(&(f64::from(x_lo), f64::from(y_hi)));
        let (right, bottom) = chart.backend_coord(&(f64::from(x_hi), f64::from(y_lo)));
        let mut lines: Vec<Vec<(i32, i32)>> = Vec::new();
        for c in &self.curves {
            for pick in [|p: &(f64, f64, f64, f64)| p.1, |p: &(f64, f64, f64, f64)| p.3] {
                lines.push(
                    c.points
                        .iter()
                        .filter(|p| pick(p) > 0.0)
                        .map(|p| chart.backend_coord(&log(p.0, pick(p))))
                        .collect(),
                );
            }
        }
        style::place_legend(
            root,
            &entries,
            (left, top, right, bottom),
            &lines,
            &[Corner::TopLeft, Corner::BottomRight],
        )?;
        Ok(())
    }
}
