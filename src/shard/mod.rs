//! Runs split across machines: `simulate --shard K/N` simulates a contiguous share of the
//! run's exposures over all the years, and writes what `merge` needs of them: each
//! exposure's statistics (`results.json`), the portfolio's exact year sums over them
//! (`sums.bin`, annual mode) and, with `--ylt`, their rows of the year loss table. `merge`
//! adds the sums, re-simulates the few tail years the co-TVaR allocation needs, and writes
//! the reports a single run would.
//!
//! Exactness: every draw depends only on (seed, exposure, iteration, ...), an exposure's
//! statistics are computed from all its years by the same code as in a single run, the
//! portfolio's year sums are exact (so adding shards' sums gives a single run's bits), and
//! the statistics are written and read back losslessly.
//!
//! Trust: a shard folder sits on shared storage and may have been edited, swapped or damaged,
//! so `merge` reads nothing it has not checked. The manifest records each table's and input
//! copy's size and SHA-256 (checked before parsing); paths in it must stay inside the folder
//! and name regular files, read with a size limit; each shard must hold exactly shard K's
//! iterations of N; and every value read must be one the engine can write.

pub mod build;
mod folder;
mod layout;
mod open;
mod read;
mod write;

use std::ops::Range;
use std::str::FromStr;

pub use folder::{read_input_copy, INPUT_COPY_MAX_BYTES};
pub use layout::{
    table_file, ylt_file, Manifest, ManifestInput, TableFile, FORMAT, MANIFEST, MANIFEST_MAX_BYTES, RESULTS, SUMS,
};
pub use open::{open_shards, Shard};
pub use read::{read_results, read_sums, read_ylt};
pub use write::{results_json, write_ylt};

/// Which shard of how many: `K/N`, K from 1 to N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u64,
    pub count: u64,
}

impl FromStr for ShardSpec {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let (k, n) = text.split_once('/').ok_or_else(|| format!("{text}: expected K/N, e.g. 3/8"))?;
        let number = |part: &str, what: &str| {
            part.trim().parse::<u64>().map_err(|_| format!("{text}: {what} \"{part}\" is not a whole number"))
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(format!("{text}: N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!("{text}: K must be between 1 and N ({count})"));
        }
        Ok(ShardSpec { index, count })
    }
}

/// The run's batches that hold some of `exposures`, each cut to them: (the batch's number in
/// the run, its exposures among `exposures`).
pub fn own_batches(batches: &[Range<usize>], exposures: &Range<usize>) -> Vec<(usize, Range<usize>)> {
    batches
        .iter()
        .enumerate()
        .map(|(b, r)| (b, r.start.max(exposures.start)..r.end.min(exposures.end)))
        .filter(|(_, r)| !r.is_empty())
        .collect()
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The exposures this shard simulates, given each exposure's expected work (`work`, its
    /// expected outcome bytes): exposures are dealt out in contiguous runs of about equal work,
    /// exposure e to the shard whose share of the total holds the middle of e's work. Fixed by
    /// N and the work alone; a shard may get none (fewer exposures than shards).
    pub fn exposures(&self, work: &[f64]) -> Range<usize> {
        cut(&owners(self.count, work), self.index - 1)
    }
}

/// Every shard's exposures in a run of `count` shards ([`ShardSpec::exposures`] of each K, in
/// order), the work dealt out once.
pub fn exposure_cuts(count: u64, work: &[f64]) -> Vec<Range<usize>> {
    let owners = owners(count, work);
    (0..count).map(|k| cut(&owners, k)).collect()
}

/// The shard (0-based) of each exposure: the one whose share of the total work holds the
/// middle of the exposure's (by position where there is no work to weigh).
fn owners(count: u64, work: &[f64]) -> Vec<u64> {
    let n = count as f64;
    let total: f64 = work.iter().sum();
    let even = !(total.is_finite() && total > 0.0);
    let mut owners = Vec::with_capacity(work.len());
    let mut before = 0.0;
    for (b, w) in work.iter().enumerate() {
        let middle = if even { (b as f64 + 0.5) / work.len() as f64 } else { (before + w / 2.0) / total };
        owners.push(((middle * n).floor() as u64).min(count - 1));
        before += w;
    }
    owners
}

/// The exposures of shard `k` (0-based), given each exposure's shard in ascending order.
fn cut(owners: &[u64], k: u64) -> Range<usize> {
    owners.partition_point(|&o| o < k)..owners.partition_point(|&o| o <= k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_exposures_once_in_order_with_about_equal_work() {
        let works: [&[f64]; 5] = [&[1.0; 79], &[5.0, 1.0, 1.0, 1.0, 1.0, 1.0], &[0.0; 3], &[2.0], &[]];
        for work in works {
            for n in [1u64, 2, 3, 4, 7, 16, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let r = ShardSpec { index: k, count: n }.exposures(work);
                    assert_eq!(r.start, next, "{k}/{n} of {work:?}");
                    assert!(r.end >= r.start);
                    next = r.end;
                }
                assert_eq!(next, work.len());
            }
        }
        // All shards' cuts at once are each shard's own.
        let work = [5.0, 1.0, 1.0, 0.5, 3.0, 1.0, 1.0];
        for n in [1u64, 3, 4, 9] {
            let each: Vec<Range<usize>> = (1..=n).map(|k| ShardSpec { index: k, count: n }.exposures(&work)).collect();
            assert_eq!(exposure_cuts(n, &work), each, "{n} shards");
        }
        // 79 equal exposures in 4 shards: 19 or 20 each.
        let sizes: Vec<usize> = (1..=4).map(|k| ShardSpec { index: k, count: 4 }.exposures(&[1.0; 79]).len()).collect();
        assert!(sizes.iter().all(|s| (19..=20).contains(s)), "{sizes:?}");
        // A heavy first exposure is a shard of its own.
        assert_eq!(ShardSpec { index: 1, count: 2 }.exposures(&[5.0, 1.0, 1.0, 1.0, 1.0, 1.0]), 0..1);
    }

    #[test]
    fn shard_specs_parse_or_explain() {
        assert_eq!("3/8".parse::<ShardSpec>(), Ok(ShardSpec { index: 3, count: 8 }));
        for bad in ["5/4", "0/4", "1/0", "3", "a/4", "1/-2", ""] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        assert!("5/4".parse::<ShardSpec>().unwrap_err().contains("between 1 and N"));
    }
}
