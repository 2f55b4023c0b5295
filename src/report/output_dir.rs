//! Writing a report folder so that nothing is ever half-written: files go to a temporary
//! folder beside the target, which replaces the target only once complete. A run that
//! fails or is killed leaves the target as it was; its temporary folder is removed by the
//! next run.

use std::fs;
use std::path::{Path, PathBuf};

use super::ReportFile;
use crate::error::{Error, Result};

const TEMP_MARK: &str = ".breachcost-tmp-";
const OLD_MARK: &str = ".breachcost-old-";

/// Checks that `target` can be a report folder, before any work is done: not a file, and
/// if it exists and is not empty, a folder from an earlier run (it holds `run.json`),
/// so that a mistyped `--out` never replaces someone's folder.
pub fn check_target(target: &Path) -> Result<()> {
    let label = target.display();
    parent_and_name(target)?;
    if target.exists() {
        if !target.is_dir() {
            return Err(Error::input(format!("--out {label}: is a file; expected a folder for the reports")));
        }
        let mut entries =
            fs::read_dir(target).map_err(|e| Error::input(format!("--out {label}: cannot be read: {e}")))?;
        let empty = entries.next().is_none();
        let earlier_run = target.join("run.json").is_file() || target.join(crate::shard::MANIFEST).is_file();
        if !empty && !earlier_run {
            return Err(Error::input(format!(
                "--out {label}: is a folder that is not empty and holds no run.json or shard manifest.json from an earlier run; choose a new or empty folder"
            )));
        }
    }
    Ok(())
}

/// The folder that holds `target`, and `target`'s own name (`.` and `..` are resolved first).
fn parent_and_name(target: &Path) -> Result<(PathBuf, String)> {
    let resolved;
    let target = if target.file_name().is_none() {
        resolved = std::path::absolute(target)
            .map_err(|e| Error::input(format!("--out {}: cannot be resolved: {e}", target.display())))?
            .components()
            .fold(PathBuf::new(), |mut path, part| {
                match part {
                    std::path::Component::ParentDir => {
                        path.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => path.push(other),
                }
                path
            });
        resolved.as_path()
    } else {
        target
    };
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::input(format!("--out {}: is not a usable folder name", target.display())))?
        .to_string();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

fn process_alive(pid: &str) -> bool {
    pid.parse::<u32>().is_ok_and(|pid| pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists())
}

/// Removes temporary folders left by killed runs writing to `target`, and puts back a
/// previous report folder if a run was killed between moving it aside and replacing it.
fn clean_stale(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    let temp_prefix = format!(".{name}{TEMP_MARK}");
    let old_prefix = format!(".{name}{OLD_MARK}");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        if let Some(pid) = file_name.strip_prefix(&temp_prefix) {
            if !process_alive(pid) {
                let _ = fs::remove_dir_all(entry.path());
            }
        } else if let Some(pid) = file_name.strip_prefix(&old_prefix) {
            if !process_alive(pid) {
                if target.exists() {
                    let _ = fs::remove_dir_all(entry.path());
                } else {
                    let _ = fs::rename(entry.path(), target);
                }
            }
        }
    }
}

/// A report folder being written: a fresh temporary folder beside the target, which
/// [`Staging::commit`] moves into place; dropped uncommitted, it is removed.
pub struct Staging {
    temp: PathBuf,
    target: PathBuf,
    parent: PathBuf,
    name: String,
    label: String,
    committed: bool,
}

/// Checks `target` (see [`check_target`]), cleans what killed runs left beside it and
/// creates the temporary folder that large outputs can be written into during the run.
pub fn stage(target: &Path) -> Result<Staging> {
    check_target(target)?;
    let label = target.display().to_string();
    let (parent, name) = parent_and_name(target)?;
    let target = parent.join(&name);
    fs::create_dir_all(&parent).map_err(|e| {
        Error::input(format!("--out {label}: cannot create the parent folder {}: {e}", parent.display()))
    })?;
    clean_stale(&parent, &name, &target);
    let temp = parent.join(format!(".{name}{TEMP_MARK}{}", std::process::id()));
    let _ = fs::remove_dir_all(&temp);
    fs::create_dir_all(&temp).map_err(|e| Error::failure(format!("--out {label}: writing the reports failed: {e}")))?;
    Ok(Staging { temp, target, parent, name, label, committed: false })
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// Writes `files` as the complete contents of the folder `target`, atomically.
pub fn write_atomically(target: &Path, files: &[ReportFile]) -> Result<()> {
    stage(target)?.commit(files)
}

impl Staging {
    /// The temporary folder: files written here become part of the report folder.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Writes `files` into the temporary folder, then replaces the target with it.
    pub fn commit(mut self, files: &[ReportFile]) -> Result<()> {
        let (temp, target, parent, name, label) = (&self.temp, &self.target, &self.parent, &self.name, &self.label);
        let pid = std::process::id();
        let write_all = || -> std::io::Result<()> {
            for file in files {
                let path = temp.join(&file.path);
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir)?;
                }
                fs::write(&path, &file.bytes)?;
            }
            Ok(())
        };
        if let Err(e) = write_all() {
            return Err(Error::failure(format!("--out {label}: writing the reports failed: {e}")));
        }
        let old = parent.join(format!(".{name}{OLD_MARK}{pid}"));
        let had_previous = target.exists();
        if had_previous {
            if let Err(e) = fs::rename(target, &old) {
                return Err(Error::failure(format!("--out {label}: cannot move the previous reports aside: {e}")));
            }
        }
        if let Err(e) = fs::rename(temp, target) {
            if had_previous {
                let _ = fs::rename(&old, target);
            }
            return Err(Error::failure(format!("--out {label}: cannot move the new reports into place: {e}")));
        }
        if had_previous {
            let _ = fs::remove_dir_all(&old);
        }
        self.committed = true;
        Ok(())
    }
}
