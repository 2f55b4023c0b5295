//! Properties of every run on random valid inputs: random assumptions (every distribution
//! and parameterisation of docs/schema.md, probability constants and curves, policy terms,
//! systemic events, correlations, both modes) and small random exposure tables, run
//! in-process with few iterations. Whatever the inputs, every reported number is finite,
//! quantiles are ordered and below the maximum, TVaRs sit above their quantiles, and in
//! every iteration gross = retained + insured with insured ≤ gross and within the policy's
//! caps.

use std::fmt::Write as _;

use breachcost::engine::{simulate_exposures, Model, RunSettings};
use breachcost::input::{Assumptions, Exposures, Mode};
use breachcost::run::{MeasureResult, Measures, RunResults};
use breachcost::stats::Summary;
use proptest::prelude::*;

/// Relative tolerance for sums that are equal up to rounding.
const ROUNDING: f64 = 1e-9;

/// `a ≤ b` up to rounding.
fn le(a: f64, b: f64) -> bool {
    a <= b + ROUNDING * a.abs().max(b.abs())
}

/// A number as TOML or CSV text (never in exponent form, which `{}` does not produce).
fn n(x: f64) -> String {
    format!("{x}")
}

// ----- distributions -----------------------------------------------------------------

/// An inline TOML table `{ dist = "<dist>", key = value, ... }` of numbers.
fn table(dist: &str, fields: &[(&str, f64)]) -> String {
    let fields: String = fields.iter().map(|(key, value)| format!(", {key} = {}", n(*value))).collect();
    format!("{{ dist = \"{dist}\"{fields} }}")
}

/// A distribution for a cost (role "never negative"): every `dist` and parameterisation.
fn cost_var() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0..1e5f64).prop_map(n),
        (0.0..1e5f64).prop_map(|v| table("constant", &[("value", v)])),
        (0.0..1e4f64, 0.01..1e5f64).prop_map(|(min, w)| table("uniform", &[("min", min), ("max", min + w)])),
        (0.0..1e4f64, 0.0..=1.0f64, 0.01..1e5f64)
            .prop_map(|(min, f, w)| table("triangular", &[("min", min), ("mode", min + f * w), ("max", min + w)])),
        (0.0..1e4f64, 0.0..=1.0f64, 0.01..1e5f64, prop::option::of(0.1..30.0f64)).prop_map(|(min, f, w, shape)| {
            let mut fields = vec![("min", min), ("mode", (min + f * w).min(min + w)), ("max", min + w)];
            fields.extend(shape.map(|s| ("shape", s)));
            table("pert", &fields)
        }),
        (-1e4..1e5f64, 0.01..1e5f64).prop_map(|(mean, sd)| table("normal", &[("mean", mean), ("sd", sd)])),
        (-2.0..12.0f64, 0.01..2.5f64).prop_map(|(mu, sigma)| table("lognormal", &[("mu", mu), ("sigma", sigma)])),
        (0.01..1e6f64, 0.01..3e6f64).prop_map(|(mean, sd)| table("lognormal", &[("mean", mean), ("sd", sd)])),
        (0.01..1e5f64, 1.01..1e3f64, prop::option::of(0.5..0.995f64)).prop_map(|(low, ratio, confidence)| {
            let mut fields = vec![("low", low), ("high", low * ratio)];
            fields.extend(confidence.map(|c| ("confidence", c)));
            table("lognormal", &fields)
        }),
        (0.05..20.0f64, 0.01..1e4f64).prop_map(|(shape, scale)| table("gamma", &[("shape", shape), ("scale", scale)])),
        (0.01..1e5f64, 0.01..3e5f64).prop_map(|(mean, sd)| table("gamma", &[("mean", mean), ("sd", sd)])),
        // Shapes down to 0.6: infinite means included; the numbers must still be finite.
        (0.01..1e4f64, 0.6..6.0f64).prop_map(|(scale, shape)| table("pareto", &[("scale", scale), ("shape", shape)])),
        empirical(0.0..1e5f64),
    ]
}

/// A distribution for a share (role "between 0 and 1"): bounded ones inside [0, 1],
/// unbounded ones (normal, lognormal, gamma) that the model clamps.
fn share_var() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0..=1.0f64).prop_map(n),
        (0.0..=1.0f64).prop_map(|v| table("constant", &[("value", v)])),
        (0.0..0.9f64, 0.01..0.1f64).prop_map(|(min, w)| table("uniform", &[("min", min), ("max", min + w)])),
        (0.0..0.5f64, 0.0..=1.0f64, 0.01..0.5f64)
            .prop_map(|(min, f, w)| table("triangular", &[("min", min), ("mode", min + f * w), ("max", min + w)])),
        (0.0..0.5f64, 0.0..=1.0f64, 0.01..0.5f64)
            .prop_map(|(min, f, w)| table("pert", &[("min", min), ("mode", min + f * w), ("max", min + w)])),
        (0.05..20.0f64, 0.05..20.0f64).prop_map(|(a, b)| table("beta", &[("alpha", a), ("beta", b)])),
        (0.02..0.98f64, 0.02..0.98f64)
            .prop_map(|(mean, f)| table("beta", &[("mean", mean), ("sd", f * (mean * (1.0 - mean)).sqrt())])),
        (-0.5..1.5f64, 0.01..1.0f64).prop_map(|(mean, sd)| table("normal", &[("mean", mean), ("sd", sd)])),
        (-4.0..0.5f64, 0.01..2.0f64).prop_map(|(mu, sigma)| table("lognormal", &[("mu", mu), ("sigma", sigma)])),
        (0.1..5.0f64, 0.01..0.5f64).prop_map(|(shape, scale)| table("gamma", &[("shape", shape), ("scale", scale)])),
        empirical(0.0..=1.0f64),
    ]
}

/// A discrete distribution over 1 to 5 values drawn from `values`, with or without weights
/// (some of them zero, never all).
fn empirical<S: Strategy<Value = f64>>(values: S) -> impl Strategy<Value = String> {
    (prop::collection::vec((values, 0.0..10.0f64), 1..6), any::<bool>()).prop_map(|(pairs, weighted)| {
        let values: Vec<String> = pairs.iter().map(|(v, _)| n(*v)).collect();
        // The first weight is never zero, so the weights never sum to zero.
        let weights: Vec<String> =
            pairs.iter().enumerate().map(|(i, (_, w))| n(if i == 0 { w + 0.5 } else { *w })).collect();
        if weighted {
            format!("{{ dist = \"empirical\", values = [{}], weights = [{}] }}", values.join(", "), weights.join(", "))
        } else {
            format!("{{ dist = \"empirical\", values = [{}] }}", values.join(", "))
        }
    })
}

// ----- assumptions and exposures -------------------------------------------------------

const DATA_TYPES: [&str; 5] = ["name", "email", "ssn", "health", "bank_account"];

/// A TOML list of 1 to 3 data types (possibly "any").
fn data_type_list(with_any: bool) -> impl Strategy<Value = String> {
    let mut names: Vec<&'static str> = DATA_TYPES.to_vec();
    if with_any {
        names.push("any");
    }
    prop::sample::subsequence(names, 1..=3)
        .prop_map(|d| format!("[{}]", d.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")))
}

/// A probability: a constant, or a curve of 1 to 4 points strictly increasing in records.
fn probability() -> impl Strategy<Value = String> {
    let curve = (0.0..4.0f64, prop::collection::vec((0.1..3.0f64, 0.0..=1.0f64), 1..5)).prop_map(|(start, steps)| {
        let mut x = start;
        let points: Vec<String> = steps
            .iter()
            .map(|(step, p)| {
                x += step;
                format!("[{}, {}]", n(10f64.powf(x)), n(*p))
            })
            .collect();
        format!("[{}]", points.join(", "))
    });
    prop_oneof![(0.0..=1.0f64).prop_map(n), curve]
}

/// `key = value` when the option is set.
fn line(out: &mut String, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        let _ = writeln!(out, "{key} = {v}");
    }
}

fn component(index: usize) -> impl Strategy<Value = String> {
    (
        prop::option::of(probability()),
        prop::option::of(cost_var()),
        prop::option::of(cost_var()),
        prop::option::of(share_var()),
        prop::option::of((0.2..1.3f64).prop_map(n)),
        prop::option::of(data_type_list(true)),
        prop::option::of(data_type_list(false)),
        prop::option::of(any::<bool>().prop_map(|b| b.to_string())),
    )
        .prop_map(move |(probability, fixed, per_unit, unit_share, exponent, data_types, exclude, covered)| {
            let mut out = format!("[[component]]\nname = \"c{index}\"\n");
            line(&mut out, "probability", &probability);
            line(&mut out, "fixed", &fixed);
            line(&mut out, "per_unit", &per_unit);
            line(&mut out, "unit_share", &unit_share);
            line(&mut out, "exponent", &exponent);
            line(&mut out, "data_types", &data_types);
            line(&mut out, "exclude_data_types", &exclude);
            line(&mut out, "covered", &covered);
            out
        })
}

/// An amount: finite, or `inf` where `infinite_ok`.
fn amount(max: f64, infinite_ok: bool) -> impl Strategy<Value = String> {
    let finite = (0.0..max).prop_map(n);
    if infinite_ok {
        prop_oneof![finite, Just("inf".to_string())].boxed()
    } else {
        finite.boxed()
    }
}

fn frequency() -> impl Strategy<Value = String> {
    (0.0..3.0f64, prop::option::of(0.01..5.0f64)).prop_map(|(rate, dispersion)| match dispersion {
        None => format!("[frequency]\nmodel = \"poisson\"\nrate = {}\n", n(rate)),
        Some(d) => format!("[frequency]\nmodel = \"negative_binomial\"\nrate = {}\ndispersion = {}\n", n(rate), n(d)),
    })
}

fn policy(components: usize) -> impl Strategy<Value = String> {
    (
        prop::option::of(amount(1e6, false)),
        prop::option::of(amount(1e8, true)),
        prop::option::of(amount(3e8, true)),
        prop::option::of((0.0..=1.0f64).prop_map(n)),
        prop::collection::vec(prop::option::of(amount(1e6, true)), components),
    )
        .prop_map(|(retention, limit, aggregate, share, sublimits)| {
            let mut out = "[policy]\n".to_string();
            line(&mut out, "retention", &retention);
            line(&mut out, "limit", &limit);
            line(&mut out, "aggregate_limit", &aggregate);
            line(&mut out, "share", &share);
            let sublimits: Vec<String> =
                sublimits.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| format!("c{i} = {s}"))).collect();
            if !sublimits.is_empty() {
                let _ = writeln!(out, "sublimits = {{ {} }}", sublimits.join(", "));
            }
            out
        })
}

fn pricing() -> impl Strategy<Value = String> {
    (0.0..0.9f64, 0.0..0.3f64, 0..3usize, 0.1..5.0f64).prop_map(|(expense, capital, measure, k)| {
        let measure = match measure {
            0 => "capital_measure = \"tvar_99\"".to_string(),
            1 => "capital_measure = \"var_99_5\"".to_string(),
            _ => format!("capital_measure = \"sd_multiple\"\nsd_multiple = {}", n(k)),
        };
        format!("[pricing]\nexpense_ratio = {}\ncost_of_capital = {}\n{measure}\n", n(expense), n(capital))
    })
}

fn systemic(index: usize) -> impl Strategy<Value = String> {
    (any::<bool>(), 0.0..=1.0f64, share_var(), prop::option::of(share_var()), 0..4usize).prop_map(
        move |(bernoulli, rate, footprint, affected_share, matching)| {
            let model = if bernoulli { "bernoulli" } else { "poisson" };
            let mut out = format!(
                "[[systemic]]\nname = \"s{index}\"\nmodel = \"{model}\"\nannual_rate = {}\nfootprint = {footprint}\n",
                n(rate)
            );
            line(&mut out, "affected_share", &affected_share);
            match matching {
                1 => out.push_str("match = { vendor = \"acme\" }\n"),
                2 => out.push_str("match = { data_types = [\"ssn\", \"email\"] }\n"),
                3 => out.push_str("match = { industry = [\"retail\", \"education\"], vendor = \"ACME\" }\n"),
                _ => {}
            }
            out
        },
    )
}

/// A whole assumptions file with 1 to 4 components `c0`, `c1`, ...
fn assumptions() -> impl Strategy<Value = String> {
    (1..=4usize)
        .prop_flat_map(|k| {
            (
                (0..k).map(component).collect::<Vec<_>>(),
                frequency(),
                prop::option::of(share_var()),
                prop::option::of(data_type_list(false)),
                prop::option::of(policy(k)),
                prop::option::of(pricing()),
                (0..3usize).prop_flat_map(|m| (0..m).map(systemic).collect::<Vec<_>>()),
                prop::option::of(-1.0..=1.0f64).prop_map(move |rho| rho.filter(|_| k >= 2)),
            )
        })
        .prop_map(|(components, frequency, affected_share, data_types, policy, pricing, systemic, rho)| {
            let mut out = frequency;
            out.push_str("[breach]\n");
            line(&mut out, "affected_share", &affected_share);
            line(&mut out, "data_types", &data_types);
            for c in components {
                out.push_str(&c);
            }
            out.push_str(&policy.unwrap_or_default());
            out.push_str(&pricing.unwrap_or_default());
            for s in systemic {
                out.push_str(&s);
            }
            if let Some(rho) = rho {
                let rho = n(rho);
                let _ =
                    writeln!(out, "[correlation]\ncomponents = [\"c1\", \"c0\"]\nmatrix = [[1, {rho}], [{rho}, 1]]");
            }
            out
        })
}

/// One exposure row (without its id) for the header of [`exposures`].
fn exposure_row() -> impl Strategy<Value = String> {
    (
        (0u64..1_000_000_000, prop::option::of(0.0..=1.0f64), prop::option::of(data_type_list(false))),
        (prop::option::of(0.0..5.0f64), prop::option::of(amount(1e6, false)), prop::option::of(amount(1e8, true))),
        (prop::option::of(amount(3e8, true)), prop::option::of(0.0..=1.0f64), prop::option::of(amount(1e6, true))),
        (prop::sample::select(vec!["acme", "other", "ACME "]), prop::sample::select(vec!["", "retail", "health care"])),
    )
        .prop_map(
            |(
                (records, affected, data_types),
                (rate, retention, limit),
                (aggregate, share, sublimit),
                (vendor, industry),
            )| {
                let affected = affected.map(|f| ((records as f64 * f).floor() as u64).min(records).to_string());
                let data_types = data_types
                    .map(|list| list.trim_matches(['[', ']']).replace(['"', ' '], "").replace(',', ";"))
                    .unwrap_or_default();
                let text = |v: Option<String>| v.unwrap_or_default();
                [
                    records.to_string(),
                    data_types,
                    text(affected),
                    text(rate.map(n)),
                    text(retention),
                    text(limit),
                    text(aggregate),
                    text(share.map(n)),
                    text(sublimit),
                    vendor.to_string(),
                    industry.to_string(),
                ]
                .join(",")
            },
        )
}

/// An exposures table of 1 to 3 rows `e0`, `e1`, ...
fn exposures() -> impl Strategy<Value = String> {
    prop::collection::vec(exposure_row(), 1..=3).prop_map(|rows| {
        let mut out = "id,records,data_types,affected,annual_rate,retention,limit,aggregate_limit,share,sublimit_c0,vendor,industry\n"
            .to_string();
        for (i, row) in rows.iter().enumerate() {
            let _ = writeln!(out, "e{i},{row}");
        }
        out
    })
}

#[derive(Debug, Clone)]
struct Case {
    assumptions: String,
    exposures: String,
    mode: Mode,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (assumptions(), exposures(), prop_oneof![Just(Mode::Annual), Just(Mode::Breach)], any::<u64>())
        .prop_map(|(assumptions, exposures, mode, seed)| Case { assumptions, exposures, mode, seed })
}

// ----- the checks ----------------------------------------------------------------------

/// Iterations per case: few, so that many cases run; the properties hold for any count.
const ITERATIONS: u64 = 300;

/// Fails with `message` unless `condition`.
fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

fn check_summary(what: &str, s: &Summary) -> Result<(), String> {
    let numbers = s.columns();
    ensure(numbers.iter().all(|x| x.is_finite()), || format!("{what}: a statistic is not finite: {s:?}"))?;
    let quantiles = [0.0, s.p50, s.p75, s.p90, s.p95, s.p99, s.p99_5, s.p99_9, s.max];
    ensure(quantiles.windows(2).all(|q| q[0] <= q[1]), || format!("{what}: quantiles out of order: {s:?}"))?;
    ensure(le(s.p95, s.tvar_95) && le(s.p99, s.tvar_99) && le(s.tvar_95, s.tvar_99) && le(s.tvar_99, s.max), || {
        format!("{what}: TVaRs not between their quantiles and the maximum: {s:?}")
    })?;
    ensure(le(s.mean, s.tvar_95) && le(s.mean, s.max) && s.mean >= 0.0, || {
        format!("{what}: mean out of range: {s:?}")
    })?;
    ensure(s.sd >= 0.0 && s.se_mean >= 0.0 && (0.0..=1.0).contains(&s.prob_nonzero), || {
        format!("{what}: sd, se or probability out of range: {s:?}")
    })?;
    ensure(s.mean_ci_low <= s.mean && s.mean <= s.mean_ci_high, || format!("{what}: mean outside its CI: {s:?}"))?;
    ensure(s.p99_ci_low <= s.p99 && s.p99 <= s.p99_ci_high, || format!("{what}: p99 outside its CI: {s:?}"))?;
    // A loss in more than 1% of iterations puts p99 above zero, and the other way round.
    ensure((s.p99 > 0.0) == (s.prob_nonzero > 0.01) || s.prob_nonzero * ITERATIONS as f64 <= 4.0, || {
        format!("{what}: p99 and prob_nonzero disagree: {s:?}")
    })?;
    Ok(())
}

/// `scale` is the gross loss's maximum: retained and insured losses are differences of sums of
/// that size and carry rounding errors relative to it.
fn check_measure(what: &str, m: &MeasureResult, annual: bool, scale: f64) -> Result<(), String> {
    let le = |a: f64, b: f64| a <= b + ROUNDING * a.abs().max(b.abs()).max(scale);
    check_summary(what, &m.summary)?;
    let curves = [
        ("AEP", Some(&m.aggregate_ep)),
        ("OEP", m.occurrence_ep.as_ref()),
        ("AEP TVaR", Some(&m.aggregate_ep_tvar)),
        ("OEP TVaR", m.occurrence_ep_tvar.as_ref()),
    ];
    for (name, curve) in curves {
        let Some(curve) = curve else { continue };
        ensure(curve.iter().all(|x| x.is_finite() && *x >= 0.0), || format!("{what}: {name} not finite: {curve:?}"))?;
        // Quantiles of sorted values increase exactly; TVaRs (means of tails) up to rounding.
        let increasing = if name.ends_with("TVaR") {
            curve.windows(2).all(|w| le(w[0], w[1]))
        } else {
            curve.windows(2).all(|w| w[0] <= w[1])
        };
        ensure(increasing, || format!("{what}: {name} decreasing in return period: {curve:?}"))?;
    }
    for (loss, tvar) in m.aggregate_ep.iter().zip(&m.aggregate_ep_tvar) {
        ensure(le(*loss, *tvar), || format!("{what}: TVaR {tvar} below its quantile {loss}"))?;
    }
    ensure(annual || m.occurrence_ep.is_none(), || format!("{what}: an OEP curve in breach mode"))?;
    if let Some(oep) = &m.occurrence_ep {
        // The year's largest breach never exceeds the year's total, so neither do its quantiles.
        for (o, a) in oep.iter().zip(&m.aggregate_ep) {
            ensure(le(*o, *a), || format!("{what}: OEP {oep:?} above AEP {:?}", m.aggregate_ep))?;
        }
    }
    Ok(())
}

fn check_measures(what: &str, m: &Measures, annual: bool) -> Result<(), String> {
    for (name, measure) in m.iter() {
        check_measure(&format!("{what} {name}"), measure, annual, m.gross.summary.max)?;
    }
    let (gross, retained, insured) = (&m.gross.summary, &m.retained.summary, &m.insured.summary);
    ensure((retained.mean + insured.mean - gross.mean).abs() <= ROUNDING * gross.mean.max(1.0), || {
        format!("{what}: mean retained {} + insured {} != gross {}", retained.mean, insured.mean, gross.mean)
    })?;
    ensure(le(insured.max, gross.max) && le(retained.max, gross.max), || format!("{what}: a part above the gross"))?;
    for (name, part) in [("retained", retained), ("insured", insured)] {
        let quantiles = [part.p50, part.p90, part.p99, part.p99_9];
        let gross_quantiles = [gross.p50, gross.p90, gross.p99, gross.p99_9];
        // Part ≤ gross in every iteration, so every order statistic is too.
        for (p, g) in quantiles.iter().zip(&gross_quantiles) {
            ensure(le(*p, *g), || format!("{what}: {name} quantile {p} above gross {g}"))?;
        }
    }
    Ok(())
}

fn check_results(model: &Model, results: &RunResults) -> Result<(), String> {
    let annual = model.settings.mode == Mode::Annual;
    for e in &results.exposures {
        check_measures(&e.id, &e.measures, annual)?;
        let gross_mean = e.measures.gross.summary.mean;
        let mut component_total = 0.0;
        for c in &e.components {
            let numbers = [c.mean, c.sd, c.p50, c.p95, c.p99, c.share_of_mean, c.prob_nonzero];
            ensure(numbers.iter().all(|x| x.is_finite()), || format!("{} {}: not finite: {c:?}", e.id, c.name))?;
            ensure(c.p50 <= c.p95 && c.p95 <= c.p99 && c.mean >= 0.0, || format!("{} {}: {c:?}", e.id, c.name))?;
            component_total += c.mean;
        }
        ensure((component_total - gross_mean).abs() <= ROUNDING * gross_mean.max(1.0), || {
            format!("{}: component means sum to {component_total}, gross mean {gross_mean}", e.id)
        })?;
        for means in &e.layers.mean {
            ensure(means.windows(2).all(|w| w[0] <= w[1]) && means.iter().all(|x| x.is_finite()), || {
                format!("{}: layer means not finite and increasing: {:?}", e.id, e.layers)
            })?;
        }
    }
    ensure(results.portfolio.is_some() == annual, || "a portfolio only in annual mode".to_string())?;
    if let Some(p) = &results.portfolio {
        check_measures("PORTFOLIO", p, true)?;
        let total: f64 = results.exposures.iter().map(|e| e.measures.gross.summary.mean).sum();
        let mean = p.gross.summary.mean;
        ensure((total - mean).abs() <= ROUNDING * mean.max(1.0), || {
            format!("portfolio gross mean {mean} is not the sum of the exposures' {total}")
        })?;
        let co_tvar: f64 = results.contributions.iter().map(|c| c.gross_co_tvar_99).sum();
        let tvar = p.gross.summary.tvar_99;
        ensure((co_tvar - tvar).abs() <= ROUNDING * tvar.max(1.0), || {
            format!("co-TVaRs sum to {co_tvar}, portfolio TVaR99 is {tvar}")
        })?;
    }
    if let Some(p) = &results.portfolio_independent {
        check_measures("PORTFOLIO_EXCL_SYSTEMIC", p, true)?;
    }
    // Every number written into the CSV reports is finite.
    for file in breachcost::report::csv_reports(model, results, annual) {
        let text = String::from_utf8_lossy(&file.bytes);
        for (i, row) in text.lines().enumerate() {
            for cell in row.split(',') {
                let bad = cell.parse::<f64>().is_ok_and(|x| !x.is_finite());
                ensure(!bad, || format!("{} line {}: {cell:?} in {row:?}", file.path, i + 1))?;
            }
        }
    }
    Ok(())
}

/// Per iteration: gross = retained + insured, 0 ≤ insured ≤ gross, the component costs sum
/// to the gross, and the insured loss stays within share × the limit that caps it.
fn check_outcomes(model: &Model) -> Result<(), String> {
    let annual = model.settings.mode == Mode::Annual;
    let all = simulate_exposures(model, 0..model.exposures.len(), 0..model.settings.iterations, &|_| {});
    for (exposure, o) in model.exposures.iter().zip(&all) {
        let terms = &exposure.terms;
        let k = exposure.components.len();
        for (((x, costs), own), _) in o.rows(k).zip(o.independent()).zip(0..) {
            let what = || format!("{} iteration {}: {x:?} under {terms:?}", exposure.id, x.iteration);
            ensure(x.gross.is_finite() && x.insured.is_finite() && x.gross >= 0.0 && x.insured >= 0.0, what)?;
            ensure(le(x.insured, x.gross), what)?;
            ensure((x.retained() + x.insured - x.gross).abs() <= ROUNDING * x.gross.max(1.0), what)?;
            // One breach's insured part is within share × limit; a year's within share × aggregate.
            let share_of = |cap: f64| if terms.share == 0.0 { 0.0 } else { terms.share * cap };
            ensure(le(x.largest_insured, share_of(terms.limit)), what)?;
            let cap = if annual { terms.aggregate_limit } else { terms.limit };
            ensure(le(x.insured, share_of(cap)), what)?;
            ensure(le(x.largest_gross, x.gross) && le(x.largest_insured, x.insured), what)?;
            ensure(le(own.gross, x.gross) && le(own.insured, x.insured), what)?;
            let costs: f64 = costs.iter().sum();
            ensure((costs - x.gross).abs() <= ROUNDING * x.gross.max(1.0), what)?;
        }
        // The ILF layers: a higher per-breach limit never pays less, block by block (each
        // basis's sums, and sums of squares, over the limits).
        for sums in o.layer_sums.iter().flat_map(|block| block.chunks(breachcost::engine::ILF_LIMITS.len())) {
            ensure(sums.windows(2).all(|w| w[0] <= w[1] * (1.0 + ROUNDING)), || {
                format!("{}: layers {sums:?}", exposure.id)
            })?;
        }
    }
    Ok(())
}

fn run_case(case: &Case) -> Result<(), String> {
    let assumptions = Assumptions::parse(&case.assumptions, "generated.toml").map_err(|e| e.to_string())?;
    let exposures = Exposures::from_csv_bytes(case.exposures.as_bytes(), "generated.csv").map_err(|e| e.to_string())?;
    let settings = RunSettings { mode: case.mode, iterations: ITERATIONS, seed: case.seed };
    let model = Model::build(&exposures, assumptions, settings).map_err(|e| e.to_string())?;
    let results = breachcost::run::run(&model, &|_| {});
    check_results(&model, &results)?;
    check_outcomes(&model)
}

/// Cases per run: the file takes well under a minute in release.
const CASES: u32 = 1024;

/// [`CASES`] cases from a fixed seed, so that a failure in CI reproduces; `PROPTEST_CASES`
/// and `PROPTEST_RNG_SEED` explore further.
fn config() -> ProptestConfig {
    use proptest::test_runner::RngSeed;
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() { from_env.cases } else { CASES },
        rng_seed: match from_env.rng_seed {
            RngSeed::Random => RngSeed::Fixed(20_231_031),
            fixed => fixed,
        },
        failure_persistence: None,
        ..from_env
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_run_on_valid_random_inputs_is_finite_ordered_and_adds_up(case in case()) {
        if let Err(message) = run_case(&case) {
            return Err(TestCaseError::fail(format!(
                "{message}\n--- assumptions:\n{}\n--- exposures:\n{}\n--- mode {:?}, seed {}",
                case.assumptions, case.exposures, case.mode, case.seed
            )));
        }
    }
}

/// The generators themselves: a failure in any property above could hide behind inputs that
/// never reach the model, so every generated pair must parse and build.
#[test]
fn the_generated_inputs_cover_every_distribution_and_parse() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    let strategy = case();
    for _ in 0..400 {
        let case = strategy.new_tree(&mut runner).map(|t| t.current());
        let case = case.unwrap_or_else(|e| panic!("the generator failed: {e}"));
        let assumptions = Assumptions::parse(&case.assumptions, "generated.toml")
            .unwrap_or_else(|e| panic!("generated assumptions must parse: {e}\n{}", case.assumptions));
        let exposures = Exposures::from_csv_bytes(case.exposures.as_bytes(), "generated.csv")
            .unwrap_or_else(|e| panic!("generated exposures must parse: {e}\n{}", case.exposures));
        let settings = RunSettings { mode: case.mode, iterations: 1, seed: case.seed };
        if let Err(e) = Model::build(&exposures, assumptions, settings) {
            panic!("generated inputs must build: {e}\n{}\n{}", case.assumptions, case.exposures);
        }
        for dist in
            ["constant", "uniform", "triangular", "pert", "normal", "lognormal", "gamma", "beta", "pareto", "empirical"]
        {
            if case.assumptions.contains(&format!("dist = \"{dist}\"")) {
                seen.insert(dist);
            }
        }
        for feature in ["mu =", "low =", "[[systemic]]", "[correlation]", "negative_binomial", "sublimits", "inf"] {
            if case.assumptions.contains(feature) {
                seen.insert(feature);
            }
        }
    }
    assert_eq!(seen.len(), 17, "features generated: {seen:?}");
}
