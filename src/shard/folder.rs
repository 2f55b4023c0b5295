//! Reading the files of a shard folder, which anyone may have edited: only plain relative
//! paths that stay inside it, only regular files, with a size limit, and checked against the
//! size and SHA-256 the manifest records before anything parses them.

use std::io::Read;
use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use super::layout::{hex, ManifestInput, TableFile, MANIFEST};
use crate::error::{Error, Result};

/// `relative` as a path that stays inside the folder it is joined to: only plain names (no
/// root, drive prefix, `.` or `..`). Manifests are read from folders anyone may have edited.
pub(super) fn plain_relative(relative: &str) -> Option<&Path> {
    let path = Path::new(relative);
    let plain = !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(path)
}

/// What a file that is not a regular one is, for messages.
fn kind(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Reads the file `relative` of the shard folder `dir`: at most `limit` bytes and one more,
/// so that a caller sees a file longer than allowed without reading all of it. The path must
/// be relative and plain, resolve (links followed) inside the folder, and be a regular file:
/// a device or FIFO is refused before it is opened, and the file is opened without following
/// a link and without blocking, then checked again, in case it was swapped in between.
pub(super) fn read_in_folder(dir: &Path, relative: &str, limit: u64) -> Result<Vec<u8>> {
    let path = plain_relative(relative).ok_or_else(|| {
        Error::input(format!(
            "{}: {relative:?} is not a plain relative path; expected a file inside the shard folder",
            dir.display()
        ))
    })?;
    let shown = dir.join(path);
    let label = shown.display();
    let root = dir.canonicalize().map_err(|e| Error::input(format!("{}: cannot be read: {e}", dir.display())))?;
    let real = root.join(path).canonicalize().map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !real.starts_with(&root) {
        return Err(Error::input(format!(
            "{label}: leads to {} outside the shard folder {}; expected a file of the folder",
            real.display(),
            root.display()
        )));
    }
    let not_regular = |file_type| {
        Error::input(format!("{label}: is {}; expected a regular file written by `simulate --shard`", kind(file_type)))
    };
    let metadata = std::fs::metadata(&real).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(&real).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    let metadata = file.metadata().map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(not_regular(metadata.file_type()));
    }
    let most = limit.saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(most)).unwrap_or(0));
    file.take(most).read_to_end(&mut bytes).map_err(|e| Error::input(format!("{label}: cannot be read: {e}")))?;
    Ok(bytes)
}

/// The most bytes a Parquet table of `rows` rows of `columns` columns of at most 8 bytes can
/// take: twice the raw values (page headers, statistics and an incompressible worst case stay
/// far below that) and 1 MiB of footer. A bound on what merge reads of a table whatever its
/// manifest says (a sparse file of a terabyte, say, declared at its size).
pub(super) fn most_table_bytes(rows: u64, columns: usize) -> u64 {
    rows.saturating_mul(columns as u64).saturating_mul(16).saturating_add(1 << 20)
}

/// The most bytes merge reads of an input copy whatever its manifest says: far above the
/// exposures and assumptions files a run holds in memory.
pub const INPUT_COPY_MAX_BYTES: u64 = 4 << 30;

/// Reads the file `relative` of `dir` that the manifest says is `expected.bytes` long with
/// SHA-256 `expected.sha256`, and checks both before anything parses it. A declared size above
/// `most` is refused before anything is read.
pub(super) fn read_verified(dir: &Path, relative: &str, expected: &TableFile, most: u64) -> Result<Vec<u8>> {
    let path = dir.join(relative);
    if expected.bytes > most {
        return Err(Error::input(format!(
            "{}: {MANIFEST} says it is {} bytes, more than the {most} such a file can be; the shard folder was altered",
            path.display(),
            expected.bytes
        )));
    }
    let bytes = read_in_folder(dir, relative, expected.bytes)?;
    let size = bytes.len() as u64;
    if size > expected.bytes {
        return Err(Error::input(format!(
            "{}: is more than the {} bytes {MANIFEST} says (sha256 {:?}); the shard folder was altered",
            path.display(),
            expected.bytes,
            expected.sha256
        )));
    }
    let mut hasher = Sha256::new();
    hasher.update(&bytes);
    let actual = hex(hasher);
    if actual != expected.sha256 || size != expected.bytes {
        return Err(Error::input(format!(
            "{}: sha256 is {actual} ({size} bytes), but {MANIFEST} says {:?} ({} bytes); the shard folder was altered",
            path.display(),
            expected.sha256,
            expected.bytes
        )));
    }
    Ok(bytes)
}

/// The bytes of a shard's copy of one of the run's inputs, checked against its manifest.
pub fn read_input_copy(dir: &Path, input: &ManifestInput) -> Result<Vec<u8>> {
    read_verified(
        dir,
        &input.copy,
        &TableFile { bytes: input.bytes, sha256: input.sha256.clone() },
        INPUT_COPY_MAX_BYTES,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_stay_inside_a_shard_folder() {
        for good in ["inputs/exposures.csv", "manifest.json", "inputs/a b.toml"] {
            assert!(plain_relative(good).is_some(), "{good}");
        }
        for bad in ["", "/proc/self/environ", "../x", "inputs/../../x", "./x", "inputs/..", "/"] {
            assert!(plain_relative(bad).is_none(), "{bad}");
        }
    }
}
