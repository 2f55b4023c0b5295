//! `reports/example/` holds the output of the README's main command; regenerating it must give
//! byte-identical CSVs, so the example never goes stale and determinism stays guarded.

use std::path::Path;
use std::process::Command;

#[test]
fn the_committed_example_matches_a_fresh_run_of_the_main_command_byte_for_byte() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/example");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("latest");
    let status = Command::new(env!("CARGO_BIN_EXE_breachcost"))
        .args(["simulate", "--quiet", "--threads", "2", "--out"])
        .arg(&out)
        .status()
        .expect("binary runs");
    assert!(status.success());
    let mut compared = 0;
    for entry in std::fs::read_dir(&out).expect("reports written") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        let name = path.file_name().expect("file name");
        let committed = std::fs::read(example.join(name))
            .unwrap_or_else(|e| panic!("reports/example/{} missing ({e}); regenerate with: cargo run --release -- simulate --out reports/example", name.to_string_lossy()));
        let fresh = std::fs::read(&path).expect("fresh report");
        assert!(
            committed == fresh,
            "reports/example/{} is stale; regenerate with: cargo run --release -- simulate --out reports/example",
            name.to_string_lossy()
        );
        compared += 1;
    }
    assert!(compared >= 6, "expected the CSV reports, compared {compared}");
    for chart in
        ["exceedance_curve.png", "components.png", "loss_distribution.svg", "cost_vs_records.svg", "incidents.png"]
    {
        assert!(example.join("charts").join(chart).is_file(), "reports/example/charts/{chart} missing");
    }
    assert!(example.join("report.html").is_file());
}
