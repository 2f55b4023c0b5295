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
    assert!(plan.contains("iterations per shard: 24576–26272 years"), "{plan}");
    let incidents = figure(&plan, "incidents:", "about");
    let largest = figure(&plan, "incidents:", "in the study,");
    let rows = figure(&plan, "disk per shard:", "(");
    assert!(incidents > 3.0 * largest && incidents < 4.0 * largest, "{plan}");

    // Shard 4 of 4 is the largest (the 25 blocks split 6, 6, 6, 7, the last one partial).
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("shard");
    let output = run(&["simulate", "--iterations", "100000", "--shard", "4/4", "--out", common::s(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let said = stdout(&output);
    let simulated = figure(&said, "breachcost", "of 100000, 20 exposures, seed 20231031:");
    // Incidents a year are Poisson means: the shard's count is within a few of its sd.
    let sd = largest.sqrt();
    assert!((simulated - largest).abs() < 5.0 * sd, "planned {largest}, simulated {simulated}");
    // The disk figure is the tables before compression: above what Parquet stores, not far.
    let stored: u64 = std::fs::read_dir(&out)
        .expect("shard folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("outcomes-"))
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum();
    let planned_mb = figure(&plan, "disk per shard:", "about");
    assert!(
        planned_mb * 1e6 > stored as f64 && planned_mb * 1e6 < 6.0 * stored as f64,
        "{planned_mb} MB vs {stored} bytes"
    );
    assert!(rows > 0.0);
}

#[test]
fn more_shards_than_blocks_are_refused() {
    let output = run(&["plan", "--shards", "30", "--iterations", "100000"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = common::stderr(&output);
    assert!(message.contains("use at most 25 shards"), "{message}");
    assert_eq!(message.trim().lines().count(), 1);
}
