//! Signing in to the console through the configured identity providers
//! (Google, Kakao, Naver): the same flow as the API's
//! (`sinmungo_http::auth::OAuthClient`, PKCE, sealed state), with the
//! console's own callback URL `/admin/login/oauth/{provider}/callback`
//! (registered with the provider beside the API's) and its own short-lived
//! cookie. Only officials get a session; anyone else is told the console is
//! not for them.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup};
use sinmungo_core::app::ExternalLoginError;
use sinmungo_core::domain::Provider;
use sinmungo_http::auth::{CallbackQuery, Flow, OAuthClient, OAuthError};
use sinmungo_http::limits::ClientIp;
use sinmungo_http::{ApiError, AppState};

use crate::error::PageError;
use crate::lang::Lang;
use crate::pages::login;
use crate::ConsoleConfig;

/// The cookie holding the pending sign-in between start and callback.
const COOKIE: &str = "sinmungo_console_oauth";
/// The only path it is sent to.
const COOKIE_PATH: &str = "/admin/login/oauth";

/// A provider's name on its button.
fn label(provider: Provider) -> &'static str {
    let lang = Lang::current();
    match provider {
        Provider::Google => lang.pick("Google 계정으로 로그인", "Sign in with Google"),
        Provider::Kakao => lang.pick("카카오 계정으로 로그인", "Sign in with Kakao"),
        Provider::Naver => lang.pick("네이버 계정으로 로그인", "Sign in with Naver"),
    }
}

/// The sign-in page's buttons, one per configured provider (none without).
pub(crate) fn buttons(state: &AppState) -> Markup {
    let providers = state
        .oauth()
        .map(OAuthClient::providers)
        .unwrap_or_default();
    html! {
        @if !providers.is_empty() {
            section.oauth aria-labelledby="h-oauth" {
                h2 #h-oauth { (Lang::current().pick("다른 계정으로 로그인", "Sign in with another account")) }
                ul {
                    @for provider in providers {
                        li {
                            a.button data-provider=(provider.as_str())
                                href={ "/admin/login/oauth/" (provider.as_str()) } { (label(provider)) }
                        }
                    }
                }
            }
        }
    }
}

/// `Set-Cookie` for the pending sign-in (`value`, `max_age` seconds; 0 clears it).
/// `SameSite=Lax`: the provider's redirect back is a cross-site navigation.
fn cookie(config: &ConsoleConfig, value: &str, max_age: u64) -> Result<HeaderValue, PageError> {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .map_err(|error| PageError::internal(&error))
}

fn client<'a>(state: &'a AppState, provider: &str) -> Result<&'a OAuthClient, PageError> {
    state
        .oauth()
        .filter(|client| client.is_configured(provider))
        .ok_or_else(|| {
            let lang = Lang::current();
            PageError::new(
                StatusCode::NOT_FOUND,
                lang.pick("지원하지 않는 로그인 방식입니다", "Unsupported sign-in method"),
                lang.pick(
                    "이 서버에 설정되지 않은 로그인 방식입니다. 이메일과 비밀번호로 로그인해 주세요.",
                    "This sign-in method is not set up on this server. Sign in with your e-mail and password.",
                ),
            )
        })
}

/// `GET /admin/login/oauth/{provider}` → 303 to the provider.
#[tracing::instrument(skip_all, fields(provider = %provider))]
pub(crate) async fn start(
    State(state): State<AppState>,
    Extension(config): Extension<ConsoleConfig>,
    Path(provider): Path<String>,
) -> Result<Response, PageError> {
    let client = client(&state, &provider)?;
    let started = client
        .start_for(&provider, Flow::Console)
        .and_then(|(location, pending)| Ok((location, client.seal(&pending)?)));
    let (location, sealed) = match started {
        Ok(started) => started,
        Err(error) => return Ok(refused(&state, error)),
    };
    let mut response = Redirect::to(&location).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(
            &config,
            &sealed,
            sinmungo_http::auth::oauth::PENDING_TTL.as_secs(),
        )?,
    );
    Ok(response)
}

/// `GET /admin/login/oauth/{provider}/callback?code&state`: finishes the
/// sign-in; an official gets the console's session cookie → 303 to the
/// queue. The pending sign-in's cookie is cleared whatever the outcome.
#[tracing::instrument(skip_all, fields(provider = %provider))]
pub(crate) async fn callback(
    State(state): State<AppState>,
    Extension(config): Extension<ConsoleConfig>,
    Path(provider): Path<String>,
    ip: ClientIp,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let mut response = match finish(&state, &config, &provider, &ip, &headers, &query).await {
        Ok(response) | Err(response) => response,
    };
    if let Ok(clear) = cookie(&config, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

async fn finish(
    state: &AppState,
    config: &ConsoleConfig,
    provider: &str,
    ip: &ClientIp,
    headers: &HeaderMap,
    query: &CallbackQuery,
) -> Result<Response, Response> {
    let client = client(state, provider).map_err(IntoResponse::into_response)?;
    let throttle = state.throttle();
    if throttle
        .hit(
            &format!("oauth:ip:{}", ip.key()),
            throttle.limits().login_per_ip,
        )
        .await
        .is_err()
    {
        return Err(login::page(
            state,
            StatusCode::TOO_MANY_REQUESTS,
            "",
            None,
            Some(login::too_many()),
        ));
    }
    let sealed = sent_cookie(headers).ok_or(OAuthError::StateMismatch);
    let profile =
        match sealed.and_then(|sealed| client.open_for(provider, Flow::Console, sealed)) {
            Ok(pending) => client.finish(&pending, query).await,
            Err(error) => Err(error),
        }
        .map_err(|error| refused(state, error))?;
    let user = state
        .use_cases()
        .accounts
        .sign_in_external(&profile)
        .await
        .map_err(|error| match error {
            ExternalLoginError::EmailNotVerified => login::page(
                state,
                StatusCode::FORBIDDEN,
                "",
                None,
                Some(Lang::current().pick(
                    "로그인한 계정이 인증된 이메일을 제공하지 않았습니다. 이메일 제공에 동의하거나 비밀번호로 로그인해 주세요.",
                    "The account you signed in with did not give a verified e-mail address. Allow sharing your e-mail, or sign in with your password.",
                )),
            ),
            ExternalLoginError::Disabled => login::page(
                state,
                StatusCode::FORBIDDEN,
                "",
                None,
                Some(login::disabled()),
            ),
            ExternalLoginError::Unavailable(reason) => {
                PageError::unavailable(&reason).into_response()
            }
            ExternalLoginError::Unknown(error) => PageError::internal(&error).into_response(),
        })?;
    tracing::info!(user = %user.id, "console sign-in through an identity provider");
    login::signed_in(state, config, &user)
        .await
        .map_err(|page| page.into_response())
}

/// The sign-in page again, saying in the page's language why the provider's sign-in failed.
fn refused(state: &AppState, error: OAuthError) -> Response {
    let problem = ApiError::from(error);
    let lang = Lang::current();
    let message = match problem.code() {
        "unknown_provider" => lang.pick(
            "이 서버에 설정되지 않은 로그인 방식입니다.",
            "This sign-in method is not set up on this server.",
        ),
        "oauth_state_mismatch" | "oauth_missing_code" => lang.pick(
            "로그인 요청이 만료되었거나 이 브라우저에서 시작되지 않았습니다. 처음부터 다시 시도해 주세요.",
            "The sign-in request expired or was not started in this browser. Please start again.",
        ),
        "oauth_denied" => lang.pick(
            "로그인이 취소되었거나 정보 제공에 동의하지 않았습니다.",
            "The sign-in was cancelled, or sharing your details was not allowed.",
        ),
        "oauth_id_token_invalid" => lang.pick(
            "로그인 정보를 확인할 수 없습니다. 다시 시도해 주세요.",
            "The sign-in details could not be verified. Please try again.",
        ),
        _ if problem.status().is_server_error() && problem.status() != StatusCode::BAD_GATEWAY => {
            lang.pick(
                "로그인을 처리하지 못했습니다. 문제가 계속되면 관리자에게 알려 주세요.",
                "The sign-in could not be completed. If this keeps happening, tell an administrator.",
            )
        }
        _ => lang.pick(
            "로그인 서비스가 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
            "The sign-in service is not answering. Please try again shortly.",
        ),
    };
    login::page(state, problem.status(), "", None, Some(message))
}

/// The pending sign-in's cookie the browser sent, if any.
fn sent_cookie(headers: &HeaderMap) -> Option<&str> {
    crate::session::named_cookie(headers, COOKIE)
}
