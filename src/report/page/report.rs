//! `report.html`: one self-contained page (inline CSS and SVG; no scripts, fonts, images or
//! anything else fetched) that reads top-down: the headline numbers in a sentence and in
//! cards, the exposures, the charts, where the money goes (by component, and by incident
//! type where the assumptions have types beside the data breach), the assumptions in force
//! with their sources, and the run. Money is rounded for people ($1.2M); the CSVs hold the
//! exact values.

use super::{card, escape, inline_svg, CSS};
use crate::analysis::convergence::Convergence;
use crate::analysis::records_curve::RecordsCurve;
use crate::engine::Model;
use crate::error::Result;
use crate::input::dist::Var;
use crate::input::{CountModel, Probability};
use crate::report::chart::{self, RunLabel};
use crate::report::format::{capitalise, count_tick, money, percent, thousands, Money};
use crate::report::{ReportFile, PORTFOLIO_ID};
use crate::run::{ExposureResult, RunResults};
use crate::stats::Summary;
use crate::text::truncate;

/// Exposure rows shown in the table (the largest means); the CSVs hold all.
const MAX_ROWS: usize = 50;
/// Exposures shown as columns of the component table.
const MAX_COMPONENT_COLUMNS: usize = 5;
/// Breach mode shows headline cards for this many exposures.
const MAX_HEADLINE_EXPOSURES: usize = 3;

/// `report.html` of a run and the charts it shows, with the convergence chart of a
/// `--target-rel-error` run when there is one; `records_curve` is the `cost_vs_records`
/// chart's points.
pub fn render(
    model: &Model,
    results: &RunResults,
    records_curve: &RecordsCurve,
    convergence: Option<&Convergence>,
) -> Result<Vec<ReportFile>> {
    let label = RunLabel::of(model);
    let rendered = chart::run_charts(model, results, &label, records_curve, convergence)?;
    let charts: Vec<(&str, &str)> = rendered.iter().map(|r| (r.name, r.svg.as_str())).collect();
    let page = html(model, results, &label, &charts);
    let mut files: Vec<ReportFile> = rendered.into_iter().flat_map(chart::Rendered::into_files).collect();
    files.push(ReportFile { path: "report.html".into(), bytes: page.into_bytes() });
    Ok(files)
}

/// The page, with `charts` as (name, SVG text) pairs.
fn html(model: &Model, results: &RunResults, label: &RunLabel, charts: &[(&str, &str)]) -> String {
    let mut ranked: Vec<&ExposureResult> = results.exposures.iter().collect();
    ranked.sort_by(|a, b| b.measures.gross.summary.mean.total_cmp(&a.measures.gross.summary.mean));
    let mut page = String::with_capacity(200_000);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>breachcost: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&label.name)
    ));
    page.push_str(&header(model, label));
    page.push_str(&headline(results, label, &ranked));
    page.push_str(&exposures_table(model, results, label, &ranked));
    // The incidents chart shows in its own section, beside its table.
    let incidents = charts.iter().find(|(name, _)| *name == "incidents").map(|(_, svg)| *svg);
    let others: Vec<(&str, &str)> = charts.iter().filter(|(name, _)| *name != "incidents").copied().collect();
    page.push_str(&charts_section(label, &others));
    page.push_str(&super::pricing::section(model, results));
    page.push_str(&components_section(model, results, label, &ranked));
    page.push_str(&super::incidents::section(results, incidents));
    page.push_str(&super::sections::section(model, results));
    page.push_str(&super::reinsurance::section(model, results));
    page.push_str(&assumptions_section(model, label));
    page.push_str(&run_section(model, results));
    page.push_str(
        "<footer>Amounts are rounded for reading; the exact values are in <code>summary.csv</code>, \
         <code>components.csv</code>, <code>exceedance.csv</code> and <code>pricing.csv</code> next to this page. \
         Charts are also in <code>charts/</code> as PNG and SVG.</footer>\n</main>\n</body>\n</html>\n",
    );
    page
}

fn header(model: &Model, label: &RunLabel) -> String {
    let s = model.settings;
    let unit = if label.annual { "simulated years" } else { "simulated breaches" };
    // With incident types beside the data breach, the page is about all of them.
    let what = if model.assumptions.incidents.is_empty() { "a data breach" } else { "cyber incidents" };
    let a = &model.assumptions;
    let trend = a.trend.as_ref().map_or(String::new(), |t| {
        format!(
            " · figures of {} carried to the policy period from {} (frequency ×{:.3}, severity ×{:.3})",
            t.from.show(),
            t.policy_start.show(),
            t.frequency_factor(),
            t.severity_factor()
        )
    });
    format!(
        "<header>\n<p class=\"kicker\">breachcost report</p>\n<h1>What {what} could cost: {}</h1>\n\
         <p class=\"meta\">{} mode · {} {unit} · seed {} · amounts in {}{} · breachcost {}</p>\n</header>\n",
        escape(&label.name),
        s.mode.as_str(),
        thousands(s.iterations),
        s.seed,
        escape(&a.currencies.report),
        escape(&trend),
        env!("CARGO_PKG_VERSION")
    )
}

fn headline(results: &RunResults, label: &RunLabel, ranked: &[&ExposureResult]) -> String {
    let mut out = String::from("<section class=\"headline\">\n");
    if let (true, Some(p)) = (label.annual, results.portfolio.as_ref()) {
        let g = &p.gross.summary;
        let whose = if results.exposures.len() == 1 { "This exposure" } else { "The portfolio" };
        let beyond = |years: u32, loss: f64| {
            if loss > 0.0 {
                format!("one year in {years} costs more than <strong>{}</strong>", money(loss))
            } else {
                format!("fewer than one year in {years} costs anything")
            }
        };
        out.push_str(&format!(
            "<p class=\"lede\">{whose} loses <strong>{}</strong> a year on average. {} of simulated years \
             have a loss at all; {}, {}, and the worst 1% of years average <strong>{}</strong>.</p>\n",
            money(g.mean),
            capitalise(&percent(g.prob_nonzero)),
            beyond(20, g.p95),
            beyond(100, g.p99),
            money(g.tvar_99)
        ));
        out.push_str("<div class=\"cards\">\n");
        out.push_str(&card("Expected annual loss", &money(g.mean), "mean over all simulated years"));
        out.push_str(&card("1-in-20-year loss", &money(g.p95), "p95 of the annual loss"));
        out.push_str(&card("1-in-100-year loss", &money(g.p99), "p99 of the annual loss"));
        out.push_str(&card("TVaR 99%", &money(g.tvar_99), "average of the worst 1% of years"));
        out.push_str(&card(
            "Insured expected loss",
            &money(p.insured.summary.mean),
            &format!("{} retained", money(p.retained.summary.mean)),
        ));
        out.push_str(&card("Years with a loss", &percent(g.prob_nonzero), "chance of any loss in a year"));
        out.push_str("</div>\n");
    } else {
        out.push_str(
            "<p class=\"lede\">Breach mode: each iteration is one breach of the exposure, so these are the \
             costs of a single breach, not of a year.</p>\n",
        );
        for e in ranked.iter().take(MAX_HEADLINE_EXPOSURES) {
            let g = &e.measures.gross.summary;
            if results.exposures.len() > 1 {
                out.push_str(&format!("<h3>{}</h3>\n", escape(&e.id)));
            }
            out.push_str("<div class=\"cards\">\n");
            out.push_str(&card("Mean cost of a breach", &money(g.mean), "mean over all simulated breaches"));
            out.push_str(&card("Typical breach", &money(g.p50), "p50: half of breaches cost more"));
            out.push_str(&card("1 breach in 20 costs more than", &money(g.p95), "p95"));
            out.push_str(&card("1 breach in 100 costs more than", &money(g.p99), "p99"));
            out.push_str(&card("TVaR 99%", &money(g.tvar_99), "average of the worst 1% of breaches"));
            out.push_str(&card(
                "Insured mean",
                &money(e.measures.insured.summary.mean),
                &format!("{} retained", money(e.measures.retained.summary.mean)),
            ));
            out.push_str("</div>\n");
        }
        if results.exposures.len() > MAX_HEADLINE_EXPOSURES {
            out.push_str(&format!(
                "<p class=\"note\">The {MAX_HEADLINE_EXPOSURES} exposures with the largest mean; all {} are in the table below.</p>\n",
                thousands(results.exposures.len() as u64)
            ));
        }
    }
    out.push_str("</section>\n");
    out
}

fn summary_cells(s: &Summary) -> String {
    [s.mean, s.p50, s.p95, s.p99, s.tvar_99].iter().map(|v| format!("<td>{}</td>", money(*v))).collect()
}

fn exposures_table(model: &Model, results: &RunResults, label: &RunLabel, ranked: &[&ExposureResult]) -> String {
    let what = if label.annual { "annual loss" } else { "cost of one breach" };
    let estimated: std::collections::HashSet<&str> =
        model.exposures.iter().filter(|e| e.records_estimated).map(|e| e.id.as_str()).collect();
    let mut out = format!(
        "<section>\n<h2>Exposures</h2>\n<p class=\"note\">Gross {what} per exposure, largest mean first; \
         the insured mean is after the policy terms.</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>\
         <th class=\"text\" aria-sort=\"none\">id</th><th aria-sort=\"descending\" class=\"sorted\">mean</th>\
         <th aria-sort=\"none\">p50</th><th aria-sort=\"none\">p95</th><th aria-sort=\"none\">p99</th>\
         <th aria-sort=\"none\">TVaR 99%</th><th aria-sort=\"none\">insured mean</th></tr></thead>\n<tbody>\n"
    );
    if let (true, Some(p)) = (label.annual && results.exposures.len() > 1, results.portfolio.as_ref()) {
        out.push_str(&format!(
            "<tr class=\"total\"><td class=\"text\">{PORTFOLIO_ID}</td>{}<td>{}</td></tr>\n",
            summary_cells(&p.gross.summary),
            money(p.insured.summary.mean)
        ));
    }
    for e in ranked.iter().take(MAX_ROWS) {
        // Rows whose records were estimated from revenue carry a mark, explained below the table.
        let mark = if estimated.contains(e.id.as_str()) { " <abbr title=\"records estimated\">*</abbr>" } else { "" };
        out.push_str(&format!(
            "<tr><td class=\"text\">{}{mark}</td>{}<td>{}</td></tr>\n",
            escape(&e.id),
            summary_cells(&e.measures.gross.summary),
            money(e.measures.insured.summary.mean)
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    if !estimated.is_empty() {
        let multiplier = &model.assumptions.sectors.records_estimate.multiplier;
        out.push_str(&format!(
            "<p class=\"note\">* Records estimated ({} of {} exposures gave no records): revenue × the records per $1M of revenue \
             of the exposure's sector, times a multiplier of {} drawn per breach; <code>validate</code> and \
             <code>run.json</code> (<code>records_estimated</code>) list them with their estimates.</p>\n",
            thousands(estimated.len() as u64),
            thousands(model.exposures.len() as u64),
            amount(multiplier, |x| format!("{x:.2}×"))
        ));
    }
    if ranked.len() > MAX_ROWS {
        out.push_str(&format!(
            "<p class=\"note\">{} more exposures in <code>summary.csv</code>.</p>\n",
            thousands((ranked.len() - MAX_ROWS) as u64)
        ));
    }
    out.push_str("</section>\n");
    out
}

/// How to read each chart, under it.
fn caption(name: &str, annual: bool) -> &'static str {
    match (name, annual) {
        ("loss_distribution", true) => {
            "How the loss spreads over the years that have one, on a log scale (the chart says how wide \
             each bar is). The lines mark the mean and the 50th, 95th and 99th percentiles of all years."
        }
        ("loss_distribution", false) => {
            "How the cost of one breach spreads, on a log scale: each bar is 1/10 of a decade. The lines \
             mark the mean and the 50th, 95th and 99th percentiles."
        }
        ("exceedance_curve", true) => {
            "The chance in a year that the loss exceeds an amount (left) or, equivalently, how many years \
             on average pass between such losses (right). AEP counts the year's total; OEP its largest breach."
        }
        ("exceedance_curve", false) => {
            "The chance that one breach costs more than an amount (left), or one breach in how many \
             does (right)."
        }
        ("components", _) => "What the money is spent on: the mean cost of each component, per exposure.",
        ("convergence", _) => {
            "How precise the estimate is: the mean (top) and p99 (bottom) after each batch of iterations, \
             with their 95% confidence intervals (the mean's from its standard error, p99's from order \
             statistics); the run stopped at the first batch meeting the target. The numbers are in \
             convergence.csv."
        }
        ("cost_vs_records", _) => {
            "The cost of one breach as the number of affected records grows, simulated with this run's \
             assumptions (line: mean; band: 90% of breaches), against published figures: the IBM/Ponemon \
             average, the Jacobs (2014) regression, IBM's mega-breach estimates and what large real \
             breaches cost per record."
        }
        _ => "",
    }
}

fn chart_title(name: &str) -> &'static str {
    match name {
        "loss_distribution" => "Distribution of the loss",
        "exceedance_curve" => "Exceedance curve",
        "components" => "Cost by component",
        "cost_vs_records" => "Cost against records affected",
        "convergence" => "Convergence",
        _ => "Chart",
    }
}

fn charts_section(label: &RunLabel, charts: &[(&str, &str)]) -> String {
    let mut out = String::from("<section>\n<h2>Charts</h2>\n");
    for (name, svg) in charts {
        out.push_str(&format!(
            "<figure id=\"{name}\">\n{}\n<figcaption><strong>{}.</strong> {} \
             <span class=\"files\">charts/{name}.png · charts/{name}.svg</span></figcaption>\n</figure>\n",
            inline_svg(svg, chart_title(name)),
            chart_title(name),
            caption(name, label.annual)
        ));
    }
    out.push_str("</section>\n");
    out
}

fn components_section(model: &Model, results: &RunResults, label: &RunLabel, ranked: &[&ExposureResult]) -> String {
    let all = &model.assumptions.components;
    let mean_of = |e: &ExposureResult, name: &str| -> Option<f64> {
        e.components.iter().find(|c| c.name == name).map(|c| c.mean)
    };
    let mut columns: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    if label.annual && results.exposures.len() > 1 {
        let totals = all
            .iter()
            .map(|c| {
                let values: Vec<f64> = results.exposures.iter().filter_map(|e| mean_of(e, &c.name)).collect();
                (!values.is_empty()).then(|| values.iter().sum())
            })
            .collect();
        columns.push(("portfolio".into(), totals));
    }
    for e in ranked.iter().take(MAX_COMPONENT_COLUMNS) {
        columns.push((e.id.clone(), all.iter().map(|c| mean_of(e, &c.name)).collect()));
    }
    let what = if label.annual { "expected annual loss" } else { "mean cost per breach" };
    let mut out = format!(
        "<section>\n<h2>Where the money goes</h2>\n<p class=\"note\">Gross {what} by component, with its share \
         of the total; “—” where a component does not apply to the data the exposure holds.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">component</th><th class=\"text\">insured</th>"
    );
    for (name, _) in &columns {
        out.push_str(&format!("<th>{}</th>", escape(&truncate(name, 24))));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let totals: Vec<f64> = columns.iter().map(|(_, v)| v.iter().flatten().sum()).collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    let first_total = |i: &usize| columns.first().and_then(|(_, v)| v[*i]).unwrap_or(0.0);
    order.sort_by(|a, b| first_total(b).total_cmp(&first_total(a)));
    for i in order {
        let c = &all[i];
        out.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td>",
            escape(&c.name),
            if c.covered { "yes" } else { "no" }
        ));
        for ((_, values), total) in columns.iter().zip(&totals) {
            match values[i] {
                Some(v) => {
                    let share = if *total > 0.0 { v / total } else { 0.0 };
                    out.push_str(&format!("<td>{} <small>{:.0}%</small></td>", money(v), share * 100.0));
                }
                None => out.push_str("<td class=\"na\">—</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("<tr class=\"total\"><td class=\"text\">total</td><td></td>");
    for total in &totals {
        out.push_str(&format!("<td>{}</td>", money(*total)));
    }
    out.push_str("</tr>\n</tbody>\n</table></div>\n</section>\n");
    out
}

fn probability(p: &Probability) -> String {
    match p {
        Probability::Constant(v) => percent(*v),
        Probability::Curve(points) => points
            .iter()
            .map(|(x, p)| format!("{} records: {}", count_tick(x), percent(*p)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn limit(v: f64) -> String {
    if v.is_infinite() {
        "none".into()
    } else {
        money(v)
    }
}

fn assumptions_section(model: &Model, label: &RunLabel) -> String {
    let a = &model.assumptions;
    let mut frequency = match a.frequency.model {
        CountModel::Poisson => "Poisson".to_string(),
        CountModel::NegativeBinomial { dispersion } => format!("negative binomial (dispersion {dispersion})"),
    };
    if a.frequency.common_shock_sd > 0.0 {
        let sd = a.frequency.common_shock_sd;
        frequency
            .push_str(&format!(", every rate times a yearly multiplier shared by all exposures (mean 1, sd {sd})"));
    }
    let meta_name = a
        .document
        .get("meta")
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .map(|n| format!(" ({})", escape(n)))
        .unwrap_or_default();
    let mut out = format!(
        "<section>\n<h2>Assumptions in force</h2>\n<p class=\"note\">From {}{meta_name}.</p>\n<dl class=\"facts\">\n",
        escape(&a.label)
    );
    let rate_note = if label.annual { "" } else { " (not used in breach mode)" };
    out.push_str(&format!(
        "<dt>Breaches per exposure-year</dt><dd>{frequency}, rate {} where the exposure has no annual_rate{rate_note}</dd>\n",
        a.frequency.rate
    ));
    let share = &a.breach.affected_share;
    let by_holding = &a.breach.share_by_holding;
    let falling = if by_holding.exponent < 0.0 {
        format!(
            ", times (records held / {})^{} above that many records",
            thousands(by_holding.pivot as u64),
            by_holding.exponent
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<dt>Share of records affected by a breach</dt><dd>{}, mean {}{falling} (where the exposure has no affected count)</dd>\n",
        amount(share, percent),
        percent(share.dist.mean().clamp(0.0, 1.0))
    ));
    let unless_sector = if a.sectors.sectors.iter().any(|s| s.data_types.is_some()) {
        " (where the row and its sector give none)"
    } else {
        ""
    };
    out.push_str(&format!(
        "<dt>Default data types</dt><dd>{}{unless_sector}</dd>\n",
        escape(&a.breach.data_types.join(", "))
    ));
    if !a.notice.data_types.is_empty() {
        out.push_str(&format!(
            "<dt>Data that trigger notice</dt><dd>{}; other breaches are notified with probability {}</dd>\n",
            escape(&a.notice.data_types.join(", ")),
            percent(a.notice.otherwise)
        ));
    }
    if a.components.iter().any(|c| c.revenue_exponent != 0.0) {
        out.push_str(&format!(
            "<dt>Firm size</dt><dd>costs marked × (revenue / reference) scale from a firm of {} revenue; rows without revenue are costed at it</dd>\n",
            money(a.breach.reference_revenue)
        ));
    }
    out.push_str(&format!(
        "<dt>Default policy terms</dt><dd>retention {}, limit {}, aggregate limit {}, share {}</dd>\n</dl>\n",
        money(a.policy.retention),
        limit(a.policy.limit),
        limit(a.policy.aggregate_limit),
        percent(a.policy.share)
    ));
    out.push_str(
        "<p class=\"note\">Each component costs <code>fixed + per_unit × (affected × unit_share)<sup>exponent</sup></code> \
         in a breach, with the given probability; each amount is drawn once per breach. Ranges are the central 90% \
         of the distribution.</p>\n<div class=\"scroll\"><table class=\"assumptions\">\n<thead><tr>\
         <th class=\"text\">component</th><th class=\"text\">insured</th><th class=\"text\">applies to</th>\
         <th class=\"text\">probability</th><th class=\"text\">fixed</th><th class=\"text\">per_unit</th>\
         <th class=\"text\">unit_share</th><th>exponent</th><th class=\"text\">source</th></tr></thead>\n<tbody>\n",
    );
    for c in &a.components {
        let mut applies = if c.data_types.is_empty() { "any data".to_string() } else { c.data_types.join(", ") };
        if !c.exclude_data_types.is_empty() {
            applies.push_str(&format!(" (not with {})", c.exclude_data_types.join(", ")));
        }
        if c.needs_notice {
            applies.push_str("; notified breaches only");
        }
        if c.revenue_exponent != 0.0 {
            applies.push_str(&format!("; × (revenue / reference)^{}", c.revenue_exponent));
        }
        let source = if c.source.trim().is_empty() {
            "<span class=\"na\">not given</span>".to_string()
        } else {
            escape(&c.source)
        };
        out.push_str(&format!(
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>\
             <td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td class=\"text source\">{}</td></tr>\n",
            escape(&c.name),
            if c.covered { "yes" } else { "no" },
            escape(&applies),
            escape(&probability(&c.probability)),
            amount(&c.fixed, money),
            amount(&c.per_unit, |x| Money::Cents.format(x)),
            amount(&c.unit_share, percent),
            c.exponent,
            source
        ));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    out
}

/// A drawn amount for people: the constant, or the central 90% range (and the distribution).
fn amount(var: &Var, format: fn(f64) -> String) -> String {
    if let Some(v) = var.as_constant() {
        return escape(&format(v));
    }
    // Three significant figures before formatting, so that 99,999.99 reads $100K.
    let rounded = |x: f64| {
        if x == 0.0 || !x.is_finite() {
            return x;
        }
        let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
        (x * scale).round() / scale
    };
    format!(
        "{}–{}<br><code>{}</code>",
        escape(&format(rounded(var.quantile(0.05)))),
        escape(&format(rounded(var.quantile(0.95)))),
        escape(&var.dist.describe())
    )
}

fn run_section(model: &Model, results: &RunResults) -> String {
    let s = model.settings;
    format!(
        "<section>\n<h2>Run</h2>\n<dl class=\"facts\">\n<dt>breachcost version</dt><dd>{}</dd>\n\
         <dt>Mode</dt><dd>{}</dd>\n<dt>Iterations</dt><dd>{}</dd>\n<dt>Seed</dt><dd>{}</dd>\n\
         <dt>Exposures</dt><dd>{}</dd>\n<dt>{} simulated</dt><dd>{}</dd>\n\
         <dt>Assumptions</dt><dd>{}</dd>\n</dl>\n<p class=\"note\">The same inputs and seed give the same \
         numbers on any machine (see <code>run.json</code> for input checksums).</p>\n</section>\n",
        env!("CARGO_PKG_VERSION"),
        s.mode.as_str(),
        thousands(s.iterations),
        s.seed,
        thousands(model.exposures.len() as u64),
        capitalise(model.simulated_noun()),
        thousands(results.simulated_breaches),
        escape(&model.assumptions.label)
    )
}
