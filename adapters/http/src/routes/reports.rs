//! `/api/v1/reports/*`.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use sinmungo_core::app::{ActionError, ListRequest, SubmitError, ViewError};
use sinmungo_core::domain::ReportId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{
    AnalysisRequestDto, AssignBody, ClassificationBody, CommentBodyDto, ItemsDto,
    PossibleDuplicateDto, PrivacyReviewBody, ReportDto, ReportPageDto, SubmitBody, SubmittedDto,
    TimelineEntryDto, TransitionBody,
};
use crate::extract::{Json, Path, Query};
use crate::limits::{ClientIp, Throttle};
use crate::openapi::problems::Problems;
use crate::openapi::schemas::ReportForm;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::upload::{is_multipart, PhotoIntake};

/// `POST /api/v1/reports` → 201 with `Location`. The body is JSON, or
/// `multipart/form-data` with the report's fields and up to five photos
/// (decided by `Content-Type`); photos are processed and stored before the answer.
#[utoipa::path(
    post,
    path = "/reports",
    tag = "신고",
    summary = "신고 접수 (JSON, 또는 사진과 함께 multipart)",
    description = "사진은 `multipart/form-data`로 최대 5장 (JPEG, PNG, WebP). 위치가 없으면 첫 사진의 EXIF GPS로 정합니다. 사진은 답하기 전에 처리되어 저장되고, 한 장이라도 거부되면 신고 전체가 거부됩니다. 답에는 근처의 비슷한 열린 신고(`possible_duplicates`)가 함께 옵니다.",
    request_body(content(
        (SubmitBody = "application/json"),
        (inline(ReportForm) = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "접수된 신고와 중복일 수 있는 신고들", body = SubmittedDto,
            headers(("Location" = String, description = "`/api/v1/reports/{id}`"))),
        Problems<Caller, Throttle, PhotoIntake, SubmitError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ip: ClientIp,
    body: Request,
) -> Result<impl IntoResponse, ApiError> {
    // Before reading a byte of what may be 30 MiB of photos.
    let Some(user) = actor.user_id() else {
        return Err(ApiError::unauthenticated(
            "unauthenticated",
            "sign in to submit a report (로그인이 필요합니다)",
        ));
    };
    let throttle = state.throttle();
    let limits = *throttle.limits();
    throttle
        .hit(&format!("submit:ip:{}", ip.key()), limits.submit_per_ip)
        .await?;
    throttle
        .hit(&format!("submit:user:{user}"), limits.submit_per_account)
        .await?;
    let request = if is_multipart(body.headers()) {
        state.uploads().report_form(body).await?
    } else {
        state
            .uploads()
            .json::<SubmitBody>(body)
            .await?
            .into_domain()
    };
    let report = state.use_cases().submit.execute(&actor, request).await?;
    let location = format!("/api/v1/reports/{}", report.id);
    // The report is stored: a failing search only costs the suggestions.
    let possible_duplicates = match state
        .use_cases()
        .duplicates
        .at_submit(&actor, &report)
        .await
    {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(report_id = %report.id, %error, "the duplicate search failed; answering without suggestions");
            Vec::new()
        }
    };
    let view = state.use_cases().read.view_of(&actor, report);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(SubmittedDto::new(view, possible_duplicates)),
    ))
}

/// The query string of `GET /api/v1/reports/{id}/nearby`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyParams {
    /// 1–1000 metres; default: the category's `duplicate_radius_m`.
    #[param(value_type = Option<f64>, minimum = 1, maximum = 1000)]
    radius_m: Option<String>,
}

/// `GET /api/v1/reports/{id}/nearby` → `{items}`: the open reports of the
/// same category near a report that may be the same problem, nearest first.
#[utoipa::path(
    get,
    path = "/reports/{id}/nearby",
    tag = "신고",
    summary = "근처의 같은 분야 열린 신고 (합칠 중복 후보)",
    params(("id" = Uuid, Path, description = "신고 ID"), NearbyParams),
    responses(
        (status = 200, description = "가까운 순", body = ItemsDto<PossibleDuplicateDto>),
        Problems<Caller, Path<Uuid>, Query<NearbyParams>, ViewError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn nearby(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Query(params): Query<NearbyParams>,
) -> Result<axum::Json<ItemsDto<PossibleDuplicateDto>>, ApiError> {
    let radius_m = params
        .radius_m
        .map(|r| {
            r.trim()
                .parse::<f64>()
                .map_err(|_| super::bad_query("radius_m", "a number of metres"))
        })
        .transpose()?;
    let found = state
        .use_cases()
        .duplicates
        .nearby(&actor, ReportId(id), radius_m)
        .await?;
    Ok(axum::Json(ItemsDto {
        items: found.into_iter().map(Into::into).collect(),
    }))
}

/// The query string of `GET /api/v1/reports`; numbers are parsed here so a bad one names its field.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A status (`received`, `in_progress`, …).
    #[param(example = "received")]
    status: Option<String>,
    /// A category code.
    #[param(example = "road_damage")]
    category: Option<String>,
    /// `urgent`, `high`, `normal` or `low`.
    priority: Option<String>,
    /// A department code.
    #[param(example = "road_management")]
    department: Option<String>,
    /// The map's box: `minLng,minLat,maxLng,maxLat`.
    #[param(example = "127.10,35.80,127.20,35.86")]
    bbox: Option<String>,
    /// Around a point: `lat,lng`, with `radius_m`.
    #[param(example = "35.8242,127.148")]
    near: Option<String>,
    /// Metres around `near`.
    #[param(value_type = Option<f64>, example = 500)]
    radius_m: Option<String>,
    /// Words in the title or description.
    #[param(example = "포트홀")]
    q: Option<String>,
    /// Only one's own reports.
    #[param(value_type = Option<bool>)]
    mine: Option<String>,
    /// Only open reports past `resolve_by`.
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
    /// Officials' queue: `department` or `mine` (with `counts`).
    queue: Option<String>,
    /// `-created` (newest first, the default) or `priority,due`.
    sort: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

impl ListParams {
    fn into_domain(self) -> Result<ListRequest, ApiError> {
        let radius_m = self
            .radius_m
            .map(|r| {
                r.trim()
                    .parse::<f64>()
                    .map_err(|_| super::bad_query("radius_m", "a number of metres"))
            })
            .transpose()?;
        let limit = super::query_limit(self.limit)?;
        let mine = super::query_flag("mine", self.mine.as_deref())?;
        let overdue = super::query_flag("overdue", self.overdue.as_deref())?;
        Ok(ListRequest {
            status: self.status,
            category: self.category,
            priority: self.priority,
            department: self.department,
            bbox: self.bbox,
            near: self.near,
            radius_m,
            q: self.q,
            mine,
            overdue,
            queue: self.queue,
            sort: self.sort,
            cursor: self.cursor,
            limit,
        })
    }
}

/// `GET /api/v1/reports`
#[utoipa::path(
    get,
    path = "/reports",
    operation_id = "list_reports",
    tag = "신고",
    summary = "신고 목록과 검색 (공무원은 부서 업무함)",
    params(ListParams),
    responses(
        (status = 200, description = "한 쪽의 신고", body = ReportPageDto),
        Problems<Caller, Query<ListParams>, ViewError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<ListParams>,
) -> Result<axum::Json<ReportPageDto>, ApiError> {
    let list = state
        .use_cases()
        .read
        .list(&actor, params.into_domain()?)
        .await?;
    Ok(axum::Json(ReportPageDto::from(list)))
}

/// `GET /api/v1/reports/{id}`
#[utoipa::path(
    get,
    path = "/reports/{id}",
    operation_id = "get_report",
    tag = "신고",
    summary = "신고 한 건",
    params(("id" = Uuid, Path, description = "신고 ID")),
    responses(
        (status = 200, description = "보는 사람에게 보이는 대로의 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, ViewError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state.use_cases().read.get(&actor, ReportId(id)).await?;
    Ok(axum::Json(view.into()))
}

/// `POST /api/v1/reports/{id}/transitions`
#[utoipa::path(
    post,
    path = "/reports/{id}/transitions",
    tag = "신고",
    summary = "상태 변경 (처리 시작, 처리 완료, 반려, 종결, 재개, 중복)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "바뀐 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, Json<TransitionBody>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn transition(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<TransitionBody>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state
        .use_cases()
        .transition
        .execute(&actor, ReportId(id), body.into_domain())
        .await?;
    Ok(axum::Json(view.into()))
}

/// `POST /api/v1/reports/{id}/assignment`
#[utoipa::path(
    post,
    path = "/reports/{id}/assignment",
    tag = "신고",
    summary = "부서나 담당자 배정",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "배정된 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, Json<AssignBody>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn assign(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<AssignBody>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state
        .use_cases()
        .assign
        .execute(&actor, ReportId(id), body.into_domain())
        .await?;
    Ok(axum::Json(view.into()))
}

/// `PUT /api/v1/reports/{id}/classification`
#[utoipa::path(
    put,
    path = "/reports/{id}/classification",
    tag = "신고",
    summary = "분야와 우선순위 재분류",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body = ClassificationBody,
    responses(
        (status = 200, description = "재분류된 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, Json<ClassificationBody>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn reclassify(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<ClassificationBody>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state
        .use_cases()
        .reclassify
        .execute(&actor, ReportId(id), body.into_domain())
        .await?;
    Ok(axum::Json(view.into()))
}

/// `POST /api/v1/reports/{id}/analysis` → 202: triage analyses the report
/// again shortly (through the bus, wherever triage runs).
#[utoipa::path(
    post,
    path = "/reports/{id}/analysis",
    tag = "신고",
    summary = "재분석 요청 (담당자가 분류한 신고는 분류를 유지한 채 분석만 기록)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    responses(
        (status = 202, description = "접수된 재분석 요청", body = AnalysisRequestDto),
        Problems<Caller, Path<Uuid>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn request_analysis(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    let requested = state
        .use_cases()
        .request_analysis
        .execute(&actor, ReportId(id))
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(AnalysisRequestDto::from(requested)),
    ))
}

/// `POST /api/v1/reports/{id}/privacy-review`
#[utoipa::path(
    post,
    path = "/reports/{id}/privacy-review",
    tag = "신고",
    summary = "개인정보 검토 (내용 공개 또는 비공개 유지)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body = PrivacyReviewBody,
    responses(
        (status = 200, description = "검토가 기록된 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, Json<PrivacyReviewBody>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn review_privacy(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<PrivacyReviewBody>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state
        .use_cases()
        .privacy_review
        .execute(&actor, ReportId(id), body.into_domain())
        .await?;
    Ok(axum::Json(view.into()))
}

/// `POST /api/v1/reports/{id}/comments` → 201 with the timeline entry.
#[utoipa::path(
    post,
    path = "/reports/{id}/comments",
    tag = "신고",
    summary = "댓글 (공무원은 내부 메모도)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body = CommentBodyDto,
    responses(
        (status = 201, description = "처리 기록에 더해진 댓글", body = TimelineEntryDto),
        Problems<Caller, Path<Uuid>, Json<CommentBodyDto>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn comment(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<CommentBodyDto>,
) -> Result<impl IntoResponse, ApiError> {
    let entry = state
        .use_cases()
        .comment
        .execute(&actor, ReportId(id), body.into_domain())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TimelineEntryDto::from(entry)),
    ))
}

/// `POST /api/v1/reports/{id}/support`
#[utoipa::path(
    post,
    path = "/reports/{id}/support",
    tag = "신고",
    summary = "공감 (\"나도 불편해요\", 한 사람에 한 번)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    responses(
        (status = 200, description = "공감 수가 늘어난 신고", body = ReportDto),
        Problems<Caller, Path<Uuid>, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn support(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ReportDto>, ApiError> {
    let view = state
        .use_cases()
        .support
        .execute(&actor, ReportId(id))
        .await?;
    Ok(axum::Json(view.into()))
}

/// `GET /api/v1/reports/{id}/timeline`
#[utoipa::path(
    get,
    path = "/reports/{id}/timeline",
    tag = "신고",
    summary = "처리 기록 (상태 변경, 배정, 분류, 댓글, 사진)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    responses(
        (status = 200, description = "오래된 순", body = ItemsDto<TimelineEntryDto>),
        Problems<Caller, Path<Uuid>, ViewError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn timeline(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<ItemsDto<TimelineEntryDto>>, ApiError> {
    let view = state
        .use_cases()
        .read
        .timeline(&actor, ReportId(id))
        .await?;
    Ok(axum::Json(ItemsDto {
        items: view
            .entries
            .into_iter()
            .map(TimelineEntryDto::from)
            .collect(),
    }))
}
