//! The output folder (`--out`), and the rule that keeps a user's files safe: breachcost only
//! ever replaces a folder it made and marked, and removes only the files its marker lists.
//!
//! A report is written into a fresh temporary folder beside `--out` (a random name, marked as
//! breachcost's), which then takes `--out`'s place in one atomic exchange, so that a reader
//! always finds a complete report and a failed or killed run leaves `--out` as it was. The
//! folder it replaces must be empty, or hold a [`MARKER`] and nothing its marker does not
//! list; it is checked before anything is simulated and again right before the exchange, and
//! the folder swapped out is removed file by listed file, so a file that appeared in it
//! during the run is kept. A lock beside `--out` refuses a second run into the same folder
//! while one is under way, and tells the leftovers of killed runs from live runs' folders.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::interrupt::{self, Leftovers};
use super::ReportFile;
use crate::error::{Error, Result};

/// The file that marks a folder as breachcost's, listing the files breachcost wrote into it.
pub const MARKER: &str = ".breachcost";
/// Temporary folders beside `--out`: `.breachcost-tmp-<target key>-<random>`.
const TEMP_PREFIX: &str = ".breachcost-tmp-";
/// A previous report moved aside where the filesystem cannot exchange two folders.
const OLD_PREFIX: &str = ".breachcost-old-";
/// The lock of a target: `.breachcost-lock-<target key>`.
const LOCK_PREFIX: &str = ".breachcost-lock-";
/// A marker lists file names; anything larger is not one of breachcost's.
const MARKER_MAX_BYTES: u64 = 16 << 20;

/// What a marked folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The reports of a run (`simulate`, `merge`, `sensitivity`, `backtest`).
    Report,
    /// One shard of a split run (`simulate --shard K/N`).
    Shard,
    /// A folder being written; never a finished one.
    Staging,
}

/// The contents of [`MARKER`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Marker {
    /// `breachcost <version>`.
    written_by: String,
    kind: Kind,
    /// Every file breachcost wrote, relative to the folder, `/`-separated, sorted.
    files: Vec<String>,
    /// Each listed file as written, in `files`' order: a file changed since (edited, or
    /// replaced) is no longer breachcost's alone. (Markers of earlier versions have none:
    /// their files are known by name.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    stamps: Vec<Stamp>,
}

/// A file as breachcost wrote it: its size, modification time (nanoseconds since 1970) and,
/// for the reports written whole, the SHA-256 of its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    bytes: u64,
    modified_ns: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

/// The size and modification time of a regular file (`None` for anything else, or nothing).
fn size_and_time(path: &Path) -> Option<(u64, u64)> {
    let meta = fs::symlink_metadata(path).ok().filter(|m| m.is_file())?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some((meta.len(), u64::try_from(modified.as_nanos()).unwrap_or(u64::MAX)))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Marker {
    /// Whether listed file `i`, at `path`, is as breachcost wrote it (or its marker predates
    /// stamps): the same size and time, or, touched since (a checkout, a copy), the same bytes.
    fn intact(&self, i: usize, path: &Path) -> bool {
        let Some(written) = self.stamps.get(i) else { return true };
        match size_and_time(path) {
            Some((bytes, _)) if bytes != written.bytes => false,
            Some((_, modified)) if modified == written.modified_ns => true,
            Some(_) => {
                written.sha256.as_ref().is_some_and(|hash| fs::read(path).is_ok_and(|b| &sha256_hex(&b) == hash))
            }
            None => false,
        }
    }

    /// The listed files in `dir` that changed since breachcost wrote them.
    fn changed(&self, dir: &Path) -> Vec<String> {
        let mut changed = Vec::new();
        for (i, file) in self.files.iter().enumerate() {
            let path = dir.join(file);
            // (A listed file the user removed is not in the way.)
            if fs::symlink_metadata(&path).is_ok() && !self.intact(i, &path) {
                changed.push(file.clone());
            }
        }
        changed
    }
}

/// Up to three of `names`, and how many more.
fn some_of(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    match names.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// An input of the run that the reports must never replace: a file, or a folder (shards).
pub struct Guarded<'a> {
    /// What it is, for messages (`the exposures`, `shard folder`).
    pub what: &'static str,
    pub path: &'a Path,
}

/// A checked `--out`: where the reports will go, resolved (symlinks followed) once.
pub struct Target {
    /// `--out` as given, for messages.
    label: String,
    /// The folder that holds the target, resolved (its missing tail is created by [`Target::stage`]).
    parent: PathBuf,
    name: OsString,
    path: PathBuf,
    /// Names the target's lock and temporary folders (a hash of its name, so any name fits).
    key: String,
    /// The inputs, resolved: (what, path, is a folder).
    guarded: Vec<(&'static str, PathBuf, bool)>,
}

/// What is at the target now.
enum Found {
    Absent,
    Empty(Identity),
    Marked(Identity, Marker),
}

/// Which folder a path names (device and inode), to notice it being replaced under us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity(u64, u64);

impl Identity {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt;
        Identity(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(_meta: &fs::Metadata) -> Identity {
        Identity(0, 0)
    }
}

/// Checks `--out` before any work is done: where it resolves to, that it is empty or a folder
/// breachcost made (holding nothing but what it wrote), not a mount point, and that it neither
/// holds nor lies inside any of `guarded`. Creates nothing.
pub fn check(out: &Path, guarded: &[Guarded]) -> Result<Target> {
    let label = out.display().to_string();
    let (parent, name) = resolve(out, &label)?;
    let path = parent.join(&name);
    // (The first 8 bytes of the name's hash.)
    let key = sha256_hex(name.as_encoded_bytes())[..16].to_string();
    let guarded =
        guarded.iter().filter_map(|g| fs::canonicalize(g.path).ok().map(|p| (g.what, p.clone(), p.is_dir()))).collect();
    let target = Target { label, parent, name, path, key, guarded };
    target.check_guarded()?;
    target.inspect()?;
    Ok(target)
}

/// `out`'s folder and name, symlinks resolved: a path that exists is canonicalised whole (so
/// `link/..` is the folder the kernel means); for one that does not, its nearest existing
/// ancestor is, and the names after it must be plain names.
fn resolve(out: &Path, label: &str) -> Result<(PathBuf, OsString)> {
    let bad = |what: String| Error::input(format!("--out {label}: {what}"));
    if out.as_os_str().is_empty() {
        return Err(bad("is empty; expected a folder for the reports".into()));
    }
    let resolved = match fs::symlink_metadata(out) {
        Ok(meta) => fs::canonicalize(out).map_err(|e| {
            if meta.file_type().is_symlink() {
                let to = fs::read_link(out).map(|t| t.display().to_string()).unwrap_or_default();
                match e.raw_os_error() {
                    Some(libc::ELOOP) => bad(format!("is a symbolic link that loops (to {to}); choose another folder")),
                    _ => bad(format!("is a symbolic link to {to}, which does not exist; choose another folder")),
                }
            } else {
                bad(format!("cannot be resolved: {e}"))
            }
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parts: Vec<Component> = out.components().collect();
            let existing = (0..parts.len())
                .rev()
                .find(|&k| {
                    let prefix: PathBuf = parts[..k].iter().collect();
                    k == 0 || fs::symlink_metadata(&prefix).is_ok()
                })
                .unwrap_or(0);
            let prefix: PathBuf = parts[..existing].iter().collect();
            let prefix = if prefix.as_os_str().is_empty() { PathBuf::from(".") } else { prefix };
            let mut resolved =
                fs::canonicalize(&prefix).map_err(|e| bad(format!("{} cannot be resolved: {e}", prefix.display())))?;
            if !resolved.is_dir() {
                return Err(bad(format!("{} is a file, not a folder", prefix.display())));
            }
            for part in &parts[existing..] {
                match part {
                    Component::Normal(name) => resolved.push(name),
                    Component::CurDir => {}
                    _ => {
                        return Err(bad(format!(
                        "{} does not exist, so the \"..\" after it cannot be resolved; give the folder without \"..\"",
                        resolved.display()
                    )))
                    }
                }
            }
            resolved
        }
        Err(e) => return Err(bad(format!("cannot be inspected: {e}"))),
    };
    match (resolved.parent(), resolved.file_name()) {
        (Some(parent), Some(name)) => Ok((parent.to_path_buf(), name.to_os_string())),
        _ => {
            Err(bad(format!("resolves to {}, which cannot be replaced; choose a folder inside it", resolved.display())))
        }
    }
}

impl Target {
    fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::input(format!("--out {}: {what}", self.label))
    }

    /// The folder the reports will be in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses a target that holds one of the run's inputs or lies inside an input folder.
    fn check_guarded(&self) -> Result<()> {
        for (what, path, is_dir) in &self.guarded {
            if path.starts_with(&self.path) {
                return Err(self.error(format!(
                    "holds {what} {}; the reports replace this folder whole, so choose a folder that holds no input",
                    path.display()
                )));
            }
            if *is_dir && self.path.starts_with(path) {
                return Err(self
                    .error(format!("is inside {what} {}; choose a folder outside the run's inputs", path.display())));
            }
        }
        Ok(())
    }

    /// What is at the target, refusing anything breachcost may not replace.
    fn inspect(&self) -> Result<Found> {
        let meta = match fs::symlink_metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
            Err(e) => return Err(self.error(format!("cannot be inspected: {e}"))),
        };
        if meta.file_type().is_symlink() {
            return Err(self.error(format!("{} became a symbolic link; choose another folder", self.path.display())));
        }
        if !meta.is_dir() {
            return Err(self.error("is a file; expected a folder for the reports"));
        }
        let identity = Identity::of(&meta);
        if is_mount_point(&self.path, &self.parent, &meta) {
            return Err(self.error(format!(
                "{} is a mount point, which cannot be replaced; give a folder inside it",
                self.path.display()
            )));
        }
        self.check_guarded()?;
        let mut entries = fs::read_dir(&self.path).map_err(|e| self.error(format!("cannot be read: {e}")))?;
        if entries.next().is_none() {
            return Ok(Found::Empty(identity));
        }
        let marker = read_marker(&self.path).ok_or_else(|| {
            self.error(format!(
                "is a folder that is not empty and was not made by breachcost (it has no {MARKER} marker; reports of earlier versions have none either); choose a new or empty folder"
            ))
        })?;
        if marker.kind == Kind::Staging {
            return Err(self.error("is an unfinished folder of a breachcost run; choose another folder"));
        }
        let unexpected = unlisted(&self.path, &marker);
        if !unexpected.is_empty() {
            return Err(self.error(format!(
                "holds what breachcost did not write ({}); move it out or choose another folder",
                some_of(&unexpected)
            )));
        }
        let changed = marker.changed(&self.path);
        if !changed.is_empty() {
            return Err(self.error(format!(
                "holds reports changed since breachcost wrote them ({}); move them out or choose another folder",
                some_of(&changed)
            )));
        }
        Ok(Found::Marked(identity, marker))
    }

    /// Prepares the run's output: creates the target's parent folders if missing, takes the
    /// target's lock (refusing if another run holds it), removes what killed runs left beside
    /// it, checks the target again, and creates the temporary folder that becomes the report.
    /// Everything that can fail about `--out` fails here, before anything is simulated.
    /// Whatever fails, or a signal that stops the run, takes away what it made (see [`Made`]).
    pub fn stage(&self, kind: Kind) -> Result<Staging<'_>> {
        let created = missing_folders(&self.parent);
        let registration = interrupt::register(Leftovers { created: created.clone(), ..Leftovers::default() });
        let mut made = Made { registration, created, lock: None, temp: None, committed: false };
        fs::create_dir_all(&self.parent)
            .map_err(|e| self.error(format!("cannot create the folder {}: {e}", self.parent.display())))?;
        let lock = made.lock.insert(Lock::acquire(self)?);
        // Without a lock (a filesystem that has none) another node's live run cannot be told
        // from a killed one's leftovers: they are left where they are.
        let locked = lock.file.is_some().then(|| lock.path.clone());
        if locked.is_some() {
            self.clean_leftovers();
        }
        self.inspect()?;
        let temp = loop {
            let temp = self.parent.join(format!("{TEMP_PREFIX}{}-{:016x}", self.key, rand::random::<u64>()));
            // Made and registered at once: a signal finds both or neither.
            let mut registry = interrupt::hold();
            match fs::create_dir(&temp) {
                Ok(()) => {
                    if let Some(leftovers) = registry.get_mut(registration) {
                        (leftovers.temp, leftovers.lock) = (Some(temp.clone()), locked);
                    }
                    break temp;
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(self.error(format!("cannot write in {}: {e}", self.parent.display())));
                }
            }
        };
        made.temp = Some(temp.clone());
        let staging = Staging { target: self, temp, kind, made };
        write_marker(&staging.temp, Kind::Staging, Vec::new(), &HashMap::new())
            .map_err(|e| self.error(format!("cannot write in {}: {e}", self.parent.display())))?;
        // The target's own name, tried on the same filesystem: too long or not allowed there
        // fails now rather than after the run.
        let probe = staging.temp.join(&self.name);
        fs::create_dir(&probe)
            .and_then(|()| fs::remove_dir(&probe))
            .map_err(|e| self.error(format!("is not a folder name this filesystem accepts: {e}")))?;
        Ok(staging)
    }

    /// Temporary folders of this target that no live run holds (the lock is ours), and a
    /// previous report that a killed run had moved aside (put back if the target is missing).
    fn clean_leftovers(&self) {
        let Ok(entries) = fs::read_dir(&self.parent) else { return };
        let temp = format!("{TEMP_PREFIX}{}-", self.key);
        let old = format!("{OLD_PREFIX}{}-", self.key);
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = entry.path();
            if !(name.starts_with(&temp) || name.starts_with(&old)) || !is_real_dir(&path) {
                continue;
            }
            let Some(marker) = read_marker(&path) else {
                if name.starts_with(&temp) {
                    remove_unmarked_temporary(&path);
                }
                continue;
            };
            if name.starts_with(&old)
                && matches!(fs::symlink_metadata(&self.path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
            {
                let _ = fs::rename(&path, &self.path);
            } else if marker.kind == Kind::Staging {
                let _ = fs::remove_dir_all(&path);
            } else {
                remove_listed(&path, &marker);
            }
        }
    }
}

/// A temporary folder of a run killed between making it and marking it: empty, or holding
/// nothing but its marker cut short. Removed then; anything else in it keeps it where it is.
fn remove_unmarked_temporary(path: &Path) {
    let Ok(entries) = fs::read_dir(path) else { return };
    let names: Vec<OsString> = entries.flatten().map(|e| e.file_name()).collect();
    let marker = path.join(MARKER);
    let only_marker =
        names.len() == 1 && names[0] == MARKER && fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file());
    if only_marker {
        let _ = fs::remove_file(&marker);
    }
    if names.is_empty() || only_marker {
        // (Only an empty folder is removed: a file that appeared meanwhile keeps it.)
        let _ = fs::remove_dir(path);
    }
}

/// Whether `path` (a folder, `meta` its metadata) is a mount point: on another device than
/// its parent, or listed as a mount point (a bind mount of the same device).
fn is_mount_point(path: &Path, parent: &Path, meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if fs::metadata(parent).is_ok_and(|p| p.dev() != meta.dev()) {
            return true;
        }
    }
    #[cfg(target_os = "linux")]
    if let Ok(mounts) = fs::read_to_string("/proc/self/mountinfo") {
        // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
        let wanted = path.to_string_lossy();
        return mounts.lines().filter_map(|line| line.split(' ').nth(4)).any(|point| unescape_mount(point) == wanted);
    }
    let _ = (path, meta);
    false
}

#[cfg(target_os = "linux")]
fn unescape_mount(point: &str) -> String {
    let bytes = point.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A folder, not a symbolic link to one.
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// The marker of `dir`, if it has a readable one (a regular file of sensible size).
fn read_marker(dir: &Path) -> Option<Marker> {
    let path = dir.join(MARKER);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > MARKER_MAX_BYTES {
        return None;
    }
    let mut text = String::new();
    File::open(&path).ok()?.take(MARKER_MAX_BYTES).read_to_string(&mut text).ok()?;
    let marker: Marker = serde_json::from_str(&text).ok()?;
    // Listed names are plain relative paths: a marker cannot point outside its folder.
    let plain = |f: &String| !f.is_empty() && Path::new(f).components().all(|c| matches!(c, Component::Normal(_)));
    let stamped = marker.stamps.is_empty() || marker.stamps.len() == marker.files.len();
    (stamped && marker.files.iter().all(plain)).then_some(marker)
}

/// Marks `dir` as holding `files`, stamped as they are now; `hashes` gives the SHA-256 of
/// those whose bytes the caller had.
fn write_marker(dir: &Path, kind: Kind, files: Vec<String>, hashes: &HashMap<String, String>) -> std::io::Result<()> {
    let stamp = |f: &String| {
        let (bytes, modified_ns) = size_and_time(&dir.join(f)).unwrap_or_default();
        Stamp { bytes, modified_ns, sha256: hashes.get(f).cloned() }
    };
    let stamps = files.iter().map(stamp).collect();
    let marker = Marker { written_by: format!("breachcost {}", env!("CARGO_PKG_VERSION")), kind, files, stamps };
    let mut bytes = serde_json::to_vec_pretty(&marker).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    fs::write(dir.join(MARKER), bytes)
}

/// Every file under `dir` (not following symbolic links), relative and `/`-separated, sorted;
/// with the folders on the way, and anything neither a file nor a folder, in `others`.
fn walk(dir: &Path) -> (Vec<String>, Vec<String>, Vec<String>) {
    fn go(root: &Path, dir: &Path, files: &mut Vec<String>, dirs: &mut Vec<String>, others: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let relative: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let relative = relative.join("/");
            match entry.file_type() {
                Ok(t) if t.is_dir() => {
                    dirs.push(relative);
                    go(root, &path, files, dirs, others);
                }
                Ok(t) if t.is_file() => files.push(relative),
                _ => others.push(relative),
            }
        }
    }
    let (mut files, mut dirs, mut others) = (Vec::new(), Vec::new(), Vec::new());
    go(dir, dir, &mut files, &mut dirs, &mut others);
    files.sort();
    dirs.sort();
    others.sort();
    (files, dirs, others)
}

/// What `dir` holds that its marker does not list (files, folders on no listed file's way,
/// links and special files), by relative path.
fn unlisted(dir: &Path, marker: &Marker) -> Vec<String> {
    let (files, dirs, others) = walk(dir);
    let listed = |f: &String| f == MARKER || marker.files.binary_search(f).is_ok();
    let on_the_way =
        |d: &String| marker.files.iter().any(|f| f.strip_prefix(d.as_str()).is_some_and(|r| r.starts_with('/')));
    let mut out: Vec<String> = files.into_iter().filter(|f| !listed(f)).collect();
    out.extend(dirs.into_iter().filter(|d| !on_the_way(d)));
    out.extend(others);
    out
}

/// Removes the files `marker` lists from `dir` (as breachcost wrote them: a changed one is
/// kept), then the folders they were in, the marker and `dir` itself; anything else is left.
/// Returns whether `dir` is gone.
fn remove_listed(dir: &Path, marker: &Marker) -> bool {
    let mut folders = std::collections::BTreeSet::new();
    for (i, file) in marker.files.iter().enumerate() {
        let path = dir.join(file);
        // Every folder on the way must be a real folder, never a link out of `dir`.
        let mut way = Vec::new();
        let mut ancestor = Path::new(file).parent();
        while let Some(a) = ancestor.filter(|a| !a.as_os_str().is_empty()) {
            way.push(a.to_path_buf());
            ancestor = a.parent();
        }
        if way.iter().all(|a| is_real_dir(&dir.join(a))) {
            if marker.intact(i, &path) && fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(&path);
            }
            folders.extend(way);
        }
    }
    for folder in folders.iter().rev() {
        let _ = fs::remove_dir(dir.join(folder));
    }
    let _ = fs::remove_file(dir.join(MARKER));
    fs::remove_dir(dir).is_ok()
}

/// The target's lock: a file beside it, locked for the run and removed at its end. A process
/// that finds the file's lock free but the file replaced (its holder removed it) tries again.
struct Lock {
    path: PathBuf,
    file: Option<File>,
}

impl Lock {
    fn acquire(target: &Target) -> Result<Lock> {
        let path = target.parent.join(format!("{LOCK_PREFIX}{}", target.key));
        for _ in 0..100 {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
            let mut file = options
                .open(&path)
                .map_err(|e| target.error(format!("cannot write in {}: {e}", target.parent.display())))?;
            if !is_a_lock(&mut file) {
                return Err(target.error(format!(
                    "{} is in the way of the folder's lock and was not written by breachcost; move it",
                    path.display()
                )));
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.take(200).read_to_string(&mut holder);
                    // "pid <pid> start <unix seconds>", as written below.
                    let fields: Vec<&str> = holder.split_whitespace().collect();
                    let holder = match fields.as_slice() {
                        ["pid", pid, "start", start] => {
                            let age = start.parse::<u64>().map(|s| unix_seconds().saturating_sub(s)).unwrap_or(0);
                            format!(" (process {pid}, running for {age} s)")
                        }
                        _ => String::new(),
                    };
                    return Err(target.error(format!(
                        "another breachcost run is writing to this folder{holder}; wait for it to finish or choose another --out"
                    )));
                }
                // A filesystem without locks: run unlocked rather than not at all.
                Err(std::fs::TryLockError::Error(_)) => return Ok(Lock { path, file: None }),
            }
            let same = match (file.metadata(), fs::symlink_metadata(&path)) {
                (Ok(a), Ok(b)) => Identity::of(&a) == Identity::of(&b),
                _ => false,
            };
            if same {
                let _ = file.set_len(0);
                let _ = write!(file, "pid {} start {}", std::process::id(), unix_seconds());
                return Ok(Lock { path, file: Some(file) });
            }
        }
        Err(target.error(format!("cannot take its lock {}: it keeps being replaced", path.display())))
    }
}

/// Whether an open file at a lock's path is one: a regular file of its own (no other name
/// links to it), empty or holding what [`Lock::acquire`] writes.
fn is_a_lock(file: &mut File) -> bool {
    let Ok(meta) = file.metadata() else { return false };
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
        return false;
    }
    let mut text = Vec::new();
    let read = file.take(200).read_to_end(&mut text);
    // (Back to the start, where the holder's text is read and this run's written.)
    let rewound = file.seek(std::io::SeekFrom::Start(0)).is_ok();
    meta.is_file() && read.is_ok() && rewound && (text.is_empty() || text.starts_with(b"pid "))
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Only the lock file this run holds: never a file put in its place.
        let ours = match (self.file.as_ref().map(File::metadata), fs::symlink_metadata(&self.path)) {
            (Some(Ok(a)), Ok(b)) => Identity::of(&a) == Identity::of(&b),
            _ => false,
        };
        if ours {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The folders `folder` and its ancestors that do not exist yet, deepest first.
fn missing_folders(folder: &Path) -> Vec<PathBuf> {
    let mut missing = Vec::new();
    let mut at = Some(folder);
    while let Some(path) = at.filter(|p| !p.as_os_str().is_empty()) {
        match fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(path.to_path_buf()),
            _ => break,
        }
        at = path.parent();
    }
    missing
}

/// What [`Target::stage`] made for a report, registered for a signal's clean-up (see
/// [`interrupt`]) and taken away when it is dropped: the temporary folder unless the report
/// went into place, the lock, and the folders created on the way to `--out` if they are empty.
struct Made {
    registration: u64,
    created: Vec<PathBuf>,
    lock: Option<Lock>,
    temp: Option<PathBuf>,
    committed: bool,
}

impl Drop for Made {
    fn drop(&mut self) {
        // Held throughout: a signal meanwhile waits, then finds nothing left to remove.
        let mut registry = interrupt::hold();
        registry.forget(self.registration);
        if let Some(temp) = self.temp.as_ref().filter(|_| !self.committed) {
            let _ = fs::remove_dir_all(temp);
        }
        drop(self.lock.take());
        if !self.committed {
            for folder in &self.created {
                let _ = fs::remove_dir(folder);
            }
        }
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A report folder being written: a marked temporary folder beside the target, which
/// [`Staging::commit`] swaps into place; dropped uncommitted, it is removed.
pub struct Staging<'a> {
    target: &'a Target,
    temp: PathBuf,
    kind: Kind,
    /// The temporary folder, the lock and the folders made for `--out`, until the staging ends.
    made: Made,
}

impl Staging<'_> {
    /// The temporary folder: files written here become part of the report folder.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Writes `files` into the temporary folder, marks it with everything it holds, checks the
    /// target once more, and swaps the folder into place.
    pub fn commit(mut self, files: &[ReportFile]) -> Result<()> {
        let target = self.target;
        let failed =
            |e: std::io::Error| Error::failure(format!("--out {}: writing the reports failed: {e}", target.label));
        for file in files {
            let path = self.temp.join(&file.path);
            if let Some(dir) = path.parent() {
                create_inside(&self.temp, dir).map_err(failed)?;
            }
            let mut out = OpenOptions::new().write(true).create_new(true).open(&path).map_err(failed)?;
            out.write_all(&file.bytes).and_then(|()| out.sync_all()).map_err(failed)?;
        }
        let (written, _, _) = walk(&self.temp);
        let written: Vec<String> = written.into_iter().filter(|f| f != MARKER).collect();
        let hashes: HashMap<String, String> = files
            .par_iter()
            .map(|file| {
                let name: Vec<String> =
                    Path::new(&file.path).components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                (name.join("/"), sha256_hex(&file.bytes))
            })
            .collect();
        write_marker(&self.temp, self.kind, written, &hashes).map_err(failed)?;
        sync_dir(&self.temp);
        // From the last check to the report in place, a signal waits (see [`interrupt`]).
        let mut registry = interrupt::hold();
        // The target as it is now: whatever appeared there during the run is checked again.
        match target.inspect()? {
            Found::Absent => {
                if let Err(e) = rename_noreplace(&self.temp, &target.path) {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        return Err(target
                            .error("a folder appeared there while the reports were written; nothing was replaced"));
                    }
                    return Err(failed(e));
                }
            }
            Found::Empty(identity) => self.replace(identity, None)?,
            Found::Marked(identity, marker) => self.replace(identity, Some(marker))?,
        }
        // In place: the temporary folder's name is the previous report's now, or nothing.
        self.made.committed = true;
        if let Some(leftovers) = registry.get_mut(self.made.registration) {
            (leftovers.temp, leftovers.created) = (None, Vec::new());
        }
        drop(registry);
        sync_dir(&target.parent);
        Ok(())
    }

    /// Swaps the temporary folder with the target that was checked as `identity`, then removes
    /// the previous folder's listed files (all of it, if it was empty).
    fn replace(&self, identity: Identity, marker: Option<Marker>) -> Result<()> {
        let target = self.target;
        let failed = |e: std::io::Error| {
            Error::failure(format!("--out {}: cannot move the new reports into place: {e}", target.label))
        };
        keep_access(&target.path, &self.temp);
        let previous = match exchange(&self.temp, &target.path) {
            Ok(()) => self.temp.clone(),
            Err(_) => {
                // No atomic exchange here (e.g. NFS): move the previous folder aside, then the
                // new one in; a killed run in between is put right by the next one.
                let aside = target.parent.join(format!("{OLD_PREFIX}{}-{:016x}", target.key, rand::random::<u64>()));
                fs::rename(&target.path, &aside).map_err(failed)?;
                if let Err(e) = fs::rename(&self.temp, &target.path) {
                    let _ = fs::rename(&aside, &target.path);
                    return Err(failed(e));
                }
                aside
            }
        };
        // The folder swapped out must be the one checked; if not, swap back and stop.
        let swapped = fs::symlink_metadata(&previous).map(|m| Identity::of(&m)).ok();
        if swapped != Some(identity) {
            let _ = exchange(&previous, &target.path);
            return Err(
                target.error("was replaced by another folder while the reports were written; nothing was replaced")
            );
        }
        let gone = match &marker {
            Some(marker) => remove_listed(&previous, marker),
            None => fs::remove_dir(&previous).is_ok(),
        };
        if !gone {
            let kept =
                target.parent.join(format!("{}.kept-{:08x}", target.name.to_string_lossy(), rand::random::<u32>()));
            let kept = if fs::rename(&previous, &kept).is_ok() { kept } else { previous };
            let warning = format!(
                "--out {}: the previous reports held files breachcost did not write, or changed since, when they were replaced; they are kept in {}",
                target.label,
                kept.display()
            );
            let _ = writeln!(std::io::stderr(), "warning: {}", crate::text::printable(&warning));
        }
        Ok(())
    }
}

/// Gives the new report folder `to` the access the folder it replaces, `from`, had: its
/// permissions, and its owner and group where this process may set them (a folder the user
/// made private stays private).
fn keep_access(from: &Path, to: &Path) {
    let Ok(meta) = fs::symlink_metadata(from) else { return };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if fs::symlink_metadata(to).is_ok_and(|m| (m.uid(), m.gid()) != (meta.uid(), meta.gid())) {
            // (Before the permissions: changing the owner may clear set-id bits. A process
            // that may not give the folder away may still give it the group.)
            if std::os::unix::fs::chown(to, Some(meta.uid()), Some(meta.gid())).is_err() {
                let _ = std::os::unix::fs::chown(to, None, Some(meta.gid()));
            }
        }
    }
    let _ = fs::set_permissions(to, meta.permissions());
}

/// Creates `dir` and the folders on its way inside `root`, which must exist: a report folder
/// removed meanwhile (a signal's clean-up) is not made again.
fn create_inside(root: &Path, dir: &Path) -> std::io::Result<()> {
    let mut path = root.to_path_buf();
    for part in dir.strip_prefix(root).map_err(std::io::Error::other)?.components() {
        path.push(part);
        match fs::create_dir(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Flushes a folder's entries to disk, so that a crash after the swap finds the new report whole.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Exchanges two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`).
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            other => return other.map_err(std::io::Error::from),
        }
    }
    // Without the flag, the last check stands: rename fails on a folder that is not empty.
    fs::rename(from, to)
}
