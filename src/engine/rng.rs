//! Random streams keyed by what they are for, so that every draw depends only on the seed,
//! the exposure, the block of iterations and what the draw is for (a breach's number in the
//! block, a variable), and never on thread scheduling (see `simulate`).
//!
//! Each stream is a SplitMix64 generator whose starting state is a hash of its key path.
//! SplitMix64 passes BigCrush; the streams used here are short (a handful of draws for a
//! breach's variable, a few thousand for a block's arrivals), and their starting points are
//! independent 64-bit hashes, so overlaps are vanishingly rare.
//!
//! A block's own breaches draw each variable from a column ([`ColumnDraws`]): breach number i
//! takes output i of the SplitMix64 generator started at the column's key for its first
//! value (one hash a draw), and any further values (a rejection, several normals) from a
//! stream keyed by the column and i.

use std::convert::Infallible;

/// SplitMix64 (Steele, Lea & Flood 2014), the generator of `rand_xoshiro::SplitMix64` with
/// the same outputs, defined here so that starting a stream (once per breach and component)
/// is inlined into the loop rather than a call into another crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    x: u64,
}

const PHI: u64 = 0x9e37_79b9_7f4a_7c15;

impl Stream {
    /// Moves past one draw without computing it (its value would not be used).
    #[inline]
    pub fn skip(&mut self) {
        self.x = self.x.wrapping_add(PHI);
    }
}

impl rand::TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.x = self.x.wrapping_add(PHI);
        let mut z = self.x;
        z = (z ^ (z >> 33)).wrapping_mul(0x62a9_d9ed_7997_05f5);
        z = (z ^ (z >> 28)).wrapping_mul(0xcb24_d0a5_c88c_35b3);
        Ok((z >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.x = self.x.wrapping_add(PHI);
        Ok(fmix64(self.x))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dest.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// The SplitMix64 finaliser: a bijective 64-bit mixer.
#[inline]
pub const fn fmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key derived from `parent` and `child`; different children give unrelated keys.
#[inline]
pub fn mix(parent: u64, child: u64) -> u64 {
    mix_prepared(parent, prepare_child(child))
}

/// The half of [`mix`] that depends only on the child: for children used with many parents
/// (component keys, breach numbers), computed once.
#[inline]
pub const fn prepare_child(child: u64) -> u64 {
    fmix64(child.wrapping_add(0x9e37_79b9_7f4a_7c15))
}

/// [`mix`] with the child already prepared: `mix_prepared(p, prepare_child(c)) == mix(p, c)`.
#[inline]
pub fn mix_prepared(parent: u64, prepared_child: u64) -> u64 {
    fmix64(parent ^ prepared_child)
}

/// A stable 64-bit hash of a name (FNV-1a, then mixed): exposure ids and component names
/// key their streams by name, so adding or reordering rows or components leaves the
/// draws of the others unchanged.
pub fn name_key(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fmix64(hash)
}

/// A generator starting at `key`.
#[inline]
pub fn stream(key: u64) -> Stream {
    Stream { x: key }
}

/// The draws of breach number `number` from a column keyed `column`: its first value is
/// output `number` (from 0) of the SplitMix64 generator started at `column`, where a stream
/// of its own would hash twice; any further values come from the stream keyed by
/// (column, number), started only if asked for. The first values of a column's breaches are
/// consecutive SplitMix64 outputs; the further values of different breaches, independent streams.
#[derive(Debug, Clone)]
pub struct ColumnDraws {
    first: Option<u64>,
    column: u64,
    number: u64,
    rest: Option<Stream>,
}

impl ColumnDraws {
    #[inline]
    pub fn new(column: u64, number: u64) -> Self {
        let first = fmix64(column.wrapping_add(number.wrapping_add(1).wrapping_mul(PHI)));
        ColumnDraws { first: Some(first), column, number, rest: None }
    }

    /// The first value, if it is still to be drawn (without drawing it).
    #[inline]
    pub fn peek(&self) -> Option<u64> {
        self.first
    }

    /// The column and the breach number the draws were made for.
    #[inline]
    pub fn place(&self) -> (u64, u64) {
        (self.column, self.number)
    }

    /// A value after the first (out of line: most draws need one value).
    #[inline(never)]
    fn further(&mut self) -> Result<u64, Infallible> {
        let (column, number) = (self.column, self.number);
        rand::TryRng::try_next_u64(self.rest.get_or_insert_with(|| stream(mix(column, number))))
    }
}

impl super::sample::NormalDraws for Stream {}

impl rand::TryRng for ColumnDraws {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if let Some(first) = self.first.take() {
            return Ok(first);
        }
        self.further()
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dest.chunks_mut(8) {
            let word = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// Stream keys that are not breach numbers or component names.
pub const COUNT_STREAM: u64 = u64::MAX;
pub const AFFECTED_STREAM: u64 = u64::MAX - 1;
pub const CORRELATION_STREAM: u64 = u64::MAX - 2;
pub const FOOTPRINT_STREAM: u64 = u64::MAX - 3;
pub const SYSTEMIC_BREACH_STREAM: u64 = u64::MAX - 4;
pub const SYSTEMIC_EVENT_STREAM: u64 = u64::MAX - 5;
pub const YEAR_SKIP_STREAM: u64 = u64::MAX - 6;
pub const COMMON_SHOCK_STREAM: u64 = u64::MAX - 7;
pub const SHOCK_THINNING_STREAM: u64 = u64::MAX - 8;
/// The multiplier of a breach's estimated records (rows whose records come from revenue).
/// (−7 and −8 are kept for the common frequency shock.)
pub const RECORDS_STREAM: u64 = u64::MAX - 9;
pub const NOTICE_STREAM: u64 = u64::MAX - 16;
/// Whether a drawn incident happens, where a control prevents some ([`super::prevention`]):
/// under a block's key for own breaches, under an incident's key for the other types.
pub const HAPPENS_STREAM: u64 = u64::MAX - 17;
/// Incident types beside the data breach: each type's years (under the exposure's key), an
/// incident's outage hours, and whether it also exposes data.
pub const INCIDENT_STREAM: u64 = u64::MAX - 10;
pub const DURATION_STREAM: u64 = u64::MAX - 11;
pub const DATA_BREACH_STREAM: u64 = u64::MAX - 12;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn the_stream_is_rand_xoshiro_splitmix64() {
        use rand::SeedableRng;
        for key in [0u64, 1, 42, u64::MAX, 0x9e37_79b9_7f4a_7c15] {
            let mut ours = stream(key);
            let mut theirs = rand_xoshiro::SplitMix64::seed_from_u64(key);
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), theirs.next_u64());
                assert_eq!(ours.next_u32(), theirs.next_u32());
            }
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn skipping_a_draw_lands_where_drawing_it_would() {
        let (mut a, mut b) = (stream(7), stream(7));
        a.skip();
        b.next_u64();
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn prepared_children_mix_as_mix_does() {
        for parent in [0u64, 7, u64::MAX, 0x1234_5678_9abc_def0] {
            for child in [0u64, 1, 15, 16, 17, 1 << 40, u64::MAX] {
                assert_eq!(mix_prepared(parent, prepare_child(child)), mix(parent, child));
            }
        }
    }

    /// A column's first values are its SplitMix64 generator's outputs in breach order; the
    /// further values of a breach are its own stream's, distinct from other breaches' and
    /// from the column's.
    #[test]
    fn column_draws_take_the_columns_outputs_then_a_stream_of_their_own() {
        use rand::SeedableRng;
        for column in [0u64, 3, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut generator = rand_xoshiro::SplitMix64::seed_from_u64(column);
            for number in 0..50 {
                let mut draws = ColumnDraws::new(column, number);
                assert_eq!(draws.next_u64(), generator.next_u64());
                let mut own = stream(mix(column, number));
                assert_eq!(draws.next_u64(), own.next_u64());
                assert_eq!(draws.next_u64(), own.next_u64());
            }
        }
        let further = |number| {
            let mut draws = ColumnDraws::new(9, number);
            draws.next_u64();
            draws.next_u64()
        };
        assert_ne!(further(0), further(1));
        assert_ne!(further(0), ColumnDraws::new(9, 1).next_u64());
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1 = stream(mix(1, 2)).next_u64();
        let a2 = stream(mix(1, 2)).next_u64();
        let b = stream(mix(1, 3)).next_u64();
        let c = stream(mix(2, 2)).next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
        assert_ne!(name_key("acme"), name_key("acme2"));
    }
}
