//! Incident types beside the data breach (`[[incident]]`): their frequencies, the business
//! interruption of an outage against its closed form, the waiting period and period of
//! restoration, data exposed in a ransomware attack, and the input errors.

mod common;
mod engine_support;

use std::path::Path;
use std::process::Output;

use breachcost::input::Mode;
use common::{describe, run, stderr, write};
use engine_support::{assert_within, component, incident, simulate, simulate_incident, summary, Z};

const SEED: u64 = 424242;

/// A data breach costing a fixed $1,000, a ransomware type (half the data-breach rate) whose
/// attack costs $100 and takes systems down for uniform(0, 100) hours, costed at half the
/// revenue of each hour, and a type at a flat rate costing $10.
const MODEL: &str = r#"
[frequency]
rate = 0.2
[[incident]]
name = "ransomware"
relative_rate = 0.5
duration_hours = { dist = "uniform", min = 0, max = 100 }
[[incident]]
name = "fraud"
rate = 0.3
[[component]]
name = "breach_response"
fixed = 1000
[[component]]
name = "ransom"
incident = "ransomware"
fixed = 100
[[component]]
name = "downtime"
incident = "ransomware"
basis = "outage"
per_unit = 0.5
[[component]]
name = "transfer"
incident = "fraud"
fixed = 10
[policy]
waiting_period_hours = 10
period_of_restoration_hours = 60
"#;

/// $8.76M of revenue: $1,000 an hour.
const FIRM: &str = "id,records,revenue\nfirm,1000,8760000\n";

#[test]
fn each_type_happens_at_its_rate_relative_flat_or_from_the_row() {
    let csv = "id,records,revenue,annual_rate_fraud\nfirm,1000,8760000,\nbusy,1000,8760000,2\n";
    let n = 400_000;
    let results = simulate(csv, MODEL, Mode::Annual, n, SEED);
    // A fixed cost c at Poisson rate λ a year: mean cλ, sd c√λ.
    for (id, name, rate, cost) in
        [("firm", "data_breach", 0.2, 1000.0), ("firm", "fraud", 0.3, 10.0), ("busy", "fraud", 2.0, 10.0)]
    {
        let (listed, figures) = incident(&results, id, name);
        assert_eq!(*listed, rate, "{id} {name}: its rate");
        let se = cost * rate.sqrt() / (n as f64).sqrt();
        assert_within(&format!("{id} {name} mean"), figures.mean, cost * rate, se, Z);
    }
    let (rate, _) = incident(&results, "firm", "ransomware");
    assert_eq!(*rate, 0.1, "half the data-breach rate");
    // The ransom is paid in every attack: its mean is the rate times $100.
    let ransom = component(&results, "firm", "ransom").expect("applies");
    assert_within("ransom mean", ransom.mean, 10.0, 100.0 * 0.1f64.sqrt() / (n as f64).sqrt(), Z);
    // The types add up to the gross.
    let e = results.exposures.iter().find(|e| e.id == "firm").expect("firm");
    let by_type: f64 = e.incidents.iter().map(|(_, c)| c.mean).sum();
    let gross = e.measures.gross.summary.mean;
    assert!((by_type - gross).abs() <= 1e-9 * gross, "types {by_type} vs gross {gross}");
}

#[test]
fn business_interruption_is_revenue_an_hour_times_the_hours_between_the_waiting_period_and_the_restoration_cap() {
    // Hours D ~ uniform(0, 100), $500 lost an hour, waiting period W = 10, restoration P = 60:
    // gross 500 D (mean 25,000, sd 500 × 100/√12); insured 500 × min(max(D − W, 0), P), whose
    // mean is 500 × (∫₁₀⁷⁰ (d − 10) dd + 60 × 30) / 100 = 18,000 and second moment
    // 500² × (60³/3 + 3,600 × 30) / 100 = 500² × 1,800. (The ransom is left uncovered here, so
    // the insured loss is the business interruption alone.)
    let toml = MODEL.replace("fixed = 100\n", "fixed = 100\ncovered = false\n");
    let n = 200_000;
    let results = simulate_incident(FIRM, &toml, "ransomware", n, SEED);
    let downtime = component(&results, "firm", "downtime").expect("applies");
    let sd = 500.0 * 100.0 / 12f64.sqrt();
    assert_within("gross business interruption", downtime.mean, 25_000.0, sd / (n as f64).sqrt(), Z);
    let insured = summary(&results, "firm", "insured");
    let (mean, second) = (500.0 * 36.0, 500.0f64.powi(2) * 1800.0);
    let insured_sd = (second - mean * mean).sqrt();
    assert_within("insured", insured.mean, mean, insured_sd / (n as f64).sqrt(), Z);
    assert_within("insured sd", insured.sd, insured_sd, insured_sd * 0.01, Z);
    // The waiting period removes exactly the outages shorter than it: P(D > 10) = 0.9 of
    // attacks pay any business interruption; none pays more than 60 hours' worth, and 30% of
    // them (D ≥ 70) pay exactly that.
    let se = (0.09 / n as f64).sqrt();
    assert_within("attacks that pay business interruption", insured.prob_nonzero, 0.9, se, Z);
    assert!(insured.max <= 500.0 * 60.0 * (1.0 + 1e-12), "the restoration cap: {}", insured.max);
    assert!((insured.p75 - 500.0 * 60.0).abs() <= 1e-6, "the top 30% pay the cap: p75 {}", insured.p75);
    let gross = summary(&results, "firm", "gross");
    assert!(gross.max > 500.0 * 90.0, "gross is not capped: {}", gross.max);
    // Everything else is retained: the first 10 hours, the hours past 70, and the ransom.
    let retained = summary(&results, "firm", "retained");
    assert_within("retained", retained.mean, 25_000.0 + 100.0 - mean, sd / (n as f64).sqrt(), Z);
}

#[test]
fn a_ransomware_attack_that_steals_data_brings_the_data_breach_components() {
    let toml = MODEL.replace(
        "duration_hours = { dist = \"uniform\", min = 0, max = 100 }",
        "duration_hours = { dist = \"uniform\", min = 0, max = 100 }\ndata_breach_probability = 0.3",
    );
    let n = 200_000;
    let results = simulate_incident(FIRM, &toml, "ransomware", n, SEED);
    let breach = component(&results, "firm", "breach_response").expect("applies");
    let se = (0.3f64 * 0.7 / n as f64).sqrt();
    assert_within("attacks that expose data", breach.prob_nonzero, 0.3, se, Z);
    assert_within("their breach response", breach.mean, 300.0, 1000.0 * se, Z);
    // A data breach brings no ransom, and the fraud type nothing to either.
    let breaches = simulate_incident(FIRM, &toml, "data_breach", 10_000, SEED);
    assert_eq!(component(&breaches, "firm", "ransom").expect("applies").mean, 0.0);
    assert_eq!(component(&breaches, "firm", "breach_response").expect("applies").mean, 1000.0);
    let frauds = simulate_incident(FIRM, &toml, "fraud", 10_000, SEED);
    assert_eq!(summary(&frauds, "firm", "gross").mean, 10.0);
}

#[test]
fn an_incident_type_that_never_happens_changes_no_figure() {
    let breaches_only = "[frequency]\nrate = 0.4\n[[component]]\nname = \"a\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\n\
                         [[component]]\nname = \"b\"\nper_unit = { dist = \"uniform\", min = 1, max = 3 }\nprobability = 0.4\n";
    let with_type = format!(
        "{breaches_only}[[incident]]\nname = \"quiet\"\nrate = 0\n[[component]]\nname = \"q\"\nincident = \"quiet\"\nfixed = 5\n"
    );
    let csv = "id,records,retention,limit\nplain,5000,,\ntermed,20000,50000,500000\n";
    let [a, b] = [breaches_only, with_type.as_str()].map(|toml| simulate(csv, toml, Mode::Annual, 50_000, SEED));
    for (x, y) in a.exposures.iter().zip(&b.exposures) {
        assert_eq!(format!("{:?}", x.measures), format!("{:?}", y.measures), "{}", x.id);
        assert_eq!(format!("{:?}", x.components), format!("{:?}", &y.components[..2]), "{}", x.id);
        assert_eq!(y.components[2].mean, 0.0);
    }
    assert_eq!(format!("{:?}", a.portfolio), format!("{:?}", b.portfolio));
    assert!(a.exposures[0].incidents.is_empty(), "no incidents.csv without other types");
}

/// Runs `simulate` on the `exposures` and `assumptions` files into `out`, with `extra` flags.
fn simulate_files(exposures: &Path, assumptions: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["simulate", "--exposures", common::s(exposures), "--assumptions", common::s(assumptions)];
    args.extend_from_slice(&["--out", common::s(out)]);
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn bad_incident_inputs_are_one_line_errors_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", FIRM);
    let cases = [
        (MODEL.replace("incident = \"fraud\"", "incident = \"frauds\""), "did you mean \"fraud\"?"),
        (
            MODEL.replace("incident = \"ransomware\"\nbasis", "incident = \"fraud\"\nbasis"),
            "\"outage\" needs incident types with duration_hours; \"fraud\" takes nothing down",
        ),
        (MODEL.replace("relative_rate = 0.5", "relative_rate = -1"), "incident[1].relative_rate: -1 is not a number"),
        (MODEL.replace("rate = 0.3", "rate = 0.3\nrelative_rate = 1"), "not both"),
        (MODEL.replace("name = \"fraud\"\nrate", "name = \"data_breach\"\nrate"), "is the built-in type"),
        (format!("{MODEL}[[incident]]\nname = \"fraud\"\nrate = 1\n"), "the name is used twice"),
    ];
    for (toml, expected) in cases {
        let assumptions = write(dir.path(), "a.toml", &toml);
        let out = dir.path().join("out");
        let output = simulate_files(&exposures, &assumptions, &out, &[]);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(expected), "expected {expected:?} in {message}");
        assert_eq!(message.trim_end().lines().count(), 1, "one line: {message}");
        assert!(!out.exists(), "nothing written");
    }
    let assumptions = write(dir.path(), "a.toml", MODEL);
    let typo = write(dir.path(), "typo.csv", "id,records,annual_rate_fraudd\nx,10,1\n");
    let output = run(&["validate", "--exposures", common::s(&typo), "--assumptions", common::s(&assumptions)]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = stderr(&output);
    assert!(
        message.contains("row 1, column annual_rate_fraudd") && message.contains("\"annual_rate_fraud\""),
        "{message}"
    );
    for (flags, expected) in [
        (vec!["--incident", "ransomwar"], "did you mean \"ransomware\"?"),
        (vec!["--incident", "ransomware", "--mode", "annual"], "leave out --mode annual"),
    ] {
        let out = dir.path().join("out2");
        let output = simulate_files(&exposures, &assumptions, &out, &flags);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        assert!(stderr(&output).contains(expected), "expected {expected:?} in {}", stderr(&output));
        assert!(!out.exists(), "nothing written");
    }
}

#[test]
fn incidents_csv_lists_each_type_per_exposure_and_for_the_portfolio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records,revenue\nfirm,1000,8760000\nother,50,1000000\n");
    let assumptions = write(dir.path(), "a.toml", MODEL);
    let out = dir.path().join("out");
    let output = simulate_files(&exposures, &assumptions, &out, &["--iterations", "20000", "--quiet", "--no-charts"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = std::fs::read_to_string(out.join("incidents.csv")).expect("incidents.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,incident,annual_rate,mean,sd,p50,p95,p99,share_of_mean,prob_nonzero,insured_mean,share_of_insured"
    );
    assert_eq!(lines.len(), 1 + 3 * 3, "three types for two exposures and the portfolio");
    assert!(lines[1].starts_with("firm,data_breach,0.2,"));
    assert!(lines[7].starts_with("PORTFOLIO,data_breach,0.4,"), "{}", lines[7]);
    // The portfolio's spread by type comes from the year-by-year sums: the fraud type (0.3 a
    // year at each of the two exposures) costs something in 1 − e^−0.6 of the years.
    let fraud: Vec<&str> = lines[9].split(',').collect();
    assert_eq!(fraud[..3], ["PORTFOLIO", "fraud", "0.6"]);
    let p: f64 = fraud[9].parse().expect("prob_nonzero");
    let exact = 1.0 - (-0.6f64).exp();
    assert_within("years with a fraud", p, exact, (exact * (1.0 - exact) / 20_000.0).sqrt(), Z);
    assert!(fraud[4..9].iter().all(|cell| cell.parse::<f64>().is_ok()), "{}", lines[9]);
}

/// A provider's outage of 48 hours, once in ten years, hitting every exposure on the provider
/// (footprint 1); the outage type happens otherwise never.
fn provider_outage(contingent_covered: bool) -> String {
    format!(
        r#"
[frequency]
rate = 0
[[incident]]
name = "outage"
rate = 0
duration_hours = {{ dist = "uniform", min = 1, max = 5 }}
[[component]]
name = "response"
fixed = 1000
[[component]]
name = "downtime"
incident = "outage"
basis = "outage"
per_unit = 0.5
[[systemic]]
name = "cloud-down"
annual_rate = 0.1
model = "bernoulli"
footprint = 1
incident = "outage"
duration_hours = 48
match = {{ provider = "acme-cloud" }}
[policy]
waiting_period_hours = 8
contingent_business_interruption = {contingent_covered}
"#
    )
}

#[test]
fn a_provider_outage_with_footprint_one_interrupts_every_insured_on_it_in_the_same_year() {
    let csv = "id,records,revenue,provider\na,100,8760000,acme-cloud\nb,100,17520000,acme-cloud\nc,100,8760000,other\n";
    let n = 100_000;
    let results = simulate(csv, &provider_outage(true), Mode::Annual, n, SEED);
    let se = (0.09 / n as f64).sqrt();
    // Each insured on the provider loses 48 hours at half its hourly revenue in the event's
    // years, and is paid the 40 hours past the waiting period; the other insured nothing.
    for (id, per_hour) in [("a", 1000.0), ("b", 2000.0)] {
        let gross = summary(&results, id, "gross");
        assert_within(&format!("{id} years hit"), gross.prob_nonzero, 0.1, se, Z);
        assert!((gross.max - 0.5 * per_hour * 48.0).abs() < 1e-6, "{id}: {}", gross.max);
        let insured = summary(&results, id, "insured");
        assert!((insured.max - 0.5 * per_hour * 40.0).abs() < 1e-6, "{id}: {}", insured.max);
    }
    assert_eq!(summary(&results, "c", "gross").max, 0.0);
    // The same years: the portfolio has a loss in a tenth of them, not in 1 − 0.9² of them.
    let portfolio = &results.portfolio.as_ref().expect("annual").gross.summary;
    assert_within("portfolio years hit", portfolio.prob_nonzero, 0.1, se, Z);
    assert!((portfolio.max - (24_000.0 + 48_000.0)).abs() < 1e-6, "{}", portfolio.max);
    // Contingent business interruption is covered only where the policy covers it.
    let uncovered = simulate(csv, &provider_outage(false), Mode::Annual, 20_000, SEED);
    assert_eq!(summary(&uncovered, "a", "insured").max, 0.0);
    assert_eq!(summary(&uncovered, "a", "gross").max, 24_000.0);
    let (_, outage) = incident(&uncovered, "a", "outage");
    assert!(outage.mean > 0.0, "the outage type's column holds the provider's outage");
}

/// The same event without a `duration_hours` of its own is a wave of outages on the firms' own
/// systems: each hit draws its own 1–5 hours from the type, and is paid as its own outage
/// (after the waiting period) whether or not contingent interruption is covered.
#[test]
fn a_systemic_outage_without_its_own_hours_is_a_wave_on_each_firms_own_systems() {
    let csv = "id,records,revenue,provider\na,100,8760000,acme-cloud\nb,100,8760000,acme-cloud\n";
    let wave = provider_outage(false)
        .replace("duration_hours = 48\n", "")
        .replace("waiting_period_hours = 8", "waiting_period_hours = 2");
    let results = simulate(csv, &wave, Mode::Annual, 20_000, SEED);
    for id in ["a", "b"] {
        let gross = summary(&results, id, "gross");
        // Half of $1,000 an hour for 1 to 5 hours, not the provider's 48.
        assert!(gross.max > 0.0 && gross.max <= 2_500.0 + 1e-9, "{id}: {}", gross.max);
        let insured = summary(&results, id, "insured");
        assert!(insured.max > 0.0 && insured.max <= 1_500.0 + 1e-9, "{id}: {}", insured.max);
    }
    // Each hit its own hours: the two firms' losses differ (the same hours would give the
    // same figures, as for a provider's outage).
    assert_ne!(summary(&results, "a", "gross").mean, summary(&results, "b", "gross").mean);
}

/// `--incident` with shards: each shard records the type, merge costs the same type and gives
/// the single run's reports byte for byte, and shards of different types are refused.
#[test]
fn incident_runs_split_into_shards_merge_to_the_single_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", "id,records,revenue\nfirm,1000,8760000\nother,50,1000000\n");
    let assumptions = write(dir.path(), "a.toml", MODEL);
    let quiet = ["--quiet", "--iterations", "9000", "--no-charts"];
    let single = dir.path().join("single");
    let output =
        simulate_files(&exposures, &assumptions, &single, &[&["--incident", "ransomware"][..], &quiet].concat());
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let mut shards = Vec::new();
    for (k, incident) in [(1, "ransomware"), (2, "ransomware"), (2, "fraud")] {
        let out = dir.path().join(format!("shard-{k}-{incident}"));
        let spec = format!("{k}/2");
        let flags = [&["--incident", incident, "--shard", spec.as_str()][..], &quiet[..1], &quiet[1..3]].concat();
        let output = simulate_files(&exposures, &assumptions, &out, &flags);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let merge = |dirs: &[&Path], out: &Path| {
        let mut args = vec!["merge", "--quiet", "--no-charts", "--out", common::s(out)];
        args.extend(dirs.iter().map(|d| common::s(d)));
        run(&args)
    };
    let output = merge(&[&shards[0], &shards[1]], &merged);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    for file in ["summary.csv", "components.csv", "incidents.csv", "exceedance.csv"] {
        let [a, b] = [&single, &merged].map(|d| std::fs::read(d.join(file)).expect("report"));
        assert!(a == b, "{file}: the merged report differs from the single run's");
    }
    let mixed = merge(&[&shards[0], &shards[2]], &dir.path().join("mixed"));
    assert_eq!(mixed.status.code(), Some(2), "{}", describe(&mixed));
    assert!(stderr(&mixed).contains("incident is fraud, but"), "{}", stderr(&mixed));
}
