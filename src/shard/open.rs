//! Opening the shard folders given to `merge`: each manifest read and checked, and together
//! one run's shards, each exactly once, their exposures following one another to the last.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::folder::{plain_relative, read_in_folder};
use super::layout::{Manifest, FORMAT, MANIFEST, MANIFEST_MAX_BYTES};
use crate::error::{Error, Result};

/// One shard folder, checked.
#[derive(Debug, Clone)]
pub struct Shard {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Shard {
    /// The exposures the shard simulated.
    pub fn exposures(&self) -> Range<usize> {
        self.manifest.first_exposure..self.manifest.end_exposure
    }
}

/// Just the layout of a manifest, read before the rest: a manifest of another layout may lack
/// this one's fields, and then the layout is what to report.
#[derive(Deserialize)]
struct Layout {
    format: u32,
}

/// Reads one shard folder's manifest (a regular file of at most [`MANIFEST_MAX_BYTES`]).
fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    if !dir.is_dir() {
        return Err(Error::input(format!("{}: is not a folder; expected a shard folder", dir.display())));
    }
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(Error::input(format!(
            "{}: has no readable {MANIFEST}; not a folder written by `simulate --shard`",
            dir.display()
        )));
    }
    let bytes = read_in_folder(dir, MANIFEST, MANIFEST_MAX_BYTES)?;
    if bytes.len() as u64 > MANIFEST_MAX_BYTES {
        return Err(Error::input(format!(
            "{}: is larger than {MANIFEST_MAX_BYTES} bytes; a shard manifest is a few kB",
            path.display()
        )));
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::input(format!("{}: is not UTF-8 text (byte {})", path.display(), e.valid_up_to())))?;
    let not_manifest = |e: serde_json::Error| Error::input(format!("{}: is not a shard manifest: {e}", path.display()));
    let layout: Layout = serde_json::from_str(text).map_err(not_manifest)?;
    if layout.format != FORMAT {
        return Err(Error::input(format!(
            "{}: shard layout {} is not the layout {FORMAT} this breachcost reads",
            path.display(),
            layout.format
        )));
    }
    let manifest: Manifest = serde_json::from_str(text).map_err(not_manifest)?;
    if manifest.version != env!("CARGO_PKG_VERSION") {
        return Err(Error::input(format!(
            "{}: written by breachcost {:?}, this is {}; merge with the version that simulated",
            path.display(),
            manifest.version,
            env!("CARGO_PKG_VERSION")
        )));
    }
    let build = super::build::identity();
    if manifest.build != build {
        return Err(Error::input(format!(
            "{}: written by the breachcost build {:?}, this is build {build:?}; merge with the same binary that simulated the shards",
            path.display(),
            crate::text::printable(&manifest.build),
        )));
    }
    for (what, input) in [("exposures", &manifest.exposures), ("assumptions", &manifest.assumptions)] {
        if plain_relative(&input.copy).is_none() {
            return Err(Error::input(format!(
                "{}: {what}.copy {:?} is not a plain relative path; expected a file inside the shard folder such as \"inputs/{what}.{}\"",
                path.display(),
                input.copy,
                if what == "exposures" { "csv" } else { "toml" }
            )));
        }
    }
    let (first, end) = (manifest.first_exposure, manifest.end_exposure);
    if first > end || end > manifest.exposures_count {
        return Err(Error::input(format!(
            "{}: first_exposure..end_exposure is {first}..{end}, not a range of the run's {} exposures",
            path.display(),
            manifest.exposures_count
        )));
    }
    Ok(manifest)
}

/// Reads and checks the manifests of `dirs`: one layout and version, the same inputs and
/// settings, every shard 1..N exactly once, and each holding exactly shard K's iterations
/// (so together they cover the run's iterations once). Returns the shards in order of K.
pub fn open_shards(dirs: &[PathBuf]) -> Result<Vec<Shard>> {
    if dirs.is_empty() {
        return Err(Error::input("merge: no shard folders given"));
    }
    let mut shards = Vec::with_capacity(dirs.len());
    for dir in dirs {
        shards.push(Shard { dir: dir.clone(), manifest: read_manifest(dir)? });
    }
    let first = &shards[0];
    for other in &shards[1..] {
        let (a, b) = (&first.manifest, &other.manifest);
        let differences = [
            ("exposures (sha256)", a.exposures.sha256 != b.exposures.sha256, &a.exposures.sha256, &b.exposures.sha256),
            (
                "assumptions (sha256)",
                a.assumptions.sha256 != b.assumptions.sha256,
                &a.assumptions.sha256,
                &b.assumptions.sha256,
            ),
            ("seed", a.seed != b.seed, &a.seed.to_string(), &b.seed.to_string()),
            ("iterations", a.iterations != b.iterations, &a.iterations.to_string(), &b.iterations.to_string()),
            ("mode", a.mode != b.mode, &a.mode, &b.mode),
            ("incident", a.incident != b.incident, &a.incident, &b.incident),
            ("shard count N", a.shards != b.shards, &a.shards.to_string(), &b.shards.to_string()),
            (
                "exposures_count",
                a.exposures_count != b.exposures_count,
                &a.exposures_count.to_string(),
                &b.exposures_count.to_string(),
            ),
            ("batches", a.batches != b.batches, &a.batches.to_string(), &b.batches.to_string()),
        ];
        if let Some((what, _, x, y)) = differences.iter().find(|d| d.1) {
            return Err(Error::input(format!(
                "{}: {what} is {y}, but {} has {x}; all shards must come from the same inputs and settings",
                other.dir.display(),
                first.dir.display()
            )));
        }
    }
    let n = first.manifest.shards;
    let exposures_count = first.manifest.exposures_count;
    shards.sort_by_key(|s| s.manifest.shard);
    for pair in shards.windows(2) {
        if pair[0].manifest.shard == pair[1].manifest.shard {
            return Err(Error::input(format!(
                "shard {}/{n} given twice: {} and {}",
                pair[0].manifest.shard,
                pair[0].dir.display(),
                pair[1].dir.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| shards.binary_search_by_key(k, |s| s.manifest.shard).is_err())
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let have: Vec<String> = shards.iter().map(|s| s.manifest.shard.to_string()).collect();
        return Err(Error::input(format!(
            "shard{} {} of {n} missing (given: {}); merge needs every shard once",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            have.join(", ")
        )));
    }
    if let Some(s) = shards.iter().find(|s| s.manifest.shard > n || s.manifest.shard == 0) {
        return Err(Error::input(format!("{}: shard number {} is not in 1..{n}", s.dir.display(), s.manifest.shard)));
    }
    // K and N are now 1 ≤ K ≤ N; in order of K the shards' exposures must follow one another
    // from the first to the last (merge then checks each against the cut of the model).
    let mut next = 0;
    for s in &shards {
        if s.manifest.first_exposure != next {
            return Err(Error::input(format!(
                "{}: first_exposure is {}, but the shard before it ends at exposure {next}; the manifest was altered",
                s.dir.join(MANIFEST).display(),
                s.manifest.first_exposure,
            )));
        }
        next = s.manifest.end_exposure;
    }
    if next != exposures_count {
        return Err(Error::input(format!(
            "{}: the shards' exposures end at {next}, but the run has {exposures_count}; the manifest was altered",
            shards[shards.len() - 1].dir.join(MANIFEST).display()
        )));
    }
    Ok(shards)
}
