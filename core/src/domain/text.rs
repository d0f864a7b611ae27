//! Bounded free-text values: titles, descriptions, notes, names.

use crate::domain::validation::FieldError;

/// Trims `raw` and checks its length in characters and that it has no control
/// characters other than line breaks and tabs.
fn bounded(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            format!("{field} must not be empty (필수 입력 항목입니다)"),
        ));
    }
    let length = trimmed.chars().count();
    if length > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{field} must be at most {max} characters, got {length} ({max}자 이하로 입력해 주세요)"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "control_character",
            format!("{field} contains control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Parses a client-supplied value: trimmed, non-empty, bounded.
            pub fn new(raw: &str) -> Result<Self, FieldError> {
                bounded($field, raw, $max).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// A report's title, 1–200 characters.
    ReportTitle, "title", 200
);
bounded_text!(
    /// A report's description, 1–5000 characters.
    Description, "description", 5000
);
bounded_text!(
    /// A free-form street address, at most 300 characters.
    Address, "address", 300
);
bounded_text!(
    /// A person's display name, 1–50 characters.
    DisplayName, "display_name", 50
);
bounded_text!(
    /// The body of a comment, 1–2000 characters.
    CommentBody, "body", 2000
);
bounded_text!(
    /// A note on a status change (resolution note, rejection reason), 1–2000 characters.
    Note, "note", 2000
);

/// Text as report search compares it: Unicode lower case (`str::to_lowercase`,
/// Hangul unchanged), so a search for "PotHole" finds "pothole" and "POTHOLE".
///
/// Every store folds titles, descriptions and the search text with this one
/// function. The SQL stores keep titles and descriptions folded in their
/// `*_folded` columns: a change here needs a migration that folds them again.
pub fn fold_for_search(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(
            ReportTitle::new("  도로 파손 ").map(|t| t.0),
            Ok("도로 파손".to_owned())
        );
        // 200 Hangul syllables are 600 bytes but exactly 200 characters.
        assert!(ReportTitle::new(&"가".repeat(200)).is_ok());
        let error = ReportTitle::new(&"가".repeat(201)).unwrap_err();
        assert_eq!((error.field.as_str(), error.code), ("title", "too_long"));
    }

    #[test]
    fn empty_and_blank_text_is_required() {
        for raw in ["", "   ", "\n\t"] {
            assert_eq!(Description::new(raw).unwrap_err().code, "required");
        }
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_are_kept() {
        assert_eq!(
            Description::new("a\u{0}b").unwrap_err().code,
            "control_character"
        );
        assert_eq!(
            Description::new("첫 줄\n둘째 줄").unwrap().as_str(),
            "첫 줄\n둘째 줄"
        );
    }

    #[test]
    fn search_folding_is_unicode_lower_case() {
        assert_eq!(fold_for_search("PotHole 포트홀"), "pothole 포트홀");
        assert_eq!(fold_for_search("ÄÖÜ ΣΑΣ"), "äöü σας");
    }
}
