//! Notifications: what a person is told about the reports they care about.
//! Stored per person (read or unread), pushed live to their open
//! connections, and e-mailed if they asked for it.
//!
//! Every notification is made from something that happened (an event, an
//! SLA breach) and carries a *dedupe key* naming it: the same key for the
//! same recipient is the same notification, so handling an event twice
//! tells no one twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::department::DepartmentCode;
use crate::domain::event::SlaClock;
use crate::domain::mail::EmailDelivery;
use crate::domain::masking::Masking;
use crate::domain::receipt::ReceiptNumber;
use crate::domain::report::{Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::user::UserId;

/// A notification's identity (UUIDv7: ids rise with creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(pub Uuid);

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A report was routed to the recipient's department: new work.
    ReportRouted,
    /// A report was assigned to the recipient.
    ReportAssigned,
    /// A report the recipient follows changed status.
    StatusChanged,
    /// An official answered on a report the recipient follows.
    Commented,
    /// The recipient's report was marked a duplicate; they now follow the original.
    MarkedDuplicate,
    /// A report of the recipient's department missed its SLA.
    SlaBreached,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [Self; 6] = [
        Self::ReportRouted,
        Self::ReportAssigned,
        Self::StatusChanged,
        Self::Commented,
        Self::MarkedDuplicate,
        Self::SlaBreached,
    ];

    /// The wire name (`report_routed`, …), also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReportRouted => "report_routed",
            Self::ReportAssigned => "report_assigned",
            Self::StatusChanged => "status_changed",
            Self::Commented => "commented",
            Self::MarkedDuplicate => "marked_duplicate",
            Self::SlaBreached => "sla_breached",
        }
    }

    /// The kind with this wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

impl std::fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing one person is told. (Plain data, made only by the notifier:
/// it crosses instances inside a [`Push`](crate::ports::Push) as JSON.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Identity.
    pub id: NotificationId,
    /// Who is told.
    pub recipient: UserId,
    /// About what.
    pub kind: NotificationKind,
    /// The report concerned.
    pub report_id: ReportId,
    /// One line, in Korean.
    pub title: String,
    /// A few lines, in Korean.
    pub body: String,
    /// What it was made from; one notification per recipient and key.
    pub dedupe_key: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When the recipient read it.
    pub read_at: Option<DateTime<Utc>>,
    /// Whether and how it is e-mailed (decided from the recipient's
    /// preference when it is made).
    #[serde(default)]
    pub email: EmailDelivery,
}

/// A notification before it has an id, a recipient and a time: what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// About what.
    pub kind: NotificationKind,
    /// The report concerned.
    pub report_id: ReportId,
    /// One line, in Korean.
    pub title: String,
    /// A few lines, in Korean.
    pub body: String,
    /// What it is made from (see [`Notification::dedupe_key`]).
    pub dedupe_key: String,
}

impl Message {
    /// The notification of this message for `recipient`.
    pub fn to(
        &self,
        id: NotificationId,
        recipient: UserId,
        created_at: DateTime<Utc>,
    ) -> Notification {
        Notification {
            id,
            recipient,
            kind: self.kind,
            report_id: self.report_id,
            title: self.title.clone(),
            body: self.body.clone(),
            dedupe_key: self.dedupe_key.clone(),
            created_at,
            read_at: None,
            email: EmailDelivery::None,
        }
    }

    /// This message with its text masked, for a recipient who may not read
    /// the report's personal data (another citizen following it).
    pub fn masked(&self, masking: &Masking) -> Self {
        Self {
            title: masking.mask(&self.title),
            body: masking.mask(&self.body),
            ..self.clone()
        }
    }

    /// A report was routed to `department` (named `department_name`): its staff
    /// and managers have new work. Routing the same report to the same
    /// department again (submission, then analysis) tells no one twice.
    pub fn routed(
        report: &Report,
        department: &DepartmentCode,
        category_name: &str,
        department_name: &str,
    ) -> Self {
        let department = department.as_str();
        Self {
            kind: NotificationKind::ReportRouted,
            report_id: report.id,
            title: format!("새 신고 {} — {}", report.number, report.title.as_str()),
            body: format!(
                "{category_name} 신고가 {department_name}(으)로 접수되었습니다. 위치: {}{}",
                report.jurisdiction.name,
                report
                    .address
                    .as_ref()
                    .map(|a| format!(" {}", a.as_str()))
                    .unwrap_or_default(),
            ),
            dedupe_key: format!("routed:{}:{department}", report.id.0),
        }
    }

    /// A report was assigned to an officer (the event `event_id`).
    pub fn assigned(report: &Report, event_id: Uuid) -> Self {
        Self {
            kind: NotificationKind::ReportAssigned,
            report_id: report.id,
            title: format!("신고 {}이(가) 배정되었습니다", report.number),
            body: format!(
                "{} — 우선순위 {}, 처리 기한 {}",
                report.title.as_str(),
                report.priority.label_ko(),
                kst(report.due_at)
            ),
            dedupe_key: format!("event:{event_id}"),
        }
    }

    /// A report changed status (the event `event_id`); `note` is the
    /// resolution note or rejection reason, if any.
    pub fn status_changed(
        report: &Report,
        to: ReportStatus,
        note: Option<&str>,
        event_id: Uuid,
    ) -> Self {
        let mut body = report.title.as_str().to_owned();
        if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
            let label = match to {
                ReportStatus::Rejected => "반려 사유",
                _ => "처리 내용",
            };
            body.push_str(&format!("\n{label}: {}", excerpt(note)));
        }
        Self {
            kind: NotificationKind::StatusChanged,
            report_id: report.id,
            title: format!(
                "신고 {}의 처리 상태가 '{}'(으)로 바뀌었습니다",
                report.number,
                to.label_ko()
            ),
            body,
            dedupe_key: format!("event:{event_id}"),
        }
    }

    /// An official answered on a report (the comment `comment_id`).
    pub fn commented(report: &Report, comment: &str, comment_id: Uuid) -> Self {
        Self {
            kind: NotificationKind::Commented,
            report_id: report.id,
            title: format!("신고 {}에 담당자 답변이 등록되었습니다", report.number),
            body: excerpt(comment),
            dedupe_key: format!("comment:{comment_id}"),
        }
    }

    /// The reporter's report was marked a duplicate of `original` (the event `event_id`).
    pub fn marked_duplicate(report: &Report, original: &ReceiptNumber, event_id: Uuid) -> Self {
        Self {
            kind: NotificationKind::MarkedDuplicate,
            report_id: report.id,
            title: format!("신고 {}이(가) 중복 신고로 처리되었습니다", report.number),
            body: format!(
                "같은 문제를 다루는 신고 {original}에 합쳐졌습니다. 앞으로 그 신고의 진행 상황을 알려 드립니다."
            ),
            dedupe_key: format!("event:{event_id}"),
        }
    }

    /// A report missed the SLA clock `clock` due at `due`.
    pub fn sla_breached(report: &Report, clock: SlaClock, due: DateTime<Utc>) -> Self {
        let what = match clock {
            SlaClock::Respond => "첫 조치",
            SlaClock::Resolve => "처리",
        };
        Self {
            kind: NotificationKind::SlaBreached,
            report_id: report.id,
            title: format!("처리 기한 초과: 신고 {}", report.number),
            body: format!(
                "{} — {what} 기한 {}을(를) 넘겼습니다 (우선순위 {}).",
                report.title.as_str(),
                kst(due),
                report.priority.label_ko()
            ),
            dedupe_key: format!("sla:{}:{}", report.id.0, clock.as_str()),
        }
    }
}

/// At most 200 characters of `text`, with an ellipsis when cut.
fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A time as people in Korea read it: `2026-12-04 09:30 (KST)`.
pub fn kst(at: DateTime<Utc>) -> String {
    // Korea keeps no daylight saving time: always UTC+9.
    let korean = at + chrono::TimeDelta::hours(9);
    format!("{} (KST)", korean.format("%Y-%m-%d %H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_wire_names() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str()),
                "serde and as_str agree"
            );
        }
        assert_eq!(NotificationKind::parse("nope"), None);
    }

    #[test]
    fn excerpts_cut_long_text_on_a_character_boundary() {
        let long = "가".repeat(250);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("  짧은 답변 "), "짧은 답변");
    }

    #[test]
    fn times_are_shown_in_korean_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-04T00:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(kst(at), "2026-12-04 09:30 (KST)");
    }
}
