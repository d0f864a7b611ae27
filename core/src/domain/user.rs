//! Users, their roles, and the credentials they sign in with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::department::DepartmentCode;
use crate::domain::text::DisplayName;
use crate::domain::validation::FieldError;

/// A user's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub Uuid);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An e-mail address, normalised to lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, at most 254 characters.
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        let normalised = raw.trim().to_lowercase();
        let invalid = || {
            FieldError::new(
                "email",
                "invalid_email",
                "email must be an address like name@example.kr",
            )
        };
        if normalised.len() > 254
            || normalised
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = normalised.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(normalised))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest accepted password.
    pub const MIN_CHARS: usize = 10;
    /// The longest accepted password (bounds hashing cost).
    pub const MAX_CHARS: usize = 128;

    /// Applies the policy: 10–128 characters, at least two of letters, digits and
    /// symbols, and not one character repeated.
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        let weak = |message: &str| FieldError::new("password", "weak_password", message);
        if length < Self::MIN_CHARS {
            return Err(weak(
                "password must be at least 10 characters (비밀번호는 10자 이상이어야 합니다)",
            ));
        }
        if length > Self::MAX_CHARS {
            return Err(FieldError::new(
                "password",
                "too_long",
                "password must be at most 128 characters",
            ));
        }
        let classes = [
            raw.chars().any(char::is_alphabetic),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| !c.is_alphanumeric()),
        ];
        if classes.iter().filter(|&&present| present).count() < 2 {
            return Err(weak(
                "password must mix at least two of letters, digits and symbols",
            ));
        }
        let mut chars = raw.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(weak("password must not repeat a single character"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Accepts a password presented at login without the policy (old passwords stay valid),
    /// bounded so hashing cost stays bounded.
    pub fn presented(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.chars().count() <= Self::MAX_CHARS).then(|| Self(raw.to_owned()))
    }

    /// The secret itself, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A password hash in PHC string format; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a [`crate::ports::PasswordHasher`] or read from a store.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// What a user is allowed to do; [`crate::domain::permission`] has the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 시민: reports problems, follows their own reports.
    Citizen,
    /// 연계 시스템: an integration (a call centre, a GIS) signing in with an
    /// API key; submits and follows reports like a citizen, never signs in
    /// with a password.
    Service,
    /// 담당 공무원: works the department's queue.
    Staff,
    /// 부서 관리자: assigns work, overrides AI.
    Manager,
    /// 관리자: administers everything.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 5] = [
        Self::Citizen,
        Self::Service,
        Self::Staff,
        Self::Manager,
        Self::Admin,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Service => "service",
            Self::Staff => "staff",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    "unknown_role",
                    "role must be one of citizen, service, staff, manager, admin",
                )
            })
    }

    /// Staff, managers and admins: officials who see every report unmasked.
    pub fn is_official(self) -> bool {
        matches!(self, Self::Staff | Self::Manager | Self::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registered person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Identity.
    pub id: UserId,
    /// Sign-in address.
    pub email: Email,
    /// Name shown to officials (never to other citizens).
    pub display_name: DisplayName,
    /// What they may do.
    pub role: Role,
    /// The department of staff and managers.
    pub department: Option<DepartmentCode>,
    /// Their password's hash; none for people who sign in only through an
    /// identity provider, and for service accounts.
    pub password_hash: Option<PasswordHash>,
    /// When they registered.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::new(" Kim@Jeonbuk.GO.kr ").unwrap().as_str(),
            "kim@jeonbuk.go.kr"
        );
        for bad in [
            "",
            "kim",
            "kim@",
            "@go.kr",
            "kim@localhost",
            "a b@go.kr",
            "kim@go..kr",
            "a@b@c.kr",
        ] {
            assert!(Email::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        assert!(Password::new("jeonbuk2026!").is_ok());
        assert!(Password::new("전북특별자치도2026").is_ok());
        for weak in [
            "short1!",
            "onlyletterslong",
            "1234567890123",
            "aaaaaaaaaaaa",
        ] {
            assert_eq!(
                Password::new(weak).unwrap_err().code,
                "weak_password",
                "{weak}"
            );
        }
        assert_eq!(
            Password::new(&"ab1".repeat(50)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn secrets_never_print() {
        let password = Password::new("jeonbuk2026!").unwrap();
        assert!(!format!("{password:?}").contains("jeonbuk"));
        let hash = PasswordHash::new("$argon2id$v=19$secret".into());
        assert!(!format!("{hash:?}").contains("secret"));
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(!Role::Citizen.is_official() && !Role::Service.is_official());
        assert!(
            Role::Staff.is_official() && Role::Manager.is_official() && Role::Admin.is_official()
        );
    }
}
