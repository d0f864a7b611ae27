//! Access tokens (HS256 JWTs, short-lived) and refresh tokens (random, opaque,
//! stored only as a SHA-256 hash).
//!
//! # Key rotation
//! Every token names its signing key in the header's `kid` (derived from the
//! key, so nothing else needs configuring). Tokens are signed with the
//! current key and accepted under the current key or any previous key still
//! configured: to rotate, make the current secret a previous one, set a new
//! current one, restart, and drop the previous one after the access-token
//! lifetime (15 minutes). A token without a `kid`, or naming a key we do not
//! hold, is refused — as are `alg: none`, other algorithms, bad signatures
//! and expired tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{TimeDelta, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sinmungo_core::domain::{DepartmentCode, Principal, Role, SessionId, User, UserId};

use crate::auth::digest::{hex, sha256_hex};
use uuid::Uuid;

const ISSUER: &str = "sinmungo";
/// The audience of browser-session tokens (the officers' console cookie),
/// so that they are never taken for access tokens nor the other way round.
const BROWSER_AUDIENCE: &str = "sinmungo-console";

/// Token lifetimes and the signing secrets.
#[derive(Clone)]
pub struct TokenConfig {
    /// HMAC secret new access tokens are signed with (at least 32 bytes).
    pub secret: Vec<u8>,
    /// Earlier secrets whose tokens are still accepted (key rotation).
    pub previous_secrets: Vec<Vec<u8>>,
    /// Access-token lifetime.
    pub access_ttl: TimeDelta,
    /// Refresh-token lifetime.
    pub refresh_ttl: TimeDelta,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("secret", &"<redacted>")
            .field("previous_secrets", &self.previous_secrets.len())
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish()
    }
}

impl TokenConfig {
    /// 15-minute access tokens and 30-day refresh tokens.
    pub fn with_secret(secret: Vec<u8>) -> Self {
        Self {
            secret,
            previous_secrets: Vec::new(),
            access_ttl: TimeDelta::minutes(15),
            refresh_ttl: TimeDelta::days(30),
        }
    }
}

/// Why a bearer token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Expired, tampered, wrong algorithm, wrong key, or not an access token.
    #[error("the access token is invalid or expired")]
    Invalid,
    /// Signing failed.
    #[error("could not sign a token: {0}")]
    Signing(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dept: Option<String>,
    iss: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
    sid: Uuid,
}

/// The claims of a browser session: who, which sign-in, until when.
#[derive(Debug, Serialize, Deserialize)]
struct BrowserClaims {
    sub: Uuid,
    sid: Uuid,
    aud: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// Who a browser-session token names: the user as of sign-in (their role
/// and department are for the caller to reload) and the sign-in itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserSession {
    /// The signed-in user.
    pub user: UserId,
    /// The sign-in (session family) it belongs to.
    pub session: SessionId,
}

/// Who an access token speaks for, and the session it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The signed-in user as the token describes them.
    pub principal: Principal,
    /// The sign-in (refresh-token family) it was issued under.
    pub session: SessionId,
}

/// The key id of a secret: the first 8 bytes of a SHA-256 over it, in hex.
fn key_id(secret: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"sinmungo-jwt-kid:")
        .chain_update(secret)
        .finalize();
    hex(digest.get(..8).unwrap_or_default())
}

/// A fresh pair of tokens.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedTokens {
    /// The bearer token for API calls.
    #[schema(example = "eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl")]
    pub access_token: String,
    /// The token to get a new pair with.
    #[schema(example = "rt_8f3a9c2e7b1d4f6a")]
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// Signs and checks tokens.
#[derive(Clone)]
pub struct TokenService {
    config: TokenConfig,
    kid: String,
    encoding: EncodingKey,
    decoding: Vec<(String, DecodingKey)>,
    validation: Validation,
    browser_validation: Validation,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// A service signing with the configured secret.
    pub fn new(config: TokenConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        let mut browser_validation = validation.clone();
        browser_validation.set_audience(&[BROWSER_AUDIENCE]);
        browser_validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        let decoding = std::iter::once(&config.secret)
            .chain(&config.previous_secrets)
            .map(|secret| (key_id(secret), DecodingKey::from_secret(secret)))
            .collect();
        Self {
            kid: key_id(&config.secret),
            encoding: EncodingKey::from_secret(&config.secret),
            decoding,
            validation,
            browser_validation,
            config,
        }
    }

    /// The refresh-token lifetime.
    pub fn refresh_ttl(&self) -> TimeDelta {
        self.config.refresh_ttl
    }

    /// The id of the key new tokens are signed with.
    pub fn current_key_id(&self) -> &str {
        &self.kid
    }

    /// Signs an access token for the user, in the session `session`.
    pub fn access_token(&self, user: &User, session: SessionId) -> Result<String, TokenError> {
        let now = Utc::now();
        let claims = Claims {
            sub: user.id.0,
            role: user.role,
            dept: user.department.as_ref().map(ToString::to_string),
            iss: ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: (now + self.config.access_ttl).timestamp(),
            jti: Uuid::now_v7(),
            sid: session.0,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.encoding).map_err(|e| TokenError::Signing(e.to_string()))
    }

    /// A new random refresh token and the hash to store for it.
    pub fn refresh_token() -> (String, String) {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = Self::hash_refresh_token(&token);
        (token, hash)
    }

    /// The stored form of a refresh token.
    pub fn hash_refresh_token(token: &str) -> String {
        sha256_hex(token)
    }

    /// The seconds an access token lives.
    pub fn access_ttl_seconds(&self) -> i64 {
        self.config.access_ttl.num_seconds()
    }

    /// Checks an access token's signature, key, algorithm and expiry, and
    /// returns who it speaks for. Whether its session is still live is the
    /// caller's to check.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let (_, key) = self
            .decoding
            .iter()
            .find(|(id, _)| *id == kid)
            .ok_or(TokenError::Invalid)?;
        let data =
            decode::<Claims>(token, key, &self.validation).map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        let department = match claims.dept {
            Some(code) => Some(DepartmentCode::new(&code).map_err(|_| TokenError::Invalid)?),
            None => None,
        };
        Ok(VerifiedToken {
            principal: Principal {
                id: UserId(claims.sub),
                role: claims.role,
                department,
            },
            session: SessionId(claims.sid),
        })
    }
}

/// Browser sessions (the officers' console): a cookie holding a signed
/// token that names the user and the sign-in, and a form token per sign-in
/// against cross-site request forgery. Both are signed with the same keys as
/// access tokens, so rotation works the same way.
impl TokenService {
    /// Signs a browser-session token for `user` in the sign-in `session`,
    /// valid for `lifetime`.
    pub fn browser_session(
        &self,
        user: UserId,
        session: SessionId,
        lifetime: TimeDelta,
    ) -> Result<String, TokenError> {
        let now = Utc::now();
        let claims = BrowserClaims {
            sub: user.0,
            sid: session.0,
            aud: BROWSER_AUDIENCE.to_owned(),
            iss: ISSUER.to_owned(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.encoding).map_err(|e| TokenError::Signing(e.to_string()))
    }

    /// Checks a browser-session token's signature, key and expiry (an access
    /// token is refused: it has another audience). Whether the sign-in is
    /// still live is the caller's to check.
    pub fn verify_browser_session(&self, token: &str) -> Result<BrowserSession, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let (_, key) = self
            .decoding
            .iter()
            .find(|(id, _)| *id == kid)
            .ok_or(TokenError::Invalid)?;
        let claims = decode::<BrowserClaims>(token, key, &self.browser_validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        Ok(BrowserSession {
            user: UserId(claims.sub),
            session: SessionId(claims.sid),
        })
    }

    /// The form token of a sign-in: an HMAC of its id under the current
    /// key. Forms of the console carry it; a request forged from another
    /// site cannot know it.
    pub fn form_token(&self, session: SessionId) -> Result<String, TokenError> {
        let mac = form_mac(&self.config.secret, session)?;
        Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// Whether `token` is the form token of `session` under the current or a
    /// previous key (compared in constant time).
    pub fn check_form_token(&self, session: SessionId, token: &str) -> bool {
        let Ok(presented) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        std::iter::once(&self.config.secret)
            .chain(&self.config.previous_secrets)
            .filter_map(|secret| form_mac(secret, session).ok())
            .any(|mac| mac.verify_slice(&presented).is_ok())
    }
}

/// HMAC-SHA256 over a sign-in's id, keyed with `secret`.
fn form_mac(secret: &[u8], session: SessionId) -> Result<Hmac<Sha256>, TokenError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|e| TokenError::Signing(e.to_string()))?;
    mac.update(b"sinmungo-form:");
    mac.update(session.0.as_bytes());
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinmungo_core::domain::{DisplayName, Email};

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef-current";
    const OLD: &[u8] = b"0123456789abcdef0123456789abcdef-previous";

    fn user() -> User {
        User {
            id: UserId(Uuid::from_u128(7)),
            email: Email::new("kim@jeonbuk.go.kr").unwrap(),
            display_name: DisplayName::new("김담당").unwrap(),
            role: Role::Staff,
            department: Some(DepartmentCode::new("road_management").unwrap()),
            password_hash: None,
            created_at: Utc::now(),
        }
    }

    fn service(secret: &[u8], previous: &[&[u8]]) -> TokenService {
        TokenService::new(TokenConfig {
            previous_secrets: previous.iter().map(|s| s.to_vec()).collect(),
            ..TokenConfig::with_secret(secret.to_vec())
        })
    }

    fn session() -> SessionId {
        SessionId(Uuid::from_u128(42))
    }

    /// Signs arbitrary claims and header with `secret`.
    fn forge(header: &Header, claims: &serde_json::Value, secret: &[u8]) -> String {
        encode(header, claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn claims(exp_offset: i64) -> serde_json::Value {
        let now = Utc::now().timestamp();
        serde_json::json!({
            "sub": Uuid::from_u128(7), "role": "admin", "iss": ISSUER,
            "iat": now, "exp": now + exp_offset, "jti": Uuid::nil(), "sid": Uuid::from_u128(42),
        })
    }

    #[test]
    fn a_token_verifies_to_its_user_and_session() {
        let tokens = service(KEY, &[]);
        let verified = tokens
            .verify(&tokens.access_token(&user(), session()).unwrap())
            .unwrap();
        assert_eq!(verified.principal.id, user().id);
        assert_eq!(verified.principal.role, Role::Staff);
        assert_eq!(verified.principal.department, user().department);
        assert_eq!(verified.session, session());
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let tokens = service(KEY, &[]);
        let token = tokens.access_token(&user(), session()).unwrap();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        // Promote ourselves to admin in the payload, keep the signature.
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = URL_SAFE_NO_PAD.encode(payload.replace("\"staff\"", "\"admin\""));
        assert!(tokens.verify(&parts.join(".")).is_err());
        // A flipped signature character.
        let mut bad_signature = token;
        let last = bad_signature.pop().unwrap();
        bad_signature.push(if last == 'A' { 'B' } else { 'A' });
        assert!(tokens.verify(&bad_signature).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let tokens = service(KEY, &[]);
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(tokens.current_key_id().to_owned());
        assert!(tokens.verify(&forge(&header, &claims(60), KEY)).is_ok());
        assert!(tokens.verify(&forge(&header, &claims(-60), KEY)).is_err());
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let tokens = service(KEY, &[]);
        let kid = tokens.current_key_id().to_owned();
        let header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
        let payload = URL_SAFE_NO_PAD.encode(claims(600).to_string());
        assert!(tokens.verify(&format!("{header}.{payload}.")).is_err());
        let mut hs512 = Header::new(Algorithm::HS512);
        hs512.kid = Some(kid);
        assert!(tokens.verify(&forge(&hs512, &claims(600), KEY)).is_err());
    }

    #[test]
    fn tokens_signed_with_another_key_or_no_kid_are_refused() {
        let tokens = service(KEY, &[]);
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(tokens.current_key_id().to_owned());
        // Right kid, wrong key.
        assert!(tokens
            .verify(&forge(
                &header,
                &claims(600),
                b"an attacker's key of 32+ bytes!!"
            ))
            .is_err());
        // Right key, no kid.
        assert!(tokens
            .verify(&forge(&Header::new(Algorithm::HS256), &claims(600), KEY))
            .is_err());
    }

    #[test]
    fn rotation_accepts_previous_keys_until_they_are_dropped() {
        let before = service(OLD, &[]);
        let old_token = before.access_token(&user(), session()).unwrap();
        let rotated = service(KEY, &[OLD]);
        assert_ne!(rotated.current_key_id(), before.current_key_id());
        assert!(
            rotated.verify(&old_token).is_ok(),
            "still accepted during rotation"
        );
        let new_token = rotated.access_token(&user(), session()).unwrap();
        assert!(
            before.verify(&new_token).is_err(),
            "old servers do not know the new key"
        );
        let dropped = service(KEY, &[]);
        assert!(
            dropped.verify(&old_token).is_err(),
            "refused once the old key is dropped"
        );
        assert!(dropped.verify(&new_token).is_ok());
    }

    #[test]
    fn browser_sessions_verify_and_are_never_access_tokens() {
        let tokens = service(KEY, &[]);
        let cookie = tokens
            .browser_session(user().id, session(), TimeDelta::hours(12))
            .unwrap();
        let named = tokens.verify_browser_session(&cookie).unwrap();
        assert_eq!(named.user, user().id);
        assert_eq!(named.session, session());
        assert!(
            tokens.verify(&cookie).is_err(),
            "a cookie is no bearer token"
        );
        let access = tokens.access_token(&user(), session()).unwrap();
        assert!(
            tokens.verify_browser_session(&access).is_err(),
            "a bearer token is no cookie"
        );
        let expired = tokens
            .browser_session(user().id, session(), TimeDelta::minutes(-5))
            .unwrap();
        assert!(tokens.verify_browser_session(&expired).is_err());
        let other = service(b"another key of thirty-two bytes or more", &[]);
        assert!(other.verify_browser_session(&cookie).is_err());
    }

    #[test]
    fn form_tokens_belong_to_one_sign_in_and_survive_rotation() {
        let before = service(OLD, &[]);
        let token = before.form_token(session()).unwrap();
        assert!(before.check_form_token(session(), &token));
        assert!(!before.check_form_token(SessionId(Uuid::from_u128(43)), &token));
        assert!(!before.check_form_token(session(), ""));
        assert!(!before.check_form_token(session(), "not base64 !"));
        let rotated = service(KEY, &[OLD]);
        assert!(rotated.check_form_token(session(), &token));
        assert_ne!(rotated.form_token(session()).unwrap(), token);
        assert!(!service(KEY, &[]).check_form_token(session(), &token));
    }
}
