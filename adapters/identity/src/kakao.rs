//! Kakao (카카오 로그인): the profile is read from
//! `GET https://kapi.kakao.com/v2/user/me` with the access token: `id` (a
//! number), `kakao_account.email`, `is_email_verified`, `is_email_valid`,
//! `kakao_account.profile.nickname` (or `properties.nickname`).

use serde_json::Value;
use sinmungo_core::domain::{ExternalProfile, Provider};
use sinmungo_core::ports::{IdentityError, ProviderEndpoint};

use crate::profile::{subject, text};

/// Kakao's `/v2/user/me`: the e-mail counts as verified only when Kakao
/// says it is both verified and still valid (`is_email_valid` turns false
/// when the address has since been taken by another Kakao account).
pub(crate) fn profile(me: &Value) -> Result<ExternalProfile, IdentityError> {
    let subject = subject(me.get("id"), ProviderEndpoint::UserInfo)?;
    let account = me.get("kakao_account");
    let flag = |name: &str| {
        account
            .and_then(|a| a.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let name = text(
        account
            .and_then(|a| a.get("profile"))
            .and_then(|p| p.get("nickname")),
    )
    .or_else(|| text(me.get("properties").and_then(|p| p.get("nickname"))));
    Ok(ExternalProfile {
        provider: Provider::Kakao,
        subject,
        email: text(account.and_then(|a| a.get("email"))),
        email_verified: flag("is_email_verified") && flag("is_email_valid"),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kakao_profiles_are_read_as_documented() {
        let kakao = json!({
            "id": 123_456_789_u64,
            "kakao_account": {
                "profile": {"nickname": "홍길동"},
                "email": "hong@kakao.com",
                "is_email_valid": true,
                "is_email_verified": true
            }
        });
        let read = profile(&kakao).unwrap();
        assert_eq!(read.subject, "123456789");
        assert!(read.email_verified);
        assert_eq!(read.name.as_deref(), Some("홍길동"));
        let invalid = json!({"id": 1, "kakao_account": {"email": "a@b.kr", "is_email_valid": false, "is_email_verified": true}, "properties": {"nickname": "길동"}});
        let read = profile(&invalid).unwrap();
        assert!(!read.email_verified);
        assert_eq!(read.name.as_deref(), Some("길동"));
        assert!(profile(&json!({"id": null})).is_err());
    }
}
