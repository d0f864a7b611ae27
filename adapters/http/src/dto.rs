//! The JSON shapes of the API: request bodies (parsed into use-case requests)
//! and responses (built from views). Field names are snake_case; times RFC 3339.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{
    AnalysisRequested, AssignRequest, CommentRequest, PossibleDuplicate, PrivacyReviewRequest,
    ReclassifyRequest, RegisterRequest, ReportList, ReportView, SubmitRequest, TransitionRequest,
};
use sinmungo_core::domain::{
    Notification, Photo, PhotoVariant, ReportId, TimelineEntry, TimelineKind, User,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::IssuedTokens;

/// `POST /auth/register`
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// The e-mail to sign in with.
    #[serde(default)]
    #[schema(example = "citizen@example.kr")]
    email: String,
    /// At least 10 characters.
    #[serde(default)]
    #[schema(example = "jeonbuk2026!")]
    password: String,
    /// The name shown to officials.
    #[serde(default)]
    #[schema(example = "김전북")]
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    /// E-mail.
    #[serde(default)]
    #[schema(example = "citizen@example.kr")]
    pub email: String,
    /// Password.
    #[serde(default)]
    #[schema(example = "jeonbuk2026!")]
    pub password: String,
}

/// `POST /auth/refresh`, `POST /auth/logout`
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshBody {
    /// The refresh token.
    pub refresh_token: String,
}

/// `POST /me/password`
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeBody {
    /// The password now (ignored for accounts that have none yet).
    #[serde(default)]
    pub current_password: String,
    /// The new password.
    #[serde(default)]
    pub new_password: String,
}

/// A location in a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LocationBody {
    /// Latitude (WGS 84).
    #[schema(example = 35.8242)]
    lat: f64,
    /// Longitude (WGS 84).
    #[schema(example = 127.148)]
    lng: f64,
}

/// `POST /reports`
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitBody {
    /// One line (at most 200 characters).
    #[serde(default)]
    #[schema(example = "효자동 도로에 큰 포트홀")]
    title: String,
    /// What is wrong, where (at most 5,000 characters).
    #[serde(default)]
    #[schema(example = "집 앞 도로에 큰 포트홀이 생겼어요. 차가 지날 때마다 위험합니다.")]
    description: String,
    /// Where; without it, the first photo's EXIF GPS (multipart only).
    location: Option<LocationBody>,
    /// The address as the citizen says it.
    #[schema(example = "전북특별자치도 전주시 완산구 효자동1가")]
    address: Option<String>,
    /// A category code; absent: the rules and the AI choose.
    #[schema(example = "road_damage")]
    category: Option<String>,
    /// `public` (the default) or `private`.
    #[schema(example = "public")]
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionBody {
    /// The status to move to.
    #[serde(default)]
    #[schema(example = "in_progress")]
    to: String,
    /// The resolution note or the rejection reason (required for those).
    #[schema(example = "보수 작업을 시작했습니다")]
    note: Option<String>,
    /// The original, when marking a duplicate.
    duplicate_of: Option<Uuid>,
    /// The `version` the client read; another one answers 409 `version_conflict`.
    #[schema(example = 2)]
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignBody {
    /// A department code.
    #[schema(example = "road_management")]
    department: Option<String>,
    /// An officer of the department.
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClassificationBody {
    /// A category code.
    #[serde(default)]
    #[schema(example = "road_damage")]
    category: String,
    /// `urgent`, `high`, `normal` or `low`.
    #[serde(default)]
    #[schema(example = "high")]
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

/// The answer to `POST /reports/{id}/analysis`: the request is in the
/// outbox, and triage will analyse the report shortly; the report's
/// `analysis.trigger` becomes `event_id` once it has.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AnalysisRequest)]
pub struct AnalysisRequestDto {
    report_id: Uuid,
    /// The `report.analysis_requested` event.
    event_id: Uuid,
    requested_at: DateTime<Utc>,
}

impl From<AnalysisRequested> for AnalysisRequestDto {
    fn from(requested: AnalysisRequested) -> Self {
        Self {
            report_id: requested.report_id.0,
            event_id: requested.event_id,
            requested_at: requested.requested_at,
        }
    }
}

/// `POST /reports/{id}/comments`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CommentBody)]
pub struct CommentBodyDto {
    /// The text.
    #[serde(default)]
    #[schema(example = "현장을 확인했습니다. 이번 주 안에 보수하겠습니다.")]
    body: String,
    /// Officials only: hidden from the reporter and the public.
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserDto {
    id: Uuid,
    #[schema(example = "citizen@example.kr")]
    email: String,
    #[schema(example = "김전북")]
    display_name: String,
    #[schema(schema_with = crate::openapi::schemas::role)]
    role: &'static str,
    /// The same role, as a list (for clients that expect several).
    #[schema(schema_with = crate::openapi::schemas::roles)]
    roles: Vec<&'static str>,
    /// Officials: their department's code.
    #[schema(example = "road_management")]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Session)]
pub struct SessionDto {
    /// Who signed in.
    pub user: UserDto,
    /// Tokens.
    #[serde(flatten)]
    pub tokens: IssuedTokens,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Location)]
struct LocationDto {
    #[schema(example = 35.8242)]
    lat: f64,
    #[schema(example = 127.148)]
    lng: f64,
}

/// The city, county or district the report lies in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Jurisdiction)]
struct JurisdictionDto {
    #[schema(example = "35011")]
    code: String,
    #[schema(example = "전주시완산구")]
    name: String,
}

/// How the report was classified, and by whom.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Analysis)]
struct AnalysisDto {
    #[schema(example = "road_damage")]
    category: String,
    #[schema(schema_with = crate::openapi::schemas::priority)]
    priority: &'static str,
    confidence: f64,
    /// `rules`, `ai` or `human`.
    #[schema(example = "rules")]
    decided_by: &'static str,
    #[schema(example = "road_pothole")]
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
    /// Officials only: the event whose handling produced this analysis (a
    /// requested re-analysis has the request's `event_id`); absent for the
    /// rules' decision at submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger: Option<Uuid>,
    /// The LLM's verdict on whether the text holds personal data; `null`
    /// when unknown (no LLM, or it did not say).
    personal_data: Option<bool>,
    /// Officials only: the pieces of the text the LLM pointed at.
    #[serde(skip_serializing_if = "Option::is_none")]
    personal_data_spans: Option<Vec<String>>,
    /// Officials only: an officer's decision on the description, once one has looked.
    #[serde(skip_serializing_if = "Option::is_none")]
    privacy_review: Option<PrivacyReviewDto>,
}

/// An officer's look at a report's personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PrivacyReview)]
struct PrivacyReviewDto {
    /// `publish` or `keep_hidden`.
    #[schema(example = "publish")]
    decision: &'static str,
    /// The officer.
    by: Uuid,
    at: DateTime<Utc>,
}

/// `POST /reports/{id}/privacy-review`
#[derive(Debug, Deserialize, ToSchema)]
pub struct PrivacyReviewBody {
    /// `publish` (the public reads the description, masked as always) or
    /// `keep_hidden` (it never does).
    #[serde(default)]
    #[schema(example = "publish")]
    decision: String,
}

impl PrivacyReviewBody {
    /// The use-case request.
    pub fn into_domain(self) -> PrivacyReviewRequest {
        PrivacyReviewRequest {
            decision: self.decision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Reporter)]
struct ReporterDto {
    id: Uuid,
}

/// Where a photo's forms are served.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PhotoUrls)]
struct PhotoUrlsDto {
    thumb_320: String,
    thumb_1280: String,
    public: String,
    /// Officials only.
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<String>,
}

/// A photo of a report. Who uploaded it is never shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Photo)]
struct PhotoDto {
    id: Uuid,
    /// `report` (the citizen's) or `resolution` (처리 사진, an official's).
    #[schema(example = "report")]
    kind: &'static str,
    /// Always `ready`: photos are processed before the upload is answered.
    #[schema(example = "ready")]
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

/// A report as one viewer sees it (personal data masked for the public).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Report)]
pub struct ReportDto {
    id: Uuid,
    /// The receipt number.
    #[schema(example = "JB-2026-000123")]
    number: String,
    #[schema(example = "효자동 도로에 큰 포트홀")]
    title: String,
    /// Masked for the public; while the LLM says it may hold personal data
    /// and no officer has looked (or one kept it hidden), the public reads a
    /// Korean placeholder instead and `description_withheld` is `true`.
    #[schema(example = "집 앞 도로에 큰 포트홀이 생겼어요. 연락처: 010-****-****")]
    description: String,
    /// Whether `description` is the placeholder (never for officials or the reporter).
    description_withheld: bool,
    #[schema(example = "road_damage")]
    category: String,
    #[schema(schema_with = crate::openapi::schemas::priority)]
    priority: &'static str,
    #[schema(schema_with = crate::openapi::schemas::report_status)]
    status: &'static str,
    /// The status in Korean.
    #[schema(example = "접수")]
    status_label: &'static str,
    location: LocationDto,
    #[schema(example = "전북특별자치도 전주시 완산구 효자동1가")]
    address: Option<String>,
    jurisdiction: JurisdictionDto,
    /// The department handling it.
    #[schema(example = "road_management")]
    department: Option<String>,
    assignee: Option<Uuid>,
    /// `public` or `private`.
    #[schema(example = "public")]
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
            description_withheld: view.description_withheld,
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
                trigger: a.trigger.filter(|_| view.official),
                personal_data: a.privacy.personal_data,
                personal_data_spans: view.official.then_some(a.privacy.spans),
                privacy_review: a.privacy.review.filter(|_| view.official).map(|r| {
                    PrivacyReviewDto {
                        decision: r.decision.as_str(),
                        by: r.by.0,
                        at: r.at,
                    }
                }),
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PossibleDuplicate)]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SubmittedReport)]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReportPage)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Notification)]
pub struct NotificationDto {
    /// Identity.
    pub id: Uuid,
    /// `report_routed`, `report_assigned`, `status_changed`, `commented`,
    /// `marked_duplicate`, `sla_breached`.
    #[schema(schema_with = crate::openapi::schemas::notification_kind)]
    pub kind: &'static str,
    /// The report it is about.
    pub report_id: Uuid,
    /// One line, in Korean.
    #[schema(example = "신고 처리가 시작되었습니다")]
    pub title: String,
    /// A few lines, in Korean.
    #[schema(example = "JB-2026-000123 「효자동 도로에 큰 포트홀」: 처리중")]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NotificationPage)]
pub struct NotificationPageDto {
    /// Newest first.
    pub items: Vec<NotificationDto>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<Uuid>,
    /// Unread notifications, on every page.
    pub unread_count: u64,
}

/// `POST /api/v1/notifications/read-all`
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReadAll)]
pub struct ReadAllDto {
    /// How many were unread and are now read.
    pub marked: u64,
    /// Unread now (0, unless new ones arrived meanwhile).
    pub unread_count: u64,
}

/// `GET`/`PUT /api/v1/me/notification-settings`: one's e-mail setting.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NotificationSettings)]
pub struct NotificationSettingsDto {
    /// `none`, `immediate` or `daily`: the setting in force.
    #[schema(schema_with = crate::openapi::schemas::email_setting)]
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
#[derive(Debug, Deserialize, ToSchema)]
pub struct NotificationSettingsRequest {
    /// The preference, or none for the default.
    #[schema(example = "daily")]
    pub email: Option<String>,
}

/// A list without paging.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Items)]
pub struct ItemsDto<T> {
    /// The items.
    pub items: Vec<T>,
}

/// Who acted: a role, and the person where the viewer may know them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Actor)]
struct ActorDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    #[schema(example = "staff")]
    role: Option<&'static str>,
}

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TimelineEntry)]
pub struct TimelineEntryDto {
    id: Uuid,
    at: DateTime<Utc>,
    /// Absent for automatic steps.
    actor: Option<ActorDto>,
    #[serde(flatten)]
    kind: TimelineKindDto,
}

/// What happened, by `type` (the core's [`TimelineKind`], as the API shows it).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[schema(as = TimelineKind)]
enum TimelineKindDto {
    /// The report was submitted.
    Submitted,
    /// The report was classified (by rules, AI or a person).
    Classified {
        #[schema(example = "road_damage")]
        category: String,
        #[schema(example = "normal")]
        priority: String,
        /// `rules`, `ai` or `human`.
        #[schema(example = "rules")]
        decided_by: &'static str,
        #[schema(example = "road_pothole")]
        rule: Option<String>,
    },
    /// The status changed.
    StatusChanged {
        #[schema(schema_with = crate::openapi::schemas::report_status)]
        from: &'static str,
        #[schema(schema_with = crate::openapi::schemas::report_status)]
        to: &'static str,
        /// Resolution note or rejection reason.
        #[schema(example = "포트홀을 메웠습니다")]
        note: Option<String>,
    },
    /// The report was routed or assigned.
    Assigned {
        #[schema(example = "road_management")]
        department: Option<String>,
        assignee: Option<Uuid>,
    },
    /// Someone commented.
    Comment {
        #[schema(example = "현장을 확인했습니다. 이번 주 안에 보수하겠습니다.")]
        body: String,
        /// Officials only.
        internal: bool,
    },
    /// Marked as a duplicate of another report.
    MarkedDuplicate {
        /// The original.
        original: Uuid,
    },
    /// A duplicate was merged into this report.
    DuplicateMerged {
        /// The duplicate.
        duplicate: Uuid,
    },
    /// Photos were added after submission.
    PhotosAdded {
        /// `report` or `resolution` (처리 사진).
        #[schema(example = "resolution")]
        kind: &'static str,
        /// The photos added, in upload order.
        photos: Vec<Uuid>,
    },
}

impl From<TimelineKind> for TimelineKindDto {
    fn from(kind: TimelineKind) -> Self {
        match kind {
            TimelineKind::Submitted => Self::Submitted,
            TimelineKind::Classified {
                category,
                priority,
                decided_by,
                rule,
            } => Self::Classified {
                category,
                priority,
                decided_by: decided_by.as_str(),
                rule,
            },
            TimelineKind::StatusChanged { from, to, note } => Self::StatusChanged {
                from: from.as_str(),
                to: to.as_str(),
                note,
            },
            TimelineKind::Assigned {
                department,
                assignee,
            } => Self::Assigned {
                department,
                assignee: assignee.map(|a| a.0),
            },
            TimelineKind::Comment { body, internal } => Self::Comment { body, internal },
            TimelineKind::MarkedDuplicate { original } => Self::MarkedDuplicate {
                original: original.0,
            },
            TimelineKind::DuplicateMerged { duplicate } => Self::DuplicateMerged {
                duplicate: duplicate.0,
            },
            TimelineKind::PhotosAdded { kind, photos } => Self::PhotosAdded {
                kind: kind.as_str(),
                photos: photos.into_iter().map(|p| p.0).collect(),
            },
        }
    }
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
            kind: entry.kind.into(),
        }
    }
}
