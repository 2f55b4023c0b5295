//! Which iterations a call of the engine simulates: a range, or a sorted list (the tail years
//! a second pass revisits, say), and the blocks that hold them.

use std::ops::Range;

use super::BLOCK_ITERATIONS;

/// Which iterations a call simulates: a range, or a sorted list (of tail years, say).
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    Range(u64, u64),
    List(&'a [u64]),
}

impl Wanted<'_> {
    pub(super) fn contains(&self, iteration: u64) -> bool {
        match self {
            Wanted::Range(start, end) => (*start..*end).contains(&iteration),
            Wanted::List(list) => list.binary_search(&iteration).is_ok(),
        }
    }

    /// The last wanted iteration in `range`, if any.
    pub(super) fn last_in(&self, range: Range<u64>) -> Option<u64> {
        match self {
            Wanted::Range(start, end) => {
                let last = (*end).min(range.end).checked_sub(1)?;
                (last >= range.start && last >= *start).then_some(last)
            }
            Wanted::List(list) => {
                let after = list.partition_point(|i| *i < range.end);
                list[..after].last().copied().filter(|i| *i >= range.start)
            }
        }
    }

    /// The blocks of [`BLOCK_ITERATIONS`] iterations holding wanted iterations, ascending.
    pub(super) fn blocks(&self) -> Vec<u64> {
        match self {
            Wanted::Range(start, end) if start < end => {
                (start / BLOCK_ITERATIONS..=(end - 1) / BLOCK_ITERATIONS).collect()
            }
            Wanted::Range(..) => Vec::new(),
            Wanted::List(list) => {
                let mut blocks: Vec<u64> = list.iter().map(|i| i / BLOCK_ITERATIONS).collect();
                blocks.dedup();
                blocks
            }
        }
    }

    pub(super) fn len(&self) -> u64 {
        match self {
            Wanted::Range(start, end) => end.saturating_sub(*start),
            Wanted::List(list) => list.len() as u64,
        }
    }
}
