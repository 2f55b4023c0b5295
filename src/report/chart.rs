//! Charts, each written as `charts/<name>.png` and `charts/<name>.svg` by the module of
//! that name.
//!
//! Each chart is one module: a struct holding the numbers it shows, built from the run
//! (`from_run`), and a [`Chart`] implementation drawing them on any plotters backend, so
//! the PNG and the SVG are the same drawing. The pages ([`super::page`]) show the SVG text.

mod backtest;
pub mod compare;
mod components;
mod convergence;
mod cost_vs_records;
mod exceedance_curve;
mod incidents;
mod loss_distribution;
mod raster;
pub(super) mod style;
mod tornado;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use super::ReportFile;
use crate::analysis::convergence::Convergence;
use crate::analysis::records_curve::RecordsCurve;
use crate::analysis::sensitivity::Sensitivity;
use crate::engine::Model;
use crate::error::{Error, Result};
use crate::input::Mode;
use crate::report::format::thousands;
use crate::run::RunResults;
use style::{fail, SIZE};

pub use backtest::render_backtest;

/// A chart that can draw itself on any plotters backend.
trait Chart {
    /// The file stem under `charts/`, e.g. `loss_distribution`.
    fn name(&self) -> &'static str;
    /// Draws on `root`, already filled white, [`SIZE`] pixels.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// One chart rendered both ways.
pub(super) struct Rendered {
    pub name: &'static str,
    pub png: Vec<u8>,
    pub svg: String,
}

impl Rendered {
    /// `charts/<name>.png` and `charts/<name>.svg`.
    pub fn into_files(self) -> [ReportFile; 2] {
        [
            ReportFile { path: format!("charts/{}.png", self.name), bytes: self.png },
            ReportFile { path: format!("charts/{}.svg", self.name), bytes: self.svg.into_bytes() },
        ]
    }
}

/// How the charts and the page name the run.
#[derive(Debug, Clone)]
pub(super) struct RunLabel {
    pub annual: bool,
    /// The single exposure's id, or "N exposures".
    pub name: String,
    /// One line of run metadata for chart subtitles.
    pub subtitle: String,
}

impl RunLabel {
    pub fn of(model: &Model) -> RunLabel {
        let s = model.settings;
        let annual = s.mode == Mode::Annual;
        let name = match model.exposures.as_slice() {
            [only] => only.id.clone(),
            all => format!("{} exposures", thousands(all.len() as u64)),
        };
        let unit = if annual { "simulated years" } else { "simulated breaches" };
        let subtitle = format!(
            "breachcost {} · {} · {} mode · {} {unit} · seed {}",
            env!("CARGO_PKG_VERSION"),
            crate::text::truncate(&name, 40),
            s.mode.as_str(),
            thousands(s.iterations),
            s.seed
        );
        RunLabel { annual, name, subtitle }
    }
}

/// The charts of a run, with the incidents chart of an annual run with incident types and the
/// convergence chart of a `--target-rel-error` run when there is one; `records_curve` is the
/// `cost_vs_records` chart's points.
pub(super) fn run_charts(
    model: &Model,
    results: &RunResults,
    label: &RunLabel,
    records_curve: &RecordsCurve,
    convergence: Option<&Convergence>,
) -> Result<Vec<Rendered>> {
    style::register_font()?;
    // The charts are drawn side by side, each on its own canvas.
    let mut charts: Vec<ChartJob> = vec![
        Box::new(|| render_chart(&loss_distribution::LossDistributionChart::from_run(results, label))),
        Box::new(|| render_chart(&exceedance_curve::ExceedanceChart::from_run(model, results, label))),
        Box::new(|| render_chart(&components::ComponentsChart::from_run(model, results, label))),
        Box::new(|| render_chart(&cost_vs_records::CostVsRecordsChart::from_curve(records_curve))),
    ];
    // Only annual runs with incident types beside the data breach: a data-breach-only run's
    // charts stay as they were, and a breach-mode run costs one breach, so one type.
    if label.annual && results.exposures.iter().any(|e| !e.incidents.is_empty()) {
        charts.push(Box::new(|| render_chart(&incidents::IncidentsChart::from_run(results, label))));
    }
    if let Some(c) = convergence {
        charts.push(Box::new(move || render_chart(&convergence::ConvergenceChart::from_convergence(c, label))));
    }
    charts.par_iter().map(|chart| chart()).collect()
}

/// The tornado chart of a sensitivity analysis.
pub(super) fn tornado_chart(sensitivity: &Sensitivity, label: &RunLabel) -> Result<Rendered> {
    style::register_font()?;
    render_chart(&tornado::TornadoChart::from_sensitivity(sensitivity, label))
}

/// Draws one chart (see [`run_charts`]).
type ChartJob<'a> = Box<dyn Fn() -> Result<Rendered> + Send + Sync + 'a>;

fn render_chart(chart: &impl Chart) -> Result<Rendered> {
    let context = format!("chart {}", chart.name());
    let png = render_png(chart).map_err(|e| e.context(&context))?;
    let svg = render_svg(chart).map_err(|e| e.context(&context))?;
    Ok(Rendered { name: chart.name(), png, svg })
}

fn render_png(chart: &impl Chart) -> Result<Vec<u8>> {
    let (w, h) = SIZE;
    let font = ab_glyph::FontRef::try_from_slice(style::FONT_BYTES)
        .map_err(|e| Error::failure(format!("the bundled font is not a valid TTF: {e}")))?;
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, SIZE);
        let root = raster::Raster::new(bitmap, &font).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root)?;
        root.present().map_err(fail)?;
    }
    encode_png(&pixels, SIZE)
}

fn render_svg(chart: &impl Chart) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        chart.draw(&root)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// RGB pixels → PNG bytes.
fn encode_png(pixels: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>> {
    let failed = |e: png::EncodingError| Error::failure(format!("cannot encode PNG: {e}"));
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(bytes)
}
