//! Naver (네이버 로그인): the profile is read from
//! `GET https://openapi.naver.com/v1/nid/me`:
//! `{"resultcode":"00","message":"success","response":{"id","email","nickname","name"}}`.
//! Naver also answers token errors with 200 and an `error` field, and its
//! token request takes the `state`.

use serde_json::Value;
use sinmungo_core::domain::{ExternalProfile, Provider};
use sinmungo_core::ports::{IdentityError, ProviderEndpoint};

use crate::config::OAuthProviderConfig;
use crate::profile::{malformed, subject, text};

/// Naver's `/v1/nid/me`: `resultcode` `"00"` or a refusal. The nickname
/// (what the member chose to show) is preferred over the legal name.
pub(crate) fn profile(
    config: &OAuthProviderConfig,
    me: &Value,
) -> Result<ExternalProfile, IdentityError> {
    let code = me.get("resultcode").and_then(Value::as_str);
    if code != Some("00") {
        let message = me.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(IdentityError::Refused {
            endpoint: ProviderEndpoint::UserInfo,
            error: format!("resultcode {} {}", code.unwrap_or("missing"), message)
                .chars()
                .take(120)
                .collect(),
        });
    }
    let profile = me
        .get("response")
        .filter(|r| r.is_object())
        .ok_or_else(|| malformed(ProviderEndpoint::UserInfo, "no response object"))?;
    let email = text(profile.get("email"));
    Ok(ExternalProfile {
        provider: Provider::Naver,
        subject: subject(profile.get("id"), ProviderEndpoint::UserInfo)?,
        email_verified: email.is_some() && config.trust_email,
        email,
        name: text(profile.get("nickname")).or_else(|| text(profile.get("name"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientSecret;
    use serde_json::json;

    fn secret() -> ClientSecret {
        ClientSecret::new("very-secret-value")
    }

    #[test]
    fn naver_profiles_are_read_as_documented() {
        let naver_config = OAuthProviderConfig {
            trust_email: true,
            ..OAuthProviderConfig::naver("id", secret())
        };
        assert!(
            !OAuthProviderConfig::naver("id", secret()).trust_email,
            "untrusted by default"
        );
        let naver = json!({"resultcode": "00", "message": "success", "response": {"id": "abc-DEF_123", "email": "hong@naver.com", "name": "홍길동", "nickname": "길동이"}});
        let read = profile(&naver_config, &naver).unwrap();
        assert_eq!(read.subject, "abc-DEF_123");
        assert!(read.email_verified);
        assert_eq!(read.name.as_deref(), Some("길동이"));
        let untrusted = OAuthProviderConfig {
            trust_email: false,
            ..naver_config.clone()
        };
        assert!(!profile(&untrusted, &naver).unwrap().email_verified);
        let refused = json!({"resultcode": "024", "message": "Authentication failed"});
        assert!(matches!(
            profile(&naver_config, &refused),
            Err(IdentityError::Refused { .. })
        ));
    }
}
