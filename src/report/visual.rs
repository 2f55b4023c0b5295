//! Charts (PNG and SVG, in `charts/`) and the one-page `report.html`.
//!
//! Each chart is one module: a struct holding the numbers it shows, built from the run
//! (`from_run`), and a [`Chart`] implementation drawing them on any plotters backend, so
//! the PNG and the SVG are the same drawing. `html` assembles the page from the SVG text.

mod backtest_chart;
mod components;
mod convergence_chart;
mod cost_vs_records;
mod exceedance_curve;
mod html;
mod loss_distribution;
mod raster;
mod sensitivity_page;
mod style;
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
use crate::run::RunResults;
use style::{fail, thousands, SIZE};

pub use backtest_chart::render_backtest;

/// A chart that can draw itself on any plotters backend.
trait Chart {
    /// The file stem under `charts/`, e.g. `loss_distribution`.
    fn name(&self) -> &'static str;
    /// Draws on `root`, already filled white, [`SIZE`] pixels.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// One chart rendered both ways.
struct Rendered {
    name: &'static str,
    png: Vec<u8>,
    svg: String,
}

/// How the charts and the page name the run.
#[derive(Debug, Clone)]
struct RunLabel {
    annual: bool,
    /// The single exposure's id, or "N exposures".
    name: String,
    /// One line of run metadata for chart subtitles.
    subtitle: String,
}

impl RunLabel {
    fn of(model: &Model) -> RunLabel {
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
            style::truncate(&name, 40),
            s.mode.as_str(),
            thousands(s.iterations),
            s.seed
        );
        RunLabel { annual, name, subtitle }
    }
}

/// Renders the charts and the HTML report of a run; `records_curve` is the
/// `cost_vs_records` chart's points.
pub fn render(model: &Model, results: &RunResults, records_curve: &RecordsCurve) -> Result<Vec<ReportFile>> {
    render_with_convergence(model, results, records_curve, None)
}

/// Renders the charts and the HTML report of a run, with the convergence chart of a
/// `--target-rel-error` run when there is one.
pub fn render_with_convergence(
    model: &Model,
    results: &RunResults,
    records_curve: &RecordsCurve,
    convergence: Option<&Convergence>,
) -> Result<Vec<ReportFile>> {
    style::register_font()?;
    let label = RunLabel::of(model);
    // The charts are drawn side by side, each on its own canvas.
    let label = &label;
    let mut charts: Vec<ChartJob> = vec![
        Box::new(|| render_chart(&loss_distribution::LossDistributionChart::from_run(results, label))),
        Box::new(|| render_chart(&exceedance_curve::ExceedanceChart::from_run(model, results, label))),
        Box::new(|| render_chart(&components::ComponentsChart::from_run(model, results, label))),
        Box::new(|| render_chart(&cost_vs_records::CostVsRecordsChart::from_curve(records_curve))),
    ];
    if let Some(c) = convergence {
        charts.push(Box::new(move || render_chart(&convergence_chart::ConvergenceChart::from_convergence(c, label))));
    }
    let rendered: Vec<Rendered> = charts.par_iter().map(|chart| chart()).collect::<Result<_>>()?;
    let charts: Vec<(&str, &str)> = rendered.iter().map(|r| (r.name, r.svg.as_str())).collect();
    let page = html::render(model, results, label, &charts);
    let mut files = Vec::with_capacity(rendered.len() * 2 + 1);
    for r in rendered {
        files.push(ReportFile { path: format!("charts/{}.png", r.name), bytes: r.png });
        files.push(ReportFile { path: format!("charts/{}.svg", r.name), bytes: r.svg.into_bytes() });
    }
    files.push(ReportFile { path: "report.html".into(), bytes: page.into_bytes() });
    Ok(files)
}

/// Renders the tornado chart and the HTML page of a sensitivity analysis.
pub fn render_sensitivity(model: &Model, sensitivity: &Sensitivity) -> Result<Vec<ReportFile>> {
    style::register_font()?;
    let label = RunLabel::of(model);
    let tornado = render_chart(&tornado::TornadoChart::from_sensitivity(sensitivity, &label))?;
    let page = sensitivity_page::render(model, sensitivity, &tornado.svg);
    Ok(vec![
        ReportFile { path: format!("charts/{}.png", tornado.name), bytes: tornado.png },
        ReportFile { path: format!("charts/{}.svg", tornado.name), bytes: tornado.svg.into_bytes() },
        ReportFile { path: "report.html".into(), bytes: page.into_bytes() },
    ])
}

/// Draws one chart (see [`render_with_convergence`]).
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
