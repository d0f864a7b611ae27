//! The `Authorization: Bearer …` header, turned into the acting [`Actor`].
//!
//! Two kinds of bearer: an access token (a JWT, checked by the
//! [`TokenService`](crate::auth::TokenService), then its session checked
//! live, so signing out or changing a password ends it at once), or a
//! service account's API key (`smk_…`, looked up by its hash).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sinmungo_core::domain::{Actor, SessionId};

use crate::auth::api_keys::{self, API_KEY_PREFIX};
use crate::openapi::problems::{problem, Answers, Problem, UNAVAILABLE};
use crate::problem::ApiError;
use crate::state::AppState;

/// The caller of a request: anonymous without a token; a bad token is a 401,
/// never silently anonymous.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

/// The caller and, for a signed-in person, the session their token belongs to.
#[derive(Debug, Clone)]
pub struct CallerSession {
    /// Who.
    pub actor: Actor,
    /// The sign-in (absent for anonymous callers and API keys).
    pub session: Option<SessionId>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(authenticate(parts, state).await?.actor))
    }
}

impl FromRequestParts<AppState> for CallerSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state).await
    }
}

/// What a bearer credential that is not accepted answers.
impl Answers for Caller {
    const PROBLEMS: &'static [Problem] = CREDENTIAL_PROBLEMS;
}

impl Answers for CallerSession {
    const PROBLEMS: &'static [Problem] = CREDENTIAL_PROBLEMS;
}

const CREDENTIAL_PROBLEMS: &[Problem] = &[
    problem(
        axum::http::StatusCode::UNAUTHORIZED,
        "invalid_token",
        "액세스 토큰이 올바르지 않거나 만료되었습니다",
    ),
    problem(
        axum::http::StatusCode::UNAUTHORIZED,
        "session_ended",
        "로그아웃, 비밀번호 변경, 역할 변경으로 끝난 로그인입니다",
    ),
    problem(
        axum::http::StatusCode::UNAUTHORIZED,
        "invalid_api_key",
        "모르거나 폐기된 API 키입니다",
    ),
    UNAVAILABLE,
];

async fn authenticate(parts: &Parts, state: &AppState) -> Result<CallerSession, ApiError> {
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(CallerSession {
            actor: Actor::Anonymous,
            session: None,
        });
    };
    let value = header.to_str().map_err(|_| invalid_token())?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(invalid_token)?;
    authenticate_bearer(token, state).await
}

fn invalid_token() -> ApiError {
    ApiError::unauthenticated("invalid_token", "the access token is invalid or expired")
}

/// The caller a bearer credential names: an access token (its session
/// checked live) or an API key. (WebSocket clients in a browser send it as a
/// subprotocol instead of a header.)
pub(crate) async fn authenticate_bearer(
    token: &str,
    state: &AppState,
) -> Result<CallerSession, ApiError> {
    if token.starts_with(API_KEY_PREFIX) {
        let principal = state
            .use_cases()
            .service_accounts
            .authenticate(&api_keys::hash(token))
            .await
            .map_err(ApiError::from_store)?
            .ok_or_else(|| {
                ApiError::unauthenticated("invalid_api_key", "the API key is unknown or revoked")
            })?;
        return Ok(CallerSession {
            actor: Actor::User(principal),
            session: None,
        });
    }
    let verified = state.tokens().verify(token).map_err(|_| invalid_token())?;
    if !state
        .use_cases()
        .sessions
        .is_active(verified.session)
        .await?
    {
        return Err(ApiError::unauthenticated(
            "session_ended",
            "this sign-in has ended (signed out, password changed, or role changed); sign in again (다시 로그인해 주세요)",
        ));
    }
    Ok(CallerSession {
        actor: Actor::User(verified.principal),
        session: Some(verified.session),
    })
}
