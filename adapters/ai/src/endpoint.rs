//! Endpoint URLs built from a configured base URL.

use reqwest::Url;

use crate::ConfigError;

/// `base` with `segments` appended as path segments (each percent-encoded),
/// whether or not `base` ends with a slash.
pub(crate) fn endpoint(
    provider: &'static str,
    base: &str,
    segments: &[&str],
) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        provider,
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(base).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment is not allowed"));
    }
    url.path_segments_mut()
        .map_err(|()| invalid("it cannot be a base"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Whether `s` is a URL-safe slug (a Roboflow project id): non-empty, only `[A-Za-z0-9_-]`.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Whether `model` is a plausible model name: non-empty, only `[A-Za-z0-9._:/-]`.
pub(crate) fn is_model_name(model: &str) -> bool {
    !model.is_empty()
        && model
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_the_base_path_with_or_without_a_trailing_slash() {
        for base in [
            "https://openrouter.ai/api/v1",
            "https://openrouter.ai/api/v1/",
        ] {
            let url = endpoint("test", base, &["chat", "completions"]).unwrap();
            assert_eq!(
                url.as_str(),
                "https://openrouter.ai/api/v1/chat/completions"
            );
        }
        let url = endpoint("test", "http://127.0.0.1:9", &["pothole", "3"]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/pothole/3");
    }

    #[test]
    fn unusable_bases_are_refused() {
        for base in [
            "not a url",
            "ftp://example.org",
            "https://x.org/?a=b",
            "mailto:a@b.c",
        ] {
            assert!(endpoint("test", base, &["x"]).is_err(), "{base}");
        }
    }

    #[test]
    fn model_names() {
        assert!(is_model_name("google/gemini-2.0-flash-001"));
        assert!(is_model_name("pothole-detection-xyz"));
        assert!(!is_model_name(""));
        assert!(!is_model_name("a b"));
        assert!(!is_model_name("../x?y"));
        assert!(is_slug("pothole-detection-xyz"));
        assert!(!is_slug("a/b"));
        assert!(!is_slug(".."));
    }
}
