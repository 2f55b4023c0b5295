//! The incident-type section of `report.html` (annual runs whose assumptions have types
//! beside the data breach): the `incidents` chart and a table of each type's expected
//! incidents a year, expected annual loss and share, over the whole portfolio.

use super::{escape, inline_svg};
use crate::report::format::{expected_count, money, percent};
use crate::report::incidents::portfolio_by_type;
use crate::run::RunResults;

const TITLE: &str = "Expected annual loss by incident type";

/// The section, or nothing where the run models data breaches alone (so that such a run's
/// page stays as it was) or in breach mode (`svg` is then `None`: no chart was drawn).
pub fn section(results: &RunResults, svg: Option<&str>) -> String {
    let Some(svg) = svg else { return String::new() };
    let mut types = portfolio_by_type(results);
    if types.is_empty() {
        return String::new();
    }
    types.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    let whose = if results.exposures.len() == 1 { "this exposure" } else { "the portfolio" };
    let mut out = format!(
        "<section>\n<h2>What each incident type contributes</h2>\n<p class=\"note\">The expected annual gross loss \
         of {whose} by the kind of incident that causes it, largest first; incidents a year and losses are sums \
         over the exposures. The insured loss is what the policies pay for each type: a year's insured loss \
         shared among its incidents in proportion to what the policy pays of each before the year's aggregate \
         terms. Each exposure's figures are in <code>incidents.csv</code>.</p>\n\
         <figure id=\"incidents\">\n{}\n<figcaption><strong>{TITLE}.</strong> Each bar is one incident type's \
         expected loss, labelled with its share of the total and the incidents expected a year. \
         <span class=\"files\">charts/incidents.png · charts/incidents.svg</span></figcaption>\n</figure>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">incident type</th><th>incidents a year</th>\
         <th>expected annual loss</th><th>share</th><th>expected insured loss</th><th>share</th></tr></thead>\n<tbody>\n",
        inline_svg(svg, TITLE)
    );
    for t in &types {
        out.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&t.name),
            expected_count(t.rate),
            money(t.mean),
            percent(t.share),
            money(t.insured),
            percent(t.insured_share)
        ));
    }
    let rate: f64 = types.iter().map(|t| t.rate).sum();
    let mean: f64 = types.iter().map(|t| t.mean).sum();
    let insured: f64 = types.iter().map(|t| t.insured).sum();
    let whole = |total: f64| if total > 0.0 { "100%" } else { "0%" };
    out.push_str(&format!(
        "<tr class=\"total\"><td class=\"text\">total</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n\
         </tbody>\n</table></div>\n</section>\n",
        expected_count(rate),
        money(mean),
        whole(mean),
        money(insured),
        whole(insured)
    ));
    out
}
