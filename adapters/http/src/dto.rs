//! The JSON shapes of the API: request bodies (parsed into use-case requests)
//! and responses (built from views). Field names are snake_case; times RFC 3339.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{
    AssignRequest, CommentRequest, PossibleDuplicate, ReclassifyRequest, RegisterRequest,
    ReportList, ReportView, SubmitRequest, TransitionRequest,
};
use sinmungo_core::domain::{
    Notification, Photo, PhotoVariant, ReportId, TimelineEntry, TimelineKind, User,
};
use uuid::Uuid;

use crate::auth::IssuedTokens;

/// `POST /auth/register`
#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
}

impl RegisterBody {
    /// The use-case request.
    pub fn into_domain(self) -> RegisterRequest {
        RegisterRequest {
            email: self.email,
            password: self.password,
            display_name: self.display_name,
        }
    }
}

/// `POST /auth/login`
#[derive(Debug, Deserialize)]
pub struct LoginBody {
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Password.
    #[serde(default)]
    pub password: String,
}

/// `POST /auth/refresh`, `POST /auth/logout`
#[derive(Debug, Deserialize)]
pub struct RefreshBody {
    /// The refresh token.
    pub refresh_token: String,
}

/// `POST /me/password`
#[derive(Debug, Deserialize)]
pub struct PasswordChangeBody {
    /// The password now (ignored for accounts that have none yet).
    #[serde(default)]
    pub current_password: String,
    /// The new password.
    #[serde(default)]
    pub new_password: String,
}

/// A location in a request.
#[derive(Debug, Deserialize)]
pub struct LocationBody {
    lat: f64,
    lng: f64,
}

/// `POST /reports`
#[derive(Debug, Deserialize)]
pub struct SubmitBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    location: Option<LocationBody>,
    address: Option<String>,
    category: Option<String>,
    visibility: Option<String>,
}

impl SubmitBody {
    /// The use-case request (without photos); the core checks every field,
    /// the location included (required unless a photo carries one).
    pub fn into_domain(self) -> SubmitRequest {
        SubmitRequest {
            title: self.title,
            description: self.description,
            lat: self.location.as_ref().map(|l| l.lat),
            lng: self.location.as_ref().map(|l| l.lng),
            address: self.address,
            category: self.category,
            visibility: self.visibility,
            photos: Vec::new(),
        }
    }
}

/// `POST /reports/{id}/transitions`
#[derive(Debug, Deserialize)]
pub struct TransitionBody {
    #[serde(default)]
    to: String,
    note: Option<String>,
    duplicate_of: Option<Uuid>,
    expected_version: Option<u64>,
}

impl TransitionBody {
    /// The use-case request.
    pub fn into_domain(self) -> TransitionRequest {
        TransitionRequest {
            to: self.to,
            note: self.note,
            duplicate_of: self.duplicate_of,
            expected_version: self.expected_version,
        }
    }
}

/// `POST /reports/{id}/assignment`
#[derive(Debug, Deserialize)]
pub struct AssignBody {
    department: Option<String>,
    assignee: Option<Uuid>,
}

impl AssignBody {
    /// The use-case request.
    pub fn into_domain(self) -> AssignRequest {
        AssignRequest {
            department: self.department,
            assignee: self.assignee,
        }
    }
}

/// `PUT /reports/{id}/classification`
#[derive(Debug, Deserialize)]
pub struct ClassificationBody {
    #[serde(default)]
    category: String,
    #[serde(default)]
    priority: String,
}

impl ClassificationBody {
    /// The use-case request.
    pub fn into_domain(self) -> ReclassifyRequest {
        ReclassifyRequest {
            category: self.category,
            priority: self.priority,
        }
    }
}

/// `POST /reports/{id}/comments`
#[derive(Debug, Deserialize)]
pub struct CommentBodyDto {
    #[serde(default)]
    body: String,
    #[serde(default)]
    internal: bool,
}

impl CommentBodyDto {
    /// The use-case request.
    pub fn into_domain(self) -> CommentRequest {
        CommentRequest {
            body: self.body,
            internal: self.internal,
        }
    }
}

/// A user as the API shows them to themselves.
#[derive(Debug, Serialize)]
pub struct UserDto {
    id: Uuid,
    email: String,
    display_name: String,
    role: &'static str,
    roles: Vec<&'static str>,
    department: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.to_string(),
            role: user.role.as_str(),
            roles: vec![user.role.as_str()],
            department: user.department.as_ref().map(ToString::to_string),
            created_at: user.created_at,
        }
    }
}

/// The answer to register, login and refresh.
#[derive(Debug, Serialize)]
pub struct SessionDto {
    /// Who signed in.
    pub user: UserDto,
    /// Tokens.
    #[serde(flatten)]
    pub tokens: IssuedTokens,
}

#[derive(Debug, Serialize)]
struct LocationDto {
    lat: f64,
    lng: f64,
}

#[derive(Debug, Serialize)]
struct JurisdictionDto {
    code: String,
    name: String,
}

#[derive(Debug, Serialize)]
struct AnalysisDto {
    category: String,
    priority: &'static str,
    confidence: f64,
    decided_by: &'static str,
    rule: Option<String>,
    /// The words the rule matched (why it fired).
    matched: Vec<String>,
    needs_review: bool,
    decided_at: DateTime<Utc>,
    models: Vec<String>,
    latency_ms: u32,
    /// Which routing rule chose the department, when this decision routed the report.
    routing: Option<&'static str>,
    /// Officials only.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Serialize)]
struct ReporterDto {
    id: Uuid,
}

/// Where a photo's forms are served.
#[derive(Debug, Serialize)]
struct PhotoUrlsDto {
    thumb_320: String,
    thumb_1280: String,
    public: String,
    /// Officials only.
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<String>,
}

/// A photo of a report. Who uploaded it is never shown.
#[derive(Debug, Serialize)]
struct PhotoDto {
    id: Uuid,
    kind: &'static str,
    /// Always `ready`: photos are processed before the upload is answered.
    status: &'static str,
    width: u32,
    height: u32,
    /// The original's format; every other form is a JPEG.
    content_type: String,
    /// The public copy (product contract name).
    url: String,
    /// The 320-px thumbnail (product contract name).
    thumbnail_url: String,
    /// The original, officials only (product contract name).
    #[serde(skip_serializing_if = "Option::is_none")]
    original_url: Option<String>,
    urls: PhotoUrlsDto,
    /// The duplicate it was uploaded to, when it is shown here because that
    /// duplicate was merged into this report.
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_from: Option<Uuid>,
}

impl PhotoDto {
    fn new(report: ReportId, photo: &Photo, official: bool) -> Self {
        let url = |variant: PhotoVariant| {
            format!(
                "/api/v1/reports/{}/photos/{}/{}",
                report.0,
                photo.id,
                variant.as_str()
            )
        };
        let original = official.then(|| url(PhotoVariant::Original));
        Self {
            id: photo.id.0,
            kind: photo.kind.as_str(),
            status: "ready",
            width: photo.width,
            height: photo.height,
            content_type: photo.content_type.clone(),
            url: url(PhotoVariant::Public),
            thumbnail_url: url(PhotoVariant::Thumbnail320),
            original_url: original.clone(),
            urls: PhotoUrlsDto {
                thumb_320: url(PhotoVariant::Thumbnail320),
                thumb_1280: url(PhotoVariant::Thumbnail1280),
                public: url(PhotoVariant::Public),
                original,
            },
            merged_from: photo.merged_from.map(|r| r.0),
        }
    }
}

/// A report as one viewer sees it.
#[derive(Debug, Serialize)]
pub struct ReportDto {
    id: Uuid,
    number: String,
    title: String,
    description: String,
    category: String,
    priority: &'static str,
    status: &'static str,
    status_label: &'static str,
    location: LocationDto,
    address: Option<String>,
    jurisdiction: JurisdictionDto,
    department: Option<String>,
    assignee: Option<Uuid>,
    visibility: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter: Option<ReporterDto>,
    photos: Vec<PhotoDto>,
    support_count: u32,
    duplicate_of: Option<Uuid>,
    analysis: Option<AnalysisDto>,
    respond_by: DateTime<Utc>,
    resolve_by: DateTime<Utc>,
    /// The same as `resolve_by` (the name of the first release).
    due_at: DateTime<Utc>,
    overdue: bool,
    /// A clock was missed: the first response or the resolution.
    breached: bool,
    response_breached_at: Option<DateTime<Utc>>,
    resolution_breached_at: Option<DateTime<Utc>>,
    responded_at: Option<DateTime<Utc>>,
    reopened_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    version: u64,
}

impl From<ReportView> for ReportDto {
    fn from(view: ReportView) -> Self {
        let report = view.report;
        let breached = report.breached();
        Self {
            id: report.id.0,
            number: report.number.to_string(),
            title: view.title,
            description: view.description,
            category: report.category.to_string(),
            priority: report.priority.as_str(),
            status: report.status.as_str(),
            status_label: report.status.label_ko(),
            location: LocationDto {
                lat: report.location.lat(),
                lng: report.location.lng(),
            },
            address: view.address,
            jurisdiction: JurisdictionDto {
                code: report.jurisdiction.code,
                name: report.jurisdiction.name,
            },
            department: report.department.map(|d| d.to_string()),
            assignee: report.assignee.map(|a| a.0),
            visibility: report.visibility.as_str(),
            reporter: view.reporter_visible.then_some(ReporterDto {
                id: report.reporter.0,
            }),
            photos: report
                .photos
                .iter()
                .map(|photo| PhotoDto::new(report.id, photo, view.official))
                .collect(),
            support_count: report.support_count,
            duplicate_of: report.duplicate_of.map(|d| d.0),
            analysis: report.analysis.map(|a| AnalysisDto {
                category: a.category.to_string(),
                priority: a.priority.as_str(),
                confidence: a.confidence,
                decided_by: a.decided_by.as_str(),
                rule: a.rule,
                matched: a.matched,
                needs_review: a.needs_review,
                decided_at: a.decided_at,
                models: a.models,
                latency_ms: a.latency_ms,
                routing: a.routing.map(|rule| rule.as_str()),
                note: a.note.filter(|_| view.official),
            }),
            respond_by: report.respond_by,
            resolve_by: report.due_at,
            due_at: report.due_at,
            overdue: view.overdue,
            breached,
            response_breached_at: report.response_breached_at,
            resolution_breached_at: report.resolution_breached_at,
            responded_at: report.responded_at,
            reopened_at: report.reopened_at,
            created_at: report.created_at,
            updated_at: report.updated_at,
            resolved_at: report.resolved_at,
            version: report.version,
        }
    }
}

/// A report that may be the same problem as another: the report as the
/// viewer sees it (masked for the public), how far away and how alike.
#[derive(Debug, Serialize)]
pub struct PossibleDuplicateDto {
    #[serde(flatten)]
    report: ReportDto,
    /// Metres away, rounded.
    distance_m: u32,
    /// 0–1, three decimals.
    score: f64,
}

impl From<PossibleDuplicate> for PossibleDuplicateDto {
    fn from(duplicate: PossibleDuplicate) -> Self {
        Self {
            report: duplicate.view.into(),
            // Below the 1 km search radius, so the conversion cannot overflow.
            distance_m: duplicate.distance_m.round().clamp(0.0, f64::from(u32::MAX)) as u32,
            score: (duplicate.score * 1000.0).round() / 1000.0,
        }
    }
}

/// The answer to a submission: the new report, and the open reports nearby
/// that may be the same problem (nearest first) so the app can offer "me too".
#[derive(Debug, Serialize)]
pub struct SubmittedDto {
    #[serde(flatten)]
    report: ReportDto,
    possible_duplicates: Vec<PossibleDuplicateDto>,
}

impl SubmittedDto {
    /// `report` with its possible duplicates.
    pub fn new(report: ReportView, possible_duplicates: Vec<PossibleDuplicate>) -> Self {
        Self {
            report: report.into(),
            possible_duplicates: possible_duplicates.into_iter().map(Into::into).collect(),
        }
    }
}

/// A page of reports; a queue's also counts its reports per status.
#[derive(Debug, Serialize)]
pub struct ReportPageDto {
    /// The reports, in the list's order.
    pub items: Vec<ReportDto>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<Uuid>,
    /// Queues only: how many of its reports are in each status (the
    /// `status` filter aside), for the badges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<BTreeMap<&'static str, u64>>,
}

impl From<ReportList> for ReportPageDto {
    fn from(list: ReportList) -> Self {
        Self {
            items: list.items.into_iter().map(ReportDto::from).collect(),
            next_cursor: list.next.map(|id| id.0),
            counts: list.counts.map(|counts| {
                counts
                    .into_iter()
                    .map(|(status, n)| (status.as_str(), n))
                    .collect()
            }),
        }
    }
}

/// A notification, as its recipient reads it (REST and WebSocket).
#[derive(Debug, Clone, Serialize)]
pub struct NotificationDto {
    /// Identity.
    pub id: Uuid,
    /// `report_routed`, `report_assigned`, `status_changed`, `commented`,
    /// `marked_duplicate`, `sla_breached`.
    pub kind: &'static str,
    /// The report it is about.
    pub report_id: Uuid,
    /// One line, in Korean.
    pub title: String,
    /// A few lines, in Korean.
    pub body: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was read; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id.0,
            kind: n.kind.as_str(),
            report_id: n.report_id.0,
            title: n.title,
            body: n.body,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// `GET /api/v1/notifications`: a page, and how many are unread in all.
#[derive(Debug, Serialize)]
pub struct NotificationPageDto {
    /// Newest first.
    pub items: Vec<NotificationDto>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<Uuid>,
    /// Unread notifications, on every page.
    pub unread_count: u64,
}

/// `POST /api/v1/notifications/read-all`
#[derive(Debug, Serialize)]
pub struct ReadAllDto {
    /// How many were unread and are now read.
    pub marked: u64,
    /// Unread now (0, unless new ones arrived meanwhile).
    pub unread_count: u64,
}

/// `GET`/`PUT /api/v1/me/notification-settings`: one's e-mail setting.
#[derive(Debug, Serialize)]
pub struct NotificationSettingsDto {
    /// `none`, `immediate` or `daily`: the setting in force.
    pub email: &'static str,
    /// Whether it is the role's default (never chosen, or reset).
    pub default: bool,
}

impl From<sinmungo_core::app::EmailSetting> for NotificationSettingsDto {
    fn from(setting: sinmungo_core::app::EmailSetting) -> Self {
        Self {
            email: setting.email.as_str(),
            default: setting.default,
        }
    }
}

/// `PUT /api/v1/me/notification-settings` body: `email` is `none`,
/// `immediate`, `daily`, or `null` for the role's default.
#[derive(Debug, Deserialize)]
pub struct NotificationSettingsRequest {
    /// The preference, or none for the default.
    pub email: Option<String>,
}

/// A list without paging.
#[derive(Debug, Serialize)]
pub struct ItemsDto<T> {
    /// The items.
    pub items: Vec<T>,
}

#[derive(Debug, Serialize)]
struct ActorDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    role: Option<&'static str>,
}

/// One timeline entry.
#[derive(Debug, Serialize)]
pub struct TimelineEntryDto {
    id: Uuid,
    at: DateTime<Utc>,
    actor: Option<ActorDto>,
    #[serde(flatten)]
    kind: TimelineKind,
}

impl From<TimelineEntry> for TimelineEntryDto {
    fn from(entry: TimelineEntry) -> Self {
        let actor = entry.actor_role.map(|role| ActorDto {
            id: entry.actor.map(|a| a.0),
            role: Some(role.as_str()),
        });
        Self {
            id: entry.id,
            at: entry.at,
            actor,
            kind: entry.kind,
        }
    }
}
