//! What the console's forms send, and how their errors read (Korean, or
//! English on English pages).

use serde::Deserialize;
use sinmungo_core::domain::{FieldError, Invalid};

use crate::lang::Lang;

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// A form that only carries the form token (sign-out).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenOnly {
    #[serde(default)]
    pub csrf: String,
}

/// A status change: start, resolve (with a note), reject (with a reason).
#[derive(Debug, Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub note: Option<String>,
    /// For `to=duplicate`: the original report's id.
    #[serde(default)]
    pub duplicate_of: Option<String>,
    #[serde(default)]
    pub expected_version: Option<String>,
}

/// An assignment to an officer of the report's department.
#[derive(Debug, Deserialize)]
pub(crate) struct AssignForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub assignee: String,
}

/// A comment, internal or public.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub body: String,
    /// `internal` or `public`.
    #[serde(default)]
    pub visibility: String,
}

/// A reclassification.
#[derive(Debug, Deserialize)]
pub(crate) struct ReclassifyForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
}

/// A field error in the request's language: the Korean the domain already
/// wrote (in parentheses after the English) or its English, or a sentence
/// by its code.
pub(crate) fn message(error: &FieldError) -> String {
    let lang = Lang::current();
    if let Some(korean) = korean(&error.message) {
        return match lang {
            Lang::Ko => korean.to_owned(),
            Lang::En => english(&error.message),
        };
    }
    let text = |ko: &str, en: &str| lang.pick(ko, en).to_owned();
    match error.code {
        "required" => text("필수 입력 항목입니다.", "This field is required."),
        "too_long" => text("입력한 내용이 너무 깁니다.", "The text is too long."),
        "control_character" => text(
            "입력할 수 없는 문자가 들어 있습니다.",
            "The text contains characters that are not allowed.",
        ),
        "unknown_status" => text("알 수 없는 상태입니다.", "Unknown status."),
        "unknown_category" => text("알 수 없는 분류입니다.", "Unknown category."),
        "unknown_priority" => text("알 수 없는 우선순위입니다.", "Unknown priority."),
        "invalid_bbox" => text(
            "지도 범위(bbox)가 올바르지 않습니다.",
            "The map area (bbox) is not valid.",
        ),
        "not_in_department" => text(
            "담당자는 신고를 맡은 부서의 공무원이어야 합니다.",
            "The assignee must be an officer of the report's department.",
        ),
        "invalid_cursor" => text(
            "페이지 정보가 올바르지 않습니다. 첫 페이지부터 다시 보세요.",
            "The page position is not valid. Start again from the first page.",
        ),
        _ => match lang {
            Lang::Ko => format!("입력값을 확인해 주세요 ({}).", error.message),
            Lang::En => format!("Please check your input ({}).", error.message),
        },
    }
}

/// The English of a domain message `english (한국어)`: the text before the
/// Korean parentheses, as a sentence.
fn english(message: &str) -> String {
    let inner = message.trim_end();
    let english = inner
        .rfind('(')
        .and_then(|start| inner.get(..start))
        .unwrap_or(inner)
        .trim();
    let mut chars = english.chars();
    let mut sentence: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

/// Every error of an invalid request, in the request's language.
pub(crate) fn messages(invalid: &Invalid) -> Vec<String> {
    invalid.0.iter().map(message).collect()
}

/// The text in the last parentheses of `message`, when it is Korean (the
/// domain writes its messages in English with the Korean after them).
pub(crate) fn korean(message: &str) -> Option<&str> {
    let inner = message.trim_end().strip_suffix(')')?;
    let start = inner.rfind('(')?;
    let part = inner.get(start + 1..)?.trim();
    part.chars()
        .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
        .then_some(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_read_in_korean() {
        let domain = FieldError::new(
            "note",
            "required",
            "a resolution note is required (처리 내용을 입력해 주세요)",
        );
        assert_eq!(message(&domain), "처리 내용을 입력해 주세요");
        let english_only = FieldError::new(
            "body",
            "control_character",
            "body contains control characters",
        );
        assert_eq!(
            message(&english_only),
            "입력할 수 없는 문자가 들어 있습니다."
        );
        let unknown = FieldError::new("x", "odd", "x is odd (x)");
        assert_eq!(message(&unknown), "입력값을 확인해 주세요 (x is odd (x)).");
    }

    #[test]
    fn the_english_of_a_domain_message_is_its_own() {
        assert_eq!(
            english("a resolution note is required (처리 내용을 입력해 주세요)"),
            "A resolution note is required."
        );
    }
}
