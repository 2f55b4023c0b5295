//! `report.html` of `breachcost compare`: the baseline and each alternative on one page. What
//! each alternative saves in a sentence, the configurations side by side (premium, cost,
//! mean and tail losses, the saving with its interval and the return on the cost), the two
//! charts, and per alternative the paired differences of every statistic of the target's
//! gross, retained and insured loss. Self-contained, in the style of the simulation report.

use super::{escape, inline_svg, CSS};
use crate::analysis::compare::{Alternative, Comparison, Outcome};
use crate::analysis::paired::{Difference, Statistic, MEASURES};
use crate::error::Result;
use crate::input::Mode;
use crate::report::chart::{self, Rendered};
use crate::report::format::{money, signed_money, thousands};
use crate::report::ReportFile;
use crate::stats::RETURN_PERIODS;

/// The statistics' places in [`crate::analysis::paired::STATISTICS`].
const MEAN: usize = 0;
/// The measures' places in [`MEASURES`].
const GROSS: usize = 0;
const RETAINED: usize = 1;
/// A blank table cell.
const NA: &str = "<td class=\"na\">—</td>";

/// `report.html` of a comparison and the two charts it shows.
pub fn render(comparison: &Comparison) -> Result<Vec<ReportFile>> {
    let rendered = chart::compare::charts(comparison)?;
    let page = html(comparison, &rendered);
    let mut files: Vec<ReportFile> = rendered.into_iter().flat_map(Rendered::into_files).collect();
    files.push(ReportFile { path: "report.html".into(), bytes: page.into_bytes() });
    Ok(files)
}

/// What the page calls one iteration's loss.
struct Words {
    /// "annual loss" or "cost of a breach".
    loss: &'static str,
    /// "year" or "breach".
    unit: &'static str,
    /// "years" or "breaches".
    units: &'static str,
}

impl Words {
    fn of(mode: Mode) -> Self {
        match mode {
            Mode::Annual => Words { loss: "annual loss", unit: "year", units: "years" },
            Mode::Breach => Words { loss: "cost of a breach", unit: "breach", units: "breaches" },
        }
    }
}

fn html(c: &Comparison, charts: &[Rendered]) -> String {
    let words = Words::of(c.mode);
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>breachcost compare: {target}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<p class=\"kicker\">breachcost compare</p>\n<h1>{baseline} against {n}: {target}</h1>\n\
         <p class=\"meta\">{mode} mode · {iterations} simulated {units} per run · {runs} runs · seed {seed} · \
         {exposures} · breachcost {version}</p>\n</header>\n",
        target = escape(&c.target),
        baseline = escape(&c.baseline.name),
        n = plural(c.alternatives.len(), "alternative"),
        mode = c.mode.as_str(),
        iterations = thousands(c.iterations),
        units = words.units,
        runs = thousands(c.alternatives.len() as u64 + 1),
        seed = c.seed,
        exposures = plural(c.exposures, "exposure"),
        version = env!("CARGO_PKG_VERSION"),
    );
    page.push_str(&headline(c, &words));
    page.push_str(&configurations(c, &words));
    page.push_str(&charts_section(c, &words, charts));
    for alt in &c.alternatives {
        page.push_str(&differences(c, alt, &words));
    }
    page.push_str(&format!(
        "<section>\n<h2>Run</h2>\n<dl class=\"facts\">\n<dt>breachcost version</dt><dd>{}</dd>\n\
         <dt>Command</dt><dd>compare</dd>\n<dt>Target</dt><dd>{}</dd>\n<dt>Mode</dt><dd>{}</dd>\n\
         <dt>Iterations per run</dt><dd>{}</dd>\n<dt>Seed</dt><dd>{}</dd>\n<dt>Exposures</dt><dd>{}</dd>\n\
         <dt>Configurations</dt><dd>{}</dd>\n<dt>Run time</dt><dd>{:.1} s</dd>\n</dl>\n</section>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&c.target),
        c.mode.as_str(),
        thousands(c.iterations),
        c.seed,
        thousands(c.exposures as u64),
        thousands(c.alternatives.len() as u64 + 1),
        c.wall_seconds,
    ));
    page.push_str(
        "<footer>Amounts are rounded for reading; the exact values are in <code>compare.csv</code> (every paired \
         difference, also per exposure) and <code>alternatives.csv</code> next to this page. Charts are also in \
         <code>charts/</code> as PNG and SVG.</footer>\n\
         </main>\n</body>\n</html>\n",
    );
    page
}

/// `n` and the noun, plural unless one: "1 alternative", "3 exposures".
fn plural(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n as u64), if n == 1 { "" } else { "s" })
}

/// An interval for people: `$1.2M to $1.9M` (`to`: either end may be negative).
fn interval((lo, hi): (f64, f64), format: fn(f64) -> String) -> String {
    format!("{} to {}", format(lo), format(hi))
}

/// The difference of measure `m`, statistic `s` of the target.
fn difference(alt: &Alternative, m: usize, s: usize) -> Option<&Difference> {
    alt.rows.iter().take(MEASURES.len()).find(|r| r.measure == m)?.differences.get(s)
}

/// The saving (baseline − alternative) of the target's mean loss of measure `m`, and its 95%
/// interval.
fn saving(alt: &Alternative, m: usize) -> Option<(f64, Option<(f64, f64)>)> {
    difference(alt, m, MEAN).map(|_| alt.saving(m, MEAN))
}

/// What a saving does to `what`, in words: "lowers the mean gross annual loss by $360K (95%
/// interval $287K to $433K)".
fn effect((saving, ci): (f64, Option<(f64, f64)>), what: &str) -> String {
    // Below half a unit of money either way is rounding (retained = gross − insured), not a change.
    let nothing = |x: f64| x.abs() < 0.5;
    if nothing(saving) && ci.is_none_or(|(lo, hi)| nothing(lo) && nothing(hi)) {
        return format!("leaves the {what} as it is");
    }
    // The interval of the amount the verb names.
    let (verb, ci) = if saving >= 0.0 { ("lowers", ci) } else { ("raises", ci.map(|(lo, hi)| (-hi, -lo))) };
    let ci = ci.map_or(String::new(), |ci| {
        let unsure = if ci.0 <= 0.0 { ", which includes no change" } else { "" };
        format!(" (95% interval {}{unsure})", interval(ci, money))
    });
    format!("{verb} the {what} by <strong>{}</strong>{ci}", money(saving.abs()))
}

/// The target's loss exceeded once in 100 years (or breaches): its p99.
fn one_in_100(outcome: &Outcome, m: usize) -> Option<f64> {
    let at = RETURN_PERIODS.iter().position(|&t| t == 100)?;
    outcome.exceedance.get(m)?.get(at).copied()
}

/// The gross saving ÷ the cost, with the interval of the saving ÷ the cost (annual mode: a
/// cost is a year's, so is the saving).
fn return_on_cost(c: &Comparison, alt: &Alternative) -> Option<(f64, Option<(f64, f64)>)> {
    let cost = alt.outcome.cost.filter(|_| c.mode == Mode::Annual)?;
    let (_, ci) = saving(alt, GROSS)?;
    Some((alt.return_on_cost(c.mode)?, ci.map(|(lo, hi)| (lo / cost, hi / cost))))
}

fn ratio(x: f64) -> String {
    format!("{x:.2}×")
}

fn headline(c: &Comparison, words: &Words) -> String {
    let mut out = format!(
        "<section class=\"headline\">\n<p class=\"lede\">Every configuration is simulated with the same seed: \
         {unit} for {unit}, each run draws the same random numbers except where its change acts, so the differences \
         below are the changes' effects, and their 95% intervals are of the paired differences of the {} {}.</p>\n",
        thousands(c.iterations),
        words.units,
        unit = words.unit,
    );
    if c.alternatives.is_empty() {
        out.push_str("<p>No alternative was given.</p>\n");
    }
    out.push_str("<ul>\n");
    for alt in &c.alternatives {
        let Some(gross) = saving(alt, GROSS) else { continue };
        let mut line = format!(
            "<li><strong>{}</strong> {}",
            escape(&alt.outcome.name),
            effect(gross, &format!("mean gross {}", words.loss))
        );
        if let Some(retained) = saving(alt, RETAINED) {
            line.push_str(&format!(" and {}", effect(retained, &format!("mean retained {}", words.loss))));
        }
        if let (Some(cost), Some((r, _))) = (alt.outcome.cost, return_on_cost(c, alt)) {
            line.push_str(&format!(", for {} a year: {} back for each dollar spent", money(cost), ratio(r)));
        }
        line.push_str(".</li>\n");
        out.push_str(&line);
    }
    out.push_str("</ul>\n</section>\n");
    out
}

fn configurations(c: &Comparison, words: &Words) -> String {
    let mut out = format!(
        "<section>\n<h2>Configurations</h2>\n<p class=\"note\">Means and the 1-in-100 loss are of the {target}'s \
         {loss}. Return on cost = the mean gross saving ÷ the cost a year; cost of risk = premium + mean retained + cost a year (what the firm expects to \
         pay); the 95% intervals are below the values.</p>\n<div class=\"scroll\"><table>\n<thead><tr>\
         <th class=\"text\">configuration</th><th class=\"text\">what it changes</th><th>premium</th>\
         <th>cost<br>a year</th><th>mean<br>gross</th><th>mean<br>retained</th><th>retained<br>1 in 100</th>\
         <th>cost<br>of risk</th><th>its<br>change</th><th>return<br>on cost</th></tr></thead>\n<tbody>\n",
        target = escape(&c.target),
        loss = words.loss,
    );
    let baseline_mean = |m: usize| c.alternatives.first().and_then(|a| difference(a, m, MEAN)).map(|d| d.baseline);
    out.push_str(&row(&c.baseline, "baseline", [baseline_mean(GROSS), baseline_mean(RETAINED)]));
    let risk = |o: &Outcome, retained: Option<f64>| {
        retained.and_then(|r| c.cost_of_risk(o, r)).map_or(NA.to_string(), |x| format!("<td>{}</td>", money(x)))
    };
    out.push_str(&risk(&c.baseline, baseline_mean(RETAINED)));
    out.push_str(&format!("{NA}{NA}</tr>\n"));
    for alt in &c.alternatives {
        let mean = |m: usize| difference(alt, m, MEAN).map(|d| d.alternative);
        out.push_str(&row(&alt.outcome, &alt.outcome.changes, [mean(GROSS), mean(RETAINED)]));
        out.push_str(&risk(&alt.outcome, mean(RETAINED)));
        let cell = |text: Option<String>| text.map_or(NA.to_string(), |t| format!("<td>{t}</td>"));
        out.push_str(&cell(alt.cost_of_risk_change(c).map(|(change, ci)| {
            let ci =
                ci.map_or(String::new(), |(lo, hi)| format!("<br><small>{} to<br>{}</small>", money(lo), money(hi)));
            format!("{}{ci}", signed_money(change))
        })));
        out.push_str(&cell(return_on_cost(c, alt).map(|(r, ci)| {
            let ci = ci.map_or(String::new(), |(lo, hi)| format!("<br><small>{lo:.2}× to<br>{hi:.2}×</small>"));
            format!("{}{ci}", ratio(r))
        })));
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if c.mode == Mode::Breach && c.alternatives.iter().any(|a| a.outcome.cost.is_some()) {
        out.push_str(
            "<p class=\"note\">Breach mode costs one breach, not a year, so a cost a year is not set against \
             the saving.</p>\n",
        );
    }
    out.push_str("</section>\n");
    out
}

/// A configuration's first cells (the row left open): name, changes, premium, cost, means
/// and the retained 1-in-100 loss.
fn row(o: &Outcome, changes: &str, means: [Option<f64>; 2]) -> String {
    let money_cell = |x: Option<f64>| x.map_or(NA.to_string(), |x| format!("<td>{}</td>", money(x)));
    let premium = o
        .premium
        .map_or(NA.to_string(), |(p, source)| format!("<td>{}<br><small>{}</small></td>", money(p), source.as_str()));
    let changes = if changes.is_empty() {
        "<span class=\"na\">—</span>".to_string()
    } else {
        escape(changes).replace("; ", ";<br>")
    };
    format!(
        "<tr><td class=\"text\" style=\"white-space: normal\">{}</td>\
         <td class=\"text source\" style=\"white-space: normal\">{changes}</td>{premium}{}{}{}{}",
        escape(&o.name),
        money_cell(o.cost),
        money_cell(means[0]),
        money_cell(means[1]),
        money_cell(one_in_100(o, RETAINED)),
    )
}

fn charts_section(c: &Comparison, words: &Words, charts: &[Rendered]) -> String {
    let svg = |name: &str| charts.iter().find(|r| r.name == name).map(|r| r.svg.as_str()).unwrap_or_default();
    let target = escape(&c.target);
    format!(
        "<section>\n<h2>Charts</h2>\n<figure id=\"compare_exceedance\">\n{}\n<figcaption><strong>Exceedance \
         curves.</strong> The {target}'s {loss} exceeded once in so many {units}, for each configuration: gross \
         solid, retained (what the insured keeps after its cover) dashed. Where an alternative's curve lies below \
         the baseline's, its bad {units} are less bad. Losses of $0 cannot be drawn on a log axis and are left \
         out. <span class=\"files\">charts/compare_exceedance.png · charts/compare_exceedance.svg</span>\
         </figcaption>\n</figure>\n<figure id=\"compare_savings\">\n{}\n<figcaption><strong>Savings.</strong> \
         What each alternative saves against the baseline: the mean gross and retained {loss} (left) and the \
         gross TVaR 99%, the mean of the worst 1% of {units} (right, on its own scale), with the 95% intervals \
         of the paired differences (a tail statistic has none when too few {units} are beyond it). \
         <span class=\"files\">charts/compare_savings.png · charts/compare_savings.svg</span></figcaption>\n\
         </figure>\n</section>\n",
        inline_svg(svg("compare_exceedance"), "Exceedance curves"),
        inline_svg(svg("compare_savings"), "Savings"),
        loss = words.loss,
        units = words.units,
    )
}

/// How a statistic reads in the tables.
fn statistic_label(s: Statistic) -> String {
    match s {
        Statistic::Mean => "mean".to_string(),
        Statistic::P95 => "p95 <small>1 in 20</small>".to_string(),
        Statistic::P99 => "p99 <small>1 in 100</small>".to_string(),
        Statistic::Tvar99 => "TVaR 99%".to_string(),
    }
}

fn differences(c: &Comparison, alt: &Alternative, words: &Words) -> String {
    let mut out = format!("<section>\n<h2>{} against {}</h2>\n", escape(&alt.outcome.name), escape(&c.baseline.name));
    let changes = if alt.outcome.changes.is_empty() {
        String::new()
    } else {
        format!("Changes: {}. ", escape(&alt.outcome.changes))
    };
    out.push_str(&format!(
        "<p class=\"note\">{changes}The {}'s {}; p95 and p99 are the losses exceeded once in 20 and 100 {}, TVaR 99% \
         the mean of the worst 1%.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">measure</th>\
         <th class=\"text\">statistic</th><th>baseline</th><th>alternative</th><th>difference</th><th>95% interval</th>\
         <th>paired se</th><th>unpaired se</th></tr></thead>\n<tbody>\n",
        escape(&c.target),
        words.loss,
        words.units,
    ));
    for r in alt.rows.iter().take(MEASURES.len()) {
        let measure = MEASURES.get(r.measure).copied().unwrap_or_default();
        for d in &r.differences {
            let cell = |x: Option<f64>| x.map_or(NA.to_string(), |x| format!("<td>{}</td>", money(x)));
            out.push_str(&format!(
                "<tr><td class=\"text\">{measure}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td>{}{}{}</tr>\n",
                statistic_label(d.statistic),
                money(d.baseline),
                money(d.alternative),
                signed_money(d.difference),
                d.ci.map_or(NA.to_string(), |ci| format!("<td>{}</td>", interval(ci, signed_money))),
                cell(d.se),
                cell(d.unpaired_se),
            ));
        }
    }
    out.push_str("</tbody>\n</table></div>\n");
    let mut note = format!(
        "Difference = alternative − baseline (negative: a saving). The paired standard error is what the common \
         random numbers buy: with both runs on the same draws it is often much smaller than the unpaired one, \
         which two runs with different seeds would give (the mean only). The intervals of p95, p99 and TVaR 99% \
         come from {} sections of consecutive {units}, and are left blank when too few {units} lie beyond the \
         level.",
        crate::analysis::paired::SECTIONS,
        units = words.units,
    );
    if let Some(d) = difference(alt, GROSS, MEAN) {
        match (d.se, d.unpaired_se) {
            (Some(se), Some(unpaired)) if se > 0.0 && unpaired > 0.0 => {
                let gain = unpaired / se;
                let what = if gain >= 1.5 {
                    format!(
                        "{gain:.0}× smaller, the precision of unpaired runs about {} times as long",
                        thousands(gain.powi(2).round() as u64)
                    )
                } else {
                    "pairing gains little for this change".to_string()
                };
                note.push_str(&format!(
                    " Here, for the mean gross {}, the paired se is {} against {} unpaired: {what}.",
                    words.loss,
                    money(se),
                    money(unpaired),
                ));
            }
            (Some(se), Some(unpaired)) if se == 0.0 && unpaired > 0.0 => note.push_str(&format!(
                " Here the change leaves the gross {} of every one of the {units} as it was: its paired se is $0.",
                words.loss,
                units = words.units,
            )),
            _ => {}
        }
    }
    out.push_str(&format!("<p class=\"note\">{note}</p>\n</section>\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::{PremiumSource, Row};
    use crate::analysis::paired::STATISTICS;

    /// A difference of every statistic: the alternative `scale` × the baseline.
    fn row(measure: usize, base: f64, scale: f64) -> Row {
        let differences = STATISTICS
            .iter()
            .enumerate()
            .map(|(i, &statistic)| {
                let b = base * (1.0 + i as f64 * 2.5);
                let a = b * scale;
                let d = a - b;
                let se = if i == 2 { None } else { Some(d.abs() * 0.1 + 1_000.0) };
                Difference {
                    statistic,
                    baseline: b,
                    alternative: a,
                    difference: d,
                    se,
                    ci: se.map(|se| (d - 1.96 * se, d + 1.96 * se)),
                    unpaired_se: (i == 0).then_some(d.abs() * 2.0 + 20_000.0),
                }
            })
            .collect();
        Row { id: "PORTFOLIO".into(), measure, differences }
    }

    fn outcome(name: &str, changes: &str, scale: f64, premium: Option<(f64, PremiumSource)>) -> Outcome {
        let curve = |m: f64| {
            RETURN_PERIODS.iter().map(|&t| if t < 5 { 0.0 } else { m * scale * f64::from(t).powf(0.6) }).collect()
        };
        Outcome {
            name: name.into(),
            changes: changes.into(),
            cost: (scale < 1.0).then_some(150_000.0),
            premium,
            exceedance: [curve(200_000.0), curve(60_000.0), curve(140_000.0)],
        }
    }

    fn alternative(name: &str, changes: &str, scale: f64, retained_scale: f64) -> Alternative {
        let premium = Some((900_000.0 * scale, PremiumSource::Technical));
        Alternative {
            outcome: outcome(name, changes, scale, premium),
            rows: vec![
                row(0, 1_200_000.0, scale),
                row(1, 400_000.0, retained_scale),
                row(2, 800_000.0, scale),
                // An exposure's row, after the target's.
                row(0, 5.0, 1.0),
            ],
        }
    }

    fn comparison() -> Comparison {
        Comparison {
            target: "PORTFOLIO".into(),
            mode: Mode::Annual,
            iterations: 100_000,
            seed: 42,
            exposures: 12,
            baseline: outcome("current programme", "", 1.0, Some((1_000_000.0, PremiumSource::Given))),
            alternatives: vec![
                alternative("MFA everywhere", "controls.mfa = true (prevents 30% of breaches)", 0.7, 0.75),
                alternative("<script>alert(1)</script>", "retention = 500000 & limit = 5M", 1.0, 1.6),
                alternative("EDR + backups", "ransomware severity × 0.5", 0.85, 0.8),
            ],
            wall_seconds: 12.34,
        }
    }

    #[test]
    fn render_returns_the_charts_and_the_page() {
        let files = render(&comparison()).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "charts/compare_exceedance.png",
                "charts/compare_exceedance.svg",
                "charts/compare_savings.png",
                "charts/compare_savings.svg",
                "report.html"
            ]
        );
        assert!(files.iter().all(|f| !f.bytes.is_empty()));
        look("all", &files);
    }

    /// With `BREACHCOST_LOOK=1`, writes `files` under `/tmp/compare-look/<name>/` to look at.
    fn look(name: &str, files: &[ReportFile]) {
        if std::env::var("BREACHCOST_LOOK").is_ok_and(|v| v == "1") {
            let dir = std::path::Path::new("/tmp/compare-look").join(name);
            for f in files {
                let path = dir.join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, &f.bytes).unwrap();
            }
        }
    }

    /// Breach mode, one alternative with a long name, no tail intervals, no premiums.
    #[test]
    fn one_alternative_in_breach_mode_renders() {
        let mut c = comparison();
        c.mode = Mode::Breach;
        c.target = "acme-manufacturing-holdings-international".into();
        c.exposures = 1;
        c.iterations = 2_000;
        c.baseline.premium = None;
        c.alternatives.truncate(1);
        let alt = &mut c.alternatives[0];
        alt.outcome.name = "Multi-factor authentication on every remote access path".into();
        alt.outcome.premium = None;
        for r in &mut alt.rows {
            for d in r.differences.iter_mut().skip(1) {
                d.ci = None;
                d.se = None;
            }
        }
        let files = render(&c).unwrap();
        assert_eq!(files.len(), 5);
        look("breach", &files);
    }

    #[test]
    fn user_text_is_escaped() {
        let files = render(&comparison()).unwrap();
        let page = String::from_utf8(files.last().unwrap().bytes.clone()).unwrap();
        assert!(!page.contains("<script>"), "an unescaped name");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("retention = 500000 &amp; limit = 5M"));
        for f in files.iter().filter(|f| f.path.ends_with(".svg")) {
            assert!(!String::from_utf8_lossy(&f.bytes).contains("<script>"), "{}", f.path);
        }
    }

    #[test]
    fn the_page_shows_savings_and_return_on_cost() {
        let c = comparison();
        let page = html(&c, &[]);
        // MFA: mean gross 1.2M → 840K, a saving of $360K for $150K a year.
        assert!(page
            .contains("<strong>MFA everywhere</strong> lowers the mean gross annual loss by <strong>$360K</strong>"));
        assert!(page.contains("2.40×"), "return on cost");
        assert!(page.contains("cost<br>of risk"), "the cost of risk column");
        // The blank interval of the p99 rows.
        assert!(page.contains(NA));
    }

    #[test]
    fn a_comparison_without_alternatives_still_renders() {
        let mut c = comparison();
        c.alternatives.clear();
        c.mode = Mode::Breach;
        let files = render(&c).unwrap();
        assert_eq!(files.len(), 5);
    }
}
