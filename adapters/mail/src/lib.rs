//! Sinmungo's e-mail: the core's [`Mailer`] port over SMTP with `lettre`
//! on tokio, TLS by rustls (no native-tls, no OpenSSL).
//!
//! # Connection security
//!
//! The SMTP URL says how the connection is protected, and nothing is
//! guessed or downgraded:
//!
//! | URL | security | default port |
//! |---|---|---|
//! | `smtp://user:pass@host[:port]` | STARTTLS, **required** (no mail, no password is sent if the server does not offer it or the certificate is wrong) | 587 |
//! | `smtps://user:pass@host[:port]` | implicit TLS from the first byte | 465 |
//! | `smtp://host[:port]?tls=none` | none — refused unless the host is a loopback address (a local relay or a test server) | 25 |
//!
//! Certificates are checked against the Mozilla roots bundled by
//! `webpki-roots`. The password is never logged: [`SmtpMailer`]'s `Debug`
//! shows the host, port and security only.
//!
//! # Failures
//!
//! No connection, a failed TLS handshake, a timeout or a refused login are
//! [`MailError::Unreachable`] (every mail waits); a 4xx answer to a mail is
//! [`MailError::Temporary`]; a 5xx answer to a mail is
//! [`MailError::Permanent`] (the address or the mail is refused for good).

#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sinmungo_core::ports::{MailError, Mailer, OutgoingMail};
use url::Url;

/// How long one SMTP command may take before the server counts as unreachable.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// The SMTP URL is malformed or asks for something unsupported.
    #[error("invalid SMTP URL: {0}")]
    Url(String),
    /// The sender address is not `Name <address>` or `address`.
    #[error("invalid sender address {0:?} (expected e.g. `신문고 <no-reply@jeonbuk.go.kr>`)")]
    From(String),
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; refused if the upgrade fails.
    StartTls,
    /// TLS from the first byte (SMTPS).
    ImplicitTls,
    /// No encryption: loopback servers only.
    None,
}

/// The parsed `SINMUNGO_SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// User name and password, if the server wants a login.
    credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// Parses an SMTP URL (see the crate docs for the forms it takes).
    pub fn parse(raw: &str) -> Result<Self, MailConfigError> {
        let url = Url::parse(raw.trim()).map_err(|e| MailConfigError::Url(e.to_string()))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| MailConfigError::Url("the URL names no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required" | "starttls")) => Security::StartTls,
            ("smtps", None) => Security::ImplicitTls,
            ("smtp", Some("none")) => Security::None,
            (scheme @ ("smtp" | "smtps"), Some(other)) => {
                return Err(MailConfigError::Url(format!(
                    "{scheme}:// does not take tls={other} (smtp:// is STARTTLS, smtps:// is implicit TLS, smtp://…?tls=none is plain text on loopback only)"
                )))
            }
            (scheme, _) => {
                return Err(MailConfigError::Url(format!(
                    "unsupported scheme {scheme:?}: use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
                )))
            }
        };
        if security == Security::None && !is_loopback(&host) {
            return Err(MailConfigError::Url(format!(
                "tls=none sends mail and passwords in plain text: only to a loopback host, not {host}"
            )));
        }
        let port = url.port().unwrap_or(match security {
            Security::StartTls => 587,
            Security::ImplicitTls => 465,
            Security::None => 25,
        });
        let credentials = if url.username().is_empty() {
            None
        } else {
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            // Percent-decoded, so a password may hold `@`, `:` or `/`.
            let user = decode(url.username());
            let password = decode(url.password().unwrap_or(""));
            Some((user, password))
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The [`Mailer`] over SMTP.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of `Message-ID`s: the sender's domain.
    id_domain: String,
    settings: SmtpSettings,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("settings", &self.settings)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer to the server `settings` names, sending as `from`
    /// (`신문고 <no-reply@jeonbuk.go.kr>`). Connects on first use; call it
    /// on a tokio runtime (it starts the connection pool's task).
    pub fn new(settings: SmtpSettings, from: &str) -> Result<Self, MailConfigError> {
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|_| MailConfigError::From(from.to_owned()))?;
        let id_domain = from.email.domain().to_owned();
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|e| MailConfigError::Url(e.to_string()))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(COMMAND_TIMEOUT))
            // EHLO with the sender's domain: nothing about this host leaks.
            .hello_name(ClientId::Domain(id_domain.clone()))
            .pool_config(PoolConfig::new().max_size(4));
        builder = match settings.security {
            Security::StartTls => builder.tls(Tls::Required(tls(&settings.host)?)),
            Security::ImplicitTls => builder.tls(Tls::Wrapper(tls(&settings.host)?)),
            Security::None => builder.tls(Tls::None),
        };
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            id_domain,
            settings,
        })
    }

    fn message(&self, mail: &OutgoingMail) -> Result<Message, MailError> {
        let address: Address = mail.to.as_str().parse().map_err(|e| {
            MailError::Permanent(format!("the recipient's address is unusable: {e}"))
        })?;
        let name = Some(mail.to_name.clone()).filter(|n| !n.trim().is_empty());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(mail.subject.clone())
            // The same on every attempt: a mail sent again after a crash
            // between sending and recording it is recognisably the same.
            .message_id(Some(format!("<{}@{}>", mail.message_key, self.id_domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Permanent(format!("the mail cannot be built: {e}")))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[tracing::instrument(skip_all, fields(message = %mail.message_key))]
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(&error)),
        }
    }
}

/// What an SMTP failure means for the mail.
fn classify(error: &lettre::transport::smtp::Error) -> MailError {
    let text = error.to_string();
    let code = error.status().map(u16::from);
    match code {
        // A refused login (or one the server wants encrypted) is our
        // configuration, not the recipient: keep every mail and wait.
        Some(530 | 534 | 535 | 538) => MailError::Unreachable(text),
        Some(500..=599) if error.is_permanent() => MailError::Permanent(text),
        Some(400..=499) if error.is_transient() => MailError::Temporary(text),
        _ => MailError::Unreachable(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_the_connection_is_protected() {
        let starttls = SmtpSettings::parse("smtp://mailer:s%40cret@smtp.jeonbuk.go.kr").unwrap();
        assert_eq!(starttls.security, Security::StartTls);
        assert_eq!(starttls.port, 587);
        assert_eq!(
            starttls.credentials,
            Some(("mailer".to_owned(), "s@cret".to_owned()))
        );
        let implicit = SmtpSettings::parse("smtps://mailer:pw@smtp.jeonbuk.go.kr").unwrap();
        assert_eq!(implicit.security, Security::ImplicitTls);
        assert_eq!(implicit.port, 465);
        let plain = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(plain.security, Security::None);
        assert_eq!(plain.port, 2525);
        assert!(plain.credentials.is_none());
    }

    #[test]
    fn plain_text_only_to_loopback_and_nothing_unknown() {
        assert!(SmtpSettings::parse("smtp://smtp.example.kr?tls=none").is_err());
        assert!(SmtpSettings::parse("smtps://127.0.0.1?tls=none").is_err());
        assert!(SmtpSettings::parse("smtp://h?tls=opportunistic").is_err());
        assert!(SmtpSettings::parse("http://smtp.example.kr").is_err());
        assert!(SmtpSettings::parse("smtp://[::1]:25?tls=none").is_ok());
    }

    // Building a mailer starts its connection pool: on a runtime.
    #[tokio::test]
    async fn debug_never_shows_the_password() {
        let settings = SmtpSettings::parse("smtp://mailer:hunter2@smtp.example.kr").unwrap();
        let mailer = SmtpMailer::new(settings.clone(), "신문고 <no-reply@jeonbuk.go.kr>").unwrap();
        for shown in [format!("{settings:?}"), format!("{mailer:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("smtp.example.kr"));
        }
    }

    #[tokio::test]
    async fn mails_carry_a_stable_message_id_and_korean_headers() {
        let settings = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        let mailer = SmtpMailer::new(settings, "신문고 <no-reply@jeonbuk.go.kr>").unwrap();
        let mail = OutgoingMail {
            to: sinmungo_core::domain::Email::new("citizen@example.kr").unwrap(),
            to_name: "김시민".into(),
            subject: "[전북 신문고] 처리 완료".into(),
            body: "도로 파손이 보수되었습니다.".into(),
            message_key: "notification.0192".into(),
        };
        let formatted = String::from_utf8(mailer.message(&mail).unwrap().formatted()).unwrap();
        assert!(formatted.contains("Message-ID: <notification.0192@jeonbuk.go.kr>"));
        assert!(formatted.contains("Subject: =?utf-8?"), "{formatted}");
        assert!(!formatted.contains("처리 완료"), "headers are encoded");
        assert!(SmtpMailer::new(
            SmtpSettings::parse("smtp://127.0.0.1?tls=none").unwrap(),
            "not an address"
        )
        .is_err());
    }
}
