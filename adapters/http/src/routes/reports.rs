//! `/api/v1/reports/*`.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use sinmungo_core::app::ListRequest;
use sinmungo_core::domain::ReportId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{
    AssignBody, ClassificationBody, CommentBodyDto, ItemsDto, PossibleDuplicateDto, ReportDto,
    ReportPageDto, SubmitBody, SubmittedDto, TimelineEntryDto, TransitionBody,
};
use crate::extract::{Json, Path, Query};
use crate::limits::ClientIp;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::upload::is_multipart;

/// `POST /api/v1/reports` → 201 with `Location`. The body is JSON, or
/// `multipart/form-data` with the report's fields and up to five photos
/// (decided by `Content-Type`); photos are processed and stored before the answer.
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
#[derive(Debug, Deserialize)]
pub struct NearbyParams {
    radius_m: Option<String>,
}

/// `GET /api/v1/reports/{id}/nearby` → `{items}`: the open reports of the
/// same category near a report that may be the same problem, nearest first.
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
#[derive(Debug, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    category: Option<String>,
    priority: Option<String>,
    department: Option<String>,
    bbox: Option<String>,
    near: Option<String>,
    radius_m: Option<String>,
    q: Option<String>,
    mine: Option<String>,
    overdue: Option<String>,
    queue: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
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

/// `POST /api/v1/reports/{id}/comments` → 201 with the timeline entry.
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
