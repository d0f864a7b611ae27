//! E-mail about notifications: who wants it and how often, when the daily
//! digest is due, and what a mail says (Korean subject and body, a link to
//! the report). A notification's text is already written for its recipient,
//! so a mail repeats it and adds nothing about anyone else.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::notification::{kst, Notification, NotificationId};
use crate::domain::report::ReportId;
use crate::domain::user::{Role, UserId};
use crate::domain::validation::FieldError;

/// How a person wants to hear about notifications by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailPreference {
    /// No e-mail.
    None,
    /// One mail per notification, as soon as it is made.
    Immediate,
    /// One mail a day listing the day's notifications.
    Daily,
}

impl EmailPreference {
    /// Every preference.
    pub const ALL: [Self; 3] = [Self::None, Self::Immediate, Self::Daily];

    /// The wire name (`none`, `immediate`, `daily`), also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Immediate => "immediate",
            Self::Daily => "daily",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "email",
                    "invalid_email_preference",
                    "email must be one of none, immediate, daily",
                )
            })
    }

    /// What someone of `role` gets when they have not chosen: citizens
    /// hear of their own reports at once; officials, whose notifications are
    /// a department's stream of work, get one digest a day; integrations
    /// (service accounts) sign in with keys and read the API, so no mail.
    pub fn default_for(role: Role) -> Self {
        match role {
            Role::Citizen => Self::Immediate,
            Role::Service => Self::None,
            Role::Staff | Role::Manager | Role::Admin => Self::Daily,
        }
    }

    /// The preference in force: the chosen one, else the role's default.
    pub fn effective(chosen: Option<Self>, role: Role) -> Self {
        chosen.unwrap_or_else(|| Self::default_for(role))
    }

    /// How a notification made now for someone with this preference is mailed.
    pub fn delivery(self) -> EmailDelivery {
        match self {
            Self::None => EmailDelivery::None,
            Self::Immediate => EmailDelivery::Immediate,
            Self::Daily => EmailDelivery::Digest,
        }
    }
}

impl std::fmt::Display for EmailPreference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and how one notification is e-mailed: decided when it is made,
/// from its recipient's preference, and stored with it (one write).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailDelivery {
    /// Not mailed.
    #[default]
    None,
    /// Mailed on its own.
    Immediate,
    /// Listed in the recipient's next daily digest.
    Digest,
}

/// When daily digests go out: every `period` from `anchor` (by default
/// every day at 08:00 Korean time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSchedule {
    anchor: DateTime<Utc>,
    period: TimeDelta,
}

impl DigestSchedule {
    /// Every day at `hour` o'clock Korean time (0–23; larger values wrap).
    pub fn daily_at_kst(hour: u32) -> Self {
        Self::every(hour, TimeDelta::days(1))
    }

    /// Every `period` (at least a second), counted from `hour` o'clock
    /// Korean time on 1 January 1970. A period other than a day is for
    /// tests, which cannot wait a day.
    pub fn every(hour: u32, period: TimeDelta) -> Self {
        // Korea keeps no daylight saving time: hour h KST is h − 9 UTC.
        let utc_hour = (i64::from(hour % 24) + 24 - 9) % 24;
        Self {
            anchor: DateTime::UNIX_EPOCH + TimeDelta::hours(utc_hour),
            period: period.max(TimeDelta::seconds(1)),
        }
    }

    /// The latest digest time at or before `now`: the digest of that time
    /// lists the notifications made up to it.
    pub fn latest(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let since = (now - self.anchor).num_milliseconds();
        let period = self.period.num_milliseconds().max(1);
        self.anchor + TimeDelta::milliseconds(since.div_euclid(period) * period)
    }
}

impl Default for DigestSchedule {
    /// 08:00 KST every day.
    fn default() -> Self {
        Self::daily_at_kst(8)
    }
}

/// One recipient's digest of one digest time: at most one is ever sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DigestKey {
    /// To whom.
    pub recipient: UserId,
    /// The digest time; it lists notifications made up to it.
    pub slot: DateTime<Utc>,
}

/// Where links in mails point: the public site's base URL (no trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Parses an `http://` or `https://` base URL.
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim().trim_end_matches('/');
        let host = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        match host {
            Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
                Ok(Self(trimmed.to_owned()))
            }
            _ => Err(FieldError::new(
                "public_url",
                "invalid_url",
                "the public URL must start with https:// (or http://) and name a host",
            )),
        }
    }

    /// The page of a report.
    pub fn report(&self, id: ReportId) -> String {
        format!("{}/reports/{}", self.0, id.0)
    }

    /// Where a person changes their e-mail settings.
    pub fn settings(&self) -> String {
        format!("{}/me/notification-settings", self.0)
    }
}

/// A mail ready to hand to the [`Mailer`](crate::ports::Mailer), before
/// its recipient's address is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailContent {
    /// The subject line, in Korean.
    pub subject: String,
    /// The plain-text body, in Korean.
    pub body: String,
    /// A key naming what this mail is, the same on every attempt (the
    /// adapter makes the `Message-ID` from it, so a mail sent again after a
    /// crash between sending and recording it is recognisably the same).
    pub message_key: String,
}

const SUBJECT_PREFIX: &str = "[전북 신문고]";

fn footer(link: &PublicUrl) -> String {
    format!(
        "\n\n--\n이 메일은 발신 전용입니다. 회신하지 마세요.\n알림 메일 설정 변경: {}\n",
        link.settings()
    )
}

impl MailContent {
    /// The mail of one notification.
    pub fn of(notification: &Notification, site: &PublicUrl) -> Self {
        let mut body = format!(
            "{}\n\n{}\n\n신고 보기: {}",
            notification.title,
            notification.body,
            site.report(notification.report_id)
        );
        body.push_str(&footer(site));
        Self {
            subject: format!("{SUBJECT_PREFIX} {}", notification.title),
            body,
            message_key: message_key_of(notification.id),
        }
    }

    /// The digest `key` listing `notifications` (oldest first).
    pub fn digest(key: &DigestKey, notifications: &[Notification], site: &PublicUrl) -> Self {
        let day = kst(key.slot);
        let day = day.split(' ').next().unwrap_or(&day).to_owned();
        let mut body = format!(
            "{day} 기준 새 알림 {}건을 모아 보내 드립니다.\n",
            notifications.len()
        );
        for (n, notification) in notifications.iter().enumerate() {
            body.push_str(&format!(
                "\n{}. {}\n   {}\n   {}\n   신고 보기: {}\n",
                n + 1,
                notification.title,
                kst(notification.created_at),
                notification.body.replace('\n', "\n   "),
                site.report(notification.report_id)
            ));
        }
        body.push_str(&footer(site));
        Self {
            subject: format!(
                "{SUBJECT_PREFIX} 오늘의 알림 {}건 ({day})",
                notifications.len()
            ),
            body,
            message_key: format!("digest.{}.{}", key.recipient.0, key.slot.timestamp()),
        }
    }
}

/// The message key of a notification's own mail.
pub fn message_key_of(id: NotificationId) -> String {
    format!("notification.{}", id.0)
}

/// When to try a mail again after `attempts` failed tries: `first`,
/// doubling each time, never more than `max`.
pub fn retry_delay(attempts: u32, first: TimeDelta, max: TimeDelta) -> TimeDelta {
    let doublings = attempts.saturating_sub(1).min(30);
    first
        .checked_mul(1_i32 << doublings)
        .map_or(max, |delay| delay.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::NotificationKind;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn roles_have_their_defaults() {
        assert_eq!(
            EmailPreference::effective(None, Role::Citizen),
            EmailPreference::Immediate
        );
        for official in [Role::Staff, Role::Manager, Role::Admin] {
            assert_eq!(
                EmailPreference::effective(None, official),
                EmailPreference::Daily
            );
        }
        assert_eq!(
            EmailPreference::effective(None, Role::Service),
            EmailPreference::None
        );
        assert_eq!(
            EmailPreference::effective(Some(EmailPreference::None), Role::Citizen),
            EmailPreference::None
        );
    }

    #[test]
    fn preferences_round_trip_their_wire_names() {
        for p in EmailPreference::ALL {
            assert_eq!(EmailPreference::parse(p.as_str()).unwrap(), p);
        }
        assert!(EmailPreference::parse("weekly").is_err());
    }

    #[test]
    fn the_digest_is_at_eight_korean_time() {
        let schedule = DigestSchedule::default();
        // 08:00 KST is 23:00 UTC the day before.
        assert_eq!(
            schedule.latest(at("2026-03-10T23:30:00Z")),
            at("2026-03-10T23:00:00Z")
        );
        assert_eq!(
            schedule.latest(at("2026-03-10T22:59:59Z")),
            at("2026-03-09T23:00:00Z")
        );
        assert_eq!(
            schedule.latest(at("2026-03-10T23:00:00Z")),
            at("2026-03-10T23:00:00Z")
        );
    }

    #[test]
    fn retries_back_off_up_to_a_cap() {
        let (first, max) = (TimeDelta::minutes(1), TimeDelta::hours(1));
        assert_eq!(retry_delay(1, first, max), TimeDelta::minutes(1));
        assert_eq!(retry_delay(2, first, max), TimeDelta::minutes(2));
        assert_eq!(retry_delay(4, first, max), TimeDelta::minutes(8));
        assert_eq!(retry_delay(7, first, max), TimeDelta::hours(1));
        assert_eq!(retry_delay(200, first, max), TimeDelta::hours(1));
    }

    #[test]
    fn a_mail_says_what_the_notification_says_and_links_the_report() {
        let site = PublicUrl::new("https://sinmungo.jeonbuk.go.kr/").unwrap();
        let notification = Notification {
            id: NotificationId(uuid::Uuid::from_u128(7)),
            recipient: UserId(uuid::Uuid::from_u128(1)),
            kind: NotificationKind::StatusChanged,
            report_id: ReportId(uuid::Uuid::from_u128(9)),
            title: "신고 2026-000001의 처리 상태가 '처리 완료'(으)로 바뀌었습니다".into(),
            body: "도로 파손".into(),
            dedupe_key: "event:1".into(),
            created_at: at("2026-03-10T01:00:00Z"),
            read_at: None,
            email: EmailDelivery::Immediate,
        };
        let mail = MailContent::of(&notification, &site);
        assert!(mail.subject.starts_with("[전북 신문고] 신고 2026-000001"));
        assert!(mail.body.contains(
            "https://sinmungo.jeonbuk.go.kr/reports/00000000-0000-0000-0000-000000000009"
        ));
        assert_eq!(
            mail.message_key,
            "notification.00000000-0000-0000-0000-000000000007"
        );
        assert!(PublicUrl::new("ftp://x").is_err());
    }
}
