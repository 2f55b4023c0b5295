//! `report.html` of a sensitivity analysis: the answer in a sentence (what drives the number,
//! and how precise the baseline is), the tornado, the table behind it, each component's
//! share of the variance, how the inputs were held, and the run. Self-contained, in the
//! style of the simulation report.

use super::{card, escape, inline_svg, CSS};
use crate::analysis::sensitivity::Sensitivity;
use crate::engine::Model;
use crate::error::Result;
use crate::report::chart::{self, RunLabel};
use crate::report::format::{capitalise, money, percent, thousands};
use crate::report::sensitivity_table::input_value;
use crate::report::ReportFile;

/// `report.html` of a sensitivity analysis and the tornado chart it shows.
pub fn render(model: &Model, sensitivity: &Sensitivity) -> Result<Vec<ReportFile>> {
    let tornado = chart::tornado_chart(sensitivity, &RunLabel::of(model))?;
    let page = html(model, sensitivity, &tornado.svg);
    let mut files = Vec::from(tornado.into_files());
    files.push(ReportFile { path: "report.html".into(), bytes: page.into_bytes() });
    Ok(files)
}

fn html(model: &Model, s: &Sensitivity, tornado_svg: &str) -> String {
    let settings = model.settings;
    let what = if s.annual { "annual loss" } else { "cost of one breach" };
    let unit = if s.annual { "simulated years" } else { "simulated breaches" };
    let b = &s.baseline;
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>breachcost sensitivity: {target}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<p class=\"kicker\">breachcost sensitivity</p>\n<h1>What drives the {what}: {target}</h1>\n\
         <p class=\"meta\">{mode} mode · {iterations} {unit} per run · {runs} runs · seed {seed} · breachcost {version}</p>\n</header>\n",
        target = escape(&s.target),
        mode = settings.mode.as_str(),
        iterations = thousands(settings.iterations),
        runs = thousands(s.runs),
        seed = settings.seed,
        version = env!("CARGO_PKG_VERSION"),
    );

    page.push_str("<section class=\"headline\">\n<p class=\"lede\">");
    match s.rows.first().filter(|r| r.swing > 0.0) {
        Some(top) => page.push_str(&format!(
            "<strong>{}</strong> drives <strong>{}</strong> of the total swing: the mean {what} is {} with it at its \
             10th percentile ({}) and {} at its 90th ({}). ",
            escape(&top.input),
            percent(s.share_of_swing(top)),
            money(top.mean_at_low),
            escape(&input_value(top.kind, top.low_value)),
            money(top.mean_at_high),
            escape(&input_value(top.kind, top.high_value)),
        )),
        None => page.push_str("No input moves the mean. "),
    }
    page.push_str(&format!(
        "With nothing held, the mean is <strong>{}</strong> (95% CI {}–{}) and p99 is <strong>{}</strong> \
         (95% CI {}–{}).</p>\n<div class=\"cards\">\n",
        money(b.mean),
        money(b.mean_ci_low),
        money(b.mean_ci_high),
        money(b.p99),
        money(b.p99_ci_low),
        money(b.p99_ci_high),
    ));
    page.push_str(&card(
        "Baseline mean",
        &money(b.mean),
        &format!("95% CI {}–{}", money(b.mean_ci_low), money(b.mean_ci_high)),
    ));
    page.push_str(&card(
        "Baseline p99",
        &money(b.p99),
        &format!("95% CI {}–{}", money(b.p99_ci_low), money(b.p99_ci_high)),
    ));
    if let Some(top) = s.rows.first().filter(|r| r.swing > 0.0) {
        page.push_str(&card("Largest swing", &money(top.swing), &escape(&top.input)));
    }
    if let Some(v) = s.variance_shares.first() {
        page.push_str(&card("Most of the variance", &percent(v.variance_share), &escape(&v.component)));
    }
    page.push_str("</div>\n</section>\n");

    page.push_str(&format!(
        "<section>\n<h2>Tornado</h2>\n<figure id=\"tornado\">\n{}\n<figcaption><strong>Tornado.</strong> Each bar \
         spans the mean {what} with one input at its 10th percentile (blue) and at its 90th (orange), everything \
         else random with the same draws; the line is the baseline. The labels give the input's values and its \
         share of the total swing. <span class=\"files\">charts/tornado.png · charts/tornado.svg</span></figcaption>\n\
         </figure>\n",
        inline_svg(tornado_svg, "Tornado")
    ));
    page.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">input</th><th>10th pct.</th><th>90th pct.</th>\
         <th>mean at 10th</th><th>mean at 90th</th><th>p99 at 10th</th><th>p99 at 90th</th><th>swing</th>\
         <th>share</th></tr></thead>\n<tbody>\n",
    );
    for r in &s.rows {
        page.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>\n",
            escape(&r.input),
            escape(&input_value(r.kind, r.low_value)),
            escape(&input_value(r.kind, r.high_value)),
            money(r.mean_at_low),
            money(r.mean_at_high),
            money(r.p99_at_low),
            money(r.p99_at_high),
            money(r.swing),
            percent(s.share_of_swing(r)),
        ));
    }
    page.push_str("</tbody>\n</table></div>\n</section>\n");

    page.push_str(&format!(
        "<section>\n<h2>Where the variance comes from</h2>\n<p class=\"note\">Each component's share of the variance \
         of the gross {what} (Euler allocation: its covariance with the total over the total's variance; the shares \
         add up to 100%, and a component that moves with the others takes more than its share of the mean).</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">component</th><th>mean</th><th>share of mean</th>\
         <th>sd</th><th>share of variance</th></tr></thead>\n<tbody>\n"
    ));
    for v in &s.variance_shares {
        page.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&v.component),
            money(v.mean),
            percent(v.share_of_mean),
            money(v.sd),
            percent(v.variance_share),
        ));
    }
    page.push_str("</tbody>\n</table></div>\n</section>\n");

    let count = if s.annual {
        "<li><code>frequency.count</code>: the number of breaches a year at the 10th and 90th percentiles of its \
         distribution (Poisson or negative binomial, summed over the exposures). One exposure's count is held \
         exactly; for a portfolio every exposure's rate is scaled so that the portfolio expects exactly that many \
         breaches, which gives exactly the mean given that count. Systemic events are not scaled.</li>"
    } else {
        ""
    };
    let systemic = if s.annual && !model.assumptions.systemic.is_empty() {
        "<li><code>systemic.&lt;event&gt;.footprint</code> and <code>.affected_share</code>: the 10th and 90th \
         percentiles of the event's distributions. How often an event happens is not held, so it is not in the \
         tornado.</li>"
    } else {
        ""
    };
    page.push_str(&format!(
        "<section>\n<h2>How the inputs were held</h2>\n<ul>\n\
         <li><code>fixed</code>, <code>per_unit</code>, <code>unit_share</code>, <code>breach.affected_share</code>: \
         the 10th and 90th percentiles of the distribution; a constant is held at itself, so it does not move \
         anything.</li>\n\
         <li><code>occurrence</code>: whether the component's cost arises, a yes/no variable with the component's \
         probability (for a curve, its average over the breaches). Its 10th percentile is “on” only if the \
         probability is above 90%, its 90th “on” if above 10%: a cost that arises in 10–90% of breaches is held off, \
         then on; a rarer one stays off and a near-certain one stays on.</li>\n{count}\n{systemic}\n</ul>\n\
         <p class=\"note\">Every run uses the same seed and a held input's draw is still made, so all other draws \
         are the same numbers (common random numbers): the differences are the inputs' effects, not noise, and an \
         input the {target} does not use moves nothing. The swing is |mean at 90th − mean at 10th|.</p>\n</section>\n",
        target = if s.annual && s.exposures > 1 { "portfolio" } else { "exposure" },
    ));
    page.push_str(&format!(
        "<section>\n<h2>Run</h2>\n<dl class=\"facts\">\n<dt>breachcost version</dt><dd>{}</dd>\n<dt>Mode</dt><dd>{}</dd>\n\
         <dt>Iterations per run</dt><dd>{}</dd>\n<dt>Seed</dt><dd>{}</dd>\n<dt>Exposures</dt><dd>{}</dd>\n\
         <dt>Runs</dt><dd>{}</dd>\n<dt>{} simulated</dt><dd>{}</dd>\n<dt>Assumptions</dt><dd>{}</dd>\n</dl>\n</section>\n",
        env!("CARGO_PKG_VERSION"),
        settings.mode.as_str(),
        thousands(settings.iterations),
        settings.seed,
        thousands(s.exposures as u64),
        thousands(s.runs),
        capitalise(model.simulated_noun()),
        thousands(s.simulated_breaches),
        escape(&model.assumptions.label),
    ));
    page.push_str(
        "<footer>Amounts are rounded for reading; the exact values are in <code>sensitivity.csv</code>, \
         <code>variance_shares.csv</code> and <code>baseline.csv</code> next to this page.</footer>\n</main>\n</body>\n</html>\n",
    );
    page
}
