//! Exact sums of amounts, the same bits whatever order the terms come in, so that a year's
//! portfolio loss (a sum over exposures) does not depend on how the exposures are ordered or
//! grouped (in batches, threads or shards).
//!
//! An amount below [`LARGE`] ($1.1 trillion) is held as a whole number of 2⁻⁶⁴ dollars
//! (units): whole numbers add exactly, and their total is rounded to the nearest `f64` once, at
//! the end. Every amount of 2⁻¹² dollars or more is held exactly (its last bit is worth at
//! least 2⁻⁶⁴), so a total of one term is that term to the bit; smaller amounts lose their
//! bits below 2⁻⁶⁴ dollars. The units hold up to 2⁶⁴ dollars (1.8e19), 16 million terms just
//! below [`LARGE`]; past that a total is infinite, which a run refuses as a figure that is not
//! finite. Amounts from [`LARGE`] up (a heavy tail's rare draws, up to `f64::MAX`) are kept
//! aside and added in a fixed order, smallest first, then to the units' total.

/// Amounts from here up (2⁴⁰ dollars) are added as floating-point numbers in a fixed order.
pub const LARGE: f64 = 1_099_511_627_776.0;

/// Per iteration, a sum of amounts: units of 2⁻⁶⁴ dollars, and the large amounts aside.
#[derive(Debug, Clone, Default)]
pub struct YearTotals {
    units: Vec<u128>,
    /// (Iteration, amount) of each amount from [`LARGE`] up, in the order they came.
    large: Vec<(usize, f64)>,
}

/// The units of an amount: `amount` · 2⁶⁴ rounded down; none for zero, negatives, NaN and
/// amounts below the smallest normal `f64`; [`u128::MAX`] (infinite) from 2⁶⁴ dollars up.
#[inline]
pub fn units(amount: f64) -> u128 {
    let bits = amount.to_bits();
    // The sign bit is clear: the exponent's 11 bits are the top ones.
    let exponent = (bits >> 52) as i32;
    if bits >> 63 != 0 || exponent == 0 {
        return 0;
    }
    if exponent == 0x7ff {
        return if amount.is_nan() { 0 } else { u128::MAX };
    }
    let mantissa = u128::from((bits & ((1 << 52) - 1)) | (1 << 52));
    // amount = mantissa · 2^(exponent − 1075), so in units mantissa · 2^(exponent − 1011).
    let shift = exponent - 1011;
    match shift {
        // mantissa < 2^53: shifted by up to 75 it stays below 2^128.
        0..=75 => mantissa << shift,
        76.. => u128::MAX,
        -127..=-1 => mantissa >> -shift,
        _ => 0,
    }
}

/// The amount of a number of units, rounded to the nearest `f64` (infinite at [`u128::MAX`],
/// where a total stopped counting).
#[inline]
pub fn amount(units: u128) -> f64 {
    if units == u128::MAX {
        return f64::INFINITY;
    }
    // The conversion rounds to nearest; the scaling by a power of two is exact.
    units as f64 * TO_DOLLARS
}

/// 2⁻⁶⁴, a unit in dollars.
const TO_DOLLARS: f64 = 1.0 / 18_446_744_073_709_551_616.0;

impl YearTotals {
    /// `iterations` totals of 0.
    pub fn new(iterations: usize) -> Self {
        YearTotals { units: vec![0; iterations], large: Vec::new() }
    }

    /// Adds `value` to iteration `i`'s total.
    #[inline]
    pub fn add(&mut self, i: usize, value: f64) {
        // Most costs added are zeros (a year's incident is of one type): nothing to do.
        if value > 0.0 && value < LARGE {
            let total = &mut self.units[i];
            *total = total.saturating_add(units(value));
        } else if value >= LARGE {
            self.large.push((i, value));
        }
    }

    /// Adds another set of totals, iteration by iteration (lengths must agree).
    pub fn add_totals(&mut self, other: &YearTotals) {
        for (total, more) in self.units.iter_mut().zip(&other.units) {
            *total = total.saturating_add(*more);
        }
        self.large.extend_from_slice(&other.large);
    }

    /// Each iteration's total in dollars: its large amounts added smallest first, then the
    /// units' total rounded once.
    pub fn amounts(&self) -> Vec<f64> {
        let mut large = self.large.clone();
        large.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut sums = vec![0.0; self.units.len()];
        for (i, value) in large {
            sums[i] += value;
        }
        self.units.iter().zip(sums).map(|(u, large)| large + amount(*u)).collect()
    }
}

impl YearTotals {
    /// Appends the totals as bytes: the units (16 bytes each, little-endian) as byte planes
    /// (every total's lowest byte, then every total's next, ...: the high planes, mostly zeros,
    /// then compress to almost nothing), then the count of large amounts and each one's
    /// iteration and value.
    pub fn write_bytes(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        write_planes(out, &self.units, 16)?;
        out.write_all(&(self.large.len() as u64).to_le_bytes())?;
        for (i, v) in &self.large {
            out.write_all(&(*i as u64).to_le_bytes())?;
            out.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    }

    /// Reads `n` totals written by [`YearTotals::write_bytes`]; large amounts must be of an
    /// iteration below `n` and from [`LARGE`] up.
    pub fn read_bytes(r: &mut Reader, n: usize) -> Result<Self, String> {
        let units = r.planes(n, 16)?;
        let count = r.u64()?;
        // (Room grows with the amounts read, not with the count they claim.)
        let mut large = Vec::with_capacity(count.min(1 << 12) as usize);
        for _ in 0..count {
            let (i, v) = (r.u64()?, r.f64()?);
            if i >= n as u64 || v.is_nan() || v < LARGE {
                return Err(format!(
                    "large amount {v} in year {i}: expected a year below {n} and an amount from {LARGE} up"
                ));
            }
            large.push((i as usize, v));
        }
        Ok(YearTotals { units, large })
    }
}

/// Writes the low `width` bytes of each of `values` as byte planes: every value's lowest
/// byte, then every value's next, ... (high planes that are mostly zeros or repeats then
/// compress to almost nothing). [`Reader::planes`] reads them back.
pub fn write_planes(out: &mut impl std::io::Write, values: &[u128], width: usize) -> std::io::Result<()> {
    for plane in 0..width {
        let bytes: Vec<u8> = values.iter().map(|v| (v >> (8 * plane)) as u8).collect();
        out.write_all(&bytes)?;
    }
    Ok(())
}

/// Reads what [`YearTotals::write_bytes`] and [`write_planes`] wrote, as a stream: exactly
/// the bytes the structure says, so that data past its end (or a forged count) is found without
/// reading, let alone holding, more than the structure can hold.
pub struct Reader<'a> {
    source: &'a mut dyn std::io::Read,
}

impl<'a> Reader<'a> {
    pub fn new(source: &'a mut dyn std::io::Read) -> Self {
        Reader { source }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<Vec<u8>, String> {
        let mut bytes = vec![0; n];
        self.fill(&mut bytes)?;
        Ok(bytes)
    }

    /// Fills `bytes` from the stream: "ends early" where it ends first, "cannot be read"
    /// where the source fails (a compressed stream cut short, say).
    fn fill(&mut self, bytes: &mut [u8]) -> Result<(), String> {
        let mut filled = 0;
        while filled < bytes.len() {
            match self.source.read(&mut bytes[filled..]) {
                Ok(0) => return Err(format!("ends early: {} more bytes expected", bytes.len() - filled)),
                Ok(read) => filled += read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot be read: {e}")),
            }
        }
        Ok(())
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        let mut b = [0; 8];
        self.fill(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// `n` values of `width` bytes written by [`write_planes`].
    pub fn planes(&mut self, n: usize, width: usize) -> Result<Vec<u128>, String> {
        let bytes = self.take(n.checked_mul(width).ok_or("too many years")?)?;
        let mut values = vec![0u128; n];
        for (plane, bytes) in bytes.chunks_exact(n.max(1)).enumerate().take(width) {
            for (v, b) in values.iter_mut().zip(bytes) {
                *v |= u128::from(*b) << (8 * plane);
            }
        }
        Ok(values)
    }

    pub fn f64(&mut self) -> Result<f64, String> {
        self.u64().map(f64::from_bits)
    }

    /// Whether the stream has ended (reads one byte to know).
    pub fn is_done(&mut self) -> bool {
        let mut byte = [0; 1];
        matches!(self.source.read(&mut byte), Ok(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_from_a_quarter_of_a_thousandth_up_are_held_exactly() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Exponents from 2^-12 to 2^63, any mantissa.
            let exponent = 1023 - 12 + (state % 76);
            let bits = (exponent << 52) | (state >> 12);
            let value = f64::from_bits(bits);
            assert_eq!(amount(units(value)).to_bits(), value.to_bits(), "{value:e}");
        }
        for value in [2f64.powi(-12), 1.0, 0.1, 123_456.789, 1e15, 9.2e18] {
            assert_eq!(amount(units(value)), value);
        }
    }

    #[test]
    fn edges_are_zero_or_infinite() {
        for nothing in [0.0, -0.0, -1.0, f64::NAN, f64::MIN_POSITIVE / 2.0, 2f64.powi(-65)] {
            assert_eq!(units(nothing), 0, "{nothing:e}");
        }
        assert_eq!(units(2f64.powi(-64)), 1);
        assert_eq!(units(1.5 * 2f64.powi(-64)), 1, "rounded down");
        for too_much in [2f64.powi(64), 1e300, f64::INFINITY] {
            assert_eq!(units(too_much), u128::MAX, "{too_much:e}");
            assert_eq!(amount(units(too_much)), f64::INFINITY);
        }
        // Just below 2^64 dollars is still counted.
        let largest = f64::from_bits(2f64.powi(64).to_bits() - 1);
        assert_eq!(amount(units(largest)), largest);
    }

    #[test]
    fn totals_do_not_depend_on_order_or_grouping_and_round_once() {
        // Terms whose float sum depends on the order: 1e16 + 1 + 1 is 1e16 left to right.
        let terms = [1e16, 1.0, 1.0, 3.3, 1e-3, 7.25e9, 0.1, 0.2];
        let mut forward = YearTotals::new(1);
        for t in terms {
            forward.add(0, t);
        }
        let mut backward = YearTotals::new(1);
        for t in terms.iter().rev() {
            backward.add(0, *t);
        }
        let (mut left, mut right) = (YearTotals::new(1), YearTotals::new(1));
        for (n, t) in terms.iter().enumerate() {
            if n % 3 == 0 {
                left.add(0, *t)
            } else {
                right.add(0, *t)
            }
        }
        left.add_totals(&right);
        assert_eq!(forward.amounts(), backward.amounts());
        assert_eq!(forward.amounts(), left.amounts());
        // The exact total is 1e16 + 7.25e9 + 5.601 (give or take bits below 2^-64 dollars);
        // f64s there are 2 apart, so it rounds once, to 1e16 + 7.25e9 + 6.
        assert_eq!(forward.amounts()[0], 1e16 + 7.25e9 + 6.0);
        let plain: f64 = terms.iter().sum();
        assert_eq!(plain, 1e16 + 7.25e9 + 4.0, "the float sum loses the ones");
    }

    #[test]
    fn saturated_totals_are_infinite() {
        let mut totals = YearTotals::new(2);
        let below = f64::from_bits(LARGE.to_bits() - 1);
        for _ in 0..(1 << 24) + 1 {
            totals.add(0, below);
        }
        totals.add(1, 5.0);
        assert_eq!(totals.amounts(), vec![f64::INFINITY, 5.0]);
    }

    #[test]
    fn large_amounts_add_smallest_first_whatever_order_they_came_in() {
        let terms = [1e300, 3.0, 2e12, 1e300, 7e15, 0.5, f64::MAX / 4.0];
        let orders: [&[usize]; 3] = [&[0, 1, 2, 3, 4, 5, 6], &[6, 5, 4, 3, 2, 1, 0], &[3, 6, 1, 0, 5, 2, 4]];
        let results: Vec<Vec<f64>> = orders
            .iter()
            .map(|order| {
                let mut totals = YearTotals::new(3);
                for &k in *order {
                    totals.add(k % 3, terms[k]);
                }
                totals.amounts()
            })
            .collect();
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0], results[2]);
        // Iteration 0: three large amounts, smallest first; 1: units alone; 2: both.
        assert_eq!(results[0], vec![(1e300 + 1e300) + f64::MAX / 4.0, 7e15 + 3.0, 2e12 + 0.5]);
        let mut alone = YearTotals::new(1);
        alone.add(0, 1e200);
        assert_eq!(alone.amounts(), vec![1e200], "a lone large amount is itself");
    }
}
