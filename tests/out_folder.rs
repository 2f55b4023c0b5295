//! A user's files are never lost to `--out`: breachcost replaces only a folder it made and
//! marked, resolved through symbolic links, never one holding the run's inputs, checked before
//! simulating and again right before the swap, which readers never see half done.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use proptest::prelude::*;

/// Runs `simulate` quickly (few iterations, no charts) with `args`, in `cwd`.
fn quick(cwd: &Path, args: &[&str]) -> Output {
    let mut all = vec!["simulate", "--iterations", "300", "--no-charts", "--quiet"];
    all.extend_from_slice(args);
    run_in(cwd, &all)
}

/// Asserts exit status 2 with one line on stderr containing `needle`.
fn assert_refused(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(err.contains(needle), "the error should mention {needle:?}: {err}");
}

/// A run long enough to act during it: 50 breaches a year of one exposure, 200,000 years.
fn slow_run(dir: &Path, out: &str) -> std::process::Child {
    let book = write(dir, "busy.csv", "id,records,annual_rate\nbusy,100000,50\n");
    bin()
        .current_dir(dir)
        .args(["simulate", "--exposures", s(&book), "--iterations", "200000", "--no-charts", "--quiet", "--out", out])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the breachcost binary should start")
}

/// Waits until `dir` holds an entry whose name starts with `prefix` (the run is under way).
fn wait_for_entry(dir: &Path, prefix: &str) {
    wait_for_new_entry(dir, prefix, &BTreeSet::new());
}

/// Waits until `dir` holds an entry named `prefix*` that is not among `before`.
fn wait_for_new_entry(dir: &Path, prefix: &str, before: &BTreeSet<String>) {
    for _ in 0..500 {
        if entries(dir).iter().any(|n| n.starts_with(prefix) && !before.contains(n)) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("no {prefix}* appeared in {}", dir.display());
}

#[test]
fn a_folder_holding_a_manifest_or_run_json_but_no_marker_is_not_taken_for_a_report() {
    for name in ["manifest.json", "run.json"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = dir.path().join("w");
        std::fs::create_dir(&w).expect("mkdir");
        write(&w, name, "{}");
        write(&w, "precious.txt", "x");
        let output = quick(dir.path(), &["--out", "w"]);
        assert_refused(&output, "w");
        assert_eq!(read_text(&w.join("precious.txt")), "x");
        assert_eq!(entries(&w).len(), 2);
        assert_eq!(entries(dir.path()), ["w".to_string()].into_iter().collect(), "nothing written beside it");
    }
}

#[cfg(unix)]
#[test]
fn out_through_a_symlink_and_dotdot_is_the_folder_the_kernel_means() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "here.txt", "here");
    // `link/..` is, to the kernel, the report folder `real` (link's target's parent), not the
    // folder that holds `link`.
    assert_success(&run_in(
        dir.path(),
        &["simulate", "--iterations", "300", "--quiet", "--out", "real", "--seed", "1"],
    ));
    std::os::unix::fs::symlink("real/charts", dir.path().join("link")).expect("symlink");
    assert_success(&quick(dir.path(), &["--out", "link/..", "--seed", "2"]));
    assert_eq!(read_text(&dir.path().join("here.txt")), "here");
    assert_eq!(run_json(&dir.path().join("real"))["seed"].as_u64(), Some(2));
    assert_eq!(entries(dir.path()), ["here.txt", "link", "real"].map(String::from).into_iter().collect());

    // A user's folder reached the same way is refused and kept.
    std::fs::create_dir_all(dir.path().join("mine/sub")).expect("mkdir");
    write(&dir.path().join("mine"), "keep.txt", "keep");
    std::os::unix::fs::symlink("mine/sub", dir.path().join("link2")).expect("symlink");
    let output = quick(dir.path(), &["--out", "link2/.."]);
    assert_refused(&output, "link2/..");
    assert_eq!(read_text(&dir.path().join("mine/keep.txt")), "keep");
}

#[cfg(unix)]
#[test]
fn out_as_a_symlink_to_a_report_folder_replaces_the_real_folder_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_success(&quick(dir.path(), &["--out", "real", "--seed", "1"]));
    std::os::unix::fs::symlink("real", dir.path().join("latest")).expect("symlink");
    assert_success(&quick(dir.path(), &["--out", "latest", "--seed", "2"]));
    let link = dir.path().join("latest");
    assert!(std::fs::symlink_metadata(&link).expect("the link").file_type().is_symlink(), "the link is kept");
    assert_eq!(run_json(&dir.path().join("real"))["seed"].as_u64(), Some(2));
}

#[cfg(unix)]
#[test]
fn dangling_and_looping_symlinks_mount_points_and_bad_names_are_refused_before_simulating() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("nowhere", dir.path().join("dangling")).expect("symlink");
    std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).expect("symlink");
    std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).expect("symlink");
    write(dir.path(), "a-file", "x");
    let too_long = "n".repeat(300);
    // A run that would take minutes if it started: refusals must come first.
    let book = write(dir.path(), "busy.csv", "id,records,annual_rate\nbusy,100000,50\n");
    let cases: Vec<(String, &str)> = vec![
        ("dangling".into(), "does not exist"),
        ("loop-a".into(), "loops"),
        ("a-file".into(), "is a file"),
        ("a-file/sub".into(), "a-file"),
        ("nothing/../x".into(), ".."),
        (too_long.clone(), "nnnn"),
        ("/".into(), "/"),
    ];
    for (out, needle) in &cases {
        let started = std::time::Instant::now();
        let output = run_in(
            dir.path(),
            &["simulate", "--exposures", s(&book), "--iterations", "10000000", "--quiet", "--out", out],
        );
        assert_refused(&output, needle);
        assert!(started.elapsed().as_secs() < 20, "--out {out}: refused only after simulating");
    }
    #[cfg(target_os = "linux")]
    {
        let output = quick(dir.path(), &["--out", "/proc"]);
        assert_refused(&output, "mount point");
    }
    let mut expected: Vec<String> = ["a-file", "busy.csv", "dangling", "loop-a", "loop-b"].map(String::from).to_vec();
    expected.sort();
    assert_eq!(entries(dir.path()).into_iter().collect::<Vec<_>>(), expected, "nothing written");
}

#[test]
fn a_folder_name_of_255_bytes_works_beside_its_temporary_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "r".repeat(255);
    assert_success(&quick(dir.path(), &["--out", &name]));
    assert_success(&quick(dir.path(), &["--out", &name]));
    assert_eq!(entries(dir.path()), [name].into_iter().collect());
}

#[test]
fn a_run_never_replaces_a_folder_holding_its_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path().join("r");
    std::fs::create_dir(&r).expect("mkdir");
    let book = write(&r, "book.csv", read_text(&manifest_path("assumptions/sample-portfolio.csv")));
    let output = quick(dir.path(), &["--exposures", "r/book.csv", "--out", "r"]);
    assert_refused(&output, "book.csv");
    assert!(book.is_file());

    // Even a folder breachcost made: a report folder used to hold the assumptions.
    assert_success(&quick(dir.path(), &["--out", "rep"]));
    let assumptions = dir.path().join("rep").join("assumptions.toml");
    std::fs::write(&assumptions, read_text(&manifest_path("assumptions/default.toml"))).expect("write");
    let output = quick(dir.path(), &["--assumptions", s(&assumptions), "--out", "rep"]);
    assert_refused(&output, "assumptions.toml");
    assert!(assumptions.is_file());
    let output = quick(dir.path(), &["--assumptions", s(&assumptions), "--out", "rep/.."]);
    assert_refused(&output, "");
    assert!(assumptions.is_file());
}

#[test]
fn merge_never_replaces_or_writes_into_one_of_its_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    for k in 1..=2 {
        let shard = format!("--shard={k}/2");
        let out = format!("s{k}");
        assert_success(&run_in(dir.path(), &["simulate", "--iterations", "5000", "--quiet", &shard, "--out", &out]));
    }
    let before = snapshot(&dir.path().join("s1"));
    for out in ["s1", "s1/report"] {
        let output = run_in(dir.path(), &["merge", "--quiet", "--no-charts", "--out", out, "s1", "s2"]);
        assert_refused(&output, "shard");
        assert!(before == snapshot(&dir.path().join("s1")), "--out {out}: shard 1 was changed");
    }
    assert_success(&run_in(dir.path(), &["merge", "--quiet", "--no-charts", "--out", "merged", "s1", "s2"]));
}

#[test]
fn a_folder_created_at_out_during_the_run_is_kept_and_the_run_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = slow_run(dir.path(), "late");
    wait_for_entry(dir.path(), ".breachcost-tmp-");
    let late = dir.path().join("late");
    std::fs::create_dir(&late).expect("mkdir");
    write(&late, "mine.txt", "mine");
    let output = child.wait_with_output().expect("the run ends");
    assert_refused(&output, "late");
    assert_eq!(entries(&late), ["mine.txt".to_string()].into_iter().collect());
    assert_eq!(read_text(&late.join("mine.txt")), "mine");
    assert_eq!(entries(dir.path()), ["busy.csv", "late"].map(String::from).into_iter().collect());
}

#[test]
fn a_second_run_into_the_same_out_is_refused_while_the_first_is_under_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = slow_run(dir.path(), "out");
    wait_for_entry(dir.path(), ".breachcost-tmp-");
    let second = quick(dir.path(), &["--out", "out"]);
    assert_refused(&second, "another breachcost run");
    // The same folder by another spelling is the same folder.
    let second = quick(dir.path(), &["--out", &format!("{}/./out", s(dir.path()))]);
    assert_refused(&second, "another breachcost run");
    let first = first.wait_with_output().expect("the first run ends");
    assert_success(&first);
    assert_eq!(run_json(&dir.path().join("out"))["iterations"].as_u64(), Some(200_000));
    assert_eq!(entries(dir.path()), ["busy.csv", "out"].map(String::from).into_iter().collect());
}

#[test]
fn the_leftovers_of_a_killed_run_do_not_stop_later_runs_and_are_cleaned() {
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        // The second run is killed only once its own temporary folder is there: it may have
        // cleaned the first's leftovers before making it.
        let before = entries(dir.path());
        let mut child = slow_run(dir.path(), "out");
        wait_for_new_entry(dir.path(), ".breachcost-tmp-", &before);
        child.kill().expect("kill");
        child.wait().expect("reap");
    }
    let left: Vec<String> = entries(dir.path()).into_iter().filter(|n| n.starts_with(".breachcost-")).collect();
    assert!(!left.is_empty(), "a killed run should leave its temporary folder");
    assert_success(&quick(dir.path(), &["--out", "out"]));
    assert_eq!(entries(dir.path()), ["busy.csv", "out"].map(String::from).into_iter().collect());
}

/// A run killed between making its temporary folder and marking it leaves the folder empty,
/// or holding its marker cut short: the next run removes both, and keeps one that holds
/// anything else.
#[test]
fn a_temporary_folder_killed_before_its_marker_is_written_is_cleaned() {
    use sha2::Digest;
    let dir = tempfile::tempdir().expect("tempdir");
    let key: String = sha2::Sha256::digest(b"out").iter().take(8).map(|b| format!("{b:02x}")).collect();
    let temp = |n: u8| dir.path().join(format!(".breachcost-tmp-{key}-{:016x}", n));
    for n in 1..=3 {
        std::fs::create_dir(temp(n)).expect("mkdir");
    }
    write(&temp(2), ".breachcost", "{\n  \"written_by\": \"brea");
    write(&temp(3), "notes.txt", "kept");
    assert_success(&quick(dir.path(), &["--out", "out"]));
    assert!(!temp(1).exists() && !temp(2).exists(), "{:?}", entries(dir.path()));
    assert_eq!(read_text(&temp(3).join("notes.txt")), "kept");
}

#[test]
fn readers_never_find_the_report_missing_while_it_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_success(&quick(dir.path(), &["--out", "out"]));
    let run_json = dir.path().join("out").join("run.json");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, run_json) = (stop.clone(), run_json.clone());
        std::thread::spawn(move || {
            let (mut reads, mut missing) = (0u64, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                reads += 1;
                if std::fs::read(&run_json).is_err() {
                    missing += 1;
                }
            }
            (reads, missing)
        })
    };
    for seed in 1..=20 {
        assert_success(&quick(dir.path(), &["--out", "out", "--seed", &seed.to_string()]));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (reads, missing) = reader.join().expect("the reader thread");
    assert!(reads > 100, "the reader should have polled throughout: {reads}");
    assert_eq!(missing, 0, "run.json was missing {missing} times of {reads}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failure_to_write_the_reports_exits_1_and_leaves_the_previous_report_as_it_was() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().expect("tempdir");
    assert_success(&quick(dir.path(), &["--out", "out"]));
    let before = snapshot(&dir.path().join("out"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_breachcost"));
    command.current_dir(dir.path()).args(["simulate", "--iterations", "300", "--quiet", "--out", "out", "--seed", "9"]);
    // A disk that fills up: files may grow to 20 kB, and writing past that fails (EFBIG)
    // instead of killing the process (SIGXFSZ ignored).
    // SAFETY: between fork and exec only async-signal-safe calls (signal, setrlimit).
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: 20_000, rlim_max: libc::RLIM_INFINITY };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().expect("the binary runs");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", describe(&output));
    assert!(before == snapshot(&dir.path().join("out")), "the previous report was changed");
    assert_eq!(entries(dir.path()), ["out".to_string()].into_iter().collect(), "nothing left beside it");
}

/// A report file changed since breachcost wrote it (edited in place, in the folder or in a copy
/// of it) is the user's as much as breachcost's: a run into its folder is refused and keeps
/// it. A marker of an earlier version, without the files' stamps, still lets its folder go.
#[test]
fn a_report_changed_since_it_was_written_is_never_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_success(&quick(dir.path(), &["--out", "out"]));
    let out = dir.path().join("out");
    // The same size, one byte different.
    let mut summary = std::fs::read(out.join("summary.csv")).expect("summary.csv");
    let last = summary.len() - 2;
    summary[last] = if summary[last] == b'1' { b'2' } else { b'1' };
    write(&out, "summary.csv", &summary);
    assert_refused(&quick(dir.path(), &["--out", "out"]), "changed since breachcost wrote them (summary.csv)");
    assert_eq!(std::fs::read(out.join("summary.csv")).expect("kept"), summary);
    // A copy (or a checkout) has other times: its files are breachcost's while their bytes
    // are; one edited is the user's.
    let copy = dir.path().join("copy");
    assert_success(&quick(dir.path(), &["--out", "fresh"]));
    let copied = Command::new("cp").args(["-r", s(&dir.path().join("fresh")), s(&copy)]).status().expect("cp");
    assert!(copied.success());
    assert_success(&quick(dir.path(), &["--out", "copy", "--seed", "3"]));
    assert_eq!(run_json(&copy)["seed"].as_u64(), Some(3));
    let mut pricing = read_text(&copy.join("pricing.csv"));
    pricing.push_str("# signed off\n");
    write(&copy, "pricing.csv", &pricing);
    let before = snapshot(&copy);
    assert_refused(&quick(dir.path(), &["--out", "copy"]), "changed since breachcost wrote them (pricing.csv)");
    assert_eq!(snapshot(&copy), before);
    // An earlier version's marker names the files only.
    assert_success(&quick(dir.path(), &["--out", "old"]));
    let marker = dir.path().join("old/.breachcost");
    let mut listed: serde_json::Value = serde_json::from_str(&read_text(&marker)).expect("a marker");
    assert!(listed.as_object_mut().and_then(|m| m.remove("stamps")).is_some(), "the marker has stamps");
    write(&dir.path().join("old"), ".breachcost", serde_json::to_vec(&listed).expect("json"));
    assert_success(&quick(dir.path(), &["--out", "old", "--seed", "5"]));
    assert_eq!(run_json(&dir.path().join("old"))["seed"].as_u64(), Some(5));
}

/// The new report folder takes the access of the folder it replaces: one made private stays so.
#[cfg(unix)]
#[test]
fn a_replaced_folder_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let mode = |path: &Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777;
    std::fs::create_dir(&out).expect("mkdir");
    for wanted in [0o700, 0o750] {
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(wanted)).expect("chmod");
        assert_success(&quick(dir.path(), &["--out", "out"]));
        assert_eq!(mode(&out), wanted, "the folder's mode");
    }
}

/// A run refused after it made the folders on the way to `--out` (here: figures that overflow,
/// found once simulated) takes them away again: nothing is written.
#[test]
fn a_refused_run_takes_away_the_folders_it_made_for_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let huge = write(dir.path(), "huge.toml", "[[component]]\nname = \"a\"\nfixed = 1e300\n");
    let book = write(dir.path(), "book.csv", "id,records,annual_rate\nx,1000,2\n");
    let before = entries(dir.path());
    let output = quick(dir.path(), &["--exposures", s(&book), "--assumptions", s(&huge), "--out", "made/by/run"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert_eq!(entries(dir.path()), before, "nothing left of made/by/run");
}

/// What sits at a folder's lock and is not breachcost's (a link to a user's file, a file of
/// other text) is never written to or removed: the run is refused.
#[test]
fn a_file_in_the_way_of_the_lock_is_never_touched() {
    use sha2::Digest;
    let key: String = sha2::Sha256::digest(b"out").iter().take(8).map(|b| format!("{b:02x}")).collect();
    let lock = format!(".breachcost-lock-{key}");
    for linked in [true, false] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mine = write(dir.path(), "mine.txt", "important user data");
        if linked {
            std::fs::hard_link(&mine, dir.path().join(&lock)).expect("link");
        } else {
            write(dir.path(), &lock, "my notes");
        }
        assert_refused(&quick(dir.path(), &["--out", "out"]), "in the way of the folder's lock");
        assert_eq!(read_text(&mine), "important user data");
        assert_eq!(read_text(&dir.path().join(&lock)), if linked { "important user data" } else { "my notes" });
        assert!(!dir.path().join("out").exists());
    }
}

/// Ctrl-C, `kill` or a closed terminal stops a run and takes what it made with it (its
/// unfinished report, its lock, the folders made for `--out`); the previous report stays.
#[cfg(unix)]
#[test]
fn a_run_stopped_by_a_signal_leaves_nothing_and_keeps_the_previous_report() {
    use std::os::unix::process::ExitStatusExt;
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        for out in ["out", "new/deeper/out"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let previous = out == "out";
            if previous {
                assert_success(&quick(dir.path(), &["--out", out]));
            }
            let target = dir.path().join(out);
            let before = if previous { snapshot(&target) } else { Vec::new() };
            let listing = entries(dir.path());
            let mut child = slow_run(dir.path(), out);
            let parent = target.parent().expect("a parent");
            for _ in 0..500 {
                if parent.is_dir() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            wait_for_entry(parent, ".breachcost-tmp-");
            // SAFETY: a plain kill(2) of the child this test started.
            assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
            let status = child.wait().expect("reap");
            assert_eq!(status.signal(), Some(signal), "ended by the signal, as without breachcost's clean-up");
            let mut expected = listing;
            expected.insert("busy.csv".into());
            assert_eq!(entries(dir.path()), expected, "signal {signal}, --out {out}");
            if previous {
                assert_eq!(snapshot(&target), before, "the previous report");
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn init_never_follows_a_symlink_out_of_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    std::fs::create_dir(&study).expect("mkdir");
    let outside = dir.path().join("outside.csv");
    std::os::unix::fs::symlink(&outside, study.join("exposures.csv")).expect("symlink");
    let output = run(&["init", s(&study)]);
    assert_refused(&output, "exposures.csv");
    assert!(!outside.exists(), "init wrote through the link");
    assert_eq!(entries(&study), ["exposures.csv".to_string()].into_iter().collect());
}

/// The user's files in a study folder: every regular file under `root` (not following links)
/// outside breachcost's own report folder `rep`, with its bytes.
fn user_files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for name in entries(dir) {
            let path = dir.join(&name);
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() && name != "rep" {
                walk(&path, out);
            } else if meta.is_file() {
                out.push((path.clone(), std::fs::read(&path).expect("readable")));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

/// A study folder as users keep them: their own files and folders, an empty folder, inputs,
/// links among them (one dangling), and a report folder breachcost made.
#[cfg(unix)]
fn study() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("box");
    for folder in ["user/sub", "inputs", "empty"] {
        std::fs::create_dir_all(root.join(folder)).expect("mkdir");
    }
    write(&root.join("user"), "thesis.docx", "mine");
    write(&root.join("user/sub"), "data.csv", "mine too");
    write(&root.join("inputs"), "book.csv", read_text(&manifest_path("assumptions/sample-portfolio.csv")));
    write(&root, "notes.txt", "notes");
    for (link, to) in
        [("link-user", "user"), ("link-sub", "user/sub"), ("link-book", "inputs/book.csv"), ("dangling", "gone")]
    {
        std::os::unix::fs::symlink(to, root.join(link)).expect("symlink");
    }
    assert_success(&quick(&root, &["--out", "rep"]));
    dir
}

const OUTS: [&str; 22] = [
    "user",
    "user/sub",
    "user/..",
    "user/sub/../..",
    "link-user",
    "link-user/..",
    "link-sub/..",
    "link-sub",
    ".",
    "inputs",
    "inputs/..",
    "inputs/book.csv",
    "link-book",
    "dangling",
    "empty",
    "new/deeper",
    "rep",
    "rep/..",
    "rep/charts",
    "rep/new",
    "user/new",
    "link-user/new",
];

#[cfg(unix)]
proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever `--out` is, among user folders, links, inputs and breachcost's own report, and
    /// from wherever it is run, no user file is removed or changed.
    #[test]
    fn no_out_path_ever_removes_or_changes_a_user_file(
        out in proptest::sample::select(OUTS.to_vec()),
        from_user in any::<bool>(),
        with_input in any::<bool>(),
    ) {
        let dir = study();
        let root = dir.path().join("box");
        let before = user_files(&root);
        let cwd = if from_user { root.join("user") } else { root.clone() };
        let out = if from_user { format!("../{out}") } else { out.to_string() };
        let book = root.join("inputs/book.csv");
        let mut args = vec!["--out", out.as_str()];
        if with_input {
            args.extend(["--exposures", s(&book)]);
        }
        let output = quick(&cwd, &args);
        prop_assert!(matches!(output.status.code(), Some(0) | Some(2)), "{}", describe(&output));
        for (path, bytes) in &before {
            let now = std::fs::read(path);
            prop_assert!(now.as_ref().ok() == Some(bytes), "--out {out}: {} was removed or changed", path.display());
        }
    }
}
