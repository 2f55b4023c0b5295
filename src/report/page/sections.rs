//! The coverage-section part of `report.html` (annual runs whose assumptions have sections):
//! the portfolio's insured loss under each section, with the `[policy]` defaults' section terms.

use super::escape;
use crate::engine::Model;
use crate::report::format::{money, percent};
use crate::run::RunResults;

/// The section, or nothing without coverage sections or in breach mode (no portfolio years).
pub fn section(model: &Model, results: &RunResults) -> String {
    let figures = &results.portfolio_sections;
    if figures.is_empty() {
        return String::new();
    }
    let whose = if results.exposures.len() == 1 { "this policy" } else { "the book" };
    let mut out = format!(
        "<section>\n<h2>Insured loss by coverage section</h2>\n<p class=\"note\">What {whose} pays a year under \
         each insuring agreement, after every policy term: a year's insured loss is shared across the sections \
         in proportion to what was paid under each, so the means add up to the insured mean. The terms shown are \
         the <code>[policy]</code> defaults (rows may set their own); each exposure's figures are in \
         <code>sections.csv</code>.</p>\n<div class=\"scroll\"><table class=\"assumptions\">\n<thead><tr>\
         <th class=\"text\">section and what it pays for</th><th class=\"text\">code</th><th>sublimit</th><th>retention</th>\
         <th>expected annual insured loss</th><th>share</th><th>p99 annual</th><th>years with a payment</th></tr>\
         </thead>\n<tbody>\n"
    );
    let policy = &model.assumptions.policy;
    let components = &model.assumptions.components;
    for ((section, terms), c) in model.assumptions.sections.iter().zip(&policy.sections).zip(figures) {
        let names: Vec<&str> = section.components.iter().map(|&i| components[i].name.as_str()).collect();
        let amount = |v: f64| if v.is_finite() { money(v) } else { "limit".to_string() };
        let retention = terms.retention.map_or_else(|| "policy's".to_string(), money);
        let what =
            if section.contingent { format!("{} (a provider's outage)", names.join(", ")) } else { names.join(", ") };
        out.push_str(&format!(
            "<tr><td class=\"text\">{}<br><code>{}</code></td><td class=\"text\">{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&section.name),
            escape(&what),
            escape(section.code.as_deref().unwrap_or("")),
            amount(terms.sublimit),
            retention,
            money(c.mean),
            percent(c.share_of_mean),
            money(c.p99),
            percent(c.prob_nonzero)
        ));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}
