//! `/api/v1/auth/*` and `/api/v1/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::auth::{Caller, IssuedTokens, TokenService};
use crate::dto::{LoginBody, RefreshBody, RegisterBody, SessionDto, UserDto};
use crate::extract::Json;
use crate::problem::ApiError;
use crate::state::AppState;
use sinmungo_core::domain::User;

/// Issues an access token and opens a refresh session.
async fn open_session(state: &AppState, user: &User) -> Result<IssuedTokens, ApiError> {
    let (refresh_token, hash) = TokenService::refresh_token();
    state
        .use_cases()
        .sessions
        .open(user.id, hash, state.tokens().refresh_ttl())
        .await?;
    tokens_for(state, user, refresh_token)
}

fn tokens_for(
    state: &AppState,
    user: &User,
    refresh_token: String,
) -> Result<IssuedTokens, ApiError> {
    let access_token = state
        .tokens()
        .access_token(user)
        .map_err(|e| ApiError::internal(&anyhow::Error::new(e)))?;
    Ok(IssuedTokens {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens().access_ttl_seconds(),
    })
}

/// `POST /api/v1/auth/register`: a citizen signs up → 201 with tokens.
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterBody>,
) -> Result<impl IntoResponse, ApiError> {
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

/// `POST /api/v1/auth/login`
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state
        .use_cases()
        .accounts
        .login(&body.email, &body.password)
        .await?;
    let tokens = open_session(&state, &user).await?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}

/// `POST /api/v1/auth/refresh`: uses a refresh token once and returns a new pair.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (refresh_token, hash) = TokenService::refresh_token();
    let old_hash = TokenService::hash_refresh_token(&body.refresh_token);
    let user = state
        .use_cases()
        .sessions
        .rotate(&old_hash, hash, state.tokens().refresh_ttl())
        .await?;
    let tokens = tokens_for(&state, &user, refresh_token)?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}

/// `POST /api/v1/auth/logout`: ends the refresh session → 204.
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    let hash = TokenService::hash_refresh_token(&body.refresh_token);
    state.use_cases().sessions.close(&hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`
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
