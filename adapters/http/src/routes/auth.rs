//! `/api/v1/auth/*` and `/api/v1/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::auth::{Caller, CallerSession, IssuedTokens, TokenService};
use crate::dto::{LoginBody, PasswordChangeBody, RefreshBody, RegisterBody, SessionDto, UserDto};
use crate::extract::Json;
use crate::limits::{ClientIp, Throttle};
use crate::openapi::problems::{problem, Answers, Problem, Problems};
use crate::problem::ApiError;
use crate::state::AppState;
use sinmungo_core::app::{LoginError, PasswordChangeError, RegisterError, SessionError};
use sinmungo_core::domain::access::Denied;
use sinmungo_core::domain::{SessionId, User};

/// `POST /auth/logout` with neither a body nor a bearer token.
const REFRESH_TOKEN_REQUIRED: Problem = problem(
    StatusCode::BAD_REQUEST,
    "refresh_token_required",
    "갱신 토큰을 보내거나 액세스 토큰으로 로그아웃해야 합니다",
);

struct RefreshTokenRequired;

impl Answers for RefreshTokenRequired {
    const PROBLEMS: &'static [Problem] = &[REFRESH_TOKEN_REQUIRED];
}

/// Issues an access token and opens a refresh session (a new family).
pub(crate) async fn open_session(state: &AppState, user: &User) -> Result<IssuedTokens, ApiError> {
    let (refresh_token, hash) = TokenService::refresh_token();
    let session = state
        .use_cases()
        .sessions
        .open(user.id, hash, state.tokens().refresh_ttl())
        .await?;
    tokens_for(state, user, session, refresh_token)
}

fn tokens_for(
    state: &AppState,
    user: &User,
    session: SessionId,
    refresh_token: String,
) -> Result<IssuedTokens, ApiError> {
    let access_token = state
        .tokens()
        .access_token(user, session)
        .map_err(|e| ApiError::internal(&anyhow::Error::new(e)))?;
    Ok(IssuedTokens {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens().access_ttl_seconds(),
    })
}

/// `POST /api/v1/auth/register`: a citizen signs up → 201 with tokens.
#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "인증",
    summary = "시민 회원 가입",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "가입하고 로그인한 세션", body = SessionDto),
        Problems<Json<RegisterBody>, Throttle, RegisterError, SessionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<RegisterBody>,
) -> Result<impl IntoResponse, ApiError> {
    let throttle = state.throttle();
    throttle
        .hit(
            &format!("register:ip:{}", ip.key()),
            throttle.limits().register_per_ip,
        )
        .await?;
    let user = state
        .use_cases()
        .accounts
        .register(body.into_domain())
        .await?;
    let tokens = open_session(&state, &user).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SessionDto {
            user: UserDto::from(&user),
            tokens,
        }),
    ))
}

/// `POST /api/v1/auth/login`. Limited per address (every attempt) and per
/// account (failures); the failure that reaches the account's limit is
/// written to the audit log, and a success clears the account's failures.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "인증",
    summary = "이메일과 비밀번호로 로그인",
    request_body = LoginBody,
    responses(
        (status = 200, description = "새 세션", body = SessionDto),
        Problems<Json<LoginBody>, Throttle, LoginError, SessionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<LoginBody>,
) -> Result<impl IntoResponse, ApiError> {
    let throttle = state.throttle();
    let limits = *throttle.limits();
    throttle
        .hit(&format!("login:ip:{}", ip.key()), limits.login_per_ip)
        .await?;
    let account = format!("login:fail:{}", body.email.trim().to_lowercase());
    throttle
        .check(&account, limits.login_failures_per_account)
        .await?;
    let accounts = &state.use_cases().accounts;
    let user = match accounts.login(&body.email, &body.password).await {
        Ok(user) => user,
        Err(LoginError::InvalidCredentials) => {
            let quota = limits.login_failures_per_account;
            if throttle.record(&account, quota).await {
                let ip = ip.0.map(|ip| ip.to_string());
                if let Err(error) = accounts
                    .record_failed_logins(&body.email, quota.limit, quota.window.as_secs(), ip)
                    .await
                {
                    tracing::warn!(%error, "could not audit a burst of failed sign-ins");
                }
            }
            return Err(LoginError::InvalidCredentials.into());
        }
        Err(other) => return Err(other.into()),
    };
    throttle.reset(&account).await;
    let tokens = open_session(&state, &user).await?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}

/// `POST /api/v1/auth/refresh`: uses a refresh token once and returns a new pair.
#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = "인증",
    summary = "갱신 토큰으로 새 토큰 받기 (한 번만 쓸 수 있음)",
    request_body = RefreshBody,
    responses(
        (status = 200, description = "새 토큰 쌍", body = SessionDto),
        Problems<Json<RefreshBody>, SessionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (refresh_token, hash) = TokenService::refresh_token();
    let old_hash = TokenService::hash_refresh_token(&body.refresh_token);
    let (user, session) = state
        .use_cases()
        .sessions
        .rotate(&old_hash, hash, state.tokens().refresh_ttl())
        .await?;
    let tokens = tokens_for(&state, &user, session, refresh_token)?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}

/// `POST /api/v1/auth/logout`: ends the sign-in the refresh token belongs
/// to (every token rotated from it, and its access tokens) → 204. With no
/// body, the sign-in of the bearer access token ends instead.
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "인증",
    summary = "로그아웃",
    request_body(
        content = Option<RefreshBody>,
        description = "끝낼 로그인의 갱신 토큰; 본문이 없으면 액세스 토큰의 로그인을 끝냄",
    ),
    responses(
        (status = 204, description = "로그인이 끝남"),
        Problems<CallerSession, Json<RefreshBody>, SessionError, RefreshTokenRequired>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    caller: CallerSession,
    body: Option<Json<RefreshBody>>,
) -> Result<StatusCode, ApiError> {
    let sessions = &state.use_cases().sessions;
    match (body, caller.session) {
        (Some(Json(body)), _) => {
            sessions
                .close(&TokenService::hash_refresh_token(&body.refresh_token))
                .await?;
        }
        (None, Some(session)) => sessions.end(session).await?,
        (None, None) => {
            return Err(ApiError::bad_request(
                REFRESH_TOKEN_REQUIRED.code,
                "send {\"refresh_token\": …} or sign out with a bearer access token",
            ))
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/password`: `{current_password, new_password}`. Every
/// session of the account ends (other devices too); the answer carries a
/// fresh session for this one.
#[utoipa::path(
    post,
    path = "/me/password",
    tag = "인증",
    summary = "비밀번호 변경 (다른 기기의 로그인은 모두 끝남)",
    request_body = PasswordChangeBody,
    responses(
        (status = 200, description = "이 기기의 새 세션", body = SessionDto),
        Problems<Caller, Json<PasswordChangeBody>, PasswordChangeError, SessionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<PasswordChangeBody>,
) -> Result<axum::Json<SessionDto>, ApiError> {
    let user = state
        .use_cases()
        .accounts
        .change_password(&actor, &body.current_password, &body.new_password)
        .await?;
    let tokens = open_session(&state, &user).await?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}

/// `GET /api/v1/me`
#[utoipa::path(
    get,
    path = "/me",
    tag = "인증",
    summary = "내 계정",
    responses(
        (status = 200, description = "로그인한 사람", body = UserDto),
        Problems<Caller, Denied, LoginError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn me(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<axum::Json<UserDto>, ApiError> {
    let id = actor.user_id().ok_or_else(|| {
        ApiError::unauthenticated(
            "unauthenticated",
            "sign in to do this (로그인이 필요합니다)",
        )
    })?;
    let user = state.use_cases().accounts.user(id).await?.ok_or_else(|| {
        ApiError::unauthenticated("invalid_token", "the account no longer exists")
    })?;
    Ok(axum::Json(UserDto::from(&user)))
}
