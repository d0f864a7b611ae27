//! Receipt numbers (접수번호): `JB-YYYY-NNNNNN`, sequential per year.

use std::fmt;
use std::str::FromStr;

/// A human-readable receipt number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptNumber {
    year: i32,
    sequence: u32,
}

/// A string that is not a receipt number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a receipt number (expected JB-YYYY-NNNNNN): {0:?}")]
pub struct BadReceiptNumber(String);

impl ReceiptNumber {
    /// The `sequence`-th report of `year` (sequences start at 1).
    pub fn new(year: i32, sequence: u32) -> Self {
        Self { year, sequence }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The position within the year.
    pub fn sequence(self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for ReceiptNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JB-{:04}-{:06}", self.year, self.sequence)
    }
}

impl FromStr for ReceiptNumber {
    type Err = BadReceiptNumber;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadReceiptNumber(s.to_owned());
        let rest = s.strip_prefix("JB-").ok_or_else(bad)?;
        let (year, sequence) = rest.split_once('-').ok_or_else(bad)?;
        if year.len() != 4
            || sequence.len() < 6
            || !year
                .bytes()
                .chain(sequence.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let sequence = sequence.parse().map_err(|_| bad())?;
        if sequence == 0 {
            return Err(bad());
        }
        Ok(Self { year, sequence })
    }
}

impl serde::Serialize for ReceiptNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_six_digit_zero_padding() {
        assert_eq!(ReceiptNumber::new(2026, 42).to_string(), "JB-2026-000042");
        assert_eq!(
            ReceiptNumber::new(2026, 1_234_567).to_string(),
            "JB-2026-1234567"
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "JB-2026-42",
            "XX-2026-000042",
            "JB-26-000042",
            "JB-2026-00004a",
            "JB-2026-000000",
        ] {
            assert!(bad.parse::<ReceiptNumber>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(year in 2000i32..=9999, sequence in 1u32..=9_999_999) {
            let number = ReceiptNumber::new(year, sequence);
            prop_assert_eq!(number.to_string().parse::<ReceiptNumber>(), Ok(number));
        }
    }
}
