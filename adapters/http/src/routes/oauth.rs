//! `/api/v1/auth/oauth/{provider}/start` and `…/callback`: signing in
//! through Google, Kakao or Naver.
//!
//! `start` answers 302 to the provider and sets the `sinmungo_oauth` cookie
//! (HttpOnly, SameSite=Lax, sent only to these two routes, 10 minutes,
//! `Secure` behind https) holding the pending sign-in sealed by the secrets
//! sealer. `callback` opens it, checks the provider's answer, signs the
//! person in (linking by verified e-mail, or creating a citizen) and
//! answers like `POST /auth/login`; it always clears the cookie.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::open_session;
use sinmungo_core::app::{ExternalLoginError, SessionError};

use crate::auth::oauth::{CallbackQuery, COOKIE_NAME, COOKIE_PATH, PENDING_TTL};
use crate::auth::{OAuthClient, OAuthError};
use crate::dto::{SessionDto, UserDto};
use crate::extract::{Path, Query};
use crate::limits::{ClientIp, Throttle};
use crate::openapi::problems::Problems;
use crate::problem::ApiError;
use crate::state::AppState;

/// The client, if `provider` is one it has.
fn client<'a>(state: &'a AppState, provider: &str) -> Result<&'a OAuthClient, ApiError> {
    state
        .oauth()
        .filter(|client| client.is_configured(provider))
        .ok_or_else(|| OAuthError::UnknownProvider(provider.chars().take(40).collect()).into())
}

/// The `Set-Cookie` value: `value` for `max_age` seconds (0 clears it).
fn cookie(
    client: Option<&OAuthClient>,
    value: &str,
    max_age: u64,
) -> Result<HeaderValue, ApiError> {
    let secure = if client.is_some_and(OAuthClient::secure_cookie) {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|e| ApiError::internal(&anyhow::Error::new(e)))
}

/// The `sinmungo_oauth` cookie the browser sent, if any.
fn sent_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim())
}

/// `GET /api/v1/auth/oauth/{provider}/start` → 302 to the provider, with
/// the pending sign-in in the cookie; 404 `unknown_provider` if it is not
/// configured.
#[utoipa::path(
    get,
    path = "/auth/oauth/{provider}/start",
    tag = "인증",
    summary = "소셜 로그인 시작 (구글, 카카오, 네이버)",
    params(("provider" = String, Path, description = "`google`, `kakao` 또는 `naver` (설정된 것만)", example = "kakao")),
    responses(
        (status = 302, description = "제공자의 로그인 화면으로; 진행 중인 로그인은 봉인된 `sinmungo_oauth` 쿠키에 (10분)",
            headers(("Location" = String, description = "제공자의 인증 주소"), ("Set-Cookie" = String))),
        Problems<Path<String>, OAuthError>,
    ),
)]
#[tracing::instrument(skip_all, fields(provider = %provider))]
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
) -> Result<Response, ApiError> {
    let client = client(&state, &provider)?;
    let (location, pending) = client.start(&provider)?;
    let sealed = client.seal(&pending)?;
    let location =
        HeaderValue::from_str(&location).map_err(|e| ApiError::internal(&anyhow::Error::new(e)))?;
    Ok((
        StatusCode::FOUND,
        [
            (LOCATION, location),
            (
                SET_COOKIE,
                cookie(Some(client), &sealed, PENDING_TTL.as_secs())?,
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}

/// `GET /api/v1/auth/oauth/{provider}/callback?code&state` (or
/// `?error=access_denied&state`) → 200 with tokens, as `POST /auth/login`.
/// Counted against the sign-in limit per address. The cookie is cleared
/// whatever the outcome.
#[utoipa::path(
    get,
    path = "/auth/oauth/{provider}/callback",
    tag = "인증",
    summary = "소셜 로그인 완료 (제공자가 브라우저를 돌려보내는 곳)",
    params(("provider" = String, Path, description = "`google`, `kakao` 또는 `naver`", example = "kakao"), CallbackQuery),
    responses(
        (status = 200, description = "로그인한 세션 (`POST /auth/login`과 같음)", body = SessionDto),
        Problems<Path<String>, Query<CallbackQuery>, Throttle, OAuthError, ExternalLoginError, SessionError>,
    ),
)]
#[tracing::instrument(skip_all, fields(provider = %provider))]
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    ip: ClientIp,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let outcome = sign_in(&state, &provider, &ip, &headers, &query).await;
    let clear = cookie(state.oauth(), "", 0);
    let mut response = outcome.into_response();
    if let Ok(clear) = clear {
        response.headers_mut().append(SET_COOKIE, clear);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn sign_in(
    state: &AppState,
    provider: &str,
    ip: &ClientIp,
    headers: &HeaderMap,
    query: &CallbackQuery,
) -> Result<axum::Json<SessionDto>, ApiError> {
    let client = client(state, provider)?;
    let throttle = state.throttle();
    throttle
        .hit(
            &format!("oauth:ip:{}", ip.key()),
            throttle.limits().login_per_ip,
        )
        .await?;
    let sealed = sent_cookie(headers).ok_or(OAuthError::StateMismatch)?;
    let pending = client.open(provider, sealed)?;
    let profile = client.finish(&pending, query).await?;
    let user = state
        .use_cases()
        .accounts
        .sign_in_external(&profile)
        .await?;
    tracing::info!(user = %user.id, "signed in through an identity provider");
    let tokens = open_session(state, &user).await?;
    Ok(axum::Json(SessionDto {
        user: UserDto::from(&user),
        tokens,
    }))
}
