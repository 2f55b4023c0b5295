//! `merge` reads shard folders from shared storage that anyone may have edited: it must
//! verify what it reads (files against the manifest's hashes, figures, exposure ranges,
//! paths) and refuse anything else with exit status 2, one line on stderr, and nothing written.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{describe, s, stderr};
use serde_json::Value;

/// Writes shards 1..=n of a run of the sample portfolio into `dir/prefix-K` and returns them.
fn shards(dir: &Path, n: u64, iterations: &str, seed: &str, prefix: &str, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let out = dir.join(format!("{prefix}-{k}"));
            let spec = format!("{k}/{n}");
            let mut args = vec!["simulate", "--iterations", iterations, "--seed", seed, "--shard", &spec];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["--quiet", "--out", s(&out)]);
            common::assert_success(&run(&args));
            out
        })
        .collect()
}

/// Runs the binary, killing it after a minute: a merge that reads a FIFO or a device would
/// otherwise block or fill the memory, and the test must fail rather than hang.
fn run(args: &[&str]) -> Output {
    let scratch = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (scratch.path().join("stdout"), scratch.path().join("stderr"));
    let mut child = common::bin()
        .args(args)
        .env("BREACHCOST_TEST_SECRET", "s3cr3t-in-the-environment")
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the breachcost binary should start");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("breachcost {args:?} did not finish within a minute (blocked on a FIFO or reading a device?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| std::fs::read(p).expect("captured output");
    Output { status, stdout: read(&out_path), stderr: read(&err_path) }
}

fn merge_args<'a>(out: &'a Path, dirs: &'a [PathBuf]) -> Vec<&'a str> {
    let mut args = vec!["merge", "--quiet", "--no-charts", "--out", s(out)];
    args.extend(dirs.iter().map(|d| s(d)));
    args
}

/// Merges `dirs` and checks the merge is refused: exit 2, one line on stderr containing each
/// of `expected`, no report folder and no temporary folder beside it.
fn assert_refused(dir: &Path, dirs: &[PathBuf], expected: &[&str]) -> String {
    let out = dir.join("merged");
    let output = run(&merge_args(&out, dirs));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = stderr(&output);
    assert_eq!(message.trim().lines().count(), 1, "one-line error: {message}");
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in: {message}");
    }
    assert!(!out.exists(), "nothing written: {}", out.display());
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("breachcost-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
    message
}

fn assert_merges(dir: &Path, dirs: &[PathBuf]) -> PathBuf {
    let out = dir.join("merged-ok");
    common::assert_success(&run(&merge_args(&out, dirs)));
    out
}

/// A copy of the shard folder `from` at `to` (files and folders; links are not followed).
fn copy_dir(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
    to.to_path_buf()
}

/// The shards `set` with shard `k` (1-based) replaced by `replacement`.
fn with(set: &[PathBuf], k: usize, replacement: &Path) -> Vec<PathBuf> {
    let mut dirs = set.to_vec();
    dirs[k - 1] = replacement.to_path_buf();
    dirs
}

fn manifest(shard: &Path) -> Value {
    serde_json::from_str(&common::read_text(&shard.join("manifest.json"))).expect("manifest JSON")
}

fn write_manifest(shard: &Path, manifest: &Value) {
    std::fs::write(shard.join("manifest.json"), serde_json::to_vec_pretty(manifest).expect("JSON")).expect("write");
}

fn edit_manifest(shard: &Path, edit: impl FnOnce(&mut Value)) {
    let mut m = manifest(shard);
    edit(&mut m);
    write_manifest(shard, &m);
}

/// Records `file`'s new size and hash in the shard's manifest, as a tamperer who knows the
/// layout would (`results.json` under "results", `sums.bin` under "sums").
fn rehash(shard: &Path, file: &str) {
    let bytes = std::fs::read(shard.join(file)).expect("file");
    let key = if file == "sums.bin" { "sums" } else { "results" };
    edit_manifest(shard, |m| {
        m[key]["bytes"] = bytes.len().into();
        m[key]["sha256"] = common::sha256_hex(&bytes).into();
    });
}

/// The shard's `sums.bin`, decompressed, edited by `edit`, compressed and rehashed.
fn edit_sums(shard: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let path = shard.join("sums.bin");
    let mut raw = zstd::stream::decode_all(File::open(&path).expect("sums")).expect("compressed sums");
    edit(&mut raw);
    std::fs::write(&path, zstd::bulk::compress(&raw, 1).expect("compress")).expect("write");
    rehash(shard, "sums.bin");
}

/// The shard's `results.json`, edited by `edit` and written back (not rehashed).
fn edit_results(shard: &Path, edit: impl FnOnce(&mut Value)) {
    let path = shard.join("results.json");
    let mut results: Value = serde_json::from_str(&common::read_text(&path)).expect("results JSON");
    edit(&mut results);
    std::fs::write(&path, serde_json::to_vec(&results).expect("JSON")).expect("write");
}

#[test]
fn a_file_swapped_for_another_studys_or_resized_is_refused_by_its_manifest_hash_and_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let ours = shards(d, 2, "10000", "1", "ours", &[]);
    let theirs = shards(d, 2, "10000", "2", "theirs", &[]);
    // Same layout, other data: the other study's files of shard 2.
    let swapped = copy_dir(&ours[1], &d.join("swapped"));
    for file in ["results.json", "sums.bin"] {
        std::fs::copy(theirs[1].join(file), swapped.join(file)).expect("swap");
    }
    let message = assert_refused(d, &with(&ours, 2, &swapped), &["swapped/results.json"]);
    // (Its hash differs; where it is also longer, the size says so first.)
    assert!(message.contains("sha256 is") || message.contains("is more than the"), "{message}");
    let expected = manifest(&ours[1])["results"]["sha256"].as_str().map(str::to_string);
    assert!(expected.is_some_and(|h| message.contains(&h)), "names the expected hash: {message}");
    // A file with bytes added, or cut short.
    let longer = copy_dir(&ours[1], &d.join("longer"));
    let mut bytes = std::fs::read(longer.join("sums.bin")).expect("sums");
    bytes.extend_from_slice(b"appended");
    std::fs::write(longer.join("sums.bin"), &bytes).expect("write");
    assert_refused(d, &with(&ours, 2, &longer), &["longer/sums.bin", "is more than the", "bytes manifest.json says"]);
    let shorter = copy_dir(&ours[1], &d.join("shorter"));
    std::fs::write(shorter.join("sums.bin"), &bytes[..100]).expect("write");
    assert_refused(d, &with(&ours, 2, &shorter), &["shorter/sums.bin", "sha256 is", "(100 bytes)"]);
    // Cut short with the manifest to match: not a whole compressed file.
    rehash(&shorter, "sums.bin");
    assert_refused(d, &with(&ours, 2, &shorter), &["shorter/sums.bin", "is not compressed sums"]);
    // Whole, but its sums cut short: the sums themselves say so.
    let cut = copy_dir(&ours[1], &d.join("cut"));
    edit_sums(&cut, |raw| raw.truncate(raw.len() - 1000));
    assert_refused(d, &with(&ours, 2, &cut), &["cut/sums.bin", "ends early"]);
    // Sizes no file or copy can have, as a sparse file would be declared: refused unread.
    let declared = copy_dir(&ours[1], &d.join("declared"));
    edit_manifest(&declared, |m| m["results"]["bytes"] = (1u64 << 50).into());
    assert_refused(d, &with(&ours, 2, &declared), &["declared/results.json", "says it is 1125899906842624 bytes"]);
    let sparse = copy_dir(&ours[0], &d.join("sparse"));
    let copy = File::options().write(true).open(sparse.join("inputs/exposures.csv")).expect("copy");
    copy.set_len(8 << 30).expect("a sparse 8 GiB file");
    edit_manifest(&sparse, |m| m["exposures"]["bytes"] = (8u64 << 30).into());
    assert_refused(d, &with(&ours, 1, &sparse), &["sparse/inputs/exposures.csv", "says it is 8589934592 bytes"]);
    // Any shard's copies of the inputs are checked, not only the first's.
    for copy in ["inputs/assumptions.toml", "inputs/exposures.csv"] {
        let altered = copy_dir(&ours[1], &d.join("altered"));
        std::fs::write(altered.join(copy), "garbage\n").expect("write");
        assert_refused(d, &with(&ours, 2, &altered), &[&format!("altered/{copy}"), "sha256 is"]);
        std::fs::remove_file(altered.join(copy)).expect("remove");
        assert_refused(d, &with(&ours, 2, &altered), &[&format!("altered/{copy}")]);
        std::fs::remove_dir_all(&altered).expect("clean");
    }
    // The untouched shards merge.
    assert_merges(d, &ours);
}

#[test]
fn negative_missing_and_non_numeric_figures_are_refused_even_when_the_tamperer_recomputes_the_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "3", "shard", &[]);
    type Edit = fn(&mut Value);
    let cases: [(Edit, &[&str]); 8] = [
        (
            |r| r["exposures"][0]["measures"]["gross"]["summary"]["mean"] = (-1.0).into(),
            &["gross mean is -1", "expected a number ≥ 0"],
        ),
        // Figures no distribution has: a median above the largest loss, a mean above it, a
        // probability above 1.
        (
            |r| r["exposures"][0]["measures"]["gross"]["summary"]["p50"] = 1e15.into(),
            &["gross: its quantiles are not in order"],
        ),
        (
            |r| r["exposures"][1]["measures"]["insured"]["summary"]["mean"] = 1e15.into(),
            &["insured: a mean above its largest loss"],
        ),
        (|r| r["exposures"][0]["measures"]["gross"]["summary"]["prob_nonzero"] = 1.5.into(), &["is not a probability"]),
        (|r| r["exposures"][1]["components"][2]["p99"] = (-5e6).into(), &["is -5000000", "expected a number ≥ 0"]),
        // NaN as JSON writes it.
        (
            |r| r["exposures"][0]["measures"]["insured"]["summary"]["sd"] = Value::Null,
            &["is not a shard's results", "expected f64"],
        ),
        (|r| r["exposures"][0]["layers"]["mean"][0][1] = "1e9".into(), &["is not a shard's results"]),
        (
            |r| r["exposures"][0]["measures"]["gross"]["aggregate_ep"] = vec![1.0; 3].into(),
            &["return-period figures not in the run's shape"],
        ),
    ];
    for (i, (edit, expected)) in cases.into_iter().enumerate() {
        let bad = copy_dir(&set[0], &d.join(format!("bad-{i}")));
        edit_results(&bad, edit);
        // Without the manifest updated, its size and hash give it away.
        assert_refused(d, &with(&set, 1, &bad), &["results.json", "the shard folder was altered"]);
        rehash(&bad, "results.json");
        let mut parts = vec!["results.json"];
        parts.extend_from_slice(expected);
        let message = assert_refused(d, &with(&set, 1, &bad), &parts);
        assert!(message.contains(&format!("bad-{i}/")), "names the shard folder: {message}");
    }
    // A largest breach of the sums that is not an amount: the last year's of the last column,
    // whose 8 bytes end each of its 8 byte planes of 10,000 years.
    for (i, value) in [f64::NAN, -1.0, f64::INFINITY].into_iter().enumerate() {
        let bad = copy_dir(&set[1], &d.join(format!("sums-{i}")));
        edit_sums(&bad, |raw| {
            let (n, end) = (10_000, raw.len());
            for (plane, byte) in value.to_le_bytes().into_iter().enumerate() {
                raw[end - (8 - plane) * n + n - 1] = byte;
            }
        });
        assert_refused(d, &with(&set, 2, &bad), &[&format!("sums-{i}/sums.bin"), "is not an amount"]);
    }
}

/// A shard's year loss table swapped for another shard's, its hash recomputed: its rows are of
/// exposures the shard does not hold, and the merge says so rather than writing them twice.
#[test]
fn a_year_loss_table_of_another_shards_exposures_is_refused_even_rehashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "2000", "1", "ylt", &["--ylt"]);
    let swapped = copy_dir(&set[1], &d.join("swapped"));
    let table = "ylt-00000.parquet";
    let bytes = std::fs::read(set[0].join(table)).expect("shard 1's table");
    std::fs::write(swapped.join(table), &bytes).expect("swap");
    edit_manifest(&swapped, |m| {
        m["ylt"][0]["bytes"] = bytes.len().into();
        m["ylt"][0]["sha256"] = common::sha256_hex(&bytes).into();
    });
    let out = d.join("merged");
    let dirs = [set[0].clone(), swapped];
    let mut args = merge_args(&out, &dirs);
    args.push("--ylt");
    let output = run(&args);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let message = stderr(&output);
    assert!(message.contains("swapped/ylt-00000.parquet: holds rows of"), "{message}");
    assert!(!out.exists());
}

#[test]
fn a_breach_count_of_u64_max_or_beyond_what_the_years_allow_is_refused_rather_than_summed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "4", "shard", &[]);
    // u64::MAX would wrap the run's total.
    let huge = copy_dir(&set[1], &d.join("huge"));
    edit_results(&huge, |r| r["exposures"][0]["simulated_breaches"] = u64::MAX.into());
    rehash(&huge, "results.json");
    assert_refused(d, &with(&set, 2, &huge), &["huge/results.json", "simulated_breaches is 18446744073709551615"]);
    // Fewer breaches than years with a loss.
    let few = copy_dir(&set[1], &d.join("few"));
    edit_results(&few, |r| r["exposures"][0]["simulated_breaches"] = 0.into());
    rehash(&few, "results.json");
    assert_refused(d, &with(&set, 2, &few), &["few/results.json", "simulated_breaches is 0", "allow"]);
    // In breach mode every iteration is exactly one breach.
    let breach = shards(d, 2, "10000", "4", "breach", &["--mode", "breach"]);
    let extra = copy_dir(&breach[0], &d.join("extra"));
    edit_results(&extra, |r| r["exposures"][0]["simulated_breaches"] = 10_001.into());
    rehash(&extra, "results.json");
    assert_refused(d, &with(&breach, 1, &extra), &["extra/results.json", "is 10001", "allow 10000 to 10000"]);
}

#[test]
fn shard_ranges_that_overlap_or_leave_a_gap_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let two = shards(d, 2, "10000", "5", "two", &[]);
    let split = manifest(&two[0])["end_exposure"].as_u64().expect("end_exposure");
    // Overlap: a one-shard run of the whole study relabelled as shard 2 of 2.
    let whole = shards(d, 1, "10000", "5", "whole", &[]);
    edit_manifest(&whole[0], |m| {
        m["shard"] = 2.into();
        m["shards"] = 2.into();
    });
    assert_refused(
        d,
        &with(&two, 2, &whole[0]),
        &["whole-1/manifest.json", "first_exposure is 0", &format!("ends at exposure {split}")],
    );
    // Gap: shard 3 of 3 relabelled as shard 2 of 2, leaving the exposures between out.
    let three = shards(d, 3, "10000", "5", "three", &[]);
    let start = manifest(&three[2])["first_exposure"].as_u64().expect("first_exposure");
    assert_ne!(start, split, "the test needs a gap");
    edit_manifest(&three[2], |m| {
        m["shard"] = 2.into();
        m["shards"] = 2.into();
    });
    assert_refused(
        d,
        &[two[0].clone(), three[2].clone()],
        &["three-3/manifest.json", &format!("first_exposure is {start}")],
    );
}

#[test]
fn shard_1_of_4_relabelled_as_the_only_shard_is_refused_whatever_range_it_claims() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let four = shards(d, 4, "20000", "6", "four", &[]);
    let end = manifest(&four[0])["end_exposure"].as_u64().expect("end_exposure");
    let alone = copy_dir(&four[0], &d.join("alone"));
    edit_manifest(&alone, |m| m["shards"] = 1.into());
    assert_refused(
        d,
        std::slice::from_ref(&alone),
        &["alone/manifest.json", &format!("exposures end at {end}, but the run has 20")],
    );
    // Claiming the whole range too: its results hold its own exposures, not all twenty.
    edit_manifest(&alone, |m| m["end_exposure"] = 20.into());
    assert_refused(
        d,
        std::slice::from_ref(&alone),
        &["alone/results.json", &format!("holds {end} exposures"), "exposures are 0..20"],
    );
}

#[test]
fn manifest_copy_paths_outside_the_shard_folder_are_refused_without_being_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "7", "shard", &[]);
    // Valid copies outside the folder, which a merge following the paths would accept.
    std::fs::copy(set[0].join("inputs/assumptions.toml"), d.join("x")).expect("copy");
    let outside = d.join("outside-copy.csv");
    std::fs::copy(set[0].join("inputs/exposures.csv"), &outside).expect("copy");
    let cases: [(&str, String); 4] = [
        ("exposures", "/proc/self/environ".to_string()),
        ("assumptions", "../x".to_string()),
        ("exposures", s(&outside).to_string()),
        ("assumptions", "inputs/../../x".to_string()),
    ];
    for (i, (input, copy)) in cases.into_iter().enumerate() {
        let bad = copy_dir(&set[0], &d.join(format!("bad-{i}")));
        edit_manifest(&bad, |m| m[input]["copy"] = copy.clone().into());
        let message = assert_refused(
            d,
            &with(&set, 1, &bad),
            &[&format!("bad-{i}/manifest.json: {input}.copy {copy:?} is not a plain relative path")],
        );
        assert!(!message.contains("s3cr3t"), "the environment must never be printed: {message}");
    }
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn copies_tables_and_manifests_that_are_devices_fifos_or_links_out_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "8", "shard", &[]);
    let replace = |name: &str, file: &str, how: &dyn Fn(&Path)| -> PathBuf {
        let bad = copy_dir(&set[0], &d.join(name));
        std::fs::remove_file(bad.join(file)).expect("remove");
        how(&bad.join(file));
        bad
    };
    let to_zero = |p: &Path| std::os::unix::fs::symlink("/dev/zero", p).expect("symlink");
    let bad = replace("zero", "inputs/exposures.csv", &to_zero);
    assert_refused(
        d,
        &with(&set, 1, &bad),
        &["zero/inputs/exposures.csv", "leads to /dev/zero outside the shard folder"],
    );
    let bad = replace("fifo", "inputs/assumptions.toml", &mkfifo);
    assert_refused(d, &with(&set, 1, &bad), &["fifo/inputs/assumptions.toml", "is a FIFO; expected a regular file"]);
    let bad = replace("fifo-table", "results.json", &mkfifo);
    assert_refused(d, &with(&set, 1, &bad), &["fifo-table/results.json", "is a FIFO"]);
    // A link to shard 2's sums: a regular file, but not this folder's.
    let other = set[1].join("sums.bin");
    let bad = replace("linked", "sums.bin", &|p| std::os::unix::fs::symlink(&other, p).expect("symlink"));
    assert_refused(d, &with(&set, 1, &bad), &["linked/sums.bin", "outside the shard folder"]);
    let bad = replace("fifo-manifest", "manifest.json", &mkfifo);
    assert_refused(d, &with(&set, 1, &bad), &["fifo-manifest/manifest.json", "is a FIFO"]);
    let bad = replace("zero-manifest", "manifest.json", &to_zero);
    assert_refused(d, &with(&set, 1, &bad), &["zero-manifest/manifest.json", "outside the shard folder"]);
}

#[test]
fn a_manifest_over_1_mib_is_refused_before_it_is_parsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "9", "shard", &[]);
    let big = copy_dir(&set[1], &d.join("big"));
    // Valid JSON, the manifest as written, padded with 2 MiB of spaces.
    let mut text = common::read_text(&big.join("manifest.json"));
    text.push_str(&" ".repeat(2 << 20));
    std::fs::write(big.join("manifest.json"), text).expect("write");
    assert_refused(d, &with(&set, 2, &big), &["big/manifest.json", "is larger than 1048576 bytes"]);
}

#[test]
fn shards_of_an_older_layout_are_refused_with_the_layout_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let set = shards(d, 2, "10000", "10", "shard", &[]);
    let old = copy_dir(&set[1], &d.join("old"));
    edit_manifest(&old, |m| {
        m["format"] = 1.into();
        // Layout 1 had no hashes.
        if let Some(fields) = m.as_object_mut() {
            fields.remove("results");
        }
    });
    assert_refused(d, &with(&set, 2, &old), &["old/manifest.json", "shard layout 1 is not the layout 8"]);
}

#[test]
fn the_merged_report_names_the_original_inputs_not_the_shard_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let study = d.join("study");
    std::fs::create_dir(&study).expect("dir");
    let assumptions = study.join("my-assumptions.toml");
    std::fs::copy(common::manifest_path("assumptions/default.toml"), &assumptions).expect("copy");
    let exposures = study.join("book.csv");
    std::fs::copy(common::manifest_path("assumptions/sample-portfolio.csv"), &exposures).expect("copy");
    let set = shards(d, 2, "10000", "11", "shard", &["--exposures", s(&exposures), "--assumptions", s(&assumptions)]);
    let out = d.join("merged");
    let mut args = vec!["merge", "--quiet", "--out", s(&out)];
    args.extend(set.iter().map(|p| s(p)));
    common::assert_success(&run(&args));
    let html = common::read_text(&out.join("report.html"));
    assert!(html.contains(s(&assumptions)), "report.html names {}", assumptions.display());
    assert!(!html.contains("inputs/assumptions.toml"), "report.html names the shard's copy");
    assert!(!html.contains(s(&set[0])), "report.html names a shard folder");
    let run_json = common::run_json(&out);
    assert_eq!(run_json["inputs"]["assumptions"]["path"], s(&assumptions), "{run_json}");
}

#[test]
fn a_shard_of_another_build_is_refused_and_the_build_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let two = shards(d, 2, "6000", "5", "build", &[]);
    let recorded = manifest(&two[0])["build"].as_str().map(str::to_string).expect("a build in the manifest");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        recorded.starts_with(&format!("{version}+sha256:")) && recorded.len() == version.len() + 8 + 16,
        "{recorded}"
    );
    assert_eq!(manifest(&two[1])["build"].as_str(), Some(recorded.as_str()), "one build for every shard");
    // The same version, rebuilt: another hash of the executable.
    edit_manifest(&two[1], |m| m["build"] = format!("{version}+sha256:0123456789abcdef").into());
    assert_refused(d, &two, &["build-2/manifest.json", "0123456789abcdef", &recorded, "same binary"]);
}
