//! Sending e-mail (SMTP in production).

use async_trait::async_trait;

use crate::domain::user::Email;

/// One mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The address.
    pub to: Email,
    /// The recipient's name, shown beside the address.
    pub to_name: String,
    /// Subject, in Korean.
    pub subject: String,
    /// Plain-text body, in Korean.
    pub body: String,
    /// The same on every attempt at this mail: the adapter derives the
    /// `Message-ID` from it.
    pub message_key: String,
}

/// Why a mail was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The mail server cannot be reached now (no connection, TLS failed,
    /// timed out): every mail waits, none is tried until later.
    #[error("mail server unreachable: {0}")]
    Unreachable(String),
    /// The server refused this mail for now (a 4xx answer): trying it again
    /// later may work.
    #[error("temporary mail failure: {0}")]
    Temporary(String),
    /// Trying again will not work: the server refused this mail or address
    /// for good (5xx).
    #[error("permanent mail failure: {0}")]
    Permanent(String),
}

/// Sends mail.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one mail; returns once the server has accepted it.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}
