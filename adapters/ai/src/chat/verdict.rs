//! Reading the chat model's answer into a `TextSuggestion`, tolerantly: models
//! that ignore `response_format` wrap the JSON in fences or prose.

use serde::Deserialize;
use serde_json::{Map, Value};
use sinmungo_core::domain::Priority;
use sinmungo_core::ports::{AiError, CategoryChoice, TextSuggestion};

/// How many `{` the search for an object in free text tries before giving up.
const MAX_OBJECT_STARTS: usize = 64;

/// The most personal-data spans kept from one answer, and the longest one.
const MAX_SPANS: usize = 32;
const MAX_SPAN_CHARS: usize = 200;

/// The parts of an OpenAI-compatible chat completion we use.
#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    /// OpenRouter may answer 200 with an error and no choices.
    #[serde(default)]
    error: Option<ProviderError>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    refusal: Option<String>,
}

/// A string, or (some providers) a list of typed parts.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct ProviderError {
    #[serde(default)]
    message: Option<String>,
}

/// The suggestion in a chat-completions answer `body`. `configured_model`
/// names it when the answer does not; a category outside `choices`, an
/// unknown priority or a missing summary become `None`.
pub(crate) fn read_suggestion(
    body: &[u8],
    configured_model: &str,
    choices: &[CategoryChoice],
) -> Result<TextSuggestion, AiError> {
    let completion: Completion = serde_json::from_slice(body)
        .map_err(|e| AiError::Malformed(format!("chat answer: {e}")))?;
    let content = content(&completion)?;
    let verdict = first_object(&content)
        .ok_or_else(|| AiError::Malformed("the model's content holds no JSON object".to_owned()))?;

    let text = |key: &str| verdict.get(key).and_then(Value::as_str).map(str::trim);
    let category = text("category").and_then(|code| {
        choices
            .iter()
            .find(|c| c.code.as_str().eq_ignore_ascii_case(code))
            .map(|c| c.code.clone())
    });
    let priority = text("priority").and_then(|p| Priority::parse(&p.to_ascii_lowercase()).ok());
    let confidence = verdict
        .get("confidence")
        .and_then(|c| c.as_f64().or_else(|| c.as_str()?.trim().parse().ok()))
        .filter(|c: &f64| c.is_finite())
        .map_or(0.0, |c| c.clamp(0.0, 1.0));
    let summary = text("summary").filter(|s| !s.is_empty()).map(str::to_owned);
    let personal_data = verdict.get("personal_data").and_then(yes_or_no);
    let personal_data_spans = spans(verdict.get("personal_data_spans"));
    let model = completion
        .model
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| configured_model.to_owned());
    Ok(TextSuggestion {
        model,
        category,
        priority,
        confidence,
        summary,
        personal_data,
        personal_data_spans,
    })
}

/// A yes or no, however the model wrote it (`true`, `"yes"`, `"예"`); `None`
/// for anything else: unknown, never a silent "no".
fn yes_or_no(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(answer) => Some(*answer),
        Value::String(text) => match text.trim().to_lowercase().as_str() {
            "true" | "yes" | "y" | "예" | "네" | "있음" => Some(true),
            "false" | "no" | "n" | "아니오" | "아니요" | "없음" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The spans as a list of non-empty strings (a lone string is one span);
/// anything else is none.
fn spans(value: Option<&Value>) -> Vec<String> {
    let texts: Vec<&str> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(text)) => vec![text.as_str()],
        _ => Vec::new(),
    };
    let mut spans: Vec<String> = Vec::new();
    for text in texts {
        let text = text.trim();
        if !text.is_empty()
            && text.chars().count() <= MAX_SPAN_CHARS
            && !spans.iter().any(|s| s == text)
        {
            spans.push(text.to_owned());
        }
    }
    spans.truncate(MAX_SPANS);
    spans
}

/// The first choice's message text.
fn content(completion: &Completion) -> Result<String, AiError> {
    let Some(choice) = completion.choices.first() else {
        let reason = completion
            .error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .unwrap_or("no choices");
        return Err(AiError::Malformed(format!("chat answer: {reason}")));
    };
    let message = choice
        .message
        .as_ref()
        .ok_or_else(|| AiError::Malformed("chat answer: no message".to_owned()))?;
    match &message.content {
        Some(Content::Text(text)) => Ok(text.clone()),
        Some(Content::Parts(parts)) => Ok(parts.iter().filter_map(|p| p.text.as_deref()).collect()),
        None => Err(AiError::Malformed(match &message.refusal {
            Some(refusal) => format!("the model refused: {refusal}"),
            None => "chat answer: no content".to_owned(),
        })),
    }
}

/// The first JSON object in `text`: all of it, or the first `{…}` that
/// parses, so that ```` ```json ```` fences and prose around it do not matter.
fn first_object(text: &str) -> Option<Map<String, Value>> {
    if let Ok(Value::Object(object)) = serde_json::from_str(text.trim()) {
        return Some(object);
    }
    text.match_indices('{')
        .take(MAX_OBJECT_STARTS)
        .find_map(|(start, _)| {
            serde_json::Deserializer::from_str(&text[start..])
                .into_iter::<Map<String, Value>>()
                .next()?
                .ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_found_in_fences_and_prose() {
        let want = serde_json::json!({"category": "road_damage", "n": "}{"});
        let want = want.as_object().unwrap();
        for text in [
            r#"{"category":"road_damage","n":"}{"}"#,
            "```json\n{\"category\": \"road_damage\", \"n\": \"}{\"}\n```",
            "Here is my answer {as asked}:\n{\"category\": \"road_damage\", \"n\": \"}{\"} Hope it helps.",
        ] {
            assert_eq!(first_object(text).as_ref(), Some(want), "{text}");
        }
        assert_eq!(first_object("no object here"), None);
        assert_eq!(first_object("[1, 2]"), None);
        assert_eq!(first_object("{\"unterminated\": "), None);
    }

    #[test]
    fn the_personal_data_flag_is_read_tolerantly_and_missing_is_unknown() {
        let cases = [
            (serde_json::json!(true), Some(true)),
            (serde_json::json!(false), Some(false)),
            (serde_json::json!(" Yes "), Some(true)),
            (serde_json::json!("아니오"), Some(false)),
            (serde_json::json!("maybe"), None),
            (serde_json::json!(1), None),
            (Value::Null, None),
        ];
        for (value, want) in cases {
            assert_eq!(yes_or_no(&value), want, "{value}");
        }
    }

    #[test]
    fn spans_are_strings_kept_once_in_order() {
        let value = serde_json::json!(["김철수", " 김철수 ", "", 42, "효자동 123-4"]);
        assert_eq!(spans(Some(&value)), ["김철수", "효자동 123-4"]);
        assert_eq!(spans(Some(&serde_json::json!("김철수"))), ["김철수"]);
        assert!(spans(Some(&serde_json::json!({"a": 1}))).is_empty());
        assert!(spans(None).is_empty());
        let long = serde_json::json!(["가".repeat(MAX_SPAN_CHARS + 1)]);
        assert!(spans(Some(&long)).is_empty());
    }
}
