//! What every chart shares: the bundled font, the colour-blind-safe palette, text styles,
//! log axes and their ticks, legends, and labels placed so that they never overlap. The
//! tick labels' text comes from [`crate::report::format`].

use std::fmt::Display;
use std::ops::Range;
use std::sync::Once;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::error::{Error, Result};
use crate::report::format::{count_tick, money_tick};

/// Chart size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1000, 600);

/// The font family charts ask for. The bundled DejaVu Sans is registered under this name
/// for the PNG rasteriser; in the SVG files the same string becomes the CSS `font-family`,
/// so browsers use DejaVu Sans where installed, or a sans-serif (usually narrower, so labels
/// that fit in the PNG fit there too).
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";

/// DejaVu Sans 2.37 (`assets/fonts/`, Bitstream Vera licence).
pub const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

static REGISTER_FONT: Once = Once::new();

/// Registers the bundled font with plotters, once per process: no system font lookup.
pub fn register_font() -> Result<()> {
    let mut outcome = Ok(());
    REGISTER_FONT.call_once(|| {
        if plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            outcome = Err(Error::failure("the bundled font assets/fonts/DejaVuSans.ttf is not a valid TTF"));
        }
    });
    outcome
}

/// Maps a plotters drawing error into ours.
pub fn fail(e: impl Display) -> Error {
    Error::failure(format!("drawing failed: {e}"))
}

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with the common colour-vision
/// deficiencies.
pub mod okabe_ito {
    use plotters::style::RGBColor;
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
}

/// Colours for series in order: the palette with blue first and black last.
const SERIES: [RGBColor; 8] = [
    okabe_ito::BLUE,
    okabe_ito::ORANGE,
    okabe_ito::BLUISH_GREEN,
    okabe_ito::VERMILLION,
    okabe_ito::SKY_BLUE,
    okabe_ito::REDDISH_PURPLE,
    okabe_ito::YELLOW,
    okabe_ito::BLACK,
];

/// The colour of the `i`-th series (or component): the palette, then its half tints.
pub fn series_colour(i: usize) -> RGBColor {
    let base = SERIES[i % SERIES.len()];
    if (i / SERIES.len()).is_multiple_of(2) {
        base
    } else {
        let tint = |c: u8| ((u16::from(c) + 255) / 2) as u8;
        RGBColor(tint(base.0), tint(base.1), tint(base.2))
    }
}

/// Text colour readable on a `background` fill: white on dark colours, ink on light ones.
pub fn ink_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance < 140.0 {
        WHITE
    } else {
        INK
    }
}

pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
pub const GRID_LIGHT: RGBColor = RGBColor(0xF0, 0xF0, 0xF0);

pub const TITLE_SIZE: f64 = 22.0;
pub const AXIS_TITLE_SIZE: f64 = 16.0;
pub const TICK_SIZE: f64 = 14.0;
pub const NOTE_SIZE: f64 = 13.0;

pub fn text(size: f64, colour: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&colour)
}

/// The house style of a chart's axes: axis titles and tick labels in ink, the grid's bold
/// and light lines; the chart sets its formatters and descriptions on the returned mesh.
pub fn house_mesh<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB> {
    mesh.axis_desc_style(text(AXIS_TITLE_SIZE, INK))
        .label_style(text(TICK_SIZE, INK))
        .bold_line_style(GRID)
        .light_line_style(GRID_LIGHT)
}

/// A text style anchored at the given corner or centre of the text.
pub fn anchored(size: f64, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    text(size, colour).pos(Pos::new(h, v))
}

/// Draws the chart title and muted subtitle lines at the top; returns the area below them.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitles: &[&str],
) -> Result<DrawingArea<DB, Shift>> {
    let centre = SIZE.0 as i32 / 2;
    root.draw(&Text::new(title.to_string(), (centre, 12), anchored(TITLE_SIZE, INK, HPos::Center, VPos::Top)))
        .map_err(fail)?;
    let mut top = 12 + TITLE_SIZE as i32 + 6;
    for line in subtitles.iter().filter(|l| !l.is_empty()) {
        root.draw(&Text::new(line.to_string(), (centre, top), anchored(NOTE_SIZE, MUTED, HPos::Center, VPos::Top)))
            .map_err(fail)?;
        top += NOTE_SIZE as i32 + 6;
    }
    Ok(root.margin(top as u32 + 4, 10, 10, 25))
}

/// A log–log chart of a breach's cost (USD) against the records it affected, over whole
/// decades `x` and `y` (log10), with the house margins, ticks, grid and axis titles.
pub fn records_cost_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    (x_lo, x_hi): (i32, i32),
    (y_lo, y_hi): (i32, i32),
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(5)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(Ticked::decades(x_lo, x_hi), Ticked::decades(y_lo, y_hi))
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_label_formatter(&count_tick)
        .y_label_formatter(&money_tick)
        .x_desc("Records affected by the breach (log scale)")
        .y_desc(y_desc)
        .axis_desc_style(text(AXIS_TITLE_SIZE, INK))
        .label_style(text(TICK_SIZE, INK))
        .bold_line_style(GRID)
        .light_line_style(GRID_LIGHT)
        .draw()
        .map_err(fail)?;
    Ok(chart)
}

/// A linear axis with the ticks given: labelled (bold) and grid-only (light) values. Log
/// axes are this axis over log10 values, with ticks at whole decades.
#[derive(Debug, Clone)]
pub struct Ticked {
    range: Range<f64>,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ticked {
    pub fn new(range: Range<f64>, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Ticked { range, bold, light }
    }

    /// A log10 axis over whole decades `lo..hi`, ticks from [`log_ticks`].
    pub fn decades(lo: i32, hi: i32) -> Self {
        Ticked::log(f64::from(lo), f64::from(hi))
    }

    /// A log10 axis over `lo..hi` (log10 values, not necessarily whole decades).
    pub fn log(lo: f64, hi: f64) -> Self {
        let (bold, light) = log_ticks(lo, hi);
        Ticked::new(lo..hi, bold, light)
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let share = (value - self.range.start) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Ticks of a log10 axis over `lo..hi` (log10 values): labelled (bold) values and light grid
/// values. Every decade is labelled up to eight decades, every other one beyond; ranges up to
/// two and a half decades also label the 2× and 5× values, and up to four decades have light
/// lines at the other multiples.
pub fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    const EPSILON: f64 = 1e-9;
    let span = hi - lo;
    let mut bold = Vec::new();
    let mut light = Vec::new();
    let first = lo.floor() as i32;
    for decade in first..=hi.ceil() as i32 {
        for m in 1..10 {
            let v = f64::from(decade) + f64::from(m).log10();
            if v < lo - EPSILON || v > hi + EPSILON {
                continue;
            }
            let labelled =
                if m == 1 { span <= 8.0 || (decade - first) % 2 == 0 } else { span <= 2.5 && (m == 2 || m == 5) };
            if labelled {
                bold.push(v);
            } else if m == 1 || span <= 4.0 {
                light.push(v);
            }
        }
    }
    (bold, light)
}

/// The log10 range from the largest 1, 2 or 5 × 10^k at or below `lo` to the smallest at or
/// above `hi` (both > 0), at least `min_span` decades wide.
pub fn nice_log_range(lo: f64, hi: f64, min_span: f64) -> (f64, f64) {
    let steps = [1.0f64, 2.0, 5.0, 10.0];
    let down = |x: f64| {
        let decade = x.log10().floor();
        let m = x / 10f64.powf(decade);
        let step = steps.iter().rev().find(|s| **s <= m * (1.0 + 1e-9)).copied().unwrap_or(1.0);
        decade + step.log10()
    };
    let up = |x: f64| {
        let decade = x.log10().floor();
        let m = x / 10f64.powf(decade);
        let step = steps.iter().find(|s| **s >= m * (1.0 - 1e-9)).copied().unwrap_or(10.0);
        decade + step.log10()
    };
    let (mut a, mut b) = (down(positive(lo)), up(positive(hi)));
    while b - a < min_span - 1e-9 {
        a = down(10f64.powf(a) * 0.999);
        if b - a < min_span - 1e-9 {
            b = up(10f64.powf(b) * 1.001);
        }
    }
    (a, b)
}

/// `x` within the positive finite numbers (NaN → the smallest), so that axis ranges stay finite.
fn positive(x: f64) -> f64 {
    if x.is_nan() {
        f64::MIN_POSITIVE
    } else {
        x.clamp(f64::MIN_POSITIVE, f64::MAX)
    }
}

/// Whole decades covering `lo..hi` (both > 0), at least `min_span` wide.
pub fn decades(lo: f64, hi: f64, min_span: i32) -> (i32, i32) {
    let mut a = positive(lo).log10().floor() as i32;
    let mut b = positive(hi).log10().ceil() as i32;
    if b <= a {
        b = a + 1;
    }
    while b - a < min_span {
        if (b - a) % 2 == 0 {
            a -= 1;
        } else {
            b += 1;
        }
    }
    (a, b)
}

/// Places labels (wanted centre x, width, in pixels; in any order) in one row within
/// `left..right`, none overlapping, each as near its wanted centre as the others allow:
/// overlapping neighbours merge into a block centred on their wanted centres (least squares).
/// Returns the centres, or `None` when they do not fit side by side.
pub fn spread(labels: &[(i32, i32)], left: i32, right: i32, gap: i32) -> Option<Vec<i32>> {
    let total: i32 = labels.iter().map(|l| l.1).sum::<i32>() + gap * (labels.len() as i32 - 1).max(0);
    if total > right - left {
        return None;
    }
    struct Block {
        start: f64,
        width: f64,
        /// Members with their offset from the block's start.
        members: Vec<(usize, f64)>,
        /// Σ over members of (wanted start − offset); the best start is its mean.
        wanted: f64,
    }
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| labels[i].0);
    let clamp = |start: f64, width: f64| start.clamp(f64::from(left), f64::from(right) - width);
    let mut blocks: Vec<Block> = Vec::new();
    for i in order {
        let (centre, width) = (f64::from(labels[i].0), f64::from(labels[i].1));
        let start = centre - width / 2.0;
        blocks.push(Block { start: clamp(start, width), width, members: vec![(i, 0.0)], wanted: start });
        while blocks.len() >= 2 {
            let n = blocks.len();
            if blocks[n - 2].start + blocks[n - 2].width + f64::from(gap) <= blocks[n - 1].start {
                break;
            }
            let Some(last) = blocks.pop() else { break };
            let Some(previous) = blocks.last_mut() else { break };
            let shift = previous.width + f64::from(gap);
            previous.wanted += last.wanted - shift * last.members.len() as f64;
            previous.members.extend(last.members.iter().map(|(j, o)| (*j, o + shift)));
            previous.width += f64::from(gap) + last.width;
            previous.start = clamp(previous.wanted / previous.members.len() as f64, previous.width);
        }
    }
    let mut centres = vec![0; labels.len()];
    for b in &blocks {
        for (i, offset) in &b.members {
            centres[*i] = (b.start + offset + f64::from(labels[*i].1) / 2.0).round() as i32;
        }
    }
    Some(centres)
}

/// Assigns each label (centre x, width, in pixels; in any order) the first row in which it
/// does not overlap a label already placed there. Returns the row of each label.
pub fn stagger(labels: &[(i32, i32)], gap: i32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| labels[i].0);
    let mut row_ends: Vec<i32> = Vec::new();
    let mut rows = vec![0; labels.len()];
    for i in order {
        let (centre, width) = labels[i];
        let start = centre - width / 2;
        let row = row_ends.iter().position(|end| start >= end + gap).unwrap_or(row_ends.len());
        if row == row_ends.len() {
            row_ends.push(start + width);
        } else {
            row_ends[row] = start + width;
        }
        rows[i] = row;
    }
    rows
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    LineWithPoints(RGBColor),
    Point(RGBColor),
    /// A filled box with this opacity.
    Fill(RGBColor, f64),
    /// A translucent box with a line and point through it (a mean and its band).
    Band(RGBColor, f64),
}

pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendEntry { label: label.into(), swatch }
    }
}

/// Which corner of the legend box `at` names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

const LEGEND_SWATCH: i32 = 28;
const LEGEND_PAD: i32 = 8;
const LEGEND_LINE: i32 = 20;

/// The legend box's size in pixels.
fn legend_size<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[LegendEntry]) -> Result<(i32, i32)> {
    let style = text(NOTE_SIZE, INK);
    let mut width = 0;
    for e in entries {
        let (w, _) = area.estimate_text_size(&e.label, &style).map_err(fail)?;
        width = width.max(w as i32);
    }
    Ok((LEGEND_PAD + LEGEND_SWATCH + 8 + width + LEGEND_PAD, LEGEND_PAD * 2 + LEGEND_LINE * entries.len() as i32 - 4))
}

/// Draws the legend inside the plot rectangle `plot` (pixels of `area`: left, top, right,
/// bottom) in the first corner of `preference` where it covers none of `lines` (polylines
/// in pixels), else where it covers the fewest of their points.
pub fn place_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    plot: (i32, i32, i32, i32),
    lines: &[Vec<(i32, i32)>],
    preference: &[Corner],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = legend_size(area, entries)?;
    let (left, top, right, bottom) = plot;
    let inset = 8;
    let box_of = |corner: Corner| match corner {
        Corner::TopLeft => (left + inset, top + inset),
        Corner::TopRight => (right - inset - w, top + inset),
        Corner::BottomLeft => (left + inset, bottom - inset - h),
        Corner::BottomRight => (right - inset - w, bottom - inset - h),
    };
    // Points every few pixels along the lines.
    let mut samples = Vec::new();
    for line in lines {
        for pair in line.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 3).max(1);
            for k in 0..=steps {
                samples.push((x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps));
            }
        }
        samples.extend(line.iter().copied());
    }
    let covered = |corner: Corner| {
        let (x, y) = box_of(corner);
        samples.iter().filter(|(px, py)| *px >= x - 4 && *px <= x + w + 4 && *py >= y - 4 && *py <= y + h + 4).count()
    };
    let best = preference
        .iter()
        .copied()
        .find(|c| covered(*c) == 0)
        .or_else(|| preference.iter().copied().min_by_key(|c| covered(*c)))
        .unwrap_or(Corner::TopRight);
    draw_legend(area, entries, box_of(best), Corner::TopLeft)
}

/// Draws a boxed legend with its `corner` at pixel `at` of `area`.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    at: (i32, i32),
    corner: Corner,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (box_w, box_h) = legend_size(area, entries)?;
    let (swatch_w, pad, line_h) = (LEGEND_SWATCH, LEGEND_PAD, LEGEND_LINE);
    let x0 = match corner {
        Corner::TopLeft | Corner::BottomLeft => at.0,
        Corner::TopRight | Corner::BottomRight => at.0 - box_w,
    };
    let y0 = match corner {
        Corner::TopLeft | Corner::TopRight => at.1,
        Corner::BottomLeft | Corner::BottomRight => at.1 - box_h,
    };
    area.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], WHITE.mix(0.9).filled())).map_err(fail)?;
    area.draw(&Rectangle::new([(x0, y0), (x0 + box_w, y0 + box_h)], GRID.stroke_width(1))).map_err(fail)?;
    for (i, e) in entries.iter().enumerate() {
        let cy = y0 + pad + line_h * i as i32 + 7;
        let (sx0, sx1) = (x0 + pad, x0 + pad + swatch_w);
        match e.swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], c.stroke_width(3))).map_err(fail)?
            }
            Swatch::Dashed(c) => {
                area.draw(&DashedPathElement::new(vec![(sx0, cy), (sx1, cy)], 6, 4, c.stroke_width(2))).map_err(fail)?
            }
            Swatch::LineWithPoints(c) => {
                area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], c.stroke_width(2))).map_err(fail)?;
                area.draw(&Circle::new(((sx0 + sx1) / 2, cy), 4, c.filled())).map_err(fail)?;
            }
            Swatch::Point(c) => area.draw(&Circle::new(((sx0 + sx1) / 2, cy), 5, c.filled())).map_err(fail)?,
            Swatch::Band(c, opacity) => {
                area.draw(&Rectangle::new([(sx0, cy - 7), (sx1, cy + 7)], c.mix(opacity).filled())).map_err(fail)?;
                area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], c.stroke_width(3))).map_err(fail)?;
                area.draw(&Circle::new(((sx0 + sx1) / 2, cy), 4, c.filled())).map_err(fail)?;
            }
            Swatch::Fill(c, opacity) => {
                area.draw(&Rectangle::new([(sx0, cy - 6), (sx1, cy + 6)], c.mix(opacity).filled())).map_err(fail)?;
                area.draw(&Rectangle::new([(sx0, cy - 6), (sx1, cy + 6)], c.stroke_width(1))).map_err(fail)?;
            }
        }
        area.draw(&Text::new(e.label.clone(), (sx1 + 8, cy), anchored(NOTE_SIZE, INK, HPos::Left, VPos::Center)))
            .map_err(fail)?;
    }
    Ok(())
}

/// Draws a centred message in an area that has nothing to plot.
pub fn draw_empty<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, message: &str) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new([(0, 0), (w as i32 - 1, h as i32 - 1)], GRID.stroke_width(1))).map_err(fail)?;
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        anchored(AXIS_TITLE_SIZE, MUTED, HPos::Center, VPos::Center),
    ))
    .map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staggered_labels_do_not_overlap() {
        // Labels 100 px wide: the second overlaps the first, the third clears the first.
        let rows = stagger(&[(100, 100), (150, 100), (210, 100), (400, 100)], 6);
        assert_eq!(rows, vec![0, 1, 0, 0]);
        let rows = stagger(&[(100, 100), (110, 100), (120, 100)], 6);
        assert_eq!(rows, vec![0, 1, 2]);
    }

    #[test]
    fn spread_labels_keep_their_order_and_do_not_overlap() {
        let centres = spread(&[(100, 80), (110, 80), (500, 80)], 0, 1000, 4).unwrap();
        // The two overlapping labels move apart evenly around their wanted centres.
        assert_eq!(centres[1] - centres[0], 84);
        assert_eq!(centres[0] + centres[1], 210);
        assert_eq!(centres[2], 500);
        // Pushed back inside the right edge.
        let centres = spread(&[(990, 80), (995, 80)], 0, 1000, 4).unwrap();
        assert!(centres[1] + 40 <= 1000 && centres[1] - centres[0] >= 84);
        assert!(spread(&[(100, 600), (110, 600)], 0, 1000, 4).is_none());
    }

    #[test]
    fn nice_log_ranges_end_on_one_two_five() {
        let (a, b) = nice_log_range(62e6, 480e6, 0.0);
        assert!((10f64.powf(a) - 50e6).abs() < 1.0 && (10f64.powf(b) - 500e6).abs() < 1.0);
        let (a, b) = nice_log_range(3_000.0, 2e6, 0.0);
        assert!((10f64.powf(a) - 2_000.0).abs() < 1e-6 && (10f64.powf(b) - 2e6).abs() < 1e-3);
        let (a, b) = nice_log_range(1e6, 1.1e6, 1.0);
        assert!(b - a >= 1.0 - 1e-9);
    }

    #[test]
    fn log_ticks_label_decades_and_narrow_multiples() {
        let (bold, _) = log_ticks(3.0, 9.0);
        assert_eq!(bold, vec![3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let (bold, _) = log_ticks(50e6f64.log10(), 500e6f64.log10());
        let labels: Vec<String> = bold.iter().map(crate::report::format::money_tick).collect();
        assert_eq!(labels, vec!["$50M", "$100M", "$200M", "$500M"]);
    }

    #[test]
    fn decades_cover_the_range() {
        assert_eq!(decades(3_000.0, 2e6, 1), (3, 7));
        assert_eq!(decades(1e6, 1e6, 1), (6, 7));
        assert_eq!(decades(1e6, 1e6, 3), (5, 8));
    }
}
