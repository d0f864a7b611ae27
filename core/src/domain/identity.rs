//! How people and integrations prove who they are, beyond a password:
//! refresh-session families, accounts at outside identity providers (OAuth),
//! and API keys of service accounts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::user::{Email, UserId};
use crate::domain::validation::FieldError;

/// One sign-in: every refresh token rotated from one login belongs to it,
/// and access tokens carry it, so revoking it ends them all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub Uuid);

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An outside identity provider people may sign in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Google (OpenID Connect).
    Google,
    /// Kakao (카카오 로그인).
    Kakao,
    /// Naver (네이버 로그인).
    Naver,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Self; 3] = [Self::Google, Self::Kakao, Self::Naver];

    /// The wire name, as in `/auth/oauth/{provider}/start`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Kakao => "kakao",
            Self::Naver => "naver",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account at a provider, linked to one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// Which provider.
    pub provider: Provider,
    /// The provider's stable id of the person (`sub`, Kakao's `id`, Naver's `response.id`).
    pub subject: String,
    /// Our user.
    pub user_id: UserId,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
}

/// What a provider told us about the person who just signed in, after the
/// adapter checked `state`, PKCE and (for OpenID Connect) the ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalProfile {
    /// Which provider.
    pub provider: Provider,
    /// The provider's stable id of the person.
    pub subject: String,
    /// Their e-mail, if they shared one.
    pub email: Option<String>,
    /// Whether the provider says it verified that e-mail.
    pub email_verified: bool,
    /// Their name or nickname, if given.
    pub name: Option<String>,
}

/// A service account's API key, as stored: only a hash of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Identity.
    pub id: Uuid,
    /// The service account it speaks for.
    pub user_id: UserId,
    /// The key's first characters, so people can tell keys apart (`smk_3f9a…`).
    pub prefix: String,
    /// A hash of the whole key.
    pub key_hash: String,
    /// What it is for ("GIS 대시보드").
    pub label: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The name of a stored secret: lower-case ASCII letters, digits, `.`, `_`
/// and `-`, 1–100 characters (`oauth.google.client_secret`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SecretName(String);

impl SecretName {
    /// Parses a name.
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        let ok = !raw.is_empty()
            && raw.len() <= 100
            && raw.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                "name",
                "invalid_secret_name",
                "a secret name is 1–100 characters of a–z, 0–9, '.', '_' and '-'",
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SecretName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret's plain value (an API key, a client secret): never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// The longest accepted value.
    pub const MAX_BYTES: usize = 8 * 1024;

    /// Wraps a value: non-empty, at most 8 KiB, no control characters.
    pub fn new(raw: String) -> Result<Self, FieldError> {
        if raw.is_empty() || raw.len() > Self::MAX_BYTES || raw.chars().any(char::is_control) {
            return Err(FieldError::new(
                "value",
                "invalid_secret_value",
                "a secret is 1 byte to 8 KiB of text without control characters",
            ));
        }
        Ok(Self(raw))
    }

    /// The secret itself, for the adapter that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// A secret as the settings table holds it: sealed by the
/// [`crate::ports::SecretSealer`], so a database dump does not give it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// Its name (also bound into the seal, so rows cannot be swapped).
    pub name: SecretName,
    /// Nonce and ciphertext, as the sealer wrote them.
    pub sealed: Vec<u8>,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
    /// Who set it (absent: the operator at the command line).
    pub updated_by: Option<UserId>,
}

/// Whether `raw` could be an e-mail a provider vouched for.
pub(crate) fn verified_email(profile: &ExternalProfile) -> Option<Email> {
    if !profile.email_verified {
        return None;
    }
    profile.email.as_deref().and_then(|e| Email::new(e).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_round_trip_their_wire_names() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.as_str()), Some(provider));
        }
        assert_eq!(Provider::parse("facebook"), None);
    }

    #[test]
    fn secret_names_are_plain_dotted_words() {
        assert!(SecretName::new("oauth.google.client_secret").is_ok());
        for bad in ["", "Upper", "with space", "../etc", &"a".repeat(101)] {
            assert!(SecretName::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secret_values_never_print() {
        let value = SecretValue::new("sk-live-123".into()).unwrap();
        assert!(!format!("{value:?}").contains("sk-live"));
        assert!(SecretValue::new(String::new()).is_err());
        assert!(SecretValue::new("a\nb".into()).is_err());
    }

    #[test]
    fn only_verified_emails_count() {
        let mut profile = ExternalProfile {
            provider: Provider::Google,
            subject: "1".into(),
            email: Some("Kim@Example.kr".into()),
            email_verified: false,
            name: None,
        };
        assert_eq!(verified_email(&profile), None);
        profile.email_verified = true;
        assert_eq!(
            verified_email(&profile).map(|e| e.as_str().to_owned()),
            Some("kim@example.kr".into())
        );
    }
}
