//! `breachcost plan`: its sizing of a sharded study against what the shard then does.

mod common;

use common::{describe, run, stdout};

/// The number after `label` on the line that starts with `line`.
fn figure(text: &str, line: &str, label: &str) -> f64 {
    let line =
        text.lines().find(|l| l.trim_start().starts_with(line)).unwrap_or_else(|| panic!("no {line:?} in {text}"));
    let rest = &line[line.find(label).unwrap_or_else(|| panic!("no {label:?} in {line}")) + label.len()..];
    let number: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit() || ".e+-".contains(*c)).collect();
    number.parse().unwrap_or_else(|_| panic!("{number:?} in {line}"))
}

#[test]
fn plan_sizes_the_largest_shard_as_it_then_runs() {
    let output = run(&["plan", "--shards", "4", "--iterations", "100000"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let plan = stdout(&output);
    // 20 exposures of unequal work in 4 shards.
    let (fewest, most) = (figure(&plan, "exposures per shard:", ":"), figure(&plan, "exposures per shard:", "–"));
    assert!(fewest >= 1.0 && most <= 17.0 && fewest <= most, "{plan}");
    let incidents = figure(&plan, "incidents:", "about");
    let largest = figure(&plan, "incidents:", "in the study,");
    let busiest = figure(&plan, "incidents:", "in the largest shard (") as u64;
    assert!(incidents > 1.0 * largest && incidents < 4.0 * largest, "{plan}");

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("shard");
    let spec = format!("{busiest}/4");
    let output = run(&["simulate", "--iterations", "100000", "--shard", &spec, "--out", common::s(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let said = stdout(&output);
    let simulated = figure(&said, "breachcost", "100000 iterations, seed 20231031:");
    // Incidents a year are Poisson means: the shard's count is within a few of its sd.
    let sd = largest.sqrt();
    assert!((simulated - largest).abs() < 5.0 * sd, "planned {largest}, simulated {simulated}");
    // The disk figure (statistics and sums) is what the shard writes, within a factor of 2.
    let stored: u64 =
        ["results.json", "sums.bin"].iter().map(|f| std::fs::metadata(out.join(f)).map_or(0, |m| m.len())).sum();
    let planned_mb = figure(&plan, "disk per shard:", "about");
    assert!(
        planned_mb * 1e6 > 0.5 * stored as f64 && planned_mb * 1e6 < 2.0 * stored as f64,
        "{planned_mb} MB vs {stored} bytes"
    );
}

#[test]
fn more_shards_than_exposures_are_planned_with_a_note() {
    let output = run(&["plan", "--shards", "30", "--iterations", "100000"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let plan = stdout(&output);
    assert!(plan.contains("10 shards have no exposure"), "{plan}");
}
