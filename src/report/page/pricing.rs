//! The pricing section of `report.html` (annual mode): the book's premium and loss ratio
//! against the market's, what pricing on the portfolio's capital saves, and each policy's
//! allocated capital and premium with its market check.

use super::escape;
use crate::engine::Model;
use crate::report::format::{money, money_axis_tick, percent};
use crate::report::pricing::{loss_ratio_check, rate_check, Check};
use crate::run::{maximum_payout, RunResults};

/// Policy rows shown (the largest premiums); `pricing.csv` holds all.
const MAX_ROWS: usize = 50;

/// A market verdict as a table cell, flagged where it falls outside the band.
fn verdict_cell(verdict: Option<&str>) -> String {
    match verdict {
        None => "<td class=\"text\">–</td>".into(),
        Some("within") => "<td class=\"text\">within</td>".into(),
        Some(other) => format!("<td class=\"text flag\">{other}</td>"),
    }
}

/// The section, or nothing where there is no pricing (breach mode).
pub fn section(model: &Model, results: &RunResults) -> String {
    let (Some(portfolio), Some(book)) = (&results.portfolio, &results.book) else { return String::new() };
    let Some(total) = &book.total else { return String::new() };
    let pricing = &model.assumptions.pricing;
    let basis = match pricing.capital_allocation {
        crate::input::CapitalAllocation::Portfolio => "its share of the portfolio's capital (co-TVaR 99% − mean; its standalone capital is in <code>pricing.csv</code>)",
        crate::input::CapitalAllocation::Standalone => "its own standalone capital",
    };
    let mut out = String::from("<section>\n<h2>Pricing</h2>\n");
    let book_check = loss_ratio_check(model, total);
    let against = match (book_check.band, book_check.verdict()) {
        (Some(band), Some(verdict)) => {
            format!(" ({verdict} the market's published {}–{})", percent(band.low), percent(band.high))
        }
        _ => String::new(),
    };
    out.push_str(&format!(
        "<p class=\"lede\">The book's technical premium is <strong>{}</strong> for an expected insured loss of {} a \
         year: a loss ratio of <strong>{}</strong>{against}. Each policy carries {basis} at a {} cost of capital, \
         with {} for expenses; priced alone, the policies would cost {} more in all.</p>\n",
        money(total.technical_premium),
        money(portfolio.insured.summary.mean),
        percent(total.loss_ratio().unwrap_or(0.0)),
        percent(pricing.cost_of_capital),
        percent(pricing.expense_ratio),
        money(book.diversification_benefit),
    ));
    let checks: Vec<Check> = book.policies.iter().enumerate().map(|(i, p)| rate_check(model, i, p)).collect();
    let mut rows: Vec<usize> = (0..book.policies.len()).collect();
    rows.sort_by(|a, b| book.policies[*b].technical_premium.total_cmp(&book.policies[*a].technical_premium));
    if !model.assumptions.market.rates.is_empty() {
        let outside = checks.iter().filter(|c| matches!(c.verdict(), Some("below" | "above"))).count();
        out.push_str(&format!(
            "<p class=\"note\">{outside} of {} policies price outside the published premium per $1M of limit for \
             their revenue (flagged below; the bands and their sources are in the assumptions' <code>[market]</code> \
             table). Above the band, the assumptions expect more loss (frequency or severity) than the market \
             prices for such insureds; below it, less.</p>\n",
            book.policies.len()
        ));
    }
    out.push_str(
        "<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr><th class=\"text\" aria-sort=\"none\">id</th>\
         <th aria-sort=\"none\">expected loss</th><th aria-sort=\"none\">capital</th>\
         <th aria-sort=\"descending\" class=\"sorted\">premium</th>\
         <th aria-sort=\"none\">loss ratio</th><th aria-sort=\"none\">rate on line</th>\
         <th aria-sort=\"none\">per $1M</th><th aria-sort=\"none\">market</th>\
         <th class=\"text\" aria-sort=\"none\">check</th></tr></thead>\n<tbody>\n",
    );
    for i in rows.iter().take(MAX_ROWS) {
        let (Some(e), Some(exposure), p, check) =
            (results.exposures.get(*i), model.exposures.get(*i), &book.policies[*i], &checks[*i])
        else {
            continue;
        };
        let payout = maximum_payout(&exposure.terms);
        let rate_on_line =
            if payout.is_finite() && payout > 0.0 { percent(p.technical_premium / payout) } else { "–".into() };
        let band_text =
            check.band.map_or("–".into(), |b| format!("{}–{}", money_axis_tick(&b.low), money_axis_tick(&b.high)));
        out.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{band_text}</td>{}</tr>\n",
            escape(&e.id),
            money(p.expected_loss),
            money(p.allocated_capital),
            money(p.technical_premium),
            p.loss_ratio().map_or("–".into(), percent),
            rate_on_line,
            check.value.map_or("–".into(), money),
            verdict_cell(check.verdict()),
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    if rows.len() > MAX_ROWS {
        out.push_str(&format!(
            "<p class=\"note\">{} more policies in <code>pricing.csv</code>.</p>\n",
            rows.len() - MAX_ROWS
        ));
    }
    out.push_str("</section>\n");
    out
}
