//! Runs split across machines: `simulate --shard K/N` simulates a contiguous share of the
//! iterations and writes its outcomes as Parquet tables; `merge` reads the shards back,
//! batch of exposures by batch, and computes the same statistics a single run would.
//!
//! Exactness: every draw depends only on (seed, exposure, iteration, ...), shards cut the
//! iterations at multiples of [`BLOCK_ITERATIONS`] (so per-block sums are the same blocks),
//! the exposure batches are those of the whole run, and the merged outcomes are in
//! iteration order, so every sum is taken in the same order as in an unsharded run.
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

use crate::engine::BLOCK_ITERATIONS;

pub use folder::{read_input_copy, INPUT_COPY_MAX_BYTES};
pub use layout::{
    chunks_file, outcome_row_bytes, outcomes_file, BatchTables, Manifest, ManifestInput, TableFile, FORMAT, MANIFEST,
    MANIFEST_MAX_BYTES,
};
pub use open::{open_shards, Shard};
pub use read::ShardTables;
pub use write::write_batch;

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

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The iterations of this shard: blocks of [`BLOCK_ITERATIONS`] dealt out in contiguous
    /// runs, shard K getting blocks ⌊(K−1)·C/N⌋ to ⌊K·C/N⌋ of C. Fixed by N and the
    /// iteration count alone; shards beyond C get no iterations.
    pub fn iterations(&self, iterations: u64) -> Range<u64> {
        let chunks = u128::from(iterations.div_ceil(BLOCK_ITERATIONS));
        let boundary = |k: u64| {
            let chunk = (u128::from(k) * chunks / u128::from(self.count)) as u64;
            chunk.saturating_mul(BLOCK_ITERATIONS).min(iterations)
        };
        boundary(self.index - 1)..boundary(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_iterations_once_at_chunk_boundaries() {
        for iterations in [1u64, 4095, 4096, 4097, 100_000, 1_000_003] {
            for n in [1u64, 2, 3, 4, 7, 40] {
                let mut next = 0;
                for k in 1..=n {
                    let r = ShardSpec { index: k, count: n }.iterations(iterations);
                    assert_eq!(r.start, next, "{k}/{n} of {iterations}");
                    assert!(r.start.is_multiple_of(BLOCK_ITERATIONS) || r.start == iterations);
                    next = r.end;
                }
                assert_eq!(next, iterations);
            }
        }
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
