//! A tiny deterministic generator (SplitMix64) seeded per table and row, so any row range can be
//! produced on its own and every run writes the same data.

/// Random numbers for one row of one table.
pub struct RowRng(u64);

impl RowRng {
    pub fn new(table_seed: u64, row: u64) -> Self {
        let mut rng = Self(table_seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An amount in `[lo, hi)` rounded to cents.
    pub fn cents(&mut self, lo: f64, hi: f64) -> f64 {
        let span = ((hi - lo) * 100.0) as u64;
        lo + self.below(span) as f64 / 100.0
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// Microseconds since the epoch at midnight UTC of the given date.
pub fn micros_at(year: i64, month: u32, day: u32) -> i64 {
    days_from_civil(year, month, day) as i64 * 86_400_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn rows_are_reproducible_and_distinct() {
        let a = RowRng::new(7, 42).next_u64();
        assert_eq!(a, RowRng::new(7, 42).next_u64());
        assert_ne!(a, RowRng::new(7, 43).next_u64());
        assert_ne!(a, RowRng::new(8, 42).next_u64());
    }
}
