//! HTML pages, each written as `report.html`: a run's ([`report`]) or a sensitivity
//! analysis' ([`sensitivity`]). Both are self-contained (inline CSS and SVG; no scripts,
//! fonts, images or anything else fetched) and share what is here: escaping, cards, the
//! inline charts and the style sheet.

pub mod compare;
pub mod incidents;
pub mod pricing;
pub mod reinsurance;
pub mod report;
pub mod sections;
pub mod sensitivity;

use super::chart::style::SIZE;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A headline number: a title above, a note below.
pub fn card(title: &str, value: &str, note: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"card-title\">{title}</div><div class=\"card-value\">{value}</div>\
         <div class=\"card-note\">{note}</div></div>\n"
    )
}

/// The SVG as an inline element that scales with the page: no fixed size, no namespace
/// attribute (HTML does not need it).
pub fn inline_svg(svg: &str, title: &str) -> String {
    let body = match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => &svg[end + 1..],
        _ => svg,
    };
    let (w, h) = SIZE;
    format!("<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">{}", escape(title), body.trim_start())
}

/// The style sheet both pages inline.
pub const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #5f6670; --line: #d8dde3; --soft: #f5f7f9; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 20px; }
.kicker { margin: 0; color: var(--accent); font-weight: 600; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; }
h1 { margin: 4px 0 6px; font-size: 28px; line-height: 1.2; }
h2 { margin: 36px 0 8px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 16px; }
.meta, .note { color: var(--muted); margin: 4px 0 12px; }
.lede { font-size: 18px; margin: 8px 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card-title { font-size: 13px; color: var(--muted); }
.card-value { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; margin: 2px 0; }
.card-note { font-size: 12px; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th.text, td.text { text-align: left; }
td.source { white-space: normal; min-width: 220px; color: var(--muted); }
td code { white-space: normal; }
table.assumptions td, table.assumptions th { white-space: normal; vertical-align: top; font-size: 13px; min-width: 0; }
table.assumptions code { font-size: 11px; color: var(--muted); }
table.assumptions td.source { min-width: 320px; }
thead th { background: var(--soft); font-weight: 600; position: sticky; top: 0; }
table.sortable thead th { cursor: pointer; user-select: none; }
table.sortable thead th::after { content: " \2195"; color: #9aa1a9; font-size: 11px; }
table.sortable thead th.sorted::after { content: " \25BC"; color: var(--accent); }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:hover { background: #eef5fb; }
tr.total td { font-weight: 700; background: #eef3f8; }
td.flag { color: #9a3412; font-weight: 700; }
td.na, span.na { color: #9aa1a9; }
small { color: var(--muted); }
figure { margin: 20px 0 28px; }
figure svg { display: block; width: 100%; height: auto; max-width: 1000px; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; max-width: 1000px; }
.files { display: block; font-size: 12px; color: #9aa1a9; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
@media print { figure, table { break-inside: avoid; } thead th { position: static; } }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape("<b>&\"'</b>"), "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;");
    }

    #[test]
    fn inline_svg_drops_size_and_namespace() {
        let svg = "<svg width=\"1000\" height=\"600\" viewBox=\"0 0 1000 600\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let inline = inline_svg(svg, "T");
        assert!(inline.starts_with("<svg viewBox=\"0 0 1000 600\" role=\"img\" aria-label=\"T\"><rect/>"));
        assert!(!inline.contains("http"));
    }
}
