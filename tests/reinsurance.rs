//! Reinsurance on the portfolio (`[[treaty]]`): a quota share cedes exactly its share of every
//! year, an aggregate stop loss pays its layer of the kept year against the closed form, gross =
//! ceded + net, treaties apply in order, and bad treaties are one-line errors.

mod common;
mod engine_support;

use breachcost::input::Mode;
use common::{describe, run, write};
use engine_support::{assert_within, simulate, Z};
use polars::prelude::{ParquetReader, SerReader};

const SEED: u64 = 777_000;

/// Each breach costs $1,000, covered; two exposures at 1 breach a year each (a Poisson(2) year).
fn model(treaties: &str) -> String {
    format!("[frequency]\nrate = 1\n[[component]]\nname = \"a\"\nfixed = 1000\n{treaties}")
}

const BOOK: &str = "id,records\nx,10\ny,10\n";

fn poisson(lambda: f64, k: u32) -> f64 {
    (-lambda).exp() * lambda.powi(k as i32) / (1..=k).map(f64::from).product::<f64>()
}

#[test]
fn a_quota_share_cedes_exactly_its_share_of_every_year() {
    let qs = "[[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.4\npremium = 900\n";
    let results = simulate(BOOK, &model(qs), Mode::Annual, 50_000, SEED);
    let insured = &results.portfolio.as_ref().expect("annual").insured.summary;
    let r = results.reinsurance.as_ref().expect("treaties");
    assert!((r.ceded.summary.mean - 0.4 * insured.mean).abs() < 1e-12 * insured.mean);
    assert!((r.net.summary.mean - 0.6 * insured.mean).abs() < 1e-12 * insured.mean);
    // Scaling keeps the order of the years: the ceded quantiles are 40% of the insured ones.
    for (ceded, whole) in [(r.ceded.summary.p99, insured.p99), (r.ceded.summary.p50, insured.p50)] {
        assert_eq!(ceded, 0.4 * whole);
    }
    assert_eq!(r.ceded.summary.prob_nonzero, insured.prob_nonzero);
}

#[test]
fn an_aggregate_stop_loss_pays_its_layer_of_the_kept_year() {
    // After a 50% quota share a year keeps 500 N; the stop loss pays min(max(500 N − 600, 0), 1000).
    let treaties = "[[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.5\n\
                    [[treaty]]\nname = \"asl\"\nkind = \"aggregate_stop_loss\"\nattachment = 600\nlimit = 1000\n";
    let n = 200_000;
    let results = simulate(BOOK, &model(treaties), Mode::Annual, n, SEED);
    let r = results.reinsurance.as_ref().expect("treaties");
    let layer = |k: u32| (500.0 * f64::from(k) - 600.0).clamp(0.0, 1000.0);
    let mean: f64 = (0..60).map(|k| poisson(2.0, k) * layer(k)).sum();
    let square: f64 = (0..60).map(|k| poisson(2.0, k) * layer(k).powi(2)).sum();
    let (asl, _) = &r.treaties[1];
    assert_within("stop-loss recovery", asl.mean, mean, ((square - mean * mean) / n as f64).sqrt(), Z);
    assert!(asl.p99 <= 1000.0, "never above its limit");
    let attaches: f64 = (2..60).map(|k| poisson(2.0, k)).sum();
    assert_within("years it pays", asl.prob_nonzero, attaches, (attaches * (1.0 - attaches) / n as f64).sqrt(), Z);
    // Gross insured = ceded + net, on average as year by year.
    let insured = results.portfolio.as_ref().expect("annual").insured.summary.mean;
    let sum = r.ceded.summary.mean + r.net.summary.mean;
    assert!((sum - insured).abs() < 1e-9 * insured, "{sum} vs {insured}");
}

/// A loss-ratio stop loss is the aggregate stop loss at its ratios of the subject premium:
/// given, or else the book's technical premium (`pricing.csv`'s PORTFOLIO row).
#[test]
fn a_loss_ratio_stop_loss_attaches_at_its_ratio_of_the_premium() {
    let recoveries = |treaty: &str| {
        let results = simulate(BOOK, &model(treaty), Mode::Annual, 50_000, SEED);
        let premium = results.book.as_ref().and_then(|b| b.total.as_ref()).expect("priced").technical_premium;
        let r = results.reinsurance.expect("treaties");
        (r.treaties[0].0.clone(), r.net.summary.mean, premium)
    };
    let ratio =
        "[[treaty]]\nname = \"lr\"\nkind = \"loss_ratio_stop_loss\"\nattachment_ratio = 0.8\nlimit_ratio = 0.5\n";
    let (by_ratio, net, premium) = recoveries(ratio);
    assert!(premium > 0.0);
    let amounts = format!(
        "[[treaty]]\nname = \"lr\"\nkind = \"aggregate_stop_loss\"\nattachment = {}\nlimit = {}\n",
        0.8 * premium,
        0.5 * premium
    );
    let (by_amount, net_by_amount, _) = recoveries(&amounts);
    assert_eq!((by_ratio.mean, by_ratio.p99, net), (by_amount.mean, by_amount.p99, net_by_amount));
    assert!(by_ratio.mean > 0.0 && by_ratio.p99 <= 0.5 * premium * (1.0 + 1e-12));
    // With a subject premium of 2,500: the layer 1,000 xs 2,000 of Poisson(2) × 1,000 years.
    let given = format!("{ratio}subject_premium = 2500\n");
    let (with_subject, _, _) = recoveries(&given);
    let layer = |k: u32| (1000.0 * f64::from(k) - 2000.0).clamp(0.0, 1250.0);
    let mean: f64 = (0..60).map(|k| poisson(2.0, k) * layer(k)).sum();
    let square: f64 = (0..60).map(|k| poisson(2.0, k) * layer(k).powi(2)).sum();
    let se = ((square - mean * mean) / 50_000.0).sqrt();
    assert_within("loss-ratio stop loss", with_subject.mean, mean, se, Z);
}

#[test]
fn reports_carry_ceded_and_net_and_the_cost_of_each_treaty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let treaties = "[[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.25\npremium = 700\n\
                    [[treaty]]\nname = \"asl\"\nkind = \"aggregate_stop_loss\"\nattachment = 3000\nlimit = inf\n";
    let assumptions = write(dir.path(), "a.toml", model(treaties));
    let exposures = write(dir.path(), "e.csv", BOOK);
    let out = dir.path().join("out");
    let (e, a, o) = (common::s(&exposures), common::s(&assumptions), common::s(&out));
    let output = run(&[
        "simulate",
        "--exposures",
        e,
        "--assumptions",
        a,
        "--out",
        o,
        "--quiet",
        "--iterations",
        "20000",
        "--ord",
        "--ylt",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let summary = std::fs::read_to_string(out.join("summary.csv")).expect("summary");
    assert!(summary.contains("\nPORTFOLIO,ceded,") && summary.contains("\nPORTFOLIO,net,"), "{summary}");
    let table = common::Table::read(&out.join("reinsurance.csv"));
    assert_eq!(table.rows.len(), 3, "two treaties and the total");
    let qs = &table.rows[0];
    assert_eq!((table.get(qs, "treaty"), table.get(qs, "kind")), ("qs", "quota_share"));
    let cost = table.num(qs, "premium") - table.num(qs, "expected_recovery");
    assert!((table.num(qs, "cost_over_recovery") - cost).abs() < 1e-9 * cost.abs().max(1.0));
    // exceedance.csv: the portfolio's ceded and net AEP, the net never above the insured.
    let ep = common::Table::read(&out.join("exceedance.csv"));
    let curve = |measure: &str| -> Vec<f64> {
        let rows = ep.rows.iter().filter(|r| ep.get(r, "id") == "PORTFOLIO" && ep.get(r, "measure") == measure);
        rows.filter(|r| ep.get(r, "ep_type") == "AEP").map(|r| ep.num(r, "loss")).collect()
    };
    let (insured, net) = (curve("insured"), curve("net"));
    assert_eq!((net.len(), curve("ceded").len()), (insured.len(), insured.len()));
    assert!(net.iter().zip(&insured).all(|(n, i)| n <= i), "{net:?} vs {insured:?}");
    let page = std::fs::read_to_string(out.join("report.html")).expect("report");
    let section = &page[page.find("<h2>Reinsurance</h2>").expect("a reinsurance section")..];
    assert!(section.contains("<td class=\"text\">qs</td><td class=\"text\">25% ceded</td>"), "{section}");
    assert!(
        section.contains("<td class=\"text\">asl</td><td class=\"text\">unlimited xs $3.00K a year</td>"),
        "{section}"
    );
    let svg = std::fs::read_to_string(out.join("charts/exceedance_curve.svg")).expect("chart");
    assert!(svg.contains("net AEP after reinsurance"), "the chart draws the net curve");
    // ORD: the net loss is the reinsurance perspective, ri_S1, its AEP exceedance.csv's.
    let ri = common::Table::read(&out.join("ord/ri_S1_ept.csv"));
    let aep: Vec<f64> = ri.rows.iter().filter(|r| ri.get(r, "EPType") == "3").map(|r| ri.num(r, "Loss")).collect();
    assert_eq!(aep.iter().rev().copied().collect::<Vec<f64>>(), net, "ri AEP from the longest return period");
    assert!(ri.rows.iter().all(|r| ["3", "4"].contains(&ri.get(r, "EPType"))), "no per-event net loss");
    let palt = common::Table::read(&out.join("ord/ri_S1_palt.csv"));
    let net_mean = summary.lines().find(|l| l.starts_with("PORTFOLIO,net,")).and_then(|l| l.split(',').nth(2));
    assert_eq!(Some(palt.get(&palt.rows[0], "MeanLoss")), net_mean);
    // The year loss table: the exposures' rows without reinsurance, then the PORTFOLIO's
    // years, whose gross is the exposures' sum and whose insured loss is ceded + net.
    let ylt = ParquetReader::new(std::fs::File::open(out.join("ylt.parquet")).expect("ylt")).finish().expect("reads");
    let column = |name: &str| ylt.column(name).expect(name).f64().expect("f64").clone();
    let ids = ylt.column("id").expect("id").str().expect("text").clone();
    let years = ylt.column("iteration").expect("iteration").u64().expect("u64").clone();
    let (gross, insured, ceded, net_years) = (column("gross"), column("insured"), column("ceded"), column("net"));
    let mut sums = vec![0.0; 20_000];
    let mut portfolio_net = 0.0;
    for r in 0..ylt.height() {
        let year = years.get(r).expect("iteration") as usize;
        if ids.get(r) == Some("PORTFOLIO") {
            let (i, c, n) =
                (insured.get(r).expect("insured"), ceded.get(r).expect("ceded"), net_years.get(r).expect("net"));
            assert!((gross.get(r).expect("gross") - sums[year]).abs() <= 1e-9 * sums[year], "year {year}");
            assert!((c + n - i).abs() <= 1e-9 * i.max(1.0), "year {year}: {c} + {n} vs {i}");
            portfolio_net += n;
        } else {
            assert!(ceded.get(r).is_none() && net_years.get(r).is_none(), "exposure rows cede nothing themselves");
            sums[year] += gross.get(r).expect("gross");
        }
    }
    let summary_net: f64 = net_mean.and_then(|m| m.parse().ok()).expect("a net mean");
    assert!((portfolio_net / 20_000.0 - summary_net).abs() <= 1e-9 * summary_net, "{portfolio_net} vs {summary_net}");
    let total = &table.rows[2];
    assert_eq!(table.get(total, "treaty"), "TOTAL");
    assert_eq!(table.get(total, "premium"), "", "one treaty has no premium: no total premium");
    assert_eq!(table.get(total, "net_cost"), "", "nor a net cost");
    // The capital relief: TVaR99 − mean of the insured loss less that of the net loss
    // (the default capital measure), worth the cost of capital a year.
    let summary_table = common::Table::read(&out.join("summary.csv"));
    let capital = |measure: &str| {
        let row = summary_table.row("PORTFOLIO", measure);
        summary_table.num(row, "tvar_99") - summary_table.num(row, "mean")
    };
    let relief = capital("insured") - capital("net");
    assert!(relief > 0.0);
    assert!((table.num(total, "capital_relief") - relief).abs() <= 1e-9 * relief, "{relief}");
    let pricing = common::Table::read(&out.join("pricing.csv"));
    let book = pricing.rows.iter().find(|r| pricing.get(r, "id") == "PORTFOLIO").expect("book");
    let cost_of_capital = pricing.num(book, "risk_load") / pricing.num(book, "capital");
    let value = table.num(total, "relief_value");
    assert!((value - cost_of_capital * relief).abs() <= 1e-9 * value, "{value} vs {cost_of_capital} × {relief}");
    assert_eq!(table.get(qs, "capital_relief"), "", "relief is the treaties' together");
}

#[test]
fn bad_treaties_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exposures = write(dir.path(), "e.csv", BOOK);
    for (treaty, expected) in [
        ("name = \"q\"\nkind = \"quota\"\ncession = 0.4\n", "\"quota\" is not a treaty kind"),
        ("name = \"q\"\nkind = \"quota_share\"\ncession = 1.5\n", "treaty[1].cession: 1.5 is not a share"),
        ("name = \"q\"\nkind = \"quota_share\"\n", "treaty[1].cession: missing"),
        ("name = \"s\"\nkind = \"aggregate_stop_loss\"\nlimit = 10\n", "treaty[1].attachment: missing"),
        ("name = \"s\"\nkind = \"aggregate_stop_loss\"\nattachment = -1\nlimit = 10\n", "-1 is not an amount"),
        ("name = \"q\"\nkind = \"quota_share\"\ncession = 0.4\nlayer = 3\n", "unknown key"),
        ("name = \"l\"\nkind = \"loss_ratio_stop_loss\"\nlimit_ratio = 0.5\n", "treaty[1].attachment_ratio: missing"),
    ] {
        let assumptions = write(dir.path(), "a.toml", model(&format!("[[treaty]]\n{treaty}")));
        common::assert_simulate_refused(dir.path(), (&exposures, &assumptions), expected);
    }
}
