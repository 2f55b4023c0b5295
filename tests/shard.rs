//! Sharded runs: `simulate --shard K/N` in separate processes, then `merge`, must give the
//! same CSV reports and year loss table byte for byte as one unsharded run; bad merges are
//! refused.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, describe, run, s, stderr, write, Table};
use polars::prelude::*;

const ITERATIONS: &str = "9000";

/// The shipped assumptions plus a systemic event, so shards must agree on shared draws too.
fn assumptions(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(common::manifest_path("assumptions/default.toml")).expect("defaults");
    text.push_str(
        "\n[[systemic]]\nname = \"shared-platform\"\nannual_rate = 0.3\nfootprint = { dist = \"beta\", mean = 0.3, sd = 0.15 }\n",
    );
    write(dir, "assumptions.toml", text)
}

/// Exposures with policy terms (retention, limit, aggregate, share) on some rows, and one
/// whose records are estimated from its revenue (a draw per breach).
fn exposures(dir: &Path) -> PathBuf {
    write(
        dir,
        "exposures.csv",
        "id,records,data_types,retention,limit,aggregate_limit,share,industry,revenue\n\
         bank,2000000,name;ssn;bank_account,250000,10000000,15000000,0.8,,\n\
         clinic,40000,name;address;health,25000,2000000,,,,\n\
         shop,150000,name;email;payment_card,,,,,,\n\
         school,8000,name;address,10000,1000000,1000000,1,,\n\
         insurer,900000,name;ssn,100000,5000000,,0.5,,\n\
         lender,,,50000,5000000,,,mortgage,400000000\n",
    )
}

/// Runs `simulate --quiet` on the exposures `e` and assumptions `a` into `out`, with
/// `iterations` and any `extra` flags, and asserts success.
fn simulate_into(e: &Path, a: &Path, out: &Path, iterations: &str, extra: &[&str]) {
    let mut args = vec!["simulate", "--exposures", s(e), "--assumptions", s(a), "--iterations", iterations];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--quiet", "--out", s(out)]);
    assert_success(&run(&args));
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("report folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn assert_same_reports(single: &Path, merged: &Path) {
    let files = csv_files(single);
    assert!(files.len() >= 4, "expected the CSV reports in {}", single.display());
    assert_eq!(files.len(), csv_files(merged).len(), "same set of CSV files");
    for file in files {
        let name = file.file_name().expect("name");
        let a = std::fs::read(&file).expect("single report");
        let b = std::fs::read(merged.join(name)).unwrap_or_else(|e| panic!("merged {name:?}: {e}"));
        assert!(a == b, "{name:?} differs between the unsharded and the merged run");
    }
}

/// Runs `n` shards as separate processes and merges them (shards given in reverse order).
fn shard_and_merge(dir: &Path, extra: &[&str], n: u64, merge_extra: &[&str]) -> PathBuf {
    let (e, a) = (exposures(dir), assumptions(dir));
    let mut shard_dirs = Vec::new();
    for k in 1..=n {
        let out = dir.join(format!("shard-{k}-of-{n}"));
        let spec = format!("{k}/{n}");
        let mut flags = extra.to_vec();
        flags.extend_from_slice(&["--shard", &spec]);
        simulate_into(&e, &a, &out, ITERATIONS, &flags);
        assert!(out.join("manifest.json").is_file());
        shard_dirs.push(out);
    }
    let merged = dir.join(format!("merged-{n}"));
    let mut args = vec!["merge", "--quiet", "--no-charts", "--out", s(&merged)];
    args.extend_from_slice(merge_extra);
    let shard_args: Vec<String> = shard_dirs.iter().rev().map(|d| s(d).to_string()).collect();
    args.extend(shard_args.iter().map(String::as_str));
    assert_success(&run(&args));
    merged
}

fn single_run(dir: &Path, extra: &[&str]) -> PathBuf {
    let (e, a) = (exposures(dir), assumptions(dir));
    let out = dir.join("single");
    let mut flags = extra.to_vec();
    flags.push("--no-charts");
    simulate_into(&e, &a, &out, ITERATIONS, &flags);
    out
}

#[test]
fn annual_runs_in_1_3_4_and_16_shards_merge_to_the_unsharded_reports_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let single = single_run(dir.path(), &["--ylt", "--ord"]);
    for n in [1, 3, 4, 16] {
        let merged = shard_and_merge(dir.path(), &["--ylt"], n, &["--ylt", "--ord"]);
        assert_same_reports(&single, &merged);
        assert_same_reports(&single.join("ord"), &merged.join("ord"));
        let (a, b) = (read_ylt(&single.join("ylt.parquet")), read_ylt(&merged.join("ylt.parquet")));
        assert!(a.equals(&b), "the merged year loss table should equal the unsharded one ({n} shards)");
        let bytes = |dir: &Path| std::fs::read(dir.join("ylt.parquet")).expect("ylt.parquet");
        assert!(bytes(&single) == bytes(&merged), "ylt.parquet differs byte for byte ({n} shards)");
    }
}

#[test]
fn breach_mode_in_3_shards_merges_to_the_unsharded_reports_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let single = single_run(dir.path(), &["--mode", "breach"]);
    let merged = shard_and_merge(dir.path(), &["--mode", "breach"], 3, &[]);
    assert_same_reports(&single, &merged);
}

fn read_ylt(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file).finish().expect("the year loss table reads back in polars")
}

#[test]
fn the_year_loss_table_has_a_row_per_exposure_year_with_a_breach_and_sums_to_the_means() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = single_run(dir.path(), &["--ylt", "--seed", "7"]);
    let ylt = read_ylt(&out.join("ylt.parquet"));
    let names: Vec<String> = ylt.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names, ["iteration", "id", "gross", "retained", "insured"]);
    let iterations: u64 = ITERATIONS.parse().expect("number");
    let id = ylt.column("id").expect("id").str().expect("text").clone();
    let iteration = ylt.column("iteration").expect("iteration").u64().expect("u64").clone();
    let gross = ylt.column("gross").expect("gross").f64().expect("f64").clone();
    let retained = ylt.column("retained").expect("retained").f64().expect("f64").clone();
    let insured = ylt.column("insured").expect("insured").f64().expect("f64").clone();
    let summary = common::read_text(&out.join("summary.csv"));
    let header: Vec<&str> = summary.lines().next().expect("header").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect("summary column");
    for exposure in ["bank", "clinic", "shop", "school", "insurer"] {
        let rows: Vec<usize> = (0..ylt.height()).filter(|&r| id.get(r) == Some(exposure)).collect();
        assert!(!rows.is_empty(), "{exposure} has rows");
        // Each exposure's rows are in iteration order, each year once, with a positive loss.
        let years: Vec<u64> = rows.iter().map(|&r| iteration.get(r).expect("iteration")).collect();
        assert!(years.windows(2).all(|w| w[0] < w[1]) && years.iter().all(|y| *y < iterations));
        let mut sums = [0.0; 3];
        for &r in &rows {
            let (g, re, i) = (gross.get(r).expect("g"), retained.get(r).expect("r"), insured.get(r).expect("i"));
            assert!(g > 0.0 && (g - re - i).abs() <= 1e-9 * g, "{exposure} row {r}: gross = retained + insured");
            sums[0] += g;
            sums[1] += re;
            sums[2] += i;
        }
        for (measure, total) in ["gross", "retained", "insured"].iter().zip(sums) {
            let line = summary
                .lines()
                .find(|l| l.starts_with(&format!("{exposure},{measure},")))
                .unwrap_or_else(|| panic!("summary row {exposure} {measure}"));
            let mean: f64 = line.split(',').nth(column("mean")).expect("mean").parse().expect("number");
            let from_ylt = total / iterations as f64;
            assert!((from_ylt - mean).abs() <= 1e-9 * mean.max(1.0), "{exposure} {measure}: {from_ylt} vs {mean}");
        }
    }
}

/// Writes shards 1..=n of a run (with `seed`) and returns their folders.
fn shards(dir: &Path, n: u64, seed: &str, prefix: &str) -> Vec<PathBuf> {
    let (e, a) = (exposures(dir), assumptions(dir));
    (1..=n)
        .map(|k| {
            let out = dir.join(format!("{prefix}-{k}"));
            let spec = format!("{k}/{n}");
            simulate_into(&e, &a, &out, "5000", &["--seed", seed, "--shard", &spec]);
            out
        })
        .collect()
}

/// Runs merge on `dirs` and checks it fails with exit 2, says `expected`, and writes nothing.
fn assert_merge_refused(dir: &Path, dirs: &[&Path], expected: &str) {
    let out = dir.join("refused");
    let mut args = vec!["merge", "--no-charts", "--out", s(&out)];
    args.extend(dirs.iter().map(|d| s(d)));
    let output = run(&args);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = stderr(&output);
    assert!(message.contains(expected), "expected \"{expected}\" in: {message}");
    assert_eq!(message.trim().lines().count(), 1, "one-line error: {message}");
    assert!(!out.exists(), "nothing written");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("breachcost-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary folder left");
}

#[test]
fn merging_a_missing_duplicated_or_mismatched_shard_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let run_a = shards(d, 3, "11", "a");
    let run_b = shards(d, 3, "12", "b");
    assert_merge_refused(d, &[&run_a[0], &run_a[2]], "shard 2 of 3 missing");
    assert_merge_refused(d, &[&run_a[0], &run_a[1], &run_a[1], &run_a[2]], "shard 2/3 given twice");
    assert_merge_refused(d, &[&run_a[0], &run_b[1], &run_a[2]], "seed is 12");
    // Other inputs: the same settings on a changed exposures file.
    let other = d.join("other");
    std::fs::create_dir(&other).expect("dir");
    let (e, a) = (write(&other, "exposures.csv", "id,records\nbank,2000000\n"), assumptions(&other));
    let changed = d.join("changed-2");
    simulate_into(&e, &a, &changed, "5000", &["--seed", "11", "--shard", "2/3"]);
    assert_merge_refused(d, &[&run_a[0], &changed, &run_a[2]], "exposures (sha256)");
    // Not a shard folder at all.
    assert_merge_refused(d, &[&run_a[0], &other, &run_a[2]], "not a folder written by `simulate --shard`");
    // A shard count that does not match the others.
    let four = shards(d, 4, "11", "four");
    assert_merge_refused(d, &[&run_a[0], &run_a[1], &four[2]], "shard count N");
    // A corrupted file names the file.
    for file in ["results.json", "sums.bin"] {
        let broken = d.join(format!("broken-{file}"));
        copy_dir(&run_a[1], &broken);
        std::fs::write(broken.join(file), b"{\"not\": \"really\"}").expect("write");
        assert_merge_refused(d, &[&run_a[0], &broken, &run_a[2]], &format!("{file}: sha256 is"));
    }
    // A merge asked for the year loss table of shards that did not write theirs.
    let out = d.join("no-ylt");
    let mut args = vec!["merge", "--quiet", "--no-charts", "--ylt", "--out", s(&out)];
    args.extend(run_a.iter().map(|p| s(p)));
    let output = run(&args);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("simulate the shards with --ylt"), "{}", stderr(&output));
    // And the good set merges.
    let out = d.join("good");
    let mut args = vec!["merge", "--quiet", "--no-charts", "--out", s(&out)];
    args.extend(run_a.iter().map(|p| s(p)));
    assert_success(&run(&args));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn bad_shard_specs_are_refused_with_exit_2_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (spec, expected) in [
        ("5/4", "--shard 5/4: K must be between 1 and N (4)"),
        ("0/4", "K must be between 1 and N"),
        ("1/0", "N must be at least 1"),
        ("2", "expected K/N"),
        ("x/3", "is not a whole number"),
    ] {
        let out = dir.path().join("out");
        let output = run(&["simulate", "--iterations", "100", "--shard", spec, "--out", s(&out)]);
        assert_eq!(output.status.code(), Some(2), "{spec}: {}", describe(&output));
        assert!(stderr(&output).contains(expected), "{spec}: {}", stderr(&output));
        assert!(!out.exists());
    }
    let out = dir.path().join("out");
    let output =
        run(&["simulate", "--iterations", "100", "--shard", "1/2", "--target-rel-error", "0.1", "--out", s(&out)]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    for flag in ["--ord", "--xlsx"] {
        let output = run(&["simulate", "--iterations", "100", "--shard", "1/2", flag, "--out", s(&out)]);
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        assert!(stderr(&output).contains("give them to merge"));
    }
}

#[test]
fn more_shards_than_exposures_leaves_some_empty_and_still_merges_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Six exposures in eight shards: two get none.
    let single = {
        let (e, a) = (exposures(dir.path()), assumptions(dir.path()));
        let out = dir.path().join("single");
        simulate_into(&e, &a, &out, "5000", &["--seed", "11", "--no-charts"]);
        out
    };
    let parts = shards(dir.path(), 8, "11", "many");
    let empty = parts.iter().filter(|p| {
        let manifest = std::fs::read_to_string(p.join("manifest.json")).expect("manifest");
        let m: serde_json::Value = serde_json::from_str(&manifest).expect("json");
        m["first_exposure"] == m["end_exposure"]
    });
    assert_eq!(empty.count(), 2, "two shards of eight have no exposure");
    let out = dir.path().join("merged");
    let mut args = vec!["merge", "--quiet", "--no-charts", "--out", s(&out)];
    args.extend(parts.iter().map(|p| s(p)));
    assert_success(&run(&args));
    assert_same_reports(&single, &out);
}

#[test]
fn the_slurm_scripts_run_as_array_tasks_merge_to_the_unsharded_reports() {
    if std::process::Command::new("bash").arg("--version").output().is_err() {
        eprintln!("bash not found: skipping the Slurm end-to-end check");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    std::fs::create_dir_all(study.join("inputs")).expect("inputs");
    std::fs::copy(exposures(dir.path()), study.join("inputs/exposures.csv")).expect("copy");
    std::fs::copy(assumptions(dir.path()), study.join("inputs/assumptions.toml")).expect("copy");
    let bin = env!("CARGO_BIN_EXE_breachcost");
    let script = |name: &str| common::manifest_path(&format!("deploy/slurm/{name}"));
    let env = [("STUDY_DIR", s(&study)), ("BREACHCOST", bin), ("ITERATIONS", "6000"), ("SEED", "3"), ("SHARDS", "3")];
    for k in ["1", "2", "3"] {
        let output = std::process::Command::new("bash")
            .arg(script("shards.sbatch"))
            .envs(env)
            .env("SLURM_ARRAY_TASK_ID", k)
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .expect("bash runs");
        assert_success(&output);
    }
    let output = std::process::Command::new("bash")
        .arg(script("merge.sbatch"))
        .envs(env)
        .env("SLURM_CPUS_PER_TASK", "2")
        .output()
        .expect("bash runs");
    assert_success(&output);
    let single = dir.path().join("single");
    let (e, a) = (study.join("inputs/exposures.csv"), study.join("inputs/assumptions.toml"));
    simulate_into(&e, &a, &single, "6000", &["--seed", "3", "--no-charts"]);
    assert_same_reports(&single, &study.join("report"));
}

/// Runs the exposures `e` and assumptions `a` once with `extra` flags, and again in `n`
/// shards merged (both with the year loss table, no charts); returns (single, merged).
fn single_and_merged(
    d: &Path,
    name: &str,
    (e, a): (&Path, &Path),
    iterations: &str,
    extra: &[&str],
    n: u64,
) -> (PathBuf, PathBuf) {
    let single = d.join(format!("{name}-single"));
    simulate_into(e, a, &single, iterations, &[extra, &["--no-charts", "--ylt"]].concat());
    let merged = d.join(format!("{name}-merged"));
    let mut args = vec!["merge".to_string(), "--quiet".into(), "--no-charts".into(), "--ylt".into()];
    args.extend(["--out".to_string(), s(&merged).to_string()]);
    for k in 1..=n {
        let out = d.join(format!("{name}-{k}"));
        let spec = format!("{k}/{n}");
        simulate_into(e, a, &out, iterations, &[extra, &["--shard", &spec, "--ylt"]].concat());
        args.push(s(&out).to_string());
    }
    assert_success(&run(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    (single, merged)
}

/// An exposure to which a single component applies keeps no separate component costs (they
/// are its gross): its shards must still merge exactly, and its one component is its gross.
#[test]
fn one_component_exposures_merge_exactly_and_their_component_is_the_gross() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let a = write(
        d,
        "one.toml",
        "[frequency]\nrate = 0.4\n[breach]\naffected_share = 0.5\ndata_types = [\"email\"]\n\
         [[component]]\nname = \"response\"\nfixed = { dist = \"lognormal\", low = 1e4, high = 1e6 }\nper_unit = 0.5\n\
         [[component]]\nname = \"monitoring\"\nper_unit = { dist = \"pert\", min = 4, mode = 7, max = 12 }\ndata_types = [\"ssn\"]\n",
    );
    let e = write(
        d,
        "one.csv",
        "id,records,data_types,retention,limit\ncontact,50000,email,10000,500000\nssn,80000,name;ssn,,\n",
    );
    let (single, merged) = single_and_merged(d, "one", (&e, &a), ITERATIONS, &[], 3);
    assert_same_reports(&single, &merged);
    assert!(read_ylt(&single.join("ylt.parquet")).equals(&read_ylt(&merged.join("ylt.parquet"))));
    // components.csv: "contact" has one row, with the gross's mean and quantiles (summary.csv).
    let components = Table::read(&single.join("components.csv"));
    let rows = components.rows_where("id", "contact");
    assert_eq!(rows.len(), 1, "one component row for contact: {rows:?}");
    let summary = Table::read(&single.join("summary.csv"));
    let gross = summary.row("contact", "gross");
    for column in ["mean", "sd", "p50", "p95", "p99"] {
        assert_eq!(components.get(rows[0], column), summary.get(gross, column), "{column}");
    }
    assert_eq!(components.get(rows[0], "share_of_mean"), "1", "share of mean");
}

/// One exposure in three shards (two of them empty), with systemic events, and again with
/// treaties (whose portfolio is summed even for one exposure): the merge gives the single
/// run's reports and year loss table; and a breach-mode run of another incident type.
#[test]
fn a_lone_exposure_with_systemic_events_or_treaties_and_breach_mode_of_a_type_merge_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let e = write(
        d,
        "one.csv",
        "id,records,revenue,industry,retention,limit\nsolo,500000,300000000,healthcare,100000,5000000\n",
    );
    let systemic = assumptions(d);
    let mut text = std::fs::read_to_string(&systemic).expect("assumptions");
    text.push_str("\n[[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.3\npremium = 50000\n");
    let treaty = write(d, "treaty.toml", text);
    let cases: [(&str, &Path, &[&str]); 3] = [
        ("systemic", &systemic, &[]),
        ("treaty", &treaty, &[]),
        ("ransomware", &systemic, &["--mode", "breach", "--incident", "ransomware"]),
    ];
    for (name, a, extra) in cases {
        let (single, merged) = single_and_merged(d, name, (&e, a), "6000", extra, 3);
        assert_same_reports(&single, &merged);
        let bytes = |dir: &Path| std::fs::read(dir.join("ylt.parquet")).expect("ylt.parquet");
        assert!(bytes(&single) == bytes(&merged), "{name}: ylt.parquet differs");
    }
}

/// A reinsurance programme whose layers need the engine's per-incident and per-event figures
/// (an event-limited quota share, two per-risk layers, a catastrophe layer with reinstatements,
/// a stop loss) over the book with a systemic event: 4 shards merge to the single run's
/// reports, `reinsurance.csv` included, and its year loss table.
#[test]
fn per_risk_and_catastrophe_layers_merge_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut text = std::fs::read_to_string(assumptions(d)).expect("assumptions");
    text.push_str(
        "\n[[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.25\n\
         [[treaty]]\nname = \"risk-1\"\nkind = \"per_risk_xol\"\nattachment = 500000\nlimit = 1500000\n\
         reinstatements = 2\npremium = 40000\n\
         [[treaty]]\nname = \"risk-2\"\nkind = \"per_risk_xol\"\nattachment = 2000000\nlimit = 3000000\n\
         [[treaty]]\nname = \"cat\"\nkind = \"cat_xol\"\nattachment = 1000000\nlimit = 4000000\n\
         reinstatements = 1\npremium = 60000\nevents = [\"shared-platform\"]\n\
         [[treaty]]\nname = \"stop\"\nkind = \"aggregate_stop_loss\"\nattachment = 8000000\nlimit = 5000000\n",
    );
    let a = write(d, "layers.toml", text);
    let (single, merged) = single_and_merged(d, "layers", (&exposures(d), &a), ITERATIONS, &[], 4);
    assert_same_reports(&single, &merged);
    let table = Table::read(&single.join("reinsurance.csv"));
    for treaty in ["risk-1", "risk-2", "cat"] {
        let row = table.rows.iter().find(|r| table.get(r, "treaty") == treaty).expect("a row per treaty");
        assert!(table.num(row, "expected_recovery") > 0.0, "{treaty} recovers something");
    }
    let bytes = |dir: &Path| std::fs::read(dir.join("ylt.parquet")).expect("ylt.parquet");
    assert!(bytes(&single) == bytes(&merged), "ylt.parquet differs");
}
