//! What the console's forms send, and how their errors read in Korean.

use serde::Deserialize;
use sinmungo_core::domain::{FieldError, Invalid};

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

/// A field error in Korean: the Korean the domain already wrote (in
/// parentheses after the English), or a sentence by its code.
pub(crate) fn message(error: &FieldError) -> String {
    if let Some(korean) = korean(&error.message) {
        return korean.to_owned();
    }
    match error.code {
        "required" => "필수 입력 항목입니다.".to_owned(),
        "too_long" => "입력한 내용이 너무 깁니다.".to_owned(),
        "control_character" => "입력할 수 없는 문자가 들어 있습니다.".to_owned(),
        "unknown_status" => "알 수 없는 상태입니다.".to_owned(),
        "unknown_category" => "알 수 없는 분류입니다.".to_owned(),
        "unknown_priority" => "알 수 없는 우선순위입니다.".to_owned(),
        "invalid_bbox" => "지도 범위(bbox)가 올바르지 않습니다.".to_owned(),
        "not_in_department" => "담당자는 신고를 맡은 부서의 공무원이어야 합니다.".to_owned(),
        "invalid_cursor" => {
            "페이지 정보가 올바르지 않습니다. 첫 페이지부터 다시 보세요.".to_owned()
        }
        _ => format!("입력값을 확인해 주세요 ({}).", error.message),
    }
}

/// Every error of an invalid request, in Korean.
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
}
