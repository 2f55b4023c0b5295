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

    /// The first wanted iteration at or after `iteration`, if any; a list is walked on from
    /// `*at`, which the call leaves there (for calls with ascending iterations).
    pub(super) fn next_from(&self, iteration: u64, at: &mut usize) -> Option<u64> {
        match self {
            Wanted::Range(start, end) => (iteration < *end && start < end).then(|| iteration.max(*start)),
            Wanted::List(list) => {
                while list.get(*at).is_some_and(|&i| i < iteration) {
                    *at += 1;
                }
                list.get(*at).copied()
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The next wanted iteration: a range's from its start, a list's walked on in order, none
    /// past the last.
    #[test]
    fn next_from_finds_the_first_wanted_iteration_at_or_after() {
        let mut at = 0;
        let range = Wanted::Range(10, 20);
        assert_eq!(
            [3, 10, 15, 19, 20].map(|i| range.next_from(i, &mut at)),
            [Some(10), Some(10), Some(15), Some(19), None]
        );
        assert_eq!(Wanted::Range(5, 5).next_from(0, &mut at), None);
        let list = [4, 9, 30];
        let wanted = Wanted::List(&list);
        let mut at = 0;
        assert_eq!(
            [0, 4, 5, 9, 10, 30, 31].map(|i| wanted.next_from(i, &mut at)),
            [Some(4), Some(4), Some(9), Some(9), Some(30), Some(30), None]
        );
        assert_eq!(at, 3);
    }
}
