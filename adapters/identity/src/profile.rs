//! Reading the providers' answers: the helpers every provider module shares.

use serde_json::Value;
use sinmungo_core::ports::{IdentityError, ProviderEndpoint};

pub(crate) fn malformed(endpoint: ProviderEndpoint, reason: &str) -> IdentityError {
    IdentityError::Malformed {
        endpoint,
        reason: reason.to_owned(),
    }
}

/// A non-empty string, trimmed.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A provider's id of a person: a number (Kakao) or a string (Naver).
pub(crate) fn subject(
    value: Option<&Value>,
    endpoint: ProviderEndpoint,
) -> Result<String, IdentityError> {
    match value {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 255 => Ok(s.trim().to_owned()),
        _ => Err(malformed(endpoint, "no usable id")),
    }
}

/// Compares without stopping at the first difference.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
