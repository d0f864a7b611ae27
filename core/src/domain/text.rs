//! Bounded free-text values: titles, descriptions, notes, names.

use crate::domain::validation::FieldError;

/// Trims `raw` and checks its length in characters and its characters
/// ([`check_characters`]).
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
    check_characters(field, trimmed)?;
    Ok(trimmed.to_owned())
}

/// The characters every text a person types may hold, checked in one place
/// for every text field (titles, descriptions, comments, notes, addresses,
/// display names, department and category names, key labels): no control
/// characters other than line breaks and tabs, no bidirectional controls (a
/// direction override makes text read differently from what it holds), no
/// Unicode non-characters, and at least one visible character (a title of
/// only zero-width spaces or Hangul fillers shows as nothing).
pub(crate) fn check_characters(field: &str, text: &str) -> Result<(), FieldError> {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "control_character",
            format!("{field} contains control characters (제어 문자는 입력할 수 없습니다)"),
        ));
    }
    if text.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            "bidi_control",
            format!("{field} contains text direction controls such as U+202E (방향 제어 문자는 입력할 수 없습니다)"),
        ));
    }
    if text.chars().any(is_noncharacter) {
        return Err(FieldError::new(
            field,
            "noncharacter",
            format!("{field} contains Unicode non-characters such as U+FFFF (사용할 수 없는 문자가 있습니다)"),
        ));
    }
    if text.chars().all(is_invisible) {
        return Err(FieldError::new(
            field,
            "no_visible_character",
            format!("{field} must contain a visible character (보이는 글자를 입력해 주세요)"),
        ));
    }
    Ok(())
}

/// Characters that change the direction text is shown in: embeddings,
/// overrides and isolates, and the implicit marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Unicode's non-characters: U+FDD0–U+FDEF and the last two code points of
/// every plane (U+FFFE, U+FFFF, U+1FFFE, …), never meant for interchange.
fn is_noncharacter(c: char) -> bool {
    ('\u{FDD0}'..='\u{FDEF}').contains(&c) || u32::from(c) & 0xFFFE == 0xFFFE
}

/// Characters that show as nothing: white space, controls, and the format
/// and filler characters (zero-width spaces and joiners, the soft hyphen,
/// word joiners, the byte order mark, variation selectors, tags, Hangul
/// fillers, the blank braille pattern).
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
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
    fn text_of_only_invisible_characters_is_refused_in_every_field() {
        for raw in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
            "\u{3164}\u{3164}",
            "\u{115F}\u{1160}",
            "\u{00AD}",
            "\u{FE0F}",
            "\u{2800}",
        ] {
            assert_eq!(
                ReportTitle::new(raw).unwrap_err().code,
                "no_visible_character",
                "{raw:?}"
            );
            assert_eq!(
                DisplayName::new(raw).unwrap_err().code,
                "no_visible_character",
                "{raw:?}"
            );
        }
        // One visible character among invisible ones is enough.
        assert!(ReportTitle::new("\u{200B}가").is_ok());
        assert!(DisplayName::new("👍\u{FE0F}").is_ok());
    }

    #[test]
    fn direction_controls_are_refused_in_every_field() {
        for raw in [
            "invoice\u{202E}fdp.exe",
            "\u{202E}",
            "a\u{202A}b",
            "a\u{2066}b\u{2069}",
            "a\u{200F}",
            "a\u{061C}",
        ] {
            assert_eq!(ReportTitle::new(raw).unwrap_err().code, "bidi_control");
            assert_eq!(Description::new(raw).unwrap_err().code, "bidi_control");
            assert_eq!(CommentBody::new(raw).unwrap_err().code, "bidi_control");
            assert_eq!(Note::new(raw).unwrap_err().code, "bidi_control");
            assert_eq!(Address::new(raw).unwrap_err().code, "bidi_control");
            assert_eq!(DisplayName::new(raw).unwrap_err().code, "bidi_control");
        }
    }

    #[test]
    fn non_characters_are_refused_but_other_planes_are_kept() {
        for raw in [
            "a\u{FFFF}",
            "\u{FFFE}",
            "a\u{FDD0}",
            "a\u{1FFFF}",
            "a\u{10FFFE}",
        ] {
            assert_eq!(
                Description::new(raw).unwrap_err().code,
                "noncharacter",
                "{raw:?}"
            );
        }
        // Emoji, rare Hangul and CJK from the supplementary planes are text.
        assert!(Description::new("🚧 공사 중 𠀀 \u{FFFD}").is_ok());
        assert!(ReportTitle::new("가로등\u{200D}고장").is_ok());
    }

    #[test]
    fn search_folding_is_unicode_lower_case() {
        assert_eq!(fold_for_search("PotHole 포트홀"), "pothole 포트홀");
        assert_eq!(fold_for_search("ÄÖÜ ΣΑΣ"), "äöü σας");
    }
}
