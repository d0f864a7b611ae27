//! Phone numbers that are not personal data: public offices' and
//! businesses' numbers published for people to call, which a report may
//! quote ("120에 문의했더니…") and the public may read.

use std::fmt;
use std::str::FromStr;

/// Phone numbers left unmasked, each a pattern of digits and `x` (any
/// digit), its separators ignored: `120`, `1588-xxxx`, `063-222-xxxx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicNumbers {
    patterns: Vec<Vec<Option<u8>>>,
}

/// A list of public numbers that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("public phone number {entry:?}: {reason}")]
pub struct BadPublicNumbers {
    entry: String,
    reason: &'static str,
}

impl PublicNumbers {
    /// The emergency and civil-service short codes (112, 119, 120, …) and
    /// the nationwide representative numbers of businesses (15xx-, 16xx-,
    /// 18xx-xxxx). A city adds its offices' numbers (`063-222-xxxx`).
    pub const DEFAULT: &'static str =
        "110,112,113,114,117,118,119,120,122,125,182,1330,1345,1366,1388,15xx-xxxx,16xx-xxxx,18xx-xxxx";

    /// No number is public.
    pub fn none() -> Self {
        Self {
            patterns: Vec::new(),
        }
    }

    /// Reads a comma-separated list of patterns (empty entries are skipped).
    pub fn parse(list: &str) -> Result<Self, BadPublicNumbers> {
        let mut patterns = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = |reason| BadPublicNumbers {
                entry: entry.to_owned(),
                reason,
            };
            let mut pattern = Vec::new();
            for c in entry.chars() {
                match c {
                    '0'..='9' => pattern.push(Some(c as u8 - b'0')),
                    'x' | 'X' => pattern.push(None),
                    '-' | ' ' | '.' | '(' | ')' => {}
                    _ => return Err(bad("use digits, x for any digit, and - as a separator")),
                }
            }
            if !(3..=15).contains(&pattern.len()) {
                return Err(bad("a number has 3 to 15 digits"));
            }
            patterns.push(pattern);
        }
        Ok(Self { patterns })
    }

    /// Whether the national number `digits` (ASCII digits only, `0…`) is public.
    pub fn contains(&self, digits: &str) -> bool {
        self.patterns.iter().any(|pattern| {
            pattern.len() == digits.len()
                && pattern
                    .iter()
                    .zip(digits.bytes())
                    .all(|(want, got)| want.is_none_or(|d| d + b'0' == got))
        })
    }
}

impl Default for PublicNumbers {
    /// [`PublicNumbers::DEFAULT`].
    fn default() -> Self {
        Self::parse(Self::DEFAULT).unwrap_or_else(|_| Self::none())
    }
}

impl FromStr for PublicNumbers {
    type Err = BadPublicNumbers;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Self::parse(list)
    }
}

impl fmt::Display for PublicNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .patterns
            .iter()
            .map(|p| {
                p.iter()
                    .map(|d| d.map_or('x', |d| char::from(b'0' + d)))
                    .collect()
            })
            .collect();
        f.write_str(&entries.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_reads_and_keeps_short_codes_and_representative_numbers() {
        let public = PublicNumbers::default();
        assert_ne!(public, PublicNumbers::none(), "the default list parses");
        for number in ["120", "112", "15881234", "16440000", "18991234"] {
            assert!(public.contains(number), "{number}");
        }
        for number in ["01012345678", "0632221234", "1588123", "121"] {
            assert!(!public.contains(number), "{number}");
        }
    }

    #[test]
    fn a_city_adds_its_offices_and_bad_entries_are_refused() {
        let public: PublicNumbers = "120, 063-222-xxxx ,,(02)2133-0120".parse().unwrap();
        assert!(public.contains("0632221234"));
        assert!(public.contains("0221330120"));
        assert!(!public.contains("0632231234"));
        assert_eq!(public.to_string(), "120,063222xxxx,0221330120");
        assert!("063-222-12a4".parse::<PublicNumbers>().is_err());
        assert!("12".parse::<PublicNumbers>().is_err());
        assert_eq!("".parse::<PublicNumbers>().unwrap(), PublicNumbers::none());
    }
}
