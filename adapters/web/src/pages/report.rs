//! `GET /admin/reports/{id}`: one report as an officer sees it — text,
//! place, photos, the analysis, the SLA clocks, the timeline — and the
//! actions the officer's role allows on it, as forms.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::{PossibleDuplicate, ReportView, TimelineView, ViewError};
use sinmungo_core::domain::{
    PhotoKind, Priority, Privacy, PrivacyDecision, ReportId, ReportStatus, TimelineEntry,
    TimelineKind, User, UserId,
};
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::error::PageError;
use crate::format;
use crate::lang::Lang;
use crate::pages::layout;
use crate::session::Officer;

/// Which form a message belongs next to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormName {
    /// Start, resolve, reject.
    Status,
    /// Assign.
    Assign,
    /// Comments.
    Comment,
    /// Reclassify.
    Reclassify,
}

/// What the page says above or next to a form after an action.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// The answer's status (200 after a success, 409/422/403 after a refusal).
    pub status: StatusCode,
    /// The form the message concerns; `None` for the page's top.
    pub form: Option<FormName>,
    /// Whether it reports a failure.
    pub error: bool,
    /// The sentences, in Korean.
    pub messages: Vec<String>,
}

/// `?done=…` after an action succeeded (post, redirect, get).
#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The report id in a path; anything but a UUID is "not found".
pub(crate) fn report_id(raw: &str) -> Result<ReportId, PageError> {
    Uuid::parse_str(raw)
        .map(ReportId)
        .map_err(|_| PageError::not_found())
}

/// `GET /admin/reports/{id}`.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    let id = report_id(&id)?;
    let done = match query.done.as_deref() {
        Some("status") => Some(lang.pick("상태를 변경했습니다.", "The status was changed.")),
        Some("assign") => Some(lang.pick("배정했습니다.", "The report was assigned.")),
        Some("comment") => Some(lang.pick("댓글을 남겼습니다.", "Your comment was added.")),
        Some("classification") => {
            Some(lang.pick("분류를 변경했습니다.", "The classification was changed."))
        }
        Some("resolved-with-photos") => Some(lang.pick(
            "처리 완료로 바꾸고 처리 사진을 올렸습니다.",
            "The report was resolved and the photos were uploaded.",
        )),
        _ => None,
    };
    let notice = done.map(|message| Notice {
        status: StatusCode::OK,
        form: None,
        error: false,
        messages: vec![message.to_owned()],
    });
    render(&state, &officer, id, notice).await
}

/// Everything the page shows besides the report itself.
struct Context {
    categories: Vec<(String, String)>,
    departments: HashMap<String, String>,
    people: HashMap<UserId, User>,
    officers: Vec<User>,
    /// Open reports of the same category nearby (for those who may see them).
    nearby: Vec<PossibleDuplicate>,
}

impl Context {
    fn category_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.categories
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, name)| name.as_str())
    }

    fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments.get(code).map_or(code, String::as_str)
    }

    fn person(&self, id: UserId) -> String {
        let lang = Lang::current();
        self.people.get(&id).map_or_else(
            || (lang.pick("(알 수 없음)", "(unknown)")).to_owned(),
            |u| format!("{} ({})", u.display_name.as_str(), format::role(u.role)),
        )
    }
}

/// The report page for `officer`, with `notice` shown (and its status).
pub(crate) async fn render(
    state: &AppState,
    officer: &Officer,
    id: ReportId,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let use_cases = state.use_cases();
    let view = use_cases.read.get(&officer.actor, id).await?;
    let timeline = use_cases.read.timeline(&officer.actor, id).await?;
    let internal = |error: &dyn std::fmt::Display| PageError::internal(error);
    let categories = use_cases
        .directory
        .categories()
        .await
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(|c| (c.code.to_string(), format::name(c.name, c.name_en)))
        .collect();
    let departments = use_cases
        .directory
        .departments()
        .await
        .map_err(|e| internal(&e))?
        .into_iter()
        .map(|d| (d.code.to_string(), format::name(d.name, d.name_en)))
        .collect();
    let report = &view.report;
    let officers = match (&report.department, officer.actor.may_assign(report)) {
        (Some(department), Ok(())) if report.status.is_open() => use_cases
            .accounts
            .officials_of(&officer.actor, department)
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut people = HashMap::new();
    let ids = std::iter::once(report.reporter)
        .chain(report.assignee)
        .chain(timeline.entries.iter().filter_map(|e| e.actor))
        .chain(timeline.entries.iter().filter_map(|e| match &e.kind {
            TimelineKind::Assigned { assignee, .. } => *assignee,
            _ => None,
        }));
    for person in ids {
        if people.contains_key(&person) {
            continue;
        }
        if let Some(user) = use_cases
            .accounts
            .user(person)
            .await
            .map_err(|e| internal(&e))?
        {
            people.insert(person, user);
        }
    }
    let nearby = match use_cases.duplicates.nearby(&officer.actor, id, None).await {
        Ok(found) => found,
        Err(ViewError::Forbidden(_) | ViewError::SignInRequired) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let context = Context {
        categories,
        departments,
        people,
        officers,
        nearby,
    };
    let status = notice.as_ref().map_or(StatusCode::OK, |n| n.status);
    let title = format!("{} {}", report.number, view.title);
    let body = page(officer, &view, &timeline, &context, notice.as_ref());
    Ok((status, layout::page(&title, Some(officer), &body)).into_response())
}

/// Open reports of the same category nearby: possible duplicates, each
/// with a form marking this report a duplicate of it (when the officer may).
fn nearby(officer: &Officer, view: &ReportView, context: &Context) -> Markup {
    let lang = Lang::current();
    let report = &view.report;
    let may_merge = report.status.can_become(ReportStatus::Duplicate)
        && officer
            .actor
            .may_transition(report, ReportStatus::Duplicate, Utc::now())
            .is_ok();
    html! {
        section aria-labelledby="h-nearby" {
            h2 #h-nearby { (lang.pick("근처의 비슷한 신고", "Similar reports nearby")) }
            @if context.nearby.is_empty() {
                p { (lang.pick("근처에 같은 분류의 처리 중인 신고가 없습니다.", "No open reports of the same category nearby.")) }
            } @else {
                table.nearby {
                    caption { (lang.pick("같은 분류, 가까운 순 (중복일 수 있는 신고)", "Same category, nearest first (possible duplicates)")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("접수번호", "Number")) }
                            th scope="col" { (lang.pick("제목", "Title")) }
                            th scope="col" { (lang.pick("상태", "Status")) }
                            th scope="col" { (lang.pick("거리", "Distance")) }
                            th scope="col" { (lang.pick("유사도", "Similarity")) }
                            @if may_merge { th scope="col" { (lang.pick("중복 처리", "Mark as duplicate")) } }
                        }
                    }
                    tbody {
                        @for candidate in &context.nearby {
                            @let other = &candidate.view.report;
                            tr {
                                th scope="row" { a href={ "/admin/reports/" (other.id) } { (other.number) } }
                                td { (candidate.view.title) }
                                td { (format::status(other.status)) }
                                td { (format!("{:.0}", candidate.distance_m)) "m" }
                                td { (format!("{:.0}", candidate.score * 100.0)) "%" }
                                @if may_merge {
                                    td {
                                        form method="post" action={ "/admin/reports/" (report.id) "/status" } {
                                            (csrf(officer))
                                            input type="hidden" name="to" value="duplicate";
                                            input type="hidden" name="duplicate_of" value=(other.id);
                                            input type="hidden" name="expected_version" value=(report.version);
                                            button.merge type="submit" aria-label={ (lang.pick("이 신고를 ", "Mark this report as a duplicate of ")) (other.number) (lang.pick("의 중복으로 표시", "")) } {
                                                (lang.pick("", "Duplicate of ")) (other.number) (lang.pick("의 중복으로 표시", ""))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn messages(notice: Option<&Notice>, form: Option<FormName>) -> Markup {
    html! {
        @if let Some(notice) = notice.filter(|n| n.form == form) {
            @if notice.error {
                div.error role="alert" data-form=[form.map(|f| format!("{f:?}").to_lowercase())] {
                    @for message in &notice.messages { p { (message) } }
                }
            } @else {
                div.notice role="status" {
                    @for message in &notice.messages { p { (message) } }
                }
            }
        }
    }
}

fn page(
    officer: &Officer,
    view: &ReportView,
    timeline: &TimelineView,
    context: &Context,
    notice: Option<&Notice>,
) -> Markup {
    let lang = Lang::current();
    let report = &view.report;
    let now = Utc::now();
    html! {
        p.crumbs { a href="/admin" { (lang.pick("← 부서 대기열", "← Department queue")) } }
        h1 { span.number { (report.number) } " " (view.title) }
        // Shown by console.js when someone else changes the report while it is open.
        div #report-changed role="status" hidden data-live-topic={ "report:" (report.id) } data-version=(report.version) {
            (lang.pick("다른 사람이 이 신고를 변경했습니다. ", "Someone else changed this report. "))
            a href={ "/admin/reports/" (report.id) } { (lang.pick("새로 고쳐 최신 내용 보기", "Reload to see the latest")) }
        }
        (messages(notice, None))
        dl.summary {
            dt { (lang.pick("상태", "Status")) } dd { span.status #report-status data-status=(report.status.as_str()) { (format::status(report.status)) } }
            dt { (lang.pick("우선순위", "Priority")) } dd { (format::priority(report.priority)) }
            dt { (lang.pick("분류", "Category")) } dd { (context.category_name(report.category.as_str())) }
            dt { (lang.pick("담당 부서", "Department")) } dd {
                @match &report.department {
                    Some(d) => (context.department_name(d.as_str())),
                    None => (lang.pick("없음", "None")),
                }
            }
            dt { (lang.pick("담당자", "Assignee")) } dd {
                @match report.assignee {
                    Some(id) => (context.person(id)),
                    None => (lang.pick("미배정", "Unassigned")),
                }
            }
            dt { (lang.pick("신고자", "Reporter")) } dd { (context.person(report.reporter)) }
            dt { (lang.pick("접수 시각", "Received at")) } dd { (format::time(report.created_at)) }
            dt { (lang.pick("버전", "Version")) } dd { (report.version) }
        }
        section aria-labelledby="h-description" {
            h2 #h-description { (lang.pick("신고 내용", "Description")) }
            p.description { (view.description) }
        }
        section aria-labelledby="h-place" {
            h2 #h-place { (lang.pick("위치", "Location")) }
            dl {
                dt { (lang.pick("주소", "Address")) } dd { (view.address.as_deref().unwrap_or(lang.pick("(주소 없음)", "(no address)"))) }
                dt { (lang.pick("관할", "Jurisdiction")) } dd { (report.jurisdiction.name) }
                dt { (lang.pick("좌표", "Coordinates")) } dd { (lang.pick("위도 ", "latitude ")) (format!("{:.6}", report.location.lat())) (lang.pick(", 경도 ", ", longitude ")) (format!("{:.6}", report.location.lng())) }
            }
        }
        (photos(view))
        (nearby(officer, view, context))
        (analysis(view, context))
        section aria-labelledby="h-sla" {
            h2 #h-sla { (lang.pick("처리 기한", "Due")) }
            dl {
                dt { (lang.pick("첫 조치 기한", "First response due")) } dd {
                    (format::time(report.respond_by))
                    @if let Some(at) = report.responded_at { (lang.pick(" — 조치 시작 ", " — work started ")) (format::time(at)) }
                    @if report.response_breached_at.is_some() { " " span.late { (lang.pick("기한 초과", "Overdue")) } }
                }
                dt { (lang.pick("처리 기한", "Due")) } dd {
                    (format::time(report.due_at))
                    @if view.overdue || report.resolution_breached_at.is_some() { " " span.late { (lang.pick("기한 초과", "Overdue")) } }
                }
                @if let Some(at) = report.resolved_at { dt { (lang.pick("처리 완료", "Resolved")) } dd { (format::time(at)) } }
            }
        }
        (actions(officer, view, context, notice, now))
        (timeline_section(timeline, context))
    }
}

fn photos(view: &ReportView) -> Markup {
    let lang = Lang::current();
    let report = &view.report;
    html! {
        section aria-labelledby="h-photos" {
            h2 #h-photos { (lang.pick("사진", "Photos")) }
            @if report.photos.is_empty() {
                p { (lang.pick("사진이 없습니다.", "No photos.")) }
            } @else {
                ul.photos {
                    @for (n, photo) in report.photos.iter().enumerate() {
                        @let base = format!("/admin/reports/{}/photos/{}", report.id, photo.id.0);
                        @let kind = match photo.kind { PhotoKind::Report => lang.pick("신고 사진", "Report photo"), PhotoKind::Resolution => lang.pick("처리 사진", "Resolution photo") };
                        li {
                            a href={ (base) "/original" } {
                                img src={ (base) "/thumb-320" } alt={ (kind) " " (n + 1) } loading="lazy";
                            }
                            span { (kind) " " (n + 1) (lang.pick(" · 원본 ", " · original ")) (photo.width) "×" (photo.height) }
                        }
                    }
                }
            }
        }
    }
}

fn analysis(view: &ReportView, context: &Context) -> Markup {
    let lang = Lang::current();
    html! {
        section aria-labelledby="h-analysis" {
            h2 #h-analysis { (lang.pick("자동 분석", "Automatic analysis")) }
            @match &view.report.analysis {
                None => p { (lang.pick("아직 분석되지 않았습니다.", "Not analysed yet.")) },
                Some(analysis) => dl {
                    dt { (lang.pick("분류", "Category")) } dd { (context.category_name(analysis.category.as_str())) }
                    dt { (lang.pick("우선순위", "Priority")) } dd { (format::priority(analysis.priority)) }
                    dt { (lang.pick("신뢰도", "Confidence")) } dd { (format!("{:.0}%", analysis.confidence * 100.0)) }
                    dt { (lang.pick("결정 주체", "Decided by")) } dd { (format::decided_by(analysis.decided_by)) }
                    dt { (lang.pick("적용 규칙", "Rule applied")) } dd { (analysis.rule.as_deref().unwrap_or(lang.pick("없음", "None"))) }
                    @if !analysis.matched.is_empty() { dt { (lang.pick("근거 단어", "Matched words")) } dd { (analysis.matched.join(", ")) } }
                    dt { (lang.pick("부서 지정", "Department chosen")) } dd {
                        @match analysis.routing {
                            Some(rule) => (format::routing(rule)),
                            None => (lang.pick("변경 없음", "No change")),
                        }
                    }
                    @if analysis.needs_review { dt { (lang.pick("검토", "Review")) } dd { span.late { (lang.pick("담당자 검토 필요", "Needs an officer’s review")) } } }
                    @if let Some(note) = &analysis.note { dt { (lang.pick("참고", "Notes")) } dd { (note) } }
                    @if let Some(status) = privacy_status(&analysis.privacy, lang) {
                        dt { (lang.pick("개인정보", "Personal data")) }
                        dd {
                            (status)
                            @if !analysis.privacy.spans.is_empty() { " — " (analysis.privacy.spans.join(", ")) }
                        }
                    }
                    dt { (lang.pick("분석 시각", "Analysed at")) } dd { (format::time(analysis.decided_at)) }
                }
            }
        }
    }
}

/// Where the description stands with the public, when personal data is in question.
fn privacy_status(privacy: &Privacy, lang: Lang) -> Option<&'static str> {
    match privacy.review.as_ref().map(|r| r.decision) {
        Some(PrivacyDecision::Publish) => Some(lang.pick("검토 후 공개", "Published after review")),
        Some(PrivacyDecision::KeepHidden) => Some(lang.pick("비공개 유지", "Kept hidden")),
        None if privacy.personal_data == Some(true) => Some(lang.pick(
            "포함 가능 — 검토 전까지 내용 비공개",
            "Possibly included — description hidden until reviewed",
        )),
        None => None,
    }
}

fn csrf(officer: &Officer) -> Markup {
    html! { input type="hidden" name="csrf" value=(officer.form_token); }
}

fn actions(
    officer: &Officer,
    view: &ReportView,
    context: &Context,
    notice: Option<&Notice>,
    now: chrono::DateTime<Utc>,
) -> Markup {
    let lang = Lang::current();
    let report = &view.report;
    let actor = &officer.actor;
    let may = |to: ReportStatus| {
        report.status.can_become(to) && actor.may_transition(report, to, now).is_ok()
    };
    let action = |path: &str| format!("/admin/reports/{}/{path}", report.id);
    let version = report.version.to_string();
    let assign = actor.may_assign(report).is_ok() && report.status.is_open();
    let reclassify = actor.may_reclassify(report).is_ok() && report.status.is_open();
    let comment = actor.may_comment(report, false).is_ok();
    let internal = actor.may_comment(report, true).is_ok();
    html! {
        section.actions aria-labelledby="h-actions" {
            h2 #h-actions { (lang.pick("처리", "Handling")) }
            (messages(notice, Some(FormName::Status)))
            @if may(ReportStatus::InProgress) {
                form method="post" action=(action("status")) {
                    (csrf(officer))
                    input type="hidden" name="to" value="in_progress";
                    input type="hidden" name="expected_version" value=(version);
                    button #start type="submit" { (lang.pick("처리 시작", "Start work")) }
                }
            }
            @if may(ReportStatus::Resolved) {
                form method="post" action=(action("resolve")) enctype="multipart/form-data" {
                    (csrf(officer))
                    input type="hidden" name="expected_version" value=(version);
                    p {
                        label for="resolve-note" { (lang.pick("처리 내용", "Resolution note")) }
                        textarea #resolve-note name="note" rows="3" maxlength="2000" {}
                    }
                    p {
                        label for="resolve-photos" { (lang.pick("처리 사진 (선택, 5장까지, JPEG·PNG·WebP)", "Resolution photos (optional, up to 5, JPEG·PNG·WebP)")) }
                        input #resolve-photos type="file" name="photos" multiple accept="image/jpeg,image/png,image/webp";
                    }
                    button #resolve type="submit" { (lang.pick("처리 완료", "Resolve")) }
                }
            }
            @if may(ReportStatus::Rejected) {
                form method="post" action=(action("status")) {
                    (csrf(officer))
                    input type="hidden" name="to" value="rejected";
                    input type="hidden" name="expected_version" value=(version);
                    p {
                        label for="reject-note" { (lang.pick("반려 사유", "Reason for rejection")) }
                        textarea #reject-note name="note" rows="2" maxlength="2000" {}
                    }
                    button #reject type="submit" { (lang.pick("반려", "Reject")) }
                }
            }
            @if !(may(ReportStatus::InProgress) || may(ReportStatus::Resolved) || may(ReportStatus::Rejected)) {
                p { (lang.pick("이 신고의 상태를 바꿀 수 있는 처리가 없습니다.", "There is nothing you can do to this report’s status.")) }
            }
            @if assign {
                h3 { (lang.pick("배정", "Assign")) }
                (messages(notice, Some(FormName::Assign)))
                @if context.officers.is_empty() {
                    p { (lang.pick("이 부서에 배정할 수 있는 공무원이 없습니다.", "There is no officer in this department to assign.")) }
                } @else {
                    form method="post" action=(action("assign")) {
                        (csrf(officer))
                        p {
                            label for="assignee" { (lang.pick("담당자", "Assignee")) }
                            select #assignee name="assignee" {
                                @for user in &context.officers {
                                    option value=(user.id.0) selected[report.assignee == Some(user.id)] {
                                        (user.display_name.as_str()) " (" (format::role(user.role)) ")"
                                    }
                                }
                            }
                        }
                        button type="submit" { (lang.pick("배정", "Assign")) }
                    }
                }
            }
            @if reclassify {
                h3 { (lang.pick("분류 변경", "Reclassify")) }
                (messages(notice, Some(FormName::Reclassify)))
                form method="post" action=(action("classification")) {
                    (csrf(officer))
                    p {
                        label for="category" { (lang.pick("분류", "Category")) }
                        select #category name="category" {
                            @for (code, name) in &context.categories {
                                option value=(code) selected[code == report.category.as_str()] { (name) }
                            }
                        }
                    }
                    p {
                        label for="priority" { (lang.pick("우선순위", "Priority")) }
                        select #priority name="priority" {
                            @for p in Priority::ALL {
                                option value=(p.as_str()) selected[p == report.priority] { (format::priority(p)) }
                            }
                        }
                    }
                    button type="submit" { (lang.pick("분류 변경", "Reclassify")) }
                }
            }
            @if comment {
                h3 { (lang.pick("댓글", "Comments")) }
                (messages(notice, Some(FormName::Comment)))
                form method="post" action=(action("comments")) {
                    (csrf(officer))
                    p {
                        label for="comment-body" { (lang.pick("내용", "Text")) }
                        textarea #comment-body name="body" rows="3" maxlength="2000" {}
                    }
                    fieldset {
                        legend { (lang.pick("공개 범위", "Visibility")) }
                        @if internal {
                            input #comment-internal type="radio" name="visibility" value="internal" checked;
                            label for="comment-internal" { (lang.pick("내부 메모 (공무원만 봄)", "Internal note (officers only)")) }
                        }
                        input #comment-public type="radio" name="visibility" value="public" checked[!internal];
                        label for="comment-public" { (lang.pick("공개 댓글 (신고자에게 보임)", "Public comment (the reporter sees it)")) }
                    }
                    button type="submit" { (lang.pick("댓글 남기기", "Add comment")) }
                }
            }
        }
    }
}

fn timeline_section(timeline: &TimelineView, context: &Context) -> Markup {
    let lang = Lang::current();
    html! {
        section aria-labelledby="h-timeline" {
            h2 #h-timeline { (lang.pick("처리 이력", "History")) }
            ol.timeline {
                @for entry in &timeline.entries {
                    li {
                        time datetime=(entry.at.to_rfc3339()) { (format::time(entry.at)) }
                        " "
                        @if let Some(actor) = entry.actor { span.actor { (context.person(actor)) } " " }
                        (describe(entry, context))
                    }
                }
            }
        }
    }
}

fn describe(entry: &TimelineEntry, context: &Context) -> Markup {
    let lang = Lang::current();
    html! {
        @match &entry.kind {
            TimelineKind::Submitted => (lang.pick("신고 접수", "Report received")),
            TimelineKind::Classified { category, priority, decided_by, rule } => {
                (lang.pick("분류: ", "Classified: ")) (context.category_name(category)) " / "
                (Priority::parse(priority).map_or_else(|_| priority.clone(), |p| format::priority(p).to_owned()))
                " (" (format::decided_by(*decided_by))
                @if let Some(rule) = rule { (lang.pick(", 규칙 ", ", rule ")) (rule) }
                ")"
            }
            TimelineKind::StatusChanged { from, to, note } => {
                (lang.pick("상태 변경: ", "Status changed: ")) (format::status(*from)) " → " (format::status(*to))
                @if let Some(note) = note { blockquote { (note) } }
            }
            TimelineKind::Assigned { department, assignee } => {
                (lang.pick("배정: ", "Assigned: "))
                @if let Some(d) = department { (context.department_name(d)) }
                @if let Some(a) = assignee { (lang.pick(", 담당자 ", ", assignee ")) (context.person(*a)) }
            }
            TimelineKind::Comment { body, internal } => {
                @if *internal { span.internal { (lang.pick("내부 메모", "Internal note")) } } @else { (lang.pick("공개 댓글", "Public comment")) }
                blockquote { (body) }
            }
            TimelineKind::MarkedDuplicate { original } => {
                (lang.pick("중복 신고로 표시 (원 신고 ", "Marked as a duplicate (original ")) a href={ "/admin/reports/" (original) } { (lang.pick("보기", "view")) } ")"
            }
            TimelineKind::DuplicateMerged { duplicate } => {
                (lang.pick("중복 신고 병합 (", "Duplicate merged in (")) a href={ "/admin/reports/" (duplicate) } { (lang.pick("보기", "view")) } ")"
            }
            TimelineKind::PhotosAdded { kind, photos } => {
                @match kind { PhotoKind::Report => (lang.pick("신고 사진", "Report photo")), PhotoKind::Resolution => (lang.pick("처리 사진", "Resolution photo")) }
                " " (photos.len()) (lang.pick("장 추가", " added"))
            }
        }
    }
}
