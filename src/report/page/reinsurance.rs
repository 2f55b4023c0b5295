//! The reinsurance part of `report.html` (annual runs with `[[treaty]]` tables): what each
//! treaty recovers, what it costs with its reinstatements, and what the book keeps.

use super::escape;
use crate::input::treaties::TreatyKind;
use crate::report::format::{money, percent, share_of, signed_money};
use crate::run::RunResults;

/// A treaty's terms in words, e.g. "$4.00M xs $1.00M per incident, 2 reinstatements at 100%"
/// (the page's table and `validate` say them alike).
pub fn terms(kind: &TreatyKind) -> String {
    let layer = |l: &crate::input::treaties::Layer, each: &str| {
        let reinstated = match l.reinstatements {
            Some(n) => {
                format!(", {n} reinstatement{} at {}", if n == 1 { "" } else { "s" }, percent(l.reinstatement_rate))
            }
            None => String::new(),
        };
        format!("{} xs {} {each}{reinstated}", money(l.limit), money(l.attachment))
    };
    match kind {
        TreatyKind::QuotaShare { cession, event_limit } if event_limit.is_finite() => {
            format!("{} ceded, at most {} an event", percent(*cession), money(*event_limit))
        }
        TreatyKind::QuotaShare { cession, .. } => format!("{} ceded", percent(*cession)),
        TreatyKind::PerRiskXol(l) => layer(l, "per incident"),
        TreatyKind::CatXol { layer: l, events } => {
            let of = events.as_ref().map_or_else(|| "every systemic event".to_string(), |e| e.join(", "));
            format!("{} ({})", layer(l, "per event"), of)
        }
        TreatyKind::AggregateStopLoss { attachment, limit } => {
            let limit = if limit.is_finite() { money(*limit) } else { "unlimited".to_string() };
            format!("{limit} xs {} a year", money(*attachment))
        }
        TreatyKind::LossRatioStopLoss { attachment_ratio, limit_ratio, .. } => {
            format!("{} of premium above a {} loss ratio", percent(*limit_ratio), percent(*attachment_ratio))
        }
    }
}

/// The section, or nothing without treaties.
pub fn section(model: &crate::engine::Model, results: &RunResults) -> String {
    let (Some(r), Some(portfolio)) = (results.reinsurance.as_ref(), results.portfolio.as_ref()) else {
        return String::new();
    };
    let insured = portfolio.insured.summary.mean;
    let mut out = format!(
        "<section>\n<h2>Reinsurance</h2>\n<p class=\"note\">The treaties apply in order to what the book keeps \
         (quota shares, per-risk layers, catastrophe layers, stop losses). Of an expected {} a year of insured \
         loss they recover {} ({}); the book keeps {}. Its capital falls by {}. A treaty's cost is its premium \
         and the reinstatements it is expected to pay for; the figures are in <code>reinsurance.csv</code>.</p>\n\
         <div class=\"scroll\"><table class=\"assumptions\">\n<thead><tr><th class=\"text\">treaty</th>\
         <th class=\"text\">terms</th><th>expected recovery</th><th>share of insured</th><th>p99 a year</th>\
         <th>years with a recovery</th><th>premium and reinstatements</th><th>cost over recovery</th></tr></thead>\n<tbody>\n",
        money(insured),
        money(r.ceded.summary.mean),
        percent(share_of(r.ceded.summary.mean, insured)),
        money(r.net.summary.mean),
        money(r.gross_capital - r.net_capital),
    );
    for (t, ((c, _), treaty)) in r.treaties.iter().zip(&model.assumptions.treaties).enumerate() {
        let cost = r.cost(t);
        out.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>\n",
            escape(&c.name),
            escape(&terms(&treaty.kind)),
            money(c.mean),
            percent(c.share_of_mean),
            money(c.p99),
            percent(c.prob_nonzero),
            cost.map_or_else(|| "not given".to_string(), money),
            cost.map_or_else(String::new, |cost| signed_money(cost - c.mean)),
        ));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}
