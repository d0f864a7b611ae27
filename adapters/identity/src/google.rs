//! Google (OpenID Connect): who signed in is read from the `id_token` of the
//! token response; its `iss`, `aud` (our client id; `azp` too when present),
//! `exp` and `nonce` are checked, but **not its signature**. OpenID Connect
//! Core 1.0 §3.1.3.7 item 6 allows this: an ID token received directly from
//! the token endpoint over TLS is vouched for by the TLS server validation
//! of that endpoint. [`OAuthProviders::new`](crate::OAuthProviders::new)
//! therefore refuses a token URL that is not https (loopback test servers
//! aside), and the client follows no redirects. An ID token from anywhere
//! else (a browser, another app) must never be read with this code.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use serde_json::Value;
use sinmungo_core::domain::{ExternalProfile, Provider};
use sinmungo_core::ports::{IdentityError, ProviderChallenge, ProviderEndpoint};

use crate::config::OAuthProviderConfig;
use crate::profile::{malformed, same, text};

/// Google's issuer, as its ID tokens' `iss` carries it.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// Seconds of clock difference tolerated on an ID token's `exp`.
const EXP_LEEWAY_SECONDS: i64 = 60;

/// Who signed in, from the token response's ID token.
pub(crate) fn profile(
    config: &OAuthProviderConfig,
    challenge: &ProviderChallenge,
    tokens: &Value,
) -> Result<ExternalProfile, IdentityError> {
    let token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(ProviderEndpoint::Token, "no id_token"))?;
    let claims = id_token_claims(token)?;
    check_id_token(
        config,
        challenge.nonce.as_deref(),
        &claims,
        Utc::now().timestamp(),
    )?;
    let subject = text(claims.get("sub")).ok_or(IdentityError::IdToken("no subject"))?;
    // A boolean; some older tokens carry the string "true".
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(verified)) => *verified,
        Some(Value::String(verified)) => verified == "true",
        _ => false,
    };
    Ok(ExternalProfile {
        provider: config.provider,
        subject,
        email: text(claims.get("email")),
        email_verified,
        name: text(claims.get("name")),
    })
}

/// The checks of OpenID Connect Core 1.0 §3.1.3.7 items 2–3, 9 and 11
/// (issuer, audience and authorized party, expiry, nonce).
fn check_id_token(
    config: &OAuthProviderConfig,
    sent_nonce: Option<&str>,
    claims: &Value,
    now: i64,
) -> Result<(), IdentityError> {
    let issuer = config
        .issuer
        .as_deref()
        .ok_or(IdentityError::IdToken("no issuer is configured"))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Google documents `accounts.google.com` (no scheme) as a legacy form of its issuer.
    let legacy =
        config.provider == Provider::Google && issuer.strip_prefix("https://") == Some(iss);
    if iss != issuer && !legacy {
        return Err(IdentityError::IdToken(
            "it was issued by someone else (iss)",
        ));
    }
    let client_id = config.client_id.as_str();
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&client_id) {
        return Err(IdentityError::IdToken(
            "it is meant for another client (aud)",
        ));
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 && azp.is_none()) || azp.is_some_and(|azp| azp != client_id) {
        return Err(IdentityError::IdToken(
            "it was issued to another client (azp)",
        ));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(IdentityError::IdToken("it has no expiry (exp)"))?;
    if exp + EXP_LEEWAY_SECONDS < now {
        return Err(IdentityError::IdToken("it has expired (exp)"));
    }
    let nonce = claims.get("nonce").and_then(Value::as_str);
    match (nonce, sent_nonce) {
        (Some(got), Some(sent)) if same(got, sent) => Ok(()),
        _ => Err(IdentityError::IdToken(
            "it does not carry this sign-in's nonce",
        )),
    }
}

/// The claims of an ID token (its middle part), unverified.
fn id_token_claims(token: &str) -> Result<Value, IdentityError> {
    let bad = || malformed(ProviderEndpoint::Token, "the id_token is not a JWT");
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad())?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(claims @ Value::Object(_)) => Ok(claims),
        _ => Err(bad()),
    }
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
    fn id_token_claims_are_checked() {
        let config = OAuthProviderConfig::google("me", secret());
        let now = 1_700_000_000;
        let n = Some("n");
        let good =
            json!({"iss": GOOGLE_ISSUER, "aud": "me", "exp": now + 300, "nonce": "n", "sub": "1"});
        assert!(check_id_token(&config, n, &good, now).is_ok());
        let mut legacy = good.clone();
        legacy["iss"] = json!("accounts.google.com");
        assert!(check_id_token(&config, n, &legacy, now).is_ok());
        let mut multi = good.clone();
        multi["aud"] = json!(["other", "me"]);
        assert!(check_id_token(&config, n, &multi, now).is_err());
        multi["azp"] = json!("me");
        assert!(check_id_token(&config, n, &multi, now).is_ok());
        for (claim, value) in [
            ("iss", json!("https://evil.example")),
            ("aud", json!("other")),
            ("azp", json!("other")),
            ("exp", json!(now - 3600)),
            ("exp", json!("soon")),
            ("nonce", json!("m")),
        ] {
            let mut bad = good.clone();
            bad[claim] = value;
            assert!(check_id_token(&config, n, &bad, now).is_err(), "{claim}");
        }
        let mut no_nonce = good;
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert!(check_id_token(&config, n, &no_nonce, now).is_err());
    }

    #[test]
    fn ids_tokens_must_be_three_part_jwts() {
        assert!(id_token_claims("a.b").is_err());
        assert!(id_token_claims("a.b.c.d").is_err());
        assert!(id_token_claims("a.!!!.c").is_err());
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"1"}"#);
        assert_eq!(
            id_token_claims(&format!("e30.{payload}.")).unwrap(),
            json!({"sub": "1"})
        );
    }
}
