//! Settings that are credentials: they parse like any other setting and never print.

use std::str::FromStr;

/// A secret from the environment; never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() < 32 {
            return Err("must be at least 32 characters".to_owned());
        }
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An API key or other credential from the environment; never printed.
#[derive(Clone)]
pub struct ApiSecret(String);

impl ApiSecret {
    /// The credential.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for ApiSecret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("must not be empty".to_owned());
        }
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_jwt_secrets_are_refused_and_secrets_never_print() {
        assert!("too short".parse::<Secret>().is_err());
        let secret: Secret = "a-secret-that-is-long-enough-for-hs256".parse().unwrap();
        assert!(!format!("{secret:?}").contains("long-enough"));
    }
}
